#!/bin/bash
# Captures complete TLS 1.2 and TLS 1.3 handshakes between OpenSSL 3's s_server and s_client on
# 127.0.0.1 and writes one file per case: one line per handshake message, "direction type hex", where
# direction is c2s (client to server) or s2c, type is OpenSSL's message name and hex is the whole
# handshake message (4-byte header + body) as `s_client -msg` printed it (Finished messages are printed
# after decryption; so are all TLS 1.3 messages after the ServerHello). See README.md.
# Usage: bash tests/captures/capture.sh [output dir]
set -euo pipefail
OUT=${1:-$(cd "$(dirname "$0")" && pwd)}
W=$(mktemp -d /tmp/sanstls_capture.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"

# Throwaway CA, RSA server leaf, ECDSA (P-256) server leaf and ECDSA client leaf.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
  -days 30 -subj "/CN=sanstls capture CA" 2>/dev/null
mkleaf() {  # name keyargs cn
  openssl req -newkey $2 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$3" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -out "$1.pem" \
    -extfile <(printf "subjectAltName=DNS:%s\n" "$3") 2>/dev/null
}
mkleaf rsa "rsa:2048" localhost
mkleaf ecdsa "ec -pkeyopt ec_paramgen_curve:P-256" localhost
mkleaf client "ec -pkeyopt ec_paramgen_curve:P-256" client

# RFC 7919 ffdhe2048 as the DHE group (without -dhparam, OpenSSL 3 picks RFC 3526 group 14 itself).
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out ffdhe2048.pem 2>/dev/null

# Handshake messages only: a ">>> ... Handshake [length N], Name" line followed by indented hex.
extract() {  # client.log out.txt
  awk '
    /^(>>>|<<<) / { if (cur != "") print cur; cur = "";
                    if ($0 ~ /Handshake \[length/) { dir = ($1 == ">>>") ? "c2s" : "s2c";
                      n = split($0, parts, ", "); cur = dir " " parts[n] " "; } next }
    /^    [0-9a-f][0-9a-f]( |$)/ { if (cur != "") { line = $0; gsub(/ /, "", line); cur = cur line } next }
    { if (cur != "") print cur; cur = "" }
    END { if (cur != "") print cur }
  ' "$1" >"$2"
  grep -q "Finished" "$2" || { echo "capture $2 failed"; cat "$1"; exit 1; }
  echo "$(basename "$2"): $(wc -l <"$2") messages"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# capture NAME CIPHER SERVER_CERT SERVER_ARGS... -- CLIENT_ARGS...
capture() {
  local name=$1 cipher=$2 cert=$3; shift 3
  local sargs=() cargs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do sargs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  cargs=("$@")
  local port; port=$(free_port)
  timeout 20 openssl s_server -accept "127.0.0.1:$port" -cert "$cert.pem" -key "$cert.key" \
    -tls1_2 -cipher "$cipher" -naccept 1 -quiet "${sargs[@]}" >"$name.server.log" 2>&1 &
  local spid=$!
  for _ in $(seq 50); do
    ss -ltn "sport = :$port" | grep -q LISTEN && break || sleep 0.1
  done
  echo | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername localhost -tls1_2 \
    -cipher "$cipher" -CAfile ca.pem -msg "${cargs[@]}" >"$name.client.log" 2>&1 || true
  kill "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  extract "$name.client.log" "$OUT/openssl_$name.txt"
}

# TLS 1.3. start_server13 SERVER_ARGS...: starts s_server (-tls1_3, RSA leaf) on a free port in the
# background; sets $port and $spid. Its stdin stays open for 10 s (s_server ends a connection when its
# stdin ends). stop_server kills it by its pid (timeout's, which passes the signal on).
start_server13() {
  port=$(free_port)
  sleep 10 | timeout 30 openssl s_server -accept "127.0.0.1:$port" -cert rsa.pem -key rsa.key -tls1_3 -quiet "$@" \
    >server13.log 2>&1 &
  spid=$!
  for _ in $(seq 50); do
    ss -ltn "sport = :$port" | grep -q LISTEN && break || sleep 0.1
  done
}
stop_server() {
  kill "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
}
# client13 LOG STDIN_TEXT CLIENT_ARGS...: one s_client connection; STDIN_TEXT is typed half a second
# in (after the handshake), then stdin stays open for a second so that the session tickets (sent
# after the client's Finished) and any reply arrive.
client13() {
  local log=$1 input=$2; shift 2
  (sleep 0.5; printf "%s" "$input"; sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
    -servername localhost -tls1_3 -CAfile ca.pem -msg "$@" >"$log" 2>&1 || true
}

capture ecdhe_rsa ECDHE-RSA-AES128-GCM-SHA256 rsa -cert_chain ca.pem --
capture dhe_rsa DHE-RSA-AES128-GCM-SHA256 rsa -dhparam ffdhe2048.pem --
capture rsa AES128-GCM-SHA256 rsa --
capture ecdhe_ecdsa_client_auth ECDHE-ECDSA-AES128-GCM-SHA256 ecdsa -Verify 1 -CAfile ca.pem -- \
  -cert client.pem -key client.key

# TLS 1.3 full handshake (x25519, RSA-PSS), then a resumption with 0-RTT data on the same server
# (whose ticket keys live in the process): -early_data makes the tickets carry max_early_data_size.
start_server13 -naccept 2 -early_data
client13 full.client.log "" -sess_out sess.pem
echo "early data" >early.txt
client13 resumed.client.log "" -sess_in sess.pem -early_data early.txt
stop_server
grep -q "Early data was accepted" resumed.client.log || { echo "0-RTT was not accepted"; exit 1; }
extract full.client.log "$OUT/openssl_tls13_rsa.txt"
extract resumed.client.log "$OUT/openssl_tls13_resumed_early_data.txt"

# TLS 1.3 HelloRetryRequest (the server wants P-256; the client's first share is x25519), client
# authentication (CertificateRequest with certificate_authorities from -CAfile) and a KeyUpdate with
# update_requested (s_client's "K" command).
start_server13 -naccept 1 -groups P-256 -Verify 1 -CAfile ca.pem
client13 hrr.client.log "K
" -cert client.pem -key client.key
stop_server
extract hrr.client.log "$OUT/openssl_tls13_hrr_client_auth.txt"
grep -q "KeyUpdate" "$OUT/openssl_tls13_hrr_client_auth.txt" || { echo "no KeyUpdate captured"; exit 1; }
