// tls_bench driver for sanstls: a client and a server Connection joined in memory (the same pumping as
// tests/pair.cc, with every call timed and charged to its side).
#include <cstring>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/connection.h"
#include "crypto/crypto.h"
#include "crypto/libcrypto.h"
#include "crypto/mbedtls.h"
#include "tools/bench/bench.h"
#include "tools/bench/counting_provider.h"

namespace sanstls {
namespace bench {
namespace {

class WallClock final : public Clock {
 public:
  uint64_t now_ms() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
};

uint16_t group_code(Group g) {
  switch (g) {
    case Group::x25519: return 0x001d;
    case Group::p256: return 0x0017;
    case Group::none: break;
  }
  return 0x001d;
}

// One client + one server connection and the bytes between them.
struct Pair {
  std::optional<Connection> c, s;
  Side* cs;
  Side* ss;
  bool c_done = false, s_done = false;
  size_t received = 0;     // application bytes the server got
  size_t wire = 0;         // bytes moved either way
  Bytes first_record;      // the first application data the server got (checked by bulk)
  bool got_ticket = false;  // client: a TLS 1.3 NewSessionTicket arrived

  void drain(Connection& conn, Side& side, bool is_server) {
    InSide in(side);
    while (auto ev = conn.next_event()) {
      switch (ev->type) {
        case Event::Type::handshake_done:
          (is_server ? s_done : c_done) = true;
          break;
        case Event::Type::app_data:
          if (is_server && first_record.empty()) {
            heap::OwnerScope bench_copy(heap::kOther);  // the benchmark's copy, not the connection's
            first_record = ev->data.to_bytes();
          }
          received += ev->data.size();
          break;
        case Event::Type::alert_received:
        case Event::Type::closed:
          fail(std::string("sanstls: unexpected ") + (is_server ? "server" : "client") + " event " +
               std::to_string(static_cast<int>(ev->type)) +
               (conn.error() ? " (" + conn.error()->to_string() + ")" : std::string()));
        case Event::Type::session_ticket:
          got_ticket = true;
          break;
        default:
          break;
      }
    }
  }

  // Moves what `from` wants written into `to`. Returns whether anything moved.
  bool move(Connection& from, Side& fs, Connection& to, Side& ts, bool to_is_server) {
    bool moved = false;
    for (;;) {
      ByteView out;
      {
        InSide in(fs);
        out = from.pending_output();
      }
      if (out.empty()) break;
      Result<size_t> r = Result<size_t>(size_t{0});
      {
        InSide in(ts);
        r = to.receive(out);
      }
      if (!r.ok()) fail("sanstls: receive failed: " + r.error().to_string());
      {
        InSide in(fs);
        from.consume_output(r.value());
      }
      wire += r.value();
      drain(to, ts, to_is_server);
      if (r.value() == 0) break;
      moved = true;
    }
    return moved;
  }

  void pump() {
    for (int round = 0; round < 10000; round++) {
      bool a = move(*c, *cs, *s, *ss, true);
      bool b = move(*s, *ss, *c, *cs, false);
      if (!a && !b) return;
    }
    fail("sanstls: pump does not settle");
  }
};

class SanstlsStack final : public Stack {
 public:
  SanstlsStack(const crypto::Provider& provider, const char* name)
      : provider_(provider), name_(name), crng_(crypto::make_system_rng()), srng_(crypto::make_system_rng()) {}
  const char* name() const override { return name_; }

  bool prepare(const Scenario& s, const Certs& certs, std::string* error) override {
    s_ = s;
    certs_ = &certs;
    return build(provider_, &ccfg_, &scfg_, error) && build(counting_provider(provider_), &mccfg_, &mscfg_, error);
  }

  Times handshakes(int n) override {
    Side cs{heap::kClient}, ss{heap::kServer};
    std::optional<Session> session = first_session(ccfg_, scfg_);
    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++) {
      Pair p = open(ccfg_, scfg_, session, cs, ss);
      p.pump();
      finish_handshake(p);
      close(p);
    }
    Times t;
    t.pair = (now_ns() - t0) / 1e9;
    t.client = cs.ns / 1e9;
    t.server = ss.ns / 1e9;
    return t;
  }

  Times bulk(size_t bytes) override {
    Side cs{heap::kClient}, ss{heap::kServer};
    Pair p = open(ccfg_, scfg_, std::nullopt, cs, ss);
    p.pump();
    finish_handshake(p);
    Bytes data(kWriteSize);
    for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 7 + 1);
    cs.ns = ss.ns = 0;
    uint64_t t0 = now_ns();
    write_records(p, data, bytes);
    Times t;
    t.pair = (now_ns() - t0) / 1e9;
    t.client = cs.ns / 1e9;
    t.server = ss.ns / 1e9;
    if (p.received != bytes) fail("sanstls: bulk lost data");
    if (p.first_record != data) fail("sanstls: bulk data corrupted");
    close(p);
    return t;
  }

  Memory memory() override {
    Memory m;
    Side cs{heap::kClient}, ss{heap::kServer};
    std::optional<Session> session = first_session(mccfg_, mscfg_);
    if (s_.kind != Kind::resumed) {
      // A warm-up handshake, so that one-time allocations (caches, tables) are not charged.
      Pair w = open(mccfg_, mscfg_, std::nullopt, cs, ss);
      w.pump();
      finish_handshake(w);
      close(w);
    }
    heap::Counters c0 = heap::total(heap::kClient), s0 = heap::total(heap::kServer);
    heap::Counters oc0 = heap::own(heap::kClient), os0 = heap::own(heap::kServer);
    heap::reset_peaks();
    Pair p = open(mccfg_, mscfg_, session, cs, ss);
    take(&m.client, &SideMemory::after_setup, &SideMemory::own_after_setup, heap::kClient, c0, oc0, false);
    take(&m.server, &SideMemory::after_setup, &SideMemory::own_after_setup, heap::kServer, s0, os0, false);
    p.pump();
    finish_handshake(p);
    take(&m.client, &SideMemory::peak, &SideMemory::own_peak, heap::kClient, c0, oc0, true);
    take(&m.server, &SideMemory::peak, &SideMemory::own_peak, heap::kServer, s0, os0, true);
    take(&m.client, &SideMemory::idle, &SideMemory::own_idle, heap::kClient, c0, oc0, false);
    take(&m.server, &SideMemory::idle, &SideMemory::own_idle, heap::kServer, s0, os0, false);
    m.client.allocs_handshake = heap::total(heap::kClient).allocs - c0.allocs;
    m.server.allocs_handshake = heap::total(heap::kServer).allocs - s0.allocs;
    m.client.own_allocs_handshake = heap::own(heap::kClient).allocs - oc0.allocs;
    m.server.own_allocs_handshake = heap::own(heap::kServer).allocs - os0.allocs;
    // Steady state: a few records first, then count.
    Bytes data(kWriteSize, 0x5a);
    write_records(p, data, 4 * kWriteSize);
    const int kRecords = 32;
    heap::Counters c1 = heap::total(heap::kClient), s1 = heap::total(heap::kServer);
    heap::Counters oc1 = heap::own(heap::kClient), os1 = heap::own(heap::kServer);
    write_records(p, data, kRecords * kWriteSize);
    m.client.allocs_record = double(heap::total(heap::kClient).allocs - c1.allocs) / kRecords;
    m.server.allocs_record = double(heap::total(heap::kServer).allocs - s1.allocs) / kRecords;
    m.client.own_allocs_record = double(heap::own(heap::kClient).allocs - oc1.allocs) / kRecords;
    m.server.own_allocs_record = double(heap::own(heap::kServer).allocs - os1.allocs) / kRecords;
    // Idle again: give the record buffers back, as an event loop does when a connection goes quiet.
    {
      InSide in_c(*p.cs);
      p.c->release_buffers();
    }
    {
      InSide in_s(*p.ss);
      p.s->release_buffers();
    }
    take(&m.client, &SideMemory::idle_after_data, &SideMemory::own_idle_after_data, heap::kClient, c0, oc0, false);
    take(&m.server, &SideMemory::idle_after_data, &SideMemory::own_idle_after_data, heap::kServer, s0, os0, false);
    close(p);
    return m;
  }

  // The scaling mode (see bench.h).
  ScaleReport scale(size_t n, size_t batch);

 private:
  bool build(const crypto::Provider& provider, std::shared_ptr<const ClientConfig>* cc,
             std::shared_ptr<const ServerConfig>* sc, std::string* error) {
    const std::string suite = s_.openssl_suite();
    // ecdsa_secp256r1_sha256, rsa_pkcs1_sha256; TLS 1.3 signs with RSA-PSS (rsa_pss_rsae_sha256) and keeps
    // rsa_pkcs1_sha256 for the certificates' own signatures.
    std::vector<uint16_t> schemes = {0x0403, 0x0401};
    if (s_.tls13()) schemes = {0x0403, 0x0804, 0x0401};
    const uint16_t version = s_.version_id();
    // P-256 is offered too after X25519: TLS 1.2 also checks an ECDSA certificate's curve against it.
    std::vector<uint16_t> groups = {group_code(s_.group)};
    if (s_.group != Group::p256) groups.push_back(0x0017);
    ServerConfig::Builder sb;
    sb.provider(provider).certificate(certs_->chain(s_), certs_->key(s_)).cipher_suite_names(suite);
    // TLS 1.2 with session-ID resumption, or TLS 1.3 with one ticket per handshake (psk_dhe_ke), as the
    // other stacks are configured.
    sb.groups(groups).signature_schemes(schemes).versions(version, version).tickets(s_.tls13());
    Built<ServerConfig> sbuilt = sb.build();
    if (!sbuilt.ok()) {
      *error = "server config: " + sbuilt.error;
      return false;
    }
    ClientConfig::Builder cb;
    cb.provider(provider).trust_anchors_pem(certs_->ca_pem).cipher_suite_names(suite);
    cb.groups(groups).signature_schemes(schemes).versions(version, version);
    Built<ClientConfig> cbuilt = cb.build();
    if (!cbuilt.ok()) {
      *error = "client config: " + cbuilt.error;
      return false;
    }
    *cc = cbuilt.config;
    *sc = sbuilt.config;
    return true;
  }

  Pair open(const std::shared_ptr<const ClientConfig>& cc, const std::shared_ptr<const ServerConfig>& sc,
            const std::optional<Session>& session, Side& cs, Side& ss) {
    Pair p;
    p.cs = &cs;
    p.ss = &ss;
    {
      InSide in(cs);
      Connection::ClientOptions o;
      o.server_name = certs_->server_name;
      o.resume = session;
      p.c.emplace(Connection::client(cc, std::move(o), *crng_, clock_));
    }
    {
      InSide in(ss);
      p.s.emplace(Connection::server(sc, *srng_, clock_));
    }
    return p;
  }

  void finish_handshake(Pair& p) {
    if (!p.c_done || !p.s_done) fail("sanstls: handshake did not finish");
    bool resumed = p.c->info()->resumed;
    if (resumed != (s_.kind == Kind::resumed)) fail("sanstls: resumption not as expected");
    if (p.c->info()->version != s_.version_id()) fail("sanstls: not the scenario's version");
    if (p.c->info()->cipher_suite != s_.suite_id()) fail("sanstls: wrong suite");
    // TLS 1.3 resumption is psk_dhe_ke: a group there too.
    if (s_.kx != Kx::rsa && (!resumed || s_.tls13()) && p.c->info()->group != group_code(s_.group))
      fail("sanstls: wrong group");
    // TLS 1.3: the server's ticket came in the same pump (the full handshakes make one each, too).
    if (s_.tls13() && !p.got_ticket) fail("sanstls: no TLS 1.3 ticket");

    last_wire_ = p.wire;
  }

  void close(Pair& p) {
    {
      InSide in(*p.cs);
      p.c.reset();
    }
    InSide in(*p.ss);
    p.s.reset();
  }

  void write_records(Pair& p, const Bytes& data, size_t bytes) {
    size_t target = p.received + bytes;
    size_t sent = 0;
    while (sent < bytes) {
      size_t n = std::min(data.size(), bytes - sent);
      Result<size_t> r = Result<size_t>(size_t{0});
      {
        InSide in(*p.cs);
        r = p.c->send(ByteView(data.data(), n));
      }
      if (!r.ok() || r.value() != n) fail("sanstls: send refused");
      sent += n;
      p.move(*p.c, *p.cs, *p.s, *p.ss, true);
    }
    if (p.received != target) fail("sanstls: bulk data missing");
  }

  std::optional<Session> first_session(const std::shared_ptr<const ClientConfig>& cc,
                                       const std::shared_ptr<const ServerConfig>& sc) {
    if (s_.kind != Kind::resumed) return std::nullopt;
    Side cs{heap::kClient}, ss{heap::kServer};
    Scenario keep = s_;
    s_.kind = Kind::full;
    Pair p = open(cc, sc, std::nullopt, cs, ss);
    p.pump();
    finish_handshake(p);
    s_ = keep;
    std::optional<Session> session;
    {
      InSide in(cs);
      session = p.c->session();
    }
    if (!session) fail("sanstls: no session to resume");
    close(p);
    return session;
  }

  static void take(SideMemory* m, int64_t SideMemory::*all, int64_t SideMemory::*own, heap::Owner o,
                   const heap::Counters& base, const heap::Counters& own_base, bool peak) {
    heap::Counters t = heap::total(o), w = heap::own(o);
    m->*all = peak ? t.peak - base.live : t.live - base.live;
    m->*own = peak ? w.peak - own_base.live : w.live - own_base.live;
  }

  const crypto::Provider& provider_;
  const char* name_;
  Scenario s_;
  const Certs* certs_ = nullptr;
  std::unique_ptr<crypto::Rng> crng_, srng_;
  WallClock clock_;
  std::shared_ptr<const ClientConfig> ccfg_, mccfg_;
  std::shared_ptr<const ServerConfig> scfg_, mscfg_;
  size_t last_wire_ = 0;

};

ScaleReport SanstlsStack::scale(size_t n, size_t batch) {
  ScaleReport r;
  r.n = n;
  r.batch = batch;
  Side cs{heap::kClient}, ss{heap::kServer};
  std::optional<Session> session = first_session(ccfg_, scfg_);
  Bytes data(kWriteSize, 0x42);
  // Microseconds per 16 KiB record, spread over the open connections (7919 is prime: the stride
  // visits every connection when there are at least as many records as connections).
  const size_t kRecords = 2000;
  auto record_cost = [&](std::vector<Pair>& pairs) {
    uint64_t t0 = now_ns();
    for (size_t i = 0; i < kRecords; i++) write_records(pairs[(i * 7919) % pairs.size()], data, data.size());
    return (now_ns() - t0) / 1e3 / kRecords;
  };
  std::vector<Pair> pairs;
  pairs.reserve(n);
  heap::Counters c0 = heap::total(heap::kClient), s0 = heap::total(heap::kServer);
  uint64_t t0 = now_ns(), tlast = 0;
  for (size_t i = 0; i < n; i++) {
    if (i == n - batch) tlast = now_ns();
    pairs.push_back(open(ccfg_, scfg_, session, cs, ss));
    pairs.back().pump();
    finish_handshake(pairs.back());
    if (i + 1 == batch) r.hs_us_first = (now_ns() - t0) / 1e3 / batch;
  }
  r.hs_us_last = (now_ns() - tlast) / 1e3 / batch;
  // Held by established connections that have not carried data yet.
  r.client_bytes_per_conn = double(heap::total(heap::kClient).live - c0.live) / n;
  r.server_bytes_per_conn = double(heap::total(heap::kServer).live - s0.live) / n;
  std::vector<Pair> first;
  for (size_t i = 0; i < batch; i++) first.push_back(std::move(pairs[i]));
  r.record_us_first = record_cost(first);
  for (size_t i = 0; i < batch; i++) pairs[i] = std::move(first[i]);
  r.record_us_last = record_cost(pairs);
  for (Pair& p : pairs) close(p);
  return r;
}

}  // namespace

ScaleReport run_sanstls_scaling(const Certs& certs, size_t n) {
  SanstlsStack st(crypto::mbedtls_provider(), "sanstls");
  std::string error;
  Scenario s = all_scenarios()[0];
  s.kind = Kind::resumed;
  if (!st.prepare(s, certs, &error)) fail(error);
  return st.scale(n, std::max<size_t>(1, std::min<size_t>(1000, n / 10)));
}

std::unique_ptr<Stack> make_sanstls_stack() {
  return std::make_unique<SanstlsStack>(crypto::mbedtls_provider(), "sanstls");
}
std::unique_ptr<Stack> make_sanstls_libcrypto_stack() {
  return std::make_unique<SanstlsStack>(crypto::libcrypto_provider(), "sanstls-libcrypto");
}

}  // namespace bench
}  // namespace sanstls
