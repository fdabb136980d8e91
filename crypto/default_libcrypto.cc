// The build's default provider and generators: OpenSSL 3.0's libcrypto (//crypto:backend picks this file under --define=crypto=libcrypto).
#include "crypto/crypto.h"
#include "crypto/libcrypto.h"

namespace sanstls {
namespace crypto {

const Provider& default_provider() { return libcrypto_provider(); }
std::unique_ptr<Rng> make_deterministic_rng(ByteView seed) { return make_libcrypto_deterministic_rng(seed); }
std::unique_ptr<Rng> make_system_rng() { return make_libcrypto_system_rng(); }

}  // namespace crypto
}  // namespace sanstls
