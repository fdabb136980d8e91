// Public-key half of the mbedTLS provider: key shares (X25519, P-256, P-384, FFDHE and server-chosen
// DH), private and public keys, signatures, RSA key exchange.
//
// Notes that apply to the whole file:
// - Every private operation gets randomness from the caller's Rng, except scalar multiplications and DH
//   exponentiations inside KeyShare, which have no Rng argument: ECP multiplications pass f_rng = NULL so
//   that mbedTLS uses its internal blinding generator (seeded from the secret scalar, see ecp.h), and DH
//   blinding uses an HMAC-DRBG seeded from our exponent and the peer's value. Neither changes a result,
//   and neither consumes bytes from the caller's Rng, so the bytes drawn for a key share are exactly
//   those crypto.h lists.
// - mbedTLS contexts are mutated by operations that look read-only (RSA blinding values, the ECP
//   generator's precomputed table), and a key in a shared config is used by many connections, so each
//   key object serialises its mbedTLS calls with a mutex.
#include <mbedtls/bignum.h>
#include <mbedtls/dhm.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/hmac_drbg.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include <cstring>
#include <mutex>

#include "crypto/mbedtls_provider.h"

namespace sanstls {
namespace crypto {
namespace {

// ---------------------------------------------------------------------------------------------------
// Small RAII holders for mbedTLS structures.

struct Mpi {
  mbedtls_mpi v;
  Mpi() { mbedtls_mpi_init(&v); }
  ~Mpi() { mbedtls_mpi_free(&v); }
  Mpi(const Mpi&) = delete;
  Mpi& operator=(const Mpi&) = delete;
};

struct EcpPoint {
  mbedtls_ecp_point v;
  EcpPoint() { mbedtls_ecp_point_init(&v); }
  ~EcpPoint() { mbedtls_ecp_point_free(&v); }
  EcpPoint(const EcpPoint&) = delete;
  EcpPoint& operator=(const EcpPoint&) = delete;
};

struct DhmContext {
  mbedtls_dhm_context v;
  DhmContext() { mbedtls_dhm_init(&v); }
  ~DhmContext() { mbedtls_dhm_free(&v); }
  DhmContext(const DhmContext&) = delete;
  DhmContext& operator=(const DhmContext&) = delete;
};

// A deterministic generator used only for blinding (never for key material), seeded from secret bytes.
struct BlindingDrbg {
  mbedtls_hmac_drbg_context v;
  bool ok = false;
  explicit BlindingDrbg(ByteView seed) {
    mbedtls_hmac_drbg_init(&v);
    ok = mbedtls_hmac_drbg_seed_buf(&v, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), seed.data(),
                                    seed.size()) == 0;
  }
  ~BlindingDrbg() { mbedtls_hmac_drbg_free(&v); }
  BlindingDrbg(const BlindingDrbg&) = delete;
  BlindingDrbg& operator=(const BlindingDrbg&) = delete;
};

// Big-endian, left-padded to n bytes.
Bytes mpi_to_bytes(const mbedtls_mpi* x, size_t n) {
  Bytes out(n);
  if (mbedtls_mpi_write_binary(x, out.data(), n) != 0) return Bytes();
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Constant-time helpers (masks are all ones for true, zero for false).

uint32_t ct_is_zero(uint32_t x) { return 0u - ((~x & (x - 1)) >> 31); }
uint32_t ct_eq(uint32_t a, uint32_t b) { return ct_is_zero(a ^ b); }
uint8_t ct_select8(uint32_t mask, uint8_t a, uint8_t b) {
  return static_cast<uint8_t>((mask & a) | (~mask & b));
}

// ---------------------------------------------------------------------------------------------------
// Elliptic-curve key shares: X25519, X448, secp256r1, secp384r1, secp521r1.

class EcKeyShare final : public KeyShare {
 public:
  EcKeyShare() {
    mbedtls_ecp_group_init(&grp_);
    mbedtls_mpi_init(&d_);
  }
  ~EcKeyShare() override {
    mbedtls_ecp_group_free(&grp_);
    mbedtls_mpi_free(&d_);  // mbedtls_mpi_free zeroes the limbs
  }
  EcKeyShare(const EcKeyShare&) = delete;
  EcKeyShare& operator=(const EcKeyShare&) = delete;

  // Draws the private key from rng as crypto.h describes and computes the public value.
  bool init(Group group, Rng& rng) {
    group_ = group;
    mbedtls_ecp_group_id id = group == Group::x25519      ? MBEDTLS_ECP_DP_CURVE25519
                              : group == Group::x448      ? MBEDTLS_ECP_DP_CURVE448
                              : group == Group::secp256r1 ? MBEDTLS_ECP_DP_SECP256R1
                              : group == Group::secp384r1 ? MBEDTLS_ECP_DP_SECP384R1
                                                          : MBEDTLS_ECP_DP_SECP521R1;
    if (mbedtls_ecp_group_load(&grp_, id) != 0) return false;
    plen_ = (grp_.pbits + 7) / 8;
    uint8_t buf[66];
    if (group == Group::x25519) {
      rng.fill(buf, 32);
      // RFC 7748 section 5: decodeScalar25519.
      buf[0] &= 248;
      buf[31] &= 127;
      buf[31] |= 64;
      int r = mbedtls_mpi_read_binary_le(&d_, buf, 32);
      secure_zero(buf, sizeof(buf));
      if (r != 0) return false;
    } else if (group == Group::x448) {
      rng.fill(buf, 56);
      // RFC 7748 section 5: decodeScalar448.
      buf[0] &= 252;
      buf[55] |= 128;
      int r = mbedtls_mpi_read_binary_le(&d_, buf, 56);
      secure_zero(buf, sizeof(buf));
      if (r != 0) return false;
    } else {
      const size_t n = plen_;  // 32, 48 or 66: the order has the same bit length as p for these curves
      for (;;) {
        rng.fill(buf, n);
        if (grp_.pbits % 8 != 0) buf[0] &= static_cast<uint8_t>((1u << (grp_.pbits % 8)) - 1);  // P-521
        int r = mbedtls_mpi_read_binary(&d_, buf, n);
        secure_zero(buf, sizeof(buf));
        if (r != 0) return false;
        if (mbedtls_mpi_cmp_int(&d_, 0) != 0 && mbedtls_mpi_cmp_mpi(&d_, &grp_.N) < 0) break;
      }
    }
    EcpPoint q;
    if (mbedtls_ecp_mul(&grp_, &q.v, &d_, &grp_.G, nullptr, nullptr) != 0) return false;
    uint8_t out[1 + 2 * 66];
    size_t olen = 0;
    if (mbedtls_ecp_point_write_binary(&grp_, &q.v, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out, sizeof(out)) != 0)
      return false;
    public_.assign(out, out + olen);
    return true;
  }

  ByteView public_value() const override { return public_; }

  Status shared_secret(ByteView peer, Bytes* out) override {
    const bool x25519 = group_ == Group::x25519 || group_ == Group::x448;  // Montgomery: u only, little-endian
    const size_t want = x25519 ? plen_ : 1 + 2 * plen_;
    if (peer.size() != want) return Status::bad_peer_value;
    if (!x25519 && peer[0] != 0x04) return Status::bad_peer_value;  // uncompressed points only
    EcpPoint q;
    if (mbedtls_ecp_point_read_binary(&grp_, &q.v, peer.data(), peer.size()) != 0) return Status::bad_peer_value;
    if (mbedtls_ecp_check_pubkey(&grp_, &q.v) != 0) return Status::bad_peer_value;
    Mpi z;
    if (mbedtls_ecdh_compute_shared(&grp_, &z.v, &q.v, &d_, nullptr, nullptr) != 0) return Status::bad_peer_value;
    Bytes secret(plen_);
    int r = x25519 ? mbedtls_mpi_write_binary_le(&z.v, secret.data(), plen_)
                   : mbedtls_mpi_write_binary(&z.v, secret.data(), plen_);
    if (r != 0) return Status::internal;
    if (x25519) {
      // RFC 7748 sections 6.1, 6.2 / RFC 8446 section 7.4.2: reject the all-zero output (small-order peer).
      uint32_t acc = 0;
      for (uint8_t b : secret) acc |= b;
      if (ct_is_zero(acc)) return Status::bad_peer_value;
    }
    *out = std::move(secret);
    return Status::ok;
  }

 private:
  Group group_ = Group::x25519;
  mbedtls_ecp_group grp_;
  mbedtls_mpi d_;
  size_t plen_ = 0;
  Bytes public_;
};

// ---------------------------------------------------------------------------------------------------
// Finite-field Diffie-Hellman (RFC 7919 groups and server-chosen TLS 1.2 DHE groups).

class DhKeyShare final : public KeyShare {
 public:
  DhKeyShare() {
    mbedtls_mpi_init(&p_);
    mbedtls_mpi_init(&g_);
    mbedtls_mpi_init(&x_);
  }
  ~DhKeyShare() override {
    mbedtls_mpi_free(&p_);
    mbedtls_mpi_free(&g_);
    mbedtls_mpi_free(&x_);
  }
  DhKeyShare(const DhKeyShare&) = delete;
  DhKeyShare& operator=(const DhKeyShare&) = delete;

  // p and g are already checked by the caller. exp_len bytes are drawn, big-endian, again while < 2.
  // named: the peer's value must have exactly the length of p (TLS 1.3 and RFC 7919); otherwise
  // any length from 1 to the length of p (TLS 1.2 strips leading zeros).
  bool init(ByteView p, ByteView g, size_t exp_len, bool named, Rng& rng) {
    named_ = named;
    if (mbedtls_mpi_read_binary(&p_, p.data(), p.size()) != 0) return false;
    if (mbedtls_mpi_read_binary(&g_, g.data(), g.size()) != 0) return false;
    plen_ = mbedtls_mpi_size(&p_);
    Bytes buf(exp_len);
    Mpi gx, p_minus_1;
    if (mbedtls_mpi_sub_int(&p_minus_1.v, &p_, 1) != 0) return false;
    for (;;) {
      rng.fill(buf.data(), buf.size());
      int r = mbedtls_mpi_read_binary(&x_, buf.data(), buf.size());
      secure_zero(buf);
      if (r != 0) return false;
      if (mbedtls_mpi_cmp_int(&x_, 2) < 0) continue;
      if (mbedtls_mpi_exp_mod(&gx.v, &g_, &x_, &p_, nullptr) != 0) return false;
      // Our own value must also be in [2, p-2] (it always is for a proper group; never loops then).
      if (mbedtls_mpi_cmp_int(&gx.v, 1) > 0 && mbedtls_mpi_cmp_mpi(&gx.v, &p_minus_1.v) < 0) break;
    }
    public_ = mpi_to_bytes(&gx.v, plen_);
    return !public_.empty();
  }

  ByteView public_value() const override { return public_; }

  Status shared_secret(ByteView peer, Bytes* out) override {
    if (named_ ? peer.size() != plen_ : (peer.empty() || peer.size() > plen_)) return Status::bad_peer_value;
    DhmContext dhm;
    if (mbedtls_dhm_set_group(&dhm.v, &p_, &g_) != 0) return Status::internal;
    if (mbedtls_mpi_copy(&dhm.v.X, &x_) != 0) return Status::internal;
    // mbedtls_dhm_read_public stores GY; mbedtls_dhm_calc_secret rejects GY outside [2, p-2].
    if (mbedtls_dhm_read_public(&dhm.v, peer.data(), peer.size()) != 0) return Status::bad_peer_value;
    // Blinding seed: our exponent and the peer's value (secret, and fresh per exchange).
    Bytes seed = mpi_to_bytes(&x_, mbedtls_mpi_size(&x_));
    seed.insert(seed.end(), peer.begin(), peer.end());
    BlindingDrbg drbg(seed);
    secure_zero(seed);
    if (!drbg.ok) return Status::internal;
    Bytes tmp(plen_);
    size_t olen = 0;
    int r = mbedtls_dhm_calc_secret(&dhm.v, tmp.data(), tmp.size(), &olen, mbedtls_hmac_drbg_random, &drbg.v);
    secure_zero(tmp);
    if (r == MBEDTLS_ERR_DHM_BAD_INPUT_DATA) return Status::bad_peer_value;
    if (r != 0) return Status::internal;
    // The shared secret left-padded to the length of p (TLS 1.2 strips the zeros itself).
    Bytes secret = mpi_to_bytes(&dhm.v.K, plen_);
    if (secret.empty()) return Status::internal;
    *out = std::move(secret);
    return Status::ok;
  }

 private:
  mbedtls_mpi p_, g_, x_;
  size_t plen_ = 0;
  bool named_ = true;
  Bytes public_;
};

// RFC 7919 appendix A.1 (ffdhe2048) and A.2 (ffdhe3072): mbedTLS 2.28 carries these primes in dhm.h
// as MBEDTLS_DHM_RFC7919_FFDHE{2048,3072}_P_BIN; the generator is 2.
const uint8_t kFfdhe2048P[] = MBEDTLS_DHM_RFC7919_FFDHE2048_P_BIN;
const uint8_t kFfdhe3072P[] = MBEDTLS_DHM_RFC7919_FFDHE3072_P_BIN;
const uint8_t kFfdhe4096P[] = MBEDTLS_DHM_RFC7919_FFDHE4096_P_BIN;  // A.3 to A.5
const uint8_t kFfdhe6144P[] = MBEDTLS_DHM_RFC7919_FFDHE6144_P_BIN;
const uint8_t kFfdhe8192P[] = MBEDTLS_DHM_RFC7919_FFDHE8192_P_BIN;
const uint8_t kFfdheG[] = {0x02};

// ---------------------------------------------------------------------------------------------------
// Signature schemes.

struct SchemeInfo {
  enum Kind { rsa_pkcs1, rsa_pss, ecdsa, none } kind;
  mbedtls_md_type_t md;
};

SchemeInfo scheme_info(SignatureScheme s) {
  switch (s) {
    case SignatureScheme::rsa_pkcs1_sha1: return {SchemeInfo::rsa_pkcs1, MBEDTLS_MD_SHA1};
    case SignatureScheme::rsa_pkcs1_sha256: return {SchemeInfo::rsa_pkcs1, MBEDTLS_MD_SHA256};
    case SignatureScheme::rsa_pkcs1_sha384: return {SchemeInfo::rsa_pkcs1, MBEDTLS_MD_SHA384};
    case SignatureScheme::rsa_pkcs1_sha512: return {SchemeInfo::rsa_pkcs1, MBEDTLS_MD_SHA512};
    case SignatureScheme::rsa_pss_rsae_sha256: return {SchemeInfo::rsa_pss, MBEDTLS_MD_SHA256};
    case SignatureScheme::rsa_pss_rsae_sha384: return {SchemeInfo::rsa_pss, MBEDTLS_MD_SHA384};
    case SignatureScheme::rsa_pss_rsae_sha512: return {SchemeInfo::rsa_pss, MBEDTLS_MD_SHA512};
    case SignatureScheme::ecdsa_sha1: return {SchemeInfo::ecdsa, MBEDTLS_MD_SHA1};
    case SignatureScheme::ecdsa_secp256r1_sha256: return {SchemeInfo::ecdsa, MBEDTLS_MD_SHA256};
    case SignatureScheme::ecdsa_secp384r1_sha384: return {SchemeInfo::ecdsa, MBEDTLS_MD_SHA384};
    case SignatureScheme::ecdsa_secp521r1_sha512: return {SchemeInfo::ecdsa, MBEDTLS_MD_SHA512};
    default: return {SchemeInfo::none, MBEDTLS_MD_NONE};  // ed25519, rsa_pss_pss_*: not supported
  }
}

KeyType key_type_of(const mbedtls_pk_context* pk) {
  switch (mbedtls_pk_get_type(pk)) {
    case MBEDTLS_PK_RSA: return KeyType::rsa;
    case MBEDTLS_PK_ECKEY:
    case MBEDTLS_PK_ECDSA:
      switch (mbedtls_pk_ec(*pk)->grp.id) {
        case MBEDTLS_ECP_DP_SECP256R1: return KeyType::ec_p256;
        case MBEDTLS_ECP_DP_SECP384R1: return KeyType::ec_p384;
        case MBEDTLS_ECP_DP_SECP521R1: return KeyType::ec_p521;
        default: return KeyType::other;
      }
    default: return KeyType::other;
  }
}

// Does the scheme fit the key? RSA schemes need an RSA key. ECDSA schemes need a P-256, P-384 or P-521 key,
// with any of the ECDSA hashes on either curve: TLS 1.2 pairs ECDSA with any hash on any curve, and the
// provider does not know the protocol version, so the TLS 1.3 rule that ecdsa_secp256r1_sha256 means
// P-256 (RFC 8446 section 4.2.3) is the engine's to enforce.
bool scheme_fits(const SchemeInfo& info, KeyType type) {
  switch (info.kind) {
    case SchemeInfo::rsa_pkcs1:
    case SchemeInfo::rsa_pss: return type == KeyType::rsa;
    case SchemeInfo::ecdsa: return is_ecdsa_key(type);
    default: return false;
  }
}

bool digest(mbedtls_md_type_t md, ByteView msg, uint8_t* out, size_t* out_len) {
  const mbedtls_md_info_t* info = mbedtls_md_info_from_type(md);
  if (info == nullptr) return false;
  if (mbedtls_md(info, msg.data(), msg.size(), out) != 0) return false;
  *out_len = mbedtls_md_get_size(info);
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Keys.

class MbedtlsPublicKey final : public PublicKey {
 public:
  MbedtlsPublicKey() { mbedtls_pk_init(&pk_); }
  ~MbedtlsPublicKey() override { mbedtls_pk_free(&pk_); }
  MbedtlsPublicKey(const MbedtlsPublicKey&) = delete;
  MbedtlsPublicKey& operator=(const MbedtlsPublicKey&) = delete;

  // Parses a DER SubjectPublicKeyInfo.
  bool init(ByteView spki) {
    if (spki.empty()) return false;
    if (mbedtls_pk_parse_public_key(&pk_, spki.data(), spki.size()) != 0) return false;
    type_ = key_type_of(&pk_);
    spki_ = spki.to_bytes();
    return true;
  }

  ByteView spki_der() const override { return spki_; }

  KeyType type() const override { return type_; }
  size_t bits() const override { return mbedtls_pk_get_bitlen(&pk_); }

  Status verify(SignatureScheme scheme, ByteView msg, ByteView sig) const override {
    SchemeInfo info = scheme_info(scheme);
    if (!scheme_fits(info, type_)) return Status::unsupported;
    uint8_t hash[MBEDTLS_MD_MAX_SIZE];
    size_t hlen = 0;
    if (!digest(info.md, msg, hash, &hlen)) return Status::unsupported;
    std::lock_guard<std::mutex> lock(mu_);
    int r;
    if (info.kind == SchemeInfo::ecdsa) {
      r = mbedtls_ecdsa_read_signature(mbedtls_pk_ec(pk_), hash, hlen, sig.data(), sig.size());
    } else {
      mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk_);
      if (sig.size() != mbedtls_rsa_get_len(rsa)) return Status::bad_signature;
      if (info.kind == SchemeInfo::rsa_pkcs1) {
        r = mbedtls_rsa_rsassa_pkcs1_v15_verify(rsa, nullptr, nullptr, MBEDTLS_RSA_PUBLIC, info.md,
                                                static_cast<unsigned>(hlen), hash, sig.data());
      } else {
        // RFC 8446 section 4.2.3: MGF1 with the same hash, salt length equal to the hash length.
        r = mbedtls_rsa_rsassa_pss_verify_ext(rsa, nullptr, nullptr, MBEDTLS_RSA_PUBLIC, info.md,
                                              static_cast<unsigned>(hlen), hash, info.md,
                                              static_cast<int>(hlen), sig.data());
      }
    }
    return r == 0 ? Status::ok : Status::bad_signature;
  }

  Status rsa_encrypt_pkcs1(ByteView plaintext, Rng& rng, Bytes* out) const override {
    if (type_ != KeyType::rsa) return Status::unsupported;
    std::lock_guard<std::mutex> lock(mu_);
    mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk_);
    const size_t k = mbedtls_rsa_get_len(rsa);
    if (plaintext.size() + 11 > k) return Status::bad_input;
    Bytes c(k);
    if (mbedtls_rsa_rsaes_pkcs1_v15_encrypt(rsa, mbedtls_rng_callback, &rng, MBEDTLS_RSA_PUBLIC,
                                            plaintext.size(), plaintext.data(), c.data()) != 0)
      return Status::internal;
    *out = std::move(c);
    return Status::ok;
  }

 private:
  mutable mbedtls_pk_context pk_;
  mutable std::mutex mu_;
  KeyType type_ = KeyType::other;
  Bytes spki_;
};

// Writes the public half of pk as a DER SubjectPublicKeyInfo.
Bytes spki_of(mbedtls_pk_context* pk) {
  Bytes buf(4096);
  int n = mbedtls_pk_write_pubkey_der(pk, buf.data(), buf.size());  // writes at the end of buf
  if (n <= 0) return Bytes();
  return Bytes(buf.end() - n, buf.end());
}

class MbedtlsPrivateKey final : public PrivateKey {
 public:
  MbedtlsPrivateKey() { mbedtls_pk_init(&pk_); }
  ~MbedtlsPrivateKey() override { mbedtls_pk_free(&pk_); }
  MbedtlsPrivateKey(const MbedtlsPrivateKey&) = delete;
  MbedtlsPrivateKey& operator=(const MbedtlsPrivateKey&) = delete;

  mbedtls_pk_context* pk() { return &pk_; }
  void set_type(KeyType t) { type_ = t; }

  // mbedTLS draws an RSA key's blinding values (Vi, Vf: twice k - 1 bytes, with retries that depend on
  // the values) from the f_rng of the key's first private operation only; later operations square
  // them. Were that first operation a connection's, the connection's draws, and so every byte it
  // writes after them, would depend on whether another connection had used the key first (a key in a
  // shared config). So a loaded RSA key makes one private operation at once, on a generator seeded
  // from its private exponent (as DH blinding is), and every connection's private operation then
  // draws the same from the connection's Rng: the exponent blinding (and RSA-PSS's salt).
  bool prime_rsa_blinding() {
    mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk_);
    const size_t k = mbedtls_rsa_get_len(rsa);
    Mpi d;
    if (k < 2 || mbedtls_rsa_export(rsa, nullptr, nullptr, nullptr, &d.v, nullptr) != 0) return false;
    Bytes seed = mpi_to_bytes(&d.v, k);
    if (seed.empty()) return false;
    BlindingDrbg drbg(seed);
    secure_zero(seed);
    Bytes in(k, 0), out(k);
    in[k - 1] = 2;  // any value below the modulus
    bool ok = drbg.ok && mbedtls_rsa_private(rsa, mbedtls_hmac_drbg_random, &drbg.v, in.data(), out.data()) == 0;
    secure_zero(out);
    return ok;
  }

  KeyType type() const override { return type_; }
  size_t bits() const override { return mbedtls_pk_get_bitlen(&pk_); }

  Status sign(SignatureScheme scheme, ByteView msg, Rng& rng, Bytes* sig) const override {
    SchemeInfo info = scheme_info(scheme);
    if (!scheme_fits(info, type_)) return Status::unsupported;
    uint8_t hash[MBEDTLS_MD_MAX_SIZE];
    size_t hlen = 0;
    if (!digest(info.md, msg, hash, &hlen)) return Status::unsupported;
    std::lock_guard<std::mutex> lock(mu_);
    Bytes out;
    int r;
    if (info.kind == SchemeInfo::ecdsa) {
      out.resize(MBEDTLS_ECDSA_MAX_LEN);
      size_t slen = 0;
      r = mbedtls_ecdsa_write_signature(mbedtls_pk_ec(pk_), info.md, hash, hlen, out.data(), &slen,
                                        mbedtls_rng_callback, &rng);
      out.resize(slen);
    } else {
      mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk_);
      out.resize(mbedtls_rsa_get_len(rsa));
      if (info.kind == SchemeInfo::rsa_pkcs1) {
        r = mbedtls_rsa_rsassa_pkcs1_v15_sign(rsa, mbedtls_rng_callback, &rng, MBEDTLS_RSA_PRIVATE, info.md,
                                              static_cast<unsigned>(hlen), hash, out.data());
      } else {
        // The MGF1 hash is the context's hash_id: set it to the scheme's hash (RFC 8446 section 4.2.3).
        mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V21, info.md);
        r = mbedtls_rsa_rsassa_pss_sign_ext(rsa, mbedtls_rng_callback, &rng, info.md,
                                            static_cast<unsigned>(hlen), hash, static_cast<int>(hlen),
                                            out.data());
        mbedtls_rsa_set_padding(rsa, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE);
      }
    }
    if (r != 0) return Status::internal;
    *sig = std::move(out);
    return Status::ok;
  }

  // RFC 5246 section 7.4.7.1. The random bytes are drawn first, always. The raw RSA operation runs
  // with blinding; the PKCS#1 v1.5 padding, the length (48) and the version are checked with masks,
  // and the output is selected byte by byte with the combined mask, so that nothing branches on or
  // indexes memory by the decrypted value.
  Status rsa_decrypt_premaster(ByteView ciphertext, uint16_t client_version, Rng& rng,
                               uint8_t out[48]) const override {
    if (type_ != KeyType::rsa) return Status::unsupported;
    uint8_t fallback[48];
    rng.fill(fallback, sizeof(fallback));
    std::lock_guard<std::mutex> lock(mu_);
    mbedtls_rsa_context* rsa = mbedtls_pk_rsa(pk_);
    const size_t k = mbedtls_rsa_get_len(rsa);
    if (ciphertext.size() != k) {
      secure_zero(fallback, sizeof(fallback));
      return Status::bad_input;
    }
    if (k < 59) {
      // Too small to hold 0x00 0x02, eight bytes of PS, 0x00 and 48 bytes (k is public).
      std::memcpy(out, fallback, sizeof(fallback));
      secure_zero(fallback, sizeof(fallback));
      return Status::ok;
    }
    Bytes em(k);
    // Fails only when the ciphertext (public) is >= n; the premaster is then the random bytes.
    uint32_t good = ct_is_zero(
        static_cast<uint32_t>(mbedtls_rsa_private(rsa, mbedtls_rng_callback, &rng, ciphertext.data(), em.data()) != 0));
    // EM = 0x00 || 0x02 || PS (at least 8 non-zero bytes) || 0x00 || M, and M must be 48 bytes: the
    // separator must be the first zero after PS and sit exactly at k - 49.
    good &= ct_is_zero(em[0]);
    good &= ct_eq(em[1], 2);
    uint32_t looking = ~0u;   // still inside PS
    uint32_t sep_index = 0;   // index of the first zero byte from index 2
    for (size_t i = 2; i < k; i++) {
      uint32_t is_zero = ct_is_zero(em[i]);
      uint32_t found = looking & is_zero;
      sep_index |= found & static_cast<uint32_t>(i);
      looking &= ~is_zero;
    }
    good &= ~looking;  // a separator exists
    // With k >= 59 the separator at k - 49 >= 10 leaves PS at least 8 bytes long.
    good &= ct_eq(sep_index, static_cast<uint32_t>(k - 49));
    const size_t m = k - 48;
    good &= ct_eq(em[m], static_cast<uint32_t>(client_version >> 8));
    good &= ct_eq(em[m + 1], static_cast<uint32_t>(client_version & 0xff));
    for (size_t i = 0; i < 48; i++) out[i] = ct_select8(good, em[m + i], fallback[i]);
    secure_zero(em);
    secure_zero(fallback, sizeof(fallback));
    return Status::ok;
  }

  std::unique_ptr<PublicKey> public_key() const override {
    Bytes spki;
    {
      std::lock_guard<std::mutex> lock(mu_);
      spki = spki_of(&pk_);
    }
    return mbedtls_public_key_from_spki(spki);
  }

 private:
  mutable mbedtls_pk_context pk_;
  mutable std::mutex mu_;
  KeyType type_ = KeyType::other;
};

bool looks_like_pem(ByteView in) {
  static const char kBegin[] = "-----BEGIN ";
  const size_t n = sizeof(kBegin) - 1;
  for (size_t i = 0; i + n <= in.size(); i++)
    if (std::memcmp(in.data() + i, kBegin, n) == 0) return true;
  return false;
}

// Bytes of exponent for a server-chosen DH group: at least twice the security level of p (NIST SP
// 800-57 part 1, table 2), rounded up: <= 2048 bits: 32; <= 3072: 40; <= 7680: 48; larger: 64.
size_t dh_exponent_length(size_t pbits) {
  if (pbits <= 2048) return 32;
  if (pbits <= 3072) return 40;
  if (pbits <= 7680) return 48;
  return 64;
}

// The largest p accepted from a server (bounds the cost of an exponentiation a peer can make us do).
constexpr size_t kMaxDhBits = 8192;

}  // namespace

std::unique_ptr<PublicKey> mbedtls_public_key_from_spki(ByteView spki_der) {
  auto key = std::make_unique<MbedtlsPublicKey>();
  if (!key->init(spki_der)) return nullptr;
  return key;
}

std::unique_ptr<KeyShare> MbedtlsProvider::generate_key_share(Group group, Rng& rng) const {
  switch (group) {
    case Group::x25519:
    case Group::x448:
    case Group::secp256r1:
    case Group::secp384r1:
    case Group::secp521r1: {
      auto share = std::make_unique<EcKeyShare>();
      if (!share->init(group, rng)) return nullptr;
      return share;
    }
    case Group::ffdhe2048:
    case Group::ffdhe3072:
    case Group::ffdhe4096:
    case Group::ffdhe6144:
    case Group::ffdhe8192: {
      Bytes p, g;
      ffdhe_params(group, &p, &g);
      auto share = std::make_unique<DhKeyShare>();
      size_t exp_len = group == Group::ffdhe2048 ? 32 : group == Group::ffdhe3072 ? 40 : dh_exponent_length(p.size() * 8);
      if (!share->init(p, g, exp_len, /*named=*/true, rng)) return nullptr;
      return share;
    }
  }
  return nullptr;
}

std::unique_ptr<KeyShare> MbedtlsProvider::generate_dh_share(ByteView p, ByteView g, size_t min_bits,
                                                            Rng& rng) const {
  Mpi P, G, pm2;
  if (p.empty() || g.empty()) return nullptr;
  if (mbedtls_mpi_read_binary(&P.v, p.data(), p.size()) != 0) return nullptr;
  if (mbedtls_mpi_read_binary(&G.v, g.data(), g.size()) != 0) return nullptr;
  const size_t pbits = mbedtls_mpi_bitlen(&P.v);
  if (pbits < min_bits || pbits > kMaxDhBits || pbits < 3 || mbedtls_mpi_get_bit(&P.v, 0) != 1) return nullptr;
  if (mbedtls_mpi_sub_int(&pm2.v, &P.v, 2) != 0) return nullptr;
  if (mbedtls_mpi_cmp_int(&G.v, 2) < 0 || mbedtls_mpi_cmp_mpi(&G.v, &pm2.v) > 0) return nullptr;
  // Work with the minimal encodings (a server may send leading zeros).
  Bytes pb = mpi_to_bytes(&P.v, mbedtls_mpi_size(&P.v));
  Bytes gb = mpi_to_bytes(&G.v, mbedtls_mpi_size(&G.v));
  auto share = std::make_unique<DhKeyShare>();
  if (!share->init(pb, gb, dh_exponent_length(pbits), /*named=*/false, rng)) return nullptr;
  return share;
}

void MbedtlsProvider::ffdhe_params(Group group, Bytes* p, Bytes* g) const {
  p->clear();
  g->clear();
  if (group == Group::ffdhe2048) {
    p->assign(kFfdhe2048P, kFfdhe2048P + sizeof(kFfdhe2048P));
  } else if (group == Group::ffdhe3072) {
    p->assign(kFfdhe3072P, kFfdhe3072P + sizeof(kFfdhe3072P));
  } else if (group == Group::ffdhe4096) {
    p->assign(kFfdhe4096P, kFfdhe4096P + sizeof(kFfdhe4096P));
  } else if (group == Group::ffdhe6144) {
    p->assign(kFfdhe6144P, kFfdhe6144P + sizeof(kFfdhe6144P));
  } else if (group == Group::ffdhe8192) {
    p->assign(kFfdhe8192P, kFfdhe8192P + sizeof(kFfdhe8192P));
  } else {
    return;
  }
  g->assign(kFfdheG, kFfdheG + sizeof(kFfdheG));
}

std::unique_ptr<PrivateKey> MbedtlsProvider::load_private_key(ByteView pem_or_der, std::string* error) const {
  auto set_error = [error](const char* msg) {
    if (error != nullptr) *error = msg;
  };
  if (pem_or_der.empty()) {
    set_error("empty key");
    return nullptr;
  }
  auto key = std::make_unique<MbedtlsPrivateKey>();
  int r;
  if (looks_like_pem(pem_or_der)) {
    // mbedTLS parses PEM only from a NUL-terminated buffer whose length counts the NUL.
    Bytes text(pem_or_der.begin(), pem_or_der.end());
    text.push_back(0);
    r = mbedtls_pk_parse_key(key->pk(), text.data(), text.size(), nullptr, 0);
    secure_zero(text);
  } else {
    r = mbedtls_pk_parse_key(key->pk(), pem_or_der.data(), pem_or_der.size(), nullptr, 0);
  }
  if (r != 0) {
    set_error("cannot parse the private key (PKCS#1, SEC1 or PKCS#8, unencrypted, PEM or DER)");
    return nullptr;
  }
  KeyType t = key_type_of(key->pk());
  if (t == KeyType::other) {
    set_error("unsupported key type (RSA, P-256 and P-384 are supported)");
    return nullptr;
  }
  key->set_type(t);
  if (t == KeyType::rsa && !key->prime_rsa_blinding()) {
    set_error("the RSA private key does not work (a private operation with it failed)");
    return nullptr;
  }
  return key;
}

}  // namespace crypto
}  // namespace sanstls
