#include "tools/bench/floor.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>

#include "crypto/crypto.h"

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
  const crypto::Provider& p = crypto::default_provider();
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
class FloorStack final : public Stack {
 public:
  FloorStack() : p_(crypto::default_provider()), rng_(crypto::make_system_rng()) {}
  const char* name() const override { return "floor"; }

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
    return true;
  }

  Times handshakes(int n) override {
    Side cs{heap::kClient}, ss{heap::kServer};
    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++) one(cs, ss);
    Times t;
    t.pair = (now_ns() - t0) / 1e9;
    t.client = cs.ns / 1e9;
    t.server = ss.ns / 1e9;
    return t;
  }

  Times bulk(size_t bytes) override {
    Side cs{heap::kClient}, ss{heap::kServer};
    bool gcm = s_.cipher == Cipher::aes_128_gcm;
    Bytes key(gcm ? 16 : 32, 0x55), nonce(12, 0), aad(13, 0), rec(kWriteSize, 0x77);
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
};

}  // namespace

std::unique_ptr<Stack> make_floor_stack() { return std::make_unique<FloorStack>(); }

}  // namespace bench
}  // namespace sanstls
