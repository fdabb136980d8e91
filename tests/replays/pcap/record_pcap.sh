#!/bin/sh
# Re-makes the packet captures checked in here (run as root: tcpdump on the loopback interface):
#   openssl_openssl.pcap   openssl s_client <-> openssl s_server, TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256,
#                          then gnutls-cli <-> openssl s_server, ECDHE-RSA-AES128-SHA (CBC, encrypt-then-MAC),
#                          then openssl s_client <-> openssl s_server in TLS 1.3,
#                          then sanstls tls_client <-> openssl s_server, ECDHE-ECDSA-CHACHA20-POLY1305 (TLS 1.2)
#   openssl_openssl.keys   their NSS key log (CLIENT_RANDOM lines and the TLS 1.3 traffic secrets)
# Each client sends one line and the server answers one; then both close.
#   sh tests/replays/pcap/record_pcap.sh        (from the repository root)
set -eu
out=tests/replays/pcap
certs=tests/certs
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bazel build //tools:tls_client >/dev/null 2>&1 || bazel build //tools:tls_client
tls_client="$(bazel info bazel-bin 2>/dev/null)/tools/tls_client"
tmp=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM

tcpdump -i lo -U -s 0 -w "$tmp/cap.pcap" "tcp port $port" 2>"$tmp/tcpdump.log" &
tcpdump_pid=$!
pids="$tcpdump_pid"
sleep 1

serve() {  # $1: cipher; then optionally -cert FILE (an EC certificate: its key is server_ec.key.pem)
  cert=$certs/server_rsa.pem key=$certs/server_rsa.key.pem chain=""
  if [ $# -ge 3 ]; then cert=$3 key=$certs/server_ec.key.pem chain="-cert_chain $certs/int.pem"; fi
  # shellcheck disable=SC2086
  (echo "hello from the server"; sleep 2) | timeout 10 openssl s_server -accept "127.0.0.1:$port" \
    -cert "$cert" -key "$key" $chain -cipher "$1" -naccept 1 -quiet \
    -keylogfile "$tmp/keys" >"$tmp/server.out" 2>&1 &
  pids="$pids $!"
  sleep 1
}

serve ECDHE-RSA-AES128-GCM-SHA256
(echo "hello from openssl s_client"; sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:$port" -tls1_2 \
  -cipher ECDHE-RSA-AES128-GCM-SHA256 -CAfile $certs/ca.pem -quiet >"$tmp/client1.out" 2>&1 || true
sleep 1

serve ECDHE-RSA-AES128-SHA
(echo "hello from gnutls-cli"; sleep 1) | SSLKEYLOGFILE="$tmp/keys" timeout 10 gnutls-cli --port "$port" \
  --x509cafile $certs/ca.pem --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1' \
  127.0.0.1 >"$tmp/client2.out" 2>&1 || true
sleep 1

serve ECDHE-RSA-AES128-GCM-SHA256
(echo "hello from openssl s_client, TLS 1.3"; sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
  -tls1_3 -CAfile $certs/ca.pem -quiet >"$tmp/client3.out" 2>&1 || true
sleep 1

serve ECDHE-ECDSA-CHACHA20-POLY1305 -cert $certs/server_ec.pem
(echo "hello from sanstls tls_client"; sleep 1) | timeout 10 "$tls_client" -connect "127.0.0.1:$port" \
  -servername localhost -CAfile $certs/ca.pem -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305 -keylogfile "$tmp/keys" \
  -quiet >"$tmp/client4.out" 2>&1 || true
sleep 1

kill -INT "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
cp "$tmp/cap.pcap" $out/openssl_openssl.pcap
sort -u "$tmp/keys" | grep -v '^#' > $out/openssl_openssl.keys
echo "wrote $out/openssl_openssl.pcap ($(wc -c < $out/openssl_openssl.pcap) bytes), $(wc -l < $out/openssl_openssl.keys) keys"
