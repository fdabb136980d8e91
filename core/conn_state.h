// The inside of a Connection (not part of the public API): the record layer and the event queue that
// connection.cc implements, and the interface the handshake state machines (client12.cc, server12.cc)
// plug into.
//
// Buffer invariants, in one place:
//   in_       holds at most one record: the bytes of the record being assembled (header, then
//             fragment). A record is processed as soon as it is complete and in_ is cleared, except
//             after an application_data record: its plaintext is decrypted in place in in_ and handed
//             out as an Event view, so in_ is kept until the caller comes back (appdata_ == delivered),
//             and receive() takes no input meanwhile.
//   hs_       the handshake bytes received but not yet processed (partial messages, or several messages
//             from one record); bounded by the config's max_handshake_message plus one record.
//   out_      protected records ready to be written; out_[out_off_..] is pending_output().
//   early_app_ application data sent before the handshake finished, bounded by kMaxQueuedOutput.
#ifndef SANSTLS_CORE_CONN_STATE_H_
#define SANSTLS_CORE_CONN_STATE_H_

#include <vector>
#include <memory>
#include <optional>

#include "core/buffer.h"
#include "core/config.h"
#include "core/connection.h"
#include "core/error.h"
#include "core/handshake.h"
#include "core/record.h"
#include "core/record_protection.h"
#include "core/suites.h"
#include "core/wire.h"

namespace sanstls {

// A handshake state machine for one version and side. It is consumed when the handshake finishes.
class Handshake {
 public:
  virtual ~Handshake() = default;
  // Called once, when the connection is created (the client writes its ClientHello here).
  virtual Status start() = 0;
  // One complete handshake message: `msg` is header + body.
  virtual Status on_message(HandshakeType type, ByteView msg, ByteView body) = 0;
  // A ChangeCipherSpec record at a handshake-message boundary.
  virtual Status on_change_cipher_spec() = 0;
  // TLS 1.3 state machines stay after the handshake for NewSessionTicket, KeyUpdate and post-handshake
  // authentication; TLS 1.2 ones go (renegotiation is refused by the record layer).
  virtual bool keep_after_handshake() const { return false; }
  // Whether an application_data record may arrive now (false inside a flight that must not be
  // interleaved with data: the record layer then fails with unexpected_message).
  virtual bool accepts_app_data() const { return true; }
  // Connection::key_update() (TLS 1.3 only).
  virtual Status key_update(bool request_peer) { return Error::misuse("KeyUpdate needs TLS 1.3"); }
  // Connection::request_client_certificate() (TLS 1.3 server only).
  virtual Status request_client_certificate() { return Error::misuse("post-handshake authentication needs a TLS 1.3 server"); }
};

struct ConnState {
  ConnState(bool client, std::shared_ptr<const CommonConfig> config, crypto::Rng& rng, Clock& clock);

  // --- for the handshake state machines ------------------------------------------------------------
  // Writes one handshake message (header added here), fragmented into records with the current write
  // protection; adds it to the transcript; traces it.
  // In TLS 1.3 (tls13 set) the message is held in hs_pending_ and shares a record with the next ones
  // until flush_handshake(): the record layer flushes before any other record, Connection after each
  // step, install13 before the write keys change.
  Status send_handshake(HandshakeType type, const Bytes& body);
  Status flush_handshake();
  // Writes ChangeCipherSpec, then switches writing to pending_write_.
  Status send_change_cipher_spec();
  // TLS 1.3 middlebox compatibility (RFC 8446 D.4): one unprotected ChangeCipherSpec, keys unchanged.
  Status send_compat_ccs();
  // Switches reading to pending_read_ (called by the handshake when it accepts the peer's CCS).
  Status activate_pending_read();
  // The handshake is finished: emit handshake_done, flush early application data.
  void handshake_complete();

  // --- the record layer ----------------------------------------------------------------------------
  Result<size_t> receive(ByteView data);
  Status process_record();
  Status process_handshake_bytes(ByteView plaintext);
  Status process_alert(ByteView plaintext);
  Status write_record(ContentType type, ByteView plaintext);
  Status write_app_data(ByteView data);
  void write_alert(AlertLevel level, AlertDescription d);
  // The one place that ends a connection on an error: discards what the failed step wrote, writes the
  // fatal alert the error calls for, and emits Closed. Returns the error for convenience.
  Error fail(const Error& e);
  void push_event(Event::Type type);
  void push_trace(Direction dir, uint8_t type, ByteView bytes);
  size_t pending_output_size() const { return out_.size() - out_off_; }

  // --- state -------------------------------------------------------------------------------------------
  const bool is_client;
  const std::shared_ptr<const CommonConfig> config_;  // keeps `common` alive after the handshake
  const CommonConfig& common;
  const crypto::Provider& provider;
  crypto::Rng& rng;
  Clock& clock;

  std::unique_ptr<Handshake> hs;       // null once a TLS 1.2 handshake is done
  std::unique_ptr<Handshake> next_hs;  // a state machine taking over from hs (installed after hs returns)
  bool tls13 = false;                  // TLS 1.3 negotiated: record-layer rules of RFC 8446 5
  bool sent_compat_ccs = false;        // middlebox compatibility (RFC 8446 D.4)
  bool received_compat_ccs = false;
  bool read_key_changed = false;       // set when read keys change; no handshake data may straddle it
  uint32_t key_updates = 0;            // KeyUpdates received since the last application data
  bool early_data_open = false;        // server: 0-RTT data is being read (before the client's Finished)
  size_t early_data_budget = 0;        // server: 0-RTT bytes still allowed
  size_t skip_early_data = 0;          // server: bytes of refused 0-RTT data still to skip
  RecordProtection read;
  RecordProtection write;
  std::optional<RecordProtection> pending_read;
  std::optional<RecordProtection> pending_write;
  bool version_fixed = false;      // records must now carry 0x0303
  size_t record_limit = kMaxPlaintext;  // the plaintext size we send per record

  Bytes transcript;  // every handshake message of this handshake, header included (freed when done)
  // The hash of transcript[0..len) (all of it by default) with a running hash, so that each byte is
  // hashed once however many hashes the handshake takes. len never goes back, except after
  // replace_transcript().
  Bytes transcript_hash(crypto::HashAlg alg, size_t len = static_cast<size_t>(-1));
  // Replaces the transcript (TLS 1.3 HelloRetryRequest) and forgets the running hash.
  void replace_transcript(Bytes t);
  std::unique_ptr<crypto::Hash> th_;
  crypto::HashAlg th_alg_ = crypto::HashAlg::sha256;
  size_t th_fed_ = 0;

  ByteBuffer in_;
  ByteBuffer hs_;
  ByteBuffer out_;
  size_t out_off_ = 0;
  size_t out_mark_ = 0;  // out_.size() when the current step began (fail() truncates to it)
  Bytes early_app_;
  Bytes hs_pending_;  // TLS 1.3 handshake messages not yet written as a record (see send_handshake)
  enum class AppData : uint8_t { none, queued, delivered } appdata_ = AppData::none;

  struct PendingEvent {
    Event ev;
    Bytes storage;  // for trace events
  };
  // A FIFO that reuses its storage: in steady state, queuing an event allocates nothing.
  class EventQueue {
   public:
    void push_back(PendingEvent p) { q_.push_back(std::move(p)); }
    PendingEvent& back() { return q_.back(); }
    bool empty() const { return head_ == q_.size(); }
    PendingEvent pop_front() {
      PendingEvent p = std::move(q_[head_++]);
      if (head_ == q_.size()) {
        q_.clear();
        head_ = 0;
      }
      return p;
    }

   private:
    std::vector<PendingEvent> q_;
    size_t head_ = 0;
  };
  EventQueue events_;
  PendingEvent current_;  // the event last returned (its storage backs the returned view)

  std::optional<Error> error_;
  bool handshake_done = false;
  bool sent_close = false;
  bool received_close = false;
  bool eof = false;
  bool closed_emitted = false;
  bool trace = false;
  uint32_t empty_records = 0;   // consecutive records with no content
  uint32_t warning_alerts = 0;  // consecutive warning alerts
  uint64_t deadline_ms = 0;

  HandshakeInfo info;
  std::optional<Session> session;  // client: the session to offer next time
};

// Factories for the TLS 1.2 state machines (client12.cc, server12.cc).
std::unique_ptr<Handshake> make_client12(ConnState& c, std::shared_ptr<const ClientConfig> config,
                                         Connection::ClientOptions options);
std::unique_ptr<Handshake> make_server12(ConnState& c, std::shared_ptr<const ServerConfig> config);
// The TLS 1.3 server, taking over from the TLS 1.2 one at a ClientHello that offers TLS 1.3 (the
// transcript already holds the ClientHello).
Result<std::unique_ptr<Handshake>> start_server13(ConnState& c, std::shared_ptr<const ServerConfig> cfg,
                                                  const ClientHello& ch, size_t ch_msg_len);

}  // namespace sanstls

#endif  // SANSTLS_CORE_CONN_STATE_H_
