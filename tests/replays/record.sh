#!/bin/sh
# Re-records the captures in tests/replays (run from the repository root). Do this on purpose only:
# when a change to the engine alters its output bytes (replay_test then fails and says where), or to
# add a capture (every interop bug fixed adds its capture here: add a line below).
#
#   sh tests/replays/record.sh
#
# Each capture is one sanstls connection (recorder, tests/replays/recorder.cc) with a real peer on
# 127.0.0.1; MANIFEST lists each capture with the tls_replay flags that give its files. Peers:
# /usr/bin/openssl (3.0), gnutls-serv / gnutls-cli. Every step is bounded by `timeout`.
set -eu
dir=tests/replays
certs=tests/certs
bazel build //tests/replays:recorder >/dev/null 2>&1 || bazel build //tests/replays:recorder
rec="$(bazel info bazel-bin 2>/dev/null)/tests/replays/recorder"
tls_client="$(bazel info bazel-bin 2>/dev/null)/tools/tls_client"
if ! bazel build //tools:tls_client >/dev/null 2>&1; then
  echo "warning: //tools:tls_client does not build: its capture (tls_client_*) is skipped" >&2
  tls_client=""
fi
tmp=$(mktemp -d)
peer=""
cleanup() { [ -n "$peer" ] && kill "$peer" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
manifest="$tmp/MANIFEST"
: > "$manifest"

RSA="-cert $certs/server_rsa.pem -key $certs/server_rsa.key.pem"
EC="-cert $certs/server_ec_chain.pem -key $certs/server_ec.key.pem"
CLIENT="-cert $certs/client.pem -key $certs/client.key.pem"

# server NAME SUITES "RECORDER FLAGS" "REPLAY FLAGS" PEER COMMAND...: sanstls serves, the peer connects.
server() {
  name=$1 suites=$2 flags=$3 replay=$4
  shift 4
  port=$(free_port)
  rm -f "$tmp/ready"
  # shellcheck disable=SC2086
  timeout 25 "$rec" -server "$port" -out "$dir/$name.stlscap" -suites "$suites" $flags -ready "$tmp/ready" &
  recpid=$!
  i=0
  while [ ! -e "$tmp/ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  (echo "hello from the peer"; sleep 2) | "$@" -p_o_r_t "$port" >"$tmp/$name.peer" 2>&1 || true
  wait "$recpid" || true
  echo "$name.stlscap $replay" >> "$manifest"
}

# client NAME SUITES "RECORDER FLAGS" "REPLAY FLAGS" PEER COMMAND...: the peer serves, sanstls connects.
client() {
  name=$1 suites=$2 flags=$3 replay=$4
  shift 4
  port=$(free_port)
  (echo "hello from the peer"; sleep 4) | "$@" -p_o_r_t "$port" >"$tmp/$name.peer" 2>&1 &
  peer=$!
  sleep 1
  # shellcheck disable=SC2086
  timeout 25 "$rec" -client "$port" -out "$dir/$name.stlscap" -suites "$suites" $flags || true
  kill "$peer" 2>/dev/null || true
  wait "$peer" 2>/dev/null || true
  peer=""
  echo "$name.stlscap $replay" >> "$manifest"
}

# tls_client NAME SUITES PEER COMMAND...: sanstls's tls_client -capture (it sends its stdin, then closes).
tlsclient() {
  name=$1 suites=$2
  shift 2
  [ -n "$tls_client" ] || return 0
  port=$(free_port)
  (echo "hello from the peer"; sleep 4) | "$@" -p_o_r_t "$port" >"$tmp/$name.peer" 2>&1 &
  peer=$!
  sleep 1
  (echo "hello from tls_client"; sleep 2) | timeout 15 "$tls_client" -connect "127.0.0.1:$port" -servername localhost \
    -CAfile $certs/ca.pem -tls1_2 -cipher "$suites" -capture "$dir/$name.stlscap" -quiet >/dev/null 2>&1 || true
  kill "$peer" 2>/dev/null || true
  wait "$peer" 2>/dev/null || true
  peer=""
  echo "$name.stlscap -CAfile $certs/ca.pem" >> "$manifest"
}

# Peers (each bounded by timeout).
ossl_client() { timeout 10 openssl s_client -connect "127.0.0.1:$2" -quiet -CAfile $certs/ca.pem $1; }
ossl_server() { timeout 10 openssl s_server -accept "127.0.0.1:$2" -naccept 1 -quiet $1; }
gnutls_client() { timeout 10 gnutls-cli --port "$2" --x509cafile $certs/ca.pem $1 127.0.0.1; }
gnutls_server() { timeout 10 gnutls-serv --port "$2" --echo $1; }
# The wrappers take their flags as one word, then "-p_o_r_t PORT".
run_ossl_client() { ossl_client "$1" "$3"; }
run_ossl_server() { ossl_server "$1" "$3"; }
run_gnutls_client() { gnutls_client "$1" "$3"; }
run_gnutls_server() { gnutls_server "$1" "$3"; }

G12='NORMAL:-VERS-ALL:+VERS-TLS1.2'

server server_openssl_ecdhe_rsa_gcm ECDHE-RSA-AES128-GCM-SHA256 "$RSA" "$RSA" \
  run_ossl_client "-tls1_2"
server server_openssl_ecdhe_ecdsa_gcm ECDHE-ECDSA-AES256-GCM-SHA384 "$EC" "$EC" \
  run_ossl_client "-tls1_2"
server server_openssl_rsa_cbc AES128-SHA "$RSA" "$RSA" \
  run_ossl_client "-tls1_2 -cipher AES128-SHA"
server server_openssl_client_auth ECDHE-RSA-AES256-GCM-SHA384 "$RSA -verify $certs/ca.pem" "$RSA -CAfile $certs/ca.pem" \
  run_ossl_client "-tls1_2 -cert $certs/client.pem -key $certs/client.key.pem"
server server_gnutls_ecdhe_rsa_cbc_etm ECDHE-RSA-AES128-SHA "$RSA" "$RSA" \
  run_gnutls_client "--priority $G12:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1"
server server_gnutls_dhe_rsa_gcm DHE-RSA-AES128-GCM-SHA256 "$RSA" "$RSA" \
  run_gnutls_client "--priority $G12:+DHE-RSA"
client client_openssl_ecdhe_rsa_gcm ECDHE-RSA-AES128-GCM-SHA256 "-CAfile $certs/ca.pem" "-CAfile $certs/ca.pem" \
  run_ossl_server "$RSA"
client client_openssl_dhe_rsa_gcm DHE-RSA-AES256-GCM-SHA384 "-CAfile $certs/ca.pem" "-CAfile $certs/ca.pem" \
  run_ossl_server "$RSA"
client client_openssl_client_auth ECDHE-ECDSA-AES128-GCM-SHA256 "-CAfile $certs/ca.pem $CLIENT" "-CAfile $certs/ca.pem $CLIENT" \
  run_ossl_server "$EC -cert_chain $certs/int.pem -Verify 1 -CAfile $certs/ca.pem"
client client_gnutls_ecdhe_ecdsa_gcm ECDHE-ECDSA-AES128-GCM-SHA256 "-CAfile $certs/ca.pem" "-CAfile $certs/ca.pem" \
  run_gnutls_server "--x509certfile $certs/server_ec_chain.pem --x509keyfile $certs/server_ec.key.pem"
client client_gnutls_rsa_cbc AES128-SHA "-CAfile $certs/ca.pem" "-CAfile $certs/ca.pem" \
  run_gnutls_server "--x509certfile $certs/server_rsa.pem --x509keyfile $certs/server_rsa.key.pem --priority $G12:+RSA"
# TLS 1.3, with each peer, both roles (the default config: TLS 1.3 preferred).
server server_openssl_tls13 "" "$RSA" "$RSA" run_ossl_client ""
server server_gnutls_tls13_chacha TLS_CHACHA20_POLY1305_SHA256 "$EC" "$EC" run_gnutls_client ""
client client_openssl_tls13_aes256 TLS_AES_256_GCM_SHA384 "-CAfile $certs/ca.pem" "-CAfile $certs/ca.pem" \
  run_ossl_server "$EC -cert_chain $certs/int.pem"
client client_gnutls_tls13 "" "-CAfile $certs/ca.pem" "-CAfile $certs/ca.pem" \
  run_gnutls_server "--x509certfile $certs/server_rsa.pem --x509keyfile $certs/server_rsa.key.pem"
# A failing handshake: the server's certificate is for another name (the client sends bad_certificate).
client client_openssl_wrong_name_fails ECDHE-RSA-AES128-GCM-SHA256 "-CAfile $certs/ca.pem" "-CAfile $certs/ca.pem" \
  run_ossl_server "-cert $certs/wrong_name.pem -key $certs/wrong_name.key.pem"

tlsclient tls_client_openssl_ecdhe_rsa_chacha ECDHE-RSA-CHACHA20-POLY1305 \
  run_ossl_server "$RSA"

# The resumption captures (record_resumption.sh) stay as they are.
grep '^resume_' "$dir/MANIFEST" >> "$manifest" || true
cp "$manifest" "$dir/MANIFEST"
echo "recorded $(wc -l < "$dir/MANIFEST") captures:"
ls -la "$dir"/*.stlscap
