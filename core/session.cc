#include "core/session.h"

#include <algorithm>
#include <new>
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

void InMemorySessionCache::put(const Session& s) {
  if (s.session_id.empty() || capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(s.session_id);
  if (it != sessions_.end()) {
    it->second = s;
    return;
  }
  while (sessions_.size() >= capacity_ && !order_.empty()) {
    sessions_.erase(order_.front());
    order_.pop_front();
  }
  sessions_.emplace(s.session_id, s);
  order_.push_back(s.session_id);
}

bool InMemorySessionCache::IdLess::operator()(ByteView a, ByteView b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

bool InMemorySessionCache::get(ByteView session_id, uint64_t now_ms, Session* out) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return false;
  if (it->second.expired(now_ms)) {
    sessions_.erase(it);
    order_.erase(std::find(order_.begin(), order_.end(), session_id.to_bytes()));
    return false;
  }
  *out = it->second;
  return true;
}

void InMemorySessionCache::remove(ByteView session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Bytes id = session_id.to_bytes();
  if (sessions_.erase(id) > 0) order_.erase(std::find(order_.begin(), order_.end(), id));
}

size_t InMemorySessionCache::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

}  // namespace sanstls
