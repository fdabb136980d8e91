// A growable byte buffer for the record layer (internal). Unlike std::vector<uint8_t> it does not
// zero the bytes it grows into (they are written at once: a sealed record, a received fragment), and
// it can give its memory back while the connection is idle.
#ifndef SANSTLS_CORE_BUFFER_H_
#define SANSTLS_CORE_BUFFER_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace sanstls {

class ByteBuffer {
 public:
  uint8_t* data() { return p_.get(); }
  const uint8_t* data() const { return p_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return cap_; }
  bool empty() const { return size_ == 0; }
  uint8_t& operator[](size_t i) { return p_[i]; }

  void clear() { size_ = 0; }
  // New bytes are left uninitialised: the caller writes them.
  void resize(size_t n) {
    if (n > cap_) grow(n);
    size_ = n;
  }
  void append(const uint8_t* p, size_t n) {
    if (n == 0) return;
    size_t at = size_;
    resize(size_ + n);
    std::memcpy(p_.get() + at, p, n);
  }
  void erase_front(size_t n) {
    if (n >= size_) {
      size_ = 0;
      return;
    }
    std::memmove(p_.get(), p_.get() + n, size_ - n);
    size_ -= n;
  }
  // Frees the memory when nothing is held.
  void release_if_empty() {
    if (size_ == 0) {
      p_.reset();
      cap_ = 0;
    }
  }

 private:
  void grow(size_t n) {
    size_t cap = cap_ < 256 ? 256 : cap_;
    while (cap < n) cap *= 2;
    std::unique_ptr<uint8_t[]> q(new uint8_t[cap]);
    if (size_ > 0) std::memcpy(q.get(), p_.get(), size_);
    p_ = std::move(q);
    cap_ = cap;
  }

  std::unique_ptr<uint8_t[]> p_;
  size_t size_ = 0;
  size_t cap_ = 0;
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_BUFFER_H_
