// Authentication and session binding, tried as an attacker would: what info() says about the peer is
// what this connection (or the session it resumed) proved, for this name, under a config at least as
// strict. Each case is one finding of the review that asked for them (the numbering in the
// test names); each failed before its fix. Attackers are built from the codec: crafted ClientHellos,
// and records sealed under a side's logged traffic secrets.
#include <doctest/doctest.h>

#include <functional>
#include <map>

#include "core/extensions.h"
#include "core/handshake.h"
#include "core/handshake13.h"
#include "core/record.h"
#include "core/record_protection.h"
#include "core/suites.h"
#include "core/tls12_keys.h"
#include "core/tls13_keys.h"
#include "tests/pair.h"
#include "tests/records.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

using AD = AlertDescription;
const crypto::Provider& prov() { return crypto::default_provider(); }
constexpr uint16_t kTls12 = 0x0303, kTls13 = 0x0304;

Bytes pem(const std::string& name) { return read_file("tests/certs/" + name); }
Bytes der_of(const std::string& name) {
  std::vector<Bytes> der;
  std::string err;
  REQUIRE(prov().load_certificates(pem(name), &der, &err));
  return der.at(0);
}

using Keys = SecretLog;

using ClientTweak = std::function<void(ClientConfig::Builder&)>;
using ServerTweak = std::function<void(ServerConfig::Builder&)>;

std::shared_ptr<const ClientConfig> ccfg(const ClientTweak& t = nullptr) {
  ClientConfig::Builder b;
  b.trust_anchors_pem(pem("ca.pem"));
  if (t) t(b);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

// The usual two certificates unless the tweak is given `own_certs`.
std::shared_ptr<const ServerConfig> scfg(const ServerTweak& t = nullptr, bool own_certs = false) {
  ServerConfig::Builder b;
  if (!own_certs) {
    b.certificate(pem("server_rsa.pem"), pem("server_rsa.key.pem"));
    b.certificate(pem("server_ec_chain.pem"), pem("server_ec.key.pem"));
  }
  if (t) t(b);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

ClientTweak only(uint16_t v, ClientTweak more = nullptr) {
  return [v, more](ClientConfig::Builder& b) {
    b.versions(v, v);
    if (more) more(b);
  };
}
ServerTweak sonly(uint16_t v, ServerTweak more = nullptr) {
  return [v, more](ServerConfig::Builder& b) {
    b.versions(v, v);
    if (more) more(b);
  };
}

Connection::ClientOptions opts(const std::string& name, std::optional<Session> resume = std::nullopt) {
  Connection::ClientOptions o;
  o.server_name = name;
  o.resume = std::move(resume);
  o.trace = true;
  return o;
}

// One client and one server over memory; never moved (connections hold their generator and clock).
struct Link {
  std::unique_ptr<crypto::Rng> crng, srng;
  FixedClock clock{kTestNowMs};
  std::unique_ptr<Connection> client, server;
  Seen cs, ss;
  Link(std::shared_ptr<const ClientConfig> c, std::shared_ptr<const ServerConfig> s, Connection::ClientOptions o,
       const std::string& seed = "1") {
    crng = crypto::make_deterministic_rng(ByteView::of("identity client " + seed));
    srng = crypto::make_deterministic_rng(ByteView::of("identity server " + seed));
    client = std::make_unique<Connection>(Connection::client(std::move(c), std::move(o), *crng, clock));
    server = std::make_unique<Connection>(Connection::server(std::move(s), *srng, clock));
  }
  bool run() { return pump(*client, *server, &cs, &ss) && cs.done && ss.done; }
};

// The first ClientHello a client with these options writes, decoded, and a record of a changed one.
ClientHello first_hello(std::shared_ptr<const ClientConfig> cfg, Connection::ClientOptions o) {
  auto rng = crypto::make_deterministic_rng(ByteView::of("hello"));
  FixedClock clock(kTestNowMs);
  Connection c = Connection::client(std::move(cfg), std::move(o), *rng, clock);
  REQUIRE(c.error() == nullptr);
  std::vector<Rec> recs = split_records(c.pending_output());
  REQUIRE(!recs.empty());
  ClientHello ch;
  REQUIRE(decode_client_hello(ByteView(recs[0].body).sub(4), &ch).ok());
  return ch;
}
Bytes hello_record(const ClientHello& ch) {
  Bytes body;
  Writer w(&body);
  encode_client_hello(ch, w);
  REQUIRE(w.ok());
  return plain_record(22, handshake_msg(HandshakeType::client_hello, body));
}

// Feeds bytes to a fresh server and returns its error (null when it took them).
const Error* feed_server(Connection& server, const Bytes& bytes) {
  (void)server.receive(bytes);
  return server.error();
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// 1. Post-handshake authentication: the identity changes only once CertificateVerify and Finished verify.

namespace {
struct PostAuthAttack {
  std::shared_ptr<Keys> keys = std::make_shared<Keys>();
  std::unique_ptr<Link> link;
  Bytes context;         // of the server's CertificateRequest
  Bytes first_identity;  // the leaf the client proved in the handshake
  std::unique_ptr<Traffic> as_client;
  const CipherSuite& suite = *find_suite(suite::TLS_AES_128_GCM_SHA256);

  explicit PostAuthAttack(ClientAuth mode = ClientAuth::optional) {
    auto cc = ccfg([&](ClientConfig::Builder& b) {
      b.versions(kTls13, kTls13).cipher_suites({suite::TLS_AES_128_GCM_SHA256}).key_log(keys);
      b.client_certificate(pem("client_ec.pem"), pem("client_ec.key.pem"));
    });
    auto sc = scfg([&](ServerConfig::Builder& b) {
      b.versions(kTls13, kTls13).cipher_suites({suite::TLS_AES_128_GCM_SHA256}).key_log(keys).tickets(false);
      b.client_auth(mode, pem("ca.pem"));
    });
    link = std::make_unique<Link>(cc, sc, opts("localhost"));
    REQUIRE(link->run());
    REQUIRE(link->server->info()->client_authenticated);
    first_identity = link->server->info()->peer_chain.at(0);
    CHECK(first_identity == der_of("client_ec.pem"));
    // The server asks; the attacker (playing the client) reads the request under the server's keys.
    REQUIRE(link->server->request_client_certificate().ok());
    std::vector<Rec> recs = split_records(take(*link->server));
    REQUIRE(recs.size() == 1);
    Traffic from_server(suite, keys->secrets["SERVER_TRAFFIC_SECRET_0"]);
    ContentType type;
    Bytes msg = from_server.open(recs[0], &type);
    REQUIRE(type == ContentType::handshake);
    REQUIRE(msg.at(0) == static_cast<uint8_t>(HandshakeType::certificate_request));
    CertificateRequest13 cr;
    REQUIRE(decode_certificate_request13(ByteView(msg).sub(4), &cr).ok());
    context = cr.request_context;
    as_client = std::make_unique<Traffic>(suite, keys->secrets["CLIENT_TRAFFIC_SECRET_0"]);
  }
  // Someone else's certificate (public: anyone can send it), without its private key; or none.
  Bytes victim_certificate(bool empty = false) {
    CertificateMsg13 m;
    m.request_context = context;
    CertificateEntry e;
    e.cert_data = der_of("client.pem");
    if (!empty) m.entries.push_back(e);
    Bytes body;
    Writer w(&body);
    encode_certificate13(m, w);
    return as_client->seal(ContentType::handshake, handshake_msg(HandshakeType::certificate, body));
  }
  void identity_unchanged() {
    const HandshakeInfo* info = link->server->info();
    REQUIRE(info != nullptr);
    CHECK(info->peer_chain.at(0) == first_identity);
    CHECK(link->ss.peer_auths == 0);
  }
};
}  // namespace

TEST_CASE("1. post-handshake auth: a Certificate without its proof changes nothing, and data inside the flight is refused") {
  PostAuthAttack a;
  Connection& server = *a.link->server;
  // Before the answer, data flows and comes from the identity proven so far.
  REQUIRE(server.receive(a.as_client->seal(ContentType::application_data, ByteView::of("before"))).ok());
  drain(server, &a.link->ss);
  CHECK(a.link->ss.data == "before");
  REQUIRE(server.receive(a.victim_certificate()).ok());
  drain(server, &a.link->ss);
  a.identity_unchanged();  // pending: the victim's chain is not the connection's identity
  Result<size_t> r = server.receive(a.as_client->seal(ContentType::application_data, ByteView::of("transfer 1000 to mallory")));
  drain(server, &a.link->ss);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().alert == AD::unexpected_message);
  CHECK(a.link->ss.data == "before");  // nothing of the attacker's reached the application
  a.identity_unchanged();
}

TEST_CASE("1. post-handshake auth: a bad CertificateVerify or a missing one is fatal and changes nothing") {
  {
    PostAuthAttack a;
    Connection& server = *a.link->server;
    REQUIRE(server.receive(a.victim_certificate()).ok());
    CertificateVerify cv;
    cv.sig_scheme = 0x0804;  // rsa_pss_rsae_sha256, what the victim's key would sign with
    cv.signature = Bytes(256, 0x42);
    Bytes body;
    Writer w(&body);
    encode_certificate_verify(cv, w);
    Result<size_t> r = server.receive(a.as_client->seal(ContentType::handshake, handshake_msg(HandshakeType::certificate_verify, body)));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().alert == AD::decrypt_error);
    a.identity_unchanged();
  }
  {
    PostAuthAttack a;
    Connection& server = *a.link->server;
    REQUIRE(server.receive(a.victim_certificate()).ok());
    Result<size_t> r = server.receive(a.as_client->seal(ContentType::handshake, handshake_msg(HandshakeType::finished, Bytes(32, 7))));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().alert == AD::unexpected_message);
    a.identity_unchanged();
  }
}

TEST_CASE("1. post-handshake auth: an honest answer takes effect with a peer_authenticated event") {
  auto cc = ccfg([](ClientConfig::Builder& b) {
    b.versions(kTls13, kTls13).client_certificate(pem("client.pem"), pem("client.key.pem"));
  });
  auto sc = scfg([](ServerConfig::Builder& b) { b.client_auth(ClientAuth::optional, pem("ca.pem")); });
  Link l(cc, sc, opts("localhost"));
  REQUIRE(l.run());
  REQUIRE(l.server->request_client_certificate().ok());
  REQUIRE(pump(*l.client, *l.server, &l.cs, &l.ss));
  CHECK(l.server->error() == nullptr);
  CHECK(l.ss.peer_auths == 1);
  CHECK(l.server->info()->client_authenticated);
  CHECK(l.server->info()->peer_chain.at(0) == der_of("client.pem"));
}

TEST_CASE("1. post-handshake auth: a KeyUpdate while the server waits for the Certificate is taken, and the answer under the new keys proves the client") {
  auto cc = ccfg([](ClientConfig::Builder& b) {
    b.versions(kTls13, kTls13).client_certificate(pem("client.pem"), pem("client.key.pem"));
  });
  auto sc = scfg([](ServerConfig::Builder& b) { b.client_auth(ClientAuth::optional, pem("ca.pem")); });
  Link l(cc, sc, opts("localhost"));
  REQUIRE(l.run());
  REQUIRE(l.server->request_client_certificate().ok());
  Bytes request = take(*l.server);
  // The client moves to new keys before it reads the request (RFC 8446 4.6.3: at any time after the
  // handshake); the server, waiting for the Certificate, takes the KeyUpdate.
  REQUIRE(l.client->key_update(false).ok());
  REQUIRE(l.server->receive(take(*l.client)).ok());
  CHECK(l.server->error() == nullptr);
  REQUIRE(l.client->receive(request).ok());
  REQUIRE(pump(*l.client, *l.server, &l.cs, &l.ss));
  CHECK(l.server->error() == nullptr);
  CHECK(l.ss.peer_auths == 1);
  CHECK(l.server->info()->peer_chain.at(0) == der_of("client.pem"));
}

TEST_CASE("1. post-handshake auth: an empty Certificate is certificate_required when required, and changes nothing when optional") {
  {
    PostAuthAttack a(ClientAuth::required);
    Result<size_t> r = a.link->server->receive(a.victim_certificate(true));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().alert == AD::certificate_required);
    a.identity_unchanged();
  }
  // A client whose key fits none of the schemes the request offers answers with an empty Certificate
  // and a Finished (RFC 8446 4.4.2): the exchange completes and the connection stays who it was.
  auto cc = ccfg([](ClientConfig::Builder& b) {
    b.versions(kTls13, kTls13).client_certificate(pem("client.pem"), pem("client.key.pem"));
  });
  auto sc = scfg([](ServerConfig::Builder& b) {
    b.client_auth(ClientAuth::optional, pem("ca.pem")).signature_schemes({0x0403});  // ecdsa_secp256r1_sha256
  });
  Link l(cc, sc, opts("localhost"));
  REQUIRE(l.run());
  REQUIRE_FALSE(l.server->info()->client_authenticated);
  REQUIRE(l.server->request_client_certificate().ok());
  REQUIRE(pump(*l.client, *l.server, &l.cs, &l.ss));
  CHECK(l.server->error() == nullptr);
  CHECK(l.ss.peer_auths == 1);
  CHECK_FALSE(l.server->info()->client_authenticated);
  CHECK(l.server->info()->peer_chain.empty());
  // And the next request is taken: the exchange is over.
  REQUIRE(l.server->request_client_certificate().ok());
  REQUIRE(pump(*l.client, *l.server, &l.cs, &l.ss));
  CHECK(l.ss.peer_auths == 2);
}

// ---------------------------------------------------------------------------------------------------
// 2. The client offers a session only for the same name and under verification at least as strict.

TEST_CASE("2. a session is not offered for another server name; a resumed connection reports the session's server chain") {
  for (uint16_t v : {kTls12, kTls13}) {
    CAPTURE(v);
    auto sc = scfg(sonly(v, [](ServerConfig::Builder& b) {
      b.certificate(pem("wildcard.pem"), pem("wildcard.key.pem"));
    }));
    auto cc = ccfg(only(v));
    Link first(cc, sc, opts("www.example.test"));
    REQUIRE(first.run());
    std::optional<Session> s = first.client->session();
    REQUIRE(s.has_value());
    // The attacker's session (a valid certificate for its own name) reused for another name: not offered.
    ClientHello other = first_hello(cc, opts("localhost", s));
    ClientHello same = first_hello(cc, opts("www.example.test", s));
    if (v == kTls13) {
      CHECK_FALSE(other.extensions.pre_shared_key.has_value());
      CHECK(same.extensions.pre_shared_key.has_value());  // the control
    } else {
      bool offered_other = (!s->session_id.empty() && other.session_id == s->session_id) ||
                           (other.extensions.session_ticket && !other.extensions.session_ticket->empty());
      CHECK_FALSE(offered_other);
      CHECK((same.extensions.session_ticket && *same.extensions.session_ticket == s->ticket));
    }
    // The same name resumes, and the client still says which certificate the server proved itself with.
    Link again(cc, sc, opts("www.example.test", s), "2");
    REQUIRE(again.run());
    CHECK(again.client->info()->resumed);
    CHECK(again.client->info()->peer_chain == first.client->info()->peer_chain);
    CHECK(again.client->info()->peer_chain.at(0) == der_of("wildcard.pem"));
  }
}

TEST_CASE("2. a session is not offered under stricter verification than made it") {
  for (uint16_t v : {kTls12, kTls13}) {
    CAPTURE(v);
    auto sc = scfg(sonly(v));
    auto lax = ccfg(only(v, [](ClientConfig::Builder& b) { b.verify_server(false); }));
    Link first(lax, sc, opts("localhost"));
    REQUIRE(first.run());
    std::optional<Session> s = first.client->session();
    REQUIRE(s.has_value());
    auto offered = [&](const ClientHello& ch) {
      return ch.extensions.pre_shared_key.has_value() ||
             (ch.extensions.session_ticket && !ch.extensions.session_ticket->empty()) ||
             (!s->session_id.empty() && ch.session_id == s->session_id);
    };
    CHECK(offered(first_hello(lax, opts("localhost", s))));           // the control
    CHECK_FALSE(offered(first_hello(ccfg(only(v)), opts("localhost", s))));  // now verifying: not offered
    // Verified under one set of trust anchors, not offered under another.
    Link verified(ccfg(only(v)), sc, opts("localhost"), "v");
    REQUIRE(verified.run());
    std::optional<Session> vs = verified.client->session();
    REQUIRE(vs.has_value());
    s = vs;
    auto other_trust = ccfg(only(v, [](ClientConfig::Builder& b) { b.trust_anchors_pem(pem("other_ca.pem")); }));
    CHECK_FALSE(offered(first_hello(other_trust, opts("localhost", s))));
    CHECK(offered(first_hello(ccfg(only(v)), opts("localhost", s))));
  }
}

// ---------------------------------------------------------------------------------------------------
// 3. Client authentication survives resumption, and is never skipped by it.

TEST_CASE("3. two listeners sharing ticket keys: an anonymous session does not resume where a certificate is required") {
  for (uint16_t v : {kTls12, kTls13}) {
    for (bool tickets : {true, false}) {
      if (v == kTls13 && !tickets) continue;
      CAPTURE(v);
      CAPTURE(tickets);
      std::shared_ptr<Ticketer> ring =
          TicketKeys::create(crypto::make_deterministic_rng(ByteView::of("shared keys")), kTestNowMs);
      auto cache = std::make_shared<InMemorySessionCache>();
      auto shared = [&](ClientAuth mode) {
        return scfg(sonly(v, [&, mode](ServerConfig::Builder& b) {
          b.ticket_keys(ring).session_cache(cache);
          if (mode != ClientAuth::none) b.client_auth(mode, pem("ca.pem"));
        }));
      };
      auto a = shared(ClientAuth::none), b = shared(ClientAuth::required);
      auto cc = ccfg(only(v, [&](ClientConfig::Builder& c) { c.tls12_tickets(tickets); }));
      Link first(cc, a, opts("localhost"));
      REQUIRE(first.run());
      std::optional<Session> s = first.client->session();
      REQUIRE(s.has_value());
      Link second(cc, b, opts("localhost", s), "2");
      CHECK_FALSE(second.run());
      CHECK_FALSE(second.ss.done);
      REQUIRE(second.server->error() != nullptr);
      CHECK(second.server->error()->alert == (v == kTls13 ? AD::certificate_required : AD::handshake_failure));
      CHECK(second.server->info() == nullptr);
    }
  }
}

TEST_CASE("3. a resumed connection on a listener that requires certificates reports the client's identity") {
  for (uint16_t v : {kTls12, kTls13}) {
    for (bool tickets : {true, false}) {
      if (v == kTls13 && !tickets) continue;
      CAPTURE(v);
      CAPTURE(tickets);
      auto sc = scfg(sonly(v, [](ServerConfig::Builder& b) { b.client_auth(ClientAuth::required, pem("ca.pem")); }));
      auto cc = ccfg(only(v, [&](ClientConfig::Builder& b) {
        b.client_certificate(pem("client.pem"), pem("client.key.pem")).tls12_tickets(tickets);
      }));
      Link first(cc, sc, opts("localhost"));
      REQUIRE(first.run());
      REQUIRE(first.server->info()->client_authenticated);
      Link second(cc, sc, opts("localhost", first.client->session()), "2");
      REQUIRE(second.run());
      CHECK(second.server->info()->resumed);
      CHECK(second.server->info()->client_authenticated);
      CHECK(second.server->info()->peer_chain == first.server->info()->peer_chain);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// 4. Verification without a name is an error unless asked for; the verified name may differ from SNI.

TEST_CASE("4. an empty server name with verify_server is refused at once; no_name_check and verify_name are explicit") {
  auto cc = ccfg();
  {
    auto rng = crypto::make_deterministic_rng(ByteView::of("x"));
    FixedClock clock(kTestNowMs);
    Connection c = Connection::client(cc, opts(""), *rng, clock);
    REQUIRE(c.error() != nullptr);
    CHECK(c.error()->kind == ErrorKind::api_misuse);
    CHECK(c.pending_output().empty());
  }
  // The server shows a certificate for other.example.test only.
  auto other = scfg([](ServerConfig::Builder& b) { b.certificate(pem("wrong_name.pem"), pem("wrong_name.key.pem")); }, true);
  Connection::ClientOptions any = opts("");
  any.no_name_check = true;
  Link l(cc, other, any);
  CHECK(l.run());  // asked for explicitly: the chain is still verified, the name is not
  Connection::ClientOptions o = opts("localhost");
  o.verify_name = "other.example.test";
  Link by_name(cc, other, o, "2");
  CHECK(by_name.run());
  Connection::ClientOptions bad = opts("other.example.test");
  bad.verify_name = "localhost";  // the SNI matches, the name checked does not
  Link refused(cc, other, bad, "3");
  CHECK_FALSE(refused.run());
  REQUIRE(refused.client->error() != nullptr);
  CHECK(refused.client->error()->alert == AD::bad_certificate);
}

// ---------------------------------------------------------------------------------------------------
// 5. keyUsage per use, on both sides.

namespace {
// A certificate that says any key use is fine: a misbehaving server that ignores its own keyUsage.
class AnyUse final : public crypto::Certificate {
 public:
  explicit AnyUse(std::shared_ptr<const crypto::Certificate> c) : c_(std::move(c)) {}
  ByteView der() const override { return c_->der(); }
  std::unique_ptr<crypto::PublicKey> public_key() const override { return c_->public_key(); }
  std::string subject() const override { return c_->subject(); }
  std::string issuer() const override { return c_->issuer(); }
  int64_t not_before() const override { return c_->not_before(); }
  int64_t not_after() const override { return c_->not_after(); }
  bool matches_name(const std::string& n) const override { return c_->matches_name(n); }
  bool allows_key_use(crypto::KeyUse) const override { return true; }

 private:
  std::shared_ptr<const crypto::Certificate> c_;
};
}  // namespace

TEST_CASE("5. a keyEncipherment-only certificate serves RSA key exchange only; a signing-only one never serves it") {
  auto enc = scfg([](ServerConfig::Builder& b) {
    b.certificate(pem("ku_encipher.pem"), pem("ku_encipher.key.pem"));
    b.cipher_suite_names("TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256");
  }, true);
  Link t13(ccfg(only(kTls13)), enc, opts("localhost"));
  CHECK_FALSE(t13.run());
  CHECK(t13.server->error()->alert == AD::handshake_failure);
  Link ecdhe(ccfg(only(kTls12, [](ClientConfig::Builder& b) { b.cipher_suite_names("ECDHE-RSA-AES128-GCM-SHA256"); })), enc,
             opts("localhost"), "2");
  CHECK_FALSE(ecdhe.run());
  Link rsa(ccfg(only(kTls12, [](ClientConfig::Builder& b) { b.cipher_suite_names("AES128-GCM-SHA256"); })), enc,
           opts("localhost"), "3");
  CHECK(rsa.run());
  auto sign = scfg([](ServerConfig::Builder& b) {
    b.certificate(pem("ku_sign_rsa.pem"), pem("ku_sign_rsa.key.pem")).cipher_suite_names("ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256");
  }, true);
  Link rsa_refused(ccfg(only(kTls12, [](ClientConfig::Builder& b) { b.cipher_suite_names("AES128-GCM-SHA256"); })), sign,
                   opts("localhost"), "4");
  CHECK_FALSE(rsa_refused.run());
  Link ecdhe_ok(ccfg(only(kTls12)), sign, opts("localhost"), "5");
  CHECK(ecdhe_ok.run());
}

TEST_CASE("5. the client refuses a server key used against its keyUsage (TLS 1.3 and TLS 1.2 ECDHE, and RSA key exchange)") {
  struct Case {
    std::string cert, suites;
  };
  for (const Case& k : {Case{"ku_encipher", "TLS_AES_128_GCM_SHA256"}, Case{"ku_encipher", "ECDHE-RSA-AES128-GCM-SHA256"},
                        Case{"ku_sign_rsa", "AES128-GCM-SHA256"}}) {
    CAPTURE(k.cert);
    CAPTURE(k.suites);
    auto sc = scfg([&](ServerConfig::Builder& b) {
      b.certificate(pem(k.cert + ".pem"), pem(k.cert + ".key.pem")).cipher_suite_names(k.suites);
    }, true);
    auto ck = std::const_pointer_cast<CertifiedKey>(sc->certificates.at(0));
    ck->leaf = std::make_shared<AnyUse>(ck->leaf);  // the server no longer checks its own keyUsage
    Link l(ccfg([&](ClientConfig::Builder& b) { b.cipher_suite_names(k.suites); }), sc, opts("localhost"));
    CHECK_FALSE(l.run());
    REQUIRE(l.client->error() != nullptr);
    CHECK(l.client->error()->kind == ErrorKind::bad_certificate);
    CHECK(l.client->error()->alert == AD::unsupported_certificate);
  }
}

TEST_CASE("5. a client certificate whose keyUsage does not allow signing is refused") {
  for (uint16_t v : {kTls12, kTls13}) {
    CAPTURE(v);
    auto sc = scfg(sonly(v, [](ServerConfig::Builder& b) { b.client_auth(ClientAuth::optional, pem("ca.pem")); }));
    auto cc = ccfg(only(v, [](ClientConfig::Builder& b) {
      b.client_certificate(pem("client_ku_encipher.pem"), pem("client_ku_encipher.key.pem"));
    }));
    Link l(cc, sc, opts("localhost"));
    CHECK_FALSE(l.run());
    REQUIRE(l.server->error() != nullptr);
    CHECK(l.server->error()->kind == ErrorKind::bad_certificate);
  }
}

// ---------------------------------------------------------------------------------------------------
// 6. No SHA-1 signatures (RFC 9155).

TEST_CASE("6. a TLS 1.2 ClientHello without signature_algorithms gets no SHA-1 signature") {
  ClientHello ch = first_hello(ccfg(only(kTls12)), opts("localhost"));
  ch.extensions.signature_algorithms.reset();
  ch.extensions.order.clear();
  {  // ECDHE suites only: nothing can be signed without SHA-1.
    auto rng = crypto::make_deterministic_rng(ByteView::of("s"));
    FixedClock clock(kTestNowMs);
    Connection server = Connection::server(scfg(sonly(kTls12, [](ServerConfig::Builder& b) {
      b.cipher_suite_names("ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256");
    })), *rng, clock);
    const Error* e = feed_server(server, hello_record(ch));
    REQUIRE(e != nullptr);
    CHECK(e->alert == AD::handshake_failure);
  }
  {  // With RSA key exchange allowed, that is what such a client gets (nothing to sign).
    auto rng = crypto::make_deterministic_rng(ByteView::of("s"));
    FixedClock clock(kTestNowMs);
    Connection server = Connection::server(scfg(sonly(kTls12, [](ServerConfig::Builder& b) {
      b.cipher_suite_names("ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256");
    })), *rng, clock);
    CHECK(feed_server(server, hello_record(ch)) == nullptr);
    std::vector<Rec> recs = split_records(server.pending_output());
    REQUIRE(!recs.empty());
    ServerHello sh;
    REQUIRE(decode_server_hello(ByteView(recs[0].body).sub(4), &sh).ok());
    CHECK(sh.cipher_suite == suite::TLS_RSA_WITH_AES_128_GCM_SHA256);
  }
  // Neither side can be configured with SHA-1, and no SHA-1 scheme fits any key.
  ClientConfig::Builder b;
  b.trust_anchors_pem(pem("ca.pem")).signature_schemes({0x0201, 0x0804});
  CHECK_FALSE(b.build().ok());
  CHECK_FALSE(scheme_fits_key(0x0201, crypto::KeyType::rsa));
  CHECK_FALSE(scheme_fits_key(0x0203, crypto::KeyType::ec_p256));
  CHECK(choose_scheme({0x0804, 0x0401}, nullptr, crypto::KeyType::rsa) == 0);
}

// ---------------------------------------------------------------------------------------------------
// 7. ALPN belongs to the connection.

TEST_CASE("7. a resumed connection reports the ALPN this handshake negotiated, and TLS 1.2 resumes across ALPN") {
  for (uint16_t v : {kTls12, kTls13}) {
    CAPTURE(v);
    auto sc = scfg(sonly(v, [](ServerConfig::Builder& b) { b.alpn({"h2", "http/1.1"}); }));
    Link first(ccfg(only(v, [](ClientConfig::Builder& b) { b.alpn({"h2"}); })), sc, opts("localhost"));
    REQUIRE(first.run());
    CHECK(first.client->info()->alpn == "h2");
    std::optional<Session> s = first.client->session();
    for (const std::string& next : {std::string("http/1.1"), std::string()}) {
      CAPTURE(next);
      auto cc = ccfg(only(v, [&](ClientConfig::Builder& b) {
        if (!next.empty()) b.alpn({next});
      }));
      Link second(cc, sc, opts("localhost", s), "2" + next);
      REQUIRE(second.run());
      CHECK(second.client->info()->resumed);
      CHECK(second.server->info()->resumed);
      CHECK(second.client->info()->alpn == next);
      CHECK(second.server->info()->alpn == next);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// 8. Several PSK identities: the server says which one it took.

TEST_CASE("8. the TLS 1.3 server selects the identity it accepted, not always the first") {
  auto sc = scfg(sonly(kTls13));
  auto cc = ccfg(only(kTls13));
  Link first(cc, sc, opts("localhost"));
  REQUIRE(first.run());
  std::optional<Session> s = first.client->session();
  REQUIRE(s.has_value());
  ClientHello ch = first_hello(cc, opts("localhost", s));
  REQUIRE(ch.extensions.pre_shared_key.has_value());
  OfferedPsks& psks = *ch.extensions.pre_shared_key;
  // An unknown ticket first, the real one second; the real binder over the new hello.
  psks.identities.insert(psks.identities.begin(), PskIdentity{Bytes(40, 0x99), 1234});
  psks.binders.insert(psks.binders.begin(), Bytes(32, 0x55));
  Bytes rec = hello_record(ch);
  ByteView msg = ByteView(rec).sub(5);
  size_t binders = psk_binders_size(psks);
  const CipherSuite& suite = *find_suite(s->cipher_suite);
  KeySchedule13 ks(prov(), suite.prf_hash);
  ks.early(s->master_secret);
  Bytes hash = crypto::hash_once(prov(), suite.prf_hash, msg.sub(0, msg.size() - binders));
  Bytes binder = tls13_verify_data(prov(), suite.prf_hash, ks.binder_key(true), hash);
  // The binders list ends the message: u16 length, the first (u8 + 32 bytes), then ours.
  std::copy(binder.begin(), binder.end(), rec.end() - static_cast<std::ptrdiff_t>(binder.size()));
  auto rng = crypto::make_deterministic_rng(ByteView::of("s"));
  FixedClock clock(kTestNowMs);
  Connection server = Connection::server(sc, *rng, clock);
  REQUIRE(feed_server(server, rec) == nullptr);
  std::vector<Rec> recs = split_records(server.pending_output());
  ServerHello sh;
  REQUIRE(decode_server_hello(ByteView(recs.at(0).body).sub(4), &sh).ok());
  REQUIRE(sh.extensions.psk_selected_identity.has_value());
  CHECK(*sh.extensions.psk_selected_identity == 1);
}

// ---------------------------------------------------------------------------------------------------
// 9. Extended master secret (RFC 7627).

TEST_CASE("9. a session made without EMS is not resumed; require_extended_master_secret refuses peers without it") {
  auto sc = scfg(sonly(kTls12));
  auto no_ems = ccfg(only(kTls12, [](ClientConfig::Builder& b) { b.extended_master_secret(false); }));
  Link first(no_ems, sc, opts("localhost"));
  REQUIRE(first.run());
  CHECK_FALSE(first.server->info()->extended_master_secret);
  Link second(no_ems, sc, opts("localhost", first.client->session()), "2");
  REQUIRE(second.run());
  CHECK_FALSE(second.server->info()->resumed);  // RFC 7627 5.3: a full handshake instead
  auto strict_server = scfg(sonly(kTls12, [](ServerConfig::Builder& b) { b.require_extended_master_secret(true); }));
  Link refused(no_ems, strict_server, opts("localhost"), "3");
  CHECK_FALSE(refused.run());
  CHECK(refused.server->error()->alert == AD::handshake_failure);
  auto strict_client = ccfg(only(kTls12, [](ClientConfig::Builder& b) { b.require_extended_master_secret(true); }));
  auto lax_server = scfg(sonly(kTls12, [](ServerConfig::Builder& b) { b.extended_master_secret(false); }));
  Link refused2(strict_client, lax_server, opts("localhost"), "4");
  CHECK_FALSE(refused2.run());
  CHECK(refused2.client->error()->alert == AD::handshake_failure);
  Link fine(strict_client, sc, opts("localhost"), "5");
  CHECK(fine.run());
}

// ---------------------------------------------------------------------------------------------------
// 10. CertificateRequest names the certificate signatures it accepts.

TEST_CASE("10. the TLS 1.3 CertificateRequest sends signature_algorithms_cert with PKCS#1 v1.5") {
  auto sc = scfg(sonly(kTls13, [](ServerConfig::Builder& b) { b.client_auth(ClientAuth::optional, pem("ca.pem")); }));
  auto rng = crypto::make_deterministic_rng(ByteView::of("c"));
  auto srng = crypto::make_deterministic_rng(ByteView::of("s"));
  FixedClock clock(kTestNowMs);
  Connection client = Connection::client(ccfg(only(kTls13)), opts("localhost"), *rng, clock);
  Connection server = Connection::server(sc, *srng, clock);
  Seen cs, ss;
  std::optional<CertificateRequest13> cr;
  for (int round = 0; round < 10; round++) {
    Bytes c2s = take(client);
    if (!c2s.empty()) REQUIRE(server.receive(c2s).ok());
    Bytes s2c = take(server);
    if (!s2c.empty()) REQUIRE(client.receive(s2c).ok());
    while (auto ev = client.next_event())
      if (ev->type == Event::Type::handshake_message && ev->message_type == 13) {
        cr.emplace();
        REQUIRE(decode_certificate_request13(ev->data.sub(4), &*cr).ok());
      }
    while (server.next_event()) {
    }
  }
  REQUIRE(cr.has_value());
  REQUIRE(cr->extensions.signature_algorithms_cert.has_value());
  const std::vector<uint16_t>& certs = *cr->extensions.signature_algorithms_cert;
  CHECK(std::find(certs.begin(), certs.end(), 0x0401) != certs.end());  // rsa_pkcs1_sha256
  CHECK(std::find(certs.begin(), certs.end(), 0x0403) != certs.end());  // ecdsa_secp256r1_sha256
}

// ---------------------------------------------------------------------------------------------------
// 11. SNI bytes.

TEST_CASE("11. a host_name that is not a DNS name is refused: illegal_parameter, or unrecognized_name when strict") {
  for (const std::string& bad : {std::string("evil\x1b[2J.test"), std::string("a\0b.test", 8), std::string("a..test"),
                                 std::string("trailing.dot."), std::string("sp ace.test"), std::string("::1")}) {
    for (bool strict : {false, true}) {
      for (uint16_t v : {kTls12, kTls13}) {
        CAPTURE(v);
        CAPTURE(strict);
        ClientHello ch = first_hello(ccfg(only(v)), opts("localhost"));
        ch.extensions.server_name = bad;
        auto rng = crypto::make_deterministic_rng(ByteView::of("s"));
        FixedClock clock(kTestNowMs);
        Connection server = Connection::server(scfg([&](ServerConfig::Builder& b) { b.strict_sni(strict); }), *rng, clock);
        const Error* e = feed_server(server, hello_record(ch));
        REQUIRE(e != nullptr);
        CHECK(e->alert == (strict ? AD::unrecognized_name : AD::illegal_parameter));
      }
    }
  }
  CHECK(is_valid_host_name("www.example.test"));
  CHECK(is_valid_host_name("_dmarc.example.test"));
  CHECK_FALSE(is_valid_host_name(std::string(64, 'a') + ".test"));
}

// ---------------------------------------------------------------------------------------------------
// 15. 0-RTT believed only under the ticket's suite and ALPN.

TEST_CASE("15. the client refuses early_data accepted under another cipher suite or ALPN than the ticket's") {
  auto ring = TicketKeys::create(crypto::make_deterministic_rng(ByteView::of("ring")), kTestNowMs);
  auto early_server = [&](const std::string& suites, std::vector<std::string> alpn, bool lie) {
    return scfg(sonly(kTls13, [=](ServerConfig::Builder& b) {
      b.ticket_keys(ring).max_early_data(4096).cipher_suite_names(suites).alpn(alpn);
      // A misbehaving server: says it took the early data whatever it did.
      if (lie) b.edit_extensions([](ExtContext ctx, Extensions* e) {
        if (ctx == ExtContext::encrypted_extensions) e->early_data = true;
      });
    }));
  };
  auto cc = ccfg(only(kTls13, [](ClientConfig::Builder& b) {
    b.early_data(true).alpn({"h2", "http/1.1"}).cipher_suite_names("TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256");
  }));
  Link first(cc, early_server("TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256", {"h2", "http/1.1"}, false),
             opts("localhost"));
  REQUIRE(first.run());
  std::optional<Session> s = first.client->session();
  REQUIRE(s.has_value());
  REQUIRE(s->max_early_data == 4096);
  REQUIRE(s->alpn == "h2");
  struct Case {
    std::string suites;
    std::vector<std::string> alpn;
  };
  for (const Case& k : {Case{"TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256", {"h2", "http/1.1"}},
                        Case{"TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256", {"http/1.1", "h2"}}}) {
    CAPTURE(k.suites);
    Connection::ClientOptions o = opts("localhost", s);
    o.early_data = Bytes(100, 'e');
    Link l(cc, early_server(k.suites, k.alpn, true), o, k.suites + k.alpn[0]);
    CHECK_FALSE(l.run());
    REQUIRE(l.client->error() != nullptr);
    CHECK(l.client->error()->alert == AD::illegal_parameter);
  }
}

// ---------------------------------------------------------------------------------------------------
// 16. Session lifetime caps.

TEST_CASE("16. a TLS 1.2 ticket's lifetime hint is capped by the client's max_session_lifetime_s") {
  auto sc = scfg(sonly(kTls12, [](ServerConfig::Builder& b) { b.session_lifetime_s(0xffffffffu); }));
  Link seven(ccfg(only(kTls12)), sc, opts("localhost"));
  REQUIRE(seven.run());
  REQUIRE(seven.client->session().has_value());
  CHECK(seven.client->session()->lifetime_s == 604800u);
  Link hour(ccfg(only(kTls12, [](ClientConfig::Builder& b) { b.max_session_lifetime_s(3600); })), sc, opts("localhost"), "2");
  REQUIRE(hour.run());
  CHECK(hour.client->session()->lifetime_s == 3600u);
}

// ---------------------------------------------------------------------------------------------------
// 13, 14. Name constraints and the name policy, through a handshake (crypto/x509_test.cc has the rest).

TEST_CASE("13, 14. the client refuses a leaf outside its CA's name constraints, a CA as leaf and a CN behind a SAN") {
  struct Case {
    std::string chain, key, name;
    bool accepted;
  };
  for (const Case& k : {Case{"nc_allowed_chain.pem", "nc_allowed.key.pem", "www.allowed.test", true},
                        Case{"nc_crit_allowed_chain.pem", "nc_crit_allowed.key.pem", "www.allowed.test", true},
                        Case{"nc_evil_chain.pem", "nc_evil.key.pem", "evil.test", false},
                        Case{"nc_crit_evil_chain.pem", "nc_crit_evil.key.pem", "evil.test", false},
                        Case{"nc_excl_evil_chain.pem", "nc_excl_evil.key.pem", "evil.test", false},
                        Case{"nc_cn_evil_chain.pem", "nc_cn_evil.key.pem", "evil.test", false},
                        Case{"ca_leaf.pem", "ca_leaf.key.pem", "localhost", false},
                        Case{"uri_san_cn.pem", "uri_san_cn.key.pem", "localhost", false},
                        Case{"wildcard_cn.pem", "wildcard_cn.key.pem", "www.example.test", false}}) {
    for (uint16_t v : {kTls12, kTls13}) {
      CAPTURE(k.chain);
      CAPTURE(v);
      auto sc = scfg(sonly(v, [&](ServerConfig::Builder& b) { b.certificate(pem(k.chain), pem(k.key)); }), true);
      Link l(ccfg(only(v)), sc, opts(k.name));
      CHECK(l.run() == k.accepted);
      if (!k.accepted) {
        REQUIRE(l.client->error() != nullptr);
        CHECK(l.client->error()->kind == ErrorKind::bad_certificate);
      }
    }
  }
}
