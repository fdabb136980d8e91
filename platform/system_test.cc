// The system helpers of platform/system.h: a real-time clock for the engine and file loading with
// errors a person can act on.
#include "platform/system.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>

using namespace sanstls;

TEST_CASE("SystemClock is the real time in milliseconds since the Unix epoch") {
  platform::SystemClock clock;
  uint64_t before = static_cast<uint64_t>(std::time(nullptr)) * 1000;
  uint64_t now = clock.now_ms();
  uint64_t after = static_cast<uint64_t>(std::time(nullptr)) * 1000 + 1000;
  CHECK(now >= before);
  CHECK(now <= after);  // milliseconds, not seconds or microseconds
  Clock& shared = platform::SystemClock::instance();
  CHECK(shared.now_ms() >= now);
}

TEST_CASE("monotonic_ms does not go back") {
  uint64_t a = platform::monotonic_ms();
  usleep(2000);
  uint64_t b = platform::monotonic_ms();
  CHECK(b >= a + 1);
}

TEST_CASE("load_file reads every byte, or says which file and why") {
  platform::Loaded ca = platform::load_file("tests/certs/ca.der");
  REQUIRE(ca.ok());
  CHECK(ca.data.size() > 100);
  CHECK(ca.data[0] == 0x30);  // a DER SEQUENCE

  platform::Loaded missing = platform::load_file("tests/certs/no_such_file.pem");
  CHECK_FALSE(missing.ok());
  CHECK(missing.data.empty());
  CHECK(missing.error == "cannot read tests/certs/no_such_file.pem: No such file or directory");

  platform::Loaded dir = platform::load_file("tests/certs");
  CHECK_FALSE(dir.ok());
  CHECK(dir.error.find("tests/certs") != std::string::npos);
}

TEST_CASE("load_pem refuses what is not PEM, naming the file") {
  platform::Loaded pem = platform::load_pem("tests/certs/ca.pem");
  REQUIRE(pem.ok());
  CHECK(ByteView(pem.data).to_string().find("-----BEGIN CERTIFICATE-----") == 0);

  platform::Loaded der = platform::load_pem("tests/certs/ca.der");
  CHECK_FALSE(der.ok());
  CHECK(der.error == "tests/certs/ca.der: not a PEM file (no -----BEGIN line)");

  std::string empty = std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/empty.pem";
  std::FILE* f = std::fopen(empty.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fclose(f);
  platform::Loaded e = platform::load_pem(empty);
  CHECK_FALSE(e.ok());
  CHECK(e.error == empty + ": empty file");

  platform::Loaded missing = platform::load_pem("nope.pem");
  CHECK(missing.error == "cannot read nope.pem: No such file or directory");
}

TEST_CASE("the helpers build a working config") {
  platform::Loaded chain = platform::load_pem("tests/certs/server_rsa.pem");
  platform::Loaded key = platform::load_pem("tests/certs/server_rsa.key.pem");
  REQUIRE(chain.ok());
  REQUIRE(key.ok());
  Built<ServerConfig> server = ServerConfig::Builder().certificate(chain.view(), key.view()).build();
  CHECK_MESSAGE(server.ok(), server.error);
}
