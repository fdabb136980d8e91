// The TLS 1.2 server (RFC 5246 7.3-7.4; RFC 7627, RFC 5746, RFC 7301, RFC 6066, RFC 7366, RFC 8449,
// RFC 7919).
//
//   (the hello stage, hello_stage.cc, read the ClientHello and chose TLS 1.2)
//   ClientHello --(new session)--> (send ServerHello Certificate [ServerKeyExchange]
//       [CertificateRequest] ServerHelloDone) -> [ExpectCertificate] -> ExpectClientKeyExchange
//       -> [ExpectCertificateVerify] -> ExpectChangeCipherSpec -> ExpectFinished
//       -> (send CCS Finished) -> Done
//   ClientHello --(session found)--> (send ServerHello CCS Finished) -> ExpectChangeCipherSpec
//       -> ExpectFinished -> Done
//
// One type per state, as in server13.cc: each state holds what only it and later states need, its
// handler consumes it and returns the next state, and the first thing each handler does is the gate
// that refuses a message wrong for the state (unexpected_message). A ChangeCipherSpec record goes
// through the same gates: only ExpectChangeCipherSpec accepts it. What the whole handshake needs (the
// randoms, the suite, the negotiated flags and names, the master secret) stays in Server12 (the part
// Client12 needs too in its Tls12Handshake base, tls12_keys.h).
#include <algorithm>
#include <functional>
#include <variant>

#include "core/hello_stage.h"
#include "core/tickets.h"
#include "core/tls12_keys.h"
#include "core/tls13_common.h"

namespace sanstls {
namespace {

using crypto::Group;

// What the ClientKeyExchange needs: our key (RSA key exchange) or our share ((EC)DHE).
struct ServerKx {
  std::shared_ptr<const CertifiedKey> cert;  // RSA key exchange: decrypts the premaster secret
  std::unique_ptr<crypto::KeyShare> share;   // (EC)DHE: the share our ServerKeyExchange sent
  uint16_t client_version = 0;               // RSA: the ClientHello's version, in the premaster secret
};

struct ExpectCertificate {  // we sent a CertificateRequest
  ServerKx kx;
};
struct ExpectClientKeyExchange {
  ServerKx kx;
  std::unique_ptr<crypto::PublicKey> client_key;  // from a non-empty client Certificate
};
struct ExpectCertificateVerify {
  std::unique_ptr<crypto::PublicKey> client_key;
};
struct ExpectChangeCipherSpec {};
struct ExpectFinished {};
struct Done {};  // finished: the connection drops this machine
using State = std::variant<ExpectCertificate, ExpectClientKeyExchange, ExpectCertificateVerify,
                           ExpectChangeCipherSpec, ExpectFinished, Done>;

// What choose() picked for a new session besides the suite.
struct Choice {
  std::shared_ptr<const CertifiedKey> cert;
  uint16_t ske_scheme = 0;  // signs the ServerKeyExchange
  uint16_t group = 0;       // (EC)DHE
  bool sni_used = false;    // the certificate was chosen by the server name
};

class Server12 final : public Handshake, Tls12Handshake {
 public:
  Server12(HandshakeContext& c, std::shared_ptr<const ServerConfig> cfg)
      : Tls12Handshake(c, *cfg, false), cfg_(std::move(cfg)) {}

  // The ClientHello that chose TLS 1.2 (the transcript already has it); `have13`: this server speaks
  // TLS 1.3 too (the downgrade sentinel, RFC 8446 4.1.3; the fallback SCSV, RFC 7507).
  Status begin(const ClientHello& ch, bool have13) {
    return enter(state_, on_client_hello(ch, have13));
  }
  Status on_message(HandshakeType type, ByteView msg, ByteView body) override;
  Status on_change_cipher_spec() override;

  // The state handlers, called by advance() (tls13_common.h).
  Result<State> handle(ExpectCertificate&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectClientKeyExchange&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectCertificateVerify&, HandshakeType, ByteView, ByteView);
  Result<State> handle(ExpectChangeCipherSpec&, HandshakeType, ByteView, ByteView) { return unexpected_message(); }
  Result<State> handle(ExpectFinished&, HandshakeType, ByteView, ByteView);
  Result<State> handle(Done&, HandshakeType, ByteView, ByteView) { return unexpected_message(); }
  Result<State> handle(ExpectChangeCipherSpec&, ChangeCipherSpecRecord);
  template <typename S>
  Result<State> handle(S&, ChangeCipherSpecRecord) {
    return Error::unexpected("ChangeCipherSpec unexpected in this state");
  }

 private:
  Result<State> on_client_hello(const ClientHello& ch, bool have13);
  bool try_resume(const ClientHello& ch, Session* resumed);
  Status choose(const ClientHello& ch, Choice* choice);
  Status send_server_hello(const ClientHello& ch, bool sni_used);
  Result<State> send_resumed_flight(const ClientHello& ch, const Session& resumed);
  Result<State> send_full_flight(const ClientHello& ch, const Choice& choice);
  Result<State> finish_full_flight(ServerKx kx);
  // After the ClientKeyExchange's premaster secret: the keys.
  Result<State> on_premaster(Bytes* pms, std::unique_ptr<crypto::PublicKey> client_key);
  Status send_ticket(const Session* resumed);
  // What a new session records of the client: the chain it proved in this handshake, if any.
  PeerIdentity client_identity() const {
    return c_.info().client_authenticated ? cfg_->client_identity(c_.info().peer_chain) : PeerIdentity();
  }

  std::shared_ptr<const ServerConfig> cfg_;
  State state_ = Done{};
  bool issue_ticket_ = false;  // the client asked for a ticket (RFC 5077) and we issue one
  std::string server_name_;
  std::string alpn_;
  ServerKx held_kx_;  // while an asynchronous key signs the ServerKeyExchange
  std::unique_ptr<crypto::PublicKey> held_client_key_;  // while an asynchronous key decrypts the premaster
};

Status Server12::on_message(HandshakeType type, ByteView msg, ByteView body) {
  // The transcript for CertificateVerify and Finished excludes the message itself: their handlers
  // take it off again.
  c_.add_transcript(msg);
  return advance(*this, state_, type, msg, body);
}

Status Server12::on_change_cipher_spec() { return advance(*this, state_, ChangeCipherSpecRecord{}); }

Result<State> Server12::on_client_hello(const ClientHello& ch, bool have13) {
  if (cfg_->min_version > version::tls12)
    return Error::incompatible(AlertDescription::protocol_version, "client does not offer TLS 1.3");
  // SSL 3.0, TLS 1.0 and 1.1 are refused on purpose (RFC 8996).
  // RFC 8446 4.2.1: with supported_versions, legacy_version plays no part in the negotiation.
  if (ch.legacy_version < version::tls12 && !ch.extensions.supported_versions)
    return Error::incompatible(AlertDescription::protocol_version, "client offers only TLS 1.1 or older");
  if (ch.extensions.supported_versions && !contains(*ch.extensions.supported_versions, version::tls12))
    return Error::incompatible(AlertDescription::protocol_version, "client does not offer TLS 1.2");
  // RFC 7507 3: a client retrying with a lower version says so with TLS_FALLBACK_SCSV; we speak TLS 1.3,
  // so the retry is a downgrade (by an attacker or a broken middlebox) and is refused.
  if (have13 && contains(ch.cipher_suites, suite::TLS_FALLBACK_SCSV))
    return Error::incompatible(AlertDescription::inappropriate_fallback, "TLS_FALLBACK_SCSV: the client fell back from TLS 1.3");
  if (!contains(ch.compression_methods, 0))
    return Error::illegal("ClientHello without null compression");
  const Extensions& e = ch.extensions;
  // RFC 5746 3.6: the initial handshake's renegotiation_info is empty (send_server_hello answers it).
  if (e.renegotiation_info && !e.renegotiation_info->empty())
    return Error::misbehaved(AlertDescription::handshake_failure, "renegotiation_info not empty");
  if (e.ec_point_formats && !contains(*e.ec_point_formats, 0))
    return Error::illegal("client does not accept uncompressed points");
  client_random_ = ch.random;
  if (e.server_name) server_name_ = *e.server_name;
  if (e.record_size_limit) peer_record_limit_ = *e.record_size_limit;
  SANSTLS_TRY(choose_alpn(*cfg_, e, &alpn_));
  ems_ = e.extended_master_secret && cfg_->extended_master_secret;
  if (!ems_ && cfg_->require_extended_master_secret)
    return Error::incompatible(AlertDescription::handshake_failure, "client does not do extended_master_secret (RFC 7627)");
  c_.rng().fill(server_random_.data(), server_random_.size());
  // RFC 8446 4.1.3: a server that speaks TLS 1.3 marks a TLS 1.2 handshake in its random.
  if (have13) std::copy(kDowngradeTls12, kDowngradeTls12 + 8, server_random_.end() - 8);
  c_.set_version(false);

  Session resumed;
  if (try_resume(ch, &resumed)) {
    if (resumed.extended_master_secret && !e.extended_master_secret)
      return Error::misbehaved(AlertDescription::handshake_failure, "resumption without extended_master_secret");
    return send_resumed_flight(ch, resumed);
  }
  Choice choice;
  SANSTLS_TRY(choose(ch, &choice));
  return send_full_flight(ch, choice);
}

// A session to resume, from the ticket (what resumption reads of it) or the session cache; sets the
// suite, the master secret and the flags when there is one.
bool Server12::try_resume(const ClientHello& ch, Session* resumed) {
  Session s;
  uint64_t now = c_.clock().now_ms();
  const std::optional<Bytes>& ticket = ch.extensions.session_ticket;
  issue_ticket_ = ticket.has_value() && cfg_->tickets && cfg_->session_lifetime_s > 0;
  bool found = false;
  if (ticket && !ticket->empty() && cfg_->tickets) {
    // RFC 5077 3.4: a valid ticket resumes; the ServerHello echoes the client's session ID.
    std::shared_ptr<Ticketer> ring = cfg_->tickets_ring(now);
    TicketState t;
    if (ring && open_ticket(*ring, *ticket, now, &t) && t.version == version::tls12 && !t.expired(now) &&
        t.secret.size() == 48) {
      s.cipher_suite = t.cipher_suite;
      s.session_id = ch.session_id;
      s.master_secret = t.secret;
      s.extended_master_secret = t.extended_master_secret;
      s.server_name = t.server_name;
      s.created_ms = t.created_ms;
      s.peer = t.client;
      found = true;
    }
  }
  if (!found && (ch.session_id.empty() || !cfg_->session_cache || !cfg_->session_cache->get(ch.session_id, now, &s)))
    return false;
  // RFC 7627 5.3: a session without EMS is not resumed (a full handshake follows, whether the client
  // offers EMS now or not), unless this server does not do EMS at all; the reverse case (a session
  // with EMS, a client without) is refused by the caller.
  if (!s.extended_master_secret && cfg_->extended_master_secret) return false;
  if (s.server_name != server_name_) return false;  // RFC 6066 3
  if (!contains(ch.cipher_suites, s.cipher_suite) || !contains(cfg_->cipher_suites, s.cipher_suite)) return false;
  // The client's identity: resumed only under a config that would have accepted the proof (and the
  // connection reports it); otherwise a full handshake asks again. ALPN is not compared: it belongs to
  // the connection (RFC 7301 3.1), and this handshake negotiated its own.
  PeerIdentity client;
  if (!cfg_->resumed_identity(s.peer, &client)) return false;
  suite_ = find_suite(s.cipher_suite);
  if (suite_ == nullptr) return false;
  resuming_ = true;
  c_.info().peer_chain = client.chain;
  c_.info().client_authenticated = client.proven();
  s.peer = std::move(client);
  session_id_ = s.session_id;
  master_secret_ = s.master_secret;
  ems_ = s.extended_master_secret;
  etm_ = !suite_->is_aead() && ch.extensions.encrypt_then_mac && cfg_->encrypt_then_mac;
  *resumed = std::move(s);
  return true;
}

Status Server12::choose(const ClientHello& ch, Choice* choice) {
  const Extensions& e = ch.extensions;
  // The certificate: one whose name matches the SNI when there is one, else the first.
  std::vector<std::shared_ptr<const CertifiedKey>> candidates;
  SANSTLS_TRY(sni_candidates(*cfg_, server_name_, &candidates, &choice->sni_used));

  const std::vector<uint16_t>* peer_schemes = e.signature_algorithms ? &*e.signature_algorithms : nullptr;
  const std::vector<uint16_t> client_groups = e.supported_groups.value_or(std::vector<uint16_t>());
  bool client_lists_ffdhe = std::any_of(client_groups.begin(), client_groups.end(), is_ffdhe);
  bool ffdhe_refused = false;  // a DHE suite had its certificate and failed only on the group
  bool scheme_refused = false;  // a suite had its certificate and no signature scheme fit it

  const std::vector<uint16_t>& first = cfg_->prefer_server_order ? cfg_->cipher_suites : ch.cipher_suites;
  const std::vector<uint16_t>& second = cfg_->prefer_server_order ? ch.cipher_suites : cfg_->cipher_suites;
  for (uint16_t id : first) {
    if (!contains(second, id)) continue;
    const CipherSuite* s = find_suite(id);
    if (s == nullptr || s->is_tls13()) continue;
    // A certificate of the right key type, and (for signed key exchanges) a scheme the client accepts.
    std::shared_ptr<const CertifiedKey> ck;
    uint16_t scheme = 0;
    // RFC 5280 4.2.1.3: the key encrypts the premaster secret (RSA key exchange) or signs.
    crypto::KeyUse use = s->kx == KeyExchange::rsa ? crypto::KeyUse::key_encipherment : crypto::KeyUse::digital_signature;
    for (const auto& c : candidates) {
      bool ec = c->type() != crypto::KeyType::rsa;
      if (ec != s->server_key_is_ecdsa()) continue;
      // RFC 8422 5.1.1, 5.3: supported_groups also names the curves the client accepts in the server's
      // ECDSA certificate (OpenSSL's client aborts otherwise).
      if (ec && e.supported_groups && !contains(client_groups, crypto::ecdsa_curve_group(c->type()))) continue;
      if (c->leaf && !c->leaf->allows_key_use(use)) continue;
      if (s->needs_server_key_exchange()) {
        scheme = choose_scheme(cfg_->signature_schemes, peer_schemes, c->type());
        if (scheme == 0) {
          scheme_refused = true;
          continue;
        }
      }
      ck = c;
      break;
    }
    if (!ck) continue;
    uint16_t group = 0;
    if (s->kx != KeyExchange::rsa) {  // our first group of the suite's kind that the client takes
      const bool dhe = s->kx == KeyExchange::dhe_rsa;
      auto usable = [&](uint16_t g) {
        if (is_ffdhe(g) != dhe) return false;
        // RFC 7919 4: a client that lists FFDHE groups gets one of them, or no DHE suite.
        if (dhe) return !client_lists_ffdhe || contains(client_groups, g);
        // No supported_groups: RFC 8422 5.1.1 lets the server pick; P-256 is what everyone has.
        return e.supported_groups ? contains(client_groups, g) : g == static_cast<uint16_t>(Group::secp256r1);
      };
      auto it = std::find_if(cfg_->groups.begin(), cfg_->groups.end(), usable);
      if (it == cfg_->groups.end()) {
        ffdhe_refused = ffdhe_refused || (dhe && client_lists_ffdhe);
        continue;
      }
      group = *it;
    }
    suite_ = s;
    choice->cert = ck;
    choice->ske_scheme = scheme;
    choice->group = group;
    break;
  }
  if (suite_ == nullptr) {
    // RFC 7919 4: a client that listed FFDHE groups, none of them acceptable, and no other suite left:
    // insufficient_security, when the groups were what failed (a DHE suite had its certificate).
    if (ffdhe_refused) return Error::incompatible(AlertDescription::insufficient_security, "no FFDHE group in common");
    // RFC 5246 7.4.1.4.1: the client's signature_algorithms left no scheme for a certificate that
    // would otherwise serve (e.g. only SHA-224 or SHA-1 ones, which sanstls does not sign with).
    if (scheme_refused)
      return Error::incompatible(AlertDescription::handshake_failure, "no signature scheme in common for a certificate");
    return Error::incompatible(AlertDescription::handshake_failure, "no cipher suite in common");
  }
  etm_ = !suite_->is_aead() && e.encrypt_then_mac && cfg_->encrypt_then_mac;
  if (cfg_->session_cache) {
    session_id_.resize(32);
    c_.rng().fill(session_id_.data(), session_id_.size());
  }
  return Status();
}

Status Server12::send_server_hello(const ClientHello& ch, bool sni_used) {
  ServerHello sh;
  sh.legacy_version = version::tls12;
  sh.random = server_random_;
  sh.session_id = session_id_;
  sh.cipher_suite = suite_->id;
  sh.compression_method = 0;
  sh.has_extensions = true;
  Extensions& e = sh.extensions;
  // RFC 5746 3.6: the SCSV or an (empty) renegotiation_info marks a client that supports it.
  if (ch.extensions.renegotiation_info || contains(ch.cipher_suites, 0x00ff)) e.renegotiation_info = Bytes();
  e.extended_master_secret = ems_;
  e.encrypt_then_mac = etm_;
  if (!alpn_.empty()) e.alpn = std::vector<std::string>{alpn_};
  if (sni_used) e.server_name = std::string();
  if ((suite_->kx == KeyExchange::ecdhe_rsa || suite_->kx == KeyExchange::ecdhe_ecdsa) && ch.extensions.ec_point_formats)
    e.ec_point_formats = Bytes{0};
  if (peer_record_limit_ != 0 && cfg_->record_size_limit != 0) e.record_size_limit = cfg_->record_size_limit;
  if (issue_ticket_) e.session_ticket = Bytes();
  return send_message(c_, HandshakeType::server_hello, sh, encode_server_hello);
}

Result<State> Server12::send_resumed_flight(const ClientHello& ch, const Session& resumed) {
  SANSTLS_TRY(send_server_hello(ch, false));
  c_.info().alpn = alpn_;
  SANSTLS_TRY(derive_keys());
  SANSTLS_TRY(send_ticket(&resumed));
  SANSTLS_TRY(c_.send_change_cipher_spec());
  SANSTLS_TRY(send_finished());
  return State(ExpectChangeCipherSpec{});
}

Result<State> Server12::send_full_flight(const ClientHello& ch, const Choice& choice) {
  SANSTLS_TRY(send_server_hello(ch, choice.sni_used));
  const CertifiedKey& cert = *choice.cert;
  ServerKx kx;
  if (suite_->kx == KeyExchange::rsa) {
    kx.cert = choice.cert;
    kx.client_version = ch.legacy_version;
  }

  Bytes cert_body = certificate12_body(cert.chain);
  if (cert_body.empty()) return Error::internal("handshake message too long");
  SANSTLS_TRY(c_.send_handshake(HandshakeType::certificate, cert_body));

  if (suite_->needs_server_key_exchange()) {
    // The ServerKeyExchange, around its signature (made at once, or later by an asynchronous key).
    kx.share = c_.provider().generate_key_share(static_cast<Group>(choice.group), c_.rng());
    if (!kx.share) return Error::internal("key share");
    auto sender = [this, &choice](auto m, void (*encode)(const decltype(m)&, Writer&)) -> std::function<Status(Bytes)> {
      m.sig_scheme = choice.ske_scheme;
      return [this, m = std::move(m), encode](Bytes signature) mutable -> Status {
        m.signature = std::move(signature);
        return send_message(c_, HandshakeType::server_key_exchange, m, encode);
      };
    };
    std::function<Status(Bytes)> send_ske;
    Bytes params;
    if (suite_->kx == KeyExchange::dhe_rsa) {
      ServerKeyExchangeDhe dh;
      c_.provider().ffdhe_params(static_cast<Group>(choice.group), &dh.p, &dh.g);
      dh.ys = kx.share->public_value().to_bytes();
      params = dhe_params(dh);
      send_ske = sender(std::move(dh), encode_server_key_exchange_dhe);
    } else {
      ServerKeyExchangeEcdhe ec;
      ec.group = choice.group;
      ec.public_key = kx.share->public_value().to_bytes();
      params = ecdhe_params(ec);
      send_ske = sender(std::move(ec), encode_server_key_exchange_ecdhe);
    }
    c_.info().group = choice.group;
    c_.info().signature_scheme = choice.ske_scheme;
    Bytes signed_data = server_key_exchange_signed_data(client_random_, server_random_, params);
    if (cert.async) {
      // The application signs (sign_request); Certificate goes out now, the rest after its answer.
      held_kx_ = std::move(kx);
      c_.await(sign_request(choice.cert, choice.ske_scheme, std::move(signed_data)),
               [this, send_ske](AsyncAnswer& a) -> Status {
                 Result<Bytes> sig = signature_of(a);
                 if (!sig.ok()) return sig.error();
                 SANSTLS_TRY(send_ske(sig.take()));
                 return enter(state_, finish_full_flight(std::move(held_kx_)));
               });
      return State(Done{});  // a placeholder: no message is processed until the answer
    }
    Bytes signature;
    if (cert.key->sign(static_cast<crypto::SignatureScheme>(choice.ske_scheme), signed_data, c_.rng(), &signature) !=
        crypto::Status::ok)
      return Error::internal("signing ServerKeyExchange failed");
    SANSTLS_TRY(send_ske(std::move(signature)));
  }
  return finish_full_flight(std::move(kx));
}

// The end of a full handshake's flight, after the ServerKeyExchange: [CertificateRequest] ServerHelloDone.
Result<State> Server12::finish_full_flight(ServerKx kx) {
  if (cfg_->client_auth != ClientAuth::none) {
    CertificateRequest12 cr;
    cr.certificate_types = {1 /*rsa_sign*/, 64 /*ecdsa_sign*/};
    cr.sig_schemes = cfg_->signature_schemes;
    SANSTLS_TRY(send_message(c_, HandshakeType::certificate_request, cr, encode_certificate_request12));
  }
  SANSTLS_TRY(c_.send_handshake(HandshakeType::server_hello_done, Bytes()));
  c_.info().alpn = alpn_;
  if (cfg_->client_auth != ClientAuth::none) return State(ExpectCertificate{std::move(kx)});
  return State(ExpectClientKeyExchange{std::move(kx), nullptr});
}

Result<State> Server12::handle(ExpectCertificate& s, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::certificate) return unexpected_message();
  CertificateMsg12 m;
  SANSTLS_TRY(decode_certificate12(body, &m));
  if (m.chain.empty()) {
    // RFC 5246 7.4.6: a server that requires a certificate may answer an empty one with handshake_failure.
    if (cfg_->client_auth == ClientAuth::required)
      return Error{ErrorKind::bad_certificate, AlertDescription::handshake_failure, "client sent no certificate"};
    return State(ExpectClientKeyExchange{std::move(s.kx), nullptr});
  }
  Result<std::unique_ptr<crypto::PublicKey>> client_key = verify_client_chain(c_, *cfg_, m.chain);
  if (!client_key.ok()) return client_key.error();
  c_.info().peer_chain = std::move(m.chain);
  return State(ExpectClientKeyExchange{std::move(s.kx), client_key.take()});
}

Result<State> Server12::handle(ExpectClientKeyExchange& s, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::client_key_exchange) return unexpected_message();
  ClientKeyExchange cke;
  Bytes pms;
  WipeOnExit wipe_pms{pms};
  if (suite_->kx == KeyExchange::rsa) {
    SANSTLS_TRY(decode_client_key_exchange_rsa(body, &cke));
    pms.resize(48);
    // RFC 5246 7.4.7.1: on any failure go on with a random premaster secret; never tell which. A
    // ciphertext of the wrong length is one more malformed premaster: the handshake then fails at the
    // client's Finished like every other, not here with an alert of its own.
    if (s.kx.cert->async) {
      // The application decrypts (decrypt_request); its answer must keep RFC 5246 7.4.7.1's rule too.
      AsyncRequest req;
      req.type = Event::Type::decrypt_request;
      req.certificate = s.kx.cert;
      req.data = cke.exchange;
      req.client_version = s.kx.client_version;
      held_client_key_ = std::move(s.client_key);
      c_.await(std::move(req), [this](AsyncAnswer& a) -> Status {
        if (!a.bytes || a.bytes->size() != 48) return Error::internal("the application's RSA decryption failed");
        Bytes premaster = std::move(*a.bytes);
        WipeOnExit wipe{premaster};
        secure_zero(*a.bytes);
        return enter(state_, on_premaster(&premaster, std::move(held_client_key_)));
      });
      return State(Done{});  // a placeholder: no message is processed until the answer
    }
    crypto::Status st = s.kx.cert->key->rsa_decrypt_premaster(cke.exchange, s.kx.client_version, c_.rng(), pms.data());
    if (st == crypto::Status::bad_input) {
      c_.rng().fill(pms.data(), pms.size());
    } else if (st != crypto::Status::ok) {
      return Error::internal("RSA premaster decryption failed");
    }
  } else {
    const bool dhe = suite_->kx == KeyExchange::dhe_rsa;
    SANSTLS_TRY(dhe ? decode_client_key_exchange_dhe(body, &cke) : decode_client_key_exchange_ecdhe(body, &cke));
    // TLS 1.2 clients (GnuTLS among them) send dh_Yc without leading zero bytes; the named-group share
    // wants exactly the length of p, so left-pad a shorter value (its integer value is unchanged).
    size_t p_len = s.kx.share->public_value().size();
    if (dhe && !cke.exchange.empty() && cke.exchange.size() < p_len)
      cke.exchange.insert(cke.exchange.begin(), p_len - cke.exchange.size(), uint8_t{0});
    crypto::Status st = s.kx.share->shared_secret(cke.exchange, &pms);
    if (st == crypto::Status::bad_peer_value) return Error::illegal("ClientKeyExchange: bad public value");
    if (st != crypto::Status::ok) return Error::internal("key exchange failed");
    if (dhe) strip_dh_leading_zeros(&pms);
    s.kx.share.reset();
  }
  return on_premaster(&pms, std::move(s.client_key));
}

Result<State> Server12::on_premaster(Bytes* pms, std::unique_ptr<crypto::PublicKey> client_key) {
  make_master_secret(*pms);
  secure_zero(*pms);
  SANSTLS_TRY(derive_keys());
  if (client_key) return State(ExpectCertificateVerify{std::move(client_key)});
  return State(ExpectChangeCipherSpec{});
}

Result<State> Server12::handle(ExpectCertificateVerify& s, HandshakeType type, ByteView msg, ByteView body) {
  if (type != HandshakeType::certificate_verify) return unexpected_message();
  ByteView transcript(c_.transcript().data(), c_.transcript_size() - msg.size());  // up to this message
  CertificateVerify cv;
  SANSTLS_TRY(decode_certificate_verify(body, &cv));
  if (!contains(cfg_->signature_schemes, cv.sig_scheme) || !scheme_fits_key(cv.sig_scheme, s.client_key->type()))
    return Error::illegal("CertificateVerify: signature scheme not offered");
  if (s.client_key->verify(static_cast<crypto::SignatureScheme>(cv.sig_scheme), transcript, cv.signature) !=
      crypto::Status::ok)
    return Error::misbehaved(AlertDescription::decrypt_error, "CertificateVerify: bad signature");
  c_.info().client_authenticated = true;
  return State(ExpectChangeCipherSpec{});
}

// `resumed`: the session being resumed (the ticket keeps its creation time), or null.
Status Server12::send_ticket(const Session* resumed) {
  if (!issue_ticket_) return Status();
  uint64_t now = c_.clock().now_ms();
  std::shared_ptr<Ticketer> ring = cfg_->tickets_ring(now);
  TicketState t;
  t.version = version::tls12;
  t.cipher_suite = suite_->id;
  t.secret = master_secret_;
  t.extended_master_secret = ems_;
  t.server_name = server_name_;
  t.alpn = alpn_;
  t.created_ms = resumed != nullptr ? resumed->created_ms : now;
  t.lifetime_s = cfg_->session_lifetime_s;
  t.client = resumed != nullptr ? resumed->peer : client_identity();
  NewSessionTicket12 m;
  m.lifetime_hint = cfg_->session_lifetime_s;
  // An empty ticket says "none this time" (RFC 5077 3.3) when sealing fails.
  if (ring) m.ticket = seal_ticket(*ring, t, now, c_.rng());
  return send_message(c_, HandshakeType::new_session_ticket, m, encode_new_session_ticket12);
}

Result<State> Server12::handle(ExpectChangeCipherSpec&, ChangeCipherSpecRecord) {
  SANSTLS_TRY(c_.activate_pending_read());
  return State(ExpectFinished{});
}

Result<State> Server12::handle(ExpectFinished&, HandshakeType type, ByteView, ByteView body) {
  if (type != HandshakeType::finished) return unexpected_message();
  SANSTLS_TRY(check_finished(body));
  if (!resuming_) {
    SANSTLS_TRY(send_ticket(nullptr));
    SANSTLS_TRY(c_.send_change_cipher_spec());
    SANSTLS_TRY(send_finished());
    if (cfg_->session_cache && !session_id_.empty()) {
      Session s;
      s.version = version::tls12;
      s.cipher_suite = suite_->id;
      s.session_id = session_id_;
      s.master_secret = master_secret_;
      s.extended_master_secret = ems_;
      s.server_name = server_name_;
      s.alpn = alpn_;
      s.created_ms = c_.clock().now_ms();
      s.lifetime_s = cfg_->session_lifetime_s;
      s.peer = client_identity();
      cfg_->session_cache->put(s);
    }
  }
  complete(server_name_);
  c_.handshake_complete();
  return State(Done{});
}

}  // namespace

Result<std::unique_ptr<Handshake>> start_server12(HandshakeContext& c, std::shared_ptr<const ServerConfig> config,
                                                  const ClientHello& ch, bool have13) {
  auto h = std::make_unique<Server12>(c, std::move(config));
  Status s = h->begin(ch, have13);
  if (!s.ok()) return s.error();
  return std::unique_ptr<Handshake>(std::move(h));
}

}  // namespace sanstls
