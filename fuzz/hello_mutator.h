// Structure-aware mutation of a client's first flight, for the differential harness (issue 14): the
// flight is read as records carrying one ClientHello (RFC 5246 6.2.1, 7.4.1.2; RFC 8446 4.1.2), one
// field or extension is changed, and the flight is written again with every length made consistent,
// so that mutations reach the checks behind the length checks (versions, suites, each extension's
// contents, their order and duplicates, fragmentation) instead of failing at the first length.
//
// The parser here is its own (a plain reading of the wire format), not sanstls's codec: a flight the
// codec would refuse can still be taken apart here as long as the lengths hold.
#ifndef SANSTLS_FUZZ_HELLO_MUTATOR_H_
#define SANSTLS_FUZZ_HELLO_MUTATOR_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "crypto/types.h"

namespace sanstls {
namespace fuzz {

struct HelloExtension {
  uint16_t type = 0;
  Bytes body;
};

// A first flight taken apart: the ClientHello's fields and how it was put in records.
struct ParsedHello {
  uint8_t record_type = 22;
  uint16_t record_version = 0x0301;
  std::vector<size_t> fragments;  // sizes of the records the handshake bytes were split into
  uint8_t msg_type = 1;
  uint16_t legacy_version = 0x0303;
  Bytes random;  // 32 bytes
  Bytes session_id;
  std::vector<uint16_t> suites;
  Bytes compression;
  bool has_extensions = true;  // a TLS 1.2 ClientHello may end after compression
  std::vector<HelloExtension> extensions;
  Bytes trailing;  // records after the ClientHello's, kept as they were
};

// Reads a flight whose first records carry exactly one handshake message with a ClientHello's
// layout; false when the lengths do not hold.
bool parse_hello_flight(ByteView flight, ParsedHello* out);

// Writes the flight again: the ClientHello (all lengths recomputed) split into records of the sizes in
// `fragments` (the last record takes what is left; none given: one record), then `trailing`.
Bytes write_hello_flight(const ParsedHello& h);

// One structural mutation chosen by `seed`; `mutate_bytes(data, size, max_size)` changes a field's
// bytes in place (libFuzzer's LLVMFuzzerMutate in the harness) and returns the new size.
using ByteMutator = std::function<size_t(uint8_t*, size_t, size_t)>;
void mutate_hello(ParsedHello* h, uint32_t seed, const ByteMutator& mutate_bytes);

}  // namespace fuzz
}  // namespace sanstls

#endif  // SANSTLS_FUZZ_HELLO_MUTATOR_H_
