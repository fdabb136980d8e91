#!/bin/bash
# Captures complete TLS 1.2 handshakes between OpenSSL 3's s_server and s_client on 127.0.0.1 and
# writes one file per key exchange: one line per handshake message, "direction type hex", where
# direction is c2s (client to server) or s2c, type is OpenSSL's message name and hex is the whole
# handshake message (4-byte header + body) as `s_client -msg` printed it (Finished messages are printed
# after decryption). See README.md. Usage: bash tests/captures/capture.sh [output dir]
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
  # Handshake messages only: a ">>> ... Handshake [length N], Name" line followed by indented hex.
  awk '
    /^(>>>|<<<) / { if (cur != "") print cur; cur = "";
                    if ($0 ~ /Handshake \[length/) { dir = ($1 == ">>>") ? "c2s" : "s2c";
                      n = split($0, parts, ", "); cur = dir " " parts[n] " "; } next }
    /^    [0-9a-f][0-9a-f]( |$)/ { if (cur != "") { line = $0; gsub(/ /, "", line); cur = cur line } next }
    { if (cur != "") print cur; cur = "" }
    END { if (cur != "") print cur }
  ' "$name.client.log" >"$OUT/openssl_$name.txt"
  grep -q "Finished" "$OUT/openssl_$name.txt" || { echo "capture $name failed"; cat "$name.client.log"; exit 1; }
  echo "openssl_$name.txt: $(wc -l <"$OUT/openssl_$name.txt") messages"
}

capture ecdhe_rsa ECDHE-RSA-AES128-GCM-SHA256 rsa -cert_chain ca.pem --
capture dhe_rsa DHE-RSA-AES128-GCM-SHA256 rsa -dhparam ffdhe2048.pem --
capture rsa AES128-GCM-SHA256 rsa --
capture ecdhe_ecdsa_client_auth ECDHE-ECDSA-AES128-GCM-SHA256 ecdsa -Verify 1 -CAfile ca.pem -- \
  -cert client.pem -key client.key
