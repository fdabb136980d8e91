// An HTTPS client with Boost.Beast over the Boost.Asio adapter (tools/adapters/boost_asio_stream.h):
// resolve, connect, TLS handshake, http::async_write of a GET, http::async_read of the response,
// close_notify. The response is printed on stdout (status line, then the body).
//
//   bazel run //tools/examples:beast_client -- -connect 127.0.0.1:4433 -servername localhost
//       -CAfile tests/certs/ca.pem -target /                (one command line)
//
// Try it against `openssl s_server -accept 127.0.0.1:4433 -www -cert tests/certs/server_rsa.pem
// -key tests/certs/server_rsa.key.pem`, which answers with an HTTP/1.0 status page and ends the body at
// end of stream (tests/beast_test.cc runs exactly that). Exit status 0 when a response was read.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "core/connection.h"
#include "crypto/crypto.h"
#include "tools/adapters/boost_asio_stream.h"

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
namespace tls = sanstls::boost_asio_adapter;
using tcp = net::ip::tcp;
using boost::system::error_code;

bool read_file(std::string path, std::string* out) {
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (wd && !path.empty() && path[0] != '/') path = std::string(wd) + "/" + path;
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  *out = s.str();
  return true;
}

class Client {
 public:
  Client(net::io_context& io, const tls::Context& ctx, std::string server_name, std::string host, std::string target)
      : resolver_(io), stream_(io.get_executor(), ctx), host_(std::move(host)) {
    sanstls::Connection::ClientOptions o;
    o.server_name = std::move(server_name);
    stream_.set_client_options(std::move(o));
    req_.method(http::verb::get);
    req_.target(target);
    req_.version(11);
    req_.set(http::field::host, host_);
    req_.set(http::field::user_agent, "sanstls-beast-example");
  }

  void start(const std::string& port) {
    resolver_.async_resolve(host_, port, [this](error_code ec, tcp::resolver::results_type endpoints) {
      if (ec) return fail("resolve", ec);
      net::async_connect(stream_.next_layer(), endpoints, [this](error_code cec, const tcp::endpoint&) {
        if (cec) return fail("connect", cec);
        stream_.async_handshake(tls::client, [this](error_code hec) {
          if (hec) return fail("handshake", hec);
          http::async_write(stream_, req_, [this](error_code wec, size_t) {
            if (wec) return fail("write", wec);
            http::async_read(stream_, buffer_, res_, [this](error_code rec, size_t) { on_read(rec); });
          });
        });
      });
    });
  }
  bool ok() const { return ok_; }

 private:
  void on_read(error_code ec) {
    // A body that ends at end of stream (HTTP/1.0) from a server that closes without close_notify: the
    // usual "ignore truncation" branch, with the adapter's condition (true for asio::ssl's code too).
    if (ec == tls::error::truncated) {
      std::fprintf(stderr, "beast_client: the server closed without close_notify (truncation ignored)\n");
      ec = {};
    }
    if (ec) return fail("read", ec);
    std::cout << res_.base().version() / 10 << "." << res_.base().version() % 10 << " " << res_.result_int() << " "
              << res_.reason() << "\n"
              << res_.body() << std::flush;
    ok_ = true;
    stream_.async_shutdown([](error_code) {});  // eof or truncation here are harmless: we are done
  }

  void fail(const char* step, error_code ec) {
    std::string detail;
    if (stream_.has_connection() && stream_.connection().error()) {
      detail = " [" + stream_.connection().error()->to_string() + "]";
    }
    std::fprintf(stderr, "beast_client: %s failed: %s%s\n", step, ec.message().c_str(), detail.c_str());
  }

  tcp::resolver resolver_;
  tls::Stream<tcp::socket> stream_;
  std::string host_;
  http::request<http::empty_body> req_;
  boost::beast::flat_buffer buffer_;
  http::response<http::string_body> res_;
  bool ok_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  std::string connect, ca_file, server_name, target = "/";
  long timeout_ms = 10000;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "beast_client: %s needs a value\n", a.c_str());
      return 2;
    }
    std::string v = argv[++i];
    if (a == "-connect") connect = v;
    else if (a == "-CAfile") ca_file = v;
    else if (a == "-servername") server_name = v;
    else if (a == "-target") target = v;
    else if (a == "-timeout") timeout_ms = std::atol(v.c_str());
    else return 2;
  }
  size_t colon = connect.rfind(':');
  std::string pem;
  if (colon == std::string::npos || ca_file.empty() || !read_file(ca_file, &pem)) {
    std::fprintf(stderr, "usage: beast_client -connect host:port -CAfile ca.pem [-servername name] [-target /]\n");
    return 2;
  }
  std::string host = connect.substr(0, colon), port = connect.substr(colon + 1);
  if (server_name.empty() && !host.empty() && !std::isdigit(static_cast<unsigned char>(host[0]))) server_name = host;

  sanstls::ClientConfig::Builder b;
  b.trust_anchors_pem(sanstls::ByteView::of(pem)).handshake_timeout_ms(static_cast<uint64_t>(timeout_ms));
  sanstls::Built<sanstls::ClientConfig> built = b.build();
  if (!built.ok()) {
    std::fprintf(stderr, "beast_client: %s\n", built.error.c_str());
    return 1;
  }
  auto rng = sanstls::crypto::make_system_rng();
  tls::Context ctx{built.config, nullptr, rng.get(), nullptr};
  net::io_context io;
  Client client(io, ctx, server_name, host, target);
  client.start(port);
  io.run_for(std::chrono::milliseconds(timeout_ms));
  return client.ok() ? 0 : 1;
}
