// The blocking adapter (tools/adapters/blocking.h) over a transport of callables (two pipes: no socket
// calls at all) and over sockets with SO_RCVTIMEO: a receive timeout is an error that leaves the
// connection alive, and during the handshake it lets the engine's deadline end the handshake.
#include "tools/adapters/blocking.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "doctest/doctest.h"
#include "tests/pair.h"
#include "tests/peer.h"
#include "tests/testdata.h"

namespace sanstls {
namespace {

using testing::client_config;
using testing::server_config;

Connection::ClientOptions localhost() {
  Connection::ClientOptions o;
  o.server_name = "localhost";
  return o;
}

Transport pipes(int read_fd, int write_fd) {
  Transport t;
  t.read = [read_fd](uint8_t* buf, size_t len) -> long { return ::read(read_fd, buf, len); };
  t.write = [write_fd](const uint8_t* data, size_t len) -> long { return ::write(write_fd, data, len); };
  return t;
}

struct Fds {
  int fd[4] = {-1, -1, -1, -1};
  ~Fds() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
};

TEST_CASE("blocking: a transport of read/write callables over two pipes") {
  Fds f;
  REQUIRE(::pipe(f.fd) == 0);      // client -> server
  REQUIRE(::pipe(f.fd + 2) == 0);  // server -> client
  std::string server_got;
  bool server_clean = false;
  std::thread server([&] {
    testing::SystemClock clock;
    auto rng = crypto::make_deterministic_rng(ByteView::of("pipe server"));
    BlockingStream s(pipes(f.fd[0], f.fd[3]), Connection::server(server_config(), *rng, clock));
    if (!s.handshake().ok()) return;
    uint8_t buf[256];
    for (;;) {
      Result<size_t> r = s.read(buf, sizeof buf);
      if (!r.ok()) return;
      if (r.value() == 0) {
        server_clean = true;
        break;
      }
      server_got.append(reinterpret_cast<const char*>(buf), r.value());
      (void)s.write_all(ByteView(buf, r.value()));
    }
    (void)s.close();
  });
  testing::SystemClock clock;
  auto rng = crypto::make_deterministic_rng(ByteView::of("pipe client"));
  BlockingStream c(pipes(f.fd[2], f.fd[1]), Connection::client(client_config(), localhost(), *rng, clock));
  Status hs = c.handshake();
  CHECK_MESSAGE(hs.ok(), (hs.ok() ? "" : hs.error().to_string()));
  CHECK(c.write_all(ByteView::of(std::string("through pipes\n"))).ok());
  std::string got;
  uint8_t buf[256];
  while (got.size() < 14) {
    Result<size_t> r = c.read(buf, sizeof buf);
    if (!r.ok() || r.value() == 0) break;
    got.append(reinterpret_cast<const char*>(buf), r.value());
  }
  CHECK(got == "through pipes\n");
  CHECK(c.close().ok());
  Result<size_t> end = c.read(buf, sizeof buf);  // the server's close_notify
  CHECK(end.ok());
  server.join();
  CHECK(server_got == "through pipes\n");
  CHECK(server_clean);
}

TEST_CASE("blocking: SO_RCVTIMEO is a timeout, not the end of the stream: the next read gets the data") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  Fds f;
  f.fd[0] = sv[0];
  f.fd[1] = sv[1];
  std::atomic<bool> release{false};
  std::thread server([&] {
    testing::set_socket_timeouts(sv[1], 10000);
    testing::SystemClock clock;
    auto rng = crypto::make_deterministic_rng(ByteView::of("late server"));
    BlockingStream s(sv[1], Connection::server(server_config(), *rng, clock));
    if (!s.handshake().ok()) return;
    for (int i = 0; i < 1000 && !release; i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    (void)s.write_all(ByteView::of(std::string("late\n")));
    uint8_t b[16];
    (void)s.read(b, sizeof b);  // until the client's close_notify
    (void)s.close();
  });
  testing::set_socket_timeouts(sv[0], 100);
  testing::SystemClock clock;
  auto rng = crypto::make_deterministic_rng(ByteView::of("patient client"));
  BlockingStream c(sv[0], Connection::client(client_config(), localhost(), *rng, clock));
  REQUIRE(c.handshake().ok());
  uint8_t buf[64];
  Result<size_t> first = c.read(buf, sizeof buf);
  REQUIRE(!first.ok());
  CHECK(first.error().kind == ErrorKind::timeout);
  CHECK(c.connection().error() == nullptr);  // the connection lives on
  release = true;
  std::string got;
  for (int i = 0; i < 100 && got.find('\n') == std::string::npos; i++) {
    Result<size_t> r = c.read(buf, sizeof buf);
    if (r.ok() && r.value() > 0) got.append(reinterpret_cast<const char*>(buf), r.value());
    else if (!r.ok() && r.error().kind != ErrorKind::timeout) break;
  }
  CHECK(got == "late\n");
  CHECK(c.close().ok());
  server.join();
}

TEST_CASE("blocking: with SO_RCVTIMEO, the engine's handshake deadline ends a handshake with a silent peer") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  Fds f;
  f.fd[0] = sv[0];
  f.fd[1] = sv[1];
  testing::set_socket_timeouts(sv[0], 50);
  ClientConfig::Builder b;
  b.trust_anchors_pem(testing::read_file("tests/certs/ca.pem")).handshake_timeout_ms(300);
  Built<ClientConfig> built = b.build();
  REQUIRE(built.ok());
  testing::SystemClock clock;
  auto rng = crypto::make_deterministic_rng(ByteView::of("deadline client"));
  BlockingStream c(sv[0], Connection::client(built.config, localhost(), *rng, clock));
  auto t0 = std::chrono::steady_clock::now();
  Status s;
  int timeouts = 0;
  for (int i = 0; i < 200; i++) {
    s = c.handshake();
    if (s.ok() || c.connection().error()) break;
    REQUIRE(s.error().kind == ErrorKind::timeout);
    timeouts++;
  }
  auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE(!s.ok());
  CHECK(timeouts >= 2);
  REQUIRE(c.connection().error() != nullptr);
  CHECK(c.connection().error()->kind == ErrorKind::timeout);
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK(took < std::chrono::seconds(3));
}

}  // namespace
}  // namespace sanstls
