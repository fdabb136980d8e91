// The engine's rules, one by one: every message that is wrong for a state, every rejection the RFCs
// name, the record layer's bounds, closing, backpressure and time-outs.
#include <doctest/doctest.h>

#include <functional>

#include "core/handshake.h"
#include "core/record.h"
#include "core/record_protection.h"
#include "core/suites.h"
#include "core/tls12_keys.h"
#include "core/wire.h"
#include "tests/pair.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

Bytes record(uint8_t type, ByteView body, uint16_t version = 0x0303) {
  Bytes r = {type, static_cast<uint8_t>(version >> 8), static_cast<uint8_t>(version), static_cast<uint8_t>(body.size() >> 8),
             static_cast<uint8_t>(body.size())};
  r.insert(r.end(), body.begin(), body.end());
  return r;
}

Bytes handshake_record(uint8_t msg_type, ByteView body) {
  Bytes m;
  encode_handshake(static_cast<HandshakeType>(msg_type), body, &m);
  return record(22, m);
}

// The description of the last alert record in `out` (plaintext records only), or -1.
int last_alert(ByteView out) {
  int found = -1;
  size_t off = 0;
  while (off + 5 <= out.size()) {
    size_t len = (size_t{out[off + 3]} << 8) | out[off + 4];
    if (off + 5 + len > out.size()) break;
    if (out[off] == 21 && len == 2) found = out[off + 6];
    off += 5 + len;
  }
  return found;
}

struct Side {
  std::unique_ptr<crypto::Rng> rng;
  FixedClock clock{kTestNowMs};
  std::unique_ptr<Connection> conn;
  Seen seen;
};

Side make_server(std::shared_ptr<const ServerConfig> cfg, const std::string& seed = "server") {
  Side s;
  s.rng = crypto::make_deterministic_rng(ByteView::of(seed));
  s.conn = std::make_unique<Connection>(Connection::server(cfg, *s.rng, s.clock));
  s.conn->set_trace(true);
  return s;
}

Side make_client(std::shared_ptr<const ClientConfig> cfg, const std::string& name = "localhost",
                 const std::string& seed = "client") {
  Side s;
  s.rng = crypto::make_deterministic_rng(ByteView::of(seed));
  s.conn = std::make_unique<Connection>(Connection::client(cfg, {name, std::nullopt, true}, *s.rng, s.clock));
  return s;
}

// Feeds bytes; returns the alert the connection sent (or -1), and checks that a failed connection
// then refuses everything and writes nothing more.
int feed_and_alert(Side& s, ByteView in) {
  s.conn->consume_output(s.conn->pending_output().size());
  Result<size_t> r = s.conn->receive(in);
  drain(*s.conn, &s.seen);
  int alert = last_alert(s.conn->pending_output());
  if (!r.ok()) {
    // Failure is sticky: nothing more is written, every call gives the same error.
    s.conn->consume_output(s.conn->pending_output().size());
    CHECK_FALSE(s.conn->receive(in).ok());
    CHECK_FALSE(s.conn->send(ByteView::of("x")).ok());
    s.conn->close();
    CHECK(s.conn->pending_output().empty());
    CHECK(s.seen.closed);
    CHECK_FALSE(s.seen.clean);
  }
  return alert;
}

// The server's first flight for the client made by make_client(cfg) (same seeds, so it verifies).
std::vector<Bytes> server_flight(std::shared_ptr<const ClientConfig> ccfg, std::shared_ptr<const ServerConfig> scfg) {
  Side c = make_client(ccfg);
  Side s = make_server(scfg);
  s.conn->receive(c.conn->pending_output()).value();
  std::vector<Bytes> msgs;
  while (auto ev = s.conn->next_event())
    if (ev->type == Event::Type::handshake_message && ev->direction == Direction::sent) msgs.push_back(ev->data.to_bytes());
  return msgs;
}

const int kAllTypes[] = {0, 1, 2, 4, 8, 11, 12, 13, 14, 15, 16, 20, 24, 99};

}  // namespace

TEST_CASE("server: every message but ClientHello in the first state is unexpected_message") {
  auto scfg = server_config();
  for (int t : kAllTypes) {
    if (t == 1) continue;
    CAPTURE(t);
    Side s = make_server(scfg);
    CHECK(feed_and_alert(s, handshake_record(static_cast<uint8_t>(t), Bytes{})) == 10);
    REQUIRE(s.conn->error() != nullptr);
    CHECK(s.conn->error()->alert == AlertDescription::unexpected_message);
  }
}

TEST_CASE("server: after its first flight, only the client's next message is accepted") {
  for (bool client_auth : {false, true}) {
    auto scfg = server_config("", client_auth);
    Bytes ch = client_hello_bytes(client_config("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256"));
    for (int t : kAllTypes) {
      CAPTURE(client_auth);
      CAPTURE(t);
      Side s = make_server(scfg);
      REQUIRE(s.conn->receive(ch).ok());
      int expected_type = client_auth ? 11 : 16;
      int alert = feed_and_alert(s, handshake_record(static_cast<uint8_t>(t), Bytes{}));
      if (t == expected_type) {
        CHECK(alert == 50);  // the right message, but its empty body is malformed: decode_error
      } else if (t == 1) {
        CHECK(alert == 10);  // a second ClientHello mid-handshake
      } else {
        CHECK(alert == 10);
      }
    }
    // ChangeCipherSpec before the ClientKeyExchange
    Side s = make_server(scfg);
    REQUIRE(s.conn->receive(ch).ok());
    CHECK(feed_and_alert(s, record(20, Bytes{1})) == 10);
  }
}

TEST_CASE("client: in each state before ChangeCipherSpec, every message but the expected one is unexpected_message") {
  auto ccfg = client_config("ECDHE-RSA-AES128-GCM-SHA256");
  auto scfg = server_config("", true);
  std::vector<Bytes> flight = server_flight(ccfg, scfg);
  // ServerHello, Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone
  REQUIRE(flight.size() == 5);
  const int expected[] = {2, 11, 12, 13, 14};
  for (size_t k = 0; k < flight.size(); k++) {
    for (int t : kAllTypes) {
      if (t == 0) continue;  // HelloRequest is ignored during a handshake (RFC 5246 7.4.1.1)
      CAPTURE(k);
      CAPTURE(t);
      Side c = make_client(ccfg);
      for (size_t i = 0; i < k; i++) REQUIRE(c.conn->receive(record(22, flight[i])).ok());
      int alert = feed_and_alert(c, handshake_record(static_cast<uint8_t>(t), Bytes{}));
      bool ok_here = t == expected[k] || (k == 3 && t == 14);  // CertificateRequest is optional
      if (ok_here && t == 14) {
        CHECK(alert == -1);  // ServerHelloDone has an empty body: the client goes on
        CHECK(c.conn->error() == nullptr);
      } else if (ok_here) {
        CHECK(alert == 50);  // the right type with an empty body: decode_error
      } else {
        CHECK(alert == 10);
      }
    }
  }
  // The whole flight, in one record, is accepted and the client answers.
  Side c = make_client(ccfg);
  Bytes all;
  for (const Bytes& m : flight) all.insert(all.end(), m.begin(), m.end());
  c.conn->consume_output(c.conn->pending_output().size());
  REQUIRE(c.conn->receive(record(22, all)).ok());
  CHECK(c.conn->pending_output().size() > 100);
  CHECK(c.conn->error() == nullptr);
}

TEST_CASE("the server's certificate is checked: wrong name, unknown CA, expired") {
  auto scfg = server_config("ECDHE-RSA-AES128-GCM-SHA256");
  struct Case {
    std::string name;
    uint64_t now;
    int alert;
  } cases[] = {
      {"wrong.example.test", kTestNowMs, 42},  // bad_certificate
      {"localhost", 4102444800000ull, 45},     // 2100: certificate_expired
      {"localhost", 1577836800000ull, 45},     // 2020: not yet valid
  };
  for (const Case& k : cases) {
    CAPTURE(k.name);
    Side c = make_client(client_config("ECDHE-RSA-AES128-GCM-SHA256"), k.name);
    c.clock.set(k.now);
    Side s = make_server(scfg);
    REQUIRE(pump(*c.conn, *s.conn, &c.seen, &s.seen) == false);
    CHECK_FALSE(c.seen.done);
    CHECK_FALSE(s.seen.done);
    REQUIRE(c.conn->error());
    CHECK(static_cast<int>(c.conn->error()->alert) == k.alert);
    REQUIRE(s.seen.alerts.size() == 1);
    CHECK(static_cast<int>(s.seen.alerts[0].description) == k.alert);
  }
  // A server whose certificate comes from an unknown CA.
  ServerConfig::Builder b;
  b.certificate(read_file("tests/certs/unknown_ca.pem"), read_file("tests/certs/unknown_ca.key.pem"));
  auto bad = b.build();
  REQUIRE(bad.ok());
  Side c = make_client(client_config());
  Side s = make_server(bad.config);
  pump(*c.conn, *s.conn, &c.seen, &s.seen);
  REQUIRE(c.conn->error());
  CHECK(c.conn->error()->alert == AlertDescription::unknown_ca);
}

TEST_CASE("client authentication: required without a certificate fails, optional without one succeeds") {
  {
    // TLS 1.2: handshake_failure (RFC 5246 7.4.6), before the client's handshake completes.
    Side c = make_client(client_config("ECDHE-RSA-AES128-GCM-SHA256"));
    Side s = make_server(server_config("", true, true));
    pump(*c.conn, *s.conn, &c.seen, &s.seen);
    REQUIRE(s.conn->error());
    CHECK(s.conn->error()->alert == AlertDescription::handshake_failure);
    CHECK_FALSE(c.seen.done);
  }
  {
    // TLS 1.3: certificate_required (RFC 8446 4.4.2.4); the client has already finished its side.
    Side c = make_client(client_config());
    Side s = make_server(server_config("", true, true));
    pump(*c.conn, *s.conn, &c.seen, &s.seen);
    REQUIRE(s.conn->error());
    CHECK(s.conn->error()->alert == AlertDescription::certificate_required);
    REQUIRE(c.conn->error());
    CHECK(c.conn->error()->kind == ErrorKind::alert_received);
    CHECK(c.conn->error()->alert == AlertDescription::certificate_required);
  }
  {
    Side c = make_client(client_config());
    Side s = make_server(server_config("", true, false));
    REQUIRE(pump(*c.conn, *s.conn, &c.seen, &s.seen));
    CHECK(s.seen.done);
    CHECK_FALSE(s.conn->info()->client_authenticated);
  }
}

TEST_CASE("old versions and compression are refused") {
  ClientHello ch;
  ch.legacy_version = 0x0302;
  ch.cipher_suites = {0xc02f};
  ch.compression_methods = {0};
  Bytes body;
  Writer w(&body);
  encode_client_hello(ch, w);
  Side s = make_server(server_config());
  CHECK(feed_and_alert(s, handshake_record(1, body)) == 70);  // protocol_version

  ch.legacy_version = 0x0303;
  ch.compression_methods = {1};
  body.clear();
  Writer w2(&body);
  encode_client_hello(ch, w2);
  Side s2 = make_server(server_config());
  CHECK(feed_and_alert(s2, handshake_record(1, body)) == 47);  // illegal_parameter

  ch.compression_methods = {0};
  ch.cipher_suites = {0x1301, 0x0005};  // nothing in common
  body.clear();
  Writer w3(&body);
  encode_client_hello(ch, w3);
  Side s3 = make_server(server_config());
  CHECK(feed_and_alert(s3, handshake_record(1, body)) == 40);  // handshake_failure
}

TEST_CASE("the record layer: overflow, unknown types, bad MAC, empty records, warning alerts") {
  Side s = make_server(server_config());
  Bytes big(16384 + 2049, 0);
  CHECK(feed_and_alert(s, record(22, big)) == 22);  // record_overflow

  Side s2 = make_server(server_config());
  CHECK(feed_and_alert(s2, record(99, Bytes{1, 2})) == 10);

  Side s3 = make_server(server_config());
  CHECK(feed_and_alert(s3, record(22, Bytes{})) == 10);  // an empty handshake record

  Side s4 = make_server(server_config());
  Bytes alerts;
  for (int i = 0; i < 5; i++) {
    Bytes a = record(21, Bytes{1, 90});  // warning user_canceled
    alerts.insert(alerts.end(), a.begin(), a.end());
  }
  CHECK(feed_and_alert(s4, alerts) == 10);

  // A flipped bit in a protected record: bad_record_mac.
  for (const char* suite : {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-CHACHA20-POLY1305"}) {
    CAPTURE(suite);
    Side c = make_client(client_config(suite));
    Side sv = make_server(server_config());
    REQUIRE(pump(*c.conn, *sv.conn, &c.seen, &sv.seen));
    REQUIRE(c.seen.done);
    REQUIRE(c.conn->send(ByteView::of("hello")).ok());
    Bytes rec = c.conn->pending_output().to_bytes();
    rec.back() ^= 1;
    CHECK(feed_and_alert(sv, rec) == -1);  // the alert is encrypted now; check the error instead
    REQUIRE(sv.conn->error());
    CHECK(sv.conn->error()->alert == AlertDescription::bad_record_mac);
  }
}

TEST_CASE("close_notify, truncation, renegotiation, send after close") {
  Side c = make_client(client_config());
  Side s = make_server(server_config());
  REQUIRE(pump(*c.conn, *s.conn, &c.seen, &s.seen));
  // Truncation: the transport ends without close_notify.
  c.conn->receive_eof();
  drain(*c.conn, &c.seen);
  CHECK(c.seen.closed);
  CHECK_FALSE(c.seen.clean);
  CHECK(c.conn->is_closed());
  // Clean close the other way.
  s.conn->close();
  CHECK_FALSE(s.conn->send(ByteView::of("late")).ok());
  CHECK(s.conn->send(ByteView::of("late")).error().kind == ErrorKind::api_misuse);
}

TEST_CASE("application data sent before the handshake is held, then sent") {
  Side c = make_client(client_config());
  Side s = make_server(server_config());
  REQUIRE(c.conn->send(ByteView::of("early words")).value() == 11);
  REQUIRE(pump(*c.conn, *s.conn, &c.seen, &s.seen, 7));
  CHECK(s.seen.data == "early words");
}

TEST_CASE("backpressure: input stops while an application-data event waits") {
  Side c = make_client(client_config());
  Side s = make_server(server_config());
  REQUIRE(pump(*c.conn, *s.conn, &c.seen, &s.seen));
  REQUIRE(c.conn->send(ByteView::of("one")).ok());
  REQUIRE(c.conn->send(ByteView::of("two")).ok());
  Bytes two_records = c.conn->pending_output().to_bytes();
  Result<size_t> r = s.conn->receive(two_records);
  REQUIRE(r.ok());
  CHECK(r.value() < two_records.size());  // the second record waits
  auto ev = s.conn->next_event();
  REQUIRE(ev);
  CHECK(ev->type == Event::Type::app_data);
  CHECK(ev->data.to_string() == "one");
  Result<size_t> r2 = s.conn->receive(ByteView(two_records).sub(r.value()));
  REQUIRE(r2.ok());
  CHECK(r.value() + r2.value() == two_records.size());
  ev = s.conn->next_event();
  REQUIRE(ev);
  CHECK(ev->data.to_string() == "two");
  // send() refuses to queue without bound.
  Bytes lots(Connection::kMaxQueuedOutput + 100, 'a');
  Result<size_t> taken = c.conn->send(lots);
  REQUIRE(taken.ok());
  CHECK(taken.value() < lots.size());
}

TEST_CASE("a stalled handshake times out") {
  Side c = make_client(client_config());
  uint64_t d = c.conn->next_deadline();
  CHECK(d == kTestNowMs + 30000);
  c.conn->on_timeout();  // too early: nothing happens
  CHECK(c.conn->error() == nullptr);
  c.clock.set(d);
  c.conn->on_timeout();
  REQUIRE(c.conn->error());
  CHECK(c.conn->error()->kind == ErrorKind::timeout);
}

TEST_CASE("bad configs are refused with a message that names the problem") {
  ServerConfig::Builder b;
  auto r = b.build();
  CHECK_FALSE(r.ok());
  CHECK(r.error.find("certificate") != std::string::npos);

  ServerConfig::Builder b2;
  b2.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_ec.key.pem"));
  auto r2 = b2.build();
  CHECK_FALSE(r2.ok());
  CHECK(r2.error.find("does not match") != std::string::npos);

  // Same key type and size, another key: still refused.
  ServerConfig::Builder b2b;
  b2b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/client.key.pem"));
  auto r2b = b2b.build();
  CHECK_FALSE(r2b.ok());
  CHECK(r2b.error.find("does not match") != std::string::npos);

  ClientConfig::Builder b3;
  b3.trust_anchors_pem(read_file("tests/certs/ca.pem")).cipher_suite_names("NOT-A-SUITE");
  auto r3 = b3.build();
  CHECK_FALSE(r3.ok());
  CHECK(r3.error.find("NOT-A-SUITE") != std::string::npos);

  ClientConfig::Builder b4;
  auto r4 = b4.build();
  CHECK_FALSE(r4.ok());
  CHECK(r4.error.find("trust anchors") != std::string::npos);
}

namespace {
struct KeyCapture : KeyLog {
  Bytes client_random, master_secret;
  void log(const char*, ByteView cr, ByteView secret) override {
    client_random = cr.to_bytes();
    master_secret = secret.to_bytes();
  }
};
}  // namespace

TEST_CASE("renegotiation is refused with a no_renegotiation warning, both ways, and the connection goes on") {
  auto keys = std::make_shared<KeyCapture>();
  ClientConfig::Builder cb;
  cb.trust_anchors_pem(read_file("tests/certs/ca.pem")).cipher_suite_names("ECDHE-RSA-AES128-GCM-SHA256").key_log(keys);
  auto ccfg = cb.build();
  REQUIRE(ccfg.ok());
  Side c = make_client(ccfg.config);
  Side s = make_server(server_config());
  Random sr{};
  REQUIRE(pump(*c.conn, *s.conn, &c.seen, &s.seen));
  REQUIRE(c.seen.done);
  Bytes server_hello;
  {
    // The same seeds give the same ServerHello: take it from a second, traced run.
    Side c2 = make_client(ccfg.config);
    Side s2 = make_server(server_config());
    s2.conn->receive(c2.conn->pending_output()).value();
    while (auto ev = s2.conn->next_event())
      if (ev->type == Event::Type::handshake_message && ev->message_type == 2) server_hello = ev->data.to_bytes();
  }
  REQUIRE(server_hello.size() > 40);
  std::copy(server_hello.begin() + 6, server_hello.begin() + 38, sr.begin());
  Random cr{};
  std::copy(keys->client_random.begin(), keys->client_random.end(), cr.begin());
  const CipherSuite* suite = find_suite(0xc02f);
  auto rng = crypto::make_deterministic_rng(ByteView::of("test"));
  auto k = tls12_record_keys(crypto::default_provider(), *suite, keys->master_secret, cr, sr, false, *rng, kMaxPlaintext,
                             kMaxPlaintext);
  REQUIRE(k.ok());
  RecordProtection& server_write = k.value().server_write;
  RecordProtection& client_write = k.value().client_write;
  server_write.set_sequence_number_for_testing(1);  // the server's Finished was record 0
  client_write.set_sequence_number_for_testing(1);

  // The server (as we play it) sends HelloRequest.
  Bytes hello_request = {0, 0, 0, 0};
  Bytes rec(server_write.sealed_size(hello_request.size()));
  REQUIRE(server_write.seal(ContentType::handshake, hello_request, rec.data(), rec.size()).ok());
  c.conn->consume_output(c.conn->pending_output().size());
  REQUIRE(c.conn->receive(rec).ok());
  Bytes out = c.conn->pending_output().to_bytes();
  REQUIRE(out.size() > 5);
  RecordHeader h{};
  REQUIRE(decode_record_header(out, &h).ok());
  auto opened = client_write.open(h, out.data() + 5, out.size() - 5);
  REQUIRE(opened.ok());
  CHECK(opened.value().type == ContentType::alert);
  CHECK(opened.value().plaintext == ByteView(Bytes{1, 100}));  // warning, no_renegotiation
  CHECK(c.conn->error() == nullptr);
  c.conn->consume_output(out.size());

  // The client (as we play it) asks the server for a new handshake with a ClientHello.
  Bytes ch;
  encode_handshake(HandshakeType::client_hello, ByteView(client_hello_bytes(ccfg.config)).sub(9), &ch);
  client_write.set_sequence_number_for_testing(1);  // the server never saw the client's alert record
  Bytes rec2(client_write.sealed_size(ch.size()));
  REQUIRE(client_write.seal(ContentType::handshake, ch, rec2.data(), rec2.size()).ok());
  s.conn->consume_output(s.conn->pending_output().size());
  Result<size_t> taken = s.conn->receive(rec2);
  std::string why = taken.ok() ? std::string("ok") : taken.error().to_string();
  CAPTURE(why);
  REQUIRE(taken.ok());
  CHECK(s.conn->error() == nullptr);
  CHECK(s.conn->pending_output().size() == 5 + 2 + 8 + 16);  // one encrypted two-byte alert
}
