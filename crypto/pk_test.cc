// Tests of the public-key half of the mbedTLS provider: key shares, keys, signatures, RSA key exchange.
#include <doctest/doctest.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#ifdef SANSTLS_TEST_LIBCRYPTO
#include "crypto/libcrypto.h"
#else
#include "crypto/mbedtls.h"
#endif
#include "tests/testdata.h"

namespace sanstls {
namespace crypto {
namespace {

// Returns the queued bytes first, then bytes from a deterministic generator; records every fill call.
class ScriptedRng : public Rng {
 public:
  explicit ScriptedRng(Bytes script = Bytes()) : script_(script.begin(), script.end()) {
    rest_ = make_deterministic_rng(ByteView::of("pk_test fallback seed"));
  }
  void fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; i++) {
      if (!script_.empty()) {
        out[i] = script_.front();
        script_.pop_front();
      } else {
        rest_->fill(out + i, 1);
      }
    }
    calls.emplace_back(out, out + n);
  }
  std::vector<Bytes> calls;

 private:
  std::deque<uint8_t> script_;
  std::unique_ptr<Rng> rest_;
};

#ifdef SANSTLS_TEST_LIBCRYPTO
const Provider& P() { return libcrypto_provider(); }
#else
const Provider& P() { return mbedtls_provider(); }
#endif

Bytes concat(const Bytes& a, const Bytes& b) {
  Bytes r = a;
  r.insert(r.end(), b.begin(), b.end());
  return r;
}

std::unique_ptr<PrivateKey> load_key(const std::string& path) {
  std::string err;
  auto key = P().load_private_key(testing::read_file(path), &err);
  INFO(path << ": " << err);
  REQUIRE(key != nullptr);
  return key;
}

// ---------------------------------------------------------------------------------------------------
// X25519

TEST_CASE("X25519: RFC 7748 section 6.1 (Alice and Bob)") {
  const Bytes a = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const Bytes a_pub = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  const Bytes b = hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  const Bytes b_pub = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  const Bytes k = hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

  ScriptedRng rng_a(a), rng_b(b);
  auto alice = P().generate_key_share(Group::x25519, rng_a);
  auto bob = P().generate_key_share(Group::x25519, rng_b);
  REQUIRE(alice != nullptr);
  REQUIRE(bob != nullptr);
  CHECK(to_hex(alice->public_value()) == to_hex(a_pub));
  CHECK(to_hex(bob->public_value()) == to_hex(b_pub));
  // Exactly 32 bytes are drawn for the private key.
  REQUIRE(rng_a.calls.size() == 1);
  CHECK(rng_a.calls[0].size() == 32);

  Bytes ka, kb;
  REQUIRE(alice->shared_secret(b_pub, &ka) == Status::ok);
  REQUIRE(bob->shared_secret(a_pub, &kb) == Status::ok);
  CHECK(to_hex(ka) == to_hex(k));
  CHECK(to_hex(kb) == to_hex(k));
}

TEST_CASE("X25519: RFC 7748 section 5.2 function vectors") {
  struct V {
    const char* scalar;
    const char* u;
    const char* out;
  };
  // RFC 7748 section 5.2, the two single-call vectors (outputs also checked with OpenSSL 3.0's
  // `openssl pkeyutl -derive`). The second u has its top bit set, which X25519 must ignore.
  const V vs[] = {
      {"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
       "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
       "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
      {"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
       "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
       "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
  };
  for (const V& v : vs) {
    ScriptedRng rng(hex(v.scalar));
    auto share = P().generate_key_share(Group::x25519, rng);
    REQUIRE(share != nullptr);
    Bytes out;
    REQUIRE(share->shared_secret(hex(v.u), &out) == Status::ok);
    CHECK(to_hex(out) == v.out);
  }
}

TEST_CASE("X25519: bad peer values are rejected") {
  ScriptedRng rng;
  auto share = P().generate_key_share(Group::x25519, rng);
  REQUIRE(share != nullptr);
  Bytes out;
  CHECK(share->shared_secret(Bytes(31, 0x09), &out) == Status::bad_peer_value);
  CHECK(share->shared_secret(Bytes(33, 0x09), &out) == Status::bad_peer_value);
  CHECK(share->shared_secret(Bytes(), &out) == Status::bad_peer_value);
  // Small-order points: the shared secret would be all zeros (RFC 7748 section 6.1, RFC 8446 7.4.2).
  CHECK(share->shared_secret(Bytes(32, 0), &out) == Status::bad_peer_value);  // u = 0
  Bytes one(32, 0);
  one[0] = 1;
  CHECK(share->shared_secret(one, &out) == Status::bad_peer_value);  // u = 1 (order 4)
  // A point of order 8 (listed among the small-order points by libsodium and the Curve25519 paper).
  CHECK(share->shared_secret(hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"), &out) ==
        Status::bad_peer_value);
}

TEST_CASE("X448: RFC 7748 section 6.2 (Alice and Bob)") {
  // Values of RFC 7748 section 6.2 (the public keys and the secret also reproduced with OpenSSL 3.0's
  // `openssl pkey` / `openssl pkeyutl -derive`).
  const Bytes a = hex(
      "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b");
  const Bytes a_pub = hex(
      "9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0");
  const Bytes b = hex(
      "1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d");
  const Bytes b_pub = hex(
      "3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609");
  const Bytes k = hex(
      "07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d");

  ScriptedRng rng_a(a), rng_b(b);
  auto alice = P().generate_key_share(Group::x448, rng_a);
  auto bob = P().generate_key_share(Group::x448, rng_b);
  REQUIRE(alice != nullptr);
  REQUIRE(bob != nullptr);
  CHECK(to_hex(alice->public_value()) == to_hex(a_pub));
  CHECK(to_hex(bob->public_value()) == to_hex(b_pub));
  // Exactly 56 bytes are drawn for the private key.
  REQUIRE(rng_a.calls.size() == 1);
  CHECK(rng_a.calls[0].size() == 56);

  Bytes ka, kb;
  REQUIRE(alice->shared_secret(b_pub, &ka) == Status::ok);
  REQUIRE(bob->shared_secret(a_pub, &kb) == Status::ok);
  CHECK(to_hex(ka) == to_hex(k));
  CHECK(to_hex(kb) == to_hex(k));
}

TEST_CASE("X448: bad peer values are rejected") {
  ScriptedRng rng;
  auto share = P().generate_key_share(Group::x448, rng);
  REQUIRE(share != nullptr);
  Bytes out;
  CHECK(share->shared_secret(Bytes(55, 0x05), &out) == Status::bad_peer_value);
  CHECK(share->shared_secret(Bytes(57, 0x05), &out) == Status::bad_peer_value);
  CHECK(share->shared_secret(Bytes(32, 0x09), &out) == Status::bad_peer_value);  // an X25519 value
  // Small-order points give the all-zero secret (RFC 7748 section 6.2): u = 0 and u = 1.
  CHECK(share->shared_secret(Bytes(56, 0), &out) == Status::bad_peer_value);
  Bytes one(56, 0);
  one[0] = 1;
  CHECK(share->shared_secret(one, &out) == Status::bad_peer_value);
}

// ---------------------------------------------------------------------------------------------------
// NIST curves

TEST_CASE("P-256 ECDH: RFC 5903 section 8.1") {
  // RFC 5903 section 8.1 (256-bit random ECP group); also checked with `openssl pkeyutl -derive` on keys
  // built from i and r.
  const Bytes i = hex("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433");
  const Bytes gi = hex("04 DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"
                       "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3");
  const Bytes r = hex("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53");
  const Bytes gr = hex("04 D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"
                       "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB");
  const Bytes gir = hex("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE");

  ScriptedRng rng_i(i), rng_r(r);
  auto si = P().generate_key_share(Group::secp256r1, rng_i);
  auto sr = P().generate_key_share(Group::secp256r1, rng_r);
  REQUIRE(si != nullptr);
  REQUIRE(sr != nullptr);
  CHECK(to_hex(si->public_value()) == to_hex(gi));
  CHECK(to_hex(sr->public_value()) == to_hex(gr));
  REQUIRE(rng_i.calls.size() == 1);
  CHECK(rng_i.calls[0].size() == 32);
  Bytes z1, z2;
  REQUIRE(si->shared_secret(gr, &z1) == Status::ok);
  REQUIRE(sr->shared_secret(gi, &z2) == Status::ok);
  CHECK(to_hex(z1) == to_hex(gir));
  CHECK(to_hex(z2) == to_hex(gir));
}

TEST_CASE("P-256: a scalar >= n is drawn again") {
  // First draw: n itself (the P-256 group order, FIPS 186-4 D.1.2.3), which must be refused; then 0,
  // also refused; then RFC 5903's i.
  const Bytes n = hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
  const Bytes i = hex("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433");
  ScriptedRng rng(concat(concat(n, Bytes(32, 0)), i));
  auto s = P().generate_key_share(Group::secp256r1, rng);
  REQUIRE(s != nullptr);
  CHECK(rng.calls.size() == 3);
  CHECK(to_hex(s->public_value()) ==
        "04dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c37725811805271a0461cdb8252d61f1c456fa3e59ab1f45b33"
        "accf5f58389e0577b8990bb3");
}

TEST_CASE("P-384 ECDH: keys injected, checked against OpenSSL") {
  // a = SHA-384("sanstls a"), b = SHA-384("sanstls b"); the public values and the shared secret were
  // computed with OpenSSL 3.0: SEC1 keys built from a and b, `openssl ec -text` for the public values and
  // `openssl pkeyutl -derive -inkey a.pem -peerkey b.pub` for the secret.
  const Bytes a = hex("f4773f585f59d66d4ac283bd0dbb871ac9bb159b60eb6085da012987a214edf39fc2587c781cf379be5c758b54b1a9fd");
  const Bytes b = hex("f2d64c51c914f713d4d0a8210941b9535ac7f96c042a1df32c3d6f0b770c16615f26c3b7886b39ba6a7e3e5414d509f4");
  const std::string a_pub =
      "048c23b53eb6f4c0724abb9941922e985f6007965976920181a6ad51065f014cb2ef9919e9e58debbdbea486a33efeb352d9bb19a745"
      "c6f92f0dc588193381d941209a5ce5a818fb0495abec14238a53977eecd69c8c04efee46db04438b79b84f";
  const std::string b_pub =
      "0401df2c3afa3a4cc2c994b8c3859496db8efa1ba50f23864fe63996d8c9b2adbe1d9ab244c061f2732bb0cc71f4610afea25084aa"
      "383fcc97f47e6f181215ceed492de0412f6791b4ba5b12cf8e152fdeb29c9ace2fb2c4f6d9f18b37be627b56";
  const std::string z = "e9e7d870a4ae937907e1ddebddab913c42b6158195d46289f949cfba6012b152928e9b3f277812a8b8e4c05675f61865";
  ScriptedRng rng_a(a), rng_b(b);
  auto sa = P().generate_key_share(Group::secp384r1, rng_a);
  auto sb = P().generate_key_share(Group::secp384r1, rng_b);
  REQUIRE(sa != nullptr);
  REQUIRE(sb != nullptr);
  CHECK(rng_a.calls[0].size() == 48);
  CHECK(to_hex(sa->public_value()) == a_pub);
  CHECK(to_hex(sb->public_value()) == b_pub);
  Bytes z1, z2;
  REQUIRE(sa->shared_secret(hex(b_pub), &z1) == Status::ok);
  REQUIRE(sb->shared_secret(hex(a_pub), &z2) == Status::ok);
  CHECK(to_hex(z1) == z);
  CHECK(to_hex(z2) == z);
}

TEST_CASE("NIST curves: bad peer values are rejected") {
  for (Group g : {Group::secp256r1, Group::secp384r1}) {
    ScriptedRng rng, rng2;
    auto s = P().generate_key_share(g, rng);
    auto peer = P().generate_key_share(g, rng2);
    REQUIRE(s != nullptr);
    REQUIRE(peer != nullptr);
    const Bytes good = peer->public_value().to_bytes();
    Bytes out;
    REQUIRE(s->shared_secret(good, &out) == Status::ok);
    CHECK(s->shared_secret(Bytes(good.size(), 0), &out) == Status::bad_peer_value);  // all zero
    CHECK(s->shared_secret(Bytes(1, 0), &out) == Status::bad_peer_value);            // infinity encoding
    CHECK(s->shared_secret(ByteView(good).sub(0, good.size() - 1), &out) == Status::bad_peer_value);
    Bytes longer = good;
    longer.push_back(0);
    CHECK(s->shared_secret(longer, &out) == Status::bad_peer_value);
    Bytes off_curve = good;
    off_curve.back() ^= 1;  // y changed: not on the curve
    CHECK(s->shared_secret(off_curve, &out) == Status::bad_peer_value);
    Bytes compressed = ByteView(good).sub(0, 1 + (good.size() - 1) / 2).to_bytes();
    compressed[0] = 0x02;
    CHECK(s->shared_secret(compressed, &out) == Status::bad_peer_value);
    Bytes wrong_prefix = good;
    wrong_prefix[0] = 0x06;
    CHECK(s->shared_secret(wrong_prefix, &out) == Status::bad_peer_value);
  }
}

// ---------------------------------------------------------------------------------------------------
// Finite-field DH

TEST_CASE("FFDHE parameters are the RFC 7919 primes") {
  // SHA-256 of p computed in Python from the RFC 7919 appendix A definitions
  // p = 2^2048 - 2^1984 + (floor(2^1918 * e) + 560316) * 2^64 - 1 and
  // p = 2^3072 - 2^3008 + (floor(2^2942 * e) + 2625351) * 2^64 - 1.
  struct V {
    Group g;
    size_t len;
    const char* sha256;
  };
  const V vs[] = {
      {Group::ffdhe2048, 256, "9cd3b7f336872f46c09428d1bbc19877a4d440512cda8d1c1cf0cd6e33698966"},
      {Group::ffdhe3072, 384, "0eaf67db3a839156d5013494a5318a772b5697d270d721f37f092efc69ea5a17"},
  };
  for (const V& v : vs) {
    Bytes p, g;
    P().ffdhe_params(v.g, &p, &g);
    REQUIRE(p.size() == v.len);
    CHECK(to_hex(g) == "02");
    CHECK(to_hex(ByteView(p).sub(0, 16)) == "ffffffffffffffffadf85458a2bb4a9a");
    CHECK(to_hex(ByteView(p).sub(p.size() - 8)) == "ffffffffffffffff");
    CHECK(to_hex(hash_once(P(), HashAlg::sha256, p)) == v.sha256);
  }
  Bytes p, g;
  P().ffdhe_params(Group::x25519, &p, &g);
  CHECK(p.empty());
  CHECK(g.empty());
}

TEST_CASE("FFDHE: private exponent drawn as crypto.h says, and bad peer values") {
  for (Group grp : {Group::ffdhe2048, Group::ffdhe3072}) {
    const size_t exp_len = grp == Group::ffdhe2048 ? 32 : 40;
    Bytes p, g;
    P().ffdhe_params(grp, &p, &g);
    // x = 1 (refused), then x = 2: the public value must then be g^2 = 4.
    Bytes x1(exp_len, 0), x2(exp_len, 0);
    x1.back() = 1;
    x2.back() = 2;
    ScriptedRng rng(concat(x1, x2));
    auto s = P().generate_key_share(grp, rng);
    REQUIRE(s != nullptr);
    CHECK(rng.calls.size() == 2);
    CHECK(rng.calls[0].size() == exp_len);
    Bytes four(p.size(), 0);
    four.back() = 4;
    CHECK(to_hex(s->public_value()) == to_hex(four));
    // Shared secret with peer y = 3 is 3^2 = 9, left-padded to the length of p.
    Bytes y(p.size(), 0);
    y.back() = 3;
    Bytes out;
    REQUIRE(s->shared_secret(y, &out) == Status::ok);
    Bytes nine(p.size(), 0);
    nine.back() = 9;
    CHECK(to_hex(out) == to_hex(nine));

    Bytes zero(p.size(), 0), one(p.size(), 0);
    one.back() = 1;
    Bytes pm1 = p;
    pm1.back() -= 1;  // p ends in 0xff
    CHECK(s->shared_secret(zero, &out) == Status::bad_peer_value);
    CHECK(s->shared_secret(one, &out) == Status::bad_peer_value);
    CHECK(s->shared_secret(pm1, &out) == Status::bad_peer_value);
    CHECK(s->shared_secret(p, &out) == Status::bad_peer_value);
    CHECK(s->shared_secret(Bytes(p.size(), 0xff), &out) == Status::bad_peer_value);  // > p
    CHECK(s->shared_secret(hex("03"), &out) == Status::bad_peer_value);               // not len(p)
    Bytes longer(p.size() + 1, 0);
    longer.back() = 3;
    CHECK(s->shared_secret(longer, &out) == Status::bad_peer_value);
  }
}

TEST_CASE("Key shares agree for every group") {
  for (Group g : {Group::x25519, Group::x448, Group::secp256r1, Group::secp384r1, Group::secp521r1, Group::ffdhe2048,
                  Group::ffdhe3072}) {
    auto rng = make_deterministic_rng(ByteView::of("agreement"));
    auto a = P().generate_key_share(g, *rng);
    auto b = P().generate_key_share(g, *rng);
    REQUIRE(a != nullptr);
    REQUIRE(b != nullptr);
    CHECK(a->public_value() != b->public_value());
    Bytes ka, kb;
    REQUIRE(a->shared_secret(b->public_value(), &ka) == Status::ok);
    REQUIRE(b->shared_secret(a->public_value(), &kb) == Status::ok);
    CHECK(!ka.empty());
    CHECK(ka == kb);
  }
}

TEST_CASE("Server-chosen DH (TLS 1.2 DHE client)") {
  Bytes p, g;
  P().ffdhe_params(Group::ffdhe2048, &p, &g);
  auto rng = make_deterministic_rng(ByteView::of("dhe"));
  auto client = P().generate_dh_share(p, g, 2048, *rng);
  auto server = P().generate_key_share(Group::ffdhe2048, *rng);
  REQUIRE(client != nullptr);
  REQUIRE(server != nullptr);
  CHECK(client->public_value().size() == p.size());
  Bytes kc, ks;
  REQUIRE(client->shared_secret(server->public_value(), &kc) == Status::ok);
  REQUIRE(server->shared_secret(client->public_value(), &ks) == Status::ok);
  CHECK(kc == ks);
  // TLS 1.2 may send the server's value without leading zeros: y = 3 given as one byte is fine.
  Bytes out;
  CHECK(client->shared_secret(hex("03"), &out) == Status::ok);
  CHECK(out.size() == p.size());
  CHECK(client->shared_secret(hex("01"), &out) == Status::bad_peer_value);
  CHECK(client->shared_secret(Bytes(), &out) == Status::bad_peer_value);

  // Parameter checks.
  CHECK(P().generate_dh_share(p, g, 3072, *rng) == nullptr);  // p too small for min_bits
  Bytes even = p;
  even.back() ^= 1;
  CHECK(P().generate_dh_share(even, g, 2048, *rng) == nullptr);
  CHECK(P().generate_dh_share(p, hex("01"), 2048, *rng) == nullptr);
  CHECK(P().generate_dh_share(p, hex("00"), 2048, *rng) == nullptr);
  Bytes pm1 = p;
  pm1.back() -= 1;
  CHECK(P().generate_dh_share(p, pm1, 2048, *rng) == nullptr);
  CHECK(P().generate_dh_share(p, p, 2048, *rng) == nullptr);
  CHECK(P().generate_dh_share(Bytes(), g, 0, *rng) == nullptr);
  // Leading zeros on p are allowed; the public value has the length of p without them.
  auto padded = P().generate_dh_share(concat(hex("0000"), p), g, 2048, *rng);
  REQUIRE(padded != nullptr);
  CHECK(padded->public_value().size() == p.size());
  // Exponent size for a 2048-bit group: 32 bytes, one draw.
  ScriptedRng counting;
  REQUIRE(P().generate_dh_share(p, g, 1024, counting) != nullptr);
  REQUIRE(counting.calls.size() == 1);
  CHECK(counting.calls[0].size() == 32);
}

// ---------------------------------------------------------------------------------------------------
// Keys and signatures

TEST_CASE("Private keys load from PKCS#8, PKCS#1, SEC1 PEM and DER") {
  auto rsa8 = load_key("tests/certs/server_rsa.key.pem");
  CHECK(rsa8->type() == KeyType::rsa);
  CHECK(rsa8->bits() == 2048);
  auto rsa1 = load_key("tests/certs/client.key.rsa.pem");
  CHECK(rsa1->type() == KeyType::rsa);
  auto ec8 = load_key("tests/certs/server_ec.key.pem");
  CHECK(ec8->type() == KeyType::ec_p256);
  CHECK(ec8->bits() == 256);
  auto sec1 = load_key("tests/certs/server_ec.key.sec1.pem");
  CHECK(sec1->type() == KeyType::ec_p256);
  auto der = load_key("tests/certs/server_ec.key.der");
  CHECK(der->type() == KeyType::ec_p256);
  auto p384 = load_key("tests/certs/server_p384.key.pem");
  CHECK(p384->type() == KeyType::ec_p384);
  CHECK(p384->bits() == 384);
  // The three encodings of the same EC key give the same public key.
  auto rng = make_deterministic_rng(ByteView::of("load"));
  Bytes sig;
  REQUIRE(sec1->sign(SignatureScheme::ecdsa_secp256r1_sha256, ByteView::of("m"), *rng, &sig) == Status::ok);
  CHECK(ec8->public_key()->verify(SignatureScheme::ecdsa_secp256r1_sha256, ByteView::of("m"), sig) == Status::ok);
  CHECK(der->public_key()->verify(SignatureScheme::ecdsa_secp256r1_sha256, ByteView::of("m"), sig) == Status::ok);

  std::string err;
  CHECK(P().load_private_key(ByteView::of("not a key"), &err) == nullptr);
  CHECK(!err.empty());
  CHECK(P().load_private_key(Bytes(), &err) == nullptr);
  CHECK(P().load_private_key(testing::read_file("tests/certs/ca.pem"), &err) == nullptr);  // a certificate
  Bytes truncated = testing::read_file("tests/certs/server_ec.key.der");
  truncated.resize(truncated.size() - 5);
  CHECK(P().load_private_key(truncated, &err) == nullptr);
}

TEST_CASE("Sign and verify every scheme; a flipped bit fails") {
  auto rsa = load_key("tests/certs/server_rsa.key.pem");
  auto p256 = load_key("tests/certs/server_ec.key.pem");
  auto p384 = load_key("tests/certs/server_p384.key.pem");
  auto p521 = load_key("tests/certs/server_p521.key.pem");
  CHECK(p521->type() == KeyType::ec_p521);
  CHECK(p521->bits() == 521);
  struct Case {
    const PrivateKey* key;
    SignatureScheme scheme;
  };
  const Case cases[] = {
      {rsa.get(), SignatureScheme::rsa_pkcs1_sha1},
      {rsa.get(), SignatureScheme::rsa_pkcs1_sha256},
      {rsa.get(), SignatureScheme::rsa_pkcs1_sha384},
      {rsa.get(), SignatureScheme::rsa_pkcs1_sha512},
      {rsa.get(), SignatureScheme::rsa_pss_rsae_sha256},
      {rsa.get(), SignatureScheme::rsa_pss_rsae_sha384},
      {rsa.get(), SignatureScheme::rsa_pss_rsae_sha512},
      {p256.get(), SignatureScheme::ecdsa_secp256r1_sha256},
      {p384.get(), SignatureScheme::ecdsa_secp384r1_sha384},
      {p521.get(), SignatureScheme::ecdsa_secp521r1_sha512},
      {p256.get(), SignatureScheme::ecdsa_sha1},
      {p384.get(), SignatureScheme::ecdsa_sha1},
      // TLS 1.2: any ECDSA hash on either curve.
      {p256.get(), SignatureScheme::ecdsa_secp384r1_sha384},
      {p384.get(), SignatureScheme::ecdsa_secp256r1_sha256},
      {p256.get(), SignatureScheme::ecdsa_secp521r1_sha512},  // RFC 8422 5.1.1: SHA-512 on P-256 (TLS 1.2)
      {p521.get(), SignatureScheme::ecdsa_secp256r1_sha256},
  };
  auto rng = make_deterministic_rng(ByteView::of("sign"));
  const ByteView msg = ByteView::of("the message that is signed");
  for (const Case& c : cases) {
    INFO("scheme " << static_cast<unsigned>(c.scheme));
    Bytes sig;
    REQUIRE(c.key->sign(c.scheme, msg, *rng, &sig) == Status::ok);
    auto pub = c.key->public_key();
    REQUIRE(pub != nullptr);
    CHECK(pub->type() == c.key->type());
    CHECK(pub->bits() == c.key->bits());
    CHECK(pub->verify(c.scheme, msg, sig) == Status::ok);
    for (size_t pos : {size_t{0}, sig.size() / 2, sig.size() - 1}) {
      Bytes bad = sig;
      bad[pos] ^= 0x01;
      CHECK(pub->verify(c.scheme, msg, bad) == Status::bad_signature);
    }
    CHECK(pub->verify(c.scheme, ByteView::of("the message that is signeD"), sig) == Status::bad_signature);
    CHECK(pub->verify(c.scheme, msg, ByteView(sig).sub(0, sig.size() - 1)) == Status::bad_signature);
  }
  // A PSS signature does not verify as PKCS#1 v1.5, nor with another hash.
  Bytes pss;
  REQUIRE(rsa->sign(SignatureScheme::rsa_pss_rsae_sha256, msg, *rng, &pss) == Status::ok);
  CHECK(rsa->public_key()->verify(SignatureScheme::rsa_pkcs1_sha256, msg, pss) == Status::bad_signature);
  CHECK(rsa->public_key()->verify(SignatureScheme::rsa_pss_rsae_sha384, msg, pss) == Status::bad_signature);
}

TEST_CASE("Schemes that do not fit the key are unsupported") {
  auto rsa = load_key("tests/certs/server_rsa.key.pem");
  auto ec = load_key("tests/certs/server_ec.key.pem");
  auto rng = make_deterministic_rng(ByteView::of("fit"));
  Bytes sig;
  const ByteView m = ByteView::of("m");
  CHECK(rsa->sign(SignatureScheme::ecdsa_secp256r1_sha256, m, *rng, &sig) == Status::unsupported);
  CHECK(ec->sign(SignatureScheme::rsa_pkcs1_sha256, m, *rng, &sig) == Status::unsupported);
  CHECK(ec->sign(SignatureScheme::rsa_pss_rsae_sha256, m, *rng, &sig) == Status::unsupported);
  CHECK(rsa->sign(SignatureScheme::ed25519, m, *rng, &sig) == Status::unsupported);
  CHECK(rsa->sign(SignatureScheme::rsa_pss_pss_sha256, m, *rng, &sig) == Status::unsupported);
  CHECK(rsa->public_key()->verify(SignatureScheme::ecdsa_secp256r1_sha256, m, Bytes(70, 1)) == Status::unsupported);
  CHECK(ec->public_key()->verify(SignatureScheme::rsa_pkcs1_sha256, m, Bytes(256, 1)) == Status::unsupported);
  Bytes out;
  CHECK(ec->public_key()->rsa_encrypt_pkcs1(Bytes(48, 3), *rng, &out) == Status::unsupported);
  uint8_t pms[48];
  CHECK(ec->rsa_decrypt_premaster(Bytes(256, 1), 0x0303, *rng, pms) == Status::unsupported);
}

TEST_CASE("Signatures made by OpenSSL verify (tests/certs/gen.sh)") {
  const Bytes msg = testing::read_file("tests/certs/msg.txt");
  REQUIRE(msg.size() == 21);  // "sanstls test message\n"
  auto ec = load_key("tests/certs/server_ec.key.pem");
  auto p384 = load_key("tests/certs/server_p384.key.pem");
  auto rsa = load_key("tests/certs/server_rsa.key.pem");

  const Bytes ecdsa256 = testing::read_file("tests/certs/sig_ecdsa_p256_sha256.bin");
  CHECK(ec->public_key()->verify(SignatureScheme::ecdsa_secp256r1_sha256, msg, ecdsa256) == Status::ok);
  CHECK(p384->public_key()->verify(SignatureScheme::ecdsa_secp256r1_sha256, msg, ecdsa256) == Status::bad_signature);

  const Bytes ecdsa384 = testing::read_file("tests/certs/sig_ecdsa_p384_sha384.bin");
  CHECK(p384->public_key()->verify(SignatureScheme::ecdsa_secp384r1_sha384, msg, ecdsa384) == Status::ok);

  auto p521 = load_key("tests/certs/server_p521.key.pem");
  const Bytes ecdsa521 = testing::read_file("tests/certs/sig_ecdsa_p521_sha512.bin");
  CHECK(p521->public_key()->verify(SignatureScheme::ecdsa_secp521r1_sha512, msg, ecdsa521) == Status::ok);
  CHECK(p521->public_key()->verify(SignatureScheme::ecdsa_secp384r1_sha384, msg, ecdsa521) == Status::bad_signature);

  const Bytes pss = testing::read_file("tests/certs/sig_rsa_pss_sha256.bin");
  CHECK(rsa->public_key()->verify(SignatureScheme::rsa_pss_rsae_sha256, msg, pss) == Status::ok);

  // PKCS#1 v1.5 signing is deterministic: our signature equals OpenSSL's byte for byte.
  const Bytes pkcs1 = testing::read_file("tests/certs/sig_rsa_pkcs1_sha256.bin");
  CHECK(rsa->public_key()->verify(SignatureScheme::rsa_pkcs1_sha256, msg, pkcs1) == Status::ok);
  auto rng = make_deterministic_rng(ByteView::of("pkcs1"));
  Bytes ours;
  REQUIRE(rsa->sign(SignatureScheme::rsa_pkcs1_sha256, msg, *rng, &ours) == Status::ok);
  CHECK(to_hex(ours) == to_hex(pkcs1));
}

// ---------------------------------------------------------------------------------------------------
// RSA key exchange

TEST_CASE("RSA premaster: round trip and Bleichenbacher-safe failures") {
  auto key = load_key("tests/certs/server_rsa.key.pem");
  auto pub = key->public_key();
  auto rng = make_deterministic_rng(ByteView::of("premaster"));

  Bytes pms(48);
  rng->fill(pms.data(), pms.size());
  pms[0] = 0x03;
  pms[1] = 0x03;
  Bytes ct;
  REQUIRE(pub->rsa_encrypt_pkcs1(pms, *rng, &ct) == Status::ok);
  CHECK(ct.size() == 256);

  // Good: the decrypted premaster; 48 random bytes were still drawn first.
  {
    ScriptedRng srng;
    uint8_t out[48];
    REQUIRE(key->rsa_decrypt_premaster(ct, 0x0303, srng, out) == Status::ok);
    CHECK(to_hex(ByteView(out, 48)) == to_hex(pms));
    REQUIRE(!srng.calls.empty());
    CHECK(srng.calls[0].size() == 48);
  }

  // Every failure gives exactly the 48 bytes drawn first, and status ok.
  auto expect_random = [&](ByteView c, uint16_t version) {
    ScriptedRng srng;
    uint8_t out[48];
    REQUIRE(key->rsa_decrypt_premaster(c, version, srng, out) == Status::ok);
    REQUIRE(!srng.calls.empty());
    REQUIRE(srng.calls[0].size() == 48);
    CHECK(to_hex(ByteView(out, 48)) == to_hex(srng.calls[0]));
    CHECK(to_hex(ByteView(out, 48)) != to_hex(pms));
  };
  SUBCASE("wrong version") { expect_random(ct, 0x0302); }
  SUBCASE("wrong version, low byte up") { expect_random(ct, 0x0304); }
  SUBCASE("wrong version, high byte") { expect_random(ct, 0x0203); }
  SUBCASE("bad ciphertext") {
    Bytes bad = ct;
    bad[100] ^= 0x40;
    expect_random(bad, 0x0303);
  }
  SUBCASE("ciphertext >= n") { expect_random(Bytes(256, 0xff), 0x0303); }
  SUBCASE("plaintext of 47 bytes") {
    Bytes c47;
    REQUIRE(pub->rsa_encrypt_pkcs1(ByteView(pms).sub(0, 47), *rng, &c47) == Status::ok);
    expect_random(c47, 0x0303);
  }
  SUBCASE("plaintext of 49 bytes") {
    Bytes p49 = concat(pms, hex("00"));
    Bytes c49;
    REQUIRE(pub->rsa_encrypt_pkcs1(p49, *rng, &c49) == Status::ok);
    expect_random(c49, 0x0303);
  }
  SUBCASE("empty plaintext") {
    Bytes c0;
    REQUIRE(pub->rsa_encrypt_pkcs1(Bytes(), *rng, &c0) == Status::ok);
    expect_random(c0, 0x0303);
  }
  SUBCASE("ciphertext length is not the modulus length") {
    uint8_t out[48];
    ScriptedRng srng;
    CHECK(key->rsa_decrypt_premaster(ByteView(ct).sub(1), 0x0303, srng, out) == Status::bad_input);
    CHECK(srng.calls.size() == 1);  // drawn all the same
  }
  SUBCASE("plaintext too long to encrypt") {
    Bytes out;
    CHECK(pub->rsa_encrypt_pkcs1(Bytes(246, 1), *rng, &out) == Status::bad_input);
    CHECK(pub->rsa_encrypt_pkcs1(Bytes(245, 1), *rng, &out) == Status::ok);
  }
}

}  // namespace
}  // namespace crypto
}  // namespace sanstls
