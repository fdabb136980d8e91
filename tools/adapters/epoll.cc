#include "tools/adapters/epoll.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "tools/adapters/socket.h"

namespace sanstls {

namespace {
constexpr uint64_t kListenerTag = uint64_t{1} << 63;
constexpr uint64_t kWakeTag = uint64_t{1} << 62;

std::string address_text(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}
}  // namespace

// ---------------------------------------------------------------------------------------------------
// EpollConn

void EpollConn::send(ByteView data) {
  if (close_requested_ || aborted_) return;
  unbounded_ = true;
  queue(data);
}

Status EpollConn::resume(Status answered) {
  loop_->dispatch_events(*this);
  loop_->feed_held(*this);
  loop_->touched_.push_back(id_);  // written and settled in this run_once()
  return answered;
}

void EpollConn::queue(ByteView data) {
  if (app_off_ > 0 && app_off_ == app_out_.size()) {
    app_out_.clear();
    app_off_ = 0;
  }
  app_out_.append(reinterpret_cast<const char*>(data.data()), data.size());
  loop_->touched_.push_back(id_);
}

void EpollConn::close() {
  close_requested_ = true;
  loop_->touched_.push_back(id_);
}

void EpollConn::abort() {
  aborted_ = true;
  loop_->touched_.push_back(id_);
}

size_t EpollConn::send_some(ByteView data) {
  if (close_requested_ || aborted_) return 0;
  size_t have = buffered_output();
  size_t room = have >= loop_->opt_.high_water ? 0 : loop_->opt_.high_water - have;
  size_t n = std::min(room, data.size());
  if (n < data.size()) want_drained_ = true;
  if (n > 0) queue(data.sub(0, n));
  return n;
}

size_t EpollConn::buffered_output() const { return (app_out_.size() - app_off_) + conn_->pending_output().size(); }

// ---------------------------------------------------------------------------------------------------
// EpollLoop

EpollLoop::EpollLoop(Clock& clock) : EpollLoop(clock, Options()) {}

struct EpollLoop::Posted {
  std::mutex mu;
  std::vector<std::function<void()>> fns;
  int efd = -1;
  ~Posted() {
    if (efd >= 0) ::close(efd);
  }
};

EpollLoop::EpollLoop(Clock& clock, Options options)
    : clock_(clock), opt_(options), readbuf_(32 * 1024), posted_(std::make_shared<Posted>()) {
  epfd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epfd_ < 0) {
    error_ = std::string("epoll_create1: ") + std::strerror(errno);
    return;
  }
  posted_->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  if (posted_->efd < 0 || epoll_ctl(epfd_, EPOLL_CTL_ADD, posted_->efd, &ev) != 0) {
    error_ = std::string("eventfd: ") + std::strerror(errno);
    ::close(epfd_);
    epfd_ = -1;
  }
}

void EpollLoop::wake() {
  uint64_t one = 1;
  if (posted_->efd >= 0) (void)!::write(posted_->efd, &one, sizeof one);
}

void EpollLoop::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_->mu);
    posted_->fns.push_back(std::move(fn));
  }
  wake();
}

void EpollLoop::run_posted() {
  uint64_t count;
  while (::read(posted_->efd, &count, sizeof count) > 0) {
  }
  std::vector<std::function<void()>> fns;
  {
    std::lock_guard<std::mutex> lock(posted_->mu);
    fns.swap(posted_->fns);
  }
  for (auto& fn : fns) fn();
}

int EpollLoop::next_timeout_ms() const {
  if (!touched_.empty()) return 0;
  if (timers_.empty()) return -1;
  uint64_t now = clock_.now_ms();
  uint64_t first = timers_.begin()->first;
  return first <= now ? 0 : static_cast<int>(std::min<uint64_t>(first - now, 1u << 30));
}

// Backpressure applies after the handshake (before it, output is bounded by the engine alone) and only
// to a connection that queued with send(): output taken by send_some() is bounded already (high_water
// plus the records' overhead), and pausing its reads could deadlock against a peer that pauses too.
bool EpollLoop::over_high_water(const EpollConn& c) const {
  return c.unbounded_ && c.info_.handshake_done && c.buffered_output() > opt_.high_water;
}

void EpollLoop::notify_drained(EpollConn& c) {
  if (!c.want_drained_ || c.aborted_ || c.close_requested_ || c.buffered_output() > opt_.high_water / 2) return;
  c.want_drained_ = false;
  if (c.handlers_.on_drained) c.handlers_.on_drained(c);
}

EpollLoop::~EpollLoop() {
  // Lookups still running post into the queue they share, which outlives the loop; nobody runs it.
  for (auto& kv : resolvers_) kv.second.detach();
  for (auto& kv : conns_) ::close(kv.second->fd_);
  for (auto& kv : listeners_) ::close(kv.first);
  if (epfd_ >= 0) ::close(epfd_);
}

bool EpollLoop::listen(int listen_fd, std::function<void(int, const std::string&)> on_accept) {
  net::set_nonblocking(listen_fd);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenerTag | static_cast<uint64_t>(listen_fd);
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
    error_ = std::string("epoll_ctl: ") + std::strerror(errno);
    return false;
  }
  listeners_[listen_fd] = std::move(on_accept);
  return true;
}

void EpollLoop::stop_listening() {
  for (auto& kv : listeners_) {
    epoll_ctl(epfd_, EPOLL_CTL_DEL, kv.first, nullptr);
    ::close(kv.first);
  }
  listeners_.clear();
}

void EpollLoop::accept_all(int listen_fd) {
  for (int i = 0; i < 256; i++) {  // bounded per wake-up, so connections already open are served too
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    int fd = accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      // EAGAIN: all taken. EMFILE/ENFILE: out of descriptors; the pending ones wait for a close.
      // Others (ECONNABORTED ...) concern one connection only.
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto it = listeners_.find(listen_fd);
    if (it == listeners_.end()) {
      ::close(fd);
      return;
    }
    it->second(fd, address_text(ss));
    if (listeners_.find(listen_fd) == listeners_.end()) return;  // the handler stopped listening
  }
}

EpollConn* EpollLoop::add(int fd, Connection conn, EpollHandlers handlers, const std::string& peer) {
  return add(fd, make_loop_connection(std::move(conn)), std::move(handlers), peer);
}

EpollConn* EpollLoop::add(int fd, std::unique_ptr<LoopConnection> conn, EpollHandlers handlers,
                          const std::string& peer) {
  net::set_nonblocking(fd);
  uint64_t id = next_id_++;
  std::unique_ptr<EpollConn> c(new EpollConn(this, id, fd, std::move(conn), std::move(handlers), peer));
  epoll_event ev{};
  ev.events = 0;
  ev.data.u64 = id;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    error_ = std::string("epoll_ctl: ") + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  EpollConn* raw = c.get();
  conns_[id] = std::move(c);
  // Events the engine produced already (a trace of the ClientHello), then the first flight.
  dispatch_events(*raw);
  if (!raw->connecting_) write_to(*raw);
  if (settle(*raw)) return nullptr;
  return raw;
}

EpollConn* EpollLoop::connect(const std::string& host, uint16_t port, Connection conn, EpollHandlers handlers,
                              std::string* error) {
  return connect(host, port, make_loop_connection(std::move(conn)), std::move(handlers), error);
}

namespace {
using Addresses = std::vector<std::pair<std::vector<uint8_t>, uint32_t>>;

// host:port as addresses: a numeric host parsed, a name looked up (getaddrinfo: may block).
bool resolve(const std::string& host, uint16_t port, Addresses* out, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;  // a numeric host is parsed, not looked up
  addrinfo* res = nullptr;
  std::string ports = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), ports.c_str(), &hints, &res);
  if (rc == EAI_NONAME) {
    hints.ai_flags = 0;
    rc = getaddrinfo(host.c_str(), ports.c_str(), &hints, &res);
  }
  if (rc != 0) {
    *error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return false;
  }
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) out->push_back(EpollLoop::address(ai->ai_addr, ai->ai_addrlen));
  freeaddrinfo(res);
  return true;
}
}  // namespace

EpollConn* EpollLoop::connect(const std::string& host, uint16_t port, std::unique_ptr<LoopConnection> conn,
                              EpollHandlers handlers, std::string* error) {
  Addresses addrs;
  if (!resolve(host, port, &addrs, error)) return nullptr;
  return connect(addrs, host + ":" + std::to_string(port), std::move(conn), std::move(handlers), error);
}

void EpollLoop::connect_async(const std::string& host, uint16_t port, std::unique_ptr<LoopConnection> conn,
                              EpollHandlers handlers, std::function<void(EpollConn*, const std::string&)> done) {
  struct Pending {
    std::unique_ptr<LoopConnection> conn;
    EpollHandlers handlers;
    std::function<void(EpollConn*, const std::string&)> done;
  };
  auto pending = std::make_shared<Pending>(Pending{std::move(conn), std::move(handlers), std::move(done)});
  // The queue outlives the loop (shared): a lookup that ends after the loop is gone posts into a queue
  // nobody runs, and the connection goes with it.
  std::shared_ptr<Posted> queue = posted_;
  uint64_t id = next_resolver_++;
  resolvers_[id] = std::thread([this, queue, pending, host, port, id] {
    Addresses addrs;
    std::string error;
    resolve(host, port, &addrs, &error);
    std::string peer = host + ":" + std::to_string(port);
    std::function<void()> fn = [this, pending, addrs, error, peer, id]() {
      // The lookup thread has posted this and is ending: join it, so that no thread outlives its work.
      auto t = resolvers_.find(id);
      if (t != resolvers_.end()) {
        t->second.join();
        resolvers_.erase(t);
      }
      std::string e = error;
      EpollConn* c = e.empty() ? connect(addrs, peer, std::move(pending->conn), std::move(pending->handlers), &e) : nullptr;
      if (pending->done) pending->done(c, e);
    };
    {
      std::lock_guard<std::mutex> lock(queue->mu);
      queue->fns.push_back(std::move(fn));
    }
    uint64_t one = 1;
    ssize_t n = ::write(queue->efd, &one, sizeof one);
    (void)n;
  });
}

std::pair<std::vector<uint8_t>, uint32_t> EpollLoop::address(const void* sockaddr, uint32_t len) {
  const uint8_t* p = static_cast<const uint8_t*>(sockaddr);
  return {std::vector<uint8_t>(p, p + len), len};
}

EpollConn* EpollLoop::connect(const std::vector<std::pair<std::vector<uint8_t>, uint32_t>>& sockaddrs,
                              const std::string& peer, std::unique_ptr<LoopConnection> conn, EpollHandlers handlers,
                              std::string* error) {
  if (sockaddrs.empty()) {
    *error = "connect: no address";
    return nullptr;
  }
  uint64_t id = next_id_++;
  std::unique_ptr<EpollConn> c(new EpollConn(this, id, -1, std::move(conn), std::move(handlers), peer));
  c->addrs_ = sockaddrs;
  EpollConn* raw = c.get();
  if (!connect_next(*raw)) {
    *error = raw->info_.transport_error;
    return nullptr;
  }
  conns_[id] = std::move(c);
  dispatch_events(*raw);
  if (!raw->connecting_) write_to(*raw);
  if (settle(*raw)) return nullptr;
  return raw;
}

bool EpollLoop::connect_next(EpollConn& c) {
  while (!c.addrs_.empty()) {
    std::pair<std::vector<uint8_t>, uint32_t> a = std::move(c.addrs_.front());
    c.addrs_.erase(c.addrs_.begin());
    if (c.fd_ >= 0) {
      epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd_, nullptr);
      ::close(c.fd_);
      c.fd_ = -1;
    }
    const sockaddr* sa = reinterpret_cast<const sockaddr*>(a.first.data());
    int fd = ::socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      c.info_.transport_error = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc = ::connect(fd, sa, a.second);
    if (rc != 0 && errno != EINPROGRESS) {
      c.info_.transport_error = std::string("connect: ") + std::strerror(errno);
      ::close(fd);
      continue;
    }
    epoll_event ev{};
    ev.data.u64 = c.id_;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      c.info_.transport_error = std::string("epoll_ctl: ") + std::strerror(errno);
      ::close(fd);
      continue;
    }
    c.fd_ = fd;
    c.interest_ = 0;
    c.connecting_ = rc != 0;
    c.info_.transport_error.clear();
    return true;
  }
  return false;
}

void EpollLoop::serve_touched() {
  while (!touched_.empty()) {
    std::vector<uint64_t> ids;
    ids.swap(touched_);
    for (uint64_t id : ids) {
      auto it = conns_.find(id);
      if (it == conns_.end()) continue;
      write_to(*it->second);
      notify_drained(*it->second);
      settle(*it->second);
    }
  }
}

bool EpollLoop::run_once(int max_wait_ms) {
  if (epfd_ < 0) return false;
  serve_touched();
  int wait = max_wait_ms;
  if (!timers_.empty()) {
    uint64_t now = clock_.now_ms();
    uint64_t first = timers_.begin()->first;
    int until = first <= now ? 0 : static_cast<int>(std::min<uint64_t>(first - now, 1u << 30));
    if (wait < 0 || until < wait) wait = until;
  }
  epoll_event evs[256];
  int n = epoll_wait(epfd_, evs, 256, wait);
  if (n < 0) {
    if (errno == EINTR) return true;
    error_ = std::string("epoll_wait: ") + std::strerror(errno);
    return false;
  }
  for (int i = 0; i < n; i++) {
    uint64_t tag = evs[i].data.u64;
    if (tag == kWakeTag) {
      run_posted();
      continue;
    }
    if (tag & kListenerTag) {
      accept_all(static_cast<int>(tag & ~kListenerTag));
      continue;
    }
    auto it = conns_.find(tag);
    if (it == conns_.end()) continue;  // closed earlier in this batch
    serve(*it->second, evs[i].events);
  }
  // Deadlines that passed.
  uint64_t now = clock_.now_ms();
  while (!timers_.empty() && timers_.begin()->first <= now) {
    uint64_t id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    auto it = conns_.find(id);
    if (it == conns_.end()) continue;
    EpollConn& c = *it->second;
    c.timer_ms_ = 0;
    if (c.linger_ms_ != 0 && c.linger_ms_ <= now) {
      c.info_.timed_out = true;
      c.aborted_ = true;
    }
    uint64_t d = c.conn_->next_deadline();
    if (d != 0 && d <= now) {
      c.info_.timed_out = true;
      c.conn_->on_timeout();
      dispatch_events(c);
      write_to(c);  // nothing for a timeout today, but an alert if the engine ever sends one
    }
    settle(c);
  }
  serve_touched();
  return true;
}

void EpollLoop::serve(EpollConn& c, uint32_t events) {
  if (c.connecting_) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      c.info_.transport_error = std::string("connect: ") + std::strerror(err);
      if (connect_next(c)) {  // the next address
        settle(c);
        return;
      }
      c.aborted_ = true;
      settle(c);
      return;
    }
    c.connecting_ = false;
    events |= EPOLLOUT;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    if (!c.paused_) read_from(c);
  }
  write_to(c);
  notify_drained(c);
  // Served and nothing left to write: the connection is idle until its socket wakes it again, so the
  // engine gives its record buffers back (they come back with the next record).
  if (c.conn_->pending_output().empty() && c.buffered_output() == 0) c.conn_->release_buffers();
  settle(c);
}

void EpollLoop::read_from(EpollConn& c) {
  size_t total = 0;
  while (!c.aborted_ && !c.eof_ && c.conn_->wants_read() && !c.conn_->awaiting() && total < opt_.max_read_per_wake) {
    if (over_high_water(c)) break;  // backpressure
    ssize_t n = ::recv(c.fd_, readbuf_.data(), readbuf_.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      c.info_.transport_error = std::string("recv: ") + std::strerror(errno);
      c.conn_->receive_eof();
      dispatch_events(c);
      c.aborted_ = true;
      return;
    }
    if (n == 0) {
      c.eof_ = true;
      c.conn_->receive_eof();
      dispatch_events(c);
      return;
    }
    total += static_cast<size_t>(n);
    size_t off = 0;
    int stuck = 0;
    while (off < static_cast<size_t>(n)) {
      Result<size_t> r = c.conn_->receive(ByteView(readbuf_.data() + off, static_cast<size_t>(n) - off));
      if (!r.ok()) {
        dispatch_events(c);  // the Closed event; the alert is in pending_output()
        return;
      }
      off += r.value();
      dispatch_events(c);
      if (r.value() == 0 && c.conn_->awaiting()) {
        // The engine waits for the application's answer: keep the rest until then (EpollConn::resume).
        c.held_in_.assign(readbuf_.data() + off, readbuf_.data() + n);
        return;
      }
      // The engine takes less only while an app_data event waits, and dispatch delivered it.
      if (r.value() == 0 && ++stuck > 2) {
        c.info_.transport_error = "the engine stopped taking input";
        c.aborted_ = true;
        return;
      }
    }
    // Move what the handlers queued into the engine now, so the backpressure check sees it.
    feed_engine(c);
  }
}

void EpollLoop::feed_held(EpollConn& c) {
  size_t off = 0;
  int stuck = 0;
  while (off < c.held_in_.size() && !c.conn_->awaiting() && !c.aborted_) {
    Result<size_t> r = c.conn_->receive(ByteView(c.held_in_.data() + off, c.held_in_.size() - off));
    if (!r.ok()) {
      dispatch_events(c);
      c.held_in_.clear();
      return;
    }
    off += r.value();
    dispatch_events(c);
    // The engine takes less only while an app_data event waits, and dispatch delivered it.
    if (r.value() == 0 && !c.conn_->awaiting() && ++stuck > 2) break;
  }
  c.held_in_.erase(c.held_in_.begin(), c.held_in_.begin() + static_cast<std::ptrdiff_t>(off));
  feed_engine(c);
}

void EpollLoop::dispatch_events(EpollConn& c) {
  while (auto ev = c.conn_->next_event()) {
    if (ev->type == Event::Type::handshake_done) c.info_.handshake_done = true;
    if (ev->type == Event::Type::closed) {
      c.info_.clean = ev->clean;
      if (const Error* e = c.conn_->error()) c.info_.error = *e;
    }
    if (c.handlers_.on_event) c.handlers_.on_event(c, *ev);
    feed_engine(c);
  }
}

void EpollLoop::feed_engine(EpollConn& c) {
  while (c.app_off_ < c.app_out_.size() && !c.conn_->error() && !c.close_sent_) {
    ByteView rest(reinterpret_cast<const uint8_t*>(c.app_out_.data()) + c.app_off_, c.app_out_.size() - c.app_off_);
    Result<size_t> r = c.conn_->send(rest);
    if (!r.ok() || r.value() == 0) break;
    c.app_off_ += r.value();
  }
  if (c.app_off_ == c.app_out_.size()) {
    c.app_out_.clear();
    c.app_off_ = 0;
  }
  if (c.close_requested_ && !c.close_sent_ && c.app_out_.empty()) {
    c.conn_->close();
    c.close_sent_ = true;
    c.linger_ms_ = clock_.now_ms() + opt_.close_linger_ms;
  }
}

void EpollLoop::write_to(EpollConn& c) {
  if (c.connecting_ || c.aborted_) return;
  for (;;) {
    feed_engine(c);
    ByteView out = c.conn_->pending_output();
    if (out.empty()) return;
    ssize_t n = ::send(c.fd_, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      c.info_.transport_error = std::string("send: ") + std::strerror(errno);
      c.aborted_ = true;
      return;
    }
    c.conn_->consume_output(static_cast<size_t>(n));
  }
}

void EpollLoop::set_timer(EpollConn& c, uint64_t at) {
  if (c.timer_ms_ == at) return;
  if (c.timer_ms_ != 0) timers_.erase({c.timer_ms_, c.id_});
  c.timer_ms_ = at;
  if (at != 0) timers_.insert({at, c.id_});
}

bool EpollLoop::settle(EpollConn& c) {
  LoopConnection& conn = *c.conn_;
  // The peer's close_notify is answered with ours (RFC 5246 7.2.1).
  if (c.info_.clean && !c.close_sent_ && !conn.error() && !c.aborted_) {
    c.close_requested_ = true;
    feed_engine(c);
    write_to(c);
  }
  bool output_left = !conn.pending_output().empty();
  bool done = c.aborted_ || (conn.is_closed() && (!output_left || c.eof_)) ||
              (c.eof_ && !output_left) || (c.close_sent_ && c.info_.clean && !output_left);
  if (done) {
    set_timer(c, 0);
    epoll_ctl(epfd_, EPOLL_CTL_DEL, c.fd_, nullptr);
    ::close(c.fd_);
    if (!c.info_.error && conn.error()) c.info_.error = *conn.error();
    std::unique_ptr<EpollConn> owned = std::move(conns_[c.id_]);
    conns_.erase(c.id_);
    if (owned->handlers_.on_closed) owned->handlers_.on_closed(*owned, owned->info_);
    return true;
  }
  // Interest: writable while output is left; readable while the engine wants input and the peer is
  // not behind on reading ours.
  if (conn.error() && c.linger_ms_ == 0) c.linger_ms_ = clock_.now_ms() + opt_.close_linger_ms;
  c.paused_ = over_high_water(c);
  uint32_t want = 0;
  if (c.connecting_) {
    want = EPOLLOUT;
  } else {
    if (output_left) want |= EPOLLOUT;
    // Not while the engine waits for an answer (or holds what was read meanwhile).
    if (!c.paused_ && !c.eof_ && conn.wants_read() && !conn.awaiting() && c.held_in_.empty())
      want |= EPOLLIN | EPOLLRDHUP;
  }
  if (want != c.interest_) {
    epoll_event ev{};
    ev.events = want;
    ev.data.u64 = c.id_;
    epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd_, &ev);
    c.interest_ = want;
  }
  uint64_t deadline = conn.next_deadline();
  if (c.linger_ms_ != 0 && (deadline == 0 || c.linger_ms_ < deadline)) deadline = c.linger_ms_;
  set_timer(c, deadline);
  return false;
}

}  // namespace sanstls
