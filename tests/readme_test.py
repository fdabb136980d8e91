#!/usr/bin/env python3
"""Runs the commands of README.md's ```sh blocks as a reader would type them, and fails if one fails.

`bazel run [--config=X] //pkg:tool [-- ARGS]` is run as bazel runs it: the built binary (from this
test's runfiles), in a working directory of its own, with BUILD_WORKING_DIRECTORY and
BUILD_WORKSPACE_DIRECTORY naming the "checkout" the reader is in (a directory of links to the repository
files), so relative paths work only as the tools resolve them. Other commands (curl, echo ... |) run in
that checkout. A command that ends with `&` (a server) runs in the background until the end; its port
4433 becomes a free one everywhere, and /tmp/ becomes this test's own directory.

Commands that cannot run here are listed in SKIPPED with the reason; a command that is neither run nor
listed fails the test, so a new README command must be made to work here or be listed.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

# Command (regular expression on the line as written) -> why it does not run in this test.
SKIPPED = {
    r"^tools/setup\.sh\b": "installs Debian packages (apt-get, root); CI runs it",
    r"^bazel test\b": "runs the whole test suite, of which this test is a part",
    r"//tools:tls_bench": "the benchmark takes minutes; tests/bench_test.sh runs its --quick form",
}

BAZEL_RUN = re.compile(r"bazel run (?:--\S+ )*//([\w/]+):(\w+)(?: --(?= |$))?")


def sh_commands(readme):
    """(line number, command) for each line of each ```sh block; `a && b` gives two commands."""
    out = []
    inside = False
    for n, line in enumerate(open(readme, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if line.strip().startswith("```"):
            inside = line.strip() == "```sh" if not inside else False
            continue
        if not inside:
            continue
        code = re.sub(r"\s+#.*$", "", line).strip()  # a trailing comment (not inside quotes: none here)
        if not code:
            continue
        for part in code.split(" && "):
            out.append((n, part.strip()))
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def main():
    root = os.getcwd()  # the runfiles tree: the tools and the files the commands name
    tmp = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    checkout = os.path.join(tmp, "checkout")  # where the reader types the commands
    rundir = os.path.join(tmp, "runfiles")    # where `bazel run` starts a tool: none of the reader's files
    os.makedirs(checkout)
    os.makedirs(rundir)
    for entry in ("tests", "README.md"):
        os.symlink(os.path.join(root, entry), os.path.join(checkout, entry))
    port = str(free_port())
    prelude = (
        'run_tool() { bin="%s/$1"; shift; (cd "%s" && BUILD_WORKING_DIRECTORY="%s" '
        'BUILD_WORKSPACE_DIRECTORY="%s" exec "$bin" "$@"); }\n' % (root, rundir, checkout, checkout)
    )
    background = []
    failures = []
    ran = 0
    try:
        for n, cmd in sh_commands(os.path.join(root, "README.md")):
            reason = next((why for pat, why in SKIPPED.items() if re.search(pat, cmd)), None)
            if reason:
                print("SKIP README.md:%d: %s  (%s)" % (n, cmd, reason))
                continue
            if "bazel" in cmd and not BAZEL_RUN.search(cmd):
                failures.append("README.md:%d: a bazel command this test cannot run: %s" % (n, cmd))
                continue
            shell = BAZEL_RUN.sub(lambda m: "run_tool %s/%s" % (m.group(1), m.group(2)), cmd)
            shell = shell.replace("4433", port).replace("/tmp/", tmp + "/")
            print("RUN  README.md:%d: %s" % (n, cmd), flush=True)
            if shell.endswith("&"):
                log = open(os.path.join(tmp, "server%d.log" % n), "w+")
                proc = subprocess.Popen(["bash", "-c", prelude + shell[:-1].strip()], cwd=checkout,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                background.append(proc)
                if not wait_port(int(port), proc, 30):
                    log.seek(0)
                    failures.append("README.md:%d: the server did not start: %s" % (n, log.read()[-2000:]))
                    break
                ran += 1
                continue
            try:
                r = subprocess.run(["bash", "-o", "pipefail", "-c", prelude + shell], cwd=checkout,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
            except subprocess.TimeoutExpired:
                failures.append("README.md:%d: timed out after 120 s: %s" % (n, cmd))
                continue
            text = r.stdout.decode("utf-8", "replace")
            print("\n".join("     | " + l for l in text.splitlines()[-8:]))
            if r.returncode != 0:
                failures.append("README.md:%d: exit %d: %s\n%s" % (n, r.returncode, cmd, text[-3000:]))
            ran += 1
    finally:
        for proc in background:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL " + f)
    if failures or ran == 0:
        sys.exit(1)
    print("PASS: %d README commands ran" % ran)


if __name__ == "__main__":
    main()
