// libFuzzer harness: a sanstls server with a fixed config (RSA and ECDSA certificates, every suite,
// ALPN, a session cache that knows one fixed session per TLS 1.2 suite, fixed ticket keys), a
// deterministic generator (kServerSeed) and a clock fixed at 2030-01-01, fed arbitrary client bytes
// split at fuzzer-chosen points.
//
// Input: flags(1) | n(1) size(1)*n | client stream...
//   flags bits 0-1: client authentication: 0 none, 1 optional, 2 required, 3 optional;
//   bit 2: echo application data back; bit 3: receive_eof() at the end; bit 4: close() at the end;
//   bit 5: let the handshake deadline pass and call on_timeout() at the end;
//   bit 6: TLS 1.2 and 1.3 (server_config13: 0-RTT up to kMaxEarlyData, the fixed TLS 1.3 sessions
//   resume), else TLS 1.2 only (server_config); bit 7 (TLS 1.3 config only): groups {P-256} only, so
//   a client's X25519 share gets a HelloRetryRequest.
//   n, sizes: see feed_split() in support.h.
// The corpus (make_corpora) holds the client side of real handshakes with this server and seed, so
// replaying one completes the handshake (resumed ones too, with 0-RTT data, after a
// HelloRetryRequest, with KeyUpdates) and reaches application data and close.
// The checks of fuzz::Driver (no output after a fatal alert, event order, progress) run throughout.
//
// server_async_fast_fuzzer is this harness compiled with SANSTLS_FUZZ_ASYNC (same input, flags and
// corpus) with every asynchronous operation on: the selection (select_async), the keys' signatures and
// RSA decryptions (CertifiedKey::async), and client-certificate verification (an async verifier after
// the default check). fuzz::Driver answers each request only when the connection next refuses input
// for want of it (so with more input waiting: the paused states see the next chunk arrive), or at the
// end of the input; before each answer it tries a completion for the wrong operation, which must be
// api_misuse and change nothing. Built over the fuzzing provider (support_fast), so that mutated
// streams get past the signatures to the paused states.
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
  static const ClientAuth kAuth[] = {ClientAuth::none, ClientAuth::optional, ClientAuth::required,
                                     ClientAuth::optional};
  bool tls13 = (flags & 64) != 0;
  std::shared_ptr<const ServerConfig> cfg =
      kAsync ? config_for(flags)
             : tls13 ? server_config13(kAuth[flags & 3], (flags & 128) != 0) : server_config(kAuth[flags & 3]);
  auto rng = crypto::make_deterministic_rng(ByteView::of(kServerSeed));
  FixedClock clock;
  Connection server = Connection::server(cfg, *rng, clock);
  Driver d(server);
  d.answer_async = kAsync;
  d.echo = (flags & 4) != 0;
  d.drain();
  require(server.pending_output().empty(), "a server wrote before it heard anything");

  feed_split(d, in);
  if (kAsync) d.finish_async();
  (void)d.take_output();
  if (d.done) {
    const HandshakeInfo* info = server.info();
    require(find_suite(info->cipher_suite) != nullptr, "handshake done with a suite sanstls does not speak");
    // Required client authentication: a full handshake cannot finish without a verified certificate.
    if ((flags & 3) == 2 && !info->resumed)
      require(info->client_authenticated && !info->peer_chain.empty(), "required client authentication bypassed");
    require(info->version == 0x0303 || (tls13 && info->version == 0x0304), "handshake done with a version not enabled");
    require(!info->early_data_accepted || (info->version == 0x0304 && info->resumed),
            "0-RTT accepted without TLS 1.3 resumption");
    const CipherSuite* cs = find_suite(info->cipher_suite);
    require(cs->is_tls13() == (info->version == 0x0304), "suite and version do not go together");
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
