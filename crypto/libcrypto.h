// The second crypto provider: OpenSSL 3.0's libcrypto (EVP). mbedTLS stays default_provider(); a
// config picks this one with `.provider(crypto::libcrypto_provider())`.
//
// Randomness follows crypto.h: every random value that reaches an output (key shares, ECDSA nonces,
// PSS salts, PKCS#1 v1.5 encryption padding, the implicit-rejection premaster) is drawn from the Rng
// argument, never from OpenSSL's own generator, so connections stay a deterministic function of their
// inputs. OpenSSL's generator is used only for blinding inside RSA private operations, which never
// changes a result.
#ifndef SANSTLS_CRYPTO_LIBCRYPTO_H_
#define SANSTLS_CRYPTO_LIBCRYPTO_H_

#include "crypto/crypto.h"

namespace sanstls {
namespace crypto {

// The provider over OpenSSL 3.0's libcrypto, created once per process.
const Provider& libcrypto_provider();

}  // namespace crypto
}  // namespace sanstls

#endif  // SANSTLS_CRYPTO_LIBCRYPTO_H_
