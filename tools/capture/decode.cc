#include "tools/capture/decode.h"

#include <cstdio>
#include <sstream>

#include "core/alert.h"
#include "core/handshake.h"
#include "core/record.h"
#include "core/suites.h"
#include "core/wire.h"

namespace sanstls {
namespace capture {

size_t parse_key_log(const std::string& text, KeyLogMap* out) {
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string label, random_hex, secret_hex;
    if (!(ls >> label >> random_hex >> secret_hex) || label.empty() || label[0] == '#') continue;
    Bytes random, secret;
    if (!from_hex(random_hex, &random) || !from_hex(secret_hex, &secret) || random.size() != 32 ||
        (label == "CLIENT_RANDOM" && secret.size() != 48) || secret.empty() || secret.size() > 64) {
      continue;
    }
    (*out)[{label, random}] = secret;
    n++;
  }
  return n;
}

namespace {

std::string hex4(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%04x", v);
  return buf;
}

std::string message_name(uint8_t type) {
  const char* n = handshake_type_name(static_cast<HandshakeType>(type));
  if (std::string(n) == "unknown") return "HandshakeType(" + std::to_string(type) + ")";
  // "client_hello" -> "ClientHello", the way the RFC's prose names it.
  std::string out;
  bool up = true;
  for (const char* p = n; *p; p++) {
    if (*p == '_') {
      up = true;
      continue;
    }
    out += up ? static_cast<char>(*p - ('a' <= *p && *p <= 'z' ? 32 : 0)) : *p;
    up = false;
  }
  return out;
}

std::string extension_list(const Extensions& e) {
  std::string s;
  for (uint16_t t : e.order) {
    if (!s.empty()) s += ",";
    const char* n = extension_name(t);
    s += std::string(n) == "unknown" ? hex4(t) : n;
  }
  return s.empty() ? "none" : s;
}

std::string names16(const std::vector<uint16_t>& v, const char* (*name)(uint16_t)) {
  std::string s;
  for (uint16_t x : v) {
    if (!s.empty()) s += ",";
    const char* n = name(x);
    s += std::string(n) == "unknown" ? hex4(x) : n;
  }
  return s;
}

std::string suite_name(uint16_t s) {
  const char* n = cipher_suite_name(s);
  return std::string(n) == "unknown" ? hex4(s) : n;
}

}  // namespace

namespace {
// TLS 1.3 Certificate (RFC 8446 4.4.2): context<0..255>, list<0..2^24-1> of {cert<1..>, extensions<0..>}.
std::string explain_certificate13(ByteView body) {
  Reader r(body), list;
  ByteView ctx, first;
  size_t n = 0;
  if (!r.prefixed8(&ctx) || !r.prefixed24(&list) || !r.empty()) return ": does not decode";
  while (!list.empty()) {
    ByteView cert, ext;
    if (!list.prefixed24(&cert) || !list.prefixed16(&ext)) return ": does not decode";
    if (n++ == 0) first = cert;
  }
  std::string s = ": " + std::to_string(n) + " certificates";
  if (n > 0) {
    std::string err;
    auto cert = crypto::default_provider().parse_certificate(first.to_bytes(), &err);
    s += cert ? ", leaf " + cert->subject() : ", unparsable leaf";
  }
  return s;
}
}  // namespace

std::string explain_handshake(ByteView msg, uint16_t suite, bool tls13) {
  HandshakeHeader h;
  ByteView body;
  if (!split_handshake_message(msg, &h, &body).ok()) return "malformed handshake message";
  std::string name = message_name(static_cast<uint8_t>(h.type));
  std::string s = name + " (" + std::to_string(msg.size()) + " bytes)";
  switch (h.type) {
    case HandshakeType::client_hello: {
      ClientHello ch;
      if (!decode_client_hello(body, &ch).ok()) return s + ": does not decode";
      s += ": " + std::string(version_name(ch.legacy_version)) + ", " + std::to_string(ch.cipher_suites.size()) +
           " suites (first " + suite_name(ch.cipher_suites[0]) + ")";
      if (!ch.session_id.empty()) s += ", session id " + std::to_string(ch.session_id.size()) + " bytes";
      if (ch.extensions.server_name) s += ", SNI " + *ch.extensions.server_name;
      if (ch.extensions.supported_groups) s += ", groups " + names16(*ch.extensions.supported_groups, group_name);
      if (ch.extensions.alpn) {
        s += ", ALPN";
        for (const std::string& p : *ch.extensions.alpn) s += " " + p;
      }
      s += ", extensions: " + extension_list(ch.extensions);
      return s;
    }
    case HandshakeType::server_hello: {
      ServerHello sh;
      if (!decode_server_hello(body, &sh).ok()) return s + ": does not decode";
      uint16_t v = sh.extensions.supported_versions && !sh.extensions.supported_versions->empty()
                       ? sh.extensions.supported_versions->front()
                       : sh.legacy_version;
      if (sh.is_hello_retry_request()) s += " [HelloRetryRequest]";
      s += ": " + std::string(version_name(v)) + " " + suite_name(sh.cipher_suite) +
           ", session id " + std::to_string(sh.session_id.size()) + " bytes";
      if (sh.extensions.alpn && !sh.extensions.alpn->empty()) s += ", ALPN " + sh.extensions.alpn->front();
      s += ", extensions: " + extension_list(sh.extensions);
      return s;
    }
    case HandshakeType::certificate: {
      if (tls13) return s + explain_certificate13(body);
      CertificateMsg12 c;
      if (!decode_certificate12(body, &c).ok()) return s + ": does not decode";
      s += ": " + std::to_string(c.chain.size()) + " certificates";
      if (!c.chain.empty()) {
        std::string err;
        auto cert = crypto::default_provider().parse_certificate(c.chain[0], &err);
        s += cert ? ", leaf " + cert->subject() : ", unparsable leaf";
      }
      return s;
    }
    case HandshakeType::server_key_exchange: {
      const CipherSuite* cs = find_suite(suite);
      if (cs && cs->kx == KeyExchange::dhe_rsa) {
        ServerKeyExchangeDhe d;
        if (!decode_server_key_exchange_dhe(body, &d).ok()) return s + ": does not decode as DHE";
        return s + ": DHE p " + std::to_string(d.p.size() * 8) + " bits, signature " +
               names16({d.sig_scheme}, signature_scheme_name);
      }
      ServerKeyExchangeEcdhe e;
      if (!decode_server_key_exchange_ecdhe(body, &e).ok()) return s + ": does not decode as ECDHE";
      return s + ": ECDHE " + names16({e.group}, group_name) + ", signature " +
             names16({e.sig_scheme}, signature_scheme_name);
    }
    case HandshakeType::certificate_request: {
      if (tls13) {
        Reader r(body);
        ByteView ctx, ext;
        if (!r.prefixed8(&ctx) || !r.prefixed16(&ext) || !r.empty()) return s + ": does not decode";
        Extensions e;
        if (!decode_extensions(ext, ExtContext::certificate_request, &e).ok()) return s + ": bad extensions";
        return s + ": extensions: " + extension_list(e);
      }
      CertificateRequest12 r;
      if (!decode_certificate_request12(body, &r).ok()) return s + ": does not decode";
      return s + ": " + std::to_string(r.sig_schemes.size()) + " signature schemes, " +
             std::to_string(r.authorities.size()) + " authorities";
    }
    case HandshakeType::certificate_verify: {
      CertificateVerify v;
      if (!decode_certificate_verify(body, &v).ok()) return s + ": does not decode";
      return s + ": " + names16({v.sig_scheme}, signature_scheme_name);
    }
    case HandshakeType::finished:
      return s + ": verify_data " + to_hex(body);
    case HandshakeType::key_update:
      return s + (body.size() == 1 && body[0] == 1 ? ": update_requested" : ": update_not_requested");
    case HandshakeType::new_session_ticket: {
      if (tls13) {
        Reader r(body);
        uint32_t lifetime, age_add;
        ByteView nonce, ticket, ext;
        if (!r.u32(&lifetime) || !r.u32(&age_add) || !r.prefixed8(&nonce) || !r.prefixed16(&ticket) ||
            !r.prefixed16(&ext) || !r.empty()) {
          return s + ": does not decode";
        }
        return s + ": lifetime " + std::to_string(lifetime) + " s, ticket " + std::to_string(ticket.size()) + " bytes";
      }
      NewSessionTicket12 t;
      if (!decode_new_session_ticket12(body, &t).ok()) return s + ": does not decode";
      return s + ": lifetime " + std::to_string(t.lifetime_hint) + " s, ticket " + std::to_string(t.ticket.size()) +
             " bytes";
    }
    default:
      return s;
  }
}

ConnectionDecoder::ConnectionDecoder(const KeyLogMap* keys, bool keep_records)
    : keys_(keys), keep_records_(keep_records), rng_(crypto::make_deterministic_rng(ByteView::of("decoder"))) {}

void ConnectionDecoder::feed(int dir, ByteView bytes, std::vector<std::string>* lines) {
  Dir& d = dirs_[dir];
  d.buf.insert(d.buf.end(), bytes.begin(), bytes.end());
  size_t off = 0;
  while (d.buf.size() - off >= kRecordHeaderLength) {
    size_t len = (size_t{d.buf[off + 3]} << 8) | d.buf[off + 4];
    if (d.buf.size() - off < kRecordHeaderLength + len) break;
    record(dir, ByteView(d.buf.data() + off, kRecordHeaderLength + len), lines);
    off += kRecordHeaderLength + len;
    d.consumed += kRecordHeaderLength + len;
  }
  d.buf.erase(d.buf.begin(), d.buf.begin() + off);
}

size_t ConnectionDecoder::buffered_bytes() const {
  return dirs_[0].buf.size() + dirs_[0].hs.size() + dirs_[1].buf.size() + dirs_[1].hs.size();
}

void ConnectionDecoder::finish(std::vector<std::string>* lines) {
  for (int dir = 0; dir < 2; dir++) {
    if (!dirs_[dir].buf.empty()) {
      lines->push_back(std::string(dir == 0 ? "C->S" : "S->C") + " incomplete record: " +
                       std::to_string(dirs_[dir].buf.size()) + " bytes at stream offset " +
                       std::to_string(dirs_[dir].consumed));
    }
  }
}

void ConnectionDecoder::record(int dir, ByteView rec, std::vector<std::string>* lines) {
  Dir& d = dirs_[dir];
  const std::string who = dir == 0 ? "C->S " : "S->C ";
  RecordHeader h;
  (void)decode_record_header(rec, &h);
  size_t index = d.records.size();
  RecordInfo fresh{d.consumed, rec.size(), static_cast<uint8_t>(h.type), d.after_ccs, "", {}};
  if (keep_records_) {
    d.records.push_back(std::move(fresh));
  } else {
    d.scratch = std::move(fresh);
  }
  RecordInfo& info = keep_records_ ? d.records[index] : d.scratch;
  const char* tname = content_type_name(h.type);
  ByteView plain = rec.sub(kRecordHeaderLength);
  Bytes frag;
  ContentType type = h.type;
  bool encrypted = d.after_ccs;
  if (tls13_ && h.type == ContentType::change_cipher_spec) {
    info.encrypted = false;
    info.what = "ChangeCipherSpec (compatibility)";
    lines->push_back(who + "ChangeCipherSpec (TLS 1.3 middlebox compatibility)");
    return;
  }
  if (encrypted) {
    if (!d.prot) {
      info.what = std::string("encrypted ") + tname;
      if (h.type == ContentType::application_data) d.app_bytes += plain.size();
      lines->push_back(who + "encrypted " + tname + " record, " + std::to_string(plain.size()) + " bytes" +
                       (h.type == ContentType::handshake ? " (Finished)" : "") +
                       (tls13_ ? " (TLS 1.3: handshake or data)" : ""));
      return;
    }
    frag = plain.to_bytes();
    Result<OpenedRecord> r = d.prot->open(h, frag.data(), frag.size());
    if (!r.ok()) {
      info.what = "undecryptable record";
      lines->push_back(who + tname + " record of " + std::to_string(plain.size()) +
                       " bytes does not decrypt: " + r.error().what);
      return;
    }
    type = r.value().type;
    plain = r.value().plaintext;
  }
  const std::string enc = encrypted ? "[decrypted] " : "";
  switch (type) {
    case ContentType::handshake:
      handshake_bytes(dir, index, plain, d.consumed + kRecordHeaderLength, encrypted, lines);
      break;
    case ContentType::change_cipher_spec:
      info.what = "ChangeCipherSpec";
      lines->push_back(who + enc + "ChangeCipherSpec");
      d.after_ccs = true;
      if (!tls13_) start_decryption(dir);
      break;
    case ContentType::alert: {
      Alert a;
      if (decode_alert(plain, &a)) {
        std::string desc = std::string(a.level == AlertLevel::warning ? "warning " : "fatal ") +
                           alert_name(a.description);
        info.what = "Alert " + desc;
        lines->push_back(who + enc + "Alert " + desc);
      } else {
        info.what = "malformed alert";
        lines->push_back(who + enc + "malformed alert (" + std::to_string(plain.size()) + " bytes)");
      }
      break;
    }
    case ContentType::application_data:
      d.app_bytes += plain.size();
      info.what = "application data";
      lines->push_back(who + enc + "application data, " + std::to_string(plain.size()) + " bytes");
      break;
    default:
      info.what = "record of unknown type " + std::to_string(static_cast<int>(type));
      lines->push_back(who + info.what);
  }
}

void ConnectionDecoder::handshake_bytes(int dir, size_t record, ByteView data, size_t stream_offset, bool encrypted,
                                        std::vector<std::string>* lines) {
  Dir& d = dirs_[dir];
  if (d.hs_stopped) return;
  if (!encrypted && keep_records_) d.hs_map.push_back({d.hs.size(), stream_offset, data.size(), record});
  d.hs.insert(d.hs.end(), data.begin(), data.end());
  for (;;) {
    if (d.hs.size() < kHandshakeHeaderLength) break;
    size_t len = (size_t{d.hs[1]} << 16) | (size_t{d.hs[2]} << 8) | d.hs[3];
    size_t total = kHandshakeHeaderLength + len;
    if (len > kMaxHandshakeMessage) {
      lines->push_back(std::string(dir == 0 ? "C->S " : "S->C ") + message_name(d.hs[0]) + " of " +
                       std::to_string(len) + " bytes announced: over the decoder's limit (" +
                       std::to_string(kMaxHandshakeMessage) + "), later handshake messages not decoded");
      d.hs_stopped = true;
      Bytes().swap(d.hs);
      d.hs_map.clear();
      return;
    }
    if (d.hs.size() < total) break;
    std::string name = message_name(d.hs[0]);
    // Name the pieces of plaintext records that carried this message.
    for (const Dir::Seg& s : d.hs_map) {
      if (s.hs_offset >= total) break;
      size_t n = std::min(s.length, total - s.hs_offset);
      d.records[s.record].pieces.push_back({s.stream_offset, n, name, s.hs_offset});
    }
    std::string& what = keep_records_ ? d.records[record].what : d.scratch.what;
    what += (what.empty() ? "" : "+") + name;
    on_message(dir, ByteView(d.hs.data(), total), lines);
    d.hs.erase(d.hs.begin(), d.hs.begin() + total);
    std::vector<Dir::Seg> rest;
    for (Dir::Seg s : d.hs_map) {
      if (s.hs_offset + s.length <= total) continue;
      if (s.hs_offset < total) {
        size_t cut = total - s.hs_offset;
        s.stream_offset += cut;
        s.length -= cut;
        s.hs_offset = 0;
      } else {
        s.hs_offset -= total;
      }
      rest.push_back(s);
    }
    d.hs_map = rest;
  }
}

void ConnectionDecoder::on_message(int dir, ByteView msg, std::vector<std::string>* lines) {
  HandshakeHeader h;
  ByteView body;
  if (split_handshake_message(msg, &h, &body).ok()) {
    if (h.type == HandshakeType::client_hello) {
      ClientHello ch;
      if (decode_client_hello(body, &ch).ok()) client_random_.assign(ch.random.begin(), ch.random.end());
    } else if (h.type == HandshakeType::server_hello) {
      ServerHello sh;
      if (decode_server_hello(body, &sh).ok()) {
        server_random_.assign(sh.random.begin(), sh.random.end());
        suite_ = sh.cipher_suite;
        etm_ = sh.extensions.encrypt_then_mac;
      }
    }
  }
  const char* enc = dirs_[dir].after_ccs ? "[decrypted] " : "";
  lines->push_back(std::string(dir == 0 ? "C->S " : "S->C ") + enc + explain_handshake(msg, suite_, tls13_));
  if (h.type == HandshakeType::server_hello && !tls13_) {
    ServerHello sh;
    if (decode_server_hello(body, &sh).ok() && !sh.is_hello_retry_request() && sh.extensions.supported_versions &&
        !sh.extensions.supported_versions->empty() && sh.extensions.supported_versions->front() == version::tls13) {
      // Everything after the ServerHello is encrypted, both ways (RFC 8446 2).
      tls13_ = true;
      dirs_[0].after_ccs = dirs_[1].after_ccs = true;
      tls13_keys(kServerToClient, "SERVER_HANDSHAKE_TRAFFIC_SECRET");
      tls13_keys(kClientToServer, "CLIENT_HANDSHAKE_TRAFFIC_SECRET");
    }
  } else if (tls13_ && h.type == HandshakeType::finished) {
    tls13_keys(dir, dir == kServerToClient ? "SERVER_TRAFFIC_SECRET_0" : "CLIENT_TRAFFIC_SECRET_0");
  } else if (tls13_ && h.type == HandshakeType::key_update && !app_secret_[dir].empty()) {
    const CipherSuite* cs = find_suite(suite_);
    if (cs) {
      tls13_install(dir, crypto::hkdf_expand_label(crypto::default_provider(), cs->prf_hash, app_secret_[dir],
                                                   "traffic upd", ByteView(), app_secret_[dir].size()));
    }
  }
}

void ConnectionDecoder::start_decryption(int dir) {
  if (!keys_ || client_random_.size() != 32 || server_random_.size() != 32) return;
  auto it = keys_->find({"CLIENT_RANDOM", client_random_});
  const CipherSuite* cs = find_suite(suite_);
  if (it == keys_->end() || !cs || cs->is_tls13()) return;
  const crypto::Provider& p = crypto::default_provider();
  Bytes seed = server_random_;
  seed.insert(seed.end(), client_random_.begin(), client_random_.end());
  size_t mac = cs->mac_key_len, key = cs->key_len, iv = cs->fixed_iv_len;
  Bytes kb = crypto::tls12_prf(p, cs->prf_hash, it->second, "key expansion", seed, 2 * (mac + key + iv));
  ByteView block(kb);
  // client_write_MAC_key, server_write_MAC_key, client_write_key, server_write_key, client IV, server IV.
  ByteView mac_key = block.sub(dir == 0 ? 0 : mac, mac);
  ByteView enc_key = block.sub(2 * mac + (dir == 0 ? 0 : key), key);
  ByteView fixed_iv = block.sub(2 * mac + 2 * key + (dir == 0 ? 0 : iv), iv);
  Result<RecordProtection> r = Error::internal("unsupported cipher");
  switch (cs->cipher) {
    case BulkCipher::aes_128_gcm:
      r = RecordProtection::tls12_gcm(p, crypto::AeadAlg::aes_128_gcm, enc_key, fixed_iv);
      break;
    case BulkCipher::aes_256_gcm:
      r = RecordProtection::tls12_gcm(p, crypto::AeadAlg::aes_256_gcm, enc_key, fixed_iv);
      break;
    case BulkCipher::aes_128_ccm:
      r = RecordProtection::tls12_gcm(p, crypto::AeadAlg::aes_128_ccm, enc_key, fixed_iv);
      break;
    case BulkCipher::aes_256_ccm:
      r = RecordProtection::tls12_gcm(p, crypto::AeadAlg::aes_256_ccm, enc_key, fixed_iv);
      break;
    case BulkCipher::aes_128_ccm_8:
      r = RecordProtection::tls12_gcm(p, crypto::AeadAlg::aes_128_ccm_8, enc_key, fixed_iv);
      break;
    case BulkCipher::aes_256_ccm_8:
      r = RecordProtection::tls12_gcm(p, crypto::AeadAlg::aes_256_ccm_8, enc_key, fixed_iv);
      break;
    case BulkCipher::chacha20_poly1305:
      r = RecordProtection::tls12_chacha20_poly1305(p, enc_key, fixed_iv);
      break;
    case BulkCipher::aes_128_cbc:
    case BulkCipher::aes_256_cbc:
      r = RecordProtection::tls12_cbc(p, enc_key, cs->mac_hash, mac_key, etm_, *rng_);
      break;
  }
  if (r.ok()) dirs_[dir].prot = std::make_unique<RecordProtection>(r.take());
}

void ConnectionDecoder::tls13_keys(int dir, const char* label) {
  dirs_[dir].prot.reset();
  if (!keys_ || client_random_.size() != 32) return;
  auto it = keys_->find({label, client_random_});
  if (it == keys_->end()) return;
  tls13_install(dir, it->second);
  if (std::string(label).find("TRAFFIC_SECRET_0") != std::string::npos) app_secret_[dir] = it->second;
}

void ConnectionDecoder::tls13_install(int dir, const Bytes& secret) {
  const CipherSuite* cs = find_suite(suite_);
  if (!cs || !cs->is_tls13()) return;
  const crypto::Provider& p = crypto::default_provider();
  crypto::AeadAlg alg = cs->cipher == BulkCipher::aes_128_gcm   ? crypto::AeadAlg::aes_128_gcm
                        : cs->cipher == BulkCipher::aes_256_gcm ? crypto::AeadAlg::aes_256_gcm
                                                                : crypto::AeadAlg::chacha20_poly1305;
  Bytes key = crypto::hkdf_expand_label(p, cs->prf_hash, secret, "key", ByteView(), crypto::aead_key_length(alg));
  Bytes iv = crypto::hkdf_expand_label(p, cs->prf_hash, secret, "iv", ByteView(), crypto::kAeadNonceLength);
  Result<RecordProtection> r = RecordProtection::tls13(p, alg, key, iv);
  if (r.ok()) {
    dirs_[dir].prot = std::make_unique<RecordProtection>(r.take());
    if (!app_secret_[dir].empty()) app_secret_[dir] = secret;
  }
  secure_zero(key);
  secure_zero(iv);
}

std::string ConnectionDecoder::locate(int dir, size_t offset) const {
  const Dir& d = dirs_[dir];
  for (size_t i = 0; i < d.records.size(); i++) {
    const RecordInfo& r = d.records[i];
    if (offset < r.offset || offset >= r.offset + r.length) continue;
    std::string s = "record #" + std::to_string(i) + " (" +
                    content_type_name(static_cast<ContentType>(r.type)) + (r.encrypted ? ", encrypted" : "") +
                    ", " + std::to_string(r.length) + " bytes at stream offset " + std::to_string(r.offset) +
                    (r.what.empty() ? "" : ": " + r.what) + "), byte " + std::to_string(offset - r.offset) +
                    " of the record";
    if (offset - r.offset < kRecordHeaderLength) return s + " (in the record header)";
    for (const Piece& p : r.pieces) {
      if (offset >= p.stream_offset && offset < p.stream_offset + p.length) {
        return s + ": " + p.message + ", byte " + std::to_string(p.message_offset + offset - p.stream_offset) +
               " of the message (header included)";
      }
    }
    return s;
  }
  return "stream offset " + std::to_string(offset) + " (after the last whole record)";
}

}  // namespace capture
}  // namespace sanstls
