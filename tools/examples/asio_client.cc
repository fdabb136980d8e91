// An example of the Asio adapter (tools/adapters/asio_stream.h): connects to host:port with Asio,
// runs the TLS handshake, sends one line, prints what the server answers, and closes with
// close_notify. Every step is an asynchronous operation with a callback, on one io_context.
//
//   bazel run //tools/examples:asio_client -- -connect 127.0.0.1:4433 -servername localhost
//       -CAfile tests/certs/ca.pem -line "hello"        (one command line)
//
// Try it against `openssl s_server -accept 127.0.0.1:4433 -rev -cert tests/certs/server_rsa.pem
// -key tests/certs/server_rsa.key.pem`, which answers each line reversed.
// Exit status: 0 when the handshake, the exchange and the close succeeded; 1 otherwise.
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "core/connection.h"
#include "crypto/crypto.h"
#include "tools/adapters/asio_stream.h"

namespace {

using sanstls::asio_adapter::Stream;
using tcp = asio::ip::tcp;

int usage() {
  std::fprintf(stderr,
               "usage: asio_client -connect host:port [-CAfile ca.pem | -insecure] [-servername name]\n"
               "                   [-line text] [-timeout ms]\n");
  return 2;
}

// Reads a file; a relative path is taken from where `bazel run` was started (BUILD_WORKING_DIRECTORY).
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

// One connection: resolve, connect, handshake, write, read a line, shut down. Each step's callback
// starts the next one; a failure prints one line and stops.
class Client {
 public:
  Client(asio::io_context& io, std::shared_ptr<const sanstls::ClientConfig> config, std::string server_name,
         std::string line)
      : io_(io), resolver_(io), config_(std::move(config)), server_name_(std::move(server_name)),
        line_(std::move(line) + "\n"), rng_(sanstls::crypto::make_system_rng()) {}

  void start(const std::string& host, const std::string& port) {
    resolver_.async_resolve(host, port, [this](std::error_code ec, tcp::resolver::results_type endpoints) {
      if (ec) return fail("resolve", ec);
      auto sock = std::make_shared<tcp::socket>(io_);
      asio::async_connect(*sock, endpoints, [this, sock](std::error_code cec, const tcp::endpoint&) {
        if (cec) return fail("connect", cec);
        sanstls::Connection::ClientOptions options;
        options.server_name = server_name_;
        tls_ = std::make_unique<Stream<tcp::socket>>(
            std::move(*sock), sanstls::Connection::client(config_, std::move(options), *rng_, clock_), &clock_);
        handshake();
      });
    });
  }
  bool ok() const { return ok_; }

 private:
  void handshake() {
    tls_->async_handshake([this](std::error_code ec) {
      if (ec) return fail("handshake", ec);
      const sanstls::HandshakeInfo* info = tls_->connection().info();
      std::fprintf(stderr, "handshake done: suite 0x%04x%s\n", info->cipher_suite,
                   info->alpn.empty() ? "" : (", ALPN " + info->alpn).c_str());
      asio::async_write(*tls_, asio::buffer(line_), [this](std::error_code wec, size_t) {
        if (wec) return fail("write", wec);
        read();
      });
    });
  }

  // Reads until a newline arrives or the server closes.
  void read() {
    tls_->async_read_some(asio::buffer(buf_), [this](std::error_code ec, size_t n) {
      if (ec == asio::error::eof) return shutdown();  // the server sent close_notify
      if (ec) return fail("read", ec);
      answer_.append(buf_, n);
      if (answer_.find('\n') == std::string::npos) return read();
      shutdown();
    });
  }

  void shutdown() {
    std::fwrite(answer_.data(), 1, answer_.size(), stdout);
    std::fflush(stdout);
    tls_->async_shutdown([this](std::error_code ec) {
      // eof: the server closed the socket without answering our close_notify; that is harmless.
      if (ec && ec != asio::error::eof) return fail("shutdown", ec);
      ok_ = true;
    });
  }

  void fail(const char* step, std::error_code ec) {
    std::string detail;
    if (tls_ && tls_->connection().error()) detail = " [" + tls_->connection().error()->to_string() + "]";
    std::fprintf(stderr, "asio_client: %s failed: %s%s\n", step, ec.message().c_str(), detail.c_str());
  }

  asio::io_context& io_;
  tcp::resolver resolver_;
  std::shared_ptr<const sanstls::ClientConfig> config_;
  std::string server_name_;
  std::string line_;
  std::unique_ptr<sanstls::crypto::Rng> rng_;
  sanstls::asio_adapter::SystemClock clock_;
  std::unique_ptr<Stream<tcp::socket>> tls_;
  char buf_[4096];
  std::string answer_;
  bool ok_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  std::string connect, ca_file, server_name, line = "hello from sanstls over asio";
  bool insecure = false;
  long timeout_ms = 10000;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "asio_client: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-connect") connect = value();
    else if (a == "-CAfile") ca_file = value();
    else if (a == "-servername") server_name = value();
    else if (a == "-line") line = value();
    else if (a == "-timeout") timeout_ms = std::atol(value().c_str());
    else if (a == "-insecure") insecure = true;
    else return usage();
  }
  size_t colon = connect.rfind(':');
  if (connect.empty() || colon == std::string::npos || (ca_file.empty() && !insecure)) return usage();
  std::string host = connect.substr(0, colon), port = connect.substr(colon + 1);
  if (server_name.empty() && !host.empty() && !std::isdigit(static_cast<unsigned char>(host[0]))) server_name = host;

  sanstls::ClientConfig::Builder b;
  if (insecure) {
    b.verify_server(false);
  } else {
    std::string pem;
    if (!read_file(ca_file, &pem)) {
      std::fprintf(stderr, "asio_client: cannot read %s: %s\n", ca_file.c_str(), std::strerror(errno));
      return 1;
    }
    b.trust_anchors_pem(sanstls::ByteView::of(pem));
  }
  sanstls::Built<sanstls::ClientConfig> built = b.build();
  if (!built.ok()) {
    std::fprintf(stderr, "asio_client: %s\n", built.error.c_str());
    return 1;
  }

  asio::io_context io;
  Client client(io, built.config, server_name, line);
  client.start(host.empty() ? "127.0.0.1" : host, port);
  io.run_for(std::chrono::milliseconds(timeout_ms));
  if (!io.stopped()) std::fprintf(stderr, "asio_client: gave up after %ld ms\n", timeout_ms);
  return client.ok() ? 0 : 1;
}
