// Configuration of clients and servers: immutable once built, shared by many connections.
//
//   auto built = sanstls::ServerConfig::Builder()
//                    .certificate(chain_pem, key_pem)      // RSA and ECDSA may both be given
//                    .client_auth(sanstls::ClientAuth::optional, ca_pem)
//                    .build();
//   if (!built.ok()) { puts(built.error.c_str()); ... }
//   std::shared_ptr<const sanstls::ServerConfig> config = built.config;
//
// A Builder refuses a bad config in build(), with a message that names the problem; it never aborts.
#ifndef SANSTLS_CORE_CONFIG_H_
#define SANSTLS_CORE_CONFIG_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/extensions.h"
#include "core/session.h"
#include "core/tickets.h"
#include "crypto/crypto.h"

namespace sanstls {

// The caller's clock. Read by the engine at defined points only (start of a handshake, certificate
// checks, session cache look-ups); a capture records every reading.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint64_t now_ms() = 0;  // milliseconds since the Unix epoch
};

// Receives secrets in the NSS key log format's terms ("CLIENT_RANDOM", client random, master secret),
// so that Wireshark can decrypt a capture. Called from inside the engine; must not call back into it.
class KeyLog {
 public:
  virtual ~KeyLog() = default;
  virtual void log(const char* label, ByteView client_random, ByteView secret) = 0;
};

// A certificate chain (leaf first, DER) with its private key.
struct CertifiedKey {
  std::vector<Bytes> chain;
  std::shared_ptr<const crypto::PrivateKey> key;
  std::shared_ptr<const crypto::Certificate> leaf;
  // Server: host names this certificate is also served for (SNI), besides the names it holds itself.
  std::vector<std::string> host_names;
  // The private key's operations (signing; TLS_RSA_* premaster decryption) are answered by the
  // application later: the connection emits Event::Type::sign_request / decrypt_request and waits for
  // Connection::complete_sign() / complete_decrypt(). `key` is then used for its public key only.
  bool async = false;
  crypto::KeyType type() const { return key->type(); }
  // True when a client asking for `name` (SNI) gets this certificate: the certificate's own names
  // match it, or host_names lists it (ASCII case-insensitively).
  bool serves(const std::string& name) const;
};

enum class ClientAuth : uint8_t { none, optional, required };

// What a server's ALPN selection hook (ServerConfig::alpn_select) decides, as OpenSSL's
// SSL_CTX_set_alpn_select_cb can: one protocol, no ALPN for this connection, or the fatal
// no_application_protocol alert (RFC 7301 3.2).
struct AlpnDecision {
  enum class Kind : uint8_t { select, none, refuse };
  Kind kind = Kind::none;
  std::string protocol;  // select: one of the client's protocols, byte for byte
  static AlpnDecision select(std::string p) { return AlpnDecision{Kind::select, std::move(p)}; }
  // The handshake goes on without ALPN (the server sends no application_layer_protocol_negotiation).
  static AlpnDecision none() { return AlpnDecision{Kind::none, std::string()}; }
  // The handshake fails with no_application_protocol.
  static AlpnDecision refuse() { return AlpnDecision{Kind::refuse, std::string()}; }
};

// --- Certificate verification hooks -------------------------------------------------------------------
//
// What a verifier is asked: the peer's chain as it arrived (leaf first, DER), and the context the
// default check uses.
struct CertificateCheck {
  std::vector<Bytes> chain;
  bool peer_is_server = true;  // true: a client checks a server's chain; false: a server, a client's
  std::string name;            // client: the name the certificate must match (empty: none asked for)
  uint64_t now_ms = 0;         // the connection's clock when the chain arrived
};

// A verifier's answer: accept, or refuse with the alert to send. RFC 8446 6.2 and RFC 5246 7.2.2 name
// bad_certificate, unsupported_certificate, certificate_revoked, certificate_expired,
// certificate_unknown, unknown_ca and access_denied for this; any other alert is sent as
// bad_certificate.
struct CertVerdict {
  bool ok = true;
  AlertDescription alert = AlertDescription::bad_certificate;
  static CertVerdict accept() { return CertVerdict(); }
  static CertVerdict refuse(AlertDescription a = AlertDescription::bad_certificate) { return CertVerdict{false, a}; }
};

// A certificate verifier of the application's (as rustls's ServerCertVerifier, OpenSSL's
// SSL_CTX_set_cert_verify_callback): pins a key, adds policy on top of the default check, or replaces it.
struct CertificateVerifier {
  enum class Mode : uint8_t {
    after_default,    // the default check (chain to the trust anchors, name, key usage) first; then this
    replace_default,  // only this: no trust anchors needed, the chain is not checked by sanstls
  };
  Mode mode = Mode::after_default;
  // Names the verifier in session identities (PeerIdentity::verifier, with the trust anchors under
  // after_default): a session proved under one tag is resumed only by a config whose verifier has the
  // same tag, so a session verified by another verifier gets a full handshake. Change it when the
  // policy changes. 1 to 200 bytes.
  std::string tag;
  // The check, called from inside the engine (must not call back into the connection); thread-safe
  // when the config is shared. Null only when `async`.
  std::function<CertVerdict(const CertificateCheck&)> check;
  // Answered later instead: the connection emits Event::Type::verify_request and waits for
  // Connection::complete_verify().
  bool async = false;
};

class ServerConfig;

// --- Server-side selection -----------------------------------------------------------------------------
//
// What the ClientHello offered, for ServerConfig::select (as OpenSSL's client_hello callback, BoringSSL's
// select_certificate and rustls's ResolvesServerCert see it).
struct ClientHelloInfo {
  std::string server_name;                  // SNI; empty when none
  std::vector<std::string> alpn;            // the client's ALPN list, in its order
  std::vector<uint16_t> signature_schemes;  // signature_algorithms
  std::vector<uint16_t> groups;             // supported_groups
  std::vector<uint16_t> versions;           // supported_versions; empty when absent (TLS 1.2 only)
  std::vector<uint16_t> cipher_suites;
};

// The selection's answer. `certificate` is the one certificate the handshake uses (null: the config's
// own list, chosen as without a hook); `config`, when set, replaces the server config for this
// connection (other suites, ALPN, client authentication; its certificates unless `certificate` is set).
// refuse: the handshake ends with `alert` (unrecognized_name for an unknown SNI, RFC 6066 3;
// handshake_failure otherwise).
struct Selection {
  std::shared_ptr<const CertifiedKey> certificate;
  std::shared_ptr<const ServerConfig> config;
  bool refuse = false;
  AlertDescription alert = AlertDescription::handshake_failure;
  static Selection refused(AlertDescription a = AlertDescription::handshake_failure) {
    return Selection{nullptr, nullptr, true, a};
  }
};

template <typename T>
struct Built {
  std::shared_ptr<const T> config;  // null when refused
  std::string error;                // why, when refused
  bool ok() const { return config != nullptr; }
};

// What both sides share.
struct CommonConfig {
  const crypto::Provider* provider = nullptr;
  std::vector<uint16_t> cipher_suites;      // preference order
  std::vector<uint16_t> groups;             // supported_groups, preference order
  std::vector<uint16_t> signature_schemes;  // signature_algorithms, preference order
  std::vector<std::string> alpn;            // preference order
  bool extended_master_secret = true;       // offer / accept RFC 7627
  // TLS 1.2: refuse a peer that does not do RFC 7627 (handshake_failure), for deployments that want
  // every session bound to its handshake (RFC 7627 5.2, 5.3). Needs extended_master_secret on.
  bool require_extended_master_secret = false;
  bool encrypt_then_mac = true;             // offer / accept RFC 7366 for CBC suites
  uint16_t record_size_limit = 0;           // RFC 8449: 0 = do not send the extension
  uint32_t max_handshake_message = 65536;   // larger messages are refused
  uint64_t handshake_timeout_ms = 30000;    // 0 = none
  std::shared_ptr<KeyLog> key_log;
  uint16_t min_version = 0x0303;            // TLS 1.2 ...
  uint16_t max_version = 0x0304;            // ... to TLS 1.3 (both must be one of these)
  bool middlebox_compat = true;             // TLS 1.3 compatibility mode (RFC 8446 D.4)
  bool allow_psk_ke = false;                // TLS 1.3 resumption without (EC)DHE (psk_ke)
  uint32_t max_key_updates = 32;            // KeyUpdates a peer may send with no data in between
  uint16_t record_padding = 0;              // TLS 1.3: pad records to a multiple of this (0: none)
  // An editor of the extensions this side writes, in the spirit of Botan's tls_modify_extensions:
  // called with each ClientHello's (ExtContext::client_hello, the second one after a HelloRetryRequest
  // too), each HelloRetryRequest's (the cookie it leaves is the one the second ClientHello must echo),
  // EncryptedExtensions' and TLS 1.3 CertificateRequest's, after the engine filled them
  // and just before they are encoded (and, for a ClientHello, before the PSK binders are computed over
  // it). It may change, add (Extensions::unknown for types sanstls has no field for), remove or reorder
  // (Extensions::order) them. For tests that must reproduce another implementation's messages (RFC
  // 8448's traces) and for interop experiments, not for production: the engine's checks stay those of
  // its config, so a peer that takes up something only the edit offered (say a signature scheme
  // sanstls does not implement) fails the handshake. Must be deterministic and thread-safe. Null: none.
  std::function<void(ExtContext, Extensions*)> edit_extensions;
};

// Colon-separated IANA or OpenSSL suite names into ids; false with a message naming the bad name.
bool parse_cipher_suite_names(const std::string& names, std::vector<uint16_t>* out, std::string* error);
// The defaults both sides start from: the provider, TLS 1.3 and 1.2 suites, groups and schemes in
// preference order.
void set_common_defaults(CommonConfig* c, const crypto::Provider& p);

// The setters both builders share (each returns the concrete builder, so calls chain).
template <typename B, typename C>
class CommonBuilder {
 public:
  B& provider(const crypto::Provider& p) { return set([&] { c_->provider = &p; }); }
  B& cipher_suites(std::vector<uint16_t> ids) { return set([&] { c_->cipher_suites = std::move(ids); }); }
  // Colon-separated IANA or OpenSSL names ("ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256").
  B& cipher_suite_names(const std::string& names) {
    return set([&] { parse_cipher_suite_names(names, &c_->cipher_suites, &error_); });
  }
  B& groups(std::vector<uint16_t> g) { return set([&] { c_->groups = std::move(g); }); }
  B& signature_schemes(std::vector<uint16_t> s) { return set([&] { c_->signature_schemes = std::move(s); }); }
  B& alpn(std::vector<std::string> p) { return set([&] { c_->alpn = std::move(p); }); }
  B& extended_master_secret(bool on) { return set([&] { c_->extended_master_secret = on; }); }
  B& require_extended_master_secret(bool on) { return set([&] { c_->require_extended_master_secret = on; }); }
  B& encrypt_then_mac(bool on) { return set([&] { c_->encrypt_then_mac = on; }); }
  B& record_size_limit(uint16_t limit) { return set([&] { c_->record_size_limit = limit; }); }
  B& handshake_timeout_ms(uint64_t ms) { return set([&] { c_->handshake_timeout_ms = ms; }); }
  B& key_log(std::shared_ptr<KeyLog> log) { return set([&] { c_->key_log = std::move(log); }); }
  // TLS 1.2 (0x0303) and/or TLS 1.3 (0x0304), minimum first.
  B& versions(uint16_t min_version, uint16_t max_version) {
    return set([&] {
      c_->min_version = min_version;
      c_->max_version = max_version;
    });
  }
  B& middlebox_compat(bool on) { return set([&] { c_->middlebox_compat = on; }); }
  B& allow_psk_ke(bool on) { return set([&] { c_->allow_psk_ke = on; }); }
  B& record_padding(uint16_t multiple) { return set([&] { c_->record_padding = multiple; }); }
  B& edit_extensions(std::function<void(ExtContext, Extensions*)> f) {
    return set([&] { c_->edit_extensions = std::move(f); });
  }

 protected:
  CommonBuilder(std::shared_ptr<C> c, const crypto::Provider& p) : c_(std::move(c)) {
    set_common_defaults(c_.get(), p);
  }
  template <typename F>
  B& set(F f) {
    f();
    return static_cast<B&>(*this);
  }
  std::shared_ptr<C> c_;
  std::string error_;  // the first problem met by a setter; build() reports it
};

// A verifier id: SHA-256 over the trust anchors (in a fixed order) and a policy tag. Two configs with the
// same anchors and policy have the same id, in any process, so a session saved by one is believed by
// the other; anything else is another verifier, and a session it proved is not taken on trust.
Bytes verifier_id(const crypto::Provider& p, std::vector<Bytes> anchors_der, const std::string& policy);

class ClientConfig : public CommonConfig {
 public:
  std::shared_ptr<const crypto::TrustStore> trust;
  bool verify_server = true;  // verify the chain and the name; false only for tests and tools
  // The verifier id of `trust` (see verifier_id()) when verify_server is on, else empty. A config that
  // replaces `trust` by hand must replace this too.
  Bytes verifier;
  // The longest a session is kept for resumption, whatever the server's ticket lifetime says: TLS 1.2
  // lifetime hints (RFC 5077 3.3) and TLS 1.3 ticket lifetimes (at most 7 days, RFC 8446 4.6.1) are
  // capped at it. Default 7 days.
  uint32_t max_session_lifetime_s = 604800;
  std::shared_ptr<const CertifiedKey> client_certificate;
  bool enable_early_data = false;  // TLS 1.3 0-RTT with ClientOptions::early_data (off by default)
  bool tls12_tickets = true;       // ask TLS 1.2 servers for a session ticket (RFC 5077)
  // Checks the server's chain (see CertificateVerifier); null: the default check alone. With one,
  // `verifier` names it too.
  std::shared_ptr<const CertificateVerifier> certificate_verifier;

  // Whether `s` may be offered by a connection to `server_name` (SNI) that checks the server
  // certificate against `verify_name` (empty: no name check asked for): the same SNI, and, when this
  // config verifies the server, a session whose server chain was verified by the same verifier and for
  // the same name (a session made with a name check may also serve a connection that asks for none).
  // Resumption skips the certificate checks, so this is what stands in for them (RFC 8446 4.6.1,
  // RFC 6066 3).
  bool may_resume(const Session& s, const std::string& server_name, const std::string& verify_name) const;

  class Builder : public CommonBuilder<Builder, ClientConfig> {
   public:
    // On crypto::default_provider() (the build's backend; defined in //core:defaults, which
    // //:sanstls includes). The engine itself (//core:engine) names no provider: use the other
    // constructor to link it without a default one.
    Builder();
    explicit Builder(const crypto::Provider& p);
    Builder& trust_anchors_pem(ByteView pem) { return set([&] { trust_pem_ = pem.to_bytes(); }); }
    Builder& verify_server(bool on) { return set([&] { c_->verify_server = on; }); }
    Builder& client_certificate(ByteView chain_pem, ByteView key_pem);
    // With a key object of the application's (a key in an HSM or another process, as an OpenSSL
    // provider or a rustls SigningKey would be): the engine calls its sign() and public_key() only.
    Builder& client_certificate(ByteView chain_pem, std::shared_ptr<const crypto::PrivateKey> key);
    Builder& early_data(bool on) { return set([&] { c_->enable_early_data = on; }); }
    Builder& tls12_tickets(bool on) { return set([&] { c_->tls12_tickets = on; }); }
    Builder& max_session_lifetime_s(uint32_t seconds) { return set([&] { c_->max_session_lifetime_s = seconds; }); }
    // The application's verifier of server certificates (needs verify_server on; trust anchors only
    // with CertificateVerifier::Mode::after_default).
    Builder& certificate_verifier(CertificateVerifier v) {
      return set([&] { c_->certificate_verifier = std::make_shared<const CertificateVerifier>(std::move(v)); });
    }
    // The client certificate's key signs asynchronously (CertifiedKey::async).
    Builder& async_signing(bool on) { return set([&] { async_key_ = on; }); }
    Built<ClientConfig> build();

   private:
    Bytes trust_pem_, cert_pem_, key_pem_;
    std::shared_ptr<const crypto::PrivateKey> key_;
    bool async_key_ = false;
  };
};

class ServerConfig : public CommonConfig {
 public:
  std::vector<std::shared_ptr<const CertifiedKey>> certificates;  // RSA and/or ECDSA, first is default
  ClientAuth client_auth = ClientAuth::none;
  std::shared_ptr<const crypto::TrustStore> client_trust;
  // The verifier id of client_trust (see verifier_id()); empty without client authentication. A config
  // that replaces client_trust by hand must replace this too.
  Bytes client_verifier;
  bool prefer_server_order = true;
  bool strict_sni = false;  // refuse (unrecognized_name) a server_name no certificate matches
  std::shared_ptr<SessionCache> session_cache;  // TLS 1.2 session IDs; null: none
  uint32_t session_lifetime_s = 7200;
  // What seals tickets for TLS 1.3 resumption and TLS 1.2 tickets (RFC 5077): a TicketKeys ring, or
  // any Ticketer of the application's. When none is given, the server makes its own TicketKeys ring
  // on first use (hourly rotation, keys kept two hours), whose keys come from ticket_key_generator.
  std::shared_ptr<Ticketer> ticket_keys;
  // The generator of that ring's keys (the first one and each rotation's), never a connection's: so a
  // connection's bytes do not depend on which connection of the server came first or on its
  // generator (a ticket's nonce still comes from the sealing connection's). Used only under the ring's
  // lock: it need not be thread-safe, but nothing else may use it. ServerConfig::Builder() gives a
  // system generator of its own (crypto::make_system_rng(), made when first drawn from);
  // Builder(provider) gives none, and build() then refuses a config that issues tickets without
  // ticket_key_generator() or ticket_keys(). A deterministic generator makes a server's tickets
  // reproducible (tests, replay); its keys are then as secret as its seed.
  std::shared_ptr<crypto::Rng> ticket_key_generator;
  bool tickets = true;              // issue and accept tickets (TLS 1.3 NewSessionTicket; TLS 1.2 when asked)
  // TLS 1.3: NewSessionTickets sent after each handshake (one per later connection a client may
  // resume, as OpenSSL's SSL_CTX_set_num_tickets); 0 sends none but still accepts tickets. At most 8.
  uint8_t tickets_per_handshake = 1;
  uint32_t max_early_data = 0;      // TLS 1.3 0-RTT bytes accepted per connection; 0: refuse 0-RTT
  std::shared_ptr<EarlyDataGuard> early_data_guard;  // single use of 0-RTT tickets (made when needed)
  bool hrr_cookie = true;           // send a cookie in HelloRetryRequest and require it back
  // ALPN selection (RFC 7301 3.2) by the application, in place of the match of `alpn` (server
  // preference) against the client's list: called during the ClientHello, when the client sent the
  // extension, with its protocols in its order (and SNI already known: server_name is the name the
  // client asked for, empty when none). A selected protocol the client did not offer fails the
  // handshake (internal_error: the hook is wrong, RFC 7301 3.2 allows only an offered one). Must be
  // thread-safe and must not call back into the connection. Null: the `alpn` list decides.
  std::function<AlpnDecision(const std::vector<std::string>& offered, const std::string& server_name)> alpn_select;
  // Checks client certificates (see CertificateVerifier); null: the default check alone. With one,
  // client_verifier names it too.
  std::shared_ptr<const CertificateVerifier> client_certificate_verifier;
  // Chooses the certificate (and possibly the config) from the first ClientHello, before the version
  // is chosen; called from inside the engine, must be thread-safe. Null: none. With select_async the
  // connection instead emits Event::Type::select_request and waits for Connection::complete_selection().
  std::function<Selection(const ClientHelloInfo&)> select;
  bool select_async = false;

  // Whether a session (ticket or cache entry) whose client proved `id` may be resumed here, and what the
  // resumed connection then reports as the client's identity (*reported; empty for none):
  //   client_auth required: only a session whose client was verified by this config's verifier (the
  //     same client trust); any other gets a full handshake, which asks for a certificate;
  //   optional: an anonymous session (reported as anonymous) or one verified by this verifier;
  //   none: any session, reported as anonymous (this config vouches for no client identity).
  bool resumed_identity(const PeerIdentity& id, PeerIdentity* reported) const;
  // The identity a new session records for a client that proved `chain` in this handshake (empty when
  // it did not authenticate).
  PeerIdentity client_identity(const std::vector<Bytes>& chain) const;

  // The ticketer to use: ticket_keys, or the config's own ring, made on first use at now_ms from
  // ticket_key_generator (null when there is neither). Copies of a config share that ring.
  std::shared_ptr<Ticketer> tickets_ring(uint64_t now_ms) const;

 private:
  struct LazyKeys {
    std::mutex mu;
    std::shared_ptr<TicketKeys> keys;
  };
  std::shared_ptr<LazyKeys> lazy_ = std::make_shared<LazyKeys>();

 public:

  class Builder : public CommonBuilder<Builder, ServerConfig> {
   public:
    // On crypto::default_provider(), as ClientConfig::Builder(), with a system generator for the
    // ticket keys (ticket_key_generator). Builder(p), the engine alone, gives no ticket key generator.
    Builder();
    explicit Builder(const crypto::Provider& p);
    // With host_names, the certificate is also chosen for these names, as a web server's virtual host
    // would: for a certificate whose own names do not cover what clients ask for (e.g. RFC 8448's,
    // whose only name is CN=rsa). The client's server_name is acknowledged only when the name chose
    // among certificates or was checked (strict_sni), RFC 6066 3.
    Builder& certificate(ByteView chain_pem, ByteView key_pem, std::vector<std::string> host_names = {});
    // With a key object of the application's (see ClientConfig::Builder::client_certificate). For
    // TLS_RSA_* suites it must also implement rsa_decrypt_premaster().
    Builder& certificate(ByteView chain_pem, std::shared_ptr<const crypto::PrivateKey> key,
                         std::vector<std::string> host_names = {});
    Builder& client_auth(ClientAuth mode, ByteView trust_anchors_pem);
    Builder& prefer_server_order(bool on) { return set([&] { c_->prefer_server_order = on; }); }
    Builder& strict_sni(bool on) { return set([&] { c_->strict_sni = on; }); }
    // Default: an in-memory cache.
    Builder& session_cache(std::shared_ptr<SessionCache> cache) {
      return set([&] { c_->session_cache = std::move(cache); });
    }
    Builder& session_lifetime_s(uint32_t seconds) { return set([&] { c_->session_lifetime_s = seconds; }); }
    // A TicketKeys ring or a Ticketer of one's own.
    Builder& ticket_keys(std::shared_ptr<Ticketer> keys) { return set([&] { c_->ticket_keys = std::move(keys); }); }
    // The generator of the config's own ticket key ring (ServerConfig::ticket_key_generator).
    Builder& ticket_key_generator(std::shared_ptr<crypto::Rng> generator) {
      return set([&] { c_->ticket_key_generator = std::move(generator); });
    }
    Builder& tickets(bool on) { return set([&] { c_->tickets = on; }); }
    Builder& tickets_per_handshake(uint8_t n);
    Builder& max_early_data(uint32_t bytes) { return set([&] { c_->max_early_data = bytes; }); }
    Builder& hrr_cookie(bool on) { return set([&] { c_->hrr_cookie = on; }); }
    Builder& alpn_select(
        std::function<AlpnDecision(const std::vector<std::string>& offered, const std::string& server_name)> f) {
      return set([&] { c_->alpn_select = std::move(f); });
    }
    // The application's verifier of client certificates. With Mode::replace_default, client_auth()
    // may be given no trust anchors (an empty PEM).
    Builder& client_certificate_verifier(CertificateVerifier v) {
      return set([&] { c_->client_certificate_verifier = std::make_shared<const CertificateVerifier>(std::move(v)); });
    }
    // The selection hook (ServerConfig::select), or its asynchronous form (select_async: answered by
    // Connection::complete_selection()).
    Builder& select(std::function<Selection(const ClientHelloInfo&)> f) {
      return set([&] { c_->select = std::move(f); });
    }
    Builder& select_async(bool on) { return set([&] { c_->select_async = on; }); }
    // Every certificate's key signs (and decrypts) asynchronously (CertifiedKey::async).
    Builder& async_signing(bool on) { return set([&] { async_keys_ = on; }); }
    Built<ServerConfig> build();

   private:
    std::vector<std::pair<Bytes, Bytes>> certs_;
    std::vector<std::shared_ptr<const crypto::PrivateKey>> cert_keys_;  // parallel to certs_; null: from PEM
    std::vector<std::vector<std::string>> cert_names_;  // parallel to certs_
    Bytes client_trust_pem_;
    bool async_keys_ = false;
  };
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_CONFIG_H_
