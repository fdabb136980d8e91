// The client's first flight, shared by the TLS 1.2 and TLS 1.3 clients (internal).
//
// The client does not know the version until the ServerHello. Client12::start() (client12.cc) writes
// the ClientHello with send_client_hello(), then hands everything it offered (ClientOffer) to the TLS
// 1.3 state machine when the ServerHello selects TLS 1.3. Both versions check the server's
// certificate with verify_server_chain().
#ifndef SANSTLS_CORE_CLIENT_HELLO_H_
#define SANSTLS_CORE_CLIENT_HELLO_H_

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/handshake.h"
#include "core/handshake_context.h"

namespace sanstls {

struct ClientOffer {
  Random random{};
  bool tls12 = true;   // TLS 1.2 is offered
  bool tls13 = false;  // TLS 1.3 is offered (supported_versions)
  Bytes session_id;    // as sent: a TLS 1.2 session's ID, or 32 random bytes (RFC 8446 D.4), or empty
  bool tls12_resumption = false;  // session_id names the TLS 1.2 session of ClientOptions::resume
  bool psk_offered = false;       // a TLS 1.3 ticket from `resume` is offered (pre_shared_key)
  bool early_data = false;        // 0-RTT data is sent after the ClientHello
  std::optional<Session> resume;  // TLS 1.3: the session whose ticket is offered
  std::vector<std::pair<uint16_t, std::unique_ptr<crypto::KeyShare>>> shares;  // TLS 1.3 key shares
  std::vector<uint16_t> offered_exts;  // extension types in the ClientHello
  ClientHello hello;                   // what was sent (kept for a HelloRetryRequest)
};

// Decides what to offer, writes the ClientHello (with PSK binders when a TLS 1.3 ticket is offered)
// and, for 0-RTT, the early data. Errors are internal (nothing from a peer yet).
Status send_client_hello(HandshakeContext& c, const ClientConfig& cfg, const Connection::ClientOptions& opts,
                         ClientOffer* offer);

// Every extension a server sends must answer one the client offered (RFC 5246 7.4.1.4, RFC 8446 4.2):
// unsupported_extension otherwise. `also` is one more type allowed unasked (0xffff: none). `e` is as
// decode_extensions made it (its `order` lists every extension).
Status check_offered(const Extensions& e, const std::vector<uint16_t>& offered, uint16_t also = 0xffff);

// ALPN (RFC 7301 3.2), client: the server's answer must be one protocol we offered (illegal_parameter
// otherwise); *out gets it. Server: the config's alpn_select hook decides when there is one and the
// client sent ALPN; otherwise our first preference the client offers; none in common is
// no_application_protocol; *out is empty when either side has no ALPN.
Status accept_alpn(const ClientConfig& cfg, const Extensions& e, std::string* out);
Status choose_alpn(const ServerConfig& cfg, const Extensions& e, std::string* out);

// The server's Certificate (chain[0] is the leaf), through verify_peer_chain (tls12_keys.h): with
// verify_server, the chain up to a trust anchor, the name, and the leaf's keyUsage for `use`; without,
// only a parsable leaf. Returns its public key.
Result<std::unique_ptr<crypto::PublicKey>> verify_server_chain(HandshakeContext& c, const ClientConfig& cfg,
                                                               const Connection::ClientOptions& opts,
                                                               const std::vector<Bytes>& chain, crypto::KeyUse use);

// What a new session records of the server: the chain it showed and, when this config verified it,
// the verifier and the name checked.
PeerIdentity server_identity(const ClientConfig& cfg, const Connection::ClientOptions& opts,
                             const std::vector<Bytes>& chain);

// Re-encodes offer->hello (after a HelloRetryRequest changed it), fills in the PSK binders over the
// current transcript and sends it.
Status resend_client_hello(HandshakeContext& c, ClientOffer* offer);

// The 8 bytes a TLS 1.3 server puts at the end of ServerHello.random when it negotiates TLS 1.2
// (RFC 8446 4.1.3).
extern const uint8_t kDowngradeTls12[8];

}  // namespace sanstls

#endif  // SANSTLS_CORE_CLIENT_HELLO_H_
