// The differential corpus (fuzz/differential.h): every byte of four real ClientHellos, mutated four
// ways, goes to a sanstls server and an OpenSSL server; any difference not in differential::allowed()
// fails, naming the flight, the byte and both outcomes.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "fuzz/differential.h"

namespace sanstls {
namespace differential {
namespace {

TEST_CASE("differential: both servers answer the unmodified flights alike") {
  std::vector<Bytes> seeds = seed_flights();
  REQUIRE(seeds.size() == 4);
  for (const Bytes& s : seeds) {
    REQUIRE(s.size() > 100);
    Outcome ours = sanstls_server(s), theirs = openssl_server(s);
    CHECK(ours.str() == "accept");
    CHECK(theirs.str() == "accept");
  }
  // Half a flight: both wait for the rest.
  Bytes half(seeds[0].begin(), seeds[0].begin() + seeds[0].size() / 2);
  CHECK(sanstls_server(half).str() == "wait");
  CHECK(openssl_server(half).str() == "wait");
}

TEST_CASE("differential: every byte of the flights mutated, no unexplained difference") {
  std::vector<Bytes> seeds = seed_flights();
  const char* names[] = {"sanstls 1.3", "sanstls 1.2", "openssl 1.3", "openssl 1.2"};
  struct Seen {
    int count = 0;
    std::string first;
  };
  std::map<std::string, Seen> unexplained, explained;
  int cases = 0, same = 0;
  for (size_t s = 0; s < seeds.size(); s++) {
    for (size_t i = 0; i < seeds[s].size(); i++) {
      for (int how = 0; how < 4; how++) {
        Bytes m = seeds[s];
        switch (how) {
          case 0: m[i] ^= 0x01; break;
          case 1: m[i] ^= 0x80; break;
          case 2: m[i] = 0x00; break;
          default: m[i] = 0xff; break;
        }
        if (m == seeds[s]) continue;
        cases++;
        std::string a, b;
        Outcome ours = sanstls_server(m, &a), theirs = openssl_server(m, &b);
        if (ours == theirs) {
          same++;
          continue;
        }
        const Allowed* why = justify(ours, a, theirs, b);
        std::string key = "sanstls " + ours.str() + " (" + a + ") / OpenSSL " + theirs.str() + " (" + b + ")";
        if (why != nullptr) key = std::string(why->rfc) + ": " + ours.str() + " / " + theirs.str();
        Seen& seen = why ? explained[key] : unexplained[key];
        if (seen.count++ == 0)
          seen.first = std::string(names[s]) + ", byte " + std::to_string(i) + " mutation " + std::to_string(how);
      }
    }
  }
  MESSAGE(cases << " mutated flights, " << same << " answered alike");
  for (const auto& kv : explained) MESSAGE("allowed: " << kv.first << " x" << kv.second.count << " (first: " << kv.second.first << ")");
  for (const auto& kv : unexplained)
    FAIL_CHECK("unexplained: " << kv.first << " x" << kv.second.count << " (first: " << kv.second.first << ")");
  CHECK(cases > 1000);
}

TEST_CASE("differential (client, TLS 1.2): every byte of the server's first flight mutated, no unexplained difference") {
  std::vector<size_t> ours = server_flight_shape(false), theirs = server_flight_shape(true);
  REQUIRE(ours.size() == 4);  // ServerHello, Certificate, ServerKeyExchange, ServerHelloDone
  // The same shape for both clients, so that a mutation hits the same field: the same messages, of the
  // same sizes but for the ServerKeyExchange's ECDSA signature, whose DER length varies by a byte or two.
  REQUIRE(theirs.size() == 4);
  CHECK(ours[0] == theirs[0]);
  CHECK(ours[1] == theirs[1]);
  CHECK(ours[3] == theirs[3]);
  Outcome a, b;
  REQUIRE(sanstls_client({0, 0, 2}, &a));  // a ServerHello turned HelloRequest-typed: both refuse
  REQUIRE(openssl_client({0, 0, 2}, &b));
  std::map<std::string, int> unexplained, explained;
  std::map<std::string, std::string> first;
  int cases = 0, same = 0;
  for (size_t msg = 0; msg < ours.size(); msg++) {
    for (size_t off = 0; off < ours[msg]; off++) {
      // The Certificate's DER is the same for both and mbedTLS and OpenSSL parse it differently in
      // ways no handshake rule decides: its headers and the first bytes of each certificate are enough.
      if (msg == 1 && off > 64) continue;
      for (uint8_t how = 0; how < 4; how++) {
        std::string ra, rb;
        if (!sanstls_client({msg, off, how}, &a, &ra) || !openssl_client({msg, off, how}, &b, &rb)) continue;
        cases++;
        if (a == b) {
          same++;
          continue;
        }
        const Allowed* why = justify(a, ra, b, rb);
        std::string key = why ? std::string(why->rfc) + ": " + a.str() + " / " + b.str()
                              : "sanstls " + a.str() + " (" + ra + ") / OpenSSL " + b.str() + " (" + rb + ")";
        (why ? explained : unexplained)[key]++;
        if (!first.count(key))
          first[key] = "message " + std::to_string(msg) + " byte " + std::to_string(off) + " how " + std::to_string(how);
      }
    }
  }
  MESSAGE(cases << " mutated server flights, " << same << " answered alike");
  for (const auto& kv : explained) MESSAGE("allowed: " << kv.first << " x" << kv.second << " (first: " << first[kv.first] << ")");
  for (const auto& kv : unexplained)
    FAIL_CHECK("unexplained: " << kv.first << " x" << kv.second << " (first: " << first[kv.first] << ")");
  CHECK(cases > 500);
}

}  // namespace
}  // namespace differential
}  // namespace sanstls
