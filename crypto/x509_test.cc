// Tests of the X.509 half of the mbedTLS provider, over the certificates made by tests/certs/gen.sh and
// tests/certs/gen_policy.sh (key usage per use, name constraints, CN fallback, a CA as leaf).
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include <atomic>
#include <thread>

#include "crypto/crypto.h"
#ifdef SANSTLS_TEST_LIBCRYPTO
#include "crypto/libcrypto.h"
#include "crypto/libcrypto_testing.h"
#else
#include "crypto/mbedtls.h"
#endif
#include "tests/testdata.h"

namespace sanstls {
namespace crypto {
namespace {

#ifdef SANSTLS_TEST_LIBCRYPTO
const Provider& P() { return libcrypto_provider(); }
#else
const Provider& P() { return mbedtls_provider(); }
#endif

// Fixed times (seconds since the Unix epoch).
constexpr int64_t k2020_06_01 = 1590969600;
constexpr int64_t k2023_06_01 = 1685577600;
constexpr int64_t k2024_01_01 = 1704067200;  // not_before of the good certificates
constexpr int64_t k2030_01_01 = 1893456000;
constexpr int64_t k2049_12_31_end = 2524607999;  // not_after of the good certificates (23:59:59)
constexpr int64_t k2050_06_01 = 2537654400;

std::vector<Bytes> load(const std::string& path) {
  std::vector<Bytes> der;
  std::string err;
  INFO(path << ": " << err);
  REQUIRE(P().load_certificates(testing::read_file(path), &der, &err));
  return der;
}

std::vector<ByteView> views(const std::vector<Bytes>& v) { return std::vector<ByteView>(v.begin(), v.end()); }

std::unique_ptr<TrustStore> store_of(const std::vector<std::string>& paths) {
  std::vector<Bytes> anchors;
  for (const std::string& p : paths)
    for (Bytes& d : load(p)) anchors.push_back(std::move(d));
  std::string err;
  auto store = P().make_trust_store(anchors, &err);
  INFO(err);
  REQUIRE(store != nullptr);
  return store;
}

CertError verify(const TrustStore& store, const std::string& chain_path, int64_t now, const std::string& name,
                 Purpose purpose = Purpose::server_auth) {
  std::vector<Bytes> chain = load(chain_path);
  return store.verify(views(chain), now, purpose, name);
}

std::unique_ptr<Certificate> parse(const std::string& path) {
  std::vector<Bytes> der = load(path);
  std::string err;
  auto cert = P().parse_certificate(der.at(0), &err);
  INFO(path << ": " << err);
  REQUIRE(cert != nullptr);
  return cert;
}

TEST_CASE("load_certificates: PEM blocks in order, or one DER") {
  std::vector<Bytes> chain = load("tests/certs/server_ec_chain.pem");
  REQUIRE(chain.size() == 2);
  CHECK(chain[0] == load("tests/certs/server_ec.pem").at(0));
  CHECK(chain[1] == load("tests/certs/int.pem").at(0));
  // ca.der is the DER of ca.pem.
  std::vector<Bytes> der = load("tests/certs/ca.der");
  REQUIRE(der.size() == 1);
  CHECK(der[0] == load("tests/certs/ca.pem").at(0));

  std::vector<Bytes> out;
  std::string err;
  CHECK_FALSE(P().load_certificates(ByteView::of("hello"), &out, &err));
  CHECK(!err.empty());
  CHECK_FALSE(P().load_certificates(testing::read_file("tests/certs/server_rsa.key.pem"), &out, &err));
  CHECK_FALSE(P().load_certificates(ByteView::of("-----BEGIN CERTIFICATE-----\nAAAA!!\n-----END CERTIFICATE-----\n"),
                                    &out, &err));
  Bytes truncated = der[0];
  truncated.pop_back();
  CHECK_FALSE(P().load_certificates(truncated, &out, &err));
}

TEST_CASE("Certificate fields") {
  auto cert = parse("tests/certs/server_rsa.pem");
  CHECK(cert->subject() == "O=sanstls, CN=localhost");
  CHECK(cert->issuer() == "O=sanstls, CN=sanstls test CA");
  CHECK(cert->not_before() == k2024_01_01);
  CHECK(cert->not_after() == k2049_12_31_end);
  CHECK(cert->der() == ByteView(load("tests/certs/server_rsa.pem").at(0)));
  auto expired = parse("tests/certs/expired.pem");
  CHECK(expired->not_before() == 1577836800);  // 2020-01-01T00:00:00Z
  CHECK(expired->not_after() == 1609459200);   // 2021-01-01T00:00:00Z

  auto pub = cert->public_key();
  REQUIRE(pub != nullptr);
  CHECK(pub->type() == KeyType::rsa);
  CHECK(pub->bits() == 2048);
  auto ec = parse("tests/certs/server_ec.pem")->public_key();
  REQUIRE(ec != nullptr);
  CHECK(ec->type() == KeyType::ec_p256);
  CHECK(parse("tests/certs/server_p384.pem")->public_key()->type() == KeyType::ec_p384);
  CHECK(parse("tests/certs/server_p521.pem")->public_key()->type() == KeyType::ec_p521);
  // The key in the certificate verifies the signature OpenSSL made with the matching private key.
  const Bytes msg = testing::read_file("tests/certs/msg.txt");
  CHECK(ec->verify(SignatureScheme::ecdsa_secp256r1_sha256, msg, testing::read_file("tests/certs/sig_ecdsa_p256_sha256.bin")) ==
        Status::ok);
  CHECK(pub->verify(SignatureScheme::rsa_pss_rsae_sha256, msg, testing::read_file("tests/certs/sig_rsa_pss_sha256.bin")) ==
        Status::ok);
}

TEST_CASE("parse_certificate: garbage is an error, not a crash") {
  std::string err;
  CHECK(P().parse_certificate(Bytes(), &err) == nullptr);
  CHECK(P().parse_certificate(ByteView::of("garbage"), &err) == nullptr);
  CHECK(!err.empty());
  Bytes der = load("tests/certs/server_rsa.pem").at(0);
  for (size_t cut : {size_t{1}, size_t{10}, der.size() / 2, der.size() - 1}) {
    Bytes t(der.begin(), der.begin() + static_cast<long>(cut));
    CHECK(P().parse_certificate(t, &err) == nullptr);
  }
  Bytes trailing = der;
  trailing.push_back(0);
  CHECK(P().parse_certificate(trailing, &err) == nullptr);
}

TEST_CASE("matches_name: RFC 6125 rules") {
  auto rsa = parse("tests/certs/server_rsa.pem");
  CHECK(rsa->matches_name("localhost"));
  CHECK(rsa->matches_name("LocalHost"));
  CHECK(rsa->matches_name("localhost."));
  CHECK(rsa->matches_name("127.0.0.1"));
  CHECK_FALSE(rsa->matches_name("127.0.0.2"));
  CHECK_FALSE(rsa->matches_name("::1"));
  CHECK_FALSE(rsa->matches_name("localhost2"));
  CHECK_FALSE(rsa->matches_name("a.localhost"));
  CHECK_FALSE(rsa->matches_name(""));
  CHECK_FALSE(rsa->matches_name(std::string("localhost\0.evil", 15)));

  auto wild = parse("tests/certs/wildcard.pem");
  CHECK(wild->matches_name("a.example.test"));
  CHECK(wild->matches_name("WWW.Example.Test"));
  CHECK_FALSE(wild->matches_name("a.b.example.test"));
  CHECK_FALSE(wild->matches_name("example.test"));
  CHECK_FALSE(wild->matches_name(".example.test"));
  CHECK_FALSE(wild->matches_name("*.example.test"));
  CHECK_FALSE(wild->matches_name("a.example.testx"));

  // SAN present: the CN (localhost) is ignored.
  auto wrong = parse("tests/certs/wrong_name.pem");
  CHECK(wrong->subject() == "O=sanstls, CN=localhost");
  CHECK_FALSE(wrong->matches_name("localhost"));
  CHECK(wrong->matches_name("other.example.test"));

  // No SAN: the CN is used, for DNS names only.
  auto nosan = parse("tests/certs/nosan.pem");
  CHECK(nosan->matches_name("cn-only.example.test"));
  CHECK(nosan->matches_name("CN-ONLY.example.test"));
  CHECK_FALSE(nosan->matches_name("other.example.test"));
}

TEST_CASE("verify: good chains at a fixed time") {
  auto store = store_of({"tests/certs/ca.pem"});
  CHECK(store->size() == 1);
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2030_01_01, "localhost") == CertError::ok);
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2030_01_01, "127.0.0.1") == CertError::ok);
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2030_01_01, "") == CertError::ok);
  CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2030_01_01, "localhost") == CertError::ok);
  CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2030_01_01, "127.0.0.1") == CertError::ok);
  CHECK(verify(*store, "tests/certs/server_p384.pem", k2030_01_01, "localhost") == CertError::ok);
  CHECK(verify(*store, "tests/certs/server_p521.pem", k2030_01_01, "localhost") == CertError::ok);
  CHECK(verify(*store, "tests/certs/wildcard.pem", k2030_01_01, "a.example.test") == CertError::ok);
  CHECK(verify(*store, "tests/certs/nosan.pem", k2030_01_01, "cn-only.example.test") == CertError::ok);
  // Edges of the validity period are inclusive.
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2024_01_01, "localhost") == CertError::ok);
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2049_12_31_end, "localhost") == CertError::ok);
  // Intermediates in any order after the leaf.
  std::vector<Bytes> chain = load("tests/certs/server_ec_chain.pem");
  chain.push_back(load("tests/certs/server_rsa.pem").at(0));
  std::swap(chain[1], chain[2]);
  CHECK(store->verify(views(chain), k2030_01_01, Purpose::server_auth, "localhost") == CertError::ok);
}

TEST_CASE("verify: time is the given time, for every certificate of the path") {
  auto store = store_of({"tests/certs/ca.pem"});
  // expired.pem: 2020-01-01 .. 2021-01-01 (ca.pem is valid from 2019).
  CHECK(verify(*store, "tests/certs/expired.pem", k2030_01_01, "localhost") == CertError::certificate_expired);
  CHECK(verify(*store, "tests/certs/expired.pem", k2020_06_01, "localhost") == CertError::ok);
  // The leaf not yet valid, and expired.
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2023_06_01, "localhost") == CertError::certificate_expired);
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2024_01_01 - 1, "localhost") ==
        CertError::certificate_expired);
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2049_12_31_end + 1, "localhost") ==
        CertError::certificate_expired);
  CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2050_06_01, "localhost") ==
        CertError::certificate_expired);
  // server_ec.pem is valid from 2023, int.pem only from 2024: in 2023 the intermediate fails the path,
  // and with int.pem as the trust anchor, the anchor does.
  auto leaf = parse("tests/certs/server_ec.pem");
  REQUIRE(leaf->not_before() < k2023_06_01);
  REQUIRE(parse("tests/certs/int.pem")->not_before() > k2023_06_01);
  CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2023_06_01, "localhost") ==
        CertError::certificate_expired);
  auto int_only = store_of({"tests/certs/int.pem"});
  CHECK(verify(*int_only, "tests/certs/server_ec.pem", k2023_06_01, "localhost") == CertError::certificate_expired);
  CHECK(verify(*int_only, "tests/certs/server_ec.pem", k2030_01_01, "localhost") == CertError::ok);
}

TEST_CASE("verify: unknown CA, missing intermediate, wrong anchor") {
  auto store = store_of({"tests/certs/ca.pem"});
  CHECK(verify(*store, "tests/certs/unknown_ca.pem", k2030_01_01, "localhost") == CertError::unknown_ca);
  CHECK(verify(*store, "tests/certs/server_ec.pem", k2030_01_01, "localhost") == CertError::unknown_ca);
  auto other = store_of({"tests/certs/other_ca.pem"});
  CHECK(verify(*other, "tests/certs/server_rsa.pem", k2030_01_01, "localhost") == CertError::unknown_ca);
  CHECK(verify(*other, "tests/certs/unknown_ca.pem", k2030_01_01, "localhost") == CertError::ok);
  auto both = store_of({"tests/certs/other_ca.pem", "tests/certs/ca.pem"});
  CHECK(both->size() == 2);
  CHECK(verify(*both, "tests/certs/server_rsa.pem", k2030_01_01, "localhost") == CertError::ok);
  CHECK(verify(*both, "tests/certs/unknown_ca.pem", k2030_01_01, "localhost") == CertError::ok);
  // The intermediate alone as anchor is enough for the EC leaf.
  auto int_only = store_of({"tests/certs/int.pem"});
  CHECK(verify(*int_only, "tests/certs/server_ec.pem", k2030_01_01, "localhost") == CertError::ok);
  auto empty = P().make_trust_store({}, nullptr);
  REQUIRE(empty != nullptr);
  CHECK(empty->size() == 0);
  CHECK(verify(*empty, "tests/certs/server_rsa.pem", k2030_01_01, "localhost") == CertError::unknown_ca);
  std::string err;
  CHECK(P().make_trust_store({hex("3000")}, &err) == nullptr);
  CHECK(!err.empty());
}

TEST_CASE("verify: names") {
  auto store = store_of({"tests/certs/ca.pem"});
  CHECK(verify(*store, "tests/certs/wrong_name.pem", k2030_01_01, "localhost") == CertError::name_mismatch);
  CHECK(verify(*store, "tests/certs/wrong_name.pem", k2030_01_01, "other.example.test") == CertError::ok);
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2030_01_01, "127.0.0.2") == CertError::name_mismatch);
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2030_01_01, "example.test") == CertError::name_mismatch);
  CHECK(verify(*store, "tests/certs/wildcard.pem", k2030_01_01, "a.example.test") == CertError::ok);
  CHECK(verify(*store, "tests/certs/wildcard.pem", k2030_01_01, "a.b.example.test") == CertError::name_mismatch);
  CHECK(verify(*store, "tests/certs/wildcard.pem", k2030_01_01, "example.test") == CertError::name_mismatch);
  CHECK(verify(*store, "tests/certs/nosan.pem", k2030_01_01, "localhost") == CertError::name_mismatch);
}

TEST_CASE("verify: key usage for the purpose") {
  auto store = store_of({"tests/certs/ca.pem"});
  // client.pem has EKU clientAuth only.
  CHECK(verify(*store, "tests/certs/client.pem", k2030_01_01, "", Purpose::server_auth) == CertError::bad_key_usage);
  CHECK(verify(*store, "tests/certs/client.pem", k2030_01_01, "", Purpose::client_auth) == CertError::ok);
  // Server certificates have EKU serverAuth only.
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2030_01_01, "", Purpose::client_auth) ==
        CertError::bad_key_usage);
  // A CA certificate as a leaf: its key usage (keyCertSign, cRLSign) allows neither signing nor
  // key encipherment.
  CHECK(verify(*store, "tests/certs/int.pem", k2030_01_01, "", Purpose::server_auth) == CertError::bad_key_usage);
}

TEST_CASE("verify: garbage in the chain is an error, not a crash") {
  auto store = store_of({"tests/certs/ca.pem"});
  CHECK(store->verify({}, k2030_01_01, Purpose::server_auth, "localhost") == CertError::bad_certificate);
  const Bytes junk = ByteView::of("not a certificate at all").to_bytes();
  CHECK(store->verify({junk}, k2030_01_01, Purpose::server_auth, "localhost") == CertError::bad_certificate);
  Bytes leaf = load("tests/certs/server_rsa.pem").at(0);
  CHECK(store->verify({leaf, junk}, k2030_01_01, Purpose::server_auth, "localhost") == CertError::bad_certificate);
  // A flipped bit in the signature: no valid path.
  Bytes bad_sig = leaf;
  bad_sig[bad_sig.size() - 10] ^= 0x01;
  CHECK(store->verify({bad_sig}, k2030_01_01, Purpose::server_auth, "localhost") == CertError::unknown_ca);
  // A flipped bit in the signed part (here inside the subject public key).
  Bytes bad_tbs = leaf;
  bad_tbs[leaf.size() / 2] ^= 0x01;
  CertError e = store->verify({bad_tbs}, k2030_01_01, Purpose::server_auth, "localhost");
  CHECK(e != CertError::ok);
}


TEST_CASE("verify: hands out the leaf's public key when asked, and only on success") {
  auto store = P().make_trust_store(load("tests/certs/ca.pem"), nullptr);
  REQUIRE(store != nullptr);
  const int64_t k2030 = 1893456000;
  std::vector<Bytes> chain = load("tests/certs/server_ec_chain.pem");
  std::unique_ptr<PublicKey> key;
  REQUIRE(store->verify(views(chain), k2030, Purpose::server_auth, "localhost", &key) == CertError::ok);
  REQUIRE(key != nullptr);
  CHECK(key->type() == KeyType::ec_p256);
  // The same key as parsing the leaf gives.
  auto leaf = parse("tests/certs/server_ec_chain.pem");
  CHECK(key->spki_der() == leaf->public_key()->spki_der());
  std::unique_ptr<PublicKey> none;
  CHECK(store->verify(views(chain), k2030, Purpose::server_auth, "wrong.example", &none) == CertError::name_mismatch);
  CHECK(none == nullptr);
}

TEST_CASE("matches_name: the CN counts only without any subjectAltName, and exactly") {
  // A SAN with only URI and e-mail entries is still a SAN: the CN (localhost) is not used (RFC 6125 6.4.4).
  auto uri = parse("tests/certs/uri_san_cn.pem");
  CHECK(uri->subject() == "O=sanstls, CN=localhost");
  CHECK_FALSE(uri->matches_name("localhost"));
  // No SAN: the CN is used, but a wildcard in it is not honoured.
  auto wild_cn = parse("tests/certs/wildcard_cn.pem");
  CHECK_FALSE(wild_cn->matches_name("www.example.test"));
  CHECK_FALSE(wild_cn->matches_name("*.example.test"));
  // A CN without a wildcard still matches exactly, case-insensitively.
  auto nosan = parse("tests/certs/nosan.pem");
  CHECK(nosan->matches_name("cn-only.example.test"));
  CHECK(nosan->matches_name("Cn-Only.Example.Test."));
  CHECK_FALSE(nosan->matches_name("x.cn-only.example.test"));
}

TEST_CASE("verify: the CN fallback policy") {
  auto store = store_of({"tests/certs/ca.pem"});
  CHECK(verify(*store, "tests/certs/uri_san_cn.pem", k2030_01_01, "localhost") == CertError::name_mismatch);
  CHECK(verify(*store, "tests/certs/uri_san_cn.pem", k2030_01_01, "") == CertError::ok);
  CHECK(verify(*store, "tests/certs/wildcard_cn.pem", k2030_01_01, "www.example.test") == CertError::name_mismatch);
  CHECK(verify(*store, "tests/certs/nosan.pem", k2030_01_01, "cn-only.example.test") == CertError::ok);
}

TEST_CASE("verify: a CA certificate is not an end-entity certificate") {
  auto store = store_of({"tests/certs/ca.pem"});
  // ca_leaf.pem has serverAuth, digitalSignature and keyEncipherment, and CA:TRUE.
  CHECK(verify(*store, "tests/certs/ca_leaf.pem", k2030_01_01, "localhost") == CertError::bad_key_usage);
  CHECK(verify(*store, "tests/certs/ca_leaf.pem", k2030_01_01, "") == CertError::bad_key_usage);
  CHECK(verify(*store, "tests/certs/ca_leaf.pem", k2030_01_01, "", Purpose::client_auth) ==
        CertError::bad_key_usage);
}

TEST_CASE("verify: name constraints of an intermediate (RFC 5280 4.2.1.10)") {
  auto store = store_of({"tests/certs/ca.pem"});
  // Permitted DNS:allowed.test, non-critical and critical: names inside pass, names outside do not.
  for (const char* prefix : {"tests/certs/nc_", "tests/certs/nc_crit_"}) {
    const std::string p = prefix;
    INFO(p);
    CHECK(verify(*store, p + "allowed_chain.pem", k2030_01_01, "www.allowed.test") == CertError::ok);
    CHECK(verify(*store, p + "allowed_chain.pem", k2030_01_01, "") == CertError::ok);
    CHECK(verify(*store, p + "allowed_chain.pem", k2030_01_01, "evil.test") == CertError::name_mismatch);
    // The name matched: the certificate, not the name, is wrong.
    CHECK(verify(*store, p + "evil_chain.pem", k2030_01_01, "evil.test") == CertError::bad_certificate);
    CHECK(verify(*store, p + "evil_chain.pem", k2030_01_01, "") == CertError::bad_certificate);
  }
  // A CN-only leaf: the CN is the name used, so it is constrained too.
  CHECK(verify(*store, "tests/certs/nc_cn_evil_chain.pem", k2030_01_01, "evil.test") == CertError::bad_certificate);
  CHECK(verify(*store, "tests/certs/nc_cn_evil_chain.pem", k2030_01_01, "") == CertError::bad_certificate);
  // Excluded subtrees: DNS:evil.test and IP 127.0.0.0/8.
  CHECK(verify(*store, "tests/certs/nc_excl_evil_chain.pem", k2030_01_01, "evil.test") == CertError::bad_certificate);
  CHECK(verify(*store, "tests/certs/nc_excl_ip_chain.pem", k2030_01_01, "ok.test") == CertError::bad_certificate);
  CHECK(verify(*store, "tests/certs/nc_excl_ip_chain.pem", k2030_01_01, "127.0.0.1") == CertError::bad_certificate);
  // A critical nameConstraints with e-mail subtrees only (not enforced) does not break the chain.
  CHECK(verify(*store, "tests/certs/nc_email_leaf_chain.pem", k2030_01_01, "localhost") == CertError::ok);
  // A malformed nameConstraints (non-critical, so mbedTLS itself lets it through).
  CHECK(verify(*store, "tests/certs/nc_bad_leaf_chain.pem", k2030_01_01, "localhost") == CertError::bad_certificate);
}

TEST_CASE("verify: name constraints of the trust anchor count too") {
  for (const char* anchor : {"tests/certs/nc_int.pem", "tests/certs/nc_crit_int.pem"}) {
    INFO(anchor);
    auto store = store_of({anchor});
    CHECK(verify(*store, anchor == std::string("tests/certs/nc_int.pem") ? "tests/certs/nc_allowed.pem"
                                                                         : "tests/certs/nc_crit_allowed.pem",
                 k2030_01_01, "www.allowed.test") == CertError::ok);
    CHECK(verify(*store, anchor == std::string("tests/certs/nc_int.pem") ? "tests/certs/nc_evil.pem"
                                                                         : "tests/certs/nc_crit_evil.pem",
                 k2030_01_01, "evil.test") == CertError::bad_certificate);
  }
  auto excl = store_of({"tests/certs/nc_excl_int.pem"});
  CHECK(verify(*excl, "tests/certs/nc_excl_ip.pem", k2030_01_01, "ok.test") == CertError::bad_certificate);
}

TEST_CASE("parse_certificate: a CA with a critical nameConstraints parses") {
  CHECK(parse("tests/certs/nc_crit_int.pem")->subject() == "O=sanstls, CN=sanstls nc_crit_int");
  CHECK(parse("tests/certs/nc_email_int.pem") != nullptr);
}

TEST_CASE("verify: key usage per KeyUse, for both purposes") {
  auto store = store_of({"tests/certs/ca.pem"});
  auto ku = [&](const std::string& path, Purpose purpose, KeyUse use) {
    std::vector<Bytes> chain = load(path);
    return store->verify(views(chain), k2030_01_01, purpose, "", nullptr, use);
  };
  const CertError ok = CertError::ok, bad = CertError::bad_key_usage;
  // ku_encipher.pem: keyEncipherment only, serverAuth.
  CHECK(ku("tests/certs/ku_encipher.pem", Purpose::server_auth, KeyUse::any) == ok);
  CHECK(ku("tests/certs/ku_encipher.pem", Purpose::server_auth, KeyUse::key_encipherment) == ok);
  CHECK(ku("tests/certs/ku_encipher.pem", Purpose::server_auth, KeyUse::digital_signature) == bad);
  // ku_sign_rsa.pem: digitalSignature only, serverAuth.
  CHECK(ku("tests/certs/ku_sign_rsa.pem", Purpose::server_auth, KeyUse::any) == ok);
  CHECK(ku("tests/certs/ku_sign_rsa.pem", Purpose::server_auth, KeyUse::digital_signature) == ok);
  CHECK(ku("tests/certs/ku_sign_rsa.pem", Purpose::server_auth, KeyUse::key_encipherment) == bad);
  // server_rsa.pem: both; server_ec.pem: digitalSignature only.
  for (KeyUse use : {KeyUse::any, KeyUse::digital_signature, KeyUse::key_encipherment})
    CHECK(ku("tests/certs/server_rsa.pem", Purpose::server_auth, use) == ok);
  CHECK(ku("tests/certs/server_ec_chain.pem", Purpose::server_auth, KeyUse::any) == ok);
  CHECK(ku("tests/certs/server_ec_chain.pem", Purpose::server_auth, KeyUse::digital_signature) == ok);
  CHECK(ku("tests/certs/server_ec_chain.pem", Purpose::server_auth, KeyUse::key_encipherment) == bad);
  // Server certificates (EKU serverAuth) are never client certificates, whatever the use.
  for (const char* path : {"tests/certs/ku_encipher.pem", "tests/certs/ku_sign_rsa.pem", "tests/certs/server_rsa.pem",
                           "tests/certs/server_ec_chain.pem"})
    for (KeyUse use : {KeyUse::any, KeyUse::digital_signature, KeyUse::key_encipherment}) {
      INFO(path);
      CHECK(ku(path, Purpose::client_auth, use) == bad);
    }
  // client_ku_encipher.pem: keyEncipherment only, clientAuth: `any` for a client means digitalSignature.
  CHECK(ku("tests/certs/client_ku_encipher.pem", Purpose::client_auth, KeyUse::any) == bad);
  CHECK(ku("tests/certs/client_ku_encipher.pem", Purpose::client_auth, KeyUse::digital_signature) == bad);
  CHECK(ku("tests/certs/client_ku_encipher.pem", Purpose::client_auth, KeyUse::key_encipherment) == ok);
  CHECK(ku("tests/certs/client_ku_encipher.pem", Purpose::server_auth, KeyUse::any) == bad);
  CHECK(ku("tests/certs/client.pem", Purpose::client_auth, KeyUse::digital_signature) == ok);
  CHECK(ku("tests/certs/client.pem", Purpose::client_auth, KeyUse::key_encipherment) == bad);
  // The default is `any`.
  CHECK(verify(*store, "tests/certs/ku_encipher.pem", k2030_01_01, "localhost") == ok);
  CHECK(verify(*store, "tests/certs/client_ku_encipher.pem", k2030_01_01, "", Purpose::client_auth) == bad);
}

TEST_CASE("Certificate::allows_key_use") {
  auto enc = parse("tests/certs/ku_encipher.pem");
  CHECK(enc->allows_key_use(KeyUse::any));
  CHECK(enc->allows_key_use(KeyUse::key_encipherment));
  CHECK_FALSE(enc->allows_key_use(KeyUse::digital_signature));
  auto sign = parse("tests/certs/ku_sign_rsa.pem");
  CHECK(sign->allows_key_use(KeyUse::any));
  CHECK(sign->allows_key_use(KeyUse::digital_signature));
  CHECK_FALSE(sign->allows_key_use(KeyUse::key_encipherment));
  auto both = parse("tests/certs/server_rsa.pem");
  for (KeyUse use : {KeyUse::any, KeyUse::digital_signature, KeyUse::key_encipherment})
    CHECK(both->allows_key_use(use));
  auto ec = parse("tests/certs/server_ec.pem");
  CHECK(ec->allows_key_use(KeyUse::digital_signature));
  CHECK_FALSE(ec->allows_key_use(KeyUse::key_encipherment));
  auto client_enc = parse("tests/certs/client_ku_encipher.pem");
  CHECK(client_enc->allows_key_use(KeyUse::key_encipherment));
  CHECK_FALSE(client_enc->allows_key_use(KeyUse::digital_signature));
  // int.pem: keyCertSign and cRLSign only.
  CHECK_FALSE(parse("tests/certs/int.pem")->allows_key_use(KeyUse::any));
}

// The libcrypto store keeps the parsed certificates of chains that verified (by exact DER); the
// mbedTLS one keeps leaf keys. Either way a second look at the same bytes must give the verdict a
// fresh store gives, whatever changed: the time, the name, the purpose, one byte of a certificate.
TEST_CASE("verify: a store's caches never change a verdict") {
  auto store = store_of({"tests/certs/ca.pem"});
  for (int round = 0; round < 2; round++) {
    CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2030_01_01, "localhost") == CertError::ok);
    CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2050_06_01, "localhost") ==
          CertError::certificate_expired);
    CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2030_01_01, "other.example.test") ==
          CertError::name_mismatch);
    CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2030_01_01, "", Purpose::client_auth) ==
          CertError::bad_key_usage);
    // Without its intermediate the leaf has no path, though the intermediate was seen before.
    CHECK(verify(*store, "tests/certs/server_ec.pem", k2030_01_01, "localhost") == CertError::unknown_ca);
  }
  // One bit of a certificate that verified before: different bytes, its own verdict.
  std::vector<Bytes> chain = load("tests/certs/server_ec_chain.pem");
  REQUIRE(chain.size() == 2);
  REQUIRE(store->verify(views(chain), k2030_01_01, Purpose::server_auth, "localhost") == CertError::ok);
  for (size_t i = 0; i < chain.size(); i++) {
    std::vector<Bytes> bad = chain;
    bad[i][bad[i].size() - 10] ^= 0x01;  // inside the signature
    CHECK(store->verify(views(bad), k2030_01_01, Purpose::server_auth, "localhost") == CertError::unknown_ca);
  }
  // A store of other anchors does not take the first store's word for it.
  auto other = store_of({"tests/certs/other_ca.pem"});
  CHECK(verify(*other, "tests/certs/server_ec_chain.pem", k2030_01_01, "localhost") == CertError::unknown_ca);
  CHECK(store->verify(views(chain), k2030_01_01, Purpose::server_auth, "localhost") == CertError::ok);
}

TEST_CASE("verify: one store shared by threads") {
  auto store = store_of({"tests/certs/ca.pem"});
  const std::vector<Bytes> ec = load("tests/certs/server_ec_chain.pem"), rsa = load("tests/certs/server_rsa.pem"),
                           wrong = load("tests/certs/wrong_name.pem"), unknown = load("tests/certs/unknown_ca.pem");
  std::atomic<int> wrong_verdicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; i++) {
        std::unique_ptr<PublicKey> key;
        if (store->verify(views(ec), k2030_01_01, Purpose::server_auth, "localhost", &key) != CertError::ok ||
            key == nullptr || key->type() != KeyType::ec_p256)
          wrong_verdicts++;
        if (store->verify(views(rsa), k2030_01_01, Purpose::server_auth, "localhost") != CertError::ok)
          wrong_verdicts++;
        if (store->verify(views(wrong), k2030_01_01, Purpose::server_auth, "localhost") != CertError::name_mismatch)
          wrong_verdicts++;
        if (store->verify(views(unknown), k2030_01_01, Purpose::server_auth, "localhost") != CertError::unknown_ca)
          wrong_verdicts++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong_verdicts == 0);
}

#ifdef SANSTLS_TEST_LIBCRYPTO
TEST_CASE("libcrypto verify: the certificates of chains that verified are kept parsed, and only those") {
  auto store = store_of({"tests/certs/ca.pem"});
  CHECK(libcrypto_cached_certificates(*store) == 0);
  // Failures keep nothing: no path, bad key usage, a name mismatch, expired.
  CHECK(verify(*store, "tests/certs/unknown_ca.pem", k2030_01_01, "localhost") == CertError::unknown_ca);
  CHECK(verify(*store, "tests/certs/client.pem", k2030_01_01, "", Purpose::server_auth) == CertError::bad_key_usage);
  CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2030_01_01, "wrong.example") == CertError::name_mismatch);
  CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2050_06_01, "localhost") == CertError::certificate_expired);
  CHECK(libcrypto_cached_certificates(*store) == 0);
  // A chain that verifies: its leaf and intermediate; again: no more.
  CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2030_01_01, "localhost") == CertError::ok);
  CHECK(libcrypto_cached_certificates(*store) == 2);
  CHECK(verify(*store, "tests/certs/server_ec_chain.pem", k2030_01_01, "localhost") == CertError::ok);
  CHECK(libcrypto_cached_certificates(*store) == 2);
  CHECK(verify(*store, "tests/certs/server_rsa.pem", k2030_01_01, "localhost") == CertError::ok);
  CHECK(libcrypto_cached_certificates(*store) == 3);
  // Per store (the bound itself is crypto/bounded_cache_test's).
  auto other = store_of({"tests/certs/other_ca.pem"});
  CHECK(libcrypto_cached_certificates(*other) == 0);
  CHECK(libcrypto_cached_certificates(*P().make_trust_store({}, nullptr)) == 0);
}
#endif

}  // namespace
}  // namespace crypto
}  // namespace sanstls
