// Interop: the sanstls client (through the blocking adapter) against real servers, `openssl s_server`
// and `gnutls-serv`, on 127.0.0.1. Every peer runs with a hard deadline (tests/peer.h) and every socket
// has time-outs, so a hang fails the test instead of blocking it.
#include <doctest/doctest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/handshake.h"
#include "core/suites.h"
#include "tests/peer.h"
#include "tests/testdata.h"
#include "tools/adapters/blocking.h"
#include "tools/adapters/socket.h"

namespace sanstls {
namespace testing {
namespace {

constexpr int kPeerDeadlineMs = 15000;
constexpr int kIoTimeoutMs = 5000;

std::string cert(const std::string& name) { return runfile("tests/certs/" + name); }

// What one client connection saw.
struct ClientRun {
  bool connected = false;
  bool handshake_ok = false;
  Error error;                 // when !handshake_ok (or a later failure)
  std::string transport_error;
  HandshakeInfo info;
  std::optional<Session> session;
  std::string received;        // application data from the server
  bool clean_close = false;    // the server's close_notify arrived
};

struct ClientCase {
  std::string suites;                  // OpenSSL or IANA names, "" = defaults
  bool client_cert = false;
  std::vector<std::string> alpn;
  std::optional<Session> resume;
  bool ems = true, etm = true;
};

std::shared_ptr<const ClientConfig> make_client_config(const ClientCase& c) {
  ClientConfig::Builder b;
  b.trust_anchors_pem(read_file("tests/certs/ca.pem"));
  if (!c.suites.empty()) b.cipher_suite_names(c.suites);
  if (c.client_cert) b.client_certificate(read_file("tests/certs/client.pem"), read_file("tests/certs/client.key.pem"));
  if (!c.alpn.empty()) b.alpn(c.alpn);
  b.extended_master_secret(c.ems).encrypt_then_mac(c.etm);
  Built<ClientConfig> built = b.build();
  if (!built.ok()) FAIL("client config: " << built.error);
  return built.config;
}

// Connects to 127.0.0.1:port, handshakes, writes `request`, then reads until `until` appears in the
// received data (or, when `until` is empty, until the server closes), then sends close_notify.
ClientRun run_client(uint16_t port, const ClientCase& c, const std::string& request, const std::string& until) {
  ClientRun run;
  std::string err;
  int fd = net::connect_tcp("127.0.0.1", port, &err);
  if (fd < 0) {
    run.transport_error = err;
    return run;
  }
  run.connected = true;
  set_socket_timeouts(fd, kIoTimeoutMs);
  auto rng = crypto::make_system_rng();
  SystemClock clock;
  Connection::ClientOptions opts;
  opts.server_name = "localhost";
  opts.resume = c.resume;
  BlockingStream stream(fd, Connection::client(make_client_config(c), opts, *rng, clock));
  Status hs = stream.handshake();
  if (!hs.ok()) {
    run.error = hs.error();
    run.transport_error = stream.transport_error();
    net::close_fd(fd);
    return run;
  }
  run.handshake_ok = true;
  run.info = *stream.connection().info();
  run.session = stream.connection().session();
  Status w = stream.write_all(ByteView::of(request));
  if (!w.ok()) {
    run.error = w.error();
    run.transport_error = stream.transport_error();
    net::close_fd(fd);
    return run;
  }
  uint8_t buf[4096];
  for (;;) {
    if (!until.empty() && run.received.find(until) != std::string::npos) break;
    Result<size_t> r = stream.read(buf, sizeof buf);
    if (!r.ok()) {
      run.error = r.error();
      run.transport_error = stream.transport_error();
      break;
    }
    if (r.value() == 0) {
      run.clean_close = true;
      break;
    }
    run.received.append(reinterpret_cast<const char*>(buf), r.value());
  }
  (void)stream.close();
  net::close_fd(fd);
  return run;
}

std::string describe(const ClientRun& r) {
  std::string s = "connected=" + std::to_string(r.connected) + " handshake_ok=" + std::to_string(r.handshake_ok);
  if (!r.handshake_ok || !r.transport_error.empty()) s += " error=" + r.error.to_string() + " transport=" + r.transport_error;
  s += " received=[" + r.received.substr(0, 300) + "]";
  return s;
}

// ---------------------------------------------------------------------------------------------------
// openssl s_server

struct OpensslServer {
  std::unique_ptr<Peer> peer;
  uint16_t port = 0;
};

// Starts `openssl s_server -accept 127.0.0.1:0 ...` and waits for its "ACCEPT host:port" line.
OpensslServer start_s_server(const std::vector<std::string>& extra) {
  OpensslServer s;
  // stdbuf: line-buffered stdout, so that what s_server prints reaches us before it exits.
  std::vector<std::string> argv = {"stdbuf", "-oL", "openssl", "s_server", "-accept", "127.0.0.1:0", "-tls1_2", "-no_ticket"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  std::string err;
  s.peer = Peer::start(argv, kPeerDeadlineMs, &err);
  REQUIRE_MESSAGE(s.peer != nullptr, err);
  REQUIRE_MESSAGE(s.peer->wait_for_output("ACCEPT 127.0.0.1:", 5000), s.peer->output());
  // Give it the time to finish printing the line.
  for (int i = 0; i < 100; i++) {
    std::string out = s.peer->output();
    size_t at = out.find("ACCEPT 127.0.0.1:");
    size_t nl = out.find('\n', at);
    if (nl != std::string::npos) {
      s.port = static_cast<uint16_t>(std::stoi(out.substr(at + 17, nl - at - 17)));
      break;
    }
    s.peer->wait_for_output("\n\n", 10);  // a short sleep that returns early on EOF
  }
  REQUIRE_MESSAGE(s.port != 0, s.peer->output());
  return s;
}

std::vector<std::string> rsa_cert_args() {
  return {"-cert", cert("server_rsa.pem"), "-key", cert("server_rsa.key.pem")};
}
std::vector<std::string> ec_cert_args() {
  return {"-cert", cert("server_ec.pem"), "-key", cert("server_ec.key.pem"), "-cert_chain", cert("int.pem")};
}
std::vector<std::string> cert_args_for(const CipherSuite* s) {
  return s->server_key_is_ecdsa() ? ec_cert_args() : rsa_cert_args();
}
std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const char* kHttpGet = "GET / HTTP/1.0\r\n\r\n";

// Whether an `s_server -www` page reports a "New" or "Reused" TLS 1.2 session with this suite. (Its
// "New, SSLv3, Cipher is X" line names the suite's minimum version, not the negotiated one.)
bool www_page_says(const std::string& page, const std::string& new_or_reused, const std::string& suite) {
  return page.find("HTTP/1.0 200 ok") != std::string::npos && page.find("\n" + new_or_reused + ", ") != std::string::npos &&
         page.find("Cipher is " + suite + "\n") != std::string::npos &&
         page.find("Protocol  : TLSv1.2\n") != std::string::npos;
}

TEST_CASE("client vs openssl s_server -www: every suite") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  for (uint16_t id : default_tls12_suites()) {
    const CipherSuite* s = find_suite(id);
    REQUIRE(s != nullptr);
    std::string suite_name = s->openssl_name;
    CAPTURE(suite_name);
    OpensslServer srv = start_s_server(concat(cert_args_for(s), {"-cipher", s->openssl_name, "-www"}));
    ClientCase c;
    c.suites = s->openssl_name;
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r));
    INFO(srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(r.info.version == 0x0303);
    CHECK(r.info.cipher_suite == id);
    CHECK(r.info.extended_master_secret);
    CHECK(r.info.encrypt_then_mac == !s->is_aead());
    // The -www page is the server's view: the suite it negotiated, and our request echoed back.
    CHECK(www_page_says(r.received, "New", s->openssl_name));
    CHECK(r.received.find("Extended master secret: yes") != std::string::npos);
    // OpenSSL's automatic DH parameters are RFC 3526 primes, not a named RFC 7919 group.
    if (s->kx == KeyExchange::ecdhe_rsa || s->kx == KeyExchange::ecdhe_ecdsa) CHECK(r.info.group != 0);
    CHECK(r.clean_close);
  }
}

TEST_CASE("client vs openssl s_server -rev: lines go both ways") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  OpensslServer srv = start_s_server(concat(rsa_cert_args(), {"-rev"}));
  ClientCase c;
  ClientRun r = run_client(srv.port, c, "hello sanstls\n", "\n");
  INFO(describe(r));
  INFO(srv.peer->output());
  REQUIRE(r.handshake_ok);
  CHECK(r.received.find("sltsnas olleh") != std::string::npos);
  // The default client prefers ECDHE-ECDSA; an RSA-only server agrees on ECDHE-RSA-AES128-GCM-SHA256.
  CHECK(r.info.cipher_suite == 0xc02f);
}

TEST_CASE("client vs openssl s_server: CBC without encrypt-then-mac and without EMS") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  for (const char* name : {"ECDHE-RSA-AES128-SHA", "AES256-SHA", "ECDHE-RSA-AES128-SHA256"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    OpensslServer srv = start_s_server(concat(rsa_cert_args(), {"-cipher", name, "-www"}));
    ClientCase c;
    c.suites = name;
    c.etm = false;
    c.ems = false;
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r));
    REQUIRE(r.handshake_ok);
    CHECK_FALSE(r.info.encrypt_then_mac);
    CHECK_FALSE(r.info.extended_master_secret);
    CHECK(www_page_says(r.received, "New", name));
    CHECK(r.received.find("Extended master secret: no") != std::string::npos);
  }
}

TEST_CASE("client vs openssl s_server: client authentication") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  for (const char* name : {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "AES128-SHA256"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    const CipherSuite* s = find_suite_by_name(name);
    OpensslServer srv = start_s_server(
        concat(cert_args_for(s), {"-cipher", name, "-www", "-Verify", "1", "-CAfile", cert("ca.pem"),
                                  "-verify_return_error"}));
    ClientCase c;
    c.suites = name;
    c.client_cert = true;
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r));
    INFO(srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(r.info.cipher_suite == s->id);
    // The -www page shows the client certificate the server verified.
    CHECK(r.received.find("Client certificate") != std::string::npos);
    CHECK(r.received.find("sanstls test client") != std::string::npos);
  }
}

TEST_CASE("client vs openssl s_server: client authentication required, no certificate") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  OpensslServer srv = start_s_server(
      concat(rsa_cert_args(), {"-www", "-Verify", "1", "-CAfile", cert("ca.pem"), "-verify_return_error"}));
  ClientCase c;
  ClientRun r = run_client(srv.port, c, kHttpGet, "");
  INFO(describe(r));
  INFO(srv.peer->output());
  CHECK_FALSE(r.clean_close);
  CHECK(r.received.find("HTTP/1.0 200 ok") == std::string::npos);
  // OpenSSL refuses with handshake_failure (40) or certificate_required.
  bool refused = !r.handshake_ok || r.error.kind == ErrorKind::alert_received;
  CHECK(refused);
}

TEST_CASE("client vs openssl s_server: session resumption") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  for (const char* name : {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305", "AES128-SHA"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    const CipherSuite* s = find_suite_by_name(name);
    OpensslServer srv = start_s_server(concat(cert_args_for(s), {"-cipher", name, "-www"}));
    ClientCase c;
    c.suites = name;
    ClientRun first = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(first));
    REQUIRE(first.handshake_ok);
    CHECK_FALSE(first.info.resumed);
    REQUIRE(first.session.has_value());
    CHECK(www_page_says(first.received, "New", name));
    c.resume = first.session;
    ClientRun second = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(second));
    INFO(srv.peer->output());
    REQUIRE(second.handshake_ok);
    CHECK(second.info.resumed);
    CHECK(second.info.cipher_suite == s->id);
    CHECK(www_page_says(second.received, "Reused", name));
  }
}

TEST_CASE("client vs openssl s_server: ALPN") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  OpensslServer srv = start_s_server(concat(rsa_cert_args(), {"-alpn", "http/1.1", "-rev"}));
  ClientCase c;
  c.alpn = {"h2", "http/1.1"};
  ClientRun r = run_client(srv.port, c, "abc\n", "\n");
  INFO(describe(r));
  INFO(srv.peer->output());
  REQUIRE(r.handshake_ok);
  CHECK(r.info.alpn == "http/1.1");
  CHECK(r.received.find("cba") != std::string::npos);
  CHECK(srv.peer->wait_for_output("ALPN protocols advertised by the client: h2, http/1.1", 3000));
}

TEST_CASE("client vs openssl s_server: bad server certificates are refused") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  struct Bad {
    const char* cert;
    const char* key;
    AlertDescription alert;
    const char* peer_sees;  // what OpenSSL prints about the alert it received
  };
  const Bad cases[] = {
      {"wrong_name.pem", "wrong_name.key.pem", AlertDescription::bad_certificate, "bad certificate"},
      {"expired.pem", "expired.key.pem", AlertDescription::certificate_expired, "certificate expired"},
      {"unknown_ca.pem", "unknown_ca.key.pem", AlertDescription::unknown_ca, "unknown ca"},
  };
  for (const Bad& b : cases) {
    std::string cert_name = b.cert;
    CAPTURE(cert_name);
    OpensslServer srv = start_s_server({"-cert", cert(b.cert), "-key", cert(b.key), "-www"});
    ClientCase c;
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r));
    CHECK_FALSE(r.handshake_ok);
    CHECK(r.error.kind == ErrorKind::bad_certificate);
    CHECK(r.error.alert == b.alert);
    CHECK_MESSAGE(srv.peer->wait_for_output(b.peer_sees, 3000), srv.peer->output());
  }
}

TEST_CASE("client vs openssl s_server: server signature schemes and a P-384 certificate") {
  REQUIRE(have_program("openssl"));
  struct Sig {
    const char* suite;
    std::vector<std::string> server_args;
    uint16_t scheme;
  };
  const Sig cases[] = {
      {"ECDHE-RSA-AES128-GCM-SHA256", concat(rsa_cert_args(), {"-sigalgs", "RSA+SHA256"}), 0x0401},
      {"ECDHE-RSA-AES128-GCM-SHA256", concat(rsa_cert_args(), {"-sigalgs", "RSA+SHA512"}), 0x0601},
      {"DHE-RSA-AES256-GCM-SHA384", concat(rsa_cert_args(), {"-sigalgs", "RSA-PSS+SHA384"}), 0x0805},
      {"ECDHE-ECDSA-AES256-GCM-SHA384", {"-cert", cert("server_p384.pem"), "-key", cert("server_p384.key.pem"), "-sigalgs", "ECDSA+SHA384"},
       0x0503},
  };
  for (const Sig& sig : cases) {
    std::string suite_name = sig.suite;
    CAPTURE(suite_name);
    CAPTURE(sig.scheme);
    OpensslServer srv = start_s_server(concat(sig.server_args, {"-cipher", sig.suite, "-www"}));
    ClientCase c;
    c.suites = sig.suite;
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r));
    INFO(srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(r.info.signature_scheme == sig.scheme);
    CHECK(www_page_says(r.received, "New", sig.suite));
  }
}

TEST_CASE("client vs openssl s_server -max_send_frag 512: fragmented handshake messages") {
  REQUIRE(have_program("openssl"));
  for (const char* name : {"ECDHE-ECDSA-AES128-GCM-SHA256", "DHE-RSA-AES128-GCM-SHA256", "AES128-SHA"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    const CipherSuite* s = find_suite_by_name(name);
    OpensslServer srv = start_s_server(concat(cert_args_for(s), {"-cipher", name, "-www", "-max_send_frag", "512"}));
    ClientCase c;
    c.suites = name;
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r));
    INFO(srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(www_page_says(r.received, "New", name));
    CHECK(r.received.size() > 2048);  // the page came in many small records
  }
}

TEST_CASE("client vs openssl s_server: renegotiation is refused") {
  REQUIRE(have_program("openssl"));
  OpensslServer srv = start_s_server(rsa_cert_args());
  std::string err;
  int fd = net::connect_tcp("127.0.0.1", srv.port, &err);
  REQUIRE_MESSAGE(fd >= 0, err);
  set_socket_timeouts(fd, kIoTimeoutMs);
  auto rng = crypto::make_system_rng();
  SystemClock clock;
  ClientCase c;
  BlockingStream stream(fd, Connection::client(make_client_config(c), {"localhost", std::nullopt}, *rng, clock));
  std::vector<Alert> sent_warnings;
  REQUIRE(stream.handshake().ok());
  REQUIRE(stream.write_all(ByteView::of("before\n")).ok());
  REQUIRE_MESSAGE(srv.peer->wait_for_output("before", 5000), srv.peer->output());
  // "r" on s_server's stdin: SSL_renegotiate, which sends a HelloRequest.
  REQUIRE(srv.peer->write_stdin("r\n"));
  uint8_t buf[256];
  Result<size_t> r = stream.read(buf, sizeof buf);
  INFO(srv.peer->output());
  // sanstls answers no_renegotiation (a warning); OpenSSL, having asked, ends with handshake_failure.
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::alert_received);
  CHECK(r.error().alert == AlertDescription::handshake_failure);
  CHECK(srv.peer->wait_for_output("no renegotiation", 3000));
  net::close_fd(fd);
}

// ---------------------------------------------------------------------------------------------------
// gnutls-serv

// Every TLS 1.2 suite sanstls speaks, on the GnuTLS side.
const char* kGnutlsTls12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2:+DHE-RSA:+RSA:+AES-128-CBC:+AES-256-CBC:+SHA1:+SHA256";

struct GnutlsServer {
  std::unique_ptr<Peer> peer;
  uint16_t port = 0;
};

// gnutls-serv has no option to bind one address; it listens on the wildcard address of a port we pick.
GnutlsServer start_gnutls_serv(const std::vector<std::string>& extra) {
  GnutlsServer s;
  for (int attempt = 0; attempt < 3 && s.port == 0; attempt++) {
    uint16_t port = net::free_port();
    std::vector<std::string> argv = {"gnutls-serv", "-p", std::to_string(port), "--echo", "--noticket",
                                     "--x509certfile", cert("server_rsa.pem"), "--x509keyfile",
                                     cert("server_rsa.key.pem"), "--x509certfile", cert("server_ec_chain.pem"),
                                     "--x509keyfile", cert("server_ec.key.pem")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::string err;
    s.peer = Peer::start(argv, kPeerDeadlineMs, &err);
    REQUIRE_MESSAGE(s.peer != nullptr, err);
    if (s.peer->wait_for_output("listening", 5000) && wait_for_port(port, 3000, s.peer.get())) s.port = port;
  }
  REQUIRE_MESSAGE(s.port != 0, s.peer->output());
  return s;
}

TEST_CASE("client vs gnutls-serv --echo: every suite") {
  REQUIRE(have_program("gnutls-serv"));
  GnutlsServer srv = start_gnutls_serv({"--priority", kGnutlsTls12});
  for (uint16_t id : default_tls12_suites()) {
    const CipherSuite* s = find_suite(id);
    std::string suite_name = s->openssl_name;
    CAPTURE(suite_name);
    ClientCase c;
    c.suites = s->openssl_name;
    std::string line = std::string("ping ") + s->iana_name + "\n";
    ClientRun r = run_client(srv.port, c, line, "\n");
    INFO(describe(r));
    INFO(srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(r.info.cipher_suite == id);
    CHECK(r.info.extended_master_secret);
    CHECK(r.info.encrypt_then_mac == !s->is_aead());
    CHECK(r.received == line);
  }
}

TEST_CASE("client vs gnutls-serv: client authentication") {
  REQUIRE(have_program("gnutls-serv"));
  GnutlsServer srv =
      start_gnutls_serv({"--priority", kGnutlsTls12, "--require-client-cert", "--x509cafile", cert("ca.pem")});
  SUBCASE("with a certificate") {
    for (const char* name : {"ECDHE-ECDSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384"}) {
      std::string suite_name = name;
    CAPTURE(suite_name);
      ClientCase c;
      c.suites = name;
      c.client_cert = true;
      ClientRun r = run_client(srv.port, c, "with cert\n", "\n");
      INFO(describe(r));
      INFO(srv.peer->output());
      REQUIRE(r.handshake_ok);
      CHECK(r.received == "with cert\n");
    }
    CHECK(srv.peer->wait_for_output("sanstls test client", 3000));
  }
  SUBCASE("without a certificate") {
    ClientCase c;
    ClientRun r = run_client(srv.port, c, "no cert\n", "\n");
    INFO(describe(r));
    CHECK(r.received.empty());
    CHECK_FALSE(r.clean_close);
  }
}

TEST_CASE("client vs gnutls-serv: session resumption") {
  REQUIRE(have_program("gnutls-serv"));
  GnutlsServer srv = start_gnutls_serv({"--priority", kGnutlsTls12});
  for (const char* name : {"ECDHE-RSA-CHACHA20-POLY1305", "AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    ClientCase c;
    c.suites = name;
    ClientRun first = run_client(srv.port, c, "one\n", "\n");
    INFO(describe(first));
    REQUIRE(first.handshake_ok);
    REQUIRE(first.session.has_value());
    CHECK_FALSE(first.info.resumed);
    c.resume = first.session;
    ClientRun second = run_client(srv.port, c, "two\n", "\n");
    INFO(describe(second));
    INFO(srv.peer->output());
    REQUIRE(second.handshake_ok);
    CHECK(second.info.resumed);
    CHECK(second.received == "two\n");
  }
}

TEST_CASE("client vs gnutls-serv: bulk data both ways") {
  REQUIRE(have_program("gnutls-serv"));
  GnutlsServer srv = start_gnutls_serv({"--priority", kGnutlsTls12});
  for (const char* name : {"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "AES256-SHA"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    std::string big;
    for (int i = 0; big.size() < 60000; i++) big += "block " + std::to_string(i) + " of bulk data; ";
    big += "\n";
    ClientCase c;
    c.suites = name;
    ClientRun r = run_client(srv.port, c, big, "\n");
    INFO(describe(r));
    REQUIRE(r.handshake_ok);
    CHECK(r.received.size() == big.size());
    CHECK(r.received == big);
  }
}

TEST_CASE("client vs gnutls-serv: record_size_limit") {
  REQUIRE(have_program("gnutls-serv"));
  GnutlsServer srv = start_gnutls_serv({"--priority", kGnutlsTls12});
  for (const char* name : {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA256"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    std::string data(3000, 'x');
    data += "\n";
    ClientCase c;
    c.suites = name;
    ClientRun r;
    {
      ClientConfig::Builder b;
      // 512: GnuTLS ignores a smaller limit (its minimum), though RFC 8449 allows 64.
      b.trust_anchors_pem(read_file("tests/certs/ca.pem")).cipher_suite_names(name).record_size_limit(512);
      Built<ClientConfig> built = b.build();
      REQUIRE_MESSAGE(built.ok(), built.error);
      std::string err;
      int fd = net::connect_tcp("127.0.0.1", srv.port, &err);
      REQUIRE_MESSAGE(fd >= 0, err);
      set_socket_timeouts(fd, kIoTimeoutMs);
      auto rng = crypto::make_system_rng();
      SystemClock clock;
      BlockingStream stream(fd, Connection::client(built.config, {"localhost", std::nullopt, true}, *rng, clock));
      std::optional<uint16_t> server_limit;
      stream.on_event = [&server_limit](const Event& ev) {
        if (ev.type != Event::Type::handshake_message || ev.direction != Direction::received ||
            ev.message_type != 2 || ev.data.size() < 4)
          return;
        ServerHello sh;
        if (decode_server_hello(ev.data.sub(4), &sh).ok()) server_limit = sh.extensions.record_size_limit;
      };
      Status hs = stream.handshake();
      REQUIRE_MESSAGE(hs.ok(), hs.error().to_string());
      // Negotiated: the ServerHello answered with GnuTLS's own limit.
      CHECK(server_limit.has_value());
      REQUIRE(stream.write_all(ByteView::of(data)).ok());
      uint8_t buf[4096];
      while (r.received.find('\n') == std::string::npos) {
        Result<size_t> got = stream.read(buf, sizeof buf);
        if (!got.ok() || got.value() == 0) {
          if (!got.ok()) r.error = got.error();
          break;
        }
        r.received.append(reinterpret_cast<const char*>(buf), got.value());
      }
      (void)stream.close();
      net::close_fd(fd);
    }
    INFO(r.error.to_string());
    INFO(srv.peer->output());
    // GnuTLS honours the limit: more than 512 bytes would have been a record_overflow here.
    CHECK(r.received == data);
  }
}

}  // namespace
}  // namespace testing
}  // namespace sanstls
