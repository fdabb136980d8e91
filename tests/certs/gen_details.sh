#!/usr/bin/env bash
# Makes details.pem / details.key.pem: a leaf signed by the root CA (ca.pem, ca.key.pem from gen.sh)
# with the fields tests/cert_details_test.cc reads back and compares with `openssl x509`: several
# dNSName and iPAddress entries (IPv4, and IPv6 with and without a run of zeros), a multi-attribute
# subject, and a serial whose top bit is set (DER pads it with a zero byte that is not part of it).
#
# How to run:   cd tests/certs && ./gen_details.sh     (bash + OpenSSL 3; after gen.sh, which it leaves
# alone). Dates are fixed: 2024-01-01 00:00:00Z .. 2049-12-31 23:59:59Z.
set -euo pipefail
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cat > "$WORK/ext.cnf" <<'CNF'
[details]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:details.example.test, DNS:*.wild.example.test, IP:192.0.2.7, IP:2001:db8::1, IP:2001:db8:0:1:2:3:4:5, DNS:localhost
CNF
openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve \
  -out details.key.pem
openssl req -new -key details.key.pem -subj "/C=FR/O=sanstls/OU=details/CN=details.example.test" \
  -out "$WORK/req.csr"
# `openssl ca` (not `x509 -req`) for the fixed dates: OpenSSL 3.0's x509 has no -not_before.
mkdir -p "$WORK/ca/new"
touch "$WORK/ca/index.txt"
echo 8BADF00DCAFE0001 > "$WORK/ca/serial"
cat > "$WORK/ca.cnf" <<CNF
[ca]
default_ca = details_ca
[details_ca]
dir = $WORK/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = anything
unique_subject = no
[anything]
countryName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
CNF
openssl ca -batch -notext -config "$WORK/ca.cnf" -cert ca.pem -keyfile ca.key.pem -in "$WORK/req.csr" \
  -out details.pem -extfile "$WORK/ext.cnf" -extensions details -preserveDN \
  -startdate 20240101000000Z -enddate 20491231235959Z 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
