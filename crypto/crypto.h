// The one door between the protocol engine and cryptography.
//
// core/ depends on this header only. The implementation over mbedTLS (crypto/mbedtls_provider.h) is the
// only code that includes an mbedTLS header. Every function reports failure as a value; none throws.
//
// Randomness: every operation that needs random bytes takes an `Rng&`; nothing draws from a generator
// of its own, so a connection driven by a DeterministicRng is reproducible to the byte.
// Time: certificate checks take the time as an argument (seconds since the Unix epoch).
#ifndef SANSTLS_CRYPTO_CRYPTO_H_
#define SANSTLS_CRYPTO_CRYPTO_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/types.h"

namespace sanstls {
namespace crypto {

// ---------------------------------------------------------------------------------------------------
// Status

enum class Status : uint8_t {
  ok = 0,
  bad_input,          // malformed argument: wrong length, bad encoding, value out of range
  bad_tag,            // AEAD tag or MAC did not verify
  bad_signature,      // signature did not verify
  bad_peer_value,     // peer key-exchange value invalid (0, 1, p-1, not on curve, wrong length)
  unsupported,        // algorithm or key type not supported by this provider
  internal,           // the crypto library failed unexpectedly
};
const char* status_name(Status s);

// ---------------------------------------------------------------------------------------------------
// Randomness

class Rng {
 public:
  virtual ~Rng() = default;
  // Fills out[0..n). Must not fail; a generator that cannot produce bytes aborts the process.
  virtual void fill(uint8_t* out, size_t n) = 0;
};

// Reproducible to the byte for a given seed: HMAC-DRBG(SHA-256) instantiated with the seed as entropy
// (NIST SP 800-90A), no reseeding, no prediction resistance. For tests, fuzzing and replay.
// The bytes depend on the seed AND on the sizes of the successive fill() calls (each call is one DRBG
// request, or several of at most 1024 bytes): the same seed and call sequence give the same bytes.
// Both providers build it (crypto/mbedtls.h, crypto/libcrypto.h) and give the same bytes; this one is
// the build's default provider's (//crypto:backend; see default_provider()).
std::unique_ptr<Rng> make_deterministic_rng(ByteView seed);
// OS entropy: mbedTLS's entropy source and CTR-DRBG, or libcrypto's RAND_bytes under
// --define=crypto=libcrypto.
std::unique_ptr<Rng> make_system_rng();

// ---------------------------------------------------------------------------------------------------
// Hashes

enum class HashAlg : uint8_t { sha1, sha256, sha384, sha512 };
constexpr size_t kMaxHashLen = 64;
size_t hash_length(HashAlg alg);
size_t hash_block_length(HashAlg alg);

// Incremental hash with copyable state (the handshake transcript forks it for Finished).
class Hash {
 public:
  virtual ~Hash() = default;
  virtual HashAlg alg() const = 0;
  virtual void update(ByteView data) = 0;
  // Writes hash_length(alg()) bytes to out. The object must not be used after finish().
  virtual void finish(uint8_t* out) = 0;
  virtual std::unique_ptr<Hash> clone() const = 0;
  // Writes the hash of what was fed so far (hash_length(alg()) bytes) and leaves this hash as it was:
  // the transcript's hash at a point in the handshake. The default finishes a clone(); a provider whose
  // state is a plain struct finishes a copy on the stack and allocates nothing.
  virtual void peek(uint8_t* out) const { clone()->finish(out); }
};

// Incremental HMAC.
class Hmac {
 public:
  virtual ~Hmac() = default;
  virtual void update(ByteView data) = 0;
  // Writes hash_length bytes and resets to the keyed initial state, ready for the next message.
  virtual void finish(uint8_t* out) = 0;
};

// ---------------------------------------------------------------------------------------------------
// Ciphers

// AES-CCM is the CCM of NIST SP 800-38C with a 12-byte nonce, as TLS uses it: aes_128_ccm and aes_256_ccm
// with a 16-byte tag (RFC 5116 AEAD_AES_128_CCM / AEAD_AES_256_CCM; RFC 6655, RFC 8446 B.4), aes_128_ccm_8 and
// aes_256_ccm_8 with an 8-byte tag (RFC 6655 AEAD_AES_128_CCM_8 / AEAD_AES_256_CCM_8; RFC 7251, RFC 8446 B.4).
enum class AeadAlg : uint8_t {
  aes_128_gcm,
  aes_256_gcm,
  chacha20_poly1305,
  aes_128_ccm,
  aes_256_ccm,
  aes_128_ccm_8,
  aes_256_ccm_8,
};
size_t aead_key_length(AeadAlg alg);  // 16, 32, 32, 16, 32, 16, 32
size_t aead_tag_length(AeadAlg alg);  // 16, but 8 for the CCM_8 algorithms
constexpr size_t kAeadTagLength = 16;  // the longest tag
constexpr size_t kAeadNonceLength = 12;

class Aead {
 public:
  virtual ~Aead() = default;
  virtual AeadAlg alg() const = 0;
  // Encrypts inout[0..len) in place and writes the tag, aead_tag_length(alg()) bytes. nonce is 12 bytes.
  virtual Status seal(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, uint8_t* tag) = 0;
  // Decrypts inout[0..len) in place after checking the tag (aead_tag_length(alg()) bytes); on bad_tag
  // inout's content is unspecified.
  virtual Status open(ByteView nonce, ByteView aad, uint8_t* inout, size_t len, const uint8_t* tag) = 0;
};

// AES-CBC without padding (the record layer pads). len must be a multiple of 16; iv is 16 bytes.
class CbcCipher {
 public:
  virtual ~CbcCipher() = default;
  virtual Status encrypt(ByteView iv, uint8_t* inout, size_t len) = 0;
  virtual Status decrypt(ByteView iv, uint8_t* inout, size_t len) = 0;
};

// ---------------------------------------------------------------------------------------------------
// Key exchange

// Values are the TLS NamedGroup code points.
enum class Group : uint16_t {
  secp256r1 = 0x0017,
  secp384r1 = 0x0018,
  x25519 = 0x001d,
  x448 = 0x001e,
  ffdhe2048 = 0x0100,
  ffdhe3072 = 0x0101,
  secp521r1 = 0x0019,
  ffdhe4096 = 0x0102,
  ffdhe6144 = 0x0103,
  ffdhe8192 = 0x0104,
};
bool group_supported(uint16_t code_point);

// One ephemeral key pair. Public values: X25519 32 bytes, X448 56 bytes; NIST curves the uncompressed point
// (0x04 || X || Y); finite-field DH the public value big-endian, left-padded to the length of p.
class KeyShare {
 public:
  virtual ~KeyShare() = default;
  virtual ByteView public_value() const = 0;
  // Checks the peer's value (rejects: wrong length; for DH y <= 1 or y >= p-1; points not on the curve
  // or the point at infinity; an all-zero X25519 or X448 result) and writes the shared secret: X25519 32
  // bytes, X448 56 bytes, NIST curves the X coordinate, DH the secret left-padded to the length of p (TLS 1.2 strips
  // leading zeros itself, TLS 1.3 keeps them).
  virtual Status shared_secret(ByteView peer_public, Bytes* out) = 0;
};

// ---------------------------------------------------------------------------------------------------
// Signatures (values are the TLS SignatureScheme code points)

enum class SignatureScheme : uint16_t {
  rsa_pkcs1_sha1 = 0x0201,
  ecdsa_sha1 = 0x0203,
  rsa_pkcs1_sha256 = 0x0401,
  rsa_pkcs1_sha384 = 0x0501,
  rsa_pkcs1_sha512 = 0x0601,
  ecdsa_secp256r1_sha256 = 0x0403,
  ecdsa_secp384r1_sha384 = 0x0503,
  ecdsa_secp521r1_sha512 = 0x0603,
  rsa_pss_rsae_sha256 = 0x0804,
  rsa_pss_rsae_sha384 = 0x0805,
  rsa_pss_rsae_sha512 = 0x0806,
  ed25519 = 0x0807,
  rsa_pss_pss_sha256 = 0x0809,
  rsa_pss_pss_sha384 = 0x080a,
  rsa_pss_pss_sha512 = 0x080b,
};

enum class KeyType : uint8_t { rsa, ec_p256, ec_p384, ec_p521, other };
inline bool is_ecdsa_key(KeyType t) { return t == KeyType::ec_p256 || t == KeyType::ec_p384 || t == KeyType::ec_p521; }
// The named group of an ECDSA key's curve (TLS 1.2 names certificate curves by group, RFC 8422 5.1);
// 0 for other keys.
inline uint16_t ecdsa_curve_group(KeyType t) {
  if (t == KeyType::ec_p256) return static_cast<uint16_t>(Group::secp256r1);
  if (t == KeyType::ec_p384) return static_cast<uint16_t>(Group::secp384r1);
  if (t == KeyType::ec_p521) return static_cast<uint16_t>(Group::secp521r1);
  return 0;
}

class PublicKey {
 public:
  virtual ~PublicKey() = default;
  virtual KeyType type() const = 0;
  virtual size_t bits() const = 0;
  // Verifies sig over msg (the message itself; the scheme says how it is hashed). ECDSA signatures are
  // DER-encoded as in TLS. Returns ok or bad_signature (or unsupported for a scheme that does not fit
  // the key).
  virtual Status verify(SignatureScheme scheme, ByteView msg, ByteView sig) const = 0;
  // RSA key exchange, client side: PKCS#1 v1.5 encryption.
  virtual Status rsa_encrypt_pkcs1(ByteView plaintext, Rng& rng, Bytes* out) const = 0;
  // The key as a DER SubjectPublicKeyInfo (two keys are the same key iff these are equal).
  virtual ByteView spki_der() const = 0;
};

class PrivateKey {
 public:
  virtual ~PrivateKey() = default;
  virtual KeyType type() const = 0;
  virtual size_t bits() const = 0;
  // What sign() and rsa_decrypt_premaster() draw from rng never depends on the key's earlier
  // operations: a key shared by many connections gives each the same draws whatever ran before it.
  virtual Status sign(SignatureScheme scheme, ByteView msg, Rng& rng, Bytes* sig) const = 0;
  // RSA key exchange, server side (RFC 5246 7.4.7.1): decrypts the PKCS#1 v1.5 ciphertext and, in
  // constant time, writes 48 bytes to out: the decrypted premaster secret when the padding is good,
  // the length is 48 and its first two bytes equal client_version; otherwise 48 random bytes drawn
  // from rng (always drawn, whether used or not). Fails only for a non-RSA key or a ciphertext whose
  // length is not the modulus length (which is public).
  virtual Status rsa_decrypt_premaster(ByteView ciphertext, uint16_t client_version, Rng& rng,
                                       uint8_t out[48]) const = 0;
  virtual std::unique_ptr<PublicKey> public_key() const = 0;
};

// ---------------------------------------------------------------------------------------------------
// X.509

// Why a chain was refused; the engine maps each to its alert (RFC 5246 7.2.2, RFC 8446 6.2).
enum class CertError : uint8_t {
  ok = 0,
  bad_certificate,          // unparsable, bad signature in the chain, or an unusable leaf
  unsupported_certificate,  // key type or algorithm not supported
  certificate_expired,      // a certificate not yet valid or expired at the given time
  unknown_ca,               // no path to a trust anchor
  name_mismatch,            // leaf does not match the expected DNS name or IP address
  bad_key_usage,            // key usage / extended key usage / basic constraints do not allow this use
};
const char* cert_error_name(CertError e);

// What the leaf's key will be used for; keyUsage (when the extension is present) must allow it.
enum class KeyUse : uint8_t {
  any,               // server_auth: digitalSignature or keyEncipherment; client_auth: digitalSignature (the old rule)
  digital_signature, // signs (TLS 1.3 CertificateVerify, TLS 1.2 ServerKeyExchange, client CertificateVerify)
  key_encipherment,  // TLS 1.2 RSA key exchange: the client encrypts the premaster secret to this key
};

class Certificate {
 public:
  virtual ~Certificate() = default;
  virtual ByteView der() const = 0;
  virtual std::unique_ptr<PublicKey> public_key() const = 0;
  virtual std::string subject() const = 0;  // one line, as mbedTLS prints it
  virtual std::string issuer() const = 0;
  virtual int64_t not_before() const = 0;  // seconds since the Unix epoch
  virtual int64_t not_after() const = 0;
  // The serial number as `openssl x509 -serial` shows it: the magnitude's bytes, big-endian, without
  // the DER sign-padding zero (a serial of 0 is one zero byte). Empty when the provider cannot say.
  virtual Bytes serial() const { return Bytes(); }
  // The subjectAltName dNSName entries (as bytes) and iPAddress entries (4 or 16 bytes; other lengths
  // as they are), each in the certificate's order. False when the provider cannot read them (the lists
  // are then empty); true with empty lists for a certificate without subjectAltName.
  virtual bool alt_names(std::vector<std::string>* /*dns*/, std::vector<Bytes>* /*ips*/) const { return false; }
  // Checks a DNS name or an IP address (v4 dotted or v6 text) against the certificate, RFC 6125 (the
  // policy in full: crypto/x509_policy.h, the same for every provider):
  //  - an IP address matches only a subjectAltName iPAddress entry, byte for byte;
  //  - a DNS name matches the subjectAltName dNSName entries, case-insensitively; a wildcard only as the
  //    whole leftmost label, followed by at least two labels, standing for exactly one label;
  //  - the subject's CN is used only when the certificate has NO subjectAltName extension at all (a SAN
  //    holding only URI or e-mail entries turns it off too, RFC 6125 6.4.4), and then must equal the
  //    name exactly (case-insensitive): a wildcard in the CN is not honoured.
  virtual bool matches_name(const std::string& name) const = 0;
  // Whether the keyUsage extension, when present, allows `use` (no extension allows everything):
  // digital_signature needs digitalSignature, key_encipherment needs keyEncipherment, and `any` either
  // of the two (a certificate does not know whether it serves a server or a client). A server asks
  // before it picks its own certificate for a use (TLS 1.2 RSA key exchange: key_encipherment).
  virtual bool allows_key_use(KeyUse use) const = 0;
};

enum class Purpose : uint8_t { server_auth, client_auth };

// A set of trust anchors. Immutable once built; shared by many connections.
class TrustStore {
 public:
  virtual ~TrustStore() = default;
  virtual size_t size() const = 0;
  // chain[0] is the leaf, then intermediates in any order. Checks (policy in full: crypto/x509_policy.h):
  //  - signatures up to an anchor (else unknown_ca), validity at `now` for every certificate of the
  //    path (certificate_expired), basic constraints and key usage of the CAs;
  //  - the leaf: extended key usage for `purpose`; keyUsage, when present, allowing `use` (KeyUse);
  //    not a CA (basicConstraints CA:TRUE): else bad_key_usage;
  //  - the name, when `name` is not empty, with Certificate::matches_name (else name_mismatch);
  //  - name constraints (RFC 5280 4.2.1.10) of every CA of the path, the trust anchor included, for
  //    dNSName and iPAddress subtrees, permitted and excluded, against the leaf's subjectAltName
  //    dNSName / iPAddress entries, the matched `name`, and the CN when it is the name used (no SAN).
  //    Outside a permitted subtree or inside an excluded one: bad_certificate (the name matched, the
  //    certificate is wrong); so is a malformed nameConstraints. Other name forms (e-mail, URI,
  //    directoryName) are not enforced, and a critical nameConstraints holding only them is accepted.
  // When leaf_key is not null and the chain verifies, *leaf_key receives the leaf's public key (saving
  // the caller a second parse). The store keeps the keys of recent verified leaves (bounded), so a peer
  // seen again reuses the same key object and the crypto library's precomputation for it; the libcrypto
  // store also keeps the parsed certificates of recent verified chains, by exact DER (bounded), and
  // parses only what it has not seen. Neither cache changes a verdict: every check runs each time.
  virtual CertError verify(const std::vector<ByteView>& chain, int64_t now, Purpose purpose,
                           const std::string& name, std::unique_ptr<PublicKey>* leaf_key = nullptr,
                           KeyUse use = KeyUse::any) const = 0;
};

// ---------------------------------------------------------------------------------------------------
// The provider: creates every object above. Stateless and thread-safe; one is shared by everything.

class Provider {
 public:
  virtual ~Provider() = default;

  virtual std::unique_ptr<Hash> hash(HashAlg alg) const = 0;
  virtual std::unique_ptr<Hmac> hmac(HashAlg alg, ByteView key) const = 0;
  // HMAC(key, parts[0] || ... || parts[n-1]) into out (hash_length(alg) bytes) with no object kept: the
  // one-shot MACs of the key schedules (HKDF, Finished). False when hmac() would return nullptr. The
  // default goes through hmac(); a provider may compute it on the stack without allocating.
  virtual bool hmac_oneshot(HashAlg alg, ByteView key, const ByteView* parts, size_t n, uint8_t* out) const;
  // nullptr on a key of the wrong length.
  virtual std::unique_ptr<Aead> aead(AeadAlg alg, ByteView key) const = 0;
  // AES-128 or AES-256 by key length (16 or 32); nullptr otherwise.
  virtual std::unique_ptr<CbcCipher> aes_cbc(ByteView key) const = 0;

  // Constant-time MAC for MAC-then-encrypt CBC records (Lucky Thirteen): computes
  // HMAC(key, header || data[0..data_len)) where data_len is secret and at most max_len, doing the
  // same number of hash compressions whatever data_len is. data must hold max_len readable bytes.
  virtual Status hmac_constant_time(HashAlg alg, ByteView key, ByteView header, const uint8_t* data,
                                    size_t data_len, size_t max_len, uint8_t* out) const = 0;

  // nullptr for an unsupported group. The private key is drawn from rng in a fixed way, so that a test
  // can inject a known key (RFC 7748, RFC 8448) through a generator that returns given bytes:
  //   x25519 / x448: 32 / 56 bytes, used as the RFC 7748 scalar (little-endian, clamped as RFC 7748 says);
  //   secp256r1 / secp384r1 / secp521r1: 32 / 48 / 66 bytes, big-endian (the top 7 bits cleared for
  //   secp521r1), drawn again while 0 or >= the group order;
  //   ffdhe2048 / ffdhe3072: 32 / 40 bytes (twice the group's security level), big-endian exponent,
  //   drawn again while < 2.
  virtual std::unique_ptr<KeyShare> generate_key_share(Group group, Rng& rng) const = 0;
  // Finite-field DH with the server's parameters (TLS 1.2 DHE client). nullptr when p is not an odd
  // number of at least min_bits bits or g is not in [2, p-2].
  virtual std::unique_ptr<KeyShare> generate_dh_share(ByteView p, ByteView g, size_t min_bits,
                                                      Rng& rng) const = 0;
  // The RFC 7919 prime and generator of a named ffdhe group (empty for other groups).
  virtual void ffdhe_params(Group group, Bytes* p, Bytes* g) const = 0;

  // PEM (first key in the text; PKCS#1, SEC1 or PKCS#8, unencrypted) or DER.
  virtual std::unique_ptr<PrivateKey> load_private_key(ByteView pem_or_der, std::string* error) const = 0;
  virtual std::unique_ptr<Certificate> parse_certificate(ByteView der, std::string* error) const = 0;
  // Every certificate in a PEM text (or one DER certificate), as DER, in order.
  virtual bool load_certificates(ByteView pem_or_der, std::vector<Bytes>* der_out,
                                 std::string* error) const = 0;
  virtual std::unique_ptr<TrustStore> make_trust_store(const std::vector<Bytes>& anchors_der,
                                                       std::string* error) const = 0;
};

// The build's default provider, created once per process: mbedTLS 2.28 (crypto/mbedtls.h,
// mbedtls_provider()), or OpenSSL 3.0's libcrypto (crypto/libcrypto.h, libcrypto_provider()) when built
// with `--define=crypto=libcrypto` (`--config=libcrypto`). Defined by //crypto:backend's choice,
// crypto/default_mbedtls.cc or crypto/default_libcrypto.cc.
const Provider& default_provider();

// ---------------------------------------------------------------------------------------------------
// Constructions built on the primitives above (crypto/kdf.cc; no mbedTLS).

Bytes hash_once(const Provider& p, HashAlg alg, ByteView data);
Bytes hmac_once(const Provider& p, HashAlg alg, ByteView key, ByteView data);

// TLS 1.2 PRF (RFC 5246 section 5): P_hash(secret, label || seed), out_len bytes.
Bytes tls12_prf(const Provider& p, HashAlg alg, ByteView secret, const std::string& label, ByteView seed,
                size_t out_len);
// The same into a caller's buffer of out_len bytes (the label as bytes: no std::string made for it);
// false when the HMAC cannot be made (where tls12_prf is empty).
bool tls12_prf_into(const Provider& p, HashAlg alg, ByteView secret, ByteView label, ByteView seed, uint8_t* out,
                    size_t out_len);

// HKDF (RFC 5869).
Bytes hkdf_extract(const Provider& p, HashAlg alg, ByteView salt, ByteView ikm);
// out_len <= 255 * hash_length(alg); returns empty otherwise.
Bytes hkdf_expand(const Provider& p, HashAlg alg, ByteView prk, ByteView info, size_t out_len);
// TLS 1.3 HKDF-Expand-Label (RFC 8446 7.1); label without the "tls13 " prefix.
Bytes hkdf_expand_label(const Provider& p, HashAlg alg, ByteView secret, const std::string& label,
                        ByteView context, size_t out_len);

// The same three, writing into a caller's buffer instead of a new vector (the TLS 1.3 key schedule
// keeps its intermediate secrets and traffic keys on the stack): `out` takes hash_length(alg) bytes
// for hash_once_into, hmac_once_into and hkdf_extract_into, out_len bytes for hkdf_expand_label_into.
// False (and `out` unspecified) where the vector-returning versions return empty.
bool hash_once_into(const Provider& p, HashAlg alg, ByteView data, uint8_t* out);
bool hmac_once_into(const Provider& p, HashAlg alg, ByteView key, ByteView data, uint8_t* out);
bool hkdf_extract_into(const Provider& p, HashAlg alg, ByteView salt, ByteView ikm, uint8_t* out);
bool hkdf_expand_label_into(const Provider& p, HashAlg alg, ByteView secret, const std::string& label,
                            ByteView context, uint8_t* out, size_t out_len);

}  // namespace crypto
}  // namespace sanstls

#endif  // SANSTLS_CRYPTO_CRYPTO_H_
