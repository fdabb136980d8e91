// The version-neutral start of every connection (internal): the hello stages of hello_stage.cc read or
// write the hellos, choose the version, and hand over to the machine of that version and side through
// the entry points below (HandshakeContext::take_over is the one place where machines change).
#ifndef SANSTLS_CORE_HELLO_STAGE_H_
#define SANSTLS_CORE_HELLO_STAGE_H_

#include <memory>

#include "core/client_hello.h"
#include "core/handshake.h"
#include "core/handshake_context.h"

namespace sanstls {

// The TLS 1.2 client from the ServerHello that chose TLS 1.2 (already in the transcript).
Result<std::unique_ptr<Handshake>> start_client12(HandshakeContext& c, std::shared_ptr<const ClientConfig> cfg,
                                                  Connection::ClientOptions opts, ClientOffer offer,
                                                  const ServerHello& sh);
// The TLS 1.3 client from the ServerHello or HelloRetryRequest that chose TLS 1.3 (already in the
// transcript, sh_msg_len bytes).
Result<std::unique_ptr<Handshake>> start_client13(HandshakeContext& c, std::shared_ptr<const ClientConfig> cfg,
                                                  Connection::ClientOptions opts, ClientOffer offer,
                                                  const ServerHello& sh, size_t sh_msg_len);
// The TLS 1.2 server from the ClientHello (already in the transcript); have13: this server also
// speaks TLS 1.3 (downgrade sentinel, fallback SCSV).
Result<std::unique_ptr<Handshake>> start_server12(HandshakeContext& c, std::shared_ptr<const ServerConfig> cfg,
                                                  const ClientHello& ch, bool have13);
// The TLS 1.3 server from a ClientHello that offers TLS 1.3 (already in the transcript, ch_msg_len bytes).
Result<std::unique_ptr<Handshake>> start_server13(HandshakeContext& c, std::shared_ptr<const ServerConfig> cfg,
                                                  const ClientHello& ch, size_t ch_msg_len);

}  // namespace sanstls

#endif  // SANSTLS_CORE_HELLO_STAGE_H_
