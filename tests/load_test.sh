#!/bin/bash
# Load test of the epoll server: CLIENTS tls_load processes x PER connections each (1,000 by default),
# all at once, against one tls_server on loopback. Each connection does a full handshake and an echo;
# none may fail or be lost. Prints the handshakes per second. Bounded in time: every child runs under
# `timeout`, and the server is killed on every exit path.
# usage: load_test.sh TLS_SERVER TLS_LOAD [CLIENTS] [PER]
set -u
SERVER=$1
LOAD=$2
CLIENTS=${3:-4}
PER=${4:-250}
TOTAL=$((CLIENTS * PER))
CERTS=tests/certs
TMP=${TEST_TMPDIR:-$(mktemp -d)}
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill -9 "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- server output:"; tail -20 "$TMP/server.out"; exit 1; }

# The server's handshake deadline is raised from 30 s: a slow or shared machine (sanitizers, other
# builds) must make this test slower, not make it lose connections to time-outs.
timeout 300 "$SERVER" -accept 127.0.0.1:0 -quiet -naccept "$TOTAL" -handshake_timeout 200000 \
  -cert $CERTS/server_ec_chain.pem -key $CERTS/server_ec.key.pem \
  -cert $CERTS/server_rsa.pem -key $CERTS/server_rsa.key.pem >"$TMP/server.out" 2>&1 &
SERVER_PID=$!
PORT=
for _ in $(seq 100); do
  PORT=$(sed -n 's/^ACCEPT [0-9.]*:\([0-9]*\)$/\1/p' "$TMP/server.out")
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || fail "tls_server did not start"

START=$(date +%s%N)
PIDS=()
for i in $(seq "$CLIENTS"); do
  timeout 240 "$LOAD" -connect 127.0.0.1:"$PORT" -servername localhost -CAfile $CERTS/ca.pem \
    -n "$PER" -bytes 100 -timeout 200 >"$TMP/load$i.out" 2>&1 &
  PIDS+=($!)
done
FAILED=0
for i in "${!PIDS[@]}"; do
  if ! wait "${PIDS[$i]}"; then FAILED=1; fi
  cat "$TMP/load$((i + 1)).out"
done
END=$(date +%s%N)
[ "$FAILED" = 0 ] || fail "a tls_load process reported failures"
OKS=$(cat "$TMP"/load*.out | sed -n 's/.*: \([0-9]*\) ok, 0 failed.*/\1/p' | awk '{s += $1} END {print s}')
[ "$OKS" = "$TOTAL" ] || fail "$OKS of $TOTAL connections succeeded"

# The server exits by itself after TOTAL connections (-naccept): none lost.
for _ in $(seq 300); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SERVER_PID" 2>/dev/null && fail "tls_server did not see all $TOTAL connections end"
wait "$SERVER_PID" || fail "tls_server failed"
SERVER_PID=
grep "served $TOTAL connections: $TOTAL handshakes, $TOTAL ok, 0 failed" "$TMP/server.out" ||
  fail "the server did not count $TOTAL good connections"
MS=$(((END - START) / 1000000))
echo "PASS: $TOTAL concurrent connections ($CLIENTS processes x $PER), all ok, in $MS ms:" \
  "$((TOTAL * 1000 / (MS > 0 ? MS : 1))) handshakes per second"
