#!/bin/sh
# Records the resumption captures in tests/replays (run from the repository root): sanstls's own tools
# with real peers on 127.0.0.1, each peer resuming a session of an earlier connection (issue 17).
#
#   sh tests/replays/record_resumption.sh
#
# Server side: one `tls_server -capture DIR` per peer, its shared config serving every connection, so
# the later connections resume from its ticket keys or session cache; every connection's capture is
# kept (the full handshake that made the session too). Client side: `tls_client -capture` with
# -sess_out, then -sess_in (and -early_data) against the peer's server. Peers: openssl s_client /
# s_server (3.0), gnutls-cli / gnutls-serv, NSS tstclnt / selfserv (libnss3-tools; skipped when absent).
# The captures replace the lines for resume_* in MANIFEST (record.sh's captures stay as they are).
# Every step is bounded by `timeout`.
set -eu
dir=tests/replays
certs=tests/certs
bazel build --jobs=1 //tools:tls_server //tools:tls_client >/dev/null 2>&1 ||
  bazel build --jobs=1 //tools:tls_server //tools:tls_client
bin="$(bazel info bazel-bin 2>/dev/null)"
tls_server="$bin/tools/tls_server"
tls_client="$bin/tools/tls_client"
tmp=$(mktemp -d)
srv=""
peer=""
cleanup() {
  [ -n "$srv" ] && kill "$srv" 2>/dev/null || true
  [ -n "$peer" ] && kill "$peer" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
manifest="$tmp/MANIFEST"
: > "$manifest"
echo "early data, sent as 0-RTT" > "$tmp/early.txt"

RSA="-cert $certs/server_rsa.pem -key $certs/server_rsa.key.pem"
CA="-CAfile $certs/ca.pem"

# start_server NAME TLS_SERVER FLAGS...: tls_server -capture on a free port ($port).
start_server() {
  name=$1
  shift
  rm -rf "${tmp:?}/$name"
  mkdir -p "$tmp/$name"
  # shellcheck disable=SC2086
  timeout 90 stdbuf -oL "$tls_server" -accept 127.0.0.1:0 $RSA -capture "$tmp/$name" -quiet "$@" >"$tmp/$name.out" 2>&1 &
  srv=$!
  port=""
  i=0
  while [ -z "$port" ] && [ $i -lt 100 ]; do
    sleep 0.1
    port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$tmp/$name.out")
    i=$((i + 1))
  done
  [ -n "$port" ] || { echo "tls_server did not start: $(cat "$tmp/$name.out")" >&2; exit 1; }
}

# finish_server NAME SUFFIX...: waits for the server; keeps its n-th capture as NAME_<n-th SUFFIX>.
finish_server() {
  name=$1
  shift
  wait "$srv" || true
  srv=""
  n=1
  for suffix in "$@"; do
    if [ -e "$tmp/$name/$n.stlscap" ]; then
      cp "$tmp/$name/$n.stlscap" "$dir/${name}_$suffix.stlscap"
      echo "${name}_$suffix.stlscap $RSA" >> "$manifest"
    else
      echo "warning: $name: no capture of connection $n ($suffix)" >&2
    fi
    n=$((n + 1))
  done
}

# capture_client NAME TLS_CLIENT FLAGS...: one tls_client connection to $port, captured as NAME.
capture_client() {
  name=$1
  shift
  # shellcheck disable=SC2086
  (echo "hello from tls_client"; sleep 1) | timeout 15 "$tls_client" -connect "127.0.0.1:$port" -servername localhost \
    $CA -capture "$dir/$name.stlscap" "$@" >"$tmp/$name.client" 2>&1 || true
  echo "$name.stlscap $CA" >> "$manifest"
}

# --- sanstls serves (tls_server -capture), the peer resumes -------------------------------------------
ossl_c() {  # ossl_c FLAGS...: one s_client connection that sends a line and waits for its echo
  (echo "hello from s_client"; sleep 1) |
    timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername localhost $CA -verify_return_error "$@" \
      >>"$tmp/s_client.out" 2>&1 || true
}
s="$tmp/ossl.sess"
start_server resume_server_openssl_tls13 -naccept 4 -early_data 16384
ossl_c -tls1_3 -sess_out "$s"
ossl_c -tls1_3 -sess_in "$s"
ossl_c -tls1_3 -sess_in "$s" -early_data "$tmp/early.txt"
# The key share for a group the server lacks: a HelloRetryRequest, after which 0-RTT is refused
# (RFC 8446 4.2.10) while the session still resumes.
ossl_c -tls1_3 -sess_in "$s" -early_data "$tmp/early.txt" -groups P-521:X25519
finish_server resume_server_openssl_tls13 full resumed early_accepted early_refused_hrr

start_server resume_server_openssl_tls12_ticket -naccept 2 -tls1_2
ossl_c -tls1_2 -sess_out "$s"
ossl_c -tls1_2 -sess_in "$s"
finish_server resume_server_openssl_tls12_ticket full resumed

start_server resume_server_openssl_tls12_id -naccept 2 -tls1_2
ossl_c -tls1_2 -no_ticket -sess_out "$s"
ossl_c -tls1_2 -no_ticket -sess_in "$s"
finish_server resume_server_openssl_tls12_id full resumed

gnutls_c() {  # gnutls_c FLAGS...: gnutls-cli --resume (two connections; data on the second)
  (echo "hello from gnutls-cli"; sleep 2) |
    timeout 15 gnutls-cli --port "$port" --x509cafile $certs/ca.pem --resume "$@" localhost >>"$tmp/gnutls.out" 2>&1 || true
}
start_server resume_server_gnutls_tls13 -naccept 2 -early_data 16384
gnutls_c --earlydata="$tmp/early.txt"
finish_server resume_server_gnutls_tls13 full early_accepted

start_server resume_server_gnutls_tls12_ticket -naccept 2 -tls1_2
gnutls_c
finish_server resume_server_gnutls_tls12_ticket full resumed

start_server resume_server_gnutls_tls12_id -naccept 2 -tls1_2
gnutls_c --noticket
finish_server resume_server_gnutls_tls12_id full resumed

# NSS: databases from tests/certs, as tests/interop_nss_test.cc makes them.
if command -v tstclnt >/dev/null && command -v selfserv >/dev/null && command -v pk12util >/dev/null; then
  nss="$tmp/nssdb"
  mkdir -p "$nss"
  certutil -N --empty-password -d "sql:$nss" >/dev/null
  openssl pkcs12 -export -in $certs/server_rsa.pem -inkey $certs/server_rsa.key.pem -name server \
    -passout pass:sanstls -out "$tmp/server.p12"
  pk12util -i "$tmp/server.p12" -d "sql:$nss" -W sanstls -K "" >/dev/null
  certutil -A -d "sql:$nss" -n ca -t "CT,C,C" -i $certs/ca.pem
  # tstclnt reads until the server closes: tls_server -www answers one GET and closes.
  printf 'GET / HTTP/1.0\r\n\r\n' > "$tmp/tstclnt.txt"
  nss_c() {  # nss_c FLAGS...: tstclnt -L 2 (the second connection resumes)
    timeout 15 tstclnt -h 127.0.0.1 -p "$port" -d "sql:$nss" -a localhost -A "$tmp/tstclnt.txt" -L 2 "$@" \
      >>"$tmp/tstclnt.out" 2>&1 </dev/null || true
  }
  start_server resume_server_nss_tls13 -naccept 2 -early_data 16384 -www
  nss_c -V tls1.3:tls1.3 -Z
  finish_server resume_server_nss_tls13 full early_accepted
  start_server resume_server_nss_tls12 -naccept 2 -tls1_2 -www
  nss_c -V tls1.2:tls1.2
  finish_server resume_server_nss_tls12 full resumed
else
  echo "warning: NSS tools (libnss3-tools) missing: no NSS captures" >&2
fi

# --- the peer serves, tls_client (-capture) resumes ----------------------------------------------------
# peer_server COMMAND...: a server on $port (the caller picks it), in the background ($peer).
peer_server() {
  (echo "hello from the peer"; sleep 8) | "$@" >"$tmp/peer.out" 2>&1 &
  peer=$!
  sleep 1
}
stop_peer() {
  kill "$peer" 2>/dev/null || true
  wait "$peer" 2>/dev/null || true
  peer=""
}
ossl_s() { port=$(free_port); peer_server timeout 20 openssl s_server -accept "127.0.0.1:$port" -naccept 3 $RSA "$@"; }

ossl_s -tls1_3 -early_data
capture_client resume_client_openssl_tls13_full -tls1_3 -sess_out "$s"
capture_client resume_client_openssl_tls13_early_accepted -tls1_3 -sess_in "$s" -early_data "$tmp/early.txt"
stop_peer
ossl_s -tls1_3
capture_client resume_client_openssl_tls13_full_noearly -tls1_3 -sess_out "$s"
capture_client resume_client_openssl_tls13_early_refused -tls1_3 -sess_in "$s" -early_data "$tmp/early.txt"
stop_peer
ossl_s -tls1_2
capture_client resume_client_openssl_tls12_ticket_full -tls1_2 -sess_out "$s"
capture_client resume_client_openssl_tls12_ticket_resumed -tls1_2 -sess_in "$s"
stop_peer
ossl_s -tls1_2 -no_ticket
capture_client resume_client_openssl_tls12_id_full -tls1_2 -sess_out "$s"
capture_client resume_client_openssl_tls12_id_resumed -tls1_2 -sess_in "$s"
stop_peer

gnutls_s() {
  port=$(free_port)
  peer_server timeout 20 gnutls-serv --port "$port" --echo --x509certfile $certs/server_rsa.pem \
    --x509keyfile $certs/server_rsa.key.pem "$@"
}
gnutls_s --earlydata
capture_client resume_client_gnutls_tls13_full -tls1_3 -sess_out "$s"
capture_client resume_client_gnutls_tls13_early_accepted -tls1_3 -sess_in "$s" -early_data "$tmp/early.txt"
stop_peer
gnutls_s
capture_client resume_client_gnutls_tls12_ticket_full -tls1_2 -sess_out "$s"
capture_client resume_client_gnutls_tls12_ticket_resumed -tls1_2 -sess_in "$s"
stop_peer

if [ -n "${nss:-}" ]; then
  port=$(free_port)
  peer_server timeout 20 selfserv -d "sql:$nss" -n server -p "$port" -V tls1.3:tls1.3 -u -Z
  capture_client resume_client_nss_tls13_full -tls1_3 -sess_out "$s"
  capture_client resume_client_nss_tls13_early_offered -tls1_3 -sess_in "$s" -early_data "$tmp/early.txt"
  stop_peer
  port=$(free_port)
  peer_server timeout 20 selfserv -d "sql:$nss" -n server -p "$port" -V tls1.2:tls1.2
  capture_client resume_client_nss_tls12_full -tls1_2 -sess_out "$s"
  capture_client resume_client_nss_tls12_resumed -tls1_2 -sess_in "$s"
  stop_peer
fi

grep -v '^resume_' "$dir/MANIFEST" > "$tmp/MANIFEST.old" || true
cat "$tmp/MANIFEST.old" "$manifest" > "$dir/MANIFEST"
echo "recorded $(wc -l < "$manifest") resumption captures:"
cat "$manifest"
