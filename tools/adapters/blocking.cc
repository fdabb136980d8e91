#include "tools/adapters/blocking.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace sanstls {

namespace {
Error timed_out(const char* what) { return Error{ErrorKind::timeout, AlertDescription::close_notify, what}; }
}  // namespace

Transport Transport::socket(int fd) {
  Transport t;
  t.read = [fd](uint8_t* buf, size_t len) -> long { return ::recv(fd, buf, len, 0); };
  t.write = [fd](const uint8_t* data, size_t len) -> long { return ::send(fd, data, len, MSG_NOSIGNAL); };
  return t;
}

BlockingStream::BlockingStream(int fd, Connection conn) : BlockingStream(Transport::socket(fd), std::move(conn)) {}

BlockingStream::BlockingStream(Transport transport, Connection conn)
    : io_(std::move(transport)), conn_(std::move(conn)), inbuf_(16 * 1024 + 5) {}

Status BlockingStream::flush() {
  for (;;) {
    ByteView out = conn_.pending_output();
    if (out.empty()) return Status();
    errno = 0;
    long n = io_.write(out.data(), out.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return timed_out("write timed out");
    if (n <= 0) {
      transport_error_ = std::string("write: ") + (n < 0 ? std::strerror(errno) : "wrote nothing");
      return Error{ErrorKind::transport_closed, AlertDescription::close_notify, "send failed"};
    }
    conn_.consume_output(static_cast<size_t>(n));
  }
}

void BlockingStream::handle_events() {
  while (auto ev = conn_.next_event()) {
    if (on_event) on_event(*ev);
    switch (ev->type) {
      case Event::Type::handshake_done:
        done_ = true;
        break;
      case Event::Type::app_data:
        plain_.append(reinterpret_cast<const char*>(ev->data.data()), ev->data.size());
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

Status BlockingStream::pump_in() {
  // Feed what is buffered first (the connection takes less while an app_data event waits).
  if (in_off_ == in_len_) {
    // About to wait for the peer: nothing is pending, so the engine's buffers can go back to the heap.
    if (conn_.pending_output().empty()) conn_.release_buffers();
    long n;
    do {
      errno = 0;
      n = io_.read(inbuf_.data(), inbuf_.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A receive timeout: nothing was read and nothing changes, except that a handshake past its
      // deadline now fails (the engine checks its clock).
      if (conn_.next_deadline() != 0) {
        conn_.on_timeout();
        handle_events();
        if (const Error* e = conn_.error()) return *e;
      }
      return timed_out("read timed out");
    }
    if (n < 0) {
      transport_error_ = std::string("read: ") + std::strerror(errno);
      conn_.receive_eof();
      handle_events();
      return Error{ErrorKind::transport_closed, AlertDescription::close_notify, "recv failed"};
    }
    if (n == 0) {
      conn_.receive_eof();
      handle_events();
      SANSTLS_TRY(flush());
      return Status();
    }
    in_off_ = 0;
    in_len_ = static_cast<size_t>(n);
  }
  while (in_off_ < in_len_) {
    Result<size_t> r = conn_.receive(ByteView(inbuf_.data() + in_off_, in_len_ - in_off_));
    if (!r.ok()) {
      handle_events();
      (void)flush();  // the alert
      return r.error();
    }
    in_off_ += r.value();
    handle_events();
  }
  return flush();
}

Status BlockingStream::handshake() {
  SANSTLS_TRY(flush());
  while (!done_) {
    if (const Error* e = conn_.error()) return *e;
    if (closed_) return Error{ErrorKind::transport_closed, AlertDescription::close_notify, "closed during the handshake"};
    SANSTLS_TRY(pump_in());
  }
  return Status();
}

Result<size_t> BlockingStream::read(uint8_t* buf, size_t len) {
  while (plain_off_ == plain_.size()) {
    plain_.clear();
    plain_off_ = 0;
    if (closed_) {
      if (clean_) return size_t{0};
      if (const Error* e = conn_.error()) return *e;
      return Error{ErrorKind::transport_closed, AlertDescription::close_notify, "stream truncated (no close_notify)"};
    }
    if (const Error* e = conn_.error()) return *e;
    Status s = pump_in();
    if (!s.ok()) return s.error();
  }
  size_t n = std::min(len, plain_.size() - plain_off_);
  std::memcpy(buf, plain_.data() + plain_off_, n);
  plain_off_ += n;
  return n;
}

Status BlockingStream::write_all(ByteView data) {
  size_t off = 0;
  while (off < data.size()) {
    Result<size_t> r = conn_.send(data.sub(off));
    if (!r.ok()) return r.error();
    off += r.value();
    SANSTLS_TRY(flush());
  }
  return Status();
}

Status BlockingStream::close() {
  conn_.close();
  return flush();
}

}  // namespace sanstls
