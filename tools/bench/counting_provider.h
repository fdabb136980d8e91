// A crypto::Provider that forwards to another one and sets the heap "inside crypto" flag
// (heap::CryptoScope) around every call into it and into every object it makes (hashes, HMACs, AEADs,
// key shares, keys, certificates, trust stores). Given to sanstls's configs in the memory runs, it
// separates the allocations of mbedTLS's primitives (and of crypto/'s adapters over them) from the
// engine's own. Each wrapped object costs one extra small allocation, which is charged to crypto too.
// Not used in the timed runs.
#ifndef SANSTLS_TOOLS_BENCH_COUNTING_PROVIDER_H_
#define SANSTLS_TOOLS_BENCH_COUNTING_PROVIDER_H_

#include "crypto/crypto.h"

namespace sanstls {
namespace bench {

// The wrapper over `inner`, which must outlive it.
const crypto::Provider& counting_provider(const crypto::Provider& inner);

}  // namespace bench
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_BENCH_COUNTING_PROVIDER_H_
