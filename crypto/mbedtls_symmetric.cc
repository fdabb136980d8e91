// The symmetric half of the mbedTLS 2.28 provider: random generators, hashes, HMAC, AEAD, AES-CBC and the
// constant-time MAC for CBC records.
//
// Implementation notes, in one place:
// - Hash and HMAC go through mbedTLS's generic md layer (mbedtls_md_*), whose contexts clone with
//   mbedtls_md_clone. The md functions fail only on invalid arguments or allocation failure (at
//   setup); since the Hash/Hmac interfaces have no error channel, a failure after setup aborts.
// - AES-GCM encryption runs in place, as mbedTLS documents it may. mbedTLS 2.28 documents GCM
//   decryption as NOT in place, so open() decrypts through a small stack buffer in chunks and checks
//   the tag itself in constant time (no heap allocation per record).
// - ChaCha20-Poly1305 runs in place in both directions (chacha20.h allows equal input and output);
//   mbedtls_chachapoly_auth_decrypt compares the tag in constant time.
// - AES-CCM runs in place in both directions (ccm.c reads each block of input before it writes that
//   block of output); mbedtls_ccm_auth_decrypt compares the tag in constant time and wipes the output
//   when it does not match.
// - AES-CBC decryption keeps a decryption key schedule next to the encryption one; the caller's iv is
//   copied, never modified.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "crypto/mbedtls.h"
#include "crypto/mbedtls_provider.h"
#include "mbedtls/aes.h"
#include "mbedtls/ccm.h"
#include "mbedtls/chachapoly.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/gcm.h"
#include "mbedtls/hmac_drbg.h"
#include "mbedtls/md.h"
#include "mbedtls/platform_util.h"

namespace sanstls {
namespace crypto {
namespace {

[[noreturn]] void fatal(const char* what, int ret) {
  std::fprintf(stderr, "sanstls crypto: %s failed (mbedTLS error -0x%04x)\n", what, static_cast<unsigned>(-ret));
  std::abort();
}

// mbedTLS checks pointers even for empty buffers in some builds: never hand it a null pointer.
const uint8_t kEmpty[1] = {0};
const uint8_t* ptr_or_empty(ByteView v) { return v.data() != nullptr ? v.data() : kEmpty; }

const mbedtls_md_info_t* md_info(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    case HashAlg::sha256: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    case HashAlg::sha384: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
    case HashAlg::sha512: return mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------------
// Random generators

class DeterministicRng final : public Rng {
 public:
  DeterministicRng() { mbedtls_hmac_drbg_init(&ctx_); }
  ~DeterministicRng() override { mbedtls_hmac_drbg_free(&ctx_); }
  DeterministicRng(const DeterministicRng&) = delete;
  DeterministicRng& operator=(const DeterministicRng&) = delete;

  bool seed(ByteView seed) {
    // seed_buf instantiates without an entropy callback: the DRBG never reseeds and has no prediction
    // resistance, so its output is a function of the seed and of the sizes of the fill() calls.
    return mbedtls_hmac_drbg_seed_buf(&ctx_, md_info(HashAlg::sha256), ptr_or_empty(seed), seed.size()) == 0;
  }

  void fill(uint8_t* out, size_t n) override {
    while (n > 0) {
      size_t chunk = n < MBEDTLS_HMAC_DRBG_MAX_REQUEST ? n : MBEDTLS_HMAC_DRBG_MAX_REQUEST;
      int ret = mbedtls_hmac_drbg_random(&ctx_, out, chunk);
      if (ret != 0) fatal("mbedtls_hmac_drbg_random", ret);
      out += chunk;
      n -= chunk;
    }
  }

 private:
  mbedtls_hmac_drbg_context ctx_;
};

class SystemRng final : public Rng {
 public:
  SystemRng() {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&ctx_);
  }
  ~SystemRng() override {
    mbedtls_ctr_drbg_free(&ctx_);
    mbedtls_entropy_free(&entropy_);
  }
  SystemRng(const SystemRng&) = delete;
  SystemRng& operator=(const SystemRng&) = delete;

  bool seed() {
    static const char kPersonalization[] = "sanstls system rng";
    return mbedtls_ctr_drbg_seed(&ctx_, mbedtls_entropy_func, &entropy_,
                                 reinterpret_cast<const unsigned char*>(kPersonalization),
                                 sizeof(kPersonalization) - 1) == 0;
  }

  void fill(uint8_t* out, size_t n) override {
    while (n > 0) {
      size_t chunk = n < MBEDTLS_CTR_DRBG_MAX_REQUEST ? n : MBEDTLS_CTR_DRBG_MAX_REQUEST;
      int ret = mbedtls_ctr_drbg_random(&ctx_, out, chunk);
      if (ret != 0) fatal("mbedtls_ctr_drbg_random", ret);
      out += chunk;
      n -= chunk;
    }
  }

 private:
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context ctx_;
};

// ---------------------------------------------------------------------------------------------------
// Hashes and HMAC

class MdHash final : public Hash {
 public:
  explicit MdHash(HashAlg alg) : alg_(alg) { mbedtls_md_init(&ctx_); }
  ~MdHash() override { mbedtls_md_free(&ctx_); }
  MdHash(const MdHash&) = delete;
  MdHash& operator=(const MdHash&) = delete;

  bool setup() { return mbedtls_md_setup(&ctx_, md_info(alg_), 0) == 0; }
  bool start() { return mbedtls_md_starts(&ctx_) == 0; }

  HashAlg alg() const override { return alg_; }

  void update(ByteView data) override {
    if (data.empty()) return;
    int ret = mbedtls_md_update(&ctx_, data.data(), data.size());
    if (ret != 0) fatal("mbedtls_md_update", ret);
  }

  void finish(uint8_t* out) override {
    int ret = mbedtls_md_finish(&ctx_, out);
    if (ret != 0) fatal("mbedtls_md_finish", ret);
  }

  std::unique_ptr<Hash> clone() const override {
    auto copy = std::make_unique<MdHash>(alg_);
    if (!copy->setup()) return nullptr;
    int ret = mbedtls_md_clone(&copy->ctx_, &ctx_);
    if (ret != 0) fatal("mbedtls_md_clone", ret);
    return copy;
  }

 private:
  HashAlg alg_;
  mbedtls_md_context_t ctx_;
};

// HMAC (RFC 2104) over two hash states keyed once: the inner state after H(K ^ ipad) and the outer
// after H(K ^ opad). Each MAC then starts from copies of them, which saves the two pad compressions
// that mbedtls_md_hmac_finish/reset would redo for every MAC (the TLS 1.2 PRF makes many per key).
class MdHmac final : public Hmac {
 public:
  MdHmac() {
    for (mbedtls_md_context_t* c : {&inner0_, &outer0_, &cur_, &tmp_}) mbedtls_md_init(c);
  }
  ~MdHmac() override {
    for (mbedtls_md_context_t* c : {&inner0_, &outer0_, &cur_, &tmp_}) mbedtls_md_free(c);  // zeroizes
  }
  MdHmac(const MdHmac&) = delete;
  MdHmac& operator=(const MdHmac&) = delete;

  bool setup(HashAlg alg, ByteView key) {
    const mbedtls_md_info_t* info = md_info(alg);
    for (mbedtls_md_context_t* c : {&inner0_, &outer0_, &cur_, &tmp_})
      if (mbedtls_md_setup(c, info, 0) != 0) return false;
    hlen_ = hash_length(alg);
    const size_t block = hash_block_length(alg);
    uint8_t k[128] = {0};  // the key padded to the block (hashed first when longer)
    if (key.size() > block) {
      if (mbedtls_md(info, key.data(), key.size(), k) != 0) return false;
    } else if (!key.empty()) {
      std::memcpy(k, key.data(), key.size());
    }
    uint8_t pad[128];
    for (size_t i = 0; i < block; i++) pad[i] = static_cast<uint8_t>(k[i] ^ 0x36);
    bool ok = mbedtls_md_starts(&inner0_) == 0 && mbedtls_md_update(&inner0_, pad, block) == 0;
    for (size_t i = 0; i < block; i++) pad[i] = static_cast<uint8_t>(k[i] ^ 0x5c);
    ok = ok && mbedtls_md_starts(&outer0_) == 0 && mbedtls_md_update(&outer0_, pad, block) == 0;
    secure_zero(k, sizeof(k));
    secure_zero(pad, sizeof(pad));
    return ok && mbedtls_md_clone(&cur_, &inner0_) == 0;
  }

  void update(ByteView data) override {
    if (data.empty()) return;
    int ret = mbedtls_md_update(&cur_, data.data(), data.size());
    if (ret != 0) fatal("mbedtls_md_update", ret);
  }

  void finish(uint8_t* out) override {
    uint8_t inner[MBEDTLS_MD_MAX_SIZE];
    int ret = mbedtls_md_finish(&cur_, inner);
    if (ret == 0) ret = mbedtls_md_clone(&tmp_, &outer0_);
    if (ret == 0) ret = mbedtls_md_update(&tmp_, inner, hlen_);
    if (ret == 0) ret = mbedtls_md_finish(&tmp_, out);
    if (ret == 0) ret = mbedtls_md_clone(&cur_, &inner0_);  // ready for the next message
    secure_zero(inner, sizeof(inner));
    if (ret != 0) fatal("HMAC finish", ret);
  }

 private:
  mbedtls_md_context_t inner0_, outer0_, cur_, tmp_;
  size_t hlen_ = 0;
};

// ---------------------------------------------------------------------------------------------------
// AEAD

class GcmAead final : public Aead {
 public:
  explicit GcmAead(AeadAlg alg) : alg_(alg) { mbedtls_gcm_init(&ctx_); }
  ~GcmAead() override { mbedtls_gcm_free(&ctx_); }
  GcmAead(const GcmAead&) = delete;
  GcmAead& operator=(const GcmAead&) = delete;

  bool set_key(ByteView key) {
    return mbedtls_gcm_setkey(&ctx_, MBEDTLS_CIPHER_ID_AES, key.data(),
                              static_cast<unsigned>(key.size() * 8)) == 0;
  }

  AeadAlg alg() const override { return alg_; }

  Status seal(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, uint8_t* tag) override {
    if (nonce.size() != kAeadNonceLength || (len > 0 && inout == nullptr)) return Status::bad_input;
    uint8_t* data = len > 0 ? inout : const_cast<uint8_t*>(kEmpty);
    int ret = mbedtls_gcm_crypt_and_tag(&ctx_, MBEDTLS_GCM_ENCRYPT, len, nonce.data(), nonce.size(),
                                        ptr_or_empty(aad), aad.size(), data, data, kAeadTagLength, tag);
    return ret == 0 ? Status::ok : Status::internal;
  }

  Status open(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, const uint8_t* tag) override {
    if (nonce.size() != kAeadNonceLength || (len > 0 && inout == nullptr)) return Status::bad_input;
    int ret = mbedtls_gcm_starts(&ctx_, MBEDTLS_GCM_DECRYPT, nonce.data(), nonce.size(), ptr_or_empty(aad),
                                 aad.size());
    if (ret != 0) return Status::internal;
    // Chunks are multiples of 16 bytes except the last, as mbedtls_gcm_update requires.
    uint8_t buf[256];
    for (size_t off = 0; off < len;) {
      size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);
      ret = mbedtls_gcm_update(&ctx_, n, inout + off, buf);
      if (ret != 0) break;
      std::memcpy(inout + off, buf, n);
      off += n;
    }
    uint8_t computed[kAeadTagLength];
    if (ret == 0) ret = mbedtls_gcm_finish(&ctx_, computed, sizeof(computed));
    mbedtls_platform_zeroize(buf, sizeof(buf));
    if (ret != 0) return Status::internal;
    if (!constant_time_equal(ByteView(computed, sizeof(computed)), ByteView(tag, kAeadTagLength))) {
      if (len > 0) mbedtls_platform_zeroize(inout, len);  // release no unauthenticated plaintext
      return Status::bad_tag;
    }
    return Status::ok;
  }

 private:
  AeadAlg alg_;
  mbedtls_gcm_context ctx_;
};

class CcmAead final : public Aead {
 public:
  explicit CcmAead(AeadAlg alg) : alg_(alg) { mbedtls_ccm_init(&ctx_); }
  ~CcmAead() override { mbedtls_ccm_free(&ctx_); }
  CcmAead(const CcmAead&) = delete;
  CcmAead& operator=(const CcmAead&) = delete;

  bool set_key(ByteView key) {
    return mbedtls_ccm_setkey(&ctx_, MBEDTLS_CIPHER_ID_AES, key.data(), static_cast<unsigned>(key.size() * 8)) == 0;
  }

  AeadAlg alg() const override { return alg_; }

  Status seal(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, uint8_t* tag) override {
    if (nonce.size() != kAeadNonceLength || (len > 0 && inout == nullptr)) return Status::bad_input;
    uint8_t* data = len > 0 ? inout : const_cast<uint8_t*>(kEmpty);
    int ret = mbedtls_ccm_encrypt_and_tag(&ctx_, len, nonce.data(), nonce.size(), ptr_or_empty(aad), aad.size(),
                                          data, data, tag, aead_tag_length(alg_));
    return ret == 0 ? Status::ok : Status::internal;
  }

  Status open(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, const uint8_t* tag) override {
    if (nonce.size() != kAeadNonceLength || (len > 0 && inout == nullptr)) return Status::bad_input;
    uint8_t* data = len > 0 ? inout : const_cast<uint8_t*>(kEmpty);
    int ret = mbedtls_ccm_auth_decrypt(&ctx_, len, nonce.data(), nonce.size(), ptr_or_empty(aad), aad.size(), data,
                                       data, tag, aead_tag_length(alg_));
    if (ret == MBEDTLS_ERR_CCM_AUTH_FAILED) return Status::bad_tag;  // mbedTLS zeroed the output
    return ret == 0 ? Status::ok : Status::internal;
  }

 private:
  AeadAlg alg_;
  mbedtls_ccm_context ctx_;
};

class ChachaPolyAead final : public Aead {
 public:
  ChachaPolyAead() { mbedtls_chachapoly_init(&ctx_); }
  ~ChachaPolyAead() override { mbedtls_chachapoly_free(&ctx_); }
  ChachaPolyAead(const ChachaPolyAead&) = delete;
  ChachaPolyAead& operator=(const ChachaPolyAead&) = delete;

  bool set_key(ByteView key) { return key.size() == 32 && mbedtls_chachapoly_setkey(&ctx_, key.data()) == 0; }

  AeadAlg alg() const override { return AeadAlg::chacha20_poly1305; }

  Status seal(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, uint8_t* tag) override {
    if (nonce.size() != kAeadNonceLength || (len > 0 && inout == nullptr)) return Status::bad_input;
    uint8_t* data = len > 0 ? inout : const_cast<uint8_t*>(kEmpty);
    int ret = mbedtls_chachapoly_encrypt_and_tag(&ctx_, len, nonce.data(), ptr_or_empty(aad), aad.size(), data,
                                                 data, tag);
    return ret == 0 ? Status::ok : Status::internal;
  }

  Status open(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, const uint8_t* tag) override {
    if (nonce.size() != kAeadNonceLength || (len > 0 && inout == nullptr)) return Status::bad_input;
    uint8_t* data = len > 0 ? inout : const_cast<uint8_t*>(kEmpty);
    int ret = mbedtls_chachapoly_auth_decrypt(&ctx_, len, nonce.data(), ptr_or_empty(aad), aad.size(), tag,
                                              data, data);
    if (ret == MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED) return Status::bad_tag;  // mbedTLS zeroed the output
    return ret == 0 ? Status::ok : Status::internal;
  }

 private:
  mbedtls_chachapoly_context ctx_;
};

// ---------------------------------------------------------------------------------------------------
// AES-CBC

class AesCbc final : public CbcCipher {
 public:
  AesCbc() {
    mbedtls_aes_init(&enc_);
    mbedtls_aes_init(&dec_);
  }
  ~AesCbc() override {
    mbedtls_aes_free(&enc_);
    mbedtls_aes_free(&dec_);
  }
  AesCbc(const AesCbc&) = delete;
  AesCbc& operator=(const AesCbc&) = delete;

  bool set_key(ByteView key) {
    unsigned bits = static_cast<unsigned>(key.size() * 8);
    return mbedtls_aes_setkey_enc(&enc_, key.data(), bits) == 0 &&
           mbedtls_aes_setkey_dec(&dec_, key.data(), bits) == 0;
  }

  Status encrypt(ByteView iv, uint8_t* inout, size_t len) override {
    return run(&enc_, MBEDTLS_AES_ENCRYPT, iv, inout, len);
  }
  Status decrypt(ByteView iv, uint8_t* inout, size_t len) override {
    return run(&dec_, MBEDTLS_AES_DECRYPT, iv, inout, len);
  }

 private:
  static Status run(mbedtls_aes_context* ctx, int mode, ByteView iv, uint8_t* inout, size_t len) {
    if (iv.size() != 16 || len % 16 != 0 || (len > 0 && inout == nullptr)) return Status::bad_input;
    if (len == 0) return Status::ok;
    uint8_t chain[16];
    std::memcpy(chain, iv.data(), 16);
    int ret = mbedtls_aes_crypt_cbc(ctx, mode, len, chain, inout, inout);
    return ret == 0 ? Status::ok : Status::internal;
  }

  mbedtls_aes_context enc_;
  mbedtls_aes_context dec_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------------

int mbedtls_rng_callback(void* p_rng, unsigned char* out, size_t len) {
  if (len > 0) static_cast<Rng*>(p_rng)->fill(out, len);
  return 0;
}

std::unique_ptr<Rng> make_mbedtls_deterministic_rng(ByteView seed) {
  auto rng = std::make_unique<DeterministicRng>();
  if (!rng->seed(seed)) fatal("mbedtls_hmac_drbg_seed_buf", -1);
  return rng;
}

std::unique_ptr<Rng> make_mbedtls_system_rng() {
  auto rng = std::make_unique<SystemRng>();
  if (!rng->seed()) fatal("mbedtls_ctr_drbg_seed", -1);
  return rng;
}

const Provider& mbedtls_provider() {
  static const MbedtlsProvider provider;
  return provider;
}

std::unique_ptr<Hash> MbedtlsProvider::hash(HashAlg alg) const {
  if (md_info(alg) == nullptr) return nullptr;
  auto h = std::make_unique<MdHash>(alg);
  if (!h->setup() || !h->start()) return nullptr;
  return h;
}

std::unique_ptr<Hmac> MbedtlsProvider::hmac(HashAlg alg, ByteView key) const {
  if (md_info(alg) == nullptr) return nullptr;
  auto h = std::make_unique<MdHmac>();
  if (!h->setup(alg, key)) return nullptr;
  return h;
}

std::unique_ptr<Aead> MbedtlsProvider::aead(AeadAlg alg, ByteView key) const {
  if (key.size() != aead_key_length(alg)) return nullptr;
  switch (alg) {
    case AeadAlg::aes_128_gcm:
    case AeadAlg::aes_256_gcm: {
      auto a = std::make_unique<GcmAead>(alg);
      if (!a->set_key(key)) return nullptr;
      return a;
    }
    case AeadAlg::aes_128_ccm:
    case AeadAlg::aes_256_ccm:
    case AeadAlg::aes_128_ccm_8:  // the same cipher; the tag length is given per call
    case AeadAlg::aes_256_ccm_8: {
      auto a = std::make_unique<CcmAead>(alg);
      if (!a->set_key(key)) return nullptr;
      return a;
    }
    case AeadAlg::chacha20_poly1305: {
      auto a = std::make_unique<ChachaPolyAead>();
      if (!a->set_key(key)) return nullptr;
      return a;
    }
  }
  return nullptr;
}

std::unique_ptr<CbcCipher> MbedtlsProvider::aes_cbc(ByteView key) const {
  if (key.size() != 16 && key.size() != 32) return nullptr;
  auto c = std::make_unique<AesCbc>();
  if (!c->set_key(key)) return nullptr;
  return c;
}

// Lucky Thirteen countermeasure (AlFardan & Paterson 2013; RFC 5246 section 6.2.3.2 note). The MAC over
// header || data[0..data_len) is computed normally; then the compression function runs on a dummy block
// as many more times as hashing header || data[0..max_len) would have needed. The inner hash of
// HMAC processes 1 (key ^ ipad) + ceil((L + 1 + len_field) / block) blocks for an L-byte message, where
// len_field is the length encoding of the padding (8 bytes for SHA-1/SHA-256, 16 for SHA-384/512);
// the outer hash costs the same for every message. Every byte of data[0..max_len) is also read, so
// the data's cache footprint does not depend on data_len either.
Status MbedtlsProvider::hmac_constant_time(HashAlg alg, ByteView key, ByteView header, const uint8_t* data,
                                           size_t data_len, size_t max_len, uint8_t* out) const {
  const mbedtls_md_info_t* info = md_info(alg);
  if (info == nullptr) return Status::unsupported;
  if (data_len > max_len || (max_len > 0 && data == nullptr) || out == nullptr) return Status::bad_input;
  const size_t block = hash_block_length(alg);
  const size_t len_field = block == 128 ? 16 : 8;
  if (max_len > (SIZE_MAX / 4) || header.size() > (SIZE_MAX / 4)) return Status::bad_input;
  auto blocks = [&](size_t msg_len) { return (msg_len + 1 + len_field + block - 1) / block; };
  const size_t extra = blocks(header.size() + max_len) - blocks(header.size() + data_len);

  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  int ret = mbedtls_md_setup(&ctx, info, 1);
  if (ret == 0) ret = mbedtls_md_hmac_starts(&ctx, ptr_or_empty(key), key.size());
  if (ret == 0 && !header.empty()) ret = mbedtls_md_hmac_update(&ctx, header.data(), header.size());
  if (ret == 0 && data_len > 0) ret = mbedtls_md_hmac_update(&ctx, data, data_len);
  if (ret == 0) ret = mbedtls_md_hmac_finish(&ctx, out);
  // The MAC is in `out`; the context's hash state is now scratch for the dummy compressions.
  uint8_t dummy[128] = {0};
  for (size_t i = 0; ret == 0 && i < extra; i++) ret = mbedtls_md_process(&ctx, dummy);
  mbedtls_md_free(&ctx);

  uint8_t acc = 0;
  for (size_t i = 0; i < max_len; i++) acc = static_cast<uint8_t>(acc ^ data[i]);
  volatile uint8_t sink = acc;
  (void)sink;
  return ret == 0 ? Status::ok : Status::internal;
}

}  // namespace crypto
}  // namespace sanstls
