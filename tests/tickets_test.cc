// Tests of core/tickets: ticket sealing and opening under a rotating key ring, the ticket state
// encoding, and the 0-RTT strike register.
#include "core/tickets.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "crypto/crypto.h"

namespace sanstls {
namespace {

constexpr uint64_t kSec = 1000;
constexpr uint64_t kT0 = 1'700'000'000'000;  // an arbitrary epoch time in ms

std::unique_ptr<crypto::Rng> rng(const char* seed = "tickets") {
  return crypto::make_deterministic_rng(ByteView::of(seed));
}

TicketKeys::KeyMaterial material(uint8_t name_byte, uint8_t key_byte, uint64_t created_ms) {
  TicketKeys::KeyMaterial m;
  m.name = Bytes(TicketKeys::kNameLength, name_byte);
  m.key = Bytes(TicketKeys::kKeyLength, key_byte);
  m.created_ms = created_ms;
  return m;
}

Bytes open_or_empty(TicketKeys& k, ByteView ticket, uint64_t now_ms) {
  Bytes out;
  if (!k.open(ticket, now_ms, &out)) return {};
  return out;
}

// ---------------------------------------------------------------------------------------------------
// TicketKeys

TEST_CASE("TicketKeys: seal/open round trip and the ticket layout") {
  auto r = rng();
  auto keys = TicketKeys::create(rng("ring"), kT0);
  REQUIRE(static_cast<bool>(keys));
  CHECK(keys->key_count() == 1);
  const Bytes plain = hex("000102030405060708090a0b0c0d0e0f1011");
  const Bytes t = keys->seal(plain, kT0 + 1, *r);
  REQUIRE(t.size() == plain.size() + TicketKeys::kOverhead);
  CHECK(ByteView(t).sub(0, 16) == ByteView(keys->current_key_name()));
  // The plaintext does not appear in the ticket.
  CHECK(std::search(t.begin(), t.end(), plain.begin(), plain.end()) == t.end());
  CHECK(open_or_empty(*keys, t, kT0 + 2) == plain);
  // Two seals of the same plaintext differ (fresh nonce) and both open.
  const Bytes t2 = keys->seal(plain, kT0 + 1, *r);
  CHECK(t2 != t);
  CHECK(open_or_empty(*keys, t2, kT0 + 2) == plain);
  // The longest plaintext fits a 16-bit length; one more byte is refused; so is an empty one.
  const Bytes big(TicketKeys::kMaxPlaintext, 0x42);
  const Bytes tb = keys->seal(big, kT0, *r);
  CHECK(tb.size() == 0xffff);
  CHECK(open_or_empty(*keys, tb, kT0) == big);
  CHECK(keys->seal(Bytes(TicketKeys::kMaxPlaintext + 1, 0), kT0, *r).empty());
  CHECK(keys->seal(ByteView(), kT0, *r).empty());
}

TEST_CASE("TicketKeys: same generator and times give the same tickets") {
  auto r1 = rng("same"), r2 = rng("same");
  auto k1 = TicketKeys::create(rng("same ring"), kT0), k2 = TicketKeys::create(rng("same ring"), kT0);
  const Bytes plain = hex("abcdef");
  CHECK(k1->seal(plain, kT0, *r1) == k2->seal(plain, kT0, *r2));
  // After a rotation too.
  CHECK(k1->seal(plain, kT0 + 3600 * kSec, *r1) == k2->seal(plain, kT0 + 3600 * kSec, *r2));
}

TEST_CASE("TicketKeys: a flipped bit anywhere, an unknown key name, a short ticket all fail") {
  auto r = rng();
  auto keys = TicketKeys::create(rng("ring"), kT0);
  const Bytes plain = hex("00112233445566778899");
  const Bytes t = keys->seal(plain, kT0, *r);
  Bytes out = hex("ff");
  for (size_t i = 0; i < t.size(); i++) {
    for (uint8_t bit : {uint8_t{0x01}, uint8_t{0x80}}) {
      Bytes bad = t;
      bad[i] ^= bit;
      CAPTURE(i);
      CHECK(!keys->open(bad, kT0, &out));
      CHECK(out.empty());
    }
  }
  // A ticket from another ring (unknown name), and one with the right name but another ring's key.
  auto r2 = rng("other");
  auto other = TicketKeys::create(rng("other ring"), kT0);
  const Bytes foreign = other->seal(plain, kT0, *r2);
  CHECK(!keys->open(foreign, kT0, &out));
  Bytes renamed = foreign;
  const Bytes name = keys->current_key_name();
  std::memcpy(renamed.data(), name.data(), name.size());
  CHECK(!keys->open(renamed, kT0, &out));
  // Truncated tickets, down to nothing; an overhead-only ticket (empty body) is refused too.
  for (size_t n = 0; n < t.size(); n++) CHECK(!keys->open(ByteView(t).sub(0, n), kT0, &out));
  CHECK(!keys->open(ByteView(t).sub(0, TicketKeys::kOverhead), kT0, &out));
  // Appending a byte moves the tag: fails.
  Bytes longer = t;
  longer.push_back(0);
  CHECK(!keys->open(longer, kT0, &out));
  CHECK(keys->open(t, kT0, &out));
  CHECK(out == plain);
}

TEST_CASE("TicketKeys: rotation, and old keys open until keep_for passes") {
  auto r = rng();
  auto keys = TicketKeys::create(rng("ring"), kT0, /*rotate_after_s=*/3600, /*keep_for_s=*/7200);
  const Bytes plain = hex("01020304");
  const Bytes name0 = keys->current_key_name();
  const Bytes t0 = keys->seal(plain, kT0 + 3599 * kSec, *r);  // just before rotation: key 0
  CHECK(keys->current_key_name() == name0);
  CHECK(ByteView(t0).sub(0, 16) == ByteView(name0));

  // At 3600 s the next seal rotates: a new current key, the old one kept.
  const Bytes t1 = keys->seal(plain, kT0 + 3600 * kSec, *r);
  const Bytes name1 = keys->current_key_name();
  CHECK(name1 != name0);
  CHECK(ByteView(t1).sub(0, 16) == ByteView(name1));
  CHECK(keys->key_count() == 2);
  CHECK(open_or_empty(*keys, t0, kT0 + 3600 * kSec) == plain);
  CHECK(open_or_empty(*keys, t1, kT0 + 3600 * kSec) == plain);

  // Key 0 opens until it is keep_for (7200 s) old, then not; key 1 still does.
  CHECK(open_or_empty(*keys, t0, kT0 + 7199 * kSec) == plain);
  CHECK(open_or_empty(*keys, t0, kT0 + 7200 * kSec).empty());
  CHECK(keys->key_count() == 1);
  CHECK(open_or_empty(*keys, t1, kT0 + 7200 * kSec) == plain);
  // Even at an earlier time, a dropped key stays gone.
  CHECK(open_or_empty(*keys, t0, kT0 + 10 * kSec).empty());

  // Opening never rotates; a long idle period then a seal: rotation and the old key dropped.
  CHECK(keys->current_key_name() == name1);
  CHECK(open_or_empty(*keys, t1, kT0 + (3600 + 7200) * kSec).empty());  // key 1 too old now
  const Bytes t2 = keys->seal(plain, kT0 + 20000 * kSec, *r);
  CHECK(keys->current_key_name() != name1);
  CHECK(keys->key_count() == 1);
  CHECK(open_or_empty(*keys, t2, kT0 + 20000 * kSec) == plain);
}

TEST_CASE("TicketKeys: keys come from the ring's generator, never from the connection that seals") {
  // Two rings from generators of one seed, sealed through by connections with different generators,
  // rotating at the same times: the same keys, in the same order.
  auto a = TicketKeys::create(rng("ring"), kT0, /*rotate_after_s=*/60, /*keep_for_s=*/600);
  auto b = TicketKeys::create(rng("ring"), kT0, 60, 600);
  REQUIRE(static_cast<bool>(a));
  REQUIRE(static_cast<bool>(b));
  CHECK(a->current_key_name() == b->current_key_name());
  auto ra = rng("connection a"), rb = rng("connection b");
  const Bytes plain = hex("0a0b");
  std::vector<Bytes> names;
  for (uint64_t i = 0; i <= 3; i++) {
    const Bytes ta = a->seal(plain, kT0 + i * 60 * kSec, *ra);
    const Bytes tb = b->seal(plain, kT0 + i * 60 * kSec, *rb);
    CAPTURE(i);
    CHECK(a->current_key_name() == b->current_key_name());
    CHECK(ByteView(ta).sub(0, 16) == ByteView(tb).sub(0, 16));
    CHECK(ByteView(ta).sub(16, 12) != ByteView(tb).sub(16, 12));  // the nonce is the connection's
    // Each ring opens the other's tickets: same keys.
    CHECK(open_or_empty(*a, tb, kT0 + i * 60 * kSec) == plain);
    names.push_back(a->current_key_name());
  }
  // It did rotate (four keys), and a ring of another generator has other keys.
  CHECK(a->key_count() == 4);
  for (size_t i = 1; i < names.size(); i++) CHECK(names[i] != names[i - 1]);
  auto c = TicketKeys::create(rng("another ring"), kT0);
  CHECK(c->current_key_name() != names[0]);
  // No generator, no ring; given keys do not rotate by themselves.
  CHECK(!TicketKeys::create(nullptr, kT0));
  std::string error;
  CHECK(!TicketKeys::from_keys({material(1, 1, kT0)}, /*rotate_after_s=*/60, 0, &error));
  CHECK(error.find("rotate") != std::string::npos);
}

TEST_CASE("TicketKeys: the ring is bounded") {
  auto r = rng();
  // keep_for far longer than rotate_after: every seal one period later rotates, nothing expires.
  auto keys = TicketKeys::create(rng("ring"), kT0, /*rotate_after_s=*/1, /*keep_for_s=*/1000000);
  const Bytes plain = hex("05");
  Bytes first;
  for (uint64_t i = 1; i <= 40; i++) {
    Bytes t = keys->seal(plain, kT0 + i * kSec, *r);
    if (i == 1) first = t;
    CHECK(keys->key_count() <= TicketKeys::kMaxKeys);
  }
  CHECK(keys->key_count() == TicketKeys::kMaxKeys);
  CHECK(open_or_empty(*keys, first, kT0 + 41 * kSec).empty());  // its key was pushed out
}

TEST_CASE("TicketKeys: fixed keys (shared across processes), replace_keys, no rotation") {
  std::string error;
  std::vector<TicketKeys::KeyMaterial> ring = {material(0xa1, 0x11, kT0), material(0xa0, 0x10, kT0 - 100 * kSec)};
  auto a = TicketKeys::from_keys(ring, /*rotate_after_s=*/0, /*keep_for_s=*/0, &error);
  auto b = TicketKeys::from_keys(ring, 0, 0, &error);
  REQUIRE_MESSAGE(static_cast<bool>(a), error);
  REQUIRE(static_cast<bool>(b));
  CHECK(a->current_key_name() == Bytes(16, 0xa1));
  auto r = rng();
  const Bytes plain = hex("cafe");
  // A ticket sealed by one process opens in the other; never rotates, keys never expire.
  const Bytes t = a->seal(plain, kT0 + 1000000 * kSec, *r);
  CHECK(ByteView(t).sub(0, 16) == ByteView(Bytes(16, 0xa1)));
  CHECK(open_or_empty(*b, t, kT0 + 2000000 * kSec) == plain);
  CHECK(a->key_count() == 2);

  // A ticket under the older key (as sealed by a ring where 0xa0 was current).
  std::vector<TicketKeys::KeyMaterial> old_ring = {material(0xa0, 0x10, kT0 - 100 * kSec)};
  auto old = TicketKeys::from_keys(old_ring, 0, 0, &error);
  REQUIRE(static_cast<bool>(old));
  const Bytes t_old = old->seal(plain, kT0, *r);
  CHECK(open_or_empty(*a, t_old, kT0) == plain);

  // The operator rotates: new key first, the old one dropped. t_old no longer opens, t still does.
  std::vector<TicketKeys::KeyMaterial> next = {material(0xa2, 0x12, kT0 + 10 * kSec), material(0xa1, 0x11, kT0)};
  REQUIRE(a->replace_keys(next, &error));
  CHECK(a->current_key_name() == Bytes(16, 0xa2));
  CHECK(open_or_empty(*a, t_old, kT0).empty());
  CHECK(open_or_empty(*a, t, kT0) == plain);

  // With keep_for and no rotation, a current key past keep_for neither seals nor opens.
  auto aging = TicketKeys::from_keys({material(0xb0, 0x20, kT0)}, 0, 60, &error);
  REQUIRE(static_cast<bool>(aging));
  const Bytes ta = aging->seal(plain, kT0 + 59 * kSec, *r);
  CHECK(open_or_empty(*aging, ta, kT0 + 59 * kSec) == plain);
  CHECK(open_or_empty(*aging, ta, kT0 + 60 * kSec).empty());
  CHECK(aging->seal(plain, kT0 + 60 * kSec, *r).empty());

  // Refused rings; a failed replace_keys changes nothing.
  CHECK(!TicketKeys::from_keys({}, 0, 0, &error));
  CHECK(!TicketKeys::from_keys({material(1, 1, 0), material(1, 2, 0)}, 0, 0, &error));
  CHECK(error.find("share a name") != std::string::npos);
  TicketKeys::KeyMaterial short_key = material(3, 3, 0);
  short_key.key.resize(16);
  CHECK(!TicketKeys::from_keys({short_key}, 0, 0, &error));
  TicketKeys::KeyMaterial long_name = material(3, 3, 0);
  long_name.name.push_back(0);
  CHECK(!TicketKeys::from_keys({long_name}, 0, 0, &error));
  std::vector<TicketKeys::KeyMaterial> too_many;
  for (uint8_t i = 0; i < TicketKeys::kMaxKeys + 1; i++) too_many.push_back(material(i, i, 0));
  CHECK(!TicketKeys::from_keys(too_many, 0, 0, &error));
  CHECK(!a->replace_keys({}, &error));
  CHECK(a->current_key_name() == Bytes(16, 0xa2));
  CHECK(open_or_empty(*a, t, kT0) == plain);
}

TEST_CASE("TicketKeys: concurrent seal and open across rotations") {
  auto keys = TicketKeys::create(rng("ring"), kT0, 1, 1000);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      auto r = crypto::make_deterministic_rng(ByteView::of(std::to_string(t)));
      for (uint64_t i = 0; i < 200; i++) {
        const uint64_t now = kT0 + i * 50;  // a rotation every 20 iterations: 10 in all, under kMaxKeys
        Bytes plain(20, static_cast<uint8_t>(t));
        Bytes ticket = keys->seal(plain, now, *r);
        Bytes out;
        if (ticket.empty() || !keys->open(ticket, now, &out) || out != plain) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
}

// ---------------------------------------------------------------------------------------------------
// TicketState

TicketState sample_state(uint16_t version) {
  TicketState s;
  s.version = version;
  s.cipher_suite = version == 0x0304 ? 0x1301 : 0xc02f;
  s.secret = Bytes(version == 0x0304 ? 32 : 48, 0x5c);
  s.extended_master_secret = version == 0x0303;
  s.server_name = "example.com";
  s.alpn = "h2";
  s.created_ms = kT0;
  s.lifetime_s = 7200;
  s.age_add = 0xfad6aac5;
  s.max_early_data = version == 0x0304 ? 16384 : 0;
  s.client.chain = {Bytes(300, 0x30), Bytes(200, 0x31)};
  s.client.verifier = Bytes(32, 0x77);
  return s;
}

bool same(const TicketState& a, const TicketState& b) {
  return a.version == b.version && a.cipher_suite == b.cipher_suite && a.secret == b.secret &&
         a.extended_master_secret == b.extended_master_secret && a.server_name == b.server_name &&
         a.alpn == b.alpn && a.created_ms == b.created_ms && a.lifetime_s == b.lifetime_s &&
         a.age_add == b.age_add && a.max_early_data == b.max_early_data && a.client == b.client;
}

TEST_CASE("TicketState: encode/decode round trip, and through a sealed ticket") {
  for (uint16_t v : {uint16_t{0x0303}, uint16_t{0x0304}}) {
    CAPTURE(v);
    TicketState s = sample_state(v);
    Bytes enc = s.encode();
    REQUIRE(!enc.empty());
    TicketState d;
    REQUIRE(TicketState::decode(enc, &d));
    CHECK(same(s, d));
    // Empty strings and no client certificate.
    s.server_name.clear();
    s.alpn.clear();
    s.client = PeerIdentity();
    REQUIRE(TicketState::decode(s.encode(), &d));
    CHECK(same(s, d));
    // A 48-byte TLS 1.3 PSK (SHA-384 suite) and the longest names.
    if (v == 0x0304) {
      s.secret = Bytes(48, 1);
      s.cipher_suite = 0x1302;
    }
    s.server_name = std::string(255, 'n');
    s.alpn = std::string(255, 'a');
    REQUIRE(TicketState::decode(s.encode(), &d));
    CHECK(same(s, d));
  }
  auto r = rng();
  auto keys = TicketKeys::create(rng("ring"), kT0);
  const TicketState s = sample_state(0x0304);
  const Bytes ticket = seal_ticket(*keys, s, kT0, *r);
  REQUIRE(!ticket.empty());
  TicketState d;
  REQUIRE(open_ticket(*keys, ticket, kT0, &d));
  CHECK(same(s, d));
  Bytes bad = ticket;
  bad.back() ^= 1;
  CHECK(!open_ticket(*keys, bad, kT0, &d));
  // A ticket that opens but does not hold a TicketState.
  const Bytes junk = keys->seal(hex("0102"), kT0, *r);
  CHECK(!open_ticket(*keys, junk, kT0, &d));

  CHECK(!s.expired(kT0 + 7199 * kSec));
  CHECK(s.expired(kT0 + 7200 * kSec));
}

TEST_CASE("TicketState: malformed inputs are refused and leave the output alone") {
  const TicketState good = sample_state(0x0304);
  const Bytes enc = good.encode();
  TicketState out = sample_state(0x0303);
  auto refused = [&](ByteView in) {
    TicketState before = out;
    bool ok = TicketState::decode(in, &out);
    return !ok && same(before, out);
  };
  // Every truncation, trailing bytes, an unknown format byte.
  for (size_t n = 0; n < enc.size(); n++) CHECK(refused(ByteView(enc).sub(0, n)));
  Bytes longer = enc;
  longer.push_back(0);
  CHECK(refused(longer));
  Bytes fmt = enc;
  fmt[0] = 3;
  CHECK(refused(fmt));
  // Field by field (offsets: format 0, version 1-2, suite 3-4, secret length 5, secret 6..37, ems 38).
  Bytes ver = enc;
  ver[1] = 0x03;
  ver[2] = 0x02;  // TLS 1.1
  CHECK(refused(ver));
  Bytes ems = enc;
  ems[38] = 2;
  CHECK(refused(ems));
  Bytes len_over = enc;
  len_over[5] = 0xff;  // a secret length running past the end
  CHECK(refused(len_over));

  // States that encode() refuses and decode() would refuse: built by hand with the Writer.
  auto build = [](uint16_t version, ByteView secret, uint8_t chain_count) {
    Bytes b;
    Writer w(&b);
    w.u8(2);
    w.u16(version);
    w.u16(0x1301);
    w.prefixed8(secret);
    w.u8(0);
    w.prefixed8(ByteView());
    w.prefixed8(ByteView());
    w.u64(kT0);
    w.u32(100);
    w.u32(0);
    w.u32(0);
    // The client identity: chain_count certificates of 3 bytes each, a 32-byte verifier, no name.
    w.u8(chain_count);
    for (uint8_t i = 0; i < chain_count; i++) w.prefixed24(Bytes(3, 0x30));
    w.prefixed8(Bytes(32, 1));
    w.prefixed8(ByteView());
    return b;
  };
  const Bytes s32(32, 2);
  TicketState tmp;
  CHECK(TicketState::decode(build(0x0304, s32, 1), &tmp));  // the control: valid
  CHECK(refused(build(0x0304, ByteView(), 1)));             // empty secret
  CHECK(refused(build(0x0304, Bytes(65, 2), 1)));           // secret too long
  CHECK(refused(build(0x0303, s32, 1)));                    // TLS 1.2 secret not 48 bytes
  CHECK(refused(build(0x0304, s32, 17)));                   // more than 16 certificates
  Bytes old_format = build(0x0304, s32, 1);
  old_format[0] = 1;  // format 1 had no identity: refused, so such a ticket makes a full handshake
  CHECK(refused(old_format));

  TicketState bad = good;
  bad.secret.clear();
  CHECK(bad.encode().empty());
  bad = good;
  bad.server_name = std::string(256, 'x');
  CHECK(bad.encode().empty());
  bad = good;
  bad.version = 0x0302;
  CHECK(bad.encode().empty());
  bad = good;
  bad.client.chain.assign(17, Bytes(3, 0x30));
  CHECK(bad.encode().empty());
}

// ---------------------------------------------------------------------------------------------------
// EarlyDataGuard

TEST_CASE("EarlyDataGuard: a replay inside the window is refused, accepted after it") {
  EarlyDataGuard g(100, 10 * kSec);
  const Bytes binder = hex("3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d");
  CHECK(g.first_use(binder, kT0));
  CHECK(!g.first_use(binder, kT0));
  CHECK(!g.first_use(binder, kT0 + 10 * kSec - 1));
  CHECK(g.first_use(hex("01"), kT0 + 1));  // another id is independent
  // Once the entry is window_ms old it is forgotten: the same id is new again.
  CHECK(g.first_use(binder, kT0 + 10 * kSec));
  CHECK(!g.first_use(binder, kT0 + 10 * kSec + 5));
  // A clock that goes backwards does not forget anything.
  CHECK(!g.first_use(binder, kT0));
  // Empty and oversized ids are refused.
  CHECK(!g.first_use(ByteView(), kT0));
  CHECK(!g.first_use(Bytes(EarlyDataGuard::kMaxIdLength + 1, 1), kT0));
  CHECK(g.first_use(Bytes(EarlyDataGuard::kMaxIdLength, 1), kT0 + 10 * kSec));
}

TEST_CASE("EarlyDataGuard: the bound holds; when full it refuses instead of forgetting") {
  EarlyDataGuard g(8, 10 * kSec);
  for (uint8_t i = 0; i < 8; i++) CHECK(g.first_use(Bytes(32, i), kT0 + i));
  CHECK(g.size() == 8);
  // Full, and every entry is inside the window: new ids are refused, old ones are still replays.
  CHECK(!g.first_use(Bytes(32, 100), kT0 + 9));
  CHECK(!g.first_use(Bytes(32, 0), kT0 + 9));
  CHECK(g.size() == 8);
  // As entries leave the window, room frees up one by one (the oldest first).
  CHECK(g.first_use(Bytes(32, 100), kT0 + 10 * kSec));  // entry 0 (seen at kT0) has left the window
  CHECK(g.size() == 8);
  CHECK(!g.first_use(Bytes(32, 101), kT0 + 10 * kSec));  // entry 1 is still inside
  CHECK(!g.first_use(Bytes(32, 1), kT0 + 10 * kSec));
  // Much later everything is forgotten.
  CHECK(g.first_use(Bytes(32, 1), kT0 + 100 * kSec));
  CHECK(g.size() == 1);

  // Many threads hammering one guard: each id is accepted exactly once, the size never exceeds the bound.
  EarlyDataGuard shared(1000, 3600 * kSec);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&] {
      for (uint16_t i = 0; i < 1500; i++) {
        Bytes id = {static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
        if (shared.first_use(id, kT0)) accepted++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(accepted.load() == 1000);
  CHECK(shared.size() == 1000);
}

}  // namespace
}  // namespace sanstls
