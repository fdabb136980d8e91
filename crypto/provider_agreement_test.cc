// The two providers against each other (issue 16): what one signs the other verifies, key shares
// agree across them, RSA key exchange crosses over, and the libcrypto provider's randomised operations
// (ECDSA nonces, PSS salts, PKCS#1 v1.5 padding, key shares) are a function of the injected Rng.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/libcrypto.h"
#include "crypto/mbedtls.h"
#include "tests/testdata.h"

namespace sanstls {
namespace crypto {
namespace {

const Provider& mbed() { return mbedtls_provider(); }
const Provider& lc() { return libcrypto_provider(); }

std::unique_ptr<PrivateKey> load_key(const Provider& p, const std::string& path) {
  std::string err;
  auto key = p.load_private_key(testing::read_file(path), &err);
  INFO(path << ": " << err);
  REQUIRE(key != nullptr);
  return key;
}

const SignatureScheme kRsaSchemes[] = {SignatureScheme::rsa_pkcs1_sha256, SignatureScheme::rsa_pkcs1_sha384,
                                       SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384,
                                       SignatureScheme::rsa_pss_rsae_sha512};

TEST_CASE("signatures made by one provider verify with the other") {
  struct Case {
    const char* key;
    SignatureScheme scheme;
  };
  std::vector<Case> cases;
  for (SignatureScheme s : kRsaSchemes) cases.push_back({"tests/certs/server_rsa.key.pem", s});
  cases.push_back({"tests/certs/server_ec.key.pem", SignatureScheme::ecdsa_secp256r1_sha256});
  cases.push_back({"tests/certs/server_ec.key.pem", SignatureScheme::ecdsa_secp384r1_sha384});
  cases.push_back({"tests/certs/server_p384.key.pem", SignatureScheme::ecdsa_secp384r1_sha384});
  cases.push_back({"tests/certs/server_p384.key.pem", SignatureScheme::ecdsa_sha1});
  cases.push_back({"tests/certs/server_p521.key.pem", SignatureScheme::ecdsa_secp521r1_sha512});
  cases.push_back({"tests/certs/server_ec.key.pem", SignatureScheme::ecdsa_secp521r1_sha512});
  auto rng = make_deterministic_rng(ByteView::of("agreement"));
  const ByteView msg = ByteView::of("signed by one, verified by the other");
  for (const Case& c : cases) {
    for (int dir = 0; dir < 2; dir++) {
      const Provider& signer = dir == 0 ? mbed() : lc();
      const Provider& verifier = dir == 0 ? lc() : mbed();
      CAPTURE(c.key);
      CAPTURE(static_cast<unsigned>(c.scheme));
      CAPTURE(dir);
      Bytes sig;
      REQUIRE(load_key(signer, c.key)->sign(c.scheme, msg, *rng, &sig) == Status::ok);
      auto pub = load_key(verifier, c.key)->public_key();
      REQUIRE(pub != nullptr);
      CHECK(pub->verify(c.scheme, msg, sig) == Status::ok);
      sig[sig.size() / 2] ^= 0x10;
      CHECK(pub->verify(c.scheme, msg, sig) == Status::bad_signature);
    }
  }
  // The two providers see the same public key.
  CHECK(load_key(mbed(), "tests/certs/server_ec.key.pem")->public_key()->spki_der() ==
        load_key(lc(), "tests/certs/server_ec.key.pem")->public_key()->spki_der());
}

TEST_CASE("libcrypto: randomised signatures are a function of the Rng") {
  const ByteView msg = ByteView::of("m");
  for (const char* path : {"tests/certs/server_ec.key.pem", "tests/certs/server_p384.key.pem",
                           "tests/certs/server_rsa.key.pem"}) {
    auto key = load_key(lc(), path);
    const SignatureScheme scheme = key->type() == KeyType::rsa ? SignatureScheme::rsa_pss_rsae_sha256
                                                               : SignatureScheme::ecdsa_secp256r1_sha256;
    Bytes a, b, c;
    auto r1 = make_deterministic_rng(ByteView::of("same"));
    auto r2 = make_deterministic_rng(ByteView::of("same"));
    auto r3 = make_deterministic_rng(ByteView::of("other"));
    REQUIRE(key->sign(scheme, msg, *r1, &a) == Status::ok);
    REQUIRE(key->sign(scheme, msg, *r2, &b) == Status::ok);
    REQUIRE(key->sign(scheme, msg, *r3, &c) == Status::ok);
    CAPTURE(path);
    CHECK(a == b);
    CHECK(a != c);
  }
  // PKCS#1 v1.5 encryption pads with bytes from the Rng.
  auto pub = load_key(lc(), "tests/certs/server_rsa.key.pem")->public_key();
  Bytes a, b;
  auto r1 = make_deterministic_rng(ByteView::of("pad"));
  auto r2 = make_deterministic_rng(ByteView::of("pad"));
  REQUIRE(pub->rsa_encrypt_pkcs1(Bytes(48, 3), *r1, &a) == Status::ok);
  REQUIRE(pub->rsa_encrypt_pkcs1(Bytes(48, 3), *r2, &b) == Status::ok);
  CHECK(a == b);
}

TEST_CASE("RSA key exchange crosses providers") {
  for (int dir = 0; dir < 2; dir++) {
    const Provider& enc = dir == 0 ? mbed() : lc();
    const Provider& dec = dir == 0 ? lc() : mbed();
    auto rng = make_deterministic_rng(ByteView::of("rsa kx"));
    Bytes pms(48, 0x42);
    pms[0] = 0x03;
    pms[1] = 0x03;
    Bytes ct;
    REQUIRE(load_key(enc, "tests/certs/server_rsa.key.pem")->public_key()->rsa_encrypt_pkcs1(pms, *rng, &ct) ==
            Status::ok);
    uint8_t out[48];
    REQUIRE(load_key(dec, "tests/certs/server_rsa.key.pem")->rsa_decrypt_premaster(ct, 0x0303, *rng, out) ==
            Status::ok);
    CHECK(to_hex(ByteView(out, 48)) == to_hex(pms));
  }
}

TEST_CASE("key shares: the same Rng gives the same public value in both providers, and they agree") {
  for (Group g : {Group::x25519, Group::x448, Group::secp256r1, Group::secp384r1, Group::secp521r1,
                  Group::ffdhe2048, Group::ffdhe3072}) {
    CAPTURE(static_cast<unsigned>(g));
    auto r1 = make_deterministic_rng(ByteView::of("share a"));
    auto r2 = make_deterministic_rng(ByteView::of("share a"));
    auto r3 = make_deterministic_rng(ByteView::of("share b"));
    auto a_mbed = mbed().generate_key_share(g, *r1);
    auto a_lc = lc().generate_key_share(g, *r2);
    auto b_lc = lc().generate_key_share(g, *r3);
    REQUIRE(a_mbed != nullptr);
    REQUIRE(a_lc != nullptr);
    REQUIRE(b_lc != nullptr);
    CHECK(to_hex(a_mbed->public_value()) == to_hex(a_lc->public_value()));
    Bytes s1, s2;
    REQUIRE(a_mbed->shared_secret(b_lc->public_value(), &s1) == Status::ok);
    REQUIRE(b_lc->shared_secret(a_mbed->public_value(), &s2) == Status::ok);
    CHECK(to_hex(s1) == to_hex(s2));
  }
  Bytes p1, g1, p2, g2;
  for (Group g : {Group::ffdhe2048, Group::ffdhe3072, Group::ffdhe4096, Group::ffdhe6144, Group::ffdhe8192}) {
    mbed().ffdhe_params(g, &p1, &g1);
    lc().ffdhe_params(g, &p2, &g2);
    CHECK(p1 == p2);
    CHECK(g1 == g2);
  }
}

TEST_CASE("AEAD: both providers seal to the same bytes and open each other's records, every algorithm") {
  // Every length from 0 to 70 (CCM's and GCM's partial blocks, an empty record) and a full record.
  auto rng = make_deterministic_rng(ByteView::of("aead agreement"));
  for (AeadAlg alg : {AeadAlg::aes_128_gcm, AeadAlg::aes_256_gcm, AeadAlg::chacha20_poly1305, AeadAlg::aes_128_ccm,
                      AeadAlg::aes_256_ccm, AeadAlg::aes_128_ccm_8, AeadAlg::aes_256_ccm_8}) {
    CAPTURE(static_cast<unsigned>(alg));
    const size_t tag_len = aead_tag_length(alg);
    Bytes key(aead_key_length(alg));
    rng->fill(key.data(), key.size());
    auto a = mbed().aead(alg, key);
    auto b = lc().aead(alg, key);
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    std::vector<size_t> lens;
    for (size_t n = 0; n <= 70; n++) lens.push_back(n);
    lens.push_back(16384 + 256);
    for (size_t len : lens) {
      CAPTURE(len);
      Bytes nonce(kAeadNonceLength), aad(len % 14), plain(len);
      rng->fill(nonce.data(), nonce.size());
      rng->fill(aad.data(), aad.size());
      rng->fill(plain.data(), plain.size());
      Bytes ca = plain, cb = plain;
      uint8_t ta[kAeadTagLength], tb[kAeadTagLength];
      REQUIRE(a->seal(nonce, aad, ca.data(), ca.size(), ta) == Status::ok);
      REQUIRE(b->seal(nonce, aad, cb.data(), cb.size(), tb) == Status::ok);
      CHECK(to_hex(ca) == to_hex(cb));
      CHECK(to_hex(ByteView(ta, tag_len)) == to_hex(ByteView(tb, tag_len)));
      REQUIRE(b->open(nonce, aad, ca.data(), ca.size(), ta) == Status::ok);
      CHECK(ca == plain);
      REQUIRE(a->open(nonce, aad, cb.data(), cb.size(), tb) == Status::ok);
      CHECK(cb == plain);
      tb[0] ^= 1;
      Bytes again = plain;
      uint8_t t2[kAeadTagLength];
      REQUIRE(a->seal(nonce, aad, again.data(), again.size(), t2) == Status::ok);
      CHECK(b->open(nonce, aad, again.data(), again.size(), tb) == Status::bad_tag);
    }
  }
}

TEST_CASE("certificates: the same fields and the same verdicts in both providers") {
  for (const char* path : {"tests/certs/server_rsa.pem", "tests/certs/server_ec_chain.pem", "tests/certs/ca.pem",
                           "tests/certs/int.pem", "tests/certs/wildcard.pem", "tests/certs/nosan.pem",
                           "tests/certs/client.pem", "tests/certs/expired.pem", "tests/certs/unknown_ca.pem"}) {
    CAPTURE(path);
    std::vector<Bytes> der;
    REQUIRE(mbed().load_certificates(testing::read_file(path), &der, nullptr));
    std::vector<Bytes> der2;
    REQUIRE(lc().load_certificates(testing::read_file(path), &der2, nullptr));
    CHECK(der == der2);
    auto a = mbed().parse_certificate(der[0], nullptr);
    auto b = lc().parse_certificate(der[0], nullptr);
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    CHECK(a->subject() == b->subject());
    CHECK(a->issuer() == b->issuer());
    CHECK(a->not_before() == b->not_before());
    CHECK(a->not_after() == b->not_after());
    CHECK(a->public_key()->spki_der() == b->public_key()->spki_der());
    std::vector<Bytes> anchors;
    REQUIRE(mbed().load_certificates(testing::read_file("tests/certs/ca.pem"), &anchors, nullptr));
    auto sa = mbed().make_trust_store(anchors, nullptr);
    auto sb = lc().make_trust_store(anchors, nullptr);
    std::vector<ByteView> chain(der.begin(), der.end());
    for (int64_t now : {int64_t{1590969600}, int64_t{1893456000}, int64_t{2537654400}})
      for (Purpose purpose : {Purpose::server_auth, Purpose::client_auth})
        for (const char* name : {"", "localhost", "a.example.test", "cn-only.example.test", "127.0.0.1"})
          CHECK(sa->verify(chain, now, purpose, name) == sb->verify(chain, now, purpose, name));
  }
}

// Every certificate of tests/certs (gen.sh's and gen_policy.sh's), alone and with its intermediate.
const char* const kAllCertificates[] = {
    "ca.pem", "ca_leaf.pem", "client.pem", "client_ec.pem", "client_ku_encipher.pem", "expired.pem", "int.pem",
    "ku_encipher.pem", "ku_sign_rsa.pem", "nc_allowed.pem", "nc_allowed_chain.pem", "nc_bad_int.pem",
    "nc_bad_leaf.pem", "nc_bad_leaf_chain.pem", "nc_cn_evil.pem", "nc_cn_evil_chain.pem", "nc_crit_allowed.pem",
    "nc_crit_allowed_chain.pem", "nc_crit_evil.pem", "nc_crit_evil_chain.pem", "nc_crit_int.pem",
    "nc_email_int.pem", "nc_email_leaf.pem", "nc_email_leaf_chain.pem", "nc_evil.pem", "nc_evil_chain.pem",
    "nc_excl_evil.pem", "nc_excl_evil_chain.pem", "nc_excl_int.pem", "nc_excl_ip.pem", "nc_excl_ip_chain.pem",
    "nc_int.pem", "nosan.pem", "other_ca.pem", "server_ec.pem", "server_ec_chain.pem", "server_p384.pem", "server_p521.pem",
    "server_rsa.pem", "unknown_ca.pem", "uri_san_cn.pem", "wildcard.pem", "wildcard_cn.pem", "wrong_name.pem"};

TEST_CASE("X.509 policy: the same verdicts on every certificate, for both purposes and every KeyUse") {
  // Trust anchors: the root, and each name-constrained intermediate as an anchor of its own (the
  // anchor's constraints count; nc_bad_int's cannot be decoded).
  const char* const anchor_sets[][2] = {{"ca.pem", nullptr},         {"ca.pem", "int.pem"},
                                        {"nc_int.pem", nullptr},     {"nc_crit_int.pem", nullptr},
                                        {"nc_excl_int.pem", nullptr}, {"nc_email_int.pem", nullptr},
                                        {"nc_bad_int.pem", nullptr}};
  const char* const names[] = {"",          "localhost",        "127.0.0.1",        "www.allowed.test",
                               "evil.test", "ok.test",          "www.example.test", "cn-only.example.test",
                               "*.example.test", "other.example.test"};
  int compared = 0;
  for (const auto& set : anchor_sets) {
    std::vector<Bytes> anchors;
    for (const char* a : set) {
      if (a == nullptr) continue;
      std::vector<Bytes> der;
      REQUIRE(mbed().load_certificates(testing::read_file(std::string("tests/certs/") + a), &der, nullptr));
      anchors.insert(anchors.end(), der.begin(), der.end());
    }
    std::string ea, eb;
    auto sa = mbed().make_trust_store(anchors, &ea);
    auto sb = lc().make_trust_store(anchors, &eb);
    REQUIRE(sa != nullptr);
    REQUIRE(sb != nullptr);
    for (const char* file : kAllCertificates) {
      const std::string path = std::string("tests/certs/") + file;
      std::vector<Bytes> der;
      REQUIRE(mbed().load_certificates(testing::read_file(path), &der, nullptr));
      std::vector<ByteView> chain(der.begin(), der.end());
      // Every KeyUse without a name and with "localhost", every name with `any` (the name checks come
      // after the usage checks, so the full product adds nothing).
      for (Purpose purpose : {Purpose::server_auth, Purpose::client_auth})
        for (KeyUse use : {KeyUse::any, KeyUse::digital_signature, KeyUse::key_encipherment})
          for (const char* name : names) {
            if (use != KeyUse::any && name[0] != '\0' && std::string(name) != "localhost") continue;
            INFO(set[0] << " | " << path << " | purpose " << static_cast<int>(purpose) << " | use "
                        << static_cast<int>(use) << " | name '" << name << "'");
            const CertError a = sa->verify(chain, 1893456000, purpose, name, nullptr, use);
            const CertError b = sb->verify(chain, 1893456000, purpose, name, nullptr, use);
            CHECK(std::string(cert_error_name(a)) == std::string(cert_error_name(b)));
            compared++;
          }
    }
  }
  CHECK(compared == 7 * 44 * 2 * (10 + 2 * 2));
}

TEST_CASE("X.509 policy: the same name matching and key usage on every certificate") {
  const char* const names[] = {"localhost", "LOCALHOST.", "127.0.0.1", "::1", "www.allowed.test", "evil.test",
                               "ok.test", "www.example.test", "x.y.example.test", "cn-only.example.test",
                               "*.example.test", "other.example.test", "sanstls test CA", ""};
  for (const char* file : kAllCertificates) {
    const std::string path = std::string("tests/certs/") + file;
    CAPTURE(path);
    std::vector<Bytes> der;
    REQUIRE(mbed().load_certificates(testing::read_file(path), &der, nullptr));
    auto a = mbed().parse_certificate(der[0], nullptr);
    auto b = lc().parse_certificate(der[0], nullptr);
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    for (const char* name : names) {
      CAPTURE(name);
      CHECK(a->matches_name(name) == b->matches_name(name));
    }
    for (KeyUse use : {KeyUse::any, KeyUse::digital_signature, KeyUse::key_encipherment})
      CHECK(a->allows_key_use(use) == b->allows_key_use(use));
  }
}

// The libcrypto provider makes its X25519 / EC key-share keys on per-thread contexts fetched once:
// they must survive a refused peer value, and each thread must get its own (agreement with mbedTLS
// from two threads at once, and from a thread that starts after others ended).
TEST_CASE("libcrypto key shares: cached contexts after a refused peer value and across threads") {
  auto agree = [](Group g, const std::string& seed) {
    auto r1 = make_deterministic_rng(ByteView::of(seed));
    auto r2 = make_deterministic_rng(ByteView::of(seed));
    auto peer = make_deterministic_rng(ByteView::of(seed + " peer"));
    auto a_mbed = mbed().generate_key_share(g, *r1);
    auto a_lc = lc().generate_key_share(g, *r2);
    auto b_mbed = mbed().generate_key_share(g, *peer);
    if (!a_mbed || !a_lc || !b_mbed || to_hex(a_mbed->public_value()) != to_hex(a_lc->public_value())) return false;
    Bytes s1, s2;
    return a_mbed->shared_secret(b_mbed->public_value(), &s1) == Status::ok &&
           a_lc->shared_secret(b_mbed->public_value(), &s2) == Status::ok && s1 == s2;
  };
  for (Group g : {Group::x25519, Group::secp256r1, Group::secp384r1}) {
    CAPTURE(static_cast<unsigned>(g));
    auto rng = make_deterministic_rng(ByteView::of("refused"));
    auto share = lc().generate_key_share(g, *rng);
    REQUIRE(share != nullptr);
    Bytes bad(share->public_value().size(), 0);  // X25519: small order (all-zero secret); EC: 0x00.., off the curve
    if (g != Group::x25519) bad[0] = 0x04;
    Bytes out;
    CHECK(share->shared_secret(bad, &out) == Status::bad_peer_value);
    CHECK(agree(g, "after refusal"));
  }
  bool ok[4] = {false, false, false, false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; i++)
    threads.emplace_back([&ok, &agree, i] {
      ok[i] = agree(Group::x25519, "thread " + std::to_string(i)) && agree(Group::secp256r1, "thread ec " + std::to_string(i));
    });
  for (auto& t : threads) t.join();
  std::thread late([&ok, &agree] { ok[2] = agree(Group::x25519, "late") && agree(Group::secp384r1, "late ec"); });
  late.join();
  ok[3] = agree(Group::x25519, "main again");
  CHECK(ok[0]);
  CHECK(ok[1]);
  CHECK(ok[2]);
  CHECK(ok[3]);
}

// The two deterministic generators are the same HMAC-DRBG: the same seed and fill() sizes give the
// same bytes (so the replays and RFC 8448's traces do not depend on the provider of the build).
TEST_CASE("deterministic generators: the same bytes on both providers") {
  const char* seeds[] = {"", "seed one", "sanstls fuzz ticket",
                         "a seed longer than one SHA-256 block, so that HMAC hashes it first .........."};
  // Sizes below, at and above one HMAC block and the 1024-byte request limit, and zero.
  const size_t sizes[] = {1, 32, 31, 33, 0, 64, 100, 1023, 1024, 1025, 3000, 7};
  for (const char* seed : seeds) {
    CAPTURE(seed);
    auto a = make_mbedtls_deterministic_rng(ByteView::of(seed));
    auto b = make_libcrypto_deterministic_rng(ByteView::of(seed));
    for (size_t n : sizes) {
      CAPTURE(n);
      Bytes x(n + 1, 0xaa), y(n + 1, 0x55);
      a->fill(x.data(), n);
      b->fill(y.data(), n);
      x.resize(n);
      y.resize(n);
      CHECK(x == y);
    }
  }
  // And crypto.h's, whichever provider the build chose.
  auto d = make_deterministic_rng(ByteView::of("seed one"));
  auto m = make_mbedtls_deterministic_rng(ByteView::of("seed one"));
  Bytes x(77), y(77);
  d->fill(x.data(), x.size());
  m->fill(y.data(), y.size());
  CHECK(x == y);
}

TEST_CASE("libcrypto system generator: fills, and differs between calls") {
  auto rng = make_libcrypto_system_rng();
  Bytes x(32, 0), y(32, 0);
  rng->fill(x.data(), x.size());
  rng->fill(y.data(), y.size());
  CHECK(x != y);
  CHECK(x != Bytes(32, 0));
  Bytes big(5000, 0);
  rng->fill(big.data(), big.size());
  CHECK(Bytes(big.end() - 32, big.end()) != Bytes(32, 0));
}

}  // namespace
}  // namespace crypto
}  // namespace sanstls
