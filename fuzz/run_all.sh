#!/bin/bash
# Builds every libFuzzer harness in fuzz/ (targets named *_fuzzer) with --config=fuzz and runs each for
# SECONDS on a scratch copy of its corpus (fuzz/corpus/X/ for X_fuzzer; the checked-in corpus is not
# modified). Exits non-zero when the build fails or any fuzzer reports a finding (crash, leak,
# sanitizer error, timeout, trap); the reproducer is left in the artifacts directory it prints.
#
# A fast variant X_fast (the engine harnesses over the fuzzing crypto provider) starts from
# fuzz/corpus/X_fast when there is one, else from fuzz/corpus/X, and also replays fuzz/regressions/X.
#
# Every run bounds each input's time (-timeout, default 10 s: a hang is a finding) and the process's
# memory (-rss_limit_mb, default 2048: unbounded growth is a finding); extra flags override them.
# The fuzzers run one after the other. The fast variants get SECONDS each and every other harness half
# of it (they are the real-crypto twins of the fast ones, or small parsers that saturate quickly), so
# the total is about SECONDS x (4 + 11 / 2) plus the build: `run_all.sh 20` (CI) fuzzes for about
# 3 minutes. FUZZ_EVEN=1 gives every harness SECONDS.
#
# Usage: bash fuzz/run_all.sh [SECONDS=60] [extra libFuzzer flags...]
# Environment: FUZZ_WORK=dir keeps the scratch corpora and logs there (default: a temporary dir);
#              FUZZERS="server client" runs only those harnesses; FUZZ_EVEN=1 (above).
set -uo pipefail
SECONDS_EACH=${1:-60}
shift || true
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

WORK=${FUZZ_WORK:-$(mktemp -d /tmp/sanstls_fuzz.XXXXXX)}
mkdir -p "$WORK"

if [ -n "${FUZZERS:-}" ]; then
  FUZZERS=$(for f in $FUZZERS; do printf '%s_fuzzer ' "${f%_fuzzer}"; done)
else
  FUZZERS=$(bazel query 'kind("cc_binary", //fuzz:*)' 2>/dev/null | grep '_fuzzer$' | sed 's|^//fuzz:||')
  # The differential harness's findings are differences from OpenSSL to triage (fix one side, or list it
  # with its RFC section in differential::allowed()), not crashes: it runs when named (FUZZERS=differential)
  # and is left out of the default run, which CI makes. Its corpus and saved findings replay in
  # `bazel test //...` (//fuzz:differential_test, //fuzz:differential_regression_test).
  FUZZERS=$(echo "$FUZZERS" | grep -v '^differential_fuzzer$')
  echo "run_all.sh: differential_fuzzer only when named (FUZZERS=differential bash fuzz/run_all.sh 600)"
fi
if [ -z "$FUZZERS" ]; then
  echo "run_all.sh: no *_fuzzer targets found" >&2
  exit 1
fi
TARGETS=$(for f in $FUZZERS; do printf '//fuzz:%s ' "$f"; done)
if ! bazel build --config=fuzz $TARGETS; then
  echo "run_all.sh: build failed" >&2
  exit 1
fi
BIN=$(bazel info --config=fuzz bazel-bin 2>/dev/null)/fuzz

status=0
for f in $FUZZERS; do
  name=${f%_fuzzer}
  corpus="$WORK/$name/corpus"
  artifacts="$WORK/$name/artifacts"
  base=${name%_fast}
  case $name in  # the server's and client's input formats and corpora
    server_async_fast) base=server_fast ;;
    client_async_fast) base=client_fast ;;
  esac
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  if [ -d "fuzz/corpus/$name" ]; then
    cp -r "fuzz/corpus/$name/." "$corpus/"
  elif [ -d "fuzz/corpus/$base" ]; then
    cp -r "fuzz/corpus/$base/." "$corpus/"
  fi
  seeds=()
  if [ -d "fuzz/regressions/$name" ]; then seeds+=("fuzz/regressions/$name"); fi
  if [ "$base" != "$name" ] && [ -d "fuzz/regressions/$base" ]; then seeds+=("fuzz/regressions/$base"); fi
  secs=$SECONDS_EACH
  if [ "$base" = "$name" ] && [ -z "${FUZZ_EVEN:-}" ]; then secs=$(( (SECONDS_EACH + 1) / 2 )); fi
  echo "== $f for ${secs}s (log: $WORK/$name/log)"
  # timeout(1) as a last resort, should the fuzzer itself hang.
  timeout -k 10 $((secs + 120)) \
    "$BIN/$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$@" "$corpus" "${seeds[@]}" >"$WORK/$name/log" 2>&1
  rc=$?
  # libFuzzer's last status line ("#N DONE cov: ... exec/s: ...") and the final stats.
  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
    "$WORK/$name/log" | sed 's/^/   /'
  if [ $rc -ne 0 ] || [ -n "$(ls -A "$artifacts")" ]; then
    echo "FINDING in $f (exit $rc); artifacts in $artifacts:" >&2
    ls -l "$artifacts" >&2
    tail -n 40 "$WORK/$name/log" >&2
    status=1
  fi
done
if [ $status -eq 0 ]; then echo "run_all.sh: all fuzzers ran clean"; fi
exit $status
