// The inside of a Connection (internal): the record layer, the dispatch of what it opens (handshake
// reassembly, alerts, application data), the event queue, and the state machine in charge. The
// machines see none of this: they work through HandshakeContext (core/handshake_context.h), which
// connection.cc implements over ConnState.
//
// Buffer invariants, in one place (the record layer's own are in core/record_layer.h):
//   the record being assembled lives in the record layer; after an application_data record its
//             plaintext is decrypted in place and handed out as an Event view, so the record is kept
//             until the caller comes back (appdata_ == delivered), and receive() takes no input meanwhile.
//   hs_       the handshake bytes received but not yet processed (partial messages, or several messages
//             from one record); bounded by the largest legal size of the message type being assembled.
//   early_app_ application data sent before the handshake finished, bounded by kMaxQueuedOutput.
#ifndef SANSTLS_CORE_CONN_STATE_H_
#define SANSTLS_CORE_CONN_STATE_H_

#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "core/buffer.h"
#include "core/config.h"
#include "core/connection.h"
#include "core/error.h"
#include "core/handshake.h"
#include "core/handshake_context.h"
#include "core/record.h"
#include "core/record_layer.h"
#include "core/suites.h"
#include "core/wire.h"

namespace sanstls {

struct ConnState {
  ConnState(bool client, std::shared_ptr<const CommonConfig> config, crypto::Rng& rng, Clock& clock);

  // --- input: records, then their content ------------------------------------------------------------
  Result<size_t> receive(ByteView data);
  Status process_record();
  Status process_handshake_bytes(ByteView plaintext);
  Status process_alert(ByteView plaintext);
  Status process_app_data(ByteView plaintext);

  // --- steps and failure -------------------------------------------------------------------------------
  // The one place that ends a connection on an error: discards what the failed step wrote, writes the
  // fatal alert the error calls for (unless our close_notify went already), and emits Closed. Returns
  // the error for convenience.
  Error fail(const Error& e);
  // Runs `step` as one step of the connection: what it writes is discarded if it fails, the coalesced
  // handshake messages are written when it succeeds (and the mark then moves past them), and the
  // machine it handed over to takes over.
  template <typename F>
  Status step(F f) {
    rl.mark_step();
    Status s = f();
    if (next_hs) hs = std::move(next_hs);
    if (handshake_done && hs && !hs->keep_after_handshake()) hs.reset();
    if (s.ok()) s = rl.flush();
    if (s.ok()) rl.mark_step();  // done: nothing later takes it back (and the old write keys go)
    return s;
  }
  // A received handshake message was handled (`handled`, at once or by an asynchronous answer): the
  // machine it handed over to takes charge; its output is written out and the output mark moves past
  // it, so that a failure later in the same record or receive() discards only its own output. Errors:
  // `handled`'s, or unexpected_message when read keys changed with `more_input` held.
  Status end_of_message(Status handled, bool more_input);
  void handshake_complete();
  void send_close_notify();  // close_notify, then nothing more
  void emit_closed(bool clean);  // the one Closed event; clean after the peer's close_notify
  Event& push_event(Event::Type type);  // the new event, for its other fields
  void push_trace(Direction dir, uint8_t type, ByteView bytes);

  // --- state -------------------------------------------------------------------------------------------
  const bool is_client;
  const std::shared_ptr<const CommonConfig> config_;  // keeps `common` alive after the handshake
  const CommonConfig& common;
  const crypto::Provider& provider;
  crypto::Rng& rng;
  Clock& clock;
  HandshakeContext ctx{*this};

  RecordLayer rl;
  std::unique_ptr<Handshake> hs;       // null once a TLS 1.2 handshake is done
  std::unique_ptr<Handshake> next_hs;  // the machine taking over from hs (installed after hs returns)
  bool sent_compat_ccs = false;        // middlebox compatibility (RFC 8446 D.4)
  bool received_compat_ccs = false;
  bool read_key_changed = false;       // set when read keys change; no handshake data may straddle it
  uint32_t peer_triggered = 0;         // responses the peer triggered since the last application data

  Bytes transcript;  // every handshake message of this handshake, header included (freed when done)
  std::unique_ptr<crypto::Hash> th_;
  crypto::HashAlg th_alg_ = crypto::HashAlg::sha256;
  size_t th_fed_ = 0;

  ByteBuffer hs_;
  uint64_t handshake_messages_in = 0;  // handshake messages received (given to a state machine)
  Bytes early_app_;
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
  std::string error_detail;  // Connection::error_detail()
  bool handshake_done = false;
  bool close_requested = false;  // close() during the handshake: close_notify once it is done
  bool eof = false;
  bool closed_emitted = false;
  bool trace = false;
  uint32_t empty_records = 0;   // consecutive records with no content
  uint32_t warning_alerts = 0;  // consecutive warning alerts
  uint64_t deadline_ms = 0;

  HandshakeInfo info;
  std::optional<Session> session;  // client: the session to offer next time

  // What the keying material exporters need after the handshake (RFC 5705, RFC 8446 7.5): the TLS 1.2
  // master secret with the hellos' randoms, or the TLS 1.3 exporter_master_secret. Wiped when the
  // connection goes (tests/secrets_test.cc).
  struct ExporterSecret {
    bool set = false;
    bool tls13 = false;
    crypto::HashAlg alg = crypto::HashAlg::sha256;
    // Inline rather than on the heap (at most 48 bytes: a TLS 1.2 master secret, a SHA-384 exporter
    // secret); wipes itself.
    SecretBytes secret;
    std::array<uint8_t, 64> randoms{};  // TLS 1.2: client_random + server_random
  };
  ExporterSecret exporter;
  // The asynchronous operation waited for (HandshakeContext::await); null when none. Its request backs
  // the pointers of the request event until the completion call.
  struct Pending {
    AsyncRequest req;
    std::function<Status(AsyncAnswer&)> then;
  };
  std::unique_ptr<Pending> pending_;
  Status complete(Event::Type type, AsyncAnswer answer);
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_CONN_STATE_H_
