#include "core/tickets.h"

#include <algorithm>
#include <cstring>

#include "core/bytes.h"

namespace sanstls {

using crypto::AeadAlg;

// ---------------------------------------------------------------------------------------------------
// TicketKeys

TicketKeys::~TicketKeys() = default;  // each Key wipes its bytes

bool TicketKeys::make_key(const crypto::Provider& p, ByteView name, ByteView key, uint64_t created_ms, Key* out) {
  if (name.size() != kNameLength || key.size() != kKeyLength) return false;
  out->aead = p.aead(AeadAlg::aes_256_gcm, key);
  if (!out->aead) return false;
  std::memcpy(out->name.data(), name.data(), kNameLength);
  std::memcpy(out->key.data(), key.data(), kKeyLength);
  out->created_ms = created_ms;
  return true;
}

bool TicketKeys::build(const crypto::Provider& p, const std::vector<KeyMaterial>& in, std::deque<Key>* out,
                       std::string* error) {
  auto refuse = [&](const char* why) {
    if (error) *error = why;
    return false;
  };
  if (in.empty()) return refuse("no ticket key");
  if (in.size() > kMaxKeys) return refuse("too many ticket keys");
  std::deque<Key> keys;
  for (const KeyMaterial& m : in) {
    if (m.name.size() != kNameLength) return refuse("a ticket key name must be 16 bytes");
    if (m.key.size() != kKeyLength) return refuse("a ticket key must be 32 bytes");
    for (const Key& k : keys)
      if (ByteView(k.name.data(), kNameLength) == ByteView(m.name)) return refuse("two ticket keys share a name");
    Key k;
    if (!make_key(p, m.name, m.key, m.created_ms, &k)) return refuse("the crypto provider refused a ticket key");
    keys.push_back(std::move(k));
  }
  *out = std::move(keys);
  return true;
}

std::shared_ptr<TicketKeys> TicketKeys::create(std::shared_ptr<crypto::Rng> generator, uint64_t now_ms,
                                               uint32_t rotate_after_s, uint32_t keep_for_s, const crypto::Provider& p) {
  if (!generator) return nullptr;
  std::shared_ptr<TicketKeys> t(new TicketKeys(p, std::move(generator), rotate_after_s, keep_for_s));
  Key k;
  if (!t->draw_key(now_ms, &k)) return nullptr;  // the ring is not shared yet: no lock needed
  t->keys_.push_back(std::move(k));
  return t;
}

bool TicketKeys::draw_key(uint64_t now_ms, Key* out) {
  uint8_t material[kNameLength + kKeyLength];
  generator_->fill(material, kNameLength);
  generator_->fill(material + kNameLength, kKeyLength);
  bool ok = make_key(p_, ByteView(material, kNameLength), ByteView(material + kNameLength, kKeyLength), now_ms, out);
  secure_zero(material, sizeof(material));
  return ok;
}

std::shared_ptr<TicketKeys> TicketKeys::from_keys(const std::vector<KeyMaterial>& keys, uint32_t rotate_after_s,
                                                  uint32_t keep_for_s, std::string* error,
                                                  const crypto::Provider& p) {
  // No generator: a new key could only come from a connection's, or the processes sharing these keys
  // would each draw their own.
  if (rotate_after_s != 0) {
    if (error) *error = "a ring of given ticket keys does not rotate by itself (rotate_after_s must be 0)";
    return nullptr;
  }
  std::shared_ptr<TicketKeys> t(new TicketKeys(p, nullptr, rotate_after_s, keep_for_s));
  if (!build(p, keys, &t->keys_, error)) return nullptr;
  return t;
}

bool TicketKeys::replace_keys(const std::vector<KeyMaterial>& keys, std::string* error) {
  std::deque<Key> fresh;
  if (!build(p_, keys, &fresh, error)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  keys_.swap(fresh);
  return true;
}

bool TicketKeys::expired(const Key& k, uint64_t now_ms) const {
  if (keep_for_ms_ == 0 || now_ms < k.created_ms) return false;
  return now_ms - k.created_ms >= keep_for_ms_;
}

void TicketKeys::drop_expired(uint64_t now_ms) {
  // The current key (index 0) always stays so that seal() has a key. Keys given through from_keys need
  // not be in age order: every other one is checked.
  if (keys_.size() < 2) return;
  keys_.erase(std::remove_if(keys_.begin() + 1, keys_.end(), [&](const Key& k) { return expired(k, now_ms); }),
              keys_.end());
}

Bytes TicketKeys::seal(ByteView plaintext, uint64_t now_ms, crypto::Rng& rng) {
  if (plaintext.empty() || plaintext.size() > kMaxPlaintext) return {};
  std::lock_guard<std::mutex> lock(mu_);
  const Key& cur = keys_.front();
  if (generator_ && rotate_after_ms_ != 0 && now_ms >= cur.created_ms && now_ms - cur.created_ms >= rotate_after_ms_) {
    // The new key comes from the ring's generator (under mu_), not from the connection that seals:
    // which connection happens to rotate must not change its bytes or the key.
    Key k;
    // A provider that refuses a fresh key leaves the old one current (it still seals correctly).
    if (draw_key(now_ms, &k)) {
      keys_.push_front(std::move(k));
      while (keys_.size() > kMaxKeys) keys_.pop_back();
    }
  }
  drop_expired(now_ms);

  Key& key = keys_.front();
  if (expired(key, now_ms)) return {};  // rotation off and the current key past keep_for: nothing opens it
  Bytes out(kOverhead + plaintext.size());
  uint8_t* name = out.data();
  uint8_t* nonce = name + kNameLength;
  uint8_t* body = nonce + crypto::kAeadNonceLength;
  uint8_t* tag = body + plaintext.size();
  std::memcpy(name, key.name.data(), kNameLength);
  rng.fill(nonce, crypto::kAeadNonceLength);
  std::memcpy(body, plaintext.data(), plaintext.size());
  crypto::Status st = key.aead->seal(ByteView(nonce, crypto::kAeadNonceLength), ByteView(name, kNameLength), body,
                                     plaintext.size(), tag);
  if (st != crypto::Status::ok) {
    secure_zero(out);
    return {};
  }
  return out;
}

bool TicketKeys::open(ByteView ticket, uint64_t now_ms, Bytes* plaintext) {
  plaintext->clear();
  if (ticket.size() < kOverhead + 1) return false;
  const ByteView name = ticket.sub(0, kNameLength);
  const ByteView nonce = ticket.sub(kNameLength, crypto::kAeadNonceLength);
  const size_t body_len = ticket.size() - kOverhead;
  const ByteView body = ticket.sub(kNameLength + crypto::kAeadNonceLength, body_len);
  const uint8_t* tag = ticket.data() + ticket.size() - crypto::kAeadTagLength;

  std::lock_guard<std::mutex> lock(mu_);
  drop_expired(now_ms);
  for (Key& k : keys_) {
    if (ByteView(k.name.data(), kNameLength) != name) continue;
    if (expired(k, now_ms)) return false;  // the current key past keep_for (rotation disabled)
    Bytes out(body.begin(), body.end());
    if (k.aead->open(nonce, name, out.data(), out.size(), tag) != crypto::Status::ok) {
      secure_zero(out);
      return false;
    }
    *plaintext = std::move(out);
    return true;
  }
  return false;
}

size_t TicketKeys::key_count() {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

Bytes TicketKeys::current_key_name() {
  std::lock_guard<std::mutex> lock(mu_);
  return Bytes(keys_.front().name.begin(), keys_.front().name.end());
}

// ---------------------------------------------------------------------------------------------------
// TicketState

namespace {
constexpr uint8_t kTicketFormat = 2;

bool valid(const TicketState& s) {
  if (s.version != 0x0303 && s.version != 0x0304) return false;
  if (s.secret.empty() || s.secret.size() > crypto::kMaxHashLen) return false;
  if (s.version == 0x0303 && s.secret.size() != 48) return false;
  return true;
}
}  // namespace

Bytes TicketState::encode() const {
  if (!valid(*this) || server_name.size() > 255 || alpn.size() > 255) return {};
  Bytes out;
  // Room for everything up front: a buffer that grew would leave the secret in the freed one.
  out.reserve(64 + secret.size() + server_name.size() + alpn.size() + client.encoded_size());
  Writer w(&out);
  w.u8(kTicketFormat);
  w.u16(version);
  w.u16(cipher_suite);
  w.prefixed8(secret);
  w.u8(extended_master_secret ? 1 : 0);
  w.prefixed8(ByteView::of(server_name));
  w.prefixed8(ByteView::of(alpn));
  w.u64(created_ms);
  w.u32(lifetime_s);
  w.u32(age_add);
  w.u32(max_early_data);
  client.encode(w);
  if (!w.ok()) {
    secure_zero(out);
    return {};
  }
  return out;
}

bool TicketState::decode(ByteView in, TicketState* out) {
  Reader r(in);
  TicketState s;
  uint8_t format = 0, ems = 0;
  ByteView sni, alpn;
  if (!r.u8(&format) || format != kTicketFormat || !r.u16(&s.version) || !r.u16(&s.cipher_suite) ||
      !r.prefixed8(&s.secret) || !r.u8(&ems) || ems > 1 || !r.prefixed8(&sni) || !r.prefixed8(&alpn) ||
      !r.u64(&s.created_ms) || !r.u32(&s.lifetime_s) || !r.u32(&s.age_add) || !r.u32(&s.max_early_data) ||
      !PeerIdentity::decode(r, &s.client) || !r.empty())
    return false;
  s.extended_master_secret = ems == 1;
  s.server_name = sni.to_string();
  s.alpn = alpn.to_string();
  if (!valid(s)) return false;
  *out = s;
  return true;
}

Bytes seal_ticket(Ticketer& keys, const TicketState& state, uint64_t now_ms, crypto::Rng& rng) {
  Bytes plain = state.encode();
  if (plain.empty()) return {};
  Bytes ticket = keys.seal(plain, now_ms, rng);
  secure_zero(plain);
  // A NewSessionTicket carries at most 2^16-1 bytes of ticket (RFC 5077 3.3, RFC 8446 4.6.1); an
  // application's ticketer that makes a longer one made none that can be sent.
  if (ticket.size() > 0xffff) return {};
  return ticket;
}

bool open_ticket(Ticketer& keys, ByteView ticket, uint64_t now_ms, TicketState* out) {
  Bytes plain;
  if (!keys.open(ticket, now_ms, &plain)) return false;
  bool ok = TicketState::decode(plain, out);
  secure_zero(plain);
  return ok;
}

// ---------------------------------------------------------------------------------------------------
// EarlyDataGuard

void EarlyDataGuard::forget_old(uint64_t now_ms) {
  while (!order_.empty()) {
    const Entry& e = order_.front();
    if (now_ms < e.seen_ms || now_ms - e.seen_ms < window_ms_) break;  // still inside the window
    ids_.erase(e.id);
    order_.pop_front();
  }
}

bool EarlyDataGuard::first_use(ByteView binder_or_id, uint64_t now_ms) {
  if (binder_or_id.empty() || binder_or_id.size() > kMaxIdLength) return false;
  std::string id = binder_or_id.to_string();
  std::lock_guard<std::mutex> lock(mu_);
  forget_old(now_ms);
  if (ids_.count(id) != 0) return false;   // a replay inside the window
  if (ids_.size() >= capacity_) return false;  // full: refuse rather than forget
  ids_.insert(id);
  order_.push_back(Entry{now_ms, std::move(id)});
  return true;
}

size_t EarlyDataGuard::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return ids_.size();
}

}  // namespace sanstls
