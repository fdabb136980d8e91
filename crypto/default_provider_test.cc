// default_provider() and crypto.h's generators follow the build's choice (//crypto:backend):
// mbedTLS by default, libcrypto under --define=crypto=libcrypto.
#include <doctest/doctest.h>

#include "crypto/crypto.h"
#include "crypto/libcrypto.h"
#include "crypto/mbedtls.h"

namespace sanstls {
namespace crypto {
namespace {

TEST_CASE("default_provider is the build's choice") {
#ifdef SANSTLS_EXPECT_LIBCRYPTO
  CHECK(&default_provider() == &libcrypto_provider());
#else
  CHECK(&default_provider() == &mbedtls_provider());
#endif
  CHECK(&mbedtls_provider() != &libcrypto_provider());
}

TEST_CASE("the default generators work") {
  auto sys = make_system_rng();
  Bytes a(16, 0), b(16, 0);
  sys->fill(a.data(), a.size());
  sys->fill(b.data(), b.size());
  CHECK(a != b);
  auto d1 = make_deterministic_rng(ByteView::of("x"));
  auto d2 = make_deterministic_rng(ByteView::of("x"));
  d1->fill(a.data(), a.size());
  d2->fill(b.data(), b.size());
  CHECK(a == b);
}

}  // namespace
}  // namespace crypto
}  // namespace sanstls
