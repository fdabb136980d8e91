#!/bin/sh
# The Python reader (tools/capture/read_capture.py, written from docs/capture-format.md) reads every
# checked-in capture, and refuses a damaged one.
set -eu
reader=tools/capture/read_capture.py
n=0
for f in tests/replays/*.stlscap; do
  out=$(python3 "$reader" "$f")
  echo "$out" | head -1 | grep -q '^start role=' || { echo "FAIL: $f: no start entry"; exit 1; }
  echo "$out" | grep -q '^config .*cipher_suites=' || { echo "FAIL: $f: no config entry"; exit 1; }
  echo "$out" | grep -q '^end closed=' || { echo "FAIL: $f: no end entry"; exit 1; }
  echo "$out" | grep -q '^rng 32 bytes' || { echo "FAIL: $f: no 32-byte random draw"; exit 1; }
  n=$((n + 1))
done
[ "$n" -ge 12 ] || { echo "FAIL: only $n captures"; exit 1; }
# The server capture with openssl: a ClientHello was received, a fatal-free clean close was seen.
python3 "$reader" tests/replays/server_openssl_ecdhe_rsa_gcm.stlscap | grep -q '^event closed dir=0 msg=0 alert=[0-9]*/[0-9]* clean=1 early=0' \
  || { echo "FAIL: no clean close event"; exit 1; }
# A truncated file is refused.
tmp=${TEST_TMPDIR:-/tmp}/cut.stlscap
head -c 100 tests/replays/server_openssl_ecdhe_rsa_gcm.stlscap > "$tmp"
if python3 "$reader" "$tmp" >/dev/null 2>&1; then echo "FAIL: truncated file accepted"; exit 1; fi
echo "PASS: $n captures read"
