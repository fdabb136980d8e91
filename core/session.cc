#include "core/session.h"

#include <algorithm>
#include <functional>
#include <new>
#include <string_view>
#include <utility>

#include "core/bytes.h"

namespace sanstls {

namespace {
// 3: the peer's identity (PeerIdentity) was added. Older saved sessions are refused by decode(): the
// client then makes a full handshake, which is what a session without a recorded identity deserves.
constexpr uint8_t kSessionFormat = 3;
constexpr size_t kMaxChain = 16;
}  // namespace

void PeerIdentity::encode(Writer& w) const {
  if (chain.size() > kMaxChain) {
    w.fail();
    return;
  }
  w.u8(static_cast<uint8_t>(chain.size()));
  for (const Bytes& der : chain) w.prefixed24(der);
  w.prefixed8(verifier);
  w.prefixed8(ByteView::of(name));
}

size_t PeerIdentity::encoded_size() const {
  size_t n = 1 + 1 + verifier.size() + 1 + name.size();
  for (const Bytes& der : chain) n += 3 + der.size();
  return n;
}

bool PeerIdentity::decode(Reader& r, PeerIdentity* out) {
  uint8_t n = 0;
  if (!r.u8(&n) || n > kMaxChain) return false;
  PeerIdentity id;
  for (uint8_t i = 0; i < n; i++) {
    Bytes der;
    if (!r.prefixed24(&der) || der.empty()) return false;
    id.chain.push_back(std::move(der));
  }
  ByteView name;
  if (!r.prefixed8(&id.verifier) || !r.prefixed8(&name)) return false;
  id.name = name.to_string();
  *out = std::move(id);
  return true;
}

Session& Session::operator=(const Session& o) {
  if (this != &o) {
    Session copy(o);  // first, so that a failed allocation leaves *this as it was
    *this = std::move(copy);
  }
  return *this;
}

Session& Session::operator=(Session&& o) noexcept {
  if (this != &o) {
    // Destroying wipes the old master secret (~Session); the new value is then built in place.
    this->~Session();
    new (this) Session(std::move(o));
  }
  return *this;
}

Bytes Session::encode() const {
  Bytes out;
  // Room for everything up front: a buffer that grew would leave the master secret in the freed one.
  out.reserve(64 + session_id.size() + master_secret.size() + server_name.size() + alpn.size() + ticket.size() +
              peer.encoded_size());
  Writer w(&out);
  w.bytes(ByteView::of("STLS"));
  w.u8(kSessionFormat);
  w.u16(version);
  w.u16(cipher_suite);
  w.prefixed8(session_id);
  w.prefixed8(master_secret);
  w.u8(extended_master_secret ? 1 : 0);
  w.prefixed8(ByteView::of(server_name));
  w.prefixed8(ByteView::of(alpn));
  w.u64(created_ms);
  w.u32(lifetime_s);
  w.prefixed16(ticket);
  w.u32(ticket_age_add);
  w.u32(max_early_data);
  peer.encode(w);
  if (!w.ok()) return Bytes();
  return out;
}

bool Session::decode(ByteView in, Session* out) {
  Reader r(in);
  ByteView magic, sni, alpn;
  uint8_t format, ems;
  Session s;
  if (!r.bytes(4, &magic) || magic != ByteView::of("STLS") || !r.u8(&format) || format != kSessionFormat ||
      !r.u16(&s.version) || !r.u16(&s.cipher_suite) || !r.prefixed8(&s.session_id) ||
      !r.prefixed8(&s.master_secret) || !r.u8(&ems) || ems > 1 || !r.prefixed8(&sni) || !r.prefixed8(&alpn) ||
      !r.u64(&s.created_ms) || !r.u32(&s.lifetime_s) || !r.prefixed16(&s.ticket) || !r.u32(&s.ticket_age_add) ||
      !r.u32(&s.max_early_data) || !PeerIdentity::decode(r, &s.peer) || !r.empty())
    return false;
  if (s.master_secret.size() < 32 || s.master_secret.size() > 48 || s.session_id.size() > 32) return false;
  if (s.version != 0x0303 && s.version != 0x0304) return false;
  s.extended_master_secret = ems == 1;
  s.server_name = sni.to_string();
  s.alpn = alpn.to_string();
  *out = std::move(s);
  return true;
}

bool InMemorySessionCache::Id::make(ByteView v, Id* out) {
  if (v.size() > sizeof out->b) return false;
  out->len = static_cast<uint8_t>(v.size());
  if (!v.empty()) std::memcpy(out->b, v.data(), v.size());
  return true;
}

size_t InMemorySessionCache::IdHash::operator()(const Id& id) const {
  return std::hash<std::string_view>()(std::string_view(reinterpret_cast<const char*>(id.b), id.len));
}

void InMemorySessionCache::make_room() {
  while (sessions_.size() >= capacity_ && !order_.empty()) {
    auto it = sessions_.find(order_.front().first);
    if (it != sessions_.end() && it->second.serial == order_.front().second) sessions_.erase(it);
    order_.pop_front();
  }
}

void InMemorySessionCache::put(const Session& s) {
  Id id;
  if (s.session_id.empty() || capacity_ == 0 || !Id::make(s.session_id, &id)) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it != sessions_.end()) {
    it->second.session = s;  // keeps its place in the order
    return;
  }
  make_room();
  const uint64_t serial = next_serial_++;
  sessions_.emplace(id, Entry{s, serial});
  order_.emplace_back(id, serial);
  // Records of entries removed early: rebuild the queue once they outnumber the live entries.
  if (order_.size() > 2 * sessions_.size() + 16) {
    std::deque<std::pair<Id, uint64_t>> live;
    for (const auto& rec : order_) {
      auto e = sessions_.find(rec.first);
      if (e != sessions_.end() && e->second.serial == rec.second) live.push_back(rec);
    }
    order_.swap(live);
  }
}

bool InMemorySessionCache::get(ByteView session_id, uint64_t now_ms, Session* out) {
  Id id;
  if (!Id::make(session_id, &id)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  if (it->second.session.expired(now_ms)) {
    sessions_.erase(it);
    return false;
  }
  *out = it->second.session;
  return true;
}

void InMemorySessionCache::remove(ByteView session_id) {
  Id id;
  if (!Id::make(session_id, &id)) return;
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(id);
}

size_t InMemorySessionCache::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

}  // namespace sanstls
