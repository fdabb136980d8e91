#include "core/tls13_keys.h"

#include "core/handshake13.h"

namespace sanstls {

using crypto::AeadAlg;
using crypto::HashAlg;

namespace {

// Hash("") for Derive-Secret(., "derived", "") and the exporter.
Bytes empty_hash(const crypto::Provider& p, HashAlg alg) { return crypto::hash_once(p, alg, ByteView()); }

// HKDF-Extract(salt, ikm) where an empty ikm stands for HashLen zeros (RFC 8446 7.1: "0" is a string of
// HashLen zero bytes).
// HKDF-Extract into out (hash_length(alg) bytes).
bool extract_into(const crypto::Provider& p, HashAlg alg, ByteView salt, ByteView ikm, uint8_t* out) {
  if (!ikm.empty()) return crypto::hkdf_extract_into(p, alg, salt, ikm, out);
  const uint8_t zeros[crypto::kMaxHashLen] = {0};
  return crypto::hkdf_extract_into(p, alg, salt, ByteView(zeros, crypto::hash_length(alg)), out);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------
// KeySchedule13

KeySchedule13::KeySchedule13(const crypto::Provider& p, HashAlg alg) : p_(&p), alg_(alg) {}

void KeySchedule13::fail() {
  failed_ = true;
  secret_ = SecretBytes();
}

void KeySchedule13::early(ByteView psk) {
  failed_ = false;
  stage_ = Stage::early;
  // Early Secret = HKDF-Extract(salt = 0, IKM = PSK); the zero salt is HashLen zeros, which is what
  // hkdf_extract does with an empty salt.
  // Through the stack, not a vector, and wiped there. A failed extraction leaves the secret empty,
  // which the derivations refuse.
  uint8_t s[crypto::kMaxHashLen];
  secret_ = extract_into(*p_, alg_, ByteView(), psk, s) ? SecretBytes(ByteView(s, hash_length())) : SecretBytes();
  secure_zero(s, sizeof(s));
}

void KeySchedule13::handshake(ByteView shared_secret) {
  if (stage_ == Stage::initial) early(ByteView());
  next(Stage::early, Stage::handshake, shared_secret);
}

void KeySchedule13::master() { next(Stage::handshake, Stage::master, ByteView()); }

void KeySchedule13::next(Stage from, Stage to, ByteView ikm) {
  if (failed_ || stage_ != from) {
    stage_ = to;
    return fail();
  }
  // Derive-Secret(secret, "derived", "") then HKDF-Extract, with every intermediate on the stack (wiped
  // below). A step that fails leaves the salt empty, as tls13_derive_secret's empty result would.
  const size_t hlen = hash_length();
  uint8_t empty[crypto::kMaxHashLen];
  uint8_t derived[crypto::kMaxHashLen];
  uint8_t s[crypto::kMaxHashLen];
  ByteView salt;
  if (!secret_.view().empty() && crypto::hash_once_into(*p_, alg_, ByteView(), empty) &&
      crypto::hkdf_expand_label_into(*p_, alg_, secret_.view(), "derived", ByteView(empty, hlen), derived, hlen))
    salt = ByteView(derived, hlen);
  secret_ = extract_into(*p_, alg_, salt, ikm, s) ? SecretBytes(ByteView(s, hlen)) : SecretBytes();
  secure_zero(derived, sizeof(derived));
  secure_zero(s, sizeof(s));
  stage_ = to;
}

namespace {
// Derive-Secret into out (hash_length(alg) bytes); false, as tls13_derive_secret's empty result, when the
// transcript hash has the wrong length, the secret is empty or HKDF fails.
bool derive_secret_into(const crypto::Provider& p, HashAlg alg, ByteView secret, const char* label,
                        ByteView transcript_hash, uint8_t* out) {
  const size_t hlen = crypto::hash_length(alg);
  if (transcript_hash.size() != hlen || secret.empty()) return false;
  return crypto::hkdf_expand_label_into(p, alg, secret, label, transcript_hash, out, hlen);
}
}  // namespace

SecretBytes KeySchedule13::derive(Stage want, const char* label, ByteView hash) const {
  if (failed_ || stage_ != want) return {};
  // On the stack (wiped below): no heap for a secret.
  uint8_t out[crypto::kMaxHashLen];
  SecretBytes r;
  if (derive_secret_into(*p_, alg_, secret_.view(), label, hash, out)) r = SecretBytes(ByteView(out, hash_length()));
  secure_zero(out, sizeof(out));
  return r;
}

SecretBytes KeySchedule13::binder_key(bool resumption) const {
  return derive(Stage::early, resumption ? "res binder" : "ext binder", empty_hash(*p_, alg_));
}

// ---------------------------------------------------------------------------------------------------
// Derived values

Bytes tls13_derive_secret(const crypto::Provider& p, HashAlg alg, ByteView secret, const char* label,
                          ByteView transcript_hash) {
  Bytes out(crypto::hash_length(alg));
  if (!derive_secret_into(p, alg, secret, label, transcript_hash, out.data())) return {};
  return out;
}

Bytes tls13_finished_key(const crypto::Provider& p, HashAlg alg, ByteView base_key) {
  if (base_key.empty()) return {};
  return crypto::hkdf_expand_label(p, alg, base_key, "finished", ByteView(), crypto::hash_length(alg));
}

bool tls13_verify_data_into(const crypto::Provider& p, HashAlg alg, ByteView base_key, ByteView transcript_hash,
                            uint8_t* out) {
  const size_t hlen = crypto::hash_length(alg);
  if (transcript_hash.size() != hlen || base_key.empty()) return false;
  // tls13_finished_key, on the stack (wiped below).
  uint8_t key[crypto::kMaxHashLen];
  bool ok = crypto::hkdf_expand_label_into(p, alg, base_key, "finished", ByteView(), key, hlen) &&
            crypto::hmac_once_into(p, alg, ByteView(key, hlen), transcript_hash, out);
  secure_zero(key, sizeof(key));
  return ok;
}

Bytes tls13_verify_data(const crypto::Provider& p, HashAlg alg, ByteView base_key, ByteView transcript_hash) {
  Bytes out(crypto::hash_length(alg));
  if (!tls13_verify_data_into(p, alg, base_key, transcript_hash, out.data())) return {};
  return out;
}

Bytes tls13_next_traffic_secret(const crypto::Provider& p, HashAlg alg, ByteView secret) {
  if (secret.empty()) return {};
  return crypto::hkdf_expand_label(p, alg, secret, "traffic upd", ByteView(), crypto::hash_length(alg));
}

Bytes tls13_resumption_psk(const crypto::Provider& p, HashAlg alg, ByteView res_master, ByteView ticket_nonce) {
  if (res_master.empty()) return {};
  return crypto::hkdf_expand_label(p, alg, res_master, "resumption", ticket_nonce, crypto::hash_length(alg));
}

Bytes tls13_exporter(const crypto::Provider& p, HashAlg alg, ByteView exporter_master, const std::string& label,
                     ByteView context, size_t length) {
  if (exporter_master.empty() || label.empty() || label.size() > 249 || length == 0 ||
      length > 255 * crypto::hash_length(alg))
    return {};
  Bytes secret = crypto::hkdf_expand_label(p, alg, exporter_master, label, empty_hash(p, alg),
                                           crypto::hash_length(alg));
  if (secret.empty()) return {};
  Bytes out = crypto::hkdf_expand_label(p, alg, secret, "exporter", crypto::hash_once(p, alg, context), length);
  secure_zero(secret);
  return out;
}

Bytes tls13_resumption_binder(const crypto::Provider& p, HashAlg alg, ByteView psk, ByteView partial) {
  KeySchedule13 ks(p, alg);
  ks.early(psk);
  const SecretBytes binder_key = ks.binder_key(true);
  Bytes out = tls13_verify_data(p, alg, binder_key, crypto::hash_once(p, alg, partial));
  return out;
}

Bytes tls13_message_hash(const crypto::Provider& p, HashAlg alg, ByteView client_hello1) {
  return message_hash_message(crypto::hash_once(p, alg, client_hello1));
}

TrafficKeys13 tls13_traffic_keys(const crypto::Provider& p, HashAlg alg, AeadAlg aead, ByteView traffic_secret) {
  TrafficKeys13 k;
  if (traffic_secret.empty()) return k;
  k.key = crypto::hkdf_expand_label(p, alg, traffic_secret, "key", ByteView(), crypto::aead_key_length(aead));
  k.iv = crypto::hkdf_expand_label(p, alg, traffic_secret, "iv", ByteView(), crypto::kAeadNonceLength);
  if (k.key.empty() || k.iv.empty()) {
    secure_zero(k.key);
    k.key.clear();
    k.iv.clear();
  }
  return k;
}

bool tls13_aead(const CipherSuite& suite, AeadAlg* out) { return suite.is_tls13() && suite.aead(out); }

Result<RecordProtection> tls13_protection(const crypto::Provider& p, const CipherSuite& suite,
                                          ByteView traffic_secret, size_t max_plaintext) {
  AeadAlg aead;
  if (!tls13_aead(suite, &aead)) return Error::misuse("tls13_protection: not a TLS 1.3 suite");
  return tls13_protection(p, aead, suite.prf_hash, traffic_secret, max_plaintext);
}

Result<RecordProtection> tls13_protection(const crypto::Provider& p, AeadAlg aead, HashAlg alg,
                                          ByteView traffic_secret, size_t max_plaintext) {
  if (traffic_secret.size() != crypto::hash_length(alg))
    return Error::misuse("tls13_protection: traffic secret of the wrong length");
  // tls13_traffic_keys, on the stack (wiped below): the record protection keeps its own copies.
  const size_t key_len = crypto::aead_key_length(aead);
  uint8_t key[32];
  uint8_t iv[crypto::kAeadNonceLength];
  Result<RecordProtection> r = Error::internal("tls13_protection: key derivation failed");
  if (key_len != 0 && key_len <= sizeof(key) &&
      crypto::hkdf_expand_label_into(p, alg, traffic_secret, "key", ByteView(), key, key_len) &&
      crypto::hkdf_expand_label_into(p, alg, traffic_secret, "iv", ByteView(), iv, sizeof(iv)))
    r = RecordProtection::tls13(p, aead, ByteView(key, key_len), ByteView(iv, sizeof(iv)), max_plaintext);
  secure_zero(key, sizeof(key));
  secure_zero(iv, sizeof(iv));
  return r;
}

}  // namespace sanstls
