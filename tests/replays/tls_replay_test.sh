#!/bin/sh
# The tls_replay command line: a checked-in capture matches (exit 0, trace printed); the same capture
# with one byte changed diverges (exit 1, the point named); missing files are refused (exit 2); a pcap
# with its key log is decoded and decrypted; -extract-seeds writes the streams.
set -u
if [ "${1:-}" = "--skip-mbedtls-captures" ]; then
  echo "SKIP: the checked-in captures hold the mbedTLS provider's random draws; this build's default is libcrypto"
  exit 0
fi
bin=tools/tls_replay
cap=tests/replays/server_openssl_ecdhe_rsa_gcm.stlscap
files="-cert tests/certs/server_rsa.pem -key tests/certs/server_rsa.key.pem"
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; exit 1; }

# shellcheck disable=SC2086
out=$($bin $cap $files); rc=$?
[ $rc -eq 0 ] || fail "match: exit $rc: $out"
echo "$out" | grep -q '^MATCH: ' || fail "no MATCH line"
echo "$out" | grep -q '^S->C ServerKeyExchange .*ECDHE' || fail "no decoded ServerKeyExchange"
echo "$out" | grep -q '^C->S \[decrypted\] Finished' || fail "no decrypted Finished"

# One byte changed: the last byte of the capture (in the end entry or the last consumed output).
python3 - "$cap" "$tmp/bad.stlscap" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
# Find the first receive entry (type 0x20) and flip a byte of the client random inside it.
pos = 10
while pos < len(data):
    t = data[pos]; n = int.from_bytes(data[pos + 1:pos + 5], "big")
    if t == 0x20:
        data[pos + 5 + 5 + 4 + 2] ^= 0x01
        break
    pos += 5 + n
open(sys.argv[2], "wb").write(data)
PY
# shellcheck disable=SC2086
out=$($bin "$tmp/bad.stlscap" $files -q); rc=$?
[ $rc -eq 1 ] || fail "divergence: exit $rc: $out"
echo "$out" | grep -q '^DIVERGENCE at capture entry #' || fail "no DIVERGENCE line: $out"
echo "$out" | grep -q 'ServerKeyExchange' || fail "the divergence does not name the message: $out"

$bin $cap >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "missing files: exit $rc"
grep -q 'had 1 certificate' "$tmp/err" || fail "missing files: $(cat "$tmp/err")"

out=$($bin -pcap tests/replays/pcap/openssl_openssl.pcap -port 0 -keylog tests/replays/pcap/openssl_openssl.keys \
  -extract-seeds "$tmp"); rc=$?
[ $rc -eq 0 ] || fail "pcap: exit $rc"
[ "$(echo "$out" | grep -c 'summary: .*, decrypted,')" -eq 4 ] || fail "pcap: not all four decrypted: $out"
[ -s "$tmp/openssl_openssl.pcap-1-server_fuzzer.bin" ] || fail "no seed written"
[ -s "$tmp/openssl_openssl.pcap-4-client_fuzzer.bin" ] || fail "no seed written"
# A pcap with no connection on the port asked for (443 by default; this one's port was picked free)
# is the user's mistake: exit 1 with a line saying what to do, not a silent success.
out=$($bin -pcap tests/replays/pcap/openssl_openssl.pcap 2>"$tmp/err"); rc=$?
[ $rc -eq 1 ] || fail "pcap without a connection on 443: exit $rc: $out"
grep -q 'no TCP connection to port 443 in tests/replays/pcap/openssl_openssl.pcap.*-port 0' "$tmp/err" \
  || fail "pcap without a connection on 443: $(cat "$tmp/err")"

# Under `bazel run` the tool runs in its runfiles tree; relative paths are the user's, relative to
# $BUILD_WORKING_DIRECTORY, as tls_client and tls_server read them. Run from elsewhere with it set:
here=$PWD
mkdir -p "$tmp/elsewhere" "$tmp/wd/seeds"
ln -sf "$here/tests" "$tmp/wd/tests"
# shellcheck disable=SC2086
out=$(cd "$tmp/elsewhere" && BUILD_WORKING_DIRECTORY=$tmp/wd "$here/$bin" $cap $files -CAfile tests/certs/ca.pem -q); rc=$?
[ $rc -eq 0 ] || fail "BUILD_WORKING_DIRECTORY (capture): exit $rc: $out"
out=$(cd "$tmp/elsewhere" && BUILD_WORKING_DIRECTORY=$tmp/wd "$here/$bin" -pcap tests/replays/pcap/openssl_openssl.pcap \
  -port 0 -keylog tests/replays/pcap/openssl_openssl.keys -extract-seeds seeds); rc=$?
[ $rc -eq 0 ] || fail "BUILD_WORKING_DIRECTORY (pcap): exit $rc: $out"
[ -s "$tmp/wd/seeds/openssl_openssl.pcap-1-server_fuzzer.bin" ] || fail "-extract-seeds not relative to BUILD_WORKING_DIRECTORY"

echo PASS
