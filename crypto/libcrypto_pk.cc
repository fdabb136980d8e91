// Public-key half of the OpenSSL 3.0 libcrypto provider: key shares (X25519, X448, P-256, P-384, P-521,
// FFDHE and server-chosen DH), private and public keys, signatures, RSA key exchange.
//
// Randomness. libcrypto draws the random values of its own operations from its DRBG, which crypto.h
// forbids for anything that reaches an output. So:
// - key shares take their private values from the Rng exactly as crypto.h says and are imported with
//   EVP_PKEY_fromdata (X25519, X448: the private key, libcrypto computes the public one; NIST curves: public
//   point computed with EC_POINT_mul), on per-thread contexts whose key manager is fetched once (see
//   fromdata); X25519 runs through EVP_PKEY_derive, ECDH over EC_POINT (see EcKeyShare);
// - ECDSA signing is done here over BIGNUM / EC_POINT (s = k^-1 (z + r d) mod n) with k drawn from the
//   Rng like a NIST key-share scalar (32, 48 or 66 bytes, again while 0 or >= n). libcrypto 3.0 offers no
//   way to hand EVP_PKEY_sign a nonce. The point multiplication is libcrypto's constant-time ladder (or
//   the P-256 assembly); k^-1 (z + r d) mod n is computed blinded by a random b (libcrypto's private
//   generator; it cancels out, so the signature stays a function of the Rng) as b (z + r d) (k b)^-1:
//   every secret operand of BN_mod_mul / BN_mod_add is then a uniformly random value (b d,
//   b (z + r d), k b), and the one inversion is of the blinded k b (see sign_ecdsa);
// - RSA-PSS signing encodes EMSA-PSS here with the salt from the Rng and runs the raw private
//   operation (EVP_PKEY_sign with RSA_NO_PADDING); PKCS#1 v1.5 signing is deterministic and goes
//   through EVP_DigestSign;
// - RSA PKCS#1 v1.5 encryption pads here with non-zero bytes from the Rng and encrypts raw
//   (RSA_NO_PADDING); the premaster decryption decrypts raw and checks the padding in constant time.
// RSA private operations are blinded by libcrypto with its own generator: that never changes a
// result, so it is allowed.
// - Finite-field DH is modular exponentiation over BIGNUM (BN_mod_exp_mont_consttime): the exponent is
//   drawn as crypto.h says, and the peer checks are the mbedTLS provider's.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>
#include <mutex>

#include "crypto/libcrypto_provider.h"

namespace sanstls {
namespace crypto {
namespace {

// ---------------------------------------------------------------------------------------------------
// RAII holders.

struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnDeleter>;
struct BnCtxDeleter {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using BnCtx = std::unique_ptr<BN_CTX, BnCtxDeleter>;
struct PointDeleter {
  void operator()(EC_POINT* p) const { EC_POINT_clear_free(p); }
};
using Point = std::unique_ptr<EC_POINT, PointDeleter>;
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

Bn bn_new() { return Bn(BN_new()); }
Bn bn_from(ByteView b) { return Bn(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr)); }

// Big-endian, left-padded to n bytes (empty when it does not fit).
Bytes bn_to_bytes(const BIGNUM* x, size_t n) {
  Bytes out(n);
  if (BN_bn2binpad(x, out.data(), static_cast<int>(n)) < 0) return Bytes();
  return out;
}

PkeyCtx pkey_ctx(EVP_PKEY* k) { return PkeyCtx(EVP_PKEY_CTX_new_from_pkey(nullptr, k, nullptr)); }

// An EVP_PKEY of a key type from OSSL_PARAMs. EVP_PKEY_new_raw_*_key and EVP_PKEY_CTX_new_from_name
// fetch the key manager by name on every call (a name-map and method-store lookup under a lock: 10 %
// of a TLS 1.3 handshake's instructions in callgrind); here each thread makes one context per key type,
// once, and EVP_PKEY_fromdata_init re-arms it for each key (it keeps the fetched EVP_KEYMGMT).
enum class ShareType { x25519, x448, count };

Pkey fromdata(ShareType type, int selection, OSSL_PARAM* params) {
  struct Ctxs {
    EVP_PKEY_CTX* ctx[static_cast<int>(ShareType::count)] = {};
    ~Ctxs() {
      for (EVP_PKEY_CTX* c : ctx) EVP_PKEY_CTX_free(c);
    }
  };
  thread_local Ctxs ctxs;
  EVP_PKEY_CTX*& ctx = ctxs.ctx[static_cast<int>(type)];
  if (ctx == nullptr) {
    ctx = EVP_PKEY_CTX_new_from_name(nullptr, type == ShareType::x25519 ? "X25519" : "X448", nullptr);
    if (ctx == nullptr) return nullptr;
  }
  EVP_PKEY* k = nullptr;
  if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &k, selection, params) != 1) {
    EVP_PKEY_free(k);
    return nullptr;
  }
  return Pkey(k);
}

// An X25519 (32-byte) or X448 (56-byte) EVP_PKEY from a raw private key (the public key is computed) or
// a raw public key.
Pkey montgomery_pkey(bool x448, const uint8_t* raw, bool is_private) {
  OSSL_PARAM params[2];
  params[0] = OSSL_PARAM_construct_octet_string(is_private ? OSSL_PKEY_PARAM_PRIV_KEY : OSSL_PKEY_PARAM_PUB_KEY,
                                                const_cast<uint8_t*>(raw), x448 ? 56 : 32);
  params[1] = OSSL_PARAM_construct_end();
  return fromdata(x448 ? ShareType::x448 : ShareType::x25519, is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                  params);
}

// ---------------------------------------------------------------------------------------------------
// Constant-time helpers (masks are all ones for true, zero for false).

uint32_t ct_is_zero(uint32_t x) { return 0u - ((~x & (x - 1)) >> 31); }
uint32_t ct_eq(uint32_t a, uint32_t b) { return ct_is_zero(a ^ b); }
uint8_t ct_select8(uint32_t mask, uint8_t a, uint8_t b) { return static_cast<uint8_t>((mask & a) | (~mask & b)); }

// ---------------------------------------------------------------------------------------------------
// NIST curves, loaded once.

struct Curve {
  int nid;
  EC_GROUP* group;
  size_t plen;  // bytes of a field element (and of a scalar: the orders have the field's bit length)
};

const Curve* curve_by_nid(int nid) {
  static const Curve* curves = [] {
    static Curve c[] = {
        {NID_X9_62_prime256v1, nullptr, 0},
        {NID_secp384r1, nullptr, 0},
        {NID_secp521r1, nullptr, 0},
    };
    for (Curve& x : c) {
      x.group = EC_GROUP_new_by_curve_name(x.nid);
      if (x.group != nullptr) x.plen = (static_cast<size_t>(EC_GROUP_get_degree(x.group)) + 7) / 8;
    }
    return c;
  }();
  for (size_t i = 0; i < 3; i++)
    if (curves[i].nid == nid && curves[i].group != nullptr) return &curves[i];
  return nullptr;
}

// Draws a scalar in [1, n-1] as crypto.h says for the NIST key shares: plen bytes, big-endian (the
// bits above the order's length cleared for P-521), again while 0 or >= n.
Bn draw_scalar(const Curve& c, Rng& rng) {
  const BIGNUM* order = EC_GROUP_get0_order(c.group);
  const int order_bits = BN_num_bits(order);
  uint8_t buf[66];
  for (;;) {
    rng.fill(buf, c.plen);
    if (order_bits % 8 != 0) buf[0] &= static_cast<uint8_t>((1u << (order_bits % 8)) - 1);
    Bn d(BN_bin2bn(buf, static_cast<int>(c.plen), nullptr));
    OPENSSL_cleanse(buf, sizeof(buf));
    if (!d) return nullptr;
    if (!BN_is_zero(d.get()) && BN_cmp(d.get(), order) < 0) {
      BN_set_flags(d.get(), BN_FLG_CONSTTIME);
      return d;
    }
  }
}

// EVP_PKEY_derive of own and peer into out (exactly `len` bytes expected).
bool derive(EVP_PKEY* own, EVP_PKEY* peer, size_t len, Bytes* out) {
  PkeyCtx ctx = pkey_ctx(own);
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1) return false;
  Bytes secret(len);
  size_t n = secret.size();
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &n) != 1 || n != len) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return false;
  }
  *out = std::move(secret);
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Key shares

// X25519 and X448 (RFC 7748).
class MontgomeryKeyShare final : public KeyShare {
 public:
  explicit MontgomeryKeyShare(bool x448) : x448_(x448), len_(x448 ? 56 : 32) {}

  bool init(Rng& rng) {
    uint8_t buf[56];
    rng.fill(buf, len_);
    // RFC 7748 section 5, decodeScalar25519 / decodeScalar448 (libcrypto clamps too; clamping here keeps
    // the stored key canonical).
    if (x448_) {
      buf[0] &= 252;
      buf[55] |= 128;
    } else {
      buf[0] &= 248;
      buf[31] &= 127;
      buf[31] |= 64;
    }
    key_ = montgomery_pkey(x448_, buf, /*is_private=*/true);
    OPENSSL_cleanse(buf, sizeof(buf));
    if (!key_) return false;
    public_.resize(len_);
    size_t n = public_.size();
    return EVP_PKEY_get_raw_public_key(key_.get(), public_.data(), &n) == 1 && n == len_;
  }

  ByteView public_value() const override { return public_; }

  Status shared_secret(ByteView peer, Bytes* out) override {
    if (peer.size() != len_) return Status::bad_peer_value;
    Pkey p = montgomery_pkey(x448_, peer.data(), /*is_private=*/false);
    // libcrypto's X25519 and X448 refuse an all-zero result (a small-order peer), RFC 7748 section 6.1,
    // 6.2.
    if (!p || !derive(key_.get(), p.get(), len_, out)) {
      libcrypto_clear_errors();
      return Status::bad_peer_value;
    }
    return Status::ok;
  }

 private:
  bool x448_;
  size_t len_;
  Pkey key_;
  Bytes public_;
};

// ECDH over EC_POINT: the scalar multiplication libcrypto's own ECDH runs (its constant-time ladder,
// or the P-256 assembly), without an EVP_PKEY for either key. Through EVP a P-256 share cost about
// 3x as much: two EVP_PKEY_fromdata imports (~14 us each, every import builds the curve's group from
// its name) and EVP_PKEY_derive (~79 us against ~37 us here, on the machine of docs/benchmark.md).
class EcKeyShare final : public KeyShare {
 public:
  bool init(const Curve& c, Rng& rng) {
    curve_ = &c;
    d_ = draw_scalar(c, rng);
    BnCtx bctx(BN_CTX_new());
    Point q(EC_POINT_new(c.group));
    if (!d_ || !bctx || !q || EC_POINT_mul(c.group, q.get(), d_.get(), nullptr, nullptr, bctx.get()) != 1)
      return false;
    public_.resize(1 + 2 * c.plen);
    return EC_POINT_point2oct(c.group, q.get(), POINT_CONVERSION_UNCOMPRESSED, public_.data(), public_.size(),
                              bctx.get()) == public_.size();
  }

  ByteView public_value() const override { return public_; }

  // RFC 8446 4.2.8.2 and RFC 8422 5.10: the peer's point must be on the curve (the curves have
  // cofactor 1, so that and not being the point at infinity is the full check); the secret is the
  // x coordinate of d * Q, fixed length.
  Status shared_secret(ByteView peer, Bytes* out) override {
    // Uncompressed points only; the point at infinity (a lone 0x00) has the wrong length.
    if (peer.size() != 1 + 2 * curve_->plen || peer[0] != 0x04) return Status::bad_peer_value;
    const EC_GROUP* g = curve_->group;
    BnCtx bctx(BN_CTX_new());
    Point q(EC_POINT_new(g)), z(EC_POINT_new(g));
    Bn x(BN_new());
    Bytes secret(curve_->plen);
    if (!bctx || !q || !z || !x || EC_POINT_oct2point(g, q.get(), peer.data(), peer.size(), bctx.get()) != 1 ||
        EC_POINT_is_on_curve(g, q.get(), bctx.get()) != 1 || EC_POINT_is_at_infinity(g, q.get()) ||
        EC_POINT_mul(g, z.get(), nullptr, q.get(), d_.get(), bctx.get()) != 1 || EC_POINT_is_at_infinity(g, z.get()) ||
        EC_POINT_get_affine_coordinates(g, z.get(), x.get(), nullptr, bctx.get()) != 1 ||
        BN_bn2binpad(x.get(), secret.data(), static_cast<int>(secret.size())) < 0) {
      OPENSSL_cleanse(secret.data(), secret.size());
      libcrypto_clear_errors();
      return Status::bad_peer_value;
    }
    *out = std::move(secret);
    return Status::ok;
  }

 private:
  const Curve* curve_ = nullptr;
  Bn d_;  // the private scalar (BN_FLG_CONSTTIME; cleared when freed)
  Bytes public_;
};

class DhKeyShare final : public KeyShare {
 public:
  // p and g are already checked by the caller. exp_len bytes are drawn, big-endian, again while < 2.
  // named: the peer's value must have exactly the length of p; otherwise 1 to the length of p bytes.
  bool init(ByteView p, ByteView g, size_t exp_len, bool named, Rng& rng) {
    named_ = named;
    p_ = bn_from(p);
    Bn gb = bn_from(g);
    BnCtx bctx(BN_CTX_new());
    Bn gx = bn_new(), pm1 = bn_new();
    if (!p_ || !gb || !bctx || !gx || !pm1 || BN_sub(pm1.get(), p_.get(), BN_value_one()) != 1) return false;
    plen_ = static_cast<size_t>(BN_num_bytes(p_.get()));
    Bytes buf(exp_len);
    for (;;) {
      rng.fill(buf.data(), buf.size());
      x_ = bn_from(buf);
      OPENSSL_cleanse(buf.data(), buf.size());
      if (!x_) return false;
      BN_set_flags(x_.get(), BN_FLG_CONSTTIME);
      if (BN_is_zero(x_.get()) || BN_is_one(x_.get())) continue;
      if (BN_mod_exp_mont_consttime(gx.get(), gb.get(), x_.get(), p_.get(), bctx.get(), nullptr) != 1) return false;
      // Our own value must also be in [2, p-2] (it always is for a proper group).
      if (!BN_is_zero(gx.get()) && !BN_is_one(gx.get()) && BN_cmp(gx.get(), pm1.get()) < 0) break;
    }
    public_ = bn_to_bytes(gx.get(), plen_);
    return !public_.empty();
  }

  ByteView public_value() const override { return public_; }

  Status shared_secret(ByteView peer, Bytes* out) override {
    if (named_ ? peer.size() != plen_ : (peer.empty() || peer.size() > plen_)) return Status::bad_peer_value;
    Bn y = bn_from(peer), pm1 = bn_new(), z = bn_new();
    BnCtx bctx(BN_CTX_new());
    if (!y || !pm1 || !z || !bctx || BN_sub(pm1.get(), p_.get(), BN_value_one()) != 1) return Status::internal;
    // y must be in [2, p-2].
    if (BN_is_zero(y.get()) || BN_is_one(y.get()) || BN_cmp(y.get(), pm1.get()) >= 0) return Status::bad_peer_value;
    if (BN_mod_exp_mont_consttime(z.get(), y.get(), x_.get(), p_.get(), bctx.get(), nullptr) != 1) {
      libcrypto_clear_errors();
      return Status::internal;
    }
    Bytes secret = bn_to_bytes(z.get(), plen_);  // left-padded to the length of p
    if (secret.empty()) return Status::internal;
    *out = std::move(secret);
    return Status::ok;
  }

 private:
  Bn p_, x_;
  size_t plen_ = 0;
  bool named_ = true;
  Bytes public_;
};

// The RFC 7919 primes, read once from libcrypto's named groups.
bool ffdhe_prime(Group group, Bytes* p) {
  const char* name = group == Group::ffdhe2048   ? "ffdhe2048"
                     : group == Group::ffdhe3072 ? "ffdhe3072"
                     : group == Group::ffdhe4096 ? "ffdhe4096"
                     : group == Group::ffdhe6144 ? "ffdhe6144"
                     : group == Group::ffdhe8192 ? "ffdhe8192"
                                                 : nullptr;
  if (name == nullptr) return false;
  static std::mutex mu;
  static std::vector<std::pair<Group, Bytes>> cache;
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& e : cache)
    if (e.first == group) {
      *p = e.second;
      return true;
    }
  OSSL_PARAM params[2];
  params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(name), 0);
  params[1] = OSSL_PARAM_construct_end();
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "DH", nullptr));
  EVP_PKEY* k = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &k, EVP_PKEY_KEY_PARAMETERS, params) != 1) {
    libcrypto_clear_errors();
    return false;
  }
  Pkey key(k);
  BIGNUM* pb = nullptr;
  if (EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_FFC_P, &pb) != 1) {
    libcrypto_clear_errors();
    return false;
  }
  Bn holder(pb);
  Bytes bytes = bn_to_bytes(pb, static_cast<size_t>(BN_num_bytes(pb)));
  cache.emplace_back(group, bytes);
  *p = std::move(bytes);
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Signature schemes.

struct SchemeInfo {
  enum Kind { rsa_pkcs1, rsa_pss, ecdsa, none } kind;
  HashAlg hash;
};

SchemeInfo scheme_info(SignatureScheme s) {
  switch (s) {
    case SignatureScheme::rsa_pkcs1_sha1: return {SchemeInfo::rsa_pkcs1, HashAlg::sha1};
    case SignatureScheme::rsa_pkcs1_sha256: return {SchemeInfo::rsa_pkcs1, HashAlg::sha256};
    case SignatureScheme::rsa_pkcs1_sha384: return {SchemeInfo::rsa_pkcs1, HashAlg::sha384};
    case SignatureScheme::rsa_pkcs1_sha512: return {SchemeInfo::rsa_pkcs1, HashAlg::sha512};
    case SignatureScheme::rsa_pss_rsae_sha256: return {SchemeInfo::rsa_pss, HashAlg::sha256};
    case SignatureScheme::rsa_pss_rsae_sha384: return {SchemeInfo::rsa_pss, HashAlg::sha384};
    case SignatureScheme::rsa_pss_rsae_sha512: return {SchemeInfo::rsa_pss, HashAlg::sha512};
    case SignatureScheme::ecdsa_sha1: return {SchemeInfo::ecdsa, HashAlg::sha1};
    case SignatureScheme::ecdsa_secp256r1_sha256: return {SchemeInfo::ecdsa, HashAlg::sha256};
    case SignatureScheme::ecdsa_secp384r1_sha384: return {SchemeInfo::ecdsa, HashAlg::sha384};
    case SignatureScheme::ecdsa_secp521r1_sha512: return {SchemeInfo::ecdsa, HashAlg::sha512};
    default: return {SchemeInfo::none, HashAlg::sha256};  // ed25519, rsa_pss_pss_*: not supported
  }
}

// The same rule as the mbedTLS provider: RSA schemes need an RSA key; ECDSA schemes a P-256 or P-384
// key with any ECDSA hash (TLS 1.2 allows it; the TLS 1.3 curve/hash pairing is the engine's).
bool scheme_fits(const SchemeInfo& info, KeyType type) {
  switch (info.kind) {
    case SchemeInfo::rsa_pkcs1:
    case SchemeInfo::rsa_pss: return type == KeyType::rsa;
    case SchemeInfo::ecdsa: return is_ecdsa_key(type);
    default: return false;
  }
}

const EVP_MD* md_of(HashAlg alg) { return libcrypto_md(alg); }

bool digest(HashAlg alg, ByteView msg, uint8_t* out) {
  unsigned int n = 0;
  return EVP_Digest(msg.data(), msg.size(), out, &n, md_of(alg), nullptr) == 1;
}

int ec_nid_of(const EVP_PKEY* k) {
  char name[64];
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &len) != 1) return NID_undef;
  int nid = OBJ_sn2nid(name);
  if (nid == NID_undef) nid = EC_curve_nist2nid(name);
  return nid;
}

KeyType key_type_of(const EVP_PKEY* k) {
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA: return KeyType::rsa;
    case EVP_PKEY_EC:
      switch (ec_nid_of(k)) {
        case NID_X9_62_prime256v1: return KeyType::ec_p256;
        case NID_secp384r1: return KeyType::ec_p384;
        case NID_secp521r1: return KeyType::ec_p521;
        default: return KeyType::other;
      }
    default: return KeyType::other;
  }
}

// MGF1 (RFC 8017 B.2.1) XORed into mask[0..len).
bool mgf1_xor(HashAlg alg, ByteView seed, uint8_t* mask, size_t len) {
  const size_t hlen = hash_length(alg);
  Bytes in(seed.begin(), seed.end());
  in.resize(seed.size() + 4);
  uint8_t h[kMaxHashLen];
  for (uint32_t counter = 0, done = 0; done < len; counter++) {
    in[seed.size()] = static_cast<uint8_t>(counter >> 24);
    in[seed.size() + 1] = static_cast<uint8_t>(counter >> 16);
    in[seed.size() + 2] = static_cast<uint8_t>(counter >> 8);
    in[seed.size() + 3] = static_cast<uint8_t>(counter);
    if (!digest(alg, in, h)) return false;
    for (size_t i = 0; i < hlen && done < len; i++, done++) mask[done] ^= h[i];
  }
  return true;
}

// EMSA-PSS-ENCODE (RFC 8017 9.1.1), salt length = hash length (RFC 8446 4.2.3), the salt from rng.
// Writes k bytes (EM left-padded with zeros to the modulus length) for the raw RSA operation.
bool pss_encode(HashAlg alg, ByteView msg, size_t mod_bits, size_t k, Rng& rng, Bytes* out) {
  const size_t hlen = hash_length(alg), slen = hlen;
  const size_t em_bits = mod_bits - 1, em_len = (em_bits + 7) / 8;
  if (em_len < hlen + slen + 2 || em_len > k) return false;
  uint8_t mprime[8 + 2 * kMaxHashLen] = {0};
  if (!digest(alg, msg, mprime + 8)) return false;
  uint8_t* salt = mprime + 8 + hlen;
  rng.fill(salt, slen);
  Bytes em(k, 0);
  uint8_t* db = em.data() + (k - em_len);
  const size_t db_len = em_len - hlen - 1;
  uint8_t* h = db + db_len;
  if (!digest(alg, ByteView(mprime, 8 + hlen + slen), h)) return false;
  db[db_len - slen - 1] = 0x01;
  std::memcpy(db + db_len - slen, salt, slen);
  if (!mgf1_xor(alg, ByteView(h, hlen), db, db_len)) return false;
  db[0] &= static_cast<uint8_t>(0xff >> (8 * em_len - em_bits));
  em[k - 1] = 0xbc;
  *out = std::move(em);
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Keys.

class LibcryptoPublicKey final : public PublicKey {
 public:
  bool init(ByteView spki) {
    if (spki.empty()) return false;
    const unsigned char* p = spki.data();
    key_.reset(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
    if (!key_ || p != spki.end()) return false;
    type_ = key_type_of(key_.get());
    spki_ = spki.to_bytes();
    return true;
  }

  ByteView spki_der() const override { return spki_; }
  KeyType type() const override { return type_; }
  size_t bits() const override { return static_cast<size_t>(EVP_PKEY_get_bits(key_.get())); }

  Status verify(SignatureScheme scheme, ByteView msg, ByteView sig) const override {
    SchemeInfo info = scheme_info(scheme);
    if (!scheme_fits(info, type_)) return Status::unsupported;
    if (info.kind != SchemeInfo::ecdsa && sig.size() != static_cast<size_t>(EVP_PKEY_get_size(key_.get())))
      return Status::bad_signature;
    MdCtx mctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;  // owned by mctx
    bool ok = mctx && EVP_DigestVerifyInit(mctx.get(), &pctx, md_of(info.hash), nullptr, key_.get()) == 1;
    if (ok && info.kind == SchemeInfo::rsa_pkcs1) ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
    if (ok && info.kind == SchemeInfo::rsa_pss) {
      // RFC 8446 section 4.2.3: MGF1 with the same hash, salt length equal to the hash length.
      ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md_of(info.hash)) == 1;
    }
    static const uint8_t kNone[1] = {0};
    ok = ok && EVP_DigestVerify(mctx.get(), sig.empty() ? kNone : sig.data(), sig.size(),
                                msg.empty() ? kNone : msg.data(), msg.size()) == 1;
    if (!ok) {
      libcrypto_clear_errors();
      return Status::bad_signature;
    }
    return Status::ok;
  }

  Status rsa_encrypt_pkcs1(ByteView plaintext, Rng& rng, Bytes* out) const override {
    if (type_ != KeyType::rsa) return Status::unsupported;
    const size_t k = static_cast<size_t>(EVP_PKEY_get_size(key_.get()));
    if (plaintext.size() + 11 > k) return Status::bad_input;
    // EM = 0x00 || 0x02 || PS (non-zero bytes from rng) || 0x00 || M (RFC 8017 7.2.1).
    Bytes em(k);
    em[0] = 0x00;
    em[1] = 0x02;
    const size_t ps_len = k - 3 - plaintext.size();
    rng.fill(em.data() + 2, ps_len);
    for (size_t i = 2; i < 2 + ps_len; i++)
      while (em[i] == 0) rng.fill(&em[i], 1);
    em[2 + ps_len] = 0x00;
    if (!plaintext.empty()) std::memcpy(em.data() + 3 + ps_len, plaintext.data(), plaintext.size());
    PkeyCtx ctx = pkey_ctx(key_.get());
    Bytes c(k);
    size_t n = c.size();
    bool ok = ctx && EVP_PKEY_encrypt_init(ctx.get()) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) == 1 &&
              EVP_PKEY_encrypt(ctx.get(), c.data(), &n, em.data(), em.size()) == 1 && n == k;
    OPENSSL_cleanse(em.data(), em.size());
    if (!ok) {
      libcrypto_clear_errors();
      return Status::internal;
    }
    *out = std::move(c);
    return Status::ok;
  }

 private:
  Pkey key_;
  KeyType type_ = KeyType::other;
  Bytes spki_;
};

class LibcryptoPrivateKey final : public PrivateKey {
 public:
  bool init(EVP_PKEY* k) {
    key_.reset(k);
    type_ = key_type_of(k);
    if (is_ecdsa_key(type_)) {
      curve_ = curve_by_nid(type_ == KeyType::ec_p256   ? NID_X9_62_prime256v1
                            : type_ == KeyType::ec_p384 ? NID_secp384r1
                                                        : NID_secp521r1);
      BIGNUM* d = nullptr;
      if (curve_ == nullptr || EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) return false;
      d_.reset(d);
      BN_set_flags(d, BN_FLG_CONSTTIME);
    }
    return true;
  }

  KeyType type() const override { return type_; }
  size_t bits() const override { return static_cast<size_t>(EVP_PKEY_get_bits(key_.get())); }

  Status sign(SignatureScheme scheme, ByteView msg, Rng& rng, Bytes* sig) const override {
    SchemeInfo info = scheme_info(scheme);
    if (!scheme_fits(info, type_)) return Status::unsupported;
    Status s = info.kind == SchemeInfo::ecdsa       ? sign_ecdsa(info.hash, msg, rng, sig)
               : info.kind == SchemeInfo::rsa_pss   ? sign_pss(info.hash, msg, rng, sig)
                                                    : sign_pkcs1(info.hash, msg, sig);
    if (s != Status::ok) libcrypto_clear_errors();
    return s;
  }

  // RFC 5246 section 7.4.7.1, as in the mbedTLS provider: the random bytes are drawn first, always;
  // the raw RSA operation (blinded by libcrypto) gives EM; the PKCS#1 v1.5 padding, the length (48)
  // and the version are checked with masks and the output selected byte by byte with the combined
  // mask, so that nothing branches on or indexes memory by the decrypted value.
  Status rsa_decrypt_premaster(ByteView ciphertext, uint16_t client_version, Rng& rng,
                               uint8_t out[48]) const override {
    if (type_ != KeyType::rsa) return Status::unsupported;
    uint8_t fallback[48];
    rng.fill(fallback, sizeof(fallback));
    const size_t k = static_cast<size_t>(EVP_PKEY_get_size(key_.get()));
    if (ciphertext.size() != k) {
      OPENSSL_cleanse(fallback, sizeof(fallback));
      return Status::bad_input;
    }
    if (k < 59) {  // too small for 0x00 0x02, eight bytes of PS, 0x00 and 48 bytes (k is public)
      std::memcpy(out, fallback, sizeof(fallback));
      OPENSSL_cleanse(fallback, sizeof(fallback));
      return Status::ok;
    }
    Bytes em(k, 0);
    size_t n = em.size();
    PkeyCtx ctx = pkey_ctx(key_.get());
    // Fails only when the ciphertext (public) is >= n; the premaster is then the random bytes.
    const bool decrypted = ctx && EVP_PKEY_decrypt_init(ctx.get()) == 1 &&
                           EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) == 1 &&
                           EVP_PKEY_decrypt(ctx.get(), em.data(), &n, ciphertext.data(), ciphertext.size()) == 1 &&
                           n == k;
    if (!decrypted) libcrypto_clear_errors();
    uint32_t good = ct_is_zero(static_cast<uint32_t>(!decrypted));
    // EM = 0x00 || 0x02 || PS (at least 8 non-zero bytes) || 0x00 || M, and M must be 48 bytes: the
    // separator must be the first zero after PS and sit exactly at k - 49.
    good &= ct_is_zero(em[0]);
    good &= ct_eq(em[1], 2);
    uint32_t looking = ~0u;  // still inside PS
    uint32_t sep_index = 0;  // index of the first zero byte from index 2
    for (size_t i = 2; i < k; i++) {
      uint32_t is_zero = ct_is_zero(em[i]);
      uint32_t found = looking & is_zero;
      sep_index |= found & static_cast<uint32_t>(i);
      looking &= ~is_zero;
    }
    good &= ~looking;
    good &= ct_eq(sep_index, static_cast<uint32_t>(k - 49));  // k >= 59: PS is at least 8 bytes
    const size_t m = k - 48;
    good &= ct_eq(em[m], static_cast<uint32_t>(client_version >> 8));
    good &= ct_eq(em[m + 1], static_cast<uint32_t>(client_version & 0xff));
    for (size_t i = 0; i < 48; i++) out[i] = ct_select8(good, em[m + i], fallback[i]);
    OPENSSL_cleanse(em.data(), em.size());
    OPENSSL_cleanse(fallback, sizeof(fallback));
    return Status::ok;
  }

  std::unique_ptr<PublicKey> public_key() const override {
    unsigned char* der = nullptr;
    int n = i2d_PUBKEY(key_.get(), &der);
    if (n <= 0) {
      libcrypto_clear_errors();
      return nullptr;
    }
    auto pub = libcrypto_public_key_from_spki(ByteView(der, static_cast<size_t>(n)));
    OPENSSL_free(der);
    return pub;
  }

 private:
  Status sign_pkcs1(HashAlg alg, ByteView msg, Bytes* sig) const {
    MdCtx mctx(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    if (!mctx || EVP_DigestSignInit(mctx.get(), &pctx, md_of(alg), nullptr, key_.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1)
      return Status::internal;
    Bytes out(static_cast<size_t>(EVP_PKEY_get_size(key_.get())));
    size_t n = out.size();
    static const uint8_t kNone[1] = {0};
    if (EVP_DigestSign(mctx.get(), out.data(), &n, msg.empty() ? kNone : msg.data(), msg.size()) != 1)
      return Status::internal;
    out.resize(n);
    *sig = std::move(out);
    return Status::ok;
  }

  Status sign_pss(HashAlg alg, ByteView msg, Rng& rng, Bytes* sig) const {
    const size_t k = static_cast<size_t>(EVP_PKEY_get_size(key_.get()));
    Bytes em;
    if (!pss_encode(alg, msg, static_cast<size_t>(EVP_PKEY_get_bits(key_.get())), k, rng, &em))
      return Status::internal;
    PkeyCtx ctx = pkey_ctx(key_.get());
    Bytes out(k);
    size_t n = out.size();
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1 ||
        EVP_PKEY_sign(ctx.get(), out.data(), &n, em.data(), em.size()) != 1 || n != k)
      return Status::internal;
    *sig = std::move(out);
    return Status::ok;
  }

  // ECDSA (SEC 1 section 4.1.3) with k from rng; the signature DER-encoded (ECDSA-Sig-Value).
  Status sign_ecdsa(HashAlg alg, ByteView msg, Rng& rng, Bytes* sig) const {
    const EC_GROUP* group = curve_->group;
    const BIGNUM* order = EC_GROUP_get0_order(group);
    const int order_bits = BN_num_bits(order);
    uint8_t h[kMaxHashLen];
    if (!digest(alg, msg, h)) return Status::internal;
    // z: the leftmost order_bits bits of the hash.
    size_t hlen = hash_length(alg);
    const size_t order_bytes = static_cast<size_t>(order_bits + 7) / 8;
    if (hlen > order_bytes) hlen = order_bytes;
    BnCtx bctx(BN_CTX_new());
    Bn z(BN_bin2bn(h, static_cast<int>(hlen), nullptr));
    Bn r = bn_new(), s = bn_new(), x = bn_new(), t = bn_new(), u = bn_new(), uinv = bn_new();
    Bn blind = bn_new(), bd = bn_new(), bz = bn_new();
    Point R(EC_POINT_new(group));
    if (!bctx || !z || !r || !s || !x || !t || !u || !uinv || !R || !blind || !bd || !bz) return Status::internal;
    for (BIGNUM* secret : {blind.get(), bd.get(), bz.get(), t.get()}) BN_set_flags(secret, BN_FLG_CONSTTIME);
    if (hlen * 8 > static_cast<size_t>(order_bits) && BN_rshift(z.get(), z.get(), static_cast<int>(hlen * 8) - order_bits) != 1)
      return Status::internal;
    for (;;) {
      Bn k = draw_scalar(*curve_, rng);
      if (!k) return Status::internal;
      if (EC_POINT_mul(group, R.get(), k.get(), nullptr, nullptr, bctx.get()) != 1 ||
          EC_POINT_get_affine_coordinates(group, R.get(), x.get(), nullptr, bctx.get()) != 1 ||
          BN_nnmod(r.get(), x.get(), order, bctx.get()) != 1)
        return Status::internal;
      if (BN_is_zero(r.get())) continue;
      // s = k^-1 (z + r d) mod n, blinded by a random b in [1, n): with u = k b and t = b (z + r d),
      // s = t u^-1. Every secret operand of the multiplications and reductions (BN_mod_mul = BN_mul
      // then BN_div, constant time in the values for BN_FLG_CONSTTIME numbers of a given width) is
      // then uniformly random and independent of k and d (b d, b (z + r d), k b), so neither widths
      // nor the conditional subtraction of BN_mod_add say anything about d or k (the Minerva / "Return
      // of the Hidden Number Problem" leaks). u is inverted with BN_mod_inverse, whose running time
      // depends on its input: u is uniformly random and independent of k (b is secret and fresh),
      // so that time says nothing about k either. One variable-time inversion of a blinded value
      // replaces two constant-time ones (k^(n-2) and b^(n-2) with BN_mod_exp_mont_consttime, ~15 us
      // each for P-256 on the benchmark machine, against ~8 us for the inversion). b comes from libcrypto's
      // private generator, like RSA blinding: it cancels out, so the signature is still a function of
      // the Rng alone.
      if (BN_priv_rand_range_ex(blind.get(), order, 0, bctx.get()) != 1 ||
          (BN_is_zero(blind.get()) && BN_one(blind.get()) != 1) ||
          BN_mod_mul(u.get(), k.get(), blind.get(), order, bctx.get()) != 1 ||
          BN_mod_inverse(uinv.get(), u.get(), order, bctx.get()) == nullptr ||
          BN_mod_mul(bd.get(), blind.get(), d_.get(), order, bctx.get()) != 1 ||
          BN_mod_mul(t.get(), bd.get(), r.get(), order, bctx.get()) != 1 ||
          BN_mod_mul(bz.get(), blind.get(), z.get(), order, bctx.get()) != 1 ||
          BN_mod_add(t.get(), t.get(), bz.get(), order, bctx.get()) != 1 ||
          BN_mod_mul(s.get(), t.get(), uinv.get(), order, bctx.get()) != 1)
        return Status::internal;
      if (!BN_is_zero(s.get())) break;
    }
    ECDSA_SIG* es = ECDSA_SIG_new();
    if (es == nullptr) return Status::internal;
    if (ECDSA_SIG_set0(es, r.release(), s.release()) != 1) {
      ECDSA_SIG_free(es);
      return Status::internal;
    }
    unsigned char* der = nullptr;
    int n = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (n <= 0) return Status::internal;
    sig->assign(der, der + n);
    OPENSSL_free(der);
    return Status::ok;
  }

  Pkey key_;
  KeyType type_ = KeyType::other;
  const Curve* curve_ = nullptr;
  Bn d_;  // the EC private scalar (EC keys only)
};

bool looks_like_pem(ByteView in) {
  static const char kBegin[] = "-----BEGIN ";
  const size_t n = sizeof(kBegin) - 1;
  for (size_t i = 0; i + n <= in.size(); i++)
    if (std::memcmp(in.data() + i, kBegin, n) == 0) return true;
  return false;
}

// A password callback that never supplies one (libcrypto's default would prompt on the terminal).
int no_password(char* buf, int size, int rwflag, void* u) {
  (void)buf;
  (void)size;
  (void)rwflag;
  (void)u;
  return 0;
}

// The same exponent lengths and DH bounds as the mbedTLS provider.
size_t dh_exponent_length(size_t pbits) {
  if (pbits <= 2048) return 32;
  if (pbits <= 3072) return 40;
  if (pbits <= 7680) return 48;
  return 64;
}
constexpr size_t kMaxDhBits = 8192;

}  // namespace

std::unique_ptr<PublicKey> libcrypto_public_key_from_spki(ByteView spki_der) {
  auto key = std::make_unique<LibcryptoPublicKey>();
  if (!key->init(spki_der)) {
    libcrypto_clear_errors();
    return nullptr;
  }
  return key;
}

std::unique_ptr<KeyShare> LibcryptoProvider::generate_key_share(Group group, Rng& rng) const {
  switch (group) {
    case Group::x25519:
    case Group::x448: {
      auto share = std::make_unique<MontgomeryKeyShare>(group == Group::x448);
      if (!share->init(rng)) break;
      return share;
    }
    case Group::secp256r1:
    case Group::secp384r1:
    case Group::secp521r1: {
      const Curve* c = curve_by_nid(group == Group::secp256r1   ? NID_X9_62_prime256v1
                                    : group == Group::secp384r1 ? NID_secp384r1
                                                                : NID_secp521r1);
      if (c == nullptr) break;
      auto share = std::make_unique<EcKeyShare>();
      if (!share->init(*c, rng)) break;
      return share;
    }
    case Group::ffdhe2048:
    case Group::ffdhe3072:
    case Group::ffdhe4096:
    case Group::ffdhe6144:
    case Group::ffdhe8192: {
      Bytes p, g;
      ffdhe_params(group, &p, &g);
      if (p.empty()) break;
      auto share = std::make_unique<DhKeyShare>();
      const size_t exp_len = group == Group::ffdhe2048   ? 32
                             : group == Group::ffdhe3072 ? 40
                                                         : dh_exponent_length(p.size() * 8);
      if (!share->init(p, g, exp_len, /*named=*/true, rng)) break;
      return share;
    }
  }
  libcrypto_clear_errors();
  return nullptr;
}

std::unique_ptr<KeyShare> LibcryptoProvider::generate_dh_share(ByteView p, ByteView g, size_t min_bits,
                                                              Rng& rng) const {
  if (p.empty() || g.empty()) return nullptr;
  Bn P = bn_from(p), G = bn_from(g), pm2 = bn_new();
  if (!P || !G || !pm2) return nullptr;
  const size_t pbits = static_cast<size_t>(BN_num_bits(P.get()));
  if (pbits < min_bits || pbits > kMaxDhBits || pbits < 3 || !BN_is_odd(P.get())) return nullptr;
  if (BN_copy(pm2.get(), P.get()) == nullptr || BN_sub_word(pm2.get(), 2) != 1) return nullptr;
  if (BN_cmp(G.get(), BN_value_one()) <= 0 || BN_cmp(G.get(), pm2.get()) > 0) return nullptr;
  // Work with the minimal encodings (a server may send leading zeros).
  Bytes pb = bn_to_bytes(P.get(), static_cast<size_t>(BN_num_bytes(P.get())));
  Bytes gb = bn_to_bytes(G.get(), static_cast<size_t>(BN_num_bytes(G.get())));
  auto share = std::make_unique<DhKeyShare>();
  if (!share->init(pb, gb, dh_exponent_length(pbits), /*named=*/false, rng)) {
    libcrypto_clear_errors();
    return nullptr;
  }
  return share;
}

void LibcryptoProvider::ffdhe_params(Group group, Bytes* p, Bytes* g) const {
  p->clear();
  g->clear();
  if (!ffdhe_prime(group, p)) return;
  g->assign(1, 0x02);  // RFC 7919: the generator is 2
}

std::unique_ptr<PrivateKey> LibcryptoProvider::load_private_key(ByteView pem_or_der, std::string* error) const {
  auto set_error = [error](const char* msg) {
    if (error != nullptr) *error = msg;
  };
  if (pem_or_der.empty()) {
    set_error("empty key");
    return nullptr;
  }
  EVP_PKEY* k = nullptr;
  if (looks_like_pem(pem_or_der)) {
    BIO* bio = BIO_new_mem_buf(pem_or_der.data(), static_cast<int>(pem_or_der.size()));
    if (bio != nullptr) k = PEM_read_bio_PrivateKey(bio, nullptr, no_password, nullptr);
    BIO_free(bio);
  } else {
    const unsigned char* p = pem_or_der.data();
    k = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(pem_or_der.size()));
  }
  libcrypto_clear_errors();
  if (k == nullptr) {
    set_error("cannot parse the private key (PKCS#1, SEC1 or PKCS#8, unencrypted, PEM or DER)");
    return nullptr;
  }
  auto key = std::make_unique<LibcryptoPrivateKey>();
  if (!key->init(k) || key->type() == KeyType::other) {
    libcrypto_clear_errors();
    set_error("unsupported key type (RSA, P-256 and P-384 are supported)");
    return nullptr;
  }
  return key;
}

}  // namespace crypto
}  // namespace sanstls
