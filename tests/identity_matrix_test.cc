// The identity properties over the whole matrix: TLS 1.2 / 1.3 x full / resumed (session ID, TLS 1.2
// ticket, TLS 1.3 PSK) / post-handshake authentication x the client-auth mode of the listener that made
// the session and of the one that resumes it (none, optional, required, required under other trust
// anchors) x a client with or without a certificate. The two listeners share ticket keys and a session
// cache, as a fleet behind one name does. For every connection:
//   - the identity the server's info() reports was proven (in this connection or in the session it
//     resumed) by the client's own certificate, under this listener's trust anchors, and only where this
//     listener asks for client certificates at all; a listener that requires one never completes
//     without it;
//   - a session resumes exactly where the resuming listener would have accepted the identity it
//     records (so the property is not met by refusing every resumption);
//   - the client's info() reports the server chain that was proven for the name it asked for;
//   - a post-handshake authentication changes the identity only with its proof, and says so.
#include <doctest/doctest.h>

#include "core/tickets.h"
#include "tests/pair.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

Bytes pem(const std::string& name) { return read_file("tests/certs/" + name); }
Bytes der_of(const std::string& name) {
  std::vector<Bytes> der;
  std::string err;
  REQUIRE(crypto::default_provider().load_certificates(pem(name), &der, &err));
  return der.at(0);
}

enum class Mode { none, optional, required, required_other_trust };
const char* name_of(Mode m) {
  switch (m) {
    case Mode::none: return "none";
    case Mode::optional: return "optional";
    case Mode::required: return "required";
    case Mode::required_other_trust: return "required (other trust)";
  }
  return "?";
}
bool asks(Mode m) { return m != Mode::none; }
bool trusts_client_ca(Mode m) { return m == Mode::optional || m == Mode::required; }
bool requires_cert(Mode m) { return m == Mode::required || m == Mode::required_other_trust; }

enum class Resumption { session_id, ticket12, psk13 };

struct Fleet {
  std::shared_ptr<Ticketer> ring;
  std::shared_ptr<SessionCache> cache = std::make_shared<InMemorySessionCache>();
  uint16_t version;
  explicit Fleet(uint16_t v) : version(v) {
    ring = TicketKeys::create(crypto::make_deterministic_rng(ByteView::of("fleet keys")), kTestNowMs);
  }
  std::shared_ptr<const ServerConfig> listener(Mode m) const {
    ServerConfig::Builder b;
    b.certificate(pem("server_rsa.pem"), pem("server_rsa.key.pem"));
    b.certificate(pem("server_ec_chain.pem"), pem("server_ec.key.pem"));
    b.versions(version, version).ticket_keys(ring).session_cache(cache);
    if (m == Mode::optional || m == Mode::required)
      b.client_auth(m == Mode::optional ? ClientAuth::optional : ClientAuth::required, pem("ca.pem"));
    if (m == Mode::required_other_trust) b.client_auth(ClientAuth::required, pem("other_ca.pem"));
    auto built = b.build();
    REQUIRE_MESSAGE(built.ok(), built.error);
    return built.config;
  }
};

std::shared_ptr<const ClientConfig> client_of(uint16_t v, bool cert, Resumption r) {
  ClientConfig::Builder b;
  b.trust_anchors_pem(pem("ca.pem")).versions(v, v).tls12_tickets(r != Resumption::session_id);
  if (cert) b.client_certificate(pem("client.pem"), pem("client.key.pem"));
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

struct Run {
  std::unique_ptr<crypto::Rng> crng, srng;
  FixedClock clock{kTestNowMs};
  std::unique_ptr<Connection> client, server;
  Seen cs, ss;
  bool ok = false;
  Run(std::shared_ptr<const ClientConfig> c, std::shared_ptr<const ServerConfig> s, std::optional<Session> resume,
      const std::string& seed) {
    crng = crypto::make_deterministic_rng(ByteView::of("matrix c " + seed));
    srng = crypto::make_deterministic_rng(ByteView::of("matrix s " + seed));
    Connection::ClientOptions o;
    o.server_name = "localhost";
    o.resume = std::move(resume);
    client = std::make_unique<Connection>(Connection::client(std::move(c), std::move(o), *crng, clock));
    server = std::make_unique<Connection>(Connection::server(std::move(s), *srng, clock));
    ok = pump(*client, *server, &cs, &ss) && cs.done && ss.done;
  }
};

// The properties of one connection to a listener in `mode`, by a client with or without its certificate.
void check_connection(const Run& r, Mode mode, bool client_has_cert, const Bytes& client_leaf) {
  if (!r.ss.done) {
    CHECK(r.server->info() == nullptr);
    return;
  }
  const HandshakeInfo& si = *r.server->info();
  if (si.client_authenticated) {
    REQUIRE(!si.peer_chain.empty());
    CHECK(si.peer_chain[0] == client_leaf);   // proven by the client's own key, nobody else's
    CHECK(client_has_cert);
    CHECK(asks(mode));                        // a listener that asks for nothing vouches for nothing
    CHECK(trusts_client_ca(mode));            // proven under this listener's trust anchors
  } else {
    CHECK(si.peer_chain.empty());
  }
  if (requires_cert(mode)) CHECK(si.client_authenticated);
  // The client: the server's chain was proven for the name it asked for.
  const HandshakeInfo* ci = r.client->info();
  REQUIRE(ci != nullptr);
  REQUIRE(!ci->peer_chain.empty());
  std::string err;
  auto leaf = crypto::default_provider().parse_certificate(ci->peer_chain[0], &err);
  REQUIRE(leaf != nullptr);
  CHECK(leaf->matches_name("localhost"));
  CHECK((ci->peer_chain[0] == der_of("server_rsa.pem") || ci->peer_chain[0] == der_of("server_ec.pem")));
}

}  // namespace

TEST_CASE("identity matrix: version x resumption x client-auth modes of two listeners x client certificate") {
  const Bytes client_leaf = der_of("client.pem");
  int resumed = 0, refused = 0, full = 0, pha = 0;
  for (Resumption kind : {Resumption::session_id, Resumption::ticket12, Resumption::psk13}) {
    uint16_t v = kind == Resumption::psk13 ? 0x0304 : 0x0303;
    for (Mode a : {Mode::none, Mode::optional, Mode::required}) {
      for (Mode b : {Mode::none, Mode::optional, Mode::required, Mode::required_other_trust}) {
        for (bool cert : {false, true}) {
          CAPTURE(static_cast<int>(kind));
          CAPTURE(name_of(a));
          CAPTURE(name_of(b));
          CAPTURE(cert);
          Fleet fleet(v);
          auto cc = client_of(v, cert, kind);
          std::string seed = std::to_string(static_cast<int>(kind)) + name_of(a) + name_of(b) + (cert ? "c" : "n");
          Run first(cc, fleet.listener(a), std::nullopt, seed + "1");
          check_connection(first, a, cert, client_leaf);
          CHECK(first.ok == (cert || !requires_cert(a)));
          if (!first.ok) continue;
          full++;
          std::optional<Session> s = first.client->session();
          REQUIRE(s.has_value());
          // Whether the second listener may take the session: what the first proved, and where.
          bool proven_by_ca = cert && asks(a);
          //   none: any session, reported anonymous; optional: an anonymous one, or one proven under the
          //   same anchors (every listener here that asks trusts ca.pem); required: only a proven one
          //   under the same anchors; required under other anchors: none.
          bool expect_resume = b == Mode::none || b == Mode::optional || (b == Mode::required && proven_by_ca);
          Run second(cc, fleet.listener(b), s, seed + "2");
          check_connection(second, b, cert, client_leaf);
          if (second.ss.done) {
            CHECK(second.server->info()->resumed == expect_resume);
            // A resumed connection reports what the session proved, where this listener believes it.
            if (second.server->info()->resumed) {
              resumed++;
              CHECK(second.server->info()->client_authenticated == (proven_by_ca && trusts_client_ca(b)));
              CHECK(second.client->info()->peer_chain == first.client->info()->peer_chain);
            }
          } else {
            refused++;
            CHECK_FALSE(expect_resume);
          }
          // Post-handshake authentication: the new identity only with its proof, announced by an event.
          if (v == 0x0304 && second.ok && trusts_client_ca(b) && cert) {
            bool before = second.server->info()->client_authenticated;
            REQUIRE(second.server->request_client_certificate().ok());
            CHECK(second.server->info()->client_authenticated == before);  // nothing proven yet
            REQUIRE(pump(*second.client, *second.server, &second.cs, &second.ss));
            CHECK(second.ss.peer_auths == 1);
            CHECK(second.server->info()->client_authenticated);
            CHECK(second.server->info()->peer_chain.at(0) == client_leaf);
            pha++;
          }
        }
      }
    }
  }
  MESSAGE("full " << full << ", resumed " << resumed << ", refused " << refused << ", post-handshake auth " << pha);
  CHECK(resumed > 20);
  CHECK(refused > 5);
  CHECK(pha > 5);
}
