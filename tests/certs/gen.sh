#!/usr/bin/env bash
# Makes the sanstls test certificates, keys and signatures in this directory (tests/certs/).
#
# How to run:   cd tests/certs && ./gen.sh        (bash + OpenSSL 3; no arguments)
# Re-runnable: every run overwrites the same file names with fresh keys. Tests that need exact bytes
# (signatures made by OpenSSL) read them from the files made here, so a re-run keeps the tests valid.
# Dates are fixed (not relative to today) so that tests with an injected "now" keep working:
#   good certificates   2024-01-01 00:00:00Z .. 2049-12-31 23:59:59Z
#   except: ca.pem      2019-01-01 00:00:00Z .. 2049-12-31 23:59:59Z (so that expired.pem is valid in 2020)
#           server_ec.pem 2023-01-01 00:00:00Z .. 2049-12-31 23:59:59Z (valid before int.pem: in 2023 its
#                       path fails on the intermediate or, with int.pem as anchor, on the anchor)
#   expired.pem         2020-01-01 00:00:00Z .. 2021-01-01 00:00:00Z
#
# What it makes (see README.md for the full table):
#   ca.pem / ca.der / ca.key.pem           root CA "sanstls test CA", RSA-2048, self-signed
#   int.pem / int.key.pem                  intermediate CA, ECDSA P-256, signed by the root
#   server_rsa.pem + .key.pem              RSA-2048 leaf, localhost + 127.0.0.1, signed by the root
#   server_ec.pem + .key.pem               ECDSA P-256 leaf, localhost + 127.0.0.1, signed by the intermediate
#   server_ec_chain.pem                    server_ec.pem followed by int.pem
#   server_p384.pem + .key.pem             ECDSA P-384 leaf, localhost + 127.0.0.1, signed by the root
#   wildcard.pem + .key.pem                ECDSA P-256 leaf for *.example.test, signed by the root
#   client.pem + .key.pem                  RSA-2048 client certificate (EKU clientAuth only), signed by the root
#   client_ec.pem + .key.pem               ECDSA P-256 client certificate (EKU clientAuth only), signed by the root
#   expired.pem + .key.pem                 RSA-2048 leaf for localhost valid 2020-01-01..2021-01-01 only
#   wrong_name.pem + .key.pem              RSA-2048 leaf, SAN other.example.test only (CN=localhost, which must
#                                          be ignored), signed by the root
#   nosan.pem + .key.pem                   RSA-2048 leaf without subjectAltName, CN=cn-only.example.test
#   other_ca.pem / other_ca.key.pem        an unrelated root CA "sanstls unrelated CA"
#   unknown_ca.pem + .key.pem              RSA-2048 leaf for localhost signed by other_ca
#   key formats: *.key.pem are PKCS#8 PEM; client.key.rsa.pem is PKCS#1 PEM ("RSA PRIVATE KEY");
#     server_ec.key.sec1.pem is SEC1 PEM ("EC PRIVATE KEY"); server_ec.key.der is PKCS#8 DER.
#   signatures over msg.txt (the ASCII text "sanstls test message\n", also made here):
#     sig_ecdsa_p256_sha256.bin   openssl dgst -sha256 -sign server_ec.key.pem (DER ECDSA signature)
#     sig_ecdsa_p384_sha384.bin   openssl dgst -sha384 -sign server_p384.key.pem
#     sig_rsa_pkcs1_sha256.bin    openssl dgst -sha256 -sign server_rsa.key.pem (PKCS#1 v1.5)
#     sig_rsa_pss_sha256.bin      the same with -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest
set -euo pipefail

cd "$(dirname "$0")"
OUT="$(pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

GOOD_START=240101000000Z
ROOT_START=190101000000Z
EC_LEAF_START=230101000000Z
GOOD_END=491231235959Z
OLD_START=200101000000Z
OLD_END=210101000000Z

# Extension sections used with `openssl ca -extfile`.
cat >"$WORK/ext.cnf" <<'EOF'
[root_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[int_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[server_rsa]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[server_ec]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[wildcard]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[wrong_name]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[nosan]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# A minimal `openssl ca` configuration for one signing CA named $1 (its own database and serial).
make_ca_dir() {
  local name=$1 serial=$2
  mkdir -p "$WORK/$name/new"
  : >"$WORK/$name/index.txt"
  echo "$serial" >"$WORK/$name/serial"
  cat >"$WORK/$name/ca.cnf" <<EOF
[ca]
default_ca = this_ca
[this_ca]
dir = $WORK/$name
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
EOF
}

rsa_key() { openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"; }
ec_key() {
  openssl genpkey -quiet -algorithm EC -pkeyopt "ec_paramgen_curve:$2" -pkeyopt ec_param_enc:named_curve -out "$1"
}

# sign <ca-dir-name> <ca-cert> <ca-key> <csr-key> <subject> <ext-section> <out.pem> <start> <end>
sign() {
  local ca=$1 cacert=$2 cakey=$3 key=$4 subj=$5 ext=$6 out=$7 start=$8 end=$9
  openssl req -new -key "$key" -subj "$subj" -out "$WORK/req.csr"
  openssl ca -batch -notext -config "$WORK/$ca/ca.cnf" -cert "$cacert" -keyfile "$cakey" \
    -in "$WORK/req.csr" -out "$out" -extfile "$WORK/ext.cnf" -extensions "$ext" \
    -startdate "$start" -enddate "$end" 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
}

make_ca_dir root 1001
make_ca_dir int 2001
make_ca_dir other 3001

# Root CA (RSA-2048), self-signed with `openssl ca -selfsign` so that it gets the fixed dates.
rsa_key ca.key.pem
openssl req -new -key ca.key.pem -subj "/O=sanstls/CN=sanstls test CA" -out "$WORK/ca.csr"
openssl ca -batch -notext -selfsign -config "$WORK/root/ca.cnf" -keyfile ca.key.pem -in "$WORK/ca.csr" \
  -out ca.pem -extfile "$WORK/ext.cnf" -extensions root_ca -startdate $ROOT_START -enddate $GOOD_END \
  2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
openssl x509 -in ca.pem -outform DER -out ca.der

# Intermediate CA (ECDSA P-256), signed by the root.
ec_key int.key.pem P-256
sign root ca.pem ca.key.pem int.key.pem "/O=sanstls/CN=sanstls test intermediate CA" int_ca int.pem \
  $GOOD_START $GOOD_END

# Server leaves.
rsa_key server_rsa.key.pem
sign root ca.pem ca.key.pem server_rsa.key.pem "/O=sanstls/CN=localhost" server_rsa server_rsa.pem \
  $GOOD_START $GOOD_END

ec_key server_ec.key.pem P-256
sign int int.pem int.key.pem server_ec.key.pem "/O=sanstls/CN=localhost" server_ec server_ec.pem \
  $EC_LEAF_START $GOOD_END
cat server_ec.pem int.pem >server_ec_chain.pem
openssl ec -in server_ec.key.pem -out server_ec.key.sec1.pem 2>/dev/null
openssl pkey -in server_ec.key.pem -outform DER -out server_ec.key.der

ec_key server_p384.key.pem P-384
sign root ca.pem ca.key.pem server_p384.key.pem "/O=sanstls/CN=localhost" server_ec server_p384.pem \
  $GOOD_START $GOOD_END

ec_key wildcard.key.pem P-256
sign root ca.pem ca.key.pem wildcard.key.pem "/O=sanstls/CN=*.example.test" wildcard wildcard.pem \
  $GOOD_START $GOOD_END

rsa_key client.key.pem
sign root ca.pem ca.key.pem client.key.pem "/O=sanstls/CN=sanstls test client" client client.pem \
  $GOOD_START $GOOD_END
openssl rsa -traditional -in client.key.pem -out client.key.rsa.pem 2>/dev/null

ec_key client_ec.key.pem P-256
sign root ca.pem ca.key.pem client_ec.key.pem "/O=sanstls/CN=sanstls test ECDSA client" client client_ec.pem \
  $GOOD_START $GOOD_END

rsa_key expired.key.pem
sign root ca.pem ca.key.pem expired.key.pem "/O=sanstls/CN=localhost" server_rsa expired.pem \
  $OLD_START $OLD_END

rsa_key wrong_name.key.pem
sign root ca.pem ca.key.pem wrong_name.key.pem "/O=sanstls/CN=localhost" wrong_name wrong_name.pem \
  $GOOD_START $GOOD_END

# No subjectAltName at all: the name is in the CN only.
rsa_key nosan.key.pem
sign root ca.pem ca.key.pem nosan.key.pem "/O=sanstls/CN=cn-only.example.test" nosan nosan.pem \
  $GOOD_START $GOOD_END

# An unrelated CA and a leaf it signed (for unknown_ca).
rsa_key other_ca.key.pem
openssl req -new -key other_ca.key.pem -subj "/O=sanstls/CN=sanstls unrelated CA" -out "$WORK/other.csr"
openssl ca -batch -notext -selfsign -config "$WORK/other/ca.cnf" -keyfile other_ca.key.pem \
  -in "$WORK/other.csr" -out other_ca.pem -extfile "$WORK/ext.cnf" -extensions root_ca \
  -startdate $GOOD_START -enddate $GOOD_END 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
rsa_key unknown_ca.key.pem
sign other other_ca.pem other_ca.key.pem unknown_ca.key.pem "/O=sanstls/CN=localhost" server_rsa \
  unknown_ca.pem $GOOD_START $GOOD_END

# Signatures made by OpenSSL over a fixed message, for the signature tests.
printf 'sanstls test message\n' >msg.txt
openssl dgst -sha256 -sign server_ec.key.pem -out sig_ecdsa_p256_sha256.bin msg.txt
openssl dgst -sha384 -sign server_p384.key.pem -out sig_ecdsa_p384_sha384.bin msg.txt
openssl dgst -sha256 -sign server_rsa.key.pem -out sig_rsa_pkcs1_sha256.bin msg.txt
openssl dgst -sha256 -sign server_rsa.key.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest \
  -out sig_rsa_pss_sha256.bin msg.txt

# Self-check: the good chains verify with OpenSSL at a time inside their validity (2030-01-01).
AT=1893456000
openssl verify -attime $AT -CAfile ca.pem server_rsa.pem >/dev/null
openssl verify -attime $AT -CAfile ca.pem -untrusted int.pem server_ec.pem >/dev/null
openssl verify -attime $AT -CAfile ca.pem server_p384.pem wildcard.pem client.pem wrong_name.pem nosan.pem >/dev/null
openssl verify -attime $AT -CAfile other_ca.pem unknown_ca.pem >/dev/null
openssl verify -attime 1590969600 -CAfile ca.pem expired.pem >/dev/null  # 2020-06-01
chmod 644 ./*.pem ./*.der ./*.bin ./*.txt  # test keys, not secrets; readable in the Bazel sandbox
echo "gen.sh: made $(ls ./*.pem ./*.der ./*.bin ./*.txt | wc -l) files in $OUT"
