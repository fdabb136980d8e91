// What the engine harnesses (server, client, handshake) and the corpus generator share: an input
// reader, a fixed clock, the fixed configs built from the embedded test PKI, a session cache that
// knows one fixed session per suite, key logs, and a checked driver that turns the engine's
// must-never-happen outcomes into crashes.
//
// Everything here is deterministic: the same input gives the same run. The configs are built once
// per process and shared (they are immutable); the session cache and key logs hold no state that
// one input could leave for the next (the key logs are cleared by the handshake harness per input).
#ifndef SANSTLS_FUZZ_SUPPORT_H_
#define SANSTLS_FUZZ_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/connection.h"
#include "core/session.h"
#include "core/tickets.h"
#include "crypto/crypto.h"

namespace sanstls {
namespace fuzz {

// Prints `what` to stderr and traps: a finding.
[[noreturn]] void fail(const char* what);
inline void require(bool ok, const char* what) {
  if (!ok) fail(what);
}

// Reads fuzzer bytes from the front. Reading past the end gives zeros / empty views (never fails).
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t u8();
  uint16_t u16();  // big-endian
  // Up to n bytes (fewer when the input runs out).
  ByteView take(size_t n);
  ByteView rest();
  size_t remaining() const { return size_ - off_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t off_ = 0;
};

// The provider every harness config (and proxy) uses: crypto::default_provider(), or, in the fast
// variants (support.cc compiled with SANSTLS_FUZZ_FAST_CRYPTO: the :support_fast library, the
// *_fast_fuzzer targets), crypto::fuzzing_provider() (crypto/fuzzing_provider.h): signatures that
// always verify, cheap key exchange, an AEAD that does not encrypt but checks a keyed checksum.
const crypto::Provider& provider();
// True in the fast variants.
bool fast_crypto();
// The generator a harness's connections draw from: crypto::make_deterministic_rng(seed) (HMAC-DRBG over
// SHA-256), or, in the fast variants, a cheap deterministic one (splitmix64): randomness only has to
// be reproducible here, and the DRBG was a tenth of the fast TLS 1.3 harness's instructions. Used by
// the two handshake harnesses, whose inputs are operations; the server and client harnesses keep the
// DRBG, since their corpora are byte streams that depend on what the other side drew.
std::unique_ptr<crypto::Rng> make_rng(ByteView seed);

// 2030-01-01T00:00:00Z: inside the validity of the good test certificates.
constexpr uint64_t kNowMs = 1893456000000ull;

class FixedClock : public Clock {
 public:
  explicit FixedClock(uint64_t ms = kNowMs) : ms_(ms) {}
  uint64_t now_ms() override { return ms_; }
  void set(uint64_t ms) { ms_ = ms; }

 private:
  uint64_t ms_;
};

// The seeds of the deterministic generators each side uses in the harnesses (and the corpus
// generator, so that recorded flights replay: a server fed the bytes a client sent to a server with
// the same config and seed answers exactly as it did then).
extern const char kServerSeed[];
extern const char kClientSeed[];

// The server name every client asks for; the test leaf certificates are issued for it.
extern const char kServerName[];

// Session resumption without state across inputs: FixedSessionCache::get knows, for every TLS 1.2
// suite sanstls speaks, one session with id fixed_session_id(suite) and a fixed master secret
// (EMS, SNI kServerName, no ALPN, created at kNowMs - 1 s). put() and remove() do nothing.
Bytes fixed_session_id(uint16_t suite);
Session fixed_session(uint16_t suite);
class FixedSessionCache final : public SessionCache {
 public:
  void put(const Session&) override {}
  bool get(ByteView session_id, uint64_t now_ms, Session* out) override;
  void remove(ByteView) override {}
};

// Key logs: every secret the engine logs, keyed by label and client random (TLS 1.2: CLIENT_RANDOM,
// the master secret; TLS 1.3: CLIENT_EARLY_TRAFFIC_SECRET, CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET,
// CLIENT_/SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET). One store for clients and one for servers, so
// that a harness can ask what secret a given side derived.
class StoreKeyLog final : public KeyLog {
 public:
  void log(const char* label, ByteView client_random, ByteView secret) override;
  // The last secret logged under `label` for this client random; false when none.
  bool find(const char* label, ByteView client_random, Bytes* secret) const;
  // The same for "CLIENT_RANDOM" (the TLS 1.2 master secret).
  bool find(ByteView client_random, Bytes* secret) const { return find("CLIENT_RANDOM", client_random, secret); }
  void clear() { secrets_.clear(); }

 private:
  std::map<std::pair<std::string, Bytes>, Bytes> secrets_;
};
StoreKeyLog& client_key_log();
StoreKeyLog& server_key_log();
// Clears both key logs when made and when destroyed, so that one input's secrets neither reach the
// next nor outlive the run: a run that ends with more allocations than it started with makes
// libFuzzer execute the input a second time (and LSan scan the heap) looking for a leak.
class KeyLogScope {
 public:
  KeyLogScope() { clear(); }
  ~KeyLogScope() { clear(); }
  KeyLogScope(const KeyLogScope&) = delete;
  KeyLogScope& operator=(const KeyLogScope&) = delete;

 private:
  static void clear() {
    client_key_log().clear();
    server_key_log().clear();
  }
};

// The ticket keys of every harness server (one fixed ring that never rotates), so that the tickets a
// server issues are the same in every run and the fixed TLS 1.3 sessions below are accepted.
std::shared_ptr<TicketKeys> fixed_ticket_keys();

// The most 0-RTT data the TLS 1.3 harness servers take (and the fixed sessions allow).
constexpr uint32_t kMaxEarlyData = 16384;
// The 0-RTT data the client harness offers (flags bit 7), and make_corpora with it.
extern const char kEarlyData[];

// A TLS 1.3 session for `suite` (one of default_tls13_suites()) that every server_config13() accepts:
// a fixed resumption PSK, a ticket sealed under fixed_ticket_keys() (with a fixed generator, so the
// same bytes every time), SNI kServerName, ALPN "h2" (what the harness servers choose), created at
// kNowMs - 1 s, 0-RTT allowed up to kMaxEarlyData.
Session fixed_session13(uint16_t suite);

// The configs (built once per process from the embedded test PKI; a build failure is fatal).
// server_config / client_config: TLS 1.2 only (versions pinned to 0x0303: the TLS 1.2 corpora
// depend on it).
// Server: the RSA leaf and the ECDSA chain, ALPN {h2, http/1.1}, FixedSessionCache, server_key_log(),
// fixed_ticket_keys();
// `suite` 0 = every suite in the default order, else only that suite; client certificates checked
// against the test CA when auth != none.
std::shared_ptr<const ServerConfig> server_config(ClientAuth auth, uint16_t suite = 0);
// Client: trusts the test CA, ALPN {http/1.1, h2}, client_key_log(); `suite` as above; with_cert:
// offers tests/certs/client.pem.
std::shared_ptr<const ClientConfig> client_config(uint16_t suite = 0, bool with_cert = false);
// TLS 1.3 server: as server_config() but TLS 1.2 and 1.3, every suite, 0-RTT up to kMaxEarlyData
// with an anti-replay guard that forgets at once (a window of 0 ms: runs stay independent, so every
// input replays alike); p256_only: groups {P-256} only, so a client whose first key share is X25519
// (the default) gets a HelloRetryRequest.
// `suite` as in server_config().
std::shared_ptr<const ServerConfig> server_config13(ClientAuth auth, bool p256_only = false, uint16_t suite = 0);
// TLS 1.3 client: as client_config() but early data enabled and, with `suite` 0, TLS 1.2 and 1.3 and
// every suite; a TLS 1.3 `suite` alone makes it TLS 1.3 only.
std::shared_ptr<const ClientConfig> client_config13(uint16_t suite = 0, bool with_cert = false);

// Drives one Connection and checks, after every call, what must always hold:
//   - once error() is set, the connection's output (consumed + pending) never grows again;
//   - handshake_done at most once, with info() set, and only while no error is set;
//   - 0-RTT data (flagged early_data) only on a server and only before handshake_done;
//   - no event after Closed; at most one Closed;
//   - receive() makes progress: it takes input unless an app_data event is waiting.
// Violations crash (fail()). Output is consumed (as a transport would) by take_output().
class Driver {
 public:
  explicit Driver(Connection& c) : c_(c) {}
  // Gives `data` to the connection, calling receive() as often as it takes (draining events between
  // calls). Returns false once the connection has failed (the rest of `data` is dropped).
  bool feed(ByteView data);
  // Reads every event. With echo set, app data received is sent back (as much as send() takes).
  void drain();
  // Everything the connection wants written, which is marked as consumed.
  Bytes take_output();
  // The output invariant above; called by every other member.
  void check_output();
  // After a failure: send() and receive() must keep failing, and nothing more may be written.
  void check_sticky();

  // Asynchronous operations (server_async harness): a request event is answered when the connection
  // next refuses input for want of it (so always with more input waiting, or at finish_async()),
  // after a completion for the wrong operation that must be api_misuse and change nothing. Without
  // it, a request event is a finding (the configs ask for none).
  bool answer_async = false;
  // The pending request, answered now (at the end of the input: the paused states' last word).
  void finish_async();

  bool echo = false;
  bool done = false;          // handshake_done seen
  bool closed = false;        // Closed seen
  bool clean = false;         // ... after close_notify
  bool data_before_done = false;  // an app_data event before handshake_done (0-RTT data aside)
  size_t early_data = 0;          // bytes of 0-RTT data received (they are in `data` too)
  std::string data;           // app data received, in order
  std::vector<Alert> alerts;
  size_t events = 0;

 private:
  void answer();

  Connection& c_;
  std::optional<Event> request_;  // the request event not yet answered
  std::unique_ptr<crypto::Rng> answer_rng_;
  size_t consumed_ = 0;
  bool error_seen_ = false;
  size_t output_at_error_ = 0;
};

// True when the environment variable SANSTLS_FUZZ_VERBOSE is set: harnesses then print one line per
// input saying how far it got (for checking what a corpus reaches; see README.md).
bool verbose();
// Prints that line for one connection: "<who>: done resumed client_auth suite data_bytes closed clean
// error".
void report(const char* who, const Connection& c, const Driver& d);

// The end the single-engine harnesses (client, server) share, after the peer's stream was fed: no
// application data before handshake_done; then, by flag bits, close() (16), end of stream (8), the
// clock past the handshake deadline (32: the handshake must then fail); then the sticky-error check and,
// when verbose(), the report line.
void finish_single(const char* who, Connection& conn, Driver& d, FixedClock& clock, uint8_t flags);

// Feeds a byte stream in fuzzer-chosen pieces: a count byte n (0..15) and n size bytes come first
// in `in`; the stream (the rest of `in`) is fed in pieces of those sizes in turn (a size byte 0
// means everything left), then the rest at once.
void feed_split(Driver& d, Input& in);

}  // namespace fuzz
}  // namespace sanstls

#endif  // SANSTLS_FUZZ_SUPPORT_H_
