// tls_client without -CAfile takes the system's trust anchors as OpenSSL finds them
// (tools/trust_store.h): $SSL_CERT_FILE, $SSL_CERT_DIR, else Debian's bundle. Against tls_server with
// the test certificates: trusted through either variable, refused (unknown_ca) when they name another
// root, and one clear line when SSL_CERT_FILE names nothing. And tls_server names a client certificate it
// refused (Connection::error_detail).
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "tests/interop_support.h"
#include "tests/peer.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

uint16_t accept_port(Peer& server) {
  if (!server.wait_for_output("\n", 10000)) return 0;
  std::smatch m;
  std::string out = server.output();
  if (!std::regex_search(out, m, std::regex("ACCEPT [0-9.]+:([0-9]+)\n"))) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

// tls_client to 127.0.0.1:port with the environment as set; returns its exit code, output in *out.
int client(uint16_t port, std::string* out) {
  std::unique_ptr<Peer> c = start_peer({runfile("tools/tls_client"), "-connect", "127.0.0.1:" + std::to_string(port),
                                        "-servername", "localhost"});
  c->close_stdin();
  int rc = c->wait_exit(kPeerDeadlineMs);
  *out = c->output();
  return rc;
}

}  // namespace

TEST_CASE("tls_client without -CAfile: SSL_CERT_FILE, SSL_CERT_DIR, and their failures") {
  std::unique_ptr<Peer> server =
      start_peer({runfile("tools/tls_server"), "-accept", "127.0.0.1:0", "-cert", cert("server_rsa.pem"), "-key",
                  cert("server_rsa.key.pem"), "-naccept", "4"});
  const uint16_t port = accept_port(*server);
  REQUIRE_MESSAGE(port != 0, server->output());
  std::string out;

  // SSL_CERT_FILE: the test root.
  REQUIRE(setenv("SSL_CERT_FILE", cert("ca.pem").c_str(), 1) == 0);
  unsetenv("SSL_CERT_DIR");
  CHECK(client(port, &out) == 0);
  INFO(out);
  CHECK(contains(out, "Verification: OK"));

  // SSL_CERT_DIR: a directory holding the test root under a hashed name, after one that is missing.
  const char* t = std::getenv("TEST_TMPDIR");
  const std::string dir = std::string(t ? t : "/tmp") + "/client_trust_dir";
  REQUIRE(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "' && cp '" + cert("ca.pem") + "' '" + dir +
                       "/0badc0de.0'").c_str()) == 0);
  unsetenv("SSL_CERT_FILE");
  REQUIRE(setenv("SSL_CERT_DIR", ("/nonexistent:" + dir).c_str(), 1) == 0);
  CHECK(client(port, &out) == 0);
  CHECK(contains(out, "Verification: OK"));

  // Another root only: the server's chain is refused.
  unsetenv("SSL_CERT_DIR");
  REQUIRE(setenv("SSL_CERT_FILE", cert("other_ca.pem").c_str(), 1) == 0);
  CHECK(client(port, &out) == 1);
  CHECK(contains(out, "verify error"));
  CHECK(contains(out, "no trust anchor issued the chain"));

  // A file that is not there: one line naming the variable, before any connection.
  REQUIRE(setenv("SSL_CERT_FILE", "/nonexistent/bundle.pem", 1) == 0);
  CHECK(client(port, &out) == 1);
  CHECK(contains(out, "tls_client: SSL_CERT_FILE /nonexistent/bundle.pem: "));
  CHECK(!contains(out, "CONNECTED"));
  unsetenv("SSL_CERT_FILE");
}

TEST_CASE("tls_server names the client certificate it refused, and why") {
  // Client certificates are checked against another root: the client's chain has no anchor there.
  std::unique_ptr<Peer> server =
      start_peer({runfile("tools/tls_server"), "-accept", "127.0.0.1:0", "-cert", cert("server_rsa.pem"), "-key",
                  cert("server_rsa.key.pem"), "-Verify", "-CAfile", cert("other_ca.pem"), "-naccept", "1"});
  const uint16_t port = accept_port(*server);
  REQUIRE_MESSAGE(port != 0, server->output());
  std::unique_ptr<Peer> c = start_peer({runfile("tools/tls_client"), "-connect", "127.0.0.1:" + std::to_string(port),
                                        "-servername", "localhost", "-CAfile", cert("ca.pem"), "-cert",
                                        cert("client.pem"), "-key", cert("client.key.pem")});
  c->close_stdin();
  CHECK(c->wait_exit(kPeerDeadlineMs) == 1);
  server->wait_exit(10000);
  INFO(server->output());
  CHECK(contains(server->output(), "no trust anchor issued the chain: its last certificate (depth 0, subject "
                                   "\"O=sanstls, CN=sanstls test client\") was issued by \"O=sanstls, CN=sanstls test CA\""));
}
