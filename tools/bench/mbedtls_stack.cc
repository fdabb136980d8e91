// tls_bench driver for mbedTLS's own TLS 1.2 stack (Debian's libmbedtls 2.28): a client and a server
// mbedtls_ssl_context joined by two in-memory byte queues through mbedtls_ssl_set_bio.
#include <cstring>
#include <string>
#include <vector>

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_cache.h"
#include "mbedtls/ssl_internal.h"  // handshake->resume: to check that resumption happened
#include "mbedtls/x509_crt.h"
#include "tools/bench/bench.h"

namespace sanstls {
namespace bench {
namespace {

std::string err(int rc) {
  char buf[160];
  mbedtls_strerror(rc, buf, sizeof buf);
  return std::to_string(rc) + " " + buf;
}

// A one-way byte queue. Its storage is reserved outside the measured sides, so that the transport
// costs no allocation inside mbedTLS's calls (a socket would not either).
struct Queue {
  std::vector<uint8_t> buf;
  size_t off = 0;
  Queue() { buf.reserve(48 << 10); }
  static int push(Queue* q, const unsigned char* p, size_t n) {
    if (q->off == q->buf.size()) {
      q->buf.clear();
      q->off = 0;
    }
    q->buf.insert(q->buf.end(), p, p + n);
    return static_cast<int>(n);
  }
  static int pull(Queue* q, unsigned char* p, size_t n) {
    size_t avail = q->buf.size() - q->off;
    if (avail == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    size_t k = std::min(n, avail);
    std::memcpy(p, q->buf.data() + q->off, k);
    q->off += k;
    return static_cast<int>(k);
  }
};

// One side's transport: writes go to `out`, reads come from `in`.
struct Link {
  Queue* out;
  Queue* in;
  static int send(void* ctx, const unsigned char* p, size_t n) { return Queue::push(static_cast<Link*>(ctx)->out, p, n); }
  static int recv(void* ctx, unsigned char* p, size_t n) { return Queue::pull(static_cast<Link*>(ctx)->in, p, n); }
};

struct Pair {
  mbedtls_ssl_context c, s;
  Queue c2s, s2c;
  Link cl{&c2s, &s2c}, sl{&s2c, &c2s};
  bool saw_resume = false;
  Pair() {
    mbedtls_ssl_init(&c);
    mbedtls_ssl_init(&s);
  }
  ~Pair() {
    mbedtls_ssl_free(&c);
    mbedtls_ssl_free(&s);
  }
};

class MbedtlsStack final : public Stack {
 public:
  MbedtlsStack() {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    mbedtls_x509_crt_init(&ca_);
    mbedtls_x509_crt_init(&chain_);
    mbedtls_pk_init(&key_);
    mbedtls_ssl_config_init(&cconf_);
    mbedtls_ssl_config_init(&sconf_);
    mbedtls_ssl_cache_init(&cache_);
    mbedtls_ssl_session_init(&session_);
    const char* pers = "tls_bench";
    int rc = mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_,
                                   reinterpret_cast<const unsigned char*>(pers), std::strlen(pers));
    if (rc != 0) fail("mbedtls: ctr_drbg_seed " + err(rc));
  }
  ~MbedtlsStack() override {
    mbedtls_ssl_session_free(&session_);
    mbedtls_ssl_cache_free(&cache_);
    mbedtls_ssl_config_free(&cconf_);
    mbedtls_ssl_config_free(&sconf_);
    mbedtls_pk_free(&key_);
    mbedtls_x509_crt_free(&chain_);
    mbedtls_x509_crt_free(&ca_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }
  const char* name() const override { return "mbedtls"; }

  // mbedTLS 2.28 has TLS 1.2 only (its TLS 1.3 is a 3.x prototype).
  bool supports(const Scenario& s) const override { return !s.tls13(); }

  bool prepare(const Scenario& s, const Certs& certs, std::string* error) override {
    s_ = s;
    certs_ = &certs;
    Bytes ca = certs.ca_pem, chain = certs.chain(s), key = certs.key(s);
    ca.push_back(0);  // mbedTLS wants PEM text with its terminating NUL counted
    chain.push_back(0);
    key.push_back(0);
    int rc;
    if ((rc = mbedtls_x509_crt_parse(&ca_, ca.data(), ca.size())) != 0 ||
        (rc = mbedtls_x509_crt_parse(&chain_, chain.data(), chain.size())) != 0 ||
        (rc = mbedtls_pk_parse_key(&key_, key.data(), key.size(), nullptr, 0)) != 0) {
      *error = "mbedtls: certificates: " + err(rc);
      return false;
    }
    suites_[0] = s.suite_id();
    suites_[1] = 0;
    curves_[0] = s.group == Group::p256 ? MBEDTLS_ECP_DP_SECP256R1 : MBEDTLS_ECP_DP_CURVE25519;
    curves_[1] = s.group == Group::p256 ? MBEDTLS_ECP_DP_NONE : MBEDTLS_ECP_DP_SECP256R1;  // as sanstls
    curves_[2] = MBEDTLS_ECP_DP_NONE;
    for (mbedtls_ssl_config* conf : {&cconf_, &sconf_}) {
      bool client = conf == &cconf_;
      rc = mbedtls_ssl_config_defaults(conf, client ? MBEDTLS_SSL_IS_CLIENT : MBEDTLS_SSL_IS_SERVER,
                                       MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
      if (rc != 0) {
        *error = "mbedtls: config " + err(rc);
        return false;
      }
      mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &drbg_);
      mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
      mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
      mbedtls_ssl_conf_ciphersuites(conf, suites_);
      mbedtls_ssl_conf_curves(conf, curves_);
      mbedtls_ssl_conf_sig_hashes(conf, hashes_);
      mbedtls_ssl_conf_extended_master_secret(conf, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
      mbedtls_ssl_conf_session_tickets(conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
    }
    mbedtls_ssl_conf_authmode(&cconf_, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&cconf_, &ca_, nullptr);
    if ((rc = mbedtls_ssl_conf_own_cert(&sconf_, &chain_, &key_)) != 0) {
      *error = "mbedtls: own cert " + err(rc);
      return false;
    }
    mbedtls_ssl_conf_session_cache(&sconf_, &cache_, mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
    return true;
  }

  Times handshakes(int n) override {
    Side cs{heap::kClient}, ss{heap::kServer};
    if (s_.kind == Kind::resumed) first_session();
    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++) {
      Pair p;
      open(p, cs, ss, s_.kind == Kind::resumed);
      handshake(p, cs, ss);
      close(p, cs, ss);
    }
    Times t;
    t.pair = (now_ns() - t0) / 1e9;
    t.client = cs.ns / 1e9;
    t.server = ss.ns / 1e9;
    return t;
  }

  Times bulk(size_t bytes) override {
    Side cs{heap::kClient}, ss{heap::kServer};
    Pair p;
    open(p, cs, ss, false);
    handshake(p, cs, ss);
    Bytes data(kWriteSize), got(kWriteSize);
    for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 7 + 1);
    cs.ns = ss.ns = 0;
    uint64_t t0 = now_ns();
    size_t received = transfer(p, cs, ss, data, &got, bytes);
    Times t;
    t.pair = (now_ns() - t0) / 1e9;
    t.client = cs.ns / 1e9;
    t.server = ss.ns / 1e9;
    if (received != bytes || got != data) fail("mbedtls: bulk data lost or corrupted");
    close(p, cs, ss);
    return t;
  }

  Memory memory() override {
    Memory m;
    Side cs{heap::kClient}, ss{heap::kServer};
    if (s_.kind == Kind::resumed) {
      first_session();
    } else {
      Pair w;
      open(w, cs, ss, false);
      handshake(w, cs, ss);
      close(w, cs, ss);
    }
    heap::Counters c0 = heap::total(heap::kClient), s0 = heap::total(heap::kServer);
    heap::reset_peaks();
    {
      Pair p;
      open(p, cs, ss, s_.kind == Kind::resumed);
      m.client.after_setup = heap::total(heap::kClient).live - c0.live;
      m.server.after_setup = heap::total(heap::kServer).live - s0.live;
      handshake(p, cs, ss);
      m.client.peak = heap::total(heap::kClient).peak - c0.live;
      m.server.peak = heap::total(heap::kServer).peak - s0.live;
      m.client.idle = heap::total(heap::kClient).live - c0.live;
      m.server.idle = heap::total(heap::kServer).live - s0.live;
      m.client.allocs_handshake = heap::total(heap::kClient).allocs - c0.allocs;
      m.server.allocs_handshake = heap::total(heap::kServer).allocs - s0.allocs;
      Bytes data(kWriteSize, 0x5a), got(kWriteSize);
      transfer(p, cs, ss, data, &got, 4 * kWriteSize);
      const int kRecords = 32;
      heap::Counters c1 = heap::total(heap::kClient), s1 = heap::total(heap::kServer);
      transfer(p, cs, ss, data, &got, kRecords * kWriteSize);
      m.client.allocs_record = double(heap::total(heap::kClient).allocs - c1.allocs) / kRecords;
      m.server.allocs_record = double(heap::total(heap::kServer).allocs - s1.allocs) / kRecords;
    m.client.idle_after_data = heap::total(heap::kClient).live - c0.live;
    m.server.idle_after_data = heap::total(heap::kServer).live - s0.live;
      m.client.idle_after_data = heap::total(heap::kClient).live - c0.live;
      m.server.idle_after_data = heap::total(heap::kServer).live - s0.live;
      close(p, cs, ss);
    }
    return m;
  }

 private:
  void open(Pair& p, Side& cs, Side& ss, bool resume) {
    int rc;
    {
      InSide in(cs);
      if ((rc = mbedtls_ssl_setup(&p.c, &cconf_)) != 0) fail("mbedtls: client setup " + err(rc));
      if ((rc = mbedtls_ssl_set_hostname(&p.c, certs_->server_name.c_str())) != 0)
        fail("mbedtls: hostname " + err(rc));
      if (resume && (rc = mbedtls_ssl_set_session(&p.c, &session_)) != 0) fail("mbedtls: set_session " + err(rc));
      mbedtls_ssl_set_bio(&p.c, &p.cl, Link::send, Link::recv, nullptr);
    }
    {
      InSide in(ss);
      if ((rc = mbedtls_ssl_setup(&p.s, &sconf_)) != 0) fail("mbedtls: server setup " + err(rc));
      mbedtls_ssl_set_bio(&p.s, &p.sl, Link::send, Link::recv, nullptr);
    }
  }

  static int step(mbedtls_ssl_context* ssl, Side& side, bool* done) {
    if (*done) return 0;
    InSide in(side);
    int rc = mbedtls_ssl_handshake(ssl);
    if (rc == 0) *done = true;
    return rc;
  }

  void handshake(Pair& p, Side& cs, Side& ss) {
    bool cd = false, sd = false;
    for (int round = 0; round < 1000 && !(cd && sd); round++) {
      int rc = step(&p.c, cs, &cd);
      if (rc != 0 && rc != MBEDTLS_ERR_SSL_WANT_READ) fail("mbedtls: client handshake " + err(rc));
      if (!cd && p.c.handshake != nullptr && p.c.handshake->resume) p.saw_resume = true;
      rc = step(&p.s, ss, &sd);
      if (rc != 0 && rc != MBEDTLS_ERR_SSL_WANT_READ) fail("mbedtls: server handshake " + err(rc));
    }
    if (!cd || !sd) fail("mbedtls: handshake did not finish");
    if (p.saw_resume != (s_.kind == Kind::resumed)) fail("mbedtls: resumption not as expected");
    if (mbedtls_ssl_get_ciphersuite_id(mbedtls_ssl_get_ciphersuite(&p.c)) != s_.suite_id())
      fail("mbedtls: wrong suite");
  }

  // Client writes `bytes` in 16 KiB writes; the server reads them. Returns the bytes read.
  size_t transfer(Pair& p, Side& cs, Side& ss, const Bytes& data, Bytes* got, size_t bytes) {
    size_t sent = 0, received = 0;
    while (sent < bytes) {
      size_t n = std::min(data.size(), bytes - sent);
      int rc;
      {
        InSide in(cs);
        rc = mbedtls_ssl_write(&p.c, data.data(), n);
      }
      if (rc != static_cast<int>(n)) fail("mbedtls: write " + err(rc));
      sent += n;
      size_t want = received + n;
      while (received < want) {
        {
          InSide in(ss);
          rc = mbedtls_ssl_read(&p.s, got->data() + (received % kWriteSize), kWriteSize - received % kWriteSize);
        }
        if (rc <= 0) fail("mbedtls: read " + err(rc));
        received += static_cast<size_t>(rc);
      }
    }
    return received;
  }

  void close(Pair& p, Side& cs, Side& ss) {
    {
      InSide in(cs);
      mbedtls_ssl_free(&p.c);
      mbedtls_ssl_init(&p.c);
    }
    InSide in(ss);
    mbedtls_ssl_free(&p.s);
    mbedtls_ssl_init(&p.s);
  }

  void first_session() {
    Side cs{heap::kClient}, ss{heap::kServer};
    Scenario keep = s_;
    s_.kind = Kind::full;
    Pair p;
    open(p, cs, ss, false);
    handshake(p, cs, ss);
    s_ = keep;
    mbedtls_ssl_session_free(&session_);
    mbedtls_ssl_session_init(&session_);
    int rc = mbedtls_ssl_get_session(&p.c, &session_);
    if (rc != 0) fail("mbedtls: get_session " + err(rc));
    close(p, cs, ss);
  }

  Scenario s_;
  const Certs* certs_ = nullptr;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt ca_, chain_;
  mbedtls_pk_context key_;
  mbedtls_ssl_config cconf_, sconf_;
  mbedtls_ssl_cache_context cache_;
  mbedtls_ssl_session session_;
  int suites_[2] = {0, 0};
  mbedtls_ecp_group_id curves_[3];
  const int hashes_[2] = {MBEDTLS_MD_SHA256, MBEDTLS_MD_NONE};
};

}  // namespace

std::unique_ptr<Stack> make_mbedtls_stack() { return std::make_unique<MbedtlsStack>(); }

}  // namespace bench
}  // namespace sanstls
