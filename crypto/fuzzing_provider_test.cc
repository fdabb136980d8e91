// Tests of the fuzzing provider (crypto/fuzzing_provider.h): what it keeps of the real rules.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/fuzzing_provider.h"
#include "tests/testdata.h"

namespace sanstls {
namespace crypto {
namespace {

const Provider& F() { return fuzzing_provider(); }

std::unique_ptr<Rng> rng(const char* seed) { return make_deterministic_rng(ByteView::of(seed)); }

TEST_CASE("fuzzing AEAD: plaintext kept, any change refused") {
  Bytes key(16, 7), nonce(12, 1), aad = {1, 2, 3};
  auto a = F().aead(AeadAlg::aes_128_gcm, key);
  REQUIRE(a);
  CHECK_FALSE(F().aead(AeadAlg::aes_128_gcm, Bytes(32, 7)));
  Bytes text = {'h', 'e', 'l', 'l', 'o'}, copy = text;
  uint8_t tag[kAeadTagLength];
  REQUIRE(a->seal(nonce, aad, copy.data(), copy.size(), tag) == Status::ok);
  CHECK(copy == text);
  CHECK(a->open(nonce, aad, copy.data(), copy.size(), tag) == Status::ok);
  Bytes bad = text;
  bad[0] ^= 1;
  CHECK(a->open(nonce, aad, bad.data(), bad.size(), tag) == Status::bad_tag);
  Bytes nonce2 = nonce;
  nonce2[11] ^= 1;
  CHECK(a->open(nonce2, aad, copy.data(), copy.size(), tag) == Status::bad_tag);
  CHECK(a->open(nonce, Bytes(), copy.data(), copy.size(), tag) == Status::bad_tag);
  uint8_t bad_tag[kAeadTagLength];
  std::copy(tag, tag + kAeadTagLength, bad_tag);
  bad_tag[15] ^= 0x80;
  CHECK(a->open(nonce, aad, copy.data(), copy.size(), bad_tag) == Status::bad_tag);
  Bytes key2 = key;
  key2[0] ^= 1;
  auto b = F().aead(AeadAlg::aes_128_gcm, key2);
  CHECK(b->open(nonce, aad, copy.data(), copy.size(), tag) == Status::bad_tag);
  auto c = F().aead(AeadAlg::chacha20_poly1305, Bytes(32, 7));
  auto d = F().aead(AeadAlg::aes_256_gcm, Bytes(32, 7));
  REQUIRE(c->seal(nonce, aad, copy.data(), copy.size(), tag) == Status::ok);
  CHECK(d->open(nonce, aad, copy.data(), copy.size(), tag) == Status::bad_tag);
}

TEST_CASE("fuzzing hash and HMAC: a cheap stand-in, consistent however the input is cut") {
  Bytes msg(300);
  for (size_t i = 0; i < msg.size(); i++) msg[i] = static_cast<uint8_t>(i * 7 + 1);
  for (HashAlg alg : {HashAlg::sha1, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512}) {
    CAPTURE(static_cast<int>(alg));
    const Bytes whole = hash_once(F(), alg, msg);
    CHECK(whole.size() == hash_length(alg));
    // Not the real hash: the stand-in is what makes the fast harnesses fast.
    CHECK(whole != hash_once(default_provider(), alg, msg));
    // Any cut, and a clone taken midway, give the same digest.
    for (size_t cut : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{13}, size_t{299}}) {
      auto h = F().hash(alg);
      REQUIRE(h);
      h->update(ByteView(msg).sub(0, cut));
      auto c = h->clone();
      Bytes peeked(hash_length(alg));
      h->peek(peeked.data());
      CHECK(peeked == hash_once(F(), alg, ByteView(msg).sub(0, cut)));
      h->update(ByteView(msg).sub(cut));
      c->update(ByteView(msg).sub(cut, 1));
      c->update(ByteView(msg).sub(cut + (cut < msg.size() ? 1 : 0)));
      Bytes a(hash_length(alg)), b(hash_length(alg));
      h->finish(a.data());
      c->finish(b.data());
      CHECK(a == whole);
      CHECK(b == whole);
    }
    // Every byte and the length count.
    Bytes changed = msg;
    changed[150] ^= 1;
    CHECK(hash_once(F(), alg, changed) != whole);
    CHECK(hash_once(F(), alg, ByteView(msg).sub(0, 299)) != whole);
    Bytes zeros(8, 0);
    CHECK(hash_once(F(), alg, ByteView(zeros).sub(0, 7)) != hash_once(F(), alg, zeros));

    // HMAC: keyed, resets after finish, and the constant-time MAC (CBC records) is the same MAC.
    Bytes key(20, 0x0b), key2(20, 0x0c);
    const Bytes mac = hmac_once(F(), alg, key, msg);
    CHECK(mac.size() == hash_length(alg));
    CHECK(mac != hmac_once(F(), alg, key2, msg));
    CHECK(mac != whole);
    auto m = F().hmac(alg, key);
    REQUIRE(m);
    for (int round = 0; round < 2; round++) {
      m->update(ByteView(msg).sub(0, 5));
      m->update(ByteView(msg).sub(5));
      Bytes out(hash_length(alg));
      m->finish(out.data());
      CHECK(out == mac);
    }
    const Bytes header = ByteView(msg).sub(0, 13).to_bytes();
    Bytes ct(hash_length(alg));
    REQUIRE(F().hmac_constant_time(alg, key, header, msg.data() + 13, 200, 287, ct.data()) == Status::ok);
    CHECK(ct == hmac_once(F(), alg, key, ByteView(msg).sub(0, 213)));
    CHECK(F().hmac_constant_time(alg, key, header, msg.data() + 13, 288, 287, ct.data()) == Status::bad_input);
  }
}

TEST_CASE("fuzzing key shares: both sides agree, deterministic, peer values checked") {
  for (Group g : {Group::x25519, Group::secp256r1, Group::secp384r1, Group::ffdhe2048, Group::ffdhe3072}) {
    CAPTURE(static_cast<int>(g));
    auto r1 = rng("a"), r2 = rng("b"), r3 = rng("a");
    auto a = F().generate_key_share(g, *r1);
    auto b = F().generate_key_share(g, *r2);
    auto a2 = F().generate_key_share(g, *r3);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->public_value() == a2->public_value());
    // The same lengths as the real provider's values.
    auto real = default_provider().generate_key_share(g, *rng("c"));
    CHECK(a->public_value().size() == real->public_value().size());
    Bytes s1, s2, s3;
    REQUIRE(a->shared_secret(b->public_value(), &s1) == Status::ok);
    REQUIRE(b->shared_secret(a->public_value(), &s2) == Status::ok);
    CHECK(s1 == s2);
    REQUIRE(real->shared_secret(b->public_value(), &s3) != Status::internal);
    CHECK(a->shared_secret(Bytes(3, 1), &s3) == Status::bad_peer_value);
    CHECK(a->shared_secret(Bytes(a->public_value().size(), 0), &s3) == Status::bad_peer_value);
  }
  Bytes p, g;
  default_provider().ffdhe_params(Group::ffdhe2048, &p, &g);
  auto r = rng("dh");
  auto dh = F().generate_dh_share(p, g, 2048, *r);
  REQUIRE(dh);
  CHECK(dh->public_value().size() == p.size());
  CHECK_FALSE(F().generate_dh_share(p, g, 3072, *r));          // too small
  CHECK_FALSE(F().generate_dh_share(p, p, 1024, *r));          // g out of range
  Bytes even = p;
  even.back() ^= 1;
  CHECK_FALSE(F().generate_dh_share(even, g, 1024, *r));       // even p
  Bytes s;
  CHECK(dh->shared_secret(p, &s) == Status::bad_peer_value);   // y = p
  CHECK(dh->shared_secret(Bytes{1}, &s) == Status::bad_peer_value);
  CHECK(dh->shared_secret(Bytes{5}, &s) == Status::ok);
  CHECK(s.size() == p.size());
}

TEST_CASE("fuzzing keys: cheap signatures that verify, RSA premaster framing kept") {
  std::string err;
  auto rsa = F().load_private_key(testing::read_file("tests/certs/server_rsa.key.pem"), &err);
  auto ec = F().load_private_key(testing::read_file("tests/certs/server_ec.key.pem"), &err);
  REQUIRE_MESSAGE(rsa, err);
  REQUIRE_MESSAGE(ec, err);
  CHECK(rsa->type() == KeyType::rsa);
  CHECK(ec->type() == KeyType::ec_p256);
  auto r = rng("sig");
  Bytes sig;
  REQUIRE(rsa->sign(SignatureScheme::rsa_pss_rsae_sha256, ByteView::of("msg"), *r, &sig) == Status::ok);
  CHECK(sig.size() == 10);
  CHECK(rsa->sign(SignatureScheme::ecdsa_secp256r1_sha256, ByteView::of("msg"), *r, &sig) == Status::unsupported);
  auto pub = rsa->public_key();
  CHECK(pub->verify(SignatureScheme::rsa_pkcs1_sha256, ByteView::of("other"), Bytes{1}) == Status::ok);
  CHECK(pub->verify(SignatureScheme::rsa_pkcs1_sha256, ByteView::of("other"), Bytes()) == Status::bad_signature);
  CHECK(pub->verify(SignatureScheme::ecdsa_secp256r1_sha256, ByteView::of("x"), Bytes{1}) == Status::unsupported);
  CHECK(pub->spki_der() == default_provider().load_private_key(testing::read_file("tests/certs/server_rsa.key.pem"), &err)
                               ->public_key()->spki_der());

  Bytes pms(48, 0x11);
  pms[0] = 0x03;
  pms[1] = 0x03;
  Bytes ct;
  REQUIRE(pub->rsa_encrypt_pkcs1(pms, *r, &ct) == Status::ok);
  CHECK(ct.size() == (pub->bits() + 7) / 8);
  uint8_t out[48];
  REQUIRE(rsa->rsa_decrypt_premaster(ct, 0x0303, *r, out) == Status::ok);
  CHECK(Bytes(out, out + 48) == pms);
  REQUIRE(rsa->rsa_decrypt_premaster(ct, 0x0302, *r, out) == Status::ok);  // wrong version: random
  CHECK(Bytes(out, out + 48) != pms);
  ct.pop_back();
  CHECK(rsa->rsa_decrypt_premaster(ct, 0x0303, *r, out) == Status::bad_input);
}

TEST_CASE("fuzzing trust store: any parsable chain, names and validity still checked") {
  std::string err;
  std::vector<Bytes> ca, leaf, other;
  REQUIRE(F().load_certificates(testing::read_file("tests/certs/ca.pem"), &ca, &err));
  REQUIRE(F().load_certificates(testing::read_file("tests/certs/server_rsa.pem"), &leaf, &err));
  REQUIRE(F().load_certificates(testing::read_file("tests/certs/unknown_ca.pem"), &other, &err));
  auto store = F().make_trust_store(ca, &err);
  REQUIRE(store);
  const int64_t now = 1893456000;  // 2030-01-01
  std::unique_ptr<PublicKey> key;
  CHECK(store->verify({leaf[0]}, now, Purpose::server_auth, "localhost", &key) == CertError::ok);
  REQUIRE(key);
  CHECK(key->verify(SignatureScheme::rsa_pss_rsae_sha256, ByteView::of("m"), Bytes{1}) == Status::ok);
  CHECK(store->verify({other[0]}, now, Purpose::server_auth, "") == CertError::ok);  // no path check
  CHECK(store->verify({leaf[0]}, now, Purpose::server_auth, "example.org") == CertError::name_mismatch);
  CHECK(store->verify({leaf[0]}, 0, Purpose::server_auth, "localhost") == CertError::certificate_expired);
  Bytes junk = leaf[0];
  junk.resize(junk.size() / 2);
  CHECK(store->verify({junk}, now, Purpose::server_auth, "") == CertError::bad_certificate);
  CHECK(store->verify({leaf[0], junk}, now, Purpose::server_auth, "") == CertError::bad_certificate);
  CHECK(store->verify({}, now, Purpose::server_auth, "") == CertError::bad_certificate);
}

}  // namespace
}  // namespace crypto
}  // namespace sanstls
