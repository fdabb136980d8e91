// Replacement of glibc's allocator entry points for tls_bench (see heap.h). glibc documents this as
// supported ("Replacing malloc"): the executable defines malloc, free, calloc, realloc and the optional
// aligned_alloc, malloc_usable_size, memalign, posix_memalign, pvalloc and valloc, and every library
// in the process (libstdc++, mbedTLS, OpenSSL) then calls these.
//
// Block layout: [padding][Header (16 bytes)][user bytes]. Header::offset is the distance from the
// start of the underlying glibc block to the user pointer (16 for malloc/calloc/realloc, the alignment
// for the aligned allocators, which is >= 16), so free() can find the glibc block again.
#include "tools/bench/heap.h"

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sanstls {
namespace bench {
namespace heap {
namespace {

// The tag of a block allocated while counting was off: its free is not counted either.
constexpr uint8_t kUncounted = 0xff;

struct Slot {
  int64_t live;
  int64_t peak;
  uint64_t allocs;
};

// [owner][in_crypto], and per owner the totals.
Slot g_slots[3][2];
Slot g_totals[3];
uint8_t g_owner = kOther;
uint8_t g_crypto = 0;
bool g_counting = true;

void add(uint8_t tag, int64_t bytes, bool count) {
  if (tag == kUncounted) return;
  uint8_t owner = tag >> 1, crypto = tag & 1;
  Slot& s = g_slots[owner][crypto];
  Slot& t = g_totals[owner];
  int64_t l1 = __atomic_add_fetch(&s.live, bytes, __ATOMIC_RELAXED);
  int64_t l2 = __atomic_add_fetch(&t.live, bytes, __ATOMIC_RELAXED);
  if (l1 > s.peak) s.peak = l1;
  if (l2 > t.peak) t.peak = l2;
  if (count) {
    __atomic_add_fetch(&s.allocs, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&t.allocs, 1, __ATOMIC_RELAXED);
  }
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
bool enabled() { return false; }
#else
bool enabled() { return true; }
#endif

bool set_counting(bool on) {
  bool prev = g_counting;
  g_counting = on;
  return prev;
}

Owner set_owner(Owner o) {
  Owner prev = static_cast<Owner>(g_owner);
  g_owner = o;
  return prev;
}

bool set_in_crypto(bool on) {
  bool prev = g_crypto != 0;
  g_crypto = on ? 1 : 0;
  return prev;
}

Counters total(Owner o) {
  const Slot& t = g_totals[o];
  return Counters{t.live, t.peak, t.allocs};
}

Counters own(Owner o) {
  const Slot& s = g_slots[o][0];
  return Counters{s.live, s.peak, s.allocs};
}

void reset_peaks() {
  for (auto& row : g_slots)
    for (auto& s : row) s.peak = s.live;
  for (auto& t : g_totals) t.peak = t.live;
}

// Used by the replaced functions below.
uint8_t current_tag() { return g_counting ? static_cast<uint8_t>((g_owner << 1) | g_crypto) : kUncounted; }
void on_alloc(uint8_t tag, size_t n) { add(tag, static_cast<int64_t>(n), true); }
void on_free(uint8_t tag, size_t n) { add(tag, -static_cast<int64_t>(n), false); }

}  // namespace heap
}  // namespace bench
}  // namespace sanstls

#if !defined(__SANITIZE_ADDRESS__)

extern "C" {
void* __libc_malloc(size_t);
void __libc_free(void*);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
}

namespace {

namespace h = sanstls::bench::heap;

constexpr uint16_t kMagic = 0x5a17;

struct Header {
  uint64_t size;
  uint32_t offset;
  uint8_t tag;
  uint8_t unused;
  uint16_t magic;
};
static_assert(sizeof(Header) == 16, "header keeps 16-byte alignment");

Header* header_of(void* p) { return reinterpret_cast<Header*>(static_cast<char*>(p) - sizeof(Header)); }

void* finish(void* base, size_t offset, size_t n) {
  if (base == nullptr) return nullptr;
  char* user = static_cast<char*>(base) + offset;
  Header* hd = header_of(user);
  hd->size = n;
  hd->offset = static_cast<uint32_t>(offset);
  hd->tag = h::current_tag();
  hd->unused = 0;
  hd->magic = kMagic;
  h::on_alloc(hd->tag, n);
  return user;
}

void* aligned(size_t alignment, size_t n) {
  if (alignment <= sizeof(Header)) return finish(__libc_malloc(n + sizeof(Header)), sizeof(Header), n);
  if (n > SIZE_MAX - alignment) return nullptr;
  return finish(__libc_memalign(alignment, n + alignment), alignment, n);
}

bool is_power_of_two(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

}  // namespace

extern "C" {

void* malloc(size_t n) {
  if (n > SIZE_MAX - sizeof(Header)) {
    errno = ENOMEM;
    return nullptr;
  }
  return finish(__libc_malloc(n + sizeof(Header)), sizeof(Header), n);
}

void free(void* p) {
  if (p == nullptr) return;
  Header* hd = header_of(p);
  if (hd->magic != kMagic) __builtin_trap();  // a block that did not come from here
  h::on_free(hd->tag, hd->size);
  hd->magic = 0;
  __libc_free(static_cast<char*>(p) - hd->offset);
}

void* calloc(size_t count, size_t size) {
  size_t n;
  if (__builtin_mul_overflow(count, size, &n)) {
    errno = ENOMEM;
    return nullptr;
  }
  void* p = malloc(n);
  if (p != nullptr) std::memset(p, 0, n);
  return p;
}

void* realloc(void* p, size_t n) {
  if (p == nullptr) return malloc(n);
  if (n == 0) {
    free(p);
    return nullptr;
  }
  Header* hd = header_of(p);
  if (hd->magic != kMagic) __builtin_trap();
  if (hd->offset != sizeof(Header) || n > SIZE_MAX - sizeof(Header)) {
    // An aligned block (or an absurd size): move it by hand.
    void* q = malloc(n);
    if (q == nullptr) return nullptr;
    std::memcpy(q, p, hd->size < n ? hd->size : n);
    free(p);
    return q;
  }
  uint8_t tag = hd->tag;
  size_t old = hd->size;
  void* base = __libc_realloc(hd, n + sizeof(Header));
  if (base == nullptr) return nullptr;
  Header* nh = static_cast<Header*>(base);
  h::on_free(tag, old);
  nh->size = n;
  nh->tag = h::current_tag();
  h::on_alloc(nh->tag, n);
  return static_cast<char*>(base) + sizeof(Header);
}

void* memalign(size_t alignment, size_t n) { return aligned(alignment, n); }

void* aligned_alloc(size_t alignment, size_t n) { return aligned(alignment, n); }

int posix_memalign(void** out, size_t alignment, size_t n) {
  if (!is_power_of_two(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  void* p = aligned(alignment, n);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

void* valloc(size_t n) { return aligned(4096, n); }

void* pvalloc(size_t n) { return aligned(4096, (n + 4095) & ~size_t{4095}); }

size_t malloc_usable_size(void* p) { return p == nullptr ? 0 : header_of(p)->size; }

}  // extern "C"

#endif  // !__SANITIZE_ADDRESS__
