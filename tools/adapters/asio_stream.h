// An adapter for standalone Asio (Debian's libasio-dev): sanstls::asio_adapter::Stream<NextLayer> drives
// a sanstls::Connection over an Asio stream (asio::ip::tcp::socket), in the usual completion-token
// style, the way asio::ssl::stream does for OpenSSL. It uses the public Connection API only.
//
//   asio::io_context io;
//   asio::ip::tcp::socket sock(io);
//   sock.connect(endpoint);
//   sanstls::asio_adapter::SystemClock clock;
//   auto rng = sanstls::crypto::make_system_rng();
//   sanstls::asio_adapter::Stream<asio::ip::tcp::socket> tls(
//       std::move(sock), sanstls::Connection::client(config, {"example.com"}, *rng, clock), &clock);
//   tls.async_handshake([&](std::error_code ec) { ... });
//   asio::async_write(tls, asio::buffer(line), [&](std::error_code ec, size_t n) { ... });
//   tls.async_read_some(asio::buffer(buf), [&](std::error_code ec, size_t n) { ... });
//   tls.async_shutdown([&](std::error_code ec) { ... });
//   io.run();
//
// Any completion token works: a callback, asio::use_future, asio::use_awaitable (C++20 coroutines),
// asio::deferred ... (the operations are built with asio::async_compose).
//
// Errors are std::error_codes. The engine's errors are in sanstls_category() ("sanstls"): the code
// holds the ErrorKind and the alert (error_kind(ec), error_alert(ec)); the transport's errors are
// Asio's own (connection_reset ...). A clean close_notify from the peer ends reads with asio::error::eof;
// a stream that ends without close_notify gives ErrorKind::transport_closed ("stream truncated").
// connection().error() has the full sanstls::Error (with its description) after a failure.
//
// Rules, as for asio::ssl::stream:
//  - At most one read operation (async_read_some, async_handshake, async_shutdown count as reads) and
//    one async_write_some may be outstanding at a time from the user; handshake and shutdown may be
//    outstanding together with a read (they take turns on the socket). All operations and the stream
//    must be used from one thread or one strand (the stream's executor).
//  - Internally, at most one write is pending on the socket at any time, and output leaves in the
//    order the engine produced it. A write completes when the record holding its bytes was written to
//    the socket, so a writer can never get ahead of the socket (backpressure): the engine holds at
//    most one write's records, plus what a read produced (alerts, handshake flights).
//  - Input: a read takes at most one socket read's worth (16 KiB + 5) of ciphertext at a time and
//    keeps at most that much decrypted data until the user reads it; it reads the socket again only
//    when the decrypted data was all taken.
//  - The handshake deadline (Connection::next_deadline(), in the clock's milliseconds) is enforced:
//    when it passes during the handshake, the operation fails with ErrorKind::timeout. The clock given
//    to the Stream must be the one the Connection was made with (default: the system clock).
//  - After a failure, the alert the engine produced is written before the failing operation
//    completes; then close the socket. Synchronous calls (handshake(), read_some() ...) must not be
//    mixed with outstanding asynchronous operations.
//
// The stream is neither copyable nor movable (hold it in a std::unique_ptr to move it); it must
// outlive its outstanding operations.
#ifndef SANSTLS_TOOLS_ADAPTERS_ASIO_STREAM_H_
#define SANSTLS_TOOLS_ADAPTERS_ASIO_STREAM_H_

#ifndef ASIO_STANDALONE
#define ASIO_STANDALONE
#endif
#include <poll.h>

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <system_error>
#include <utility>

#include "core/connection.h"

namespace sanstls {
namespace asio_adapter {

// The "sanstls" error category. A code's value is ((int(ErrorKind) + 1) << 8) | alert, where alert is
// the alert sent (our errors) or received (ErrorKind::alert_received); message() reads like
// "bad certificate (alert unknown_ca)".
const std::error_category& sanstls_category();
// The code for an engine error (kind and alert; the description string is not kept).
std::error_code make_error_code(const Error& e);
// Whether ec is in sanstls_category().
bool is_sanstls_error(std::error_code ec);
// The ErrorKind of a sanstls code (ErrorKind::internal for a code of another category).
ErrorKind error_kind(std::error_code ec);
// The alert of a sanstls code (sent by us, or received for ErrorKind::alert_received);
// AlertDescription::internal_error for a code of another category.
AlertDescription error_alert(std::error_code ec);

// Real time: milliseconds since the Unix epoch.
class SystemClock : public Clock {
 public:
  uint64_t now_ms() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
};

namespace detail {

// The I/O-free half of the stream: the connection, its input and plaintext buffers, and the decision of
// what each operation does next. The Stream template below only performs the I/O it asks for.
class Core {
 public:
  Core(Connection conn, Clock* clock);

  enum class Next : uint8_t {
    write,     // write begin_write() to the transport, then end_write()
    read,      // read into read_buffer(), then end_read()
    wait,      // another operation is using the transport; wait until it finishes, then step again
    complete,  // the operation is over: ec, n
  };
  struct Step {
    Next next;
    std::error_code ec;
    size_t n = 0;
  };

  // One step of each operation. Each is called again after the I/O it asked for has finished.
  Step handshake_step();
  // capacity: the size of the caller's buffers. On complete with n > 0, the caller copies n bytes from
  // plain() and calls consume_plain(n).
  Step read_step(size_t capacity);
  // First call of a write: queues data into the engine. Returns the number of bytes taken (possibly 0
  // when the engine's output is full: flush and call again), or sets ec.
  size_t send(ByteView data, std::error_code* ec);
  // The following steps of a write that queued `taken` bytes.
  Step write_step(size_t taken);
  // Shutdown: the first call sends close_notify.
  Step shutdown_step();

  // The transport side. begin_write() copies the engine's pending output into the write buffer (the
  // engine's own buffer may move while the write is in flight) and returns it.
  ByteView begin_write();
  void end_write(std::error_code ec);
  uint8_t* read_buffer() { return inbuf_.data(); }
  size_t read_capacity() const { return inbuf_.size(); }
  // About to wait for the peer: with nothing pending, the engine's record buffers go back to the heap
  // (Connection::release_buffers), as the blocking and epoll adapters do when a connection goes idle.
  void begin_read() {
    reading_ = true;
    if (!writing_ && conn_.pending_output().empty()) conn_.release_buffers();
  }
  void end_read(std::error_code ec, size_t n);
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
  std::function<void(const Event&)> on_event;
  int read_ops = 0;  // user read operations outstanding (async_read_some)

 private:
  void drain();
  void process();
  // Flushes pending output (write, or wait while another operation writes); nothing to do: complete
  // with next == Next::complete and no error.
  bool want_flush(Step* out, bool wait_for_writer);
  std::error_code conn_error() const;

  Connection conn_;
  Clock* clock_;
  Bytes inbuf_;
  size_t in_off_ = 0, in_len_ = 0;
  Bytes plain_;
  size_t plain_off_ = 0;
  Bytes wbuf_;
  bool writing_ = false, reading_ = false;
  std::error_code write_error_, read_error_;
  bool done_ = false, closed_ = false, clean_ = false, close_started_ = false;
};

}  // namespace detail

template <typename NextLayer>
class Stream {
 public:
  using next_layer_type = NextLayer;
  using lowest_layer_type = typename NextLayer::lowest_layer_type;
  using executor_type = typename NextLayer::executor_type;

  // Takes the transport (connected) and the connection. clock: the Connection's clock, used to turn its
  // deadline into a timer; null means the system clock (then the Connection must use real time too).
  Stream(NextLayer next, Connection conn, Clock* clock = nullptr)
      : next_(std::move(next)),
        core_(std::move(conn), clock ? clock : &system_clock_),
        gate_(next_.get_executor()),
        deadline_timer_(next_.get_executor()),
        life_(std::make_shared<int>(0)) {
    gate_.expires_at(asio::steady_timer::time_point::max());
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  executor_type get_executor() { return next_.get_executor(); }
  NextLayer& next_layer() { return next_; }
  lowest_layer_type& lowest_layer() { return next_.lowest_layer(); }
  Connection& connection() { return core_.connection(); }
  // Called for every engine event as it arrives (tracing); must not call back into the stream.
  void set_event_callback(std::function<void(const Event&)> cb) { core_.on_event = std::move(cb); }

  // Runs the handshake. Signature: void(std::error_code).
  template <typename Token>
  auto async_handshake(Token&& token) {
    return asio::async_compose<Token, void(std::error_code)>(Op<HandshakeKind>(*this, HandshakeKind{}), token, next_);
  }
  // Reads some application data (at least one byte unless the buffers are empty). asio::error::eof
  // after the peer's close_notify. Signature: void(std::error_code, std::size_t).
  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_compose<Token, void(std::error_code, std::size_t)>(
        Op<ReadKind<MutableBuffers>>(*this, ReadKind<MutableBuffers>(buffers)), token, next_);
  }
  // Writes some application data: completes when the records holding the bytes it took are written to
  // the transport. Requires a finished handshake (else api_misuse). Signature: void(std::error_code,
  // std::size_t).
  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return asio::async_compose<Token, void(std::error_code, std::size_t)>(
        Op<WriteKind<ConstBuffers>>(*this, WriteKind<ConstBuffers>(buffers)), token, next_);
  }
  // Sends close_notify and waits for the peer's. Succeeds when the peer's close_notify arrived;
  // asio::error::eof when the peer closed the transport without one (harmless after ours was sent).
  // Application data arriving meanwhile is dropped unless a read is outstanding. Signature:
  // void(std::error_code).
  template <typename Token>
  auto async_shutdown(Token&& token) {
    return asio::async_compose<Token, void(std::error_code)>(Op<ShutdownKind>(*this, ShutdownKind{}), token, next_);
  }

  // Synchronous forms: the same operations, blocking the calling thread.
  void handshake(std::error_code& ec) { run_sync(HandshakeKind{}, ec); }
  template <typename MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, std::error_code& ec) {
    return run_sync(ReadKind<MutableBuffers>(buffers), ec);
  }
  template <typename ConstBuffers>
  size_t write_some(const ConstBuffers& buffers, std::error_code& ec) {
    return run_sync(WriteKind<ConstBuffers>(buffers), ec);
  }
  void shutdown(std::error_code& ec) { run_sync(ShutdownKind{}, ec); }
  // Throwing forms (asio::system_error), as Asio's own streams have.
  void handshake() {
    std::error_code ec;
    handshake(ec);
    throw_on_error(ec);
  }
  template <typename MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    std::error_code ec;
    size_t n = read_some(buffers, ec);
    throw_on_error(ec);
    return n;
  }
  template <typename ConstBuffers>
  size_t write_some(const ConstBuffers& buffers) {
    std::error_code ec;
    size_t n = write_some(buffers, ec);
    throw_on_error(ec);
    return n;
  }
  void shutdown() {
    std::error_code ec;
    shutdown(ec);
    throw_on_error(ec);
  }

 private:
  using Core = detail::Core;
  using Step = Core::Step;

  struct HandshakeKind {
    static constexpr bool has_size = false;
    static constexpr bool is_read = false;
    Step step(Core& c) { return c.handshake_step(); }
  };
  template <typename Buffers>
  struct ReadKind {
    static constexpr bool has_size = true;
    static constexpr bool is_read = true;
    explicit ReadKind(const Buffers& b) : buffers(b) {}
    Buffers buffers;
    Step step(Core& c) {
      Step s = c.read_step(asio::buffer_size(buffers));
      if (s.next == Core::Next::complete && s.n > 0) {
        ByteView p = c.plain();
        s.n = asio::buffer_copy(buffers, asio::buffer(p.data(), s.n));
        c.consume_plain(s.n);
      }
      return s;
    }
  };
  template <typename Buffers>
  struct WriteKind {
    static constexpr bool has_size = true;
    static constexpr bool is_read = false;
    explicit WriteKind(const Buffers& b) : buffers(b) {}
    Buffers buffers;
    bool queued = false;
    size_t taken = 0;
    Step step(Core& c) {
      if (!queued) {
        std::error_code ec;
        for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers); ++it) {
          asio::const_buffer b(*it);
          if (b.size() == 0) continue;
          size_t n = c.send(ByteView(static_cast<const uint8_t*>(b.data()), b.size()), &ec);
          if (ec) return Step{Core::Next::complete, ec, 0};
          taken += n;
          if (n < b.size()) break;
        }
        if (taken == 0 && asio::buffer_size(buffers) > 0) {
          // The engine's output is full: let it drain, then try again.
          Step s = c.write_step(0);
          if (s.next == Core::Next::complete && !s.ec) return Step{Core::Next::complete, std::error_code(), 0};
          return s;
        }
        queued = true;
      }
      return c.write_step(taken);
    }
  };
  struct ShutdownKind {
    static constexpr bool has_size = false;
    static constexpr bool is_read = false;
    Step step(Core& c) { return c.shutdown_step(); }
  };

  enum class Resume : uint8_t { start, wrote, waited, read, posted };

  template <typename Kind>
  struct Op {
    Op(Stream& stream, Kind k) : s(stream), kind(std::move(k)) {}
    Stream& s;
    Kind kind;
    Resume resume = Resume::start;
    std::error_code result;
    size_t result_n = 0;

    template <typename Self>
    void operator()(Self& self, std::error_code ec = {}, size_t n = 0) {
      bool first = resume == Resume::start;
      switch (resume) {
        case Resume::start:
          if (Kind::is_read) s.core_.read_ops++;
          break;
        case Resume::wrote:
          s.core_.end_write(ec);
          s.gate_.cancel();
          break;
        case Resume::read:
          s.core_.end_read(ec, n);
          s.gate_.cancel();
          break;
        case Resume::waited:
          break;
        case Resume::posted:
          return finish(self);
      }
      for (;;) {
        Step st = kind.step(s.core_);
        switch (st.next) {
          case Core::Next::complete:
            result = st.ec;
            result_n = st.n;
            if (Kind::is_read) {
              s.core_.read_ops--;
              s.gate_.cancel();  // a shutdown may be waiting for this read to take its data
            }
            s.update_deadline();
            if (first) {  // never call the handler from inside the initiating function
              resume = Resume::posted;
              asio::post(s.next_.get_executor(), std::move(self));
              return;
            }
            return finish(self);
          case Core::Next::wait:
            resume = Resume::waited;
            s.gate_.async_wait(std::move(self));
            return;
          case Core::Next::write: {
            ByteView out = s.core_.begin_write();
            resume = Resume::wrote;
            asio::async_write(s.next_, asio::buffer(out.data(), out.size()), std::move(self));
            return;
          }
          case Core::Next::read:
            s.update_deadline();
            s.core_.begin_read();
            resume = Resume::read;
            s.next_.async_read_some(asio::buffer(s.core_.read_buffer(), s.core_.read_capacity()), std::move(self));
            return;
        }
      }
    }

    template <typename Self>
    void finish(Self& self) {
      if constexpr (Kind::has_size) {
        self.complete(result, result_n);
      } else {
        self.complete(result);
      }
    }
  };

  // Arms the deadline timer for the engine's current deadline (or disarms it). When it fires, the
  // engine is told (on_timeout); once it has failed, the pending transport operations are cancelled so
  // the waiting operation completes with the timeout.
  void update_deadline() {
    uint64_t d = core_.deadline();
    if (d == armed_) return;
    armed_ = d;
    if (d == 0) {
      deadline_timer_.cancel();
      return;
    }
    deadline_timer_.expires_after(std::chrono::milliseconds(core_.ms_until(d)));
    std::weak_ptr<int> life = life_;
    deadline_timer_.async_wait([this, life, d](std::error_code ec) {
      if (ec || life.expired() || armed_ != d) return;
      core_.expire();  // the engine checks its clock and fails the handshake if the deadline passed
      if (core_.connection().error()) {
        std::error_code ignored;
        next_.cancel(ignored);  // wakes the operation waiting on the transport
        gate_.cancel();
      } else {
        armed_ = 0;  // the clocks disagree by a little: wait again
        update_deadline();
      }
    });
  }

  template <typename Kind>
  size_t run_sync(Kind kind, std::error_code& ec) {
    for (;;) {
      Step st = kind.step(core_);
      switch (st.next) {
        case Core::Next::complete:
          ec = st.ec;
          return st.n;
        case Core::Next::wait:  // cannot happen without asynchronous operations
          ec = make_error_code(Error::misuse("synchronous call while an asynchronous one is outstanding"));
          return 0;
        case Core::Next::write: {
          ByteView out = core_.begin_write();
          std::error_code wec;
          asio::write(next_, asio::buffer(out.data(), out.size()), wec);
          core_.end_write(wec);
          break;
        }
        case Core::Next::read: {
          uint64_t d = core_.deadline();
          if (d != 0) {
            // Wait for input no longer than the deadline.
            pollfd p{next_.lowest_layer().native_handle(), POLLIN, 0};
            int r = ::poll(&p, 1, static_cast<int>(std::min<uint64_t>(core_.ms_until(d), 1u << 30)));
            if (r == 0) {
              core_.expire();
              break;
            }
          }
          std::error_code rec;
          core_.begin_read();
          size_t n = next_.read_some(asio::buffer(core_.read_buffer(), core_.read_capacity()), rec);
          core_.end_read(rec, n);
          break;
        }
      }
    }
  }

  static void throw_on_error(std::error_code ec) {
    if (ec) throw asio::system_error(ec);
  }

  SystemClock system_clock_;
  NextLayer next_;
  Core core_;
  asio::steady_timer gate_;            // never expires; cancelled whenever a transport operation ends
  asio::steady_timer deadline_timer_;  // the handshake deadline
  uint64_t armed_ = 0;                 // the deadline the timer is set for (0: none)
  std::shared_ptr<int> life_;          // lets the timer's handler see that the stream is gone
};

}  // namespace asio_adapter
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_ADAPTERS_ASIO_STREAM_H_
