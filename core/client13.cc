// The TLS 1.3 client (RFC 8446), from the ServerHello on. One type per state: each state holds what
// only it needs, a handler consumes it and returns the next, and the first thing each handler does is
// the gate that refuses a message wrong for the state (unexpected_message, naming the one expected).
//
//   [HelloRetryRequest -> second ClientHello ->] ServerHello -> ExpectEncryptedExtensions
//     -> (PSK) ExpectFinished
//     -> ExpectCertificateOrRequest -> [ExpectCertificate] -> ExpectCertificateVerify -> ExpectFinished
//     -> (send [EndOfEarlyData] [CCS] [Certificate CertificateVerify] Finished) -> Connected
//   Connected: NewSessionTicket, KeyUpdate, post-handshake CertificateRequest.
#include <algorithm>
#include <functional>
#include <optional>
#include <variant>

#include "core/hello_stage.h"
#include "core/tls12_keys.h"
#include "core/tls13_common.h"

namespace sanstls {
namespace {

constexpr uint16_t ext(ExtensionType t) { return static_cast<uint16_t>(t); }

// Extensions RFC 8446 4.2 allows in EncryptedExtensions (max_fragment_length 1, use_srtp 14, heartbeat
// 15, client/server_certificate_type 19/20 have no ExtensionType name here).
bool allowed_in_ee(uint16_t t) {
  switch (t) {
    case ext(ExtensionType::server_name): case 1: case ext(ExtensionType::supported_groups): case 14: case 15:
    case ext(ExtensionType::application_layer_protocol_negotiation): case 19: case 20:
    case ext(ExtensionType::record_size_limit): case ext(ExtensionType::early_data):
      return true;
    default:
      return false;
  }
}

// The server's CertificateRequest (RFC 8446 4.3.2): what our Certificate answers.
struct CertRequest {
  Bytes context;
  std::vector<uint16_t> schemes;  // signature_algorithms
};

// What only the handshake needs: the options, what the ClientHello offered, the key schedule and the
// handshake secrets. The handshake's states carry it (a shared pointer, so that an asynchronous
// signature's continuation carries it too) and it is dropped, its secrets wiped, when the client enters
// Connected; a Connected client keeps the suite, its read limit, the traffic and resumption secrets,
// the identity its sessions record, and the transcript hash a post-handshake authentication needs.
struct Negotiation {
  Negotiation(Connection::ClientOptions o, ClientOffer f) : opts(std::move(o)), offer(std::move(f)) {}
  Connection::ClientOptions opts;
  ClientOffer offer;
  std::unique_ptr<KeySchedule13> ks;
  bool psk_accepted = false;
  SecretBytes client_hs, server_hs;  // wiped when the negotiation goes
};
using NegotiationPtr = std::shared_ptr<Negotiation>;

struct ExpectServerHello { NegotiationPtr hs; };  // after a HelloRetryRequest (a second one is refused)
struct ExpectEncryptedExtensions { NegotiationPtr hs; };
struct ExpectCertificateOrRequest { NegotiationPtr hs; };
struct ExpectCertificate {
  NegotiationPtr hs;
  CertRequest request;  // the server asked for ours
};
struct ExpectCertificateVerify {
  NegotiationPtr hs;
  std::unique_ptr<crypto::PublicKey> server_key;
  std::optional<CertRequest> request;
};
struct ExpectFinished {
  NegotiationPtr hs;
  std::optional<CertRequest> request;
  bool early_accepted = false;  // the server took our 0-RTT data (EndOfEarlyData goes first)
};
struct Connected {};
using State = std::variant<ExpectServerHello, ExpectEncryptedExtensions, ExpectCertificateOrRequest,
                           ExpectCertificate, ExpectCertificateVerify, ExpectFinished, Connected>;

class Client13 final : public Machine13<Client13, State, Connected> {
 public:
  Client13(HandshakeContext& c, std::shared_ptr<const ClientConfig> cfg) : Machine13(c, true), cfg_(std::move(cfg)) {}

  // The ServerHello (or HelloRetryRequest) that selected TLS 1.3; the transcript already has it.
  Status begin(NegotiationPtr hs, const ServerHello& sh, size_t sh_msg_len) {
    return enter(state_, sh.is_hello_retry_request() ? on_hello_retry_request(std::move(hs), sh, sh_msg_len)
                                                     : on_server_hello(std::move(hs), sh));
  }

 private:
  Result<State> on_hello_retry_request(NegotiationPtr hs, const ServerHello& hrr, size_t hrr_msg_len);
  Result<State> on_server_hello(NegotiationPtr hs, const ServerHello& sh);
 public:  // the state handlers, called by Machine13::on_message (tls13_common.h)
  Result<State> handle(ExpectServerHello&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectEncryptedExtensions&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectCertificateOrRequest&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectCertificate&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectCertificateVerify&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectFinished&, HandshakeType, ByteView, ByteView);
  Result<State> handle(Connected&, HandshakeType, ByteView, ByteView);
 private:
  Result<CertRequest> on_certificate_request(ByteView body, bool post_handshake);
  Status switch_to_handshake_write(const Negotiation& hs);
  Result<State> on_certificate(NegotiationPtr hs, ByteView body, std::optional<CertRequest> request);
  // Certificate [CertificateVerify] ([Finished] after the handshake), then `rest` (at once, or once an
  // asynchronous key's signature came).
  Status send_client_auth(const CertRequest& request, const SecretBytes& base_key, std::unique_ptr<crypto::Hash> post,
                          std::function<Status()> rest);
  Status finish_flight(Negotiation& hs, bool early_accepted);
  Status on_new_session_ticket(ByteView body);

  std::shared_ptr<const ClientConfig> cfg_;
  // What the sessions from this connection's tickets say the server proved; the chain is info().peer_chain.
  PeerIdentity session_peer_;
};

// Checks that apply to both a ServerHello and a HelloRetryRequest.
Status check_server_hello13(const ServerHello& sh, const ClientOffer& offer, const CipherSuite** suite) {
  if (sh.legacy_version != version::tls12) return Error::illegal("ServerHello: legacy_version is not 0x0303");
  if (!sh.extensions.supported_versions || sh.extensions.supported_versions->size() != 1 ||
      sh.extensions.supported_versions->front() != version::tls13 || !offer.tls13)
    return Error::illegal("ServerHello: supported_versions does not select TLS 1.3");
  if (sh.session_id != offer.session_id) return Error::illegal("ServerHello: session ID not echoed");
  const CipherSuite* s = find_suite(sh.cipher_suite);
  if (s == nullptr || !s->is_tls13() || !contains(offer.hello.cipher_suites, sh.cipher_suite))
    return Error::illegal("ServerHello: cipher suite not offered");
  if (sh.compression_method != 0) return Error::illegal("ServerHello: compression");
  // A HelloRetryRequest may carry a cookie the client never sent (RFC 8446 4.2.2).
  SANSTLS_TRY(check_offered(sh.extensions, offer.offered_exts,
                            sh.is_hello_retry_request() ? ext(ExtensionType::cookie) : 0xffff));
  for (uint16_t t : sh.extensions.order) {
    const bool common = t == ext(ExtensionType::supported_versions) || t == ext(ExtensionType::key_share);
    bool allowed = common || (sh.is_hello_retry_request() ? t == ext(ExtensionType::cookie)
                                                          : t == ext(ExtensionType::pre_shared_key));
    if (!allowed) return Error::illegal("ServerHello: extension not allowed in TLS 1.3");
  }
  *suite = s;
  return Status();
}

Result<State> Client13::on_hello_retry_request(NegotiationPtr hs, const ServerHello& hrr, size_t hrr_msg_len) {
  SANSTLS_TRY(check_server_hello13(hrr, hs->offer, &suite_));
  const Extensions& e = hrr.extensions;
  // RFC 8446 4.1.4: the HRR must change something: a group we did not send a share for, or a cookie.
  bool changes = e.cookie.has_value();
  ClientHello& ch = hs->offer.hello;
  if (e.hrr_selected_group) {
    uint16_t g = *e.hrr_selected_group;
    if (!contains(cfg_->groups, g)) return Error::illegal("HelloRetryRequest: group not offered");
    for (const auto& s : hs->offer.shares)
      if (s.first == g) return Error::illegal("HelloRetryRequest: group already has a key share");
    std::unique_ptr<crypto::KeyShare> share = c_.provider().generate_key_share(static_cast<crypto::Group>(g), c_.rng());
    if (!share) return Error::internal("key share");
    ch.extensions.key_share = std::vector<KeyShareEntry>{KeyShareEntry{g, share->public_value().to_bytes()}};
    hs->offer.shares.clear();
    hs->offer.shares.emplace_back(g, std::move(share));
    changes = true;
  }
  if (!changes) return Error::illegal("HelloRetryRequest changes nothing");
  if (e.cookie) {
    ch.extensions.cookie = e.cookie;
    hs->offer.offered_exts.push_back(ext(ExtensionType::cookie));
  }
  // No 0-RTT after a HelloRetryRequest (RFC 8446 4.2.10); a PSK stays only with the same hash. The
  // early data already sent is skipped by the server: it goes again after the handshake.
  if (hs->offer.early_data) c_.requeue_early_data(hs->opts.early_data);
  ch.extensions.early_data = false;
  hs->offer.early_data = false;
  if (hs->offer.psk_offered && find_suite(hs->offer.resume->cipher_suite)->prf_hash != suite_->prf_hash) {
    ch.extensions.pre_shared_key.reset();
    hs->offer.psk_offered = false;
  }
  // The transcript: message_hash(ClientHello1) replaces ClientHello1 (RFC 8446 4.4.1).
  size_t ch1_len = c_.transcript_size() - hrr_msg_len;
  Bytes hrr_msg(c_.transcript().begin() + static_cast<std::ptrdiff_t>(ch1_len), c_.transcript().end());
  Bytes mh = tls13_message_hash(c_.provider(), alg(), ByteView(c_.transcript().data(), ch1_len));
  mh.insert(mh.end(), hrr_msg.begin(), hrr_msg.end());
  c_.replace_transcript(std::move(mh));
  // Middlebox compatibility: the CCS goes before the second ClientHello (RFC 8446 D.4).
  if (cfg_->middlebox_compat) SANSTLS_TRY(c_.send_compat_ccs());
  if (!c_.write_keys_null()) SANSTLS_TRY(c_.install_write(RecordProtection::null_protection()));  // 0-RTT keys are gone
  ch.extensions.order.clear();  // the table's order, unless the editor gives one
  if (cfg_->edit_extensions) cfg_->edit_extensions(ExtContext::client_hello, &ch.extensions);
  SANSTLS_TRY(resend_client_hello(c_, &hs->offer));
  return State(ExpectServerHello{std::move(hs)});
}

Result<State> Client13::on_server_hello(NegotiationPtr hs, const ServerHello& sh) {
  const CipherSuite* hrr_suite = suite_;
  SANSTLS_TRY(check_server_hello13(sh, hs->offer, &suite_));
  if (hrr_suite != nullptr && hrr_suite != suite_) return Error::illegal("ServerHello: suite differs from HelloRetryRequest");
  const Extensions& e = sh.extensions;
  hs->ks = std::make_unique<KeySchedule13>(c_.provider(), alg());
  // PSK: the one identity we offered, with the hash of its suite.
  Bytes psk;
  if (e.psk_selected_identity) {
    if (!hs->offer.psk_offered || *e.psk_selected_identity != 0) return Error::illegal("ServerHello: PSK not offered");
    if (find_suite(hs->offer.resume->cipher_suite)->prf_hash != alg())
      return Error::illegal("ServerHello: PSK with another hash");
    hs->psk_accepted = true;
    psk = hs->offer.resume->master_secret;
    // What the session's full handshake proved of the server (ClientConfig::may_resume let it be offered).
    c_.info().peer_chain = hs->offer.resume->peer.chain;
  }
  Bytes shared;
  WipeOnExit wipe_shared{shared};
  if (e.key_share) {
    if (e.key_share->size() != 1) return Error::illegal("ServerHello: key_share");
    const KeyShareEntry& ks = e.key_share->front();
    crypto::KeyShare* mine = nullptr;
    for (auto& s : hs->offer.shares)
      if (s.first == ks.group) mine = s.second.get();
    if (mine == nullptr) return Error::illegal("ServerHello: key share for a group we did not send");
    crypto::Status st = mine->shared_secret(ks.key_exchange, &shared);
    if (st == crypto::Status::bad_peer_value) return Error::illegal("ServerHello: bad key share");
    if (st != crypto::Status::ok) return Error::internal("key exchange failed");
    c_.info().group = ks.group;
  } else if (!hs->psk_accepted || !cfg_->allow_psk_ke) {
    return Error::misbehaved(AlertDescription::missing_extension, "ServerHello: no key_share");
  }
  hs->offer.shares.clear();
  hs->ks->early(psk);
  hs->ks->handshake(shared);
  secure_zero(shared);
  secure_zero(psk);
  TranscriptHash h = c_.transcript_hash(alg());
  hs->client_hs = hs->ks->client_handshake_traffic_secret(h);
  hs->server_hs = hs->ks->server_handshake_traffic_secret(h);
  key_log13(*cfg_, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", hs->offer.random, hs->client_hs);
  key_log13(*cfg_, "SERVER_HANDSHAKE_TRAFFIC_SECRET", hs->offer.random, hs->server_hs);
  c_.set_version(true);
  SANSTLS_TRY(install13(c_, *suite_, hs->server_hs, true, kMaxPlaintext));
  // From here on our records (alerts included) go under the client handshake key (RFC 8446 2), after
  // the compatibility CCS. With 0-RTT offered, the early key stays until EncryptedExtensions says
  // whether the server took the data.
  if (!hs->offer.early_data) SANSTLS_TRY(switch_to_handshake_write(*hs));
  return State(ExpectEncryptedExtensions{std::move(hs)});
}

Status Client13::switch_to_handshake_write(const Negotiation& hs) {
  if (cfg_->middlebox_compat) SANSTLS_TRY(c_.send_compat_ccs());
  return install13(c_, *suite_, hs.client_hs, false, c_.write_limit());
}

Result<State> Client13::handle(ExpectServerHello& s, HandshakeType type, ByteView msg, ByteView body) {
  if (type != HandshakeType::server_hello) return Error::unexpected("expected ServerHello");
  ServerHello sh;
  SANSTLS_TRY(decode_server_hello(body, &sh));
  if (sh.is_hello_retry_request()) return Error::unexpected("a second HelloRetryRequest");
  return on_server_hello(std::move(s.hs), sh);
}

Result<State> Client13::handle(ExpectEncryptedExtensions& s, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::encrypted_extensions) return Error::unexpected("expected EncryptedExtensions");
  NegotiationPtr& hs = s.hs;
  EncryptedExtensions ee;
  SANSTLS_TRY(decode_encrypted_extensions(body, &ee));
  const Extensions& e = ee.extensions;
  SANSTLS_TRY(check_offered(e, hs->offer.offered_exts));
  for (uint16_t t : e.order)
    if (!allowed_in_ee(t)) return Error::illegal("EncryptedExtensions: extension not allowed there");
  SANSTLS_TRY(accept_alpn(*cfg_, e, &c_.info().alpn));
  bool early = false;
  if (e.early_data) {
    if (!hs->offer.early_data || !hs->psk_accepted) return Error::illegal("early_data accepted but not offered");
    // RFC 8446 4.2.10: the 0-RTT data went out under the ticket's suite and ALPN; a server that accepts
    // it under others is wrong (and the data would not be sent again).
    if (suite_->id != hs->offer.resume->cipher_suite)
      return Error::illegal("early_data accepted under another cipher suite than the ticket's");
    if (c_.info().alpn != hs->offer.resume->alpn)
      return Error::illegal("early_data accepted under another ALPN protocol than the ticket's");
    early = true;
  }
  if (e.record_size_limit) {
    c_.set_write_limit(record_limit13(*e.record_size_limit));
    // RFC 8449 4: negotiated, our own limit bounds what the server sends from its application keys on.
    read_limit_ = record_limit13(cfg_->record_size_limit);
  }
  // 0-RTT refused: no more early data; our records go under the handshake key now.
  if (hs->offer.early_data && !early) SANSTLS_TRY(switch_to_handshake_write(*hs));
  if (hs->psk_accepted) return State(ExpectFinished{std::move(hs), std::nullopt, early});
  return State(ExpectCertificateOrRequest{std::move(hs)});
}

Result<CertRequest> Client13::on_certificate_request(ByteView body, bool post_handshake) {
  CertificateRequest13 cr;
  SANSTLS_TRY(decode_certificate_request13(body, &cr));
  if (!post_handshake && !cr.request_context.empty()) return Error::illegal("CertificateRequest: context not empty");
  // decode_certificate_request13 refused one without signature_algorithms (missing_extension).
  return CertRequest{cr.request_context, *cr.extensions.signature_algorithms};
}

Result<State> Client13::handle(ExpectCertificateOrRequest& s, HandshakeType type, ByteView, ByteView body) {
  if (type == HandshakeType::certificate_request) {
    Result<CertRequest> request = on_certificate_request(body, false);
    if (!request.ok()) return request.error();
    return State(ExpectCertificate{std::move(s.hs), request.take()});
  }
  if (type == HandshakeType::certificate) return on_certificate(std::move(s.hs), body, std::nullopt);
  return Error::unexpected("expected Certificate or CertificateRequest");
}

Result<State> Client13::handle(ExpectCertificate& s, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::certificate) return Error::unexpected("expected Certificate");
  return on_certificate(std::move(s.hs), body, std::move(s.request));
}

Result<State> Client13::on_certificate(NegotiationPtr hs, ByteView body, std::optional<CertRequest> request) {
  CertificateMsg13 m;
  SANSTLS_TRY(decode_certificate13(body, &m));
  if (!m.request_context.empty()) return Error::illegal("Certificate: context not empty");
  if (m.entries.empty()) return Error::decode("server sent no certificate");
  // RFC 8446 4.4.2, 4.2: a CertificateEntry extension answers one the ClientHello sent (status_request,
  // signed_certificate_timestamp); we send none of those.
  for (const CertificateEntry& e : m.entries)
    if (!e.extensions.order.empty())
      return Error::misbehaved(AlertDescription::unsupported_extension, "Certificate: entry extension not offered");
  std::vector<Bytes> chain;
  chain.reserve(m.entries.size());
  for (CertificateEntry& e : m.entries) chain.push_back(std::move(e.cert_data));
  // TLS 1.3 server keys only sign (CertificateVerify): keyUsage must allow digitalSignature.
  Result<std::unique_ptr<crypto::PublicKey>> key =
      verify_server_chain(c_, *cfg_, hs->opts, chain, crypto::KeyUse::digital_signature);
  if (!key.ok()) return key.error();
  c_.info().peer_chain = std::move(chain);
  return State(ExpectCertificateVerify{std::move(hs), key.take(), std::move(request)});
}

Result<State> Client13::handle(ExpectCertificateVerify& s, HandshakeType type, ByteView msg, ByteView body) {
  if (type != HandshakeType::certificate_verify) return Error::unexpected("expected CertificateVerify");
  SANSTLS_TRY(check_certificate_verify13(*s.server_key, true, cfg_->signature_schemes, body,
                                         c_.transcript_hash(alg(), c_.transcript_size() - msg.size()),
                                         &c_.info().signature_scheme));
  return State(ExpectFinished{std::move(s.hs), std::move(s.request), false});
}

Result<State> Client13::handle(ExpectFinished& s, HandshakeType type, ByteView msg, ByteView body) {
  if (type != HandshakeType::finished) return Error::unexpected("expected Finished");
  NegotiationPtr& hs = s.hs;
  SANSTLS_TRY(check_finished13(c_.provider(), alg(), hs->server_hs, body,
                               c_.transcript_hash(alg(), c_.transcript_size() - msg.size())));

  // The application secrets cover the transcript through the server's Finished.
  application_secrets13(c_, *cfg_, alg(), *hs->ks, hs->offer.random, &client_ap_, &server_ap_);
  SANSTLS_TRY(install13(c_, *suite_, server_ap_, true, read_limit_));

  // Our second flight: [EndOfEarlyData] [CCS] [Certificate CertificateVerify] Finished.
  if (s.early_accepted) {
    SANSTLS_TRY(c_.send_handshake(HandshakeType::end_of_early_data, Bytes()));
    SANSTLS_TRY(switch_to_handshake_write(*hs));
  }
  if (s.request) {
    // The rest of the flight follows our CertificateVerify, which an asynchronous key signs later; the
    // continuation carries the negotiation until then.
    bool early_accepted = s.early_accepted;
    SANSTLS_TRY(send_client_auth(*s.request, hs->client_hs, nullptr,
                                 [this, hs, early_accepted] { return finish_flight(*hs, early_accepted); }));
    return State(Connected{});
  }
  SANSTLS_TRY(finish_flight(*hs, s.early_accepted));
  return State(Connected{});  // the negotiation goes with the handshake's last state
}

// Our Finished and what follows it, up to handshake_done.
Status Client13::finish_flight(Negotiation& hs, bool early_accepted) {
  SANSTLS_TRY(send_finished13(c_, alg(), hs.client_hs, c_.transcript_hash(alg())));
  SANSTLS_TRY(install13(c_, *suite_, client_ap_, false, c_.write_limit()));
  end_of_handshake(*hs.ks, cfg_->client_certificate != nullptr);  // a certificate to offer post_handshake_auth
  // What the sessions from this connection's tickets say the server proved (ClientConfig::may_resume).
  // Its chain is info().peer_chain, byte for byte (set from the same session or the same Certificate):
  // not kept a second time for the life of the connection (nor copied here only to be dropped); each
  // ticket's session takes it from there.
  if (hs.psk_accepted) {
    const PeerIdentity& resumed = hs.offer.resume->peer;
    session_peer_.verifier = resumed.verifier;
    session_peer_.name = resumed.name;
  } else {
    session_peer_ = server_identity(*cfg_, hs.opts, std::vector<Bytes>());
  }

  HandshakeInfo& info = c_.info();
  info.version = version::tls13;
  info.cipher_suite = suite_->id;
  info.resumed = hs.psk_accepted;
  info.server_name = hs.opts.server_name;
  info.early_data_accepted = early_accepted;
  // info.alpn is what this handshake's EncryptedExtensions said, resumed or not (RFC 7301 3.1).
  // 0-RTT data the server did not take is sent again as ordinary data (handshake_complete flushes it).
  if (hs.offer.early_data && !early_accepted) c_.requeue_early_data(hs.opts.early_data);
  c_.handshake_complete();
  return Status();
}

Status Client13::send_client_auth(const CertRequest& request, const SecretBytes& base_key, std::unique_ptr<crypto::Hash> post_in,
                                  std::function<Status()> rest) {
  // Our certificate when a scheme fits, else an empty Certificate (the server decides).
  std::shared_ptr<const CertifiedKey> ck = cfg_->client_certificate;
  uint16_t scheme = ck ? choose_scheme13(cfg_->signature_schemes, request.schemes, ck->type()) : 0;
  if (scheme == 0) ck = nullptr;
  // During the handshake the transcript is c_.transcript(); after it, the saved hash plus the new
  // messages (send_handshake feeds them to it). Shared: an asynchronous key's answer continues with it.
  std::shared_ptr<crypto::Hash> post(std::move(post_in));
  auto hash_now = [this, post]() -> TranscriptHash {
    return post ? hash_so_far(*post) : c_.transcript_hash(alg());
  };
  // After the CertificateVerify: the post-handshake Finished, then the caller's rest.
  const SecretBytes* key = &base_key;  // a member of ours: no copy of the secret
  auto finish = [this, post, hash_now, key, rest]() -> Status {
    if (post) SANSTLS_TRY(send_finished13(c_, alg(), *key, hash_now(), post.get()));
    return rest ? rest() : Status();
  };
  SANSTLS_TRY(c_.send_handshake(HandshakeType::certificate, certificate13_body(request.context, ck.get()), post.get()));
  if (!ck) return finish();
  // `then` keeps `post` alive until an asynchronous key's answer.
  auto then = [this, finish] {
    c_.info().client_authenticated = true;
    return finish();
  };
  SANSTLS_TRY(send_certificate_verify13(c_, ck, false, scheme, hash_now(), post.get(), then));
  return ck->async ? Status() : then();
}

Result<State> Client13::handle(Connected& s, HandshakeType type, ByteView msg, ByteView body) {
  switch (type) {
    case HandshakeType::new_session_ticket:
      SANSTLS_TRY(on_new_session_ticket(body));
      break;
    case HandshakeType::certificate_request: {
      // Post-handshake authentication (RFC 8446 4.6.2), only when we offered it.
      if (!handshake_transcript_) return Error::unexpected("CertificateRequest without post_handshake_auth");
      // Each request costs a signature and a flight: bounded like KeyUpdates.
      SANSTLS_TRY(c_.peer_triggered("too many post-handshake CertificateRequests with no data in between"));
      Result<CertRequest> request = on_certificate_request(body, true);
      if (!request.ok()) return request.error();
      std::unique_ptr<crypto::Hash> h = handshake_transcript_->clone();
      h->update(msg);
      SANSTLS_TRY(send_client_auth(request.value(), client_ap_, std::move(h), nullptr));
      break;
    }
    default:
      return Error::unexpected("handshake message after the TLS 1.3 handshake");
  }
  return State(std::move(s));
}

Status Client13::on_new_session_ticket(ByteView body) {
  NewSessionTicket13 t;
  SANSTLS_TRY(decode_new_session_ticket13(body, &t));
  if (t.lifetime > 604800) return Error::illegal("NewSessionTicket: lifetime over 7 days");
  if (t.lifetime == 0) return Status();  // RFC 8446 4.6.1: discard
  Session s;
  s.version = version::tls13;
  s.cipher_suite = suite_->id;
  s.master_secret = tls13_resumption_psk(c_.provider(), alg(), res_master_, t.nonce);
  s.server_name = c_.info().server_name;
  s.alpn = c_.info().alpn;
  s.created_ms = c_.clock().now_ms();
  s.lifetime_s = std::min(t.lifetime, cfg_->max_session_lifetime_s);
  s.peer = session_peer_;
  s.peer.chain = c_.info().peer_chain;
  s.ticket = std::move(t.ticket);
  s.ticket_age_add = t.age_add;
  s.max_early_data = t.extensions.max_early_data_size.value_or(0);
  c_.set_session(std::move(s));
  c_.emit(Event::Type::session_ticket);
  return Status();
}

}  // namespace

Result<std::unique_ptr<Handshake>> start_client13(HandshakeContext& c, std::shared_ptr<const ClientConfig> cfg,
                                                  Connection::ClientOptions opts, ClientOffer offer,
                                                  const ServerHello& sh, size_t sh_msg_len) {
  auto h = std::make_unique<Client13>(c, std::move(cfg));
  Status s = h->begin(std::make_shared<Negotiation>(std::move(opts), std::move(offer)), sh, sh_msg_len);
  if (!s.ok()) return s.error();
  return std::unique_ptr<Handshake>(std::move(h));
}

}  // namespace sanstls
