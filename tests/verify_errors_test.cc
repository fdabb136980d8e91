// Certificate failures explained (Connection::error_detail): which certificate failed (depth, subject)
// and why, each case with its own line: an expired leaf, a leaf not yet valid, a CA not yet valid, a
// Clock in seconds instead of milliseconds, a name mismatch (with the expected name and the names the
// certificate holds), an unknown issuer; on the client and, for a client certificate, on the server.
// The error() itself (kind, alert, fixed text) is unchanged.
#include <doctest/doctest.h>

#include <set>

#include "tests/pair.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

constexpr uint64_t k2023_06_01 = 1685577600000ull;  // ms
constexpr uint64_t k2030_01_01 = kTestNowMs;

std::shared_ptr<const ServerConfig> server(const std::string& chain, const std::string& key, bool client_auth = false) {
  ServerConfig::Builder b;
  b.provider(test_provider());
  b.certificate(read_file("tests/certs/" + chain), read_file("tests/certs/" + key));
  if (client_auth) b.client_auth(ClientAuth::required, read_file("tests/certs/ca.pem"));
  auto built = b.build();
  REQUIRE(built.ok());
  return built.config;
}

struct Outcome {
  std::string client_detail, server_detail;
  ErrorKind client_kind = ErrorKind::internal, server_kind = ErrorKind::internal;
  bool client_failed = false, server_failed = false;
};

Outcome connect(std::shared_ptr<const ServerConfig> sc, uint64_t now_ms, const std::string& name = "localhost",
                bool client_cert = false) {
  auto crng = crypto::make_deterministic_rng(ByteView::of("verify c"));
  auto srng = crypto::make_deterministic_rng(ByteView::of("verify s"));
  FixedClock clock(now_ms);
  Connection::ClientOptions o;
  o.server_name = name;
  Connection c = Connection::client(client_config("", client_cert), o, *crng, clock);
  Connection s = Connection::server(sc, *srng, clock);
  Seen cs, ss;
  pump(c, s, &cs, &ss);
  Outcome r;
  if (c.error()) {
    r.client_failed = true;
    r.client_kind = c.error()->kind;
    r.client_detail = c.error_detail();
  }
  if (s.error()) {
    r.server_failed = true;
    r.server_kind = s.error()->kind;
    r.server_detail = s.error_detail();
  }
  return r;
}

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("error_detail: each certificate failure says which certificate and why, in its own line") {
  std::set<std::string> lines;

  {
    // An expired leaf.
    Outcome expired = connect(server("expired.pem", "expired.key.pem"), k2030_01_01);
    REQUIRE(expired.client_failed);
    CHECK(expired.client_kind == ErrorKind::bad_certificate);
    INFO(expired.client_detail);
    CHECK(has(expired.client_detail, "the certificate (depth 0, subject \"O=sanstls, CN=localhost\") has expired"));
    CHECK(has(expired.client_detail, "valid from 2020-01-01 00:00:00 UTC to 2021-01-01 00:00:00 UTC"));
    CHECK(has(expired.client_detail, "the time is 2030-01-01 00:00:00 UTC"));
    CHECK(!has(expired.client_detail, "seconds"));
    lines.insert(expired.client_detail);

    // A leaf not yet valid (server_rsa.pem starts in 2024).
    Outcome early = connect(server("server_rsa.pem", "server_rsa.key.pem"), k2023_06_01);
    REQUIRE(early.client_failed);
    INFO(early.client_detail);
    CHECK(has(early.client_detail, "the certificate (depth 0, subject \"O=sanstls, CN=localhost\") is not yet valid"));
    CHECK(has(early.client_detail, "valid from 2024-01-01 00:00:00 UTC to 2049-12-31 23:59:59 UTC"));
    CHECK(has(early.client_detail, "the time is 2023-06-01 00:00:00 UTC"));
    lines.insert(early.client_detail);

    // A CA not yet valid: server_ec.pem is valid from 2023, its intermediate from 2024.
    Outcome ca = connect(server("server_ec_chain.pem", "server_ec.key.pem"), k2023_06_01);
    REQUIRE(ca.client_failed);
    INFO(ca.client_detail);
    CHECK(has(ca.client_detail,
              "a CA certificate (depth 1, subject \"O=sanstls, CN=sanstls test intermediate CA\") is not yet valid"));
    lines.insert(ca.client_detail);

    // A Clock in seconds: 2030-01-01 given as 1893456000 "ms" is January 1970.
    Outcome seconds = connect(server("server_rsa.pem", "server_rsa.key.pem"), k2030_01_01 / 1000);
    REQUIRE(seconds.client_failed);
    INFO(seconds.client_detail);
    CHECK(has(seconds.client_detail, "looks like seconds since 1970, not milliseconds"));
    CHECK(has(seconds.client_detail, "read as seconds it is 2030-01-01 00:00:00 UTC"));
    CHECK(has(seconds.client_detail, "is not yet valid"));
    lines.insert(seconds.client_detail);

    // A name mismatch: the expected name and the names the certificate holds.
    Outcome name = connect(server("server_rsa.pem", "server_rsa.key.pem"), k2030_01_01, "other.example.test");
    REQUIRE(name.client_failed);
    INFO(name.client_detail);
    CHECK(has(name.client_detail, "does not match the name \"other.example.test\": it holds DNS:localhost, IP:127.0.0.1"));
    lines.insert(name.client_detail);

    // An unknown issuer.
    Outcome unknown = connect(server("unknown_ca.pem", "unknown_ca.key.pem"), k2030_01_01);
    REQUIRE(unknown.client_failed);
    INFO(unknown.client_detail);
    CHECK(has(unknown.client_detail, "no trust anchor issued the chain"));
    CHECK(has(unknown.client_detail, "was issued by \"O=sanstls, CN=sanstls unrelated CA\""));
    lines.insert(unknown.client_detail);
  }
  CHECK(lines.size() == 6);  // six cases, six different lines
}

TEST_CASE("error_detail: the server explains a refused client certificate; a good connection has none") {
  // client.pem is valid from 2024: not yet valid in 2023 (the server's certificate there is valid from
  // 2023: server_ec.pem with its intermediate as the client's anchor would fail first, so the client
  // does not verify in this case).
  ServerConfig::Builder b;
  b.provider(test_provider());
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  b.client_auth(ClientAuth::required, read_file("tests/certs/ca.pem"));
  auto sc = b.build();
  REQUIRE(sc.ok());
  ClientConfig::Builder cb;
  cb.provider(test_provider()).verify_server(false);
  cb.client_certificate(read_file("tests/certs/client.pem"), read_file("tests/certs/client.key.pem"));
  auto cc = cb.build();
  REQUIRE(cc.ok());
  auto crng = crypto::make_deterministic_rng(ByteView::of("verify c"));
  auto srng = crypto::make_deterministic_rng(ByteView::of("verify s"));
  FixedClock clock(k2023_06_01);
  Connection::ClientOptions o;
  o.server_name = "localhost";
  Connection c = Connection::client(cc.config, o, *crng, clock);
  Connection s = Connection::server(sc.config, *srng, clock);
  Seen cs, ss;
  pump(c, s, &cs, &ss);
  REQUIRE(s.error() != nullptr);
  CHECK(s.error()->kind == ErrorKind::bad_certificate);
  INFO(s.error_detail());
  CHECK(has(s.error_detail(), "the certificate (depth 0, subject \"O=sanstls, CN=sanstls test client\") is not yet valid"));

  Outcome good = connect(server("server_rsa.pem", "server_rsa.key.pem"), k2030_01_01);
  CHECK(!good.client_failed);
  CHECK(good.client_detail.empty());
}
