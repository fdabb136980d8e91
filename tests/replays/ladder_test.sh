#!/bin/sh
# Ladder diagrams (tools/capture/ladder.h): tls_replay -ladder and demo -ladder write well-formed SVG
# (python3's XML parser reads it) with the messages of a known capture in order, the key changes, and,
# for a capture with one byte changed, the divergence marked after the last message that matched.
set -u
if [ "${1:-}" = "--skip-mbedtls-captures" ]; then
  echo "SKIP: the checked-in captures hold the mbedTLS provider's random draws; this build's default is libcrypto"
  exit 0
fi
replay=tools/tls_replay
demo=tools/demo
files="-cert tests/certs/server_rsa.pem -key tests/certs/server_rsa.key.pem"
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*"; exit 1; }

# ladder.py SVG: prints one line per group: class, direction, title.
cat > "$tmp/ladder.py" <<'PY'
import sys
import xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "{http://www.w3.org/2000/svg}svg", root.tag
for g in root.findall("s:g", ns):
    text = " ".join(t.strip() for t in g.itertext() if t.strip())
    print("%s|%s|%s|%s" % (g.get("class"), g.get("data-dir") or "", g.get("data-title") or "", text))
PY

# A resumed TLS 1.3 connection with 0-RTT accepted, served by tls_server to openssl s_client.
cap=tests/replays/resume_server_openssl_tls13_early_accepted.stlscap
# shellcheck disable=SC2086
$replay $cap $files -q -ladder "$tmp/match.svg" >/dev/null || fail "replay of $cap"
python3 "$tmp/ladder.py" "$tmp/match.svg" > "$tmp/match.txt" || fail "match.svg is not well-formed XML"
got=$(grep '^message|' "$tmp/match.txt" | cut -d'|' -f2,3 | tr '\n' ' ')
want="C->S|ClientHello C->S|ChangeCipherSpec C->S|encrypted record S->C|ServerHello S->C|ChangeCipherSpec \
S->C|EncryptedExtensions S->C|Finished C->S|encrypted record C->S|Finished C->S|application data \
S->C|application data S->C|NewSessionTicket S->C|application data C->S|Alert S->C|Alert "
[ "$got" = "$want" ] || fail "messages: got [$got], want [$want]"
grep -q '^message|C->S|ClientHello|.*early_data,pre_shared_key' "$tmp/match.txt" || fail "no ClientHello fields"
grep -q '^message|S->C|ServerHello|.*TLSv1.3 TLS_AES_128_GCM_SHA256' "$tmp/match.txt" || fail "no ServerHello fields"
keys=$(grep '^key-change|' "$tmp/match.txt" | cut -d'|' -f2 | tr '\n' ' ')
[ "$keys" = "C->S S->C S->C C->S C->S " ] || fail "key changes: [$keys]"
grep -q '^key-change|C->S||.*0-RTT keys' "$tmp/match.txt" || fail "no 0-RTT key change"
grep -q '^note|||handshake_done: .*resumed, 0-RTT accepted' "$tmp/match.txt" || fail "no handshake_done note"
grep -q '^divergence|' "$tmp/match.txt" && fail "a match with a divergence"

# The same capture with a byte of the client's Finished record changed: the ladder ends at the
# divergence, after the messages that matched.
python3 - "$cap" "$tmp/bad.stlscap" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
pos, receives = 10, []
while pos < len(data):
    t = data[pos]; n = int.from_bytes(data[pos + 1:pos + 5], "big")
    if t == 0x20:
        receives.append((pos, n))
    pos += 5 + n
p, n = receives[1]  # the client's second flight (EndOfEarlyData, Finished ...)
data[p + 5 + 10] ^= 0x01
open(sys.argv[2], "wb").write(data)
PY
# shellcheck disable=SC2086
$replay "$tmp/bad.stlscap" $files -q -ladder "$tmp/bad.svg" >/dev/null; rc=$?
[ $rc -eq 1 ] || fail "the changed capture: exit $rc"
python3 "$tmp/ladder.py" "$tmp/bad.svg" > "$tmp/bad.txt" || fail "bad.svg is not well-formed XML"
tail -n 1 "$tmp/bad.txt" | grep -q '^divergence|||DIVERGENCE DIVERGENCE at capture entry #' ||
  fail "the divergence is not the last row: $(tail -n 2 "$tmp/bad.txt")"
grep -q '^message|S->C|Finished' "$tmp/bad.txt" || fail "the messages before the divergence are missing"
grep -q '^message|C->S|Finished' "$tmp/bad.txt" && fail "a message after the divergence is drawn"
[ "$(grep -c '^divergence|' "$tmp/bad.txt")" -eq 1 ] || fail "not one divergence"

# demo -ladder: every connection of the demo (TLS 1.2 full and resumed, TLS 1.3 full and resumed
# with 0-RTT), each under a note.
$demo -ladder "$tmp/demo.svg" >/dev/null || fail "demo"
python3 "$tmp/ladder.py" "$tmp/demo.svg" > "$tmp/demo.txt" || fail "demo.svg is not well-formed XML"
[ "$(grep -c '^message|C->S|ClientHello|' "$tmp/demo.txt")" -eq 4 ] || fail "demo: not four ClientHellos"
grep -q '^message|S->C|ServerKeyExchange|' "$tmp/demo.txt" || fail "demo: no TLS 1.2 ServerKeyExchange"
grep -q '^message|S->C|EncryptedExtensions|' "$tmp/demo.txt" || fail "demo: no TLS 1.3 EncryptedExtensions"
grep -q '^message|C->S|EndOfEarlyData|' "$tmp/demo.txt" || fail "demo: no EndOfEarlyData"
grep -q '^key-change|C->S||.*records encrypted from here' "$tmp/demo.txt" || fail "demo: no TLS 1.2 key change"
grep -q '^key-change|S->C||.*server_handshake_traffic_secret' "$tmp/demo.txt" || fail "demo: no TLS 1.3 key change"
$demo -ladder /nonexistent/dir/x.svg >/dev/null 2>"$tmp/err" && fail "demo: an unwritable -ladder succeeded"
[ "$(wc -l < "$tmp/err")" -eq 1 ] || fail "demo: not one line of error: $(cat "$tmp/err")"
echo "PASS"
