#include "tools/capture/replay.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "core/bytes.h"
#include "core/suites.h"
#include "core/wire.h"
#include "tools/capture/decode.h"

namespace sanstls {
namespace capture {

// ---------------------------------------------------------------------------------------------------
// ReplaySource

namespace {
std::string describe_entry(const Entry& e) {
  switch (e.type) {
    case EntryType::rng: return "a draw of " + std::to_string(e.payload.size()) + " random bytes";
    case EntryType::clock: return "a clock reading";
    case EntryType::result: return "the result of the call";
    case EntryType::receive: return "receive() of " + std::to_string(e.payload.size()) + " bytes";
    case EntryType::send: return "send() of " + std::to_string(e.payload.size()) + " bytes";
    case EntryType::consume: return "consume_output(" + std::to_string(e.payload.size()) + ")";
    case EntryType::event: {
      RecordedEvent ev;
      return decode_event(e.payload, &ev) ? "next_event() -> " + describe_event(ev) : "a malformed event";
    }
    case EntryType::no_event: return "next_event() -> nothing";
    case EntryType::cache_get: return "a session cache look-up";
    case EntryType::cache_put: return "a session stored in the cache";
    case EntryType::cache_remove: return "a session removed from the cache";
    case EntryType::ticket_open: return "a ticket opened";
    case EntryType::ticket_seal: return "a ticket sealed";
    case EntryType::early_data_check: return "a 0-RTT strike register check";
    case EntryType::async_answer: {
      AsyncAnswer a;
      return decode_async_answer(e.payload, &a) ? describe_async_answer(a) : "a malformed async_answer";
    }
    case EntryType::hook_answer: {
      HookAnswer a;
      return decode_hook_answer(e.payload, &a) ? "the answer " + describe_hook_answer(a) : "a malformed hook_answer";
    }
    default: return std::string(entry_type_name(e.type)) + "()";
  }
}

std::string hex_bytes(ByteView b, size_t max) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < b.size() && i < max; i++) {
    std::snprintf(buf, sizeof(buf), "%02x", b[i]);
    if (!s.empty()) s += ' ';
    s += buf;
  }
  if (b.size() > max) s += " ...";
  return s.empty() ? "(none)" : s;
}
}  // namespace

void ReplaySource::fail(size_t entry, const std::string& why) {
  if (failed_) return;
  failed_ = true;
  failure_entry_ = entry;
  failure_ = why;
}

std::string ReplaySource::describe_next() const {
  if (pos_ >= entries_.size()) return "nothing more (the capture ends)";
  return describe_entry(entries_[pos_]) + " (entry #" + std::to_string(pos_) + ")";
}

void ReplaySource::Rng::fill(uint8_t* out, size_t n) {
  if (s_.failed_) {
    // Not zeros: the engine redraws some values while they are 0 (key shares), which would never end.
    s_.fallback_->fill(out, n);
    return;
  }
  if (s_.pos_ < s_.entries_.size() && s_.entries_[s_.pos_].type == EntryType::rng &&
      s_.entries_[s_.pos_].payload.size() == n) {
    if (n > 0) std::memcpy(out, s_.entries_[s_.pos_].payload.data(), n);
    s_.pos_++;
    return;
  }
  s_.fail(s_.pos_, "the engine drew " + std::to_string(n) + " random bytes where the capture has " + s_.describe_next());
  s_.fallback_->fill(out, n);
}

uint64_t ReplaySource::Clk::now_ms() {
  if (s_.failed_) return 0;
  if (s_.pos_ < s_.entries_.size() && s_.entries_[s_.pos_].type == EntryType::clock) {
    Reader r(s_.entries_[s_.pos_].payload);
    uint64_t t;
    if (r.u64(&t) && r.empty()) {
      s_.pos_++;
      return t;
    }
  }
  s_.fail(s_.pos_, "the engine read the clock where the capture has " + s_.describe_next());
  return 0;
}

const Entry* ReplaySource::take(EntryType t, const std::string& what) {
  if (failed_) return nullptr;
  if (pos_ < entries_.size() && entries_[pos_].type == t) return &entries_[pos_++];
  fail(pos_, "the engine " + what + " where the capture has " + describe_next());
  return nullptr;
}

namespace {

// Decodes the answer entry the engine's question should meet; null (and a failure) when there is none,
// it is malformed, or its key is not what the engine asked about.
const OutsideAnswer* answer(ReplaySource& s, EntryType t, const std::string& what, ByteView key, OutsideAnswer* a) {
  size_t at = s.position();
  const Entry* e = s.take(t, what);
  if (e == nullptr) return nullptr;
  if (!decode_answer(t, e->payload, a)) {
    s.fail(at, "the capture's " + std::string(entry_type_name(t)) + " entry is malformed");
    return nullptr;
  }
  if (ByteView(a->key) != key) {
    s.fail(at, "the engine " + what + " for another " +
                   (t == EntryType::ticket_seal ? std::string("plaintext") : std::string("key")) +
                   " than the capture's: " + hex_bytes(key, 16) + " where the capture has " + hex_bytes(a->key, 16));
    return nullptr;
  }
  return a;
}

class ReplayCache : public SessionCache {
 public:
  explicit ReplayCache(ReplaySource& s) : s_(s) {}
  void put(const Session& session) override {
    size_t at = s_.position();
    const Entry* e = s_.take(EntryType::cache_put, "stored a session in the cache");
    if (e != nullptr && ByteView(e->payload) != ByteView(session.encode()))
      s_.fail(at, "the engine stored another session in the cache than the capture's");
  }
  bool get(ByteView id, uint64_t, Session* out) override {
    OutsideAnswer a;
    if (!answer(s_, EntryType::cache_get, "looked a session up in the cache", id, &a) || !a.flag) return false;
    if (!Session::decode(a.value, out)) {
      s_.fail(s_.position() - 1, "the session in the capture's cache_get entry does not decode");
      return false;
    }
    return true;
  }
  void remove(ByteView id) override {
    size_t at = s_.position();
    const Entry* e = s_.take(EntryType::cache_remove, "removed a session from the cache");
    if (e != nullptr && ByteView(e->payload) != id) s_.fail(at, "the engine removed another session than the capture's");
  }

 private:
  ReplaySource& s_;
};

class ReplayTicketer : public Ticketer {
 public:
  explicit ReplayTicketer(ReplaySource& s) : s_(s) {}
  Bytes seal(ByteView plaintext, uint64_t, crypto::Rng&) override {
    OutsideAnswer a;
    if (!answer(s_, EntryType::ticket_seal, "sealed a ticket", plaintext, &a)) return {};
    return a.value;
  }
  bool open(ByteView ticket, uint64_t, Bytes* plaintext) override {
    plaintext->clear();
    OutsideAnswer a;
    if (!answer(s_, EntryType::ticket_open, "opened a ticket", ticket, &a) || !a.flag) return false;
    *plaintext = a.value;
    return true;
  }

 private:
  ReplaySource& s_;
};

class ReplayGuard : public EarlyDataGuard {
 public:
  ReplayGuard(ReplaySource& s, uint64_t window_ms) : EarlyDataGuard(0, window_ms), s_(s) {}
  bool first_use(ByteView id, uint64_t) override {
    OutsideAnswer a;
    return answer(s_, EntryType::early_data_check, "checked a 0-RTT binder", id, &a) && a.flag;
  }

 private:
  ReplaySource& s_;
};

}  // namespace

namespace {
// The hook_answer the engine's question should meet; false (and a failure) when the capture has none
// next, it is malformed, answers another hook, or answers another request.
bool hook_answer(ReplaySource& s, HookAnswer::Hook hook, const std::string& what, const Bytes& hash, HookAnswer* a) {
  size_t at = s.position();
  const Entry* e = s.take(EntryType::hook_answer, what);
  if (e == nullptr) return false;
  if (!decode_hook_answer(e->payload, a)) {
    s.fail(at, "the capture's hook_answer entry is malformed");
    return false;
  }
  if (a->hook != hook) {
    s.fail(at, "the engine " + what + " where the capture has the answer " + describe_hook_answer(*a));
    return false;
  }
  if (a->request_hash != hash) {
    s.fail(at, "the engine " + what + " and asked something else than the capture's (its request's hash " +
                   hex_bytes(hash, 8) + ", the capture's " + hex_bytes(a->request_hash, 8) + ")");
    return false;
  }
  return true;
}
}  // namespace

std::function<CertVerdict(const CertificateCheck&)> ReplaySource::verifier_check() {
  return [this](const CertificateCheck& c) {
    HookAnswer a;
    if (!hook_answer(*this, HookAnswer::Hook::verify, "called the verifier's check", check_request_hash(c), &a))
      return CertVerdict::refuse(AlertDescription::bad_certificate);
    return a.ok ? CertVerdict::accept() : CertVerdict::refuse(a.alert);
  };
}

std::function<Selection(const ClientHelloInfo&)> ReplaySource::selection(
    std::vector<std::shared_ptr<const CertifiedKey>> certificates) {
  return [this, certificates](const ClientHelloInfo& hello) {
    HookAnswer a;
    size_t at = position();
    if (!hook_answer(*this, HookAnswer::Hook::select, "called the selection hook", selection_request_hash(hello), &a))
      return Selection::refused(AlertDescription::internal_error);
    if (!a.ok) return Selection::refused(a.alert);
    Selection sel;
    if (a.certificate_index >= 0) {
      if (static_cast<size_t>(a.certificate_index) >= certificates.size()) {
        fail(at, "the capture selects certificate." + std::to_string(a.certificate_index) + ", which the config does not have");
        return Selection::refused(AlertDescription::internal_error);
      }
      sel.certificate = certificates[a.certificate_index];
    }
    return sel;
  };
}

std::function<AlpnDecision(const std::vector<std::string>&, const std::string&)> ReplaySource::alpn_select() {
  return [this](const std::vector<std::string>& offered, const std::string& server_name) {
    HookAnswer a;
    if (!hook_answer(*this, HookAnswer::Hook::alpn, "called the ALPN hook", alpn_request_hash(offered, server_name), &a))
      return AlpnDecision::refuse();
    return a.alpn;
  };
}

std::shared_ptr<SessionCache> ReplaySource::session_cache() { return std::make_shared<ReplayCache>(*this); }
std::shared_ptr<Ticketer> ReplaySource::ticketer() { return std::make_shared<ReplayTicketer>(*this); }
std::shared_ptr<EarlyDataGuard> ReplaySource::early_data_guard(uint64_t window_ms) {
  return std::make_shared<ReplayGuard>(*this, window_ms);
}

// ---------------------------------------------------------------------------------------------------
// Config

namespace {

bool parse_hex16_list(const std::string& s, std::vector<uint16_t>* out) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    Bytes b;
    if (!from_hex(s.substr(i, j - i), &b) || b.size() != 2) return false;
    out->push_back(static_cast<uint16_t>(b[0] << 8 | b[1]));
    i = j + 1;
  }
  return true;
}

bool parse_alpn(const std::string& s, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    Bytes b;
    if (!from_hex(s.substr(i, j - i), &b)) return false;
    out->push_back(ByteView(b).to_string());
    i = j + 1;
  }
  return true;
}

std::string get(const Description& d, const std::string& k) {
  auto it = d.find(k);
  return it == d.end() ? "" : it->second;
}

uint64_t get_num(const Description& d, const std::string& k) {
  return std::strtoull(get(d, k).c_str(), nullptr, 10);
}

bool apply_common(const Description& d, CommonConfig* c, std::string* error) {
  if (!parse_hex16_list(get(d, "cipher_suites"), &c->cipher_suites) ||
      !parse_hex16_list(get(d, "groups"), &c->groups) ||
      !parse_hex16_list(get(d, "signature_schemes"), &c->signature_schemes) || !parse_alpn(get(d, "alpn"), &c->alpn)) {
    *error = "the capture's config description is malformed";
    return false;
  }
  c->extended_master_secret = get(d, "extended_master_secret") == "1";
  c->encrypt_then_mac = get(d, "encrypt_then_mac") == "1";
  c->record_size_limit = static_cast<uint16_t>(get_num(d, "record_size_limit"));
  c->max_handshake_message = static_cast<uint32_t>(get_num(d, "max_handshake_message"));
  c->handshake_timeout_ms = get_num(d, "handshake_timeout_ms");
  std::vector<uint16_t> v;
  if (parse_hex16_list(get(d, "min_version"), &v) && v.size() == 1) c->min_version = v[0];
  if (parse_hex16_list(get(d, "max_version"), &v) && v.size() == 1) c->max_version = v[0];
  c->middlebox_compat = get(d, "middlebox_compat") != "0";
  c->allow_psk_ke = get(d, "allow_psk_ke") == "1";
  if (d.count("max_key_updates")) c->max_key_updates = static_cast<uint32_t>(get_num(d, "max_key_updates"));
  c->record_padding = static_cast<uint16_t>(get_num(d, "record_padding"));
  return true;
}

// Every setting of the capture's description must be what the rebuilt config gives.
bool compare(const Description& recorded, const Description& rebuilt, std::string* error) {
  for (const auto& kv : recorded) {
    if (kv.first == "library") continue;
    auto it = rebuilt.find(kv.first);
    if (it == rebuilt.end()) {
      if (kv.first == "trust_anchors" || kv.first == "client_trust") {
        *error = "the capture's config trusted anchors with fingerprints " + kv.second + ": give them with -CAfile";
      } else {
        *error = "the capture's config has " + kv.first + "=" + kv.second + ", which the given files do not provide";
      }
      return false;
    }
    if (it->second != kv.second) {
      *error = kv.first + " differs: the capture has " + kv.second + ", the files give " + it->second;
      return false;
    }
  }
  return true;
}

std::vector<Bytes> anchors_of(const Bytes& pem) {
  std::vector<Bytes> der;
  std::string err;
  if (!pem.empty()) crypto::default_provider().load_certificates(pem, &der, &err);
  return der;
}

// The verifier a description names ("async,<mode>,<hex tag>" or "sync,<mode>,<hex tag>"), as
// describe_config writes it; false when the value is malformed.
bool parse_verifier(const std::string& value, CertificateVerifier* v) {
  size_t a = value.find(',');
  size_t b = a == std::string::npos ? a : value.find(',', a + 1);
  if (b == std::string::npos || (value.substr(0, a) != "async" && value.substr(0, a) != "sync")) return false;
  std::string mode = value.substr(a + 1, b - a - 1);
  if (mode != "after_default" && mode != "replace_default") return false;
  Bytes tag;
  if (!from_hex(value.substr(b + 1), &tag)) return false;
  v->async = value.substr(0, a) == "async";
  // sync: a stand-in check, so that the config describes as the captured one; the replay answers from
  // the capture's hook_answer entries instead (Replayer::setup).
  if (!v->async) v->check = [](const CertificateCheck&) { return CertVerdict::refuse(); };
  v->mode = mode == "replace_default" ? CertificateVerifier::Mode::replace_default : CertificateVerifier::Mode::after_default;
  v->tag = ByteView(tag).to_string();
  return true;
}

}  // namespace

namespace {
// Seals and opens nothing.
class NoTicketer : public Ticketer {
 public:
  Bytes seal(ByteView, uint64_t, crypto::Rng&) override { return {}; }
  bool open(ByteView, uint64_t, Bytes* plaintext) override {
    plaintext->clear();
    return false;
  }
};
}  // namespace

bool rebuild_config(const Description& d, const ReplayFiles& files, std::shared_ptr<const ClientConfig>* client,
                    std::shared_ptr<const ServerConfig>* server, std::string* error, uint16_t version) {
  std::string role = get(d, "role");
  DescribeOptions opts;
  opts.trust_anchors_der = anchors_of(files.ca_pem);
  if (role == "client") {
    bool verify = get(d, "verify_server") == "1";
    if (verify && files.ca_pem.empty()) {
      *error = "the capture's client verified the server: give the trust anchors with -CAfile";
      return false;
    }
    if (d.count("client_certificate") && files.certificates.empty()) {
      *error = "the capture's client had a certificate: give it with -cert and -key";
      return false;
    }
    ClientConfig::Builder b;
    if (!files.ca_pem.empty()) b.trust_anchors_pem(files.ca_pem);
    b.verify_server(verify);
    if (!files.certificates.empty()) b.client_certificate(files.certificates[0].first, files.certificates[0].second);
    // Asynchronous operations: the replayed engine asks as the captured one did, and the capture's
    // async_answer entries answer.
    b.async_signing(get(d, "client_key_async") == "1");
    if (d.count("certificate_verifier")) {
      CertificateVerifier v;
      if (!parse_verifier(get(d, "certificate_verifier"), &v)) {
        *error = "the capture's certificate_verifier is malformed";
        return false;
      }
      b.certificate_verifier(std::move(v));
    }
    Built<ClientConfig> built = b.build();
    if (!built.ok()) {
      *error = "config: " + built.error;
      return false;
    }
    auto c = std::make_shared<ClientConfig>(*built.config);
    if (!apply_common(d, c.get(), error)) return false;
    c->enable_early_data = get(d, "enable_early_data") == "1";
    if (!compare(d, describe_config(*c, opts), error)) return false;
    *client = c;
    return true;
  }
  if (role != "server") {
    *error = "the capture's config description has no role";
    return false;
  }
  size_t n = get_num(d, "certificates");
  if (files.certificates.size() != n) {
    *error = "the capture's server had " + std::to_string(n) + " certificate(s): give each with -cert and -key (" +
             std::to_string(files.certificates.size()) + " given)";
    return false;
  }
  std::string mode = get(d, "client_auth");
  ServerConfig::Builder b;
  for (const auto& ck : files.certificates) b.certificate(ck.first, ck.second);
  if (mode != "none") {
    if (files.ca_pem.empty()) {
      *error = "the capture's server asked for client certificates: give their trust anchors with -CAfile";
      return false;
    }
    b.client_auth(mode == "required" ? ClientAuth::required : ClientAuth::optional, files.ca_pem);
  }
  if (d.count("client_certificate_verifier")) {
    CertificateVerifier v;
    if (!parse_verifier(get(d, "client_certificate_verifier"), &v)) {
      *error = "the capture's client_certificate_verifier is malformed";
      return false;
    }
    b.client_certificate_verifier(std::move(v));
  }
  b.select_async(get(d, "select_async") == "1");
  // Synchronous hooks: stand-ins, so that the config describes as the captured one; the replay answers
  // from the capture's hook_answer entries instead (Replayer::setup).
  if (get(d, "select") == "sync") b.select([](const ClientHelloInfo&) { return Selection::refused(); });
  if (get(d, "alpn_select") == "sync")
    b.alpn_select([](const std::vector<std::string>&, const std::string&) { return AlpnDecision::refuse(); });
  Built<ServerConfig> built = b.build();
  if (!built.ok()) {
    *error = "config: " + built.error;
    return false;
  }
  auto s = std::make_shared<ServerConfig>(*built.config);
  if (!apply_common(d, s.get(), error)) return false;
  for (size_t i = 0; i < s->certificates.size(); i++) {
    if (get(d, "key_async." + std::to_string(i)) != "1") continue;
    auto k = std::make_shared<CertifiedKey>(*s->certificates[i]);
    k->async = true;
    s->certificates[i] = k;
  }
  s->prefer_server_order = get(d, "prefer_server_order") == "1";
  s->strict_sni = get(d, "strict_sni") == "1";
  s->session_lifetime_s = static_cast<uint32_t>(get_num(d, "session_lifetime_s"));
  if (get(d, "session_cache") != "1") s->session_cache = nullptr;
  if (get(d, "ticket_keys") == "configured") {
    if (version < 2) {
      *error = "the captured server had ticket keys of its own, which a version 1 capture does not hold (they are secret)";
      return false;
    }
    // A stand-in, so that the config describes as the captured one; the replay answers from the
    // capture's ticket entries instead (Replayer::setup).
    s->ticket_keys = std::make_shared<NoTicketer>();
  }
  s->tickets = get(d, "tickets") != "0";
  s->tickets_per_handshake = static_cast<uint8_t>(get(d, "tickets_per_handshake").empty() ? 1 : get_num(d, "tickets_per_handshake"));
  s->max_early_data = static_cast<uint32_t>(get_num(d, "max_early_data"));
  s->hrr_cookie = get(d, "hrr_cookie") != "0";
  if (!compare(d, describe_config(*s, opts), error)) return false;
  *server = s;
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Replay

namespace {

// Collects the master secrets the replayed connection logs, so that the trace can decrypt.
class MapKeyLog : public KeyLog {
 public:
  explicit MapKeyLog(KeyLogMap* m) : m_(m) {}
  void log(const char* label, ByteView client_random, ByteView secret) override {
    (*m_)[{label, client_random.to_bytes()}] = secret.to_bytes();
  }

 private:
  KeyLogMap* m_;
};

class Replayer {
 public:
  Replayer(const Capture& cap, ReplayResult* res)
      : version_(cap.version), e_(cap.entries), src_(cap.entries), res_(*res) {}
  void run(const ReplayFiles& files);

 private:
  bool setup(const ReplayFiles& files);
  void expected_streams();
  void diverge(size_t entry, const std::string& what);
  bool check_source(size_t entry, const std::string& call);
  bool expect_result(size_t entry, const std::string& call, const Result<size_t>& actual);
  void compare_output(size_t entry, ByteView expected, const std::string& call);
  void feed_live(int dir, ByteView b) { live_.feed(dir, b, &res_.trace); }
  std::string call_name(size_t entry) const {
    return describe_entry(e_[entry]);
  }

  uint16_t version_;
  const std::vector<Entry>& e_;
  ReplaySource src_;
  ReplayResult& res_;
  StartInfo start_;
  Description desc_;
  KeyLogMap keys_;
  std::unique_ptr<Connection> conn_;
  std::shared_ptr<const ServerConfig> server_config_;  // a server's: a selection names its certificates
  // The last request event the replayed engine gave, until answered (as CapturingConnection keeps it).
  Event::Type pending_type_ = Event::Type::closed;
  Bytes pending_hash_;
  ConnectionDecoder expected_{nullptr};  // both streams as recorded, for naming positions
  ConnectionDecoder live_{&keys_};       // both streams as replayed, for the trace
  int out_dir_ = 0, in_dir_ = 1;
  size_t out_off_ = 0, in_off_ = 0;
  std::string last_input_;
  bool diverged_ = false;
};

void Replayer::diverge(size_t entry, const std::string& what) {
  if (diverged_) return;
  diverged_ = true;
  res_.outcome = ReplayResult::Outcome::divergence;
  res_.divergent_entry = entry;
  res_.message = "DIVERGENCE at capture entry #" + std::to_string(entry) + ": " + what;
  if (!last_input_.empty()) res_.message += "\n  last input: " + last_input_;
}

bool Replayer::check_source(size_t entry, const std::string& call) {
  if (!src_.failed()) return true;
  diverge(src_.failure_entry(), "during " + call + ": " + src_.failure());
  return false;
}

bool Replayer::setup(const ReplayFiles& files) {
  if (e_.size() < 2 || e_[0].type != EntryType::start || e_[1].type != EntryType::config ||
      !decode_start(e_[0].payload, &start_) || !parse_description(ByteView(e_[1].payload).to_string(), &desc_)) {
    res_.message = "the capture does not begin with its start and config entries";
    return false;
  }
  if (start_.resume && version_ < 2) {
    res_.message = "the captured client resumed a saved session, which a version 1 capture does not hold "
                   "(re-capture it with this version: it then holds the session)";
    return false;
  }
  std::shared_ptr<const ClientConfig> cc;
  std::shared_ptr<const ServerConfig> sc;
  if (!rebuild_config(desc_, files, &cc, &sc, &res_.message, version_)) return false;
  auto log = std::make_shared<MapKeyLog>(&keys_);
  src_.set_position(2);
  if (cc) {
    auto c = std::make_shared<ClientConfig>(*cc);
    c->key_log = log;
    Connection::ClientOptions o;
    o.server_name = start_.server_name;
    o.trace = start_.trace;
    if (version_ >= 2) {
      // The options the start entry lacks, and the session the client offered.
      ClientOptionsEntry co;
      if (e_.size() < 3 || e_[2].type != EntryType::client_options || !decode_client_options(e_[2].payload, &co)) {
        res_.message = "the client capture has no client_options entry after its config";
        return false;
      }
      o.verify_name = co.verify_name;
      o.no_name_check = co.no_name_check;
      o.early_data = co.early_data;
      if (!co.session.empty()) {
        Session session;
        if (!Session::decode(co.session, &session)) {
          res_.message = "the session the captured client offered does not decode";
          return false;
        }
        o.resume = std::move(session);
      }
      if (start_.resume != o.resume.has_value()) {
        res_.message = "the capture's start entry and client_options disagree on whether a session was offered";
        return false;
      }
      src_.set_position(3);
    }
    if (c->certificate_verifier && !c->certificate_verifier->async) {
      auto v = std::make_shared<CertificateVerifier>(*c->certificate_verifier);
      v->check = src_.verifier_check();
      c->certificate_verifier = v;
    }
    conn_ = std::make_unique<Connection>(Connection::client(c, o, src_.rng(), src_.clock()));
    out_dir_ = kClientToServer;
  } else {
    auto s = std::make_shared<ServerConfig>(*sc);
    s->key_log = log;
    if (version_ < 2 && !s->ticket_keys) {
      // A version 1 server made its ticket ring from the connection's generator at its first use (see
      // docs/capture-format.md, "Older captures"): the ring's generator is the capture's generator
      // entries, drawn from at the same points. (The replay outlives the config and its ring.)
      s->ticket_key_generator = std::shared_ptr<crypto::Rng>(&src_.rng(), [](crypto::Rng*) {});
    }
    if (version_ >= 2) {
      // The shared state answers from the capture: no cache, ticket keys or strike register is needed.
      s->ticket_keys = src_.ticketer();
      if (s->session_cache) s->session_cache = src_.session_cache();
      if (s->max_early_data > 0)
        s->early_data_guard = src_.early_data_guard(s->early_data_guard ? s->early_data_guard->window_ms() : 10000);
    }
    // The synchronous hooks answer from the capture's hook_answer entries.
    if (s->client_certificate_verifier && !s->client_certificate_verifier->async) {
      auto v = std::make_shared<CertificateVerifier>(*s->client_certificate_verifier);
      v->check = src_.verifier_check();
      s->client_certificate_verifier = v;
    }
    if (s->select && !s->select_async) s->select = src_.selection(s->certificates);
    if (s->alpn_select) s->alpn_select = src_.alpn_select();
    server_config_ = s;
    conn_ = std::make_unique<Connection>(Connection::server(s, src_.rng(), src_.clock()));
    out_dir_ = kServerToClient;
  }
  in_dir_ = 1 - out_dir_;
  res_.trace.push_back(std::string("replaying a ") + (cc ? "client" : "server") + " capture of " +
                       std::to_string(e_.size()) + " entries (" + get(desc_, "library") + ")");
  return true;
}

// Decodes the streams as the capture has them, to say where a divergence lies.
void Replayer::expected_streams() {
  std::vector<std::string> ignored;
  for (size_t i = 2; i < e_.size(); i++) {
    const Entry& e = e_[i];
    if (e.type == EntryType::consume) {
      expected_.feed(out_dir_, e.payload, &ignored);
    } else if (e.type == EntryType::end) {
      EndState end;
      if (decode_end(e.payload, &end)) expected_.feed(out_dir_, end.unconsumed, &ignored);
    } else if (e.type == EntryType::receive) {
      size_t j = i + 1;  // the result follows the draws and readings made during the call
      while (j < e_.size() && (e_[j].type == EntryType::rng || e_[j].type == EntryType::clock ||
                               static_cast<uint8_t>(e_[j].type) >= 0x40))
        j++;
      CallResult r;
      if (j < e_.size() && e_[j].type == EntryType::result && decode_result(e_[j].payload, &r)) {
        // After an error the engine took an unknown part of the chunk: show all of it.
        size_t n = r.ok ? std::min<size_t>(r.count, e.payload.size()) : e.payload.size();
        expected_.feed(in_dir_, ByteView(e.payload).sub(0, n), &ignored);
      }
    }
  }
}

bool Replayer::expect_result(size_t entry, const std::string& call, const Result<size_t>& actual) {
  if (!check_source(entry, call)) return false;
  size_t at = src_.position();
  CallResult rec;
  if (at >= e_.size() || e_[at].type != EntryType::result || !decode_result(e_[at].payload, &rec)) {
    diverge(at, call + " returned, where the capture has " +
                    (at < e_.size() ? describe_entry(e_[at]) : std::string("nothing more")));
    return false;
  }
  src_.set_position(at + 1);
  CallResult got;
  got.ok = actual.ok();
  if (actual.ok()) {
    got.count = static_cast<uint32_t>(actual.value());
  } else {
    got.kind = actual.error().kind;
    got.alert = actual.error().alert;
  }
  if (got.ok != rec.ok || (got.ok && got.count != rec.count) ||
      (!got.ok && (got.kind != rec.kind || got.alert != rec.alert))) {
    std::string why = actual.ok() ? "" : std::string(" (") + actual.error().what + ")";
    diverge(at, call + " returned " + describe_result(got) + why + ", the capture has " + describe_result(rec));
    return false;
  }
  return true;
}

void Replayer::compare_output(size_t entry, ByteView expected, const std::string& call) {
  ByteView actual = conn_->pending_output();
  size_t n = std::min(expected.size(), actual.size());
  size_t k = 0;
  while (k < n && expected[k] == actual[k]) k++;
  if (k == expected.size()) return;
  std::string what = call + ": the first differing output byte is at output stream offset " +
                     std::to_string(out_off_ + k) + "\n  in " + expected_.locate(out_dir_, out_off_ + k);
  if (k < actual.size()) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "\n  expected 0x%02x, actual 0x%02x", expected[k], actual[k]);
    what += buf;
  } else {
    what += "\n  the engine's output ends there (" + std::to_string(actual.size()) + " bytes pending, the capture has " +
            std::to_string(expected.size()) + ")";
  }
  what += "\n  expected: " + hex_bytes(expected.sub(k), 16) + "\n  actual:   " + hex_bytes(actual.sub(std::min(k, actual.size())), 16);
  diverge(entry, what);
}

void Replayer::run(const ReplayFiles& files) {
  if (!setup(files)) {
    res_.outcome = ReplayResult::Outcome::setup_error;
    return;
  }
  expected_streams();
  if (!check_source(2, "the creation of the connection")) return;
  size_t receives = 0;
  while (!diverged_ && src_.position() < e_.size()) {
    size_t i = src_.position();
    const Entry& e = e_[i];
    src_.set_position(i + 1);
    std::string call = call_name(i);
    switch (e.type) {
      case EntryType::receive: {
        Result<size_t> r = conn_->receive(e.payload);
        size_t taken = r.ok() ? r.value() : e.payload.size();  // after an error: show the whole chunk
        last_input_ = "receive() #" + std::to_string(receives++) + " of " + std::to_string(e.payload.size()) +
                      " bytes at input stream offset " + std::to_string(in_off_) +
                      (e.payload.empty() ? "" : ", starting in " + expected_.locate(in_dir_, in_off_));
        if (!expect_result(i, call, r)) break;
        feed_live(in_dir_, ByteView(e.payload).sub(0, taken));
        in_off_ += taken;
        break;
      }
      case EntryType::send: {
        Result<size_t> r = conn_->send(e.payload);
        expect_result(i, call, r);
        break;
      }
      case EntryType::consume: {
        compare_output(i, e.payload, call);
        if (diverged_) break;
        feed_live(out_dir_, e.payload);
        conn_->consume_output(e.payload.size());
        out_off_ += e.payload.size();
        break;
      }
      case EntryType::close: conn_->close(); check_source(i, call); break;
      case EntryType::receive_eof: conn_->receive_eof(); check_source(i, call); break;
      case EntryType::on_timeout: conn_->on_timeout(); check_source(i, call); break;
      case EntryType::set_trace:
        conn_->set_trace(!e.payload.empty() && e.payload[0] != 0);
        break;
      case EntryType::key_update: {
        Status st = conn_->key_update(!e.payload.empty() && e.payload[0] != 0);
        expect_result(i, call, st.ok() ? Result<size_t>(size_t{0}) : Result<size_t>(st.error()));
        break;
      }
      case EntryType::request_client_certificate: {
        Status st = conn_->request_client_certificate();
        expect_result(i, call, st.ok() ? Result<size_t>(size_t{0}) : Result<size_t>(st.error()));
        break;
      }
      case EntryType::event:
      case EntryType::no_event: {
        std::optional<Event> ev = conn_->next_event();
        if (!check_source(i, call)) break;
        RecordedEvent rec;
        if (e.type == EntryType::event && !decode_event(e.payload, &rec)) {
          diverge(i, "malformed event entry");
          break;
        }
        if (e.type == EntryType::no_event) {
          if (ev) diverge(i, "next_event() gave " + describe_event(record_event(*ev)) + ", the capture has no event");
          break;
        }
        if (!ev) {
          diverge(i, "next_event() gave nothing, the capture has " + describe_event(rec));
          break;
        }
        RecordedEvent got = record_event(*ev);
        if (!(got == rec)) {
          diverge(i, "next_event() gave " + describe_event(got) + ", the capture has " + describe_event(rec));
          break;
        }
        std::string line = "event: " + describe_event(got);
        if (got.type == Event::Type::handshake_done && conn_->info()) {
          const HandshakeInfo& in = *conn_->info();
          line += std::string(": ") + cipher_suite_name(in.cipher_suite) + ", group " + group_name(in.group) +
                  (in.extended_master_secret ? ", extended master secret" : "") +
                  (in.encrypt_then_mac ? ", encrypt-then-MAC" : "") + (in.resumed ? ", resumed" : "") + (in.early_data_accepted ? ", 0-RTT accepted" : "") +
                  (in.alpn.empty() ? "" : ", ALPN " + in.alpn);
        }
        if (got.type != Event::Type::handshake_message) res_.trace.push_back(line);
        Bytes h = request_hash(*ev);
        if (!h.empty()) {
          pending_type_ = ev->type;
          pending_hash_ = std::move(h);
        }
        break;
      }
      case EntryType::async_answer: {
        AsyncAnswer a;
        if (!decode_async_answer(e.payload, &a)) {
          diverge(i, "malformed async_answer entry");
          break;
        }
        // The request the capture answered must be the one the replayed engine asked.
        Bytes asked = pending_type_ == a.op ? pending_hash_ : Bytes();
        if (asked != a.request_hash) {
          RecordedEvent want;
          want.type = a.op;
          diverge(i, "the capture answers " + describe_event(want) + " (" + describe_async_answer(a) + ") but the engine " +
                         (pending_type_ == a.op ? "asked something else (its request's hash " + hex_bytes(asked, 8) +
                                                      ", the capture's " + hex_bytes(a.request_hash, 8) + ")"
                                                : std::string("asked nothing of that kind")));
          break;
        }
        Status st = Status::ok_status();
        switch (a.op) {
          case Event::Type::sign_request:
            st = conn_->complete_sign(a.has_answer ? std::optional<Bytes>(a.answer) : std::nullopt);
            break;
          case Event::Type::decrypt_request:
            st = conn_->complete_decrypt(a.has_answer ? std::optional<Bytes>(a.answer) : std::nullopt);
            break;
          case Event::Type::verify_request:
            st = conn_->complete_verify(a.ok ? CertVerdict::accept() : CertVerdict::refuse(a.alert));
            break;
          default: {
            Selection sel;
            if (!a.ok) sel = Selection::refused(a.alert);
            if (a.ok && a.certificate_index >= 0) {
              if (!server_config_ || static_cast<size_t>(a.certificate_index) >= server_config_->certificates.size()) {
                diverge(i, "the capture selects certificate." + std::to_string(a.certificate_index) +
                               ", which the config does not have");
                break;
              }
              sel.certificate = server_config_->certificates[a.certificate_index];
            }
            st = conn_->complete_selection(std::move(sel));
            break;
          }
        }
        if (diverged_) break;
        if (!conn_->awaiting()) {
          pending_type_ = Event::Type::closed;
          pending_hash_.clear();
        }
        expect_result(i, call, st.ok() ? Result<size_t>(size_t{0}) : Result<size_t>(st.error()));
        break;
      }
      case EntryType::end: {
        EndState end;
        if (!decode_end(e.payload, &end)) {
          diverge(i, "malformed end entry");
          break;
        }
        compare_output(i, end.unconsumed, "the output left unconsumed at the end");
        if (diverged_) break;
        if (conn_->pending_output().size() != end.unconsumed.size()) {
          diverge(i, "at the end the engine has " + std::to_string(conn_->pending_output().size()) +
                         " bytes of output pending, the capture has " + std::to_string(end.unconsumed.size()));
          break;
        }
        feed_live(out_dir_, end.unconsumed);
        const Error* err = conn_->error();
        if (conn_->is_closed() != end.closed || (err != nullptr) != end.has_error ||
            (err && (err->kind != end.kind || err->alert != end.alert))) {
          diverge(i, std::string("the final state differs: the engine is ") + (conn_->is_closed() ? "closed" : "open") +
                         (err ? ", failed (" + err->to_string() + ")" : ", not failed") + "; the capture says " +
                         (end.closed ? "closed" : "open") + (end.has_error ? ", failed" : ", not failed"));
          break;
        }
        if (err) res_.trace.push_back("the connection failed: " + err->to_string());
        break;
      }
      default:
        diverge(i, "the capture has " + describe_entry(e) + " that the engine did not ask for");
        break;
    }
  }
  if (diverged_) return;
  live_.finish(&res_.trace);
  res_.trace.push_back("application data: " + std::to_string(live_.app_data_bytes(kClientToServer)) +
                       " bytes client to server, " + std::to_string(live_.app_data_bytes(kServerToClient)) +
                       " bytes server to client");
  res_.outcome = ReplayResult::Outcome::match;
}

}  // namespace

ReplayResult replay(const Capture& capture, const ReplayFiles& files) {
  ReplayResult res;
  Replayer r(capture, &res);
  r.run(files);
  return res;
}

}  // namespace capture
}  // namespace sanstls
