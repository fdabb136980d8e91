// Replays every capture in tests/replays (listed in MANIFEST with the files each needs) with no peer
// running: sanstls as client and server against OpenSSL and GnuTLS, several suites, a failing
// handshake. A change in the engine that alters its output makes this fail and names where; re-record
// on purpose with `sh tests/replays/record.sh`.
#include <sstream>
#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "tests/testdata.h"
#include "tools/capture/capture.h"
#include "tools/capture/replay.h"

namespace sanstls {
namespace {

// The checked-in captures were recorded on the mbedTLS provider and hold its random draws (mbedTLS
// takes its RSA blinding values from the Rng, the libcrypto provider blinds with libcrypto's own
// generator, so the sequence of draws differs), so under --config=libcrypto they diverge by design:
// skipped there (capture_test records and replays on either provider).
#ifdef SANSTLS_DEFAULT_LIBCRYPTO
constexpr bool kMbedtlsCapturesOnly = true;
#else
constexpr bool kMbedtlsCapturesOnly = false;
#endif

struct Item {
  std::string file;
  capture::ReplayFiles files;
};

std::vector<Item> manifest() {
  std::vector<Item> items;
  std::istringstream in(testing::read_text("tests/replays/MANIFEST"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    Item it;
    ls >> it.file;
    if (it.file.empty()) continue;
    std::string flag, value, cert;
    while (ls >> flag >> value) {
      if (flag == "-cert") cert = value;
      if (flag == "-key") it.files.certificates.push_back({testing::read_file(cert), testing::read_file(value)});
      if (flag == "-CAfile") it.files.ca_pem = testing::read_file(value);
    }
    items.push_back(it);
  }
  return items;
}

capture::Capture load(const std::string& name) {
  capture::Capture c;
  std::string err;
  REQUIRE_MESSAGE(capture::parse_capture(testing::read_file("tests/replays/" + name), &c, &err), err);
  return c;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

TEST_CASE("every checked-in capture replays byte for byte" * doctest::skip(kMbedtlsCapturesOnly)) {
  std::vector<Item> items = manifest();
  CHECK(items.size() >= 12);
  for (const Item& it : items) {
    CAPTURE(it.file);
    capture::ReplayResult r = capture::replay(load(it.file), it.files);
    CHECK_MESSAGE(r.ok(), r.message);
    std::string t = joined(r.trace);
    CHECK(t.find("ClientHello") != std::string::npos);
    if (it.file.find("fails") == std::string::npos) {
      CHECK(t.find("event: handshake_done") != std::string::npos);
      CHECK(t.find("[decrypted] application data") != std::string::npos);
    } else {
      CHECK(t.find("the connection failed: bad certificate") != std::string::npos);
    }
  }
}

Item find(const std::string& name) {
  for (const Item& it : manifest()) {
    if (it.file == name) return it;
  }
  FAIL("no such capture in MANIFEST: " << name);
  return {};
}

TEST_CASE("a server capture with openssl s_client: one changed byte is named" * doctest::skip(kMbedtlsCapturesOnly)) {
  Item it = find("server_openssl_ecdhe_rsa_gcm.stlscap");
  capture::Capture c = load(it.file);
  REQUIRE(capture::replay(c, it.files).ok());

  SUBCASE("in the peer's ClientHello") {
    for (capture::Entry& e : c.entries) {
      if (e.type == capture::EntryType::receive) {
        REQUIRE(e.payload.size() > 20);
        e.payload[5 + 4 + 2] ^= 0x80;  // the first byte of the client random
        break;
      }
    }
    capture::ReplayResult r = capture::replay(c, it.files);
    REQUIRE(r.outcome == capture::ReplayResult::Outcome::divergence);
    INFO(r.message);
    CHECK(r.message.find("ServerKeyExchange") != std::string::npos);
    CHECK(r.message.find("expected 0x") != std::string::npos);
  }
  SUBCASE("in a random byte: the server random") {
    for (capture::Entry& e : c.entries) {
      if (e.type == capture::EntryType::rng && e.payload.size() == 32) {
        e.payload[0] ^= 0x01;
        break;
      }
    }
    capture::ReplayResult r = capture::replay(c, it.files);
    REQUIRE(r.outcome == capture::ReplayResult::Outcome::divergence);
    INFO(r.message);
    CHECK(r.message.find("ServerHello, byte 6 of the message") != std::string::npos);
  }
}

TEST_CASE("a failing handshake with a real peer reproduces the failure with no peer" * doctest::skip(kMbedtlsCapturesOnly)) {
  Item it = find("client_openssl_wrong_name_fails.stlscap");
  capture::ReplayResult r = capture::replay(load(it.file), it.files);
  REQUIRE_MESSAGE(r.ok(), r.message);
  std::string t = joined(r.trace);
  CHECK(t.find("certificate does not match the name") != std::string::npos);
  CHECK(t.find("C->S Alert fatal bad_certificate") != std::string::npos);
}

}  // namespace
}  // namespace sanstls
