// The builders' default constructors: the configs on the build's default crypto provider
// (crypto::default_provider(), from //crypto:backend). Kept out of //core:engine so that the engine
// names no provider and links on its own with one the application passes (Builder(provider)).
#include "core/config.h"

namespace sanstls {

ClientConfig::Builder::Builder() : Builder(crypto::default_provider()) {}

ServerConfig::Builder::Builder() : Builder(crypto::default_provider()) {}

}  // namespace sanstls
