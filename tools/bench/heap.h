// Heap accounting for the benchmark: malloc, free, calloc, realloc and the aligned allocators are
// replaced in the tls_bench executable (heap.cc) by versions that forward to glibc's __libc_* functions
// and keep a 16-byte header in front of every block (requested size, owner tag). Counting is exact
// in requested bytes (allocator rounding and the header itself are not counted).
//
// Owners: the code that runs while a side's calls are being made is charged to that side (set_owner),
// and while the crypto flag is set (CountingProvider, counting_provider.h) the allocation is also marked
// "inside crypto", so that sanstls's own allocations can be told apart from those of mbedTLS's
// primitives. A block is charged to the owner it had when it was allocated, also when it is freed.
//
// Single-threaded use: the owner and the flag are process-wide (the benchmark runs on one thread).
// Under AddressSanitizer (which replaces malloc itself) nothing is replaced and enabled() is false.
#ifndef SANSTLS_TOOLS_BENCH_HEAP_H_
#define SANSTLS_TOOLS_BENCH_HEAP_H_

#include <cstdint>

namespace sanstls {
namespace bench {
namespace heap {

enum Owner : uint8_t { kOther = 0, kClient = 1, kServer = 2 };

// True when the allocator is replaced and the counters mean something.
bool enabled();

// Turns counting on (the default) or off; returns the previous setting. Blocks allocated while it is
// off are never counted, also when freed later. The timed runs turn it off, so that they pay only for
// the header, not for the bookkeeping.
bool set_counting(bool on);

// Sets who is charged for allocations from now on; returns the previous owner.
Owner set_owner(Owner o);
// Marks allocations as made inside a crypto primitive (true) or not; returns the previous flag.
bool set_in_crypto(bool on);

struct Counters {
  int64_t live = 0;     // bytes held now
  int64_t peak = 0;     // highest `live` since the last reset_peaks()
  uint64_t allocs = 0;  // allocation calls ever (malloc, calloc, realloc, the aligned ones)
};
// Everything charged to the side.
Counters total(Owner o);
// Only what was allocated outside the crypto flag (sanstls's own, for sanstls's connections).
Counters own(Owner o);
// Sets every peak to the current live value.
void reset_peaks();

// RAII: charge allocations to `o` for the scope.
class OwnerScope {
 public:
  explicit OwnerScope(Owner o) : prev_(set_owner(o)) {}
  ~OwnerScope() { set_owner(prev_); }
  OwnerScope(const OwnerScope&) = delete;
  OwnerScope& operator=(const OwnerScope&) = delete;

 private:
  Owner prev_;
};

// RAII: mark allocations as inside crypto for the scope.
class CryptoScope {
 public:
  CryptoScope() : prev_(set_in_crypto(true)) {}
  ~CryptoScope() { set_in_crypto(prev_); }
  CryptoScope(const CryptoScope&) = delete;
  CryptoScope& operator=(const CryptoScope&) = delete;

 private:
  bool prev_;
};

}  // namespace heap
}  // namespace bench
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_BENCH_HEAP_H_
