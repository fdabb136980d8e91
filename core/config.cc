#include "core/config.h"

#include <algorithm>

#include "core/suites.h"
#include "core/tls12_keys.h"

namespace sanstls {
namespace {

using crypto::Group;
using crypto::SignatureScheme;

// OpenSSL 3.0's default groups, but for the larger FFDHE ones (they stay available when configured); the
// client's one key share is the first (X25519).
std::vector<uint16_t> default_groups() {
  return {static_cast<uint16_t>(Group::x25519),    static_cast<uint16_t>(Group::secp256r1),
          static_cast<uint16_t>(Group::secp384r1), static_cast<uint16_t>(Group::x448),
          static_cast<uint16_t>(Group::secp521r1), static_cast<uint16_t>(Group::ffdhe2048),
          static_cast<uint16_t>(Group::ffdhe3072)};
}

std::vector<uint16_t> default_schemes() {
  return {static_cast<uint16_t>(SignatureScheme::ecdsa_secp256r1_sha256),
          static_cast<uint16_t>(SignatureScheme::ecdsa_secp384r1_sha384),
          static_cast<uint16_t>(SignatureScheme::ecdsa_secp521r1_sha512),
          static_cast<uint16_t>(SignatureScheme::rsa_pss_rsae_sha256),
          static_cast<uint16_t>(SignatureScheme::rsa_pss_rsae_sha384),
          static_cast<uint16_t>(SignatureScheme::rsa_pss_rsae_sha512),
          static_cast<uint16_t>(SignatureScheme::rsa_pkcs1_sha256),
          static_cast<uint16_t>(SignatureScheme::rsa_pkcs1_sha384),
          static_cast<uint16_t>(SignatureScheme::rsa_pkcs1_sha512)};
}

// The schemes a key type sanstls uses signs with (scheme_fits_key). SHA-1 schemes are not supported:
// RFC 9155 forbids them in TLS 1.2 signatures, RFC 8446 in TLS 1.3.
bool scheme_supported(uint16_t s) {
  return scheme_fits_key(s, crypto::KeyType::rsa) || scheme_fits_key(s, crypto::KeyType::ec_p256);
}

// Checks the parts both sides share; returns an error message or "".
std::string check_common(const CommonConfig& c) {
  if (c.cipher_suites.empty()) return "no cipher suites";
  bool any12 = false, any13 = false;
  for (uint16_t id : c.cipher_suites) {
    const CipherSuite* s = find_suite(id);
    if (s == nullptr) return "unsupported cipher suite " + std::to_string(id);
    (s->is_tls13() ? any13 : any12) = true;
  }
  if (c.min_version < 0x0303 || c.max_version > 0x0304 || c.min_version > c.max_version)
    return "versions: only TLS 1.2 (0x0303) and TLS 1.3 (0x0304) are supported, minimum first";
  if ((c.max_version < 0x0304 || !any13) && (c.min_version > 0x0303 || !any12))
    return "no cipher suite for the enabled versions";
  if (c.groups.empty()) return "no groups";
  for (uint16_t g : c.groups)
    if (!crypto::group_supported(g)) return "unsupported group " + std::to_string(g);
  if (c.signature_schemes.empty()) return "no signature schemes";
  for (uint16_t s : c.signature_schemes)
    if (!scheme_supported(s)) return "unsupported signature scheme " + std::to_string(s);
  for (const std::string& p : c.alpn)
    if (p.empty() || p.size() > 255) return "an ALPN protocol name must be 1 to 255 bytes";
  if (c.record_size_limit != 0 && c.record_size_limit < 64) return "record_size_limit must be at least 64";
  if (c.max_handshake_message < 1024) return "max_handshake_message must be at least 1024";
  if (c.require_extended_master_secret && !c.extended_master_secret)
    return "require_extended_master_secret needs extended_master_secret on";
  return "";
}

// The chain, with its key: `key` when given (a key object of the application's), else from key_pem.
// Returns an error message, or "" with *out set.
std::string load_certified_key(const crypto::Provider& p, ByteView chain_pem, ByteView key_pem,
                               std::shared_ptr<const crypto::PrivateKey> key, std::shared_ptr<CertifiedKey>* out) {
  auto ck = std::make_shared<CertifiedKey>();
  std::string err;
  if (!p.load_certificates(chain_pem, &ck->chain, &err) || ck->chain.empty())
    return "certificate chain: " + (err.empty() ? std::string("no certificate found") : err);
  if (!key) key = p.load_private_key(key_pem, &err);
  if (!key) return "private key: " + err;
  std::unique_ptr<crypto::Certificate> leaf = p.parse_certificate(ck->chain[0], &err);
  if (!leaf) return "certificate: " + err;
  if (key->type() == crypto::KeyType::other)
    return "private key: unsupported key type (RSA, ECDSA P-256, P-384 and P-521 are supported)";
  // The key must belong to the leaf: the same public key.
  std::unique_ptr<crypto::PublicKey> pub = leaf->public_key();
  std::unique_ptr<crypto::PublicKey> own = key->public_key();
  if (!pub || !own || pub->spki_der() != own->spki_der()) return "private key does not match the certificate";
  ck->key = std::move(key);
  ck->leaf = std::move(leaf);
  *out = std::move(ck);
  return "";
}

// Trust anchors from PEM: their store, and the verifier id naming them under `policy`. Returns an error
// message or "".
std::string load_trust_anchors(const crypto::Provider& p, ByteView pem, const std::string& policy,
                               std::shared_ptr<const crypto::TrustStore>* trust, Bytes* verifier) {
  std::vector<Bytes> anchors;
  std::string err;
  if (!p.load_certificates(pem, &anchors, &err) || anchors.empty())
    return "trust anchors: " + (err.empty() ? std::string("no certificate found") : err);
  *trust = p.make_trust_store(anchors, &err);
  if (!*trust) return "trust anchors: " + err;
  *verifier = verifier_id(p, std::move(anchors), policy);
  return "";
}

// A verifier must name itself and be answerable; "" when it is (or there is none).
std::string check_verifier(const CertificateVerifier* v) {
  if (v == nullptr) return "";
  if (v->tag.empty() || v->tag.size() > 200) return "certificate verifier: the tag must be 1 to 200 bytes";
  if (!v->check && !v->async) return "certificate verifier: no check function (and not async)";
  return "";
}

// The policy part of a verifier id: the purpose, and the application's verifier when there is one
// (by mode and tag), so that sessions are bound to it (session.h: PeerIdentity).
std::string policy_of(const char* purpose, const CertificateVerifier* v) {
  std::string policy = purpose;
  if (v == nullptr) return policy;
  policy += v->mode == CertificateVerifier::Mode::after_default ? "+after:" : "+replace:";
  policy += v->tag;
  return policy;
}

}  // namespace

bool CertifiedKey::serves(const std::string& name) const {
  if (leaf && leaf->matches_name(name)) return true;
  auto lower = [](std::string s) {
    for (char& c : s)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
  };
  for (const std::string& h : host_names)
    if (lower(h) == lower(name)) return true;
  return false;
}

Bytes verifier_id(const crypto::Provider& p, std::vector<Bytes> anchors_der, const std::string& policy) {
  std::sort(anchors_der.begin(), anchors_der.end());
  std::unique_ptr<crypto::Hash> h = p.hash(crypto::HashAlg::sha256);
  Bytes framed;
  Writer w(&framed);
  w.bytes(ByteView::of("sanstls verifier 1"));
  w.prefixed8(ByteView::of(policy));
  for (const Bytes& der : anchors_der) w.prefixed24(der);
  h->update(framed);
  Bytes out(crypto::hash_length(crypto::HashAlg::sha256));
  h->finish(out.data());
  return out;
}

bool ClientConfig::may_resume(const Session& s, const std::string& server_name, const std::string& verify_name) const {
  if (s.server_name != server_name) return false;
  if (!verify_server) return true;  // this config checks nothing, so no session is less checked than it
  if (!s.peer.proven() || s.peer.verifier != verifier) return false;
  return verify_name.empty() || s.peer.name == verify_name;
}

bool ServerConfig::resumed_identity(const PeerIdentity& id, PeerIdentity* reported) const {
  *reported = PeerIdentity();
  const bool ours = id.proven() && !client_verifier.empty() && id.verifier == client_verifier;
  switch (client_auth) {
    case ClientAuth::optional:
      if (id.chain.empty()) return true;  // an anonymous session, reported as anonymous
      [[fallthrough]];
    case ClientAuth::required:
      if (!ours) return false;
      *reported = id;
      return true;
    case ClientAuth::none:
      return true;
  }
  return false;
}

PeerIdentity ServerConfig::client_identity(const std::vector<Bytes>& chain) const {
  PeerIdentity id;
  if (chain.empty() || client_verifier.empty()) return id;
  id.chain = chain;
  id.verifier = client_verifier;
  return id;
}

// ---------------------------------------------------------------------------------------------------

void set_common_defaults(CommonConfig* c, const crypto::Provider& p) {
  c->provider = &p;
  c->cipher_suites = default_tls13_suites();
  c->cipher_suites.insert(c->cipher_suites.end(), default_tls12_suites().begin(), default_tls12_suites().end());
  c->groups = default_groups();
  c->signature_schemes = default_schemes();
}

// Keeps the first problem a setter meets (build() reports it).
bool parse_cipher_suite_names(const std::string& names, std::vector<uint16_t>* out, std::string* error) {
  auto refuse = [&](std::string why) {
    if (error->empty()) *error = std::move(why);
    return false;
  };
  out->clear();
  size_t start = 0;
  while (start <= names.size()) {
    size_t end = names.find(':', start);
    if (end == std::string::npos) end = names.size();
    std::string name = names.substr(start, end - start);
    if (!name.empty()) {
      const CipherSuite* s = find_suite_by_name(name.c_str());
      if (s == nullptr) return refuse("unknown cipher suite '" + name + "'");
      out->push_back(s->id);
    }
    start = end + 1;
  }
  if (out->empty()) return refuse("no cipher suite named in '" + names + "'");
  return true;
}

ClientConfig::Builder::Builder(const crypto::Provider& p) : CommonBuilder(std::make_shared<ClientConfig>(), p) {}

ClientConfig::Builder& ClientConfig::Builder::client_certificate(ByteView chain_pem, ByteView key_pem) {
  cert_pem_ = chain_pem.to_bytes();
  key_pem_ = key_pem.to_bytes();
  key_.reset();
  return *this;
}
ClientConfig::Builder& ClientConfig::Builder::client_certificate(ByteView chain_pem,
                                                                 std::shared_ptr<const crypto::PrivateKey> key) {
  cert_pem_ = chain_pem.to_bytes();
  key_pem_.clear();
  key_ = std::move(key);
  if (!key_) error_ = "client certificate: a null private key";
  return *this;
}

Built<ClientConfig> ClientConfig::Builder::build() {
  std::string err = !error_.empty() ? error_ : check_common(*c_);
  if (!err.empty()) return {nullptr, err};
  const crypto::Provider& p = *c_->provider;
  const CertificateVerifier* v = c_->certificate_verifier.get();
  err = check_verifier(v);
  if (err.empty() && v != nullptr && !c_->verify_server) err = "certificate_verifier needs verify_server on";
  if (!err.empty()) return {nullptr, err};
  const bool replace = v != nullptr && v->mode == CertificateVerifier::Mode::replace_default;
  c_->trust.reset();
  c_->verifier.clear();
  if (!trust_pem_.empty() && !replace) {
    err = load_trust_anchors(p, trust_pem_, policy_of("server_auth", v), &c_->trust, &c_->verifier);
    if (!err.empty()) return {nullptr, err};
  }
  if (replace) c_->verifier = verifier_id(p, {}, policy_of("server_auth", v));
  if (!c_->verify_server) c_->verifier.clear();
  if (c_->verify_server && !c_->trust && !replace)
    return {nullptr, "no trust anchors: give trust_anchors_pem(), or turn verify_server off"};
  if (!cert_pem_.empty() || !key_pem_.empty() || key_) {
    std::shared_ptr<CertifiedKey> ck;
    err = load_certified_key(p, cert_pem_, key_pem_, key_, &ck);
    c_->client_certificate = ck;  // null when refused
    if (!err.empty()) return {nullptr, "client " + err};
    ck->async = async_key_;
  }
  Built<ClientConfig> out{c_, ""};
  c_ = std::make_shared<ClientConfig>(*c_);  // the builder may go on without touching the built config
  return out;
}

// ---------------------------------------------------------------------------------------------------

ServerConfig::Builder::Builder(const crypto::Provider& p) : CommonBuilder(std::make_shared<ServerConfig>(), p) {}

ServerConfig::Builder& ServerConfig::Builder::certificate(ByteView chain_pem, ByteView key_pem,
                                                          std::vector<std::string> host_names) {
  certs_.emplace_back(chain_pem.to_bytes(), key_pem.to_bytes());
  cert_keys_.emplace_back();
  cert_names_.push_back(std::move(host_names));
  return *this;
}
ServerConfig::Builder& ServerConfig::Builder::certificate(ByteView chain_pem, std::shared_ptr<const crypto::PrivateKey> key,
                                                          std::vector<std::string> host_names) {
  if (!key) error_ = "certificate: a null private key";
  certs_.emplace_back(chain_pem.to_bytes(), Bytes());
  cert_keys_.push_back(std::move(key));
  cert_names_.push_back(std::move(host_names));
  return *this;
}
ServerConfig::Builder& ServerConfig::Builder::client_auth(ClientAuth mode, ByteView trust_anchors_pem) {
  c_->client_auth = mode;
  client_trust_pem_ = trust_anchors_pem.to_bytes();
  return *this;
}
ServerConfig::Builder& ServerConfig::Builder::tickets_per_handshake(uint8_t n) {
  if (n > 8) error_ = "tickets_per_handshake: at most 8";
  c_->tickets_per_handshake = n;
  return *this;
}

std::shared_ptr<Ticketer> ServerConfig::tickets_ring(uint64_t now_ms) const {
  if (ticket_keys) return ticket_keys;
  if (!ticket_key_generator) return nullptr;
  // Made on first use (its first key's age counts from then), from the config's own generator: the
  // same keys whichever connection comes first, and none drawn from a connection's generator.
  std::lock_guard<std::mutex> lock(lazy_->mu);
  if (!lazy_->keys) lazy_->keys = TicketKeys::create(ticket_key_generator, now_ms, 3600, 2 * 3600, *provider);
  return lazy_->keys;
}

Built<ServerConfig> ServerConfig::Builder::build() {
  std::string err = !error_.empty() ? error_ : check_common(*c_);
  if (!err.empty()) return {nullptr, err};
  const crypto::Provider& p = *c_->provider;
  if (certs_.empty()) return {nullptr, "a server needs at least one certificate and private key"};
  if (c_->tickets && !c_->ticket_keys && !c_->ticket_key_generator)
    return {nullptr, "tickets need keys: give ticket_key_generator() (e.g. crypto::make_system_rng()) or "
                     "ticket_keys(), or turn tickets off"};
  c_->certificates.clear();
  for (size_t i = 0; i < certs_.size(); i++) {
    std::shared_ptr<CertifiedKey> ck;
    err = load_certified_key(p, certs_[i].first, certs_[i].second, cert_keys_[i], &ck);
    if (!err.empty()) return {nullptr, err};
    for (const std::string& n : cert_names_[i])
      if (n.empty()) return {nullptr, "a certificate's host name must not be empty"};
    ck->host_names = cert_names_[i];
    ck->async = async_keys_;
    c_->certificates.push_back(std::move(ck));
  }
  // Some configured suite must be usable with some certificate (TLS 1.3 suites work with any key type).
  const bool any = std::any_of(c_->cipher_suites.begin(), c_->cipher_suites.end(), [&](uint16_t id) {
    const CipherSuite* s = find_suite(id);
    return s->is_tls13() || std::any_of(c_->certificates.begin(), c_->certificates.end(), [&](const auto& ck) {
             return (ck->type() != crypto::KeyType::rsa) == s->server_key_is_ecdsa();
           });
  });
  if (!any) return {nullptr, "no configured cipher suite can be used with the given certificates' key types"};
  const CertificateVerifier* v = c_->client_certificate_verifier.get();
  err = check_verifier(v);
  if (!err.empty()) return {nullptr, err};
  if (c_->select_async && c_->select) return {nullptr, "select: give either a function or async, not both"};
  c_->client_trust.reset();
  c_->client_verifier.clear();
  const bool replace = v != nullptr && v->mode == CertificateVerifier::Mode::replace_default;
  if (c_->client_auth != ClientAuth::none && replace && client_trust_pem_.empty()) {
    c_->client_verifier = verifier_id(p, {}, policy_of("client_auth", v));
  } else if (c_->client_auth != ClientAuth::none) {
    err = load_trust_anchors(p, client_trust_pem_, policy_of("client_auth", v), &c_->client_trust,
                             &c_->client_verifier);
    if (!err.empty()) return {nullptr, "client-certificate " + err};
  }
  if (!c_->session_cache) c_->session_cache = std::make_shared<InMemorySessionCache>();
  if (c_->max_early_data > 0 && !c_->early_data_guard)
    c_->early_data_guard = std::make_shared<EarlyDataGuard>(100000, 10000);  // 10 s window (RFC 8446 8)
  Built<ServerConfig> out{c_, ""};
  c_ = std::make_shared<ServerConfig>(*c_);
  c_->lazy_ = std::make_shared<LazyKeys>();
  return out;
}

}  // namespace sanstls
