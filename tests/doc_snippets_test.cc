// Compiles and runs every ```cpp block of docs/embedding.md (extracted by tests/doc_snippets.py into
// embedding_snippets.inc): each block becomes a function, preceded by the code of the HTML comment in
// front of it. This file provides what those comments name: PEM strings, a clock, configs, an echo
// server on 127.0.0.1, a readiness check, an event handler. A snippet that stops compiling fails the
// build of this test; one that fails at run time returns non-zero or trips a check here.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "core/connection.h"
#include "core/suites.h"
#include "crypto/crypto.h"
#include "doctest/doctest.h"
#include "platform/system.h"
#include "tests/peer.h"
#include "tests/testdata.h"
#include "tools/adapters/asio_stream.h"
#include "tools/adapters/blocking.h"
#include "tools/adapters/socket.h"
#include "tools/trust_store.h"

namespace doc {

const std::string chain_pem = sanstls::testing::read_text("tests/certs/server_rsa.pem");
const std::string key_pem = sanstls::testing::read_text("tests/certs/server_rsa.key.pem");
const std::string ca_pem = sanstls::testing::read_text("tests/certs/ca.pem");

class MyClock : public sanstls::Clock {
 public:
  uint64_t now_ms() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
};

sanstls::Built<sanstls::ClientConfig> test_client_config() {
  sanstls::ClientConfig::Builder b;
  b.trust_anchors_pem(sanstls::ByteView::of(ca_pem)).handshake_timeout_ms(10000);
  return b.build();
}

sanstls::Built<sanstls::ServerConfig> test_server_config() {
  sanstls::ServerConfig::Builder b;
  b.certificate(sanstls::ByteView::of(chain_pem), sanstls::ByteView::of(key_pem));
  return b.build();
}

MyClock& test_clock() {
  static MyClock clock;
  return clock;
}

sanstls::crypto::Rng& test_rng() {
  static std::unique_ptr<sanstls::crypto::Rng> rng = sanstls::crypto::make_system_rng();
  return *rng;
}

sanstls::Connection test_client_connection() {
  sanstls::Connection::ClientOptions o;
  o.server_name = "localhost";
  return sanstls::Connection::client(test_client_config().config, o, test_rng(), test_clock());
}

// One TLS echo connection on 127.0.0.1 (the blocking adapter in a thread), ended by the peer's
// close_notify or end of stream, bounded in time.
struct EchoPeer {
  int listen_fd = -1;
  uint16_t port = 0;
  int client_fd = -1;
  std::thread thread;
  std::atomic<int> echoed{0};

  EchoPeer() {
    std::string err;
    listen_fd = sanstls::net::listen_tcp("127.0.0.1", 0, &err, &port);
    REQUIRE_MESSAGE(listen_fd >= 0, err);
    thread = std::thread([this] {
      int fd = sanstls::testing::accept_with_timeout(listen_fd, 10000);
      if (fd < 0) return;
      sanstls::testing::set_socket_timeouts(fd, 10000);
      sanstls::BlockingStream s(fd, sanstls::Connection::server(test_server_config().config, test_rng(), test_clock()));
      if (s.handshake().ok()) {
        uint8_t buf[4096];
        for (;;) {
          sanstls::Result<size_t> r = s.read(buf, sizeof buf);
          if (!r.ok() || r.value() == 0) break;
          echoed += static_cast<int>(r.value());
          if (!s.write_all(sanstls::ByteView(buf, r.value())).ok()) break;
        }
        (void)s.close();
      }
      sanstls::net::close_fd(fd);
    });
  }
  int connect_fd() {
    std::string err;
    client_fd = sanstls::net::connect_tcp("127.0.0.1", port, &err);
    REQUIRE_MESSAGE(client_fd >= 0, err);
    sanstls::testing::set_socket_timeouts(client_fd, 10000);
    return client_fd;
  }
  ~EchoPeer() {
    if (client_fd >= 0) ::shutdown(client_fd, SHUT_RDWR);
    if (thread.joinable()) thread.join();
    if (client_fd >= 0) sanstls::net::close_fd(client_fd);
    sanstls::net::close_fd(listen_fd);
  }
};

bool socket_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 5000) > 0;
}

// Section 2's events: a line once the handshake is done, close() when its echo arrives.
std::string received;
void handle_events(sanstls::Connection& conn) {
  while (auto ev = conn.next_event()) {
    if (ev->type == sanstls::Event::Type::handshake_done) (void)conn.send(sanstls::ByteView::of(std::string("ping\n")));
    if (ev->type == sanstls::Event::Type::app_data) {
      received.append(reinterpret_cast<const char*>(ev->data.data()), ev->data.size());
      if (received.find('\n') != std::string::npos) conn.close();
    }
  }
}

void arm_timer(uint64_t) {}

using TestAsioStream = std::unique_ptr<sanstls::asio_adapter::Stream<asio::ip::tcp::socket>>;
TestAsioStream make_test_asio_stream(asio::io_context& io, uint16_t port) {
  asio::ip::tcp::socket sock(io);
  sock.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  sanstls::Connection::ClientOptions o;
  o.server_name = "localhost";
  auto s = std::make_unique<sanstls::asio_adapter::Stream<asio::ip::tcp::socket>>(
      std::move(sock), sanstls::Connection::client(test_client_config().config, o, test_rng(), test_clock()),
      &test_clock());
  std::error_code ec;
  s->handshake(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return s;
}

// Section 12: a client and a server connected in memory (bytes moved by hand until neither has any),
// events drained. False when a side failed before both finished the handshake.
bool handshake_in_memory(sanstls::Connection& c, sanstls::Connection& s) {
  for (int i = 0; i < 64 && !(c.info() && s.info()); i++) {
    for (auto [from, to] : {std::pair<sanstls::Connection*, sanstls::Connection*>{&c, &s}, {&s, &c}}) {
      sanstls::ByteView out = from->pending_output();
      if (!out.empty()) {
        sanstls::Result<size_t> r = to->receive(out);
        if (!r.ok()) return false;
        from->consume_output(r.value());
      }
      while (to->next_event()) {
      }
    }
    if (c.error() || s.error()) return false;
  }
  return c.info() && s.info();
}

sanstls::Connection test_server_connection() {
  return sanstls::Connection::server(test_server_config().config, test_rng(), test_clock());
}

#include "tests/embedding_snippets.inc"

}  // namespace doc

TEST_CASE("docs/embedding.md: every cpp snippet runs") {
  for (const doc::Snippet& s : doc::kSnippets) {
    INFO("the block at docs/embedding.md:" << s.line);
    auto t0 = std::chrono::steady_clock::now();
    CHECK(s.run() == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15));
  }
  CHECK(doc::received == "ping\n");  // section 2's loop did the handshake, the echo and the close
}
