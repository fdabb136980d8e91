#include "tools/adapters/stream_core.h"

#include <algorithm>
#include <string>

namespace sanstls {
namespace stream_core {

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

namespace {
constexpr int kKindCount = static_cast<int>(ErrorKind::internal) + 1;
Core::Step complete(Core::Code code, size_t n = 0) { return Core::Step{Core::Next::complete, code, n}; }
Core::Step next(Core::Next n) { return Core::Step{n, Core::Code::ok, 0}; }
}  // namespace

std::string error_message(int v) {
  int kind = (v >> 8) - 1;
  if (kind < 0 || kind >= kKindCount) return "unknown sanstls error";
  Error e;
  e.kind = static_cast<ErrorKind>(kind);
  e.alert = static_cast<AlertDescription>(v & 0xff);
  std::string s = error_kind_name(e.kind);
  AlertDescription sent;
  if (e.kind == ErrorKind::alert_received) {
    s += std::string(" (") + alert_name(e.alert) + ")";
  } else if (alert_for(e, &sent)) {
    s += std::string(" (alert ") + alert_name(sent) + ")";
  } else if (e.kind == ErrorKind::transport_closed) {
    s += " (stream truncated: no close_notify)";
  }
  return s;
}

int error_value(const Error& e) { return ((static_cast<int>(e.kind) + 1) << 8) | static_cast<int>(e.alert); }

Core::Core(Connection conn, Clock* clock)
    : conn_(std::move(conn)), clock_(clock ? clock : &SystemClock::instance()), inbuf_(16 * 1024 + 5) {}

void Core::drain() {
  while (auto ev = conn_.next_event()) {
    if (on_event) on_event(*ev);
    switch (ev->type) {
      case Event::Type::handshake_done:
        done_ = true;
        break;
      case Event::Type::app_data:
        plain_.insert(plain_.end(), ev->data.begin(), ev->data.end());
        break;
      case Event::Type::closed:
        closed_ = true;
        clean_ = ev->clean;
        break;
      default:
        break;
    }
  }
}

// Gives the buffered ciphertext to the engine. The engine stops after each application-data record
// until its event is read; drain() copies it out, so the loop always ends with the buffer consumed.
void Core::process() {
  while (in_off_ < in_len_) {
    Result<size_t> r = conn_.receive(ByteView(inbuf_.data() + in_off_, in_len_ - in_off_));
    if (!r.ok()) break;
    in_off_ += r.value();
    drain();
  }
  drain();
  in_off_ = in_len_ = 0;
}

void Core::feed(ByteView bytes) {
  if (bytes.empty()) return;
  if (in_len_ - in_off_ + bytes.size() > inbuf_.size()) inbuf_.resize(in_len_ - in_off_ + bytes.size());
  std::copy(inbuf_.begin() + static_cast<std::ptrdiff_t>(in_off_), inbuf_.begin() + static_cast<std::ptrdiff_t>(in_len_),
            inbuf_.begin());
  in_len_ -= in_off_;
  in_off_ = 0;
  std::copy(bytes.begin(), bytes.end(), inbuf_.begin() + static_cast<std::ptrdiff_t>(in_len_));
  in_len_ += bytes.size();
}

void Core::consume_plain(size_t n) {
  plain_off_ += n;
  if (plain_off_ >= plain_.size()) {
    plain_.clear();
    plain_off_ = 0;
  }
}

bool Core::want_flush(Step* out, bool wait_for_writer) {
  bool pending = !conn_.pending_output().empty();
  if (pending && !writing_) {
    *out = next(Next::write);
    return true;
  }
  if (wait_for_writer && writing_) {
    *out = next(Next::wait);
    return true;
  }
  return false;
}

ByteView Core::begin_write() {
  ByteView p = conn_.pending_output();
  wbuf_.assign(p.begin(), p.end());
  conn_.consume_output(p.size());
  writing_ = true;
  return ByteView(wbuf_);
}

void Core::end_write(bool failed) {
  writing_ = false;
  if (failed) write_failed_ = true;
}

void Core::begin_read() {
  reading_ = true;
  if (!writing_ && conn_.pending_output().empty()) conn_.release_buffers();
}

void Core::end_read(ReadResult r, size_t n) {
  reading_ = false;
  switch (r) {
    case ReadResult::eof:
      conn_.receive_eof();
      drain();
      break;
    case ReadResult::aborted:
      break;  // nothing was read: nothing changes
    case ReadResult::failed:
      read_failed_ = true;
      break;
    case ReadResult::data:
      in_off_ = 0;
      in_len_ = n;
      process();
      break;
  }
}

uint64_t Core::ms_until(uint64_t deadline_ms) const {
  uint64_t now = clock_->now_ms();
  return deadline_ms > now ? deadline_ms - now : 0;
}

void Core::expire() {
  conn_.on_timeout();
  drain();
}

Core::Step Core::handshake_step() {
  for (;;) {
    Step s;
    // Once the handshake is over (or failed), complete only after our last flight (or the alert) left.
    if (!write_failed_ && want_flush(&s, done_ || conn_.error())) return s;
    if (conn_.error()) return complete(Code::engine);
    if (write_failed_) return complete(Code::write_failed);
    if (done_) return complete(Code::ok);
    if (closed_) return complete(Code::truncated);
    if (in_off_ < in_len_) {
      process();
      continue;
    }
    if (read_failed_) return complete(Code::read_failed);
    uint64_t d = deadline();
    if (d != 0 && ms_until(d) == 0) {
      expire();
      if (conn_.error()) continue;
    }
    return next(reading_ ? Next::wait : Next::read);
  }
}

Core::Step Core::read_step(size_t capacity) {
  for (;;) {
    Step s;
    if (!plain().empty()) return complete(Code::ok, std::min(capacity, plain().size()));
    if (capacity == 0) return complete(Code::ok);
    if (!write_failed_ && want_flush(&s, false)) return s;  // a handshake flight, an alert, a close_notify
    if (conn_.error()) return complete(Code::engine);
    if (closed_) {
      if (clean_) return complete(Code::eof);
      return complete(read_failed_ ? Code::read_failed : Code::truncated);
    }
    if (in_off_ < in_len_) {
      process();
      continue;
    }
    if (read_failed_) return complete(Code::read_failed);
    uint64_t d = deadline();
    if (d != 0 && ms_until(d) == 0) {
      expire();
      if (conn_.error()) continue;
    }
    return next(reading_ ? Next::wait : Next::read);
  }
}

size_t Core::send(ByteView data, Code* code) {
  if (write_failed_) {
    *code = Code::write_failed;
    return 0;
  }
  if (!done_) {
    *code = conn_.error() ? Code::engine : Code::misuse;
    return 0;
  }
  Result<size_t> r = conn_.send(data);
  if (!r.ok()) {
    *code = conn_.error() ? Code::engine : Code::misuse;
    return 0;
  }
  return r.value();
}

Core::Step Core::write_step(size_t taken) {
  Step s;
  if (write_failed_) return complete(Code::write_failed);
  if (want_flush(&s, true)) return s;
  if (conn_.error()) return complete(Code::engine);
  return complete(Code::ok, taken);
}

Core::Step Core::shutdown_step() {
  if (!close_started_) {
    close_started_ = true;
    conn_.close();
  }
  for (;;) {
    Step s;
    if (write_failed_) return complete(Code::write_failed);
    if (want_flush(&s, true)) return s;
    if (conn_.error()) return complete(Code::engine);
    if (closed_) return complete(clean_ ? Code::ok : Code::eof);
    if (read_ops == 0) {
      consume_plain(plain().size());  // nobody reads any more: drop late application data
    } else if (!plain().empty()) {
      return next(Next::wait);  // the outstanding read takes it first
    }
    if (in_off_ < in_len_) {
      process();
      continue;
    }
    if (read_failed_) return complete(Code::read_failed);
    return next(reading_ ? Next::wait : Next::read);
  }
}

}  // namespace stream_core
}  // namespace sanstls
