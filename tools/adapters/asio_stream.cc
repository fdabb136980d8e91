#include "tools/adapters/asio_stream.h"

#include <algorithm>
#include <string>

namespace sanstls {
namespace asio_adapter {

namespace {

constexpr int kKindCount = static_cast<int>(ErrorKind::internal) + 1;

class Category : public std::error_category {
 public:
  const char* name() const noexcept override { return "sanstls"; }
  std::string message(int v) const override {
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
  std::error_condition default_error_condition(int v) const noexcept override {
    if ((v >> 8) - 1 == static_cast<int>(ErrorKind::timeout)) return std::errc::timed_out;
    return std::error_condition(v, *this);
  }
};

}  // namespace

const std::error_category& sanstls_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(const Error& e) {
  return std::error_code(((static_cast<int>(e.kind) + 1) << 8) | static_cast<int>(e.alert), sanstls_category());
}

bool is_sanstls_error(std::error_code ec) { return ec && &ec.category() == &sanstls_category(); }

ErrorKind error_kind(std::error_code ec) {
  if (!is_sanstls_error(ec)) return ErrorKind::internal;
  int kind = (ec.value() >> 8) - 1;
  return kind >= 0 && kind < kKindCount ? static_cast<ErrorKind>(kind) : ErrorKind::internal;
}

AlertDescription error_alert(std::error_code ec) {
  if (!is_sanstls_error(ec)) return AlertDescription::internal_error;
  return static_cast<AlertDescription>(ec.value() & 0xff);
}

namespace detail {

namespace {
Core::Step complete(std::error_code ec, size_t n = 0) { return Core::Step{Core::Next::complete, ec, n}; }
Core::Step next(Core::Next n) { return Core::Step{n, std::error_code(), 0}; }
std::error_code truncated() {
  return make_error_code(Error{ErrorKind::transport_closed, AlertDescription::close_notify, "stream truncated"});
}
}  // namespace

Core::Core(Connection conn, Clock* clock) : conn_(std::move(conn)), clock_(clock), inbuf_(16 * 1024 + 5) {}

std::error_code Core::conn_error() const {
  const Error* e = conn_.error();
  return e ? make_error_code(*e) : std::error_code();
}

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

void Core::end_write(std::error_code ec) {
  writing_ = false;
  if (ec && !write_error_) write_error_ = ec;
}

void Core::end_read(std::error_code ec, size_t n) {
  reading_ = false;
  if (ec == asio::error::eof) {
    conn_.receive_eof();
    drain();
  } else if (ec) {
    if (!read_error_) read_error_ = ec;
  } else {
    in_off_ = 0;
    in_len_ = n;
    process();
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
    if (!write_error_ && want_flush(&s, done_ || conn_.error())) return s;
    if (conn_.error()) return complete(conn_error());
    if (write_error_) return complete(write_error_);
    if (done_) return complete(std::error_code());
    if (closed_) return complete(truncated());
    if (in_off_ < in_len_) {
      process();
      continue;
    }
    if (read_error_) return complete(read_error_);
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
    if (!plain().empty()) return complete(std::error_code(), std::min(capacity, plain().size()));
    if (capacity == 0) return complete(std::error_code());
    if (!write_error_ && want_flush(&s, false)) return s;  // a handshake flight, an alert, a close_notify
    if (conn_.error()) return complete(conn_error());
    if (closed_) {
      if (clean_) return complete(asio::error::eof);
      return complete(read_error_ ? read_error_ : truncated());
    }
    if (in_off_ < in_len_) {
      process();
      continue;
    }
    if (read_error_) return complete(read_error_);
    uint64_t d = deadline();
    if (d != 0 && ms_until(d) == 0) {
      expire();
      if (conn_.error()) continue;
    }
    return next(reading_ ? Next::wait : Next::read);
  }
}

size_t Core::send(ByteView data, std::error_code* ec) {
  if (write_error_) {
    *ec = write_error_;
    return 0;
  }
  if (!done_) {
    *ec = conn_.error() ? conn_error() : make_error_code(Error::misuse("write before the handshake finished"));
    return 0;
  }
  Result<size_t> r = conn_.send(data);
  if (!r.ok()) {
    *ec = make_error_code(r.error());
    return 0;
  }
  return r.value();
}

Core::Step Core::write_step(size_t taken) {
  Step s;
  if (write_error_) return complete(write_error_);
  if (want_flush(&s, true)) return s;
  if (conn_.error()) return complete(conn_error());
  return complete(std::error_code(), taken);
}

Core::Step Core::shutdown_step() {
  if (!close_started_) {
    close_started_ = true;
    conn_.close();
  }
  for (;;) {
    Step s;
    if (write_error_) return complete(write_error_);
    if (want_flush(&s, true)) return s;
    if (conn_.error()) return complete(conn_error());
    if (closed_) return complete(clean_ ? std::error_code() : std::error_code(asio::error::eof));
    if (read_ops == 0) {
      consume_plain(plain().size());  // nobody reads any more: drop late application data
    } else if (!plain().empty()) {
      return next(Next::wait);  // the outstanding read takes it first
    }
    if (in_off_ < in_len_) {
      process();
      continue;
    }
    if (read_error_) return complete(read_error_);
    return next(reading_ ? Next::wait : Next::read);
  }
}

}  // namespace detail
}  // namespace asio_adapter
}  // namespace sanstls
