// Interop, TLS 1.3: the sanstls client (through the blocking adapter) against real servers,
// `openssl s_server -tls1_3` and `gnutls-serv` with a TLS 1.3 priority, on 127.0.0.1. Every peer runs
// with a hard deadline and every socket has time-outs, so a hang fails the test instead of blocking it
// (tests/interop_support.h).
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/suites.h"
#include "tests/interop_support.h"

namespace sanstls {
namespace testing {
namespace {

// `openssl s_server -accept 127.0.0.1:0 <version> ...`.
PeerServer s_server13(const std::vector<std::string>& extra, const std::string& version = "-tls1_3") {
  return start_s_server(concat({version}, extra));
}

// Whether an `s_server -www` page reports a "New" or "Reused" TLS 1.3 session with this suite.
bool www_page_says(const std::string& page, const std::string& new_or_reused, const std::string& suite) {
  return contains(page, "HTTP/1.0 200 ok") && contains(page, "\n" + new_or_reused + ", TLSv1.3, Cipher is " + suite + "\n");
}

// One connection to an s_server without -www (it prints what it reads and sends what its stdin reads):
// the client writes `line` and the server sees it, then the server writes `reply` and the client reads
// it; then the client closes (its run then holds the session for resumption).
ClientRun exchange_lines(PeerServer& srv, const ClientCase& c, const std::string& line, const std::string& reply) {
  ClientRun run;
  Client cl(srv.port, c, &run);
  REQUIRE(run.handshake_ok);
  REQUIRE(cl.write(line + "\n"));
  REQUIRE(srv.peer->wait_for_output(line, kIoTimeoutMs));
  REQUIRE(srv.peer->write_stdin(reply + "\n"));
  CHECK(cl.read_until(reply + "\n"));
  cl.close();
  return run;
}

TEST_CASE("client vs openssl s_server -tls1_3: every suite, group and server key") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  struct Key {
    const char* name;
    std::vector<std::string> args;
    uint16_t scheme;
  };
  const Key keys[] = {
      {"rsa", rsa_cert_args(), kRsaPssRsaeSha256},
      {"ecdsa-p256", ec_cert_args(), kEcdsaP256Sha256},
      {"ecdsa-p384", {"-cert", cert("server_p384.pem"), "-key", cert("server_p384.key.pem")}, kEcdsaP384Sha384},
  };
  for (const char* suite : kSuites13) {
    for (uint16_t group : {kX25519, kP256, kP384}) {
      for (const Key& key : keys) {
        std::string suite_name = suite, key_name = key.name;
        CAPTURE(suite_name);
        CAPTURE(group);
        CAPTURE(key_name);
        PeerServer srv = s_server13(
            concat(key.args, {"-ciphersuites", suite, "-groups", openssl_group(group), "-www", "-naccept", "1"}));
        ClientCase c;
        c.suites = suite;
        c.groups = {group};
        ClientRun r = run_client(srv.port, c, kHttpGet, "");
        INFO(describe(r) << "\n" << srv.peer->output());
        REQUIRE(r.handshake_ok);
        CHECK(r.info.version == 0x0304);
        CHECK(r.info.cipher_suite == find_suite_by_name(suite)->id);
        CHECK(r.info.group == group);
        CHECK(r.info.signature_scheme == key.scheme);
        CHECK_FALSE(r.info.resumed);
        CHECK(count(r.sent, kClientHello) == 1);  // the share was the server's group: no HelloRetryRequest
        // The -www page is the server's view (sent after it read our request).
        CHECK(www_page_says(r.received, "New", suite));
        CHECK(contains(r.received, "Ciphers common between both SSL end points"));
        CHECK(r.tickets >= 1);  // OpenSSL sends two NewSessionTickets after the handshake
        CHECK(r.clean_close);
      }
    }
  }
}

TEST_CASE("client vs openssl s_server -tls1_3: HelloRetryRequest") {
  REQUIRE(have_program("openssl"));
  // The client sends an X25519 share (its first group); the server takes only P-256 or P-384.
  for (uint16_t group : {kP256, kP384}) {
    CAPTURE(group);
    PeerServer srv = s_server13(concat(rsa_cert_args(), {"-groups", openssl_group(group), "-www", "-naccept", "1"}));
    ClientCase c;
    c.groups = {kX25519, kP256, kP384};
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r) << "\n" << srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(r.info.group == group);
    CHECK(count(r.sent, kClientHello) == 2);
    CHECK(count(r.got, kServerHello) == 2);  // the HelloRetryRequest is a ServerHello
    CHECK(contains(r.received, "HTTP/1.0 200 ok"));
    CHECK(r.clean_close);
  }
}

TEST_CASE("client vs openssl s_server -tls1_3: client authentication") {
  REQUIRE(have_program("openssl"));
  std::vector<std::string> verify = {"-www", "-Verify", "1", "-CAfile", cert("ca.pem"), "-verify_return_error"};
  SUBCASE("RSA and ECDSA client certificates") {
    for (const char* name : {"client", "client_ec"}) {
      std::string cert_name = name;
      CAPTURE(cert_name);
      PeerServer srv = s_server13(concat(concat(rsa_cert_args(), verify), {"-naccept", "1"}));
      ClientCase c;
      c.cert_name = name;
      ClientRun r = run_client(srv.port, c, kHttpGet, "");
      INFO(describe(r) << "\n" << srv.peer->output());
      REQUIRE(r.handshake_ok);
      CHECK(r.info.client_authenticated);
      CHECK(contains(r.received, "HTTP/1.0 200 ok"));
      // The page shows the certificate the server verified.
      CHECK(contains(r.received, cert_name == "client" ? "sanstls test client" : "sanstls test ECDSA client"));
      CHECK(r.clean_close);
    }
  }
  SUBCASE("no certificate: certificate_required") {
    PeerServer srv = s_server13(concat(concat(rsa_cert_args(), verify), {"-naccept", "1"}));
    ClientCase c;
    // Nothing written: the server refuses right after our Finished, and a write racing its close
    // could fail (EPIPE) before the alert is read.
    ClientRun r = run_client(srv.port, c, "", "\n");
    INFO(describe(r) << "\n" << srv.peer->output());
    // In TLS 1.3 the client's handshake ends with its Finished; the refusal comes after it.
    CHECK_FALSE(contains(r.received, "HTTP/1.0 200 ok"));
    CHECK_FALSE(r.clean_close);
    CHECK(r.error.kind == ErrorKind::alert_received);
    CHECK(r.error.alert == AlertDescription::certificate_required);
  }
}

TEST_CASE("client vs openssl s_server -tls1_3: resumption with a ticket") {
  REQUIRE(have_program("openssl"));
  for (const char* suite : {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"}) {
    std::string suite_name = suite;
    CAPTURE(suite_name);
    PeerServer srv = s_server13(concat(ec_cert_args(), {"-ciphersuites", suite, "-www", "-naccept", "2"}));
    ClientCase c;
    c.suites = suite;
    ClientRun first = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(first));
    REQUIRE(first.handshake_ok);
    CHECK(www_page_says(first.received, "New", suite));
    REQUIRE(first.session.has_value());
    CHECK(first.session->version == 0x0304);
    CHECK_FALSE(first.session->ticket.empty());
    // Through its saved form, as a tool would keep it.
    Session restored;
    REQUIRE(Session::decode(first.session->encode(), &restored));
    c.resume = restored;
    ClientRun second = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(second) << "\n" << srv.peer->output());
    REQUIRE(second.handshake_ok);
    CHECK(second.info.resumed);
    CHECK(second.info.cipher_suite == find_suite_by_name(suite)->id);
    CHECK(www_page_says(second.received, "Reused", suite));
    CHECK(second.clean_close);
  }
}

TEST_CASE("client vs openssl s_server -early_data: 0-RTT accepted") {
  REQUIRE(have_program("openssl"));
  // Without -www: s_server prints what it reads and sends what it reads on its stdin.
  PeerServer srv = s_server13(concat(rsa_cert_args(), {"-early_data", "-naccept", "2"}));
  ClientCase c;
  ClientRun first = exchange_lines(srv, c, "first connection", "server says one");  // the tickets come before
  INFO(describe(first));
  REQUIRE(first.session.has_value());
  CHECK(first.session->max_early_data > 0);  // the ticket allows 0-RTT
  c.resume = first.session;
  c.early = "early data line\n";
  ClientRun second;
  {
    Client cl(srv.port, c, &second);
    INFO(describe(second) << "\n" << srv.peer->output());
    REQUIRE(second.handshake_ok);
    CHECK(second.info.resumed);
    CHECK(second.info.early_data_accepted);
    CHECK(srv.peer->wait_for_output("End of early data", kIoTimeoutMs));
    REQUIRE(cl.write("after the handshake\n"));
    CHECK(srv.peer->wait_for_output("after the handshake", kIoTimeoutMs));
    REQUIRE(srv.peer->write_stdin("server says two\n"));
    CHECK(cl.read_until("server says two\n"));
    cl.close();
  }
  std::string out = srv.peer->output();
  INFO(out);
  CHECK(contains(out, "Early data received:\nearly data line\n"));
  size_t early_at = out.find("early data line"), late_at = out.find("after the handshake");
  CHECK(early_at < late_at);
}

TEST_CASE("client vs openssl s_server -early_data -groups P-256: 0-RTT after a HelloRetryRequest is sent again") {
  REQUIRE(have_program("openssl"));
  // -no_anti_replay: with it on, OpenSSL takes the session out of its cache when it reads the first
  // ClientHello, so the second one (after the HelloRetryRequest) would not resume.
  PeerServer srv =
      s_server13(concat(rsa_cert_args(), {"-early_data", "-no_anti_replay", "-groups", "P-256", "-naccept", "2"}));
  ClientCase c;
  c.groups = {kX25519, kP256};  // an X25519 share: the server asks again for P-256
  ClientRun first = exchange_lines(srv, c, "first", "one");
  REQUIRE(first.session.has_value());
  c.resume = first.session;
  c.early = "early after hrr\n";
  ClientRun r;
  {
    Client cl(srv.port, c, &r);
    INFO(describe(r));
    REQUIRE(r.handshake_ok);
    CHECK(r.info.resumed);
    CHECK_FALSE(r.info.early_data_accepted);
    CHECK(count(r.sent, kClientHello) == 2);
    // The early data was skipped by the server; the client sent it again after the handshake.
    CHECK(srv.peer->wait_for_output("early after hrr", kIoTimeoutMs));
    REQUIRE(srv.peer->write_stdin("two\n"));
    CHECK(cl.read_until("two\n"));
    cl.close();
  }
  std::string out = srv.peer->output();
  INFO(out);
  CHECK_FALSE(contains(out, "Early data received:"));
  CHECK(contains(out, "Early data was rejected"));
  CHECK(occurrences(out, "early after hrr") == 1);
}

TEST_CASE("client vs openssl s_server -rev: KeyUpdate from sanstls, requested and not") {
  REQUIRE(have_program("openssl"));
  for (const char* suite : kSuites13) {
    std::string suite_name = suite;
    CAPTURE(suite_name);
    PeerServer srv = s_server13(concat(rsa_cert_args(), {"-ciphersuites", suite, "-rev", "-msg", "-naccept", "1"}));
    ClientCase c;
    c.suites = suite;
    ClientRun r;
    {
      Client cl(srv.port, c, &r);
      REQUIRE(r.handshake_ok);
      REQUIRE(cl.write("before update\n"));
      REQUIRE(cl.read_until("etadpu erofeb\n"));
      // update_requested: OpenSSL answers with its own KeyUpdate before its next data.
      REQUIRE(cl.key_update(true).ok());
      REQUIRE(cl.write("after requested update\n"));
      CHECK(cl.read_until("etadpu detseuqer retfa\n"));
      CHECK(count(r.got, kKeyUpdate) == 1);
      // update_not_requested: only our write keys change.
      REQUIRE(cl.key_update(false).ok());
      REQUIRE(cl.key_update(false).ok());
      REQUIRE(cl.write("after two more\n"));
      CHECK(cl.read_until("erom owt retfa\n"));
      CHECK(count(r.got, kKeyUpdate) == 1);
      CHECK(count(r.sent, kKeyUpdate) == 3);
      cl.close();
    }
    INFO(describe(r));
    std::string out = srv.peer->output();
    INFO(out);
    CHECK_FALSE(r.failed);
    // -msg: the server read three KeyUpdates and wrote one.
    size_t got = 0, at = 0;
    while ((at = out.find("<<< TLS 1.3, Handshake [length 0005], KeyUpdate", at)) != std::string::npos) got++, at++;
    CHECK(got == 3);
    CHECK(contains(out, ">>> TLS 1.3, Handshake [length 0005], KeyUpdate"));
  }
}

TEST_CASE("client vs openssl s_server: KeyUpdate from the server ('k' and 'K' on its stdin)") {
  REQUIRE(have_program("openssl"));
  PeerServer srv = s_server13(concat(rsa_cert_args(), {"-msg", "-naccept", "1"}));
  ClientCase c;
  ClientRun r;
  {
    Client cl(srv.port, c, &r);
    REQUIRE(r.handshake_ok);
    REQUIRE(cl.write("hello\n"));
    REQUIRE(srv.peer->wait_for_output("hello", kIoTimeoutMs));
    int line = 0;
    for (const char* cmd : {"k\n", "K\n", "k\n"}) {
      std::string command = cmd;
      CAPTURE(command);
      line++;
      size_t before = srv.peer->output().size();
      REQUIRE(srv.peer->write_stdin(cmd));
      for (int i = 0; i < 200 && srv.peer->output().find("KeyUpdate", before) == std::string::npos; i++)
        srv.peer->wait_for_output("\n\n\n", 10);
      std::string from_server = "server line " + std::to_string(line) + "\n";
      REQUIRE(srv.peer->write_stdin(from_server));
      REQUIRE(cl.read_until(from_server));
      std::string from_client = "client line " + std::to_string(line) + "\n";
      REQUIRE(cl.write(from_client));
      CHECK(srv.peer->wait_for_output(from_client, kIoTimeoutMs));
    }
    cl.close();
  }
  INFO(describe(r) << "\n" << srv.peer->output());
  CHECK(count(r.got, kKeyUpdate) == 3);
  CHECK(count(r.sent, kKeyUpdate) == 1);  // the answer to 'K' (update_requested)
  CHECK(contains(srv.peer->output(), "<<< TLS 1.3, Handshake [length 0005], KeyUpdate"));
}

TEST_CASE("client vs openssl s_server -tls1_3: HelloRetryRequest with resumption") {
  REQUIRE(have_program("openssl"));
  {  // a PSK offered in both ClientHellos (the binder over the HelloRetryRequest transcript)
    PeerServer srv = s_server13(concat(rsa_cert_args(), {"-groups", "P-256", "-www", "-naccept", "2"}));
    ClientCase c;
    ClientRun first = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(first));
    REQUIRE(first.handshake_ok);
    CHECK(count(first.sent, kClientHello) == 2);
    REQUIRE(first.session.has_value());
    c.resume = first.session;
    ClientRun second = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(second) << "\n" << srv.peer->output());
    REQUIRE(second.handshake_ok);
    CHECK(second.info.resumed);
    CHECK(second.info.group == kP256);
    CHECK(count(second.sent, kClientHello) == 2);
    CHECK(contains(second.received, "\nReused, TLSv1.3, "));
  }
}

TEST_CASE("client vs openssl s_server -tls1_3: small fragments, padded records, no middlebox compatibility") {
  REQUIRE(have_program("openssl"));
  struct Variant {
    const char* name;
    std::vector<std::string> args;
  };
  std::vector<std::string> verify = {"-Verify", "1", "-CAfile", cert("ca.pem"), "-verify_return_error"};
  const Variant variants[] = {
      // Encrypted handshake messages (a certificate chain, a CertificateRequest) split over many records.
      {"max_send_frag 512", concat(concat(ec_cert_args(), verify), {"-max_send_frag", "512"})},
      {"record_padding 1000", {"-record_padding", "1000"}},
      {"no_middlebox", {"-no_middlebox"}},
  };
  for (const Variant& v : variants) {
    std::string variant = v.name;
    CAPTURE(variant);
    PeerServer srv = s_server13(concat(concat(rsa_cert_args(), v.args), {"-www", "-naccept", "1"}));
    ClientCase c;
    c.cert_name = "client";
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r) << "\n" << srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(www_page_says(r.received, "New", "TLS_AES_128_GCM_SHA256"));  // our first choice
    CHECK(r.received.size() > 2048);
    // A server without compatibility mode sends no ChangeCipherSpec (0xff in the trace).
    CHECK((count(r.got, 0xff) == 0) == (variant == "no_middlebox"));
    CHECK(r.clean_close);
  }
}

TEST_CASE("client vs openssl s_server -early_data: 0-RTT refused on a reused ticket, data sent after") {
  REQUIRE(have_program("openssl"));
  PeerServer srv = s_server13(concat(rsa_cert_args(), {"-early_data", "-naccept", "3"}));
  ClientCase c;
  ClientRun first = exchange_lines(srv, c, "first", "one");
  REQUIRE(first.session.has_value());
  c.resume = first.session;
  for (int i = 0; i < 2; i++) {
    CAPTURE(i);
    std::string early = "early try " + std::to_string(i) + "\n";
    c.early = early;
    ClientRun r;
    Client cl(srv.port, c, &r);
    INFO(describe(r));
    REQUIRE(r.handshake_ok);
    // OpenSSL's anti-replay: a ticket takes early data once. The second time the data is not lost:
    // the client sends it after the handshake.
    CHECK(r.info.early_data_accepted == (i == 0));
    CHECK(srv.peer->wait_for_output(early, kIoTimeoutMs));
    REQUIRE(srv.peer->write_stdin("reply " + std::to_string(i) + "\n"));
    CHECK(cl.read_until("reply " + std::to_string(i) + "\n"));
    cl.close();
  }
  std::string out = srv.peer->output();
  INFO(out);
  CHECK(contains(out, "Early data received:\nearly try 0\n"));
  CHECK_FALSE(contains(out, "Early data received:\nearly try 1"));
  bool refused = contains(out, "Early data was rejected") || contains(out, "No early data received");
  CHECK(refused);
}

TEST_CASE("client (TLS 1.2 and 1.3) vs openssl s_server -tls1_2: settles for TLS 1.2") {
  REQUIRE(have_program("openssl"));
  PeerServer srv = s_server13(concat(rsa_cert_args(), {"-www", "-naccept", "2"}), "-tls1_2");
  ClientCase c;
  c.min_version = 0x0303;
  ClientRun r = run_client(srv.port, c, kHttpGet, "");
  INFO(describe(r) << "\n" << srv.peer->output());
  REQUIRE(r.handshake_ok);
  CHECK(r.info.version == 0x0303);
  CHECK(contains(r.received, "Protocol  : TLSv1.2"));
  CHECK(r.clean_close);
  // A client that insists on TLS 1.3 is refused by this server (protocol_version).
  ClientCase only13;
  ClientRun refused = run_client(srv.port, only13, kHttpGet, "");
  INFO(describe(refused));
  CHECK_FALSE(refused.handshake_ok);
  CHECK(refused.error.alert == AlertDescription::protocol_version);
}

// ---------------------------------------------------------------------------------------------------
// gnutls-serv

TEST_CASE("client vs gnutls-serv --echo (TLS 1.3): every suite, group and server key") {
  REQUIRE(have_program("gnutls-serv"));
  PeerServer srv = start_gnutls_serv({"--priority", kGnutls13});
  int i = 0;
  for (const char* suite : kSuites13) {
    for (uint16_t group : {kX25519, kP256, kP384, kFfdhe2048}) {
      for (bool ecdsa : {false, true}) {
        std::string suite_name = suite;
        CAPTURE(suite_name);
        CAPTURE(group);
        CAPTURE(ecdsa);
        ClientCase c;
        c.suites = suite;
        c.groups = {group};
        // The signature_algorithms we offer choose the server's certificate.
        c.schemes = {ecdsa ? kEcdsaP256Sha256 : kRsaPssRsaeSha256};
        std::string line = "ping " + std::to_string(i++) + " " + suite_name + "\n";
        ClientRun r = run_client(srv.port, c, line, "\n");
        INFO(describe(r) << "\n" << srv.peer->output());
        REQUIRE(r.handshake_ok);
        CHECK(r.info.version == 0x0304);
        CHECK(r.info.cipher_suite == find_suite_by_name(suite)->id);
        CHECK(r.info.group == group);
        CHECK(r.info.signature_scheme == c.schemes[0]);
        CHECK(count(r.sent, kClientHello) == 1);
        CHECK(r.received == line);
      }
    }
  }
}

TEST_CASE("client vs gnutls-serv (TLS 1.3): HelloRetryRequest, bulk data, KeyUpdate, clean close") {
  REQUIRE(have_program("gnutls-serv"));
  for (const char* group : {"GROUP-SECP384R1", "GROUP-FFDHE2048"}) {
    std::string group_name = group;
    CAPTURE(group_name);
    PeerServer srv = start_gnutls_serv({"--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+" + group_name});
    ClientCase c;
    c.groups = {kX25519, kP256, kP384, kFfdhe2048};
    ClientRun r;
    std::string big;
    for (int n = 0; big.size() < 50000; n++) big += "block " + std::to_string(n) + " of bulk; ";
    big += "\n";
    {
      Client cl(srv.port, c, &r);
      REQUIRE(r.handshake_ok);
      CHECK(r.info.group == (group_name == "GROUP-SECP384R1" ? kP384 : kFfdhe2048));
      CHECK(count(r.sent, kClientHello) == 2);
      REQUIRE(cl.write(big));
      CHECK(cl.read_until("\n"));
      CHECK(r.received == big);
      r.received.clear();
      REQUIRE(cl.key_update(true).ok());
      REQUIRE(cl.write("after the update\n"));
      CHECK(cl.read_until("\n"));
      CHECK(r.received == "after the update\n");
      CHECK(count(r.got, kKeyUpdate) == 1);  // GnuTLS answered update_requested
      cl.close();
    }
    INFO(describe(r) << "\n" << srv.peer->output());
    CHECK_FALSE(r.failed);
  }
}

TEST_CASE("client vs gnutls-serv (TLS 1.3): client authentication") {
  REQUIRE(have_program("gnutls-serv"));
  PeerServer srv =
      start_gnutls_serv({"--priority", kGnutls13, "--require-client-cert", "--verify-client-cert", "--x509cafile", cert("ca.pem")});
  for (const char* name : {"client", "client_ec"}) {
    std::string cert_name = name;
    CAPTURE(cert_name);
    ClientCase c;
    c.cert_name = name;
    ClientRun r = run_client(srv.port, c, "with cert\n", "\n");
    INFO(describe(r) << "\n" << srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(r.info.client_authenticated);
    CHECK(r.received == "with cert\n");
  }
  ClientCase none;
  ClientRun r = run_client(srv.port, none, "", "\n");  // nothing written (see the openssl case)
  INFO(describe(r));
  CHECK(r.received.empty());
  CHECK_FALSE(r.clean_close);
  CHECK(r.error.kind == ErrorKind::alert_received);
  CHECK(r.error.alert == AlertDescription::certificate_required);
}

TEST_CASE("client vs gnutls-serv (TLS 1.3): resumption and 0-RTT") {
  REQUIRE(have_program("gnutls-serv"));
  PeerServer srv = start_gnutls_serv({"--priority", kGnutls13, "--earlydata", "--maxearlydata", "4096"});
  ClientCase c;
  ClientRun first = run_client(srv.port, c, "first\n", "\n");
  INFO(describe(first));
  REQUIRE(first.handshake_ok);
  REQUIRE(first.session.has_value());
  CHECK(first.tickets >= 1);
  CHECK(first.session->max_early_data > 0);
  c.resume = first.session;
  ClientRun second = run_client(srv.port, c, "second\n", "\n");
  INFO(describe(second));
  REQUIRE(second.handshake_ok);
  CHECK(second.info.resumed);
  CHECK(second.received == "second\n");
  // 0-RTT on a fresh ticket. gnutls-serv's echo loop reads with gnutls_record_recv only, so it drops
  // the early data it accepted (it does not echo it); that it accepted it and then read our
  // EndOfEarlyData and Finished under the right keys is what this checks.
  REQUIRE(second.session.has_value());
  c.resume = second.session;
  c.early = "early line\n";
  ClientRun third = run_client(srv.port, c, "late line\n", "late line\n");
  INFO(describe(third) << "\n" << srv.peer->output());
  REQUIRE(third.handshake_ok);
  CHECK(third.info.resumed);
  if (third.info.early_data_accepted) {
    CHECK(third.received == "late line\n");
    CHECK(count(third.sent, kEndOfEarlyData) == 1);
  } else {
    // A server may refuse 0-RTT at its discretion (RFC 8446 4.2.10); gnutls-serv did so once under
    // AddressSanitizer on a loaded machine. Then the client must send its early data again after the
    // handshake, and no EndOfEarlyData.
    WARN_MESSAGE(false, "gnutls-serv refused the 0-RTT data this time");
    CHECK(third.received == "early line\nlate line\n");
    CHECK(count(third.sent, kEndOfEarlyData) == 0);
  }
}

}  // namespace
}  // namespace testing
}  // namespace sanstls
