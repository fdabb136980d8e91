// The mbedTLS 2.28 provider by name, whatever the build's default (`--define=crypto=libcrypto` makes
// crypto.h's default_provider() the libcrypto one). For code that needs mbedTLS specifically: the
// provider comparisons, the tools' `-provider mbedtls`, the benchmark's "sanstls" stack.
#ifndef SANSTLS_CRYPTO_MBEDTLS_H_
#define SANSTLS_CRYPTO_MBEDTLS_H_

#include <memory>

#include "crypto/crypto.h"

namespace sanstls {
namespace crypto {

// Created once per process.
const Provider& mbedtls_provider();
// HMAC-DRBG(SHA-256) over mbedtls_hmac_drbg (see make_deterministic_rng in crypto.h).
std::unique_ptr<Rng> make_mbedtls_deterministic_rng(ByteView seed);
// OS entropy through mbedTLS's entropy source and CTR-DRBG.
std::unique_ptr<Rng> make_mbedtls_system_rng();

}  // namespace crypto
}  // namespace sanstls

#endif  // SANSTLS_CRYPTO_MBEDTLS_H_
