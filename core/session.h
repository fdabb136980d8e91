// Sessions for resumption: TLS 1.2 session IDs (RFC 5246 7.3) and tickets (RFC 5077), TLS 1.3 tickets
// (RFC 8446 4.6.1). Resumption skips the certificate checks, so a session carries who the peer proved
// to be, for which name and under which verification settings (PeerIdentity), and is offered or
// accepted only where those still hold (ClientConfig::may_offer, ServerConfig::resumed_identity).
#ifndef SANSTLS_CORE_SESSION_H_
#define SANSTLS_CORE_SESSION_H_

#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "crypto/types.h"

namespace sanstls {

// Who a peer proved to be in the handshake that made a session.
//   chain     the peer's certificates, leaf first, as they verified; empty when it proved nothing
//             (a server's session of an anonymous client, a client that did not verify the server).
//   verifier  the verifier id (ClientConfig::verifier_id / ServerConfig::client_verifier_id) of the
//             config that verified `chain`: the trust anchors and policy, so that a session is not
//             believed under another trust; empty when the chain was not verified.
//   name      client: the name the server certificate was checked against (empty: none).
struct PeerIdentity {
  std::vector<Bytes> chain;
  Bytes verifier;
  std::string name;

  bool proven() const { return !chain.empty() && !verifier.empty(); }
  bool operator==(const PeerIdentity& o) const { return chain == o.chain && verifier == o.verifier && name == o.name; }
  // chain as u8 count + u24-prefixed certificates, verifier u8-prefixed, name u8-prefixed. encode fails
  // the writer for more than 16 certificates or a name over 255 bytes; decode is false on malformed input.
  void encode(Writer& w) const;
  static bool decode(Reader& r, PeerIdentity* out);
  // An upper bound of what encode() writes.
  size_t encoded_size() const;
};

// What both sides remember of a session. The client gets one from Connection::session() after a
// handshake, may save it (encode) and gives it to a later connection to resume.
struct Session {
  uint16_t version = 0;  // 0x0303 or 0x0304
  uint16_t cipher_suite = 0;
  Bytes session_id;      // TLS 1.2 session ID (empty when the session has a ticket only)
  // TLS 1.2: the 48-byte master secret. TLS 1.3: the resumption PSK (RFC 8446 4.6.1), hash-sized.
  Bytes master_secret;
  bool extended_master_secret = false;
  std::string server_name;
  std::string alpn;
  uint64_t created_ms = 0;  // TLS 1.3: when the ticket was received (for the ticket age)
  uint32_t lifetime_s = 0;
  // Tickets (TLS 1.3 NewSessionTicket; TLS 1.2 RFC 5077): the opaque ticket and, in TLS 1.3, the age
  // obfuscation and the most early data the server takes with it (0: no 0-RTT).
  Bytes ticket;
  uint32_t ticket_age_add = 0;
  uint32_t max_early_data = 0;
  // Client: the server's identity when the session was made (a resumed connection reports it).
  // Server (session cache): the client's identity, empty when it did not authenticate.
  PeerIdentity peer;

  // A versioned binary form, for saving to a file (tls_client -sess_out). Holds the master secret.
  Bytes encode() const;
  // False on any malformed input.
  static bool decode(ByteView in, Session* out);
  bool expired(uint64_t now_ms) const { return now_ms >= created_ms + uint64_t{lifetime_s} * 1000; }

  Session() = default;
  Session(const Session&) = default;
  // A move takes the buffers (the moved-from session keeps no secret), so that handing a session on
  // (ClientOptions, a handshake's state, Connection::session()) copies nothing: a user-declared
  // destructor alone would turn every move into a copy.
  Session(Session&&) noexcept = default;
  // Both assignments wipe the master secret they replace before its buffer is reused or freed.
  Session& operator=(const Session& o);
  Session& operator=(Session&& o) noexcept;
  ~Session() { secure_zero(master_secret); }
};

// The server's session store. Called from the engine during a handshake; implementations shared by
// connections on several threads must be thread-safe.
class SessionCache {
 public:
  virtual ~SessionCache() = default;
  virtual void put(const Session& s) = 0;
  // Returns false when unknown or expired at now_ms.
  virtual bool get(ByteView session_id, uint64_t now_ms, Session* out) = 0;
  virtual void remove(ByteView session_id) = 0;
};

// An in-memory cache with a bound on the number of sessions (the oldest is dropped first). A hash
// table keyed by the session ID: IDs are 0-32 bytes (RFC 5246 7.4.1.2), held in place, so a lookup
// or an insertion allocates nothing for the key. The server makes the IDs it stores (random), so a
// peer chooses only which bucket a lookup reads, never what is in it.
class InMemorySessionCache final : public SessionCache {
 public:
  explicit InMemorySessionCache(size_t capacity = 10000) : capacity_(capacity) {}
  void put(const Session& s) override;
  bool get(ByteView session_id, uint64_t now_ms, Session* out) override;
  void remove(ByteView session_id) override;
  size_t size();

 private:
  struct Id {
    uint8_t len = 0;
    uint8_t b[32] = {};
    static bool make(ByteView v, Id* out);  // false for more than 32 bytes
    bool operator==(const Id& o) const { return len == o.len && std::memcmp(b, o.b, len) == 0; }
  };
  struct IdHash {
    size_t operator()(const Id& id) const;
  };
  struct Entry {
    Session session;
    uint64_t serial;  // which insertion of this ID the entry is (see order_)
  };
  // Drops the oldest entries until there is room for one more.
  void make_room();

  std::mutex mu_;
  size_t capacity_;
  uint64_t next_serial_ = 0;
  std::unordered_map<Id, Entry, IdHash> sessions_;
  // Insertion order, oldest first. An entry removed early (remove(), expiry) leaves its record here;
  // a record whose serial no longer matches the table's entry is skipped when it comes to the front,
  // and the queue is rebuilt when such records outnumber the live ones.
  std::deque<std::pair<Id, uint64_t>> order_;
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_SESSION_H_
