// Keying material exporters through the public API (Connection::export_keying_material and
// channel_binding_tls_exporter): both ends of a pair derive the same bytes, in TLS 1.2 (with the
// extended master secret, full and resumed) and TLS 1.3; labels, contexts and lengths change the bytes;
// TLS 1.2 without the extended master secret, reserved labels and calls before the handshake are
// refused. The bytes are compared with OpenSSL's in tests/exporter_interop_test.cc.
#include <doctest/doctest.h>

#include "tests/pair.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

std::shared_ptr<const ServerConfig> server(uint16_t v, bool ems = true) {
  ServerConfig::Builder b;
  b.provider(test_provider()).versions(v, v).extended_master_secret(ems);
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  auto built = b.build();
  REQUIRE(built.ok());
  return built.config;
}

std::shared_ptr<const ClientConfig> client(uint16_t v, bool ems = true) {
  ClientConfig::Builder b;
  b.provider(test_provider()).versions(v, v).extended_master_secret(ems);
  b.trust_anchors_pem(read_file("tests/certs/ca.pem"));
  auto built = b.build();
  REQUIRE(built.ok());
  return built.config;
}

struct Pair {
  std::unique_ptr<crypto::Rng> crng, srng;
  FixedClock clock{kTestNowMs};
  std::optional<Connection> c, s;
  Seen cs, ss;

  Pair(std::shared_ptr<const ClientConfig> cc, std::shared_ptr<const ServerConfig> sc,
       std::optional<Session> resume = std::nullopt, const std::string& seed = "1") {
    crng = crypto::make_deterministic_rng(ByteView::of("exporter c" + seed));
    srng = crypto::make_deterministic_rng(ByteView::of("exporter s" + seed));
    Connection::ClientOptions o;
    o.server_name = "localhost";
    o.resume = std::move(resume);
    c.emplace(Connection::client(cc, o, *crng, clock));
    s.emplace(Connection::server(sc, *srng, clock));
  }
  bool handshake() { return pump(*c, *s, &cs, &ss) && cs.done && ss.done; }
};

Bytes value(const Result<Bytes>& r) {
  REQUIRE(r.ok());
  return r.value();
}

}  // namespace

TEST_CASE("both ends export the same keying material, TLS 1.2 with EMS and TLS 1.3") {
  for (uint16_t v : {uint16_t{0x0303}, uint16_t{0x0304}}) {
    CAPTURE(v);
    Pair p(client(v), server(v));
    // Before the handshake is done: nothing to export from.
    Result<Bytes> early = p.c->export_keying_material("EXPORTER-test", std::nullopt, 32);
    REQUIRE(!early.ok());
    CHECK(early.error().kind == ErrorKind::api_misuse);
    CHECK(!p.c->channel_binding_tls_exporter().ok());
    REQUIRE(p.handshake());
    CHECK(p.c->info()->version == v);

    const Bytes a = value(p.c->export_keying_material("EXPORTER-test", std::nullopt, 32));
    CHECK(a.size() == 32);
    CHECK(value(p.s->export_keying_material("EXPORTER-test", std::nullopt, 32)) == a);
    // Another label, another context, another length: other bytes (a longer export is not an extension
    // of a shorter one in TLS 1.3, where the length is in the HKDF label; in TLS 1.2 it is, RFC 5246 5).
    const Bytes other_label = value(p.c->export_keying_material("EXPORTER-tesT", std::nullopt, 32));
    CHECK(other_label != a);
    CHECK(value(p.s->export_keying_material("EXPORTER-tesT", std::nullopt, 32)) == other_label);
    const Bytes ctx = value(p.c->export_keying_material("EXPORTER-test", ByteView::of("context"), 32));
    CHECK(ctx != a);
    CHECK(value(p.s->export_keying_material("EXPORTER-test", ByteView::of("context"), 32)) == ctx);
    const Bytes longer = value(p.c->export_keying_material("EXPORTER-test", std::nullopt, 64));
    CHECK(longer.size() == 64);
    CHECK(value(p.s->export_keying_material("EXPORTER-test", std::nullopt, 64)) == longer);
    if (v == 0x0304) CHECK(ByteView(longer).sub(0, 32) != ByteView(a));
    // RFC 5705 4: an empty context differs from none in TLS 1.2; RFC 8446 7.5: they are the same in 1.3.
    const Bytes empty_ctx = value(p.c->export_keying_material("EXPORTER-test", ByteView(), 32));
    CHECK(value(p.s->export_keying_material("EXPORTER-test", ByteView(), 32)) == empty_ctx);
    if (v == 0x0303) CHECK(empty_ctx != a);
    if (v == 0x0304) CHECK(empty_ctx == a);

    // RFC 9266: the tls-exporter channel binding is the exporter with its label, no context, 32 bytes.
    const Bytes cb = value(p.c->channel_binding_tls_exporter());
    CHECK(cb.size() == 32);
    CHECK(value(p.s->channel_binding_tls_exporter()) == cb);
    CHECK(cb == value(p.c->export_keying_material("EXPORTER-Channel-Binding", std::nullopt, 32)));

    // Another connection between the same configs exports other bytes.
    Pair q(client(v), server(v), std::nullopt, "2");
    REQUIRE(q.handshake());
    CHECK(value(q.c->export_keying_material("EXPORTER-test", std::nullopt, 32)) != a);
  }
}

TEST_CASE("exporter: reserved labels, bad lengths and long TLS 1.2 contexts are refused, the connection goes on") {
  for (uint16_t v : {uint16_t{0x0303}, uint16_t{0x0304}}) {
    CAPTURE(v);
    Pair p(client(v), server(v));
    REQUIRE(p.handshake());
    for (const char* label : {"client finished", "server finished", "master secret", "key expansion",
                              "extended master secret", ""}) {
      CAPTURE(label);
      Result<Bytes> r = p.c->export_keying_material(label, std::nullopt, 32);
      REQUIRE(!r.ok());
      CHECK(r.error().kind == ErrorKind::api_misuse);
    }
    CHECK(std::string(p.c->export_keying_material("key expansion", std::nullopt, 12).error().what).find("reserved") !=
          std::string::npos);
    CHECK(!p.c->export_keying_material(std::string(250, 'x'), std::nullopt, 32).ok());
    CHECK(p.c->export_keying_material(std::string(249, 'x'), std::nullopt, 32).ok());
    CHECK(!p.c->export_keying_material("EXPORTER-test", std::nullopt, 0).ok());
    CHECK(!p.c->export_keying_material("EXPORTER-test", std::nullopt, 255 * 32 + 1).ok());
    const Bytes big(70000, 'c');
    CHECK(p.c->export_keying_material("EXPORTER-test", ByteView(big), 32).ok() == (v == 0x0304));
    // None of this ended the connection.
    CHECK(p.c->error() == nullptr);
    REQUIRE(p.c->send(ByteView::of("still here")).ok());
    REQUIRE(pump(*p.c, *p.s, &p.cs, &p.ss));
    CHECK(p.ss.data == "still here");
  }
}

TEST_CASE("TLS 1.2 without the extended master secret refuses to export (RFC 7627 5.4, RFC 9266 4.2)") {
  Pair p(client(0x0303, false), server(0x0303));
  REQUIRE(p.handshake());
  CHECK(!p.c->info()->extended_master_secret);
  for (Connection* conn : {&*p.c, &*p.s}) {
    Result<Bytes> r = conn->export_keying_material("EXPORTER-test", std::nullopt, 32);
    REQUIRE(!r.ok());
    CHECK(r.error().kind == ErrorKind::api_misuse);
    CHECK(std::string(r.error().what).find("extended master secret") != std::string::npos);
    CHECK(!conn->channel_binding_tls_exporter().ok());
  }
}

TEST_CASE("a resumed connection exports from its own randoms (TLS 1.2) or its own schedule (TLS 1.3)") {
  for (uint16_t v : {uint16_t{0x0303}, uint16_t{0x0304}}) {
    CAPTURE(v);
    auto cc = client(v);
    auto sc = server(v);
    Pair first(cc, sc);
    REQUIRE(first.handshake());
    std::optional<Session> session = first.c->session();
    REQUIRE(session.has_value());
    const Bytes a = value(first.c->export_keying_material("EXPORTER-test", std::nullopt, 32));

    Pair second(cc, sc, session, "2");
    REQUIRE(second.handshake());
    CHECK(second.c->info()->resumed);
    const Bytes b = value(second.c->export_keying_material("EXPORTER-test", std::nullopt, 32));
    CHECK(value(second.s->export_keying_material("EXPORTER-test", std::nullopt, 32)) == b);
    CHECK(b != a);
  }
}
