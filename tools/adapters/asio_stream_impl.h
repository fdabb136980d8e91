// The body of the Asio adapters, written once for both Asios. Not to be included directly: asio_stream.h
// (standalone Asio, namespace sanstls::asio_adapter) and boost_asio_stream.h (Boost.Asio, namespace
// sanstls::boost_asio_adapter) include it with these macros set:
//   SANSTLS_NET            asio | boost::asio
//   SANSTLS_SYS            std | boost::system        (error_code, error_category, error_condition)
//   SANSTLS_ADAPTER        asio_adapter | boost_asio_adapter
//   SANSTLS_CANCELLATION   1 when the Asio has per-operation cancellation (Asio 1.19 / Boost 1.77 on)
// The documentation is in asio_stream.h.
#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "core/connection.h"
#include "tools/adapters/stream_core.h"

namespace sanstls {
namespace SANSTLS_ADAPTER {

using error_code = SANSTLS_SYS::error_code;
using SystemClock = stream_core::SystemClock;

// ---------------------------------------------------------------------------------------------------
// Errors

namespace detail {

class Category : public SANSTLS_SYS::error_category {
 public:
  const char* name() const noexcept override { return "sanstls"; }
  std::string message(int v) const override { return stream_core::error_message(v); }
  SANSTLS_SYS::error_condition default_error_condition(int v) const noexcept override {
    if ((v >> 8) - 1 == static_cast<int>(ErrorKind::timeout)) {
      return SANSTLS_SYS::errc::timed_out;
    }
    return SANSTLS_SYS::error_condition(v, *this);
  }
};

}  // namespace detail

// The "sanstls" error category. A code's value is ((int(ErrorKind) + 1) << 8) | alert, where alert is
// the alert sent (our errors) or received (ErrorKind::alert_received).
inline const SANSTLS_SYS::error_category& sanstls_category() {
  static const detail::Category category;
  return category;
}

namespace error {

// The stream ended without close_notify (a truncation attack, or a peer that just closes): the same
// meaning as asio::ssl::error::stream_truncated, in the "sanstls" category.
enum stream_errors { stream_truncated = stream_core::kTruncatedValue };

// Conditions: `ec == error::truncated` holds for this adapter's stream_truncated, any sanstls code of
// ErrorKind::transport_closed, and Asio's own ssl::error::stream_truncated, so one "ignore truncation"
// branch serves both stacks.
enum stream_conditions { truncated = 1 };

}  // namespace error
}  // namespace SANSTLS_ADAPTER
}  // namespace sanstls

namespace SANSTLS_SYS {
template <>
struct is_error_code_enum<sanstls::SANSTLS_ADAPTER::error::stream_errors> : std::true_type {};
template <>
struct is_error_condition_enum<sanstls::SANSTLS_ADAPTER::error::stream_conditions> : std::true_type {};
}  // namespace SANSTLS_SYS

namespace sanstls {
namespace SANSTLS_ADAPTER {
namespace error {

inline error_code make_error_code(stream_errors e) { return error_code(static_cast<int>(e), sanstls_category()); }

namespace detail {
class ConditionCategory : public SANSTLS_SYS::error_category {
 public:
  const char* name() const noexcept override { return "sanstls.condition"; }
  std::string message(int v) const override { return v == truncated ? "stream truncated" : "unknown condition"; }
  bool equivalent(const error_code& code, int condition) const noexcept override {
    if (condition != truncated) return false;
    if (&code.category() == &sanstls_category()) return (code.value() >> 8) == (stream_core::kTruncatedValue >> 8);
    // Asio's ssl stream category, without including asio/ssl (which needs OpenSSL to link).
    return std::strcmp(code.category().name(), "asio.ssl.stream") == 0 && code.value() == 1;
  }
};
}  // namespace detail

inline const SANSTLS_SYS::error_category& condition_category() {
  static const detail::ConditionCategory category;
  return category;
}
inline SANSTLS_SYS::error_condition make_error_condition(stream_conditions c) {
  return SANSTLS_SYS::error_condition(static_cast<int>(c), condition_category());
}

}  // namespace error

// The code for an engine error (kind and alert; the description string is not kept). A transport that
// ended without close_notify (ErrorKind::transport_closed) is error::stream_truncated.
inline error_code make_error_code(const Error& e) {
  if (e.kind == ErrorKind::transport_closed) return error::make_error_code(error::stream_truncated);
  return error_code(stream_core::error_value(e), sanstls_category());
}
// Whether ec is in sanstls_category().
inline bool is_sanstls_error(const error_code& ec) { return ec && &ec.category() == &sanstls_category(); }
// The ErrorKind of a sanstls code (ErrorKind::internal for a code of another category).
inline ErrorKind error_kind(const error_code& ec) {
  if (!is_sanstls_error(ec)) return ErrorKind::internal;
  int kind = (ec.value() >> 8) - 1;
  return kind >= 0 && kind <= static_cast<int>(ErrorKind::internal) ? static_cast<ErrorKind>(kind)
                                                                     : ErrorKind::internal;
}
// The alert of a sanstls code; AlertDescription::internal_error for a code of another category.
inline AlertDescription error_alert(const error_code& ec) {
  if (!is_sanstls_error(ec)) return AlertDescription::internal_error;
  return static_cast<AlertDescription>(ec.value() & 0xff);
}

// ---------------------------------------------------------------------------------------------------
// The stream

// What async_handshake(type, ...) plays, as asio::ssl::stream_base::handshake_type.
enum handshake_type { client, server };

// What a Stream needs to make its Connection when the role is chosen at handshake time (the
// asio::ssl::context of this adapter). The configs are shared; rng and clock must outlive the streams
// (and be safe to use from the threads the streams run on).
struct Context {
  std::shared_ptr<const ClientConfig> client;  // for handshake_type::client
  std::shared_ptr<const ServerConfig> server;  // for handshake_type::server
  crypto::Rng* rng = nullptr;
  Clock* clock = nullptr;  // null: the system clock
};

template <typename NextLayer>
class Stream {
  using Layer = std::remove_reference_t<NextLayer>;

 public:
  using next_layer_type = Layer;
  using lowest_layer_type = typename Layer::lowest_layer_type;
  using executor_type = typename Layer::executor_type;

  // Takes the transport and a connection whose role is already chosen. clock: the Connection's clock,
  // used to turn its deadline into a timer; null means the system clock.
  template <typename Arg>
  Stream(Arg&& next, Connection conn, Clock* clock = nullptr) : impl_(std::make_shared<Impl>(std::forward<Arg>(next))) {
    impl_->core.emplace(std::move(conn), clock);
  }
  // Takes the transport (or what makes it: an executor, an io_context) and a context; the connection is
  // made by async_handshake(type) or handshake(type).
  template <typename Arg>
  Stream(Arg&& next, const Context& context) : impl_(std::make_shared<Impl>(std::forward<Arg>(next))) {
    impl_->context = context;
  }
  Stream(Stream&&) noexcept = default;  // not while operations are outstanding
  Stream& operator=(Stream&&) noexcept = default;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  executor_type get_executor() noexcept { return impl_->next.get_executor(); }
  Layer& next_layer() { return impl_->next; }
  const Layer& next_layer() const { return impl_->next; }
  lowest_layer_type& lowest_layer() { return impl_->next.lowest_layer(); }
  // The connection; precondition: it exists (given at construction, or after the handshake started).
  Connection& connection() { return impl_->core->connection(); }
  bool has_connection() const { return impl_->core.has_value(); }
  // Client options (SNI, the name to verify, a session to resume) for a connection made from the
  // Context by a client handshake; call before it.
  void set_client_options(Connection::ClientOptions options) { impl_->client_options = std::move(options); }
  // Called for every engine event as it arrives (tracing); must not call back into the stream.
  void set_event_callback(std::function<void(const Event&)> cb) {
    impl_->on_event = std::move(cb);
    if (impl_->core) impl_->core->on_event = impl_->on_event;
  }

  using default_token = SANSTLS_NET::default_completion_token_t<executor_type>;

  // Runs the handshake in the role the connection has. Signature: void(error_code).
  template <typename Token = default_token>
  auto async_handshake(Token&& token = default_token()) {
    return SANSTLS_NET::async_compose<Token, void(error_code)>(Op<HandshakeKind<false>>(impl_.get(), {}), token,
                                                                impl_->next);
  }
  // Runs the handshake as client or server (the connection is made from the Context unless given).
  template <typename Token = default_token>
  auto async_handshake(handshake_type type, Token&& token = default_token()) {
    return SANSTLS_NET::async_compose<Token, void(error_code)>(
        Op<HandshakeKind<false>>(impl_.get(), HandshakeKind<false>(type)), token, impl_->next);
  }
  // The buffered form: `buffers` holds bytes already read from the transport (after Beast's detect_ssl);
  // they are processed first. Signature: void(error_code, std::size_t bytes_used).
  template <typename ConstBuffers, typename Token = default_token>
  auto async_handshake(handshake_type type, const ConstBuffers& buffers, Token&& token = default_token()) {
    HandshakeKind<true> kind(type);
    for (auto it = SANSTLS_NET::buffer_sequence_begin(buffers); it != SANSTLS_NET::buffer_sequence_end(buffers); ++it) {
      SANSTLS_NET::const_buffer b(*it);
      const uint8_t* p = static_cast<const uint8_t*>(b.data());
      kind.early.insert(kind.early.end(), p, p + b.size());
    }
    return SANSTLS_NET::async_compose<Token, void(error_code, std::size_t)>(Op<HandshakeKind<true>>(impl_.get(), kind),
                                                                             token, impl_->next);
  }
  // Reads some application data (at least one byte unless the buffers are empty). eof after the peer's
  // close_notify; error::stream_truncated when the transport ended without one. Signature:
  // void(error_code, std::size_t).
  template <typename MutableBuffers, typename Token = default_token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token = default_token()) {
    return SANSTLS_NET::async_compose<Token, void(error_code, std::size_t)>(
        Op<ReadKind<MutableBuffers>>(impl_.get(), ReadKind<MutableBuffers>(buffers)), token, impl_->next);
  }
  // Writes some application data: completes when the records holding the bytes it took are written to
  // the transport. Requires a finished handshake. Signature: void(error_code, std::size_t).
  template <typename ConstBuffers, typename Token = default_token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token = default_token()) {
    return SANSTLS_NET::async_compose<Token, void(error_code, std::size_t)>(
        Op<WriteKind<ConstBuffers>>(impl_.get(), WriteKind<ConstBuffers>(buffers)), token, impl_->next);
  }
  // Sends close_notify and waits for the peer's: success when it came, eof when the peer closed the
  // transport without one. Signature: void(error_code).
  template <typename Token = default_token>
  auto async_shutdown(Token&& token = default_token()) {
    return SANSTLS_NET::async_compose<Token, void(error_code)>(Op<ShutdownKind>(impl_.get(), {}), token, impl_->next);
  }

  // Synchronous forms: the same operations, blocking the calling thread.
  void handshake(error_code& ec) { run_sync(HandshakeKind<false>(), ec); }
  void handshake(handshake_type type, error_code& ec) { run_sync(HandshakeKind<false>(type), ec); }
  template <typename MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, error_code& ec) {
    return run_sync(ReadKind<MutableBuffers>(buffers), ec);
  }
  template <typename ConstBuffers>
  size_t write_some(const ConstBuffers& buffers, error_code& ec) {
    return run_sync(WriteKind<ConstBuffers>(buffers), ec);
  }
  void shutdown(error_code& ec) { run_sync(ShutdownKind{}, ec); }
  // Throwing forms (system_error), as Asio's own streams have.
  void handshake() { throw_if(run_sync_ec(HandshakeKind<false>())); }
  void handshake(handshake_type type) { throw_if(run_sync_ec(HandshakeKind<false>(type))); }
  template <typename MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    error_code ec;
    size_t n = read_some(buffers, ec);
    throw_if(ec);
    return n;
  }
  template <typename ConstBuffers>
  size_t write_some(const ConstBuffers& buffers) {
    error_code ec;
    size_t n = write_some(buffers, ec);
    throw_if(ec);
    return n;
  }
  void shutdown() { throw_if(run_sync_ec(ShutdownKind{})); }

 private:
  using Core = stream_core::Core;
  using Step = Core::Step;
  using Code = Core::Code;

  // Everything the stream holds, on the heap: moving a Stream moves one pointer, and the deadline
  // timer's handler can see (weak_ptr) that the stream is gone.
  struct Impl : std::enable_shared_from_this<Impl> {
    template <typename Arg>
    explicit Impl(Arg&& a)
        : next(std::forward<Arg>(a)), gate(next.get_executor()), deadline_timer(next.get_executor()) {
      gate.expires_at(SANSTLS_NET::steady_timer::time_point::max());
    }
    NextLayer next;
    std::optional<Core> core;
    SANSTLS_NET::steady_timer gate;            // never expires; cancelled whenever a transport operation ends
    SANSTLS_NET::steady_timer deadline_timer;  // the handshake deadline
    uint64_t armed = 0;                        // the deadline the timer is set for (0: none)
    error_code write_ec, read_ec;              // the latched transport errors
    std::optional<Context> context;
    Connection::ClientOptions client_options;
    std::function<void(const Event&)> on_event;

    error_code to_ec(Code code) const {
      switch (code) {
        case Code::ok:
          return {};
        case Code::engine:
          return core && core->connection().error() ? make_error_code(*core->connection().error())
                                                    : make_error_code(Error::internal("no engine error"));
        case Code::eof:
          return SANSTLS_NET::error::eof;
        case Code::truncated:
          return error::make_error_code(error::stream_truncated);
        case Code::write_failed:
          return write_ec;
        case Code::read_failed:
          return read_ec;
        case Code::misuse:
          break;
      }
      return make_error_code(Error::misuse("operation not allowed now"));
    }

    // Makes the connection for a handshake of `type` (from the Context), or checks the one given.
    bool prepare(std::optional<handshake_type> type) {
      if (core) return !type || (*type == client) == core->connection().is_client();
      if (!type || !context || !context->rng) return false;
      Clock* clock = context->clock ? context->clock : &SystemClock::instance();
      if (*type == client) {
        if (!context->client) return false;
        core.emplace(Connection::client(context->client, client_options, *context->rng, *clock), clock);
      } else {
        if (!context->server) return false;
        core.emplace(Connection::server(context->server, *context->rng, *clock), clock);
      }
      core->on_event = on_event;
      return true;
    }
  };

  template <bool Buffered>
  struct HandshakeKind {
    static constexpr bool has_size = Buffered;
    static constexpr bool is_read = false;
    static constexpr int cancellation = 1;
    HandshakeKind() = default;
    explicit HandshakeKind(handshake_type t) : type(t) {}
    std::optional<handshake_type> type;
    Bytes early;
    bool start(Impl& s) {
      if (!s.prepare(type)) return false;
      s.core->feed(ByteView(early));
      n = early.size();
      return true;
    }
    size_t n = 0;
    Step step(Core& c) {
      Step st = c.handshake_step();
      st.n = n;
      return st;
    }
  };
  template <typename Buffers>
  struct ReadKind {
    static constexpr bool has_size = true;
    static constexpr bool is_read = true;
    static constexpr int cancellation = 2;
    explicit ReadKind(const Buffers& b) : buffers(b) {}
    Buffers buffers;
    bool start(Impl& s) { return s.core.has_value(); }
    Step step(Core& c) {
      Step st = c.read_step(SANSTLS_NET::buffer_size(buffers));
      if (st.next == Core::Next::complete && st.n > 0) {
        ByteView p = c.plain();
        st.n = SANSTLS_NET::buffer_copy(buffers, SANSTLS_NET::buffer(p.data(), st.n));
        c.consume_plain(st.n);
      }
      return st;
    }
  };
  template <typename Buffers>
  struct WriteKind {
    static constexpr bool has_size = true;
    static constexpr bool is_read = false;
    static constexpr int cancellation = 0;
    explicit WriteKind(const Buffers& b) : buffers(b) {}
    Buffers buffers;
    bool queued = false;
    size_t taken = 0;
    bool start(Impl& s) { return s.core.has_value(); }
    Step step(Core& c) {
      if (!queued) {
        for (auto it = SANSTLS_NET::buffer_sequence_begin(buffers); it != SANSTLS_NET::buffer_sequence_end(buffers);
             ++it) {
          SANSTLS_NET::const_buffer b(*it);
          if (b.size() == 0) continue;
          Code code = Code::ok;
          size_t n = c.send(ByteView(static_cast<const uint8_t*>(b.data()), b.size()), &code);
          if (code != Code::ok) return Step{Core::Next::complete, code, 0};
          taken += n;
          if (n < b.size()) break;
        }
        if (taken == 0 && SANSTLS_NET::buffer_size(buffers) > 0) {
          // The engine's output is full: let it drain, then try again.
          Step st = c.write_step(0);
          if (st.next == Core::Next::complete && st.code == Code::ok) return Step{Core::Next::complete, Code::ok, 0};
          return st;
        }
        queued = true;
      }
      return c.write_step(taken);
    }
  };
  struct ShutdownKind {
    static constexpr bool has_size = false;
    static constexpr bool is_read = false;
    static constexpr int cancellation = 1;
    bool start(Impl& s) { return s.core.has_value(); }
    Step step(Core& c) { return c.shutdown_step(); }
  };

  enum class Resume : uint8_t { start, wrote, waited, read, posted };

  template <typename Kind>
  struct Op {
    Op(Impl* impl, Kind k) : s(impl), kind(std::move(k)) {}
    Impl* s;
    Kind kind;
    Resume resume = Resume::start;
    error_code result;
    size_t result_n = 0;
    bool counted = false;  // a read counted in read_ops

    template <typename Self>
    void operator()(Self& self, error_code ec = {}, size_t n = 0) {
      bool first = resume == Resume::start;
      switch (resume) {
        case Resume::start:
#if SANSTLS_CANCELLATION
          // A read that is cancelled has consumed nothing (total); the handshake and the shutdown can
          // be called again after a cancellation (partial); a write may have left part of a record on
          // the transport (terminal only, the default).
          if constexpr (Kind::cancellation == 2) {
            self.reset_cancellation_state(SANSTLS_NET::enable_total_cancellation());
          } else if constexpr (Kind::cancellation == 1) {
            self.reset_cancellation_state(SANSTLS_NET::enable_partial_cancellation());
          }
#endif
          if (!kind.start(*s)) {
            result = make_error_code(Error::misuse(s->core ? "wrong handshake type" : "no connection yet"));
            return post_complete(self);
          }
          if (Kind::is_read) {
            s->core->read_ops++;
            counted = true;
          }
          break;
        case Resume::wrote:
          if (ec && !s->write_ec) s->write_ec = ec;
          s->core->end_write(bool(ec));
          s->gate.cancel();
#if SANSTLS_CANCELLATION
          // A read, handshake or shutdown cancelled while it wrote (a flight, an alert, a close_notify
          // answer) ends now; what it read stays for the next operation. A write's bytes are sent: it
          // completes normally.
          if (Kind::cancellation > 0 && !ec &&
              self.get_cancellation_state().cancelled() != SANSTLS_NET::cancellation_type::none) {
            return finish_with(self, SANSTLS_NET::error::operation_aborted, 0);
          }
#endif
          break;
        case Resume::read: {
          using RR = Core::ReadResult;
          bool aborted = ec == SANSTLS_NET::error::operation_aborted;
          if (ec && !aborted && ec != SANSTLS_NET::error::eof && !s->read_ec) s->read_ec = ec;
          s->core->end_read(!ec ? RR::data : ec == SANSTLS_NET::error::eof ? RR::eof : aborted ? RR::aborted : RR::failed,
                            n);
          s->gate.cancel();  // whoever waits for the transport may use it now
          // Cancelled (the operation's slot, or the socket's cancel()): this operation ends, the stream
          // does not. Unless the engine failed meanwhile (the handshake deadline cancels the read too).
          if (aborted && !s->core->connection().error()) return finish_with(self, SANSTLS_NET::error::operation_aborted, 0);
          break;
        }
        case Resume::waited:
#if SANSTLS_CANCELLATION
          // Waiting for another operation's transport I/O: a cancellation ends this one alone, at once.
          if (self.get_cancellation_state().cancelled() != SANSTLS_NET::cancellation_type::none) {
            return finish_with(self, SANSTLS_NET::error::operation_aborted, 0);
          }
#endif
          break;
        case Resume::posted:
          return finish(self);
      }
      for (;;) {
        Step st = kind.step(*s->core);
        switch (st.next) {
          case Core::Next::complete:
            result = s->to_ec(st.code);
            result_n = st.n;
            uncount();
            update_deadline(self);
            if (first) return post_complete(self);  // never call the handler from the initiating function
            return finish(self);
          case Core::Next::wait:
            resume = Resume::waited;
            s->gate.async_wait(std::move(self));
            return;
          case Core::Next::write: {
            ByteView out = s->core->begin_write();
            resume = Resume::wrote;
#if SANSTLS_CANCELLATION
            // A record's transport write is not cancelled per operation (half a record would break the
            // stream for good): it finishes, then the operation looks at its cancellation state.
            SANSTLS_NET::async_write(s->next, SANSTLS_NET::buffer(out.data(), out.size()),
                                     SANSTLS_NET::bind_cancellation_slot(SANSTLS_NET::cancellation_slot(), std::move(self)));
#else
            SANSTLS_NET::async_write(s->next, SANSTLS_NET::buffer(out.data(), out.size()), std::move(self));
#endif
            return;
          }
          case Core::Next::read:
            update_deadline(self);
            s->core->begin_read();
            resume = Resume::read;
            s->next.async_read_some(SANSTLS_NET::buffer(s->core->read_buffer(), s->core->read_capacity()),
                                    std::move(self));
            return;
        }
      }
    }

    void uncount() {
      if (counted) {
        counted = false;
        s->core->read_ops--;
        s->gate.cancel();  // a shutdown may be waiting for this read to take its data
      }
    }

    template <typename Self>
    void post_complete(Self& self) {
      resume = Resume::posted;
      SANSTLS_NET::post(s->next.get_executor(), std::move(self));
    }

    template <typename Self>
    void finish_with(Self& self, error_code ec, size_t n) {
      result = ec;
      result_n = n;
      uncount();
      finish(self);
    }

    template <typename Self>
    void finish(Self& self) {
      if constexpr (Kind::has_size) {
        self.complete(result, result_n);
      } else {
        self.complete(result);
      }
    }

    // Arms the deadline timer for the engine's current deadline (or disarms it). Its handler runs on
    // the executor of the operation that armed it (a strand bound to the handler included). When it
    // fires, the engine is told (on_timeout); once it has failed, the pending transport operations are
    // cancelled so the waiting operation completes with the timeout.
    template <typename Self>
    void update_deadline(Self& self) {
      uint64_t d = s->core->deadline();
      if (d == s->armed) return;
      s->armed = d;
      if (d == 0) {
        s->deadline_timer.cancel();
        return;
      }
      s->deadline_timer.expires_after(std::chrono::milliseconds(s->core->ms_until(d)));
      auto ex = SANSTLS_NET::get_associated_executor(self, s->next.get_executor());
      arm(s, d, ex);
    }
  };

  template <typename Executor>
  static void arm(Impl* impl, uint64_t d, const Executor& ex) {
    std::weak_ptr<Impl> life = impl->weak_from_this();
    impl->deadline_timer.async_wait(SANSTLS_NET::bind_executor(ex, [life, d, ex](error_code ec) {
      std::shared_ptr<Impl> s = life.lock();
      if (ec || !s || s->armed != d || !s->core) return;
      s->core->expire();  // the engine checks its clock and fails the handshake if the deadline passed
      if (s->core->connection().error()) {
        error_code ignored;
        s->next.cancel(ignored);  // wakes the operation waiting on the transport
        s->gate.cancel();
      } else {
        // The clocks disagree by a little: wait again.
        s->deadline_timer.expires_after(std::chrono::milliseconds(std::max<uint64_t>(1, s->core->ms_until(d))));
        arm(s.get(), d, ex);
      }
    }));
  }

  template <typename Kind>
  error_code run_sync_ec(Kind kind) {
    error_code ec;
    run_sync(std::move(kind), ec);
    return ec;
  }

  template <typename Kind>
  size_t run_sync(Kind kind, error_code& ec) {
    Impl& s = *impl_;
    if (!kind.start(s)) {
      ec = make_error_code(Error::misuse(s.core ? "wrong handshake type" : "no connection yet"));
      return 0;
    }
    Core& core = *s.core;
    for (;;) {
      Step st = kind.step(core);
      switch (st.next) {
        case Core::Next::complete:
          ec = s.to_ec(st.code);
          return st.n;
        case Core::Next::wait:  // cannot happen without asynchronous operations
          ec = make_error_code(Error::misuse("synchronous call while an asynchronous one is outstanding"));
          return 0;
        case Core::Next::write: {
          ByteView out = core.begin_write();
          error_code wec;
          SANSTLS_NET::write(s.next, SANSTLS_NET::buffer(out.data(), out.size()), wec);
          if (wec && !s.write_ec) s.write_ec = wec;
          core.end_write(bool(wec));
          break;
        }
        case Core::Next::read: {
          uint64_t d = core.deadline();
          if (d != 0) {
            // Wait for input no longer than the deadline.
            pollfd p{s.next.lowest_layer().native_handle(), POLLIN, 0};
            int r = ::poll(&p, 1, static_cast<int>(std::min<uint64_t>(core.ms_until(d), 1u << 30)));
            if (r == 0) {
              core.expire();
              break;
            }
          }
          error_code rec;
          core.begin_read();
          size_t n = s.next.read_some(SANSTLS_NET::buffer(core.read_buffer(), core.read_capacity()), rec);
          using RR = Core::ReadResult;
          bool aborted = rec == SANSTLS_NET::error::operation_aborted || rec == SANSTLS_NET::error::would_block ||
                         rec == SANSTLS_NET::error::interrupted;
          if (rec && !aborted && rec != SANSTLS_NET::error::eof && !s.read_ec) s.read_ec = rec;
          core.end_read(!rec ? RR::data : rec == SANSTLS_NET::error::eof ? RR::eof : aborted ? RR::aborted : RR::failed,
                        n);
          if (aborted) {  // a receive timeout (SO_RCVTIMEO) or a signal: this call ends, the stream does not
            ec = rec;
            return 0;
          }
          break;
        }
      }
    }
  }

  static void throw_if(const error_code& ec) {
    if (ec) throw SANSTLS_SYS::system_error(ec);
  }

  std::shared_ptr<Impl> impl_;
};

}  // namespace SANSTLS_ADAPTER
}  // namespace sanstls
