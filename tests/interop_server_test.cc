// Interop: the sanstls server (through the blocking adapter, in a thread of the test) against real
// clients, `openssl s_client` and `gnutls-cli`, on 127.0.0.1. Each peer runs with a hard deadline
// (tests/peer.h); the server thread's accept and socket I/O have time-outs.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/handshake.h"
#include "core/suites.h"
#include "tests/pair.h"
#include "tests/peer.h"
#include "tests/testdata.h"
#include "tools/adapters/blocking.h"
#include "tools/adapters/socket.h"

namespace sanstls {
namespace testing {
namespace {

constexpr int kPeerDeadlineMs = 15000;
constexpr int kIoTimeoutMs = 5000;
const char* kEchoPrefix = "sanstls echo: ";
// The first seed of "short-yc-<n>" whose client DHE value starts with a zero byte (found by the search
// in the test below; kept so that the test does not repeat the search each run).
constexpr int kShortYcSeed = 289;

std::string cert(const std::string& name) { return runfile("tests/certs/" + name); }

// What the server saw of one connection.
struct ServerConn {
  bool handshake_ok = false;
  Error error;
  std::string transport_error;
  HandshakeInfo info;
  std::string received;      // the first line from the client (or what came before its close)
  bool peer_closed_clean = false;  // the client's close_notify arrived
  std::optional<uint16_t> client_record_size_limit;  // record_size_limit in the ClientHello received
  std::optional<uint16_t> server_record_size_limit;  // record_size_limit in the ServerHello sent
};

// Reads the record_size_limit extension out of a traced ClientHello or ServerHello (header + body).
void note_record_size_limit(const Event& ev, ServerConn* c) {
  if (ev.type != Event::Type::handshake_message || ev.data.size() < 4) return;
  ByteView body = ev.data.sub(4);
  if (ev.direction == Direction::received && ev.message_type == 1) {
    ClientHello ch;
    if (decode_client_hello(body, &ch).ok()) c->client_record_size_limit = ch.extensions.record_size_limit;
  } else if (ev.direction == Direction::sent && ev.message_type == 2) {
    ServerHello sh;
    if (decode_server_hello(body, &sh).ok()) c->server_record_size_limit = sh.extensions.record_size_limit;
  }
}

std::string describe(const ServerConn& c) {
  std::string s = "handshake_ok=" + std::to_string(c.handshake_ok);
  if (!c.handshake_ok || !c.transport_error.empty()) s += " error=" + c.error.to_string() + " transport=" + c.transport_error;
  s += " received=[" + c.received + "] peer_closed_clean=" + std::to_string(c.peer_closed_clean);
  return s;
}

// A sanstls server on 127.0.0.1:<free port> in a thread. For each of `connections` connections it
// handshakes, reads one line, answers kEchoPrefix + line, sends close_notify and waits (briefly) for
// the client's close_notify. A connection that closes before sending a line is just closed.
class SanstlsServer {
 public:
  SanstlsServer(std::shared_ptr<const ServerConfig> config, int connections) : config_(std::move(config)) {
    std::string err;
    listen_fd_ = net::listen_tcp("127.0.0.1", 0, &err, &port_);
    REQUIRE_MESSAGE(listen_fd_ >= 0, err);
    thread_ = std::thread([this, connections] { run(connections); });
  }
  // On an early exit of the test, wakes the thread from accept() at once.
  ~SanstlsServer() {
    if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
    join();
  }

  uint16_t port() const { return port_; }
  // Waits for the thread (it ends after its connections or an accept time-out) and returns the results.
  std::vector<ServerConn> join() {
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) net::close_fd(listen_fd_);
    listen_fd_ = -1;
    std::lock_guard<std::mutex> lock(mu_);
    return conns_;
  }

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

  ServerConn serve(int fd) {
    ServerConn c;
    set_socket_timeouts(fd, kIoTimeoutMs);
    auto rng = crypto::make_system_rng();
    SystemClock clock;
    BlockingStream stream(fd, Connection::server(config_, *rng, clock));
    stream.connection().set_trace(true);
    stream.on_event = [&c](const Event& ev) { note_record_size_limit(ev, &c); };
    Status hs = stream.handshake();
    if (!hs.ok()) {
      c.error = hs.error();
      c.transport_error = stream.transport_error();
      return c;
    }
    c.handshake_ok = true;
    c.info = *stream.connection().info();
    uint8_t buf[4096];
    bool peer_closed = false;
    while (c.received.find('\n') == std::string::npos) {
      Result<size_t> r = stream.read(buf, sizeof buf);
      if (!r.ok()) {
        c.error = r.error();
        c.transport_error = stream.transport_error();
        return c;
      }
      if (r.value() == 0) {
        peer_closed = true;
        c.peer_closed_clean = true;
        break;
      }
      c.received.append(reinterpret_cast<const char*>(buf), r.value());
    }
    if (!peer_closed) {
      Status w = stream.write_all(ByteView::of(kEchoPrefix + c.received));
      if (!w.ok()) {
        c.error = w.error();
        c.transport_error = stream.transport_error();
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
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<ServerConn> conns_;
};

struct ServerCase {
  std::string suites;  // "" = defaults
  ClientAuth client_auth = ClientAuth::none;
  std::vector<std::string> alpn;
};

std::shared_ptr<const ServerConfig> make_server_config(const ServerCase& sc) {
  ServerConfig::Builder b;
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  if (!sc.suites.empty()) b.cipher_suite_names(sc.suites);
  if (sc.client_auth != ClientAuth::none) b.client_auth(sc.client_auth, read_file("tests/certs/ca.pem"));
  if (!sc.alpn.empty()) b.alpn(sc.alpn);
  Built<ServerConfig> built = b.build();
  if (!built.ok()) FAIL("server config: " << built.error);
  return built.config;
}

// Runs a client command to its end: writes `input` to its stdin (kept open, so that the client leaves
// when the server closes), waits for it to exit, and returns its output.
struct ClientResult {
  int exit_code = -1;
  std::string output;
};

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

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// Whether s_client's output reports a "New" or "Reused" TLS 1.2 session with this suite. (Its
// "New, TLSv1.0, Cipher is X" line names the suite's minimum version, not the negotiated one.)
bool s_client_says(const std::string& out, const std::string& new_or_reused, const std::string& suite) {
  return contains(out, "\n" + new_or_reused + ", ") && contains(out, "Cipher is " + suite + "\n") &&
         contains(out, "    Cipher    : " + suite + "\n") && contains(out, "    Protocol  : TLSv1.2\n");
}

// ---------------------------------------------------------------------------------------------------
// openssl s_client

std::vector<std::string> s_client_argv(uint16_t port, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {"stdbuf", "-oL", "openssl", "s_client", "-connect",
                                   "127.0.0.1:" + std::to_string(port), "-tls1_2", "-servername", "localhost",
                                   "-CAfile", cert("ca.pem"), "-verify_return_error", "-verify_hostname",
                                   "localhost"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

TEST_CASE("server vs openssl s_client: every suite") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  auto config = make_server_config({});
  for (uint16_t id : default_tls12_suites()) {
    const CipherSuite* s = find_suite(id);
    std::string suite_name = s->openssl_name;
    CAPTURE(suite_name);
    SanstlsServer server(config, 1);
    std::string line = std::string("hello ") + s->openssl_name + "\n";
    ClientResult cr = run_peer_client(s_client_argv(server.port(), {"-cipher", s->openssl_name}), line);
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK(conns[0].info.cipher_suite == id);
    CHECK(conns[0].info.extended_master_secret);
    CHECK(conns[0].info.encrypt_then_mac == !s->is_aead());
    CHECK(conns[0].info.server_name == "localhost");
    CHECK(conns[0].received == line);
    CHECK(conns[0].peer_closed_clean);
    CHECK(s_client_says(cr.output, "New", s->openssl_name));
    CHECK(contains(cr.output, "Verify return code: 0 (ok)"));
    CHECK(contains(cr.output, kEchoPrefix + line));
    CHECK(cr.exit_code == 0);
  }
}

TEST_CASE("server vs openssl s_client: CBC without encrypt-then-mac") {
  REQUIRE(have_program("openssl"));
  for (const char* name : {"ECDHE-ECDSA-AES128-SHA", "AES128-SHA256"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    SanstlsServer server(make_server_config({}), 1);
    ClientResult cr = run_peer_client(s_client_argv(server.port(), {"-cipher", name, "-no_etm"}), "no etm\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK_FALSE(conns[0].info.encrypt_then_mac);
    CHECK(conns[0].received == "no etm\n");
    CHECK(contains(cr.output, std::string(kEchoPrefix) + "no etm"));
  }
}

TEST_CASE("server vs openssl s_client: client certificates") {
  REQUIRE(have_program("openssl"));
  ServerCase sc;
  sc.client_auth = ClientAuth::required;
  auto config = make_server_config(sc);
  SUBCASE("presented") {
    for (const char* name : {"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "DHE-RSA-AES128-GCM-SHA256",
                             "AES256-SHA"}) {
      std::string suite_name = name;
    CAPTURE(suite_name);
      SanstlsServer server(config, 1);
      ClientResult cr = run_peer_client(
          s_client_argv(server.port(), {"-cipher", name, "-cert", cert("client.pem"), "-key", cert("client.key.pem")}),
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
  SUBCASE("missing") {
    SanstlsServer server(config, 1);
    ClientResult cr = run_peer_client(s_client_argv(server.port(), {}), "no cert\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    CHECK_FALSE(conns[0].handshake_ok);
    CHECK(conns[0].error.alert == AlertDescription::handshake_failure);
    CHECK(contains(cr.output, "alert handshake failure"));
    CHECK_FALSE(contains(cr.output, kEchoPrefix));
  }
  SUBCASE("from an unknown CA") {
    SanstlsServer server(config, 1);
    ClientResult cr = run_peer_client(
        s_client_argv(server.port(), {"-cert", cert("unknown_ca.pem"), "-key", cert("unknown_ca.key.pem")}),
        "bad cert\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    CHECK_FALSE(conns[0].handshake_ok);
    CHECK(conns[0].error.alert == AlertDescription::unknown_ca);
    CHECK(contains(cr.output, "alert unknown ca"));
  }
}

TEST_CASE("server vs openssl s_client: session resumption") {
  REQUIRE(have_program("openssl"));
  auto config = make_server_config({});
  for (const char* name : {"ECDHE-ECDSA-AES128-GCM-SHA256", "DHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA-AES256-SHA"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    std::string sess = tmp_path(std::string("s_client_") + name + ".sess");
    SanstlsServer server(config, 2);
    ClientResult first =
        run_peer_client(s_client_argv(server.port(), {"-cipher", name, "-sess_out", sess}), "first\n");
    INFO(first.output);
    ClientResult second =
        run_peer_client(s_client_argv(server.port(), {"-cipher", name, "-sess_in", sess}), "second\n");
    INFO(second.output);
    std::vector<ServerConn> conns = server.join();
    REQUIRE(conns.size() == 2);
    INFO(describe(conns[0]));
    INFO(describe(conns[1]));
    REQUIRE(conns[0].handshake_ok);
    REQUIRE(conns[1].handshake_ok);
    CHECK_FALSE(conns[0].info.resumed);
    CHECK(conns[1].info.resumed);
    CHECK(conns[1].info.cipher_suite == find_suite_by_name(name)->id);
    CHECK(s_client_says(first.output, "New", name));
    CHECK(s_client_says(second.output, "Reused", name));
    CHECK(contains(second.output, std::string(kEchoPrefix) + "second"));
  }
}

TEST_CASE("server vs openssl s_client: ALPN") {
  REQUIRE(have_program("openssl"));
  ServerCase sc;
  sc.alpn = {"http/1.1", "h2"};
  SanstlsServer server(make_server_config(sc), 1);
  ClientResult cr = run_peer_client(s_client_argv(server.port(), {"-alpn", "h2,http/1.1"}), "alpn\n");
  std::vector<ServerConn> conns = server.join();
  INFO(cr.output);
  REQUIRE(conns.size() == 1);
  INFO(describe(conns[0]));
  REQUIRE(conns[0].handshake_ok);
  // Server preference order wins.
  CHECK(conns[0].info.alpn == "http/1.1");
  CHECK(contains(cr.output, "ALPN protocol: http/1.1"));
  CHECK(contains(cr.output, std::string(kEchoPrefix) + "alpn"));
}

TEST_CASE("server vs openssl s_client: the client's signature_algorithms choose the server's signature") {
  REQUIRE(have_program("openssl"));
  auto config = make_server_config({});
  struct Sig {
    const char* suite;
    const char* sigalgs;
    uint16_t scheme;
  };
  const Sig cases[] = {
      {"ECDHE-RSA-AES128-GCM-SHA256", "RSA+SHA512", 0x0601},
      {"DHE-RSA-AES128-GCM-SHA256", "RSA+SHA384", 0x0501},
      {"ECDHE-RSA-CHACHA20-POLY1305", "RSA-PSS+SHA512", 0x0806},
      {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDSA+SHA256", 0x0403},
      // TLS 1.2: ecdsa_secp384r1_sha384 means ECDSA with SHA-384 on any curve; the key here is P-256.
      {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDSA+SHA384", 0x0503},
  };
  for (const Sig& sig : cases) {
    std::string suite_name = sig.suite, sigalgs = sig.sigalgs;
    CAPTURE(suite_name);
    CAPTURE(sigalgs);
    SanstlsServer server(config, 1);
    ClientResult cr =
        run_peer_client(s_client_argv(server.port(), {"-cipher", sig.suite, "-sigalgs", sig.sigalgs}), "sig\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK(conns[0].info.signature_scheme == sig.scheme);
    CHECK(contains(cr.output, std::string(kEchoPrefix) + "sig"));
  }
}

TEST_CASE("server vs openssl s_client -max_send_frag 512: fragmented client flight, bulk data") {
  REQUIRE(have_program("openssl"));
  ServerCase sc;
  sc.client_auth = ClientAuth::required;
  auto config = make_server_config(sc);
  for (const char* name : {"ECDHE-ECDSA-AES256-GCM-SHA384", "AES128-SHA256"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    std::string big;
    for (int i = 0; big.size() < 40000; i++) big += "chunk " + std::to_string(i) + " ";
    big += "\n";
    SanstlsServer server(config, 1);
    ClientResult cr = run_peer_client(
        s_client_argv(server.port(), {"-cipher", name, "-nocommands", "-max_send_frag", "512", "-cert", cert("client.pem"), "-key",
                                      cert("client.key.pem")}),
        big);
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output.substr(0, 3000));
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]).substr(0, 300));
    REQUIRE(conns[0].handshake_ok);
    CHECK(conns[0].info.client_authenticated);
    CHECK(conns[0].received == big);
    CHECK(contains(cr.output, kEchoPrefix + big));
  }
}

TEST_CASE("server vs openssl s_client: renegotiation is refused") {
  REQUIRE(have_program("openssl"));
  SanstlsServer server(make_server_config({}), 1);
  // "R" on s_client's stdin: SSL_renegotiate, a new ClientHello inside the connection.
  ClientResult cr = run_peer_client(s_client_argv(server.port(), {}), "R\n");
  std::vector<ServerConn> conns = server.join();
  INFO(cr.output);
  REQUIRE(conns.size() == 1);
  INFO(describe(conns[0]));
  REQUIRE(conns[0].handshake_ok);
  // sanstls answers no_renegotiation (a warning); OpenSSL, having asked, ends with handshake_failure.
  CHECK(conns[0].error.kind == ErrorKind::alert_received);
  CHECK(conns[0].error.alert == AlertDescription::handshake_failure);
  CHECK(contains(cr.output, "RENEGOTIATING"));
  CHECK(contains(cr.output, "no renegotiation"));
}

// ---------------------------------------------------------------------------------------------------
// A regression found by interop, replayed in memory: GnuTLS (like many TLS 1.2 clients) sends its
// DHE public value dh_Yc as an integer without leading zero bytes, so about one handshake in 256
// carries a Yc shorter than p. The sanstls server refused it ("ClientKeyExchange: bad public value",
// illegal_parameter). Here a sanstls client's ClientKeyExchange whose Yc starts with a zero byte is
// rewritten without that byte: the server must take it. The client's Finished then no longer matches
// the server's transcript (decrypt_error), but it decrypts (no bad_record_mac): the shared secret and
// so the keys were the same.

// Reads a record's header; false when `in` is too short.
bool record_at(ByteView in, size_t off, uint8_t* type, size_t* len) {
  if (in.size() < off + 5) return false;
  *type = in[off];
  *len = (size_t{in[off + 3]} << 8) | in[off + 4];
  return in.size() >= off + 5 + *len;
}

void feed(Connection& to, ByteView data) {
  size_t off = 0;
  for (int guard = 0; guard < 100 && off < data.size(); guard++) {
    Result<size_t> r = to.receive(data.sub(off));
    if (!r.ok()) return;
    off += r.value();
    while (to.next_event()) {
    }
  }
}

TEST_CASE("server: a DHE ClientKeyExchange whose Yc has no leading zero byte is accepted") {
  const char* suite = "DHE-RSA-AES128-GCM-SHA256";
  // Without extended_master_secret the keys do not depend on the transcript, so the rewritten
  // message changes only the Finished check.
  Built<ClientConfig> cbuilt = ClientConfig::Builder()
                                   .trust_anchors_pem(read_file("tests/certs/ca.pem"))
                                   .cipher_suite_names(suite)
                                   .extended_master_secret(false)
                                   .build();
  REQUIRE_MESSAGE(cbuilt.ok(), cbuilt.error);
  auto ccfg = cbuilt.config;
  auto scfg = server_config(suite);
  FixedClock clock(kTestNowMs);
  bool found = false;
  // Seed 0 ... on: the first whose client Yc starts with 0x00 (checked, not assumed).
  for (int seed = kShortYcSeed; seed < kShortYcSeed + 3000 && !found; seed++) {
    auto crng = crypto::make_deterministic_rng(ByteView::of("short-yc-" + std::to_string(seed)));
    auto srng = crypto::make_deterministic_rng(ByteView::of("short-yc-server"));
    Connection client = Connection::client(ccfg, {"localhost", std::nullopt}, *crng, clock);
    Connection server = Connection::server(scfg, *srng, clock);
    feed(server, client.pending_output());
    client.consume_output(client.pending_output().size());
    feed(client, server.pending_output());
    server.consume_output(server.pending_output().size());
    Bytes flight = client.pending_output().to_bytes();
    uint8_t type = 0;
    size_t len = 0;
    REQUIRE(record_at(flight, 0, &type, &len));
    REQUIRE(type == 22);
    // The record holds exactly the ClientKeyExchange: 16, uint24 length, uint16 Yc length, Yc.
    REQUIRE(len >= 6);
    REQUIRE(flight[5] == 16);
    size_t yc_len = (size_t{flight[9]} << 8) | flight[10];
    REQUIRE(len == 6 + yc_len);
    if (flight[11] != 0) continue;
    found = true;
    MESSAGE("seed with a leading zero in Yc: " << seed);
    Bytes cke(flight.begin(), flight.begin() + 5 + static_cast<std::ptrdiff_t>(len));
    Bytes rest(flight.begin() + 5 + static_cast<std::ptrdiff_t>(len), flight.end());
    cke.erase(cke.begin() + 11);  // the leading zero of Yc
    size_t new_yc = yc_len - 1, new_body = new_yc + 2, new_rec = new_body + 4;
    cke[3] = static_cast<uint8_t>(new_rec >> 8);
    cke[4] = static_cast<uint8_t>(new_rec);
    cke[6] = 0;
    cke[7] = static_cast<uint8_t>(new_body >> 8);
    cke[8] = static_cast<uint8_t>(new_body);
    cke[9] = static_cast<uint8_t>(new_yc >> 8);
    cke[10] = static_cast<uint8_t>(new_yc);
    cke.insert(cke.end(), rest.begin(), rest.end());
    feed(server, cke);
    REQUIRE(server.error() != nullptr);
    INFO(server.error()->to_string());
    CHECK(server.error()->alert == AlertDescription::decrypt_error);  // the Finished, not the Yc
  }
  CHECK(found);
}

// ---------------------------------------------------------------------------------------------------
// gnutls-cli

// Every TLS 1.2 suite sanstls speaks, on the GnuTLS side.
const char* kGnutlsTls12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2:+DHE-RSA:+RSA:+AES-128-CBC:+AES-256-CBC:+SHA1:+SHA256";

std::vector<std::string> gnutls_cli_argv(uint16_t port, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {"gnutls-cli", "-p", std::to_string(port), "--x509cafile", cert("ca.pem"),
                                   "--sni-hostname", "localhost", "--verify-hostname", "localhost",
                                   "--priority", kGnutlsTls12};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("127.0.0.1");
  return argv;
}

TEST_CASE("server vs gnutls-cli: every suite (the server allows only that one)") {
  REQUIRE(have_program("gnutls-cli"));
  for (uint16_t id : default_tls12_suites()) {
    const CipherSuite* s = find_suite(id);
    std::string suite_name = s->iana_name;
    CAPTURE(suite_name);
    ServerCase sc;
    sc.suites = s->iana_name;
    SanstlsServer server(make_server_config(sc), 1);
    std::string line = std::string("hello ") + s->iana_name + "\n";
    ClientResult cr = run_peer_client(gnutls_cli_argv(server.port(), {}), line);
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]));
    REQUIRE(conns[0].handshake_ok);
    CHECK(conns[0].info.cipher_suite == id);
    CHECK(conns[0].info.extended_master_secret);
    CHECK(conns[0].info.encrypt_then_mac == !s->is_aead());
    // GnuTLS offers RFC 7919 groups: DHE agrees on ffdhe2048 (0x0100) or better.
    if (s->kx == KeyExchange::dhe_rsa) CHECK(conns[0].info.group >= 0x0100);
    CHECK(conns[0].received == line);
    CHECK(contains(cr.output, "Handshake was completed"));
    CHECK(contains(cr.output, kEchoPrefix + line));
    CHECK(contains(cr.output, "Peer has closed the GnuTLS connection"));
  }
}

TEST_CASE("server vs gnutls-cli: client certificates") {
  REQUIRE(have_program("gnutls-cli"));
  ServerCase sc;
  sc.client_auth = ClientAuth::required;
  for (const char* name : {"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA256"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    sc.suites = name;
    SanstlsServer server(make_server_config(sc), 1);
    ClientResult cr = run_peer_client(
        gnutls_cli_argv(server.port(), {"--x509certfile", cert("client.pem"), "--x509keyfile", cert("client.key.pem")}),
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
}

TEST_CASE("server vs gnutls-cli --resume") {
  REQUIRE(have_program("gnutls-cli"));
  for (const char* name : {"ECDHE-RSA-AES128-GCM-SHA256", "AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    ServerCase sc;
    sc.suites = name;
    SanstlsServer server(make_server_config(sc), 2);
    ClientResult cr = run_peer_client(gnutls_cli_argv(server.port(), {"--resume", "--noticket"}), "resumed\n");
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output);
    REQUIRE(conns.size() == 2);
    INFO(describe(conns[0]));
    INFO(describe(conns[1]));
    REQUIRE(conns[0].handshake_ok);
    REQUIRE(conns[1].handshake_ok);
    CHECK_FALSE(conns[0].info.resumed);
    CHECK(conns[1].info.resumed);
    CHECK(contains(cr.output, "This is a resumed session"));
    CHECK(contains(cr.output, std::string(kEchoPrefix) + "resumed"));
  }
}

TEST_CASE("server vs gnutls-cli: record_size_limit") {
  REQUIRE(have_program("gnutls-cli"));
  for (const char* name : {"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    ServerConfig::Builder b;
    b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
    b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
    // 512: GnuTLS refuses a smaller limit from a server (illegal_parameter), though RFC 8449 allows 64.
    b.cipher_suite_names(name).record_size_limit(512);
    Built<ServerConfig> built = b.build();
    REQUIRE_MESSAGE(built.ok(), built.error);
    SanstlsServer server(built.config, 1);
    // gnutls-cli sends one record per line and drops what does not fit the limit, so its line stays
    // under 512; our answer (prefix + line) does not fit one record and must be split.
    std::string line(500, 'y');
    line += "\n";
    ClientResult cr = run_peer_client(gnutls_cli_argv(server.port(), {}), line);
    std::vector<ServerConn> conns = server.join();
    INFO(cr.output.substr(0, 3000));
    REQUIRE(conns.size() == 1);
    INFO(describe(conns[0]).substr(0, 300));
    REQUIRE(conns[0].handshake_ok);
    // Negotiated: GnuTLS offered a limit, the ServerHello carried ours.
    CHECK(conns[0].client_record_size_limit.has_value());
    CHECK(conns[0].server_record_size_limit == std::optional<uint16_t>(512));
    CHECK(conns[0].received == line);
    CHECK(contains(cr.output, kEchoPrefix + line));
  }
}

}  // namespace
}  // namespace testing
}  // namespace sanstls
