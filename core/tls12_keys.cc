#include "core/tls12_keys.h"

#include <algorithm>

#include "core/handshake_context.h"
#include "core/tls13_common.h"

namespace sanstls {

using crypto::SignatureScheme;

void Tls12Handshake::make_master_secret(ByteView pms) {
  // Straight into master_secret_ (no vector for the result, no std::string for the label); empty when
  // the PRF fails, as before.
  master_secret_.resize(48);
  bool ok;
  if (ems_) {
    ok = crypto::tls12_prf_into(c_.provider(), suite_->prf_hash, pms, ByteView::of("extended master secret"),
                                c_.transcript_hash(suite_->prf_hash), master_secret_.data(), master_secret_.size());
  } else {
    uint8_t seed[2 * kRandomLength];  // client_random + server_random (RFC 5246 8.1)
    std::copy(client_random_.begin(), client_random_.end(), seed);
    std::copy(server_random_.begin(), server_random_.end(), seed + kRandomLength);
    ok = crypto::tls12_prf_into(c_.provider(), suite_->prf_hash, pms, ByteView::of("master secret"),
                                ByteView(seed, sizeof seed), master_secret_.data(), master_secret_.size());
  }
  if (!ok) {
    secure_zero(master_secret_);
    master_secret_.clear();
  }
}

Result<Tls12Keys> tls12_record_keys(const crypto::Provider& p, const CipherSuite& suite, ByteView ms,
                                    const Random& cr, const Random& sr, bool etm, crypto::Rng& rng,
                                    size_t client_write_max, size_t server_write_max) {
  uint8_t seed[2 * kRandomLength];  // server_random + client_random (RFC 5246 6.3)
  std::copy(sr.begin(), sr.end(), seed);
  std::copy(cr.begin(), cr.end(), seed + kRandomLength);
  size_t mk = suite.mac_key_len, k = suite.key_len, iv = suite.fixed_iv_len;
  // The key block on the stack (wiped below): at most two SHA-384 MAC keys, 256-bit keys and 16-byte IVs.
  uint8_t key_block[2 * (48 + 32 + 16)];
  const size_t block_len = 2 * (mk + k + iv);
  if (block_len > sizeof key_block ||
      !crypto::tls12_prf_into(p, suite.prf_hash, ms, ByteView::of("key expansion"), ByteView(seed, sizeof seed),
                              key_block, block_len)) {
    secure_zero(key_block, sizeof key_block);
    return Error::internal("TLS 1.2 key derivation failed");
  }
  const ByteView block(key_block, block_len);
  // The block is client MAC key, server MAC key, client key, server key, client IV, server IV; side 0 is
  // the client's, 1 the server's.
  auto make = [&](size_t side, size_t max) -> Result<RecordProtection> {
    const ByteView b = block, mac = b.sub(side * mk, mk), key = b.sub(2 * mk + side * k, k);
    const ByteView fixed_iv = b.sub(2 * (mk + k) + side * iv, iv);
    crypto::AeadAlg aead;
    if (!suite.aead(&aead)) return RecordProtection::tls12_cbc(p, key, suite.mac_hash, mac, etm, rng, max);
    // GCM and CCM share the nonce and additional data of RFC 5288 (RFC 6655 3).
    if (aead != crypto::AeadAlg::chacha20_poly1305) return RecordProtection::tls12_gcm(p, aead, key, fixed_iv, max);
    return RecordProtection::tls12_chacha20_poly1305(p, key, fixed_iv, max);
  };
  Result<RecordProtection> cw = make(0, client_write_max);
  Result<RecordProtection> sw = make(1, server_write_max);
  secure_zero(key_block, sizeof key_block);
  if (!cw.ok()) return cw.error();
  if (!sw.ok()) return sw.error();
  return Tls12Keys{std::move(cw.value()), std::move(sw.value())};
}

bool Tls12Handshake::finished(bool client, ByteView transcript_hash,
                              std::array<uint8_t, kFinishedLength12>* out) const {
  return crypto::tls12_prf_into(c_.provider(), suite_->prf_hash, master_secret_,
                                ByteView::of(client ? "client finished" : "server finished"), transcript_hash,
                                out->data(), out->size());
}

Status Tls12Handshake::send_finished() {
  // The body is the verify_data itself, sent from the stack (empty if the PRF failed, as before).
  std::array<uint8_t, kFinishedLength12> verify_data;
  bool ok = finished(client_, c_.transcript_hash(suite_->prf_hash), &verify_data);
  return c_.send_handshake(HandshakeType::finished, ok ? ByteView(verify_data.data(), verify_data.size()) : ByteView());
}

Status Tls12Handshake::check_finished(ByteView body) {
  size_t msg_len = kHandshakeHeaderLength + body.size();
  ByteView received;
  SANSTLS_TRY(decode_finished(body, kFinishedLength12, &received));
  std::array<uint8_t, kFinishedLength12> expected;
  bool ok = finished(!client_, c_.transcript_hash(suite_->prf_hash, c_.transcript_size() - msg_len), &expected);
  if (!ok || !constant_time_equal(ByteView(expected.data(), expected.size()), received))
    return Error::misbehaved(AlertDescription::decrypt_error,
                             client_ ? "server Finished does not verify" : "client Finished does not verify");
  return Status();
}

void Tls12Handshake::complete(const std::string& server_name) {
  HandshakeInfo& info = c_.info();
  info.version = version::tls12;
  info.cipher_suite = suite_->id;
  info.resumed = resuming_;
  info.extended_master_secret = ems_;
  info.encrypt_then_mac = etm_;
  info.server_name = server_name;
  c_.set_exporter_tls12(suite_->prf_hash, master_secret_, client_random_, server_random_);
}

bool scheme_fits_key(uint16_t scheme, crypto::KeyType type) {
  switch (static_cast<SignatureScheme>(scheme)) {
    case SignatureScheme::rsa_pkcs1_sha256:
    case SignatureScheme::rsa_pkcs1_sha384:
    case SignatureScheme::rsa_pkcs1_sha512:
    case SignatureScheme::rsa_pss_rsae_sha256:
    case SignatureScheme::rsa_pss_rsae_sha384:
    case SignatureScheme::rsa_pss_rsae_sha512:
      return type == crypto::KeyType::rsa;
    case SignatureScheme::ecdsa_secp256r1_sha256:
    case SignatureScheme::ecdsa_secp384r1_sha384:
    case SignatureScheme::ecdsa_secp521r1_sha512:  // TLS 1.2: any ECDSA hash on any curve (RFC 8422 5.1.1)
      return crypto::is_ecdsa_key(type);
    default:
      return false;
  }
}

uint16_t choose_scheme(const std::vector<uint16_t>& ours, const std::vector<uint16_t>* peer, crypto::KeyType type) {
  // No signature_algorithms: RFC 5246 7.4.1.4.1 implies SHA-1, which RFC 9155 forbids; no scheme then.
  if (peer == nullptr) return 0;
  for (uint16_t s : ours)
    if (scheme_fits_key(s, type) && contains(*peer, s)) return s;
  return 0;
}

Status Tls12Handshake::derive_keys() {
  const ByteView cr(client_random_.data(), client_random_.size());
  if (common_.key_log) common_.key_log->log("CLIENT_RANDOM", cr, master_secret_);
  size_t ours = kMaxPlaintext, theirs = kMaxPlaintext;  // what we write, what the peer writes
  if (peer_record_limit_ != 0) ours = std::min<size_t>(ours, peer_record_limit_);
  if (peer_record_limit_ != 0 && common_.record_size_limit != 0)
    theirs = std::min<size_t>(theirs, common_.record_size_limit);
  Result<Tls12Keys> keys = tls12_record_keys(c_.provider(), *suite_, master_secret_, client_random_, server_random_,
                                             etm_, c_.rng(), client_ ? ours : theirs, client_ ? theirs : ours);
  if (!keys.ok()) return keys.error();
  c_.set_pending_write(std::move(client_ ? keys.value().client_write : keys.value().server_write));
  c_.set_pending_read(std::move(client_ ? keys.value().server_write : keys.value().client_write));
  return Status();
}

Status sni_candidates(const ServerConfig& cfg, const std::string& server_name,
                      std::vector<std::shared_ptr<const CertifiedKey>>* out, bool* sni_used) {
  out->clear();
  *sni_used = false;
  if (!server_name.empty()) {
    for (const auto& ck : cfg.certificates)
      if (ck->serves(server_name)) out->push_back(ck);
    if (out->empty() && cfg.strict_sni)
      return Error::incompatible(AlertDescription::unrecognized_name, "no certificate for the server name");
    *sni_used = !out->empty() && (cfg.strict_sni || out->size() < cfg.certificates.size());
  }
  if (out->empty()) *out = cfg.certificates;
  return Status();
}

Status apply_verifier(HandshakeContext& c, const CertificateVerifier* v, CertificateCheck check) {
  if (v == nullptr) return Status();
  // The verdict as an error: its alert when RFC 8446 6.2 / RFC 5246 7.2.2 name it for a refused
  // certificate, else bad_certificate.
  auto verdict_status = [](const CertVerdict& verdict) -> Status {
    if (verdict.ok) return Status();
    using A = AlertDescription;
    const std::initializer_list<A> named = {A::bad_certificate,     A::unsupported_certificate, A::certificate_revoked,
                                            A::certificate_expired, A::certificate_unknown,     A::unknown_ca,
                                            A::access_denied};
    return Error{ErrorKind::bad_certificate, contains(named, verdict.alert) ? verdict.alert : A::bad_certificate,
                 "certificate refused by the application's verifier"};
  };
  if (!v->async) return verdict_status(v->check(check));
  AsyncRequest req;
  req.type = Event::Type::verify_request;
  req.check = std::move(check);
  // The verdict decides alone: the machine already moved on to the next message, which waits.
  c.await(std::move(req), [verdict_status](AsyncAnswer& a) { return verdict_status(a.verdict); });
  return Status();
}

AsyncRequest sign_request(std::shared_ptr<const CertifiedKey> key, uint16_t scheme, Bytes data) {
  AsyncRequest req;
  req.type = Event::Type::sign_request;
  req.certificate = std::move(key);
  req.scheme = scheme;
  req.data = std::move(data);
  return req;
}

Result<Bytes> signature_of(AsyncAnswer& a) {
  if (!a.bytes || a.bytes->empty()) return Error::internal("the application's signer failed");
  return std::move(*a.bytes);
}

Result<std::unique_ptr<crypto::PublicKey>> verify_peer_chain(HandshakeContext& c, bool verify, const crypto::TrustStore* trust,
                                                             const CertificateVerifier* v, bool peer_is_server,
                                                             const std::string& name, crypto::KeyUse use,
                                                             const std::vector<Bytes>& chain) {
  std::unique_ptr<crypto::PublicKey> key;
  uint64_t now = verify ? c.clock().now_ms() : 0;
  if (!verify || (v != nullptr && v->mode == CertificateVerifier::Mode::replace_default)) {
    // The leaf's public key, for a chain no default check looks at.
    std::string err;
    std::unique_ptr<crypto::Certificate> leaf = c.provider().parse_certificate(chain.at(0), &err);
    if (!leaf) return Error{ErrorKind::bad_certificate, AlertDescription::bad_certificate, "unparsable certificate"};
    key = leaf->public_key();
  } else {
    std::vector<ByteView> views(chain.begin(), chain.end());
    crypto::CertError ce = trust->verify(views, static_cast<int64_t>(now / 1000),
                                         peer_is_server ? crypto::Purpose::server_auth : crypto::Purpose::client_auth,
                                         name, &key, use);
    if (ce != crypto::CertError::ok) return refuse_chain(c, chain, ce, now, name);
  }
  if (!key || key->type() == crypto::KeyType::other)
    return Error{ErrorKind::bad_certificate, AlertDescription::unsupported_certificate,
                 peer_is_server ? "server key type" : "client key type"};
  // Without a verifier there is nothing to apply: no CertificateCheck (a copy of the chain) is made.
  if (v != nullptr) SANSTLS_TRY(apply_verifier(c, v, CertificateCheck{chain, peer_is_server, name, now}));
  return key;
}

Result<std::unique_ptr<crypto::PublicKey>> verify_client_chain(HandshakeContext& c, const ServerConfig& cfg,
                                                               const std::vector<Bytes>& chain) {
  return verify_peer_chain(c, true, cfg.client_trust.get(), cfg.client_certificate_verifier.get(), false, "",
                           crypto::KeyUse::digital_signature, chain);
}

void strip_dh_leading_zeros(Bytes* pms) {
  size_t z = 0;
  while (z + 1 < pms->size() && (*pms)[z] == 0) z++;
  if (z == 0) return;
  Bytes stripped(pms->begin() + static_cast<std::ptrdiff_t>(z), pms->end());
  secure_zero(*pms);
  pms->swap(stripped);
}

}  // namespace sanstls
