// A program outside sanstls that uses it as a library, through its public headers only: a client and
// a server in one process, connected by memory, do a TLS 1.3 and a TLS 1.2 handshake, the client sends
// a line, the server echoes it, both close with close_notify. Built by Bazel from this directory's
// WORKSPACE (@sanstls via deps.bzl) and by g++ with pkg-config against an installed copy
// (tools/check_consumers.sh runs both).
//
//   app CHAIN.pem KEY.pem CA.pem      (sanstls's tests/certs/server_rsa.pem, server_rsa.key.pem, ca.pem)
#include <cstdio>
#include <string>

#include "core/config.h"
#include "core/connection.h"
#include "core/wire.h"
#include "crypto/crypto.h"
#include "platform/system.h"

using namespace sanstls;

namespace {

// Moves what `from` wants written into `to`, offering again whatever `to` did not take after its events
// are read. The server echoes what it receives and closes; the client keeps it in *received. Returns
// false when `to` failed.
bool pump(Connection& from, Connection& to, std::string* received) {
  ByteView out = from.pending_output();
  size_t off = 0;
  while (off < out.size()) {
    Result<size_t> r = to.receive(ByteView(out.data() + off, out.size() - off));
    if (!r.ok()) return false;
    off += r.value();
    while (std::optional<Event> ev = to.next_event()) {
      if (ev->type == Event::Type::app_data) {
        if (!to.is_client()) {
          if (!to.send(ev->data).ok()) return false;
          to.close();
        } else {
          received->append(ev->data.to_string());
        }
      }
    }
  }
  from.consume_output(out.size());
  return true;
}

int run(uint16_t version, const Built<ServerConfig>& server_config, const std::string& ca_pem) {
  Built<ClientConfig> client_config = ClientConfig::Builder()
                                          .trust_anchors_pem(ByteView::of(ca_pem))
                                          .versions(version, version)
                                          .build();
  if (!client_config.ok()) {
    std::fprintf(stderr, "app: client config: %s\n", client_config.error.c_str());
    return 1;
  }
  std::unique_ptr<crypto::Rng> rng = crypto::make_system_rng();
  Clock& clock = platform::SystemClock::instance();
  Connection::ClientOptions options;
  options.server_name = "localhost";
  Connection client = Connection::client(client_config.config, options, *rng, clock);
  Connection server = Connection::server(server_config.config, *rng, clock);

  const std::string line = "hello from a consumer\n";
  if (!client.send(ByteView::of(line)).ok()) return 1;  // held until the handshake is done
  std::string received;
  for (int round = 0; round < 20 && !(client.is_closed() && server.is_closed()); round++) {
    if (!pump(client, server, nullptr) || !pump(server, client, &received)) break;
    if (received == line && !client.is_closed()) client.close();
  }
  for (Connection* c : {&client, &server}) {
    if (c->error() != nullptr) {
      std::fprintf(stderr, "app: %s failed: %s\n", c->is_client() ? "client" : "server",
                   c->error()->to_string().c_str());
      return 1;
    }
  }
  const HandshakeInfo* info = client.info();
  if (info == nullptr || received != line) {
    std::fprintf(stderr, "app: no echo (received %zu bytes)\n", received.size());
    return 1;
  }
  std::printf("%s %s %s: echoed %zu bytes\n", version_name(info->version), cipher_suite_name(info->cipher_suite),
              group_name(info->group), received.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: app CHAIN.pem KEY.pem CA.pem\n");
    return 2;
  }
  platform::Loaded chain = platform::load_pem(argv[1]);
  platform::Loaded key = platform::load_pem(argv[2]);
  platform::Loaded ca = platform::load_pem(argv[3]);
  for (const platform::Loaded* f : {&chain, &key, &ca}) {
    if (!f->ok()) {
      std::fprintf(stderr, "app: %s\n", f->error.c_str());
      return 1;
    }
  }
  Built<ServerConfig> server_config = ServerConfig::Builder().certificate(chain.view(), key.view()).build();
  if (!server_config.ok()) {
    std::fprintf(stderr, "app: server config: %s\n", server_config.error.c_str());
    return 1;
  }
  std::string ca_pem = ByteView(ca.data).to_string();
  if (run(version::tls13, server_config, ca_pem) != 0) return 1;
  if (run(version::tls12, server_config, ca_pem) != 0) return 1;
  std::printf("OK\n");
  return 0;
}
