// The TLS 1.3 server (RFC 8446), from the ClientHello that offered TLS 1.3. One type per state, as in
// client13.cc.
//
//   ClientHello -> [HelloRetryRequest -> ExpectClientHello2 ->]
//     (send ServerHello [CCS] EncryptedExtensions [CertificateRequest Certificate CertificateVerify]
//      Finished) -> [ExpectEndOfEarlyData] -> [ExpectCertificate -> [ExpectCertificateVerify]]
//     -> ExpectFinished -> (send NewSessionTicket) -> Connected
//   Connected -> (request_client_certificate: send CertificateRequest) -> ExpectCertificate
//     -> [ExpectCertificateVerify] -> ExpectFinished -> Connected: post-handshake authentication (RFC
//     8446 4.6.2) goes through the handshake's own client-authentication states.
//   After the handshake a KeyUpdate is taken in any state.
#include <algorithm>
#include <variant>

#include "core/handshake13.h"
#include "core/hello_stage.h"
#include "core/tickets.h"
#include "core/tls12_keys.h"
#include "core/tls13_common.h"

namespace sanstls {
namespace {


constexpr uint32_t kTicketAgeToleranceMs = 10000;  // RFC 8446 8.3: how far a 0-RTT ticket age may be off
constexpr size_t kSkipEarlyDataBudget = 65536;     // refused 0-RTT we skip when none is configured

// What only the handshake needs: the negotiation and its secrets. The handshake's states carry it (a
// shared pointer, so that an asynchronous signature's continuation carries it too) and it is dropped,
// its secrets wiped, when the server enters Connected; a Connected server keeps only the suite, the
// traffic and resumption secrets, and the transcript hash a post-handshake authentication needs.
struct Negotiation {
  ~Negotiation() { secure_zero(psk); }  // client_hs and server_hs wipe themselves
  Random client_random{};
  Bytes session_id;
  uint16_t hrr_group = 0;  // the group our HelloRetryRequest asked for; 0 when none was sent
  Bytes cookie;
  std::shared_ptr<const CertifiedKey> cert;
  uint16_t scheme = 0;
  std::string server_name;
  bool sni_used = false;
  std::string alpn;
  uint16_t peer_record_limit = 0;
  bool psk_accepted = false;
  uint16_t psk_index = 0;  // the identity accepted (ServerHello's selected_identity)
  bool early_accepted = false;
  bool client_offered_early = false;
  bool client_pha = false;  // the client offered post_handshake_auth
  TicketState ticket;       // the accepted ticket (ticket.client: the identity the connection reports)
  Bytes psk;
  SecretBytes client_hs, server_hs;
  std::unique_ptr<KeySchedule13> ks_master;  // between our Finished and the client's
};
using NegotiationPtr = std::shared_ptr<Negotiation>;

// The client's authentication (Certificate, CertificateVerify, Finished; RFC 8446 4.4.2-4.4.4): one set
// of states checks it in the handshake and in a post-handshake authentication we asked for (4.6.2).
// What differs is carried here: in the handshake, the negotiation (the transcript is the connection's,
// the Finished key the client handshake secret); after it, the request's context and a transcript of
// its own (the handshake's hash plus this exchange's messages; the Finished key is the client
// application secret).
struct ClientAuthExchange {
  ClientAuthExchange() = default;
  explicit ClientAuthExchange(NegotiationPtr n) : hs(std::move(n)) {}
  NegotiationPtr hs;                         // in the handshake; null after it
  Bytes context;                             // after: our CertificateRequest's context
  std::unique_ptr<crypto::Hash> transcript;  // after
};

struct ExpectClientHello2 { NegotiationPtr hs; };  // after our HelloRetryRequest
struct ExpectEndOfEarlyData { NegotiationPtr hs; };
struct ExpectCertificate { ClientAuthExchange x; };
// The client's chain is held by the states until its Finished verifies; only then does info() say who
// the client is (RFC 8446 4.4.2.4, 4.4.4).
struct ExpectCertificateVerify {
  ClientAuthExchange x;
  std::unique_ptr<crypto::PublicKey> client_key;
  std::vector<Bytes> client_chain;
};
struct ExpectFinished {
  ClientAuthExchange x;
  std::vector<Bytes> client_chain;  // proven by CertificateVerify; empty when the client sent none
};
struct Connected {};
using State = std::variant<ExpectClientHello2, ExpectEndOfEarlyData, ExpectCertificate, ExpectCertificateVerify,
                           ExpectFinished, Connected>;

class Server13 final : public Machine13<Server13, State, Connected> {
 public:
  Server13(HandshakeContext& c, std::shared_ptr<const ServerConfig> cfg) : Machine13(c, false), cfg_(std::move(cfg)) {}

  Status begin(const ClientHello& ch);
  Status request_client_certificate() override;
  // RFC 8446 4.4: the client's authentication flight (Certificate, CertificateVerify, Finished) is not
  // interleaved with application data; data that arrives inside it is refused rather than attributed
  // to an identity not yet proven. (During the handshake only 0-RTT data comes, before it.)
  bool accepts_app_data() const override {
    return !std::holds_alternative<ExpectCertificateVerify>(state_) && !std::holds_alternative<ExpectFinished>(state_);
  }

 private:
  Result<State> on_client_hello(NegotiationPtr hs, const ClientHello& ch, bool second);
  Status choose_certificate(Negotiation& hs, const ClientHello& ch);
  Result<bool> try_psk(Negotiation& hs, const ClientHello& ch);
  Result<State> send_hello_retry_request(NegotiationPtr hs, const ClientHello& ch, uint16_t group);
  Result<State> send_flight(NegotiationPtr hs, const ClientHello& ch, uint16_t group, const KeyShareEntry* share);
  Result<State> finish_flight(NegotiationPtr hs, KeySchedule13 ks, bool request_cert);
 public:  // the state handlers, called by Machine13::on_message (tls13_common.h)
  Result<State> handle(ExpectClientHello2&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectEndOfEarlyData&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectCertificate&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectCertificateVerify&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectFinished&, HandshakeType, ByteView, ByteView);
  Result<State> handle(Connected&, HandshakeType, ByteView, ByteView);
 private:
  TranscriptHash hash_before(ClientAuthExchange& x, ByteView msg);
  std::vector<uint16_t> requested_schemes() const;
  Status send_certificate_request(const Bytes& context, crypto::Hash* exchange);
  Status send_tickets(const Negotiation& hs);

  std::shared_ptr<const ServerConfig> cfg_;
};

Status Server13::begin(const ClientHello& ch) {  // sets the first state
  return enter(state_, on_client_hello(std::make_shared<Negotiation>(), ch, false));
}

Result<State> Server13::on_client_hello(NegotiationPtr hs, const ClientHello& ch, bool second) {
  const Extensions& e = ch.extensions;
  if (ch.compression_methods != Bytes{0}) return Error::illegal("TLS 1.3 ClientHello: compression");
  if (!second) {
    hs->client_random = ch.random;
    hs->session_id = ch.session_id;
  } else if (ch.random != hs->client_random || ch.session_id != hs->session_id) {
    return Error::illegal("second ClientHello changed its random or session ID");
  }
  if (second && e.server_name.value_or(std::string()) != hs->server_name)
    return Error::illegal("second ClientHello changed its server_name");
  if (e.server_name) hs->server_name = *e.server_name;
  if (e.record_size_limit) hs->peer_record_limit = *e.record_size_limit;
  hs->client_pha = e.post_handshake_auth;
  hs->client_offered_early = e.early_data;
  if (e.pre_shared_key && !e.psk_key_exchange_modes)
    return Error::misbehaved(AlertDescription::missing_extension, "pre_shared_key without psk_key_exchange_modes");
  if (e.key_share.has_value() != e.supported_groups.has_value() && !e.pre_shared_key)
    return Error::misbehaved(AlertDescription::missing_extension, "key_share and supported_groups go together");
  // Even with a PSK: the key_share code below reads supported_groups (RFC 8446 9.2).
  if (e.key_share && !e.supported_groups)
    return Error::misbehaved(AlertDescription::missing_extension, "key_share without supported_groups");
  if (second) {
    if (!e.key_share || e.key_share->size() != 1 || e.key_share->front().group != hs->hrr_group)
      return Error::illegal("second ClientHello: key_share is not the group asked for");
    if (!hs->cookie.empty() && (!e.cookie || *e.cookie != hs->cookie))
      return Error::illegal("second ClientHello: cookie not echoed");
    if (e.early_data) return Error::illegal("second ClientHello offers early data");
  }

  // The suite: our preference among the client's TLS 1.3 suites.
  const CipherSuite* chosen = nullptr;
  for (uint16_t id : cfg_->cipher_suites) {
    const CipherSuite* s = find_suite(id);
    if (s != nullptr && s->is_tls13() && contains(ch.cipher_suites, id)) {
      chosen = s;
      break;
    }
  }
  if (chosen == nullptr) return Error::incompatible(AlertDescription::handshake_failure, "no TLS 1.3 cipher suite in common");
  if (second && chosen != suite_) return Error::illegal("second ClientHello: suite changed");
  suite_ = chosen;

  SANSTLS_TRY(choose_alpn(*cfg_, e, &hs->alpn));

  // The key share: our most preferred group the client supports; a HelloRetryRequest when the client
  // sent no share for it.
  uint16_t group = 0;
  const KeyShareEntry* share = nullptr;
  if (e.key_share) {
    std::vector<uint16_t> seen;
    for (const KeyShareEntry& k : *e.key_share) {
      if (contains(seen, k.group)) return Error::illegal("key_share: a group twice");
      if (!contains(*e.supported_groups, k.group)) return Error::illegal("key_share: group not in supported_groups");
      seen.push_back(k.group);
    }
    for (uint16_t g : cfg_->groups) {
      if (!contains(*e.supported_groups, g)) continue;
      if (group == 0) group = g;  // the one a HelloRetryRequest asks for when no share fits
      for (const KeyShareEntry& k : *e.key_share)
        if (k.group == g) share = &k;
      if (share != nullptr) {
        group = g;
        break;
      }
    }
  }

  // Resumption: binders are checked before anything else is taken from the PSK (RFC 8446 4.2.11).
  Result<bool> psk = e.pre_shared_key ? try_psk(*hs, ch) : Result<bool>(false);
  if (!psk.ok()) return psk.error();
  hs->psk_accepted = psk.value();
  bool dhe = hs->psk_accepted ? contains(*e.psk_key_exchange_modes, 1) && group != 0 : true;
  if (hs->psk_accepted && !dhe && !(cfg_->allow_psk_ke && contains(*e.psk_key_exchange_modes, 0)))
    hs->psk_accepted = false;
  if (!hs->psk_accepted) {
    if (group == 0) return Error::incompatible(AlertDescription::handshake_failure, "no group in common");
    SANSTLS_TRY(choose_certificate(*hs, ch));
  }
  if (dhe && group != 0 && share == nullptr) {
    if (second) return Error::illegal("second ClientHello still has no usable key share");
    return send_hello_retry_request(std::move(hs), ch, group);
  }
  return send_flight(std::move(hs), ch, dhe ? group : 0, dhe ? share : nullptr);
}

Status Server13::choose_certificate(Negotiation& hs, const ClientHello& ch) {
  const Extensions& e = ch.extensions;
  if (!e.signature_algorithms)
    return Error::misbehaved(AlertDescription::missing_extension, "ClientHello: no signature_algorithms");
  std::vector<std::shared_ptr<const CertifiedKey>> candidates;
  SANSTLS_TRY(sni_candidates(*cfg_, hs.server_name, &candidates, &hs.sni_used));
  for (const auto& ck : candidates) {
    // RFC 5280 4.2.1.3: a TLS 1.3 server key signs CertificateVerify.
    if (ck->leaf && !ck->leaf->allows_key_use(crypto::KeyUse::digital_signature)) continue;
    uint16_t s = choose_scheme13(cfg_->signature_schemes, *e.signature_algorithms, ck->type());
    if (s != 0) {
      hs.cert = ck;
      hs.scheme = s;
      return Status();
    }
  }
  return Error::incompatible(AlertDescription::handshake_failure, "no signature scheme in common");
}

Result<bool> Server13::try_psk(Negotiation& hs, const ClientHello& ch) {
  const OfferedPsks& psks = *ch.extensions.pre_shared_key;
  if (psks.identities.size() != psks.binders.size())
    return Error::illegal("pre_shared_key: identities and binders differ in number");
  if (!cfg_->tickets) return false;
  uint64_t now = c_.clock().now_ms();
  std::shared_ptr<Ticketer> ring = cfg_->tickets_ring(now);
  if (!ring) return false;
  for (size_t i = 0; i < psks.identities.size(); i++) {
    TicketState t;
    if (!open_ticket(*ring, psks.identities[i].identity, now, &t)) continue;
    if (t.version != version::tls13 || t.expired(now)) continue;
    const CipherSuite* ts = find_suite(t.cipher_suite);
    if (ts == nullptr || ts->prf_hash != suite_->prf_hash) continue;
    if (t.server_name != hs.server_name) continue;
    // The client's identity as the ticket's handshake proved it: a ticket this config would not have
    // issued to the client it has now (client_auth required and no proof, or a proof by another
    // verifier) is passed over, and a full handshake asks for a certificate.
    PeerIdentity client;
    if (!cfg_->resumed_identity(t.client, &client)) continue;
    // The binder over the transcript up to this ClientHello without its binders list.
    size_t binders = psk_binders_size(psks);
    ByteView partial(c_.transcript().data(), c_.transcript_size() - binders);
    Bytes expected = tls13_resumption_binder(c_.provider(), suite_->prf_hash, t.secret, partial);
    if (!constant_time_equal(expected, psks.binders[i]))
      return Error::misbehaved(AlertDescription::decrypt_error, "pre_shared_key: binder does not verify");
    hs.psk = t.secret;
    hs.ticket = t;
    hs.ticket.client = std::move(client);
    hs.psk_index = static_cast<uint16_t>(i);
    // 0-RTT: only with the first identity, no HelloRetryRequest, the same suite and ALPN, a plausible
    // ticket age and a first use of this binder (RFC 8446 4.2.10, 8).
    if (ch.extensions.early_data && i == 0 && hs.hrr_group == 0 && cfg_->max_early_data > 0 && t.max_early_data > 0 &&
        t.cipher_suite == suite_->id && t.alpn == hs.alpn) {
      uint32_t client_age = psks.identities[i].obfuscated_ticket_age - t.age_add;
      uint64_t real_age = now - t.created_ms;
      uint64_t diff = real_age > client_age ? real_age - client_age : client_age - real_age;
      if (diff <= kTicketAgeToleranceMs && cfg_->early_data_guard && cfg_->early_data_guard->first_use(expected, now))
        hs.early_accepted = true;
    }
    return true;
  }
  return false;
}

Result<State> Server13::send_hello_retry_request(NegotiationPtr hs, const ClientHello& ch, uint16_t group) {
  hs->hrr_group = group;
  // try_psk() may have accepted 0-RTT for the first ClientHello; after a HelloRetryRequest the early
  // data is skipped, never accepted (RFC 8446 4.2.10).
  hs->early_accepted = false;
  ServerHello hrr;
  hrr.legacy_version = version::tls12;
  hrr.random = kHelloRetryRequestRandom;
  hrr.session_id = hs->session_id;
  hrr.cipher_suite = suite_->id;
  hrr.has_extensions = true;
  hrr.extensions.supported_versions = std::vector<uint16_t>{version::tls13};
  hrr.extensions.hrr_selected_group = group;
  if (cfg_->hrr_cookie) {
    hs->cookie.resize(32);
    c_.rng().fill(hs->cookie.data(), hs->cookie.size());
    hrr.extensions.cookie = hs->cookie;
  }
  // Extension order as RFC 8448's trace (section 5): key_share, cookie, supported_versions.
  for (ExtensionType t : {ExtensionType::key_share, ExtensionType::cookie, ExtensionType::supported_versions})
    if (hrr.extensions.has(static_cast<uint16_t>(t), ExtContext::hello_retry_request))
      hrr.extensions.order.push_back(static_cast<uint16_t>(t));
  if (cfg_->edit_extensions) {
    cfg_->edit_extensions(ExtContext::hello_retry_request, &hrr.extensions);
    hs->cookie = hrr.extensions.cookie.value_or(Bytes());  // the second ClientHello must echo what was sent
  }
  // The transcript: message_hash(ClientHello1), then the HelloRetryRequest (RFC 8446 4.4.1).
  c_.replace_transcript(tls13_message_hash(c_.provider(), alg(), c_.transcript()));
  SANSTLS_TRY(send_message(c_, HandshakeType::server_hello, hrr, encode_server_hello));
  if (cfg_->middlebox_compat && !hs->session_id.empty()) {
    SANSTLS_TRY(c_.send_compat_ccs());
  }
  c_.set_version(true);
  // Early data the client sent with its first ClientHello is skipped (RFC 8446 4.2.10).
  if (ch.extensions.early_data) c_.skip_early_data(std::max<size_t>(cfg_->max_early_data, kSkipEarlyDataBudget));
  return State(ExpectClientHello2{std::move(hs)});
}

Result<State> Server13::send_flight(NegotiationPtr hs, const ClientHello& ch, uint16_t group, const KeyShareEntry* client_share) {
  ServerHello sh;
  sh.legacy_version = version::tls12;
  c_.rng().fill(sh.random.data(), sh.random.size());
  sh.session_id = hs->session_id;
  sh.cipher_suite = suite_->id;
  sh.has_extensions = true;
  sh.extensions.supported_versions = std::vector<uint16_t>{version::tls13};
  Bytes shared;
  WipeOnExit wipe_shared{shared};
  if (client_share != nullptr) {
    std::unique_ptr<crypto::KeyShare> mine = c_.provider().generate_key_share(static_cast<crypto::Group>(group), c_.rng());
    if (!mine) return Error::internal("key share");
    crypto::Status st = mine->shared_secret(client_share->key_exchange, &shared);
    if (st == crypto::Status::bad_peer_value) return Error::illegal("key_share: bad public value");
    if (st != crypto::Status::ok) return Error::internal("key exchange failed");
    sh.extensions.key_share = std::vector<KeyShareEntry>{KeyShareEntry{group, mine->public_value().to_bytes()}};
    c_.info().group = group;
  }
  if (hs->psk_accepted) sh.extensions.psk_selected_identity = hs->psk_index;
  // Extension order as RFC 8448's traces: pre_shared_key, key_share, supported_versions (room made once).
  sh.extensions.order.reserve(3);
  for (ExtensionType t : {ExtensionType::pre_shared_key, ExtensionType::key_share, ExtensionType::supported_versions})
    if (sh.extensions.has(static_cast<uint16_t>(t), ExtContext::server_hello)) sh.extensions.order.push_back(static_cast<uint16_t>(t));
  size_t ch_end = c_.transcript_size();  // the transcript up to the ClientHello, for 0-RTT keys
  SANSTLS_TRY(send_message(c_, HandshakeType::server_hello, sh, encode_server_hello));
  c_.set_version(true);

  KeySchedule13 ks(c_.provider(), alg());
  ks.early(hs->psk_accepted ? ByteView(hs->psk) : ByteView());
  SecretBytes early_secret;  // wiped when it goes
  if (hs->early_accepted) {
    early_secret = ks.client_early_traffic_secret(
        c_.transcript_hash(alg(), ch_end));
    key_log13(*cfg_, "CLIENT_EARLY_TRAFFIC_SECRET", hs->client_random, early_secret);
  }
  ks.handshake(shared);
  secure_zero(shared);
  TranscriptHash h = c_.transcript_hash(alg());
  hs->client_hs = ks.client_handshake_traffic_secret(h);
  hs->server_hs = ks.server_handshake_traffic_secret(h);
  key_log13(*cfg_, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", hs->client_random, hs->client_hs);
  key_log13(*cfg_, "SERVER_HANDSHAKE_TRAFFIC_SECRET", hs->client_random, hs->server_hs);

  if (cfg_->middlebox_compat && !hs->session_id.empty()) SANSTLS_TRY(c_.send_compat_ccs());
  c_.set_write_limit(record_limit13(hs->peer_record_limit));
  if (hs->peer_record_limit != 0) read_limit_ = record_limit13(cfg_->record_size_limit);
  SANSTLS_TRY(install13(c_, *suite_, hs->server_hs, false, c_.write_limit()));
  if (hs->early_accepted) {
    SANSTLS_TRY(install13(c_, *suite_, early_secret, true, kMaxPlaintext));
    early_secret.wipe();
    c_.open_early_data(std::min(cfg_->max_early_data, hs->ticket.max_early_data));
  } else {
    SANSTLS_TRY(install13(c_, *suite_, hs->client_hs, true, read_limit_));
    if (hs->client_offered_early) c_.skip_early_data(std::max<size_t>(cfg_->max_early_data, kSkipEarlyDataBudget));
  }

  EncryptedExtensions ee;
  Extensions& x = ee.extensions;
  // Our groups, so that the client may pick a preferred one next time (RFC 8446 4.2.7), as RFC 8448's
  // server sends them.
  if (ch.extensions.supported_groups) x.supported_groups = cfg_->groups;
  if (hs->sni_used && !hs->psk_accepted) x.server_name = std::string();
  if (!hs->alpn.empty()) x.alpn = std::vector<std::string>{hs->alpn};
  if (hs->peer_record_limit != 0 && cfg_->record_size_limit != 0) x.record_size_limit = cfg_->record_size_limit;
  if (hs->early_accepted) x.early_data = true;
  // Extension order as RFC 8448's traces (room made once).
  x.order.reserve(5);
  for (ExtensionType t : {ExtensionType::supported_groups, ExtensionType::record_size_limit, ExtensionType::server_name,
                          ExtensionType::application_layer_protocol_negotiation, ExtensionType::early_data})
    if (x.has(static_cast<uint16_t>(t), ExtContext::encrypted_extensions)) x.order.push_back(static_cast<uint16_t>(t));
  if (cfg_->edit_extensions) cfg_->edit_extensions(ExtContext::encrypted_extensions, &x);
  SANSTLS_TRY(send_message(c_, HandshakeType::encrypted_extensions, ee, encode_encrypted_extensions));

  bool request_cert = !hs->psk_accepted && cfg_->client_auth != ClientAuth::none;
  if (!hs->psk_accepted) {
    if (request_cert) SANSTLS_TRY(send_certificate_request(Bytes(), nullptr));
    SANSTLS_TRY(c_.send_handshake(HandshakeType::certificate, certificate13_body(ByteView(), hs->cert.get())));
    // An asynchronous key: the flight so far goes out, the rest follows the application's answer (until
    // then a placeholder state: no message comes before it).
    // The continuation runs only after an asynchronous key's answer: only then is it made (it copies the
    // key schedule into a closure on the heap).
    std::function<Status()> rest;
    if (hs->cert->async) rest = [this, hs, ks, request_cert] { return enter(state_, finish_flight(hs, ks, request_cert)); };
    SANSTLS_TRY(send_certificate_verify13(c_, hs->cert, true, hs->scheme, c_.transcript_hash(alg()), nullptr, rest));
    if (hs->cert->async) return State(ExpectFinished{ClientAuthExchange(hs), {}});
  }
  return finish_flight(std::move(hs), ks, request_cert);
}

// The end of the server's flight, from its Finished on (after the CertificateVerify, signed at once or
// by the application).
Result<State> Server13::finish_flight(NegotiationPtr hs, KeySchedule13 ks, bool request_cert) {
  if (!hs->psk_accepted) c_.info().signature_scheme = hs->scheme;  // our CertificateVerify went out
  SANSTLS_TRY(send_finished13(c_, alg(), hs->server_hs, c_.transcript_hash(alg())));

  application_secrets13(c_, *cfg_, alg(), ks, hs->client_random, &client_ap_, &server_ap_);
  // Keep the schedule for the resumption secret after the client's Finished.
  hs->ks_master = std::make_unique<KeySchedule13>(ks);
  SANSTLS_TRY(install13(c_, *suite_, server_ap_, false, c_.write_limit()));
  c_.info().alpn = hs->alpn;  // this handshake's, resumed or not (RFC 7301 3.1)

  if (hs->early_accepted) return State(ExpectEndOfEarlyData{std::move(hs)});
  if (request_cert) return State(ExpectCertificate{ClientAuthExchange(std::move(hs))});
  return State(ExpectFinished{ClientAuthExchange(std::move(hs)), {}});
}

Result<State> Server13::handle(ExpectClientHello2& s, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::client_hello) return Error::unexpected("expected the second ClientHello");
  ClientHello ch;
  SANSTLS_TRY(decode_client_hello(body, &ch));
  if (!ch.extensions.supported_versions || !contains(*ch.extensions.supported_versions, version::tls13))
    return Error::illegal("second ClientHello does not offer TLS 1.3");
  return on_client_hello(std::move(s.hs), ch, true);
}

Result<State> Server13::handle(ExpectEndOfEarlyData& s, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::end_of_early_data) return Error::unexpected("expected EndOfEarlyData");
  SANSTLS_TRY(decode_end_of_early_data(body));
  c_.close_early_data();
  SANSTLS_TRY(install13(c_, *suite_, s.hs->client_hs, true, read_limit_));
  if (cfg_->client_auth != ClientAuth::none && !s.hs->psk_accepted) return State(ExpectCertificate{ClientAuthExchange(std::move(s.hs))});
  return State(ExpectFinished{ClientAuthExchange(std::move(s.hs)), {}});
}

// The transcript hash before `msg`, which joins the exchange's own transcript after the handshake (in
// the handshake, on_message added it to the connection's).
TranscriptHash Server13::hash_before(ClientAuthExchange& x, ByteView msg) {
  if (x.hs) return c_.transcript_hash(alg(), c_.transcript_size() - msg.size());
  TranscriptHash h = hash_so_far(*x.transcript);
  x.transcript->update(msg);
  return h;
}

Result<State> Server13::handle(ExpectCertificate& s, HandshakeType type, ByteView msg, ByteView body) {
  if (type != HandshakeType::certificate) return Error::unexpected("expected Certificate");
  CertificateMsg13 m;
  SANSTLS_TRY(decode_certificate13(body, &m));
  if (s.x.transcript) s.x.transcript->update(msg);  // after the handshake (in it, on_message added it)
  if (m.request_context != s.x.context) return Error::illegal("Certificate: wrong request context");
  if (m.entries.empty()) {
    // RFC 8446 4.4.2.4: a server that requires a certificate answers an empty one with certificate_required.
    if (cfg_->client_auth == ClientAuth::required)
      return Error{ErrorKind::bad_certificate, AlertDescription::certificate_required, "client sent no certificate"};
    return State(ExpectFinished{std::move(s.x), {}});
  }
  // RFC 8446 4.4.2, 4.2: our CertificateRequests ask for no entry extensions.
  for (const CertificateEntry& e : m.entries)
    if (!e.extensions.order.empty())
      return Error::misbehaved(AlertDescription::unsupported_extension, "Certificate: entry extension not requested");
  ExpectCertificateVerify next{std::move(s.x), nullptr, {}};
  for (CertificateEntry& e : m.entries) next.client_chain.push_back(std::move(e.cert_data));
  Result<std::unique_ptr<crypto::PublicKey>> key = verify_client_chain(c_, *cfg_, next.client_chain);
  if (!key.ok()) return key.error();
  next.client_key = key.take();
  return State(std::move(next));
}

Result<State> Server13::handle(ExpectCertificateVerify& s, HandshakeType type, ByteView msg, ByteView body) {
  if (type != HandshakeType::certificate_verify) return Error::unexpected("expected CertificateVerify");
  SANSTLS_TRY(check_certificate_verify13(*s.client_key, false, requested_schemes(), body, hash_before(s.x, msg), nullptr));
  return State(ExpectFinished{std::move(s.x), std::move(s.client_chain)});
}

Result<State> Server13::handle(ExpectFinished& s, HandshakeType type, ByteView msg, ByteView body) {
  if (type != HandshakeType::finished) return Error::unexpected("expected Finished");
  SANSTLS_TRY(check_finished13(c_.provider(), alg(), s.x.hs ? s.x.hs->client_hs : client_ap_, body, hash_before(s.x, msg)));
  if (!s.x.hs) {
    // A post-handshake authentication, proven: the new identity takes effect now, and the application
    // hears of it (an empty Certificate keeps the identity the connection had).
    if (!s.client_chain.empty()) {
      c_.info().peer_chain = std::move(s.client_chain);
      c_.info().client_authenticated = true;
    }
    c_.emit(Event::Type::peer_authenticated);
    return State(Connected{});
  }
  Negotiation& hs = *s.x.hs;
  SANSTLS_TRY(install13(c_, *suite_, client_ap_, true, read_limit_));
  end_of_handshake(*hs.ks_master, hs.client_pha);  // the client offered post_handshake_auth
  HandshakeInfo& info = c_.info();
  info.version = version::tls13;
  info.cipher_suite = suite_->id;
  info.resumed = hs.psk_accepted;
  info.server_name = hs.server_name;
  info.early_data_accepted = hs.early_accepted;
  // Who the client is: what it proved in this handshake, or in the one that made the ticket (as far as
  // resumed_identity() lets this config believe it).
  const std::vector<Bytes>& proven = hs.psk_accepted ? hs.ticket.client.chain : s.client_chain;
  info.peer_chain = proven;
  info.client_authenticated = !proven.empty();
  c_.handshake_complete();
  SANSTLS_TRY(send_tickets(hs));
  return State(Connected{});  // the negotiation goes with the handshake's last state
}

Status Server13::send_tickets(const Negotiation& hs) {
  if (!cfg_->tickets || cfg_->session_lifetime_s == 0) return Status();
  uint64_t now = c_.clock().now_ms();
  for (uint16_t i = 0; i < cfg_->tickets_per_handshake; i++) {
    std::shared_ptr<Ticketer> ring = cfg_->tickets_ring(now);
    if (!ring) return Status();
    NewSessionTicket13 t;
    t.lifetime = std::min<uint32_t>(cfg_->session_lifetime_s, 604800);
    uint8_t age_add[4];
    c_.rng().fill(age_add, 4);
    t.age_add = (uint32_t{age_add[0]} << 24) | (uint32_t{age_add[1]} << 16) | (uint32_t{age_add[2]} << 8) | age_add[3];
    // The nonce: a 16-bit count of this connection's tickets, as RFC 8448's server writes it.
    t.nonce = {static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    TicketState st;
    st.version = version::tls13;
    st.cipher_suite = suite_->id;
    st.secret = tls13_resumption_psk(c_.provider(), alg(), res_master_, t.nonce);
    st.server_name = hs.server_name;
    st.alpn = c_.info().alpn;
    st.created_ms = now;
    st.lifetime_s = t.lifetime;
    st.age_add = t.age_add;
    st.max_early_data = cfg_->max_early_data;
    // The client's identity as of the handshake: a ticket issued now does not vouch for a later
    // post-handshake authentication.
    st.client = hs.psk_accepted ? hs.ticket.client : cfg_->client_identity(c_.info().peer_chain);
    t.ticket = seal_ticket(*ring, st, now, c_.rng());
    if (t.ticket.empty()) return Status();  // no ticket this time; not an error for the connection
    if (cfg_->max_early_data > 0) t.extensions.max_early_data_size = cfg_->max_early_data;
    // The fixed fields, nonce and ticket, and room for the early_data extension.
    const size_t size = 4 + 4 + 1 + t.nonce.size() + 2 + t.ticket.size() + 2 + 8;
    SANSTLS_TRY(send_message(c_, HandshakeType::new_session_ticket, t, encode_new_session_ticket13, size));
  }
  return Status();
}

Result<State> Server13::handle(Connected&, HandshakeType, ByteView, ByteView) {
  return Error::unexpected("handshake message after the TLS 1.3 handshake");
}

// The schemes our CertificateRequests offer for CertificateVerify: those of ours TLS 1.3 allows for
// some key (what CertificateVerify is checked against, whatever an extension editor sent).
std::vector<uint16_t> Server13::requested_schemes() const {
  std::vector<uint16_t> out;
  for (uint16_t s : cfg_->signature_schemes)
    if (scheme_allowed13(s, crypto::KeyType::rsa) || scheme_allowed13(s, crypto::KeyType::ec_p256) ||
        scheme_allowed13(s, crypto::KeyType::ec_p384) || scheme_allowed13(s, crypto::KeyType::ec_p521))
      out.push_back(s);
  return out;
}

// CertificateRequest (RFC 8446 4.3.2): the schemes CertificateVerify may use, and, in
// signature_algorithms_cert (4.2.3), the schemes the certificates themselves may be signed with,
// PKCS#1 v1.5 included, so that a client with an ordinary sha256WithRSAEncryption certificate sends it.
// `exchange`, when not null, takes the message (post-handshake authentication keeps its own transcript).
Status Server13::send_certificate_request(const Bytes& context, crypto::Hash* exchange) {
  CertificateRequest13 cr;
  cr.request_context = context;
  cr.extensions.signature_algorithms = requested_schemes();
  cr.extensions.signature_algorithms_cert = certificate_signature_schemes();
  if (cfg_->edit_extensions) cfg_->edit_extensions(ExtContext::certificate_request, &cr.extensions);
  Bytes body;
  Writer w(&body);
  encode_certificate_request13(cr, w);
  if (!w.ok()) return Error::internal("CertificateRequest too long");
  return c_.send_handshake(HandshakeType::certificate_request, body, exchange);
}

// Post-handshake authentication (RFC 8446 4.6.2): the CertificateRequest, then the client's answer
// goes through the same states as in the handshake, back to Connected.
Status Server13::request_client_certificate() {
  if (!handshake_transcript_) return Error::misuse("the client did not offer post-handshake authentication");
  if (!std::holds_alternative<Connected>(state_)) return Error::misuse("a certificate request is already pending");
  if (cfg_->client_verifier.empty()) return Error::misuse("no client-certificate verification configured");
  ClientAuthExchange x;
  x.context.resize(8);
  c_.rng().fill(x.context.data(), x.context.size());
  x.transcript = handshake_transcript_->clone();
  SANSTLS_TRY(send_certificate_request(x.context, x.transcript.get()));
  state_ = ExpectCertificate{std::move(x)};
  return Status();
}

}  // namespace

Result<std::unique_ptr<Handshake>> start_server13(HandshakeContext& c, std::shared_ptr<const ServerConfig> cfg,
                                                  const ClientHello& ch, size_t) {
  auto h = std::make_unique<Server13>(c, std::move(cfg));
  Status s = h->begin(ch);
  if (!s.ok()) return s.error();
  return std::unique_ptr<Handshake>(std::move(h));
}

}  // namespace sanstls
