// The symmetric half of the OpenSSL 3.0 libcrypto provider: hashes, HMAC, AEAD, AES-CBC and the
// constant-time MAC for CBC records.
//
// Implementation notes, in one place:
// - Every EVP algorithm is fetched once per process (EVP_MD_fetch, EVP_CIPHER_fetch) into `algs()`;
//   objects only reference the fetched algorithms, so no name lookup happens per object.
// - Hashes and HMAC are libcrypto's SHA-1/SHA-2 functions on plain context structs (SHA256_Init and
//   co., deprecated in OpenSSL 3.0 but built and exported; the default provider's digests are these
//   same functions). Through EVP, OpenSSL 3.0 allocates a provider context for every EVP_MD_CTX copy
//   (each transcript fork, each HMAC reset) and its HMAC looks its digest up by name on every key
//   (EVP_MAC_init with a digest parameter): in a TLS 1.3 handshake that was most of the key schedule's
//   cost. On structs a fork is a copy, an HMAC is keyed once (the ipad and opad states) and each MAC
//   starts from a copy of the keyed state: no allocation, no lookup, the same compression code.
// - Hash and HMAC have no error channel (nor can these functions fail), as in the mbedTLS provider.
// - AEAD: one EVP_CIPHER_CTX per direction, made and keyed on the direction's first record (a record
//   protection uses one direction only); every record only sets the nonce
//   (EVP_CipherInit_ex2 with no cipher and no key keeps the key schedule), feeds the AAD and runs in
//   place, so sealing and opening a record allocates nothing. open() sets the expected tag before
//   EVP_DecryptFinal_ex, which compares it in constant time; on failure the plaintext is wiped.
// - AES-CBC: one context per direction, padding off, the iv set per call (the caller's iv is copied by
//   libcrypto, never modified).
// The SHA-1/SHA-2 functions on plain structs (see above): deprecated in 3.0, used on purpose.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "crypto/libcrypto_provider.h"

namespace sanstls {
namespace crypto {
namespace {

[[noreturn]] void fatal(const char* what) {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  std::fprintf(stderr, "sanstls crypto: %s failed (libcrypto: %s)\n", what, buf);
  std::abort();
}

// The algorithms, fetched once from the default library context.
struct Algs {
  EVP_MD* sha1;
  EVP_MD* sha256;
  EVP_MD* sha384;
  EVP_MD* sha512;
  EVP_CIPHER* aes_128_gcm;
  EVP_CIPHER* aes_256_gcm;
  EVP_CIPHER* chacha20_poly1305;
  EVP_CIPHER* aes_128_ccm;
  EVP_CIPHER* aes_256_ccm;
  EVP_CIPHER* aes_128_cbc;
  EVP_CIPHER* aes_256_cbc;

  Algs() {
    sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
    sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
    aes_128_gcm = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
    aes_256_gcm = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    chacha20_poly1305 = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
    aes_128_ccm = EVP_CIPHER_fetch(nullptr, "AES-128-CCM", nullptr);
    aes_256_ccm = EVP_CIPHER_fetch(nullptr, "AES-256-CCM", nullptr);
    aes_128_cbc = EVP_CIPHER_fetch(nullptr, "AES-128-CBC", nullptr);
    aes_256_cbc = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
    if (!sha1 || !sha256 || !sha384 || !sha512 || !aes_128_gcm || !aes_256_gcm || !chacha20_poly1305 ||
        !aes_128_ccm || !aes_256_ccm || !aes_128_cbc || !aes_256_cbc)
      fatal("fetching the algorithms");
  }
  // Kept for the life of the process (the provider is a process-wide singleton).
};

const Algs& algs() {
  static const Algs* a = new Algs();
  return *a;
}

const EVP_MD* md_of(HashAlg alg) {
  const Algs& a = algs();
  switch (alg) {
    case HashAlg::sha1: return a.sha1;
    case HashAlg::sha256: return a.sha256;
    case HashAlg::sha384: return a.sha384;
    case HashAlg::sha512: return a.sha512;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------
// Hashes and HMAC

// The running state of one of the four hashes, a plain struct: copying it forks the hash.
class ShaState {
 public:
  explicit ShaState(HashAlg alg) : alg_(alg) {
    switch (alg_) {
      case HashAlg::sha1: SHA1_Init(&u_.sha1); break;
      case HashAlg::sha256: SHA256_Init(&u_.sha256); break;
      case HashAlg::sha384: SHA384_Init(&u_.sha512); break;
      case HashAlg::sha512: SHA512_Init(&u_.sha512); break;
    }
  }
  ShaState(const ShaState&) = default;
  ShaState& operator=(const ShaState&) = default;
  // Wipes the context in use (explicit_bzero: OPENSSL_cleanse wrote the whole union a byte at a time,
  // several times per HMAC).
  ~ShaState() {
    switch (alg_) {
      case HashAlg::sha1: secure_zero(&u_.sha1, sizeof(u_.sha1)); break;
      case HashAlg::sha256: secure_zero(&u_.sha256, sizeof(u_.sha256)); break;
      case HashAlg::sha384:
      case HashAlg::sha512: secure_zero(&u_.sha512, sizeof(u_.sha512)); break;
    }
  }

  HashAlg alg() const { return alg_; }

  void update(const void* data, size_t len) {
    if (len == 0) return;
    switch (alg_) {
      case HashAlg::sha1: SHA1_Update(&u_.sha1, data, len); break;
      case HashAlg::sha256: SHA256_Update(&u_.sha256, data, len); break;
      case HashAlg::sha384: SHA384_Update(&u_.sha512, data, len); break;
      case HashAlg::sha512: SHA512_Update(&u_.sha512, data, len); break;
    }
  }

  // Writes hash_length(alg()) bytes; the state is spent afterwards.
  void finish(uint8_t* out) {
    switch (alg_) {
      case HashAlg::sha1: SHA1_Final(out, &u_.sha1); break;
      case HashAlg::sha256: SHA256_Final(out, &u_.sha256); break;
      case HashAlg::sha384: SHA384_Final(out, &u_.sha512); break;
      case HashAlg::sha512: SHA512_Final(out, &u_.sha512); break;
    }
  }

 private:
  HashAlg alg_;
  union {
    SHA_CTX sha1;
    SHA256_CTX sha256;
    SHA512_CTX sha512;  // SHA-384 too
  } u_;
};

class ShaHash final : public Hash {
 public:
  explicit ShaHash(HashAlg alg) : state_(alg) {}
  HashAlg alg() const override { return state_.alg(); }
  void update(ByteView data) override { state_.update(data.data(), data.size()); }
  void finish(uint8_t* out) override { state_.finish(out); }
  std::unique_ptr<Hash> clone() const override { return std::make_unique<ShaHash>(*this); }
  void peek(uint8_t* out) const override {
    ShaState copy = state_;
    copy.finish(out);
  }

 private:
  ShaState state_;
};

// HMAC (RFC 2104) over ShaState: keyed once (the states after the ipad and the opad block); every MAC
// runs on a copy of the inner state, and finish() returns to the keyed initial state. Every state is
// cleansed when it is dropped (ShaState's destructor).
// Keys `inner` and `outer` (fresh states of one hash) with the ipad and opad blocks of RFC 2104.
void hmac_key(ByteView key, ShaState* inner, ShaState* outer) {
  const size_t block = hash_block_length(inner->alg());
  uint8_t pad[128];
  std::memset(pad, 0, sizeof(pad));
  if (key.size() > block) {  // a key longer than a block is hashed first
    ShaState k(inner->alg());
    k.update(key.data(), key.size());
    k.finish(pad);
  } else if (!key.empty()) {
    std::memcpy(pad, key.data(), key.size());
  }
  for (size_t i = 0; i < block; i++) pad[i] ^= 0x36;
  inner->update(pad, block);
  for (size_t i = 0; i < block; i++) pad[i] ^= 0x36 ^ 0x5c;
  outer->update(pad, block);
  secure_zero(pad, sizeof(pad));
}

class ShaHmac final : public Hmac {
 public:
  ShaHmac(HashAlg alg, ByteView key) : inner_(alg), outer_(alg), work_(alg) {
    hmac_key(key, &inner_, &outer_);
    work_ = inner_;
  }

  void update(ByteView data) override { work_.update(data.data(), data.size()); }

  void finish(uint8_t* out) override {
    uint8_t inner_hash[kMaxHashLen];
    work_.finish(inner_hash);
    ShaState o = outer_;
    o.update(inner_hash, hash_length(o.alg()));
    o.finish(out);
    secure_zero(inner_hash, sizeof(inner_hash));
    work_ = inner_;
  }

 private:
  ShaState inner_, outer_, work_;
};

// ---------------------------------------------------------------------------------------------------
// Random generators

// HMAC-DRBG(SHA-256) of NIST SP 800-90A built by hand over ShaHmac, step for step as mbedTLS 2.28's
// mbedtls_hmac_drbg_seed_buf / mbedtls_hmac_drbg_random do it, so that a seed gives the same bytes on
// both providers: instantiate with K = 0^32, V = 1^32, then update(seed) (one round when the seed is
// empty, two otherwise); each request (at most 1024 bytes, mbedTLS's MBEDTLS_HMAC_DRBG_MAX_REQUEST)
// outputs V = HMAC(K, V) blocks, then update() with no data (one round). No reseeding (mbedTLS has no
// entropy callback after seed_buf), no prediction resistance, no additional input.
class HmacDrbg final : public Rng {
 public:
  static constexpr size_t kMaxRequest = 1024;
  static constexpr size_t kLen = 32;

  HmacDrbg() = default;
  ~HmacDrbg() override {
    OPENSSL_cleanse(k_, sizeof(k_));
    OPENSSL_cleanse(v_, sizeof(v_));
  }
  HmacDrbg(const HmacDrbg&) = delete;
  HmacDrbg& operator=(const HmacDrbg&) = delete;

  void seed(ByteView seed) {
    std::memset(k_, 0, kLen);
    std::memset(v_, 1, kLen);
    update(seed);
  }

  void fill(uint8_t* out, size_t n) override {
    while (n > 0) {
      size_t chunk = n < kMaxRequest ? n : kMaxRequest;
      for (size_t done = 0; done < chunk; done += kLen) {
        mac(v_, {}, 0, v_);
        size_t take = chunk - done < kLen ? chunk - done : kLen;
        std::memcpy(out + done, v_, take);
      }
      update(ByteView());
      out += chunk;
      n -= chunk;
    }
  }

 private:
  // SP 800-90A 10.1.2.2: K = HMAC(K, V || sep || data); V = HMAC(K, V), for sep = 0 and, when there is
  // data, sep = 1.
  void update(ByteView data) {
    int rounds = data.empty() ? 1 : 2;
    for (int sep = 0; sep < rounds; ++sep) {
      uint8_t s = static_cast<uint8_t>(sep);
      uint8_t k[kLen];
      mac(v_, data, s, k, true);
      std::memcpy(k_, k, kLen);
      OPENSSL_cleanse(k, kLen);
      mac(v_, {}, 0, v_);
    }
  }

  // out = HMAC(K, V [|| sep || data]) (with_sep), out may be V.
  void mac(const uint8_t* v, ByteView data, uint8_t sep, uint8_t* out, bool with_sep = false) {
    ShaHmac h(HashAlg::sha256, ByteView(k_, kLen));
    h.update(ByteView(v, kLen));
    if (with_sep) {
      h.update(ByteView(&sep, 1));
      h.update(data);
    }
    h.finish(out);
  }

  uint8_t k_[kLen];
  uint8_t v_[kLen];
};

// The operating system's entropy through libcrypto's public generator (OpenSSL 3.0: a CTR-DRBG per
// thread, seeded and reseeded from getrandom()).
class RandBytesRng final : public Rng {
 public:
  void fill(uint8_t* out, size_t n) override {
    while (n > 0) {
      int chunk = n < (1u << 20) ? static_cast<int>(n) : (1 << 20);
      if (RAND_bytes(out, chunk) != 1) fatal("RAND_bytes");
      out += chunk;
      n -= static_cast<size_t>(chunk);
    }
  }
};

// ---------------------------------------------------------------------------------------------------
// AEAD

class EvpAead final : public Aead {
 public:
  explicit EvpAead(AeadAlg alg) : alg_(alg) {}
  ~EvpAead() override {
    EVP_CIPHER_CTX_free(enc_);  // cleanses the key schedule
    EVP_CIPHER_CTX_free(dec_);
    OPENSSL_cleanse(key_, sizeof(key_));
  }
  EvpAead(const EvpAead&) = delete;
  EvpAead& operator=(const EvpAead&) = delete;

  // Keeps the key; each direction's context is made and keyed on its first use. A TLS record
  // protection seals or opens, never both, so the other direction's context (its allocation and key
  // schedule) is never made.
  bool set_key(ByteView key) {
    if (key.size() != static_cast<size_t>(EVP_CIPHER_get_key_length(cipher())) || key.size() > sizeof(key_))
      return false;
    std::memcpy(key_, key.data(), key.size());
    return true;
  }

  AeadAlg alg() const override { return alg_; }

  Status seal(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, uint8_t* tag) override {
    if (nonce.size() != kAeadNonceLength || (len > 0 && inout == nullptr)) return Status::bad_input;
    if (len > INT_MAX || aad.size() > INT_MAX) return Status::bad_input;
    int n = 0;
    if (!ready(true)) return fail();
    if (EVP_EncryptInit_ex2(enc_, nullptr, nullptr, nonce.data(), nullptr) != 1) return fail();
    // CCM needs the message length before the additional data, and one data call even for no data.
    if (ccm() && EVP_EncryptUpdate(enc_, nullptr, &n, nullptr, static_cast<int>(len)) != 1) return fail();
    if (!aad.empty() && EVP_EncryptUpdate(enc_, nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1)
      return fail();
    uint8_t empty[1] = {0};
    if ((len > 0 || ccm()) &&
        EVP_EncryptUpdate(enc_, len > 0 ? inout : empty, &n, len > 0 ? inout : empty, static_cast<int>(len)) != 1)
      return fail();
    uint8_t none[16];
    if (EVP_EncryptFinal_ex(enc_, none, &n) != 1) return fail();
    if (EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(aead_tag_length(alg_)), tag) != 1)
      return fail();
    return Status::ok;
  }

  Status open(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, const uint8_t* tag) override {
    if (nonce.size() != kAeadNonceLength || (len > 0 && inout == nullptr)) return Status::bad_input;
    if (len > INT_MAX || aad.size() > INT_MAX) return Status::bad_input;
    int n = 0;
    if (!ready(false)) return fail();
    if (EVP_DecryptInit_ex2(dec_, nullptr, nullptr, nonce.data(), nullptr) != 1) return fail();
    if (EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(aead_tag_length(alg_)),
                            const_cast<uint8_t*>(tag)) != 1)
      return fail();
    if (ccm()) {
      // CCM checks the tag in the data call itself (and wipes the output when it does not match); there
      // is no final step.
      if (EVP_DecryptUpdate(dec_, nullptr, &n, nullptr, static_cast<int>(len)) != 1) return fail();
      if (!aad.empty() && EVP_DecryptUpdate(dec_, nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1)
        return fail();
      uint8_t empty[1] = {0};
      if (EVP_DecryptUpdate(dec_, len > 0 ? inout : empty, &n, len > 0 ? inout : empty, static_cast<int>(len)) != 1) {
        libcrypto_clear_errors();
        if (len > 0) OPENSSL_cleanse(inout, len);
        return Status::bad_tag;
      }
      return Status::ok;
    }
    if (!aad.empty() && EVP_DecryptUpdate(dec_, nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1)
      return fail();
    if (len > 0 && EVP_DecryptUpdate(dec_, inout, &n, inout, static_cast<int>(len)) != 1) return fail();
    uint8_t none[16];
    if (EVP_DecryptFinal_ex(dec_, none, &n) != 1) {
      libcrypto_clear_errors();
      if (len > 0) OPENSSL_cleanse(inout, len);  // release no unauthenticated plaintext
      return Status::bad_tag;
    }
    return Status::ok;
  }

 private:
  static Status fail() {
    libcrypto_clear_errors();
    return Status::internal;
  }

  bool ccm() const {
    return alg_ == AeadAlg::aes_128_ccm || alg_ == AeadAlg::aes_256_ccm || alg_ == AeadAlg::aes_128_ccm_8 ||
           alg_ == AeadAlg::aes_256_ccm_8;
  }

  const EVP_CIPHER* cipher() const {
    const Algs& a = algs();
    return alg_ == AeadAlg::aes_128_gcm   ? a.aes_128_gcm
           : alg_ == AeadAlg::aes_256_gcm ? a.aes_256_gcm
           : alg_ == AeadAlg::aes_128_ccm || alg_ == AeadAlg::aes_128_ccm_8 ? a.aes_128_ccm
           : alg_ == AeadAlg::aes_256_ccm || alg_ == AeadAlg::aes_256_ccm_8 ? a.aes_256_ccm
                                                                            : a.chacha20_poly1305;
  }

  // The direction's context, made and keyed on first use; the kept key is wiped once both exist.
  bool ready(bool enc) {
    EVP_CIPHER_CTX*& ctx = enc ? enc_ : dec_;
    if (ctx != nullptr) return true;
    EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
    if (c == nullptr || !key_context(c, enc)) {
      EVP_CIPHER_CTX_free(c);
      return false;
    }
    ctx = c;
    if (enc_ != nullptr && dec_ != nullptr) OPENSSL_cleanse(key_, sizeof(key_));
    return true;
  }

  bool key_context(EVP_CIPHER_CTX* ctx, bool enc) {
    const EVP_CIPHER* c = cipher();
    auto init = [&](const EVP_CIPHER* cip, const uint8_t* key) {
      return (enc ? EVP_EncryptInit_ex2(ctx, cip, key, nullptr, nullptr)
                  : EVP_DecryptInit_ex2(ctx, cip, key, nullptr, nullptr)) == 1;
    };
    if (!ccm()) return init(c, key_);
    // CCM's nonce length (OpenSSL's default is 7) and tag length (default 12; 16 or, for CCM_8, 8 here)
    // must be set before the key: libcrypto fixes them into its CCM state when it takes the key. The tag
    // to check is given per record (open()), of the same length.
    return init(c, nullptr) &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kAeadNonceLength), nullptr) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(aead_tag_length(alg_)), nullptr) == 1 &&
           init(nullptr, key_);
  }

  AeadAlg alg_;
  EVP_CIPHER_CTX* enc_ = nullptr;
  EVP_CIPHER_CTX* dec_ = nullptr;
  uint8_t key_[32] = {};
};

// ---------------------------------------------------------------------------------------------------
// AES-CBC

class EvpCbc final : public CbcCipher {
 public:
  EvpCbc() : enc_(EVP_CIPHER_CTX_new()), dec_(EVP_CIPHER_CTX_new()) {}
  ~EvpCbc() override {
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_CTX_free(dec_);
  }
  EvpCbc(const EvpCbc&) = delete;
  EvpCbc& operator=(const EvpCbc&) = delete;

  bool set_key(ByteView key) {
    if (enc_ == nullptr || dec_ == nullptr) return false;
    const EVP_CIPHER* c = key.size() == 16 ? algs().aes_128_cbc : algs().aes_256_cbc;
    return EVP_EncryptInit_ex2(enc_, c, key.data(), nullptr, nullptr) == 1 &&
           EVP_DecryptInit_ex2(dec_, c, key.data(), nullptr, nullptr) == 1 &&
           EVP_CIPHER_CTX_set_padding(enc_, 0) == 1 && EVP_CIPHER_CTX_set_padding(dec_, 0) == 1;
  }

  Status encrypt(ByteView iv, uint8_t* inout, size_t len) override { return run(enc_, 1, iv, inout, len); }
  Status decrypt(ByteView iv, uint8_t* inout, size_t len) override { return run(dec_, 0, iv, inout, len); }

 private:
  static Status run(EVP_CIPHER_CTX* ctx, int enc, ByteView iv, uint8_t* inout, size_t len) {
    if (iv.size() != 16 || len % 16 != 0 || (len > 0 && inout == nullptr)) return Status::bad_input;
    if (len == 0) return Status::ok;
    if (len > INT_MAX) return Status::bad_input;
    int n = 0;
    if (EVP_CipherInit_ex2(ctx, nullptr, nullptr, iv.data(), enc, nullptr) != 1 ||
        EVP_CipherUpdate(ctx, inout, &n, inout, static_cast<int>(len)) != 1 || static_cast<size_t>(n) != len) {
      libcrypto_clear_errors();
      return Status::internal;
    }
    return Status::ok;
  }

  EVP_CIPHER_CTX* enc_;
  EVP_CIPHER_CTX* dec_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------------

void libcrypto_clear_errors() { ERR_clear_error(); }

const evp_md_st* libcrypto_md(HashAlg alg) { return md_of(alg); }

std::unique_ptr<Rng> make_libcrypto_deterministic_rng(ByteView seed) {
  auto rng = std::make_unique<HmacDrbg>();
  rng->seed(seed);
  return rng;
}

std::unique_ptr<Rng> make_libcrypto_system_rng() {
  auto rng = std::make_unique<RandBytesRng>();
  uint8_t probe[1];
  rng->fill(probe, 1);  // fail at creation, not at the first handshake, when the OS has no entropy
  return rng;
}

const Provider& libcrypto_provider() {
  static const LibcryptoProvider provider;
  return provider;
}

std::unique_ptr<Hash> LibcryptoProvider::hash(HashAlg alg) const {
  if (md_of(alg) == nullptr) return nullptr;
  return std::make_unique<ShaHash>(alg);
}

std::unique_ptr<Hmac> LibcryptoProvider::hmac(HashAlg alg, ByteView key) const {
  if (md_of(alg) == nullptr) return nullptr;
  return std::make_unique<ShaHmac>(alg, key);
}

// The one-shot HMAC on the stack: two states keyed, the message, the outer hash; nothing copied for a
// next message (ShaHmac keeps three states for that).
bool LibcryptoProvider::hmac_oneshot(HashAlg alg, ByteView key, const ByteView* parts, size_t n,
                                     uint8_t* out) const {
  if (md_of(alg) == nullptr) return false;
  ShaState inner(alg), outer(alg);
  hmac_key(key, &inner, &outer);
  for (size_t i = 0; i < n; i++) inner.update(parts[i].data(), parts[i].size());
  uint8_t inner_hash[kMaxHashLen];
  inner.finish(inner_hash);
  outer.update(inner_hash, hash_length(alg));
  outer.finish(out);
  secure_zero(inner_hash, sizeof(inner_hash));
  return true;
}

std::unique_ptr<Aead> LibcryptoProvider::aead(AeadAlg alg, ByteView key) const {
  if (key.size() != aead_key_length(alg)) return nullptr;
  auto a = std::make_unique<EvpAead>(alg);
  if (!a->set_key(key)) {
    libcrypto_clear_errors();
    return nullptr;
  }
  return a;
}

std::unique_ptr<CbcCipher> LibcryptoProvider::aes_cbc(ByteView key) const {
  if (key.size() != 16 && key.size() != 32) return nullptr;
  auto c = std::make_unique<EvpCbc>();
  if (!c->set_key(key)) {
    libcrypto_clear_errors();
    return nullptr;
  }
  return c;
}

namespace {

// Per-thread scratch for hmac_constant_time, so that a CBC record costs no allocation (libcrypto 3.0's
// EVP_MAC re-key and reset, and every EVP_MD_CTX copy, allocate a fresh provider context; only
// EVP_DigestInit_ex2 on a context that already holds the same fetched digest reuses it). Per hash: the
// inner and outer contexts of a hand-built HMAC (RFC 2104), and a context that only ever compresses
// dummy blocks. Created on a thread's first CBC record; freed (libcrypto cleanses them) when it ends.
struct CbcMacScratch {
  static constexpr size_t kHashes = 4;  // HashAlg's values
  EVP_MD_CTX* inner[kHashes] = {};
  EVP_MD_CTX* outer[kHashes] = {};
  EVP_MD_CTX* dummy[kHashes] = {};

  CbcMacScratch() = default;
  CbcMacScratch(const CbcMacScratch&) = delete;
  CbcMacScratch& operator=(const CbcMacScratch&) = delete;
  ~CbcMacScratch() {
    for (size_t i = 0; i < kHashes; i++) {
      EVP_MD_CTX_free(inner[i]);
      EVP_MD_CTX_free(outer[i]);
      EVP_MD_CTX_free(dummy[i]);
    }
  }

  // The three contexts of `alg`, created once; the dummy one is initialised once and never finished.
  bool get(HashAlg alg, const EVP_MD* md, EVP_MD_CTX** in, EVP_MD_CTX** out, EVP_MD_CTX** dum) {
    const size_t i = static_cast<size_t>(alg);
    if (i >= kHashes) return false;
    if (dummy[i] == nullptr) {
      EVP_MD_CTX* a = EVP_MD_CTX_new();
      EVP_MD_CTX* b = EVP_MD_CTX_new();
      EVP_MD_CTX* c = EVP_MD_CTX_new();
      if (a == nullptr || b == nullptr || c == nullptr || EVP_DigestInit_ex2(c, md, nullptr) != 1) {
        EVP_MD_CTX_free(a);
        EVP_MD_CTX_free(b);
        EVP_MD_CTX_free(c);
        return false;
      }
      inner[i] = a, outer[i] = b, dummy[i] = c;
    }
    *in = inner[i], *out = outer[i], *dum = dummy[i];
    return true;
  }
};

}  // namespace

// Lucky Thirteen countermeasure, the same construction as the mbedTLS provider (see the comment on
// MbedtlsProvider::hmac_constant_time): the MAC over header || data[0..data_len) is computed normally,
// then the compression function runs on dummy blocks as many more times as hashing
// header || data[0..max_len) would have needed. libcrypto has no public "process one block" call, so
// the dummy compressions are whole blocks fed to a separate, never-finished digest context: a
// block-aligned update of a SHA context with nothing buffered compresses each block once and buffers
// nothing, so its state never matters. Every byte of data[0..max_len) is also read, so the cache
// footprint does not depend on data_len.
//
// No allocation per record: the HMAC is RFC 2104 by hand over per-thread digest contexts
// (CbcMacScratch), re-initialised with EVP_DigestInit_ex2 and the same fetched digest, which reuses
// the provider context; the padded key blocks live on the stack and are cleansed, and both contexts
// are re-initialised after use so that no key-dependent state stays behind.
Status LibcryptoProvider::hmac_constant_time(HashAlg alg, ByteView key, ByteView header, const uint8_t* data,
                                             size_t data_len, size_t max_len, uint8_t* out) const {
  const EVP_MD* md = md_of(alg);
  if (md == nullptr) return Status::unsupported;
  if (data_len > max_len || (max_len > 0 && data == nullptr) || out == nullptr) return Status::bad_input;
  if (max_len > (SIZE_MAX / 4) || header.size() > (SIZE_MAX / 4)) return Status::bad_input;
  const size_t block = hash_block_length(alg);
  const size_t hlen = hash_length(alg);
  const size_t len_field = block == 128 ? 16 : 8;
  auto blocks = [&](size_t msg_len) { return (msg_len + 1 + len_field + block - 1) / block; };
  const size_t extra = blocks(header.size() + max_len) - blocks(header.size() + data_len);

  thread_local CbcMacScratch scratch;
  EVP_MD_CTX *in = nullptr, *outer = nullptr, *dummy = nullptr;
  if (!scratch.get(alg, md, &in, &outer, &dummy)) {
    libcrypto_clear_errors();
    return Status::internal;
  }
  uint8_t ipad[128], opad[128], inner_hash[kMaxHashLen];
  std::memset(ipad, 0, sizeof(ipad));
  bool ok = true;
  if (key.size() > block) {  // a key longer than a block is hashed first (never for TLS's MAC keys)
    unsigned int n = 0;
    ok = EVP_DigestInit_ex2(outer, md, nullptr) == 1 && EVP_DigestUpdate(outer, key.data(), key.size()) == 1 &&
         EVP_DigestFinal_ex(outer, ipad, &n) == 1;
  } else if (!key.empty()) {
    std::memcpy(ipad, key.data(), key.size());
  }
  for (size_t i = 0; i < block; i++) {
    opad[i] = static_cast<uint8_t>(ipad[i] ^ 0x5c);
    ipad[i] = static_cast<uint8_t>(ipad[i] ^ 0x36);
  }
  unsigned int n = 0;
  ok = ok && EVP_DigestInit_ex2(in, md, nullptr) == 1 && EVP_DigestUpdate(in, ipad, block) == 1 &&
       EVP_DigestUpdate(in, header.data(), header.size()) == 1 &&
       (data_len == 0 || EVP_DigestUpdate(in, data, data_len) == 1) && EVP_DigestFinal_ex(in, inner_hash, &n) == 1 &&
       EVP_DigestInit_ex2(outer, md, nullptr) == 1 && EVP_DigestUpdate(outer, opad, block) == 1 &&
       EVP_DigestUpdate(outer, inner_hash, hlen) == 1 && EVP_DigestFinal_ex(outer, out, &n) == 1;
  // Leave nothing key-dependent in the per-thread contexts.
  ok = ok && EVP_DigestInit_ex2(in, md, nullptr) == 1 && EVP_DigestInit_ex2(outer, md, nullptr) == 1;
  OPENSSL_cleanse(ipad, sizeof(ipad));
  OPENSSL_cleanse(opad, sizeof(opad));
  OPENSSL_cleanse(inner_hash, sizeof(inner_hash));

  static const uint8_t kZeros[128] = {0};
  for (size_t i = 0; ok && i < extra; i++) ok = EVP_DigestUpdate(dummy, kZeros, block) == 1;

  uint8_t acc = 0;
  for (size_t i = 0; i < max_len; i++) acc = static_cast<uint8_t>(acc ^ data[i]);
  volatile uint8_t sink = acc;
  (void)sink;
  if (!ok) {
    libcrypto_clear_errors();
    return Status::internal;
  }
  return Status::ok;
}

}  // namespace crypto
}  // namespace sanstls
