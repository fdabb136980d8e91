// The differential harness's structure-aware mutator (fuzz/hello_mutator.h) on real first flights:
// taking a flight apart and writing it again gives the same bytes; every mutation gives a flight whose
// lengths hold (it parses again), and, over many seeds, each kind of change happens.
#include "fuzz/hello_mutator.h"

#include <doctest/doctest.h>

#include <set>

#include "fuzz/differential.h"

namespace sanstls {
namespace fuzz {
namespace {

// A byte mutator for the test: flips the first byte and grows the field by one byte (within max).
size_t flip_and_grow(uint8_t* data, size_t size, size_t max) {
  if (size > 0) data[0] ^= 0x55;
  if (size < max) data[size++] = 0xAB;
  return size;
}

TEST_CASE("hello_mutator: real flights round-trip, and every mutation keeps the lengths whole") {
  std::vector<Bytes> seeds = differential::seed_flights();
  REQUIRE(seeds.size() >= 4);
  std::set<size_t> sizes_seen;
  size_t changed = 0, total = 0, several_records = 0, no_extensions = 0;
  for (const Bytes& flight : seeds) {
    ParsedHello h;
    REQUIRE(parse_hello_flight(flight, &h));
    CHECK(h.msg_type == 1);
    CHECK(h.random.size() == 32);
    CHECK_FALSE(h.extensions.empty());
    CHECK(write_hello_flight(h) == flight);
    for (uint32_t seed = 0; seed < 3000; seed++) {
      ParsedHello m = h;
      mutate_hello(&m, seed, flip_and_grow);
      Bytes out = write_hello_flight(m);
      ParsedHello again;
      // A flight that still carries one ClientHello-shaped message parses; only a renamed message
      // type or a cut extension list changes what it says.
      REQUIRE_MESSAGE(parse_hello_flight(out, &again), "seed " << seed);
      CHECK(write_hello_flight(again) == out);
      total++;
      if (out != flight) changed++;
      if (again.fragments.size() > 1) several_records++;
      if (!again.has_extensions) no_extensions++;
      sizes_seen.insert(again.extensions.size());
    }
  }
  // Nearly every mutation changes the flight (some draw a change that leaves it as it was).
  CHECK(changed > total * 9 / 10);
  CHECK(several_records > 0);
  CHECK(no_extensions > 0);
  CHECK(sizes_seen.size() > 5);
}

TEST_CASE("hello_mutator: what is not one ClientHello-shaped message is refused") {
  ParsedHello h;
  CHECK_FALSE(parse_hello_flight(ByteView(), &h));
  const Bytes short_record = {22, 3, 1, 0, 10, 1, 0, 0};
  CHECK_FALSE(parse_hello_flight(short_record, &h));
  Bytes flight = differential::seed_flights().at(0);
  Bytes cut(flight.begin(), flight.end() - 1);
  CHECK_FALSE(parse_hello_flight(cut, &h));
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls
