// libFuzzer harness: a mutated client first flight goes to a sanstls server and to an OpenSSL server
// (fuzz/differential.h); a difference not listed in differential::allowed() is a finding.
//
// Mutations: half of them structure-aware (fuzz/hello_mutator.h: one field or extension of the
// ClientHello changed, every length made consistent again, the records re-split), the other half
// libFuzzer's own byte mutations, which also reach the length checks themselves.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz/differential.h"
#include "fuzz/hello_mutator.h"

// libFuzzer's byte mutator; weak, so that the harness also links without libFuzzer (standalone_main,
// which never calls the custom mutator).
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) __attribute__((weak));

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  using namespace sanstls::fuzz;
  ParsedHello h;
  if ((seed & 1) == 0 || !parse_hello_flight(sanstls::ByteView(data, size), &h))
    return LLVMFuzzerMutate(data, size, max_size);
  mutate_hello(&h, seed >> 1, [](uint8_t* d, size_t s, size_t m) { return LLVMFuzzerMutate(d, s, m); });
  sanstls::Bytes out = write_hello_flight(h);
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sanstls::differential;
  sanstls::ByteView flight(data, size);
  std::string our_reason, their_reason;
  Outcome ours = sanstls_server(flight, &our_reason), theirs = openssl_server(flight, &their_reason);
  if (ours != theirs && justify(ours, our_reason, theirs, their_reason) == nullptr) {
    std::fprintf(stderr, "differential: sanstls %s (%s), OpenSSL %s (%s), and no allowed() entry explains it\n",
                 ours.str().c_str(), our_reason.c_str(), theirs.str().c_str(), their_reason.c_str());
    std::abort();
  }
  return 0;
}
