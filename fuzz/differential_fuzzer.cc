// libFuzzer harness: a mutated client first flight goes to a sanstls server and to an OpenSSL server
// (fuzz/differential.h); a difference not listed in differential::allowed() is a finding.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/differential.h"

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
