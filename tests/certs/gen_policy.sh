#!/usr/bin/env bash
# Makes the X.509 policy test certificates (key usage per use, name constraints, CN fallback, a CA as
# a leaf) in this directory (tests/certs/), WITHOUT touching what gen.sh made: the root ca.pem /
# ca.key.pem signs them (or intermediates made here), and recorded replays keep depending on the bytes
# of the existing certificates. Every file written here is a new name (listed below); the script
# refuses to run if one of the old files would be overwritten.
#
# How to run:   cd tests/certs && ./gen_policy.sh     (bash + OpenSSL 3; no arguments; after gen.sh)
# Re-runnable: a re-run overwrites only the files below, with fresh keys.
# Dates: 2024-01-01 00:00:00Z .. 2049-12-31 23:59:59Z for every certificate.
#
# What it makes (see README.md for the table):
#   ku_encipher.pem + .key.pem          RSA-2048 server leaf, localhost + 127.0.0.1, keyUsage keyEncipherment only
#   ku_sign_rsa.pem + .key.pem          RSA-2048 server leaf, localhost + 127.0.0.1, keyUsage digitalSignature only
#   client_ku_encipher.pem + .key.pem   RSA-2048 client certificate (clientAuth), keyUsage keyEncipherment only
#   nc_int.pem + .key.pem               intermediate CA, nameConstraints permitted;DNS:allowed.test (non-critical)
#   nc_crit_int.pem + .key.pem          the same constraint, critical
#   nc_excl_int.pem + .key.pem          excluded;DNS:evil.test and excluded;IP:127.0.0.0/255.0.0.0 (non-critical)
#   nc_email_int.pem + .key.pem         critical nameConstraints with an e-mail subtree only (not enforced)
#   nc_bad_int.pem + .key.pem           nameConstraints whose value is not a NameConstraints (malformed)
#   leaves, each with <name>.key.pem and <name>_chain.pem (the leaf, then its intermediate):
#     nc_allowed       DNS:www.allowed.test            under nc_int
#     nc_evil          DNS:evil.test                   under nc_int
#     nc_cn_evil       no SAN, CN=evil.test            under nc_int
#     nc_crit_allowed  DNS:www.allowed.test            under nc_crit_int
#     nc_crit_evil     DNS:evil.test                   under nc_crit_int
#     nc_excl_evil     DNS:evil.test                   under nc_excl_int
#     nc_excl_ip       DNS:ok.test, IP:127.0.0.1       under nc_excl_int
#     nc_email_leaf    DNS:localhost                   under nc_email_int
#     nc_bad_leaf      DNS:localhost                   under nc_bad_int
#   ca_leaf.pem + .key.pem              server leaf for localhost with basicConstraints critical CA:TRUE
#   uri_san_cn.pem + .key.pem           SAN URI:https://localhost/ and email:a@localhost only, CN=localhost
#   wildcard_cn.pem + .key.pem          no SAN, CN=*.example.test
set -euo pipefail

cd "$(dirname "$0")"
OUT="$(pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

START=240101000000Z
END=491231235959Z

# The names gen.sh owns: never written here.
for f in ca int server_rsa server_ec server_p384 wildcard client client_ec expired wrong_name nosan other_ca \
  unknown_ca; do
  [ -f "$f.pem" ] || { echo "gen_policy.sh: $f.pem missing; run gen.sh first" >&2; exit 1; }
done

cat >"$WORK/ext.cnf" <<'EOF'
[ku_encipher]
basicConstraints = CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ku_sign_rsa]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client_ku_encipher]
basicConstraints = CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[nc_int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
nameConstraints = permitted;DNS:allowed.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[nc_crit_int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
nameConstraints = critical, permitted;DNS:allowed.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[nc_excl_int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
nameConstraints = excluded;DNS:evil.test, excluded;IP:127.0.0.0/255.0.0.0
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[nc_email_int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
nameConstraints = critical, permitted;email:allowed.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees OPTIONAL, ... }: here the [0]
# holds a GeneralSubtree whose dNSName claims 5 bytes and has 2 (non-critical, so that mbedTLS's own
# parser lets it through and the check is ours).
[nc_bad_int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
2.5.29.30 = DER:30:08:A0:06:30:04:82:05:61:62
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[nc_leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = ${ENV::SAN}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[nosan_leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ca_leaf]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
export SAN=DNS:unused  # ${ENV::SAN} must resolve for every section

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
  openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve -out "$1"
}

# sign <ca-dir-name> <ca-cert> <ca-key> <csr-key> <subject> <ext-section> <out.pem>
sign() {
  local ca=$1 cacert=$2 cakey=$3 key=$4 subj=$5 ext=$6 out=$7
  openssl req -new -key "$key" -subj "$subj" -out "$WORK/req.csr"
  openssl ca -batch -notext -config "$WORK/$ca/ca.cnf" -cert "$cacert" -keyfile "$cakey" \
    -in "$WORK/req.csr" -out "$out" -extfile "$WORK/ext.cnf" -extensions "$ext" \
    -startdate $START -enddate $END 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; exit 1; }
}

# Serials distinct from gen.sh's (1001.., 2001.., 3001..).
make_ca_dir root 5001

rsa_key ku_encipher.key.pem
sign root ca.pem ca.key.pem ku_encipher.key.pem "/O=sanstls/CN=localhost" ku_encipher ku_encipher.pem
rsa_key ku_sign_rsa.key.pem
sign root ca.pem ca.key.pem ku_sign_rsa.key.pem "/O=sanstls/CN=localhost" ku_sign_rsa ku_sign_rsa.pem
rsa_key client_ku_encipher.key.pem
sign root ca.pem ca.key.pem client_ku_encipher.key.pem "/O=sanstls/CN=sanstls encipher-only client" \
  client_ku_encipher client_ku_encipher.pem

# Constrained intermediates (ECDSA P-256), each with its own `openssl ca` directory.
serial=$((0x6001))  # hex, as `openssl ca` reads it: 6001, 7001, .., A001
for ca in nc_int nc_crit_int nc_excl_int nc_email_int nc_bad_int; do
  make_ca_dir "$ca" "$(printf %04X $serial)"
  serial=$((serial + 0x1000))
  ec_key "$ca.key.pem"
  sign root ca.pem ca.key.pem "$ca.key.pem" "/O=sanstls/CN=sanstls $ca" "$ca" "$ca.pem"
done

# leaf <name> <intermediate> <CN> <SAN or empty for none>
leaf() {
  local name=$1 ca=$2 cn=$3 san=$4 ext=nc_leaf
  if [ -z "$san" ]; then ext=nosan_leaf; else export SAN="$san"; fi
  ec_key "$name.key.pem"
  sign "$ca" "$ca.pem" "$ca.key.pem" "$name.key.pem" "/O=sanstls/CN=$cn" $ext "$name.pem"
  cat "$name.pem" "$ca.pem" >"${name}_chain.pem"
}
leaf nc_allowed nc_int www.allowed.test DNS:www.allowed.test
leaf nc_evil nc_int evil.test DNS:evil.test
leaf nc_cn_evil nc_int evil.test ""
leaf nc_crit_allowed nc_crit_int www.allowed.test DNS:www.allowed.test
leaf nc_crit_evil nc_crit_int evil.test DNS:evil.test
leaf nc_excl_evil nc_excl_int evil.test DNS:evil.test
leaf nc_excl_ip nc_excl_int ok.test "DNS:ok.test, IP:127.0.0.1"
leaf nc_email_leaf nc_email_int localhost DNS:localhost
leaf nc_bad_leaf nc_bad_int localhost DNS:localhost

ec_key ca_leaf.key.pem
sign root ca.pem ca.key.pem ca_leaf.key.pem "/O=sanstls/CN=localhost" ca_leaf ca_leaf.pem

ec_key uri_san_cn.key.pem
export SAN="URI:https://localhost/, email:a@localhost"
sign root ca.pem ca.key.pem uri_san_cn.key.pem "/O=sanstls/CN=localhost" nc_leaf uri_san_cn.pem

ec_key wildcard_cn.key.pem
sign root ca.pem ca.key.pem wildcard_cn.key.pem "/O=sanstls/CN=*.example.test" nosan_leaf wildcard_cn.pem

# Self-check with OpenSSL at 2030-01-01: the good ones verify, and OpenSSL (which enforces name
# constraints) refuses the ones outside their CA's constraints.
AT=1893456000
openssl verify -attime $AT -CAfile ca.pem ku_encipher.pem ku_sign_rsa.pem client_ku_encipher.pem ca_leaf.pem \
  uri_san_cn.pem wildcard_cn.pem >/dev/null
for name in nc_allowed nc_crit_allowed nc_email_leaf; do
  ca=$(openssl x509 -in "${name}_chain.pem" -noout -issuer | sed 's/.*CN *= *sanstls //')
  openssl verify -attime $AT -CAfile ca.pem -untrusted "$ca.pem" "$name.pem" >/dev/null
done
for name in nc_evil nc_crit_evil nc_excl_evil nc_excl_ip nc_cn_evil; do
  ca=$(openssl x509 -in "${name}_chain.pem" -noout -issuer | sed 's/.*CN *= *sanstls //')
  if openssl verify -attime $AT -CAfile ca.pem -untrusted "$ca.pem" "$name.pem" >/dev/null 2>&1; then
    echo "gen_policy.sh: OpenSSL accepted $name.pem, which violates its CA's name constraints" >&2
    exit 1
  fi
done
chmod 644 ku_*.pem client_ku_*.pem nc_*.pem ca_leaf*.pem uri_san_cn*.pem wildcard_cn*.pem
echo "gen_policy.sh: made the policy certificates in $OUT"
