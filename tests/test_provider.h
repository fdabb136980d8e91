// The crypto provider that the shared test code (tests/pair.cc, tests/interop_support.cc) and the tests
// that run on both providers build their configs on. Two libraries compile tests/test_provider.cc:
// //tests:test_provider gives the build's default provider (crypto::default_provider(): mbedTLS, or
// libcrypto under --config=libcrypto), and
// //tests:test_provider_libcrypto, compiled with SANSTLS_TEST_LIBCRYPTO, OpenSSL's libcrypto
// (crypto::libcrypto_provider()). A test target picks one through the pair / interop_support variant it
// depends on (:pair or :pair_libcrypto, :interop_support or :interop_support_libcrypto).
#ifndef SANSTLS_TESTS_TEST_PROVIDER_H_
#define SANSTLS_TESTS_TEST_PROVIDER_H_

#include "crypto/crypto.h"

namespace sanstls {
namespace testing {

const crypto::Provider& test_provider();

// "mbedtls" or "libcrypto", for test names and messages.
const char* test_provider_name();

}  // namespace testing
}  // namespace sanstls

#endif  // SANSTLS_TESTS_TEST_PROVIDER_H_
