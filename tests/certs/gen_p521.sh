#!/usr/bin/env bash
# Makes the ECDSA P-521 server certificate (issue 14: ecdsa_secp521r1_sha512) without touching the rest
# of tests/certs: a P-521 key, a leaf for localhost + 127.0.0.1 signed by the existing root (ca.pem,
# ca.key.pem, made by gen.sh) with gen.sh's server_ec extensions and its fixed good dates, and an
# OpenSSL signature over msg.txt for the signature tests.
#
# How to run:   cd tests/certs && ./gen_p521.sh     (bash + OpenSSL 3; after gen.sh)
# Makes: server_p521.key.pem (PKCS#8), server_p521.pem, sig_ecdsa_p521_sha512.bin
#        (openssl dgst -sha512 -sign server_p521.key.pem msg.txt, a DER ECDSA signature).
set -euo pipefail

cd "$(dirname "$0")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/ext.cnf" <<'CNF'
[server_ec]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF
mkdir -p "$WORK/new"
: >"$WORK/index.txt"
echo 1501 >"$WORK/serial"
cat >"$WORK/ca.cnf" <<CNF
[ca]
default_ca = this_ca
[this_ca]
dir = $WORK
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = any_policy
unique_subject = no
copy_extensions = none
email_in_dn = no
[any_policy]
organizationName = optional
commonName = supplied
CNF

openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -pkeyopt ec_param_enc:named_curve \
  -out server_p521.key.pem
openssl req -new -key server_p521.key.pem -subj "/O=sanstls/CN=localhost" -out "$WORK/req.csr"
openssl ca -batch -notext -config "$WORK/ca.cnf" -cert ca.pem -keyfile ca.key.pem -in "$WORK/req.csr" \
  -out server_p521.pem -extfile "$WORK/ext.cnf" -extensions server_ec -startdate 240101000000Z \
  -enddate 491231235959Z 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
openssl dgst -sha512 -sign server_p521.key.pem -out sig_ecdsa_p521_sha512.bin msg.txt
openssl verify -attime 1893456000 -CAfile ca.pem server_p521.pem >/dev/null
chmod 644 server_p521.key.pem server_p521.pem sig_ecdsa_p521_sha512.bin
echo "gen_p521.sh: made server_p521.key.pem, server_p521.pem, sig_ecdsa_p521_sha512.bin"
