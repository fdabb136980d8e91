// The pieces tls_bench's drivers share: scenarios, the per-side timer, what a driver measures, and the
// interface each TLS stack (sanstls, mbedTLS's own stack, OpenSSL's libssl) implements.
#ifndef SANSTLS_TOOLS_BENCH_BENCH_H_
#define SANSTLS_TOOLS_BENCH_BENCH_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "crypto/types.h"
#include "tools/bench/heap.h"

// Instructions of one side (docs/benchmark.md, "Where the per-side gap is"): built with
// --copt=-DTLS_BENCH_CALLGRIND_SIDE=1 (the client) or =2 (the server) and run under
// `valgrind --tool=callgrind --collect-atstart=no`, callgrind counts only what runs inside that side's
// timed calls. Needs valgrind's header (Debian's valgrind package); not part of any normal build.
#ifdef TLS_BENCH_CALLGRIND_SIDE
#include <valgrind/callgrind.h>
#endif

namespace sanstls {
namespace bench {

enum class Kind : uint8_t { full, resumed, bulk };
enum class Kx : uint8_t { ecdhe_ecdsa, ecdhe_rsa, rsa };
enum class Group : uint8_t { x25519, p256, none };
enum class Cipher : uint8_t { aes_128_gcm, chacha20_poly1305 };
enum class Version : uint8_t { tls12, tls13 };

struct Scenario {
  std::string name;  // "full_ecdsa_x25519", ...
  Kind kind;
  Kx kx;
  Group group;
  Cipher cipher;
  // TLS 1.3 scenarios (issue 8): kx says which certificate (ECDSA or RSA) and group the key share;
  // resumption is by ticket with psk_dhe_ke. Every stack is pinned to the scenario's one version.
  Version version = Version::tls12;
  bool tls13() const { return version == Version::tls13; }
  // The one suite every stack is limited to, by its OpenSSL name (all three stacks know it; TLS 1.3
  // names are the IANA ones, which OpenSSL and sanstls both take).
  std::string openssl_suite() const;
  // IANA code point of that suite.
  uint16_t suite_id() const;
  // Wire version: 0x0303 or 0x0304.
  uint16_t version_id() const { return tls13() ? 0x0304 : 0x0303; }
};

// Every scenario the benchmark runs, in table order.
const std::vector<Scenario>& all_scenarios();

// The test PKI (tests/certs), read once.
struct Certs {
  std::string dir;  // the directory the files came from (OpenSSL reads them by path)
  Bytes ca_pem;
  Bytes rsa_chain_pem, rsa_key_pem;  // server_rsa.pem (leaf signed by the root)
  Bytes ec_chain_pem, ec_key_pem;    // server_ec_chain.pem (leaf + ECDSA intermediate)
  std::string server_name = "localhost";
  // Path of a file in dir.
  std::string path(const char* file) const { return dir + "/" + file; }
  bool ecdsa(const Scenario& s) const { return s.kx == Kx::ecdhe_ecdsa; }
  const Bytes& chain(const Scenario& s) const { return ecdsa(s) ? ec_chain_pem : rsa_chain_pem; }
  const Bytes& key(const Scenario& s) const { return ecdsa(s) ? ec_key_pem : rsa_key_pem; }
};

inline uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// Time (and heap charges) of the calls made for one side.
struct Side {
  heap::Owner owner;
  uint64_t ns = 0;
};

// RAII: while alive, time counts for `side` and allocations are charged to it.
class InSide {
 public:
  explicit InSide(Side& s) : side_(s), owner_(s.owner), t0_(now_ns()) {
#ifdef TLS_BENCH_CALLGRIND_SIDE
    if (s.owner == TLS_BENCH_CALLGRIND_SIDE && depth()++ == 0) CALLGRIND_TOGGLE_COLLECT;
#endif
  }
  ~InSide() {
#ifdef TLS_BENCH_CALLGRIND_SIDE
    if (side_.owner == TLS_BENCH_CALLGRIND_SIDE && --depth() == 0) CALLGRIND_TOGGLE_COLLECT;
#endif
    side_.ns += now_ns() - t0_;
  }
  InSide(const InSide&) = delete;
  InSide& operator=(const InSide&) = delete;

 private:
#ifdef TLS_BENCH_CALLGRIND_SIDE
  static int& depth() {  // nested scopes of the counted side toggle once
    static int d = 0;
    return d;
  }
#endif
  Side& side_;
  heap::OwnerScope owner_;
  uint64_t t0_;
};

// Seconds of one measured batch: the whole (pair) and inside each side's calls.
struct Times {
  double pair = 0, client = 0, server = 0;
};

// Heap use of one connection on one side (bytes and allocation counts).
struct SideMemory {
  int64_t after_setup = 0;   // held by the connection right after it was created
  int64_t peak = 0;          // highest held during the handshake
  int64_t idle = 0;          // held once established, with nothing in flight
  int64_t idle_after_data = 0;  // held when idle again after the steady-state records
  double allocs_handshake = 0;  // allocations from creation to established
  double allocs_record = 0;     // allocations per 16 KiB record in steady state
  // The same, counting only allocations made outside the crypto primitives (sanstls only; -1 = n/a).
  int64_t own_after_setup = -1, own_peak = -1, own_idle = -1, own_idle_after_data = -1;
  double own_allocs_handshake = -1, own_allocs_record = -1;
};
struct Memory {
  SideMemory client, server;
};

// One TLS implementation under test. Each method runs a fixed amount of work for one scenario and
// checks that it succeeded (a failed handshake or lost data ends the program with a message).
class Stack {
 public:
  virtual ~Stack() = default;
  virtual const char* name() const = 0;
  // Whether the stack can run the scenario at all (mbedTLS 2.28 has no TLS 1.3). When false, no other
  // method is called for it and the tables say "n/a".
  virtual bool supports(const Scenario& s) const {
    (void)s;
    return true;
  }
  // Builds the configs for the scenario (not timed). False (with *error) if the stack cannot run it.
  virtual bool prepare(const Scenario& s, const Certs& certs, std::string* error) = 0;
  // n handshakes (full or resumed as the scenario says) on new connections; setup and teardown timed.
  virtual Times handshakes(int n) = 0;
  // One connection; `bytes` of application data client -> server in 16 KiB writes (handshake untimed).
  virtual Times bulk(size_t bytes) = 0;
  // Heap use of one connection pair (after one warm-up handshake; resumed scenarios resume).
  virtual Memory memory() = 0;
};

std::unique_ptr<Stack> make_sanstls_stack();
// sanstls on the OpenSSL 3.0 libcrypto provider (issue 16): "sanstls-libcrypto".
std::unique_ptr<Stack> make_sanstls_libcrypto_stack();
std::unique_ptr<Stack> make_mbedtls_stack();
std::unique_ptr<Stack> make_openssl_stack();

// The scaling mode: n established sanstls pairs held open at once (one full handshake, then n resumed
// ones, so that 100,000 pairs take seconds, not minutes).
struct ScaleReport {
  size_t n = 0, batch = 0;
  double client_bytes_per_conn = 0, server_bytes_per_conn = 0;  // heap held per established connection
  double hs_us_first = 0, hs_us_last = 0;          // microseconds per pair handshake: first / last batch
  // Per 16 KiB record, cycling over the first `batch` connections / over all n.
  double record_us_first = 0, record_us_last = 0;
};
ScaleReport run_sanstls_scaling(const Certs& certs, size_t n);

// Ends the program: "tls_bench: <what>".
[[noreturn]] void fail(const std::string& what);

constexpr size_t kWriteSize = 16384;

}  // namespace bench
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_BENCH_BENCH_H_
