// libFuzzer harness: a sanstls client (every TLS 1.2 suite, the test CA as trust anchor, SNI and
// name check "localhost", ALPN) with a deterministic generator (kClientSeed) and a clock fixed at
// 2030-01-01, fed arbitrary server flights split at fuzzer-chosen points.
//
// Input: flags(1) suite(1) | n(1) size(1)*n | server stream...
//   flags bit 0: the client has a certificate (client.pem); bit 1: it offers the fixed session of
//   default_tls12_suites()[suite % 19] for resumption; bit 2: echo application data; bit 3:
//   receive_eof() at the end; bit 4: close() at the end; bit 5: on_timeout() after the deadline.
// The corpus (make_corpora) holds the server side of real handshakes with this client and seed, so
// that replaying one verifies the certificate chain, completes (full or resumed, with or without
// client authentication) and reaches application data and close_notify.
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
  uint8_t suite_index = in.u8();
  const std::vector<uint16_t>& suites = default_tls12_suites();
  Connection::ClientOptions opts;
  opts.server_name = kServerName;
  if (flags & 2) opts.resume = fixed_session(suites[suite_index % suites.size()]);
  auto rng = crypto::make_deterministic_rng(ByteView::of(kClientSeed));
  FixedClock clock;
  Connection client = Connection::client(client_config(0, (flags & 1) != 0), opts, *rng, clock);
  Driver d(client);
  d.echo = (flags & 4) != 0;
  d.drain();
  require(!d.take_output().empty(), "a client without a ClientHello");

  feed_split(d, in);
  (void)d.take_output();
  if (d.done) {
    const HandshakeInfo* info = client.info();
    require(find_suite(info->cipher_suite) != nullptr, "handshake done with a suite sanstls does not speak");
    require(!info->resumed || (opts.resume && info->cipher_suite == opts.resume->cipher_suite),
            "resumed a session the client did not offer");
    // Without resumption the client must have seen (and verified) a certificate chain.
    require(info->resumed || !info->peer_chain.empty(), "full handshake done without a server certificate");
  }
  require(!d.data_before_done, "application data accepted before the handshake was done");
  if (flags & 16) {
    client.close();
    d.drain();
    (void)d.take_output();
  }
  if (flags & 8) {
    client.receive_eof();
    d.drain();
    (void)d.take_output();
  }
  if (flags & 32) {
    uint64_t deadline = client.next_deadline();
    if (deadline != 0) {
      clock.set(deadline + 1);
      client.on_timeout();
      d.drain();
      if (!d.done) require(client.error() != nullptr, "a handshake outlived its deadline");
      (void)d.take_output();
    }
  }
  d.check_sticky();
  if (verbose()) report("client", client, d);
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
