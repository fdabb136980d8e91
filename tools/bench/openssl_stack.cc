// tls_bench driver for OpenSSL 3's libssl (Debian's libssl-dev), for reference: a client and a server
// SSL joined by a BIO pair. OpenSSL brings its own crypto, so its numbers also reflect faster
// primitives (assembly X25519, P-256, AES-GCM), not only a different protocol layer.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstring>
#include <string>

#include "tools/bench/bench.h"

namespace sanstls {
namespace bench {
namespace {

std::string ossl_error() {
  unsigned long e = ERR_get_error();
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

struct Pair {
  SSL* c = nullptr;
  SSL* s = nullptr;
};

class OpensslStack final : public Stack {
 public:
  ~OpensslStack() override {
    SSL_SESSION_free(session_);
    SSL_CTX_free(cctx_);
    SSL_CTX_free(sctx_);
  }
  const char* name() const override { return "openssl"; }

  bool prepare(const Scenario& s, const Certs& certs, std::string* error) override {
    s_ = s;
    certs_ = &certs;
    cctx_ = SSL_CTX_new(TLS_client_method());
    sctx_ = SSL_CTX_new(TLS_server_method());
    if (cctx_ == nullptr || sctx_ == nullptr) return bad(error, "SSL_CTX_new");
    const char* group = s.group == Group::p256 ? "P-256" : "X25519:P-256";  // as sanstls
    std::string suite = s.openssl_suite();
    const int version = s.tls13() ? TLS1_3_VERSION : TLS1_2_VERSION;
    // TLS 1.3 signs with RSA-PSS; rsa_pkcs1_sha256 stays for the certificates (as sanstls).
    const char* sigalgs = s.tls13() ? "ECDSA+SHA256:rsa_pss_rsae_sha256:RSA+SHA256" : "ECDSA+SHA256:RSA+SHA256";
    for (SSL_CTX* ctx : {cctx_, sctx_}) {
      if (!SSL_CTX_set_min_proto_version(ctx, version) || !SSL_CTX_set_max_proto_version(ctx, version) ||
          !(s.tls13() ? SSL_CTX_set_ciphersuites(ctx, suite.c_str()) : SSL_CTX_set_cipher_list(ctx, suite.c_str())) ||
          !SSL_CTX_set1_groups_list(ctx, group) || !SSL_CTX_set1_sigalgs_list(ctx, sigalgs))
        return bad(error, "context settings");
      // TLS 1.2: session IDs, no tickets. TLS 1.3: one (stateless) ticket per handshake, as sanstls
      // sends; resumption with psk_dhe_ke (OpenSSL's default).
      if (!s.tls13()) SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }
    if (s.tls13() && !SSL_CTX_set_num_tickets(sctx_, 1)) return bad(error, "num_tickets");
    std::string ca = certs.path("ca.pem");
    if (!SSL_CTX_load_verify_locations(cctx_, ca.c_str(), nullptr)) return bad(error, "CA file");
    SSL_CTX_set_verify(cctx_, SSL_VERIFY_PEER, nullptr);
    const char* chain = s.kx == Kx::ecdhe_ecdsa ? "server_ec_chain.pem" : "server_rsa.pem";
    const char* key = s.kx == Kx::ecdhe_ecdsa ? "server_ec.key.pem" : "server_rsa.key.pem";
    if (!SSL_CTX_use_certificate_chain_file(sctx_, certs.path(chain).c_str()) ||
        !SSL_CTX_use_PrivateKey_file(sctx_, certs.path(key).c_str(), SSL_FILETYPE_PEM))
      return bad(error, "server certificate");
    static const unsigned char kContext[] = "tls_bench";
    SSL_CTX_set_session_id_context(sctx_, kContext, sizeof kContext - 1);
    SSL_CTX_set_session_cache_mode(sctx_, SSL_SESS_CACHE_SERVER);
    return true;
  }

  Times handshakes(int n) override {
    Side cs{heap::kClient}, ss{heap::kServer};
    if (s_.kind == Kind::resumed) first_session();
    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++) {
      Pair p = open(cs, ss, s_.kind == Kind::resumed);
      handshake(p, cs, ss, s_.kind == Kind::resumed);
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
    Pair p = open(cs, ss, false);
    handshake(p, cs, ss, false);
    Bytes data(kWriteSize), got(kWriteSize);
    for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 7 + 1);
    cs.ns = ss.ns = 0;
    uint64_t t0 = now_ns();
    size_t received = transfer(p, cs, ss, data, &got, bytes);
    Times t;
    t.pair = (now_ns() - t0) / 1e9;
    t.client = cs.ns / 1e9;
    t.server = ss.ns / 1e9;
    if (received != bytes || got != data) fail("openssl: bulk data lost or corrupted");
    close(p, cs, ss);
    return t;
  }

  Memory memory() override {
    Memory m;
    Side cs{heap::kClient}, ss{heap::kServer};
    if (s_.kind == Kind::resumed) {
      first_session();
    } else {
      Pair w = open(cs, ss, false);
      handshake(w, cs, ss, false);
      close(w, cs, ss);
    }
    heap::Counters c0 = heap::total(heap::kClient), s0 = heap::total(heap::kServer);
    heap::reset_peaks();
    Pair p = open(cs, ss, s_.kind == Kind::resumed);
    m.client.after_setup = heap::total(heap::kClient).live - c0.live;
    m.server.after_setup = heap::total(heap::kServer).live - s0.live;
    handshake(p, cs, ss, s_.kind == Kind::resumed);
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
    close(p, cs, ss);
    return m;
  }

 private:
  bool bad(std::string* error, const char* what) {
    *error = std::string("openssl: ") + what + ": " + ossl_error();
    return false;
  }

  Pair open(Side& cs, Side& ss, bool resume) {
    Pair p;
    // The BIO pair is the transport (a socket would hold no user-space buffer): made outside the sides.
    BIO* cb = nullptr;
    BIO* sb = nullptr;
    if (!BIO_new_bio_pair(&cb, 64 << 10, &sb, 64 << 10)) fail("openssl: BIO pair");
    {
      InSide in(cs);
      p.c = SSL_new(cctx_);
      if (p.c == nullptr) fail("openssl: SSL_new");
      SSL_set_tlsext_host_name(p.c, certs_->server_name.c_str());
      SSL_set1_host(p.c, certs_->server_name.c_str());
      if (resume && !SSL_set_session(p.c, session_)) fail("openssl: set_session");
      SSL_set_connect_state(p.c);
      SSL_set_bio(p.c, cb, cb);
    }
    {
      InSide in(ss);
      p.s = SSL_new(sctx_);
      if (p.s == nullptr) fail("openssl: SSL_new");
      SSL_set_accept_state(p.s);
      SSL_set_bio(p.s, sb, sb);
    }
    return p;
  }

  static bool step(SSL* ssl, Side& side, bool* done, const char* who) {
    if (*done) return false;
    InSide in(side);
    int rc = SSL_do_handshake(ssl);
    if (rc == 1) {
      *done = true;
      return true;
    }
    int e = SSL_get_error(ssl, rc);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
      fail(std::string("openssl: ") + who + " handshake: " + ossl_error());
    return false;
  }

  void handshake(Pair& p, Side& cs, Side& ss, bool resume) {
    bool cd = false, sd = false;
    for (int round = 0; round < 1000 && !(cd && sd); round++) {
      step(p.c, cs, &cd, "client");
      step(p.s, ss, &sd, "server");
    }
    if (!cd || !sd) fail("openssl: handshake did not finish");
    // TLS 1.3: the client reads the server's NewSessionTicket (sanstls's client does in its handshake
    // too; OpenSSL's server wrote it when it took the client's Finished).
    if (s_.tls13()) {
      InSide in(cs);
      unsigned char byte;
      int rc = SSL_read(p.c, &byte, 1);
      if (rc > 0 || SSL_get_error(p.c, rc) != SSL_ERROR_WANT_READ) fail("openssl: client ticket read: " + ossl_error());
    }
    if ((SSL_session_reused(p.c) == 1) != resume) fail("openssl: resumption not as expected");
    const SSL_CIPHER* c = SSL_get_current_cipher(p.c);
    if (c == nullptr || (SSL_CIPHER_get_id(c) & 0xffff) != s_.suite_id()) fail("openssl: wrong suite");
    if (SSL_version(p.c) != s_.version_id()) fail("openssl: wrong version");
  }

  size_t transfer(Pair& p, Side& cs, Side& ss, const Bytes& data, Bytes* got, size_t bytes) {
    size_t sent = 0, received = 0;
    while (sent < bytes) {
      int n = static_cast<int>(std::min(data.size(), bytes - sent));
      int rc;
      {
        InSide in(cs);
        rc = SSL_write(p.c, data.data(), n);
      }
      if (rc != n) fail("openssl: write: " + ossl_error());
      sent += static_cast<size_t>(n);
      size_t want = received + static_cast<size_t>(n);
      while (received < want) {
        {
          InSide in(ss);
          rc = SSL_read(p.s, got->data() + (received % kWriteSize), static_cast<int>(kWriteSize - received % kWriteSize));
        }
        if (rc <= 0) fail("openssl: read: " + ossl_error());
        received += static_cast<size_t>(rc);
      }
    }
    return received;
  }

  // Teardown without close_notify, as for the other stacks; marked as shut down so that OpenSSL keeps
  // the session resumable (SSL_free removes the session of a connection that was not shut down).
  void close(Pair& p, Side& cs, Side& ss) {
    {
      InSide in(cs);
      SSL_set_shutdown(p.c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
      SSL_free(p.c);
    }
    InSide in(ss);
    SSL_set_shutdown(p.s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(p.s);
  }

  void first_session() {
    Side cs{heap::kClient}, ss{heap::kServer};
    Pair p = open(cs, ss, false);
    handshake(p, cs, ss, false);
    SSL_SESSION_free(session_);
    session_ = SSL_get1_session(p.c);
    if (session_ == nullptr) fail("openssl: no session");
    close(p, cs, ss);
  }

  Scenario s_;
  const Certs* certs_ = nullptr;
  SSL_CTX* cctx_ = nullptr;
  SSL_CTX* sctx_ = nullptr;
  SSL_SESSION* session_ = nullptr;
};

}  // namespace

std::unique_ptr<Stack> make_openssl_stack() { return std::make_unique<OpensslStack>(); }

}  // namespace bench
}  // namespace sanstls
