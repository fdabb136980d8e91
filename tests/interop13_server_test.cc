// Interop, TLS 1.3: the sanstls server (through the blocking adapter, in a thread of the test) against
// real clients, `openssl s_client -tls1_3` and `gnutls-cli` with a TLS 1.3 priority, on 127.0.0.1.
// Each peer runs with a hard deadline (tests/peer.h); the server thread's accept and socket I/O have
// time-outs.
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/suites.h"
#include "tests/peer.h"
#include "tests/testdata.h"
#include "tools/adapters/blocking.h"
#include "tools/adapters/socket.h"

namespace sanstls {
namespace testing {
namespace {

constexpr int kPeerDeadlineMs = 20000;
constexpr int kIoTimeoutMs = 5000;
constexpr uint16_t kX25519 = 0x001d, kP256 = 0x0017, kP384 = 0x0018, kFfdhe2048 = 0x0100;
constexpr uint16_t kRsaPssRsaeSha256 = 0x0804, kEcdsaP256Sha256 = 0x0403;
constexpr uint8_t kClientHello = 1, kServerHello = 2, kCertificate = 11, kKeyUpdate = 24;
const char* kEchoPrefix = "sanstls echo: ";
const char* const kSuites13[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"};
const uint8_t kDowngradeTls12[8] = {'D', 'O', 'W', 'N', 'G', 'R', 'D', 1};

std::string cert(const std::string& name) { return runfile("tests/certs/" + name); }
bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }
int count(const std::vector<uint8_t>& v, uint8_t t) { return static_cast<int>(std::count(v.begin(), v.end(), t)); }
size_t occurrences(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) n++;
  return n;
}

// What the server saw of one connection.
struct ServerConn {
  bool handshake_ok = false;
  bool failed = false;
  Error error;
  std::string transport_error;
  HandshakeInfo info;
  std::string early;         // application data that came as 0-RTT
  std::string received;      // everything up to the first line end (early data included)
  bool peer_closed_clean = false;
  std::vector<uint8_t> got, sent;  // handshake message types traced (0xff: CCS)
  Bytes server_random;             // from the ServerHello sent (the last one)
};

std::string describe(const ServerConn& c) {
  std::string s = "handshake_ok=" + std::to_string(c.handshake_ok) + " version=" + std::to_string(c.info.version) +
                  " suite=" + std::to_string(c.info.cipher_suite) + " group=" + std::to_string(c.info.group) +
                  " resumed=" + std::to_string(c.info.resumed);
  if (c.failed) s += " error=" + c.error.to_string() + " transport=" + c.transport_error;
  s += " received=[" + c.received.substr(0, 300) + "] peer_closed_clean=" + std::to_string(c.peer_closed_clean);
  s += " got=[";
  for (uint8_t t : c.got) s += std::to_string(t) + " ";
  s += "] sent=[";
  for (uint8_t t : c.sent) s += std::to_string(t) + " ";
  return s + "]";
}

// A sanstls server on 127.0.0.1:<free port> in a thread. For each of `connections` connections it
// handshakes, runs the test's hook (if any), reads one line, answers kEchoPrefix + line, sends
// close_notify and waits (briefly) for the client's close_notify.
class SanstlsServer {
 public:
  using Hook = std::function<bool(BlockingStream&, ServerConn&)>;  // false: stop this connection

  SanstlsServer(std::shared_ptr<const ServerConfig> config, int connections, Hook after_handshake = nullptr)
      : config_(std::move(config)), hook_(std::move(after_handshake)) {
    std::string err;
    listen_fd_ = net::listen_tcp("127.0.0.1", 0, &err, &port_);
    REQUIRE_MESSAGE(listen_fd_ >= 0, err);
    thread_ = std::thread([this, connections] { run(connections); });
  }
  ~SanstlsServer() {
    if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
    join();
  }

  uint16_t port() const { return port_; }
  std::vector<ServerConn> join() {
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) net::close_fd(listen_fd_);
    listen_fd_ = -1;
    std::lock_guard<std::mutex> lock(mu_);
    return conns_;
  }
  // KeyUpdates (type kKeyUpdate) or Certificates (kCertificate) received so far, over all connections
  // (for tests that wait for them).
  int received_count(uint8_t type) const { return type == kKeyUpdate ? key_updates_.load() : certificates_.load(); }

 private:
  void run(int connections) {
    for (int i = 0; i < connections; i++) {
      int fd = accept_with_timeout(listen_fd_, 10000);
      if (fd < 0) return;
      ServerConn c = serve(fd);
      net::close_fd(fd);
      std::lock_guard<std::mutex> lock(mu_);
      conns_.push_back(c);
    }
  }

  static void fail(BlockingStream& stream, ServerConn* c, const Error& e) {
    c->failed = true;
    c->error = e;
    c->transport_error = stream.transport_error();
  }

  ServerConn serve(int fd) {
    ServerConn c;
    set_socket_timeouts(fd, kIoTimeoutMs);
    auto rng = crypto::make_system_rng();
    SystemClock clock;
    BlockingStream stream(fd, Connection::server(config_, *rng, clock));
    stream.connection().set_trace(true);
    stream.on_event = [this, &c](const Event& ev) {
      if (ev.type == Event::Type::handshake_message) {
        (ev.direction == Direction::sent ? c.sent : c.got).push_back(ev.message_type);
        if (ev.direction == Direction::sent && ev.message_type == kServerHello && ev.data.size() >= 4 + 2 + 32)
          c.server_random = ev.data.sub(6, 32).to_bytes();
        if (ev.direction == Direction::received && ev.message_type == kKeyUpdate) key_updates_++;
        if (ev.direction == Direction::received && ev.message_type == kCertificate) certificates_++;
      }
      if (ev.type == Event::Type::app_data && ev.early_data)
        c.early.append(reinterpret_cast<const char*>(ev.data.data()), ev.data.size());
    };
    Status hs = stream.handshake();
    if (!hs.ok()) {
      fail(stream, &c, hs.error());
      return c;
    }
    c.handshake_ok = true;
    c.info = *stream.connection().info();
    if (hook_ && !hook_(stream, c)) return c;
    uint8_t buf[4096];
    bool peer_closed = false;
    while (c.received.find('\n') == std::string::npos) {
      Result<size_t> r = stream.read(buf, sizeof buf);
      if (!r.ok()) {
        fail(stream, &c, r.error());
        return c;
      }
      if (r.value() == 0) {
        peer_closed = true;
        c.peer_closed_clean = true;
        break;
      }
      c.received.append(reinterpret_cast<const char*>(buf), r.value());
    }
    c.info = *stream.connection().info();  // post-handshake authentication may have changed it
    if (!peer_closed) {
      Status w = stream.write_all(ByteView::of(kEchoPrefix + c.received));
      if (!w.ok()) {
        fail(stream, &c, w.error());
        return c;
      }
    }
    (void)stream.close();
    if (!peer_closed) {
      set_socket_timeouts(fd, 2000);
      for (;;) {
        Result<size_t> r = stream.read(buf, sizeof buf);
        if (!r.ok()) break;
        if (r.value() == 0) {
          c.peer_closed_clean = true;
          break;
        }
      }
    }
    return c;
  }

  std::shared_ptr<const ServerConfig> config_;
  Hook hook_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<ServerConn> conns_;
  std::atomic<int> key_updates_{0}, certificates_{0};
};

struct ServerCase {
  std::vector<uint16_t> groups;  // {} = defaults
  ClientAuth client_auth = ClientAuth::none;
  uint32_t max_early_data = 0;
  uint16_t min_version = 0x0303, max_version = 0x0304;
};

std::shared_ptr<const ServerConfig> make_server_config(const ServerCase& sc) {
  ServerConfig::Builder b;
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  if (!sc.groups.empty()) b.groups(sc.groups);
  if (sc.client_auth != ClientAuth::none) b.client_auth(sc.client_auth, read_file("tests/certs/ca.pem"));
  b.max_early_data(sc.max_early_data);
  b.versions(sc.min_version, sc.max_version);
  Built<ServerConfig> built = b.build();
  if (!built.ok()) FAIL("server config: " << built.error);
  return built.config;
}

struct ClientResult {
  int exit_code = -1;
  std::string output;
};

// Runs a client command to its end: writes `input` to its stdin (kept open, so that the client leaves
// when the server closes), waits for it to exit, and returns its output.
ClientResult run_peer_client(const std::vector<std::string>& argv, const std::string& input) {
  std::string err;
  std::unique_ptr<Peer> p = Peer::start(argv, kPeerDeadlineMs, &err);
  REQUIRE_MESSAGE(p != nullptr, err);
  p->write_stdin(input);
  ClientResult r;
  r.exit_code = p->wait_exit(kPeerDeadlineMs);
  p->kill();
  r.output = p->output();
  return r;
}

std::string tmp_path(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

// Polls `cond` every 10 ms for up to timeout_ms.
bool eventually(const std::function<bool()>& cond, int timeout_ms) {
  int64_t until = monotonic_ms() + timeout_ms;
  while (!cond()) {
    if (monotonic_ms() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// openssl s_client

std::vector<std::string> s_client_argv(uint16_t port, const std::vector<std::string>& extra,
                                       const std::string& version = "-tls1_3") {
  std::vector<std::string> argv = {"stdbuf", "-oL", "openssl", "s_client", "-connect",
                                   "127.0.0.1:" + std::to_string(port), "-servername", "localhost",
                                   "-CAfile", cert("ca.pem"), "-verify_return_error", "-verify_hostname",
                                   "localhost"};
  if (!version.empty()) argv.push_back(version);
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

std::vector<std::string> concat_args(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const char* openssl_group(uint16_t g) { return g == kX25519 ? "X25519" : g == kP256 ? "P-256" : "P-384"; }

TEST_CASE("server vs openssl s_client -tls1_3: every suite, group and server key") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  auto config = make_server_config({});
  for (const char* suite : kSuites13) {
    for (uint16_t group : {kX25519, kP256, kP384}) {
      for (bool ecdsa : {false, true}) {
        std::string suite_name = suite;
        CAPTURE(suite_name);
        CAPTURE(group);
        CAPTURE(ecdsa);
        SanstlsServer server(config, 1);
        std::string line = "hello " + suite_name + "\n";
        // The client's signature_algorithms choose the server's certificate.
        ClientResult cr = run_peer_client(
            s_client_argv(server.port(), {"-ciphersuites", suite, "-groups", openssl_group(group), "-sigalgs",
                                          ecdsa ? "ecdsa_secp256r1_sha256" : "rsa_pss_rsae_sha256"}),
            line);
        std::vector<ServerConn> conns = server.join();
        INFO(cr.output);
        REQUIRE(conns.size() == 1);
        INFO(describe(conns[0]));
        REQUIRE(conns[0].handshake_ok);
        CHECK(conns[0].info.version == 0x0304);
        CHECK(conns[0].info.cipher_suite == find_suite_by_name(suite)->id);
        CHECK(conns[0].info.group == group);
        CHECK(conns[0].info.signature_scheme == (ecdsa ? kEcdsaP256Sha256 : kRsaPssRsaeSha256));
        CHECK(conns[0].info.server_name == "localhost");
        CHECK(count(conns[0].got, kClientHello) == 1);
        CHECK(conns[0].received == line);
        CHECK(conns[0].peer_closed_clean);
        CHECK(contains(cr.output, "New, TLSv1.3, Cipher is " + suite_name + "\n"));
        CHECK(contains(cr.output, ecdsa ? "Peer signature type: ECDSA" : "Peer signature type: RSA-PSS"));
        CHECK(contains(cr.output, "Verify return code: 0 (ok)"));
        CHECK(contains(cr.output, kEchoPrefix + line));
        CHECK(cr.exit_code == 0);
      }
    }
  }
}

TEST_CASE("server vs openssl s_client -tls1_3: HelloRetryRequest") {
  REQUIRE(have_program("openssl"));
  // s_client sends one X25519 share; this server takes P-256 or P-384 only.
  for (uint16_t group : {kP256, kP384}) {
    CAPTURE(group);
    ServerCase sc;
    sc.groups = {group};
    SanstlsServer server(make_server_config(sc), 1);
    ClientResult cr = run_peer_client(s_client_argv(server.port(), {}), "after hrr\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK(conns[0].info.group == group);
    CHECK(count(conns[0].got, kClientHello) == 2);
    CHECK(count(conns[0].sent, kServerHello) == 2);  // HelloRetryRequest, ServerHello
    CHECK(contains(cr.output, group == kP256 ? "Server Temp Key: ECDH, prime256v1" : "Server Temp Key: ECDH, secp384r1"));
    CHECK(contains(cr.output, std::string(kEchoPrefix) + "after hrr"));
  }
}

TEST_CASE("server vs openssl s_client -tls1_3: client certificates") {
  REQUIRE(have_program("openssl"));
  ServerCase sc;
  sc.client_auth = ClientAuth::required;
  auto config = make_server_config(sc);
  SUBCASE("presented, RSA and ECDSA") {
    for (const char* name : {"client", "client_ec"}) {
      std::string cert_name = name;
      CAPTURE(cert_name);
      SanstlsServer server(config, 1);
      ClientResult cr = run_peer_client(
          s_client_argv(server.port(), {"-cert", cert(cert_name + ".pem"), "-key", cert(cert_name + ".key.pem")}),
          "with cert\n");
      std::vector<ServerConn> conns = server.join();
      INFO(cr.output);
      REQUIRE(conns.size() == 1);
      INFO(describe(conns[0]));
      REQUIRE(conns[0].handshake_ok);
      CHECK(conns[0].info.client_authenticated);
      CHECK(conns[0].info.peer_chain.size() >= 1);
      CHECK(conns[0].received == "with cert\n");
      CHECK(contains(cr.output, std::string(kEchoPrefix) + "with cert"));
    }
  }
  SUBCASE("missing: certificate_required") {
    SanstlsServer server(config, 1);
    ClientResult cr = run_peer_client(s_client_argv(server.port(), {}), "no cert\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    CHECK_FALSE(conns[0].handshake_ok);
    CHECK(conns[0].error.alert == AlertDescription::certificate_required);
    CHECK(contains(cr.output, "alert certificate required"));
    CHECK_FALSE(contains(cr.output, kEchoPrefix));
  }
  SUBCASE("after the handshake (post_handshake_auth)") {
    ServerCase none;
    none.client_auth = ClientAuth::optional;
    // The handshake asks when client_auth is set; a server without it cannot ask later, so this
    // server asks in the handshake (s_client sends its certificate then) and again afterwards.
    SanstlsServer server(make_server_config(none), 1, [](BlockingStream& s, ServerConn& c) {
      Status st = s.connection().request_client_certificate();
      if (!st.ok()) {
        c.failed = true;
        c.error = st.error();
        return false;
      }
      return s.flush().ok();
    });
    std::string err;
    std::unique_ptr<Peer> p = Peer::start(
        s_client_argv(server.port(),
                      {"-enable_pha", "-cert", cert("client.pem"), "-key", cert("client.key.pem"), "-msg"}),
        kPeerDeadlineMs, &err);
    REQUIRE_MESSAGE(p != nullptr, err);
    // The client's second Certificate (the answer to the post-handshake request) reaches the server.
    CHECK(eventually([&] { return server.received_count(kCertificate) >= 2; }, kIoTimeoutMs));
    p->write_stdin("after pha\n");
    CHECK(p->wait_for_output(std::string(kEchoPrefix) + "after pha", kIoTimeoutMs));
    p->close_stdin();
    p->wait_exit(kIoTimeoutMs);
    std::vector<ServerConn> conns = server.join();
    INFO(p->output());
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK_FALSE(conns[0].failed);
    CHECK(conns[0].info.client_authenticated);
    CHECK(count(conns[0].got, kCertificate) == 2);
    CHECK(occurrences(p->output(), "CertificateRequest") == 2);
  }
}

TEST_CASE("server vs openssl s_client -tls1_3: resumption with -sess_out / -sess_in") {
  REQUIRE(have_program("openssl"));
  auto config = make_server_config({});
  for (const char* suite : {"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"}) {
    std::string suite_name = suite;
    CAPTURE(suite_name);
    std::string sess = tmp_path("s_client13_" + suite_name + ".sess");
    SanstlsServer server(config, 2);
    ClientResult first =
        run_peer_client(s_client_argv(server.port(), {"-ciphersuites", suite, "-sess_out", sess}), "first\n");
    INFO(first.output);
    ClientResult second =
        run_peer_client(s_client_argv(server.port(), {"-ciphersuites", suite, "-sess_in", sess}), "second\n");
    INFO(second.output);
    std::vector<ServerConn> conns = server.join();
    REQUIRE(conns.size() == 2);
    INFO(describe(conns[0]));
    INFO(describe(conns[1]));
    REQUIRE(conns[0].handshake_ok);
    REQUIRE(conns[1].handshake_ok);
    CHECK_FALSE(conns[0].info.resumed);
    CHECK(conns[1].info.resumed);
    CHECK(conns[1].info.cipher_suite == find_suite_by_name(suite)->id);
    CHECK(count(conns[1].sent, kCertificate) == 0);  // no certificate in a resumed handshake
    CHECK(contains(first.output, "New, TLSv1.3, Cipher is " + suite_name));
    CHECK(contains(second.output, "Reused, TLSv1.3, Cipher is " + suite_name));
    CHECK(contains(second.output, std::string(kEchoPrefix) + "second"));
  }
}

TEST_CASE("server vs openssl s_client -early_data: 0-RTT accepted") {
  REQUIRE(have_program("openssl"));
  ServerCase sc;
  sc.max_early_data = 4096;
  auto config = make_server_config(sc);
  std::string sess = tmp_path("s_client13_early.sess");
  std::string early_file = tmp_path("s_client13_early.txt");
  {
    std::ofstream f(early_file, std::ios::binary);
    f << "early line\n";
  }
  SanstlsServer server(config, 2);
  ClientResult first = run_peer_client(s_client_argv(server.port(), {"-sess_out", sess}), "first\n");
  INFO(first.output);
  ClientResult second =
      run_peer_client(s_client_argv(server.port(), {"-sess_in", sess, "-early_data", early_file}), "");
  INFO(second.output);
  std::vector<ServerConn> conns = server.join();
  REQUIRE(conns.size() == 2);
  INFO(describe(conns[0]));
  INFO(describe(conns[1]));
  REQUIRE(conns[1].handshake_ok);
  CHECK(conns[1].info.resumed);
  CHECK(conns[1].info.early_data_accepted);
  CHECK(conns[1].early == "early line\n");
  CHECK(conns[1].received == "early line\n");
  CHECK(contains(second.output, "Reused, TLSv1.3"));
  CHECK(contains(second.output, "Early data was accepted"));
  CHECK(contains(second.output, std::string(kEchoPrefix) + "early line"));
}

TEST_CASE("server vs openssl s_client -early_data: after a HelloRetryRequest 0-RTT is refused and skipped") {
  REQUIRE(have_program("openssl"));
  std::string early_file = tmp_path("s_client13_refused.txt");
  {
    std::ofstream f(early_file, std::ios::binary);
    f << "early refused\n";
  }
  ServerCase sc;
  sc.max_early_data = 4096;
  // P-384 only: s_client's X25519 share draws a HelloRetryRequest, after which early data is skipped.
  sc.groups = {kP384};
  SanstlsServer server(make_server_config(sc), 2);
  std::string sess = tmp_path("s_client13_refused_hrr.sess");
  ClientResult first = run_peer_client(s_client_argv(server.port(), {"-sess_out", sess}), "first\n");
  INFO(first.output);
  // s_client does not send refused early data again, so the line from its stdin is what the server reads.
  ClientResult refused =
      run_peer_client(s_client_argv(server.port(), {"-sess_in", sess, "-early_data", early_file}), "after\n");
  INFO(refused.output);
  std::vector<ServerConn> conns = server.join();
  REQUIRE(conns.size() == 2);
  const ServerConn& last = conns.back();
  INFO(describe(last));
  REQUIRE(last.handshake_ok);
  CHECK(last.info.resumed);
  CHECK_FALSE(last.info.early_data_accepted);
  CHECK(last.early.empty());
  CHECK(last.received == "after\n");
  CHECK(count(last.got, kClientHello) == 2);
  CHECK(contains(refused.output, "Reused, TLSv1.3"));
  CHECK(contains(refused.output, "Early data was rejected"));
  CHECK(contains(refused.output, std::string(kEchoPrefix) + "after"));
}

// A TCP relay for one connection: client -> relay -> server, both ways, recording what the client sent
// before the server's first byte (its first flight: ClientHello, CCS and 0-RTT records).
class Relay {
 public:
  explicit Relay(uint16_t server_port) {
    std::string err;
    listen_fd_ = net::listen_tcp("127.0.0.1", 0, &err, &port_);
    REQUIRE_MESSAGE(listen_fd_ >= 0, err);
    thread_ = std::thread([this, server_port] { run(server_port); });
  }
  ~Relay() {
    if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
    join();
  }
  uint16_t port() const { return port_; }
  std::string join() {
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) net::close_fd(listen_fd_);
    listen_fd_ = -1;
    return first_flight_;
  }

 private:
  void run(uint16_t server_port) {
    int a = accept_with_timeout(listen_fd_, 10000);
    if (a < 0) return;
    std::string err;
    int b = net::connect_tcp("127.0.0.1", server_port, &err);
    if (b < 0) {
      net::close_fd(a);
      return;
    }
    bool server_spoke = false;
    int64_t until = monotonic_ms() + 10000;
    char buf[16384];
    while (monotonic_ms() < until) {
      pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(fds, 2, 100) <= 0) continue;
      bool done = false;
      for (int i = 0; i < 2 && !done; i++) {
        if (fds[i].revents == 0) continue;
        ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
        if (n <= 0) {
          done = true;
          break;
        }
        if (i == 0 && !server_spoke) first_flight_.append(buf, static_cast<size_t>(n));
        if (i == 1) server_spoke = true;
        if (::send(fds[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) done = true;
      }
      if (done) break;
    }
    net::close_fd(a);
    net::close_fd(b);
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string first_flight_;
};

TEST_CASE("server vs openssl s_client -early_data: a replayed first flight gets no 0-RTT") {
  REQUIRE(have_program("openssl"));
  std::string early_file = tmp_path("s_client13_replayed.txt");
  {
    std::ofstream f(early_file, std::ios::binary);
    f << "early once\n";
  }
  ServerCase sc;
  sc.max_early_data = 4096;
  SanstlsServer server(make_server_config(sc), 3);
  std::string sess = tmp_path("s_client13_replayed.sess");
  ClientResult first = run_peer_client(s_client_argv(server.port(), {"-sess_out", sess}), "first\n");
  INFO(first.output);
  // The 0-RTT connection goes through a relay that keeps a copy of the client's first flight.
  std::string flight;
  {
    Relay relay(server.port());
    ClientResult once =
        run_peer_client(s_client_argv(relay.port(), {"-sess_in", sess, "-early_data", early_file}), "");
    INFO(once.output);
    CHECK(contains(once.output, "Early data was accepted"));
    flight = relay.join();
  }
  REQUIRE(flight.size() > 5);
  CHECK(contains(flight, std::string("\x17\x03\x03", 3)));  // the 0-RTT record is in the copy
  // An attacker replays it on a new connection (and cannot go on: it has no keys).
  {
    std::string err;
    int fd = net::connect_tcp("127.0.0.1", server.port(), &err);
    REQUIRE_MESSAGE(fd >= 0, err);
    set_socket_timeouts(fd, 1000);
    CHECK(::send(fd, flight.data(), flight.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(flight.size()));
    char buf[4096];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
    net::close_fd(fd);
  }
  std::vector<ServerConn> conns = server.join();
  REQUIRE(conns.size() == 3);
  INFO(describe(conns[1]));
  INFO(describe(conns[2]));
  REQUIRE(conns[1].handshake_ok);
  CHECK(conns[1].info.early_data_accepted);
  CHECK(conns[1].early == "early once\n");
  // The replay: the server answered (a ServerHello, the PSK still resumes) but took no early data.
  CHECK(count(conns[2].sent, kServerHello) == 1);
  CHECK_FALSE(conns[2].handshake_ok);
  CHECK(conns[2].early.empty());
  CHECK(conns[2].received.empty());
}

TEST_CASE("server vs openssl s_client -tls1_3: HelloRetryRequest with resumption") {
  REQUIRE(have_program("openssl"));
  ServerCase sc;
  sc.groups = {kP256};
  auto config = make_server_config(sc);
  std::string sess = tmp_path("s_client13_hrr.sess");
  SanstlsServer server(config, 2);
  ClientResult first = run_peer_client(s_client_argv(server.port(), {"-sess_out", sess}), "first\n");
  INFO(first.output);
  ClientResult second = run_peer_client(s_client_argv(server.port(), {"-sess_in", sess}), "second\n");
  INFO(second.output);
  std::vector<ServerConn> conns = server.join();
  REQUIRE(conns.size() == 2);
  INFO(describe(conns[1]));
  REQUIRE(conns[1].handshake_ok);
  CHECK(conns[1].info.resumed);
  CHECK(count(conns[1].got, kClientHello) == 2);
  CHECK(contains(second.output, "Reused, TLSv1.3"));
  CHECK(contains(second.output, std::string(kEchoPrefix) + "second"));
}

TEST_CASE("server vs openssl s_client -tls1_3: small fragments, padded records, no middlebox compatibility") {
  REQUIRE(have_program("openssl"));
  ServerCase sc;
  sc.client_auth = ClientAuth::required;
  auto config = make_server_config(sc);
  std::string big;
  for (int i = 0; big.size() < 40000; i++) big += "chunk " + std::to_string(i) + " ";
  big += "\n";
  for (std::vector<std::string> args : {std::vector<std::string>{"-max_send_frag", "512"},
                                        std::vector<std::string>{"-record_padding", "1000"},
                                        std::vector<std::string>{"-no_middlebox"}}) {
    std::string variant = args[0];
    CAPTURE(variant);
    SanstlsServer server(config, 1);
    ClientResult cr = run_peer_client(
        s_client_argv(server.port(), concat_args(args, {"-nocommands", "-cert", cert("client_ec.pem"), "-key",
                                                         cert("client_ec.key.pem")})),
        big);
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output.substr(0, 3000));
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK(conns[0].info.client_authenticated);
    CHECK(conns[0].received == big);
    CHECK(contains(cr.output, kEchoPrefix + big));
    CHECK((count(conns[0].got, 0xff) == 0) == (variant == "-no_middlebox"));
  }
}

TEST_CASE("server vs openssl s_client: KeyUpdate from the client ('k' and 'K' on its stdin)") {
  REQUIRE(have_program("openssl"));
  for (const char* cmd : {"k\n", "K\n"}) {
    std::string command = cmd;
    CAPTURE(command);
    SanstlsServer server(make_server_config({}), 1);
    std::string err;
    std::unique_ptr<Peer> p = Peer::start(s_client_argv(server.port(), {"-msg"}), kPeerDeadlineMs, &err);
    REQUIRE_MESSAGE(p != nullptr, err);
    REQUIRE_MESSAGE(p->wait_for_output("Verify return code", kIoTimeoutMs), p->output());
    // s_client drops the rest of a read that held a command: the data line goes in a later write.
    REQUIRE(p->write_stdin(cmd));
    CHECK(eventually([&] { return server.received_count(kKeyUpdate) >= 1; }, kIoTimeoutMs));
    REQUIRE(p->write_stdin("after update\n"));
    CHECK(p->wait_for_output(std::string(kEchoPrefix) + "after update", kIoTimeoutMs));
    p->close_stdin();
    p->wait_exit(kIoTimeoutMs);
    std::vector<ServerConn> conns = server.join();
    std::string out = p->output();
    INFO(out);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK_FALSE(conns[0].failed);
    CHECK(count(conns[0].got, kKeyUpdate) == 1);
    CHECK(conns[0].received == "after update\n");
    CHECK(contains(out, ">>> TLS 1.3, Handshake [length 0005], KeyUpdate"));
    // update_requested ('K'): the server answered with its own KeyUpdate.
    CHECK(count(conns[0].sent, kKeyUpdate) == (command == "K\n" ? 1 : 0));
    CHECK(contains(out, "<<< TLS 1.3, Handshake [length 0005], KeyUpdate") == (command == "K\n"));
  }
}

TEST_CASE("server vs openssl s_client: KeyUpdate from sanstls, requested") {
  REQUIRE(have_program("openssl"));
  SanstlsServer server(make_server_config({}), 1, [](BlockingStream& s, ServerConn& c) {
    Status st = s.connection().key_update(true);
    if (!st.ok()) {
      c.failed = true;
      c.error = st.error();
      return false;
    }
    return s.flush().ok();
  });
  std::string err;
  std::unique_ptr<Peer> p = Peer::start(s_client_argv(server.port(), {"-msg"}), kPeerDeadlineMs, &err);
  REQUIRE_MESSAGE(p != nullptr, err);
  REQUIRE_MESSAGE(p->wait_for_output("<<< TLS 1.3, Handshake [length 0005], KeyUpdate", kIoTimeoutMs), p->output());
  REQUIRE(p->write_stdin("after server update\n"));
  CHECK(p->wait_for_output(std::string(kEchoPrefix) + "after server update", kIoTimeoutMs));
  p->close_stdin();
  p->wait_exit(kIoTimeoutMs);
  std::vector<ServerConn> conns = server.join();
  INFO(p->output());
  REQUIRE(conns.size() == 1);
  INFO(describe(conns[0]));
  CHECK_FALSE(conns[0].failed);
  CHECK(count(conns[0].sent, kKeyUpdate) == 1);
  CHECK(count(conns[0].got, kKeyUpdate) == 1);  // OpenSSL answered update_requested
  CHECK(conns[0].received == "after server update\n");
}

TEST_CASE("server (TLS 1.2 and 1.3) vs openssl s_client limited to TLS 1.2: the downgrade sentinel") {
  REQUIRE(have_program("openssl"));
  auto config = make_server_config({});
  // -tls1_2: a TLS 1.2-only client. -max_protocol TLSv1.2: the same from the config side. OpenSSL
  // checks the sentinel only when it offered TLS 1.3, so both must succeed.
  for (std::vector<std::string> args :
       {std::vector<std::string>{"-tls1_2"}, std::vector<std::string>{"-max_protocol", "TLSv1.2"}}) {
    std::string how = args[0];
    CAPTURE(how);
    SanstlsServer server(config, 1);
    ClientResult cr = run_peer_client(s_client_argv(server.port(), args, ""), "tls12\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK(conns[0].info.version == 0x0303);
    REQUIRE(conns[0].server_random.size() == 32);
    CHECK(std::equal(kDowngradeTls12, kDowngradeTls12 + 8, conns[0].server_random.begin() + 24));
    CHECK(contains(cr.output, "    Protocol  : TLSv1.2\n"));
    CHECK(contains(cr.output, std::string(kEchoPrefix) + "tls12"));
  }
  // A server pinned to TLS 1.2 writes no sentinel: a TLS 1.3 client (which checks it) connects.
  ServerCase only12;
  only12.max_version = 0x0303;
  SanstlsServer server(make_server_config(only12), 1);
  ClientResult cr = run_peer_client(s_client_argv(server.port(), {}, ""), "pinned\n");
  std::vector<ServerConn> conns = server.join();
  INFO(cr.output);
  REQUIRE(conns.size() == 1);
  INFO(describe(conns[0]));
  REQUIRE(conns[0].handshake_ok);
  CHECK(conns[0].info.version == 0x0303);
  REQUIRE(conns[0].server_random.size() == 32);
  CHECK_FALSE(std::equal(kDowngradeTls12, kDowngradeTls12 + 7, conns[0].server_random.begin() + 24));
  CHECK(contains(cr.output, std::string(kEchoPrefix) + "pinned"));
}

// ---------------------------------------------------------------------------------------------------
// gnutls-cli

const char* gnutls_cipher(const std::string& suite) {
  return suite == "TLS_AES_128_GCM_SHA256" ? "AES-128-GCM" : suite == "TLS_AES_256_GCM_SHA384" ? "AES-256-GCM" : "CHACHA20-POLY1305";
}
const char* gnutls_group(uint16_t g) {
  return g == kX25519 ? "GROUP-X25519" : g == kP256 ? "GROUP-SECP256R1" : g == kP384 ? "GROUP-SECP384R1" : "GROUP-FFDHE2048";
}

std::vector<std::string> gnutls_cli_argv(uint16_t port, const std::string& priority, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {"gnutls-cli", "-p", std::to_string(port), "--x509cafile", cert("ca.pem"),
                                   "--sni-hostname", "localhost", "--verify-hostname", "localhost",
                                   "--priority", priority};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("127.0.0.1");
  return argv;
}

const std::string kGnutls13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+GROUP-ALL";

TEST_CASE("server vs gnutls-cli (TLS 1.3): every suite, group and server key") {
  REQUIRE(have_program("gnutls-cli"));
  auto config = make_server_config({});
  for (const char* suite : kSuites13) {
    for (uint16_t group : {kX25519, kP256, kP384, kFfdhe2048}) {
      for (bool ecdsa : {false, true}) {
        std::string suite_name = suite;
        CAPTURE(suite_name);
        CAPTURE(group);
        CAPTURE(ecdsa);
        std::string priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+" + std::string(gnutls_cipher(suite_name)) +
                               ":-GROUP-ALL:+" + gnutls_group(group) + ":-SIGN-ALL:+" +
                               (ecdsa ? "SIGN-ECDSA-SECP256R1-SHA256" : "SIGN-RSA-PSS-RSAE-SHA256");
        SanstlsServer server(config, 1);
        std::string line = "hello " + suite_name + "\n";
        ClientResult cr = run_peer_client(gnutls_cli_argv(server.port(), priority, {}), line);
        std::vector<ServerConn> conns = server.join();
        INFO(cr.output);
        REQUIRE(conns.size() == 1);
        INFO(describe(conns[0]));
        REQUIRE(conns[0].handshake_ok);
        CHECK(conns[0].info.version == 0x0304);
        CHECK(conns[0].info.cipher_suite == find_suite_by_name(suite)->id);
        CHECK(conns[0].info.group == group);
        CHECK(conns[0].info.signature_scheme == (ecdsa ? kEcdsaP256Sha256 : kRsaPssRsaeSha256));
        CHECK(count(conns[0].got, kClientHello) == 1);
        CHECK(conns[0].received == line);
        // (gnutls-cli leaves on our close_notify without sending its own: no peer_closed_clean here.)
        CHECK(contains(cr.output, "Handshake was completed"));
        CHECK(contains(cr.output, "(TLS1.3"));
        CHECK(contains(cr.output, kEchoPrefix + line));
        CHECK(contains(cr.output, "Peer has closed the GnuTLS connection"));
      }
    }
  }
}

TEST_CASE("server vs gnutls-cli (TLS 1.3): HelloRetryRequest") {
  REQUIRE(have_program("gnutls-cli"));
  // GnuTLS sends shares for its first groups (X25519, P-256); a server that takes only P-384 or
  // ffdhe2048 asks again.
  for (uint16_t group : {kP384, kFfdhe2048}) {
    CAPTURE(group);
    ServerCase sc;
    sc.groups = {group};
    SanstlsServer server(make_server_config(sc), 1);
    ClientResult cr = run_peer_client(gnutls_cli_argv(server.port(), kGnutls13, {}), "hrr\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK(conns[0].info.group == group);
    CHECK(count(conns[0].got, kClientHello) == 2);
    CHECK(contains(cr.output, std::string(kEchoPrefix) + "hrr"));
  }
}

TEST_CASE("server vs gnutls-cli (TLS 1.3): client certificates") {
  REQUIRE(have_program("gnutls-cli"));
  ServerCase sc;
  sc.client_auth = ClientAuth::required;
  auto config = make_server_config(sc);
  for (const char* name : {"client", "client_ec"}) {
    std::string cert_name = name;
    CAPTURE(cert_name);
    SanstlsServer server(config, 1);
    ClientResult cr = run_peer_client(
        gnutls_cli_argv(server.port(), kGnutls13,
                        {"--x509certfile", cert(cert_name + ".pem"), "--x509keyfile", cert(cert_name + ".key.pem")}),
        "cert\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK(conns[0].info.client_authenticated);
    CHECK(conns[0].received == "cert\n");
    CHECK(contains(cr.output, std::string(kEchoPrefix) + "cert"));
  }
  SanstlsServer server(config, 1);
  ClientResult cr = run_peer_client(gnutls_cli_argv(server.port(), kGnutls13, {}), "none\n");
  std::vector<ServerConn> conns = server.join();
  INFO(cr.output);
  REQUIRE(conns.size() == 1);
  INFO(describe(conns[0]));
  CHECK_FALSE(conns[0].handshake_ok);
  CHECK(conns[0].error.alert == AlertDescription::certificate_required);
  CHECK_FALSE(contains(cr.output, kEchoPrefix));
}

TEST_CASE("server vs gnutls-cli --resume --earlydata (TLS 1.3): resumption and 0-RTT") {
  REQUIRE(have_program("gnutls-cli"));
  ServerCase sc;
  sc.max_early_data = 4096;
  auto config = make_server_config(sc);
  SUBCASE("resumption") {
    SanstlsServer server(config, 2);
    ClientResult cr = run_peer_client(gnutls_cli_argv(server.port(), kGnutls13, {"--resume"}), "resumed\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 2);
    INFO(describe(conns[0]));
    INFO(describe(conns[1]));
    REQUIRE(conns[1].handshake_ok);
    CHECK(conns[1].info.resumed);
    CHECK(contains(cr.output, "This is a resumed session"));
    CHECK(contains(cr.output, std::string(kEchoPrefix) + "resumed"));
  }
  SUBCASE("0-RTT") {
    std::string early_file = tmp_path("gnutls_cli13_early.txt");
    {
      std::ofstream f(early_file, std::ios::binary);
      f << "early gnutls\n";
    }
    SanstlsServer server(config, 2);
    ClientResult cr =
        run_peer_client(gnutls_cli_argv(server.port(), kGnutls13, {"--resume", "--earlydata=" + early_file}), "late\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 2);
    INFO(describe(conns[0]));
    INFO(describe(conns[1]));
    REQUIRE(conns[1].handshake_ok);
    CHECK(conns[1].info.resumed);
    CHECK(conns[1].info.early_data_accepted);
    CHECK(conns[1].early == "early gnutls\n");
    CHECK(contains(cr.output, std::string(kEchoPrefix) + "early gnutls"));
  }
}

TEST_CASE("server vs gnutls-cli --inline-commands: KeyUpdate from GnuTLS (^rekey^, ^rekey1^)") {
  REQUIRE(have_program("gnutls-cli"));
  for (const char* cmd : {"^rekey^\n", "^rekey1^\n"}) {
    std::string command = cmd;
    CAPTURE(command);
    SanstlsServer server(make_server_config({}), 1);
    std::string err;
    std::unique_ptr<Peer> p =
        Peer::start(gnutls_cli_argv(server.port(), kGnutls13, {"--inline-commands"}), kPeerDeadlineMs, &err);
    REQUIRE_MESSAGE(p != nullptr, err);
    REQUIRE_MESSAGE(p->wait_for_output("Handshake was completed", kIoTimeoutMs), p->output());
    REQUIRE(p->write_stdin(cmd));
    CHECK(eventually([&] { return server.received_count(kKeyUpdate) >= 1; }, kIoTimeoutMs));
    REQUIRE(p->write_stdin("after rekey\n"));
    CHECK(p->wait_for_output(std::string(kEchoPrefix) + "after rekey", kIoTimeoutMs));
    p->close_stdin();
    p->wait_exit(kIoTimeoutMs);
    std::vector<ServerConn> conns = server.join();
    INFO(p->output());
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    CHECK_FALSE(conns[0].failed);
    CHECK(count(conns[0].got, kKeyUpdate) == 1);
    CHECK(conns[0].received == "after rekey\n");
    // ^rekey^ asks the peer to update too (update_requested); ^rekey1^ does not.
    CHECK(count(conns[0].sent, kKeyUpdate) == (command == "^rekey^\n" ? 1 : 0));
  }
}

TEST_CASE("server (TLS 1.2 and 1.3) vs gnutls-cli limited to TLS 1.2") {
  REQUIRE(have_program("gnutls-cli"));
  SanstlsServer server(make_server_config({}), 1);
  ClientResult cr = run_peer_client(gnutls_cli_argv(server.port(), "NORMAL:-VERS-ALL:+VERS-TLS1.2", {}), "tls12\n");
  std::vector<ServerConn> conns = server.join();
  INFO(cr.output);
  REQUIRE(conns.size() == 1);
  INFO(describe(conns[0]));
  REQUIRE(conns[0].handshake_ok);
  CHECK(conns[0].info.version == 0x0303);
  REQUIRE(conns[0].server_random.size() == 32);
  CHECK(std::equal(kDowngradeTls12, kDowngradeTls12 + 8, conns[0].server_random.begin() + 24));
  CHECK(contains(cr.output, "(TLS1.2"));
  CHECK(contains(cr.output, std::string(kEchoPrefix) + "tls12"));
}

}  // namespace
}  // namespace testing
}  // namespace sanstls
