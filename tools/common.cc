#include "tools/common.h"

#include <sys/resource.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "core/bytes.h"
#include "core/handshake.h"
#include "core/handshake13.h"
#include "core/suites.h"
#include "core/wire.h"
#include "crypto/crypto.h"
#include "crypto/libcrypto.h"
#include "crypto/mbedtls.h"

namespace sanstls {
namespace tools {

namespace {
std::string g_program = "sanstls";
}

void set_program_name(const char* argv0) {
  std::string p = argv0 ? argv0 : "sanstls";
  size_t slash = p.rfind('/');
  g_program = slash == std::string::npos ? p : p.substr(slash + 1);
}

void die(const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: %s\n", g_program.c_str(), message.c_str());
  std::exit(1);
}

// ---------------------------------------------------------------------------------------------------
// Flags

bool ArgReader::next(std::string* flag) {
  if (i_ >= argc_) return false;
  flag_ = argv_[i_++];
  // Accept --flag as -flag, as people type both.
  if (flag_.size() > 2 && flag_[0] == '-' && flag_[1] == '-') flag_ = flag_.substr(1);
  *flag = flag_;
  return true;
}

std::string ArgReader::value() {
  if (i_ >= argc_) die("flag " + flag_ + " needs a value (see -h)");
  return argv_[i_++];
}

std::string ArgReader::path_value() { return user_path(value()); }

std::string user_path(const std::string& path) {
  const char* wd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || path[0] == '/' || wd == nullptr || *wd == 0) return path;
  return std::string(wd) + "/" + path;
}

uint64_t ArgReader::number(uint64_t max) {
  std::string v = value();
  if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos)
    die("flag " + flag_ + " needs a number, not '" + v + "'");
  uint64_t n = std::strtoull(v.c_str(), nullptr, 10);
  if (n > max) die("flag " + flag_ + ": " + v + " is larger than " + std::to_string(max));
  return n;
}

bool ArgReader::optional_number(uint64_t* out) {
  if (i_ >= argc_) return false;
  std::string v = argv_[i_];
  if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) return false;
  i_++;
  *out = std::strtoull(v.c_str(), nullptr, 10);
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Files

bool read_file(const std::string& path, Bytes* out, std::string* error) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  out->clear();
  uint8_t buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->insert(out->end(), buf, buf + n);
  bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) {
    *error = "cannot read " + path;
    return false;
  }
  return true;
}

Bytes read_file_or_die(const std::string& path, const char* what) {
  Bytes b;
  std::string err;
  if (!read_file(path, &b, &err)) die(std::string(what) + ": " + err);
  if (b.empty()) die(std::string(what) + ": " + path + " is empty");
  return b;
}

bool write_file(const std::string& path, ByteView data, std::string* error) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) *error = "cannot write " + path;
  return ok;
}

// ---------------------------------------------------------------------------------------------------
// Key log

std::shared_ptr<KeyLogFile> KeyLogFile::open(const std::string& path, std::string* error) {
  FILE* f = std::fopen(path.c_str(), "a");
  if (f == nullptr) {
    *error = "cannot open key log " + path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::shared_ptr<KeyLogFile>(new KeyLogFile(f));
}

KeyLogFile::~KeyLogFile() { std::fclose(f_); }

void KeyLogFile::log(const char* label, ByteView client_random, ByteView secret) {
  std::lock_guard<std::mutex> lock(mu_);
  std::fprintf(f_, "%s %s %s\n", label, to_hex(client_random).c_str(), to_hex(secret).c_str());
  std::fflush(f_);
}

std::shared_ptr<KeyLog> key_log_from_flag_or_env(const std::string& flag_path) {
  std::string path = flag_path;  // already a user_path() when it came from a flag
  if (path.empty()) {
    const char* env = std::getenv("SSLKEYLOGFILE");
    if (env != nullptr) path = user_path(env);
  }
  if (path.empty()) return nullptr;
  std::string err;
  auto log = KeyLogFile::open(path, &err);
  if (!log) die(err);
  return log;
}

// ---------------------------------------------------------------------------------------------------
// Time

uint64_t SystemClock::now_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

uint64_t monotonic_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

Connection::ClientOptions client_options(const std::string& server_name, bool trace,
                                         std::optional<Session> resume) {
  Connection::ClientOptions o;
  o.server_name = server_name;
  o.trace = trace;
  o.resume = std::move(resume);
  return o;
}

namespace {
std::vector<std::string> split_colons(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(':', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}
}  // namespace

std::vector<uint16_t> suites_from_flags(const std::string& cipher, const std::string& ciphersuites) {
  if (cipher.empty() && ciphersuites.empty()) return {};
  std::vector<uint16_t> v12, v13;
  for (const std::string& n : split_colons(cipher)) {
    const CipherSuite* s = find_suite_by_name(n.c_str());
    if (s == nullptr) die("unknown cipher suite '" + n + "' (see -h)");
    (s->is_tls13() ? v13 : v12).push_back(s->id);
  }
  for (const std::string& n : split_colons(ciphersuites)) {
    const CipherSuite* s = find_suite_by_name(n.c_str());
    if (s == nullptr) die("unknown cipher suite '" + n + "' (see -h)");
    if (!s->is_tls13()) die("-ciphersuites takes TLS 1.3 suites; '" + n + "' is a TLS 1.2 suite (use -cipher)");
    v13.push_back(s->id);
  }
  if (v12.empty() && cipher.find_first_not_of(':') != std::string::npos && v13.empty()) die("-cipher names no suite");
  if (v13.empty()) v13 = default_tls13_suites();
  if (v12.empty()) v12 = default_tls12_suites();
  v13.insert(v13.end(), v12.begin(), v12.end());
  return v13;
}

std::pair<uint16_t, uint16_t> versions_from_flags(bool tls1_2, bool tls1_3) {
  if (tls1_2 && tls1_3) die("-tls1_2 and -tls1_3 exclude each other (give neither for both versions)");
  if (tls1_2) return {version::tls12, version::tls12};
  if (tls1_3) return {version::tls13, version::tls13};
  return {version::tls12, version::tls13};
}

std::string printable(ByteView data, size_t max) {
  size_t n = data.size();
  if (n > 0 && data[n - 1] == '\n') n--;
  std::string out;
  for (size_t i = 0; i < n && i < max; i++) {
    uint8_t c = data[i];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (n > max) out += "...";
  return out;
}

void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// ---------------------------------------------------------------------------------------------------
// Names and explanations

std::string message_name(uint8_t t) {
  if (t == 0xff) return "ChangeCipherSpec";
  switch (static_cast<HandshakeType>(t)) {
    case HandshakeType::hello_request: return "HelloRequest";
    case HandshakeType::client_hello: return "ClientHello";
    case HandshakeType::server_hello: return "ServerHello";
    case HandshakeType::new_session_ticket: return "NewSessionTicket";
    case HandshakeType::end_of_early_data: return "EndOfEarlyData";
    case HandshakeType::encrypted_extensions: return "EncryptedExtensions";
    case HandshakeType::certificate: return "Certificate";
    case HandshakeType::server_key_exchange: return "ServerKeyExchange";
    case HandshakeType::certificate_request: return "CertificateRequest";
    case HandshakeType::server_hello_done: return "ServerHelloDone";
    case HandshakeType::certificate_verify: return "CertificateVerify";
    case HandshakeType::client_key_exchange: return "ClientKeyExchange";
    case HandshakeType::finished: return "Finished";
    case HandshakeType::key_update: return "KeyUpdate";
    default: break;
  }
  return "HandshakeType(" + std::to_string(t) + ")";
}

std::string certificate_subject(ByteView der) {
  std::string err;
  auto cert = crypto::default_provider().parse_certificate(der, &err);
  if (!cert) return "(unparsable certificate)";
  return printable(ByteView::of(cert->subject()));
}


namespace {
std::string suite_label(uint16_t id) {
  const CipherSuite* s = find_suite(id);
  if (s != nullptr) return std::string(s->iana_name);
  std::string n = cipher_suite_name(id);
  if (n == "unknown") {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%04x", id);
    return buf;
  }
  return n;
}

std::string join_names(const std::vector<uint16_t>& v, const char* (*name)(uint16_t), size_t max) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max; i++) {
    if (i) out += ", ";
    out += name(v[i]);
  }
  if (v.size() > max) out += ", ... (" + std::to_string(v.size()) + " in all)";
  return out;
}

const char* kx_name(KeyExchange kx) {
  switch (kx) {
    case KeyExchange::rsa: return "RSA";
    case KeyExchange::dhe_rsa: return "DHE";
    case KeyExchange::ecdhe_rsa:
    case KeyExchange::ecdhe_ecdsa: return "ECDHE";
    case KeyExchange::tls13: return "TLS 1.3";
  }
  return "?";
}
}  // namespace

std::string MessageExplainer::explain(uint8_t type, ByteView msg, const std::string& in) {
  std::string nl = "\n" + in;
  if (type == 0xff) {
    ccs_seen_++;
    if (tls13_ || (offered13_ && suite_ == 0))  // TLS 1.3 chosen, or offered and no ServerHello yet
      return "A dummy ChangeCipherSpec for middlebox compatibility (RFC 8446 D.4); TLS 1.3 ignores it.";
    return "\"From now on my records are encrypted with the keys we just agreed.\" (not a handshake "
           "message:" + nl + "a record of its own type, ContentType 20)";
  }
  HandshakeHeader hh;
  ByteView body;
  if (!split_handshake_message(msg, &hh, &body).ok()) return "(could not decode)";
  switch (static_cast<HandshakeType>(type)) {
    case HandshakeType::client_hello: {
      ClientHello ch;
      if (!decode_client_hello(body, &ch).ok()) break;
      offered_session_id_ = ch.session_id;
      client_hello_had_session_id_ = !ch.session_id.empty();
      std::string s = "The client's offer: its random, " + std::to_string(ch.cipher_suites.size()) +
                      " cipher suites (first: " + suite_label(ch.cipher_suites.empty() ? 0 : ch.cipher_suites[0]) +
                      ")";
      const Extensions& e = ch.extensions;
      if (e.server_name) s += "," + nl + "the server name it wants (SNI: " + printable(ByteView::of(*e.server_name)) + ")";
      if (e.supported_groups) s += "," + nl + "groups: " + join_names(*e.supported_groups, group_name, 4);
      if (e.signature_algorithms)
        s += "," + nl + "signature schemes: " + join_names(*e.signature_algorithms, signature_scheme_name, 3);
      bool offers13 = e.supported_versions &&
                      std::find(e.supported_versions->begin(), e.supported_versions->end(), version::tls13) !=
                          e.supported_versions->end();
      if (offers13 && e.key_share && !e.key_share->empty())
        s += "," + nl + "TLS 1.3 offered (supported_versions), with a key share (key_share) for " +
             group_name((*e.key_share)[0].group);
      offered_psk_ = e.pre_shared_key.has_value();
      offered_early_ = e.early_data;
      offered13_ = offers13;
      if (offered_psk_ && e.early_data)
        s += "," + nl + "a ticket from an earlier connection (pre_shared_key) to RESUME, and 0-RTT data that" + nl +
             "follows at once, before any answer (early_data)";
      else if (e.session_ticket && !e.session_ticket->empty() && !offered_psk_)
        s += "," + nl + "and a session ticket from an earlier connection (RFC 5077): it asks to RESUME";
      else if (offered_psk_)
        s += "," + nl + "and a ticket from an earlier connection (pre_shared_key): it asks to RESUME";
      else if (client_hello_had_session_id_ && !offers13)
        s += "," + nl + "and a session ID from an earlier connection: it asks to RESUME that session";
      else if (client_hello_had_session_id_)
        s += "," + nl + "a session ID (to resume a TLS 1.2 session, or for middlebox compatibility)";
      return s + ".";
    }
    case HandshakeType::server_hello: {
      ServerHello sh;
      if (!decode_server_hello(body, &sh).ok()) break;
      suite_ = sh.cipher_suite;
      const Extensions& e = sh.extensions;
      tls13_ = e.supported_versions && !e.supported_versions->empty() &&
               (*e.supported_versions)[0] == version::tls13;
      std::string s = "The server's choice: " + suite_label(sh.cipher_suite) + ", its random";
      if (tls13_) {
        s += "," + nl + "TLS 1.3 (supported_versions)";
        if (e.key_share && !e.key_share->empty())
          s += std::string(", its key share (key_share) on ") + group_name((*e.key_share)[0].group);
        if (e.psk_selected_identity) s += "," + nl + "and it accepts the offered ticket: the session is RESUMED";
        return s + "." + nl + "Everything after this message is encrypted.";
      }
      if (!sh.session_id.empty() && sh.session_id == offered_session_id_)
        s += "," + nl + "and the client's session ID echoed back: the session is RESUMED (abbreviated handshake)";
      else if (!sh.session_id.empty())
        s += "," + nl + "a new session ID (to resume this session later)";
      std::string ext;
      if (e.extended_master_secret) ext += " extended_master_secret";
      if (e.encrypt_then_mac) ext += " encrypt_then_mac";
      if (e.alpn && !e.alpn->empty()) ext += " ALPN=" + printable(ByteView::of((*e.alpn)[0]));
      if (e.renegotiation_info) ext += " renegotiation_info";
      if (!ext.empty()) s += "," + nl + "extensions accepted:" + ext;
      return s + ".";
    }
    case HandshakeType::certificate: {
      if (tls13_) {
        // TLS 1.3 form (RFC 8446 4.4.2): context<0..255>, then entries of cert_data<1..2^24-1> and
        // extensions<0..2^16-1>. Only the first two certificates are named.
        Reader r(body), list;
        ByteView context, first, second, exts;
        if (!r.prefixed8(&context) || !r.prefixed24(&list)) break;
        if (list.empty()) return "An empty certificate list: no certificate to show.";
        if (!list.prefixed24(&first) || !list.prefixed16(&exts)) break;
        std::string s = "A certificate chain, leaf first: " + certificate_subject(first);
        if (list.prefixed24(&second)) s += nl + "issued by: " + certificate_subject(second);
        return s + nl + "(the receiver checks it up to a trusted CA, and the name)";
      }
      CertificateMsg12 c;
      if (!decode_certificate12(body, &c).ok()) break;
      if (c.chain.empty()) return "An empty certificate list: no certificate to show.";
      std::string s = "A certificate chain of " + std::to_string(c.chain.size()) + ", leaf first: " +
                      certificate_subject(c.chain[0]);
      if (c.chain.size() > 1) s += nl + "issued by: " + certificate_subject(c.chain[1]);
      return s + nl + "(the receiver checks it up to a trusted CA, and the name)";
    }
    case HandshakeType::server_key_exchange: {
      const CipherSuite* cs = find_suite(suite_);
      if (cs != nullptr && cs->kx == KeyExchange::dhe_rsa) {
        ServerKeyExchangeDhe m;
        if (!decode_server_key_exchange_dhe(body, &m).ok()) break;
        return "The server's ephemeral Diffie-Hellman share (a " + std::to_string(m.p.size() * 8) +
               "-bit prime group)," + nl + "signed with " + signature_scheme_name(m.sig_scheme) +
               " by the key of its certificate.";
      }
      ServerKeyExchangeEcdhe m;
      if (!decode_server_key_exchange_ecdhe(body, &m).ok()) break;
      return std::string("The server's ephemeral key share on the group ") + group_name(m.group) + "," + nl +
             "signed with " + signature_scheme_name(m.sig_scheme) + " by the key of its certificate.";
    }
    case HandshakeType::certificate_request: {
      if (tls13_) {
        CertificateRequest13 m;
        if (!decode_certificate_request13(body, &m).ok()) break;
        std::string s = "The server asks the client for a certificate (client authentication)";
        if (m.extensions.signature_algorithms)
          s += "," + nl + "signed with one of: " + join_names(*m.extensions.signature_algorithms, signature_scheme_name, 3);
        if (!m.request_context.empty()) s += nl + "(after the handshake: post-handshake authentication)";
        return s + ".";
      }
      CertificateRequest12 m;
      if (!decode_certificate_request12(body, &m).ok()) break;
      return "The server asks the client for a certificate (client authentication)," + nl +
             "signed with one of: " + join_names(m.sig_schemes, signature_scheme_name, 3) + "; " +
             std::to_string(m.authorities.size()) + " acceptable CA name(s).";
    }
    case HandshakeType::server_hello_done:
      return "\"That is all from me for now\": the server waits for the client's key exchange.";
    case HandshakeType::client_key_exchange: {
      const CipherSuite* cs = find_suite(suite_);
      if (cs != nullptr && cs->kx == KeyExchange::rsa)
        return "The premaster secret, encrypted to the server's RSA key (" + std::to_string(body.size() - 2) +
               " bytes)." + nl + "Both sides now derive the master secret and the record keys.";
      return std::string("The client's ephemeral ") + (cs ? kx_name(cs->kx) : "") + " share (" +
             std::to_string(body.size()) + " bytes)." + nl +
             "Both sides now compute the shared secret, the master secret and the record keys.";
    }
    case HandshakeType::certificate_verify: {
      CertificateVerify m;
      if (!decode_certificate_verify(body, &m).ok()) break;
      return std::string(tls13_ ? "The sender" : "The client") + " proves it holds its certificate's key: a " +
             signature_scheme_name(m.sig_scheme) + nl + "signature over every handshake message so far.";
    }
    case HandshakeType::finished:
      finished_seen_++;
      if (tls13_)
        return "A MAC (HMAC) of the whole handshake under the sender's handshake traffic secret." + nl +
               "If it checks, nobody tampered with the messages before it.";
      return "The first encrypted message: a MAC (PRF) of the whole handshake under the master secret." + nl +
             "If it checks, nobody tampered with the messages before it.";
    case HandshakeType::new_session_ticket: {
      if (!tls13_) return "A session ticket, to resume without server state (RFC 5077).";
      NewSessionTicket13 m;
      if (!decode_new_session_ticket13(body, &m).ok()) break;
      std::string s = "A ticket for resuming later (RFC 8446 4.6.1), sent after the handshake, valid " +
                      std::to_string(m.lifetime) + " s";
      if (m.extensions.max_early_data_size)
        s += "," + nl + "with which the client may send up to " + std::to_string(*m.extensions.max_early_data_size) +
             " bytes of 0-RTT data";
      return s + ".";
    }
    case HandshakeType::encrypted_extensions: {
      std::string s = "The server's answers to the client's extensions, now encrypted";
      EncryptedExtensions m;
      if (decode_encrypted_extensions(body, &m).ok()) {
        if (m.extensions.alpn && !m.extensions.alpn->empty()) s += " (ALPN=" + printable(ByteView::of((*m.extensions.alpn)[0])) + ")";
        if (m.extensions.early_data) s += "," + nl + "and early_data: it ACCEPTS the client's 0-RTT data";
        else if (offered_early_) s += "," + nl + "no early_data: it REFUSES the 0-RTT data (the client sends it again later)";
      }
      return s + ".";
    }
    case HandshakeType::end_of_early_data:
      return "The end of the client's 0-RTT data: from here on it writes under its handshake keys.";
    case HandshakeType::key_update:
      return "New traffic keys for the sender's direction (RFC 8446 4.6.3).";
    default:
      return "";
  }
  return "(could not decode)";
}

std::string trace_line(const std::string& who, const Event& ev) {
  std::string arrow = ev.direction == Direction::sent ? " -> " : " <- ";
  return who + arrow + message_name(ev.message_type) + " (" + std::to_string(ev.data.size()) + " bytes)";
}

std::string keying_material_report(const Connection& conn, const std::string& label, size_t length) {
  std::string out = "Keying material exporter:\n    Label: '" + printable(ByteView::of(label)) + "'\n    Length: " +
                    std::to_string(length) + " bytes\n";
  Result<Bytes> km = conn.export_keying_material(label, std::nullopt, length);
  if (!km.ok()) return out + "    Error: " + km.error().what + "\n";
  std::string hex = to_hex(km.value());
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out + "    Keying material: " + hex + "\n";
}

std::string describe_info(const HandshakeInfo& info) {
  std::string s;
  s += std::string("Protocol: ") + version_name(info.version) + "\n";
  s += "Cipher: " + suite_label(info.cipher_suite);
  const CipherSuite* cs = find_suite(info.cipher_suite);
  if (cs != nullptr && std::strcmp(cs->openssl_name, cs->iana_name) != 0) s += std::string(" (") + cs->openssl_name + ")";
  s += "\n";
  if (info.group != 0) s += std::string("Group: ") + group_name(info.group) + "\n";
  if (info.signature_scheme != 0) s += std::string("Signature: ") + signature_scheme_name(info.signature_scheme) + "\n";
  s += std::string("Session: ") + (info.resumed ? "Reused" : "New") + "\n";
  if (info.version != version::tls13)  // TLS 1.3's key schedule always covers the transcript
    s += std::string("Extended master secret: ") + (info.extended_master_secret ? "yes" : "no") + "\n";
  if (info.encrypt_then_mac) s += "Encrypt-then-MAC: yes\n";
  if (!info.alpn.empty()) s += "ALPN: " + printable(ByteView::of(info.alpn)) + "\n";
  if (!info.server_name.empty()) s += "Server name: " + printable(ByteView::of(info.server_name)) + "\n";
  if (!info.peer_chain.empty()) s += "Peer certificate: " + certificate_subject(info.peer_chain[0]) + "\n";
  s += std::string("Client authenticated: ") + (info.client_authenticated ? "yes" : "no") + "\n";
  if (info.early_data_accepted) s += "Early data: accepted\n";
  return s;
}

const crypto::Provider& provider_from_flag(const std::string& name) {
  if (name == "mbedtls") return crypto::mbedtls_provider();
  if (name == "libcrypto") return crypto::libcrypto_provider();
  die("-provider: unknown provider '" + name + "' (mbedtls or libcrypto)");
}

std::string describe_error(const Error& e) {
  std::string s;
  switch (e.kind) {
    case ErrorKind::alert_received:
      return std::string("the peer sent a fatal alert: ") + alert_name(e.alert);
    case ErrorKind::bad_certificate:
      s = "certificate verification failed: ";
      break;
    case ErrorKind::timeout:
      return "the handshake timed out";
    case ErrorKind::transport_closed:
      return std::string("the connection closed: ") + e.what;
    default:
      s = std::string(error_kind_name(e.kind)) + ": ";
  }
  s += e.what;
  AlertDescription a;
  if (alert_for(e, &a)) s += std::string(" (sent alert ") + alert_name(a) + ")";
  return s;
}

}  // namespace tools
}  // namespace sanstls
