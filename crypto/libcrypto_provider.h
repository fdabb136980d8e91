// The Provider over OpenSSL 3.0's libcrypto (internal to crypto/). Its methods are defined in three files:
//   libcrypto_symmetric.cc  hashes, HMAC, AEAD, AES-CBC, the constant-time MAC
//   libcrypto_pk.cc         key shares (X25519, X448, P-256, P-384, P-521, FFDHE), keys, RSA, signatures
//   libcrypto_x509.cc       certificates, trust stores, chain and name verification
// OpenSSL headers are included by those .cc files only; this header names no OpenSSL type.
#ifndef SANSTLS_CRYPTO_LIBCRYPTO_PROVIDER_H_
#define SANSTLS_CRYPTO_LIBCRYPTO_PROVIDER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "crypto/libcrypto.h"

struct evp_md_st;  // OpenSSL's EVP_MD

namespace sanstls {
namespace crypto {

// A PublicKey from a DER SubjectPublicKeyInfo (RSA or EC); nullptr when libcrypto cannot parse it.
// Defined in libcrypto_pk.cc; libcrypto_x509.cc uses it for Certificate::public_key().
std::unique_ptr<PublicKey> libcrypto_public_key_from_spki(ByteView spki_der);

// The fetched message digest for alg (an `const EVP_MD*`; the OpenSSL type is only forward-declared
// here). Fetched once per process; defined in libcrypto_symmetric.cc.
const evp_md_st* libcrypto_md(HashAlg alg);

// Empties the calling thread's OpenSSL error queue (after an expected failure, so that no stale error
// reaches other OpenSSL users in the process, such as libssl).
void libcrypto_clear_errors();

class LibcryptoProvider final : public Provider {
 public:
  std::unique_ptr<Hash> hash(HashAlg alg) const override;
  std::unique_ptr<Hmac> hmac(HashAlg alg, ByteView key) const override;
  bool hmac_oneshot(HashAlg alg, ByteView key, const ByteView* parts, size_t n, uint8_t* out) const override;
  std::unique_ptr<Aead> aead(AeadAlg alg, ByteView key) const override;
  std::unique_ptr<CbcCipher> aes_cbc(ByteView key) const override;
  Status hmac_constant_time(HashAlg alg, ByteView key, ByteView header, const uint8_t* data, size_t data_len,
                            size_t max_len, uint8_t* out) const override;

  std::unique_ptr<KeyShare> generate_key_share(Group group, Rng& rng) const override;
  std::unique_ptr<KeyShare> generate_dh_share(ByteView p, ByteView g, size_t min_bits, Rng& rng) const override;
  void ffdhe_params(Group group, Bytes* p, Bytes* g) const override;
  std::unique_ptr<PrivateKey> load_private_key(ByteView pem_or_der, std::string* error) const override;

  std::unique_ptr<Certificate> parse_certificate(ByteView der, std::string* error) const override;
  bool load_certificates(ByteView pem_or_der, std::vector<Bytes>* der_out, std::string* error) const override;
  std::unique_ptr<TrustStore> make_trust_store(const std::vector<Bytes>& anchors_der,
                                               std::string* error) const override;
};

}  // namespace crypto
}  // namespace sanstls

#endif  // SANSTLS_CRYPTO_LIBCRYPTO_PROVIDER_H_
