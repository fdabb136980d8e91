#include "tools/capture/capture.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "core/bytes.h"
#include "core/wire.h"

namespace sanstls {
namespace capture {

const char* entry_type_name(EntryType t) {
  switch (t) {
    case EntryType::start: return "start";
    case EntryType::config: return "config";
    case EntryType::rng: return "rng";
    case EntryType::clock: return "clock";
    case EntryType::receive: return "receive";
    case EntryType::send: return "send";
    case EntryType::consume: return "consume";
    case EntryType::close: return "close";
    case EntryType::receive_eof: return "receive_eof";
    case EntryType::on_timeout: return "on_timeout";
    case EntryType::set_trace: return "set_trace";
    case EntryType::key_update: return "key_update";
    case EntryType::result: return "result";
    case EntryType::request_client_certificate: return "request_client_certificate";
    case EntryType::event: return "event";
    case EntryType::no_event: return "no_event";
    case EntryType::end: return "end";
    case EntryType::client_options: return "client_options";
    case EntryType::cache_get: return "cache_get";
    case EntryType::cache_put: return "cache_put";
    case EntryType::cache_remove: return "cache_remove";
    case EntryType::ticket_open: return "ticket_open";
    case EntryType::ticket_seal: return "ticket_seal";
    case EntryType::early_data_check: return "early_data_check";
    case EntryType::async_answer: return "async_answer";
    case EntryType::hook_answer: return "hook_answer";
  }
  return "unknown";
}

namespace {
bool known_type(uint8_t t, uint16_t version) {
  if (version < 2 && (t == static_cast<uint8_t>(EntryType::client_options) || t >= 0x40)) return false;
  return std::strcmp(entry_type_name(static_cast<EntryType>(t)), "unknown") != 0;
}

void prefixed32(Writer& w, ByteView b) {
  w.u32(static_cast<uint32_t>(b.size()));
  w.bytes(b);
}

bool read_prefixed32(Reader& r, ByteView* out) {
  uint32_t n;
  return r.u32(&n) && r.bytes(n, out);
}
}  // namespace

bool parse_capture(ByteView file, Capture* out, std::string* error) {
  Reader r(file);
  ByteView magic;
  if (!r.bytes(sizeof(kMagic), &magic) || std::memcmp(magic.data(), kMagic, sizeof(kMagic)) != 0) {
    *error = "not a sanstls capture (bad magic)";
    return false;
  }
  uint16_t version;
  if (!r.u16(&version)) {
    *error = "truncated capture header";
    return false;
  }
  if (version < kOldestFormatVersion || version > kFormatVersion) {
    *error = "unsupported capture format version " + std::to_string(version) + " (this reader reads versions " +
             std::to_string(kOldestFormatVersion) + " to " + std::to_string(kFormatVersion) + ")";
    return false;
  }
  out->version = version;
  out->entries.clear();
  while (!r.empty()) {
    size_t at = file.size() - r.remaining();
    uint8_t type;
    uint32_t len;
    ByteView payload;
    if (!r.u8(&type) || !r.u32(&len) || !r.bytes(len, &payload)) {
      *error = "truncated entry at file offset " + std::to_string(at);
      return false;
    }
    if (!known_type(type, version)) {
      *error = "unknown entry type " + std::to_string(type) + " at file offset " + std::to_string(at);
      return false;
    }
    out->entries.push_back({static_cast<EntryType>(type), payload.to_bytes()});
  }
  return true;
}

Bytes encode_capture(const Capture& c) {
  Bytes out(kMagic, kMagic + sizeof(kMagic));
  Writer w(&out);
  w.u16(c.version);
  for (const Entry& e : c.entries) {
    w.u8(static_cast<uint8_t>(e.type));
    w.u32(static_cast<uint32_t>(e.payload.size()));
    w.bytes(e.payload);
  }
  return out;
}

Bytes encode_start(const StartInfo& s) {
  Bytes out;
  Writer w(&out);
  w.u8(s.client ? 0 : 1);
  w.u8(s.trace ? 1 : 0);
  w.prefixed16(ByteView::of(s.server_name));
  w.u8(s.resume ? 1 : 0);
  return out;
}

bool decode_start(ByteView payload, StartInfo* out) {
  Reader r(payload);
  uint8_t role, trace, resume;
  ByteView name;
  if (!r.u8(&role) || !r.u8(&trace) || !r.prefixed16(&name) || !r.u8(&resume) || !r.empty() || role > 1) return false;
  out->client = role == 0;
  out->trace = trace != 0;
  out->server_name = name.to_string();
  out->resume = resume != 0;
  return true;
}

Bytes encode_result(const CallResult& res) {
  Bytes out;
  Writer w(&out);
  if (res.ok) {
    w.u8(0);
    w.u32(res.count);
  } else {
    w.u8(1);
    w.u8(static_cast<uint8_t>(res.kind));
    w.u8(static_cast<uint8_t>(res.alert));
  }
  return out;
}

bool decode_result(ByteView payload, CallResult* out) {
  Reader r(payload);
  uint8_t tag;
  if (!r.u8(&tag)) return false;
  if (tag == 0) {
    out->ok = true;
    return r.u32(&out->count) && r.empty();
  }
  uint8_t kind, alert;
  if (tag != 1 || !r.u8(&kind) || !r.u8(&alert) || !r.empty()) return false;
  out->ok = false;
  out->kind = static_cast<ErrorKind>(kind);
  out->alert = static_cast<AlertDescription>(alert);
  return true;
}

std::string describe_result(const CallResult& r) {
  if (r.ok) return "ok " + std::to_string(r.count);
  return std::string("error ") + error_kind_name(r.kind) + " (alert " + alert_name(r.alert) + ")";
}

RecordedEvent record_event(const Event& ev) {
  RecordedEvent e;
  e.type = ev.type;
  e.direction = ev.direction;
  e.message_type = ev.message_type;
  e.alert = ev.alert;
  e.clean = ev.clean;
  e.early_data = ev.early_data;
  e.data = ev.data.to_bytes();
  return e;
}

Bytes encode_event(const RecordedEvent& e) {
  Bytes out;
  Writer w(&out);
  w.u8(static_cast<uint8_t>(e.type));
  w.u8(static_cast<uint8_t>(e.direction));
  w.u8(e.message_type);
  w.u8(static_cast<uint8_t>(e.alert.level));
  w.u8(static_cast<uint8_t>(e.alert.description));
  w.u8(e.clean ? 1 : 0);
  w.u8(e.early_data ? 1 : 0);
  w.bytes(e.data);
  return out;
}

bool decode_event(ByteView payload, RecordedEvent* out) {
  Reader r(payload);
  uint8_t type, dir, mt, level, desc, clean, early;
  if (!r.u8(&type) || !r.u8(&dir) || !r.u8(&mt) || !r.u8(&level) || !r.u8(&desc) || !r.u8(&clean) ||
      !r.u8(&early)) {
    return false;
  }
  out->early_data = early != 0;
  out->type = static_cast<Event::Type>(type);
  out->direction = static_cast<Direction>(dir);
  out->message_type = mt;
  out->alert.level = static_cast<AlertLevel>(level);
  out->alert.description = static_cast<AlertDescription>(desc);
  out->clean = clean != 0;
  out->data = r.rest().to_bytes();
  return true;
}

bool operator==(const RecordedEvent& a, const RecordedEvent& b) {
  return a.type == b.type && a.direction == b.direction && a.message_type == b.message_type &&
         a.alert.level == b.alert.level && a.alert.description == b.alert.description && a.clean == b.clean &&
         a.early_data == b.early_data && a.data == b.data;
}

std::string describe_event(const RecordedEvent& e) {
  switch (e.type) {
    case Event::Type::handshake_done: return "handshake_done";
    case Event::Type::app_data:
      return std::string(e.early_data ? "app_data, early" : "app_data") + " (" + std::to_string(e.data.size()) +
             " bytes)";
    case Event::Type::session_ticket: return "session_ticket";
    case Event::Type::peer_authenticated: return "peer_authenticated";
    case Event::Type::sign_request: return "sign_request";
    case Event::Type::decrypt_request: return "decrypt_request";
    case Event::Type::verify_request: return "verify_request";
    case Event::Type::select_request: return "select_request";
    case Event::Type::alert_received:
      return std::string("alert_received ") + (e.alert.level == AlertLevel::warning ? "warning " : "fatal ") +
             alert_name(e.alert.description);
    case Event::Type::closed: return e.clean ? "closed (clean)" : "closed (not clean)";
    case Event::Type::handshake_message:
      return std::string("handshake_message ") + (e.direction == Direction::sent ? "sent " : "received ") +
             (e.message_type == 0xff ? "ChangeCipherSpec"
                                     : handshake_type_name(static_cast<HandshakeType>(e.message_type))) +
             " (" + std::to_string(e.data.size()) + " bytes)";
  }
  return "event type " + std::to_string(static_cast<int>(e.type));
}

Bytes encode_end(const EndState& e) {
  Bytes out;
  Writer w(&out);
  w.u8(e.closed ? 1 : 0);
  w.u8(e.has_error ? 1 : 0);
  w.u8(static_cast<uint8_t>(e.kind));
  w.u8(static_cast<uint8_t>(e.alert));
  w.bytes(e.unconsumed);
  return out;
}

bool decode_end(ByteView payload, EndState* out) {
  Reader r(payload);
  uint8_t closed, has_error, kind, alert;
  if (!r.u8(&closed) || !r.u8(&has_error) || !r.u8(&kind) || !r.u8(&alert)) return false;
  out->closed = closed != 0;
  out->has_error = has_error != 0;
  out->kind = static_cast<ErrorKind>(kind);
  out->alert = static_cast<AlertDescription>(alert);
  out->unconsumed = r.rest().to_bytes();
  return true;
}

Bytes encode_client_options(const ClientOptionsEntry& o) {
  Bytes out;
  Writer w(&out);
  w.prefixed16(ByteView::of(o.verify_name));
  w.u8(o.no_name_check ? 1 : 0);
  prefixed32(w, o.early_data);
  prefixed32(w, o.session);
  return out;
}

bool decode_client_options(ByteView payload, ClientOptionsEntry* out) {
  Reader r(payload);
  ByteView name, early, session;
  uint8_t no_check;
  if (!r.prefixed16(&name) || !r.u8(&no_check) || no_check > 1 || !read_prefixed32(r, &early) ||
      !read_prefixed32(r, &session) || !r.empty())
    return false;
  out->verify_name = name.to_string();
  out->no_name_check = no_check == 1;
  out->early_data = early.to_bytes();
  out->session = session.to_bytes();
  return true;
}

Bytes encode_answer(EntryType type, const OutsideAnswer& a) {
  Bytes out;
  Writer w(&out);
  switch (type) {
    case EntryType::cache_get:
      w.prefixed8(a.key);
      w.u8(a.flag ? 1 : 0);
      w.bytes(a.value);
      break;
    case EntryType::ticket_open:
      prefixed32(w, a.key);
      w.u8(a.flag ? 1 : 0);
      w.bytes(a.value);
      break;
    case EntryType::ticket_seal:
      prefixed32(w, a.key);
      w.bytes(a.value);
      break;
    case EntryType::early_data_check:
      w.prefixed8(a.key);
      w.u8(a.flag ? 1 : 0);
      break;
    default:
      w.bytes(a.value);
      break;
  }
  if (!w.ok()) return {};
  return out;
}

bool decode_answer(EntryType type, ByteView payload, OutsideAnswer* out) {
  Reader r(payload);
  ByteView key;
  uint8_t flag = 0;
  switch (type) {
    case EntryType::cache_get:
    case EntryType::early_data_check:
      if (!r.prefixed8(&key) || !r.u8(&flag) || flag > 1) return false;
      if (type == EntryType::early_data_check && !r.empty()) return false;
      break;
    case EntryType::ticket_open:
      if (!read_prefixed32(r, &key) || !r.u8(&flag) || flag > 1) return false;
      break;
    case EntryType::ticket_seal:
      if (!read_prefixed32(r, &key)) return false;
      flag = 1;
      break;
    default:
      flag = 1;
      break;
  }
  out->key = key.to_bytes();
  out->flag = flag == 1;
  out->value = r.rest().to_bytes();
  return true;
}

Bytes encode_async_answer(const AsyncAnswer& a) {
  Bytes out;
  Writer w(&out);
  w.u8(static_cast<uint8_t>(a.op));
  w.prefixed8(a.request_hash);
  switch (a.op) {
    case Event::Type::sign_request:
    case Event::Type::decrypt_request:
      w.u8(a.has_answer ? 1 : 0);
      prefixed32(w, a.answer);
      break;
    case Event::Type::verify_request:
    case Event::Type::select_request:
      w.u8(a.ok ? 1 : 0);
      w.u8(static_cast<uint8_t>(a.alert));
      if (a.op == Event::Type::select_request) w.u16(a.certificate_index < 0 ? 0xffff : static_cast<uint16_t>(a.certificate_index));
      break;
    default: break;
  }
  return out;
}

bool decode_async_answer(ByteView payload, AsyncAnswer* out) {
  Reader r(payload);
  uint8_t op, flag, alert;
  ByteView hash, answer;
  if (!r.u8(&op) || !r.prefixed8(&hash)) return false;
  *out = AsyncAnswer();
  out->op = static_cast<Event::Type>(op);
  out->request_hash = hash.to_bytes();
  switch (out->op) {
    case Event::Type::sign_request:
    case Event::Type::decrypt_request:
      if (!r.u8(&flag) || flag > 1 || !read_prefixed32(r, &answer)) return false;
      out->has_answer = flag == 1;
      out->answer = answer.to_bytes();
      break;
    case Event::Type::verify_request:
    case Event::Type::select_request:
      if (!r.u8(&flag) || flag > 1 || !r.u8(&alert)) return false;
      out->ok = flag == 1;
      out->alert = static_cast<AlertDescription>(alert);
      if (out->op == Event::Type::select_request) {
        uint16_t index;
        if (!r.u16(&index)) return false;
        out->certificate_index = index == 0xffff ? -1 : index;
      }
      break;
    default: return false;
  }
  return r.empty();
}

Bytes request_hash(const Event& ev) {
  Bytes m;
  Writer w(&m);
  w.u8(static_cast<uint8_t>(ev.type));
  auto leaf = [&](const CertifiedKey* k) { prefixed32(w, k && !k->chain.empty() ? ByteView(k->chain[0]) : ByteView()); };
  auto list16 = [&](const std::vector<uint16_t>& v) {
    w.u32(static_cast<uint32_t>(v.size()));
    for (uint16_t x : v) w.u16(x);
  };
  switch (ev.type) {
    case Event::Type::sign_request:
      w.u16(ev.scheme);
      leaf(ev.certificate);
      prefixed32(w, ev.data);
      break;
    case Event::Type::decrypt_request:
      w.u16(ev.client_version);
      leaf(ev.certificate);
      prefixed32(w, ev.data);
      break;
    case Event::Type::verify_request:
      if (ev.check == nullptr) break;
      w.u8(ev.check->peer_is_server ? 1 : 0);
      prefixed32(w, ByteView::of(ev.check->name));
      w.u64(ev.check->now_ms);
      w.u32(static_cast<uint32_t>(ev.check->chain.size()));
      for (const Bytes& c : ev.check->chain) prefixed32(w, c);
      break;
    case Event::Type::select_request:
      if (ev.client_hello == nullptr) break;
      prefixed32(w, ByteView::of(ev.client_hello->server_name));
      w.u32(static_cast<uint32_t>(ev.client_hello->alpn.size()));
      for (const std::string& p : ev.client_hello->alpn) prefixed32(w, ByteView::of(p));
      list16(ev.client_hello->signature_schemes);
      list16(ev.client_hello->groups);
      list16(ev.client_hello->versions);
      list16(ev.client_hello->cipher_suites);
      break;
    default: return {};
  }
  return crypto::hash_once(crypto::default_provider(), crypto::HashAlg::sha256, m);
}

std::string describe_async_answer(const AsyncAnswer& a) {
  switch (a.op) {
    case Event::Type::sign_request:
      return a.has_answer ? "complete_sign(a signature of " + std::to_string(a.answer.size()) + " bytes)"
                          : std::string("complete_sign(the signer failed)");
    case Event::Type::decrypt_request:
      return a.has_answer ? "complete_decrypt(a premaster of " + std::to_string(a.answer.size()) + " bytes)"
                          : std::string("complete_decrypt(the key failed)");
    case Event::Type::verify_request:
      return a.ok ? std::string("complete_verify(accept)")
                  : std::string("complete_verify(refuse, alert ") + alert_name(a.alert) + ")";
    case Event::Type::select_request:
      if (!a.ok) return std::string("complete_selection(refuse, alert ") + alert_name(a.alert) + ")";
      return a.certificate_index < 0 ? std::string("complete_selection(the config's own choice)")
                                     : "complete_selection(certificate." + std::to_string(a.certificate_index) + ")";
    default: return "an unknown completion";
  }
}

Bytes encode_hook_answer(const HookAnswer& a) {
  Bytes out;
  Writer w(&out);
  w.u8(static_cast<uint8_t>(a.hook));
  w.prefixed8(a.request_hash);
  switch (a.hook) {
    case HookAnswer::Hook::verify:
    case HookAnswer::Hook::select:
      w.u8(a.ok ? 1 : 0);
      w.u8(static_cast<uint8_t>(a.alert));
      if (a.hook == HookAnswer::Hook::select)
        w.u16(a.certificate_index < 0 ? 0xffff : static_cast<uint16_t>(a.certificate_index));
      break;
    case HookAnswer::Hook::alpn:
      w.u8(static_cast<uint8_t>(a.alpn.kind));
      w.prefixed16(ByteView::of(a.alpn.protocol));
      break;
  }
  if (!w.ok()) return {};
  return out;
}

bool decode_hook_answer(ByteView payload, HookAnswer* out) {
  Reader r(payload);
  uint8_t hook, flag, alert;
  ByteView hash, protocol;
  if (!r.u8(&hook) || !r.prefixed8(&hash)) return false;
  *out = HookAnswer();
  out->request_hash = hash.to_bytes();
  switch (hook) {
    case static_cast<uint8_t>(HookAnswer::Hook::verify):
    case static_cast<uint8_t>(HookAnswer::Hook::select):
      out->hook = static_cast<HookAnswer::Hook>(hook);
      if (!r.u8(&flag) || flag > 1 || !r.u8(&alert)) return false;
      out->ok = flag == 1;
      out->alert = static_cast<AlertDescription>(alert);
      if (out->hook == HookAnswer::Hook::select) {
        uint16_t index;
        if (!r.u16(&index)) return false;
        out->certificate_index = index == 0xffff ? -1 : index;
      }
      break;
    case static_cast<uint8_t>(HookAnswer::Hook::alpn):
      out->hook = HookAnswer::Hook::alpn;
      if (!r.u8(&flag) || flag > static_cast<uint8_t>(AlpnDecision::Kind::refuse) || !r.prefixed16(&protocol))
        return false;
      out->alpn.kind = static_cast<AlpnDecision::Kind>(flag);
      out->alpn.protocol = protocol.to_string();
      break;
    default: return false;
  }
  return r.empty();
}

Bytes check_request_hash(const CertificateCheck& check) {
  Event ev;
  ev.type = Event::Type::verify_request;
  ev.check = &check;
  return request_hash(ev);
}

Bytes selection_request_hash(const ClientHelloInfo& hello) {
  Event ev;
  ev.type = Event::Type::select_request;
  ev.client_hello = &hello;
  return request_hash(ev);
}

Bytes alpn_request_hash(const std::vector<std::string>& offered, const std::string& server_name) {
  Bytes m;
  Writer w(&m);
  w.bytes(ByteView::of("alpn_select"));  // not an Event::Type: no request event hash can equal it
  prefixed32(w, ByteView::of(server_name));
  w.u32(static_cast<uint32_t>(offered.size()));
  for (const std::string& p : offered) prefixed32(w, ByteView::of(p));
  return crypto::hash_once(crypto::default_provider(), crypto::HashAlg::sha256, m);
}

std::string describe_hook_answer(const HookAnswer& a) {
  switch (a.hook) {
    case HookAnswer::Hook::verify:
      return a.ok ? std::string("the verifier's check(accept)")
                  : std::string("the verifier's check(refuse, alert ") + alert_name(a.alert) + ")";
    case HookAnswer::Hook::select:
      if (!a.ok) return std::string("select(refuse, alert ") + alert_name(a.alert) + ")";
      return a.certificate_index < 0 ? std::string("select(the config's own choice)")
                                     : "select(certificate." + std::to_string(a.certificate_index) + ")";
    case HookAnswer::Hook::alpn:
      switch (a.alpn.kind) {
        case AlpnDecision::Kind::select: return "alpn_select(select " + to_hex(ByteView::of(a.alpn.protocol)) + ")";
        case AlpnDecision::Kind::none: return "alpn_select(none)";
        case AlpnDecision::Kind::refuse: return "alpn_select(refuse)";
      }
  }
  return "an unknown hook answer";
}

// ---------------------------------------------------------------------------------------------------
// Config descriptions

namespace {
// The verifier's description (docs/capture-format.md): how it answers (async: by completions; sync:
// by its check, whose answers the capture records), its mode and its tag.
void describe_verifier(const char* name, const std::shared_ptr<const CertificateVerifier>& v, Description* d) {
  if (!v || (!v->async && !v->check)) return;
  (*d)[name] = std::string(v->async ? "async," : "sync,") +
               (v->mode == CertificateVerifier::Mode::replace_default ? "replace_default," : "after_default,") +
               to_hex(ByteView::of(v->tag));
}
std::string hex16_list(const std::vector<uint16_t>& v) {
  std::string s;
  char buf[8];
  for (uint16_t x : v) {
    std::snprintf(buf, sizeof(buf), "%04x", x);
    if (!s.empty()) s += ',';
    s += buf;
  }
  return s;
}

void describe_common(const CommonConfig& c, Description* d) {
  (*d)["library"] = kLibraryVersion;
  (*d)["cipher_suites"] = hex16_list(c.cipher_suites);
  (*d)["groups"] = hex16_list(c.groups);
  (*d)["signature_schemes"] = hex16_list(c.signature_schemes);
  std::string alpn;
  for (const std::string& p : c.alpn) {
    if (!alpn.empty()) alpn += ',';
    alpn += to_hex(ByteView::of(p));
  }
  (*d)["alpn"] = alpn;
  (*d)["extended_master_secret"] = c.extended_master_secret ? "1" : "0";
  (*d)["encrypt_then_mac"] = c.encrypt_then_mac ? "1" : "0";
  (*d)["record_size_limit"] = std::to_string(c.record_size_limit);
  (*d)["max_handshake_message"] = std::to_string(c.max_handshake_message);
  (*d)["handshake_timeout_ms"] = std::to_string(c.handshake_timeout_ms);
  (*d)["min_version"] = hex16_list({c.min_version});
  (*d)["max_version"] = hex16_list({c.max_version});
  (*d)["middlebox_compat"] = c.middlebox_compat ? "1" : "0";
  (*d)["allow_psk_ke"] = c.allow_psk_ke ? "1" : "0";
  (*d)["max_key_updates"] = std::to_string(c.max_key_updates);
  (*d)["record_padding"] = std::to_string(c.record_padding);
}

std::string anchors_fingerprint(const std::vector<Bytes>& anchors) { return chain_fingerprint(anchors); }
}  // namespace

std::string certificate_fingerprint(ByteView der) {
  return to_hex(crypto::hash_once(crypto::default_provider(), crypto::HashAlg::sha256, der));
}

std::string chain_fingerprint(const std::vector<Bytes>& chain_der) {
  std::string s;
  for (const Bytes& c : chain_der) {
    if (!s.empty()) s += ',';
    s += certificate_fingerprint(c);
  }
  return s;
}

std::string key_id(const crypto::PrivateKey& key) {
  crypto::SignatureScheme scheme;
  switch (key.type()) {
    case crypto::KeyType::rsa: scheme = crypto::SignatureScheme::rsa_pkcs1_sha256; break;
    case crypto::KeyType::ec_p256: scheme = crypto::SignatureScheme::ecdsa_secp256r1_sha256; break;
    case crypto::KeyType::ec_p384: scheme = crypto::SignatureScheme::ecdsa_secp384r1_sha384; break;
    case crypto::KeyType::ec_p521: scheme = crypto::SignatureScheme::ecdsa_secp521r1_sha512; break;
    default: return "unsupported-key-type";
  }
  auto rng = crypto::make_deterministic_rng(ByteView::of("sanstls capture key id v1"));
  Bytes sig;
  if (key.sign(scheme, ByteView::of("sanstls capture key id v1"), *rng, &sig) != crypto::Status::ok) {
    return "unsigned";
  }
  return to_hex(crypto::hash_once(crypto::default_provider(), crypto::HashAlg::sha256, sig));
}

Description describe_config(const ClientConfig& c, const DescribeOptions& o) {
  Description d;
  d["role"] = "client";
  describe_common(c, &d);
  d["verify_server"] = c.verify_server ? "1" : "0";
  d["enable_early_data"] = c.enable_early_data ? "1" : "0";
  if (c.client_certificate) {
    d["client_certificate"] = chain_fingerprint(c.client_certificate->chain);
    d["client_key"] = key_id(*c.client_certificate->key);
    if (c.client_certificate->async) d["client_key_async"] = "1";
  }
  describe_verifier("certificate_verifier", c.certificate_verifier, &d);
  if (!o.trust_anchors_der.empty()) d["trust_anchors"] = anchors_fingerprint(o.trust_anchors_der);
  return d;
}

Description describe_config(const ServerConfig& c, const DescribeOptions& o) {
  Description d;
  d["role"] = "server";
  describe_common(c, &d);
  d["certificates"] = std::to_string(c.certificates.size());
  for (size_t i = 0; i < c.certificates.size(); i++) {
    d["certificate." + std::to_string(i)] = chain_fingerprint(c.certificates[i]->chain);
    d["key." + std::to_string(i)] = key_id(*c.certificates[i]->key);
    if (c.certificates[i]->async) d["key_async." + std::to_string(i)] = "1";
  }
  if (c.select_async) d["select_async"] = "1";
  if (c.select && !c.select_async) d["select"] = "sync";
  if (c.alpn_select) d["alpn_select"] = "sync";
  describe_verifier("client_certificate_verifier", c.client_certificate_verifier, &d);
  d["client_auth"] = c.client_auth == ClientAuth::none       ? "none"
                     : c.client_auth == ClientAuth::optional ? "optional"
                                                             : "required";
  d["prefer_server_order"] = c.prefer_server_order ? "1" : "0";
  d["strict_sni"] = c.strict_sni ? "1" : "0";
  d["session_cache"] = c.session_cache ? "1" : "0";
  d["session_lifetime_s"] = std::to_string(c.session_lifetime_s);
  d["tickets"] = c.tickets ? "1" : "0";
  d["tickets_per_handshake"] = std::to_string(c.tickets_per_handshake);
  d["ticket_keys"] = c.ticket_keys ? "configured" : "own";
  d["max_early_data"] = std::to_string(c.max_early_data);
  d["hrr_cookie"] = c.hrr_cookie ? "1" : "0";
  if (!o.trust_anchors_der.empty()) d["client_trust"] = anchors_fingerprint(o.trust_anchors_der);
  return d;
}

std::string format_description(const Description& d) {
  std::string s;
  for (const auto& kv : d) s += kv.first + "=" + kv.second + "\n";
  return s;
}

bool parse_description(const std::string& text, Description* out) {
  out->clear();
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0) return false;
    (*out)[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Recording

CaptureWriter::CaptureWriter() : out_(kMagic, kMagic + sizeof(kMagic)) {
  out_.push_back(kFormatVersion >> 8);
  out_.push_back(kFormatVersion & 0xff);
}

void CaptureWriter::add(EntryType type, ByteView payload) {
  Writer w(&out_);
  w.u8(static_cast<uint8_t>(type));
  w.u32(static_cast<uint32_t>(payload.size()));
  w.bytes(payload);
}

void RecordingRng::fill(uint8_t* out, size_t n) {
  inner_.fill(out, n);
  w_.add(EntryType::rng, ByteView(out, n));
}

uint64_t RecordingClock::now_ms() {
  uint64_t t = inner_.now_ms();
  Bytes b;
  Writer w(&b);
  w.u64(t);
  w_.add(EntryType::clock, b);
  return t;
}

namespace {

// The wrappers a captured server's connection reaches the config's shared state through. Each forwards
// to the real one and records the answer (docs/capture-format.md, "The state outside the connection").

// Stands for the config's ticketer: the configured one or the ring the config makes on first use
// (ServerConfig::tickets_ring, from the config's ticket_key_generator, as without capture). A ticket's
// nonce comes from the connection's real generator: the ticket is recorded, not its draws.
class RecordingTicketer : public Ticketer {
 public:
  RecordingTicketer(std::shared_ptr<const ServerConfig> config, crypto::Rng& rng, CaptureWriter& w)
      : config_(std::move(config)), rng_(rng), w_(w) {}
  Bytes seal(ByteView plaintext, uint64_t now_ms, crypto::Rng&) override {
    std::shared_ptr<Ticketer> ring = config_->tickets_ring(now_ms);
    OutsideAnswer a;
    a.key = plaintext.to_bytes();
    if (ring) a.value = ring->seal(plaintext, now_ms, rng_);
    Bytes payload = encode_answer(EntryType::ticket_seal, a);
    w_.add(EntryType::ticket_seal, payload);
    secure_zero(a.key);
    secure_zero(payload);
    return a.value;
  }
  bool open(ByteView ticket, uint64_t now_ms, Bytes* plaintext) override {
    std::shared_ptr<Ticketer> ring = config_->tickets_ring(now_ms);
    OutsideAnswer a;
    a.key = ticket.to_bytes();
    plaintext->clear();
    a.flag = ring && ring->open(ticket, now_ms, plaintext);
    if (a.flag) a.value = *plaintext;
    Bytes payload = encode_answer(EntryType::ticket_open, a);
    w_.add(EntryType::ticket_open, payload);
    secure_zero(a.value);
    secure_zero(payload);
    return a.flag;
  }

 private:
  std::shared_ptr<const ServerConfig> config_;
  crypto::Rng& rng_;
  CaptureWriter& w_;
};

class RecordingCache : public SessionCache {
 public:
  RecordingCache(std::shared_ptr<SessionCache> inner, CaptureWriter& w) : inner_(std::move(inner)), w_(w) {}
  void put(const Session& s) override {
    Bytes b = s.encode();
    w_.add(EntryType::cache_put, b);
    secure_zero(b);
    inner_->put(s);
  }
  bool get(ByteView session_id, uint64_t now_ms, Session* out) override {
    OutsideAnswer a;
    a.key = session_id.to_bytes();
    a.flag = inner_->get(session_id, now_ms, out);
    if (a.flag) a.value = out->encode();
    Bytes payload = encode_answer(EntryType::cache_get, a);
    w_.add(EntryType::cache_get, payload);
    secure_zero(a.value);
    secure_zero(payload);
    return a.flag;
  }
  void remove(ByteView session_id) override {
    w_.add(EntryType::cache_remove, session_id);
    inner_->remove(session_id);
  }

 private:
  std::shared_ptr<SessionCache> inner_;
  CaptureWriter& w_;
};

class RecordingGuard : public EarlyDataGuard {
 public:
  RecordingGuard(std::shared_ptr<EarlyDataGuard> inner, CaptureWriter& w)
      : EarlyDataGuard(0, inner->window_ms()), inner_(std::move(inner)), w_(w) {}
  bool first_use(ByteView id, uint64_t now_ms) override {
    OutsideAnswer a;
    a.key = id.to_bytes();
    a.flag = inner_->first_use(id, now_ms);
    w_.add(EntryType::early_data_check, encode_answer(EntryType::early_data_check, a));
    return a.flag;
  }

 private:
  std::shared_ptr<EarlyDataGuard> inner_;
  CaptureWriter& w_;
};

// The config's synchronous hooks, wrapped so that each answer is recorded (a hook_answer entry) in the
// order the engine asks, among the draws and readings of the call that asked. The wrappers hold the
// writer by reference: they live in the connection's own copy of the config, which the
// CapturingConnection owns with its recorder.
std::shared_ptr<const CertificateVerifier> recording_verifier(const std::shared_ptr<const CertificateVerifier>& v,
                                                              CaptureWriter& w) {
  if (!v || v->async || !v->check) return v;  // asynchronous: the completions are recorded instead
  auto r = std::make_shared<CertificateVerifier>(*v);  // the same mode and tag: the same verifier id
  std::function<CertVerdict(const CertificateCheck&)> inner = v->check;
  r->check = [inner, &w](const CertificateCheck& c) {
    HookAnswer a;
    a.hook = HookAnswer::Hook::verify;
    a.request_hash = check_request_hash(c);
    CertVerdict verdict = inner(c);
    a.ok = verdict.ok;
    a.alert = verdict.alert;
    w.add(EntryType::hook_answer, encode_hook_answer(a));
    return verdict;
  };
  return r;
}

std::function<Selection(const ClientHelloInfo&)> recording_select(std::function<Selection(const ClientHelloInfo&)> inner,
                                                                  std::vector<std::shared_ptr<const CertifiedKey>> certs,
                                                                  CaptureWriter& w) {
  return [inner, certs, &w](const ClientHelloInfo& hello) {
    HookAnswer a;
    a.hook = HookAnswer::Hook::select;
    a.request_hash = selection_request_hash(hello);
    Selection sel = inner(hello);
    if (!sel.refuse && sel.certificate) {
      for (size_t i = 0; i < certs.size() && a.certificate_index < 0; i++) {
        if (certs[i] == sel.certificate || certs[i]->chain == sel.certificate->chain) a.certificate_index = static_cast<int>(i);
      }
    }
    // What a capture cannot hold (a replacement config: callbacks, keys and policies it cannot
    // describe; a certificate not in the config's list, whose key the replay would not have) cannot be
    // replayed: while recording, such an answer is a refusal, and that refusal is what is recorded.
    if (!sel.refuse && (sel.config || (sel.certificate && a.certificate_index < 0))) {
      sel = Selection::refused(AlertDescription::internal_error);
      a.certificate_index = -1;
    }
    a.ok = !sel.refuse;
    a.alert = sel.alert;
    w.add(EntryType::hook_answer, encode_hook_answer(a));
    return sel;
  };
}

std::function<AlpnDecision(const std::vector<std::string>&, const std::string&)> recording_alpn(
    std::function<AlpnDecision(const std::vector<std::string>&, const std::string&)> inner, CaptureWriter& w) {
  return [inner, &w](const std::vector<std::string>& offered, const std::string& server_name) {
    HookAnswer a;
    a.hook = HookAnswer::Hook::alpn;
    a.request_hash = alpn_request_hash(offered, server_name);
    a.alpn = inner(offered, server_name);
    w.add(EntryType::hook_answer, encode_hook_answer(a));
    return a.alpn;
  };
}

}  // namespace

struct CapturingConnection::Recorder {
  Recorder(crypto::Rng& r, Clock& c) : rng(r, writer), clock(c, writer) {}
  CaptureWriter writer;
  RecordingRng rng;
  RecordingClock clock;
  // The last request event next_event() gave, until it is answered: what an async_answer answers.
  Event::Type pending_type = Event::Type::closed;
  Bytes pending_hash;
  // Server: the config's certificates, to record a selection's certificate by its index.
  std::vector<std::shared_ptr<const CertifiedKey>> certificates;
};

CapturingConnection::CapturingConnection(std::unique_ptr<Recorder> rec, Connection conn)
    : rec_(std::move(rec)), conn_(std::move(conn)) {}
CapturingConnection::CapturingConnection(CapturingConnection&&) noexcept = default;
CapturingConnection& CapturingConnection::operator=(CapturingConnection&&) noexcept = default;
CapturingConnection::~CapturingConnection() = default;

CapturingConnection CapturingConnection::client(std::shared_ptr<const ClientConfig> config,
                                                Connection::ClientOptions options, crypto::Rng& rng,
                                                Clock& clock, const DescribeOptions& describe) {
  auto rec = std::make_unique<Recorder>(rng, clock);
  StartInfo s;
  s.client = true;
  s.trace = options.trace;
  s.server_name = options.server_name;
  s.resume = options.resume.has_value();
  rec->writer.add(EntryType::start, encode_start(s));
  rec->writer.add(EntryType::config, ByteView::of(format_description(describe_config(*config, describe))));
  ClientOptionsEntry o;
  o.verify_name = options.verify_name;
  o.no_name_check = options.no_name_check;
  o.early_data = options.early_data;
  if (options.resume) o.session = options.resume->encode();
  Bytes payload = encode_client_options(o);
  rec->writer.add(EntryType::client_options, payload);
  secure_zero(o.session);
  secure_zero(payload);
  if (config->certificate_verifier && !config->certificate_verifier->async && config->certificate_verifier->check) {
    auto wrapped = std::make_shared<ClientConfig>(*config);
    wrapped->certificate_verifier = recording_verifier(config->certificate_verifier, rec->writer);
    config = std::move(wrapped);
  }
  Connection conn = Connection::client(std::move(config), std::move(options), rec->rng, rec->clock);
  return CapturingConnection(std::move(rec), std::move(conn));
}

CapturingConnection CapturingConnection::server(std::shared_ptr<const ServerConfig> config, crypto::Rng& rng,
                                                Clock& clock, const DescribeOptions& describe) {
  auto rec = std::make_unique<Recorder>(rng, clock);
  StartInfo s;
  s.client = false;
  rec->writer.add(EntryType::start, encode_start(s));
  rec->writer.add(EntryType::config, ByteView::of(format_description(describe_config(*config, describe))));
  // The same shared state, reached through recorders (the copy shares the config's lazily made ticket
  // ring: ServerConfig copies share it).
  rec->certificates = config->certificates;
  auto wrapped = std::make_shared<ServerConfig>(*config);
  wrapped->ticket_keys = std::make_shared<RecordingTicketer>(config, rng, rec->writer);
  if (config->session_cache) wrapped->session_cache = std::make_shared<RecordingCache>(config->session_cache, rec->writer);
  if (config->early_data_guard)
    wrapped->early_data_guard = std::make_shared<RecordingGuard>(config->early_data_guard, rec->writer);
  wrapped->client_certificate_verifier = recording_verifier(config->client_certificate_verifier, rec->writer);
  if (config->select && !config->select_async)
    wrapped->select = recording_select(config->select, config->certificates, rec->writer);
  if (config->alpn_select) wrapped->alpn_select = recording_alpn(config->alpn_select, rec->writer);
  Connection conn = Connection::server(std::move(wrapped), rec->rng, rec->clock);
  return CapturingConnection(std::move(rec), std::move(conn));
}

CapturingConnection CapturingConnection::passthrough(Connection conn) {
  return CapturingConnection(nullptr, std::move(conn));
}

void CapturingConnection::add_result(const Result<size_t>& r) {
  CallResult res;
  res.ok = r.ok();
  if (r.ok()) {
    res.count = static_cast<uint32_t>(r.value());
  } else {
    res.kind = r.error().kind;
    res.alert = r.error().alert;
  }
  rec_->writer.add(EntryType::result, encode_result(res));
}

Result<size_t> CapturingConnection::receive(ByteView data) {
  if (!rec_) return conn_.receive(data);
  rec_->writer.add(EntryType::receive, data);
  Result<size_t> r = conn_.receive(data);
  add_result(r);
  return r;
}

void CapturingConnection::receive_eof() {
  if (rec_) rec_->writer.add(EntryType::receive_eof, ByteView());
  conn_.receive_eof();
}

std::optional<Event> CapturingConnection::next_event() {
  std::optional<Event> ev = conn_.next_event();
  if (!rec_) return ev;
  if (ev) {
    rec_->writer.add(EntryType::event, encode_event(record_event(*ev)));
    Bytes h = request_hash(*ev);
    if (!h.empty()) {
      rec_->pending_type = ev->type;
      rec_->pending_hash = std::move(h);
    }
  } else {
    rec_->writer.add(EntryType::no_event, ByteView());
  }
  return ev;
}

Result<size_t> CapturingConnection::send(ByteView data) {
  if (!rec_) return conn_.send(data);
  rec_->writer.add(EntryType::send, data);
  Result<size_t> r = conn_.send(data);
  add_result(r);
  return r;
}

void CapturingConnection::consume_output(size_t n) {
  if (rec_) rec_->writer.add(EntryType::consume, conn_.pending_output().sub(0, n));
  conn_.consume_output(n);
}

void CapturingConnection::close() {
  if (rec_) rec_->writer.add(EntryType::close, ByteView());
  conn_.close();
}

void CapturingConnection::on_timeout() {
  if (rec_) rec_->writer.add(EntryType::on_timeout, ByteView());
  conn_.on_timeout();
}

void CapturingConnection::add_status(const Status& s) {
  add_result(s.ok() ? Result<size_t>(size_t{0}) : Result<size_t>(s.error()));
}

AsyncAnswer CapturingConnection::async_request(Event::Type op) const {
  AsyncAnswer a;
  a.op = op;
  if (rec_->pending_type == op) a.request_hash = rec_->pending_hash;
  return a;
}

Status CapturingConnection::complete_sign(std::optional<Bytes> signature) {
  if (!rec_) return conn_.complete_sign(std::move(signature));
  AsyncAnswer a = async_request(Event::Type::sign_request);
  a.has_answer = signature.has_value();
  if (signature) a.answer = *signature;
  rec_->writer.add(EntryType::async_answer, encode_async_answer(a));
  return finish_async(conn_.complete_sign(std::move(signature)));
}
Status CapturingConnection::complete_decrypt(std::optional<Bytes> premaster) {
  if (!rec_) return conn_.complete_decrypt(std::move(premaster));
  AsyncAnswer a = async_request(Event::Type::decrypt_request);
  a.has_answer = premaster.has_value();
  if (premaster) a.answer = *premaster;
  Bytes payload = encode_async_answer(a);
  rec_->writer.add(EntryType::async_answer, payload);
  secure_zero(a.answer);
  secure_zero(payload);
  return finish_async(conn_.complete_decrypt(std::move(premaster)));
}
Status CapturingConnection::complete_verify(CertVerdict verdict) {
  if (!rec_) return conn_.complete_verify(verdict);
  AsyncAnswer a = async_request(Event::Type::verify_request);
  a.ok = verdict.ok;
  a.alert = verdict.alert;
  rec_->writer.add(EntryType::async_answer, encode_async_answer(a));
  return finish_async(conn_.complete_verify(verdict));
}
Status CapturingConnection::complete_selection(Selection selection) {
  if (!rec_) return conn_.complete_selection(std::move(selection));
  // A replacement config holds callbacks, keys and policies a capture cannot describe: the replay
  // could not rebuild it. Refused before the engine sees it, so the connection goes on waiting.
  if (selection.config) {
    return Error::misuse("a capture cannot record a selection with a replacement config (Selection::config)");
  }
  AsyncAnswer a = async_request(Event::Type::select_request);
  a.ok = !selection.refuse;
  a.alert = selection.alert;
  if (selection.certificate && !selection.refuse) {
    const auto& list = rec_->certificates;
    for (size_t i = 0; i < list.size() && a.certificate_index < 0; i++) {
      if (list[i] == selection.certificate || list[i]->chain == selection.certificate->chain)
        a.certificate_index = static_cast<int>(i);
    }
    if (a.certificate_index < 0)
      return Error::misuse("a capture can record a selected certificate only from the config's certificate list");
  }
  rec_->writer.add(EntryType::async_answer, encode_async_answer(a));
  return finish_async(conn_.complete_selection(std::move(selection)));
}

Status CapturingConnection::finish_async(Status s) {
  add_status(s);
  if (!conn_.awaiting()) {
    rec_->pending_type = Event::Type::closed;
    rec_->pending_hash.clear();
  }
  return s;
}

Status CapturingConnection::key_update(bool request_peer) {
  if (!rec_) return conn_.key_update(request_peer);
  uint8_t b = request_peer ? 1 : 0;
  rec_->writer.add(EntryType::key_update, ByteView(&b, 1));
  Status s = conn_.key_update(request_peer);
  add_status(s);
  return s;
}

Status CapturingConnection::request_client_certificate() {
  if (!rec_) return conn_.request_client_certificate();
  rec_->writer.add(EntryType::request_client_certificate, ByteView());
  Status s = conn_.request_client_certificate();
  add_status(s);
  return s;
}

void CapturingConnection::set_trace(bool on) {
  uint8_t b = on ? 1 : 0;
  if (rec_) rec_->writer.add(EntryType::set_trace, ByteView(&b, 1));
  conn_.set_trace(on);
}

Bytes CapturingConnection::finish() const {
  if (!rec_) return {};
  EndState e;
  e.closed = conn_.is_closed();
  if (const Error* err = conn_.error()) {
    e.has_error = true;
    e.kind = err->kind;
    e.alert = err->alert;
  }
  e.unconsumed = conn_.pending_output().to_bytes();
  Bytes out = rec_->writer.bytes();
  CaptureWriter tail;  // reuse the entry framing; skip its header
  tail.add(EntryType::end, encode_end(e));
  out.insert(out.end(), tail.bytes().begin() + sizeof(kMagic) + 2, tail.bytes().end());
  return out;
}

bool CapturingConnection::save(const std::string& path, std::string* error) const {
  if (!rec_) {
    *error = "this connection records nothing (capture is off)";
    return false;
  }
  Bytes b = finish();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(b.data(), 1, b.size(), f) == b.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) *error = "cannot write " + path;
  return ok;
}

}  // namespace capture
}  // namespace sanstls
