// The second crypto provider: OpenSSL 3.0's libcrypto (EVP). A config picks it at run time with
// `.provider(crypto::libcrypto_provider())`; a build makes it default_provider() (and its generators
// make_deterministic_rng() / make_system_rng()) with `--define=crypto=libcrypto` (`--config=libcrypto`).
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

// The random generators over libcrypto, whatever the build's default: the deterministic one is the same
// HMAC-DRBG(SHA-256) as mbedTLS's (crypto.h's make_deterministic_rng): the same seed and fill() sizes
// give the same bytes on both providers. The system one is RAND_bytes (OS entropy through libcrypto's
// DRBG).
std::unique_ptr<Rng> make_libcrypto_deterministic_rng(ByteView seed);
std::unique_ptr<Rng> make_libcrypto_system_rng();

}  // namespace crypto
}  // namespace sanstls

#endif  // SANSTLS_CRYPTO_LIBCRYPTO_H_
