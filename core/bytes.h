// Bounds-checked reading and writing of TLS wire structures (in the spirit of BoringSSL's CBS/CBB).
//
// Reader: every read checks the remaining length in one place (take()); a length-prefixed vector is
// read as a child Reader; a structure ends with `empty()` to reject trailing bytes. A failed read
// leaves the reader unchanged and returns false. Parsers never do pointer arithmetic of their own.
//
// Writer: appends to a Bytes. A length prefix is opened with begin8/16/24() and filled in by end();
// a body too long for its prefix makes the writer fail (ok() == false), which the caller checks once.
#ifndef SANSTLS_CORE_BYTES_H_
#define SANSTLS_CORE_BYTES_H_

#include <cstddef>
#include <cstdint>

#include "crypto/types.h"

namespace sanstls {

class Reader {
 public:
  Reader() = default;
  explicit Reader(ByteView in) : in_(in) {}

  size_t remaining() const { return in_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  ByteView rest() const { return in_.sub(pos_); }

  // Big-endian integers of 1, 2, 3, 4 and 8 bytes.
  bool u8(uint8_t* v) { return number(1, v); }
  bool u16(uint16_t* v) { return number(2, v); }
  bool u24(uint32_t* v) { return number(3, v); }
  bool u32(uint32_t* v) { return number(4, v); }
  bool u64(uint64_t* v) { return number(8, v); }
  bool bytes(size_t n, ByteView* out);
  bool copy(size_t n, Bytes* out);
  bool skip(size_t n);

  // A vector with an 8/16/24-bit length prefix, as a child reader or as bytes.
  bool prefixed8(Reader* child) { return prefixed(1, child); }
  bool prefixed16(Reader* child) { return prefixed(2, child); }
  bool prefixed24(Reader* child) { return prefixed(3, child); }
  bool prefixed8(ByteView* out) { return prefixed(1, out); }
  bool prefixed16(ByteView* out) { return prefixed(2, out); }
  bool prefixed24(ByteView* out) { return prefixed(3, out); }
  bool prefixed8(Bytes* out) { return prefixed(1, out); }
  bool prefixed16(Bytes* out) { return prefixed(2, out); }
  bool prefixed24(Bytes* out) { return prefixed(3, out); }

 private:
  // The one bounds check: on success *p points at n readable bytes and the reader has moved past them.
  bool take(size_t n, const uint8_t** p);
  // An n-byte big-endian integer (n <= 8).
  bool number(size_t n, uint64_t* v);
  template <typename T>
  bool number(size_t n, T* v) {
    uint64_t x = 0;
    if (!number(n, &x)) return false;
    *v = static_cast<T>(x);
    return true;
  }
  // A vector with a len_bytes-byte length prefix; the reader is unchanged when it does not fit.
  bool prefixed(size_t len_bytes, ByteView* out);
  bool prefixed(size_t len_bytes, Reader* child);
  bool prefixed(size_t len_bytes, Bytes* out);

  ByteView in_;
  size_t pos_ = 0;
};

class Writer {
 public:
  explicit Writer(Bytes* out) : out_(out) {}

  // An open length prefix: where it starts and how many bytes it has.
  struct Prefix {
    size_t at;
    uint8_t len_bytes;
  };

  bool ok() const { return ok_; }

  // Big-endian integers of 1, 2, 3, 4 and 8 bytes.
  void u8(uint8_t v) { number(v, 1); }
  void u16(uint16_t v) { number(v, 2); }
  void u24(uint32_t v);  // fails the writer when v >= 2^24
  void u32(uint32_t v) { number(v, 4); }
  void u64(uint64_t v) { number(v, 8); }
  // resize + memcpy rather than insert(): GCC 12 at -O2 reports a false stringop-overflow on the
  // inlined vector::insert (Session::encode), which broke --config=opt under -Werror.
  void bytes(ByteView b) {
    room(b.size());
    size_t at = out_->size();
    out_->resize(at + b.size());
    if (!b.empty()) std::memcpy(out_->data() + at, b.data(), b.size());
  }

  Prefix begin8() { return begin(1); }
  Prefix begin16() { return begin(2); }
  Prefix begin24() { return begin(3); }
  // Fills in the prefix with the length written since it was opened.
  void end(Prefix p);

  void prefixed8(ByteView b) { prefixed(1, b); }
  void prefixed16(ByteView b) { prefixed(2, b); }
  void prefixed24(ByteView b) { prefixed(3, b); }

  void fail() { ok_ = false; }

 private:
  Prefix begin(uint8_t len_bytes);
  void prefixed(uint8_t len_bytes, ByteView b);
  void number(uint64_t v, size_t n);  // n <= 8 bytes, big-endian
  // Room for n more bytes. A buffer that grows takes at least kMinCapacity bytes, then doubles: a
  // message written into an empty Bytes would otherwise be reallocated (malloc, copy, free) at 1, 2,
  // 4, ... bytes, several times per message on every handshake.
  static constexpr size_t kMinCapacity = 128;
  void room(size_t n) {
    if (out_->capacity() - out_->size() < n) grow(n);
  }
  void grow(size_t n);

  Bytes* out_;
  bool ok_ = true;
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_BYTES_H_
