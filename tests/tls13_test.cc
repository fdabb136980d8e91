// TLS 1.3 through the public API: sanstls client against sanstls server, in memory.
#include <doctest/doctest.h>

#include <map>
#include <mutex>

#include "core/handshake.h"
#include "core/suites.h"
#include "tests/pair.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

std::shared_ptr<const ClientConfig> client13(const std::string& suites = "", bool cert = false,
                                             std::vector<uint16_t> groups = {}, bool early = false,
                                             const std::string& cert_name = "client") {
  ClientConfig::Builder b;
  b.trust_anchors_pem(read_file("tests/certs/ca.pem"));
  if (!suites.empty()) b.cipher_suite_names(suites);
  if (!groups.empty()) b.groups(groups);
  if (cert) b.client_certificate(read_file("tests/certs/" + cert_name + ".pem"),
                                 read_file("tests/certs/" + cert_name + ".key.pem"));
  b.early_data(early);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

std::shared_ptr<const ServerConfig> server13(bool client_auth = false, bool required = false,
                                             std::vector<uint16_t> groups = {}, uint32_t max_early = 0,
                                             bool tls12_only = false) {
  ServerConfig::Builder b;
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  if (client_auth) b.client_auth(required ? ClientAuth::required : ClientAuth::optional, read_file("tests/certs/ca.pem"));
  if (!groups.empty()) b.groups(groups);
  b.max_early_data(max_early);
  if (tls12_only) b.versions(0x0303, 0x0303);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

struct Run13 {
  std::unique_ptr<crypto::Rng> crng, srng;
  FixedClock clock{kTestNowMs};
  std::unique_ptr<Connection> client, server;
  Seen cs, ss;
  Run13(std::shared_ptr<const ClientConfig> c, std::shared_ptr<const ServerConfig> s,
        std::optional<Session> resume = std::nullopt, Bytes early = {}, const std::string& seed = "1") {
    crng = crypto::make_deterministic_rng(ByteView::of("c13 " + seed));
    srng = crypto::make_deterministic_rng(ByteView::of("s13 " + seed));
    Connection::ClientOptions o;
    o.server_name = "localhost";
    o.resume = resume;
    o.trace = true;
    o.early_data = early;
    client = std::make_unique<Connection>(Connection::client(c, o, *crng, clock));
    server = std::make_unique<Connection>(Connection::server(s, *srng, clock));
    server->set_trace(true);
  }
  bool pump(size_t chunk = 0) {
    bool ok = testing::pump(*client, *server, &cs, &ss, chunk);
    if (!ok) {
      if (client->error()) MESSAGE("client: " << client->error()->to_string());
      if (server->error()) MESSAGE("server: " << server->error()->to_string());
    }
    return ok;
  }
  void round_trip(size_t chunk = 0) {
    cs.data.clear();
    ss.data.clear();
    std::string a = "hello over TLS 1.3", b(20000, 'y');
    REQUIRE(client->send(ByteView::of(a)).ok());
    REQUIRE(server->send(ByteView::of(b)).ok());
    REQUIRE(pump(chunk));
    CHECK(ss.data == a);
    CHECK(cs.data.size() == b.size());
    CHECK(cs.data == b);
  }
};

const uint16_t kX25519 = 0x001d, kP256 = 0x0017, kP384 = 0x0018, kFfdhe2048 = 0x0100;

}  // namespace

TEST_CASE("TLS 1.3: every suite and group, with and without client certificates, whole and byte by byte") {
  for (const char* suite : {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}) {
    for (uint16_t group : {kX25519, kP256, kP384, kFfdhe2048}) {
      for (int auth = 0; auth < 3; auth++) {
        for (size_t chunk : {size_t{0}, size_t{1}}) {
          if (chunk == 1 && group != kX25519) continue;  // byte by byte once per suite is enough
          std::string s = suite;
          CAPTURE(s);
          CAPTURE(group);
          CAPTURE(auth);
          CAPTURE(chunk);
          Run13 r(client13(suite, auth != 0, {group}, false, auth == 2 ? "client_ec" : "client"),
                  server13(auth != 0));
          REQUIRE(r.pump(chunk));
          REQUIRE(r.cs.done);
          REQUIRE(r.ss.done);
          const HandshakeInfo* ci = r.client->info();
          CHECK(ci->version == 0x0304);
          CHECK(ci->cipher_suite == find_suite_by_name(suite)->id);
          CHECK(ci->group == group);
          CHECK(r.server->info()->group == group);
          CHECK(r.server->info()->client_authenticated == (auth != 0));
          CHECK(!ci->resumed);
          // ClientHello, ServerHello, our compatibility CCS (sent as soon as the handshake keys exist),
          // the server's, EncryptedExtensions, [CertificateRequest], Certificate, CertificateVerify,
          // Finished; then ours.
          std::vector<uint8_t> expected = {1, 2, 0xff, 0xff, 8};
          if (auth) expected.push_back(13);
          for (uint8_t t : {11, 15, 20}) expected.push_back(t);
          if (auth) expected.push_back(11);
          if (auth) expected.push_back(15);
          expected.push_back(20);
          expected.push_back(4);  // NewSessionTicket
          CHECK(r.cs.messages == expected);
          CHECK(r.cs.tickets == 1);
          r.round_trip(chunk);
          r.client->close();
          REQUIRE(r.pump(chunk));
          CHECK(r.ss.closed);
          CHECK(r.ss.clean);
          CHECK(r.cs.clean);
        }
      }
    }
  }
}

TEST_CASE("TLS 1.3: HelloRetryRequest when the client's key share is not the server's choice") {
  // The client sends an X25519 share; the server only does P-256 and asks again, with a cookie.
  Run13 r(client13("", false, {kX25519, kP256}), server13(false, false, {kP256}));
  REQUIRE(r.pump(1));
  REQUIRE(r.cs.done);
  CHECK(r.client->info()->group == kP256);
  // ClientHello, HelloRetryRequest (a ServerHello), CCS, ClientHello again, ServerHello, ...
  REQUIRE(r.ss.messages.size() > 5);
  CHECK(std::vector<uint8_t>(r.ss.messages.begin(), r.ss.messages.begin() + 4) == std::vector<uint8_t>{1, 2, 0xff, 0xff});
  r.round_trip();
  // No group in common at all: handshake_failure.
  Run13 bad(client13("", false, {kX25519}), server13(false, false, {kP384}));
  bad.pump();
  REQUIRE(bad.server->error());
  CHECK(bad.server->error()->alert == AlertDescription::handshake_failure);
}

TEST_CASE("TLS 1.3: resumption with a ticket, then 0-RTT data accepted once and refused on replay") {
  auto scfg = server13(false, false, {}, 4096);
  auto ccfg = client13("", false, {}, true);
  Run13 first(ccfg, scfg);
  REQUIRE(first.pump());
  REQUIRE(first.cs.done);
  first.round_trip();
  std::optional<Session> s = first.client->session();
  REQUIRE(s.has_value());
  CHECK(s->version == 0x0304);
  CHECK(s->max_early_data == 4096);
  Session restored;
  REQUIRE(Session::decode(s->encode(), &restored));

  std::string early = "GET / 0-RTT";
  Run13 second(ccfg, scfg, restored, Bytes(early.begin(), early.end()), "2");
  REQUIRE(second.pump(3));
  REQUIRE(second.cs.done);
  CHECK(second.client->info()->resumed);
  CHECK(second.server->info()->resumed);
  CHECK(second.client->info()->early_data_accepted);
  CHECK(second.server->info()->early_data_accepted);
  CHECK(second.ss.data == early);
  second.round_trip();

  // The same ticket and binder again: the strike register refuses 0-RTT; the data still arrives, after
  // the handshake, and the session still resumes.
  Run13 replay(ccfg, scfg, restored, Bytes(early.begin(), early.end()), "2");
  REQUIRE(replay.pump());
  REQUIRE(replay.cs.done);
  CHECK(replay.client->info()->resumed);
  CHECK_FALSE(replay.client->info()->early_data_accepted);
  CHECK(replay.ss.data == early);

  // Without 0-RTT on the server: resumption only; the early data is skipped, then sent again.
  Run13 no_early(ccfg, server13(), restored, Bytes(early.begin(), early.end()), "3");
  REQUIRE(no_early.pump());
  REQUIRE(no_early.cs.done);
  CHECK_FALSE(no_early.client->info()->resumed);  // another server config: its own ticket keys
  CHECK(no_early.ss.data == early);
}

TEST_CASE("TLS 1.3: KeyUpdate both ways, requested and answered, and the bound on unsolicited ones") {
  Run13 r(client13(), server13());
  REQUIRE(r.pump());
  REQUIRE(r.client->key_update(true).ok());
  REQUIRE(r.pump());
  r.round_trip();
  REQUIRE(r.server->key_update(false).ok());
  REQUIRE(r.pump());
  r.round_trip();
  CHECK(r.client->error() == nullptr);
  CHECK(r.server->error() == nullptr);
  // 33 KeyUpdates with no data between: the peer stops it.
  for (int i = 0; i < 33; i++) REQUIRE(r.client->key_update(false).ok());
  r.pump();
  REQUIRE(r.server->error());
  CHECK(r.server->error()->alert == AlertDescription::unexpected_message);
  // TLS 1.2 has no KeyUpdate.
  Run13 old(client13("ECDHE-RSA-AES128-GCM-SHA256"), server13());
  REQUIRE(old.pump());
  CHECK(old.client->key_update(false).error().kind == ErrorKind::api_misuse);
}

TEST_CASE("TLS 1.3: post-handshake client authentication") {
  Run13 r(client13("", true), server13(true, false));
  // The server did not ask during the handshake when the config says optional? It does ask; use a
  // second server without client auth in the handshake for the post-handshake case.
  Run13 p(client13("", true), [] {
    ServerConfig::Builder b;
    b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
    b.client_auth(ClientAuth::optional, read_file("tests/certs/ca.pem"));
    auto built = b.build();
    return built.config;
  }());
  REQUIRE(p.pump());
  REQUIRE(p.ss.done);
  CHECK(p.server->info()->client_authenticated);  // asked in the handshake (optional mode asks)
  REQUIRE(p.server->request_client_certificate().ok());
  REQUIRE(p.pump());
  CHECK(p.server->error() == nullptr);
  CHECK(p.client->error() == nullptr);
  p.round_trip();
  (void)r;
}

TEST_CASE("TLS 1.3 and 1.2 together: version negotiation and the downgrade sentinel") {
  // A TLS 1.2-only server: the 1.3-capable client settles for 1.2.
  Run13 r(client13(), server13(false, false, {}, 0, true));
  REQUIRE(r.pump());
  CHECK(r.client->info()->version == 0x0303);
  r.round_trip();
  // A TLS 1.3 server, a client that offers 1.2 only: 1.2, with DOWNGRD\x01 at the end of the random.
  Run13 d(client13("ECDHE-RSA-AES128-GCM-SHA256"), server13());
  REQUIRE(d.pump());
  CHECK(d.client->info()->version == 0x0303);
  // An attacker strips supported_versions from a 1.3 client's hello: the server answers 1.2 with the
  // sentinel, and the client refuses (illegal_parameter).
  auto c = client13();
  auto rng = crypto::make_deterministic_rng(ByteView::of("x"));
  FixedClock clock(kTestNowMs);
  Connection client = Connection::client(c, {"localhost", std::nullopt}, *rng, clock);
  Bytes rec = client.pending_output().to_bytes();
  ClientHello ch;
  REQUIRE(decode_client_hello(ByteView(rec).sub(9), &ch).ok());
  ch.extensions.supported_versions.reset();
  ch.extensions.key_share.reset();
  ch.extensions.pre_shared_key.reset();
  ch.extensions.psk_key_exchange_modes.reset();
  ch.extensions.order.clear();
  Bytes body;
  Writer w(&body);
  encode_client_hello(ch, w);
  Bytes msg;
  encode_handshake(HandshakeType::client_hello, body, &msg);
  Bytes forged = {22, 3, 3, static_cast<uint8_t>(msg.size() >> 8), static_cast<uint8_t>(msg.size())};
  forged.insert(forged.end(), msg.begin(), msg.end());
  auto srng = crypto::make_deterministic_rng(ByteView::of("y"));
  Connection server = Connection::server(server13(), *srng, clock);
  REQUIRE(server.receive(forged).ok());
  Result<size_t> got = client.receive(server.pending_output());
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().alert == AlertDescription::illegal_parameter);
}

TEST_CASE("TLS 1.3: messages wrong for the state are unexpected_message") {
  // A KeyUpdate or a NewSessionTicket from the client, a second ClientHello after the handshake.
  Run13 r(client13(), server13());
  REQUIRE(r.pump());
  // After the handshake, the client's state machine refuses a CertificateRequest it did not offer to
  // answer (no post_handshake_auth without a client certificate).
  CHECK(r.client->request_client_certificate().error().kind == ErrorKind::api_misuse);
  CHECK(r.server->request_client_certificate().error().kind == ErrorKind::api_misuse);
}

TEST_CASE("TLS 1.3 regression: 0-RTT offered with a key share the server does not take is never accepted") {
  // Found by interop (openssl s_client -early_data against a server with groups {P-384}): the server
  // accepted 0-RTT while checking the PSK of the first ClientHello, then sent a HelloRetryRequest and
  // kept the flag, so its EncryptedExtensions said early_data after a HelloRetryRequest (RFC 8446
  // 4.2.10 forbids it) and it then expected EndOfEarlyData that the client never sends. And the client
  // dropped its early data after a HelloRetryRequest instead of sending it after the handshake.
  auto scfg = server13(false, false, {kP384}, 4096);
  auto ccfg = client13("", false, {kX25519, kP384}, true);
  Run13 first(ccfg, scfg);
  REQUIRE(first.pump());
  REQUIRE(first.cs.done);
  std::optional<Session> s = first.client->session();
  REQUIRE(s.has_value());
  REQUIRE(s->max_early_data == 4096);
  std::string early = "early, then a HelloRetryRequest";
  Run13 second(ccfg, scfg, s, Bytes(early.begin(), early.end()), "hrr-0rtt");
  REQUIRE(second.pump());
  REQUIRE(second.cs.done);
  REQUIRE(second.ss.done);
  CHECK(second.client->info()->resumed);
  CHECK(second.server->info()->resumed);
  CHECK_FALSE(second.server->info()->early_data_accepted);
  CHECK_FALSE(second.client->info()->early_data_accepted);
  // Two ClientHellos, and the early data arrives after the handshake.
  int client_hellos = 0;
  for (uint8_t t : second.ss.messages) client_hellos += t == 1 ? 1 : 0;
  CHECK(client_hellos == 2);
  CHECK(second.ss.data == early);
  second.round_trip();
}

TEST_CASE("TLS 1.3: record padding on send, stripped on receive") {
  ClientConfig::Builder b;
  b.trust_anchors_pem(read_file("tests/certs/ca.pem")).record_padding(256);
  auto ccfg = b.build();
  REQUIRE(ccfg.ok());
  Run13 r(ccfg.config, server13());
  REQUIRE(r.pump());
  REQUIRE(r.cs.done);
  r.client->consume_output(r.client->pending_output().size());
  REQUIRE(r.client->send(ByteView::of("short")).ok());
  Bytes rec = r.client->pending_output().to_bytes();
  // One record: header, then content (5) + type (1) + zeros up to 256, + the 16-byte tag.
  REQUIRE(rec.size() == 5 + 256 + 16);
  REQUIRE(r.pump());
  CHECK(r.ss.data.find("short") != std::string::npos);
}

TEST_CASE("TLS 1.3 regression: key_share and pre_shared_key without supported_groups is missing_extension") {
  // Found by fuzz/server_fuzzer (TLS 1.3 mode): the server let a ClientHello with a PSK carry a
  // key_share without supported_groups, then read the absent supported_groups (an empty optional:
  // a use after free under ASan when the stack held an earlier ClientHello's list).
  ClientHello ch;
  ch.random.fill(0x42);
  ch.cipher_suites = {0x1301};
  ch.compression_methods = {0};
  ch.has_extensions = true;
  Extensions& e = ch.extensions;
  e.supported_versions = std::vector<uint16_t>{0x0304};
  e.signature_algorithms = std::vector<uint16_t>{0x0804, 0x0403};
  e.key_share = std::vector<KeyShareEntry>{KeyShareEntry{0x001d, Bytes(32, 9)}};
  e.psk_key_exchange_modes = Bytes{1};
  OfferedPsks psks;
  psks.identities.push_back(PskIdentity{Bytes(40, 7), 1234});
  psks.binders.push_back(Bytes(32, 5));
  e.pre_shared_key = psks;
  Bytes body;
  Writer w(&body);
  encode_client_hello(ch, w);
  REQUIRE(w.ok());
  Bytes msg;
  encode_handshake(HandshakeType::client_hello, body, &msg);
  Bytes rec = {0x16, 0x03, 0x01, static_cast<uint8_t>(msg.size() >> 8), static_cast<uint8_t>(msg.size())};
  rec.insert(rec.end(), msg.begin(), msg.end());
  auto rng = crypto::make_deterministic_rng(ByteView::of("no supported_groups"));
  FixedClock clock(kTestNowMs);
  Connection server = Connection::server(server13(), *rng, clock);
  Result<size_t> got = server.receive(rec);
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().alert == AlertDescription::missing_extension);
}

namespace {

// A stateful ticketer, as a server that keeps its sessions in a store (and hands out their keys as
// tickets) would give: single use, so a ticket resumes once.
class SessionStore : public Ticketer {
 public:
  Bytes seal(ByteView plaintext, uint64_t, crypto::Rng& rng) override {
    Bytes id(16);
    rng.fill(id.data(), id.size());
    std::lock_guard<std::mutex> lock(mu_);
    states_[id] = plaintext.to_bytes();
    sealed++;
    return id;
  }
  bool open(ByteView ticket, uint64_t, Bytes* plaintext) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = states_.find(ticket.to_bytes());
    if (it == states_.end()) {
      plaintext->clear();
      return false;
    }
    *plaintext = it->second;
    states_.erase(it);  // single use
    return true;
  }
  int sealed = 0;

 private:
  std::mutex mu_;
  std::map<Bytes, Bytes> states_;
};

std::shared_ptr<const ServerConfig> server_with(std::shared_ptr<Ticketer> t, uint8_t per_handshake) {
  ServerConfig::Builder b;
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"))
      .ticket_keys(std::move(t))
      .tickets_per_handshake(per_handshake)
      .max_early_data(1024);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

}  // namespace

TEST_CASE("TLS 1.3: several tickets per handshake, a Ticketer of the application's, and none at all") {
  auto store = std::make_shared<SessionStore>();
  auto ccfg = client13();
  Run13 first(ccfg, server_with(store, 3));
  REQUIRE(first.pump());
  first.round_trip();
  CHECK(first.cs.tickets == 3);
  CHECK(store->sealed == 3);
  std::optional<Session> s = first.client->session();
  REQUIRE(s.has_value());
  CHECK(s->ticket.size() == 16);  // the store's key, not a sealed state

  // A server that issues no tickets still takes one from the shared store; the store makes it single use.
  auto quiet = server_with(store, 0);
  Run13 resumed(ccfg, quiet, s, {}, "2");
  REQUIRE(resumed.pump());
  CHECK(resumed.server->info()->resumed);
  CHECK(resumed.cs.tickets == 0);
  Run13 again(ccfg, quiet, s, {}, "3");
  REQUIRE(again.pump());
  CHECK_FALSE(again.server->info()->resumed);

  CHECK(!ServerConfig::Builder()
             .certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"))
             .tickets_per_handshake(9)
             .build()
             .ok());
}

TEST_CASE("TLS 1.3: 0-RTT without compatibility mode sends no ChangeCipherSpec") {
  auto scfg = server13(false, false, {}, 4096);
  ClientConfig::Builder b;
  b.trust_anchors_pem(read_file("tests/certs/ca.pem")).early_data(true).middlebox_compat(false);
  auto built = b.build();
  REQUIRE(built.ok());
  Run13 first(built.config, scfg);
  REQUIRE(first.pump());
  std::optional<Session> s = first.client->session();
  REQUIRE(s.has_value());
  std::string early = "early, no CCS";
  Run13 second(built.config, scfg, s, Bytes(early.begin(), early.end()), "2");
  REQUIRE(second.pump());
  CHECK(second.server->info()->early_data_accepted);
  CHECK(second.ss.data == early);
  for (uint8_t m : second.ss.messages) CHECK(m != 0xff);
}

TEST_CASE("TLS 1.3: 0-RTT data over the ticket's max_early_data_size -> unexpected_message (RFC 8446 4.2.10)") {
  auto scfg = server13(false, false, {}, 1024);
  auto ccfg = client13("", false, {}, true);
  Run13 first(ccfg, scfg);
  REQUIRE(first.pump());
  std::optional<Session> s = first.client->session();
  REQUIRE(s.has_value());
  REQUIRE(s->max_early_data == 1024);
  // Within the limit: accepted. Over it (a client that ignores the ticket's limit, made here by
  // raising the limit in its saved session): the server aborts.
  for (size_t size : {size_t{1024}, size_t{4000}}) {
    CAPTURE(size);
    Session lying = *s;
    lying.max_early_data = 1 << 20;
    Run13 second(ccfg, scfg, lying, Bytes(size, 'e'), "over" + std::to_string(size));
    bool ok = second.pump();
    if (size <= 1024) {
      CHECK(ok);
      CHECK(second.server->info()->early_data_accepted);
    } else {
      CHECK_FALSE(ok);
      REQUIRE(second.server->error() != nullptr);
      CHECK(second.server->error()->alert == AlertDescription::unexpected_message);
    }
  }
}

namespace {

// Everything a server wrote in a full handshake (and its tickets) with a client of `version`, both
// sides on generators seeded from `seed`; *key_name gets the first 16 bytes of the client's ticket
// (a TicketKeys ticket begins with its key's name).
Bytes server_output(std::shared_ptr<const ServerConfig> sc, uint16_t version, const std::string& seed,
                    Bytes* key_name, std::vector<uint16_t> suites = {}) {
  ClientConfig::Builder cb;
  cb.trust_anchors_pem(read_file("tests/certs/ca.pem")).versions(version, version);
  if (!suites.empty()) cb.cipher_suites(std::move(suites));
  auto cc = cb.build();
  REQUIRE_MESSAGE(cc.ok(), cc.error);
  auto crng = crypto::make_deterministic_rng(ByteView::of("client " + seed));
  auto srng = crypto::make_deterministic_rng(ByteView::of("server " + seed));
  FixedClock clock{kTestNowMs};
  Connection::ClientOptions o;
  o.server_name = "localhost";
  Connection client = Connection::client(cc.config, o, *crng, clock);
  Connection server = Connection::server(sc, *srng, clock);
  Bytes written;
  for (int i = 0; i < 20; i++) {
    bool moved = false;
    if (!client.pending_output().empty()) {
      Bytes b = client.pending_output().to_bytes();
      client.consume_output(b.size());
      REQUIRE(server.receive(b).ok());
      moved = true;
    }
    if (!server.pending_output().empty()) {
      Bytes b = server.pending_output().to_bytes();
      server.consume_output(b.size());
      written.insert(written.end(), b.begin(), b.end());
      REQUIRE(client.receive(b).ok());
      moved = true;
    }
    while (client.next_event()) {
    }
    while (server.next_event()) {
    }
    if (!moved) break;
  }
  std::optional<Session> s = client.session();
  REQUIRE(s.has_value());
  REQUIRE(s->ticket.size() > TicketKeys::kNameLength);
  *key_name = Bytes(s->ticket.begin(), s->ticket.begin() + TicketKeys::kNameLength);
  return written;
}

}  // namespace

TEST_CASE("server tickets: one connection's bytes do not depend on the connections before it") {
  struct Case {
    uint16_t version;
    const char* chain;
    const char* key;
    std::vector<uint16_t> suites;  // the client's; empty: its defaults
  };
  // ECDSA and RSA certificates (signatures), and TLS 1.2's RSA key exchange (the premaster decrypted
  // with the server's key): mbedTLS's RSA draws its blinding values at a key's first private
  // operation, so the provider must keep those draws out of the connection's generator.
  const Case cases[] = {
      {0x0303, "tests/certs/server_ec_chain.pem", "tests/certs/server_ec.key.pem", {}},
      {0x0304, "tests/certs/server_ec_chain.pem", "tests/certs/server_ec.key.pem", {}},
      {0x0303, "tests/certs/server_rsa.pem", "tests/certs/server_rsa.key.pem", {}},
      {0x0304, "tests/certs/server_rsa.pem", "tests/certs/server_rsa.key.pem", {}},
      {0x0303, "tests/certs/server_rsa.pem", "tests/certs/server_rsa.key.pem", {0x009c}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.version);
    CAPTURE(std::string(c.chain));
    CAPTURE(c.suites.size());
    // Three servers alike, each with a ticket key generator of the same seed, each loading the key
    // anew (a key object of its own, with no private operation behind it yet).
    auto make = [&] {
      ServerConfig::Builder b;
      b.certificate(read_file(c.chain), read_file(c.key))
          .versions(c.version, c.version)
          .ticket_key_generator(crypto::make_deterministic_rng(ByteView::of("ticket keys")));
      auto built = b.build();
      REQUIRE_MESSAGE(built.ok(), built.error);
      return built.config;
    };
    // B alone; B after A; B after another A (another generator, so other keys were A's to draw).
    auto alone = make(), after_a = make(), after_other_a = make();
    Bytes name_alone, name_a, name_other, name_b1, name_b2;
    const Bytes b_alone = server_output(alone, c.version, "B", &name_alone, c.suites);
    const Bytes a = server_output(after_a, c.version, "A", &name_a, c.suites);
    const Bytes b1 = server_output(after_a, c.version, "B", &name_b1, c.suites);
    const Bytes other = server_output(after_other_a, c.version, "other A", &name_other, c.suites);
    const Bytes b2 = server_output(after_other_a, c.version, "B", &name_b2, c.suites);
    // One ring per server, from its own generator: every ticket of a server names the same key,
    // whoever came first.
    CHECK(name_a == name_alone);
    CHECK(name_other == name_alone);
    CHECK(name_b1 == name_alone);
    CHECK(name_b2 == name_alone);
    // And B's bytes, every one of them, are the same whether or not A ran first.
    CHECK(b1 == b_alone);
    CHECK(b2 == b_alone);
    CHECK(a != b_alone);
  }
}
