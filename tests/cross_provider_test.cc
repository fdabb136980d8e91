// sanstls against sanstls with a different crypto provider on each side (issue 16): a client on the
// mbedTLS provider and a server on the libcrypto one, and the other way round (and libcrypto on both
// sides), for every default suite of TLS 1.2 and TLS 1.3, every key-exchange group, RSA and ECDSA
// certificates, client certificates, and resumption with a ticket the other provider made.
#include <doctest/doctest.h>

#include <string>
#include <utility>

#include "core/suites.h"
#include "crypto/libcrypto.h"
#include "crypto/mbedtls.h"
#include "tests/pair.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

const crypto::Provider& mbed() { return crypto::mbedtls_provider(); }
const crypto::Provider& lc() { return crypto::libcrypto_provider(); }

struct Sides {
  const crypto::Provider* client;
  const crypto::Provider* server;
  const char* name;
};
const Sides kSides[] = {
    {&mbed(), &lc(), "client mbedtls, server libcrypto"},
    {&lc(), &mbed(), "client libcrypto, server mbedtls"},
    {&lc(), &lc(), "client libcrypto, server libcrypto"},
};

std::shared_ptr<const ServerConfig> server_cfg(const crypto::Provider& p, bool client_auth = false) {
  ServerConfig::Builder b;
  b.provider(p);
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  if (client_auth) b.client_auth(ClientAuth::required, read_file("tests/certs/ca.pem"));
  Built<ServerConfig> built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

std::shared_ptr<const ClientConfig> client_cfg(const crypto::Provider& p, uint16_t version, const std::string& suite,
                                               std::vector<uint16_t> groups = {}, const std::string& cert = "") {
  ClientConfig::Builder b;
  b.provider(p);
  b.versions(version, version);
  b.trust_anchors_pem(read_file("tests/certs/ca.pem"));
  b.cipher_suite_names(suite);
  if (!groups.empty()) b.groups(std::move(groups));
  if (!cert.empty())
    b.client_certificate(read_file("tests/certs/" + cert + ".pem"), read_file("tests/certs/" + cert + ".key.pem"));
  Built<ClientConfig> built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

struct Run {
  std::unique_ptr<crypto::Rng> crng = crypto::make_deterministic_rng(ByteView::of("cross client"));
  std::unique_ptr<crypto::Rng> srng = crypto::make_deterministic_rng(ByteView::of("cross server"));
  FixedClock clock{kTestNowMs};
  std::unique_ptr<Connection> client, server;
  Seen cs, ss;

  Run(std::shared_ptr<const ClientConfig> ccfg, std::shared_ptr<const ServerConfig> scfg,
      std::optional<Session> resume = std::nullopt) {
    client = std::make_unique<Connection>(Connection::client(ccfg, {"localhost", resume, true}, *crng, clock));
    server = std::make_unique<Connection>(Connection::server(scfg, *srng, clock));
  }

  // Handshake, then data both ways (more than one record from the server) and a clean close.
  void run_and_check() {
    REQUIRE(pump(*client, *server, &cs, &ss));
    REQUIRE(cs.done);
    REQUIRE(ss.done);
    const std::string ping = "ping from the client";
    const std::string big(40000, 'x');
    REQUIRE(client->send(ByteView::of(ping)).value() == ping.size());
    REQUIRE(server->send(ByteView::of(big)).value() == big.size());
    REQUIRE(pump(*client, *server, &cs, &ss));
    CHECK(ss.data == ping);
    CHECK(cs.data == big);
  }
};

}  // namespace

TEST_CASE("TLS 1.2: every default suite, across providers") {
  for (const Sides& sides : kSides) {
    auto scfg = server_cfg(*sides.server);
    for (uint16_t id : default_tls12_suites()) {
      const CipherSuite* s = find_suite(id);
      CAPTURE(sides.name);
      CAPTURE(s->iana_name);
      Run r(client_cfg(*sides.client, 0x0303, s->iana_name), scfg);
      r.run_and_check();
      CHECK(r.client->info()->version == 0x0303);
      CHECK(r.client->info()->cipher_suite == id);
      CHECK(r.server->info()->cipher_suite == id);
    }
  }
}

TEST_CASE("TLS 1.3: every suite and every group, across providers") {
  // X25519, P-256, P-384, P-521, X448, ffdhe2048/3072
  const uint16_t groups[] = {0x001d, 0x0017, 0x0018, 0x0019, 0x001e, 0x0100, 0x0101};
  for (const Sides& sides : kSides) {
    auto scfg = server_cfg(*sides.server);
    for (uint16_t id : default_tls13_suites()) {
      for (uint16_t group : groups) {
        const CipherSuite* s = find_suite(id);
        CAPTURE(sides.name);
        CAPTURE(s->iana_name);
        CAPTURE(group);
        Run r(client_cfg(*sides.client, 0x0304, s->iana_name, {group}), scfg);
        r.run_and_check();
        CHECK(r.client->info()->version == 0x0304);
        CHECK(r.client->info()->cipher_suite == id);
        CHECK(r.client->info()->group == group);
        CHECK(r.server->info()->group == group);
      }
    }
  }
}

TEST_CASE("TLS 1.2 DHE and ECDHE groups across providers") {
  for (const Sides& sides : kSides) {
    auto scfg = server_cfg(*sides.server);
    // X25519, P-256, P-384, P-521, X448. An ECDHE-RSA suite: with only the group under test in
    // supported_groups, an ECDSA P-256 certificate would be refused (RFC 8422 5.1.1).
    for (uint16_t group : {uint16_t{0x001d}, uint16_t{0x0017}, uint16_t{0x0018}, uint16_t{0x0019}, uint16_t{0x001e}}) {
      CAPTURE(sides.name);
      CAPTURE(group);
      Run r(client_cfg(*sides.client, 0x0303, "ECDHE-RSA-AES128-GCM-SHA256", {group}), scfg);
      r.run_and_check();
      CHECK(r.client->info()->group == group);
    }
  }
}

TEST_CASE("client certificates (RSA and ECDSA) across providers, both versions") {
  for (const Sides& sides : kSides) {
    auto scfg = server_cfg(*sides.server, /*client_auth=*/true);
    for (const char* cert : {"client", "client_ec"}) {
      for (uint16_t version : {uint16_t{0x0303}, uint16_t{0x0304}}) {
        CAPTURE(sides.name);
        CAPTURE(cert);
        CAPTURE(version);
        const char* suite = version == 0x0304 ? "TLS_AES_128_GCM_SHA256" : "ECDHE-RSA-AES128-GCM-SHA256";
        Run r(client_cfg(*sides.client, version, suite, {}, cert), scfg);
        r.run_and_check();
        CHECK(r.server->info()->client_authenticated);
      }
    }
  }
}

TEST_CASE("resumption with a ticket sealed by the other provider") {
  for (const Sides& sides : kSides) {
    auto scfg = server_cfg(*sides.server);
    for (uint16_t version : {uint16_t{0x0303}, uint16_t{0x0304}}) {
      CAPTURE(sides.name);
      CAPTURE(version);
      const char* suite = version == 0x0304 ? "TLS_CHACHA20_POLY1305_SHA256" : "ECDHE-RSA-AES256-GCM-SHA384";
      auto ccfg = client_cfg(*sides.client, version, suite);
      Run first(ccfg, scfg);
      first.run_and_check();
      std::optional<Session> session = first.client->session();
      REQUIRE(session.has_value());
      Run again(ccfg, scfg, session);
      again.run_and_check();
      CHECK(again.client->info()->resumed);
      CHECK(again.server->info()->resumed);
    }
  }
}
