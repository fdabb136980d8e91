// The engine through its public API: a sanstls client against a sanstls server, in memory.
#include <doctest/doctest.h>

#include "core/suites.h"
#include "tests/pair.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

struct Run {
  std::unique_ptr<crypto::Rng> crng, srng;
  FixedClock clock{kTestNowMs};
  std::unique_ptr<Connection> client, server;
  Seen cs, ss;

  std::shared_ptr<const ServerConfig> scfg;
  Run(std::shared_ptr<const ClientConfig> ccfg, std::shared_ptr<const ServerConfig> server_cfg,
      std::optional<Session> resume = std::nullopt, const std::string& name = "localhost",
      const std::string& seed = "seed")
      : scfg(server_cfg) {
    crng = crypto::make_deterministic_rng(ByteView::of("client " + seed));
    srng = crypto::make_deterministic_rng(ByteView::of("server " + seed));
    client = std::make_unique<Connection>(Connection::client(ccfg, {name, resume, true}, *crng, clock));
    server = std::make_unique<Connection>(Connection::server(scfg, *srng, clock));
    server->set_trace(true);
  }
  bool pump(size_t chunk = 0) { return testing::pump(*client, *server, &cs, &ss, chunk); }
};

void exchange_data(Run& r, size_t chunk) {
  std::string ping = "ping from the client";
  std::string big(40000, 'x');  // more than two records
  REQUIRE(r.client->send(ByteView::of(ping)).value() == ping.size());
  REQUIRE(r.server->send(ByteView::of(big)).value() == big.size());
  REQUIRE(r.pump(chunk));
  CHECK(r.ss.data == ping);
  CHECK(r.cs.data == big);
  r.client->close();
  REQUIRE(r.pump(chunk));
  CHECK(r.ss.closed);
  CHECK(r.ss.clean);
  CHECK(r.cs.closed);
  CHECK(r.cs.clean);
}

}  // namespace

TEST_CASE("every TLS 1.2 suite completes a handshake and moves data, with input in one piece and byte by byte") {
  for (uint16_t id : default_tls12_suites()) {
    const CipherSuite* s = find_suite(id);
    for (size_t chunk : {size_t{0}, size_t{1}}) {
      for (int auth = 0; auth < 3; auth++) {  // none, an RSA client certificate, an ECDSA one
        bool client_auth = auth != 0;
        std::string suite = s->iana_name;
        CAPTURE(suite);
        CAPTURE(chunk);
        CAPTURE(auth);
        Run r(client_config(s->iana_name, client_auth, auth == 2 ? "client_ec" : "client"),
              server_config("", client_auth));
        REQUIRE(r.pump(chunk));
        REQUIRE(r.cs.done);
        REQUIRE(r.ss.done);
        CHECK(r.client->info()->cipher_suite == id);
        CHECK(r.server->info()->cipher_suite == id);
        CHECK(r.client->info()->extended_master_secret);
        CHECK(r.client->info()->encrypt_then_mac == !s->is_aead());
        CHECK(r.server->info()->client_authenticated == client_auth);
        CHECK(r.server->info()->peer_chain.size() == (client_auth ? 1u : 0u));
        CHECK(!r.client->info()->resumed);
        // The messages of a full handshake, in order, as the client saw them.
        std::vector<uint8_t> expected = {1, 2, 11};
        if (s->kx != KeyExchange::rsa) expected.push_back(12);
        if (client_auth) expected.push_back(13);
        expected.push_back(14);
        if (client_auth) expected.push_back(11);
        expected.push_back(16);
        if (client_auth) expected.push_back(15);
        // Our CCS and Finished, the server's NewSessionTicket (RFC 5077), CCS and Finished.
        for (uint8_t t : {0xff, 20, 4, 0xff, 20}) expected.push_back(t);
        CHECK(r.cs.messages == expected);
        exchange_data(r, chunk);

        // The session resumes with the abbreviated handshake, for this suite too.
        std::optional<Session> session = r.client->session();
        REQUIRE(session.has_value());
        Run again(client_config(s->iana_name, client_auth, auth == 2 ? "client_ec" : "client"), r.scfg, session,
                  "localhost", "again");
        REQUIRE(again.pump(chunk));
        REQUIRE(again.cs.done);
        CHECK(again.client->info()->resumed);
        CHECK(again.server->info()->resumed);
        CHECK(again.client->info()->cipher_suite == id);
        CHECK(again.cs.messages == std::vector<uint8_t>{1, 2, 4, 0xff, 20, 0xff, 20});  // by ticket
        exchange_data(again, chunk);
      }
    }
  }
}

TEST_CASE("a session is resumed with the abbreviated handshake, by session ID when the client asks no ticket") {
  auto scfg = server_config();
  ClientConfig::Builder cb;
  cb.provider(test_provider());
  cb.trust_anchors_pem(read_file("tests/certs/ca.pem")).cipher_suite_names("ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA");
  cb.tls12_tickets(false);
  auto ccfg = cb.build().config;
  REQUIRE(static_cast<bool>(ccfg));
  Run first(ccfg, scfg);
  REQUIRE(first.pump());
  REQUIRE(first.cs.done);
  std::optional<Session> s = first.client->session();
  REQUIRE(s.has_value());
  // Through the saved form, as tls_client -sess_out / -sess_in do.
  Session restored;
  REQUIRE(Session::decode(s->encode(), &restored));

  Run second(ccfg, scfg, restored, "localhost", "second");
  REQUIRE(second.pump(1));
  REQUIRE(second.cs.done);
  REQUIRE(second.ss.done);
  CHECK(second.client->info()->resumed);
  CHECK(second.server->info()->resumed);
  CHECK(second.cs.messages == std::vector<uint8_t>{1, 2, 0xff, 20, 0xff, 20});
  exchange_data(second, 0);

  // A different server name does not resume (RFC 6066 3): a full handshake instead.
  Run third(client_config(), scfg, restored, "127.0.0.1", "third");
  REQUIRE(third.pump());
  REQUIRE(third.cs.done);
  CHECK(!third.client->info()->resumed);
}

TEST_CASE("the same seeds and inputs give the same bytes") {
  auto run = [](const std::string& seed) {
    Run r(client_config("ECDHE-ECDSA-AES128-GCM-SHA256", true), server_config("", true), std::nullopt,
          "localhost", seed);
    Bytes wire;
    for (int i = 0; i < 20; i++) {
      ByteView o = r.client->pending_output();
      wire.insert(wire.end(), o.begin(), o.end());
      size_t n = r.server->receive(o).value();
      r.client->consume_output(n);
      drain(*r.server, &r.ss);
      o = r.server->pending_output();
      wire.insert(wire.end(), o.begin(), o.end());
      n = r.client->receive(o).value();
      r.server->consume_output(n);
      drain(*r.client, &r.cs);
    }
    REQUIRE(r.cs.done);
    return wire;
  };
  Bytes a = run("same"), b = run("same"), c = run("other");
  CHECK(a.size() > 1000);
  CHECK(a == b);
  CHECK(a != c);
}
