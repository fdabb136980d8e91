// InMemorySessionCache: the bound, the eviction order (oldest insertion first), expiry, removal, and
// the same behaviour as a plain reference model over long random sequences of operations.
#include <cstdint>
#include <list>
#include <map>

#include "core/session.h"
#include "doctest/doctest.h"

namespace sanstls {
namespace {

Session make(uint8_t tag, size_t id_len = 32, uint32_t lifetime_s = 3600) {
  Session s;
  s.version = 0x0303;
  s.cipher_suite = 0xc02b;
  s.session_id.assign(id_len, tag);
  if (id_len > 0) s.session_id[0] = static_cast<uint8_t>(id_len);
  s.master_secret.assign(48, static_cast<uint8_t>(tag ^ 0x5a));
  s.lifetime_s = lifetime_s;
  s.server_name = "n" + std::to_string(tag);
  return s;
}

bool has(InMemorySessionCache& c, const Session& s, uint64_t now = 0) {
  Session out;
  if (!c.get(s.session_id, now, &out)) return false;
  CHECK(out.master_secret == s.master_secret);
  CHECK(out.server_name == s.server_name);
  return true;
}

TEST_CASE("the oldest insertion is dropped first; replacing keeps the place") {
  InMemorySessionCache c(3);
  Session a = make(1), b = make(2), d = make(3), e = make(4);
  c.put(a);
  c.put(b);
  c.put(d);
  Session a2 = a;
  a2.server_name = "replaced";
  c.put(a2);  // same ID: replaced in place, still the oldest
  CHECK(c.size() == 3);
  c.put(e);
  CHECK(c.size() == 3);
  CHECK_FALSE(has(c, a));
  CHECK(has(c, b));
  CHECK(has(c, d));
  CHECK(has(c, e));
}

TEST_CASE("a removed ID put again is not evicted by its old place in the order") {
  InMemorySessionCache c(2);
  Session a = make(1), b = make(2), d = make(3);
  c.put(a);
  c.put(b);
  c.remove(a.session_id);
  CHECK(c.size() == 1);
  c.put(a);  // now newer than b
  c.put(d);  // drops b, the oldest live insertion
  CHECK(has(c, a));
  CHECK_FALSE(has(c, b));
  CHECK(has(c, d));
}

TEST_CASE("expired sessions are not returned and are dropped; odd IDs") {
  InMemorySessionCache c(10);
  Session a = make(1, 32, 10);
  a.created_ms = 1000;
  c.put(a);
  CHECK(has(c, a, 10999));
  CHECK_FALSE(has(c, a, 11000));
  CHECK(c.size() == 0);
  // An empty ID is never stored; IDs of 1 and 32 bytes are; over 32 bytes (not a TLS session ID) never.
  c.put(make(2, 0));
  c.put(make(3, 33));
  CHECK(c.size() == 0);
  Session one = make(4, 1), full = make(5, 32);
  c.put(one);
  c.put(full);
  CHECK(has(c, one));
  CHECK(has(c, full));
  Session out;
  CHECK_FALSE(c.get(ByteView(full.session_id.data(), 31), 0, &out));  // a prefix is another ID
  InMemorySessionCache none(0);
  none.put(one);
  CHECK(none.size() == 0);
}

// A reference model: a map and a list of IDs in insertion order.
struct Model {
  size_t capacity;
  std::map<Bytes, Session> m;
  std::list<Bytes> order;
  void put(const Session& s) {
    if (s.session_id.empty() || s.session_id.size() > 32 || capacity == 0) return;
    auto it = m.find(s.session_id);
    if (it != m.end()) {
      it->second = s;
      return;
    }
    while (m.size() >= capacity) {
      m.erase(order.front());
      order.pop_front();
    }
    m.emplace(s.session_id, s);
    order.push_back(s.session_id);
  }
  void erase(const Bytes& id) {
    if (m.erase(id) > 0) order.remove(id);
  }
  bool get(const Bytes& id, uint64_t now, Session* out) {
    auto it = m.find(id);
    if (it == m.end()) return false;
    if (it->second.expired(now)) {
      erase(id);
      return false;
    }
    *out = it->second;
    return true;
  }
};

TEST_CASE("random operations: the same answers as the reference model") {
  uint64_t x = 0x9e3779b97f4a7c15;
  auto next = [&x]() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (size_t capacity : {size_t{1}, size_t{7}, size_t{64}}) {
    InMemorySessionCache c(capacity);
    Model m{capacity, {}, {}};
    uint64_t now = 0;
    for (int step = 0; step < 20000; step++) {
      const uint8_t tag = static_cast<uint8_t>(next() % 100);  // few IDs: many repeats and removals
      const uint64_t op = next() % 10;
      now += next() % 50;
      if (op < 5) {
        Session s = make(tag, 1 + tag % 32, static_cast<uint32_t>(1 + next() % 100));
        s.created_ms = now;
        s.alpn = std::to_string(step);
        c.put(s);
        m.put(s);
      } else if (op < 7) {
        Bytes id = make(tag, 1 + tag % 32).session_id;
        c.remove(id);
        m.erase(id);
      } else {
        Bytes id = make(tag, 1 + tag % 32).session_id;
        Session a, b;
        const bool ga = c.get(id, now, &a), gb = m.get(id, now, &b);
        REQUIRE(ga == gb);
        if (ga) CHECK(a.alpn == b.alpn);
      }
      REQUIRE(c.size() == m.m.size());
    }
  }
}

}  // namespace
}  // namespace sanstls
