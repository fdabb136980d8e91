// libFuzzer harness: a sanstls server with a fixed config (RSA and ECDSA certificates, every TLS 1.2
// suite, ALPN, a session cache that knows one fixed session per suite), a deterministic generator
// (kServerSeed) and a clock fixed at 2030-01-01, fed arbitrary client bytes split at fuzzer-chosen
// points.
//
// Input: flags(1) | n(1) size(1)*n | client stream...
//   flags bits 0-1: client authentication: 0 none, 1 optional, 2 required, 3 optional;
//   bit 2: echo application data back; bit 3: receive_eof() at the end; bit 4: close() at the end;
//   bit 5: let the handshake deadline pass and call on_timeout() at the end.
//   n, sizes: see feed_split() in support.h.
// The corpus (make_corpora) holds the client side of real handshakes with this server and seed, so
// replaying one completes the handshake (resumed ones too) and reaches application data and close.
// The checks of fuzz::Driver (no output after a fatal alert, event order, progress) run throughout.
#include <cstddef>
#include <cstdint>

#include "core/suites.h"
#include "fuzz/support.h"

namespace sanstls {
namespace fuzz {
namespace {

void run(const uint8_t* data, size_t size) {
  Input in(data, size);
  uint8_t flags = in.u8();
  static const ClientAuth kAuth[] = {ClientAuth::none, ClientAuth::optional, ClientAuth::required,
                                     ClientAuth::optional};
  std::shared_ptr<const ServerConfig> cfg = server_config(kAuth[flags & 3]);
  auto rng = crypto::make_deterministic_rng(ByteView::of(kServerSeed));
  FixedClock clock;
  Connection server = Connection::server(cfg, *rng, clock);
  Driver d(server);
  d.echo = (flags & 4) != 0;
  d.drain();
  require(server.pending_output().empty(), "a server wrote before it heard anything");

  feed_split(d, in);
  (void)d.take_output();
  if (d.done) {
    const HandshakeInfo* info = server.info();
    require(find_suite(info->cipher_suite) != nullptr, "handshake done with a suite sanstls does not speak");
    // Required client authentication: a full handshake cannot finish without a verified certificate.
    if ((flags & 3) == 2 && !info->resumed)
      require(info->client_authenticated && !info->peer_chain.empty(), "required client authentication bypassed");
  }
  require(!d.data_before_done, "application data accepted before the handshake was done");
  if (flags & 16) {
    server.close();
    d.drain();
    (void)d.take_output();
  }
  if (flags & 8) {
    server.receive_eof();
    d.drain();
    (void)d.take_output();
  }
  if (flags & 32) {
    uint64_t deadline = server.next_deadline();
    if (deadline != 0) {
      clock.set(deadline + 1);
      server.on_timeout();
      d.drain();
      if (!d.done) require(server.error() != nullptr, "a handshake outlived its deadline");
      (void)d.take_output();
    }
  }
  d.check_sticky();
  if (verbose()) report("server", server, d);
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
