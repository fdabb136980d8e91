#include "fuzz/support.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <tuple>

#include "core/suites.h"
#ifdef SANSTLS_FUZZ_FAST_CRYPTO
#include "crypto/fuzzing_provider.h"
#endif
#include "fuzz/embedded_certs.h"

namespace sanstls {
namespace fuzz {

void fail(const char* what) {
  std::fprintf(stderr, "FUZZ INVARIANT VIOLATED: %s\n", what);
  std::fflush(stderr);
  __builtin_trap();
}

#ifdef SANSTLS_FUZZ_FAST_CRYPTO
const crypto::Provider& provider() { return crypto::fuzzing_provider(); }
bool fast_crypto() { return true; }
#else
const crypto::Provider& provider() { return crypto::default_provider(); }
bool fast_crypto() { return false; }
#endif

namespace {

// splitmix64 (Steele, Lea and Flood 2014) over a 64-bit FNV-1a digest of the seed: deterministic, a
// few instructions per 8 bytes. Byte n of the stream does not depend on how fill() calls are sized.
class CheapRng final : public crypto::Rng {
 public:
  explicit CheapRng(ByteView seed) {
    state_ = 0xcbf29ce484222325ull;
    for (uint8_t b : seed) state_ = (state_ ^ b) * 0x100000001b3ull;
  }
  void fill(uint8_t* out, size_t n) override {
    for (size_t i = 0; i < n; i++) {
      if (left_ == 0) {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        word_ = z ^ (z >> 31);
        left_ = 8;
      }
      out[i] = static_cast<uint8_t>(word_);
      word_ >>= 8;
      left_--;
    }
  }

 private:
  uint64_t state_;
  uint64_t word_ = 0;
  int left_ = 0;
};

}  // namespace

std::unique_ptr<crypto::Rng> make_rng(ByteView seed) {
  if (fast_crypto()) return std::make_unique<CheapRng>(seed);
  return crypto::make_deterministic_rng(seed);
}

uint8_t Input::u8() { return off_ < size_ ? data_[off_++] : 0; }

uint16_t Input::u16() {
  uint16_t hi = u8();
  return static_cast<uint16_t>(hi << 8 | u8());
}

ByteView Input::take(size_t n) {
  if (n > size_ - off_) n = size_ - off_;
  ByteView v(data_ + off_, n);
  off_ += n;
  return v;
}

ByteView Input::rest() { return take(size_ - off_); }

const char kServerSeed[] = "sanstls fuzz server";
const char kClientSeed[] = "sanstls fuzz client";
const char kServerName[] = "localhost";
const char kEarlyData[] = "GET /early HTTP/1.1\r\n\r\n";

namespace {
const char kSessionPrefix[] = "sanstls-fuzz-session-";  // 21 bytes, then the suite as 4 hex digits, padded

ByteView pem(const char* s) { return ByteView::of(s); }

[[noreturn]] void config_failed(const std::string& why) {
  std::fprintf(stderr, "fuzz config: %s\n", why.c_str());
  std::abort();
}
// The identities the fixed sessions record (core/session.h PeerIdentity), as the harness configs
// would have recorded them: the server's RSA chain verified by the embedded CA for kServerName (what
// a client's session holds), and client.pem verified by the same CA (what a server's session holds), so
// that every harness config resumes them, client authentication required or not.
PeerIdentity embedded_identity(const char* chain_pem, const char* purpose, const std::string& name) {
  const crypto::Provider& p = provider();
  std::vector<Bytes> ca, chain;
  std::string err;
  if (!p.load_certificates(pem(certs::ca_pem), &ca, &err) || !p.load_certificates(pem(chain_pem), &chain, &err))
    config_failed("embedded certificates: " + err);
  PeerIdentity id;
  id.chain = chain;
  id.verifier = verifier_id(p, ca, purpose);
  id.name = name;
  return id;
}
const PeerIdentity& fixed_server_identity() {
  static const PeerIdentity* id = new PeerIdentity(embedded_identity(certs::server_rsa_pem, "server_auth", kServerName));
  return *id;
}
const PeerIdentity& fixed_client_identity() {
  static const PeerIdentity* id = new PeerIdentity(embedded_identity(certs::client_pem, "client_auth", ""));
  return *id;
}
}  // namespace

Bytes fixed_session_id(uint16_t suite) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%04x", kSessionPrefix, suite);
  Bytes id(buf, buf + std::strlen(buf));
  id.resize(32, '.');
  return id;
}

Session fixed_session(uint16_t suite) {
  Session s;
  s.version = 0x0303;
  s.cipher_suite = suite;
  s.session_id = fixed_session_id(suite);
  s.master_secret.assign(48, 0x5a);
  for (size_t i = 0; i < s.master_secret.size(); i++) s.master_secret[i] = static_cast<uint8_t>(0x5a ^ i);
  s.extended_master_secret = true;
  s.server_name = kServerName;
  s.created_ms = kNowMs - 1000;
  s.lifetime_s = 7200;
  s.peer = fixed_server_identity();
  return s;
}

bool FixedSessionCache::get(ByteView session_id, uint64_t now_ms, Session* out) {
  for (uint16_t suite : default_tls12_suites()) {
    if (session_id == ByteView(fixed_session_id(suite))) {
      Session s = fixed_session(suite);
      if (s.expired(now_ms)) return false;
      s.peer = fixed_client_identity();  // the server's view: who the client was
      *out = s;
      return true;
    }
  }
  return false;
}

void StoreKeyLog::log(const char* label, ByteView client_random, ByteView secret) {
  secrets_[std::make_pair(std::string(label), client_random.to_bytes())] = secret.to_bytes();
}

bool StoreKeyLog::find(const char* label, ByteView client_random, Bytes* secret) const {
  auto it = secrets_.find(std::make_pair(std::string(label), client_random.to_bytes()));
  if (it == secrets_.end()) return false;
  *secret = it->second;
  return true;
}

// The key logs are handed to shared configs as shared_ptrs that never delete (they live forever).
StoreKeyLog& client_key_log() {
  static StoreKeyLog* log = new StoreKeyLog();
  return *log;
}
StoreKeyLog& server_key_log() {
  static StoreKeyLog* log = new StoreKeyLog();
  return *log;
}

std::shared_ptr<TicketKeys> fixed_ticket_keys() {
  static std::shared_ptr<TicketKeys>* keys = [] {
    TicketKeys::KeyMaterial k;
    k.name.assign(TicketKeys::kNameLength, 0x6b);
    k.key.assign(TicketKeys::kKeyLength, 0x3c);
    k.created_ms = kNowMs - 3600 * 1000;
    std::string err;
    // Never rotates, keeps the key forever; sealed with the harnesses' provider (in the fast variants
    // the fuzzer can then make tickets that open, and explore what a server does with their contents).
    auto ring = TicketKeys::from_keys({k}, 0, 0, &err, provider());
    if (!ring) config_failed("ticket keys: " + err);
    return new std::shared_ptr<TicketKeys>(ring);
  }();
  return *keys;
}

static Session make_fixed_session13(uint16_t suite) {
  const CipherSuite* cs = find_suite(suite);
  if (cs == nullptr || !cs->is_tls13()) config_failed("fixed_session13: not a TLS 1.3 suite");
  TicketState t;
  t.version = 0x0304;
  t.cipher_suite = suite;
  t.secret.resize(crypto::hash_length(cs->prf_hash));
  for (size_t i = 0; i < t.secret.size(); i++) t.secret[i] = static_cast<uint8_t>(0xa5 ^ (3 * i));
  t.server_name = kServerName;
  t.alpn = "h2";
  t.created_ms = kNowMs - 1000;
  t.lifetime_s = 7200;
  t.age_add = 0x01020304u;
  t.max_early_data = kMaxEarlyData;
  t.client = fixed_client_identity();
  auto rng = crypto::make_deterministic_rng(ByteView::of("sanstls fuzz ticket"));
  Session s;
  s.version = 0x0304;
  s.cipher_suite = suite;
  s.master_secret = t.secret;
  s.server_name = kServerName;
  s.alpn = t.alpn;
  s.created_ms = t.created_ms;
  s.lifetime_s = t.lifetime_s;
  s.ticket = seal_ticket(*fixed_ticket_keys(), t, kNowMs - 1000, *rng);
  if (s.ticket.empty()) config_failed("fixed_session13: sealing the ticket failed");
  s.ticket_age_add = t.age_add;
  s.max_early_data = t.max_early_data;
  s.peer = fixed_server_identity();
  return s;
}

Session fixed_session13(uint16_t suite) {
  // Made once per suite (sealing the ticket is the costly part) and copied out: the same bytes anyway.
  static auto* made = new std::map<uint16_t, Session>();
  auto it = made->find(suite);
  if (it != made->end()) return it->second;
  Session s = make_fixed_session13(suite);
  (*made)[suite] = s;
  return s;
}

namespace {

// The harnesses ask for the same configs on every input: each is built once per key and kept. One
// cache per call site (the Make lambda's type makes each instantiation its own).
template <typename Config, typename Key, typename Make>
std::shared_ptr<const Config> built_once(const Key& key, Make make) {
  static auto* cache = new std::map<Key, std::shared_ptr<const Config>>();
  auto it = cache->find(key);
  if (it != cache->end()) return it->second;
  std::shared_ptr<const Config> made = make();
  (*cache)[key] = made;
  return made;
}

template <typename B>
auto build_or_fail(B& b) {
  auto built = b.build();
  if (!built.ok()) config_failed(built.error);
  return built.config;
}

// What every harness server has: both certificates, ALPN, the fixed session cache, ticket keys and key
// log, the suite (0: all) and client authentication.
ServerConfig::Builder server_builder(ClientAuth auth, uint16_t suite) {
  ServerConfig::Builder b;
  b.provider(provider());
  b.certificate(pem(certs::server_rsa_pem), pem(certs::server_rsa_key_pem));
  b.certificate(pem(certs::server_ec_chain_pem), pem(certs::server_ec_key_pem));
  b.alpn({"h2", "http/1.1"});
  b.session_cache(std::make_shared<FixedSessionCache>());
  b.key_log(std::shared_ptr<KeyLog>(&server_key_log(), [](KeyLog*) {}));
  // Fixed ticket keys: otherwise the config's ring draws its keys from the system generator (the
  // default ticket_key_generator), and the tickets of a run would not be the same in the next.
  b.ticket_keys(fixed_ticket_keys());
  if (suite != 0) b.cipher_suites({suite});
  if (auth != ClientAuth::none) b.client_auth(auth, pem(certs::ca_pem));
  return b;
}

// What every harness client has: the CA, ALPN, the key log, the suite (0: all) and the certificate.
ClientConfig::Builder client_builder(uint16_t suite, bool with_cert) {
  ClientConfig::Builder b;
  b.provider(provider());
  b.trust_anchors_pem(pem(certs::ca_pem));
  b.alpn({"http/1.1", "h2"});
  b.key_log(std::shared_ptr<KeyLog>(&client_key_log(), [](KeyLog*) {}));
  if (suite != 0) b.cipher_suites({suite});
  if (with_cert) b.client_certificate(pem(certs::client_pem), pem(certs::client_key_pem));
  return b;
}

}  // namespace

std::shared_ptr<const ServerConfig> server_config13(ClientAuth auth, bool p256_only, uint16_t suite) {
  return built_once<ServerConfig>(std::make_tuple(static_cast<int>(auth), p256_only, suite), [&] {
    ServerConfig::Builder b = server_builder(auth, suite);
    b.max_early_data(kMaxEarlyData);
    if (p256_only) b.groups({0x0017});
    // A guard that forgets at once: 0-RTT acceptance must not depend on earlier inputs.
    auto copy = std::make_shared<ServerConfig>(*build_or_fail(b));
    copy->early_data_guard = std::make_shared<EarlyDataGuard>(16, 0);
    return std::shared_ptr<const ServerConfig>(copy);
  });
}

std::shared_ptr<const ClientConfig> client_config13(uint16_t suite, bool with_cert) {
  return built_once<ClientConfig>(std::make_pair(suite, with_cert), [&] {
    ClientConfig::Builder b = client_builder(suite, with_cert);
    b.early_data(true);
    const CipherSuite* cs = find_suite(suite);
    if (cs != nullptr && cs->is_tls13()) b.versions(0x0304, 0x0304);
    return build_or_fail(b);
  });
}

std::shared_ptr<const ServerConfig> server_config(ClientAuth auth, uint16_t suite) {
  return built_once<ServerConfig>(std::make_pair(static_cast<int>(auth), suite), [&] {
    ServerConfig::Builder b = server_builder(auth, suite);
    b.versions(0x0303, 0x0303);  // the TLS 1.2 corpora depend on it; TLS 1.3: server_config13()
    return build_or_fail(b);
  });
}

std::shared_ptr<const ClientConfig> client_config(uint16_t suite, bool with_cert) {
  return built_once<ClientConfig>(std::make_pair(suite, with_cert), [&] {
    ClientConfig::Builder b = client_builder(suite, with_cert);
    b.versions(0x0303, 0x0303);
    return build_or_fail(b);
  });
}

void Driver::check_output() {
  size_t total = consumed_ + c_.pending_output().size();
  if (c_.error() != nullptr) {
    if (!error_seen_) {
      error_seen_ = true;
      output_at_error_ = total;
    }
    require(total == output_at_error_, "output grew after the connection failed");
  }
}

void Driver::drain() {
  for (int guard = 0;; guard++) {
    require(guard < 100000, "next_event() never runs dry");
    std::optional<Event> ev = c_.next_event();
    if (!ev) break;
    events++;
    require(!closed, "an event after Closed");
    switch (ev->type) {
      case Event::Type::handshake_done:
        require(!done, "handshake_done twice");
        require(c_.info() != nullptr, "handshake_done without info()");
        done = true;
        break;
      case Event::Type::app_data: {
        // TLS 1.3 0-RTT data reaches a server before handshake_done, flagged early_data; nothing else
        // may, and early data never comes after it or to a client.
        if (ev->early_data) {
          require(!c_.is_client(), "a client received 0-RTT data");
          require(!done, "0-RTT data after handshake_done");
          early_data += ev->data.size();
        } else if (!done) {
          data_before_done = true;
        }
        require(ev->data.size() <= 16384, "app_data event larger than a record");
        data.append(reinterpret_cast<const char*>(ev->data.data()), ev->data.size());
        if (echo && c_.error() == nullptr && !c_.is_closed()) {
          Bytes copy = ev->data.to_bytes();  // the view dies with the next call
          (void)c_.send(copy);
        }
        break;
      }
      case Event::Type::alert_received:
        alerts.push_back(ev->alert);
        break;
      case Event::Type::closed:
        closed = true;
        clean = ev->clean;
        break;
      case Event::Type::handshake_message:
      case Event::Type::session_ticket:
      case Event::Type::peer_authenticated:
        break;
      case Event::Type::sign_request:
      case Event::Type::decrypt_request:
      case Event::Type::verify_request:
      case Event::Type::select_request:
        require(answer_async, "a request event from a config that asks for none");
        require(!request_.has_value(), "a second request before the first was answered");
        // The step that asked may still have failed after asking (e.g. data across the key change it
        // made): then the connection does not wait, Closed follows, and a completion gets the error.
        require(c_.awaiting() || c_.error() != nullptr, "a request event but the connection neither waits nor failed");
        if (c_.awaiting()) request_ = *ev;
        else require(!c_.complete_sign(std::nullopt).ok(), "a completion succeeded on a failed connection");
        break;
    }
    check_output();
  }
  check_output();
}

bool Driver::feed(ByteView data) {
  size_t off = 0;
  for (int guard = 0; off < data.size(); guard++) {
    require(guard < 1000000, "receive() loop does not end");
    bool had_error = c_.error() != nullptr;
    Result<size_t> r = c_.receive(data.sub(off));
    check_output();
    require(!had_error || !r.ok(), "receive() succeeded after the connection failed");
    if (!r.ok()) {
      require(c_.error() != nullptr, "receive() failed but error() is null");
      drain();
      return false;
    }
    require(r.value() <= data.size() - off, "receive() took more than it was given");
    size_t before = events;
    off += r.value();
    drain();
    if (r.value() == 0 && c_.awaiting()) {
      // Waiting for an answer, with more input there: answer now (the application's loop would).
      require(request_.has_value(), "the connection waits but emitted no request");
      answer();
      if (c_.error() != nullptr) return false;
      continue;
    }
    // No input taken and no event to read: the connection would stall a transport forever.
    require(r.value() > 0 || events > before, "receive() took nothing and produced no event");
  }
  return c_.error() == nullptr;
}

void Driver::answer() {
  require(request_.has_value() && c_.awaiting(), "answer() with nothing to answer");
  if (!answer_rng_) answer_rng_ = crypto::make_deterministic_rng(ByteView::of("fuzz: the application's answers"));
  const Event ev = *request_;
  // A completion for another operation is api_misuse and changes nothing.
  size_t out_before = c_.pending_output().size();
  Status wrong = ev.type == Event::Type::verify_request ? c_.complete_sign(Bytes{1}) : c_.complete_verify(CertVerdict::accept());
  require(!wrong.ok() && wrong.error().kind == ErrorKind::api_misuse, "a completion for the wrong operation was taken");
  require(c_.awaiting() && c_.error() == nullptr && c_.pending_output().size() == out_before,
          "a wrong completion changed the connection");
  Status st;
  switch (ev.type) {
    case Event::Type::sign_request: {
      Bytes sig;
      std::optional<Bytes> answer;
      if (ev.certificate->key->sign(static_cast<crypto::SignatureScheme>(ev.scheme), ev.data, *answer_rng_, &sig) ==
          crypto::Status::ok)
        answer = std::move(sig);
      st = c_.complete_sign(std::move(answer));
      break;
    }
    case Event::Type::decrypt_request: {
      Bytes pms(48);
      std::optional<Bytes> answer;
      if (ev.certificate->key->rsa_decrypt_premaster(ev.data, ev.client_version, *answer_rng_, pms.data()) ==
          crypto::Status::ok)
        answer = std::move(pms);
      st = c_.complete_decrypt(std::move(answer));
      break;
    }
    case Event::Type::verify_request:
      st = c_.complete_verify(CertVerdict::accept());  // the default check already ran (after_default)
      break;
    case Event::Type::select_request:
      st = c_.complete_selection(Selection());  // the config's own certificates
      break;
    default:
      fail("answer(): not a request");
  }
  request_.reset();
  check_output();
  require(st.ok() == (c_.error() == nullptr), "a completion's status and error() disagree");
  drain();
}

void Driver::finish_async() {
  if (request_ && c_.awaiting()) answer();
}

void Driver::check_sticky() {
  if (c_.error() == nullptr) return;
  uint8_t byte = 'x';
  require(!c_.send(ByteView(&byte, 1)).ok(), "send() succeeded after the connection failed");
  require(!c_.receive(ByteView(&byte, 1)).ok(), "receive() succeeded after the connection failed");
  drain();
  check_output();
}

Bytes Driver::take_output() {
  check_output();
  ByteView out = c_.pending_output();
  Bytes b = out.to_bytes();
  consumed_ += b.size();
  c_.consume_output(b.size());
  return b;
}

bool verbose() {
  static const bool on = std::getenv("SANSTLS_FUZZ_VERBOSE") != nullptr;
  return on;
}

void report(const char* who, const Connection& c, const Driver& d) {
  const HandshakeInfo* info = c.info();
  std::fprintf(stderr, "%s: done=%d resumed=%d client_auth=%d suite=%04x data=%zu closed=%d clean=%d error=%s\n", who,
               d.done, info ? info->resumed : 0, info ? info->client_authenticated : 0,
               info ? info->cipher_suite : 0, d.data.size(), d.closed, d.clean,
               c.error() ? c.error()->what : "-");
}

void finish_single(const char* who, Connection& conn, Driver& d, FixedClock& clock, uint8_t flags) {
  require(!d.data_before_done, "application data accepted before the handshake was done");
  if (flags & 16) {
    conn.close();
    d.drain();
    (void)d.take_output();
  }
  if (flags & 8) {
    conn.receive_eof();
    d.drain();
    (void)d.take_output();
  }
  if (flags & 32) {
    uint64_t deadline = conn.next_deadline();
    if (deadline != 0) {
      clock.set(deadline + 1);
      conn.on_timeout();
      d.drain();
      if (!d.done) require(conn.error() != nullptr, "a handshake outlived its deadline");
      (void)d.take_output();
    }
  }
  d.check_sticky();
  if (verbose()) report(who, conn, d);
}

void feed_split(Driver& d, Input& in) {
  size_t n = in.u8() & 15;
  std::vector<size_t> sizes;
  for (size_t i = 0; i < n; i++) sizes.push_back(in.u8());
  ByteView stream = in.rest();
  size_t off = 0;
  for (size_t s : sizes) {
    if (off >= stream.size()) break;
    size_t len = s == 0 ? stream.size() - off : std::min(s, stream.size() - off);
    if (!d.feed(stream.sub(off, len))) return;
    off += len;
  }
  if (off < stream.size()) d.feed(stream.sub(off));
}

}  // namespace fuzz
}  // namespace sanstls
