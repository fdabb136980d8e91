#!/bin/bash
# Builds every libFuzzer harness in fuzz/ (targets named *_fuzzer) with --config=fuzz and runs each for
# SECONDS on a scratch copy of its corpus (fuzz/corpus/X/ for X_fuzzer; the checked-in corpus is not
# modified). Exits non-zero when the build fails or any fuzzer reports a finding (crash, leak,
# sanitizer error, timeout, trap); the reproducer is left in the artifacts directory it prints.
#
# Every run bounds each input's time (-timeout, default 10 s: a hang is a finding) and the process's
# memory (-rss_limit_mb, default 2048: unbounded growth is a finding); extra flags override them.
# The fuzzers run one after the other, so the total is about SECONDS x the number of harnesses (7)
# plus the build.
#
# Usage: bash fuzz/run_all.sh [SECONDS=60] [extra libFuzzer flags...]
# Environment: FUZZ_WORK=dir keeps the scratch corpora and logs there (default: a temporary dir);
#              FUZZERS="server client" runs only those harnesses.
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
  rm -rf "$corpus" "$artifacts"
  mkdir -p "$corpus" "$artifacts"
  if [ -d "fuzz/corpus/$name" ]; then cp -r "fuzz/corpus/$name/." "$corpus/"; fi
  seeds=()
  if [ -d "fuzz/regressions/$name" ]; then seeds+=("fuzz/regressions/$name"); fi
  echo "== $f for ${SECONDS_EACH}s (log: $WORK/$name/log)"
  # timeout(1) as a last resort, should the fuzzer itself hang.
  timeout -k 10 $((SECONDS_EACH + 120)) \
    "$BIN/$f" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
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
