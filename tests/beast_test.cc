// The Boost.Asio adapter (tools/adapters/boost_asio_stream.h) with Boost.Beast, against openssl s_server
// on 127.0.0.1: the HTTPS example (tools/examples/beast_client) fetches s_server's -www status page, and
// the adapter, driven directly, times out a read by cancelling the socket and reads on (issue 18).
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "tests/pair.h"
#include "tests/peer.h"
#include "tools/adapters/boost_asio_stream.h"

namespace sanstls {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
namespace ba = boost_asio_adapter;
using tcp = net::ip::tcp;
using boost::system::error_code;

struct SServer {
  std::unique_ptr<testing::Peer> peer;
  uint16_t port = 0;
};

// `openssl s_server -accept 127.0.0.1:0 <mode>`; the port comes from its ACCEPT line.
SServer start_s_server(const std::string& mode) {
  REQUIRE(testing::have_program("openssl"));
  REQUIRE(testing::have_program("stdbuf"));
  SServer s;
  std::vector<std::string> argv = {"stdbuf", "-oL", "openssl", "s_server", "-accept", "127.0.0.1:0", mode,
                                   "-cert", testing::runfile("tests/certs/server_rsa.pem"), "-key",
                                   testing::runfile("tests/certs/server_rsa.key.pem")};
  std::string err;
  s.peer = testing::Peer::start(argv, 30000, &err);
  REQUIRE_MESSAGE(s.peer != nullptr, err);
  REQUIRE_MESSAGE(s.peer->wait_for_output("ACCEPT 127.0.0.1:", 5000), s.peer->output());
  for (int i = 0; i < 100 && s.port == 0; i++) {
    std::string out = s.peer->output();
    size_t at = out.find("ACCEPT 127.0.0.1:");
    size_t nl = out.find('\n', at);
    if (nl != std::string::npos) s.port = static_cast<uint16_t>(std::stoi(out.substr(at + 17, nl - at - 17)));
    else s.peer->wait_for_output("\n\n", 10);
  }
  REQUIRE_MESSAGE(s.port != 0, s.peer->output());
  return s;
}

TEST_CASE("beast: the HTTPS example (http::async_write / async_read over the adapter) against s_server -www") {
  SServer srv = start_s_server("-www");
  std::string err;
  auto client = testing::Peer::start({testing::runfile("tools/examples/beast_client"), "-connect",
                                      "127.0.0.1:" + std::to_string(srv.port), "-servername", "localhost", "-CAfile",
                                      testing::runfile("tests/certs/ca.pem"), "-timeout", "10000"},
                                     15000, &err);
  REQUIRE_MESSAGE(client != nullptr, err);
  int rc = client->wait_exit(15000);
  std::string out = client->output();
  INFO(out);
  INFO(srv.peer->output());
  CHECK(rc == 0);
  CHECK(out.find(" 200 ok") != std::string::npos);
  CHECK(out.find("s_server") != std::string::npos);  // the status page names the server
}

TEST_CASE("beast: Beast over the adapter in-process; a read cancelled by cancelling the socket, then more") {
  SServer srv = start_s_server("-rev");
  net::io_context io;
  ba::SystemClock clock;
  auto rng = crypto::make_system_rng();
  ba::Context ctx{testing::client_config(), nullptr, rng.get(), &clock};
  ba::Stream<tcp::socket> tls(io.get_executor(), ctx);
  Connection::ClientOptions o;
  o.server_name = "localhost";
  tls.set_client_options(o);
  tls.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), srv.port));

  std::vector<std::string> log;
  std::string line;
  std::array<char, 64> buf{};
  net::steady_timer timer(io);
  auto ok = [&](const char* what, error_code ec) {
    log.push_back(std::string(what) + ": " + ec.message());
    return !ec;
  };
  tls.async_handshake(ba::client, [&](error_code ec) {
    if (!ok("handshake", ec)) return;
    // s_server -rev says nothing first: the timer cancels the socket, the read ends, the stream does not.
    timer.expires_after(std::chrono::milliseconds(50));
    timer.async_wait([&](error_code tec) {
      if (!tec) tls.next_layer().cancel();
    });
    tls.async_read_some(net::buffer(buf), [&](error_code rec, size_t) {
      log.push_back(std::string("timed-out read: ") + (rec == net::error::operation_aborted ? "aborted" : rec.message()));
      net::async_write(tls, net::buffer(std::string("olleh\n")), [&](error_code wec, size_t) {
        if (!ok("write", wec)) return;
        net::async_read_until(tls, net::dynamic_buffer(line), '\n', [&](error_code r2, size_t) {
          if (!ok("read", r2)) return;
          tls.async_shutdown([&](error_code sec) { ok("shutdown", sec); });
        });
      });
    });
  });
  io.run_for(std::chrono::seconds(20));
  std::string all;
  for (auto& l : log) all += l + "\n";
  INFO(all);
  INFO(srv.peer->output());
  REQUIRE(log.size() >= 4);
  CHECK(log[0] == "handshake: Success");
  CHECK(log[1] == "timed-out read: aborted");
  CHECK(log[2] == "write: Success");
  CHECK(log[3] == "read: Success");
  CHECK(line.find("hello") != std::string::npos);
  // A truncation from the Boost stack compares equal to the condition too.
  error_code truncated = ba::error::stream_truncated;
  CHECK(truncated == ba::error::truncated);
}

}  // namespace
}  // namespace sanstls
