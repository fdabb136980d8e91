// A bounded, thread-safe map from exact byte strings to shared values, for the providers' trust stores
// (both keep the public keys of leaves that verified, by SubjectPublicKeyInfo; the libcrypto one also
// keeps parsed certificates by their DER). Internal to crypto/; no library types.
//
// Keys are compared byte for byte (std::map over the whole key, never a hash alone), so a value is only
// ever handed out for exactly the bytes it was made from. At most `capacity` entries; the oldest entry
// goes first when a new one would exceed it (FIFO: a trust store's working set is its peers, and a
// cache that an attacker can churn only costs time, never memory). Values are shared_ptrs: an entry
// evicted while a caller still holds its value stays alive until that caller lets go.
#ifndef SANSTLS_CRYPTO_BOUNDED_CACHE_H_
#define SANSTLS_CRYPTO_BOUNDED_CACHE_H_

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

#include "crypto/types.h"

namespace sanstls {
namespace crypto {

template <typename V>
class BoundedCache {
 public:
  explicit BoundedCache(size_t capacity) : capacity_(capacity) {}
  BoundedCache(const BoundedCache&) = delete;
  BoundedCache& operator=(const BoundedCache&) = delete;

  // The value stored under exactly `key`, or nullptr.
  std::shared_ptr<V> find(ByteView key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : it->second;
  }

  // Stores `value` under `key` unless the key is already there (then the stored value is kept and
  // returned); a null value is not stored. Returns the value now cached for `key` (or nullptr).
  std::shared_ptr<V> insert(ByteView key, std::shared_ptr<V> value) {
    if (!value || capacity_ == 0) return value;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it != map_.end()) return it->second;
    it = map_.emplace(key.to_bytes(), std::move(value)).first;
    order_.push_back(it);
    if (order_.size() > capacity_) {
      map_.erase(order_.front());
      order_.pop_front();
    }
    return it->second;
  }

  // find(), or make() stored and returned on a miss. make() runs without the lock held (it may be
  // slow: parsing); when two threads miss at once, the first one stored wins and both get it.
  template <typename Make>
  std::shared_ptr<V> get_or_make(ByteView key, Make make) {
    if (std::shared_ptr<V> v = find(key)) return v;
    return insert(key, make());
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return map_.size();
  }

 private:
  // Lexicographic order over whole byte strings, also between a stored key and a ByteView (no copy
  // for a lookup).
  struct Less {
    using is_transparent = void;
    static bool less(const uint8_t* a, size_t an, const uint8_t* b, size_t bn) {
      const size_t n = std::min(an, bn);
      const int c = n == 0 ? 0 : std::memcmp(a, b, n);
      return c < 0 || (c == 0 && an < bn);
    }
    bool operator()(const Bytes& a, const Bytes& b) const { return less(a.data(), a.size(), b.data(), b.size()); }
    bool operator()(const Bytes& a, ByteView b) const { return less(a.data(), a.size(), b.data(), b.size()); }
    bool operator()(ByteView a, const Bytes& b) const { return less(a.data(), a.size(), b.data(), b.size()); }
  };
  using Map = std::map<Bytes, std::shared_ptr<V>, Less>;

  const size_t capacity_;
  mutable std::mutex mu_;
  Map map_;
  std::deque<typename Map::iterator> order_;  // insertion order, oldest first
};

}  // namespace crypto
}  // namespace sanstls

#endif  // SANSTLS_CRYPTO_BOUNDED_CACHE_H_
