// -keymatexport LABEL -keymatexportlen N against OpenSSL 3.0, both ways and both versions: tls_client
// against `openssl s_server -keymatexport`, and `openssl s_client -keymatexport` against tls_server, in
// TLS 1.2 (with the extended master secret, which both ends do by default) and TLS 1.3. Both ends must
// print the same "Keying material: HEX" line (RFC 5705 / RFC 8446 7.5, no context, as s_client and
// s_server call SSL_export_keying_material). Peers run on 127.0.0.1 with ports picked free and a hard
// deadline each (tests/interop_support.h); every process is killed on every exit path.
#include <doctest/doctest.h>

#include <algorithm>
#include <regex>
#include <string>

#include "tests/interop_support.h"
#include "tests/peer.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

const char kLabel[] = "EXPORTER-sanstls-test";

// The hex after "Keying material: " (empty when there is none).
std::string keying_material(const std::string& out) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("    Keying material: ([0-9A-F]+)\n"))) return "";
  return m[1];
}

// The port tls_server printed on its ACCEPT line (0 when it did not within 10 s).
uint16_t accept_port(Peer& server) {
  if (!server.wait_for_output("\n", 10000)) return 0;
  std::smatch m;
  std::string out = server.output();
  if (!std::regex_search(out, m, std::regex("ACCEPT [0-9.]+:([0-9]+)\n"))) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

}  // namespace

TEST_CASE("tls_client -keymatexport prints the bytes openssl s_server -keymatexport prints") {
  if (!have_program("openssl")) return;
  for (const char* version : {"-tls1_2", "-tls1_3"}) {
    CAPTURE(version);
    PeerServer server = start_s_server(concat(rsa_cert_args(), {"-naccept", "1", version, "-keymatexport", kLabel,
                                                                "-keymatexportlen", "48"}));
    std::unique_ptr<Peer> client =
        start_peer({runfile("tools/tls_client"), "-connect", "127.0.0.1:" + std::to_string(server.port),
                    "-servername", "localhost", "-CAfile", cert("ca.pem"), "-keymatexport", kLabel,
                    "-keymatexportlen", "48"});
    client->close_stdin();
    CHECK(client->wait_exit(kPeerDeadlineMs) == 0);
    REQUIRE(server.peer->wait_for_output("Keying material: ", 10000));
    server.peer->wait_for_output("CONNECTION CLOSED", 5000);  // the line is complete by then
    const std::string ours = keying_material(client->output());
    const std::string theirs = keying_material(server.peer->output());
    INFO("tls_client: " << client->output());
    INFO("s_server: " << server.peer->output());
    CHECK(contains(client->output(), std::string("Keying material exporter:\n    Label: '") + kLabel +
                                         "'\n    Length: 48 bytes\n"));
    CHECK(ours.size() == 96);
    CHECK(ours == theirs);
    CHECK(contains(client->output(), version[6] == '2' ? "TLSv1.2" : "TLSv1.3"));
  }
}

TEST_CASE("openssl s_client -keymatexport prints the bytes tls_server -keymatexport prints") {
  if (!have_program("openssl")) return;
  for (const char* version : {"-tls1_2", "-tls1_3"}) {
    CAPTURE(version);
    std::unique_ptr<Peer> server =
        start_peer({runfile("tools/tls_server"), "-accept", "127.0.0.1:0", "-cert", cert("server_rsa.pem"), "-key",
                    cert("server_rsa.key.pem"), "-naccept", "1", version, "-keymatexport", kLabel,
                    "-keymatexportlen", "20"});
    const uint16_t port = accept_port(*server);
    REQUIRE_MESSAGE(port != 0, server->output());
    std::unique_ptr<Peer> client =
        start_peer({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername",
                    "localhost", "-CAfile", cert("ca.pem"), "-verify_return_error", "-keymatexport", kLabel});
    // s_client's default length is 20, as ours; it prints its summary after the handshake.
    REQUIRE_MESSAGE(client->wait_for_output("Keying material: ", 10000), client->output());
    client->wait_for_output("\n---\n", 5000);
    client->close_stdin();
    client->wait_exit(10000);
    CHECK(server->wait_exit(10000) == 0);
    const std::string theirs = keying_material(client->output());
    const std::string ours = keying_material(server->output());
    INFO("s_client: " << client->output());
    INFO("tls_server: " << server->output());
    CHECK(ours.size() == 40);
    CHECK(ours == theirs);
    CHECK(contains(server->output(), version[6] == '2' ? "TLSv1.2" : "TLSv1.3"));
  }
}

TEST_CASE("-keymatexportlen out of range: one line and a non-zero exit, before any connection") {
  for (const char* tool : {"tools/tls_client", "tools/tls_server"}) {
    for (const char* len : {"0", "8161"}) {
      CAPTURE(tool);
      CAPTURE(len);
      std::unique_ptr<Peer> p = start_peer({runfile(tool), "-keymatexport", kLabel, "-keymatexportlen", len, "-cert",
                                            cert("server_rsa.pem"), "-key", cert("server_rsa.key.pem")});
      p->close_stdin();
      const int rc = p->wait_exit(10000);
      const std::string out = p->output();
      INFO(out);
      CHECK(rc == 1);
      CHECK(std::count(out.begin(), out.end(), '\n') == 1);
      CHECK(contains(out, "-keymatexportlen"));
    }
  }
}
