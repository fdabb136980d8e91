// Deterministic captures of one connection (issue 6), and the wrappers that record them.
//
// The engine is a pure function of its config, the bytes its Rng gives, the readings of its Clock and
// the calls made on it. A capture records all of these, in order, plus every output byte and event, so
// that tools/capture/replay.h can run the connection again with no peer and compare byte for byte.
//
//   auto cc = capture::CapturingConnection::server(config, rng, clock);   // instead of Connection::server
//   ... drive cc exactly like a Connection (same methods) ...
//   cc.save("conn1.stlscap", &error);                                      // or cc.finish() for the bytes
//
// Capturing is opt-in: nothing in core/ knows about it, and a program that uses Connection directly pays
// nothing. The format is in docs/capture-format.md; a reader in Python is tools/capture/read_capture.py.
// What a capture never holds: private keys (only SHA-256 fingerprints of certificates and a key id, see
// describe_config) and the master secret. What it does hold is every random byte the engine drew, which
// includes the ephemeral key-exchange private keys: a capture is as secret as a key log.
#ifndef SANSTLS_TOOLS_CAPTURE_CAPTURE_H_
#define SANSTLS_TOOLS_CAPTURE_CAPTURE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/connection.h"
#include "crypto/crypto.h"

namespace sanstls {
namespace capture {

// "SANSTLSC", then the format version as a big-endian u16.
constexpr char kMagic[8] = {'S', 'A', 'N', 'S', 'T', 'L', 'S', 'C'};
// 2 added the answers of the state outside the connection (client_options, cache_*, ticket_*,
// early_data_check); version 1 captures still parse and replay as they did. async_answer (0x46) came
// within version 2: a reader without it refuses the entry (unknown type), it cannot misread it.
constexpr uint16_t kFormatVersion = 2;
constexpr uint16_t kOldestFormatVersion = 1;
constexpr const char* kLibraryVersion = "sanstls 0.1";

// Entry types (docs/capture-format.md gives each payload). Values are part of the format.
enum class EntryType : uint8_t {
  start = 0x01,         // u8 role (0 client, 1 server), u8 trace, u16 n + server name (n bytes), u8 resume
  config = 0x02,        // text: "key=value" lines (describe_config)
  // Client, version 2: the ClientOptions the connection was made with that the start entry lacks:
  // u16 n + verify_name, u8 no_name_check, u32 n + early data, u32 n + the offered session
  // (Session::encode, which holds its master secret; empty: none).
  client_options = 0x03,
  rng = 0x10,           // the bytes of one Rng::fill() call
  clock = 0x11,         // u64: one Clock::now_ms() reading
  receive = 0x20,       // the chunk given to receive(); a result entry follows
  send = 0x21,          // the data given to send(); a result entry follows
  consume = 0x22,       // consume_output(n): the n output bytes consumed
  close = 0x23,         // close()
  receive_eof = 0x24,   // receive_eof()
  on_timeout = 0x25,    // on_timeout()
  set_trace = 0x26,     // u8 on
  key_update = 0x27,    // u8 request_peer; a result entry follows
  result = 0x28,        // u8 0 + u32 count, or u8 1 + u8 error kind + u8 alert
  request_client_certificate = 0x29,  // a result entry follows
  event = 0x30,         // u8 type, direction, message type, alert level, alert, clean, early_data; data
  no_event = 0x31,      // next_event() returned nothing
  end = 0x3f,           // u8 closed, u8 has error, u8 kind, u8 alert, then the output left unconsumed
  // Version 2: the answers of the state outside the connection, in the order the engine asked (among
  // the rng and clock entries of the call that asked).
  cache_get = 0x40,         // SessionCache::get: u8 n + session id, u8 found, then the session (Session::encode)
  cache_put = 0x41,         // SessionCache::put: the session stored (Session::encode)
  cache_remove = 0x42,      // SessionCache::remove: the session id
  ticket_open = 0x43,       // Ticketer::open: u32 n + ticket, u8 opened, then the plaintext it gave
  ticket_seal = 0x44,       // Ticketer::seal: u32 n + plaintext, then the ticket it gave (empty: none)
  early_data_check = 0x45,  // EarlyDataGuard::first_use: u8 n + id (the PSK binder), u8 first use
  // A completion of an asynchronous operation (complete_sign, complete_decrypt, complete_verify,
  // complete_selection): the request it answers and the answer (AsyncAnswer); a result entry follows.
  async_answer = 0x46,
  // The answer of one synchronous hook of the config (the certificate verifier's check, the selection
  // hook, the ALPN hook), asked from inside the call that made the engine ask: the request and the
  // answer (HookAnswer).
  hook_answer = 0x47,
};
// "receive", "rng", ... or "unknown".
const char* entry_type_name(EntryType t);

struct Entry {
  EntryType type;
  Bytes payload;
};

// A parsed capture. `version` is the file's format version (kOldestFormatVersion .. kFormatVersion).
struct Capture {
  uint16_t version = kFormatVersion;
  std::vector<Entry> entries;
};

// Parses a whole capture file. False with a one-line reason in *error for a bad magic, an unknown
// version, a truncated entry or an entry type this reader does not know.
bool parse_capture(ByteView file, Capture* out, std::string* error);
// The file form of a capture (the inverse of parse_capture).
Bytes encode_capture(const Capture& c);

// Payload codecs shared by the writer and the replayer.
struct StartInfo {
  bool client = true;
  bool trace = false;
  std::string server_name;
  bool resume = false;  // the client offered a session (not replayable: the session is a secret)
};
Bytes encode_start(const StartInfo& s);
bool decode_start(ByteView payload, StartInfo* out);

struct CallResult {
  bool ok = true;
  uint32_t count = 0;  // ok: the count returned
  ErrorKind kind = ErrorKind::internal;
  AlertDescription alert = AlertDescription::internal_error;
};
Bytes encode_result(const CallResult& r);
bool decode_result(ByteView payload, CallResult* out);
// "ok 517" or "error peer_misbehaved (alert decode_error)".
std::string describe_result(const CallResult& r);

// An event with its data copied.
struct RecordedEvent {
  Event::Type type = Event::Type::closed;
  Direction direction = Direction::received;
  uint8_t message_type = 0;
  Alert alert;
  bool clean = false;
  bool early_data = false;
  Bytes data;
};
RecordedEvent record_event(const Event& ev);
Bytes encode_event(const RecordedEvent& e);
bool decode_event(ByteView payload, RecordedEvent* out);
bool operator==(const RecordedEvent& a, const RecordedEvent& b);
// "app_data (12 bytes)", "alert_received fatal handshake_failure", "closed clean" ...
std::string describe_event(const RecordedEvent& e);

struct EndState {
  bool closed = false;
  bool has_error = false;
  ErrorKind kind = ErrorKind::internal;
  AlertDescription alert = AlertDescription::internal_error;
  Bytes unconsumed;
};
Bytes encode_end(const EndState& e);
bool decode_end(ByteView payload, EndState* out);

// client_options (a client capture of version 2, right after config).
struct ClientOptionsEntry {
  std::string verify_name;
  bool no_name_check = false;
  Bytes early_data;
  Bytes session;  // Session::encode() of the offered session; empty: none offered
};
Bytes encode_client_options(const ClientOptionsEntry& o);
bool decode_client_options(ByteView payload, ClientOptionsEntry* out);

// The answers of the outside state. One struct for every kind; which fields an entry type uses is in
// EntryType's comments: key (session id, ticket, plaintext to seal, binder), flag (found, opened,
// first use), value (the session, the plaintext opened, the ticket sealed).
struct OutsideAnswer {
  Bytes key;
  bool flag = false;
  Bytes value;
};
// For cache_get, ticket_open, ticket_seal and early_data_check; cache_put and cache_remove payloads are
// the session or id itself.
Bytes encode_answer(EntryType type, const OutsideAnswer& a);
bool decode_answer(EntryType type, ByteView payload, OutsideAnswer* out);

// async_answer: what one completion call answered. `request_hash` is request_hash() of the request
// event it answers (empty when the connection had emitted none), so that the replay checks the replayed
// engine asked the same (the same bytes to sign, premaster to decrypt, chain, ClientHello).
struct AsyncAnswer {
  Event::Type op = Event::Type::sign_request;  // the request answered (sign/decrypt/verify/select_request)
  Bytes request_hash;
  // sign_request, decrypt_request: the signature / premaster; has_answer false: the key failed.
  bool has_answer = false;
  Bytes answer;
  // verify_request: the verdict. select_request: ok false is a refusal with `alert`.
  bool ok = true;
  AlertDescription alert = AlertDescription::bad_certificate;
  // select_request: the chosen certificate's index in the config's certificate list; -1: none (the
  // config's own choice).
  int certificate_index = -1;
};
Bytes encode_async_answer(const AsyncAnswer& a);
bool decode_async_answer(ByteView payload, AsyncAnswer* out);
// SHA-256 over what a request event asks (its type, and: sign: scheme, leaf certificate, data; decrypt:
// client version, leaf, data; verify: side, name, time, chain; select: the ClientHelloInfo). Empty for
// an event that is not a request.
Bytes request_hash(const Event& ev);
// "complete_sign(a signature of 256 bytes)", "complete_verify(refuse, alert bad_certificate)" ...
std::string describe_async_answer(const AsyncAnswer& a);

// hook_answer: what one call of a synchronous hook of the config answered. `request_hash` says what
// the engine asked, so that the replay checks it asks the same: verify: request_hash() of the
// verify_request the check would be as an asynchronous request; select: of the select_request;
// alpn: alpn_request_hash().
struct HookAnswer {
  enum class Hook : uint8_t { verify = 1, select = 2, alpn = 3 };
  Hook hook = Hook::verify;
  Bytes request_hash;
  // verify: the verdict. select: ok false is a refusal with `alert`.
  bool ok = true;
  AlertDescription alert = AlertDescription::bad_certificate;
  // select: the chosen certificate's index in the config's certificate list; -1: none.
  int certificate_index = -1;
  // alpn: the decision (select and its protocol, none, refuse).
  AlpnDecision alpn;
};
Bytes encode_hook_answer(const HookAnswer& a);
bool decode_hook_answer(ByteView payload, HookAnswer* out);
// The request hashes of the synchronous hooks (the first two equal the asynchronous requests' hashes).
Bytes check_request_hash(const CertificateCheck& check);
Bytes selection_request_hash(const ClientHelloInfo& hello);
// SHA-256 over a tag, the server name and the client's protocols in its order.
Bytes alpn_request_hash(const std::vector<std::string>& offered, const std::string& server_name);
// "verifier check(accept)", "select(certificate.1)", "alpn_select(select 68 32)" ...
std::string describe_hook_answer(const HookAnswer& a);

// ---------------------------------------------------------------------------------------------------
// Config descriptions: one "key=value" line per setting, keys sorted, no secrets.
//   role, library, cipher_suites, groups, signature_schemes (hex code points, comma-separated), alpn
//   (hex of each protocol name), extended_master_secret, encrypt_then_mac, record_size_limit,
//   max_handshake_message, handshake_timeout_ms; client: verify_server, client_certificate (chain
//   fingerprints), client_key (key id); server: certificate.N, key.N (one pair per certified key),
//   client_auth, prefer_server_order, strict_sni, session_cache, session_lifetime_s; and
//   trust_anchors / client_trust when the capturer gives the anchors (the config cannot list them);
//   for asynchronous operations: key_async.N / client_key_async, select_async, and
//   certificate_verifier / client_certificate_verifier ("async,<mode>,<hex tag>"); for synchronous
//   hooks (whose answers the capture holds, hook_answer): certificate_verifier /
//   client_certificate_verifier ("sync,<mode>,<hex tag>"), select=sync and alpn_select=sync.
// A certificate fingerprint is the hex SHA-256 of its DER; a chain is fingerprints joined by ','.
// A key id is the hex SHA-256 of a signature over a fixed message made with the key and a fixed
// deterministic generator: equal ids mean the same key, and nothing about the key can be learnt.

struct DescribeOptions {
  std::vector<Bytes> trust_anchors_der;  // the CA certificates the config trusts, when known
};
using Description = std::map<std::string, std::string>;
Description describe_config(const ClientConfig& c, const DescribeOptions& o = {});
Description describe_config(const ServerConfig& c, const DescribeOptions& o = {});
std::string format_description(const Description& d);
bool parse_description(const std::string& text, Description* out);
std::string certificate_fingerprint(ByteView der);
std::string chain_fingerprint(const std::vector<Bytes>& chain_der);
std::string key_id(const crypto::PrivateKey& key);

// ---------------------------------------------------------------------------------------------------
// Recording

// Appends entries to a capture being written.
class CaptureWriter {
 public:
  CaptureWriter();
  void add(EntryType type, ByteView payload);
  // The capture so far, as a file.
  const Bytes& bytes() const { return out_; }

 private:
  Bytes out_;
};

// Forwards to `inner` and records every draw. `inner` and `w` must outlive it.
class RecordingRng : public crypto::Rng {
 public:
  RecordingRng(crypto::Rng& inner, CaptureWriter& w) : inner_(inner), w_(w) {}
  void fill(uint8_t* out, size_t n) override;

 private:
  crypto::Rng& inner_;
  CaptureWriter& w_;
};

// Forwards to `inner` and records every reading. `inner` and `w` must outlive it.
class RecordingClock : public Clock {
 public:
  RecordingClock(Clock& inner, CaptureWriter& w) : inner_(inner), w_(w) {}
  uint64_t now_ms() override;

 private:
  Clock& inner_;
  CaptureWriter& w_;
};

// A Connection that records itself. A server's session cache, ticketer and 0-RTT strike register are
// the config's, shared with every other connection (resumption works across captured connections as
// it does without capture); the connection reaches them through recording wrappers, so that the
// capture holds each answer (a session looked up, a ticket opened or sealed, a binder checked) and
// replays alone. The ticketer's own draws (ticket nonces, new keys) come from `rng` unrecorded: the
// ticket it returned is what is recorded. A client's capture holds the session it offered. Same methods as Connection; the calls that change the connection
// (and next_event) are recorded, the const queries are not. rng and clock must outlive it; it wraps
// them in a RecordingRng / RecordingClock of its own. Movable (what it records into stays in place).
class CapturingConnection {
 public:
  static CapturingConnection client(std::shared_ptr<const ClientConfig> config, Connection::ClientOptions options,
                                    crypto::Rng& rng, Clock& clock, const DescribeOptions& describe = {});
  static CapturingConnection server(std::shared_ptr<const ServerConfig> config, crypto::Rng& rng, Clock& clock,
                                    const DescribeOptions& describe = {});

  // A connection that records nothing (capture off): every method forwards to `conn` and costs one
  // branch. Lets a tool hold one type whether or not the user asked for a capture.
  static CapturingConnection passthrough(Connection conn);

  CapturingConnection(CapturingConnection&&) noexcept;
  CapturingConnection& operator=(CapturingConnection&&) noexcept;
  ~CapturingConnection();

  Result<size_t> receive(ByteView data);
  void receive_eof();
  std::optional<Event> next_event();
  Result<size_t> send(ByteView data);
  ByteView pending_output() const { return conn_.pending_output(); }
  void consume_output(size_t n);
  void close();
  uint64_t next_deadline() const { return conn_.next_deadline(); }
  void on_timeout();
  void set_trace(bool on);
  // Memory only: not recorded (it changes no output).
  void release_buffers() { conn_.release_buffers(); }
  Status key_update(bool request_peer);
  Status request_client_certificate();
  // Asynchronous operations (Connection::complete_sign() and the others). Each completion is recorded
  // (an async_answer entry with the request it answers, then its result), and the replay gives the same
  // answer at the same point. One answer cannot be recorded: a selection with a replacement config
  // (Selection::config; a capture cannot describe it), or a certificate that is not in the config's
  // list; while recording these are refused with api_misuse (the connection goes on waiting).
  // The config's synchronous hooks (the certificate verifier's check, ServerConfig::select and
  // alpn_select) are reached through recording wrappers in the connection's copy of the config: each
  // answer is a hook_answer entry. A synchronous selection's answer that cannot be recorded (the same
  // two) is turned, while recording, into a refusal with internal_error, which is what is recorded.
  bool awaiting() const { return conn_.awaiting(); }
  Status complete_sign(std::optional<Bytes> signature);
  Status complete_decrypt(std::optional<Bytes> premaster);
  Status complete_verify(CertVerdict verdict);
  Status complete_selection(Selection selection);
  bool is_client() const { return conn_.is_client(); }
  bool is_handshaking() const { return conn_.is_handshaking(); }
  bool is_closed() const { return conn_.is_closed(); }
  bool wants_read() const { return conn_.wants_read(); }
  const HandshakeInfo* info() const { return conn_.info(); }
  std::optional<Session> session() const { return conn_.session(); }
  const Error* error() const { return conn_.error(); }

  // The wrapped connection, for queries. Calls that change it made through this reference are not
  // recorded and make the capture unreplayable.
  const Connection& connection() const { return conn_; }

  bool recording() const { return rec_ != nullptr; }
  // The capture: everything so far plus an end entry with the connection's final state and its
  // unconsumed output. May be called more than once (each call describes the state at that moment).
  // Empty for a passthrough connection.
  Bytes finish() const;
  // finish() written to `path`. False with a reason in *error when the file cannot be written or the
  // connection is a passthrough one.
  bool save(const std::string& path, std::string* error) const;

 private:
  struct Recorder;
  CapturingConnection(std::unique_ptr<Recorder> rec, Connection conn);
  void add_result(const Result<size_t>& r);
  void add_status(const Status& s);
  AsyncAnswer async_request(Event::Type op) const;
  Status finish_async(Status s);

  std::unique_ptr<Recorder> rec_;  // null: passthrough. Before conn_: the connection uses its rng and clock
  Connection conn_;
};

}  // namespace capture
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_CAPTURE_CAPTURE_H_
