// Interop (issue 14 items 6 and 7): the suite x group matrix against OpenSSL 3.0 and GnuTLS 3.7, both
// directions, TLS 1.2 and 1.3. Every suite sanstls speaks (the defaults and the opt-in AES-CCM and CCM_8 ones) with every
// group it can use with that suite: TLS 1.3 suites with X25519, P-256, P-384, P-521, X448, ffdhe2048
// and ffdhe3072; TLS 1.2 ECDHE suites with the five elliptic-curve groups; DHE and RSA suites once.
// Each side is pinned to the one suite and the one group of the cell, so a completed handshake proves
// that the peer negotiated exactly that cell. Then ECDSA with SHA-512 (0x0603) both ways: a P-521
// certificate in TLS 1.3, and SHA-512 over P-256 and P-521 keys in TLS 1.2 (RFC 8422 5.1.1).
//
// Time: one openssl s_server / gnutls-serv per suite serves all of its cells; each s_client / gnutls-cli
// run (a process of its own) gets a sanstls server of its own, restricted to the cell's group.
#include <doctest/doctest.h>

#include <iterator>

#include <string>
#include <utility>
#include <vector>

#include "core/suites.h"
#include "tests/interop_support.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

namespace sanstls {
namespace testing {
namespace {

constexpr uint16_t kP521 = 0x0019, kX448 = 0x001e, kFfdhe3072 = 0x0101;
constexpr uint16_t kEcdsaSha512 = 0x0603;

const uint16_t kGroups13[] = {kX25519, kP256, kP384, kP521, kX448, kFfdhe2048, kFfdhe3072};
const uint16_t kEcGroups[] = {kX25519, kP256, kP384, kP521, kX448};

const char* ossl_group(uint16_t g) {
  switch (g) {
    case kX25519: return "X25519";
    case kP256: return "P-256";
    case kP384: return "P-384";
    case kP521: return "P-521";
    case kX448: return "X448";
    case kFfdhe2048: return "ffdhe2048";
    case kFfdhe3072: return "ffdhe3072";
  }
  return "?";
}

// Every suite sanstls speaks: TLS 1.3 first, then TLS 1.2; the defaults, then the opt-in ones.
std::vector<const CipherSuite*> all_suites() {
  std::vector<const CipherSuite*> out;
  for (const auto* list : {&default_tls13_suites(), &default_tls12_suites(), &opt_in_suites()})
    for (uint16_t id : *list) out.push_back(find_suite(id));
  return out;
}

// The groups of a suite's cells; 0 stands for "no group of its own" (DHE, RSA: the group is not
// negotiated through supported_groups by OpenSSL's TLS 1.2).
std::vector<uint16_t> groups_for(const CipherSuite& s) {
  if (s.is_tls13()) return std::vector<uint16_t>(std::begin(kGroups13), std::end(kGroups13));
  if (s.kx == KeyExchange::ecdhe_rsa || s.kx == KeyExchange::ecdhe_ecdsa)
    return std::vector<uint16_t>(std::begin(kEcGroups), std::end(kEcGroups));
  return {0};
}

std::string all_suite_names() {
  std::string names;
  for (const CipherSuite* s : all_suites()) names += (names.empty() ? "" : ":") + std::string(s->openssl_name);
  return names;
}

std::vector<std::string> s_server_args(const CipherSuite& s) {
  std::vector<std::string> a = s.server_key_is_ecdsa() ? ec_cert_args() : rsa_cert_args();
  if (s.is_tls13()) {
    // Both certificates: the client's signature_algorithms picks (it offers both kinds).
    a = concat(a, {"-dcert", cert("server_ec.pem"), "-dkey", cert("server_ec.key.pem"), "-dcert_chain",
                   cert("int.pem"), "-tls1_3", "-ciphersuites", s.openssl_name});
  } else {
    a = concat(a, {"-tls1_2", "-cipher", std::string(s.openssl_name) + ":@SECLEVEL=1"});
  }
  return concat(a, {"-groups", "X25519:P-256:P-384:P-521:X448:ffdhe2048:ffdhe3072", "-www"});
}

// The groups a client offers for a cell. TLS 1.2 ECDHE-ECDSA: the cell's group, then P-256, the curve of
// the server's ECDSA certificate: in TLS 1.2 supported_groups also names the curves the client accepts
// in the server's certificate (RFC 8422 5.1.1, 5.3), and OpenSSL holds both sides to it.
std::vector<uint16_t> client_groups(const CipherSuite& s, uint16_t g) {
  if (g == 0) return {};
  if (!s.is_tls13() && s.server_key_is_ecdsa() && g != kP256) return {g, kP256};
  return {g};
}

// GnuTLS priority strings that allow exactly one suite (its key exchange, cipher and MAC) and the given
// groups (none given: GnuTLS's own).
const char* gnutls_group(uint16_t g) {
  switch (g) {
    case kX25519: return "GROUP-X25519";
    case kP256: return "GROUP-SECP256R1";
    case kP384: return "GROUP-SECP384R1";
    case kP521: return "GROUP-SECP521R1";
    case kX448: return "GROUP-X448";
    case kFfdhe2048: return "GROUP-FFDHE2048";
    case kFfdhe3072: return "GROUP-FFDHE3072";
  }
  return "?";
}

std::string gnutls_priority(const CipherSuite& s, const std::vector<uint16_t>& groups) {
  std::string p = s.is_tls13() ? "NORMAL:-VERS-ALL:+VERS-TLS1.3" : "NORMAL:-VERS-ALL:+VERS-TLS1.2";
  if (!s.is_tls13()) {
    const char* kx = s.kx == KeyExchange::rsa           ? "RSA"
                     : s.kx == KeyExchange::dhe_rsa     ? "DHE-RSA"
                     : s.kx == KeyExchange::ecdhe_rsa   ? "ECDHE-RSA"
                                                        : "ECDHE-ECDSA";
    p += std::string(":-KX-ALL:+") + kx;
  }
  const char* cipher = "?";
  switch (s.cipher) {
    case BulkCipher::aes_128_gcm: cipher = "AES-128-GCM"; break;
    case BulkCipher::aes_256_gcm: cipher = "AES-256-GCM"; break;
    case BulkCipher::chacha20_poly1305: cipher = "CHACHA20-POLY1305"; break;
    case BulkCipher::aes_128_cbc: cipher = "AES-128-CBC"; break;
    case BulkCipher::aes_256_cbc: cipher = "AES-256-CBC"; break;
    case BulkCipher::aes_128_ccm: cipher = "AES-128-CCM"; break;
    case BulkCipher::aes_256_ccm: cipher = "AES-256-CCM"; break;
    case BulkCipher::aes_128_ccm_8: cipher = "AES-128-CCM-8"; break;
    case BulkCipher::aes_256_ccm_8: cipher = "AES-256-CCM-8"; break;
  }
  const char* mac = s.is_aead()                              ? "AEAD"
                    : s.mac_hash == crypto::HashAlg::sha1   ? "SHA1"
                    : s.mac_hash == crypto::HashAlg::sha256 ? "SHA256"
                                                            : "SHA384";
  p += std::string(":-CIPHER-ALL:+") + cipher + ":-MAC-ALL:+" + mac;
  if (!groups.empty()) {
    p += ":-GROUP-ALL";
    for (uint16_t g : groups) p += std::string(":+") + gnutls_group(g);
  }
  return p;
}

int cells_run = 0;

}  // namespace

TEST_CASE("matrix: sanstls client vs openssl s_server, every suite x group, TLS 1.2 and 1.3") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  const int64_t start = monotonic_ms();
  for (const CipherSuite* s : all_suites()) {
    std::string suite = s->openssl_name;
    CAPTURE(suite);
    PeerServer srv = start_s_server(s_server_args(*s));
    for (uint16_t g : groups_for(*s)) {
      std::string group = g == 0 ? "(none)" : ossl_group(g);
      CAPTURE(group);
      ClientCase c;
      c.suites = s->openssl_name;
      c.groups = client_groups(*s, g);  // OpenSSL takes the client's first group it has
      c.min_version = c.max_version = s->is_tls13() ? 0x0304 : 0x0303;
      ClientRun r = run_client(srv.port, c, kHttpGet, "");
      INFO(describe(r) << "\n" << srv.peer->output().substr(0, 2000));
      REQUIRE(r.handshake_ok);
      CHECK(r.info.cipher_suite == s->id);
      if (g != 0) CHECK(r.info.group == g);
      // The -www page is the server's view of the suite it negotiated.
      CHECK(contains(r.received, std::string("Cipher is ") + s->openssl_name));
      CHECK(r.clean_close);
      cells_run++;
    }
  }
  MESSAGE(cells_run << " cells in " << (monotonic_ms() - start) << " ms");
}

TEST_CASE("matrix: openssl s_client vs sanstls server, every suite x group, TLS 1.2 and 1.3") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  const int64_t start = monotonic_ms();
  int cells = 0;
  for (const CipherSuite* s : all_suites()) {
    std::string suite = s->openssl_name;
    CAPTURE(suite);
    for (uint16_t g : groups_for(*s)) {
      std::string group = g == 0 ? "(none)" : ossl_group(g);
      CAPTURE(group);
      // The server: every suite sanstls speaks (the opt-in ones too) and only the cell's group (every
      // group when the suite has none), so that it cannot pick another one the client offers.
      ServerCase sc;
      sc.suites = all_suite_names();
      sc.groups = g == 0 ? std::vector<uint16_t>(std::begin(kGroups13), std::end(kGroups13)) : std::vector<uint16_t>{g};
      std::vector<std::string> extra;
      if (s->is_tls13())
        extra = {"-ciphersuites", s->openssl_name};
      else
        extra = {"-cipher", std::string(s->openssl_name) + ":@SECLEVEL=1"};
      std::string groups;
      for (uint16_t cg : client_groups(*s, g)) groups += (groups.empty() ? "" : ":") + std::string(ossl_group(cg));
      if (!groups.empty()) extra = concat(extra, {"-groups", groups});
      const std::string version = s->is_tls13() ? "-tls1_3" : "-tls1_2";
      const std::string line = "cell " + suite + " " + group + "\n";
      ServedRun x = serve_peer_client(
          make_server_config(sc), [version, extra](uint16_t port) { return s_client_argv(port, version, extra); },
          line);
      const ServerConn& c = x.conns[0];
      INFO(describe(c) << "\n" << x.client.output.substr(0, 3000));
      REQUIRE(c.handshake_ok);
      CHECK(c.info.version == (s->is_tls13() ? 0x0304 : 0x0303));
      CHECK(c.info.cipher_suite == s->id);
      if (g != 0) CHECK(c.info.group == g);
      CHECK(c.received == line);
      CHECK(contains(x.client.output, kEchoPrefix + line));
      CHECK(contains(x.client.output, "Verify return code: 0 (ok)"));
      cells++;
    }
  }
  MESSAGE(cells << " cells in " << (monotonic_ms() - start) << " ms");
}

TEST_CASE("matrix: sanstls client vs gnutls-serv, every suite x group, TLS 1.2 and 1.3") {
  REQUIRE(have_program("gnutls-serv"));
  const int64_t start = monotonic_ms();
  int cells = 0;
  for (const CipherSuite* s : all_suites()) {
    std::string suite = s->openssl_name;
    CAPTURE(suite);
    // The server: the suite, every group (GnuTLS picks the client's first it has).
    PeerServer srv = start_gnutls_serv({"--noticket", "--priority", gnutls_priority(*s, {}) + ":+GROUP-ALL"});
    for (uint16_t g : groups_for(*s)) {
      std::string group = g == 0 ? "(none)" : ossl_group(g);
      CAPTURE(group);
      ClientCase c;
      c.suites = s->openssl_name;
      c.groups = client_groups(*s, g);
      c.min_version = c.max_version = s->is_tls13() ? 0x0304 : 0x0303;
      const std::string line = "cell " + suite + " " + group + "\n";
      ClientRun r = run_client(srv.port, c, line, "\n");
      INFO(describe(r) << "\n" << srv.peer->output().substr(0, 2000));
      REQUIRE(r.handshake_ok);
      CHECK(r.info.cipher_suite == s->id);
      if (g != 0) CHECK(r.info.group == g);
      CHECK(r.received == line);
      cells++;
    }
  }
  MESSAGE(cells << " cells in " << (monotonic_ms() - start) << " ms");
}

TEST_CASE("matrix: gnutls-cli vs sanstls server, every suite x group, TLS 1.2 and 1.3") {
  REQUIRE(have_program("gnutls-cli"));
  const int64_t start = monotonic_ms();
  int cells = 0;
  for (const CipherSuite* s : all_suites()) {
    std::string suite = s->openssl_name;
    CAPTURE(suite);
    for (uint16_t g : groups_for(*s)) {
      std::string group = g == 0 ? "(none)" : ossl_group(g);
      CAPTURE(group);
      ServerCase sc;
      sc.suites = all_suite_names();
      sc.groups = g == 0 ? std::vector<uint16_t>(std::begin(kGroups13), std::end(kGroups13)) : std::vector<uint16_t>{g};
      const std::string priority = gnutls_priority(*s, client_groups(*s, g));
      const std::string line = "cell " + suite + " " + group + "\n";
      ServedRun x = serve_peer_client(
          make_server_config(sc), [priority](uint16_t port) { return gnutls_cli_argv(port, priority, {}); }, line);
      const ServerConn& c = x.conns[0];
      INFO(priority << "\n" << describe(c) << "\n" << x.client.output.substr(0, 3000));
      REQUIRE(c.handshake_ok);
      CHECK(c.info.cipher_suite == s->id);
      if (g != 0) CHECK(c.info.group == g);
      CHECK(c.received == line);
      CHECK(contains(x.client.output, kEchoPrefix + line));
      cells++;
    }
  }
  MESSAGE(cells << " cells in " << (monotonic_ms() - start) << " ms");
}

TEST_CASE("ECDSA with SHA-512: sanstls client vs openssl s_server") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  const std::vector<std::string> p521 = {"-cert", cert("server_p521.pem"), "-key", cert("server_p521.key.pem")};
  SUBCASE("TLS 1.3, a P-521 certificate: ecdsa_secp521r1_sha512") {
    PeerServer srv = start_s_server(concat(p521, {"-tls1_3", "-www"}));
    ClientCase c;
    ClientRun r = run_client(srv.port, c, kHttpGet, "");
    INFO(describe(r) << "\n" << srv.peer->output());
    REQUIRE(r.handshake_ok);
    CHECK(r.info.signature_scheme == kEcdsaSha512);
  }
  SUBCASE("TLS 1.2: SHA-512 over P-256 and over P-521, when the client allows only 0x0603") {
    for (int key = 0; key < 2; key++) {
      CAPTURE(key);
      PeerServer srv = start_s_server(concat(key == 0 ? ec_cert_args() : p521, {"-tls1_2", "-www"}));
      ClientCase c;
      c.suites = "ECDHE-ECDSA-AES256-GCM-SHA384";
      c.schemes = {kEcdsaSha512};
      c.min_version = c.max_version = 0x0303;
      ClientRun r = run_client(srv.port, c, kHttpGet, "");
      INFO(describe(r) << "\n" << srv.peer->output());
      REQUIRE(r.handshake_ok);
      CHECK(r.info.signature_scheme == kEcdsaSha512);
    }
  }
}

TEST_CASE("ECDSA with SHA-512: openssl s_client vs sanstls server") {
  REQUIRE(have_program("openssl"));
  REQUIRE(have_program("stdbuf"));
  SUBCASE("TLS 1.3, a P-521 certificate, a client that pins ecdsa_secp521r1_sha512") {
    ServerConfig::Builder b;
    b.provider(test_provider());
    b.certificate(read_file("tests/certs/server_p521.pem"), read_file("tests/certs/server_p521.key.pem"));
    auto built = b.build();
    REQUIRE_MESSAGE(built.ok(), built.error);
    ServedRun x = serve_peer_client(built.config,
                                    [](uint16_t port) {
                                      return s_client_argv(port, "-tls1_3", {"-sigalgs", "ecdsa_secp521r1_sha512"});
                                    },
                                    "p521\n");
    INFO(x.describe(3000));
    REQUIRE(x.conns[0].handshake_ok);
    CHECK(x.conns[0].info.signature_scheme == kEcdsaSha512);
    CHECK(contains(x.client.output, "Peer signing digest: SHA512"));
    CHECK(contains(x.client.output, std::string(kEchoPrefix) + "p521"));
  }
  SUBCASE("TLS 1.2, the P-256 certificate, a client that offers only ECDSA+SHA512") {
    ServedRun x = serve_peer_client(make_server_config({}),
                                    [](uint16_t port) {
                                      return s_client_argv(port, "-tls1_2",
                                                           {"-sigalgs", "ECDSA+SHA512", "-cipher",
                                                            "ECDHE-ECDSA-AES128-GCM-SHA256"});
                                    },
                                    "sha512\n");
    INFO(x.describe(3000));
    REQUIRE(x.conns[0].handshake_ok);
    CHECK(x.conns[0].info.signature_scheme == kEcdsaSha512);
    CHECK(contains(x.client.output, "Peer signing digest: SHA512"));
    CHECK(contains(x.client.output, std::string(kEchoPrefix) + "sha512"));
  }
}

}  // namespace testing
}  // namespace sanstls
