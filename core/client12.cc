// The TLS 1.2 client (RFC 5246 7.3-7.4; RFC 7627, RFC 5746, RFC 7301, RFC 6066, RFC 7366, RFC 8449).
//
//   (the hello stage, hello_stage.cc, wrote the ClientHello and hands over the ServerHello)
//   ServerHello --(new session)--> ExpectCertificate -> [ExpectServerKeyExchange]
//       -> ExpectCertificateRequestOrDone -> [ExpectServerHelloDone]
//       -> (send [Certificate] ClientKeyExchange [CertificateVerify] CCS Finished)
//       -> ExpectChangeCipherSpec -> ExpectFinished -> Done
//   ServerHello --(resumed)--> ExpectChangeCipherSpec -> ExpectFinished
//       -> (send CCS Finished) -> Done
//   ExpectChangeCipherSpec also takes the NewSessionTicket the ServerHello announced (RFC 5077 3.3).
//
// One type per state, as in client13.cc: each state holds what only it and later states need, its
// handler consumes it and returns the next state, and the first thing each handler does is the gate
// that refuses a message wrong for the state (unexpected_message). A ChangeCipherSpec record goes
// through the same gates: only ExpectChangeCipherSpec accepts it. What the whole handshake needs (the
// offer, the randoms, the suite, the negotiated flags, the master secret) stays in Client12 (the part
// Server12 needs too in its Tls12Handshake base, tls12_keys.h).
#include <algorithm>
#include <optional>
#include <variant>

#include "core/hello_stage.h"
#include "core/tls12_keys.h"
#include "core/tls13_common.h"

namespace sanstls {
namespace {

using crypto::Group;

// What the ClientKeyExchange needs: the server's key (RSA key exchange), or our share and the server's
// public value ((EC)DHE, from the ServerKeyExchange).
struct ClientKx {
  std::unique_ptr<crypto::PublicKey> server_key;
  std::unique_ptr<crypto::KeyShare> share;
  Bytes peer_value;  // the server's ECDHE point or DH public value
};

struct ExpectCertificate {};
struct ExpectServerKeyExchange {
  std::unique_ptr<crypto::PublicKey> server_key;  // verifies the ServerKeyExchange
};
struct ExpectCertificateRequestOrDone {
  ClientKx kx;
};
struct ExpectServerHelloDone {
  ClientKx kx;
  CertificateRequest12 request;
};
struct ExpectChangeCipherSpec {
  std::optional<NewSessionTicket12> ticket;  // once received
};
struct ExpectFinished {
  std::optional<NewSessionTicket12> ticket;
};
struct Done {};  // finished: the connection drops this machine
using State = std::variant<ExpectCertificate, ExpectServerKeyExchange,
                           ExpectCertificateRequestOrDone, ExpectServerHelloDone, ExpectChangeCipherSpec,
                           ExpectFinished, Done>;

class Client12 final : public Handshake, Tls12Handshake {
 public:
  Client12(HandshakeContext& c, std::shared_ptr<const ClientConfig> cfg, Connection::ClientOptions opts,
           ClientOffer offer)
      : Tls12Handshake(c, *cfg, true), cfg_(std::move(cfg)), opts_(std::move(opts)), offer_(std::move(offer)) {
    client_random_ = offer_.random;
    if (!offer_.tls12_resumption) opts_.resume.reset();
  }

  // The ServerHello that chose TLS 1.2 (the transcript already has it).
  Status begin(const ServerHello& sh) {
    return enter(state_, on_server_hello(sh));
  }
  Status on_message(HandshakeType type, ByteView msg, ByteView body) override;
  Status on_change_cipher_spec() override;

  // The state handlers, called by advance() (tls13_common.h).
  Result<State> handle(ExpectCertificate&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectServerKeyExchange&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectCertificateRequestOrDone&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectServerHelloDone&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectChangeCipherSpec&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectFinished&, HandshakeType, ByteView, ByteView);
  Result<State> handle(Done&, HandshakeType, ByteView, ByteView) { return unexpected_message(); }
  Result<State> handle(ExpectChangeCipherSpec&, ChangeCipherSpecRecord);
  template <typename S>
  Result<State> handle(S&, ChangeCipherSpecRecord) {
    return Error::unexpected("ChangeCipherSpec unexpected in this state");
  }

 private:
  Result<State> on_server_hello(const ServerHello& sh);
  Result<State> send_second_flight(ClientKx& kx, const CertificateRequest12* request);
  Status send_certificate_verify_and_finish(uint16_t scheme, Bytes signature);
  Status finish_flight();
  void finish(const std::optional<NewSessionTicket12>& ticket);

  std::shared_ptr<const ClientConfig> cfg_;
  Connection::ClientOptions opts_;
  State state_ = Done{};
  bool expect_ticket_ = false;  // the server announced a NewSessionTicket
  ClientOffer offer_;  // what the ClientHello offered
};

Status Client12::on_message(HandshakeType type, ByteView msg, ByteView body) {
  // HelloRequest during the handshake is ignored (RFC 5246 7.4.1.1) and is not part of the transcript.
  if (type == HandshakeType::hello_request) return decode_hello_request(body);
  c_.add_transcript(msg);
  return advance(*this, state_, type, msg, body);
}

Status Client12::on_change_cipher_spec() { return advance(*this, state_, ChangeCipherSpecRecord{}); }

Result<State> Client12::on_server_hello(const ServerHello& sh) {
  if (sh.legacy_version != version::tls12 || !offer_.tls12)
    return Error::incompatible(AlertDescription::protocol_version, "server chose a version we did not offer");
  // RFC 8446 4.1.3: a server that speaks TLS 1.3 marks a downgrade to 1.2 in its random; when we
  // offered 1.3, that is an attack.
  if (offer_.tls13 && std::equal(sh.random.end() - 8, sh.random.end(), kDowngradeTls12))
    return Error::illegal("ServerHello: TLS 1.3 downgrade sentinel");
  // Check the suite and compression.
  suite_ = find_suite(sh.cipher_suite);
  if (suite_ == nullptr || suite_->is_tls13() || !contains(offer_.hello.cipher_suites, sh.cipher_suite))
    return Error::illegal("server chose a cipher suite that was not offered");
  if (sh.compression_method != 0) return Error::illegal("server chose compression");
  // Every extension in the ServerHello must answer one we sent (RFC 5246 7.4.1.4).
  const Extensions& e = sh.extensions;
  SANSTLS_TRY(check_offered(e, offer_.offered_exts));
  // key_share and pre_shared_key answer a TLS 1.3 offer only (RFC 8446 4.2): in a TLS 1.2 ServerHello
  // they answer nothing we asked for under TLS 1.2 (RFC 5246 7.4.1.4).
  if (e.key_share || e.psk_selected_identity)
    return Error::misbehaved(AlertDescription::unsupported_extension, "TLS 1.2 ServerHello: a TLS 1.3 extension");
  // RFC 5746 3.4: the server must answer with an empty renegotiation_info; a server that does not
  // support secure renegotiation is refused (as OpenSSL 3 does by default).
  if (!e.renegotiation_info) return Error::incompatible(AlertDescription::handshake_failure, "server does not support secure renegotiation");
  if (!e.renegotiation_info->empty()) return Error::misbehaved(AlertDescription::handshake_failure, "renegotiation_info not empty");
  if (e.ec_point_formats && !contains(*e.ec_point_formats, 0))
    return Error::illegal("server does not accept uncompressed points");
  SANSTLS_TRY(accept_alpn(*cfg_, e, &c_.info().alpn));
  ems_ = e.extended_master_secret;
  if (!ems_ && cfg_->require_extended_master_secret)
    return Error::incompatible(AlertDescription::handshake_failure, "server does not do extended_master_secret (RFC 7627)");
  etm_ = e.encrypt_then_mac && !suite_->is_aead();
  if (e.encrypt_then_mac && suite_->is_aead()) return Error::illegal("encrypt_then_mac with an AEAD suite");
  if (e.record_size_limit) peer_record_limit_ = *e.record_size_limit;
  server_random_ = sh.random;
  c_.set_version(false);

  // RFC 5077 3.2: a server that will send a NewSessionTicket says so with an empty session_ticket.
  expect_ticket_ = e.session_ticket.has_value();
  if (expect_ticket_ && !e.session_ticket->empty()) return Error::decode("ServerHello: session_ticket not empty");
  session_id_ = sh.session_id;
  // Resumption: the server echoes the session ID we offered (RFC 5246 7.4.1.3, RFC 5077 3.4).
  if (opts_.resume && !sh.session_id.empty() && sh.session_id == offer_.session_id) {
    if (sh.cipher_suite != opts_.resume->cipher_suite) return Error::illegal("resumed session with another suite");
    // RFC 7627 5.3: the EMS status must be the same as in the original session.
    if (ems_ != opts_.resume->extended_master_secret)
      return Error::misbehaved(AlertDescription::handshake_failure, "resumed session changes extended_master_secret");
    resuming_ = true;
    master_secret_ = opts_.resume->master_secret;
    // What the session's full handshake proved of the server (ClientConfig::may_resume let it be offered).
    c_.info().peer_chain = opts_.resume->peer.chain;
    SANSTLS_TRY(derive_keys());
    return State(ExpectChangeCipherSpec{});
  }
  return State(ExpectCertificate{});
}

Result<State> Client12::handle(ExpectCertificate&, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::certificate) return unexpected_message();
  CertificateMsg12 m;
  SANSTLS_TRY(decode_certificate12(body, &m));
  if (m.chain.empty()) return Error::misbehaved(AlertDescription::decode_error, "server sent no certificate");
  // RFC 5280 4.2.1.3 as RFC 5246 7.4.2 applies it: the key encrypts the premaster secret (RSA key
  // exchange) or signs the ServerKeyExchange.
  crypto::KeyUse use = suite_->kx == KeyExchange::rsa ? crypto::KeyUse::key_encipherment : crypto::KeyUse::digital_signature;
  Result<std::unique_ptr<crypto::PublicKey>> key = verify_server_chain(c_, *cfg_, opts_, m.chain, use);
  if (!key.ok()) return key.error();
  std::unique_ptr<crypto::PublicKey> server_key = key.take();
  const bool ec = crypto::is_ecdsa_key(server_key->type());
  if (suite_->server_key_is_ecdsa() ? !ec : server_key->type() != crypto::KeyType::rsa)
    return Error{ErrorKind::bad_certificate, AlertDescription::unsupported_certificate, "server key does not fit the suite"};
  // RFC 8422 5.1 (and 2): the server's ECDSA key is on a curve this client listed in supported_groups.
  if (ec && !contains(cfg_->groups, crypto::ecdsa_curve_group(server_key->type())))
    return Error::misbehaved(AlertDescription::illegal_parameter, "server's ECDSA key on a curve the client did not list");
  c_.info().peer_chain = std::move(m.chain);
  if (suite_->needs_server_key_exchange()) return State(ExpectServerKeyExchange{std::move(server_key)});
  return State(ExpectCertificateRequestOrDone{ClientKx{std::move(server_key), nullptr, Bytes()}});
}

Result<State> Client12::handle(ExpectServerKeyExchange& s, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::server_key_exchange) return unexpected_message();
  const bool dhe = suite_->kx == KeyExchange::dhe_rsa;
  ServerKeyExchangeEcdhe ec;
  ServerKeyExchangeDhe dh;
  SANSTLS_TRY(dhe ? decode_server_key_exchange_dhe(body, &dh) : decode_server_key_exchange_ecdhe(body, &ec));
  const Bytes params = dhe ? dhe_params(dh) : ecdhe_params(ec);
  const uint16_t scheme = dhe ? dh.sig_scheme : ec.sig_scheme;
  const ByteView sig = dhe ? dh.signature : ec.signature;
  // The signature must use a scheme we offered that fits the certificate's key.
  if (!contains(cfg_->signature_schemes, scheme) || !scheme_fits_key(scheme, s.server_key->type()))
    return Error::illegal("ServerKeyExchange: signature scheme not offered");
  Bytes signed_data = server_key_exchange_signed_data(client_random_, server_random_, params);
  if (s.server_key->verify(static_cast<crypto::SignatureScheme>(scheme), signed_data, sig) != crypto::Status::ok)
    return Error::misbehaved(AlertDescription::decrypt_error, "ServerKeyExchange: bad signature");
  c_.info().signature_scheme = scheme;

  ClientKx kx;  // the server's key has done its work
  if (dhe) {
    // Any group of at least 2048 bits; the value checks are the provider's.
    kx.share = c_.provider().generate_dh_share(dh.p, dh.g, 2048, c_.rng());
    if (!kx.share)
      return Error::incompatible(AlertDescription::insufficient_security, "DHE group too small or malformed");
    kx.peer_value = std::move(dh.ys);  // the decoded message is not used after this
    Bytes p, g;
    for (Group grp : {Group::ffdhe2048, Group::ffdhe3072, Group::ffdhe4096, Group::ffdhe6144, Group::ffdhe8192}) {
      c_.provider().ffdhe_params(grp, &p, &g);
      if (p == dh.p && g == dh.g) c_.info().group = static_cast<uint16_t>(grp);
    }
  } else {
    if (!contains(cfg_->groups, ec.group) || is_ffdhe(ec.group))  // FFDHE is not ECDHE
      return Error::illegal("ServerKeyExchange: group not offered");
    kx.share = c_.provider().generate_key_share(static_cast<Group>(ec.group), c_.rng());
    if (!kx.share) return Error::internal("key share");
    kx.peer_value = std::move(ec.public_key);  // the decoded message is not used after this
    c_.info().group = ec.group;
  }
  return State(ExpectCertificateRequestOrDone{std::move(kx)});
}

Result<State> Client12::handle(ExpectCertificateRequestOrDone& s, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::certificate_request && type != HandshakeType::server_hello_done)
    return unexpected_message();
  if (type == HandshakeType::certificate_request) {
    CertificateRequest12 request;
    SANSTLS_TRY(decode_certificate_request12(body, &request));
    return State(ExpectServerHelloDone{std::move(s.kx), std::move(request)});
  }
  SANSTLS_TRY(decode_server_hello_done(body));
  return send_second_flight(s.kx, nullptr);
}

Result<State> Client12::handle(ExpectServerHelloDone& s, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::server_hello_done) return unexpected_message();
  SANSTLS_TRY(decode_server_hello_done(body));
  return send_second_flight(s.kx, &s.request);
}

// `request`: the server's CertificateRequest, or null.
Result<State> Client12::send_second_flight(ClientKx& kx, const CertificateRequest12* request) {
  // Client certificate: ours when its key type was asked for and a scheme fits, else an empty one.
  std::shared_ptr<const CertifiedKey> ck;
  uint16_t cv_scheme = 0;
  if (request != nullptr) {
    const auto& mine = cfg_->client_certificate;
    if (mine) {
      uint8_t want = mine->type() == crypto::KeyType::rsa ? 1 /*rsa_sign*/ : 64 /*ecdsa_sign*/;
      bool type_ok = contains(request->certificate_types, want);
      cv_scheme = choose_scheme(cfg_->signature_schemes, &request->sig_schemes, mine->type());
      if (type_ok && cv_scheme != 0) ck = mine;
    }
    const std::vector<Bytes> no_chain;
    Bytes body = certificate12_body(ck ? ck->chain : no_chain);
    if (body.empty()) return Error::internal("handshake message too long");
    SANSTLS_TRY(c_.send_handshake(HandshakeType::certificate, body));
  }

  // ClientKeyExchange and the premaster secret.
  Bytes pms;
  WipeOnExit wipe_pms{pms};
  ClientKeyExchange cke;
  Bytes b;
  Writer w(&b);
  if (suite_->kx == KeyExchange::rsa) {
    if (kx.server_key->type() != crypto::KeyType::rsa) return Error::internal("RSA key exchange without an RSA key");
    pms.resize(48);
    pms[0] = 0x03;
    pms[1] = 0x03;  // the version we offered (RFC 5246 7.4.7.1)
    c_.rng().fill(pms.data() + 2, 46);
    if (kx.server_key->rsa_encrypt_pkcs1(pms, c_.rng(), &cke.exchange) != crypto::Status::ok)
      return Error::internal("RSA encryption failed");
    encode_client_key_exchange_rsa(cke, w);
  } else {
    crypto::Status st = kx.share->shared_secret(kx.peer_value, &pms);
    if (st == crypto::Status::bad_peer_value) return Error::illegal("ServerKeyExchange: bad public value");
    if (st != crypto::Status::ok) return Error::internal("key exchange failed");
    cke.exchange = kx.share->public_value().to_bytes();
    if (suite_->kx == KeyExchange::dhe_rsa) {
      strip_dh_leading_zeros(&pms);
      encode_client_key_exchange_dhe(cke, w);
    } else {
      encode_client_key_exchange_ecdhe(cke, w);
    }
  }
  kx.share.reset();
  if (!w.ok()) return Error::internal("ClientKeyExchange too long");
  SANSTLS_TRY(c_.send_handshake(HandshakeType::client_key_exchange, b));

  // The master secret; with EMS, over the transcript up to and including ClientKeyExchange.
  make_master_secret(pms);

  if (!ck) {
    SANSTLS_TRY(finish_flight());
  } else if (ck->async) {
    // The application signs the transcript (sign_request); the rest of the flight follows its answer.
    c_.await(sign_request(cfg_->client_certificate, cv_scheme, c_.transcript().to_bytes()),
             [this, cv_scheme](AsyncAnswer& a) -> Status {
               Result<Bytes> sig = signature_of(a);
               if (!sig.ok()) return sig.error();
               return send_certificate_verify_and_finish(cv_scheme, sig.take());
             });
  } else {
    Bytes signature;
    if (ck->key->sign(static_cast<crypto::SignatureScheme>(cv_scheme), c_.transcript(), c_.rng(), &signature) !=
        crypto::Status::ok)
      return Error::internal("signing CertificateVerify failed");
    SANSTLS_TRY(send_certificate_verify_and_finish(cv_scheme, std::move(signature)));
  }
  return State(ExpectChangeCipherSpec{});
}

Status Client12::send_certificate_verify_and_finish(uint16_t scheme, Bytes signature) {
  CertificateVerify cv;
  cv.sig_scheme = scheme;
  cv.signature = std::move(signature);
  SANSTLS_TRY(send_message(c_, HandshakeType::certificate_verify, cv, encode_certificate_verify));
  c_.info().client_authenticated = true;
  return finish_flight();
}

// The end of our flight: the keys, ChangeCipherSpec, Finished.
Status Client12::finish_flight() {
  SANSTLS_TRY(derive_keys());
  SANSTLS_TRY(c_.send_change_cipher_spec());
  return send_finished();
}

Result<State> Client12::handle(ExpectChangeCipherSpec& s, HandshakeType type, ByteView, ByteView body) {
  // RFC 5077 3.3: the NewSessionTicket comes before the server's ChangeCipherSpec.
  if (type != HandshakeType::new_session_ticket || !expect_ticket_ || s.ticket) return unexpected_message();
  NewSessionTicket12 ticket;
  SANSTLS_TRY(decode_new_session_ticket12(body, &ticket));
  s.ticket = std::move(ticket);
  return State(std::move(s));
}

Result<State> Client12::handle(ExpectChangeCipherSpec& s, ChangeCipherSpecRecord) {
  if (expect_ticket_ && !s.ticket) return Error::unexpected("ChangeCipherSpec before the announced NewSessionTicket");
  SANSTLS_TRY(c_.activate_pending_read());
  return State(ExpectFinished{std::move(s.ticket)});
}

Result<State> Client12::handle(ExpectFinished& s, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::finished) return unexpected_message();
  SANSTLS_TRY(check_finished(body));
  if (resuming_) {
    SANSTLS_TRY(c_.send_change_cipher_spec());
    SANSTLS_TRY(send_finished());
  }
  finish(s.ticket);
  return State(Done{});
}

void Client12::finish(const std::optional<NewSessionTicket12>& ticket) {
  complete(opts_.server_name);
  const HandshakeInfo& info = c_.info();
  // info.alpn is what this handshake's ServerHello said, resumed or not (RFC 7301 3.1).
  if (!session_id_.empty() || ticket) {
    Session s;
    s.version = version::tls12;
    s.cipher_suite = suite_->id;
    s.session_id = session_id_;
    s.master_secret = master_secret_;
    s.extended_master_secret = ems_;
    s.server_name = opts_.server_name;
    s.alpn = info.alpn;
    s.created_ms = resuming_ ? opts_.resume->created_ms : c_.clock().now_ms();
    s.lifetime_s = resuming_ ? opts_.resume->lifetime_s : std::min<uint32_t>(7200, cfg_->max_session_lifetime_s);
    // The resumed session is not read after this (the machine is dropped): its identity and ticket move.
    s.peer = resuming_ ? std::move(opts_.resume->peer) : server_identity(*cfg_, opts_, info.peer_chain);
    if (resuming_) s.ticket = std::move(opts_.resume->ticket);
    if (ticket && !ticket->ticket.empty()) {
      // A new ticket replaces the old one; its lifetime hint, when given, bounds the session, and our own
      // cap bounds the hint (a hint of 2^32-1 s would keep one master secret for 136 years).
      s.ticket = ticket->ticket;
      s.created_ms = c_.clock().now_ms();
      if (ticket->lifetime_hint != 0) s.lifetime_s = ticket->lifetime_hint;
      s.lifetime_s = std::min(s.lifetime_s, cfg_->max_session_lifetime_s);
    }
    c_.set_session(std::move(s));
  }
  c_.handshake_complete();  // the connection drops this object once on_message() has returned
}

}  // namespace

Result<std::unique_ptr<Handshake>> start_client12(HandshakeContext& c, std::shared_ptr<const ClientConfig> config,
                                                  Connection::ClientOptions options, ClientOffer offer,
                                                  const ServerHello& sh) {
  auto h = std::make_unique<Client12>(c, std::move(config), std::move(options), std::move(offer));
  Status s = h->begin(sh);
  if (!s.ok()) return s.error();
  return std::unique_ptr<Handshake>(std::move(h));
}

}  // namespace sanstls
