// crypto/bounded_cache.h: exact-byte keys, the bound, oldest out first, shared values outliving
// eviction, and concurrent use.
#include "crypto/bounded_cache.h"

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace sanstls {
namespace crypto {
namespace {

Bytes key(const std::string& s) { return Bytes(s.begin(), s.end()); }

TEST_CASE("BoundedCache: a value only for exactly its key") {
  BoundedCache<int> c(8);
  CHECK((c.find(key("abc")) == nullptr));
  c.insert(key("abc"), std::make_shared<int>(1));
  REQUIRE((c.find(key("abc")) != nullptr));
  CHECK(*c.find(key("abc")) == 1);
  // A prefix, an extension, one byte changed, the empty key: none of them is "abc".
  CHECK((c.find(key("ab")) == nullptr));
  CHECK((c.find(key("abcd")) == nullptr));
  CHECK((c.find(key("abd")) == nullptr));
  CHECK((c.find(ByteView()) == nullptr));
  // Embedded zero bytes are part of the key.
  const Bytes z1 = {0, 1, 0}, z2 = {0, 1, 0, 0};
  c.insert(z1, std::make_shared<int>(2));
  CHECK((c.find(z2) == nullptr));
  CHECK(*c.find(z1) == 2);
  CHECK(c.size() == 2);
}

TEST_CASE("BoundedCache: the first value stored for a key stays; null is not stored") {
  BoundedCache<int> c(8);
  auto first = c.insert(key("k"), std::make_shared<int>(1));
  auto second = c.insert(key("k"), std::make_shared<int>(2));
  CHECK((first == second));
  CHECK(*c.find(key("k")) == 1);
  CHECK((c.insert(key("n"), nullptr) == nullptr));
  CHECK((c.find(key("n")) == nullptr));
  CHECK(c.size() == 1);
  int made = 0;
  auto v = c.get_or_make(key("k"), [&] { made++; return std::make_shared<int>(3); });
  CHECK(*v == 1);
  CHECK(made == 0);
  v = c.get_or_make(key("m"), [&] { made++; return std::make_shared<int>(4); });
  CHECK(*v == 4);
  CHECK(made == 1);
  CHECK(*c.find(key("m")) == 4);
  // A make() that fails stores nothing and is asked again next time.
  CHECK((c.get_or_make(key("f"), [&] { made++; return std::shared_ptr<int>(); }) == nullptr));
  CHECK((c.get_or_make(key("f"), [&] { made++; return std::shared_ptr<int>(); }) == nullptr));
  CHECK(made == 3);
}

TEST_CASE("BoundedCache: at most capacity entries, the oldest out first; values outlive eviction") {
  BoundedCache<int> c(3);
  auto held = c.insert(key("0"), std::make_shared<int>(0));
  for (int i = 1; i < 10; i++) {
    c.insert(key(std::to_string(i)), std::make_shared<int>(i));
    CHECK(c.size() == static_cast<size_t>(i < 3 ? i + 1 : 3));
  }
  for (int i = 0; i < 7; i++) CHECK((c.find(key(std::to_string(i))) == nullptr));
  for (int i = 7; i < 10; i++) CHECK(*c.find(key(std::to_string(i))) == i);
  CHECK(*held == 0);  // evicted, still alive for its holder
  // A hit does not refresh an entry (first in, first out).
  c.find(key("7"));
  c.insert(key("10"), std::make_shared<int>(10));
  CHECK((c.find(key("7")) == nullptr));
  BoundedCache<int> none(0);
  CHECK(*none.insert(key("x"), std::make_shared<int>(1)) == 1);
  CHECK(none.size() == 0);
}

TEST_CASE("BoundedCache: concurrent lookups and inserts") {
  BoundedCache<int> c(16);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; i++) {
        const int k = (i * 7 + t) % 40;
        auto v = c.get_or_make(key(std::to_string(k)), [&] { return std::make_shared<int>(k); });
        if (v == nullptr || *v != k) wrong++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(c.size() == 16);
}

}  // namespace
}  // namespace crypto
}  // namespace sanstls
