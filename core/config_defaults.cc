// The builders' default constructors: the configs on the build's default crypto provider
// (crypto::default_provider(), from //crypto:backend), and a server's ticket keys from the system
// generator (crypto::make_system_rng()). Kept out of //core:engine so that the engine
// names no provider and links on its own with one the application passes (Builder(provider)).
#include "core/config.h"

namespace sanstls {

ClientConfig::Builder::Builder() : Builder(crypto::default_provider()) {}

namespace {
// The system generator, made when first drawn from: a builder costs no entropy until its server
// issues or opens a ticket. Used only under the ticket ring's locks (ServerConfig::tickets_ring).
class SystemRngOnFirstUse : public crypto::Rng {
 public:
  void fill(uint8_t* out, size_t n) override {
    if (!rng_) rng_ = crypto::make_system_rng();
    rng_->fill(out, n);
  }

 private:
  std::unique_ptr<crypto::Rng> rng_;
};
}  // namespace

// The ticket keys come from a generator of the config's own (never a connection's).
ServerConfig::Builder::Builder() : Builder(crypto::default_provider()) {
  ticket_key_generator(std::make_shared<SystemRngOnFirstUse>());
}

}  // namespace sanstls
