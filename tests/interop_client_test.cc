// Interop: the sanstls client (through the blocking adapter) against real servers, `openssl s_server`
// and `gnutls-serv`, on 127.0.0.1. Every peer runs with a hard deadline (tests/peer.h) and every socket
// has time-outs, so a hang fails the test instead of blocking it (tests/interop_support.h).
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/suites.h"
#include "tests/interop_support.h"

namespace sanstls {
namespace testing {
namespace {

// A client that offers TLS 1.2 and 1.3 (the library's default) with these suites ("" = defaults).
ClientCase case12(const std::string& suites = "") {
  ClientCase c;
  c.suites = suites;
  c.min_version = 0x0303;
  return c;
}

// openssl s_server for TLS 1.2 only, without tickets (session-ID resumption).
PeerServer s_server12(const std::vector<std::string>& extra) {
  return start_s_server(concat({"-tls1_2", "-no_ticket"}, extra));
}

std::vector<std::string> cert_args_for(const CipherSuite* s) {
  return s->server_key_is_ecdsa() ? ec_cert_args() : rsa_cert_args();
}

// Whether an `s_server -www` page reports a "New" or "Reused" TLS 1.2 session with this suite. (Its
// "New, SSLv3, Cipher is X" line names the suite's minimum version, not the negotiated one.)
bool www_page_says(const std::string& page, const std::string& new_or_reused, const std::string& suite) {
  return contains(page, "HTTP/1.0 200 ok") && contains(page, "\n" + new_or_reused + ", ") &&
         contains(page, "Cipher is " + suite + "\n") && contains(page, "Protocol  : TLSv1.2\n");
}

TEST_CASE("client vs openssl s_server -www: every suite") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  for (uint16_t id : default_tls12_suites()) {
    const CipherSuite* s = find_suite(id);
    REQUIRE(s != nullptr);
    std::string suite_name = s->openssl_name;
    CAPTURE(suite_name);
    PeerServer srv = s_server12(concat(cert_args_for(s), {"-cipher", s->openssl_name, "-www"}));
    ClientRun r = run_client(srv.port, case12(s->openssl_name), kHttpGet, "");
    INFO(describe(r) << "\n" << srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(r.info.version == 0x0303);
    CHECK(r.info.cipher_suite == id);
    CHECK(r.info.extended_master_secret);
    CHECK(r.info.encrypt_then_mac == !s->is_aead());
    // The -www page is the server's view: the suite it negotiated, and our request echoed back.
    CHECK(www_page_says(r.received, "New", s->openssl_name));
    CHECK(contains(r.received, "Extended master secret: yes"));
    // OpenSSL's automatic DH parameters are RFC 3526 primes, not a named RFC 7919 group.
    if (s->kx == KeyExchange::ecdhe_rsa || s->kx == KeyExchange::ecdhe_ecdsa) CHECK(r.info.group != 0);
    CHECK(r.clean_close);
  }
}

TEST_CASE("client vs openssl s_server -rev: lines go both ways") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  PeerServer srv = s_server12(concat(rsa_cert_args(), {"-rev"}));
  ClientRun r = run_client(srv.port, case12(), "hello sanstls\n", "\n");
  INFO(describe(r) << "\n" << srv.peer->output());
  REQUIRE(r.handshake_ok);
  CHECK(contains(r.received, "sltsnas olleh"));
  // The default client prefers ECDHE-ECDSA; an RSA-only server agrees on ECDHE-RSA-AES128-GCM-SHA256.
  CHECK(r.info.cipher_suite == 0xc02f);
}

TEST_CASE("client vs openssl s_server: CBC without encrypt-then-mac and without EMS") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  for (const char* name : {"ECDHE-RSA-AES128-SHA", "AES256-SHA", "ECDHE-RSA-AES128-SHA256"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    PeerServer srv = s_server12(concat(rsa_cert_args(), {"-cipher", name, "-www"}));
    ClientCase c = case12(name);
    c.etm = false;
    c.ems = false;
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r));
    REQUIRE(r.handshake_ok);
    CHECK_FALSE(r.info.encrypt_then_mac);
    CHECK_FALSE(r.info.extended_master_secret);
    CHECK(www_page_says(r.received, "New", name));
    CHECK(contains(r.received, "Extended master secret: no"));
  }
}

TEST_CASE("client vs openssl s_server: client authentication") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  for (const char* name : {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "AES128-SHA256"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    const CipherSuite* s = find_suite_by_name(name);
    PeerServer srv = s_server12(concat(cert_args_for(s), {"-cipher", name, "-www", "-Verify", "1", "-CAfile",
                                                          cert("ca.pem"), "-verify_return_error"}));
    ClientCase c = case12(name);
    c.cert_name = "client";
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r) << "\n" << srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(r.info.cipher_suite == s->id);
    // The -www page shows the client certificate the server verified.
    CHECK(contains(r.received, "Client certificate"));
    CHECK(contains(r.received, "sanstls test client"));
  }
}

TEST_CASE("client vs openssl s_server: client authentication required, no certificate") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  PeerServer srv =
      s_server12(concat(rsa_cert_args(), {"-www", "-Verify", "1", "-CAfile", cert("ca.pem"), "-verify_return_error"}));
  ClientRun r = run_client(srv.port, case12(), kHttpGet, "");
  INFO(describe(r) << "\n" << srv.peer->output());
  CHECK_FALSE(r.clean_close);
  CHECK_FALSE(contains(r.received, "HTTP/1.0 200 ok"));
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
    PeerServer srv = s_server12(concat(cert_args_for(s), {"-cipher", name, "-www"}));
    ClientCase c = case12(name);
    ClientRun first = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(first));
    REQUIRE(first.handshake_ok);
    CHECK_FALSE(first.info.resumed);
    REQUIRE(first.session.has_value());
    CHECK(www_page_says(first.received, "New", name));
    c.resume = first.session;
    ClientRun second = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(second) << "\n" << srv.peer->output());
    REQUIRE(second.handshake_ok);
    CHECK(second.info.resumed);
    CHECK(second.info.cipher_suite == s->id);
    CHECK(www_page_says(second.received, "Reused", name));
  }
}

TEST_CASE("client vs openssl s_server: ALPN") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  PeerServer srv = s_server12(concat(rsa_cert_args(), {"-alpn", "http/1.1", "-rev"}));
  ClientCase c = case12();
  c.alpn = {"h2", "http/1.1"};
  ClientRun r = run_client(srv.port, c, "abc\n", "\n");
  INFO(describe(r) << "\n" << srv.peer->output());
  REQUIRE(r.handshake_ok);
  CHECK(r.info.alpn == "http/1.1");
  CHECK(contains(r.received, "cba"));
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
    PeerServer srv = s_server12({"-cert", cert(b.cert), "-key", cert(b.key), "-www"});
    ClientRun r = run_client(srv.port, case12(), kHttpGet, "");
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
    PeerServer srv = s_server12(concat(sig.server_args, {"-cipher", sig.suite, "-www"}));
    ClientRun r = run_client(srv.port, case12(sig.suite), kHttpGet, "");
    INFO(describe(r) << "\n" << srv.peer->output());
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
    PeerServer srv = s_server12(concat(cert_args_for(s), {"-cipher", name, "-www", "-max_send_frag", "512"}));
    ClientRun r = run_client(srv.port, case12(name), kHttpGet, "");
    INFO(describe(r) << "\n" << srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(www_page_says(r.received, "New", name));
    CHECK(r.received.size() > 2048);  // the page came in many small records
  }
}

TEST_CASE("client vs openssl s_server: renegotiation is refused") {
  REQUIRE(have_program("openssl"));
  PeerServer srv = s_server12(rsa_cert_args());
  ClientRun run;
  Client cl(srv.port, case12(), &run);
  REQUIRE(run.handshake_ok);
  REQUIRE(cl.write("before\n"));
  REQUIRE_MESSAGE(srv.peer->wait_for_output("before", 5000), srv.peer->output());
  // "r" on s_server's stdin: SSL_renegotiate, which sends a HelloRequest.
  REQUIRE(srv.peer->write_stdin("r\n"));
  uint8_t buf[256];
  Result<size_t> r = cl.stream().read(buf, sizeof buf);
  INFO(srv.peer->output());
  // sanstls answers no_renegotiation (a warning); OpenSSL, having asked, ends with handshake_failure.
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::alert_received);
  CHECK(r.error().alert == AlertDescription::handshake_failure);
  CHECK(srv.peer->wait_for_output("no renegotiation", 3000));
}

// ---------------------------------------------------------------------------------------------------
// gnutls-serv

// gnutls-serv for TLS 1.2 (every suite sanstls speaks), without tickets.
PeerServer gnutls_serv12(const std::vector<std::string>& extra = {}) {
  return start_gnutls_serv(concat({"--noticket", "--priority", kGnutlsTls12}, extra));
}

TEST_CASE("client vs gnutls-serv --echo: every suite") {
  REQUIRE(have_program("gnutls-serv"));
  PeerServer srv = gnutls_serv12();
  for (uint16_t id : default_tls12_suites()) {
    const CipherSuite* s = find_suite(id);
    std::string suite_name = s->openssl_name;
    CAPTURE(suite_name);
    std::string line = std::string("ping ") + s->iana_name + "\n";
    ClientRun r = run_client(srv.port, case12(s->openssl_name), line, "\n");
    INFO(describe(r) << "\n" << srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(r.info.cipher_suite == id);
    CHECK(r.info.extended_master_secret);
    CHECK(r.info.encrypt_then_mac == !s->is_aead());
    CHECK(r.received == line);
  }
}

TEST_CASE("client vs gnutls-serv: client authentication") {
  REQUIRE(have_program("gnutls-serv"));
  PeerServer srv = gnutls_serv12({"--require-client-cert", "--x509cafile", cert("ca.pem")});
  SUBCASE("with a certificate") {
    for (const char* name : {"ECDHE-ECDSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384"}) {
      std::string suite_name = name;
      CAPTURE(suite_name);
      ClientCase c = case12(name);
      c.cert_name = "client";
      ClientRun r = run_client(srv.port, c, "with cert\n", "\n");
      INFO(describe(r) << "\n" << srv.peer->output());
      REQUIRE(r.handshake_ok);
      CHECK(r.received == "with cert\n");
    }
    CHECK(srv.peer->wait_for_output("sanstls test client", 3000));
  }
  SUBCASE("without a certificate") {
    ClientRun r = run_client(srv.port, case12(), "no cert\n", "\n");
    INFO(describe(r));
    CHECK(r.received.empty());
    CHECK_FALSE(r.clean_close);
  }
}

TEST_CASE("client vs gnutls-serv: session resumption") {
  REQUIRE(have_program("gnutls-serv"));
  PeerServer srv = gnutls_serv12();
  for (const char* name : {"ECDHE-RSA-CHACHA20-POLY1305", "AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-SHA"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    ClientCase c = case12(name);
    ClientRun first = run_client(srv.port, c, "one\n", "\n");
    INFO(describe(first));
    REQUIRE(first.handshake_ok);
    REQUIRE(first.session.has_value());
    CHECK_FALSE(first.info.resumed);
    c.resume = first.session;
    ClientRun second = run_client(srv.port, c, "two\n", "\n");
    INFO(describe(second) << "\n" << srv.peer->output());
    REQUIRE(second.handshake_ok);
    CHECK(second.info.resumed);
    CHECK(second.received == "two\n");
  }
}

TEST_CASE("client vs gnutls-serv: bulk data both ways") {
  REQUIRE(have_program("gnutls-serv"));
  PeerServer srv = gnutls_serv12();
  for (const char* name : {"ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "AES256-SHA"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    std::string big;
    for (int i = 0; big.size() < 60000; i++) big += "block " + std::to_string(i) + " of bulk data; ";
    big += "\n";
    ClientRun r = run_client(srv.port, case12(name), big, "\n");
    INFO(describe(r));
    REQUIRE(r.handshake_ok);
    CHECK(r.received.size() == big.size());
    CHECK(r.received == big);
  }
}

TEST_CASE("client vs gnutls-serv: record_size_limit") {
  REQUIRE(have_program("gnutls-serv"));
  PeerServer srv = gnutls_serv12();
  for (const char* name : {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA256"}) {
    std::string suite_name = name;
    CAPTURE(suite_name);
    std::string data(3000, 'x');
    data += "\n";
    ClientCase c = case12(name);
    c.record_size_limit = 512;  // 512: GnuTLS ignores a smaller limit (its minimum), though RFC 8449 allows 64.
    ClientRun r;
    {
      Client cl(srv.port, c, &r);
      REQUIRE_MESSAGE(r.handshake_ok, describe(r));
      // Negotiated: the ServerHello answered with GnuTLS's own limit.
      CHECK(r.server_record_size_limit.has_value());
      REQUIRE(cl.write(data));
      cl.read_until("\n");
      cl.close();
    }
    INFO(describe(r) << "\n" << srv.peer->output());
    // GnuTLS honours the limit: more than 512 bytes would have been a record_overflow here.
    CHECK(r.received == data);
  }
}

}  // namespace
}  // namespace testing
}  // namespace sanstls
