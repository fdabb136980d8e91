// //core:engine on its own: this test links the engine and mbedTLS's provider by name, not
// //crypto:backend, so a reference to crypto::default_provider() (or make_system_rng()) from anywhere
// in the engine would fail the link. It then runs a handshake and an echo through the pure engine.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "core/config.h"
#include "core/connection.h"
#include "crypto/mbedtls.h"

namespace sanstls {
namespace {

Bytes slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

struct FixedClock : Clock {
  uint64_t now_ms() override { return 1767225600000; }  // 2026-01-01, inside the test certificates' validity
};

// Moves everything one side wants written to the other; false once nothing moves.
bool pump(Connection& from, Connection& to) {
  ByteView out = from.pending_output();
  if (out.empty()) return false;
  Bytes copy(out.begin(), out.end());
  from.consume_output(copy.size());
  REQUIRE(to.receive(ByteView(copy.data(), copy.size())).ok());
  return true;
}

TEST_CASE("the engine links and runs with a provider it is given, without a default one") {
  const crypto::Provider& p = crypto::mbedtls_provider();
  Bytes ca = slurp("tests/certs/ca.pem"), chain = slurp("tests/certs/server_ec_chain.pem"),
        key = slurp("tests/certs/server_ec.key.pem");
  // The engine alone makes no generator: a server that issues tickets is given one for its keys.
  Built<ServerConfig> sc = ServerConfig::Builder(p)
                               .certificate(chain, key)
                               .ticket_key_generator(crypto::make_mbedtls_system_rng())
                               .build();
  REQUIRE_MESSAGE(sc.ok(), sc.error);
  Built<ClientConfig> cc = ClientConfig::Builder(p).trust_anchors_pem(ca).build();
  REQUIRE_MESSAGE(cc.ok(), cc.error);
  CHECK(cc.config->provider == &p);

  auto crng = crypto::make_mbedtls_deterministic_rng(ByteView::of("client"));
  auto srng = crypto::make_mbedtls_deterministic_rng(ByteView::of("server"));
  FixedClock clock;
  Connection::ClientOptions opt;
  opt.server_name = "localhost";
  Connection client = Connection::client(cc.config, opt, *crng, clock);
  Connection server = Connection::server(sc.config, *srng, clock);
  REQUIRE(client.send(ByteView::of("over the pure engine")).ok());
  std::string got;
  for (int i = 0; i < 20 && (pump(client, server) | pump(server, client)); i++) {
    while (auto ev = server.next_event())
      if (ev->type == Event::Type::app_data) got.append(reinterpret_cast<const char*>(ev->data.data()), ev->data.size());
  }
  CHECK(client.info() != nullptr);
  CHECK(got == "over the pure engine");
}

}  // namespace
}  // namespace sanstls

namespace sanstls {
namespace {

TEST_CASE("the engine alone: a server that issues tickets needs a generator for their keys, or keys") {
  const crypto::Provider& p = crypto::mbedtls_provider();
  Bytes chain = slurp("tests/certs/server_ec_chain.pem"), key = slurp("tests/certs/server_ec.key.pem");
  Built<ServerConfig> none = ServerConfig::Builder(p).certificate(chain, key).build();
  CHECK_FALSE(none.ok());
  CHECK(none.error.find("ticket_key_generator") != std::string::npos);
  CHECK(ServerConfig::Builder(p).certificate(chain, key).tickets(false).build().ok());
  TicketKeys::KeyMaterial k;
  k.name = Bytes(TicketKeys::kNameLength, 1);
  k.key = Bytes(TicketKeys::kKeyLength, 2);
  std::string err;
  auto ring = TicketKeys::from_keys({k}, 0, 0, &err, p);
  REQUIRE_MESSAGE(ring, err);
  CHECK(ServerConfig::Builder(p).certificate(chain, key).ticket_keys(ring).build().ok());
}

}  // namespace
}  // namespace sanstls
