// The TLS 1.3 key schedule (RFC 8446 section 7) and the values derived from its secrets: Finished
// keys and verify_data (4.4.4), PSK binders (4.2.11.2), KeyUpdate (7.2), resumption PSKs (4.6.1),
// exporters (7.5) and the record protection of a traffic secret (7.3).
//
// Everything here is a pure function of its inputs over crypto::Provider; nothing draws randomness or
// reads a clock. Transcript hashes are passed in (the engine keeps the running transcript): each
// `*_hash` argument is Transcript-Hash of the messages the RFC names, hash_length(alg) bytes long.
//
// Errors: the Bytes- and SecretBytes-returning functions return an EMPTY value on misuse (a secret asked for before the
// stage that makes it, a transcript hash of the wrong length, a label or length HKDF cannot encode).
// A correct engine never sees one; it should treat an empty result as an internal error.
//
// Secrets: KeySchedule13 keeps its early, handshake and master secrets in SecretBytes, wiped when the
// object is destroyed or moves to the next stage, and returns the secrets it derives as SecretBytes
// (inline, wiped when destroyed); returned Bytes are the caller's to wipe (secure_zero) when done.
#ifndef SANSTLS_CORE_TLS13_KEYS_H_
#define SANSTLS_CORE_TLS13_KEYS_H_

#include <cstddef>
#include <string>

#include "core/error.h"
#include "core/record_protection.h"
#include "core/suites.h"
#include "crypto/crypto.h"

namespace sanstls {

// The secrets of RFC 8446 7.1, computed stage by stage:
//
//   early(psk)              Early Secret     = HKDF-Extract(0, PSK or 0^HashLen)
//   handshake(ecdhe)        Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE or 0)
//   master()                Master Secret    = HKDF-Extract(Derive-Secret(Handshake, "derived", ""), 0)
//
// and the Derive-Secret(stage secret, label, transcript hash) values of each stage. Each stage
// replaces the previous secret (which is wiped): an accessor of an earlier stage returns empty once
// the schedule has moved past it, so a state machine takes what it needs (binder key, client early
// traffic secret) before calling handshake().
class KeySchedule13 {
 public:
  enum class Stage : uint8_t { initial, early, handshake, master };

  // alg is the suite's hash (sha256 or sha384 for the RFC 8446 suites; any HashAlg works). The
  // provider must outlive the object.
  KeySchedule13(const crypto::Provider& p, crypto::HashAlg alg);
  KeySchedule13(const KeySchedule13&) = default;
  KeySchedule13& operator=(const KeySchedule13&) = default;
  ~KeySchedule13() = default;  // the SecretBytes members wipe themselves

  size_t hash_length() const { return crypto::hash_length(alg_); }
  Stage stage() const { return stage_; }

  // Early Secret from a PSK (an external PSK or a resumption PSK), or from HashLen zeros when psk is
  // empty (a full handshake). May be called again to restart the schedule (e.g. a client that offered
  // a PSK the server did not take, or a server that started a PSK handshake and fell back).
  void early(ByteView psk);
  // Derive-Secret(Early, "res binder" / "ext binder", "") (resumption: a ticket's PSK; otherwise an
  // external PSK). The binder itself is tls13_verify_data(binder_key, Transcript-Hash(truncated CH)).
  // Stage early only.
  SecretBytes binder_key(bool resumption) const;
  // Derive-Secret(Early, "c e traffic", ClientHello): 0-RTT records. Stage early only.
  SecretBytes client_early_traffic_secret(ByteView ch_hash) const { return derive(Stage::early, "c e traffic", ch_hash); }
  // Derive-Secret(Early, "e exp master", ClientHello). Stage early only.
  SecretBytes early_exporter_master_secret(ByteView ch_hash) const { return derive(Stage::early, "e exp master", ch_hash); }

  // Handshake Secret from the (EC)DHE shared secret, or from HashLen zeros when it is empty (psk_ke).
  // From stage initial it first computes early() without a PSK; from stage early it moves on. Called
  // in any other stage it empties the schedule (every later accessor returns empty until early()).
  void handshake(ByteView shared_secret);
  // Derive-Secret(Handshake, "c hs traffic" / "s hs traffic", ClientHello..ServerHello).
  // Stage handshake only.
  SecretBytes client_handshake_traffic_secret(ByteView ch_sh_hash) const {
    return derive(Stage::handshake, "c hs traffic", ch_sh_hash);
  }
  SecretBytes server_handshake_traffic_secret(ByteView ch_sh_hash) const {
    return derive(Stage::handshake, "s hs traffic", ch_sh_hash);
  }

  // Master Secret. Stage handshake only (otherwise it empties the schedule).
  void master();
  // Derive-Secret(Master, "c ap traffic" / "s ap traffic" / "exp master", ClientHello..server
  // Finished). Stage master only.
  SecretBytes client_application_traffic_secret(ByteView hash) const { return derive(Stage::master, "c ap traffic", hash); }
  SecretBytes server_application_traffic_secret(ByteView hash) const { return derive(Stage::master, "s ap traffic", hash); }
  SecretBytes exporter_master_secret(ByteView hash) const { return derive(Stage::master, "exp master", hash); }
  // Derive-Secret(Master, "res master", ClientHello..client Finished). Stage master only.
  SecretBytes resumption_master_secret(ByteView hash) const { return derive(Stage::master, "res master", hash); }

  // For tests and tracing: the current stage's secret (Early, Handshake or Master Secret); empty in
  // stage initial or after misuse.
  ByteView current_secret_for_testing() const { return secret_.view(); }

 private:
  // Derive-Secret(secret_, label, hash) when stage_ == want and hash has the right length.
  SecretBytes derive(Stage want, const char* label, ByteView hash) const;
  // Stage `from` to `to`: HKDF-Extract(Derive-Secret(secret_, "derived", ""), ikm, or HashLen zeros when
  // empty); from any other stage, fail().
  void next(Stage from, Stage to, ByteView ikm);
  void fail();  // misuse: wipe and refuse every later accessor

  const crypto::Provider* p_;
  crypto::HashAlg alg_;
  Stage stage_ = Stage::initial;
  bool failed_ = false;
  SecretBytes secret_;  // the secret of stage_
};

// Derive-Secret(secret, label, transcript_hash) = HKDF-Expand-Label(secret, label, hash, HashLen)
// (RFC 8446 7.1). Empty when transcript_hash is not hash_length(alg) bytes.
Bytes tls13_derive_secret(const crypto::Provider& p, crypto::HashAlg alg, ByteView secret, const char* label,
                          ByteView transcript_hash);

// finished_key = HKDF-Expand-Label(base_key, "finished", "", HashLen) (RFC 8446 4.4.4). base_key is a
// handshake traffic secret (Finished), an application traffic secret (post-handshake Finished) or a
// binder key (PSK binders, 4.2.11.2).
Bytes tls13_finished_key(const crypto::Provider& p, crypto::HashAlg alg, ByteView base_key);
// verify_data = HMAC(finished_key(base_key), transcript_hash). Compare a received value with
// constant_time_equal. Empty when transcript_hash is not hash_length(alg) bytes.
Bytes tls13_verify_data(const crypto::Provider& p, crypto::HashAlg alg, ByteView base_key,
                        ByteView transcript_hash);
// The same into out (hash_length(alg) bytes); false where tls13_verify_data is empty.
bool tls13_verify_data_into(const crypto::Provider& p, crypto::HashAlg alg, ByteView base_key,
                            ByteView transcript_hash, uint8_t* out);
// application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", HashLen) (7.2).
Bytes tls13_next_traffic_secret(const crypto::Provider& p, crypto::HashAlg alg, ByteView secret);
// The PSK of a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce,
// HashLen) (4.6.1). Empty when the nonce is longer than 255 bytes.
Bytes tls13_resumption_psk(const crypto::Provider& p, crypto::HashAlg alg, ByteView res_master,
                           ByteView ticket_nonce);
// TLS-Exporter(label, context, length) = HKDF-Expand-Label(Derive-Secret(exporter_master, label, ""),
// "exporter", Hash(context), length) (7.5). exporter_master is the exporter master secret (or the
// early exporter master secret). TLS 1.3 makes no difference between an empty and an absent context.
// Empty when the label is empty or longer than 249 bytes, or length is 0 or more than 255 * HashLen.
Bytes tls13_exporter(const crypto::Provider& p, crypto::HashAlg alg, ByteView exporter_master,
                     const std::string& label, ByteView context, size_t length);
// The binder of a resumption PSK (4.2.11.2): tls13_verify_data(binder_key, Transcript-Hash(partial)),
// `partial` being the transcript up to the ClientHello without its binders list.
Bytes tls13_resumption_binder(const crypto::Provider& p, crypto::HashAlg alg, ByteView psk, ByteView partial);
// The synthetic handshake message that replaces ClientHello1 in the transcript after a
// HelloRetryRequest (4.4.1): message_hash(254) || 00 00 HashLen || Hash(ClientHello1).
Bytes tls13_message_hash(const crypto::Provider& p, crypto::HashAlg alg, ByteView client_hello1);

// The traffic key and iv of a traffic secret (7.3): HKDF-Expand-Label(secret, "key", "", key length)
// and HKDF-Expand-Label(secret, "iv", "", 12). Wiped when destroyed. Both empty on failure.
struct TrafficKeys13 {
  Bytes key;
  Bytes iv;
  TrafficKeys13() = default;
  TrafficKeys13(const TrafficKeys13&) = default;
  TrafficKeys13& operator=(const TrafficKeys13&) = default;
  ~TrafficKeys13() {
    secure_zero(key);
    secure_zero(iv);
  }
};
TrafficKeys13 tls13_traffic_keys(const crypto::Provider& p, crypto::HashAlg alg, crypto::AeadAlg aead,
                                 ByteView traffic_secret);

// The AEAD of a TLS 1.3 suite (RFC 8446 B.4: AES-GCM, ChaCha20-Poly1305, AES-CCM). False for a suite that is
// not TLS 1.3.
bool tls13_aead(const CipherSuite& suite, crypto::AeadAlg* out);

// A RecordProtection (RFC 8446 5.2) keyed from a traffic secret. max_plaintext as in
// RecordProtection::tls13 (the limit on content without type and padding).
// Errors: misuse when the suite is not TLS 1.3, the secret is not hash_length bytes or max_plaintext
// is out of range; internal when the provider refuses the key. The provider must outlive the result.
Result<RecordProtection> tls13_protection(const crypto::Provider& p, const CipherSuite& suite,
                                          ByteView traffic_secret, size_t max_plaintext = kMaxPlaintext);
Result<RecordProtection> tls13_protection(const crypto::Provider& p, crypto::AeadAlg aead, crypto::HashAlg alg,
                                          ByteView traffic_secret, size_t max_plaintext = kMaxPlaintext);

}  // namespace sanstls

#endif  // SANSTLS_CORE_TLS13_KEYS_H_
