// The address forms the tools take (-connect, -accept).
#include "tools/adapters/socket.h"

#include <doctest/doctest.h>

using namespace sanstls;

namespace {
std::string connect_to(const std::string& in) {
  std::string host;
  uint16_t port = 0;
  if (!net::split_connect_address(in, "localhost", &host, &port)) return "bad";
  return host + " " + std::to_string(port);
}
}  // namespace

TEST_CASE("-connect: host:port, [v6]:port, a host alone is port 443, a port alone is localhost") {
  CHECK(connect_to("example.com:8443") == "example.com 8443");
  CHECK(connect_to("example.com") == "example.com 443");
  CHECK(connect_to("127.0.0.1") == "127.0.0.1 443");
  CHECK(connect_to("[::1]:4433") == "::1 4433");
  CHECK(connect_to("[::1]") == "::1 443");
  CHECK(connect_to("::1") == "::1 443");  // a bare IPv6 address: brackets are needed to give a port
  CHECK(connect_to("4433") == "localhost 4433");
  CHECK(connect_to("example.com:") == "bad");
  CHECK(connect_to("example.com:70000") == "bad");
  CHECK(connect_to("example.com:https") == "bad");
  CHECK(connect_to("[::1") == "bad");
  CHECK(connect_to("[::1]x") == "bad");
  CHECK(connect_to("") == "bad");
}

TEST_CASE("-accept: port, host:port, [v6]:port") {
  std::string host;
  uint16_t port = 0;
  REQUIRE(net::split_host_port("4433", "127.0.0.1", &host, &port));
  CHECK(host == "127.0.0.1");
  CHECK(port == 4433);
  REQUIRE(net::split_host_port("[::1]:0", "127.0.0.1", &host, &port));
  CHECK(host == "::1");
  CHECK(port == 0);
  CHECK_FALSE(net::split_host_port("localhost", "127.0.0.1", &host, &port));
}
