#include "tests/test_provider.h"

#ifdef SANSTLS_TEST_LIBCRYPTO
#include "crypto/libcrypto.h"
#endif

namespace sanstls {
namespace testing {

#ifdef SANSTLS_TEST_LIBCRYPTO
const crypto::Provider& test_provider() { return crypto::libcrypto_provider(); }
const char* test_provider_name() { return "libcrypto"; }
#else
const crypto::Provider& test_provider() { return crypto::default_provider(); }
const char* test_provider_name() { return "mbedtls"; }
#endif

}  // namespace testing
}  // namespace sanstls
