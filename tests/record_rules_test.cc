// The record-layer rules that lived in the seam between the record layer and the handshakes, each
// broken by a peer (or a caller) through the public API: the defects of the record-layer issue, in its
// numbering. Each test failed before its fix.
#include <doctest/doctest.h>

#include "core/handshake13.h"
#include "core/tickets.h"
#include "core/tls12_keys.h"
#include "core/tls13_keys.h"
#include "tests/pair.h"
#include "tests/records.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

using AD = AlertDescription;
constexpr uint16_t kTls12 = 0x0303, kTls13 = 0x0304;
Bytes pem(const std::string& name) { return read_file("tests/certs/" + name); }

using ClientTweak = std::function<void(ClientConfig::Builder&)>;
using ServerTweak = std::function<void(ServerConfig::Builder&)>;

std::shared_ptr<const ClientConfig> ccfg(uint16_t v, const ClientTweak& t = nullptr) {
  ClientConfig::Builder b;
  b.trust_anchors_pem(pem("ca.pem")).versions(v, v);
  if (t) t(b);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}
std::shared_ptr<const ServerConfig> scfg(uint16_t v, const ServerTweak& t = nullptr) {
  ServerConfig::Builder b;
  b.certificate(pem("server_rsa.pem"), pem("server_rsa.key.pem"));
  b.certificate(pem("server_ec_chain.pem"), pem("server_ec.key.pem"));
  b.versions(v, v);
  if (t) t(b);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

struct Link {
  std::unique_ptr<crypto::Rng> crng, srng;
  FixedClock clock{kTestNowMs};
  std::unique_ptr<Connection> client, server;
  Seen cs, ss;
  Link(std::shared_ptr<const ClientConfig> c, std::shared_ptr<const ServerConfig> s,
       std::optional<Session> resume = std::nullopt, Bytes early = {}) {
    crng = crypto::make_deterministic_rng(ByteView::of("rules client"));
    srng = crypto::make_deterministic_rng(ByteView::of("rules server"));
    Connection::ClientOptions o;
    o.server_name = "localhost";
    o.resume = std::move(resume);
    o.early_data = std::move(early);
    client = std::make_unique<Connection>(Connection::client(std::move(c), std::move(o), *crng, clock));
    server = std::make_unique<Connection>(Connection::server(std::move(s), *srng, clock));
  }
  bool run() { return pump(*client, *server, &cs, &ss) && cs.done && ss.done; }
};

// A TLS 1.3 pair whose secrets are logged, done with its handshake; the attacker then writes as the
// client with `as_client` (the client itself sends nothing more) and reads the server with `from_server`.
struct Logged13 {
  std::shared_ptr<SecretLog> keys = std::make_shared<SecretLog>();
  std::unique_ptr<Link> link;
  const CipherSuite& suite = *find_suite(suite::TLS_AES_128_GCM_SHA256);
  std::unique_ptr<Traffic> as_client, from_server;
  explicit Logged13(const ServerTweak& st = nullptr, const ClientTweak& ct = nullptr) {
    auto cc = ccfg(kTls13, [&](ClientConfig::Builder& b) {
      b.cipher_suites({suite::TLS_AES_128_GCM_SHA256}).key_log(keys);
      if (ct) ct(b);
    });
    auto sc = scfg(kTls13, [&](ServerConfig::Builder& b) {
      b.cipher_suites({suite::TLS_AES_128_GCM_SHA256}).key_log(keys).tickets(false);
      if (st) st(b);
    });
    link = std::make_unique<Link>(cc, sc);
    REQUIRE(link->run());
    as_client = std::make_unique<Traffic>(suite, keys->secrets["CLIENT_TRAFFIC_SECRET_0"]);
    from_server = std::make_unique<Traffic>(suite, keys->secrets["SERVER_TRAFFIC_SECRET_0"]);
  }
  Connection& server() { return *link->server; }
};

Bytes alert_body(AlertLevel level, AD d) { return Bytes{static_cast<uint8_t>(level), static_cast<uint8_t>(d)}; }

}  // namespace

TEST_CASE("1. max_key_updates bounds KeyUpdates with no data in between, not over the connection's life") {
  Link l(ccfg(kTls13), scfg(kTls13));
  REQUIRE(l.run());
  for (int i = 0; i < 100; i++) {
    REQUIRE(l.client->key_update(false).ok());
    REQUIRE(l.client->send(ByteView::of("x")).ok());
    REQUIRE(pump(*l.client, *l.server, &l.cs, &l.ss));
  }
  CHECK(l.server->error() == nullptr);
  CHECK(l.ss.data.size() == 100);
  // Without data in between, the 33rd is refused.
  Logged13 t;
  Bytes ku = handshake_msg(HandshakeType::key_update, Bytes{0});
  bool failed = false;
  Traffic* w = t.as_client.get();
  std::unique_ptr<Traffic> next;
  Bytes secret = t.keys->secrets["CLIENT_TRAFFIC_SECRET_0"];
  for (int i = 0; i < 40 && !failed; i++) {
    failed = !t.server().receive(w->seal(ContentType::handshake, ku)).ok();
    secret = tls13_next_traffic_secret(crypto::default_provider(), crypto::HashAlg::sha256, secret);
    next = std::make_unique<Traffic>(t.suite, secret);
    w = next.get();
  }
  CHECK(failed);
  REQUIRE(t.server().error() != nullptr);
  CHECK(t.server().error()->alert == AD::unexpected_message);
}

TEST_CASE("2. TLS 1.3 enforces the record_size_limit we advertised (RFC 8449 4)") {
  // The limit holds once both sides sent the extension (RFC 8449 4).
  Logged13 t([](ServerConfig::Builder& b) { b.record_size_limit(512); },
             [](ClientConfig::Builder& b) { b.record_size_limit(16385); });
  // 511 bytes of content plus the content type fit 512; 4000 do not.
  REQUIRE(t.server().receive(t.as_client->seal(ContentType::application_data, Bytes(511, 'a'))).ok());
  drain(t.server(), &t.link->ss);
  CHECK(t.link->ss.data.size() == 511);
  Bytes big = t.as_client->seal(ContentType::application_data, Bytes(4000, 'a'));
  Result<size_t> r = t.server().receive(big);
  INFO("record of " << big.size() << " bytes, took " << (r.ok() ? r.value() : 0));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().alert == AD::record_overflow);
}

TEST_CASE("3. nothing after the peer's close_notify is processed, even in the same receive()") {
  Logged13 t;
  Bytes in = t.as_client->seal(ContentType::alert, alert_body(AlertLevel::warning, AD::close_notify));
  Bytes data = t.as_client->seal(ContentType::application_data, ByteView::of("after close"));
  Bytes ku = t.as_client->seal(ContentType::handshake, handshake_msg(HandshakeType::key_update, Bytes{1}));
  in.insert(in.end(), data.begin(), data.end());
  in.insert(in.end(), ku.begin(), ku.end());
  Seen& ss = t.link->ss;
  REQUIRE(t.server().receive(in).ok());
  drain(t.server(), &ss);
  CHECK(ss.closed);
  CHECK(ss.clean);
  CHECK(ss.data.empty());
  // The server wrote its close_notify and nothing after it (no KeyUpdate answer).
  std::vector<Rec> recs = split_records(take(t.server()));
  REQUIRE(recs.size() == 1);
  ContentType type;
  CHECK(t.from_server->open(recs[0], &type) == alert_body(AlertLevel::warning, AD::close_notify));
  CHECK(type == ContentType::alert);
}

TEST_CASE("4. nothing is written after our own close_notify, not even a fatal alert") {
  for (uint16_t v : {kTls12, kTls13}) {
    CAPTURE(v);
    Link l(ccfg(v), scfg(v));
    REQUIRE(l.run());
    l.server->close();
    take(*l.server);
    (void)l.server->receive(plain_record(23, Bytes(40, 0x33)));  // garbage the server cannot open
    CHECK(l.server->pending_output().empty());
  }
}

TEST_CASE("5. a flight completed in one receive() is sent even when the next record's header is bad") {
  for (uint16_t v : {kTls12, kTls13}) {
    CAPTURE(v);
    auto crng = crypto::make_deterministic_rng(ByteView::of("c"));
    auto srng = crypto::make_deterministic_rng(ByteView::of("s"));
    FixedClock clock(kTestNowMs);
    Connection client = Connection::client(ccfg(v), {"localhost", std::nullopt}, *crng, clock);
    Connection server = Connection::server(scfg(v), *srng, clock);
    Bytes in = take(client);
    Bytes bad = {0x99, 3, 3, 0, 1, 0};  // an unknown content type
    in.insert(in.end(), bad.begin(), bad.end());
    (void)server.receive(in);
    std::vector<Rec> recs = split_records(take(server));
    REQUIRE(recs.size() >= 2);
    CHECK(recs.front().type == 22);  // the ServerHello flight
    CHECK(recs.front().body.at(0) == 2);
    CHECK(recs.back().type == (v == kTls13 ? 23 : 21));  // then the alert (TLS 1.3: under the handshake keys)
    REQUIRE(server.error() != nullptr);
    CHECK(server.error()->alert == AD::unexpected_message);
  }
}

TEST_CASE("6. full-size 0-RTT records are skipped after a HelloRetryRequest") {
  auto sc = scfg(kTls13, [](ServerConfig::Builder& b) { b.max_early_data(32768).groups({0x0018}); });  // P-384 only
  auto cc = ccfg(kTls13, [](ClientConfig::Builder& b) { b.early_data(true).groups({0x001d, 0x0018}); });
  Link first(cc, sc);
  REQUIRE(first.run());
  std::optional<Session> s = first.client->session();
  REQUIRE(s.has_value());
  REQUIRE(s->max_early_data == 32768);
  Bytes early(20000, 'e');
  Link second(cc, sc, s, early);
  REQUIRE(second.run());
  CHECK_FALSE(second.server->info()->early_data_accepted);
  CHECK(second.ss.data == std::string(early.begin(), early.end()));  // sent again after the handshake
}

TEST_CASE("7. TLS 1.3: a warning alert other than close_notify and user_canceled ends the connection") {
  Logged13 t;
  Result<size_t> r = t.server().receive(t.as_client->seal(ContentType::alert, alert_body(AlertLevel::warning, AD::bad_certificate)));
  CHECK_FALSE(r.ok());
  REQUIRE(t.server().error() != nullptr);
  Logged13 u;
  CHECK(u.server().receive(u.as_client->seal(ContentType::alert, alert_body(AlertLevel::warning, AD::user_canceled))).ok());
  CHECK(u.server().error() == nullptr);
}

TEST_CASE("8. release_buffers() keeps the bytes an app_data event points at") {
  Link l(ccfg(kTls13), scfg(kTls13));
  REQUIRE(l.run());
  REQUIRE(l.client->send(ByteView::of("hello, kept")).ok());
  Bytes rec = take(*l.client);
  REQUIRE(l.server->receive(rec).ok());
  std::optional<Event> ev;
  while ((ev = l.server->next_event()) && ev->type != Event::Type::app_data) {
  }
  REQUIRE(ev.has_value());
  l.server->release_buffers();
  CHECK(l.server->buffer_capacity() >= ev->data.size());
  CHECK(ev->data.to_string() == "hello, kept");  // AddressSanitizer: no use after free
}

TEST_CASE("9. close() during the handshake: the handshake finishes, queued data goes, then close_notify") {
  for (uint16_t v : {kTls12, kTls13}) {
    CAPTURE(v);
    Link l(ccfg(v), scfg(v));
    REQUIRE(l.client->send(ByteView::of("queued before close")).ok());
    l.client->close();
    REQUIRE(l.client->send(ByteView::of("after")).error().kind == ErrorKind::api_misuse);
    REQUIRE(pump(*l.client, *l.server, &l.cs, &l.ss));
    CHECK(l.cs.done);
    CHECK(l.ss.done);
    CHECK(l.ss.data == "queued before close");
    CHECK(l.ss.closed);
    CHECK(l.ss.clean);
    CHECK(l.client->error() == nullptr);
    CHECK(l.server->error() == nullptr);
    CHECK(l.client->is_closed());
  }
}

namespace {
// A ticketer whose tickets are as long as RFC 8446 4.6.1 allows (65,535 bytes): the state's
// plaintext padded, kept in a map under the padding's first bytes.
class LongTickets final : public Ticketer {
 public:
  Bytes seal(ByteView plaintext, uint64_t, crypto::Rng&) override {
    Bytes t(65535, 0);
    t[0] = static_cast<uint8_t>(n_);
    t[1] = static_cast<uint8_t>(n_ >> 8);
    states_[n_++] = plaintext.to_bytes();
    return t;
  }
  bool open(ByteView ticket, uint64_t, Bytes* plaintext) override {
    if (ticket.size() != 65535) return false;
    auto it = states_.find(ticket[0] | (ticket[1] << 8));
    if (it == states_.end()) return false;
    *plaintext = it->second;
    return true;
  }

 private:
  std::map<int, Bytes> states_;
  int n_ = 0;
};
}  // namespace

TEST_CASE("10. handshake message limits per type: a largest NewSessionTicket is taken, a long Finished is decode_error") {
  auto sc = scfg(kTls13, [](ServerConfig::Builder& b) { b.ticket_keys(std::make_shared<LongTickets>()); });
  Link l(ccfg(kTls13), sc);
  REQUIRE(l.run());
  REQUIRE(l.client->session().has_value());
  CHECK(l.client->session()->ticket.size() == 65535);
  // Such a ticket cannot be offered (a ClientHello's extensions hold 2^16-1 bytes in all): the next
  // connection makes a full handshake instead of failing.
  Link again(ccfg(kTls13), sc, l.client->session());
  REQUIRE(again.run());
  CHECK_FALSE(again.client->info()->resumed);
  // A Finished whose length is impossible (longer than any hash) is decode_error at the header.
  Logged13 t;
  Bytes fin = handshake_msg(HandshakeType::finished, Bytes(2000, 1));
  Result<size_t> r = t.server().receive(t.as_client->seal(ContentType::handshake, ByteView(fin).sub(0, 100)));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().alert == AD::decode_error);
}

namespace {
// An application's ticketer whose tickets are one byte longer than any NewSessionTicket can carry.
class OversizedTickets final : public Ticketer {
 public:
  Bytes seal(ByteView, uint64_t, crypto::Rng&) override { return Bytes(65536, 7); }
  bool open(ByteView, uint64_t, Bytes*) override { return false; }
};
}  // namespace

TEST_CASE("10. a ticket longer than a NewSessionTicket holds (2^16-1 bytes) is not sent: the handshake goes on without it") {
  for (uint16_t v : {kTls12, kTls13}) {
    CAPTURE(v);
    auto sc = scfg(v, [](ServerConfig::Builder& b) { b.ticket_keys(std::make_shared<OversizedTickets>()); });
    auto cc = ccfg(v, [](ClientConfig::Builder& b) { b.tls12_tickets(true); });
    Link l(cc, sc);
    REQUIRE(l.run());
    REQUIRE(l.server->error() == nullptr);
    REQUIRE(l.client->error() == nullptr);
    // No ticket reached the client (RFC 5077 3.3: TLS 1.2's NewSessionTicket is then empty).
    if (l.client->session().has_value()) CHECK(l.client->session()->ticket.empty());
  }
}

TEST_CASE("10. a ClientHello larger than 64 KiB (the most suites and extensions allow) is read") {
  auto crng = crypto::make_deterministic_rng(ByteView::of("c"));
  FixedClock clock(kTestNowMs);
  Connection client = Connection::client(ccfg(kTls13), {"localhost", std::nullopt}, *crng, clock);
  std::vector<Rec> recs = split_records(take(client));
  ClientHello ch;
  REQUIRE(decode_client_hello(ByteView(recs.at(0).body).sub(4), &ch).ok());
  for (uint16_t s = 0x5000; s < 0x5000 + 32000; s++) ch.cipher_suites.push_back(s);  // unknown suites
  RawExtension pad;
  pad.type = 21;  // padding
  pad.data = Bytes(9000, 0);
  ch.extensions.unknown.push_back(pad);
  Bytes body;
  Writer w(&body);
  encode_client_hello(ch, w);
  REQUIRE(w.ok());
  Bytes msg = handshake_msg(HandshakeType::client_hello, body);
  REQUIRE(msg.size() > 65536);
  Bytes in;
  for (size_t off = 0; off < msg.size(); off += 16384) {
    Bytes rec = plain_record(22, ByteView(msg).sub(off, std::min<size_t>(16384, msg.size() - off)));
    in.insert(in.end(), rec.begin(), rec.end());
  }
  auto srng = crypto::make_deterministic_rng(ByteView::of("s"));
  Connection server = Connection::server(scfg(kTls13), *srng, clock);
  CHECK(server.receive(in).ok());
  CHECK(server.error() == nullptr);
  CHECK_FALSE(server.pending_output().empty());  // it answered
}

TEST_CASE("11. peer-triggered work is bounded: post-handshake CertificateRequests and HelloRequests") {
  {
    // A server that floods post-handshake CertificateRequests, with no data in between.
    auto keys = std::make_shared<SecretLog>();
    const CipherSuite& suite = *find_suite(suite::TLS_AES_128_GCM_SHA256);
    auto cc = ccfg(kTls13, [&](ClientConfig::Builder& b) {
      b.cipher_suites({suite.id}).key_log(keys).client_certificate(pem("client_ec.pem"), pem("client_ec.key.pem"));
    });
    auto sc = scfg(kTls13, [&](ServerConfig::Builder& b) { b.cipher_suites({suite.id}).tickets(false); });
    Link l(cc, sc);
    REQUIRE(l.run());
    Traffic as_server(suite, keys->secrets["SERVER_TRAFFIC_SECRET_0"]);
    CertificateRequest13 cr;
    cr.request_context = {1, 2, 3};
    cr.extensions.signature_algorithms = std::vector<uint16_t>{0x0403};
    Bytes body;
    Writer w(&body);
    encode_certificate_request13(cr, w);
    Bytes msg = handshake_msg(HandshakeType::certificate_request, body);
    int answered = 0;
    for (int i = 0; i < 200 && l.client->error() == nullptr; i++) {
      (void)l.client->receive(as_server.seal(ContentType::handshake, msg));
      if (l.client->error() == nullptr) answered++;
      take(*l.client);
    }
    REQUIRE(l.client->error() != nullptr);
    CHECK(l.client->error()->alert == AD::unexpected_message);
    CHECK(answered <= 32);
  }
  for (bool with_body : {false, true}) {
    // TLS 1.2: HelloRequests after the handshake get a no_renegotiation warning each, up to a bound;
    // one with a body is decode_error (RFC 5246 7.4.1.1). The records are sealed as the server, from
    // the logged master secret and the hello randoms.
    CAPTURE(with_body);
    struct Log : KeyLog {
      Bytes client_random, master;
      void log(const char*, ByteView cr, ByteView secret) override {
        client_random = cr.to_bytes();
        master = secret.to_bytes();
      }
    };
    auto log = std::make_shared<Log>();
    const CipherSuite& suite = *find_suite(suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    Link l(ccfg(kTls12, [&](ClientConfig::Builder& b) { b.cipher_suites({suite.id}).key_log(log); }), scfg(kTls12));
    REQUIRE(l.server->receive(take(*l.client)).ok());
    Bytes flight = take(*l.server);
    std::vector<Rec> recs = split_records(flight);
    REQUIRE(recs.at(0).body.at(0) == 2);
    Random cr{}, sr{};
    std::copy(recs[0].body.begin() + 6, recs[0].body.begin() + 38, sr.begin());
    REQUIRE(l.client->receive(flight).ok());
    REQUIRE(l.run());
    std::copy(log->client_random.begin(), log->client_random.end(), cr.begin());
    auto rng = crypto::make_deterministic_rng(ByteView::of("k"));
    Result<Tls12Keys> keys = tls12_record_keys(crypto::default_provider(), suite, log->master, cr, sr, false, *rng,
                                               kMaxPlaintext, kMaxPlaintext);
    REQUIRE(keys.ok());
    RecordProtection& w = keys.value().server_write;
    auto seal = [&](ContentType type, ByteView content) {
      Bytes out(w.sealed_size(content.size()) + 64);
      Result<size_t> n = w.seal(type, content, out.data(), out.size());
      REQUIRE(n.ok());
      out.resize(n.value());
      return out;
    };
    (void)seal(ContentType::handshake, Bytes(16, 0));  // the server's Finished took sequence number 0
    Bytes hello_request = handshake_msg(HandshakeType::hello_request, with_body ? Bytes{1} : Bytes());
    int answered = 0;
    for (int i = 0; i < 200 && l.client->error() == nullptr; i++) {
      (void)l.client->receive(seal(ContentType::handshake, hello_request));
      if (l.client->error() == nullptr) answered++;
      take(*l.client);
    }
    REQUIRE(l.client->error() != nullptr);
    if (with_body) {
      CHECK(answered == 0);
      CHECK(l.client->error()->alert == AD::decode_error);
    } else {
      CHECK(answered <= 32);
      CHECK(l.client->error()->alert == AD::unexpected_message);
    }
  }
}

TEST_CASE("11. empty application_data records between KeyUpdates do not reset the bound") {
  auto keys = std::make_shared<SecretLog>();
  const CipherSuite& suite = *find_suite(suite::TLS_AES_128_GCM_SHA256);
  Link l(ccfg(kTls13, [&](ClientConfig::Builder& b) { b.cipher_suites({suite.id}).key_log(keys); }),
         scfg(kTls13, [&](ServerConfig::Builder& b) { b.cipher_suites({suite.id}).tickets(false); }));
  REQUIRE(l.run());
  Bytes secret = keys->secrets["CLIENT_TRAFFIC_SECRET_0"];
  auto w = std::make_unique<Traffic>(suite, secret);
  bool failed = false;
  for (int i = 0; i < 100 && !failed; i++) {
    failed = !l.server->receive(w->seal(ContentType::application_data, ByteView())).ok();
    if (failed) break;
    failed = !l.server->receive(w->seal(ContentType::handshake, handshake_msg(HandshakeType::key_update, Bytes{1})))
                  .ok();
    take(*l.server);
    secret = tls13_next_traffic_secret(crypto::default_provider(), crypto::HashAlg::sha256, secret);
    w = std::make_unique<Traffic>(suite, secret);
  }
  CHECK(failed);
  REQUIRE(l.server->error() != nullptr);
  CHECK(l.server->error()->alert == AlertDescription::unexpected_message);
}
