// Basic byte types shared by crypto/ and core/. No mbedTLS here.
#ifndef SANSTLS_CRYPTO_TYPES_H_
#define SANSTLS_CRYPTO_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sanstls {

using Bytes = std::vector<uint8_t>;

// A non-owning view of bytes (C++17 has no std::span). The viewed bytes must outlive the view.
class ByteView {
 public:
  constexpr ByteView() = default;
  constexpr ByteView(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  ByteView(const Bytes& b) : data_(b.data()), size_(b.size()) {}  // NOLINT: implicit by design
  static ByteView of(const std::string& s) {
    return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  static ByteView of(const char* s) {
    return ByteView(reinterpret_cast<const uint8_t*>(s), std::strlen(s));
  }

  constexpr const uint8_t* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr const uint8_t* begin() const { return data_; }
  constexpr const uint8_t* end() const { return data_ + size_; }
  uint8_t operator[](size_t i) const { return data_[i]; }
  // Precondition: off + n <= size().
  ByteView sub(size_t off, size_t n) const { return ByteView(data_ + off, n); }
  ByteView sub(size_t off) const { return ByteView(data_ + off, size_ - off); }
  Bytes to_bytes() const { return Bytes(data_, data_ + size_); }
  std::string to_string() const { return std::string(reinterpret_cast<const char*>(data_), size_); }
  bool operator==(ByteView o) const {
    return size_ == o.size_ && (size_ == 0 || std::memcmp(data_, o.data_, size_) == 0);
  }
  bool operator!=(ByteView o) const { return !(*this == o); }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Overwrites memory in a way the compiler may not remove (for keys and secrets).
void secure_zero(void* p, size_t n);
inline void secure_zero(Bytes& b) { secure_zero(b.data(), b.size()); }

// Compares in time that depends only on the length.
bool constant_time_equal(ByteView a, ByteView b);

// Hex helpers for tests, traces and key logs.
std::string to_hex(ByteView b);
// Returns false on odd length or a non-hex character.
bool from_hex(const std::string& hex, Bytes* out);
Bytes hex(const std::string& hex);  // for tests and constants: aborts on bad input

}  // namespace sanstls

#endif  // SANSTLS_CRYPTO_TYPES_H_
