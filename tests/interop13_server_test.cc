// Interop, TLS 1.3: the sanstls server (through the blocking adapter, in a thread of the test) against
// real clients, `openssl s_client -tls1_3` and `gnutls-cli` with a TLS 1.3 priority, on 127.0.0.1.
// Each peer runs with a hard deadline; the server thread's accept and socket I/O have time-outs
// (tests/interop_support.h).
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/suites.h"
#include "tests/interop_support.h"
#include "tools/adapters/socket.h"

namespace sanstls {
namespace testing {
namespace {

const uint8_t kDowngradeTls12[8] = {'D', 'O', 'W', 'N', 'G', 'R', 'D', 1};

// `openssl s_client <version> ... extra` for the server's port ("" = no version option).
ArgvFor s_client13(const std::vector<std::string>& extra, const std::string& version = "-tls1_3") {
  return [extra, version](uint16_t port) { return s_client_argv(port, version, extra); };
}

// A server hook that runs `op` on the connection after the handshake and flushes what it wrote; a
// failure of op goes into the ServerConn and ends the connection.
SanstlsServer::Options after_handshake(std::function<Status(Connection&)> op) {
  SanstlsServer::Options o;
  o.after_handshake = [op](BlockingStream& s, ServerConn& c) {
    Status st = op(s.connection());
    if (!st.ok()) {
      c.failed = true;
      c.error = st.error();
      return false;
    }
    return s.flush().ok();
  };
  return o;
}

// ---------------------------------------------------------------------------------------------------
// openssl s_client

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
        std::string line = "hello " + suite_name + "\n";
        // The client's signature_algorithms choose the server's certificate.
        ServedRun x = serve_peer_client(config,
                                        s_client13({"-ciphersuites", suite, "-groups", openssl_group(group), "-sigalgs",
                                                    ecdsa ? "ecdsa_secp256r1_sha256" : "rsa_pss_rsae_sha256"}),
                                        line);
        INFO(x.describe());
        const ServerConn& c = x.conns[0];
        REQUIRE(c.handshake_ok);
        CHECK(c.info.version == 0x0304);
        CHECK(c.info.cipher_suite == find_suite_by_name(suite)->id);
        CHECK(c.info.group == group);
        CHECK(c.info.signature_scheme == (ecdsa ? kEcdsaP256Sha256 : kRsaPssRsaeSha256));
        CHECK(c.info.server_name == "localhost");
        CHECK(count(c.got, kClientHello) == 1);
        CHECK(c.received == line);
        CHECK(c.peer_closed_clean);
        CHECK(contains(x.client.output, "New, TLSv1.3, Cipher is " + suite_name + "\n"));
        CHECK(contains(x.client.output, ecdsa ? "Peer signature type: ECDSA" : "Peer signature type: RSA-PSS"));
        CHECK(contains(x.client.output, "Verify return code: 0 (ok)"));
        CHECK(contains(x.client.output, kEchoPrefix + line));
        CHECK(x.client.exit_code == 0);
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
    ServedRun x = serve_peer_client(make_server_config(sc), s_client13({}), "after hrr\n");
    INFO(x.describe());
    REQUIRE(x.conns[0].handshake_ok);
    CHECK(x.conns[0].info.group == group);
    CHECK(count(x.conns[0].got, kClientHello) == 2);
    CHECK(count(x.conns[0].sent, kServerHello) == 2);  // HelloRetryRequest, ServerHello
    CHECK(contains(x.client.output,
                   group == kP256 ? "Server Temp Key: ECDH, prime256v1" : "Server Temp Key: ECDH, secp384r1"));
    CHECK(contains(x.client.output, std::string(kEchoPrefix) + "after hrr"));
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
      ServedRun x = serve_peer_client(
          config, s_client13({"-cert", cert(cert_name + ".pem"), "-key", cert(cert_name + ".key.pem")}), "with cert\n");
      INFO(x.describe());
      REQUIRE(x.conns[0].handshake_ok);
      CHECK(x.conns[0].info.client_authenticated);
      CHECK(x.conns[0].info.peer_chain.size() >= 1);
      CHECK(x.conns[0].received == "with cert\n");
      CHECK(contains(x.client.output, std::string(kEchoPrefix) + "with cert"));
    }
  }
  SUBCASE("missing: certificate_required") {
    ServedRun x = serve_peer_client(config, s_client13({}), "no cert\n");
    INFO(x.describe());
    CHECK_FALSE(x.conns[0].handshake_ok);
    CHECK(x.conns[0].error.alert == AlertDescription::certificate_required);
    CHECK(contains(x.client.output, "alert certificate required"));
    CHECK_FALSE(contains(x.client.output, kEchoPrefix));
  }
  SUBCASE("after the handshake (post_handshake_auth)") {
    ServerCase none;
    none.client_auth = ClientAuth::optional;
    // The handshake asks when client_auth is set; a server without it cannot ask later, so this
    // server asks in the handshake (s_client sends its certificate then) and again afterwards.
    SanstlsServer server(make_server_config(none), 1,
                         after_handshake([](Connection& conn) { return conn.request_client_certificate(); }));
    std::unique_ptr<Peer> p = start_peer(s_client_argv(
        server.port(), "-tls1_3", {"-enable_pha", "-cert", cert("client.pem"), "-key", cert("client.key.pem"), "-msg"}));
    // The client's second Certificate (the answer to the post-handshake request) reaches the server.
    CHECK(eventually([&] { return server.received_count(kCertificate) >= 2; }, kIoTimeoutMs));
    p->write_stdin("after pha\n");
    CHECK(p->wait_for_output(std::string(kEchoPrefix) + "after pha", kIoTimeoutMs));
    ServedRun x = finish_peer_client(*p, server, kIoTimeoutMs);
    INFO(x.describe());
    REQUIRE(x.conns.size() == 1);
    REQUIRE(x.conns[0].handshake_ok);
    CHECK_FALSE(x.conns[0].failed);
    CHECK(x.conns[0].info.client_authenticated);
    CHECK(count(x.conns[0].got, kCertificate) == 2);
    CHECK(occurrences(x.client.output, "CertificateRequest") == 2);
  }
}

TEST_CASE("server vs openssl s_client -tls1_3: resumption with -sess_out / -sess_in") {
  REQUIRE(have_program("openssl"));
  auto config = make_server_config({});
  for (const char* suite : {"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256"}) {
    std::string suite_name = suite;
    CAPTURE(suite_name);
    std::string sess = tmp_path("s_client13_" + suite_name + ".sess");
    ServedRun x = serve_peer_clients(config, {{s_client13({"-ciphersuites", suite, "-sess_out", sess}), "first\n"},
                                              {s_client13({"-ciphersuites", suite, "-sess_in", sess}), "second\n"}});
    INFO(x.describe());
    REQUIRE(x.conns[0].handshake_ok);
    REQUIRE(x.conns[1].handshake_ok);
    CHECK_FALSE(x.conns[0].info.resumed);
    CHECK(x.conns[1].info.resumed);
    CHECK(x.conns[1].info.cipher_suite == find_suite_by_name(suite)->id);
    CHECK(count(x.conns[1].sent, kCertificate) == 0);  // no certificate in a resumed handshake
    CHECK(contains(x.clients[0].output, "New, TLSv1.3, Cipher is " + suite_name));
    CHECK(contains(x.clients[1].output, "Reused, TLSv1.3, Cipher is " + suite_name));
    CHECK(contains(x.clients[1].output, std::string(kEchoPrefix) + "second"));
  }
}

TEST_CASE("server vs openssl s_client -early_data: 0-RTT accepted") {
  REQUIRE(have_program("openssl"));
  ServerCase sc;
  sc.max_early_data = 4096;
  std::string sess = tmp_path("s_client13_early.sess");
  std::string early_file = tmp_file("s_client13_early.txt", "early line\n");
  ServedRun x = serve_peer_clients(make_server_config(sc),
                                   {{s_client13({"-sess_out", sess}), "first\n"},
                                    {s_client13({"-sess_in", sess, "-early_data", early_file}), ""}});
  INFO(x.describe());
  REQUIRE(x.conns[1].handshake_ok);
  CHECK(x.conns[1].info.resumed);
  CHECK(x.conns[1].info.early_data_accepted);
  CHECK(x.conns[1].early == "early line\n");
  CHECK(x.conns[1].received == "early line\n");
  CHECK(contains(x.clients[1].output, "Reused, TLSv1.3"));
  CHECK(contains(x.clients[1].output, "Early data was accepted"));
  CHECK(contains(x.clients[1].output, std::string(kEchoPrefix) + "early line"));
}

TEST_CASE("server vs openssl s_client -early_data: after a HelloRetryRequest 0-RTT is refused and skipped") {
  REQUIRE(have_program("openssl"));
  std::string early_file = tmp_file("s_client13_refused.txt", "early refused\n");
  ServerCase sc;
  sc.max_early_data = 4096;
  // P-384 only: s_client's X25519 share draws a HelloRetryRequest, after which early data is skipped.
  sc.groups = {kP384};
  std::string sess = tmp_path("s_client13_refused_hrr.sess");
  // s_client does not send refused early data again, so the line from its stdin is what the server reads.
  ServedRun x = serve_peer_clients(make_server_config(sc),
                                   {{s_client13({"-sess_out", sess}), "first\n"},
                                    {s_client13({"-sess_in", sess, "-early_data", early_file}), "after\n"}});
  INFO(x.describe());
  const ServerConn& last = x.conns.back();
  const std::string& refused = x.clients[1].output;
  REQUIRE(last.handshake_ok);
  CHECK(last.info.resumed);
  CHECK_FALSE(last.info.early_data_accepted);
  CHECK(last.early.empty());
  CHECK(last.received == "after\n");
  CHECK(count(last.got, kClientHello) == 2);
  CHECK(contains(refused, "Reused, TLSv1.3"));
  CHECK(contains(refused, "Early data was rejected"));
  CHECK(contains(refused, std::string(kEchoPrefix) + "after"));
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
  std::string early_file = tmp_file("s_client13_replayed.txt", "early once\n");
  ServerCase sc;
  sc.max_early_data = 4096;
  SanstlsServer server(make_server_config(sc), 3);
  std::string sess = tmp_path("s_client13_replayed.sess");
  ClientResult first = run_peer_client(s_client_argv(server.port(), "-tls1_3", {"-sess_out", sess}), "first\n");
  INFO(first.output);
  // The 0-RTT connection goes through a relay that keeps a copy of the client's first flight.
  std::string flight;
  {
    Relay relay(server.port());
    ClientResult once =
        run_peer_client(s_client_argv(relay.port(), "-tls1_3", {"-sess_in", sess, "-early_data", early_file}), "");
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
  INFO(describe(conns[1]) << "\n" << describe(conns[2]));
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
  std::string sess = tmp_path("s_client13_hrr.sess");
  ServedRun x = serve_peer_clients(make_server_config(sc), {{s_client13({"-sess_out", sess}), "first\n"},
                                                            {s_client13({"-sess_in", sess}), "second\n"}});
  INFO(x.describe());
  REQUIRE(x.conns[1].handshake_ok);
  CHECK(x.conns[1].info.resumed);
  CHECK(count(x.conns[1].got, kClientHello) == 2);
  CHECK(contains(x.clients[1].output, "Reused, TLSv1.3"));
  CHECK(contains(x.clients[1].output, std::string(kEchoPrefix) + "second"));
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
    ServedRun x = serve_peer_client(
        config, s_client13(concat(args, {"-nocommands", "-cert", cert("client_ec.pem"), "-key", cert("client_ec.key.pem")})),
        big);
    INFO(x.describe(3000));
    REQUIRE(x.conns[0].handshake_ok);
    CHECK(x.conns[0].info.client_authenticated);
    CHECK(x.conns[0].received == big);
    CHECK(contains(x.client.output, kEchoPrefix + big));
    CHECK((count(x.conns[0].got, kChangeCipherSpec) == 0) == (variant == "-no_middlebox"));
  }
}

TEST_CASE("server vs openssl s_client: KeyUpdate from the client ('k' and 'K' on its stdin)") {
  REQUIRE(have_program("openssl"));
  for (const char* cmd : {"k\n", "K\n"}) {
    std::string command = cmd;
    CAPTURE(command);
    SanstlsServer server(make_server_config({}), 1);
    std::unique_ptr<Peer> p = start_peer(s_client_argv(server.port(), "-tls1_3", {"-msg"}));
    REQUIRE_MESSAGE(p->wait_for_output("Verify return code", kIoTimeoutMs), p->output());
    // s_client drops the rest of a read that held a command: the data line goes in a later write.
    REQUIRE(p->write_stdin(cmd));
    CHECK(eventually([&] { return server.received_count(kKeyUpdate) >= 1; }, kIoTimeoutMs));
    REQUIRE(p->write_stdin("after update\n"));
    CHECK(p->wait_for_output(std::string(kEchoPrefix) + "after update", kIoTimeoutMs));
    ServedRun x = finish_peer_client(*p, server, kIoTimeoutMs);
    const std::string& out = x.client.output;
    INFO(x.describe());
    REQUIRE(x.conns.size() == 1);
    REQUIRE(x.conns[0].handshake_ok);
    CHECK_FALSE(x.conns[0].failed);
    CHECK(count(x.conns[0].got, kKeyUpdate) == 1);
    CHECK(x.conns[0].received == "after update\n");
    CHECK(contains(out, ">>> TLS 1.3, Handshake [length 0005], KeyUpdate"));
    // update_requested ('K'): the server answered with its own KeyUpdate.
    CHECK(count(x.conns[0].sent, kKeyUpdate) == (command == "K\n" ? 1 : 0));
    CHECK(contains(out, "<<< TLS 1.3, Handshake [length 0005], KeyUpdate") == (command == "K\n"));
  }
}

TEST_CASE("server vs openssl s_client: KeyUpdate from sanstls, requested") {
  REQUIRE(have_program("openssl"));
  SanstlsServer server(make_server_config({}), 1,
                       after_handshake([](Connection& conn) { return conn.key_update(true); }));
  std::unique_ptr<Peer> p = start_peer(s_client_argv(server.port(), "-tls1_3", {"-msg"}));
  REQUIRE_MESSAGE(p->wait_for_output("<<< TLS 1.3, Handshake [length 0005], KeyUpdate", kIoTimeoutMs), p->output());
  REQUIRE(p->write_stdin("after server update\n"));
  CHECK(p->wait_for_output(std::string(kEchoPrefix) + "after server update", kIoTimeoutMs));
  ServedRun x = finish_peer_client(*p, server, kIoTimeoutMs);
  INFO(x.describe());
  REQUIRE(x.conns.size() == 1);
  CHECK_FALSE(x.conns[0].failed);
  CHECK(count(x.conns[0].sent, kKeyUpdate) == 1);
  CHECK(count(x.conns[0].got, kKeyUpdate) == 1);  // OpenSSL answered update_requested
  CHECK(x.conns[0].received == "after server update\n");
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
    ServedRun x = serve_peer_client(config, s_client13(args, ""), "tls12\n");
    INFO(x.describe());
    REQUIRE(x.conns[0].handshake_ok);
    CHECK(x.conns[0].info.version == 0x0303);
    REQUIRE(x.conns[0].server_random.size() == 32);
    CHECK(std::equal(kDowngradeTls12, kDowngradeTls12 + 8, x.conns[0].server_random.begin() + 24));
    CHECK(contains(x.client.output, "    Protocol  : TLSv1.2\n"));
    CHECK(contains(x.client.output, std::string(kEchoPrefix) + "tls12"));
  }
  // A server pinned to TLS 1.2 writes no sentinel: a TLS 1.3 client (which checks it) connects.
  ServerCase only12;
  only12.max_version = 0x0303;
  ServedRun x = serve_peer_client(make_server_config(only12), s_client13({}, ""), "pinned\n");
  INFO(x.describe());
  REQUIRE(x.conns[0].handshake_ok);
  CHECK(x.conns[0].info.version == 0x0303);
  REQUIRE(x.conns[0].server_random.size() == 32);
  CHECK_FALSE(std::equal(kDowngradeTls12, kDowngradeTls12 + 7, x.conns[0].server_random.begin() + 24));
  CHECK(contains(x.client.output, std::string(kEchoPrefix) + "pinned"));
}

// ---------------------------------------------------------------------------------------------------
// gnutls-cli

const char* gnutls_cipher(const std::string& suite) {
  return suite == "TLS_AES_128_GCM_SHA256" ? "AES-128-GCM" : suite == "TLS_AES_256_GCM_SHA384" ? "AES-256-GCM" : "CHACHA20-POLY1305";
}
const char* gnutls_group(uint16_t g) {
  return g == kX25519 ? "GROUP-X25519" : g == kP256 ? "GROUP-SECP256R1" : g == kP384 ? "GROUP-SECP384R1" : "GROUP-FFDHE2048";
}

// `gnutls-cli` with this priority (TLS 1.3 with every group by default) and extra.
ArgvFor gnutls_cli(const std::vector<std::string>& extra, const std::string& priority = kGnutls13) {
  return [extra, priority](uint16_t port) { return gnutls_cli_argv(port, priority, extra); };
}

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
        std::string line = "hello " + suite_name + "\n";
        ServedRun x = serve_peer_client(config, gnutls_cli({}, priority), line);
        INFO(x.describe());
        const ServerConn& c = x.conns[0];
        REQUIRE(c.handshake_ok);
        CHECK(c.info.version == 0x0304);
        CHECK(c.info.cipher_suite == find_suite_by_name(suite)->id);
        CHECK(c.info.group == group);
        CHECK(c.info.signature_scheme == (ecdsa ? kEcdsaP256Sha256 : kRsaPssRsaeSha256));
        CHECK(count(c.got, kClientHello) == 1);
        CHECK(c.received == line);
        // (gnutls-cli leaves on our close_notify without sending its own: no peer_closed_clean here.)
        CHECK(contains(x.client.output, "Handshake was completed"));
        CHECK(contains(x.client.output, "(TLS1.3"));
        CHECK(contains(x.client.output, kEchoPrefix + line));
        CHECK(contains(x.client.output, "Peer has closed the GnuTLS connection"));
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
    ServedRun x = serve_peer_client(make_server_config(sc), gnutls_cli({}), "hrr\n");
    INFO(x.describe());
    REQUIRE(x.conns[0].handshake_ok);
    CHECK(x.conns[0].info.group == group);
    CHECK(count(x.conns[0].got, kClientHello) == 2);
    CHECK(contains(x.client.output, std::string(kEchoPrefix) + "hrr"));
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
    ServedRun x = serve_peer_client(
        config, gnutls_cli({"--x509certfile", cert(cert_name + ".pem"), "--x509keyfile", cert(cert_name + ".key.pem")}),
        "cert\n");
    INFO(x.describe());
    REQUIRE(x.conns[0].handshake_ok);
    CHECK(x.conns[0].info.client_authenticated);
    CHECK(x.conns[0].received == "cert\n");
    CHECK(contains(x.client.output, std::string(kEchoPrefix) + "cert"));
  }
  ServedRun x = serve_peer_client(config, gnutls_cli({}), "none\n");
  INFO(x.describe());
  CHECK_FALSE(x.conns[0].handshake_ok);
  CHECK(x.conns[0].error.alert == AlertDescription::certificate_required);
  CHECK_FALSE(contains(x.client.output, kEchoPrefix));
}

TEST_CASE("server vs gnutls-cli --resume --earlydata (TLS 1.3): resumption and 0-RTT") {
  REQUIRE(have_program("gnutls-cli"));
  ServerCase sc;
  sc.max_early_data = 4096;
  auto config = make_server_config(sc);
  SUBCASE("resumption") {
    ServedRun x = serve_peer_client(config, gnutls_cli({"--resume"}), "resumed\n", 2);
    INFO(x.describe());
    REQUIRE(x.conns[1].handshake_ok);
    CHECK(x.conns[1].info.resumed);
    CHECK(contains(x.client.output, "This is a resumed session"));
    CHECK(contains(x.client.output, std::string(kEchoPrefix) + "resumed"));
  }
  SUBCASE("0-RTT") {
    std::string early_file = tmp_file("gnutls_cli13_early.txt", "early gnutls\n");
    ServedRun x = serve_peer_client(config, gnutls_cli({"--resume", "--earlydata=" + early_file}), "late\n", 2);
    INFO(x.describe());
    REQUIRE(x.conns[1].handshake_ok);
    CHECK(x.conns[1].info.resumed);
    CHECK(x.conns[1].info.early_data_accepted);
    CHECK(x.conns[1].early == "early gnutls\n");
    CHECK(contains(x.client.output, std::string(kEchoPrefix) + "early gnutls"));
  }
}

TEST_CASE("server vs gnutls-cli --inline-commands: KeyUpdate from GnuTLS (^rekey^, ^rekey1^)") {
  REQUIRE(have_program("gnutls-cli"));
  for (const char* cmd : {"^rekey^\n", "^rekey1^\n"}) {
    std::string command = cmd;
    CAPTURE(command);
    SanstlsServer server(make_server_config({}), 1);
    std::unique_ptr<Peer> p = start_peer(gnutls_cli_argv(server.port(), kGnutls13, {"--inline-commands"}));
    REQUIRE_MESSAGE(p->wait_for_output("Handshake was completed", kIoTimeoutMs), p->output());
    REQUIRE(p->write_stdin(cmd));
    CHECK(eventually([&] { return server.received_count(kKeyUpdate) >= 1; }, kIoTimeoutMs));
    REQUIRE(p->write_stdin("after rekey\n"));
    CHECK(p->wait_for_output(std::string(kEchoPrefix) + "after rekey", kIoTimeoutMs));
    ServedRun x = finish_peer_client(*p, server, kIoTimeoutMs);
    INFO(x.describe());
    REQUIRE(x.conns.size() == 1);
    CHECK_FALSE(x.conns[0].failed);
    CHECK(count(x.conns[0].got, kKeyUpdate) == 1);
    CHECK(x.conns[0].received == "after rekey\n");
    // ^rekey^ asks the peer to update too (update_requested); ^rekey1^ does not.
    CHECK(count(x.conns[0].sent, kKeyUpdate) == (command == "^rekey^\n" ? 1 : 0));
  }
}

TEST_CASE("server (TLS 1.2 and 1.3) vs gnutls-cli limited to TLS 1.2") {
  REQUIRE(have_program("gnutls-cli"));
  ServedRun x = serve_peer_client(make_server_config({}), gnutls_cli({}, "NORMAL:-VERS-ALL:+VERS-TLS1.2"), "tls12\n");
  INFO(x.describe());
  REQUIRE(x.conns[0].handshake_ok);
  CHECK(x.conns[0].info.version == 0x0303);
  REQUIRE(x.conns[0].server_random.size() == 32);
  CHECK(std::equal(kDowngradeTls12, kDowngradeTls12 + 8, x.conns[0].server_random.begin() + 24));
  CHECK(contains(x.client.output, "(TLS1.2"));
  CHECK(contains(x.client.output, std::string(kEchoPrefix) + "tls12"));
}

}  // namespace
}  // namespace testing
}  // namespace sanstls
