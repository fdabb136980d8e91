// recorder: runs one sanstls connection against a real peer over TCP on 127.0.0.1 and writes its
// capture (tools/capture/capture.h). tests/replays/record.sh drives it against OpenSSL and GnuTLS to
// make the captures replayed by replay_test.
//
//   recorder -client PORT -out FILE [-suites S] [-CAfile F] [-cert F -key F] [-name N] [-send TEXT]
//   recorder -server PORT -out FILE [-suites S] -cert F -key F [-cert F -key F] [-verify CAFILE]
//            [-send TEXT] [-ready FILE]
//
// After the handshake each side sends TEXT (default "hello from sanstls\n"), waits up to 3 s for the
// peer's data, sends close_notify and reads until the peer closes (at most 3 s more). The whole run is
// bounded by 20 s. Exit status 0 when the capture was written (whatever the handshake's outcome: a
// failed handshake is worth capturing too), 1 otherwise.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "tools/adapters/socket.h"
#include "tools/capture/capture.h"

namespace sanstls {
namespace {

class RealClock : public Clock {
 public:
  uint64_t now_ms() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
};

uint64_t mono_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

Bytes slurp(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    std::fprintf(stderr, "recorder: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  Bytes b;
  uint8_t buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) b.insert(b.end(), buf, buf + n);
  std::fclose(f);
  return b;
}

struct Options {
  bool client = true;
  uint16_t port = 0;
  std::string out, suites, ca, name = "localhost", send = "hello from sanstls\n", verify, ready;
  std::vector<std::pair<std::string, std::string>> certs;
};

// Drives the connection over fd until it is done; returns whether the handshake completed.
bool drive(capture::CapturingConnection& conn, int fd, const Options& o) {
  const uint64_t start = mono_ms();
  bool done = false, sent = false, got_data = false, closing = false, closed = false, eof = false;
  uint64_t sent_at = 0, close_at = 0;
  std::vector<uint8_t> buf(32768);
  while (mono_ms() - start < 20000) {
    while (auto ev = conn.next_event()) {
      if (ev->type == Event::Type::handshake_done) done = true;
      if (ev->type == Event::Type::app_data) got_data = true;
      if (ev->type == Event::Type::closed) closed = true;
    }
    if (done && !sent && !closed) {
      (void)conn.send(ByteView::of(o.send));
      sent = true;
      sent_at = mono_ms();
    }
    if (sent && !closing && !closed && (got_data || mono_ms() - sent_at > 3000)) {
      conn.close();
      closing = true;
      close_at = mono_ms();
    }
    // Write everything pending.
    for (ByteView out = conn.pending_output(); !out.empty(); out = conn.pending_output()) {
      ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        eof = true;
        break;
      }
      conn.consume_output(static_cast<size_t>(n));
    }
    if (closed || eof || (closing && mono_ms() - close_at > 3000)) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) {
      conn.receive_eof();
      while (conn.next_event()) {
      }
      break;
    }
    size_t off = 0;
    while (off < static_cast<size_t>(n)) {
      Result<size_t> r = conn.receive(ByteView(buf.data() + off, static_cast<size_t>(n) - off));
      if (!r.ok()) break;
      off += r.value();
      if (r.value() == 0) {
        while (auto ev = conn.next_event()) {
          if (ev->type == Event::Type::handshake_done) done = true;
          if (ev->type == Event::Type::app_data) got_data = true;
          if (ev->type == Event::Type::closed) closed = true;
        }
      }
    }
    if (conn.error()) {
      // Flush the alert, then stop.
      for (ByteView out = conn.pending_output(); !out.empty(); out = conn.pending_output()) {
        ssize_t w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        if (w <= 0) break;
        conn.consume_output(static_cast<size_t>(w));
      }
      while (conn.next_event()) {
      }
      break;
    }
  }
  return done;
}

int run(const Options& o) {
  auto rng = crypto::make_system_rng();
  RealClock clock;
  std::string err;
  capture::DescribeOptions d;
  int fd = -1;
  std::optional<capture::CapturingConnection> conn;
  if (o.client) {
    ClientConfig::Builder b;
    if (!o.ca.empty()) b.trust_anchors_pem(slurp(o.ca));
    b.verify_server(!o.ca.empty());
    if (!o.suites.empty()) b.cipher_suite_names(o.suites);
    if (!o.certs.empty()) b.client_certificate(slurp(o.certs[0].first), slurp(o.certs[0].second));
    Built<ClientConfig> built = b.build();
    if (!built.ok()) {
      std::fprintf(stderr, "recorder: config: %s\n", built.error.c_str());
      return 1;
    }
    if (!o.ca.empty()) crypto::default_provider().load_certificates(slurp(o.ca), &d.trust_anchors_der, &err);
    fd = net::connect_tcp("127.0.0.1", o.port, &err);
    if (fd < 0) {
      std::fprintf(stderr, "recorder: %s\n", err.c_str());
      return 1;
    }
    Connection::ClientOptions copts;
    copts.server_name = o.name;
    conn.emplace(capture::CapturingConnection::client(built.config, copts, *rng, clock, d));
  } else {
    ServerConfig::Builder b;
    for (const auto& ck : o.certs) b.certificate(slurp(ck.first), slurp(ck.second));
    if (!o.suites.empty()) b.cipher_suite_names(o.suites);
    if (!o.verify.empty()) {
      b.client_auth(ClientAuth::required, slurp(o.verify));
      crypto::default_provider().load_certificates(slurp(o.verify), &d.trust_anchors_der, &err);
    }
    Built<ServerConfig> built = b.build();
    if (!built.ok()) {
      std::fprintf(stderr, "recorder: config: %s\n", built.error.c_str());
      return 1;
    }
    int lfd = net::listen_tcp("127.0.0.1", o.port, &err);
    if (lfd < 0) {
      std::fprintf(stderr, "recorder: %s\n", err.c_str());
      return 1;
    }
    if (!o.ready.empty()) {
      FILE* f = std::fopen(o.ready.c_str(), "w");
      if (f) std::fclose(f);
    }
    pollfd p{lfd, POLLIN, 0};
    if (::poll(&p, 1, 15000) <= 0) {
      std::fprintf(stderr, "recorder: no client connected within 15 s\n");
      net::close_fd(lfd);
      return 1;
    }
    fd = ::accept(lfd, nullptr, nullptr);
    net::close_fd(lfd);
    if (fd < 0) return 1;
    conn.emplace(capture::CapturingConnection::server(built.config, *rng, clock, d));
  }
  bool done = drive(*conn, fd, o);
  net::close_fd(fd);
  if (!conn->save(o.out, &err)) {
    std::fprintf(stderr, "recorder: %s\n", err.c_str());
    return 1;
  }
  std::fprintf(stderr, "recorder: %s, capture written to %s\n",
               done ? "handshake done" : (conn->error() ? conn->error()->to_string().c_str() : "no handshake"),
               o.out.c_str());
  return 0;
}

}  // namespace
}  // namespace sanstls

int main(int argc, char** argv) {
  sanstls::Options o;
  std::string pending;
  for (int i = 1; i < argc; i++) {
    std::string f = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "recorder: %s needs a value\n", f.c_str());
        std::exit(1);
      }
      return argv[++i];
    };
    if (f == "-client" || f == "-server") {
      o.client = f == "-client";
      o.port = static_cast<uint16_t>(std::atoi(val().c_str()));
    } else if (f == "-out") {
      o.out = val();
    } else if (f == "-suites") {
      o.suites = val();
    } else if (f == "-CAfile") {
      o.ca = val();
    } else if (f == "-verify") {
      o.verify = val();
    } else if (f == "-name") {
      o.name = val();
    } else if (f == "-send") {
      o.send = val() + "\n";
    } else if (f == "-ready") {
      o.ready = val();
    } else if (f == "-cert") {
      pending = val();
    } else if (f == "-key") {
      o.certs.push_back({pending, val()});
    } else {
      std::fprintf(stderr, "recorder: unknown flag %s\n", f.c_str());
      return 1;
    }
  }
  if (o.out.empty() || o.port == 0) {
    std::fprintf(stderr, "recorder: -client PORT or -server PORT, and -out FILE, are needed\n");
    return 1;
  }
  return sanstls::run(o);
}
