// Session tickets: the keys that seal them (TLS 1.3 resumption, RFC 8446 4.6.1, and TLS 1.2 RFC 5077
// use the same ones), the state a ticket carries, and the anti-replay guard for 0-RTT (RFC 8446 8).
//
// Nothing here reads a clock or makes a generator of its own: times (milliseconds, on the caller's
// clock) and generators are given, so a server driven by deterministic generators and a clock issues
// the same tickets byte for byte. A ring's keys come from the ring's own generator, never from the
// connection that happens to seal: one connection's bytes do not depend on which connection came
// before it. Every class here is thread-safe: one object is shared by the connections of a server (it
// hangs off the immutable ServerConfig).
#ifndef SANSTLS_CORE_TICKETS_H_
#define SANSTLS_CORE_TICKETS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/session.h"
#include "crypto/crypto.h"

namespace sanstls {

// What turns a ticket's plaintext (TicketState::encode()) into the opaque ticket a server hands out, and
// back. TicketKeys below is the stateless one every server gets by default. A server may give its own
// (ServerConfig::Builder::ticket_keys), as OpenSSL's ticket callbacks and rustls's ProducesTickets allow:
// one that keeps the state in a store shared by several processes and hands out the key to it
// (stateful tickets, which can be made single use: RFC 8446 8.1), or one that wraps keys held by an
// HSM. Called from inside the engine, possibly from several connections at once: thread-safe, and it
// must not call back into a connection.
class Ticketer {
 public:
  virtual ~Ticketer() = default;
  // The ticket for this plaintext, or empty when none can be made (the server then sends no ticket).
  // At most 65,535 bytes, what a NewSessionTicket holds; a longer one is treated as none.
  // The plaintext holds the session's resumption secret: keep it (or what it is sealed under) as secret
  // as a private key.
  // `now_ms` is the connection's clock; `rng` its generator, for what belongs to this ticket alone
  // (TicketKeys draws the ticket's nonce from it). Anything shared by the server's connections (keys)
  // must come from elsewhere: otherwise a connection's bytes would depend on which connection drew
  // first.
  virtual Bytes seal(ByteView plaintext, uint64_t now_ms, crypto::Rng& rng) = 0;
  // The plaintext of a ticket this ticketer (or one sharing its keys) sealed; false, with *plaintext
  // cleared, for anything else. The engine decodes and checks the plaintext itself.
  virtual bool open(ByteView ticket, uint64_t now_ms, Bytes* plaintext) = 0;
};

// A ring of ticket keys. Each key is {16-byte key name, AES-256-GCM key, created_ms}; the newest is
// the current one (it seals), every kept one opens.
//
// Ticket format: key_name(16) || nonce(12) || AES-256-GCM(key, nonce, aad = key_name, plaintext) ||
// tag(16). The nonce is drawn from the sealing connection's Rng per ticket (random 96-bit nonces: far
// below the 2^32 tickets per key that GCM allows, with hourly rotation); the keys from the ring's own
// generator (create()), used only under the ring's lock.
//
// Lifetime: a key seals while it is younger than rotate_after_s and opens while it is younger than
// keep_for_s (both from its creation). So a ticket sealed at time t opens at least until
// t + keep_for_s - rotate_after_s: a server should issue tickets with a lifetime no longer than that.
class TicketKeys : public Ticketer {
 public:
  static constexpr size_t kNameLength = 16;
  static constexpr size_t kKeyLength = 32;  // AES-256-GCM
  // Bytes a ticket adds to its plaintext: name, nonce, tag.
  static constexpr size_t kOverhead = kNameLength + crypto::kAeadNonceLength + crypto::kAeadTagLength;
  // The longest plaintext seal() takes, so that a ticket fits the 16-bit length of the NewSessionTicket
  // ticket field (RFC 8446 4.6.1, RFC 5077 3.3).
  static constexpr size_t kMaxPlaintext = 0xffff - kOverhead;
  // The most keys a ring holds; the oldest goes first when a rotation would exceed it.
  static constexpr size_t kMaxKeys = 16;

  // Key bytes given from outside (tests; servers that share keys across processes).
  struct KeyMaterial {
    Bytes name;  // kNameLength bytes
    Bytes key;   // kKeyLength bytes
    uint64_t created_ms = 0;
    ~KeyMaterial() { secure_zero(key); }
  };

  // A ring with one current key drawn from `generator` (16 bytes of name, then 32 bytes of key),
  // created at now_ms; the ring keeps the generator and draws each rotation's key from it (under its
  // lock, so the generator need not be thread-safe, but nothing else may use it meanwhile).
  // rotate_after_s == 0: never rotate; keep_for_s == 0: keep keys forever. keep_for_s should exceed
  // rotate_after_s (otherwise tickets die as soon as their key is replaced). Returns nullptr when the
  // generator is null or the provider refuses an AES-256-GCM key. The provider must outlive the object.
  static std::shared_ptr<TicketKeys> create(std::shared_ptr<crypto::Rng> generator, uint64_t now_ms,
                                            uint32_t rotate_after_s = 3600, uint32_t keep_for_s = 2 * 3600,
                                            const crypto::Provider& p = crypto::default_provider());

  // A ring of the given keys; keys[0] is the current one (it seals), the rest only open. It has no
  // generator, so it does not rotate by itself (rotate_after_s must be 0), and the processes sharing
  // the keys never diverge: the operator rotates by building a new ring (or calling replace_keys) with
  // the new key first.
  // Returns nullptr and sets *error when: rotate_after_s is not 0, no key, more than kMaxKeys, a name
  // or key of the wrong length, two keys with the same name, or a key the provider refuses.
  static std::shared_ptr<TicketKeys> from_keys(const std::vector<KeyMaterial>& keys, uint32_t rotate_after_s,
                                               uint32_t keep_for_s, std::string* error,
                                               const crypto::Provider& p = crypto::default_provider());

  // Replaces every key with `keys` (as from_keys; the lifetimes stay). False (and nothing changed) on
  // the same errors as from_keys.
  bool replace_keys(const std::vector<KeyMaterial>& keys, std::string* error);

  // Seals a ticket under the current key. First rotates when the current key is at least
  // rotate_after_s old at now_ms (a new key from the ring's generator: name then key bytes, created at
  // now_ms), and drops keys at least keep_for_s old. Then draws the 12-byte nonce from rng (the
  // sealing connection's).
  // Returns the ticket, or empty when plaintext is empty or longer than kMaxPlaintext, the current key
  // is itself past keep_for_s (rotation off: no ticket it sealed would open), or the AEAD failed.
  Bytes seal(ByteView plaintext, uint64_t now_ms, crypto::Rng& rng) override;

  // Opens a ticket: finds the key by name among the kept keys (one at least keep_for_s old at now_ms
  // counts as gone), checks the tag, writes the plaintext. False, with *plaintext cleared, when the
  // ticket is shorter than kOverhead + 1, names no kept key, or fails the tag check. Never rotates.
  bool open(ByteView ticket, uint64_t now_ms, Bytes* plaintext) override;

  // For tests and monitoring.
  size_t key_count();
  Bytes current_key_name();

  ~TicketKeys() override;

 private:
  struct Key {
    std::array<uint8_t, kNameLength> name{};
    std::array<uint8_t, kKeyLength> key{};
    uint64_t created_ms = 0;
    std::unique_ptr<crypto::Aead> aead;
    Key() = default;
    Key(Key&&) = default;
    Key& operator=(Key&&) = default;
    ~Key() { secure_zero(key.data(), key.size()); }
  };

  TicketKeys(const crypto::Provider& p, std::shared_ptr<crypto::Rng> generator, uint32_t rotate_after_s,
             uint32_t keep_for_s)
      : p_(p),
        generator_(std::move(generator)),
        rotate_after_ms_(uint64_t{rotate_after_s} * 1000),
        keep_for_ms_(uint64_t{keep_for_s} * 1000) {}
  static bool make_key(const crypto::Provider& p, ByteView name, ByteView key, uint64_t created_ms, Key* out);
  // A new key (name and key) from generator_; mu_ held, or the ring not shared yet.
  bool draw_key(uint64_t now_ms, Key* out);
  static bool build(const crypto::Provider& p, const std::vector<KeyMaterial>& in, std::deque<Key>* out,
                    std::string* error);
  bool expired(const Key& k, uint64_t now_ms) const;
  void drop_expired(uint64_t now_ms);  // never drops keys_[0]; mu_ held

  const crypto::Provider& p_;
  const std::shared_ptr<crypto::Rng> generator_;  // the keys' source (create()); null: from_keys, no rotation
  const uint64_t rotate_after_ms_;
  const uint64_t keep_for_ms_;
  std::mutex mu_;
  std::deque<Key> keys_;  // newest (current) first
};

// What a ticket holds: enough for the server to resume without any state of its own.
struct TicketState {
  uint16_t version = 0;          // 0x0303 or 0x0304
  uint16_t cipher_suite = 0;
  Bytes secret;                  // TLS 1.2 master secret (48 bytes) or TLS 1.3 resumption PSK (1..64 bytes)
  bool extended_master_secret = false;  // TLS 1.2 (RFC 7627)
  std::string server_name;       // SNI of the original connection (empty if none)
  std::string alpn;              // ALPN protocol negotiated (empty if none)
  uint64_t created_ms = 0;       // when the ticket was issued
  uint32_t lifetime_s = 0;       // ticket_lifetime
  uint32_t age_add = 0;          // TLS 1.3 ticket_age_add (4.6.1); 0 for TLS 1.2
  uint32_t max_early_data = 0;   // TLS 1.3 early_data max_early_data_size; 0 = no 0-RTT
  // The client's identity when the session was made (its verified chain and the verifier id of the
  // config that verified it); empty when the client did not authenticate. A server resumes such a ticket
  // only where ServerConfig::resumed_identity() says so, and the resumed connection reports it.
  PeerIdentity client;

  TicketState() = default;
  TicketState(const TicketState&) = default;
  TicketState& operator=(const TicketState&) = default;
  ~TicketState() { secure_zero(secret); }

  // True when now_ms is at or past created_ms + lifetime_s.
  bool expired(uint64_t now_ms) const { return now_ms >= created_ms + uint64_t{lifetime_s} * 1000; }

  // A versioned binary form (format byte 2, then the fields; strings and byte strings with an 8-bit
  // length, the client identity as PeerIdentity::encode writes it). Empty when a field does not fit (a name or ALPN longer than 255 bytes) or the state is
  // invalid as decode() defines it. The result holds the secret: wipe it once sealed.
  Bytes encode() const;
  // False on any malformed input: an unknown format byte, a truncated field, trailing bytes, a version
  // other than 0x0303/0x0304, a secret that is empty, longer than 64 bytes or (TLS 1.2) not 48 bytes,
  // an EMS flag other than 0/1, a malformed client identity. *out is unchanged then. Format 1 tickets
  // (no identity) are refused: the client then makes a full handshake.
  static bool decode(ByteView in, TicketState* out);
};

// seal(state.encode()) and decode(open(ticket)); the intermediate plaintext is wiped. seal_ticket
// returns empty on failure, and for a ticket longer than a NewSessionTicket holds; open_ticket returns false on any failure (no key, bad tag, bad state).
// Neither checks state.expired(): the caller decides with its own clock reading.
Bytes seal_ticket(Ticketer& keys, const TicketState& state, uint64_t now_ms, crypto::Rng& rng);
bool open_ticket(Ticketer& keys, ByteView ticket, uint64_t now_ms, TicketState* out);

// A strike register against 0-RTT replay (RFC 8446 8.2): it remembers each binder (or ticket
// identity) it has seen for window_ms. first_use() is true the first time within the window and false
// for a replay; once an entry is window_ms old it is forgotten, so the server must also refuse early
// data whose ticket age is off by more than the window (RFC 8446 8.3), which makes an older replay
// fail that check instead.
//
// Bounded: at most `capacity` entries. When full (after forgetting entries outside the window) it
// refuses every new id (false: the server rejects the early data and completes a 1-RTT handshake)
// rather than forget an entry still inside the window, which would let that entry be replayed.
class EarlyDataGuard {
 public:
  static constexpr size_t kMaxIdLength = 256;

  EarlyDataGuard(size_t capacity, uint64_t window_ms) : capacity_(capacity), window_ms_(window_ms) {}
  virtual ~EarlyDataGuard() = default;

  // True when id has not been seen within the window at now_ms, and records it. False for a replay,
  // when full, or for an empty id or one longer than kMaxIdLength. A clock that goes backwards keeps
  // entries longer (never shorter). Virtual so that a tool can stand between the engine and a shared
  // register (tools/capture records its answers, and a replay gives them back).
  virtual bool first_use(ByteView binder_or_id, uint64_t now_ms);

  size_t size();
  size_t capacity() const { return capacity_; }
  uint64_t window_ms() const { return window_ms_; }

 private:
  struct Entry {
    uint64_t seen_ms;
    std::string id;
  };
  void forget_old(uint64_t now_ms);  // mu_ held

  const size_t capacity_;
  const uint64_t window_ms_;
  std::mutex mu_;
  std::deque<Entry> order_;  // in order of insertion
  std::unordered_set<std::string> ids_;
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_TICKETS_H_
