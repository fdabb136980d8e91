#include "crypto/fuzzing_provider.h"

#include <algorithm>
#include <cstring>

namespace sanstls {
namespace crypto {

namespace {

// ---------------------------------------------------------------------------------------------------
// The AEAD's keyed checksum: two lanes of a 64-bit multiply-xor mix over length-framed pieces.

class Checksum {
 public:
  Checksum() = default;
  void add(ByteView data) {
    word(data.size());
    size_t i = 0;
    for (; i + 8 <= data.size(); i += 8) {
      uint64_t v;
      std::memcpy(&v, data.data() + i, 8);
      word(v);
    }
    uint64_t tail = 0;
    for (size_t k = 0; i < data.size(); i++, k++) tail |= uint64_t{data[i]} << (8 * k);
    word(tail);
  }
  void finish(uint8_t out[kAeadTagLength]) {
    word(0x746167);  // "tag"
    for (int i = 0; i < 8; i++) out[i] = static_cast<uint8_t>(a_ >> (8 * i));
    for (int i = 0; i < 8; i++) out[8 + i] = static_cast<uint8_t>(b_ >> (8 * i));
  }

 private:
  void word(uint64_t v) {
    a_ = (a_ ^ v) * 0x9e3779b97f4a7c15ull;
    a_ ^= a_ >> 29;
    b_ = (b_ + v) * 0xff51afd7ed558ccdull;
    b_ ^= b_ >> 31;
  }
  uint64_t a_ = 0x6a09e667f3bcc908ull;
  uint64_t b_ = 0xbb67ae8584caa73bull;
};

class FuzzAead final : public Aead {
 public:
  FuzzAead(AeadAlg alg, ByteView key) : alg_(alg), key_(key.to_bytes()) {}
  AeadAlg alg() const override { return alg_; }

  Status seal(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, uint8_t* tag) override {
    if (nonce.size() != kAeadNonceLength) return Status::bad_input;
    compute(nonce, aad, ByteView(inout, len), tag);
    return Status::ok;
  }
  Status open(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, const uint8_t* tag) override {
    if (nonce.size() != kAeadNonceLength) return Status::bad_input;
    uint8_t want[kAeadTagLength];
    compute(nonce, aad, ByteView(inout, len), want);
    // memcmp, not a constant-time compare: libFuzzer's memcmp hook then offers the expected tag to
    // its mutations. Nothing here is secret.
    return std::memcmp(want, tag, aead_tag_length(alg_)) == 0 ? Status::ok : Status::bad_tag;
  }

 private:
  // Writes aead_tag_length(alg_) bytes (the checksum cut to 8 for CCM_8).
  void compute(ByteView nonce, ByteView aad, ByteView text, uint8_t* tag) const {
    Checksum c;
    uint8_t a = static_cast<uint8_t>(alg_);
    c.add(ByteView(&a, 1));
    c.add(key_);
    c.add(nonce);
    c.add(aad);
    c.add(text);
    uint8_t full[kAeadTagLength];
    c.finish(full);
    std::memcpy(tag, full, aead_tag_length(alg_));
  }
  AeadAlg alg_;
  Bytes key_;
};

// The hash stand-in: a byte stream mixed eight bytes at a time into two 64-bit lanes (the Checksum's
// mix), then the total length; the digest, hash_length(alg) bytes, is drawn from the two lanes by
// splitmix64 steps. It depends on every byte and on the length, and a stream cut into pieces hashes
// as the same stream whole (the transcript and HMAC feed their input in pieces). HMAC is the same
// stream, keyed: the key (as one framed piece) and a separator go in before the message.
class Mixer {
 public:
  explicit Mixer(HashAlg alg) : alg_(alg) { word(0x68617368u + static_cast<uint8_t>(alg)); }  // "hash"
  void update(ByteView data) {
    const uint8_t* p = data.data();
    size_t n = data.size();
    total_ += n;
    while (n > 0 && fill_ != 0) {  // complete a partial word first
      partial_ |= uint64_t{*p++} << (8 * fill_);
      n--;
      if (++fill_ == 8) flush();
    }
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t v;
      std::memcpy(&v, p, 8);
      word(v);
    }
    for (; n > 0; n--) partial_ |= uint64_t{*p++} << (8 * fill_++);
  }
  void finish(uint8_t* out) const {
    Mixer m = *this;
    m.word(m.partial_);
    m.word(m.total_);
    uint64_t x = m.a_ ^ (m.b_ << 1);
    const size_t len = hash_length(alg_);
    for (size_t i = 0; i < len; i += 8) {
      uint64_t z = (x += 0x9e3779b97f4a7c15ull) ^ m.b_;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      std::memcpy(out + i, &z, std::min<size_t>(8, len - i));
    }
  }
  HashAlg alg() const { return alg_; }

 private:
  void flush() {
    word(partial_);
    partial_ = 0;
    fill_ = 0;
  }
  void word(uint64_t v) {
    a_ = (a_ ^ v) * 0x9e3779b97f4a7c15ull;
    a_ ^= a_ >> 29;
    b_ = (b_ + v) * 0xff51afd7ed558ccdull;
    b_ ^= b_ >> 31;
  }
  HashAlg alg_;
  uint64_t a_ = 0x6a09e667f3bcc908ull;
  uint64_t b_ = 0xbb67ae8584caa73bull;
  uint64_t partial_ = 0;
  unsigned fill_ = 0;
  uint64_t total_ = 0;
};

class FuzzHash final : public Hash {
 public:
  explicit FuzzHash(HashAlg alg) : m_(alg) {}
  HashAlg alg() const override { return m_.alg(); }
  void update(ByteView data) override { m_.update(data); }
  void finish(uint8_t* out) override { m_.finish(out); }
  std::unique_ptr<Hash> clone() const override { return std::make_unique<FuzzHash>(*this); }
  void peek(uint8_t* out) const override {
    Mixer copy = m_;
    copy.finish(out);
  }

 private:
  Mixer m_;
};

// The keyed stream: the key's length and bytes, then a separator (so that key || message pairs with
// the same concatenation differ).
Mixer keyed_mixer(HashAlg alg, ByteView key) {
  Mixer m(alg);
  const uint64_t len = key.size();
  m.update(ByteView(reinterpret_cast<const uint8_t*>(&len), sizeof len));
  m.update(key);
  const uint8_t sep[8] = {'h', 'm', 'a', 'c', 0, 0, 0, 1};
  m.update(ByteView(sep, sizeof sep));
  return m;
}

class FuzzHmac final : public Hmac {
 public:
  FuzzHmac(HashAlg alg, ByteView key) : keyed_(keyed_mixer(alg, key)), cur_(keyed_) {}
  void update(ByteView data) override { cur_.update(data); }
  void finish(uint8_t* out) override {
    cur_.finish(out);
    cur_ = keyed_;
  }

 private:
  Mixer keyed_, cur_;
};

// The stand-in's 32-byte digest (for the key shares' secrets and the signatures).
Bytes digest(ByteView data) {
  Mixer m(HashAlg::sha256);
  m.update(data);
  Bytes out(32);
  m.finish(out.data());
  return out;
}

class IdentityCbc final : public CbcCipher {
 public:
  Status encrypt(ByteView iv, uint8_t*, size_t len) override { return check(iv, len); }
  Status decrypt(ByteView iv, uint8_t*, size_t len) override { return check(iv, len); }

 private:
  static Status check(ByteView iv, size_t len) {
    return iv.size() == 16 && len % 16 == 0 ? Status::ok : Status::bad_input;
  }
};

// ---------------------------------------------------------------------------------------------------
// Big-endian helpers for the DH checks.

ByteView strip_zeros(ByteView v) {
  size_t i = 0;
  while (i < v.size() && v[i] == 0) i++;
  return v.sub(i);
}

// Compares two big-endian numbers.
int compare(ByteView a, ByteView b) {
  a = strip_zeros(a);
  b = strip_zeros(b);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.empty() ? 0 : std::memcmp(a.data(), b.data(), a.size());
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// v - k for a small k, v >= k (big-endian, same length).
Bytes minus(ByteView v, uint8_t k) {
  Bytes out = v.to_bytes();
  unsigned borrow = k;
  for (size_t i = out.size(); i-- > 0 && borrow != 0;) {
    unsigned cur = out[i];
    out[i] = static_cast<uint8_t>(cur - borrow);
    borrow = cur < borrow ? 1 : 0;
  }
  return out;
}

size_t bit_length(ByteView v) {
  v = strip_zeros(v);
  if (v.empty()) return 0;
  size_t bits = (v.size() - 1) * 8;
  for (uint8_t top = v[0]; top != 0; top >>= 1) bits++;
  return bits;
}

bool all_zero(ByteView v) {
  for (uint8_t b : v)
    if (b != 0) return false;
  return true;
}

// The largest p accepted from a server, as in the real providers.
constexpr size_t kMaxDhBits = 8192;

size_t dh_exponent_length(size_t pbits) {
  if (pbits <= 2048) return 32;
  if (pbits <= 3072) return 40;
  if (pbits <= 7680) return 48;
  return 64;
}

// ---------------------------------------------------------------------------------------------------
// Key shares.

class FuzzKeyShare final : public KeyShare {
 public:
  // ec: NIST point (0x04 prefix); dh_p: non-empty for Diffie-Hellman (peer checked against it).
  FuzzKeyShare(Bytes pub, size_t secret_len, bool nist, Bytes dh_p, bool named_dh)
      : pub_(std::move(pub)), secret_len_(secret_len), nist_(nist), p_(std::move(dh_p)),
        named_dh_(named_dh) {}

  ByteView public_value() const override { return pub_; }

  Status shared_secret(ByteView peer, Bytes* out) override {
    Bytes padded;
    if (!p_.empty()) {
      if (named_dh_ ? peer.size() != p_.size() : (peer.empty() || peer.size() > p_.size()))
        return Status::bad_peer_value;
      padded.assign(p_.size() - peer.size(), 0);
      padded.insert(padded.end(), peer.begin(), peer.end());
      // 1 < y < p - 1
      const uint8_t one = 1;
      if (compare(padded, ByteView(&one, 1)) <= 0 || compare(padded, minus(p_, 1)) >= 0)
        return Status::bad_peer_value;
      peer = padded;
    } else {
      if (peer.size() != pub_.size()) return Status::bad_peer_value;
      if (nist_ && peer[0] != 0x04) return Status::bad_peer_value;
      if (all_zero(peer.sub(nist_ ? 1 : 0))) return Status::bad_peer_value;
    }
    ByteView lo = pub_, hi = peer;
    if (std::lexicographical_compare(hi.begin(), hi.end(), lo.begin(), lo.end())) std::swap(lo, hi);
    Bytes seed = lo.to_bytes();
    seed.insert(seed.end(), hi.begin(), hi.end());
    Bytes secret;
    for (uint8_t counter = 0; secret.size() < secret_len_; counter++) {
      seed.push_back(counter);
      Bytes block = digest(seed);
      seed.pop_back();
      secret.insert(secret.end(), block.begin(), block.end());
    }
    secret.resize(secret_len_);
    *out = std::move(secret);
    return Status::ok;
  }

 private:
  Bytes pub_;
  size_t secret_len_;
  bool nist_;
  Bytes p_;
  bool named_dh_;
};

// A DH share for p (minimal encoding) with an exponent of exp_len bytes drawn from rng.
std::unique_ptr<KeyShare> dh_share(const Bytes& p, size_t exp_len, bool named, Rng& rng) {
  Bytes x(exp_len);
  rng.fill(x.data(), x.size());
  Bytes pub(p.size() - std::min(p.size(), exp_len), 0);
  pub.insert(pub.end(), x.begin(), x.begin() + static_cast<long>(std::min(p.size(), exp_len)));
  pub[0] &= 0x7f;  // below p, whose top bit is set for the named groups; and for others:
  if (compare(pub, minus(p, 1)) >= 0) pub.assign(p.size(), 0);
  pub.back() |= 2;  // y >= 2
  return std::make_unique<FuzzKeyShare>(std::move(pub), p.size(), false, p, named);
}

// ---------------------------------------------------------------------------------------------------
// Keys.

bool scheme_fits(SignatureScheme scheme, KeyType type) {
  switch (scheme) {
    case SignatureScheme::rsa_pkcs1_sha1:
    case SignatureScheme::rsa_pkcs1_sha256:
    case SignatureScheme::rsa_pkcs1_sha384:
    case SignatureScheme::rsa_pkcs1_sha512:
    case SignatureScheme::rsa_pss_rsae_sha256:
    case SignatureScheme::rsa_pss_rsae_sha384:
    case SignatureScheme::rsa_pss_rsae_sha512:
      return type == KeyType::rsa;
    case SignatureScheme::ecdsa_sha1:
    case SignatureScheme::ecdsa_secp256r1_sha256:
    case SignatureScheme::ecdsa_secp384r1_sha384:
    case SignatureScheme::ecdsa_secp521r1_sha512:
      return is_ecdsa_key(type);
    default:
      return false;  // ed25519, rsa_pss_pss_*: not supported, as in the real providers
  }
}

size_t modulus_bytes(size_t bits) { return (bits + 7) / 8; }

class FuzzPublicKey final : public PublicKey {
 public:
  explicit FuzzPublicKey(std::unique_ptr<PublicKey> inner) : inner_(std::move(inner)) {}
  KeyType type() const override { return inner_->type(); }
  size_t bits() const override { return inner_->bits(); }
  ByteView spki_der() const override { return inner_->spki_der(); }

  Status verify(SignatureScheme scheme, ByteView, ByteView sig) const override {
    if (!scheme_fits(scheme, type())) return Status::unsupported;
    return sig.empty() ? Status::bad_signature : Status::ok;
  }

  Status rsa_encrypt_pkcs1(ByteView plaintext, Rng&, Bytes* out) const override {
    if (type() != KeyType::rsa) return Status::unsupported;
    size_t k = modulus_bytes(bits());
    if (plaintext.size() + 11 > k) return Status::bad_input;
    Bytes c(k, 0xff);
    c[0] = 0x00;
    c[1] = 0x02;
    c[k - plaintext.size() - 1] = 0x00;
    std::copy(plaintext.begin(), plaintext.end(), c.end() - static_cast<long>(plaintext.size()));
    *out = std::move(c);
    return Status::ok;
  }

 private:
  std::unique_ptr<PublicKey> inner_;
};

class FuzzPrivateKey final : public PrivateKey {
 public:
  explicit FuzzPrivateKey(std::unique_ptr<PrivateKey> inner) : inner_(std::move(inner)) {}
  KeyType type() const override { return inner_->type(); }
  size_t bits() const override { return inner_->bits(); }

  Status sign(SignatureScheme scheme, ByteView msg, Rng&, Bytes* sig) const override {
    if (!scheme_fits(scheme, type())) return Status::unsupported;
    Bytes h = digest(msg);
    Bytes s = {static_cast<uint8_t>(static_cast<uint16_t>(scheme) >> 8), static_cast<uint8_t>(scheme)};
    s.insert(s.end(), h.begin(), h.begin() + 8);
    *sig = std::move(s);
    return Status::ok;
  }

  Status rsa_decrypt_premaster(ByteView ciphertext, uint16_t client_version, Rng& rng,
                               uint8_t out[48]) const override {
    if (type() != KeyType::rsa) return Status::unsupported;
    size_t k = modulus_bytes(bits());
    if (ciphertext.size() != k) return Status::bad_input;
    uint8_t random[48];
    rng.fill(random, sizeof random);  // always drawn, as the real providers do
    // 00 02, at least 8 non-zero padding bytes, 00, then 48 bytes starting with the version.
    bool good = k >= 11 + 48 && ciphertext[0] == 0x00 && ciphertext[1] == 0x02 && ciphertext[k - 49] == 0x00 &&
                ciphertext[k - 48] == (client_version >> 8) && ciphertext[k - 47] == (client_version & 0xff);
    for (size_t i = 2; good && i < k - 49; i++) good = ciphertext[i] != 0;
    std::memcpy(out, good ? ciphertext.data() + k - 48 : random, 48);
    return Status::ok;
  }

  std::unique_ptr<PublicKey> public_key() const override {
    std::unique_ptr<PublicKey> pub = inner_->public_key();
    if (!pub) return nullptr;
    return std::make_unique<FuzzPublicKey>(std::move(pub));
  }

 private:
  std::unique_ptr<PrivateKey> inner_;
};

// ---------------------------------------------------------------------------------------------------
// Certificates.

class FuzzCertificate final : public Certificate {
 public:
  explicit FuzzCertificate(std::unique_ptr<Certificate> inner) : inner_(std::move(inner)) {}
  ByteView der() const override { return inner_->der(); }
  std::unique_ptr<PublicKey> public_key() const override {
    std::unique_ptr<PublicKey> pub = inner_->public_key();
    if (!pub) return nullptr;
    return std::make_unique<FuzzPublicKey>(std::move(pub));
  }
  std::string subject() const override { return inner_->subject(); }
  std::string issuer() const override { return inner_->issuer(); }
  int64_t not_before() const override { return inner_->not_before(); }
  int64_t not_after() const override { return inner_->not_after(); }
  bool matches_name(const std::string& name) const override { return inner_->matches_name(name); }
  bool allows_key_use(KeyUse use) const override { return inner_->allows_key_use(use); }

 private:
  std::unique_ptr<Certificate> inner_;
};

class FuzzTrustStore final : public TrustStore {
 public:
  FuzzTrustStore(const Provider& provider, size_t anchors) : provider_(provider), anchors_(anchors) {}
  size_t size() const override { return anchors_; }

  CertError verify(const std::vector<ByteView>& chain, int64_t now, Purpose, const std::string& name,
                   std::unique_ptr<PublicKey>* leaf_key, KeyUse use) const override {
    if (chain.empty()) return CertError::bad_certificate;
    std::string err;
    std::unique_ptr<Certificate> leaf = provider_.parse_certificate(chain[0], &err);
    if (!leaf) return CertError::bad_certificate;
    for (size_t i = 1; i < chain.size(); i++)
      if (!provider_.parse_certificate(chain[i], &err)) return CertError::bad_certificate;
    if (now < leaf->not_before() || now > leaf->not_after()) return CertError::certificate_expired;
    if (!leaf->allows_key_use(use)) return CertError::bad_key_usage;
    if (!name.empty() && !leaf->matches_name(name)) return CertError::name_mismatch;
    std::unique_ptr<PublicKey> key = leaf->public_key();
    if (!key) return CertError::unsupported_certificate;
    if (leaf_key != nullptr) *leaf_key = std::move(key);
    return CertError::ok;
  }

 private:
  const Provider& provider_;
  size_t anchors_;
};

// ---------------------------------------------------------------------------------------------------

class FuzzingProvider final : public Provider {
 public:
  explicit FuzzingProvider(const Provider& inner) : inner_(inner) {}

  std::unique_ptr<Hash> hash(HashAlg alg) const override {
    if (hash_length(alg) == 0) return nullptr;
    return std::make_unique<FuzzHash>(alg);
  }
  std::unique_ptr<Hmac> hmac(HashAlg alg, ByteView key) const override {
    if (hash_length(alg) == 0) return nullptr;
    return std::make_unique<FuzzHmac>(alg, key);
  }
  // FuzzHmac's value, with no object.
  bool hmac_oneshot(HashAlg alg, ByteView key, const ByteView* parts, size_t n, uint8_t* out) const override {
    if (hash_length(alg) == 0) return false;
    Mixer m = keyed_mixer(alg, key);
    for (size_t i = 0; i < n; i++) m.update(parts[i]);
    m.finish(out);
    return true;
  }
  std::unique_ptr<Aead> aead(AeadAlg alg, ByteView key) const override {
    if (key.size() != aead_key_length(alg)) return nullptr;
    return std::make_unique<FuzzAead>(alg, key);
  }
  std::unique_ptr<CbcCipher> aes_cbc(ByteView key) const override {
    if (key.size() != 16 && key.size() != 32) return nullptr;
    return std::make_unique<IdentityCbc>();
  }
  Status hmac_constant_time(HashAlg alg, ByteView key, ByteView header, const uint8_t* data, size_t data_len,
                            size_t max_len, uint8_t* out) const override {
    // The same MAC as hmac() (the record layer compares the two); nothing here is secret.
    if (hash_length(alg) == 0) return Status::unsupported;
    if (data_len > max_len || (max_len > 0 && data == nullptr) || out == nullptr) return Status::bad_input;
    Mixer m = keyed_mixer(alg, key);
    m.update(header);
    m.update(ByteView(data, data_len));
    m.finish(out);
    return Status::ok;
  }

  std::unique_ptr<KeyShare> generate_key_share(Group group, Rng& rng) const override {
    size_t priv_len = 0, coord_len = 0;
    switch (group) {
      case Group::x25519: {
        Bytes d(32);
        rng.fill(d.data(), d.size());
        if (all_zero(d)) d[0] = 9;
        return std::make_unique<FuzzKeyShare>(std::move(d), 32, false, Bytes(), false);
      }
      case Group::x448: {
        Bytes d(56);
        rng.fill(d.data(), d.size());
        if (all_zero(d)) d[0] = 5;
        return std::make_unique<FuzzKeyShare>(std::move(d), 56, false, Bytes(), false);
      }
      case Group::secp256r1: priv_len = coord_len = 32; break;
      case Group::secp384r1: priv_len = coord_len = 48; break;
      case Group::secp521r1: priv_len = coord_len = 66; break;
      case Group::ffdhe2048:
      case Group::ffdhe3072:
      case Group::ffdhe4096:
      case Group::ffdhe6144:
      case Group::ffdhe8192: {
        Bytes p, g;
        inner_.ffdhe_params(group, &p, &g);
        if (p.empty()) return nullptr;
        size_t exp_len = group == Group::ffdhe2048   ? 32
                         : group == Group::ffdhe3072 ? 40
                                                     : dh_exponent_length(p.size() * 8);
        return dh_share(p, exp_len, true, rng);
      }
    }
    if (priv_len == 0) return nullptr;
    Bytes d(priv_len);
    rng.fill(d.data(), d.size());
    if (all_zero(d)) d.back() = 1;
    Bytes pub = {0x04};
    for (int i = 0; i < 2; i++) {
      pub.insert(pub.end(), coord_len - d.size(), 0);
      pub.insert(pub.end(), d.begin(), d.end());
    }
    return std::make_unique<FuzzKeyShare>(std::move(pub), coord_len, true, Bytes(), false);
  }

  std::unique_ptr<KeyShare> generate_dh_share(ByteView p, ByteView g, size_t min_bits, Rng& rng) const override {
    ByteView pm = strip_zeros(p), gm = strip_zeros(g);
    if (pm.empty() || gm.empty()) return nullptr;
    size_t pbits = bit_length(pm);
    if (pbits < min_bits || pbits > kMaxDhBits || pbits < 3 || (pm[pm.size() - 1] & 1) == 0) return nullptr;
    const uint8_t two = 2;
    if (compare(gm, ByteView(&two, 1)) < 0 || compare(gm, minus(pm, 2)) > 0) return nullptr;
    return dh_share(pm.to_bytes(), dh_exponent_length(pbits), false, rng);
  }

  void ffdhe_params(Group group, Bytes* p, Bytes* g) const override { inner_.ffdhe_params(group, p, g); }

  std::unique_ptr<PrivateKey> load_private_key(ByteView pem_or_der, std::string* error) const override {
    std::unique_ptr<PrivateKey> key = inner_.load_private_key(pem_or_der, error);
    if (!key) return nullptr;
    return std::make_unique<FuzzPrivateKey>(std::move(key));
  }
  std::unique_ptr<Certificate> parse_certificate(ByteView der, std::string* error) const override {
    std::unique_ptr<Certificate> cert = inner_.parse_certificate(der, error);
    if (!cert) return nullptr;
    return std::make_unique<FuzzCertificate>(std::move(cert));
  }
  bool load_certificates(ByteView pem_or_der, std::vector<Bytes>* der_out, std::string* error) const override {
    return inner_.load_certificates(pem_or_der, der_out, error);
  }
  std::unique_ptr<TrustStore> make_trust_store(const std::vector<Bytes>& anchors_der,
                                               std::string* error) const override {
    // The anchors must be what the real provider would take (the same errors), though none is used.
    if (!inner_.make_trust_store(anchors_der, error)) return nullptr;
    return std::make_unique<FuzzTrustStore>(*this, anchors_der.size());
  }

 private:
  const Provider& inner_;
};

}  // namespace

std::unique_ptr<Provider> make_fuzzing_provider(const Provider& inner) {
  return std::make_unique<FuzzingProvider>(inner);
}

const Provider& fuzzing_provider() {
  static const Provider* p = make_fuzzing_provider(default_provider()).release();
  return *p;
}

}  // namespace crypto
}  // namespace sanstls
