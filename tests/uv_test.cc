// The libuv example (tools/examples/uv_echo_server.cc) against `openssl s_client` on 127.0.0.1: a
// handshake, a line echoed, close_notify both ways, and the server exits after its one connection.
#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "tests/peer.h"

namespace sanstls {
namespace {

TEST_CASE("libuv example: echo to openssl s_client, then a clean exit") {
  REQUIRE(testing::have_program("openssl"));
  std::string err;
  auto server = testing::Peer::start({testing::runfile("tools/examples/uv_echo_server"), "-accept", "127.0.0.1:0",
                                      "-cert", testing::runfile("tests/certs/server_rsa.pem"), "-key",
                                      testing::runfile("tests/certs/server_rsa.key.pem"), "-n", "1"},
                                     20000, &err);
  REQUIRE_MESSAGE(server != nullptr, err);
  REQUIRE_MESSAGE(server->wait_for_output("\n", 5000), server->output());
  std::string out = server->output();
  size_t at = out.find("ACCEPT 127.0.0.1:");
  REQUIRE_MESSAGE(at != std::string::npos, out);
  std::string port = out.substr(at + 17, out.find('\n', at) - at - 17);

  auto client = testing::Peer::start({"openssl", "s_client", "-connect", "127.0.0.1:" + port, "-servername",
                                      "localhost", "-CAfile", testing::runfile("tests/certs/ca.pem"),
                                      "-verify_return_error", "-quiet", "-no_ign_eof"},
                                     15000, &err);
  REQUIRE_MESSAGE(client != nullptr, err);
  REQUIRE(client->write_stdin("hello over libuv\n"));
  CHECK_MESSAGE(client->wait_for_output("hello over libuv", 5000), client->output());
  client->close_stdin();  // s_client sends close_notify; the server answers and ends
  CHECK(client->wait_exit(5000) == 0);
  CHECK_MESSAGE(server->wait_exit(5000) == 0, server->output());
}

}  // namespace
}  // namespace sanstls
