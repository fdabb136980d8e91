#include "tools/bench/floor.h"

#include <algorithm>
#include <array>
#include <map>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>

#include "crypto/crypto.h"
#include "crypto/libcrypto.h"
#include "crypto/mbedtls.h"

namespace sanstls {
namespace bench {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

namespace {

// Seconds per call of f: median over reps of (time of iters calls) / iters.
double time_op(int iters, int reps, const std::function<void()>& f) {
  f();  // warm-up
  std::vector<double> per;
  for (int r = 0; r < reps; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) f();
    per.push_back((now_ns() - t0) / 1e9 / iters);
  }
  return median(per);
}

void check(bool ok, const char* what) {
  if (!ok) fail(std::string("floor: ") + what);
}

}  // namespace

Floor::Floor(const Certs& certs, int iters, int reps) {
  const crypto::Provider& p = crypto::mbedtls_provider();
  std::unique_ptr<crypto::Rng> rng = crypto::make_system_rng();
  std::string e;
  // Slow operations (public key) get a tenth of the iterations of cheap ones, at least 2.
  int slow = std::max(2, iters / 10);
  auto run = [&](const std::string& name, int n, const std::function<void()>& f) { ops_[name] = time_op(n, reps, f); };

  for (auto g : {std::make_pair(crypto::Group::x25519, std::string("x25519")),
                 std::make_pair(crypto::Group::secp256r1, std::string("p256"))}) {
    auto peer = p.generate_key_share(g.first, *rng);
    check(peer != nullptr, "key share");
    Bytes peer_pub = peer->public_value().to_bytes();
    run(g.second + "_keygen", slow, [&] { check(p.generate_key_share(g.first, *rng) != nullptr, "keygen"); });
    auto mine = p.generate_key_share(g.first, *rng);
    Bytes secret;
    run(g.second + "_shared", slow,
        [&] { check(mine->shared_secret(peer_pub, &secret) == crypto::Status::ok, "shared secret"); });
  }

  // Signatures over data the size of a ServerKeyExchange's signed part (randoms + params).
  Bytes msg(32 + 32 + 4 + 65, 0x33);
  struct KeyCase {
    const char* name;
    const Bytes* key_pem;
    const Bytes* chain_pem;
    crypto::SignatureScheme scheme;
  };
  std::vector<Bytes> ec_chain, rsa_chain, anchors;
  check(p.load_certificates(certs.ec_chain_pem, &ec_chain, &e), "EC chain");
  check(p.load_certificates(certs.rsa_chain_pem, &rsa_chain, &e), "RSA chain");
  check(p.load_certificates(certs.ca_pem, &anchors, &e), "CA");
  for (const KeyCase& k : {KeyCase{"ecdsa_p256", &certs.ec_key_pem, &certs.ec_chain_pem,
                                   crypto::SignatureScheme::ecdsa_secp256r1_sha256},
                           KeyCase{"rsa2048", &certs.rsa_key_pem, &certs.rsa_chain_pem,
                                   crypto::SignatureScheme::rsa_pkcs1_sha256}}) {
    auto key = p.load_private_key(*k.key_pem, &e);
    check(key != nullptr, "private key");
    auto pub = key->public_key();
    Bytes sig;
    run(std::string(k.name) + "_sign", slow, [&] { check(key->sign(k.scheme, msg, *rng, &sig) == crypto::Status::ok, "sign"); });
    run(std::string(k.name) + "_verify", slow, [&] { check(pub->verify(k.scheme, msg, sig) == crypto::Status::ok, "verify"); });
    if (k.scheme == crypto::SignatureScheme::rsa_pkcs1_sha256) {
      Bytes pms(48, 0x03), ct;
      pms[0] = 3;
      run("rsa2048_encrypt", slow, [&] { check(pub->rsa_encrypt_pkcs1(pms, *rng, &ct) == crypto::Status::ok, "encrypt"); });
      uint8_t out[48];
      run("rsa2048_decrypt", slow,
          [&] { check(key->rsa_decrypt_premaster(ct, 0x0303, *rng, out) == crypto::Status::ok, "decrypt"); });
    }
  }

  // Chain verification as the client does it (parse, signatures up to the root, dates, name).
  auto store = p.make_trust_store(anchors, &e);
  check(store != nullptr, "trust store");
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  for (auto c : {std::make_pair(&ec_chain, std::string("chain_ec")), std::make_pair(&rsa_chain, std::string("chain_rsa"))}) {
    std::vector<ByteView> views(c.first->begin(), c.first->end());
    run(c.second + "_verify", slow, [&] {
      check(store->verify(views, now, crypto::Purpose::server_auth, certs.server_name) == crypto::CertError::ok,
            "chain verify");
    });
  }

  // PRF: master secret (EMS: 48 bytes over a 32-byte session hash), key block (40 bytes for a GCM
  // suite, 88 for ChaCha20 is close enough: one or two more HMACs), one Finished (12 bytes).
  Bytes secret(48, 0x11), seed(64, 0x22);
  run("prf_master", iters, [&] { crypto::tls12_prf(p, crypto::HashAlg::sha256, secret, "extended master secret", ByteView(seed.data(), 32), 48); });
  run("prf_keyblock", iters, [&] { crypto::tls12_prf(p, crypto::HashAlg::sha256, secret, "key expansion", seed, 40); });
  run("prf_finished", iters, [&] { crypto::tls12_prf(p, crypto::HashAlg::sha256, secret, "client finished", ByteView(seed.data(), 32), 12); });
  // TLS 1.3 (issue 8): the key schedule's two HKDF steps, a Finished HMAC, RSA-PSS for the
  // CertificateVerify (130 bytes signed: 64 spaces, the context string, the transcript hash).
  {
    Bytes salt(32, 0x12), ikm(32, 0x13), hash32(32, 0x14), cv(130, 0x20);
    run("hkdf_extract", iters, [&] { crypto::hkdf_extract(p, crypto::HashAlg::sha256, salt, ikm); });
    run("hkdf_expand_label", iters,
        [&] { crypto::hkdf_expand_label(p, crypto::HashAlg::sha256, salt, "c hs traffic", hash32, 32); });
    run("hmac_finished", iters, [&] { crypto::hmac_once(p, crypto::HashAlg::sha256, salt, hash32); });
    auto key = p.load_private_key(certs.rsa_key_pem, &e);
    check(key != nullptr, "RSA key");
    auto pub = key->public_key();
    Bytes sig;
    const auto pss = crypto::SignatureScheme::rsa_pss_rsae_sha256;
    run("rsa2048_pss_sign", slow, [&] { check(key->sign(pss, cv, *rng, &sig) == crypto::Status::ok, "pss sign"); });
    run("rsa2048_pss_verify", slow, [&] { check(pub->verify(pss, cv, sig) == crypto::Status::ok, "pss verify"); });
  }
  // Transcript hash: per KiB of handshake messages, plus the hash copies the handshake needs.
  Bytes kib(1024, 0x44);
  auto h = p.hash(crypto::HashAlg::sha256);
  run("sha256_kib", iters, [&] { h->update(kib); });
  run("sha256_clone_finish", iters, [&] {
    uint8_t out[32];
    h->clone()->finish(out);
  });
  // The Finished records: one AEAD key schedule per direction, one seal and one open of 16 bytes.
  Bytes key16(16, 0x55), nonce(12, 0), aad(13, 0), fin(16, 0x66);
  uint8_t tag[16];
  run("aead_setup", iters, [&] { check(p.aead(crypto::AeadAlg::aes_128_gcm, key16) != nullptr, "aead"); });
  auto gcm = p.aead(crypto::AeadAlg::aes_128_gcm, key16);
  run("aead_small", iters, [&] { gcm->seal(nonce, aad, fin.data(), fin.size(), tag); });
  // Bulk: seal / open of one 16 KiB record.
  Bytes rec(kWriteSize, 0x77);
  Bytes key32(32, 0x55);
  for (auto a : {std::make_pair(crypto::AeadAlg::aes_128_gcm, std::string("aes128gcm")),
                 std::make_pair(crypto::AeadAlg::chacha20_poly1305, std::string("chacha20"))}) {
    auto aead = p.aead(a.first, a.first == crypto::AeadAlg::aes_128_gcm ? ByteView(key16) : ByteView(key32));
    check(aead != nullptr, "aead");
    uint8_t t[16];
    run(a.second + "_seal16k", iters, [&] { aead->seal(nonce, aad, rec.data(), rec.size(), t); });
    // Open decrypts in place, so each call opens a fresh copy of one sealed record; the copy's own
    // time (measured alone) is subtracted.
    Bytes sealed = rec, work(rec.size());
    aead->seal(nonce, aad, sealed.data(), sealed.size(), t);
    double with_copy = time_op(iters, reps, [&] {
      std::memcpy(work.data(), sealed.data(), sealed.size());
      check(aead->open(nonce, aad, work.data(), work.size(), t) == crypto::Status::ok, "open");
    });
    double copy = time_op(iters, reps, [&] {
      std::memcpy(work.data(), sealed.data(), sealed.size());
      asm volatile("" : : "r"(work.data()) : "memory");
    });
    ops_[a.second + "_open16k"] = with_copy - copy;
  }
}

namespace {

// The crypto floor as a "stack": each handshake (or record) runs the bare primitives that a TLS 1.2
// handshake of the scenario needs on each side, timed per side, so that it runs interleaved with the
// real stacks under the same machine load. Per side and handshake:
//   both:   (full) PRF master secret; PRF key block; PRF both Finished; one pass of SHA-256 over the
//           handshake messages (ECDSA ~2.3 KiB, RSA ~1.6 KiB, resumed ~0.3 KiB) and the hash copies
//           for the session hash and both Finished; two AEAD key setups; seal or open of a Finished
//   client: ECDHE: key share + shared secret, verify the server's signature, verify the chain and
//           name; RSA: encrypt the premaster secret, verify the chain
//   server: ECDHE: key share + shared secret, sign; RSA: decrypt the premaster secret
// Bulk: the client seals and the server opens each 16 KiB record.
//
// TLS 1.3 (one13(); RFC 8446 7.1 as written, SHA-256, AES-128-GCM), per side and handshake:
//   both:   X25519 key share + shared secret; HKDF-Extract for the Early, Handshake and Master
//           secrets; HKDF-Expand-Label for both "derived", both handshake and both application traffic
//           secrets, their 4 keys and 4 ivs, both Finished keys and the resumption master secret; both
//           Finished HMACs (one made, one checked); one SHA-256 pass over the handshake messages
//           (ECDSA 1599 B, RSA 1521 B, resumed 542 B: sanstls's own, which OpenSSL's match within a few
//           bytes) and 5 hash copies (after ServerHello, Certificate, CertificateVerify and both
//           Finished); 4 AEADs, one per traffic key, the 3 that a side uses in the handshake
//           keyed by that use (a provider may key a direction on first use, as the libcrypto one
//           does): the sealing or opening of the server's encrypted flight (EncryptedExtensions..
//           Finished), of the client's Finished and of one NewSessionTicket, each with the AEAD of
//           that handshake, stage and direction
//   client: full: verify the chain and name, and the CertificateVerify signature with the leaf's key
//           that the chain check returns; resumption PSK of the ticket (one HKDF-Expand-Label)
//   server: full: sign the CertificateVerify (ECDSA P-256 or RSA-PSS); seal a ticket (AEAD over its
//           ~80-byte state) and its resumption PSK
//   resumed (psk_dhe_ke): no certificate and no signature; both sides add the PSK binder (Early
//           Secret from the PSK, binder key, its Finished key, one HMAC over the truncated
//           ClientHello's hash: one more hash copy); the server opens the ticket.
// Not counted: the engine's random draws (randoms, ticket nonce and age_add), the ticket keys' AEAD
// setup (a server makes it once per key), and OpenSSL-style extras such as the exporter secret.
class FloorStack final : public Stack {
 public:
  FloorStack(const crypto::Provider& p, const char* name) : p_(p), name_of_(name), rng_(crypto::make_system_rng()) {}
  const char* name() const override { return name_of_; }

  bool prepare(const Scenario& s, const Certs& certs, std::string* error) override {
    s_ = s;
    name_ = certs.server_name;
    std::string e;
    key_ = p_.load_private_key(certs.key(s), &e);
    std::vector<Bytes> anchors;
    if (!key_ || !p_.load_certificates(certs.chain(s), &chain_, &e) || !p_.load_certificates(certs.ca_pem, &anchors, &e)) {
      *error = "floor: " + e;
      return false;
    }
    pub_ = key_->public_key();
    store_ = p_.make_trust_store(anchors, &e);
    if (!store_) {
      *error = "floor: " + e;
      return false;
    }
    views_.assign(chain_.begin(), chain_.end());
    if (s.tls13()) prepare13();
    return true;
  }

  void prepare13() {
    empty_hash_ = crypto::hash_once(p_, crypto::HashAlg::sha256, ByteView());
    std::unique_ptr<crypto::Aead> sealer = p_.aead(crypto::AeadAlg::aes_128_gcm, key16_);
    ticket_aead_ = p_.aead(crypto::AeadAlg::aes_128_gcm, key16_);
    check(sealer && ticket_aead_, "aead");
    // The records one13() opens, sealed once here: each length's tag (GCM's ciphertext of a prefix is
    // the prefix of the ciphertext, so one buffer serves every length).
    for (size_t len : {size_t{37}, size_t{43}, size_t{134}, size_t{1190}, size_t{1268}}) {
      std::memcpy(sealed_record_, record_, sizeof record_);
      sealer->seal(nonce_, aad5_, sealed_record_, len, sealed_tags_[len].data());
    }
    std::memcpy(sealed_ticket_, ticket_, sizeof ticket_);
    ticket_aead_->seal(nonce_, aad5_, sealed_ticket_, sizeof ticket_, ticket_tag_);
  }

  Times handshakes(int n) override {
    Side cs{heap::kClient}, ss{heap::kServer};
    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++) {
      if (s_.tls13()) one13(cs, ss);
      else one(cs, ss);
    }
    Times t;
    t.pair = (now_ns() - t0) / 1e9;
    t.client = cs.ns / 1e9;
    t.server = ss.ns / 1e9;
    return t;
  }

  Times bulk(size_t bytes) override {
    Side cs{heap::kClient}, ss{heap::kServer};
    bool gcm = s_.cipher == Cipher::aes_128_gcm;
    // TLS 1.3 records carry their content type inside (one more byte) and a 5-byte header as AAD.
    Bytes key(gcm ? 16 : 32, 0x55), nonce(12, 0), aad(s_.tls13() ? 5 : 13, 0),
        rec(kWriteSize + (s_.tls13() ? 1 : 0), 0x77);
    crypto::AeadAlg alg = gcm ? crypto::AeadAlg::aes_128_gcm : crypto::AeadAlg::chacha20_poly1305;
    auto sealer = p_.aead(alg, key), opener = p_.aead(alg, key);
    uint8_t tag[16];
    uint64_t t0 = now_ns();
    for (size_t done = 0; done < bytes; done += kWriteSize) {
      {
        InSide in(cs);
        sealer->seal(nonce, aad, rec.data(), rec.size(), tag);
      }
      InSide in(ss);
      check(opener->open(nonce, aad, rec.data(), rec.size(), tag) == crypto::Status::ok, "open");
    }
    Times t;
    t.pair = (now_ns() - t0) / 1e9;
    t.client = cs.ns / 1e9;
    t.server = ss.ns / 1e9;
    return t;
  }

  Memory memory() override { return Memory(); }

 private:
  void one(Side& cs, Side& ss) {
    bool full = s_.kind != Kind::resumed;
    Bytes pms, ct, sig, cpub, spub;
    std::unique_ptr<crypto::KeyShare> ck, sk;
    crypto::Group g = s_.group == Group::p256 ? crypto::Group::secp256r1 : crypto::Group::x25519;
    if (full && s_.kx != Kx::rsa) {
      {
        InSide in(cs);
        ck = p_.generate_key_share(g, *rng_);
      }
      {
        InSide in(ss);
        sk = p_.generate_key_share(g, *rng_);
        check(sk != nullptr, "key share");
        check(key_->sign(scheme(), msg_, *rng_, &sig) == crypto::Status::ok, "sign");
      }
      {
        InSide in(cs);
        check(pub_->verify(scheme(), msg_, sig) == crypto::Status::ok, "verify");
        check(store_->verify(views_, now_s(), crypto::Purpose::server_auth, name_) == crypto::CertError::ok, "chain");
        check(ck->shared_secret(sk->public_value(), &pms) == crypto::Status::ok, "shared");
      }
      InSide in(ss);
      check(sk->shared_secret(ck->public_value(), &pms) == crypto::Status::ok, "shared");
    } else if (full) {
      Bytes secret(48, 0x03);
      {
        InSide in(cs);
        check(store_->verify(views_, now_s(), crypto::Purpose::server_auth, name_) == crypto::CertError::ok, "chain");
        check(pub_->rsa_encrypt_pkcs1(secret, *rng_, &ct) == crypto::Status::ok, "encrypt");
      }
      InSide in(ss);
      uint8_t out[48];
      check(key_->rsa_decrypt_premaster(ct, 0x0303, *rng_, out) == crypto::Status::ok, "decrypt");
    }
    Bytes fin(16, 0x66);
    uint8_t tag[16];
    for (Side* side : {&cs, &ss}) {
      InSide in(*side);
      keys_and_finished(full);
      auto w = p_.aead(crypto::AeadAlg::aes_128_gcm, key16_);
      auto r = p_.aead(crypto::AeadAlg::aes_128_gcm, key16_);
      check(w && r, "aead");
      w->seal(nonce_, aad_, fin.data(), fin.size(), tag);
      check(r->open(nonce_, aad_, fin.data(), fin.size(), tag) == crypto::Status::ok, "open");
    }
  }

  // One TLS 1.3 handshake's primitives (see the comment above the class).
  void one13(Side& cs, Side& ss) {
    using crypto::HashAlg;
    bool full = s_.kind != Kind::resumed;
    const size_t transcript = !full ? 542 : s_.kx == Kx::ecdhe_ecdsa ? 1599 : 1521;
    const size_t flight = !full ? 43 : s_.kx == Kx::ecdhe_ecdsa ? 1268 : 1190;  // EE..Finished + type
    std::unique_ptr<crypto::KeyShare> ck, sk;
    Bytes secret, sig;
    {
      InSide in(cs);
      ck = p_.generate_key_share(crypto::Group::x25519, *rng_);
      check(ck != nullptr, "key share");
      if (!full) binder13();
    }
    {
      InSide in(ss);
      if (!full) {
        std::memcpy(work_, sealed_ticket_, sizeof ticket_);
        check(ticket_aead_->open(nonce_, aad5_, work_, sizeof ticket_, ticket_tag_) == crypto::Status::ok, "ticket");
        binder13();
      }
      sk = p_.generate_key_share(crypto::Group::x25519, *rng_);
      check(sk != nullptr && sk->shared_secret(ck->public_value(), &secret) == crypto::Status::ok, "shared");
      hash13(transcript, full);
      schedule13(kServer, secret, true);
      if (full) check(key_->sign(scheme13(), cv_, *rng_, &sig) == crypto::Status::ok, "sign");
      finished13();  // the server's Finished
      record13(kServer, 0, true, flight);
      schedule13(kServer, secret, false);
    }
    {
      InSide in(cs);
      check(ck->shared_secret(sk->public_value(), &secret) == crypto::Status::ok, "shared");
      hash13(transcript, full);
      schedule13(kClient, secret, true);
      record13(kClient, 0, false, flight);
      if (full) {
        // The CertificateVerify is checked with the leaf's key as the chain check hands it out, fresh
        // for each handshake as in any client without a cache of peers' keys: mbedTLS then builds its
        // comb table for the P-256 generator again (~4.6 M instructions, ~25 % of an ECDSA verify),
        // which a key loaded once (pub_, the TLS 1.2 floor's) keeps.
        std::unique_ptr<crypto::PublicKey> leaf;
        check(store_->verify(views_, now_s(), crypto::Purpose::server_auth, name_, &leaf) == crypto::CertError::ok &&
                  leaf != nullptr,
              "chain");
        check(leaf->verify(scheme13(), cv_, sig) == crypto::Status::ok, "verify");
      }
      finished13();  // the server's, checked
      schedule13(kClient, secret, false);
      finished13();  // the client's
      record13(kClient, 0, true, 37);
    }
    {
      InSide in(ss);
      record13(kServer, 0, false, 37);
      finished13();  // the client's, checked
      Bytes res = derive13("res master");
      crypto::hkdf_expand_label(p_, HashAlg::sha256, res, "resumption", ByteView(nonce_.data(), 8), 32);
      std::memcpy(work_, ticket_, sizeof ticket_);
      ticket_aead_->seal(nonce_, aad5_, work_, sizeof ticket_, ticket_tag_);
      record13(kServer, 1, true, 134);
    }
    InSide in(cs);
    record13(kClient, 1, false, 134);
    Bytes res = derive13("res master");
    crypto::hkdf_expand_label(p_, crypto::HashAlg::sha256, res, "resumption", ByteView(nonce_.data(), 8), 32);
  }

  // One SHA-256 pass over `len` bytes of handshake messages and the hash copies taken along the way.
  void hash13(size_t len, bool full) {
    auto h = p_.hash(crypto::HashAlg::sha256);
    for (size_t off = 0; off < len; off += 256) h->update(ByteView(transcript_, std::min<size_t>(256, len - off)));
    uint8_t out[32];
    for (int i = 0; i < (full ? 5 : 6); i++) h->clone()->finish(out);
  }

  // Derive-Secret over a transcript hash (the hash's value does not change the cost).
  Bytes derive13(const char* label) {
    return crypto::hkdf_expand_label(p_, crypto::HashAlg::sha256, secret32_, label, hash32_, 32);
  }

  // Handshake stage (first = true): Early Secret (from zeros or the PSK), "derived", Handshake Secret,
  // both handshake traffic secrets with their keys and ivs and their two AEADs. Application stage:
  // "derived", Master Secret, both application traffic secrets, keys, ivs, two AEADs. The AEADs are
  // `side`'s for this stage (aeads_[side][stage][direction], direction 0 the client's writes, 1 the
  // server's), made with key16_ so that they open what prepare13() sealed: the cost of making and
  // keying one does not depend on the key's value.
  void schedule13(int side, const Bytes& shared, bool first) {
    using crypto::HashAlg;
    if (first) crypto::hkdf_extract(p_, HashAlg::sha256, Bytes(32, 0), secret32_);
    Bytes derived = crypto::hkdf_expand_label(p_, HashAlg::sha256, secret32_, "derived", empty_hash_, 32);
    crypto::hkdf_extract(p_, HashAlg::sha256, derived, first ? ByteView(shared) : ByteView(zeros32_));
    static const char* const kLabels[2][2] = {{"c hs traffic", "s hs traffic"}, {"c ap traffic", "s ap traffic"}};
    for (int dir = 0; dir < 2; dir++) {
      Bytes traffic = derive13(kLabels[first ? 0 : 1][dir]);
      crypto::hkdf_expand_label(p_, HashAlg::sha256, traffic, "key", ByteView(), 16);
      crypto::hkdf_expand_label(p_, HashAlg::sha256, traffic, "iv", ByteView(), 12);
      std::unique_ptr<crypto::Aead>& aead = aeads_[side][first ? 0 : 1][dir];
      aead = p_.aead(crypto::AeadAlg::aes_128_gcm, key16_);
      check(aead != nullptr, "aead");
    }
  }

  // A Finished: its key from the traffic secret, then the HMAC over the transcript hash.
  void finished13() {
    Bytes key = crypto::hkdf_expand_label(p_, crypto::HashAlg::sha256, secret32_, "finished", ByteView(), 32);
    crypto::hmac_once(p_, crypto::HashAlg::sha256, key, hash32_);
  }

  // The PSK binder: Early Secret from the PSK, the binder key, its Finished key and HMAC, one hash copy.
  void binder13() {
    using crypto::HashAlg;
    crypto::hkdf_extract(p_, HashAlg::sha256, Bytes(32, 0), secret32_);
    Bytes bk = crypto::hkdf_expand_label(p_, HashAlg::sha256, secret32_, "res binder", empty_hash_, 32);
    Bytes fk = crypto::hkdf_expand_label(p_, HashAlg::sha256, bk, "finished", ByteView(), 32);
    crypto::hmac_once(p_, HashAlg::sha256, fk, hash32_);
  }

  // `side` seals (its own writes) or opens (the peer's) one record of `len` bytes with its AEAD of
  // `stage` (0 handshake, 1 application) for that direction; a sealed copy is prepared in prepare13(),
  // opening works on a fresh copy of it.
  void record13(int side, int stage, bool seal, size_t len) {
    int dir = seal == (side == kServer) ? 1 : 0;
    crypto::Aead& aead = *aeads_[side][stage][dir];
    uint8_t tag[16];
    if (seal) {
      check(aead.seal(nonce_, aad5_, record_, len, tag) == crypto::Status::ok, "record seal");
      return;
    }
    std::memcpy(work_, sealed_record_, len);
    check(aead.open(nonce_, aad5_, work_, len, sealed_tags_[len].data()) == crypto::Status::ok, "record open");
  }

  crypto::SignatureScheme scheme13() const {
    return s_.kx == Kx::ecdhe_ecdsa ? crypto::SignatureScheme::ecdsa_secp256r1_sha256
                                    : crypto::SignatureScheme::rsa_pss_rsae_sha256;
  }

  // What both sides compute alike: the transcript hash, the PRF outputs.
  void keys_and_finished(bool full) {
    auto h = p_.hash(crypto::HashAlg::sha256);
    size_t len = !full ? 300 : s_.kx == Kx::ecdhe_ecdsa ? 2355 : 1640;
    for (size_t off = 0; off < len; off += 256) h->update(ByteView(transcript_, std::min<size_t>(256, len - off)));
    uint8_t out[32];
    for (int i = 0; i < (full ? 3 : 2); i++) h->clone()->finish(out);
    if (full) crypto::tls12_prf(p_, crypto::HashAlg::sha256, secret_, "extended master secret", ByteView(out, 32), 48);
    crypto::tls12_prf(p_, crypto::HashAlg::sha256, secret_, "key expansion", seed_, 40);
    crypto::tls12_prf(p_, crypto::HashAlg::sha256, secret_, "client finished", ByteView(out, 32), 12);
    crypto::tls12_prf(p_, crypto::HashAlg::sha256, secret_, "server finished", ByteView(out, 32), 12);
  }

  crypto::SignatureScheme scheme() const {
    return s_.kx == Kx::ecdhe_ecdsa ? crypto::SignatureScheme::ecdsa_secp256r1_sha256
                                    : crypto::SignatureScheme::rsa_pkcs1_sha256;
  }
  static int64_t now_s() { return static_cast<int64_t>(std::time(nullptr)); }

  const crypto::Provider& p_;
  const char* name_of_;
  std::unique_ptr<crypto::Rng> rng_;
  Scenario s_;
  std::string name_;
  std::unique_ptr<crypto::PrivateKey> key_;
  std::unique_ptr<crypto::PublicKey> pub_;
  std::unique_ptr<crypto::TrustStore> store_;
  std::vector<Bytes> chain_;
  std::vector<ByteView> views_;
  Bytes msg_ = Bytes(32 + 32 + 4 + 65, 0x33);  // a ServerKeyExchange's signed part
  Bytes secret_ = Bytes(48, 0x11), seed_ = Bytes(64, 0x22), key16_ = Bytes(16, 0x55), nonce_ = Bytes(12, 0),
        aad_ = Bytes(13, 0);
  uint8_t transcript_[256] = {};
  // TLS 1.3 (one13()).
  Bytes cv_ = Bytes(130, 0x20);  // the CertificateVerify's signed content
  Bytes secret32_ = Bytes(32, 0x31), hash32_ = Bytes(32, 0x32), zeros32_ = Bytes(32, 0), empty_hash_, aad5_ = Bytes(5, 0x17);
  std::unique_ptr<crypto::Aead> ticket_aead_;
  static constexpr int kClient = 0, kServer = 1;
  std::unique_ptr<crypto::Aead> aeads_[2][2][2];  // [side][stage][direction], see schedule13()
  uint8_t record_[2048] = {}, sealed_record_[2048] = {}, work_[2048] = {};
  std::map<size_t, std::array<uint8_t, 16>> sealed_tags_;  // tag of sealed_record_'s first n bytes
  uint8_t ticket_[80] = {}, sealed_ticket_[80] = {}, ticket_tag_[16] = {};
};

}  // namespace

std::unique_ptr<Stack> make_floor_stack() { return std::make_unique<FloorStack>(crypto::mbedtls_provider(), "floor"); }
std::unique_ptr<Stack> make_floor_libcrypto_stack() {
  return std::make_unique<FloorStack>(crypto::libcrypto_provider(), "floor-libcrypto");
}

}  // namespace bench
}  // namespace sanstls
