// Test-only views into the libcrypto provider's internals (crypto/libcrypto_x509.cc). Not part of the
// library's API: tests use it to check what a cache holds, which the results alone cannot show.
#ifndef SANSTLS_CRYPTO_LIBCRYPTO_TESTING_H_
#define SANSTLS_CRYPTO_LIBCRYPTO_TESTING_H_

#include <cstddef>

#include "crypto/crypto.h"

namespace sanstls {
namespace crypto {

// How many parsed certificates a libcrypto TrustStore keeps (its cache of the certificates of chains
// that verified); 0 for a store of another provider.
size_t libcrypto_cached_certificates(const TrustStore& store);

}  // namespace crypto
}  // namespace sanstls

#endif  // SANSTLS_CRYPTO_LIBCRYPTO_TESTING_H_
