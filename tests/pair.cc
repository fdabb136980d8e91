#include "tests/pair.h"

#include <cstdio>
#include <cstdlib>

#include "tests/test_provider.h"
#include "tests/testdata.h"

namespace sanstls {
namespace testing {

void drain(Connection& c, Seen* seen) {
  while (auto ev = c.next_event()) {
    seen->events.push_back(ev->type);
    switch (ev->type) {
      case Event::Type::handshake_done:
        seen->done = true;
        break;
      case Event::Type::app_data:
        seen->data.append(reinterpret_cast<const char*>(ev->data.data()), ev->data.size());
        break;
      case Event::Type::alert_received:
        seen->alerts.push_back(ev->alert);
        break;
      case Event::Type::closed:
        seen->closed = true;
        seen->clean = ev->clean;
        break;
      case Event::Type::handshake_message:
        seen->messages.push_back(ev->message_type);
        break;
      case Event::Type::session_ticket:
        seen->tickets++;
        break;
      case Event::Type::peer_authenticated:
        seen->peer_auths++;
        break;
      case Event::Type::sign_request:
      case Event::Type::decrypt_request:
      case Event::Type::verify_request:
      case Event::Type::select_request:
        seen->requests.push_back(*ev);
        break;
    }
  }
}

namespace {
// Moves what `from` wants to write into `to`, `chunk` bytes at a time. Returns whether bytes moved.
bool transfer(Connection& from, Connection& to, Seen* to_seen, size_t chunk, bool* ok) {
  bool moved = false;
  for (int guard = 0; guard < 1000000; guard++) {
    ByteView out = from.pending_output();
    if (out.empty()) break;
    size_t n = chunk == 0 ? out.size() : std::min(chunk, out.size());
    Result<size_t> r = to.receive(out.sub(0, n));
    if (!r.ok()) {
      *ok = false;
      from.consume_output(out.size());  // the peer is gone: drop the rest
      drain(to, to_seen);
      return true;
    }
    from.consume_output(r.value());
    drain(to, to_seen);
    if (r.value() > 0) moved = true;
    if (r.value() == 0 && to.awaiting()) break;  // it takes nothing until the application answers
  }
  return moved;
}
}  // namespace

bool pump(Connection& client, Connection& server, Seen* cs, Seen* ss, size_t chunk) {
  bool ok = true;
  drain(client, cs);
  drain(server, ss);
  for (int round = 0; round < 1000; round++) {
    bool a = transfer(client, server, ss, chunk, &ok);
    bool b = transfer(server, client, cs, chunk, &ok);
    drain(client, cs);
    drain(server, ss);
    if (!a && !b) break;
  }
  return ok;
}

std::shared_ptr<const ServerConfig> server_config(const std::string& suites, bool client_auth, bool require) {
  ServerConfig::Builder b;
  b.provider(test_provider());
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  if (!suites.empty()) b.cipher_suite_names(suites);
  if (client_auth) b.client_auth(require ? ClientAuth::required : ClientAuth::optional, read_file("tests/certs/ca.pem"));
  // Ticket keys from a fixed seed (not the system generator Builder() gives): two servers made here
  // issue the same tickets, so that the same seeds and inputs give the same bytes.
  b.ticket_key_generator(crypto::make_deterministic_rng(ByteView::of("pair ticket keys")));
  Built<ServerConfig> built = b.build();
  if (!built.ok()) {
    std::fprintf(stderr, "server config: %s\n", built.error.c_str());
    std::abort();
  }
  return built.config;
}

std::shared_ptr<const ClientConfig> client_config(const std::string& suites, bool with_cert, const std::string& cert) {
  ClientConfig::Builder b;
  b.provider(test_provider());
  b.trust_anchors_pem(read_file("tests/certs/ca.pem"));
  if (!suites.empty()) b.cipher_suite_names(suites);
  if (with_cert)
    b.client_certificate(read_file("tests/certs/" + cert + ".pem"), read_file("tests/certs/" + cert + ".key.pem"));
  Built<ClientConfig> built = b.build();
  if (!built.ok()) {
    std::fprintf(stderr, "client config: %s\n", built.error.c_str());
    std::abort();
  }
  return built.config;
}

Bytes client_hello_bytes(std::shared_ptr<const ClientConfig> cfg, const std::string& name) {
  auto rng = crypto::make_deterministic_rng(ByteView::of("hello"));
  FixedClock clock(kTestNowMs);
  Connection c = Connection::client(cfg, {name, std::nullopt}, *rng, clock);
  return c.pending_output().to_bytes();
}

}  // namespace testing
}  // namespace sanstls
