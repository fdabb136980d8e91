// The record layer, the event queue and the public Connection API. The handshakes live in
// client12.cc and server12.cc.
#include <algorithm>

#include "core/conn_state.h"

namespace sanstls {

namespace {
// A peer cannot spin the engine: runs of records that carry nothing, and of warning alerts, are bounded.
constexpr uint32_t kMaxEmptyRecords = 32;
constexpr uint32_t kMaxWarningAlerts = 4;
}  // namespace

ConnState::ConnState(bool client, std::shared_ptr<const CommonConfig> cfg, crypto::Rng& r, Clock& clk)
    : is_client(client), config_(std::move(cfg)), common(*config_), provider(*common.provider), rng(r), clock(clk) {
  if (common.handshake_timeout_ms != 0) deadline_ms = clock.now_ms() + common.handshake_timeout_ms;
}

// ---------------------------------------------------------------------------------------------------
// Output

Status ConnState::write_record(ContentType type, ByteView plaintext) {
  // Coalesced handshake messages go out before anything else is written.
  if (type != ContentType::handshake) SANSTLS_TRY(flush_handshake());
  // Compact the consumed front of the buffer before it grows.
  if (out_off_ > 0 && out_off_ == out_.size()) {
    out_.clear();
    out_mark_ = 0;
    out_off_ = 0;
  }
  size_t limit = std::min(record_limit, write.max_plaintext());
  size_t off = 0;
  const bool pad = common.record_padding > 1 && write.mode() == RecordProtection::Mode::tls13_aead;
  do {
    size_t n = std::min(limit, plaintext.size() - off);
    // TLS 1.3 padding (RFC 8446 5.4): the inner plaintext (content + type + zeros) grows to a multiple
    // of record_padding, as far as the record limit allows.
    size_t padding = 0;
    if (pad) {
      size_t p = common.record_padding;
      padding = (p - (n + 1) % p) % p;
      padding = std::min(padding, write.max_plaintext() - n);
    }
    size_t at = out_.size();
    out_.resize(at + write.sealed_size(n, padding));
    Result<size_t> r = write.seal(type, plaintext.sub(off, n), out_.data() + at, out_.size() - at, padding);
    if (!r.ok()) {
      out_.resize(at);
      return r.error();
    }
    out_.resize(at + r.value());
    off += n;
  } while (off < plaintext.size());
  return Status();
}

Status ConnState::send_handshake(HandshakeType type, const Bytes& body) {
  Bytes msg;
  if (!encode_handshake(type, body, &msg)) return Error::internal("handshake message too long");
  if (!handshake_done) transcript.insert(transcript.end(), msg.begin(), msg.end());
  if (trace) push_trace(Direction::sent, static_cast<uint8_t>(type), msg);
  if (tls13) {
    // TLS 1.3: the messages of a flight share records (RFC 8446 5.1), as RFC 8448's traces show; the
    // flush comes before the write keys change and at the end of the step.
    hs_pending_.insert(hs_pending_.end(), msg.begin(), msg.end());
    return Status();
  }
  return write_record(ContentType::handshake, msg);
}

Status ConnState::flush_handshake() {
  if (hs_pending_.empty()) return Status();
  Status s = write_record(ContentType::handshake, hs_pending_);
  secure_zero(hs_pending_);
  hs_pending_.clear();
  return s;
}

Status ConnState::send_change_cipher_spec() {
  Bytes ccs;
  encode_change_cipher_spec(&ccs);
  SANSTLS_TRY(write_record(ContentType::change_cipher_spec, ccs));
  if (trace) push_trace(Direction::sent, 0xff, ccs);
  if (!pending_write) return Error::internal("ChangeCipherSpec without keys");
  write = std::move(*pending_write);
  pending_write.reset();
  return Status();
}

Bytes ConnState::transcript_hash(crypto::HashAlg alg, size_t len) {
  if (len > transcript.size()) len = transcript.size();
  if (!th_ || th_alg_ != alg || len < th_fed_) {
    th_ = provider.hash(alg);
    th_alg_ = alg;
    th_fed_ = 0;
  }
  th_->update(ByteView(transcript.data() + th_fed_, len - th_fed_));
  th_fed_ = len;
  std::unique_ptr<crypto::Hash> copy = th_->clone();
  Bytes out(crypto::hash_length(alg));
  copy->finish(out.data());
  return out;
}

void ConnState::replace_transcript(Bytes t) {
  transcript = std::move(t);
  th_.reset();
  th_fed_ = 0;
}

Status ConnState::send_compat_ccs() {
  if (sent_compat_ccs) return Status();
  Bytes ccs;
  encode_change_cipher_spec(&ccs);
  SANSTLS_TRY(write_record(ContentType::change_cipher_spec, ccs));
  if (trace) push_trace(Direction::sent, 0xff, ccs);
  sent_compat_ccs = true;
  return Status();
}

Status ConnState::activate_pending_read() {
  if (!pending_read) return Error::unexpected("ChangeCipherSpec before the keys are known");
  read = std::move(*pending_read);
  pending_read.reset();
  return Status();
}

Status ConnState::write_app_data(ByteView data) { return write_record(ContentType::application_data, data); }

void ConnState::write_alert(AlertLevel level, AlertDescription d) {
  Bytes body;
  encode_alert(Alert{level, d}, &body);
  (void)write_record(ContentType::alert, body);  // a failure here leaves nothing better to send
}

void ConnState::push_event(Event::Type type) {
  PendingEvent p;
  p.ev.type = type;
  events_.push_back(std::move(p));
}

void ConnState::push_trace(Direction dir, uint8_t type, ByteView bytes) {
  PendingEvent p;
  p.ev.type = Event::Type::handshake_message;
  p.ev.direction = dir;
  p.ev.message_type = type;
  p.storage = bytes.to_bytes();
  events_.push_back(std::move(p));
}

Error ConnState::fail(const Error& e) {
  if (error_) return *error_;
  error_ = e;
  // Whatever the failed step wrote is not sent (picotls): only output that was complete before it.
  hs_pending_.clear();
  if (out_.size() > out_mark_) out_.resize(std::max(out_mark_, out_off_));
  AlertDescription alert;
  if (alert_for(e, &alert)) write_alert(AlertLevel::fatal, alert);
  early_app_.clear();
  if (!closed_emitted) {
    push_event(Event::Type::closed);
    events_.back().ev.clean = false;
    closed_emitted = true;
  }
  return e;
}

void ConnState::handshake_complete() {
  handshake_done = true;
  version_fixed = true;
  replace_transcript(Bytes());
  push_event(Event::Type::handshake_done);
  if (!early_app_.empty()) {
    Status s = write_app_data(early_app_);
    secure_zero(early_app_);
    early_app_.clear();
    if (!s.ok()) fail(s.error());
  }
}

// ---------------------------------------------------------------------------------------------------
// Input

Result<size_t> ConnState::receive(ByteView data) {
  if (error_) return *error_;
  if (appdata_ == AppData::delivered) {
    in_.clear();
    appdata_ = AppData::none;
  }
  if (received_close || eof) return data.size();  // nothing after close_notify is read (RFC 5246 7.2.1)
  size_t used = 0;
  while (appdata_ == AppData::none && used < data.size()) {
    // The header first, then exactly the rest of this record.
    size_t need = kRecordHeaderLength;
    RecordHeader h{};
    if (in_.size() >= kRecordHeaderLength) {
      Status s = decode_record_header(ByteView(in_.data(), kRecordHeaderLength), &h);
      if (!s.ok()) return fail(s.error());
      need += h.length;
    }
    size_t take = std::min(need - in_.size(), data.size() - used);
    in_.append(data.data() + used, take);
    used += take;
    if (in_.size() == kRecordHeaderLength) {
      Status s = decode_record_header(ByteView(in_.data(), kRecordHeaderLength), &h);
      if (s.ok()) s = check_record_header(h, read.max_fragment_length());
      if (!s.ok()) return fail(s.error());
      // TLS 1.2 records must then say 0x0303; in TLS 1.3 legacy_record_version "MUST be ignored for all
      // purposes" (RFC 8446 5.1): it only enters the AEAD's additional data, as received.
      if ((h.version >> 8) != 3 || (version_fixed && !tls13 && h.version != version::tls12))
        return fail(Error::incompatible(AlertDescription::protocol_version, "record version"));
      if (h.length != 0) continue;
    }
    if (in_.size() < kRecordHeaderLength || in_.size() < need) continue;
    out_mark_ = out_.size();
    Status s = process_record();
    if (s.ok()) s = flush_handshake();
    if (!s.ok()) return fail(s.error());
    if (appdata_ == AppData::none) in_.clear();
    if (error_) return *error_;
  }
  return used;
}

Status ConnState::process_record() {
  RecordHeader h{};
  SANSTLS_TRY(decode_record_header(ByteView(in_.data(), kRecordHeaderLength), &h));
  ByteView fragment(in_.data() + kRecordHeaderLength, in_.size() - kRecordHeaderLength);
  if (tls13 && h.type == ContentType::change_cipher_spec) {
    // RFC 8446 5: a ChangeCipherSpec record is never protected; the state machine judges it.
    if (!hs || handshake_done) return Error::unexpected("ChangeCipherSpec after the handshake");
    if (fragment.size() != 1 || fragment[0] != 1) return Error::unexpected("bad ChangeCipherSpec");
    if (!hs_.empty()) return Error::unexpected("interleaved handshake message");
    if (trace) push_trace(Direction::received, 0xff, fragment);
    Status st = hs->on_change_cipher_spec();
    if (next_hs) hs = std::move(next_hs);
    return st;
  }
  if (tls13 && !read.is_null() && h.type != ContentType::application_data)
    return Error::unexpected("unprotected record after the handshake keys");
  // A server that refused 0-RTT skips the early records (RFC 8446 4.2.10): those that come before
  // the second ClientHello of a HelloRetryRequest, or that its handshake keys cannot open.
  bool skippable = skip_early_data > 0 && h.type == ContentType::application_data && fragment.size() <= skip_early_data;
  if (skippable && read.is_null()) {
    skip_early_data -= fragment.size();
    return Status();
  }
  Result<OpenedRecord> opened = read.open(h, in_.data() + kRecordHeaderLength, in_.size() - kRecordHeaderLength);
  if (!opened.ok()) {
    if (skippable && opened.error().alert == AlertDescription::bad_record_mac) {
      skip_early_data -= fragment.size();
      return Status();
    }
    return opened.error();
  }
  if (!read.is_null()) skip_early_data = 0;  // a record opened: the early data is over
  ContentType type = opened.value().type;
  ByteView plain = opened.value().plaintext;

  if (plain.empty()) {
    // RFC 5246 6.2.1: zero-length fragments of handshake, alert or ChangeCipherSpec must not be sent.
    // An alert record holds exactly one two-byte alert (RFC 8446 5.1): an empty one is undecodable.
    if (type == ContentType::alert) return Error::decode("alert: empty record");
    if (type != ContentType::application_data) return Error::unexpected("empty record");
    if (++empty_records > kMaxEmptyRecords) return Error::unexpected("too many empty records");
  } else {
    empty_records = 0;
  }
  if (type != ContentType::alert) warning_alerts = 0;
  // A handshake message split across records must not be interleaved with other content.
  if (type != ContentType::handshake && !hs_.empty()) return Error::unexpected("interleaved handshake message");

  switch (type) {
    case ContentType::handshake:
      return process_handshake_bytes(plain);
    case ContentType::change_cipher_spec: {
      // RFC 8446 5: "receives a protected change_cipher_spec record MUST abort ... unexpected_message".
      if (tls13) return Error::unexpected("protected ChangeCipherSpec");
      SANSTLS_TRY(decode_change_cipher_spec(plain));
      if (!hs) return Error::unexpected("ChangeCipherSpec after the handshake");
      if (trace) push_trace(Direction::received, 0xff, plain);
      Status st = hs->on_change_cipher_spec();
      if (next_hs) hs = std::move(next_hs);
      if (handshake_done && hs && !hs->keep_after_handshake()) hs.reset();
      return st;
    }
    case ContentType::alert:
      return process_alert(plain);
    case ContentType::application_data:
      if (!handshake_done && !early_data_open) return Error::unexpected("application data before the handshake finished");
      if (hs && !hs->accepts_app_data()) return Error::unexpected("application data inside the peer's authentication flight");
      key_updates = 0;
      if (!handshake_done) {
        // RFC 8446 4.2.10: more 0-RTT data than the ticket allows is unexpected_message.
        if (plain.size() > early_data_budget) return Error::unexpected("too much early data");
        early_data_budget -= plain.size();
      }
      if (plain.empty()) return Status();
      {
        PendingEvent p;
        p.ev.type = Event::Type::app_data;
        p.ev.data = plain;
        p.ev.early_data = !handshake_done;
        events_.push_back(std::move(p));
        appdata_ = AppData::queued;
      }
      return Status();
    default:
      return Error::unexpected("unknown record type");
  }
}

Status ConnState::process_handshake_bytes(ByteView plain) {
  hs_.append(plain.data(), plain.size());
  size_t off = 0;
  Status result;
  while (hs_.size() - off >= kHandshakeHeaderLength) {
    HandshakeHeader hh{};
    result = decode_handshake_header(ByteView(hs_.data() + off, hs_.size() - off), &hh);
    if (!result.ok()) break;
    if (hh.length > common.max_handshake_message) {
      result = Error::misbehaved(AlertDescription::illegal_parameter, "handshake message too large");
      break;
    }
    size_t total = kHandshakeHeaderLength + hh.length;
    if (hs_.size() - off < total) break;
    ByteView msg(hs_.data() + off, total);
    off += total;
    if (!hs || (handshake_done && !tls13)) {
      // After the handshake: a HelloRequest (client) or ClientHello (server) asks for renegotiation,
      // which sanstls refuses with a warning (RFC 5746 4.2, RFC 5246 7.2.2).
      if ((is_client && hh.type == HandshakeType::hello_request) ||
          (!is_client && hh.type == HandshakeType::client_hello)) {
        if (trace) push_trace(Direction::received, static_cast<uint8_t>(hh.type), msg);
        write_alert(AlertLevel::warning, AlertDescription::no_renegotiation);
        continue;
      }
      result = Error::unexpected("handshake message after the handshake");
      break;
    }
    if (trace) push_trace(Direction::received, static_cast<uint8_t>(hh.type), msg);
    read_key_changed = false;
    result = hs->on_message(hh.type, msg, msg.sub(kHandshakeHeaderLength));
    if (next_hs) hs = std::move(next_hs);
    if (handshake_done && hs && !hs->keep_after_handshake()) hs.reset();
    if (!result.ok() || error_) break;
    // RFC 8446 5.1: handshake messages must not straddle a change of read keys.
    if (read_key_changed && off < hs_.size()) {
      result = Error::unexpected("handshake data across a key change");
      break;
    }
  }
  hs_.erase_front(off);
  return result;
}

Status ConnState::process_alert(ByteView plain) {
  Alert a;
  if (!decode_alert(plain, &a)) return Error::decode("alert: not two bytes");
  if (a.level != AlertLevel::warning && a.level != AlertLevel::fatal)
    return Error::illegal("alert: unknown level");
  PendingEvent p;
  p.ev.type = Event::Type::alert_received;
  p.ev.alert = a;
  events_.push_back(std::move(p));
  if (a.description == AlertDescription::close_notify) {
    received_close = true;
    if (!handshake_done) {
      Error e{ErrorKind::alert_received, a.description, "peer closed during the handshake"};
      return e;
    }
    if (!sent_close) {
      write_alert(AlertLevel::warning, AlertDescription::close_notify);
      sent_close = true;
    }
    if (!closed_emitted) {
      push_event(Event::Type::closed);
      events_.back().ev.clean = true;
      closed_emitted = true;
    }
    return Status();
  }
  if (a.level == AlertLevel::fatal) return Error{ErrorKind::alert_received, a.description, "fatal alert received"};
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
  c.hs = make_client12(c, std::move(config), std::move(options));
  c.out_mark_ = c.out_.size();
  Status st = c.hs->start();
  if (st.ok()) st = c.flush_handshake();
  if (!st.ok()) c.fail(st.error());
  return Connection(std::move(s));
}

Connection Connection::server(std::shared_ptr<const ServerConfig> config, crypto::Rng& rng, Clock& clock) {
  auto s = std::make_unique<ConnState>(false, config, rng, clock);
  ConnState& c = *s;
  c.hs = make_server12(c, std::move(config));
  Status st = c.hs->start();
  if (st.ok()) st = c.flush_handshake();
  if (!st.ok()) c.fail(st.error());
  return Connection(std::move(s));
}

Result<size_t> Connection::receive(ByteView data) { return s_->receive(data); }

void Connection::receive_eof() {
  ConnState& c = *s_;
  if (c.eof || c.error_) return;
  c.eof = true;
  if (c.received_close) return;
  if (!c.handshake_done) {
    c.fail(Error{ErrorKind::transport_closed, AlertDescription::close_notify, "connection closed during the handshake"});
    return;
  }
  if (!c.closed_emitted) {
    c.push_event(Event::Type::closed);
    c.events_.back().ev.clean = false;  // truncation: no close_notify
    c.closed_emitted = true;
  }
}

std::optional<Event> Connection::next_event() {
  ConnState& c = *s_;
  if (c.appdata_ == ConnState::AppData::delivered) {
    c.in_.clear();
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
  if (c.sent_close) return Error::misuse("send after close");
  size_t queued = c.handshake_done ? c.pending_output_size() : c.early_app_.size();
  if (queued >= kMaxQueuedOutput) return size_t{0};
  size_t n = std::min(data.size(), kMaxQueuedOutput - queued);
  if (!c.handshake_done) {
    c.early_app_.insert(c.early_app_.end(), data.begin(), data.begin() + n);
    return n;
  }
  c.out_mark_ = c.out_.size();
  Status s = c.write_app_data(data.sub(0, n));
  if (!s.ok()) return c.fail(s.error());
  return n;
}

ByteView Connection::pending_output() const {
  return ByteView(s_->out_.data() + s_->out_off_, s_->out_.size() - s_->out_off_);
}

void Connection::consume_output(size_t n) {
  ConnState& c = *s_;
  c.out_off_ += std::min(n, c.pending_output_size());
  if (c.out_off_ == c.out_.size()) {
    c.out_.clear();
    c.out_off_ = 0;
    c.out_mark_ = 0;
  }
}

void Connection::close() {
  ConnState& c = *s_;
  if (c.error_ || c.sent_close) return;
  c.sent_close = true;
  c.early_app_.clear();
  c.write_alert(AlertLevel::warning, AlertDescription::close_notify);
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
  if (!c.handshake_done || !c.tls13 || !c.hs) return Error::misuse("KeyUpdate needs an established TLS 1.3 connection");
  c.out_mark_ = c.out_.size();
  Status s = c.hs->key_update(request_peer);
  if (s.ok()) s = c.flush_handshake();
  if (!s.ok() && s.error().kind != ErrorKind::api_misuse) return c.fail(s.error());
  return s;
}

Status Connection::request_client_certificate() {
  ConnState& c = *s_;
  if (c.error_) return *c.error_;
  if (!c.handshake_done || !c.tls13 || !c.hs || c.is_client) return Error::misuse("needs an established TLS 1.3 server");
  c.out_mark_ = c.out_.size();
  Status s = c.hs->request_client_certificate();
  if (s.ok()) s = c.flush_handshake();
  if (!s.ok() && s.error().kind != ErrorKind::api_misuse) return c.fail(s.error());
  return s;
}

size_t Connection::buffer_capacity() const {
  const ConnState& c = *s_;
  return c.in_.capacity() + c.out_.capacity() + c.hs_.capacity();
}

void Connection::release_buffers() {
  ConnState& c = *s_;
  if (c.appdata_ == ConnState::AppData::delivered) {
    c.in_.clear();
    c.appdata_ = ConnState::AppData::none;
  }
  if (c.appdata_ == ConnState::AppData::none) c.in_.release_if_empty();
  if (c.out_off_ == c.out_.size()) {
    c.out_.clear();
    c.out_off_ = 0;
    c.out_mark_ = 0;
  }
  c.out_.release_if_empty();
  c.hs_.release_if_empty();
  if (c.handshake_done && c.early_app_.empty()) Bytes().swap(c.early_app_);
}

void Connection::set_trace(bool on) { s_->trace = on; }
bool Connection::is_client() const { return s_->is_client; }
bool Connection::is_handshaking() const { return !s_->handshake_done && !s_->error_; }
bool Connection::is_closed() const {
  return s_->error_.has_value() || (s_->received_close && s_->sent_close) || s_->eof;
}
bool Connection::wants_read() const { return !s_->error_ && !s_->received_close && !s_->eof; }
const HandshakeInfo* Connection::info() const { return s_->handshake_done ? &s_->info : nullptr; }
std::optional<Session> Connection::session() const { return s_->handshake_done ? s_->session : std::nullopt; }
const Error* Connection::error() const { return s_->error_ ? &*s_->error_ : nullptr; }

}  // namespace sanstls
