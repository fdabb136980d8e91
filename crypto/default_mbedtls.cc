// The build's default provider and generators: mbedTLS 2.28 (//crypto:backend picks this file unless --define=crypto=libcrypto).
#include "crypto/crypto.h"
#include "crypto/mbedtls.h"

namespace sanstls {
namespace crypto {

const Provider& default_provider() { return mbedtls_provider(); }
std::unique_ptr<Rng> make_deterministic_rng(ByteView seed) { return make_mbedtls_deterministic_rng(seed); }
std::unique_ptr<Rng> make_system_rng() { return make_mbedtls_system_rng(); }

}  // namespace crypto
}  // namespace sanstls
