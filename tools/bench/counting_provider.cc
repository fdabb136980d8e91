#include "tools/bench/counting_provider.h"

#include <map>
#include <mutex>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tools/bench/heap.h"

namespace sanstls {
namespace bench {
namespace {

using heap::CryptoScope;

// Wraps a freshly made object (the wrapper's own allocation is charged to crypto as well).
template <typename W, typename T>
std::unique_ptr<T> wrap(std::unique_ptr<T> inner) {
  if (!inner) return nullptr;
  CryptoScope in;
  return std::make_unique<W>(std::move(inner));
}

class CHash final : public crypto::Hash {
 public:
  explicit CHash(std::unique_ptr<crypto::Hash> h) : h_(std::move(h)) {}
  ~CHash() override { CryptoScope in; h_.reset(); }
  crypto::HashAlg alg() const override { return h_->alg(); }
  void update(ByteView data) override { CryptoScope in; h_->update(data); }
  void finish(uint8_t* out) override { CryptoScope in; h_->finish(out); }
  std::unique_ptr<crypto::Hash> clone() const override {
    CryptoScope in;
    return wrap<CHash>(h_->clone());
  }
  void peek(uint8_t* out) const override {
    CryptoScope in;
    h_->peek(out);
  }

 private:
  std::unique_ptr<crypto::Hash> h_;
};

class CHmac final : public crypto::Hmac {
 public:
  explicit CHmac(std::unique_ptr<crypto::Hmac> h) : h_(std::move(h)) {}
  ~CHmac() override { CryptoScope in; h_.reset(); }
  void update(ByteView data) override { CryptoScope in; h_->update(data); }
  void finish(uint8_t* out) override { CryptoScope in; h_->finish(out); }

 private:
  std::unique_ptr<crypto::Hmac> h_;
};

class CAead final : public crypto::Aead {
 public:
  explicit CAead(std::unique_ptr<crypto::Aead> a) : a_(std::move(a)) {}
  ~CAead() override { CryptoScope in; a_.reset(); }
  crypto::AeadAlg alg() const override { return a_->alg(); }
  crypto::Status seal(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, uint8_t* tag) override {
    CryptoScope in;
    return a_->seal(nonce, aad, inout, len, tag);
  }
  crypto::Status open(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, const uint8_t* tag) override {
    CryptoScope in;
    return a_->open(nonce, aad, inout, len, tag);
  }

 private:
  std::unique_ptr<crypto::Aead> a_;
};

class CCbc final : public crypto::CbcCipher {
 public:
  explicit CCbc(std::unique_ptr<crypto::CbcCipher> c) : c_(std::move(c)) {}
  ~CCbc() override { CryptoScope in; c_.reset(); }
  crypto::Status encrypt(ByteView iv, uint8_t* inout, size_t len) override {
    CryptoScope in;
    return c_->encrypt(iv, inout, len);
  }
  crypto::Status decrypt(ByteView iv, uint8_t* inout, size_t len) override {
    CryptoScope in;
    return c_->decrypt(iv, inout, len);
  }

 private:
  std::unique_ptr<crypto::CbcCipher> c_;
};

class CKeyShare final : public crypto::KeyShare {
 public:
  explicit CKeyShare(std::unique_ptr<crypto::KeyShare> k) : k_(std::move(k)) {}
  ~CKeyShare() override { CryptoScope in; k_.reset(); }
  ByteView public_value() const override { return k_->public_value(); }
  crypto::Status shared_secret(ByteView peer_public, Bytes* out) override {
    CryptoScope in;
    return k_->shared_secret(peer_public, out);
  }

 private:
  std::unique_ptr<crypto::KeyShare> k_;
};

class CPublicKey final : public crypto::PublicKey {
 public:
  explicit CPublicKey(std::unique_ptr<crypto::PublicKey> k) : k_(std::move(k)) {}
  ~CPublicKey() override { CryptoScope in; k_.reset(); }
  crypto::KeyType type() const override { return k_->type(); }
  size_t bits() const override { return k_->bits(); }
  crypto::Status verify(crypto::SignatureScheme scheme, ByteView msg, ByteView sig) const override {
    CryptoScope in;
    return k_->verify(scheme, msg, sig);
  }
  crypto::Status rsa_encrypt_pkcs1(ByteView plaintext, crypto::Rng& rng, Bytes* out) const override {
    CryptoScope in;
    return k_->rsa_encrypt_pkcs1(plaintext, rng, out);
  }
  ByteView spki_der() const override { return k_->spki_der(); }

 private:
  std::unique_ptr<crypto::PublicKey> k_;
};

class CPrivateKey final : public crypto::PrivateKey {
 public:
  explicit CPrivateKey(std::unique_ptr<crypto::PrivateKey> k) : k_(std::move(k)) {}
  ~CPrivateKey() override { CryptoScope in; k_.reset(); }
  crypto::KeyType type() const override { return k_->type(); }
  size_t bits() const override { return k_->bits(); }
  crypto::Status sign(crypto::SignatureScheme scheme, ByteView msg, crypto::Rng& rng, Bytes* sig) const override {
    CryptoScope in;
    return k_->sign(scheme, msg, rng, sig);
  }
  crypto::Status rsa_decrypt_premaster(ByteView ciphertext, uint16_t client_version, crypto::Rng& rng,
                                       uint8_t out[48]) const override {
    CryptoScope in;
    return k_->rsa_decrypt_premaster(ciphertext, client_version, rng, out);
  }
  std::unique_ptr<crypto::PublicKey> public_key() const override {
    CryptoScope in;
    return wrap<CPublicKey>(k_->public_key());
  }

 private:
  std::unique_ptr<crypto::PrivateKey> k_;
};

class CCertificate final : public crypto::Certificate {
 public:
  explicit CCertificate(std::unique_ptr<crypto::Certificate> c) : c_(std::move(c)) {}
  ~CCertificate() override { CryptoScope in; c_.reset(); }
  ByteView der() const override { return c_->der(); }
  std::unique_ptr<crypto::PublicKey> public_key() const override {
    CryptoScope in;
    return wrap<CPublicKey>(c_->public_key());
  }
  std::string subject() const override { CryptoScope in; return c_->subject(); }
  std::string issuer() const override { CryptoScope in; return c_->issuer(); }
  int64_t not_before() const override { return c_->not_before(); }
  int64_t not_after() const override { return c_->not_after(); }
  bool matches_name(const std::string& name) const override {
    CryptoScope in;
    return c_->matches_name(name);
  }
  bool allows_key_use(crypto::KeyUse use) const override {
    CryptoScope in;
    return c_->allows_key_use(use);
  }
  Bytes serial() const override { return c_->serial(); }
  bool alt_names(std::vector<std::string>* dns, std::vector<Bytes>* ips) const override {
    CryptoScope in;
    return c_->alt_names(dns, ips);
  }

 private:
  std::unique_ptr<crypto::Certificate> c_;
};

class CTrustStore final : public crypto::TrustStore {
 public:
  explicit CTrustStore(std::unique_ptr<crypto::TrustStore> t) : t_(std::move(t)) {}
  ~CTrustStore() override { CryptoScope in; t_.reset(); }
  size_t size() const override { return t_->size(); }
  crypto::CertError verify(const std::vector<ByteView>& chain, int64_t now, crypto::Purpose purpose,
                           const std::string& name, std::unique_ptr<crypto::PublicKey>* leaf_key,
                           crypto::KeyUse use) const override {
    CryptoScope in;
    crypto::CertError e = t_->verify(chain, now, purpose, name, leaf_key, use);
    if (leaf_key != nullptr && *leaf_key) *leaf_key = std::make_unique<CPublicKey>(std::move(*leaf_key));
    return e;
  }

 private:
  std::unique_ptr<crypto::TrustStore> t_;
};

class CountingProvider final : public crypto::Provider {
 public:
  explicit CountingProvider(const crypto::Provider& p) : p_(p) {}

  std::unique_ptr<crypto::Hash> hash(crypto::HashAlg alg) const override {
    CryptoScope in;
    return wrap<CHash>(p_.hash(alg));
  }
  std::unique_ptr<crypto::Hmac> hmac(crypto::HashAlg alg, ByteView key) const override {
    CryptoScope in;
    return wrap<CHmac>(p_.hmac(alg, key));
  }
  bool hmac_oneshot(crypto::HashAlg alg, ByteView key, const ByteView* parts, size_t n, uint8_t* out) const override {
    CryptoScope in;
    return p_.hmac_oneshot(alg, key, parts, n, out);
  }
  std::unique_ptr<crypto::Aead> aead(crypto::AeadAlg alg, ByteView key) const override {
    CryptoScope in;
    return wrap<CAead>(p_.aead(alg, key));
  }
  std::unique_ptr<crypto::CbcCipher> aes_cbc(ByteView key) const override {
    CryptoScope in;
    return wrap<CCbc>(p_.aes_cbc(key));
  }
  crypto::Status hmac_constant_time(crypto::HashAlg alg, ByteView key, ByteView header, const uint8_t* data,
                                    size_t data_len, size_t max_len, uint8_t* out) const override {
    CryptoScope in;
    return p_.hmac_constant_time(alg, key, header, data, data_len, max_len, out);
  }
  std::unique_ptr<crypto::KeyShare> generate_key_share(crypto::Group group, crypto::Rng& rng) const override {
    CryptoScope in;
    return wrap<CKeyShare>(p_.generate_key_share(group, rng));
  }
  std::unique_ptr<crypto::KeyShare> generate_dh_share(ByteView p, ByteView g, size_t min_bits,
                                                      crypto::Rng& rng) const override {
    CryptoScope in;
    return wrap<CKeyShare>(p_.generate_dh_share(p, g, min_bits, rng));
  }
  void ffdhe_params(crypto::Group group, Bytes* p, Bytes* g) const override {
    CryptoScope in;
    p_.ffdhe_params(group, p, g);
  }
  std::unique_ptr<crypto::PrivateKey> load_private_key(ByteView pem_or_der, std::string* error) const override {
    CryptoScope in;
    return wrap<CPrivateKey>(p_.load_private_key(pem_or_der, error));
  }
  std::unique_ptr<crypto::Certificate> parse_certificate(ByteView der, std::string* error) const override {
    CryptoScope in;
    return wrap<CCertificate>(p_.parse_certificate(der, error));
  }
  bool load_certificates(ByteView pem_or_der, std::vector<Bytes>* der_out, std::string* error) const override {
    CryptoScope in;
    return p_.load_certificates(pem_or_der, der_out, error);
  }
  std::unique_ptr<crypto::TrustStore> make_trust_store(const std::vector<Bytes>& anchors_der,
                                                       std::string* error) const override {
    CryptoScope in;
    return wrap<CTrustStore>(p_.make_trust_store(anchors_der, error));
  }

 private:
  const crypto::Provider& p_;
};

}  // namespace

const crypto::Provider& counting_provider(const crypto::Provider& inner) {
  // One per inner provider (tls_bench has the mbedTLS one and the libcrypto one).
  // Never destroyed: the providers outlive every config that points at them (a map destroyed at exit
  // would also leave them unreachable, which LeakSanitizer reports).
  static std::mutex mu;
  static auto* by_inner = new std::map<const crypto::Provider*, CountingProvider*>();
  std::lock_guard<std::mutex> lock(mu);
  CountingProvider*& p = (*by_inner)[&inner];
  if (p == nullptr) p = new CountingProvider(inner);
  return *p;
}

}  // namespace bench
}  // namespace sanstls
