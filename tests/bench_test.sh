#!/usr/bin/env bash
# Runs tls_bench --quick (and a small --scale run) so that the benchmark cannot rot: every stack must
# finish every scenario (TLS 1.2, and TLS 1.3 where mbedTLS must say n/a), the table and the JSON / CSV
# output must hold a positive number for each, and the memory figures must be there when heap counting
# is on. Each run is bounded by `timeout`.
set -euo pipefail

BENCH="$1"
OUT="${TEST_TMPDIR:-$(mktemp -d)}"
fail() { echo "FAIL: $*" >&2; exit 1; }

timeout 600 "$BENCH" --quick --out "$OUT/quick.json" > "$OUT/quick.txt" || fail "tls_bench --quick exited with $?"
cat "$OUT/quick.txt"

for s in full_ecdsa_x25519 full_ecdsa_p256 full_rsa_x25519 full_rsa_kx resumed_ecdsa bulk_aes128gcm bulk_chacha20 \
         full13_ecdsa_x25519 full13_rsa_x25519 resumed13_ecdsa bulk13_aes128gcm bulk13_chacha20; do
  grep -q "^$s " "$OUT/quick.txt" || fail "no row for $s in the table"
done
grep -q "^Targets (issue 7" "$OUT/quick.txt" || fail "no targets section"
# TLS 1.3 (issue 8): mbedTLS 2.28 has none, and says so; the 1.3 targets are printed.
grep -Eq "^full13_ecdsa_x25519 +pair +hs/s +[0-9.]+ +n/a +[0-9.]+" "$OUT/quick.txt" || fail "no n/a for mbedTLS in TLS 1.3"
for t in "full13_rsa_x25519 server: sanstls >= 95% of the crypto floor" \
         "resumed13_ecdsa client: sanstls >= 95% of the crypto floor" \
         "bulk13_chacha20 server: sanstls >= 97% of the crypto floor"; do
  grep -Eq "^  (MET|MISSED) +$t" "$OUT/quick.txt" || fail "no target line: $t"
done

/usr/bin/python3 - "$OUT/quick.json" "$OUT/quick.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rows = doc["rows"]
counting = "heap counting: on" in open(sys.argv[2]).read()
def get(sc, stack, side, metric):
    v = [r["value"] for r in rows if (r["scenario"], r["stack"], r["side"], r["metric"]) == (sc, stack, side, metric)]
    assert len(v) == 1, ("missing or duplicated", sc, stack, side, metric, v)
    return v[0]
scenarios = ["full_ecdsa_x25519", "full_ecdsa_p256", "full_rsa_x25519", "full_rsa_kx", "resumed_ecdsa",
             "bulk_aes128gcm", "bulk_chacha20"]
scenarios13 = ["full13_ecdsa_x25519", "full13_rsa_x25519", "resumed13_ecdsa", "bulk13_aes128gcm", "bulk13_chacha20"]
for sc in scenarios + scenarios13:
    unit = "MiB/s" if sc.startswith("bulk") else "hs/s"
    tls13 = sc in scenarios13
    stacks = ["sanstls", "openssl", "floor"] if tls13 else ["sanstls", "mbedtls", "openssl", "floor"]
    if tls13:
        get(sc, "mbedtls", "pair", "n/a")  # the marker row
        assert not any(r["scenario"] == sc and r["stack"] == "mbedtls" and r["metric"] != "n/a" for r in rows), sc
    for stack in stacks:
        for side in ["pair", "client", "server"]:
            v = get(sc, stack, side, unit)
            assert v > 0, (sc, stack, side, v)
        # a side alone never takes longer than the pair
        if stack != "floor":
            assert get(sc, stack, "client", unit) >= get(sc, stack, "pair", unit) * 0.99, (sc, stack)
    if counting:
        for stack in [x for x in stacks if x != "floor"]:
            for side in ["client", "server"]:
                assert get(sc, stack, side, "heap_idle") > 0, (sc, stack, side)
                assert get(sc, stack, side, "heap_peak") >= get(sc, stack, side, "heap_idle"), (sc, stack, side)
                assert get(sc, stack, side, "allocs_handshake") > 0, (sc, stack, side)
        for side in ["client", "server"]:
            own, total = get(sc, "sanstls", side, "own_heap_peak"), get(sc, "sanstls", side, "heap_peak")
            assert 0 < own <= total, (sc, side, own, total)
for prim in ["x25519_shared", "hkdf_extract", "hkdf_expand_label", "hmac_finished", "rsa2048_pss_sign",
             "rsa2048_pss_verify"]:
    assert any(r["scenario"] == "primitive" and r["metric"] == prim and r["value"] > 0 for r in rows), prim
print("json ok:", len(rows), "rows; heap counting", "on" if counting else "off")
PY

# CSV output, and a filter.
timeout 300 "$BENCH" --quick --only resumed --stacks sanstls --out "$OUT/r.csv" > /dev/null || fail "--only/--stacks run failed"
head -1 "$OUT/r.csv" | grep -q "^scenario,stack,side,metric,value,unit$" || fail "CSV header"
grep -q "^resumed_ecdsa,sanstls,pair,hs/s," "$OUT/r.csv" || fail "CSV row"
if grep -q "^full_" "$OUT/r.csv"; then fail "--only did not filter"; fi

# Scaling mode.
timeout 600 "$BENCH" --scale 1000 > "$OUT/scale.txt" || fail "--scale 1000 failed"
cat "$OUT/scale.txt"
grep -q "heap per connection: client [0-9]" "$OUT/scale.txt" || fail "scale: no memory line"
grep -q "16 KiB record (pair): with 100 open" "$OUT/scale.txt" || fail "scale: no record line"

# Bad arguments are refused.
if "$BENCH" --no-such-flag > /dev/null 2>&1; then fail "an unknown flag was accepted"; fi
if "$BENCH" --certs /nonexistent --quick > /dev/null 2>&1; then fail "a missing certificate directory was accepted"; fi
echo PASS
