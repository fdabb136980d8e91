#!/usr/bin/env bash
# Uses sanstls as another project would, both ways docs/embedding.md gives (CI runs this after the
# tests, from .ci/run):
#   1. Bazel: examples/consumer is a workspace of its own (WORKSPACE: local_repository + deps.bzl, BUILD:
#      deps = ["@sanstls"], .bazelrc: the C++17 line). It is built offline in its own output base and
#      its program run.
#   2. Without Bazel: `bazel run //:install -- --prefix DIR`, then every public header compiled alone
#      against DIR (so the installed set is closed under #include), then the same program built with
#      `g++ -std=c++17 app.cc $(pkg-config --cflags --libs sanstls)` and run.
# Extra arguments are passed to every `bazel build`/`bazel run` (e.g. --jobs=1).
# Environment: SANSTLS_CONSUMER_TMP, the scratch directory (default: a new one under /tmp, removed at
# the end; the consumer's output base lives there, so nothing is left running or on disk).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bazel_flags=("$@")

tmp=${SANSTLS_CONSUMER_TMP:-}
own_tmp=false
if [ -z "$tmp" ]; then
  tmp=$(mktemp -d /tmp/sanstls-consumer.XXXXXX)
  own_tmp=true
fi
consumer_ob="$tmp/consumer-output-base"
cleanup() {
  # The consumer's Bazel server is ours: stop it (by its output base) so that nothing stays running.
  if [ -d "$consumer_ob" ]; then
    (cd "$root/examples/consumer" && bazel --output_base="$consumer_ob" shutdown) >/dev/null 2>&1 || true
  fi
  if $own_tmp; then
    chmod -R u+w "$tmp" 2>/dev/null || true
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

certs=("$root/tests/certs/server_rsa.pem" "$root/tests/certs/server_rsa.key.pem" "$root/tests/certs/ca.pem")
t0=$SECONDS

echo "== consumer 1: a Bazel workspace with @sanstls (examples/consumer)"
(
  cd examples/consumer
  # --symlink_prefix=/: no bazel-* links inside sanstls's tree. The process-wrapper sandbox because
  # Debian's linux-sandbox logs every action (sanstls's own .bazelrc says the same; a consumer's need not).
  bazel --output_base="$consumer_ob" --max_idle_secs=60 build --symlink_prefix=/ \
    --spawn_strategy=processwrapper-sandbox "${bazel_flags[@]}" //:app
  bin=$(bazel --output_base="$consumer_ob" --max_idle_secs=60 info "${bazel_flags[@]}" bazel-bin 2>/dev/null)
  "$bin/app" "${certs[@]}"
)
echo "   (consumer 1: $((SECONDS - t0)) s)"

t1=$SECONDS
echo "== consumer 2: bazel run //:install, then g++ with pkg-config"
prefix="$tmp/prefix"
bazel run "${bazel_flags[@]}" //:install -- --prefix "$prefix"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cflags=$(pkg-config --cflags sanstls)
libs=$(pkg-config --libs sanstls)
echo "   pkg-config --cflags --libs sanstls: $cflags $libs"

# Every installed header compiles on its own with only the installed include directory: a public
# header that includes a header left out of the install fails here.
n=0
while IFS= read -r h; do
  rel=${h#"$prefix/include/sanstls/"}
  printf '#include "%s"\n#include "%s"\n' "$rel" "$rel" >"$tmp/one_header.cc"
  # shellcheck disable=SC2086
  g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only $cflags "$tmp/one_header.cc" \
    || { echo "FAIL: the installed header $rel does not compile alone"; exit 1; }
  n=$((n + 1))
done < <(find "$prefix/include/sanstls" -name '*.h' | sort)
echo "   $n installed headers compile alone"

mkdir -p "$tmp/src"
cp examples/consumer/app.cc "$tmp/src/app.cc"  # outside the repository: only the installed headers
# shellcheck disable=SC2046
g++ -std=c++17 -Wall -Wextra -Werror -o "$tmp/app" "$tmp/src/app.cc" $(pkg-config --cflags --libs sanstls)
"$tmp/app" "${certs[@]}"
echo "   (consumer 2: $((SECONDS - t1)) s)"
echo "PASS: both consumers built and ran ($((SECONDS - t0)) s)"
