// The one door between the handshake state machines (client_hello.cc, client12.cc, client13.cc,
// server12.cc, server13.cc, tls13_common.cc) and the rest of the connection (internal).
//
// A machine sends messages, installs keys for an epoch, says what was negotiated, opens or skips early
// data, keeps the transcript, reports events and results, and hands over to the machine of the
// negotiated version, through these typed operations only; it never touches the record layer's
// buffers or flags (the record layer, core/record_layer.h, enforces its own rules). The connection
// (connection.cc) implements the door over its RecordLayer and event queue.
#ifndef SANSTLS_CORE_HANDSHAKE_CONTEXT_H_
#define SANSTLS_CORE_HANDSHAKE_CONTEXT_H_

#include <array>
#include <functional>
#include <memory>
#include <optional>

#include "core/config.h"
#include "core/connection.h"
#include "core/error.h"
#include "core/record_protection.h"
#include "core/wire.h"

namespace sanstls {

// A transcript hash, kept inline rather than on the heap: a handshake takes several of them and each
// only lives until the derivation or signature that reads it. Not a secret.
struct TranscriptHash {
  std::array<uint8_t, crypto::kMaxHashLen> bytes{};
  size_t size = 0;
  ByteView view() const { return ByteView(bytes.data(), size); }
  operator ByteView() const { return view(); }  // NOLINT: implicit, where a ByteView is expected
};

struct ConnState;
class HandshakeContext;

// Wipes a secret held in a local when it goes out of scope, on every return path (an error return
// too): tests/secrets_test.cc checks that no secret reaches freed memory unwiped.
struct WipeOnExit {
  Bytes& secret;
  ~WipeOnExit() { secure_zero(secret); }
};

// A handshake state machine: the version-neutral hello stage (hello_stage.cc), then the machine of the
// negotiated version and side, which it hands over to (HandshakeContext::take_over).
class Handshake {
 public:
  virtual ~Handshake() = default;
  // Called once, when the connection is created (the client's hello stage writes its ClientHello here).
  virtual Status start() { return Status(); }
  // One complete handshake message: `msg` is header + body.
  virtual Status on_message(HandshakeType type, ByteView msg, ByteView body) = 0;
  // A ChangeCipherSpec record at a handshake-message boundary.
  virtual Status on_change_cipher_spec() = 0;
  // TLS 1.3 state machines stay after the handshake for NewSessionTicket, KeyUpdate and post-handshake
  // authentication; TLS 1.2 ones go (renegotiation is refused by the connection).
  virtual bool keep_after_handshake() const { return false; }
  // Whether an application_data record may arrive now (false inside a flight that must not be
  // interleaved with data: the connection then fails with unexpected_message).
  virtual bool accepts_app_data() const { return true; }
  // Connection::key_update() (TLS 1.3 only).
  virtual Status key_update(bool request_peer) { return Error::misuse("KeyUpdate needs TLS 1.3"); }
  // Connection::request_client_certificate() (TLS 1.3 server only).
  virtual Status request_client_certificate() { return Error::misuse("post-handshake authentication needs a TLS 1.3 server"); }
};

// The hello stages (hello_stage.cc): the first machine of every connection. The client's writes the
// ClientHello and, at the ServerHello, hands over to the TLS 1.2 or TLS 1.3 client; the server's reads
// the ClientHello and hands it to the TLS 1.2 or TLS 1.3 server.
std::unique_ptr<Handshake> make_client_hello_stage(HandshakeContext& c, std::shared_ptr<const ClientConfig> config,
                                                   Connection::ClientOptions options);
std::unique_ptr<Handshake> make_server_hello_stage(HandshakeContext& c, std::shared_ptr<const ServerConfig> config);

// An asynchronous operation (core/connection.h: Event::Type::sign_request and the others): what the
// request event carries, and what the completion call brings back.
struct AsyncRequest {
  Event::Type type = Event::Type::sign_request;
  Bytes data;              // sign: the bytes to sign; decrypt: the encrypted premaster
  uint16_t scheme = 0;     // sign
  uint16_t client_version = 0;  // decrypt
  std::shared_ptr<const CertifiedKey> certificate;  // sign, decrypt
  CertificateCheck check;  // verify
  ClientHelloInfo hello;   // select
};
struct AsyncAnswer {
  std::optional<Bytes> bytes;  // sign, decrypt
  CertVerdict verdict;         // verify
  Selection selection;         // select
};

class HandshakeContext {
 public:
  // --- the connection's inputs -------------------------------------------------------------------------
  const CommonConfig& config() const;
  const crypto::Provider& provider() const;
  crypto::Rng& rng();
  Clock& clock();

  // --- messages out ------------------------------------------------------------------------------------
  // One handshake message (header added here): into the transcript (during the handshake), traced,
  // and written with the current write protection (TLS 1.3: coalesced with the rest of the flight).
  // `exchange`, when not null, takes the message too (a post-handshake exchange's own transcript).
  // `body` must not point into the transcript (which the message is appended to).
  Status send_handshake(HandshakeType type, ByteView body, crypto::Hash* exchange = nullptr);
  // TLS 1.2 (and TLS 1.3 0-RTT in compatibility mode): ChangeCipherSpec, then writing switches to the
  // pending write protection.
  Status send_change_cipher_spec();
  // TLS 1.3 middlebox compatibility (RFC 8446 D.4): one unprotected ChangeCipherSpec, keys unchanged;
  // does nothing the second time.
  Status send_compat_ccs();
  // TLS 1.3: the one unprotected ChangeCipherSpec a peer may send before its Finished (RFC 8446 5).
  // Errors: unexpected_message for any other.
  Status accept_compat_ccs(bool connected);
  // TLS 1.3 0-RTT data, under the current (early) write protection.
  Status send_early_data(ByteView data);
  // Application data that was not taken as 0-RTT: sent first after the handshake.
  void requeue_early_data(ByteView data);

  // --- keys ----------------------------------------------------------------------------------------------
  // The read protection of a new epoch. TLS 1.3: no handshake message may straddle the change (the
  // connection checks, RFC 8446 5.1).
  void install_read(RecordProtection p);
  // The write protection of a new epoch; what was sent under the old one is written first.
  Status install_write(RecordProtection p);
  // TLS 1.2: the protections a ChangeCipherSpec switches to.
  void set_pending_read(RecordProtection p);
  void set_pending_write(RecordProtection p);
  Status activate_pending_read();
  // The version written in the headers of the next records (RFC 8446 5.1: 0x0301 for an initial
  // ClientHello), until changed again.
  void set_record_version(uint16_t v);
  bool write_keys_null() const;

  // --- what was negotiated ---------------------------------------------------------------------------------
  // The version: record rules of RFC 5246 6.2 or RFC 8446 5 from now on.
  void set_version(bool tls13);
  // The most plaintext per record we write (the peer's record_size_limit, RFC 8449).
  void set_write_limit(size_t n);
  size_t write_limit() const;

  // --- early data (server) ---------------------------------------------------------------------------------
  void open_early_data(size_t budget);
  void close_early_data();
  // Refused 0-RTT records, up to `budget` bytes, are skipped.
  void skip_early_data(size_t budget);

  // --- the transcript ----------------------------------------------------------------------------------------
  void add_transcript(ByteView msg);
  size_t transcript_size() const;
  ByteView transcript() const;
  // The hash of the transcript's first `len` bytes (all by default), with a running hash so that each
  // byte is hashed once; `len` never goes back, except after replace_transcript().
  TranscriptHash transcript_hash(crypto::HashAlg alg, size_t len = static_cast<size_t>(-1));
  void replace_transcript(Bytes t);  // TLS 1.3 HelloRetryRequest

  // --- results and events ----------------------------------------------------------------------------------
  HandshakeInfo& info();
  // The secret the keying material exporters use once the handshake is done (Connection::
  // export_keying_material): TLS 1.2, the master secret and the randoms (client first) of this
  // handshake, resumed or not (RFC 5705 4); TLS 1.3, the exporter_master_secret (RFC 8446 7.5).
  void set_exporter_tls12(crypto::HashAlg prf_hash, ByteView master_secret, const std::array<uint8_t, 32>& client_random,
                          const std::array<uint8_t, 32>& server_random);
  void set_exporter_tls13(crypto::HashAlg alg, ByteView exporter_master_secret);
  void set_session(Session s);  // client: the session to offer next time
  // A longer explanation of the error the current step is about to return (Connection::error_detail).
  void set_error_detail(std::string detail);
  void emit(Event::Type type);
  // The handshake is finished: handshake_done, then the application data queued meanwhile.
  void handshake_complete();
  bool handshake_done() const;
  // The machine of the negotiated version takes over once the current call returns (the one place
  // where machines are swapped).
  void take_over(std::unique_ptr<Handshake> next);
  // A response the peer can trigger at will after the handshake (KeyUpdate, a post-handshake
  // CertificateRequest, a TLS 1.2 HelloRequest): at most config().max_key_updates of them with no
  // application data in between. Errors: unexpected_message past that.
  Status peer_triggered(const char* what);

  // --- asynchronous operations ---------------------------------------------------------------------------
  // Emits the request's event and makes the connection wait: the machine's handler returns (ok) right
  // after this call, no more input is processed, and once the application answers, `then` runs with
  // the answer as one step of the connection (it may send, install keys, take over, or await again);
  // then the handshake bytes still held are processed. `then` may capture the machine: it stays in
  // charge until then.
  void await(AsyncRequest req, std::function<Status(AsyncAnswer&)> then);

 private:
  friend struct ConnState;
  explicit HandshakeContext(ConnState& c) : c_(c) {}
  // The transcript's first allocation, sized for a resumed handshake's messages.
  void reserve_transcript(size_t more);
  ConnState& c_;
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_HANDSHAKE_CONTEXT_H_
