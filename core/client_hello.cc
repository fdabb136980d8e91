// The ClientHello for TLS 1.2 and 1.3 (RFC 5246 7.4.1.2, RFC 8446 4.1.2), PSK binders
// (RFC 8446 4.2.11.2) and 0-RTT data (RFC 8446 4.2.10).
#include "core/client_hello.h"

#include <algorithm>

#include "core/tls12_keys.h"
#include "core/tls13_keys.h"

namespace sanstls {

const uint8_t kDowngradeTls12[8] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01};  // "DOWNGRD\x01"

namespace {

// The body buffer a ClientHello is encoded into: sanstls's own, with a key share and a ticket of
// usual size, are a few hundred bytes (a longer one grows the buffer as before).
constexpr size_t kClientHelloReserve = 512;

// Is the name a DNS name? IP addresses are not sent in SNI (RFC 6066 3).
bool is_dns_name(const std::string& name) {
  if (!is_valid_host_name(name)) return false;
  return name.find_first_not_of("0123456789.") != std::string::npos;
}

// The name the server certificate is checked against: verify_name, else server_name; empty when the
// options ask for no name check.
std::string name_to_verify(const Connection::ClientOptions& opts) {
  if (opts.no_name_check) return std::string();
  return opts.verify_name.empty() ? opts.server_name : opts.verify_name;
}

}  // namespace

Status check_offered(const Extensions& e, const std::vector<uint16_t>& offered, uint16_t also) {
  for (uint16_t t : e.order)  // every extension of the block, the raw ones (e.unknown) included
    if (t != also && !contains(offered, t))
      return Error::misbehaved(AlertDescription::unsupported_extension, "extension not offered");
  return Status();
}

Status accept_alpn(const ClientConfig& cfg, const Extensions& e, std::string* out) {
  if (!e.alpn) return Status();
  if (e.alpn->size() != 1 || !contains(cfg.alpn, e.alpn->front()))
    return Error::illegal("ALPN protocol not offered");
  *out = e.alpn->front();
  return Status();
}

Status choose_alpn(const ServerConfig& cfg, const Extensions& e, std::string* out) {
  out->clear();
  if (e.alpn && cfg.alpn_select) {
    AlpnDecision d = cfg.alpn_select(*e.alpn, e.server_name ? *e.server_name : std::string());
    switch (d.kind) {
      case AlpnDecision::Kind::none:
        return Status();
      case AlpnDecision::Kind::refuse:
        return Error::incompatible(AlertDescription::no_application_protocol, "ALPN selection refused the client's protocols");
      case AlpnDecision::Kind::select:
        // RFC 7301 3.2: the server's protocol must be one the client offered; anything else is a bug in
        // the hook, not something to send.
        if (!contains(*e.alpn, d.protocol))
          return Error::internal("ALPN selection chose a protocol the client did not offer");
        *out = std::move(d.protocol);
        return Status();
    }
  }
  if (!e.alpn || cfg.alpn.empty()) return Status();
  for (const std::string& p : cfg.alpn)
    if (contains(*e.alpn, p)) {
      *out = p;
      return Status();
    }
  return Error::incompatible(AlertDescription::no_application_protocol, "no ALPN protocol in common");
}

Result<std::unique_ptr<crypto::PublicKey>> verify_server_chain(HandshakeContext& c, const ClientConfig& cfg,
                                                               const Connection::ClientOptions& opts,
                                                               const std::vector<Bytes>& chain, crypto::KeyUse use) {
  return verify_peer_chain(c, cfg.verify_server, cfg.trust.get(),
                           cfg.verify_server ? cfg.certificate_verifier.get() : nullptr, true, name_to_verify(opts),
                           use, chain);
}

PeerIdentity server_identity(const ClientConfig& cfg, const Connection::ClientOptions& opts,
                             const std::vector<Bytes>& chain) {
  PeerIdentity id;
  id.chain = chain;
  if (cfg.verify_server) {
    id.verifier = cfg.verifier;
    id.name = name_to_verify(opts);
  }
  return id;
}

Status send_client_hello(HandshakeContext& c, const ClientConfig& cfg, const Connection::ClientOptions& opts,
                         ClientOffer* offer) {
  c.rng().fill(offer->random.data(), offer->random.size());
  std::vector<uint16_t> suites;
  bool any_ec12 = false, any_cbc = false, any12 = false, any13 = false;
  for (uint16_t id : cfg.cipher_suites) {
    const CipherSuite* s = find_suite(id);
    if (s == nullptr) continue;
    if (s->is_tls13() ? cfg.max_version < version::tls13 : cfg.min_version > version::tls12) continue;
    suites.push_back(id);
    (s->is_tls13() ? any13 : any12) = true;
    if (s->kx == KeyExchange::ecdhe_rsa || s->kx == KeyExchange::ecdhe_ecdsa) any_ec12 = true;
    if (!s->is_aead()) any_cbc = true;
  }
  offer->tls12 = any12;
  offer->tls13 = any13;
  if (suites.empty()) return Error::internal("no cipher suite for the configured versions");

  ClientHello& ch = offer->hello;
  ch = ClientHello();
  ch.legacy_version = version::tls12;
  ch.random = offer->random;
  ch.cipher_suites = std::move(suites);
  ch.compression_methods = {0};
  ch.has_extensions = true;

  auto random_session_id = [&] {
    offer->session_id.resize(32);
    c.rng().fill(offer->session_id.data(), offer->session_id.size());
  };
  // Resumption: a TLS 1.2 session by its ID, or a TLS 1.3 ticket as a PSK.
  const std::optional<Session>& r = opts.resume;
  uint64_t now = c.clock().now_ms();
  // A session only for the name and under verification at least as strict as what made it (it skips
  // the certificate checks); an expired one or one whose suite is not offered goes unused.
  if (r && !r->expired(now) && contains(ch.cipher_suites, r->cipher_suite) &&
      cfg.may_resume(*r, opts.server_name, name_to_verify(opts))) {
    if (r->version == version::tls12 && offer->tls12 && (!r->session_id.empty() || !r->ticket.empty()) &&
        (r->extended_master_secret || !cfg.extended_master_secret)) {
      offer->tls12_resumption = true;
      offer->session_id = r->session_id;
      // RFC 5077 3.4: a session ID of our own, which the server echoes when it accepts the ticket.
      if (offer->session_id.empty()) random_session_id();
      // The TLS 1.2 client resumes from the options' session (no copy of it here).
    } else if (r->version == version::tls13 && offer->tls13 && !r->ticket.empty()) {
      offer->psk_offered = true;
      offer->resume = r;
    }
  }
  // RFC 8446 D.4: a non-empty session ID turns on compatibility mode.
  if (!offer->tls12_resumption && offer->tls13 && cfg.middlebox_compat) random_session_id();
  ch.session_id = offer->session_id;

  Extensions& e = ch.extensions;
  if (is_dns_name(opts.server_name)) e.server_name = opts.server_name;
  if (offer->tls12) e.renegotiation_info = Bytes();  // RFC 5746: empty on the initial handshake
  e.supported_groups = cfg.groups;
  if (any_ec12) e.ec_point_formats = Bytes{0};  // uncompressed
  e.signature_algorithms = cfg.signature_schemes;
  if (!cfg.alpn.empty()) e.alpn = cfg.alpn;
  if (offer->tls12) {
    e.extended_master_secret = cfg.extended_master_secret;
    e.encrypt_then_mac = cfg.encrypt_then_mac && any_cbc;
    // RFC 5077: a TLS 1.2 ticket to resume, or an empty extension asking for one.
    if (offer->tls12_resumption && !r->ticket.empty()) {
      e.session_ticket = r->ticket;
    } else if (cfg.tls12_tickets) {
      e.session_ticket = Bytes();
    }
  }
  if (cfg.record_size_limit != 0) e.record_size_limit = cfg.record_size_limit;
  if (offer->tls13) {
    e.supported_versions = offer->tls12 ? std::vector<uint16_t>{version::tls13, version::tls12}
                                        : std::vector<uint16_t>{version::tls13};
    // One key share: the first elliptic-curve group we prefer (a HelloRetryRequest can ask for another).
    auto ec = std::find_if_not(cfg.groups.begin(), cfg.groups.end(), is_ffdhe);
    uint16_t group = ec != cfg.groups.end() ? *ec : cfg.groups.empty() ? 0 : cfg.groups[0];
    std::unique_ptr<crypto::KeyShare> share = c.provider().generate_key_share(static_cast<crypto::Group>(group), c.rng());
    if (!share) return Error::internal("key share");
    e.key_share = std::vector<KeyShareEntry>{KeyShareEntry{group, share->public_value().to_bytes()}};
    offer->shares.emplace_back(group, std::move(share));
    e.psk_key_exchange_modes = cfg.allow_psk_ke ? Bytes{1, 0} : Bytes{1};  // psk_dhe_ke (1), psk_ke (0)
    if (cfg.client_certificate) e.post_handshake_auth = true;
    if (offer->psk_offered) {
      // RFC 8446 4.2.10: never more than the ticket's max_early_data_size; larger data goes after the handshake.
      if (r->max_early_data > 0 && cfg.enable_early_data && !opts.early_data.empty() &&
          opts.early_data.size() <= r->max_early_data) {
        e.early_data = true;
        offer->early_data = true;
      }
      OfferedPsks psks;
      PskIdentity id;
      id.identity = r->ticket;
      // RFC 8446 4.2.11.1: the ticket age in ms plus ticket_age_add, modulo 2^32.
      id.obfuscated_ticket_age = static_cast<uint32_t>(now - r->created_ms) + r->ticket_age_add;
      psks.identities.push_back(id);
      psks.binders.push_back(Bytes(crypto::hash_length(find_suite(r->cipher_suite)->prf_hash), 0));
      e.pre_shared_key = psks;  // last: encode_extensions writes it last
    }
  }
  if (cfg.edit_extensions) cfg.edit_extensions(ExtContext::client_hello, &e);
  if (offer->psk_offered) {
    // A ticket may be as long as 2^16-1 bytes (RFC 8446 4.6.1), but the extensions of a ClientHello
    // hold 2^16-1 bytes in all: a ticket that does not fit is not offered (a full handshake instead).
    Bytes probe;
    Writer w(&probe);
    encode_client_hello(ch, w);
    if (!w.ok()) {
      e.pre_shared_key.reset();
      e.early_data = false;
      offer->psk_offered = false;
      offer->early_data = false;
      offer->resume.reset();
    }
  }
  e.present_types(ExtContext::client_hello, &offer->offered_exts);

  // RFC 8446 5.1: the record of the initial ClientHello may say 0x0301, as most clients write it (and
  // as RFC 8448's traces show) for servers that choke on 0x0303 there; every other record says 0x0303.
  c.set_record_version(version::tls10);
  Status sent = resend_client_hello(c, offer);
  c.set_record_version(version::tls12);
  SANSTLS_TRY(sent);

  if (offer->early_data) {
    // 0-RTT: in compatibility mode the CCS right after the ClientHello (RFC 8446 D.4), then the early
    // data under the client early traffic secret (RFC 8446 4.2.10).
    const CipherSuite* suite = find_suite(r->cipher_suite);
    KeySchedule13 ks(c.provider(), suite->prf_hash);
    ks.early(r->master_secret);
    Bytes ch_hash = crypto::hash_once(c.provider(), suite->prf_hash, c.transcript());
    const SecretBytes secret = ks.client_early_traffic_secret(ch_hash);  // wiped when it goes
    if (cfg.key_log) cfg.key_log->log("CLIENT_EARLY_TRAFFIC_SECRET", ByteView(offer->random.data(), 32), secret);
    Result<RecordProtection> early = tls13_protection(c.provider(), *suite, secret, kMaxPlaintext);
    if (!early.ok()) return early.error();
    if (cfg.middlebox_compat) {
      SANSTLS_TRY(c.send_compat_ccs());
    }
    SANSTLS_TRY(c.install_write(std::move(early.value())));
    SANSTLS_TRY(c.send_early_data(opts.early_data));
  } else if (!opts.early_data.empty()) {
    // Not sent as 0-RTT (no ticket allowing it, or TLS 1.2): it goes after the handshake, as
    // ClientOptions::early_data promises.
    c.requeue_early_data(opts.early_data);
  }
  return Status();
}

Status resend_client_hello(HandshakeContext& c, ClientOffer* offer) {
  Bytes body;
  // A typical ClientHello fits at once (the Writer would otherwise grow it from 128 bytes, doubling).
  body.reserve(kClientHelloReserve);
  Writer w(&body);
  encode_client_hello(offer->hello, w);
  if (!w.ok()) return Error::internal("ClientHello too long");
  const std::optional<OfferedPsks>& psks = offer->hello.extensions.pre_shared_key;
  if (psks) {
    // RFC 8446 4.2.11.2: the binder is an HMAC over the transcript up to this ClientHello without its
    // binders list (which is the last thing in the message).
    const CipherSuite* suite = find_suite(offer->resume->cipher_suite);
    size_t binders = psk_binders_size(*psks);
    Bytes msg;
    encode_handshake(HandshakeType::client_hello, body, &msg);
    Bytes partial = c.transcript().to_bytes();
    partial.insert(partial.end(), msg.begin(), msg.end() - static_cast<std::ptrdiff_t>(binders));
    Bytes binder = tls13_resumption_binder(c.provider(), suite->prf_hash, offer->resume->master_secret, partial);
    // The binders list: u16 length, then one u8-prefixed binder.
    size_t at = body.size() - binders;
    body[at + 2] = static_cast<uint8_t>(binder.size());
    std::copy(binder.begin(), binder.end(), body.begin() + static_cast<std::ptrdiff_t>(at + 3));
    offer->hello.extensions.pre_shared_key->binders[0] = binder;
  }
  return c.send_handshake(HandshakeType::client_hello, body);
}

}  // namespace sanstls
