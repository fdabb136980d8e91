#include "core/tls13_common.h"

#include <algorithm>

#include "core/tls12_keys.h"

namespace sanstls {

using crypto::SignatureScheme;

bool scheme_allowed13(uint16_t scheme, crypto::KeyType key) {
  switch (static_cast<SignatureScheme>(scheme)) {
    case SignatureScheme::rsa_pss_rsae_sha256:
    case SignatureScheme::rsa_pss_rsae_sha384:
    case SignatureScheme::rsa_pss_rsae_sha512:
      return key == crypto::KeyType::rsa;
    case SignatureScheme::ecdsa_secp256r1_sha256:
      return key == crypto::KeyType::ec_p256;
    case SignatureScheme::ecdsa_secp384r1_sha384:
      return key == crypto::KeyType::ec_p384;
    case SignatureScheme::ecdsa_secp521r1_sha512:
      return key == crypto::KeyType::ec_p521;
    default:
      return false;
  }
}

std::vector<uint16_t> certificate_signature_schemes() {
  std::vector<uint16_t> out;
  for (SignatureScheme s : {SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
                            SignatureScheme::ecdsa_secp521r1_sha512,
                            SignatureScheme::rsa_pss_rsae_sha256, SignatureScheme::rsa_pss_rsae_sha384,
                            SignatureScheme::rsa_pss_rsae_sha512, SignatureScheme::rsa_pss_pss_sha256,
                            SignatureScheme::rsa_pss_pss_sha384, SignatureScheme::rsa_pss_pss_sha512,
                            SignatureScheme::rsa_pkcs1_sha256, SignatureScheme::rsa_pkcs1_sha384,
                            SignatureScheme::rsa_pkcs1_sha512})
    out.push_back(static_cast<uint16_t>(s));
  return out;
}

uint16_t choose_scheme13(const std::vector<uint16_t>& ours, const std::vector<uint16_t>& peer, crypto::KeyType key) {
  for (uint16_t s : ours)
    if (scheme_allowed13(s, key) && contains(peer, s)) return s;
  return 0;
}

Bytes certificate13_body(ByteView context, const CertifiedKey* key) {
  // The bytes encode_certificate13 writes for these entries, each with an empty extensions block, but
  // straight from the key's chain (no CertificateMsg13 copy of it) and into a body of the right size
  // (not grown from 128 bytes by doubling).
  static const std::vector<Bytes> kNoChain;
  const std::vector<Bytes>& chain = key != nullptr ? key->chain : kNoChain;
  size_t size = 1 + context.size() + 3;
  for (const Bytes& der : chain) size += 3 + der.size() + 2;
  Bytes body;
  body.reserve(size);
  Writer w(&body);
  if (context.size() > 255) w.fail();
  w.prefixed8(context);
  Writer::Prefix list = w.begin24();
  for (const Bytes& der : chain) {
    if (der.empty()) w.fail();
    w.prefixed24(der);
    w.u16(0);  // extensions: none
  }
  w.end(list);
  if (!w.ok()) return Bytes();
  return body;
}

namespace {
// CertificateVerify around the signature, or the signer's error.
Status send_verify(HandshakeContext& c, uint16_t scheme, Result<Bytes> signature, crypto::Hash* exchange) {
  if (!signature.ok()) return signature.error();
  CertificateVerify cv;
  cv.sig_scheme = scheme;
  cv.signature = signature.take();
  Bytes body;
  body.reserve(2 + 2 + cv.signature.size());  // scheme, length, signature
  Writer w(&body);
  encode_certificate_verify(cv, w);
  if (!w.ok()) return Error::internal("CertificateVerify too long");
  return c.send_handshake(HandshakeType::certificate_verify, body, exchange);
}
}  // namespace

Status send_certificate_verify13(HandshakeContext& c, std::shared_ptr<const CertifiedKey> key, bool server,
                                 uint16_t scheme, ByteView hash, crypto::Hash* exchange, std::function<Status()> then) {
  Bytes input = certificate_verify_input(server, hash);
  if (key->async) {
    c.await(sign_request(key, scheme, std::move(input)), [&c, scheme, exchange, then](AsyncAnswer& a) -> Status {
      SANSTLS_TRY(send_verify(c, scheme, signature_of(a), exchange));
      return then();
    });
    return Status();
  }
  Bytes signature;
  if (key->key->sign(static_cast<SignatureScheme>(scheme), input, c.rng(), &signature) != crypto::Status::ok)
    return Error::internal("signing CertificateVerify failed");
  return send_verify(c, scheme, std::move(signature), exchange);
}

Status check_certificate_verify13(const crypto::PublicKey& key, bool from_server, const std::vector<uint16_t>& offered,
                                  ByteView body, ByteView hash, uint16_t* scheme_out) {
  CertificateVerify cv;
  SANSTLS_TRY(decode_certificate_verify(body, &cv));
  if (!contains(offered, cv.sig_scheme) || !scheme_allowed13(cv.sig_scheme, key.type()))
    return Error::illegal("CertificateVerify: signature scheme not offered or not allowed in TLS 1.3");
  if (key.verify(static_cast<SignatureScheme>(cv.sig_scheme), certificate_verify_input(from_server, hash), cv.signature) !=
      crypto::Status::ok)
    return Error::misbehaved(AlertDescription::decrypt_error, "CertificateVerify: bad signature");
  if (scheme_out) *scheme_out = cv.sig_scheme;
  return Status();
}

TranscriptHash hash_so_far(const crypto::Hash& h) {
  TranscriptHash out;
  out.size = crypto::hash_length(h.alg());
  h.peek(out.bytes.data());
  return out;
}

Status send_finished13(HandshakeContext& c, crypto::HashAlg alg, ByteView base_key, ByteView hash,
                       crypto::Hash* exchange) {
  return c.send_handshake(HandshakeType::finished, tls13_verify_data(c.provider(), alg, base_key, hash), exchange);
}

Status check_finished13(const crypto::Provider& p, crypto::HashAlg alg, ByteView base_key, ByteView body, ByteView hash) {
  ByteView received;
  SANSTLS_TRY(decode_finished(body, crypto::hash_length(alg), &received));
  // The expected value on the stack: a failed computation compares as empty, as before.
  uint8_t expected[crypto::kMaxHashLen];
  ByteView want;
  if (tls13_verify_data_into(p, alg, base_key, hash, expected)) want = ByteView(expected, received.size());
  if (!constant_time_equal(want, received))
    return Error::misbehaved(AlertDescription::decrypt_error, "Finished does not verify");
  return Status();
}

namespace {
// The next generation of a traffic secret (RFC 8446 7.2), the old one wiped.
void next_generation(const crypto::Provider& p, crypto::HashAlg alg, SecretBytes* secret) {
  Bytes next = tls13_next_traffic_secret(p, alg, *secret);
  *secret = SecretBytes(next);  // overwrites the whole previous one
  secure_zero(next);
}
}  // namespace

Status send_key_update13(HandshakeContext& c, const CipherSuite& suite, bool request_peer, SecretBytes* own_secret) {
  KeyUpdate ku;
  ku.request_update = request_peer ? kKeyUpdateRequested : kKeyUpdateNotRequested;
  SANSTLS_TRY(send_message(c, HandshakeType::key_update, ku, encode_key_update));
  next_generation(c.provider(), suite.prf_hash, own_secret);
  return install13(c, suite, *own_secret, false, c.write_limit());
}

Status receive_key_update13(HandshakeContext& c, const CipherSuite& suite, ByteView body, SecretBytes* peer_secret,
                            SecretBytes* own_secret, size_t read_limit) {
  KeyUpdate ku;
  SANSTLS_TRY(decode_key_update(body, &ku));
  SANSTLS_TRY(c.peer_triggered("too many KeyUpdates with no data in between"));
  next_generation(c.provider(), suite.prf_hash, peer_secret);
  SANSTLS_TRY(install13(c, suite, *peer_secret, true, read_limit));
  if (ku.request_update == kKeyUpdateRequested) return send_key_update13(c, suite, false, own_secret);
  return Status();
}

Status install13(HandshakeContext& c, const CipherSuite& suite, ByteView secret, bool for_read, size_t max_plaintext) {
  Result<RecordProtection> p = tls13_protection(c.provider(), suite, secret, max_plaintext);
  if (!p.ok()) return p.error();
  if (!for_read) return c.install_write(std::move(p.value()));
  c.install_read(std::move(p.value()));
  return Status();
}

void application_secrets13(HandshakeContext& c, const CommonConfig& cfg, crypto::HashAlg alg, KeySchedule13& ks,
                           const Random& client_random, SecretBytes* client_ap, SecretBytes* server_ap) {
  ks.master();
  TranscriptHash h = c.transcript_hash(alg);
  *client_ap = ks.client_application_traffic_secret(h);
  *server_ap = ks.server_application_traffic_secret(h);
  const SecretBytes exporter = ks.exporter_master_secret(h);
  key_log13(cfg, "CLIENT_TRAFFIC_SECRET_0", client_random, *client_ap);
  key_log13(cfg, "SERVER_TRAFFIC_SECRET_0", client_random, *server_ap);
  key_log13(cfg, "EXPORTER_SECRET", client_random, exporter);
  c.set_exporter_tls13(alg, exporter);
}

void key_log13(const CommonConfig& cfg, const char* label, const Random& client_random, ByteView secret) {
  if (cfg.key_log) cfg.key_log->log(label, ByteView(client_random.data(), client_random.size()), secret);
}

size_t record_limit13(uint16_t peer_limit) {
  if (peer_limit == 0) return kMaxPlaintext;
  return std::min<size_t>(kMaxPlaintext, size_t{peer_limit} - 1);
}

}  // namespace sanstls
