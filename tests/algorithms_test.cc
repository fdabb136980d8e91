// The algorithms of issue 14 items 6 and 7, in memory, on the test provider (two targets: mbedTLS and
// libcrypto): the CBC suites OpenSSL offers by default, AES-CCM (opt-in, as in OpenSSL 3.0), the groups
// x448 and secp521r1, and ECDSA with SHA-512 (ecdsa_secp521r1_sha512: any curve in TLS 1.2, RFC 8422
// 5.1.1; a P-521 key in TLS 1.3, RFC 8446 4.2.3). tests/interop_matrix_test.cc proves them against
// OpenSSL.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/connection.h"
#include "core/suites.h"
#include "doctest/doctest.h"
#include "tests/pair.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

namespace sanstls {
namespace testing {
namespace {

constexpr uint16_t kP521 = 0x0019, kX448 = 0x001e;
constexpr uint16_t kEcdsaSha512 = 0x0603, kEcdsaP256Sha256 = 0x0403;

struct Opts {
  std::string suites;             // "" = defaults
  std::vector<uint16_t> groups;   // {} = defaults
  std::vector<uint16_t> schemes;  // {} = defaults
  uint16_t min_version = 0x0303, max_version = 0x0304;
};

std::shared_ptr<const ClientConfig> client(const Opts& o) {
  ClientConfig::Builder b;
  b.provider(test_provider());
  b.trust_anchors_pem(read_file("tests/certs/ca.pem"));
  if (!o.suites.empty()) b.cipher_suite_names(o.suites);
  if (!o.groups.empty()) b.groups(o.groups);
  if (!o.schemes.empty()) b.signature_schemes(o.schemes);
  b.versions(o.min_version, o.max_version);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

// certs: tests/certs names of the server's certificates (each with <name>.key.pem, chain in <name>.pem
// except server_ec, whose chain is server_ec_chain.pem).
std::shared_ptr<const ServerConfig> server(const Opts& o, const std::vector<std::string>& certs) {
  ServerConfig::Builder b;
  b.provider(test_provider());
  for (const std::string& c : certs)
    b.certificate(read_file("tests/certs/" + (c == "server_ec" ? std::string("server_ec_chain") : c) + ".pem"),
                  read_file("tests/certs/" + c + ".key.pem"));
  if (!o.suites.empty()) b.cipher_suite_names(o.suites);
  if (!o.groups.empty()) b.groups(o.groups);
  if (!o.schemes.empty()) b.signature_schemes(o.schemes);
  b.versions(o.min_version, o.max_version);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

struct Pair {
  std::unique_ptr<crypto::Rng> crng = crypto::make_deterministic_rng(ByteView::of("alg client"));
  std::unique_ptr<crypto::Rng> srng = crypto::make_deterministic_rng(ByteView::of("alg server"));
  FixedClock clock{kTestNowMs};
  std::unique_ptr<Connection> c, s;
  Seen cs, ss;
  Pair(std::shared_ptr<const ClientConfig> cc, std::shared_ptr<const ServerConfig> sc) {
    Connection::ClientOptions o;
    o.server_name = "localhost";
    c = std::make_unique<Connection>(Connection::client(cc, o, *crng, clock));
    s = std::make_unique<Connection>(Connection::server(sc, *srng, clock));
  }
  bool pump() { return testing::pump(*c, *s, &cs, &ss, 0); }
  // The handshake and a round trip of data both ways.
  void complete() {
    REQUIRE(pump());
    REQUIRE(cs.done);
    REQUIRE(ss.done);
    const std::string a = "ping", b(20000, 'z');
    REQUIRE(c->send(ByteView::of(a)).ok());
    REQUIRE(s->send(ByteView::of(b)).ok());
    REQUIRE(pump());
    CHECK(ss.data == a);
    CHECK(cs.data == b);
  }
};

std::vector<std::string> certs_for(const CipherSuite& s) {
  if (s.is_tls13()) return {"server_rsa", "server_ec"};
  return {s.server_key_is_ecdsa() ? "server_ec" : "server_rsa"};
}

}  // namespace

TEST_CASE("a config takes exactly the signature schemes sanstls signs and verifies with") {
  // RSA PKCS#1 v1.5 and RSA-PSS (rsae) with SHA-256/384/512, ECDSA with SHA-256/384/512: accepted.
  // SHA-1 (RFC 9155, RFC 8446), RSA-PSS with a PSS key, EdDSA and unknown values: refused by build().
  const std::vector<uint16_t> taken = {0x0401, 0x0501, 0x0601, 0x0804, 0x0805, 0x0806, 0x0403, 0x0503, 0x0603};
  const std::vector<uint16_t> refused = {0x0201, 0x0203, 0x0202, 0x0809, 0x080a, 0x080b, 0x0807, 0x0808, 0x0000};
  auto builds = [](uint16_t scheme) {
    ClientConfig::Builder b;
    b.provider(test_provider()).trust_anchors_pem(read_file("tests/certs/ca.pem")).signature_schemes({scheme});
    auto built = b.build();
    if (!built.ok()) CHECK(built.error == "unsupported signature scheme " + std::to_string(scheme));
    return built.ok();
  };
  for (uint16_t s : taken) CHECK_MESSAGE(builds(s), "scheme " << s);
  for (uint16_t s : refused) CHECK_MESSAGE(!builds(s), "scheme " << s);
}

TEST_CASE("the CBC suites OpenSSL offers by default are default suites here too") {
  // RFC 5246 A.5, RFC 5289 3.2 (SHA-384 PRF and MAC), RFC 8422 6.
  for (const char* name : {"ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-ECDSA-AES256-SHA",
                           "DHE-RSA-AES128-SHA", "DHE-RSA-AES256-SHA", "DHE-RSA-AES128-SHA256",
                           "DHE-RSA-AES256-SHA256", "AES256-SHA256"}) {
    CAPTURE(name);
    const CipherSuite* s = find_suite_by_name(name);
    REQUIRE(s != nullptr);
    CHECK(std::find(default_tls12_suites().begin(), default_tls12_suites().end(), s->id) !=
          default_tls12_suites().end());
    Opts o;
    o.suites = name;
    Pair p(client(o), server({}, certs_for(*s)));  // the server with its defaults
    p.complete();
    CHECK(p.c->info()->cipher_suite == s->id);
    CHECK(p.s->info()->encrypt_then_mac);
  }
  CHECK(find_suite_by_name("ECDHE-RSA-AES256-SHA384")->prf_hash == crypto::HashAlg::sha384);
  CHECK(find_suite_by_name("ECDHE-RSA-AES256-SHA384")->mac_key_len == 48);
}

TEST_CASE("AES-CCM suites: opt-in on both sides, then they work (RFC 6655, RFC 7251, RFC 8446 B.4)") {
  for (uint16_t id : opt_in_suites()) {
    const CipherSuite* s = find_suite(id);
    REQUIRE(s != nullptr);
    CAPTURE(s->iana_name);
    CHECK(std::find(default_tls12_suites().begin(), default_tls12_suites().end(), id) == default_tls12_suites().end());
    CHECK(std::find(default_tls13_suites().begin(), default_tls13_suites().end(), id) == default_tls13_suites().end());
    Opts only;
    only.suites = s->openssl_name;
    only.min_version = only.max_version = s->is_tls13() ? 0x0304 : 0x0303;
    {
      // A server on its defaults does not take it: no suite in common.
      Pair p(client(only), server({}, certs_for(*s)));
      CHECK_FALSE(p.pump());
      REQUIRE(p.s->error() != nullptr);
      CHECK(p.s->error()->alert == AlertDescription::handshake_failure);
    }
    {
      // Named on both sides, it is chosen, and records flow.
      Pair p(client(only), server(only, certs_for(*s)));
      p.complete();
      CHECK(p.c->info()->cipher_suite == id);
      CHECK(p.s->info()->cipher_suite == id);
      CHECK_FALSE(p.c->info()->encrypt_then_mac);
    }
  }
}

TEST_CASE("CCM_8 suites: an 8-byte tag, so each record is 8 bytes shorter than its CCM twin's") {
  // RFC 6655 3 / RFC 7251 2 (TLS 1.2: explicit nonce 8, tag 8), RFC 8446 B.4 and 5.2 (TLS 1.3: tag 8).
  struct Twin {
    const char* ccm8;
    const char* ccm;
  };
  for (const Twin& t : {Twin{"TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_SHA256"},
                        Twin{"ECDHE-ECDSA-AES128-CCM8", "ECDHE-ECDSA-AES128-CCM"},
                        Twin{"ECDHE-ECDSA-AES256-CCM8", "ECDHE-ECDSA-AES256-CCM"}}) {
    CAPTURE(t.ccm8);
    size_t sizes[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
      const CipherSuite* s = find_suite_by_name(k == 0 ? t.ccm8 : t.ccm);
      REQUIRE(s != nullptr);
      Opts only;
      only.suites = s->openssl_name;
      only.min_version = only.max_version = s->is_tls13() ? 0x0304 : 0x0303;
      Pair p(client(only), server(only, certs_for(*s)));
      p.complete();
      REQUIRE(p.c->info()->cipher_suite == s->id);
      // One application-data record of 100 bytes, as it goes on the wire.
      p.c->consume_output(p.c->pending_output().size());
      REQUIRE(p.c->send(ByteView::of(std::string(100, 'x'))).ok());
      sizes[k] = p.c->pending_output().size();
      // TLS 1.2: header 5 + explicit nonce 8 + 100 + tag; TLS 1.3: header 5 + 100 + content type 1 + tag.
      const size_t tag = k == 0 ? 8 : 16;
      CHECK(sizes[k] == (s->is_tls13() ? 5 + 100 + 1 + tag : 5 + 8 + 100 + tag));
      REQUIRE(p.pump());
      CHECK(p.ss.data.size() == 4 + 100);
    }
    CHECK(sizes[1] - sizes[0] == 8);
  }
}

TEST_CASE("x448 and secp521r1 key exchange, TLS 1.3 and TLS 1.2 ECDHE, and in the default groups") {
  for (uint16_t group : {kX448, kP521}) {
    for (uint16_t version : {0x0304, 0x0303}) {
      CAPTURE(group);
      CAPTURE(version);
      Opts o;
      o.groups = {group};
      o.min_version = o.max_version = version;
      if (version == 0x0303) o.suites = "ECDHE-RSA-AES128-GCM-SHA256";
      // The server on its default groups.
      Pair p(client(o), server({}, {"server_rsa"}));
      p.complete();
      CHECK(p.c->info()->group == group);
      CHECK(p.s->info()->group == group);
    }
  }
  // The client's default groups list both; its one key share stays X25519, so a server that takes only
  // x448 asks again (HelloRetryRequest) and gets it.
  Opts s448;
  s448.groups = {kX448};
  Pair p(client({}), server(s448, {"server_rsa"}));
  p.complete();
  CHECK(p.c->info()->group == kX448);
}

TEST_CASE("ECDSA with SHA-512: ecdsa_secp521r1_sha512 with a P-521 key in TLS 1.3, any curve in TLS 1.2") {
  {
    // TLS 1.3 with the P-521 certificate: CertificateVerify with ecdsa_secp521r1_sha512.
    Opts o;
    o.min_version = o.max_version = 0x0304;
    Pair p(client(o), server({}, {"server_p521"}));
    p.complete();
    CHECK(p.c->info()->signature_scheme == kEcdsaSha512);
  }
  {
    // TLS 1.3: the scheme names its curve (RFC 8446 4.2.3): a client that allows only
    // ecdsa_secp521r1_sha512 gets no P-256 signature from a server with only a P-256 key.
    Opts o;
    o.min_version = o.max_version = 0x0304;
    o.schemes = {kEcdsaSha512};
    Pair p(client(o), server({}, {"server_ec"}));
    CHECK_FALSE(p.pump());
    REQUIRE(p.s->error() != nullptr);
    CHECK(p.s->error()->alert == AlertDescription::handshake_failure);
  }
  {
    // TLS 1.2: ECDSA with SHA-512 on P-256 (RFC 8422 5.1.1 pairs any ECDSA hash with any curve), as the
    // clients that pin 0x0603 offer it.
    Opts o;
    o.min_version = o.max_version = 0x0303;
    o.suites = "ECDHE-ECDSA-AES128-GCM-SHA256";
    o.schemes = {kEcdsaSha512};
    Pair p(client(o), server({}, {"server_ec"}));
    p.complete();
    CHECK(p.c->info()->signature_scheme == kEcdsaSha512);
  }
  {
    // TLS 1.2 with the P-521 certificate, the client's default schemes.
    Opts o;
    o.min_version = o.max_version = 0x0303;
    o.suites = "ECDHE-ECDSA-AES256-GCM-SHA384";
    Pair p(client(o), server({}, {"server_p521"}));
    p.complete();
    CHECK(p.s->info()->signature_scheme == kEcdsaP256Sha256);  // the first of the server's that fits
  }
  // On by default.
  const std::vector<uint16_t> schemes = client({})->signature_schemes;
  CHECK(std::find(schemes.begin(), schemes.end(), kEcdsaSha512) != schemes.end());
}

TEST_CASE("TLS 1.2 server: an ECDSA certificate only on a curve the client's supported_groups lists (RFC 8422 5.1.1)") {
  // The client's supported_groups names the curves it accepts for ECDSA too (RFC 8422 5.1.1, 5.3);
  // OpenSSL's client aborts with illegal_parameter when a server ignores it.
  Opts o;
  o.min_version = o.max_version = 0x0303;
  o.groups = {kX448};
  {
    o.suites = "ECDHE-ECDSA-AES128-GCM-SHA256";
    Pair p(client(o), server({}, {"server_ec"}));  // P-256 only
    CHECK_FALSE(p.pump());
    REQUIRE(p.s->error() != nullptr);
    CHECK(p.s->error()->alert == AlertDescription::handshake_failure);
  }
  {
    // With an RSA certificate too, the server takes an RSA suite the client offers.
    o.suites = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
    Pair p(client(o), server({}, {"server_ec", "server_rsa"}));
    p.complete();
    CHECK(p.c->info()->cipher_suite == find_suite_by_name("ECDHE-RSA-AES128-GCM-SHA256")->id);
  }
  {
    // The P-521 certificate when the client lists P-521 (and not P-256).
    o.suites = "ECDHE-ECDSA-AES128-GCM-SHA256";
    o.groups = {kX448, kP521};
    Pair p(client(o), server({}, {"server_ec", "server_p521"}));
    p.complete();
    CHECK(p.c->info()->group == kX448);
    CHECK(p.c->info()->peer_chain.size() == 1);  // server_p521.pem, no intermediate (server_ec has one)
  }
}

}  // namespace testing
}  // namespace sanstls
