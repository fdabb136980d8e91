// Pieces the TLS 1.3 client and server share (internal); advance(), enter() and send_message() serve the
// TLS 1.2 machines too.
#ifndef SANSTLS_CORE_TLS13_COMMON_H_
#define SANSTLS_CORE_TLS13_COMMON_H_

#include <variant>
#include <vector>

#include "core/handshake.h"
#include "core/handshake_context.h"
#include "core/handshake13.h"
#include "core/tls13_keys.h"

namespace sanstls {

// RFC 8446 4.2.3: the schemes TLS 1.3 allows for a key in CertificateVerify (PSS with RSA keys; ECDSA
// with the curve the scheme names). False for PKCS#1 v1.5, SHA-1 and everything unsupported.
bool scheme_allowed13(uint16_t scheme, crypto::KeyType key);
// The schemes certificates may be signed with that sanstls's X.509 verification accepts (RFC 8446
// 4.2.3 signature_algorithms_cert): ECDSA P-256/P-384, RSA-PSS and RSA PKCS#1 v1.5 with SHA-256 or
// stronger.
std::vector<uint16_t> certificate_signature_schemes();
// The first of `ours` that the peer listed and that TLS 1.3 allows for the key; 0 when none.
uint16_t choose_scheme13(const std::vector<uint16_t>& ours, const std::vector<uint16_t>& peer, crypto::KeyType key);

// The TLS 1.2 machines' one answer of every gate to a handshake message that is wrong for the state, and
// the ChangeCipherSpec record they hand to the states like a message.
inline Error unexpected_message() { return Error::unexpected("handshake message unexpected in this state"); }
struct ChangeCipherSpecRecord {};

// Makes `next` the machine's state: its first one, the one a handler returns, or the one an
// asynchronous operation's answer leads to. On error the state stays and the error is returned.
template <typename StateVariant>
Status enter(StateVariant& state, Result<StateVariant> next) {
  if (!next.ok()) return next.error();
  state = std::move(next.value());
  return Status();
}

// One step of a state machine whose states are a std::variant (the TLS 1.3 machines through
// Machine13::on_message, and the TLS 1.2 ones in client12.cc and server12.cc): the handler for the
// current state, `m.handle(State&, args...)`, whose first step is the gate for that state, consumes it
// and returns the next state, which replaces it. On error nothing replaces it: the connection fails and
// the machine receives nothing more.
template <typename Machine, typename StateVariant, typename... Args>
Status advance(Machine& m, StateVariant& state, const Args&... args) {
  return enter(state, std::visit([&](auto& s) { return m.handle(s, args...); }, state));
}

// Encodes a message with `encode` into a body and sends it through c.send_handshake (both versions).
// `reserve`, when the caller knows about how long the body is, sizes it at once (the Writer otherwise
// grows it from 128 bytes by doubling).
template <typename M>
Status send_message(HandshakeContext& c, HandshakeType type, const M& m, void (*encode)(const M&, Writer&),
                    size_t reserve = 0) {
  Bytes body;
  body.reserve(reserve);
  Writer w(&body);
  encode(m, w);
  if (!w.ok()) return Error::internal("handshake message too long");
  return c.send_handshake(type, body);
}

// The TLS 1.3 authentication steps (RFC 8446 4.4), one copy for the handshake and for post-handshake
// authentication, each side: `hash` is the transcript hash the step covers (the handshake's, through
// HandshakeContext::transcript_hash, or a post-handshake exchange's own running hash).
// Certificate with empty per-entry extensions (key null: an empty certificate list).
Bytes certificate13_body(ByteView context, const CertifiedKey* key);
// Sends CertificateVerify signed with `key` (`exchange` as in send_handshake). An asynchronous key
// (CertifiedKey::async) signs later: the application is asked (sign_request), nothing is sent yet, and
// when it answers the CertificateVerify goes out, then `then` runs, in the answer's step.
Status send_certificate_verify13(HandshakeContext& c, std::shared_ptr<const CertifiedKey> key, bool server,
                                 uint16_t scheme, ByteView hash, crypto::Hash* exchange, std::function<Status()> then);
// Errors: illegal_parameter for a scheme not offered or not allowed for the key in TLS 1.3,
// decrypt_error for a bad signature, decode_error for a malformed body.
Status check_certificate_verify13(const crypto::PublicKey& key, bool from_server, const std::vector<uint16_t>& offered,
                                  ByteView body, ByteView hash, uint16_t* scheme_out);
// The hash of what a running transcript hash has taken so far; `h` goes on (a post-handshake
// exchange's own transcript, RFC 8446 4.6.2).
TranscriptHash hash_so_far(const crypto::Hash& h);
// Finished, whose body is the verify_data itself (`exchange` as in send_handshake).
Status send_finished13(HandshakeContext& c, crypto::HashAlg alg, ByteView base_key, ByteView hash,
                       crypto::Hash* exchange = nullptr);
// Errors: decode_error for a wrong length, decrypt_error when it does not verify.
Status check_finished13(const crypto::Provider& p, crypto::HashAlg alg, ByteView base_key, ByteView body, ByteView hash);

// KeyUpdate (RFC 8446 4.6.3), both sides: sends one and moves our write keys to the next generation;
// or takes the peer's (bounded with no data in between, HandshakeContext::peer_triggered), moves its
// read keys, and answers update_requested with a KeyUpdate of our own.
Status send_key_update13(HandshakeContext& c, const CipherSuite& suite, bool request_peer, SecretBytes* own_secret);
Status receive_key_update13(HandshakeContext& c, const CipherSuite& suite, ByteView body, SecretBytes* peer_secret,
                            SecretBytes* own_secret, size_t read_limit);

// Installs a read or write protection from a traffic secret (the record-size limit applies to writes).
Status install13(HandshakeContext& c, const CipherSuite& suite, ByteView secret, bool for_read, size_t max_plaintext);

// The Master Secret's stage (RFC 8446 7.1), both sides, over the transcript through the server's
// Finished: the application traffic secrets, and the exporter master secret, which the connection
// keeps (7.5); each logged.
void application_secrets13(HandshakeContext& c, const CommonConfig& cfg, crypto::HashAlg alg, KeySchedule13& ks,
                           const Random& client_random, SecretBytes* client_ap, SecretBytes* server_ap);

// Logs a TLS 1.3 secret in the NSS key log format's labels.
void key_log13(const CommonConfig& cfg, const char* label, const Random& client_random, ByteView secret);

// A record_size_limit (RFC 8449) as a TLS 1.3 plaintext limit: limit - 1 for the content type; 0 (none)
// is the protocol's own 2^14.
size_t record_limit13(uint16_t peer_limit);

// What both TLS 1.3 machines (client13.cc, server13.cc, each `M`) share: their state, the suite, our
// read limit, the application traffic and resumption secrets they keep after the handshake (wiped when
// the machine goes), and KeyUpdate (RFC 8446 4.6.3), which after the handshake is taken in any state
// (inside a post-handshake authentication too) and may be sent.
template <typename M, typename State, typename Connected>
class Machine13 : public Handshake {
 public:
  Machine13(HandshakeContext& c, bool client) : c_(c), client_(client) {}
  ~Machine13() override = default;  // the secrets wipe themselves
  // During the handshake the message joins the transcript; then the handler for the current state
  // (`M::handle(State&, type, msg, body)`, whose first step is the gate for that state) returns the
  // next state, which replaces the current one.
  Status on_message(HandshakeType type, ByteView msg, ByteView body) override {
    if (type == HandshakeType::key_update && c_.handshake_done())
      return receive_key_update13(c_, *suite_, body, client_ ? &server_ap_ : &client_ap_, own_secret(), read_limit_);
    if (!c_.handshake_done()) c_.add_transcript(msg);
    return advance(static_cast<M&>(*this), state_, type, msg, body);
  }
  Status on_change_cipher_spec() override { return c_.accept_compat_ccs(std::holds_alternative<Connected>(state_)); }
  bool keep_after_handshake() const override { return true; }
  Status key_update(bool request_peer) override {
    if (!c_.handshake_done()) return Error::misuse("KeyUpdate before the handshake finished");
    return send_key_update13(c_, *suite_, request_peer, own_secret());
  }

 protected:
  crypto::HashAlg alg() const { return suite_->prf_hash; }
  SecretBytes* own_secret() { return client_ ? &client_ap_ : &server_ap_; }
  // Over the whole handshake's transcript: the resumption master secret (RFC 8446 7.1) and, when a
  // post-handshake authentication may follow (4.6.2), the transcript's hash, which it goes on from.
  void end_of_handshake(const KeySchedule13& ks, bool keep_transcript) {
    res_master_ = ks.resumption_master_secret(c_.transcript_hash(alg()));
    if (!keep_transcript) return;
    handshake_transcript_ = c_.provider().hash(alg());
    handshake_transcript_->update(c_.transcript());
  }

  HandshakeContext& c_;
  const bool client_;
  State state_;
  const CipherSuite* suite_ = nullptr;
  size_t read_limit_ = kMaxPlaintext;  // our record_size_limit, once the peer sent one too (RFC 8449 4)
  SecretBytes client_ap_, server_ap_, res_master_;
  std::unique_ptr<crypto::Hash> handshake_transcript_;  // kept for post-handshake authentication
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_TLS13_COMMON_H_
