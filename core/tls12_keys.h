// The TLS 1.2 key schedule (RFC 5246 6.3, 7.4.9, 8.1; RFC 7627), and what the client and server state
// machines of both versions share: signature schemes, certificate checks, SNI, asynchronous keys.
#ifndef SANSTLS_CORE_TLS12_KEYS_H_
#define SANSTLS_CORE_TLS12_KEYS_H_

#include <algorithm>
#include <array>
#include <vector>

#include "core/config.h"
#include "core/error.h"
#include "core/handshake.h"
#include "core/record_protection.h"
#include "core/suites.h"
#include "crypto/crypto.h"

namespace sanstls {

// Whether `list` (code points, a byte string, names) holds `x`; for the handshake machines' checks.
template <typename List, typename T>
bool contains(const List& list, const T& x) {
  return std::find(list.begin(), list.end(), x) != list.end();
}

// RFC 7919: the FFDHE groups (0x0100-0x01ff), which TLS 1.2 uses for DHE only, never for ECDHE.
inline bool is_ffdhe(uint16_t group) { return (group & 0xff00) == 0x0100; }

class HandshakeContext;  // core/handshake_context.h (internal)
struct AsyncRequest;
struct AsyncAnswer;

// The two record protections (ours to write, the peer's to read) from the key block (RFC 5246 6.3).
struct Tls12Keys {
  RecordProtection client_write;
  RecordProtection server_write;
};
Result<Tls12Keys> tls12_record_keys(const crypto::Provider& p, const CipherSuite& suite, ByteView master_secret,
                                   const Random& cr, const Random& sr, bool encrypt_then_mac, crypto::Rng& rng,
                                   size_t client_write_max, size_t server_write_max);

// What the TLS 1.2 client and server (client12.cc, server12.cc) both keep for the whole handshake (the
// randoms, the suite, the negotiated flags, the master secret), and the key schedule steps they share.
class Tls12Handshake {
 protected:
  Tls12Handshake(HandshakeContext& c, const CommonConfig& cfg, bool client) : c_(c), common_(cfg), client_(client) {}
  ~Tls12Handshake() { secure_zero(master_secret_); }

  // master_secret = PRF(pms, "master secret", client_random + server_random) or, with extended master
  // secret, PRF(pms, "extended master secret", session_hash), the transcript so far (RFC 7627 4).
  void make_master_secret(ByteView pms);
  // The record protections from the master secret, made pending for the ChangeCipherSpecs: ours to
  // write, the peer's to read, each bounded by the record_size_limit its receiver announced (RFC 8449;
  // peer_record_limit_ 0: the peer sent none, so neither limit applies).
  Status derive_keys();
  // Finished (RFC 5246 7.4.9): verify_data = PRF(master_secret, "client finished" / "server finished",
  // Hash(handshake messages))[0..12). Ours over the whole transcript; the peer's (`body`) over the
  // transcript before it (the machine's on_message has added it). Errors: decode_error for a wrong
  // length, decrypt_error when it does not verify.
  Status send_finished();
  Status check_finished(ByteView body);
  // The handshake is done: what HandshakeInfo reports of it, and the exporter's master secret.
  void complete(const std::string& server_name);

  HandshakeContext& c_;
  Random client_random_{};
  Random server_random_{};
  const CipherSuite* suite_ = nullptr;
  bool resuming_ = false;
  bool ems_ = false;
  bool etm_ = false;
  uint16_t peer_record_limit_ = 0;
  Bytes session_id_;
  Bytes master_secret_;

 private:
  // The 12-byte verify_data into *out; false when the PRF fails (its value is then empty).
  bool finished(bool client, ByteView transcript_hash, std::array<uint8_t, kFinishedLength12>* out) const;

  const CommonConfig& common_;
  const bool client_;
};

// Whether the scheme fits the key type (TLS 1.2 rules: any ECDSA hash with any curve). Unsupported
// schemes fit nothing, SHA-1 ones included (RFC 9155).
bool scheme_fits_key(uint16_t scheme, crypto::KeyType type);
// The first scheme of `ours` that the peer listed and that fits the key; 0 when none. An absent peer
// list (TLS 1.2 without signature_algorithms) means SHA-1 (RFC 5246 7.4.1.4.1), which RFC 9155 forbids:
// 0, so a server picks no signed suite for such a client (handshake_failure when none is left).
uint16_t choose_scheme(const std::vector<uint16_t>& ours, const std::vector<uint16_t>* peer, crypto::KeyType type);

// The peer's certificate chain (chain[0] is the leaf), one copy for both sides and versions: with
// `verify`, up to `trust`'s anchors for the peer's purpose, matching `name` (none when empty), the leaf's
// keyUsage allowing `use` (RFC 5280 4.2.1.3), unless the application's verifier `v` replaces that
// check; without, only a parsable leaf. Then `v`, if any (apply_verifier). Returns the leaf's key.
// Errors: the alert RFC 5246 7.2.2 / RFC 8446 6.2 names (refuse_chain), unsupported_certificate for
// a key of a type sanstls does not use.
Result<std::unique_ptr<crypto::PublicKey>> verify_peer_chain(HandshakeContext& c, bool verify, const crypto::TrustStore* trust,
                                                             const CertificateVerifier* v, bool peer_is_server,
                                                             const std::string& name, crypto::KeyUse use,
                                                             const std::vector<Bytes>& chain);
// The client's certificate chain (TLS 1.2 and 1.3 servers): up to the client trust anchors, its
// keyUsage allowing signatures, a key type sanstls uses.
Result<std::unique_ptr<crypto::PublicKey>> verify_client_chain(HandshakeContext& c, const ServerConfig& cfg,
                                                               const std::vector<Bytes>& chain);

// The server's certificates that may serve a client asking for `server_name` (SNI; TLS 1.2 and 1.3):
// those that serve the name, else all of them (strict_sni: none, unrecognized_name). *sni_used: the
// name was used, so the server acknowledges it (RFC 6066 3): it was checked (strict_sni) or it chose
// among the certificates (some do not serve it); a name that changed nothing is not acknowledged.
Status sni_candidates(const ServerConfig& cfg, const std::string& server_name,
                      std::vector<std::shared_ptr<const CertifiedKey>>* out, bool* sni_used);

// The application's verifier (config.h: CertificateVerifier), after the default check or instead of
// it: a synchronous one is called here; an asynchronous one is awaited (verify_request), and the
// handshake goes on, or fails with its alert, when the application answers. Null: nothing to do.
Status apply_verifier(HandshakeContext& c, const CertificateVerifier* v, CertificateCheck check);
// What a sign_request event carries for an asynchronous key (CertifiedKey::async), and the signer's
// answer: the signature, or internal_error when the application's signer failed.
AsyncRequest sign_request(std::shared_ptr<const CertifiedKey> key, uint16_t scheme, Bytes data);
Result<Bytes> signature_of(AsyncAnswer& a);

// RFC 5246 8.1.2: the leading zero bytes of a DH premaster secret are stripped. The buffer that held
// the unstripped secret is wiped (an erase in place would leave its last bytes behind the new end).
void strip_dh_leading_zeros(Bytes* pms);

// The CertError of a refused chain as the alert RFC 5246 7.2.2 names, after keeping as the connection's
// error_detail() one line that says which certificate failed and why (certificate_details.cc).
Error refuse_chain(HandshakeContext& c, const std::vector<Bytes>& chain, crypto::CertError e, uint64_t now_ms,
                   const std::string& name);

}  // namespace sanstls

#endif  // SANSTLS_CORE_TLS12_KEYS_H_
