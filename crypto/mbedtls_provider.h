// The Provider over mbedTLS 2.28 (internal to crypto/). Its methods are defined in three files:
//   mbedtls_symmetric.cc  hashes, HMAC, AEAD, AES-CBC, the constant-time MAC, random generators
//   mbedtls_pk.cc         key shares (ECDH, X25519, X448, FFDHE), private and public keys, RSA, signatures
//   mbedtls_x509.cc       certificates, trust stores, chain and name verification
// mbedTLS 2.28 names (the `_ret` suffixes and so on) stay in these files, so that moving to mbedTLS 3.6
// touches crypto/ alone.
#ifndef SANSTLS_CRYPTO_MBEDTLS_PROVIDER_H_
#define SANSTLS_CRYPTO_MBEDTLS_PROVIDER_H_

#include <cstddef>

#include "crypto/crypto.h"

namespace sanstls {
namespace crypto {

// An mbedTLS f_rng callback that draws from a sanstls Rng (p_rng is an Rng*). Always returns 0.
int mbedtls_rng_callback(void* p_rng, unsigned char* out, size_t len);

// A PublicKey from a DER SubjectPublicKeyInfo (RSA or EC); nullptr when mbedTLS cannot parse it.
// Defined in mbedtls_pk.cc; mbedtls_x509.cc uses it for Certificate::public_key().
std::unique_ptr<PublicKey> mbedtls_public_key_from_spki(ByteView spki_der);

class MbedtlsProvider final : public Provider {
 public:
  std::unique_ptr<Hash> hash(HashAlg alg) const override;
  std::unique_ptr<Hmac> hmac(HashAlg alg, ByteView key) const override;
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

#endif  // SANSTLS_CRYPTO_MBEDTLS_PROVIDER_H_
