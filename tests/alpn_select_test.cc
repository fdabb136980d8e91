// The server's ALPN selection hook (ServerConfig::Builder::alpn_select, RFC 7301 3.2) through the
// public API, in TLS 1.2 and 1.3: it sees the client's list in the client's order and the SNI, its
// choice is what both ends report, `none` goes on without ALPN, `refuse` fails with
// no_application_protocol, and a protocol the client did not offer is refused (internal_error) rather
// than sent.
#include <doctest/doctest.h>

#include <mutex>

#include "tests/pair.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

using Hook = std::function<AlpnDecision(const std::vector<std::string>&, const std::string&)>;

std::shared_ptr<const ServerConfig> server(uint16_t v, Hook hook, std::vector<std::string> alpn = {}) {
  ServerConfig::Builder b;
  b.provider(test_provider()).versions(v, v);
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  if (!alpn.empty()) b.alpn(alpn);
  b.alpn_select(std::move(hook));
  auto built = b.build();
  REQUIRE(built.ok());
  return built.config;
}

std::shared_ptr<const ClientConfig> client(uint16_t v, std::vector<std::string> alpn) {
  ClientConfig::Builder b;
  b.provider(test_provider()).versions(v, v).alpn(std::move(alpn));
  b.trust_anchors_pem(read_file("tests/certs/ca.pem"));
  auto built = b.build();
  REQUIRE(built.ok());
  return built.config;
}

struct Run {
  Seen cs, ss;
  bool pumped = false;
  std::string client_alpn, server_alpn;
  const Error* client_error = nullptr;
  Error server_error;
  bool server_failed = false;
};

Run handshake(std::shared_ptr<const ClientConfig> cc, std::shared_ptr<const ServerConfig> sc) {
  auto crng = crypto::make_deterministic_rng(ByteView::of("alpn c"));
  auto srng = crypto::make_deterministic_rng(ByteView::of("alpn s"));
  FixedClock clock(kTestNowMs);
  Connection::ClientOptions o;
  o.server_name = "localhost";
  Connection c = Connection::client(cc, o, *crng, clock);
  Connection s = Connection::server(sc, *srng, clock);
  Run r;
  r.pumped = pump(c, s, &r.cs, &r.ss);
  if (c.info()) r.client_alpn = c.info()->alpn;
  if (s.info()) r.server_alpn = s.info()->alpn;
  if (s.error()) {
    r.server_failed = true;
    r.server_error = *s.error();
  }
  return r;
}

}  // namespace

TEST_CASE("alpn_select: the hook sees the client's list and SNI; its choice is what both ends agree on") {
  for (uint16_t v : {uint16_t{0x0303}, uint16_t{0x0304}}) {
    CAPTURE(v);
    std::mutex mu;
    std::vector<std::string> seen;
    std::string seen_name;
    // Picks the client's LAST protocol: something the server-preference rule would never do here.
    auto sc = server(v, [&](const std::vector<std::string>& offered, const std::string& name) {
      std::lock_guard<std::mutex> lock(mu);
      seen = offered;
      seen_name = name;
      return AlpnDecision::select(offered.back());
    }, {"h2", "http/1.1", "x-last"});
    Run r = handshake(client(v, {"h2", "http/1.1", "x-last"}), sc);
    REQUIRE(r.pumped);
    REQUIRE(r.cs.done);
    CHECK(seen == std::vector<std::string>{"h2", "http/1.1", "x-last"});
    CHECK(seen_name == "localhost");
    CHECK(r.client_alpn == "x-last");
    CHECK(r.server_alpn == "x-last");
  }
}

TEST_CASE("alpn_select: none goes on without ALPN; refuse is no_application_protocol") {
  for (uint16_t v : {uint16_t{0x0303}, uint16_t{0x0304}}) {
    CAPTURE(v);
    Run none = handshake(client(v, {"h2"}), server(v, [](const std::vector<std::string>&, const std::string&) {
                           return AlpnDecision::none();
                         }));
    REQUIRE(none.pumped);
    REQUIRE(none.cs.done);
    CHECK(none.client_alpn.empty());
    CHECK(none.server_alpn.empty());

    Run refused = handshake(client(v, {"h2"}), server(v, [](const std::vector<std::string>&, const std::string&) {
                              return AlpnDecision::refuse();
                            }));
    CHECK(!refused.cs.done);
    REQUIRE(refused.server_failed);
    CHECK(refused.server_error.alert == AlertDescription::no_application_protocol);
    REQUIRE(refused.cs.alerts.size() == 1);
    CHECK(refused.cs.alerts[0].description == AlertDescription::no_application_protocol);
  }
}

TEST_CASE("alpn_select: a protocol the client did not offer is never sent (internal_error)") {
  for (uint16_t v : {uint16_t{0x0303}, uint16_t{0x0304}}) {
    CAPTURE(v);
    Run r = handshake(client(v, {"h2"}), server(v, [](const std::vector<std::string>&, const std::string&) {
                        return AlpnDecision::select("spdy/3");
                      }));
    CHECK(!r.cs.done);
    REQUIRE(r.server_failed);
    CHECK(r.server_error.alert == AlertDescription::internal_error);
  }
}

TEST_CASE("alpn_select: not called when the client sent no ALPN") {
  bool called = false;
  Run r = handshake(client(0x0304, {}), server(0x0304, [&](const std::vector<std::string>&, const std::string&) {
                      called = true;
                      return AlpnDecision::refuse();
                    }));
  REQUIRE(r.cs.done);
  CHECK(!called);
  CHECK(r.server_alpn.empty());
}
