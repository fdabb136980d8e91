// The system around the engine: a real-time clock and file loading. core/ never reads a clock or a
// file (it is sans-I/O; time and bytes are given to it), so every program that embeds it writes these
// few lines; they are here once, in //:sanstls (pkg-config: libsanstls.a), outside core/.
//
//   platform::Loaded chain = platform::load_pem("server.pem");
//   if (!chain.ok()) { fprintf(stderr, "%s\n", chain.error.c_str()); return 1; }
//   ... ServerConfig::Builder().certificate(chain.view(), key.view()) ...
//   Connection c = Connection::server(config, *rng, platform::SystemClock::instance());
#ifndef SANSTLS_PLATFORM_SYSTEM_H_
#define SANSTLS_PLATFORM_SYSTEM_H_

#include <cstdint>
#include <string>

#include "core/config.h"
#include "crypto/types.h"

namespace sanstls {
namespace platform {

// The real time (CLOCK_REALTIME) in milliseconds since the Unix epoch, which is what the engine's Clock
// means: certificates are checked against it, sessions and tickets age by it, and next_deadline() is
// in its terms. It has no state: one (instance()) may serve every connection on every thread.
class SystemClock : public Clock {
 public:
  uint64_t now_ms() override;
  static SystemClock& instance();
};

// CLOCK_MONOTONIC in milliseconds: for measuring durations in your own code (it does not jump when the
// system time is set). Not a Clock for the engine, which needs the real time.
uint64_t monotonic_ms();

// The bytes of a file, or why they could not be read.
struct Loaded {
  Bytes data;
  std::string error;  // empty when the file was read; otherwise one line naming the file and the reason

  bool ok() const { return error.empty(); }
  ByteView view() const { return ByteView(data); }
};

// The whole file. Errors: "cannot read PATH: <strerror>" (a missing file, a directory, no permission).
Loaded load_file(const std::string& path);

// As load_file, for the PEM files the config builders take (certificate chains, keys, trust anchors):
// also refuses an empty file ("PATH: empty file") and one without a PEM block ("PATH: not a PEM file
// (no -----BEGIN line)", e.g. a DER file), which the builders would otherwise report without the path.
Loaded load_pem(const std::string& path);

}  // namespace platform
}  // namespace sanstls

#endif  // SANSTLS_PLATFORM_SYSTEM_H_
