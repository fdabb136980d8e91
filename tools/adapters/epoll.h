// An epoll event loop that drives many sanstls connections on non-blocking sockets from one thread:
// the worked example of embedding the engine in an event loop (docs/embedding.md). Uses the public
// Connection API only.
//
//   tools::SystemClock clock;
//   EpollLoop loop(clock);
//   loop.listen(listen_fd, [&](int fd, const std::string& peer) {
//     EpollHandlers h;
//     h.on_event = [](EpollConn& c, const Event& ev) { if (ev.type == Event::Type::app_data) c.send(ev.data); };
//     loop.add(fd, Connection::server(config, rng, clock), std::move(h), peer);
//   });
//   while (!done) loop.run_once(1000);
//
// What the loop does for each connection:
//  - Reads whatever the socket has into one shared buffer and gives it to Connection::receive(), then
//    hands every event to on_event (application data is valid only during that call: copy it or send
//    it back with EpollConn::send()).
//  - Writes pending_output() as far as the socket takes it (partial writes are normal) and asks epoll
//    for writability only while output is left.
//  - Backpressure, both ways. For a connection that queued with send(), while the output not yet
//    written to the socket (queued + in the engine) exceeds Options::high_water, the loop stops reading
//    from that peer: a peer that sends without reading stalls instead of growing our buffers.
//    Producers: EpollConn::send_some() takes only what fits under high_water and returns how much it
//    took; when it took less than offered, on_drained is called once the output fell to
//    high_water / 2, and the producer sends the rest from there. Its output is bounded by send_some()
//    itself, so a connection that only uses send_some() keeps reading (two peers that both stopped
//    reading on their own output would wait for each other forever). (send() queues everything: fine
//    for answers of bounded size, not for a producer of unbounded data.)
//  - Timeouts: the engine's handshake deadline (Connection::next_deadline(), in the clock's
//    milliseconds) is kept in a timer set; when it passes, Connection::on_timeout() fails the
//    connection and the socket is closed. After we send close_notify, the peer gets
//    Options::close_linger_ms to answer before the socket is closed anyway.
//  - Closing: a received close_notify is answered with ours; after an error the alert is flushed; then
//    the socket is closed and on_closed is called once. The EpollConn is destroyed after on_closed.
//
// Single-threaded: every method must be called from the thread that runs run_once(), and handlers must
// not destroy the loop. Handlers may call send(), close() and abort() on any connection and add().
// The exceptions: post() and wake() may be called from any thread (a worker hands a result to the
// loop: the function runs on the loop's thread in its next run_once()).
//
// Embedding in another loop (libuv, glib, a game loop): native_handle() is the epoll descriptor; it is
// readable whenever run_once(0) has work. Watch it for readability in the outer loop, with a time-out
// of next_timeout_ms(), and call run_once(0) when it fires. No thread of its own, no signal handling.
//
// Lifetimes: the loop owns the connections (destroyed after on_closed, or with the loop, without
// on_closed) and the sockets given to add()/listen(); the clock and the connections' configs, rngs and
// clocks must outlive it. An EpollConn* is valid until its on_closed returns.
//
// What the loop holds: any engine with Connection's methods, through the LoopConnection interface.
// add(fd, Connection, ...) wraps a plain Connection; to drive something else (a
// capture::CapturingConnection that records itself), wrap it with make_loop_connection() and get it
// back in the handlers with EpollConn::engine_as<T>():
//   loop.add(fd, make_loop_connection(capture::CapturingConnection::server(config, rng, clock)), h);
//   ... in on_closed: c.engine_as<capture::CapturingConnection>()->save(path, &err);
#ifndef SANSTLS_TOOLS_ADAPTERS_EPOLL_H_
#define SANSTLS_TOOLS_ADAPTERS_EPOLL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/connection.h"

namespace sanstls {

class EpollLoop;
class EpollConn;

// The calls the loop makes on an engine, and the queries tools make: Connection's public methods
// (core/connection.h has their contracts). Implemented by LoopConnectionOf<T>.
class LoopConnection {
 public:
  virtual ~LoopConnection() = default;
  virtual Result<size_t> receive(ByteView data) = 0;
  virtual void receive_eof() = 0;
  virtual std::optional<Event> next_event() = 0;
  virtual Result<size_t> send(ByteView data) = 0;
  virtual ByteView pending_output() const = 0;
  virtual void consume_output(size_t n) = 0;
  virtual void close() = 0;
  virtual uint64_t next_deadline() const = 0;
  virtual void on_timeout() = 0;
  virtual Status key_update(bool request_peer) = 0;
  virtual Status request_client_certificate() = 0;
  virtual void set_trace(bool on) = 0;
  virtual void release_buffers() = 0;
  virtual bool is_client() const = 0;
  virtual bool is_handshaking() const = 0;
  virtual bool is_closed() const = 0;
  virtual bool wants_read() const = 0;
  virtual const HandshakeInfo* info() const = 0;
  virtual std::optional<Session> session() const = 0;
  virtual const Error* error() const = 0;
  virtual bool awaiting() const = 0;
  virtual Status complete_sign(std::optional<Bytes> signature) = 0;
  virtual Status complete_decrypt(std::optional<Bytes> premaster) = 0;
  virtual Status complete_verify(CertVerdict verdict) = 0;
  virtual Status complete_selection(Selection selection) = 0;
};

// Holds a T (Connection, capture::CapturingConnection, or any type with the same methods) and forwards
// every call to it. get() gives the T itself.
template <typename T>
class LoopConnectionOf final : public LoopConnection {
 public:
  explicit LoopConnectionOf(T conn) : conn_(std::move(conn)) {}
  T& get() { return conn_; }
  const T& get() const { return conn_; }

  Result<size_t> receive(ByteView data) override { return conn_.receive(data); }
  void receive_eof() override { conn_.receive_eof(); }
  std::optional<Event> next_event() override { return conn_.next_event(); }
  Result<size_t> send(ByteView data) override { return conn_.send(data); }
  ByteView pending_output() const override { return conn_.pending_output(); }
  void consume_output(size_t n) override { conn_.consume_output(n); }
  void close() override { conn_.close(); }
  void release_buffers() override { conn_.release_buffers(); }
  uint64_t next_deadline() const override { return conn_.next_deadline(); }
  void on_timeout() override { conn_.on_timeout(); }
  Status key_update(bool request_peer) override { return conn_.key_update(request_peer); }
  Status request_client_certificate() override { return conn_.request_client_certificate(); }
  void set_trace(bool on) override { conn_.set_trace(on); }
  bool is_client() const override { return conn_.is_client(); }
  bool is_handshaking() const override { return conn_.is_handshaking(); }
  bool is_closed() const override { return conn_.is_closed(); }
  bool wants_read() const override { return conn_.wants_read(); }
  const HandshakeInfo* info() const override { return conn_.info(); }
  std::optional<Session> session() const override { return conn_.session(); }
  const Error* error() const override { return conn_.error(); }

  bool awaiting() const override { return conn_.awaiting(); }
  Status complete_sign(std::optional<Bytes> s) override { return conn_.complete_sign(std::move(s)); }
  Status complete_decrypt(std::optional<Bytes> p) override { return conn_.complete_decrypt(std::move(p)); }
  Status complete_verify(CertVerdict v) override { return conn_.complete_verify(v); }
  Status complete_selection(Selection s) override { return conn_.complete_selection(std::move(s)); }

 private:
  T conn_;
};

// `conn` moved into a LoopConnectionOf<T>, for EpollLoop::add() and connect().
template <typename T>
std::unique_ptr<LoopConnection> make_loop_connection(T conn) {
  return std::make_unique<LoopConnectionOf<T>>(std::move(conn));
}

// How a connection ended, given to on_closed.
struct CloseInfo {
  bool handshake_done = false;  // a handshake_done event was seen
  bool clean = false;           // the peer's close_notify was received (a clean end of the stream)
  bool timed_out = false;       // the handshake deadline or the close linger passed
  std::optional<Error> error;   // the engine's error, if it failed
  std::string transport_error;  // a socket error ("recv: Connection reset by peer"), if any
};

struct EpollHandlers {
  // Every engine event, in order. May be empty.
  std::function<void(EpollConn&, const Event&)> on_event;
  // After send_some() took less than it was offered: the output fell to Options::high_water / 2, so
  // send_some() takes data again. Called once per refusal. May be empty.
  std::function<void(EpollConn&)> on_drained;
  // Once, after the socket is closed. May be empty.
  std::function<void(EpollConn&, const CloseInfo&)> on_closed;
};

// One connection owned by the loop.
class EpollConn {
 public:
  uint64_t id() const { return id_; }
  const std::string& peer() const { return peer_; }
  // The engine, for queries (info(), session(), error() ...) and for key_update() and the like.
  LoopConnection& connection() { return *conn_; }
  // The engine as the T it was added as (make_loop_connection(T)), or null when it is another type.
  template <typename T>
  T* engine_as() {
    auto* held = dynamic_cast<LoopConnectionOf<T>*>(conn_.get());
    return held == nullptr ? nullptr : &held->get();
  }

  // Queues application data (all of it; sent after the handshake when called before it). Ignored
  // after close() or abort().
  void send(ByteView data);
  // Queues as much of data as fits under Options::high_water and returns how much that was (0 after
  // close() or abort()). When it is less than data.size(), on_drained is called later: send the rest then.
  size_t send_some(ByteView data);
  // Sends close_notify once the queued data is in the engine; the socket is closed when the peer
  // answers, closes, or close_linger_ms passes.
  void close();
  // Closes the socket at the next opportunity without close_notify.
  void abort();
  // Bytes queued by send() or send_some() and not yet written to the socket (what the engine holds is
  // counted as records, with their overhead).
  size_t buffered_output() const;
  // True while the loop is not reading from this peer because of backpressure (never for a connection
  // that only used send_some()).
  bool reading_paused() const { return paused_; }

  // Answers the engine's asynchronous request (Event::Type::sign_request and the others, see
  // core/connection.h), on the loop's thread: a worker that computed the answer post()s a function
  // that finds the connection (EpollLoop::find) and calls one of these. While the engine waits the loop
  // reads nothing from the peer and keeps what it had read; the answer feeds that to the engine and
  // the connection is served in this run_once(). Returns what the engine's completion returned.
  Status complete_sign(std::optional<Bytes> signature) { return resume(conn_->complete_sign(std::move(signature))); }
  Status complete_decrypt(std::optional<Bytes> premaster) { return resume(conn_->complete_decrypt(std::move(premaster))); }
  Status complete_verify(CertVerdict verdict) { return resume(conn_->complete_verify(verdict)); }
  Status complete_selection(Selection selection) { return resume(conn_->complete_selection(std::move(selection))); }

  // For the application: anything it wants to keep with the connection.
  std::shared_ptr<void> user;

 private:
  friend class EpollLoop;
  EpollConn(EpollLoop* loop, uint64_t id, int fd, std::unique_ptr<LoopConnection> conn, EpollHandlers h,
            std::string peer)
      : loop_(loop), id_(id), fd_(fd), conn_(std::move(conn)), handlers_(std::move(h)), peer_(std::move(peer)) {}

  void queue(ByteView data);
  Status resume(Status answered);

  EpollLoop* loop_;
  uint64_t id_;
  int fd_;
  std::unique_ptr<LoopConnection> conn_;  // never null
  EpollHandlers handlers_;
  std::string peer_;
  std::string app_out_;         // queued by send(), not yet taken by the engine
  std::vector<uint8_t> held_in_;  // read from the peer while the engine waits for an answer
  size_t app_off_ = 0;
  bool connecting_ = false;     // non-blocking connect in progress
  bool close_requested_ = false;
  bool close_sent_ = false;
  bool aborted_ = false;
  bool eof_ = false;
  bool paused_ = false;
  bool want_drained_ = false;   // send_some() refused data; on_drained is due
  bool unbounded_ = false;      // send() was used: backpressure pauses reading
  std::vector<std::pair<std::vector<uint8_t>, uint32_t>> addrs_;  // connect(): addresses left to try
  uint32_t interest_ = 0;       // the epoll events currently registered
  uint64_t timer_ms_ = 0;       // in the timer set when != 0
  uint64_t linger_ms_ = 0;      // close linger deadline, 0 = none
  CloseInfo info_;
};

class EpollLoop {
 public:
  struct Options {
    size_t high_water = 256 * 1024;   // stop reading a peer with more unwritten output than this
    uint64_t close_linger_ms = 5000;  // how long to wait for the peer's close_notify after ours
    size_t max_read_per_wake = 256 * 1024;  // fairness: bytes read from one socket per wake-up
  };

  // The clock must be the one the connections were made with (its milliseconds are the deadlines').
  explicit EpollLoop(Clock& clock);
  EpollLoop(Clock& clock, Options options);
  ~EpollLoop();  // closes every socket (without calling on_closed)
  EpollLoop(const EpollLoop&) = delete;
  EpollLoop& operator=(const EpollLoop&) = delete;

  // False when epoll could not be created (error() says why); nothing else works then.
  bool ok() const { return epfd_ >= 0; }
  const std::string& error() const { return error_; }

  // Watches a listening socket (made non-blocking here); on_accept gets each accepted socket (already
  // non-blocking, close-on-exec) and its peer address, and usually calls add(). The loop owns and
  // closes the listening socket. Returns false on an epoll error.
  bool listen(int listen_fd, std::function<void(int fd, const std::string& peer)> on_accept);
  // Stops accepting (closes the listening sockets); existing connections go on.
  void stop_listening();

  // Takes a connected socket (made non-blocking here) and its connection; starts writing its first
  // flight at once. Returns the loop's handle (owned by the loop, valid until on_closed returns), or
  // null: on an epoll error (the fd is closed, error() says why, on_closed is not called), or when the
  // connection already ended (on_closed was called).
  EpollConn* add(int fd, Connection conn, EpollHandlers handlers, const std::string& peer = "");
  // The same for any engine (make_loop_connection()). Precondition: conn is not null.
  EpollConn* add(int fd, std::unique_ptr<LoopConnection> conn, EpollHandlers handlers, const std::string& peer = "");
  // Starts a non-blocking TCP connect to host:port (numeric or resolvable host) and adds the
  // connection. Null with *error set when it could not start (resolution, socket; on_closed is not
  // called); null with *error empty when the connection already ended (on_closed was called).
  EpollConn* connect(const std::string& host, uint16_t port, Connection conn, EpollHandlers handlers,
                     std::string* error);
  // The same for any engine (make_loop_connection()). Precondition: conn is not null.
  EpollConn* connect(const std::string& host, uint16_t port, std::unique_ptr<LoopConnection> conn,
                     EpollHandlers handlers, std::string* error);
  // The same with the addresses resolved already (by the application's resolver, on another thread:
  // then post() the call to the loop). Each address is tried in turn, non-blocking, until one connects.
  // A numeric host given to connect() above is not looked up either; only a name is (getaddrinfo,
  // blocking: resolve elsewhere and use this form when that matters).
  EpollConn* connect(const std::vector<std::pair<std::vector<uint8_t>, uint32_t>>& sockaddrs, const std::string& peer,
                     std::unique_ptr<LoopConnection> conn, EpollHandlers handlers, std::string* error);
  // Resolves `host` off the loop's thread (a short-lived thread runs getaddrinfo; a numeric host is not
  // looked up), then, on the loop's thread, connects as connect(addresses) does and calls `done` with
  // the connection, or null and the error. Nothing here blocks the loop, which a name lookup inside
  // connect(host) above does. If the loop is destroyed before the lookup ends, the connection is
  // dropped unused and `done` is not called.
  void connect_async(const std::string& host, uint16_t port, std::unique_ptr<LoopConnection> conn,
                     EpollHandlers handlers, std::function<void(EpollConn*, const std::string& error)> done);
  // A sockaddr (sockaddr_in or sockaddr_in6) as connect() takes it.
  static std::pair<std::vector<uint8_t>, uint32_t> address(const void* sockaddr, uint32_t len);

  // Embedding: the epoll descriptor (readable when run_once(0) has work), and how long the outer loop
  // may wait before calling run_once(0) anyway (the next deadline; -1: none).
  int native_handle() const { return epfd_; }
  int next_timeout_ms() const;
  // Thread-safe: runs fn on the loop's thread in the next run_once(), which it wakes.
  void post(std::function<void()> fn);
  // Thread-safe: makes a run_once() that is waiting return.
  void wake();

  // Waits up to max_wait_ms (less when a deadline is sooner) for sockets to be ready, serves them, and
  // fires passed deadlines. Returns false on an epoll error.
  bool run_once(int max_wait_ms);

  size_t connections() const { return conns_.size(); }
  // The connection with this id (EpollConn::id()), or null when it is gone: for a post()ed answer.
  EpollConn* find(uint64_t id) {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second.get();
  }
  size_t listeners() const { return listeners_.size(); }

 private:
  friend class EpollConn;
  void serve(EpollConn& c, uint32_t events);
  void read_from(EpollConn& c);
  void feed_held(EpollConn& c);
  void dispatch_events(EpollConn& c);
  void feed_engine(EpollConn& c);
  void write_to(EpollConn& c);
  // Closes and forgets c when it is done; otherwise brings its epoll interest and timer up to date.
  // Returns true when c was destroyed.
  bool settle(EpollConn& c);
  void set_timer(EpollConn& c, uint64_t at);
  void accept_all(int listen_fd);
  // connect(): a non-blocking connect to the next address of c; false when none is left.
  bool connect_next(EpollConn& c);
  void notify_drained(EpollConn& c);
  bool over_high_water(const EpollConn& c) const;
  void run_posted();
  // Serves the connections whose send(), close() or abort() was called since they were last served.
  void serve_touched();

  Clock& clock_;
  Options opt_;
  int epfd_ = -1;
  std::string error_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<EpollConn>> conns_;
  std::unordered_map<int, std::function<void(int, const std::string&)>> listeners_;
  std::set<std::pair<uint64_t, uint64_t>> timers_;  // (deadline ms, connection id)
  std::vector<uint8_t> readbuf_;
  std::vector<uint64_t> touched_;  // ids of connections acted on by the application
  struct Posted;
  std::shared_ptr<Posted> posted_;  // post()'s queue and the eventfd that wakes the loop
  // connect_async()'s lookups still running or not yet joined; a lookup's result joins its thread on
  // the loop's thread before `done` runs, and the destructor detaches those still running.
  std::unordered_map<uint64_t, std::thread> resolvers_;
  uint64_t next_resolver_ = 1;
};

}  // namespace sanstls

#endif  // SANSTLS_TOOLS_ADAPTERS_EPOLL_H_
