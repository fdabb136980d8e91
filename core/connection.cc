// The connection: the dispatch of what the record layer opens (handshake reassembly, alerts,
// application data), the event queue, the HandshakeContext door the state machines use, and the
// public Connection API. The record layer is core/record_layer.cc; the state machines are
// hello_stage.cc, client12.cc, client13.cc, server12.cc and server13.cc.
#include <algorithm>

#include "core/conn_state.h"
#include "core/tls13_common.h"

namespace sanstls {

namespace {
// A peer cannot spin the engine: runs of records that carry nothing, and of warning alerts, are bounded.
constexpr uint32_t kMaxEmptyRecords = 32;
constexpr uint32_t kMaxWarningAlerts = 4;
constexpr size_t kInitialTranscript = 512;
// RFC 5246 7.1: the ChangeCipherSpec message is the single byte 1 (what record.cc's
// encode_change_cipher_spec writes), sent from here without a buffer of its own.
constexpr uint8_t kChangeCipherSpec[1] = {1};

Status write_change_cipher_spec(ConnState& c) {
  const ByteView ccs(kChangeCipherSpec, sizeof(kChangeCipherSpec));
  SANSTLS_TRY(c.rl.write(ContentType::change_cipher_spec, ccs));
  if (c.trace) c.push_trace(Direction::sent, 0xff, ccs);
  return Status();
}

bool zero_body_type(HandshakeType t) {
  return t == HandshakeType::hello_request || t == HandshakeType::end_of_early_data ||
         t == HandshakeType::server_hello_done;
}

// The header of a handshake message being assembled: a type this side may receive now, a length
// bounded by what the type can hold (decode_error past it: no such message is well formed), and a
// Certificate by the config's max_handshake_message (a policy: illegal_parameter).
Status check_handshake_header(const ConnState& c, const HandshakeHeader& hh) {
  const size_t legal = max_handshake_body(hh.type);
  if (legal == 0 && !zero_body_type(hh.type)) return Error::unexpected("unknown handshake message type");
  if (!may_receive(hh.type, c.is_client, c.handshake_messages_in == 0))
    return Error::unexpected("handshake message of a type not expected here");
  if (hh.length > legal) return Error::decode("handshake message longer than its type allows");
  if (hh.type == HandshakeType::certificate && hh.length > c.common.max_handshake_message)
    return Error::misbehaved(AlertDescription::illegal_parameter, "Certificate message too large");
  return Status();
}
}  // namespace

ConnState::ConnState(bool client, std::shared_ptr<const CommonConfig> cfg, crypto::Rng& r, Clock& clk)
    : is_client(client), config_(std::move(cfg)), common(*config_), provider(*common.provider), rng(r), clock(clk) {
  if (common.handshake_timeout_ms != 0) deadline_ms = clock.now_ms() + common.handshake_timeout_ms;
  rl.set_padding(common.record_padding);
}

// ---------------------------------------------------------------------------------------------------
// The door the state machines use (core/handshake_context.h)

const CommonConfig& HandshakeContext::config() const { return c_.common; }
const crypto::Provider& HandshakeContext::provider() const { return c_.provider; }
crypto::Rng& HandshakeContext::rng() { return c_.rng; }
Clock& HandshakeContext::clock() { return c_.clock; }

Status HandshakeContext::send_handshake(HandshakeType type, ByteView body, crypto::Hash* exchange) {
  // During the handshake the message is written once, into the transcript, and sent from there (no
  // message buffer of its own); after it, into a buffer of its own.
  Bytes own;
  Bytes& out = c_.handshake_done ? own : c_.transcript;
  if (!c_.handshake_done) reserve_transcript(kHandshakeHeaderLength + body.size());
  const size_t at = out.size();
  if (!encode_handshake(type, body, &out)) return Error::internal("handshake message too long");
  const ByteView msg(out.data() + at, out.size() - at);
  if (exchange != nullptr) exchange->update(msg);
  if (c_.trace) c_.push_trace(Direction::sent, static_cast<uint8_t>(type), msg);
  return c_.rl.write_handshake(msg);
}

Status HandshakeContext::send_change_cipher_spec() {
  SANSTLS_TRY(write_change_cipher_spec(c_));
  return c_.rl.activate_pending_write();
}

Status HandshakeContext::send_compat_ccs() {
  if (c_.sent_compat_ccs) return Status();
  SANSTLS_TRY(write_change_cipher_spec(c_));
  c_.sent_compat_ccs = true;
  return Status();
}

Status HandshakeContext::accept_compat_ccs(bool connected) {
  if (connected || c_.received_compat_ccs) return Error::unexpected("ChangeCipherSpec in TLS 1.3");
  c_.received_compat_ccs = true;
  return Status();
}

Status HandshakeContext::send_early_data(ByteView data) { return c_.rl.write(ContentType::application_data, data); }

void HandshakeContext::requeue_early_data(ByteView data) {
  c_.early_app_.insert(c_.early_app_.begin(), data.begin(), data.end());
}

void HandshakeContext::install_read(RecordProtection p) {
  c_.rl.install_read(std::move(p));
  c_.read_key_changed = true;
}

Status HandshakeContext::install_write(RecordProtection p) {
  SANSTLS_TRY(c_.rl.flush());  // what was sent under the old keys goes out under them
  c_.rl.install_write(std::move(p));
  return Status();
}

void HandshakeContext::set_pending_read(RecordProtection p) { c_.rl.set_pending_read(std::move(p)); }
void HandshakeContext::set_pending_write(RecordProtection p) { c_.rl.set_pending_write(std::move(p)); }
Status HandshakeContext::activate_pending_read() { return c_.rl.activate_pending_read(); }
void HandshakeContext::set_record_version(uint16_t v) { c_.rl.set_write_record_version(v); }
bool HandshakeContext::write_keys_null() const { return c_.rl.write().is_null(); }

void HandshakeContext::set_version(bool tls13) { c_.rl.set_version(tls13); }
void HandshakeContext::set_write_limit(size_t n) { c_.rl.set_write_limit(n); }
size_t HandshakeContext::write_limit() const { return c_.rl.write_limit(); }

void HandshakeContext::open_early_data(size_t budget) { c_.rl.open_early_data(budget); }
void HandshakeContext::close_early_data() { c_.rl.close_early_data(); }
void HandshakeContext::skip_early_data(size_t budget) { c_.rl.skip_early_data(budget); }

void HandshakeContext::reserve_transcript(size_t more) {
  Bytes& t = c_.transcript;
  // Room for a resumed handshake's messages at once (they grew the buffer three or four times); a full
  // handshake's certificates grow it as before. Freed when the handshake is done.
  if (t.capacity() == 0) t.reserve(std::max(kInitialTranscript, more));
}

void HandshakeContext::add_transcript(ByteView msg) {
  reserve_transcript(msg.size());
  c_.transcript.insert(c_.transcript.end(), msg.begin(), msg.end());
}
size_t HandshakeContext::transcript_size() const { return c_.transcript.size(); }
ByteView HandshakeContext::transcript() const { return c_.transcript; }

TranscriptHash HandshakeContext::transcript_hash(crypto::HashAlg alg, size_t len) {
  ConnState& c = c_;
  if (len > c.transcript.size()) len = c.transcript.size();
  if (!c.th_ || c.th_alg_ != alg || len < c.th_fed_) {
    c.th_ = c.provider.hash(alg);
    c.th_alg_ = alg;
    c.th_fed_ = 0;
  }
  c.th_->update(ByteView(c.transcript.data() + c.th_fed_, len - c.th_fed_));
  c.th_fed_ = len;
  return hash_so_far(*c.th_);
}

void HandshakeContext::replace_transcript(Bytes t) {
  c_.transcript = std::move(t);
  c_.th_.reset();
  c_.th_fed_ = 0;
}

HandshakeInfo& HandshakeContext::info() { return c_.info; }

void HandshakeContext::set_exporter_tls12(crypto::HashAlg prf_hash, ByteView master_secret,
                                          const std::array<uint8_t, 32>& client_random,
                                          const std::array<uint8_t, 32>& server_random) {
  set_exporter_tls13(prf_hash, master_secret);  // the secret and its hash, then what TLS 1.2 adds
  ConnState::ExporterSecret& x = c_.exporter;
  x.tls13 = false;
  std::copy(client_random.begin(), client_random.end(), x.randoms.begin());
  std::copy(server_random.begin(), server_random.end(), x.randoms.begin() + client_random.size());
}

void HandshakeContext::set_exporter_tls13(crypto::HashAlg alg, ByteView exporter_master_secret) {
  ConnState::ExporterSecret& x = c_.exporter;
  x.set = true;
  x.tls13 = true;
  x.alg = alg;
  x.secret = SecretBytes(exporter_master_secret);  // overwrites the whole previous one
  x.randoms.fill(0);
}
void HandshakeContext::set_session(Session s) { c_.session = std::move(s); }
void HandshakeContext::set_error_detail(std::string detail) { c_.error_detail = std::move(detail); }
void HandshakeContext::emit(Event::Type type) { c_.push_event(type); }
void HandshakeContext::handshake_complete() { c_.handshake_complete(); }
bool HandshakeContext::handshake_done() const { return c_.handshake_done; }
void HandshakeContext::take_over(std::unique_ptr<Handshake> next) { c_.next_hs = std::move(next); }

Status HandshakeContext::peer_triggered(const char* what) {
  if (++c_.peer_triggered > c_.common.max_key_updates) return Error::unexpected(what);
  return Status();
}

void HandshakeContext::await(AsyncRequest req, std::function<Status(AsyncAnswer&)> then) {
  ConnState& c = c_;
  c.pending_ = std::make_unique<ConnState::Pending>();
  c.pending_->req = std::move(req);
  c.pending_->then = std::move(then);
  const AsyncRequest& r = c.pending_->req;
  Event& ev = c.push_event(r.type);
  ev.data = r.data;
  ev.scheme = r.scheme;
  ev.client_version = r.client_version;
  ev.certificate = r.certificate.get();
  if (r.type == Event::Type::verify_request) ev.check = &r.check;
  if (r.type == Event::Type::select_request) ev.client_hello = &r.hello;
}

Status ConnState::complete(Event::Type type, AsyncAnswer answer) {
  if (error_) return *error_;
  if (!pending_ || pending_->req.type != type) return Error::misuse("no such asynchronous request is pending");
  std::unique_ptr<Pending> p = std::move(pending_);
  Status s = step([&]() -> Status {
    read_key_changed = false;
    // The paused message is done now: what it wrote stays, whatever the messages held after it do.
    SANSTLS_TRY(end_of_message(p->then(answer), !hs_.empty()));
    if (error_ || pending_) return Status();
    return process_handshake_bytes(ByteView());  // the messages that arrived with the paused one
  });
  if (!s.ok()) return fail(s.error());
  return Status();
}

Status ConnState::end_of_message(Status handled, bool more_input) {
  if (next_hs) hs = std::move(next_hs);
  if (handshake_done && hs && !hs->keep_after_handshake()) hs.reset();
  if (!handled.ok() || error_) return handled;
  // The coalesced TLS 1.3 messages it wrote become records now, then the mark moves past them. A
  // flight answers one message, so its records are those the end of the step would have written (only
  // the answers to two post-handshake CertificateRequests of one record no longer share a record).
  SANSTLS_TRY(rl.flush());
  rl.mark_step();
  // RFC 8446 5.1: handshake messages must not straddle a change of read keys.
  if (read_key_changed && more_input) return Error::unexpected("handshake data across a key change");
  return Status();
}

// ---------------------------------------------------------------------------------------------------
// Events, completion, failure

Event& ConnState::push_event(Event::Type type) {
  PendingEvent p;
  p.ev.type = type;
  events_.push_back(std::move(p));
  return events_.back().ev;
}

void ConnState::push_trace(Direction dir, uint8_t type, ByteView bytes) {
  Event& ev = push_event(Event::Type::handshake_message);
  ev.direction = dir;
  ev.message_type = type;
  events_.back().storage = bytes.to_bytes();
}

Error ConnState::fail(const Error& e) {
  if (error_) return *error_;
  error_ = e;
  // Whatever the failed step wrote is not sent (picotls): only output that was complete before it.
  rl.discard_step();
  AlertDescription alert;
  if (alert_for(e, &alert)) rl.write_alert(AlertLevel::fatal, alert);  // nothing after our close_notify
  early_app_.clear();
  emit_closed(false);
  return e;
}

void ConnState::emit_closed(bool clean) {
  if (closed_emitted) return;
  push_event(Event::Type::closed).clean = clean;
  closed_emitted = true;
}

void ConnState::handshake_complete() {
  handshake_done = true;
  ctx.replace_transcript(Bytes());
  push_event(Event::Type::handshake_done);
  if (!early_app_.empty()) {
    Status s = rl.write(ContentType::application_data, early_app_);
    secure_zero(early_app_);
    early_app_.clear();
    if (!s.ok()) fail(s.error());
  }
  // close() during the handshake: the close_notify goes after the handshake and the queued data.
  if (close_requested) send_close_notify();
}

void ConnState::send_close_notify() {
  close_requested = true;
  if (!handshake_done) return;  // handshake_complete() sends it
  (void)rl.flush();
  rl.write_alert(AlertLevel::warning, AlertDescription::close_notify);
}

// ---------------------------------------------------------------------------------------------------
// Input

Result<size_t> ConnState::receive(ByteView data) {
  if (error_) return *error_;
  if (appdata_ == AppData::delivered) {
    rl.next_record();
    appdata_ = AppData::none;
  }
  if (rl.received_close() || eof) return data.size();  // nothing after close_notify is read (RFC 5246 7.2.1)
  size_t used = 0;
  // While an asynchronous operation is pending no input is taken: the next records may need keys or
  // state that only its answer brings (the caller keeps them, as for a waiting app_data event).
  while (appdata_ == AppData::none && !pending_ && used < data.size()) {
    // Each record is a step: a failure discards only what this record's processing wrote (a flight
    // completed by an earlier record is still sent).
    rl.mark_step();
    Result<size_t> took = rl.take(data.sub(used));
    if (!took.ok()) return fail(took.error());
    used += took.value();
    if (!rl.record_ready()) continue;
    Status s = step([&] { return process_record(); });
    if (!s.ok()) return fail(s.error());
    if (appdata_ == AppData::none) rl.next_record();
    if (error_) return *error_;
    // RFC 5246 7.2.1, RFC 8446 6.1: nothing after the peer's close_notify is processed.
    if (rl.received_close()) return data.size();
  }
  return used;
}

Status ConnState::process_record() {
  Result<Incoming> opened = rl.open();
  if (!opened.ok()) return opened.error();
  const Incoming& in = opened.value();
  if (in.skipped) return Status();
  ByteView plain = in.plaintext;
  if (in.unprotected_ccs) {
    // RFC 8446 5: an unprotected ChangeCipherSpec; the state machine judges it.
    if (!hs || handshake_done) return Error::unexpected("ChangeCipherSpec after the handshake");
    if (plain.size() != 1 || plain[0] != 1) return Error::unexpected("bad ChangeCipherSpec");
    if (!hs_.empty()) return Error::unexpected("interleaved handshake message");
    if (trace) push_trace(Direction::received, 0xff, plain);
    return hs->on_change_cipher_spec();
  }
  if (plain.empty()) {
    // RFC 5246 6.2.1: zero-length fragments of handshake, alert or ChangeCipherSpec must not be sent.
    // An alert record holds exactly one two-byte alert (RFC 8446 5.1): an empty one is undecodable.
    if (in.type == ContentType::alert) return Error::decode("alert: empty record");
    if (in.type != ContentType::application_data) return Error::unexpected("empty record");
    if (++empty_records > kMaxEmptyRecords) return Error::unexpected("too many empty records");
  } else {
    empty_records = 0;
  }
  if (in.type != ContentType::alert) warning_alerts = 0;
  // A handshake message split across records must not be interleaved with other content.
  if (in.type != ContentType::handshake && !hs_.empty()) return Error::unexpected("interleaved handshake message");

  switch (in.type) {
    case ContentType::handshake:
      return process_handshake_bytes(plain);
    case ContentType::change_cipher_spec: {
      // RFC 8446 5: "receives a protected change_cipher_spec record MUST abort ... unexpected_message".
      if (rl.tls13()) return Error::unexpected("protected ChangeCipherSpec");
      // RFC 5246 7.1, RFC 8446 5: a payload other than the single byte 1 is unexpected_message.
      if (!decode_change_cipher_spec(plain).ok()) return Error::unexpected("ChangeCipherSpec: payload is not the byte 1");
      if (!hs) return Error::unexpected("ChangeCipherSpec after the handshake");
      if (trace) push_trace(Direction::received, 0xff, plain);
      return hs->on_change_cipher_spec();
    }
    case ContentType::alert:
      return process_alert(plain);
    case ContentType::application_data:
      return process_app_data(plain);
    default:
      return Error::unexpected("unknown record type");
  }
}

Status ConnState::process_app_data(ByteView plain) {
  if (!handshake_done && !rl.early_data_open()) return Error::unexpected("application data before the handshake finished");
  if (hs && !hs->accepts_app_data()) return Error::unexpected("application data inside the peer's authentication flight");
  if (!handshake_done) SANSTLS_TRY(rl.consume_early_data(plain.size()));
  if (plain.empty()) return Status();
  // Only real data resets the bound on peer-triggered responses: empty records in between do not.
  peer_triggered = 0;
  Event& ev = push_event(Event::Type::app_data);
  ev.data = plain;
  ev.early_data = !handshake_done;
  appdata_ = AppData::queued;
  return Status();
}

Status ConnState::process_handshake_bytes(ByteView plain) {
  hs_.append(plain.data(), plain.size());
  size_t off = 0;
  Status result;
  while (hs_.size() - off >= kHandshakeHeaderLength) {
    HandshakeHeader hh{};
    result = decode_handshake_header(ByteView(hs_.data() + off, hs_.size() - off), &hh);
    if (result.ok()) result = check_handshake_header(*this, hh);
    if (!result.ok()) break;
    size_t total = kHandshakeHeaderLength + hh.length;
    if (hs_.size() - off < total) break;
    ByteView msg(hs_.data() + off, total);
    off += total;
    if (!hs || (handshake_done && !rl.tls13())) {
      // After a TLS 1.2 handshake: a HelloRequest (client) or ClientHello (server) asks for
      // renegotiation, which sanstls refuses with a warning (RFC 5746 4.2, RFC 5246 7.2.2), a bounded
      // number of times.
      if ((is_client && hh.type == HandshakeType::hello_request) ||
          (!is_client && hh.type == HandshakeType::client_hello)) {
        // RFC 5246 7.4.1.1: a HelloRequest is empty.
        if (hh.type == HandshakeType::hello_request) result = decode_hello_request(msg.sub(kHandshakeHeaderLength));
        if (result.ok()) result = ctx.peer_triggered("too many renegotiation requests");
        if (!result.ok()) break;
        if (trace) push_trace(Direction::received, static_cast<uint8_t>(hh.type), msg);
        rl.write_alert(AlertLevel::warning, AlertDescription::no_renegotiation);
        rl.mark_step();
        continue;
      }
      result = Error::unexpected("handshake message after the handshake");
      break;
    }
    if (trace) push_trace(Direction::received, static_cast<uint8_t>(hh.type), msg);
    handshake_messages_in++;
    read_key_changed = false;
    // The message is done: what it wrote (a whole flight, perhaps) stays even if a later message of
    // this record fails, and the alert then follows it, as the peer expects.
    result = end_of_message(hs->on_message(hh.type, msg, msg.sub(kHandshakeHeaderLength)), off < hs_.size());
    if (!result.ok() || error_ || pending_) break;  // pending: the rest waits for the answer (complete())
  }
  hs_.erase_front(off);
  return result;
}

Status ConnState::process_alert(ByteView plain) {
  Alert a;
  if (!decode_alert(plain, &a)) return Error::decode("alert: not two bytes");
  if (a.level != AlertLevel::warning && a.level != AlertLevel::fatal)
    return Error::illegal("alert: unknown level");
  push_event(Event::Type::alert_received).alert = a;
  if (a.description == AlertDescription::close_notify) {
    rl.peer_closed();
    if (!handshake_done) {
      Error e{ErrorKind::alert_received, a.description, "peer closed during the handshake"};
      return e;
    }
    send_close_notify();
    emit_closed(true);
    return Status();
  }
  if (a.level == AlertLevel::fatal) return Error{ErrorKind::alert_received, a.description, "fatal alert received"};
  // RFC 8446 6.2: in TLS 1.3 every alert but close_notify and user_canceled is an error, whatever its level.
  if (rl.tls13() && a.description != AlertDescription::user_canceled)
    return Error{ErrorKind::alert_received, a.description, "error alert received (TLS 1.3: any level)"};
  if (++warning_alerts > kMaxWarningAlerts) return Error::unexpected("too many warning alerts");
  return Status();
}

// ---------------------------------------------------------------------------------------------------
// The public API

Connection::Connection(std::unique_ptr<ConnState> s) : s_(std::move(s)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Connection Connection::client(std::shared_ptr<const ClientConfig> config, ClientOptions options, crypto::Rng& rng,
                              Clock& clock) {
  auto s = std::make_unique<ConnState>(true, config, rng, clock);
  ConnState& c = *s;
  c.trace = options.trace;
  // Verifying a certificate without a name accepts any certificate a trusted CA issued to anyone: only
  // when the application says so (ClientOptions::no_name_check).
  if (config->verify_server && options.server_name.empty() && options.verify_name.empty() && !options.no_name_check) {
    c.fail(Error::misuse("no server name to verify: set ClientOptions::server_name or verify_name "
                         "(or no_name_check, to accept any name)"));
    return Connection(std::move(s));
  }
  c.hs = make_client_hello_stage(c.ctx, std::move(config), std::move(options));
  Status st = c.step([&] { return c.hs->start(); });
  if (!st.ok()) c.fail(st.error());
  return Connection(std::move(s));
}

Connection Connection::server(std::shared_ptr<const ServerConfig> config, crypto::Rng& rng, Clock& clock) {
  auto s = std::make_unique<ConnState>(false, config, rng, clock);
  ConnState& c = *s;
  c.hs = make_server_hello_stage(c.ctx, std::move(config));
  Status st = c.step([&] { return c.hs->start(); });
  if (!st.ok()) c.fail(st.error());
  return Connection(std::move(s));
}

Result<size_t> Connection::receive(ByteView data) { return s_->receive(data); }

void Connection::receive_eof() {
  ConnState& c = *s_;
  if (c.eof || c.error_) return;
  c.eof = true;
  if (c.rl.received_close()) return;
  if (!c.handshake_done) {
    c.fail(Error{ErrorKind::transport_closed, AlertDescription::close_notify, "connection closed during the handshake"});
    return;
  }
  c.emit_closed(false);  // truncation: no close_notify
}

std::optional<Event> Connection::next_event() {
  ConnState& c = *s_;
  if (c.appdata_ == ConnState::AppData::delivered) {
    c.rl.next_record();
    c.appdata_ = ConnState::AppData::none;
  }
  if (c.events_.empty()) return std::nullopt;
  c.current_ = c.events_.pop_front();
  Event ev = c.current_.ev;
  if (ev.type == Event::Type::handshake_message) ev.data = c.current_.storage;
  if (ev.type == Event::Type::app_data) c.appdata_ = ConnState::AppData::delivered;
  return ev;
}

Result<size_t> Connection::send(ByteView data) {
  ConnState& c = *s_;
  if (c.error_) return *c.error_;
  if (c.close_requested) return Error::misuse("send after close");
  size_t queued = c.handshake_done ? c.rl.pending_output_size() : c.early_app_.size();
  if (queued >= kMaxQueuedOutput) return size_t{0};
  size_t n = std::min(data.size(), kMaxQueuedOutput - queued);
  if (!c.handshake_done) {
    c.early_app_.insert(c.early_app_.end(), data.begin(), data.begin() + n);
    return n;
  }
  c.rl.mark_step();
  Status s = c.rl.write(ContentType::application_data, data.sub(0, n));
  if (!s.ok()) return c.fail(s.error());
  return n;
}

ByteView Connection::pending_output() const { return s_->rl.pending_output(); }

void Connection::consume_output(size_t n) { s_->rl.consume_output(n); }

void Connection::close() {
  ConnState& c = *s_;
  if (c.error_ || c.close_requested) return;
  c.rl.mark_step();
  c.send_close_notify();
}

uint64_t Connection::next_deadline() const { return s_->handshake_done || s_->error_ ? 0 : s_->deadline_ms; }

void Connection::on_timeout() {
  ConnState& c = *s_;
  if (c.handshake_done || c.error_ || c.deadline_ms == 0) return;
  if (c.clock.now_ms() < c.deadline_ms) return;
  c.fail(Error{ErrorKind::timeout, AlertDescription::close_notify, "handshake timed out"});
}

Status Connection::key_update(bool request_peer) {
  ConnState& c = *s_;
  if (c.error_) return *c.error_;
  if (!c.handshake_done || !c.rl.tls13() || !c.hs) return Error::misuse("KeyUpdate needs an established TLS 1.3 connection");
  if (c.close_requested) return Error::misuse("KeyUpdate after close");
  Status s = c.step([&] { return c.hs->key_update(request_peer); });
  if (!s.ok() && s.error().kind != ErrorKind::api_misuse) return c.fail(s.error());
  return s;
}

Status Connection::request_client_certificate() {
  ConnState& c = *s_;
  if (c.error_) return *c.error_;
  if (!c.handshake_done || !c.rl.tls13() || !c.hs || c.is_client) return Error::misuse("needs an established TLS 1.3 server");
  if (c.close_requested) return Error::misuse("certificate request after close");
  Status s = c.step([&] { return c.hs->request_client_certificate(); });
  if (!s.ok() && s.error().kind != ErrorKind::api_misuse) return c.fail(s.error());
  return s;
}

namespace {
// RFC 5705 4: labels the TLS 1.2 key schedule itself uses (and RFC 7627's) must not be exported, or the
// exporter would hand out the master secret's or the Finished messages' PRF outputs. TLS 1.3 derives
// its exporter differently, but the same labels are refused there too, so that a label is valid or
// not whatever the version.
bool reserved_exporter_label(const std::string& label) {
  for (const char* r : {"client finished", "server finished", "master secret", "key expansion",
                        "extended master secret"})
    if (label == r) return true;
  return false;
}
// The largest export, the same for every version and suite: HKDF-Expand's bound with SHA-256 (255 *
// 32 bytes, RFC 5869 2.3), the smallest a TLS 1.3 suite has; far more than protocols ask for (RFC 9266:
// 32 bytes).
constexpr size_t kMaxExportLength = 255 * 32;
}  // namespace

Result<Bytes> Connection::export_keying_material(const std::string& label, std::optional<ByteView> context,
                                                 size_t length) const {
  const ConnState& c = *s_;
  if (c.error_) return *c.error_;
  if (!c.handshake_done || !c.exporter.set) return Error::misuse("keying material exporter before the handshake is done");
  if (label.empty() || label.size() > 249) return Error::misuse("exporter label must be 1 to 249 bytes");
  if (reserved_exporter_label(label)) return Error::misuse("exporter label is reserved by TLS (RFC 5705 4)");
  if (length == 0 || length > kMaxExportLength) return Error::misuse("exporter length must be 1 to 8160 bytes");
  const ConnState::ExporterSecret& x = c.exporter;
  if (x.tls13) {
    // RFC 8446 7.5: no context and an empty one are the same.
    Bytes out = tls13_exporter(c.provider, x.alg, x.secret.view(), label, context ? *context : ByteView(), length);
    if (out.size() != length) return Error::internal("exporter failed");
    return out;
  }
  // RFC 7627 5.4: without the extended master secret, a man in the middle can make two sessions share
  // a master secret (the triple handshake attack), so the exported values would not be unique to this
  // connection.
  if (!c.info.extended_master_secret)
    return Error::misuse("TLS 1.2 exporter needs the extended master secret (RFC 7627 5.4)");
  // RFC 5705 4: seed = client_random + server_random [+ context_length (uint16) + context]; a context
  // of length zero differs from no context.
  Bytes seed(x.randoms.begin(), x.randoms.end());
  if (context) {
    if (context->size() > 0xffff) return Error::misuse("TLS 1.2 exporter context longer than 65535 bytes");
    Writer(&seed).prefixed16(*context);
  }
  Bytes out = crypto::tls12_prf(c.provider, x.alg, x.secret.view(), label, seed, length);
  if (out.size() != length) return Error::internal("exporter failed");
  return out;
}

Result<Bytes> Connection::channel_binding_tls_exporter() const {
  // RFC 9266 2: label "EXPORTER-Channel-Binding", empty context, 32 bytes. TLS 1.3 makes no difference
  // between an empty context and none; for TLS 1.2 the RFC's words leave it open, and the exporter is
  // called without a context, as Go's crypto/tls (a nil context), rustls (None) and OpenSSL users
  // (use_context = 0) do, so that both ends of a mixed pair agree. RFC 9266 4.2: TLS 1.2 without the
  // extended master secret is refused (by export_keying_material).
  return export_keying_material("EXPORTER-Channel-Binding", std::nullopt, 32);
}

bool Connection::awaiting() const { return s_->pending_ != nullptr && !s_->error_; }

Status Connection::complete_sign(std::optional<Bytes> signature) {
  return s_->complete(Event::Type::sign_request, AsyncAnswer{std::move(signature), {}, {}});
}
Status Connection::complete_decrypt(std::optional<Bytes> premaster) {
  return s_->complete(Event::Type::decrypt_request, AsyncAnswer{std::move(premaster), {}, {}});
}
Status Connection::complete_verify(CertVerdict verdict) {
  return s_->complete(Event::Type::verify_request, AsyncAnswer{std::nullopt, std::move(verdict), {}});
}
Status Connection::complete_selection(Selection selection) {
  return s_->complete(Event::Type::select_request, AsyncAnswer{std::nullopt, {}, std::move(selection)});
}

size_t Connection::buffer_capacity() const { return s_->rl.buffer_capacity() + s_->hs_.capacity(); }

void Connection::release_buffers() {
  ConnState& c = *s_;
  // An app_data event's bytes stay valid until the next receive() or next_event(), as promised.
  c.rl.release_buffers(c.appdata_ != ConnState::AppData::none);
  c.hs_.release_if_empty();
  if (c.handshake_done && c.early_app_.empty()) Bytes().swap(c.early_app_);
}

void Connection::set_trace(bool on) { s_->trace = on; }
bool Connection::is_client() const { return s_->is_client; }
bool Connection::is_handshaking() const { return !s_->handshake_done && !s_->error_; }
bool Connection::is_closed() const {
  return s_->error_.has_value() || (s_->rl.received_close() && s_->rl.sent_close()) || s_->eof;
}
bool Connection::wants_read() const { return !s_->error_ && !s_->rl.received_close() && !s_->eof; }
const HandshakeInfo* Connection::info() const { return s_->handshake_done ? &s_->info : nullptr; }
std::optional<Session> Connection::session() const { return s_->handshake_done ? s_->session : std::nullopt; }
const Error* Connection::error() const { return s_->error_ ? &*s_->error_ : nullptr; }
const std::string& Connection::error_detail() const {
  static const std::string kNone;
  return s_->error_ ? s_->error_detail : kNone;
}

}  // namespace sanstls
