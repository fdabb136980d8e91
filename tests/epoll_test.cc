// The epoll adapter on real loopback sockets: many connections in one loop, partial reads and writes,
// backpressure against a peer that does not read, handshake timeouts.
#include "tools/adapters/epoll.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <thread>

#include "doctest/doctest.h"
#include "tests/testdata.h"
#include "tools/adapters/socket.h"
#include "tools/capture/capture.h"
#include "tools/capture/replay.h"
#include "tools/common.h"

namespace sanstls {
namespace {

using testing::read_file;

std::shared_ptr<const ServerConfig> server_config(const std::string& suites = "") {
  ServerConfig::Builder b;
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  if (!suites.empty()) b.cipher_suite_names(suites);
  Built<ServerConfig> built = b.build();
  REQUIRE(built.ok());
  return built.config;
}

std::shared_ptr<const ClientConfig> client_config() {
  ClientConfig::Builder b;
  b.trust_anchors_pem(read_file("tests/certs/ca.pem"));
  Built<ClientConfig> built = b.build();
  REQUIRE(built.ok());
  return built.config;
}

struct Server {
  tools::SystemClock clock;
  std::unique_ptr<crypto::Rng> rng = crypto::make_system_rng();
  std::unique_ptr<EpollLoop> loop;
  std::shared_ptr<const ServerConfig> config;
  uint16_t port = 0;
  EpollConn* last = nullptr;  // the last accepted connection (while it lives)
  int closed = 0, ok = 0;
  CloseInfo last_close;

  explicit Server(std::shared_ptr<const ServerConfig> cfg, EpollLoop::Options opt = EpollLoop::Options())
      : config(std::move(cfg)) {
    loop.reset(new EpollLoop(clock, opt));
    REQUIRE(loop->ok());
    std::string err;
    int fd = net::listen_tcp("127.0.0.1", 0, &err, &port);
    REQUIRE(fd >= 0);
    REQUIRE(loop->listen(fd, [this](int cfd, const std::string& peer) {
      EpollHandlers h;
      h.on_event = [](EpollConn& c, const Event& ev) {
        if (ev.type == Event::Type::app_data) c.send(ev.data);  // echo
      };
      h.on_closed = [this](EpollConn& c, const CloseInfo& info) {
        if (&c == last) last = nullptr;
        closed++;
        if (info.handshake_done && !info.error && info.transport_error.empty()) ok++;
        last_close = info;
      };
      last = loop->add(cfd, Connection::server(config, *rng, clock), std::move(h), peer);
    }));
  }
};

TEST_CASE("epoll: 300 concurrent connections in one loop, each a handshake and an echo") {
  Server s(server_config("ECDHE-ECDSA-AES128-GCM-SHA256"));
  auto ccfg = client_config();
  const int kConns = 300;
  int echoed = 0, client_ok = 0, client_closed = 0;
  std::string payload(3000, 'p');  // more than one TCP segment, fewer than one record
  for (int i = 0; i < kConns; i++) {
    EpollHandlers h;
    auto got = std::make_shared<std::string>();
    h.on_event = [&, got](EpollConn& c, const Event& ev) {
      if (ev.type == Event::Type::handshake_done) c.send(ByteView::of(payload));
      if (ev.type == Event::Type::app_data) {
        got->append(reinterpret_cast<const char*>(ev.data.data()), ev.data.size());
        if (got->size() == payload.size()) {
          CHECK(*got == payload);
          echoed++;
          c.close();
        }
      }
    };
    h.on_closed = [&](EpollConn&, const CloseInfo& info) {
      client_closed++;
      if (info.clean && !info.error && info.transport_error.empty()) client_ok++;
    };
    std::string err;
    Connection conn = Connection::client(ccfg, tools::client_options("localhost", false), *s.rng, s.clock);
    REQUIRE(s.loop->connect("127.0.0.1", s.port, std::move(conn), std::move(h), &err) != nullptr);
  }
  uint64_t end = tools::monotonic_ms() + 120000;
  while ((client_closed < kConns || s.closed < kConns) && tools::monotonic_ms() < end) REQUIRE(s.loop->run_once(100));
  CHECK(echoed == kConns);
  CHECK(client_ok == kConns);
  CHECK(s.ok == kConns);
  CHECK(s.loop->connections() == 0);
}

// A client driven by hand over a non-blocking socket, to play a peer that misbehaves.
struct RawClient {
  int fd = -1;
  tools::SystemClock clock;
  std::unique_ptr<crypto::Rng> rng = crypto::make_system_rng();
  std::unique_ptr<Connection> conn;
  std::string got;
  bool done = false;

  explicit RawClient(uint16_t port) {
    std::string err;
    fd = net::connect_tcp("127.0.0.1", port, &err);
    REQUIRE(fd >= 0);
    REQUIRE(net::set_nonblocking(fd));
    conn.reset(new Connection(Connection::client(client_config(), tools::client_options("localhost", false), *rng, clock)));
  }
  ~RawClient() { net::close_fd(fd); }
  // Writes at most max bytes of pending output; returns how many the socket took.
  size_t write_some(size_t max) {
    ByteView out = conn->pending_output();
    if (out.empty()) return 0;
    ssize_t n = ::send(fd, out.data(), std::min(max, out.size()), MSG_NOSIGNAL);
    if (n <= 0) return 0;
    conn->consume_output(static_cast<size_t>(n));
    return static_cast<size_t>(n);
  }
  void read_some() {
    uint8_t buf[8192];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    size_t off = 0;
    while (n > 0 && off < static_cast<size_t>(n)) {
      Result<size_t> r = conn->receive(ByteView(buf + off, static_cast<size_t>(n) - off));
      REQUIRE(r.ok());
      off += r.value();
      while (auto ev = conn->next_event()) {
        if (ev->type == Event::Type::handshake_done) done = true;
        if (ev->type == Event::Type::app_data) got.append(reinterpret_cast<const char*>(ev->data.data()), ev->data.size());
      }
    }
  }
};

TEST_CASE("epoll: byte-at-a-time input, then backpressure against a peer that does not read") {
  EpollLoop::Options opt;
  opt.high_water = 64 * 1024;
  Server s(server_config(), opt);
  RawClient c(s.port);
  // The handshake with the client's flights written one byte at a time: the server's reads are partial
  // records and partial handshake messages.
  uint64_t end = tools::monotonic_ms() + 20000;
  while (!c.done && tools::monotonic_ms() < end) {
    c.write_some(1);
    REQUIRE(s.loop->run_once(1));
    c.read_some();
  }
  REQUIRE(c.done);
  REQUIRE(s.last != nullptr);

  // Send and never read: the server must stop reading instead of buffering the echo without bound.
  std::string chunk(16000, 'b');
  size_t sent = 0;
  int stalled = 0;
  while (stalled < 200 && tools::monotonic_ms() < end) {
    if (c.conn->pending_output().size() < 64 * 1024) {
      Result<size_t> r = c.conn->send(ByteView::of(chunk));
      REQUIRE(r.ok());
      sent += r.value();
    }
    size_t w = c.write_some(1 << 20);
    REQUIRE(s.loop->run_once(0));
    stalled = w == 0 ? stalled + 1 : 0;
    REQUIRE(s.last != nullptr);
    CHECK(s.last->buffered_output() <= opt.high_water + 2 * (16384 + 64));
  }
  REQUIRE(stalled >= 200);
  CHECK(s.last->reading_paused());
  CHECK(sent > 200 * 1024);  // the kernel buffers filled before the stall

  // Now read: everything comes back, nothing lost.
  while (c.got.size() < sent && tools::monotonic_ms() < end) {
    c.write_some(1 << 20);
    REQUIRE(s.loop->run_once(1));
    c.read_some();
  }
  CHECK(c.got.size() == sent);
  CHECK(c.got == std::string(sent, 'b'));
}

TEST_CASE("epoll: a handshake that stalls is timed out") {
  ServerConfig::Builder b;
  b.certificate(testing::read_file("tests/certs/server_rsa.pem"), testing::read_file("tests/certs/server_rsa.key.pem"));
  b.handshake_timeout_ms(300);
  auto built = b.build();
  REQUIRE(built.ok());
  Server s(built.config);
  std::string err;
  int fd = net::connect_tcp("127.0.0.1", s.port, &err);  // connects, then says nothing
  REQUIRE(fd >= 0);
  uint64_t start = tools::monotonic_ms();
  while (s.closed == 0 && tools::monotonic_ms() < start + 10000) REQUIRE(s.loop->run_once(100));
  uint64_t took = tools::monotonic_ms() - start;
  CHECK(s.closed == 1);
  CHECK(s.last_close.timed_out);
  CHECK_FALSE(s.last_close.handshake_done);
  CHECK(took >= 250);
  CHECK(took < 3000);
  // The server closed the socket: the peer sees EOF.
  char buf[16];
  CHECK(::recv(fd, buf, sizeof buf, 0) == 0);
  net::close_fd(fd);
}

TEST_CASE("epoll: a peer that vanishes mid-handshake, and one that sends garbage") {
  Server s(server_config());
  {
    RawClient c(s.port);
    c.write_some(20);  // part of the ClientHello, then gone
  }
  std::string err;
  int fd = net::connect_tcp("127.0.0.1", s.port, &err);
  REQUIRE(fd >= 0);
  const char junk[] = "GET / HTTP/1.0\r\n\r\n";
  REQUIRE(::send(fd, junk, sizeof junk - 1, MSG_NOSIGNAL) > 0);
  uint64_t end = tools::monotonic_ms() + 10000;
  while (s.closed < 2 && tools::monotonic_ms() < end) REQUIRE(s.loop->run_once(100));
  CHECK(s.closed == 2);
  CHECK(s.ok == 0);
  CHECK(s.last_close.error.has_value());
  // The garbage got an alert (a record of type 21) before the close.
  uint8_t buf[64];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  CHECK(n >= 7);
  if (n >= 1) CHECK(buf[0] == 21);
  net::close_fd(fd);
  CHECK(s.loop->connections() == 0);
}

TEST_CASE("epoll: any engine through LoopConnection: a CapturingConnection records, and its capture replays") {
  // Both ends in one loop: the server side recorded, the client a plain Connection.
  tools::SystemClock clock;
  auto rng = crypto::make_system_rng();
  EpollLoop loop(clock);
  REQUIRE(loop.ok());
  std::string err;
  uint16_t port = 0;
  int lfd = net::listen_tcp("127.0.0.1", 0, &err, &port);
  REQUIRE(lfd >= 0);
  auto scfg = server_config();
  Bytes capture_file;
  bool server_closed = false, plain_is_null = false;
  REQUIRE(loop.listen(lfd, [&](int fd, const std::string& peer) {
    EpollHandlers h;
    h.on_event = [](EpollConn& c, const Event& ev) {
      if (ev.type == Event::Type::app_data) c.send(ev.data);
    };
    h.on_closed = [&](EpollConn& c, const CloseInfo&) {
      server_closed = true;
      plain_is_null = c.engine_as<Connection>() == nullptr;
      auto* cc = c.engine_as<capture::CapturingConnection>();
      REQUIRE(cc != nullptr);
      CHECK(cc->recording());
      CHECK(c.connection().info() != nullptr);
      capture_file = cc->finish();
    };
    loop.add(fd, make_loop_connection(capture::CapturingConnection::server(scfg, *rng, clock)), std::move(h), peer);
  }));
  EpollHandlers ch;
  std::string got;
  bool client_closed = false, client_plain = false;
  ch.on_event = [&](EpollConn& c, const Event& ev) {
    if (ev.type == Event::Type::handshake_done) c.send(ByteView::of(std::string("ping")));
    if (ev.type == Event::Type::app_data) {
      got.append(reinterpret_cast<const char*>(ev.data.data()), ev.data.size());
      c.close();
    }
  };
  ch.on_closed = [&](EpollConn& c, const CloseInfo&) {
    client_closed = true;
    client_plain = c.engine_as<Connection>() != nullptr && c.engine_as<capture::CapturingConnection>() == nullptr;
  };
  Connection conn = Connection::client(client_config(), tools::client_options("localhost", false), *rng, clock);
  REQUIRE(loop.connect("127.0.0.1", port, std::move(conn), std::move(ch), &err) != nullptr);
  uint64_t end = tools::monotonic_ms() + 20000;
  while ((!server_closed || !client_closed) && tools::monotonic_ms() < end) REQUIRE(loop.run_once(100));
  REQUIRE(server_closed);
  CHECK(client_closed);
  CHECK(got == "ping");
  CHECK(plain_is_null);
  CHECK(client_plain);

  capture::Capture cap;
  REQUIRE(capture::parse_capture(capture_file, &cap, &err));
  capture::ReplayFiles files;
  files.certificates.push_back({read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem")});
  files.certificates.push_back(
      {read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem")});
  capture::ReplayResult r = capture::replay(cap, files);
  INFO(r.message);
  CHECK(r.outcome == capture::ReplayResult::Outcome::match);
}

// ---------------------------------------------------------------------------------------------------
// Issue 18: producers that wait for the buffer to drain, embedding in another loop, every address.

TEST_CASE("epoll: send_some and on_drained bound a producer of 8 MB by the high-water mark") {
  EpollLoop::Options opt;
  opt.high_water = 128 * 1024;
  Server s(server_config(), opt);
  const size_t total = 8 * 1024 * 1024;
  std::string chunk(64 * 1024, 'z');
  size_t sent = 0, received = 0, max_buffered = 0;
  int drained_calls = 0;
  bool closed = false;
  CloseInfo info;
  bool client_paused = false;
  auto produce = [&](EpollConn& c) {
    // A producer bounded by send_some() is never paused: its own output cannot stop it from reading
    // the echo, which would deadlock against a server that pauses on its own output (CI saw that).
    client_paused = client_paused || c.reading_paused();
    while (sent < total) {
      size_t n = c.send_some(ByteView::of(chunk).sub(0, std::min(chunk.size(), total - sent)));
      max_buffered = std::max(max_buffered, c.buffered_output());
      sent += n;
      if (n == 0) break;
    }
  };
  EpollHandlers h;
  h.on_event = [&](EpollConn& c, const Event& ev) {
    if (ev.type == Event::Type::handshake_done) produce(c);
    if (ev.type == Event::Type::app_data) {
      received += ev.data.size();
      if (received == total) c.close();
    }
  };
  h.on_drained = [&](EpollConn& c) {
    drained_calls++;
    produce(c);
  };
  h.on_closed = [&](EpollConn&, const CloseInfo& i) {
    closed = true;
    info = i;
  };
  std::string err;
  EpollLoop client_loop(s.clock, opt);
  Connection conn = Connection::client(client_config(), tools::client_options("localhost", false), *s.rng, s.clock);
  REQUIRE(client_loop.connect("127.0.0.1", s.port, std::move(conn), std::move(h), &err) != nullptr);
  uint64_t end = tools::monotonic_ms() + 60000;
  while (!closed && tools::monotonic_ms() < end) {
    REQUIRE(client_loop.run_once(0));
    REQUIRE(s.loop->run_once(1));
  }
  REQUIRE(closed);
  CHECK(sent == total);
  CHECK(received == total);  // the echo came back whole
  CHECK(drained_calls > 10);
  CHECK(max_buffered <= opt.high_water);
  CHECK_FALSE(client_paused);
}

TEST_CASE("epoll: embedded in an outer poll() on native_handle(); post() from a worker wakes it") {
  Server s(server_config());
  REQUIRE(s.loop->native_handle() >= 0);
  std::string got;
  bool closed = false;
  EpollHandlers h;
  EpollConn* conn_ptr = nullptr;
  h.on_event = [&](EpollConn& c, const Event& ev) {
    if (ev.type == Event::Type::app_data) {
      got.append(reinterpret_cast<const char*>(ev.data.data()), ev.data.size());
      if (got == "from a worker") c.close();
    }
  };
  h.on_closed = [&](EpollConn&, const CloseInfo&) {
    closed = true;
    conn_ptr = nullptr;
  };
  std::string err;
  Connection conn = Connection::client(client_config(), tools::client_options("localhost", false), *s.rng, s.clock);
  conn_ptr = s.loop->connect("127.0.0.1", s.port, std::move(conn), std::move(h), &err);
  REQUIRE(conn_ptr != nullptr);
  // A worker computes something and hands it to the loop thread; the loop waits in an outer poll().
  std::thread::id loop_thread = std::this_thread::get_id();
  bool ran_on_loop_thread = false;
  std::thread worker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    s.loop->post([&] {
      ran_on_loop_thread = std::this_thread::get_id() == loop_thread;
      if (conn_ptr) conn_ptr->send(ByteView::of(std::string("from a worker")));
    });
  });
  uint64_t end = tools::monotonic_ms() + 20000;
  int outer_wakeups = 0;
  while (!closed && tools::monotonic_ms() < end) {
    pollfd p{s.loop->native_handle(), POLLIN, 0};
    int t = s.loop->next_timeout_ms();
    int r = ::poll(&p, 1, t < 0 || t > 5000 ? 5000 : t);
    if (r > 0) outer_wakeups++;
    REQUIRE(s.loop->run_once(0));
  }
  worker.join();
  CHECK(closed);
  CHECK(ran_on_loop_thread);
  CHECK(got == "from a worker");
  CHECK(outer_wakeups > 0);
}

TEST_CASE("epoll: connect tries every address: a refused one first, then the listening one") {
  Server s(server_config());
  std::string err;
  uint16_t dead_port = net::free_port();  // nothing listens there
  sockaddr_in dead{}, live{};
  dead.sin_family = live.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &dead.sin_addr);
  live.sin_addr = dead.sin_addr;
  dead.sin_port = htons(dead_port);
  live.sin_port = htons(s.port);
  bool ok = false, closed = false;
  EpollHandlers h;
  h.on_event = [&](EpollConn& c, const Event& ev) {
    if (ev.type == Event::Type::handshake_done) {
      ok = true;
      c.close();
    }
  };
  h.on_closed = [&](EpollConn&, const CloseInfo&) { closed = true; };
  Connection conn = Connection::client(client_config(), tools::client_options("localhost", false), *s.rng, s.clock);
  REQUIRE(s.loop->connect({EpollLoop::address(&dead, sizeof dead), EpollLoop::address(&live, sizeof live)},
                          "localhost", make_loop_connection(std::move(conn)), std::move(h), &err) != nullptr);
  uint64_t end = tools::monotonic_ms() + 20000;
  while (!closed && tools::monotonic_ms() < end) REQUIRE(s.loop->run_once(100));
  CHECK(ok);
  // By name: "localhost" may resolve to ::1 first, where nothing listens.
  bool ok2 = false, closed2 = false;
  EpollHandlers h2;
  h2.on_event = [&](EpollConn& c, const Event& ev) {
    if (ev.type == Event::Type::handshake_done) {
      ok2 = true;
      c.close();
    }
  };
  h2.on_closed = [&](EpollConn&, const CloseInfo&) { closed2 = true; };
  Connection conn2 = Connection::client(client_config(), tools::client_options("localhost", false), *s.rng, s.clock);
  REQUIRE(s.loop->connect("localhost", s.port, std::move(conn2), std::move(h2), &err) != nullptr);
  end = tools::monotonic_ms() + 20000;
  while (!closed2 && tools::monotonic_ms() < end) REQUIRE(s.loop->run_once(100));
  CHECK(ok2);
}

TEST_CASE("epoll: connect_async resolves off the loop's thread, then connects on it") {
  Server s(server_config());
  bool ok = false, closed = false, done = false;
  EpollConn* got = nullptr;
  std::string done_error = "not called";
  EpollHandlers h;
  h.on_event = [&](EpollConn& c, const Event& ev) {
    if (ev.type == Event::Type::handshake_done) {
      ok = true;
      c.close();
    }
  };
  h.on_closed = [&](EpollConn&, const CloseInfo&) { closed = true; };
  Connection conn = Connection::client(client_config(), tools::client_options("localhost", false), *s.rng, s.clock);
  s.loop->connect_async("localhost", s.port, make_loop_connection(std::move(conn)), std::move(h),
                        [&](EpollConn* c, const std::string& e) {
                          done = true;
                          got = c;
                          done_error = e;
                        });
  CHECK_FALSE(done);  // nothing happens before the loop runs the posted result
  uint64_t end = tools::monotonic_ms() + 20000;
  while (!closed && tools::monotonic_ms() < end) REQUIRE(s.loop->run_once(100));
  CHECK(done);
  CHECK(done_error.empty());
  CHECK(got != nullptr);
  CHECK(ok);
  // A name that does not resolve: `done` gets the error, on the loop's thread.
  bool failed = false;
  std::string why;
  Connection conn2 = Connection::client(client_config(), tools::client_options("localhost", false), *s.rng, s.clock);
  s.loop->connect_async("no-such-host.invalid", s.port, make_loop_connection(std::move(conn2)), EpollHandlers(),
                        [&](EpollConn* c, const std::string& e) {
                          failed = c == nullptr;
                          why = e;
                        });
  end = tools::monotonic_ms() + 20000;
  while (why.empty() && tools::monotonic_ms() < end) REQUIRE(s.loop->run_once(100));
  CHECK(failed);
  CHECK(why.find("cannot resolve") != std::string::npos);
}

}  // namespace
}  // namespace sanstls
