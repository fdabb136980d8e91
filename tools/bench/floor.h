// The crypto floor: the bare primitives each handshake and each record needs, timed in the same run
// through crypto::Provider (the door sanstls uses; mbedTLS behind it). Floor times each primitive alone
// (the "primitive" rows); make_floor_stack() runs each scenario's primitives per handshake or record,
// side by side with the real stacks. The engine's cost above the floor is protocol overhead.
#ifndef SANSTLS_TOOLS_BENCH_FLOOR_H_
#define SANSTLS_TOOLS_BENCH_FLOOR_H_

#include <map>
#include <string>

#include "tools/bench/bench.h"

namespace sanstls {
namespace bench {

class Floor {
 public:
  // `iters` operations per repetition, median of `reps` repetitions, for every primitive.
  Floor(const Certs& certs, int iters, int reps);
  // Seconds per operation of each primitive measured ("x25519_keygen", "ecdsa_p256_sign", ...).
  const std::map<std::string, double>& primitives() const { return ops_; }

 private:
  std::map<std::string, double> ops_;
};

// The floor of each scenario, run as a Stack (interleaved with the real stacks; see floor.cc).
std::unique_ptr<Stack> make_floor_stack();
// The same primitives through the libcrypto provider (the floor of "sanstls-libcrypto").
std::unique_ptr<Stack> make_floor_libcrypto_stack();

// The median of a vector (it is reordered).
double median(std::vector<double> v);

}  // namespace bench
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_BENCH_FLOOR_H_
