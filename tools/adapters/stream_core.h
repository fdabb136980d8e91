// The I/O-free half of the Asio adapters (asio_stream.h for standalone Asio, boost_asio_stream.h for
// Boost.Asio): a connection, its input and plaintext buffers, and the decision of what each operation
// does next. The Stream templates only perform the I/O it asks for and map its outcomes to their own
// error codes, so neither this file nor stream_core.cc includes Asio.
#ifndef SANSTLS_TOOLS_ADAPTERS_STREAM_CORE_H_
#define SANSTLS_TOOLS_ADAPTERS_STREAM_CORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/connection.h"

namespace sanstls {
namespace stream_core {

// Real time: milliseconds since the Unix epoch.
class SystemClock : public Clock {
 public:
  uint64_t now_ms() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
  // One shared instance (the clock has no state).
  static SystemClock& instance();
};

// The text of a "sanstls" error code's value ((int(ErrorKind) + 1) << 8 | alert), for both categories.
std::string error_message(int value);
int error_value(const Error& e);
constexpr int kTruncatedValue = (static_cast<int>(ErrorKind::transport_closed) + 1) << 8;  // alert close_notify

class Core {
 public:
  Core(Connection conn, Clock* clock);

  enum class Next : uint8_t {
    write,     // write begin_write() to the transport, then end_write()
    read,      // read into read_buffer(), then end_read()
    wait,      // another operation is using the transport; wait until it finishes, then step again
    complete,  // the operation is over: code, n
  };
  // How an operation ended, mapped by the Stream template to its error code.
  enum class Code : uint8_t {
    ok,
    engine,        // connection().error()
    eof,           // the peer's close_notify (reads)
    truncated,     // the transport ended without close_notify
    write_failed,  // a transport write failed (latched: the stream's output is broken)
    read_failed,   // a transport read failed other than by cancellation (latched)
    misuse,        // e.g. a write before the handshake finished
  };
  struct Step {
    Next next;
    Code code = Code::ok;
    size_t n = 0;
  };

  // One step of each operation. Each is called again after the I/O it asked for has finished.
  Step handshake_step();
  // capacity: the size of the caller's buffers. On complete with n > 0, the caller copies n bytes from
  // plain() and calls consume_plain(n).
  Step read_step(size_t capacity);
  // First call of a write: queues data into the engine. Returns the number of bytes taken (possibly 0
  // when the engine's output is full: flush and call again), or sets *code.
  size_t send(ByteView data, Code* code);
  // The following steps of a write that queued `taken` bytes.
  Step write_step(size_t taken);
  // Shutdown: the first call sends close_notify.
  Step shutdown_step();

  // Bytes read from the transport before the stream existed (Beast's detect_ssl, a protocol sniffer):
  // processed before anything is read from the transport.
  void feed(ByteView bytes);

  // The transport side. begin_write() copies the engine's pending output into the write buffer (the
  // engine's own buffer may move while the write is in flight) and returns it.
  ByteView begin_write();
  void end_write(bool failed);
  uint8_t* read_buffer() { return inbuf_.data(); }
  size_t read_capacity() const { return inbuf_.size(); }
  // About to wait for the peer: with nothing pending, the engine's record buffers go back to the heap.
  void begin_read();
  enum class ReadResult : uint8_t { data, eof, aborted, failed };
  // A read that was aborted (cancelled) consumed nothing and changes nothing: the next read goes on.
  void end_read(ReadResult r, size_t n);
  bool writing() const { return writing_; }
  bool reading() const { return reading_; }

  // Handshake deadline: 0 when none, else the engine's deadline; ms_until(d) is how long until then.
  uint64_t deadline() const { return conn_.next_deadline(); }
  uint64_t ms_until(uint64_t deadline_ms) const;
  // The deadline passed (a timer fired): the engine checks its clock and fails the handshake.
  void expire();

  ByteView plain() const { return ByteView(plain_.data() + plain_off_, plain_.size() - plain_off_); }
  void consume_plain(size_t n);

  Connection& connection() { return conn_; }
  const Connection& connection() const { return conn_; }
  bool handshake_done() const { return done_; }
  std::function<void(const Event&)> on_event;
  int read_ops = 0;  // user read operations outstanding (async_read_some)

 private:
  void drain();
  void process();
  // Flushes pending output (write, or wait while another operation writes).
  bool want_flush(Step* out, bool wait_for_writer);

  Connection conn_;
  Clock* clock_;
  Bytes inbuf_;
  size_t in_off_ = 0, in_len_ = 0;
  Bytes plain_;
  size_t plain_off_ = 0;
  Bytes wbuf_;
  bool writing_ = false, reading_ = false;
  bool write_failed_ = false, read_failed_ = false;
  bool done_ = false, closed_ = false, clean_ = false, close_started_ = false;
};

}  // namespace stream_core
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_ADAPTERS_STREAM_CORE_H_
