// No secret outlives its connection in freed memory. This binary replaces the global operator new and
// delete: while armed, every block the program frees is copied (as it was just before free) into an
// arena. Connections run full and resumed handshakes, key updates and post-handshake authentication in
// both versions and are destroyed; then the arena is searched for every secret the connections held:
// the traffic, exporter and master secrets they logged (KeyLog; the exporters keep one for the
// connection's life), the sessions' resumption secrets, and
// the TLS 1.3 resumption master secret (any freed 32-byte block from which the client's ticket PSK
// derives, RFC 8446 4.6.1). A hit is a secret that was freed without being wiped first.
#include <doctest/doctest.h>
#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <new>

#include "core/tls13_keys.h"
#include "tests/pair.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

// --- the freed-memory recorder (no allocation inside operator delete) ------------------------------
struct Freed {
  size_t off, len;
};
bool g_armed = false;
bool g_overflow = false;
uint8_t* g_arena = nullptr;
size_t g_arena_cap = 0, g_arena_used = 0;
Freed* g_freed = nullptr;
size_t g_freed_cap = 0, g_freed_n = 0;

void record(void* p, size_t n) {
  if (!g_armed || p == nullptr || n == 0) return;
  if (g_freed_n == g_freed_cap || g_arena_used + n > g_arena_cap) {
    g_overflow = true;
    return;
  }
  std::memcpy(g_arena + g_arena_used, p, n);
  g_freed[g_freed_n++] = Freed{g_arena_used, n};
  g_arena_used += n;
}

void arm() {
  if (g_arena == nullptr) {
    g_arena_cap = size_t{256} << 20;
    g_arena = static_cast<uint8_t*>(std::malloc(g_arena_cap));
    g_freed_cap = size_t{1} << 22;
    g_freed = static_cast<Freed*>(std::malloc(g_freed_cap * sizeof(Freed)));
  }
  g_arena_used = 0;
  g_freed_n = 0;
  g_overflow = false;
  g_armed = true;
}
void disarm() { g_armed = false; }

}  // namespace

void* operator new(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept {
  if (p != nullptr) record(p, malloc_usable_size(p));
  std::free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, size_t n) noexcept {
  record(p, n);
  std::free(p);
}
void operator delete[](void* p, size_t n) noexcept { operator delete(p, n); }

namespace {

// Secrets kept without the heap, so that the test's own copies are never among the freed blocks.
struct Known {
  char label[48];
  uint8_t secret[64];
  size_t len;
};
Known g_known[256];
size_t g_known_n = 0;
void remember(const char* label, ByteView secret) {
  if (g_known_n == 256 || secret.size() > 64 || secret.empty()) return;
  Known& k = g_known[g_known_n++];
  std::snprintf(k.label, sizeof k.label, "%s", label);
  std::memcpy(k.secret, secret.data(), secret.size());
  k.len = secret.size();
}

struct FixedKeyLog : KeyLog {
  void log(const char* label, ByteView, ByteView secret) override { remember(label, secret); }
};

// The blocks that contain `needle`, as "label at block i (len n)" lines.
std::string find_in_freed(const Known& k) {
  std::string hits;
  for (size_t i = 0; i < g_freed_n; i++) {
    const uint8_t* b = g_arena + g_freed[i].off;
    size_t n = g_freed[i].len;
    if (n < k.len) continue;
    for (size_t at = 0; at + k.len <= n; at++)
      if (b[at] == k.secret[0] && std::memcmp(b + at, k.secret, k.len) == 0) {
        hits += std::string(k.label) + " in a freed block of " + std::to_string(n) + " bytes\n";
        break;
      }
  }
  return hits;
}

Bytes pem(const std::string& name) { return read_file("tests/certs/" + name); }

std::shared_ptr<const ClientConfig> client(uint16_t v, std::shared_ptr<KeyLog> log) {
  ClientConfig::Builder b;
  b.trust_anchors_pem(pem("ca.pem")).key_log(log).versions(v, v).early_data(true);
  b.client_certificate(pem("client.pem"), pem("client.key.pem"));
  auto built = b.build();
  REQUIRE(built.ok());
  return built.config;
}
std::shared_ptr<const ServerConfig> server(uint16_t v, std::shared_ptr<KeyLog> log, const std::string& suites) {
  ServerConfig::Builder b;
  b.certificate(pem("server_rsa.pem"), pem("server_rsa.key.pem"));
  b.certificate(pem("server_ec_chain.pem"), pem("server_ec.key.pem"));
  b.client_auth(ClientAuth::optional, pem("ca.pem")).key_log(log).versions(v, v).max_early_data(1024);
  if (!suites.empty()) b.cipher_suite_names(suites);
  auto built = b.build();
  REQUIRE(built.ok());
  return built.config;
}

// One connection pair through a handshake, data, key updates (TLS 1.3), post-handshake
// authentication (TLS 1.3) and close; the connections are destroyed on return. Returns the client's
// session (its secret is remembered too).
std::optional<Session> run(std::shared_ptr<const ClientConfig> cc, std::shared_ptr<const ServerConfig> sc,
                           std::optional<Session> resume, const char* seed) {
  auto crng = crypto::make_deterministic_rng(ByteView::of(std::string("secrets c ") + seed));
  auto srng = crypto::make_deterministic_rng(ByteView::of(std::string("secrets s ") + seed));
  FixedClock clock(kTestNowMs);
  Connection::ClientOptions o;
  o.server_name = "localhost";
  o.resume = resume;
  if (resume && resume->version == 0x0304) o.early_data = Bytes(100, 'e');
  Connection c = Connection::client(cc, o, *crng, clock);
  Connection s = Connection::server(sc, *srng, clock);
  Seen cs, ss;
  REQUIRE(pump(c, s, &cs, &ss));
  REQUIRE(cs.done);
  REQUIRE(ss.done);
  REQUIRE(c.send(ByteView::of("data")).ok());
  // The exporters keep a secret for the connection's life (the TLS 1.2 master secret, the TLS 1.3
  // exporter master secret): it must be wiped with the connection too.
  REQUIRE(c.export_keying_material("EXPORTER-secrets", std::nullopt, 32).ok());
  REQUIRE(s.export_keying_material("EXPORTER-secrets", ByteView::of("ctx"), 32).ok());
  if (c.info()->version == 0x0304) {
    REQUIRE(c.key_update(true).ok());
    REQUIRE(s.key_update(false).ok());
    if (!resume) REQUIRE(s.request_client_certificate().ok());
  }
  REQUIRE(pump(c, s, &cs, &ss));
  c.close();
  s.close();
  REQUIRE(pump(c, s, &cs, &ss));
  CHECK(c.error() == nullptr);
  CHECK(s.error() == nullptr);
  std::optional<Session> out = c.session();
  if (out) remember(out->version == 0x0304 ? "session PSK" : "session master secret", out->master_secret);
  return out;
}

}  // namespace

TEST_CASE("no secret of a TLS 1.2 or TLS 1.3 connection is freed without being wiped") {
  struct Case {
    uint16_t version;
    std::string suites;
  };
  for (const Case& k : {Case{0x0304, ""}, Case{0x0303, "ECDHE-ECDSA-AES128-GCM-SHA256"},
                        Case{0x0303, "AES128-SHA256"}, Case{0x0303, "DHE-RSA-AES256-GCM-SHA384"}}) {
    CAPTURE(k.version);
    CAPTURE(k.suites);
    auto log = std::make_shared<FixedKeyLog>();
    auto cc = client(k.version, log);
    auto sc = server(k.version, log, k.suites);
    g_known_n = 0;
    arm();
    {
      std::optional<Session> first = run(cc, sc, std::nullopt, "1");
      REQUIRE(first.has_value());
      Bytes psk;  // the first ticket's PSK, for the resumption master secret check below
      if (first->version == 0x0304) psk = first->master_secret;
      std::optional<Session> second = run(cc, sc, first, "2");
      disarm();
      REQUIRE(!g_overflow);
      CHECK(g_known_n >= 4);
      std::string hits;
      for (size_t i = 0; i < g_known_n; i++) hits += find_in_freed(g_known[i]);
      // The TLS 1.3 resumption master secret: a freed block whose first hash-length bytes derive the
      // ticket's PSK with the first ticket nonce (0x0000).
      if (!psk.empty()) {
        const Bytes nonce = {0, 0};
        for (size_t i = 0; i < g_freed_n; i++) {
          if (g_freed[i].len < psk.size() || g_freed[i].len > 64) continue;
          ByteView candidate(g_arena + g_freed[i].off, psk.size());
          if (tls13_resumption_psk(crypto::default_provider(), crypto::HashAlg::sha256, candidate, nonce) == psk)
            hits += "the resumption master secret in a freed block of " + std::to_string(g_freed[i].len) + " bytes\n";
        }
      }
      INFO(hits);
      CHECK(hits.empty());
      CHECK(g_freed_n > 100);  // the recorder saw the connections' frees
      secure_zero(psk);
    }
  }
}

TEST_CASE("Session: a move hands the buffers over; both assignments wipe the master secret they replace") {
  auto secret = [](uint8_t fill, size_t n) { return Bytes(n, fill); };
  Session a;
  a.master_secret = secret(0xa5, 48);
  a.peer.chain = {Bytes(600, 0x30)};
  const uint8_t* buffer = a.master_secret.data();
  // A move takes the buffers: no second copy of the secret (nor of the chain) is made.
  Session b(std::move(a));
  CHECK(b.master_secret.data() == buffer);
  CHECK(a.master_secret.empty());
  CHECK(a.peer.chain.empty());

  // Assigning over a session frees its old master secret buffer only after wiping it, for a copy and
  // for a move alike (sizes differ, so that the old buffer is freed, not reused).
  const uint8_t old_fill = 0x5c;
  g_known_n = 0;
  remember("replaced by a copy", secret(old_fill, 32));
  for (bool by_move : {false, true}) {
    CAPTURE(by_move);
    Session target;
    target.master_secret = secret(old_fill, 32);
    Session source;
    source.master_secret = secret(0x11, 48);
    arm();
    if (by_move) {
      target = std::move(source);
    } else {
      target = source;
    }
    disarm();
    REQUIRE(!g_overflow);
    CHECK(target.master_secret == secret(0x11, 48));
    CHECK(find_in_freed(g_known[g_known_n - 1]).empty());
  }
}
