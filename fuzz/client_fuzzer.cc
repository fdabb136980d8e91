// libFuzzer harness: a sanstls client (every TLS 1.2 suite, the test CA as trust anchor, SNI and
// name check "localhost", ALPN) with a deterministic generator (kClientSeed) and a clock fixed at
// 2030-01-01, fed arbitrary server flights split at fuzzer-chosen points.
//
// Input: flags(1) suite(1) | n(1) size(1)*n | server stream...
//   flags bit 0: the client has a certificate (client.pem); bit 1: it offers the fixed session of
//   default_tls12_suites()[suite % its size] (TLS 1.3: fixed_session13(default_tls13_suites()[suite % 3]))
//   for resumption; bit 2: echo application data; bit 3: receive_eof() at the end; bit 4: close() at
//   the end; bit 5: on_timeout() after the deadline; bit 6: TLS 1.2 and 1.3 (client_config13, early
//   data enabled), else TLS 1.2 only; bit 7 (TLS 1.3, with bit 1): offer kEarlyData as 0-RTT.
// The corpus (make_corpora) holds the server side of real handshakes with this client and seed, so
// that replaying one verifies the certificate chain, completes (full or resumed, with or without
// client authentication; TLS 1.3 also after a HelloRetryRequest, with 0-RTT, KeyUpdates and
// post-handshake authentication) and reaches application data and close_notify.
//
// client_async_fast_fuzzer is this harness compiled with SANSTLS_FUZZ_ASYNC (same input, flags and
// corpus) with its asynchronous operations on: the server chain's verification (an async verifier
// after the default check) and the client certificate's signature (CertifiedKey::async). fuzz::Driver
// answers each request only when the connection next refuses input for want of it (so with more input
// waiting) or at the end of the input, after a completion for the wrong operation that must be
// api_misuse and change nothing. Built over the fuzzing provider (support_fast).
#include <cstddef>
#include <cstdint>

#include "core/suites.h"
#include "fuzz/support.h"

namespace sanstls {
namespace fuzz {
namespace {

#ifdef SANSTLS_FUZZ_ASYNC
constexpr bool kAsync = true;
#else
constexpr bool kAsync = false;
#endif

// The config with its operations asynchronous (a copy: the harness configs are shared and fixed). It
// keeps the base config's verifier id, so that the fixed sessions (made under it) are still offered:
// the harness's verifier accepts whatever the default check accepted.
std::shared_ptr<const ClientConfig> async_of(const std::shared_ptr<const ClientConfig>& base) {
  auto c = std::make_shared<ClientConfig>(*base);
  if (c->client_certificate) {
    auto copy = std::make_shared<CertifiedKey>(*c->client_certificate);
    copy->async = true;
    c->client_certificate = std::move(copy);
  }
  CertificateVerifier v;
  v.tag = "fuzz-async";
  v.async = true;
  c->certificate_verifier = std::make_shared<const CertificateVerifier>(std::move(v));
  return c;
}

std::shared_ptr<const ClientConfig> config_for(bool tls13, bool cert) {
  static std::shared_ptr<const ClientConfig> made[2][2];
  std::shared_ptr<const ClientConfig>& slot = made[tls13][cert];
  if (!slot) slot = async_of(tls13 ? client_config13(0, cert) : client_config(0, cert));
  return slot;
}

void run(const uint8_t* data, size_t size) {
  Input in(data, size);
  uint8_t flags = in.u8();
  uint8_t suite_index = in.u8();
  bool tls13 = (flags & 64) != 0;
  const std::vector<uint16_t>& suites = tls13 ? default_tls13_suites() : default_tls12_suites();
  Connection::ClientOptions opts;
  opts.server_name = kServerName;
  if (flags & 2) {
    uint16_t suite = suites[suite_index % suites.size()];
    opts.resume = tls13 ? fixed_session13(suite) : fixed_session(suite);
    if (tls13 && (flags & 128)) opts.early_data = ByteView::of(kEarlyData).to_bytes();
  }
  auto rng = crypto::make_deterministic_rng(ByteView::of(kClientSeed));
  FixedClock clock;
  bool cert = (flags & 1) != 0;
  Connection client = Connection::client(
      kAsync ? config_for(tls13, cert) : tls13 ? client_config13(0, cert) : client_config(0, cert), opts, *rng, clock);
  Driver d(client);
  d.answer_async = kAsync;
  d.echo = (flags & 4) != 0;
  d.drain();
  require(!d.take_output().empty(), "a client without a ClientHello");

  feed_split(d, in);
  if (kAsync) d.finish_async();
  (void)d.take_output();
  if (d.done) {
    const HandshakeInfo* info = client.info();
    require(find_suite(info->cipher_suite) != nullptr, "handshake done with a suite sanstls does not speak");
    require(!info->resumed || (opts.resume && info->cipher_suite == opts.resume->cipher_suite),
            "resumed a session the client did not offer");
    // Without resumption the client must have seen (and verified) a certificate chain.
    require(info->resumed || !info->peer_chain.empty(), "full handshake done without a server certificate");
    require(info->version == 0x0303 || (tls13 && info->version == 0x0304), "handshake done with a version not enabled");
    require(!info->early_data_accepted || (info->resumed && !opts.early_data.empty()),
            "0-RTT accepted that was not offered");
    require(find_suite(info->cipher_suite)->is_tls13() == (info->version == 0x0304),
            "suite and version do not go together");
  }
  finish_single("client", client, d, clock, flags);
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
