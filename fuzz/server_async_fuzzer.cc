// libFuzzer harness: the server harness (fuzz/server_fuzzer.cc: the same input format, flags and
// corpus) with every asynchronous operation on: the selection (select_async), the keys' signatures
// and RSA decryptions (CertifiedKey::async), and client-certificate verification (an async verifier
// after the default check). fuzz::Driver answers each request only when the connection next refuses
// input for want of it (so with more input waiting: the paused states see the next chunk arrive), or
// at the end of the input; before each answer it tries a completion for the wrong operation, which
// must be api_misuse and change nothing.
//
// Input: as server_fuzzer (flags(1) | n(1) size(1)*n | client stream). Built over the fuzzing
// provider (support_fast), so that mutated streams get past the signatures to the paused states.
#include <cstddef>
#include <cstdint>

#include "core/suites.h"
#include "fuzz/support.h"

namespace sanstls {
namespace fuzz {
namespace {

// The config with every operation asynchronous (a copy: the harness configs are shared and fixed).
std::shared_ptr<const ServerConfig> async_of(const std::shared_ptr<const ServerConfig>& base) {
  auto c = std::make_shared<ServerConfig>(*base);
  for (auto& ck : c->certificates) {
    auto copy = std::make_shared<CertifiedKey>(*ck);
    copy->async = true;
    ck = std::move(copy);
  }
  CertificateVerifier v;
  v.tag = "fuzz-async";
  v.async = true;
  c->client_certificate_verifier = std::make_shared<const CertificateVerifier>(std::move(v));
  c->select_async = true;
  return c;
}

std::shared_ptr<const ServerConfig> config_for(uint8_t flags) {
  static const ClientAuth kAuth[] = {ClientAuth::none, ClientAuth::optional, ClientAuth::required,
                                     ClientAuth::optional};
  // One per flag combination, made once (the configs are immutable).
  static std::shared_ptr<const ServerConfig> made[4][2][2];
  std::shared_ptr<const ServerConfig>& slot = made[flags & 3][(flags >> 6) & 1][(flags >> 7) & 1];
  if (!slot) {
    bool tls13 = (flags & 64) != 0;
    slot = async_of(tls13 ? server_config13(kAuth[flags & 3], (flags & 128) != 0) : server_config(kAuth[flags & 3]));
  }
  return slot;
}

void run(const uint8_t* data, size_t size) {
  Input in(data, size);
  uint8_t flags = in.u8();
  bool tls13 = (flags & 64) != 0;
  auto rng = crypto::make_deterministic_rng(ByteView::of(kServerSeed));
  FixedClock clock;
  Connection server = Connection::server(config_for(flags), *rng, clock);
  Driver d(server);
  d.answer_async = true;
  d.echo = (flags & 4) != 0;
  d.drain();
  require(server.pending_output().empty(), "a server wrote before it heard anything");
  feed_split(d, in);
  d.finish_async();
  (void)d.take_output();
  if (d.done) {
    const HandshakeInfo* info = server.info();
    require(find_suite(info->cipher_suite) != nullptr, "handshake done with a suite sanstls does not speak");
    if ((flags & 3) == 2 && !info->resumed)
      require(info->client_authenticated && !info->peer_chain.empty(), "required client authentication bypassed");
    require(info->version == 0x0303 || (tls13 && info->version == 0x0304), "handshake done with a version not enabled");
  }
  finish_single("server", server, d, clock, flags);
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
