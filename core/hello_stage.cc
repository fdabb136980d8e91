// The hello stages: the first state machine of every connection, before the version is known.
//
//   client: start (send ClientHello [0-RTT]) -> ServerHello or HelloRetryRequest -> the TLS 1.2 or
//           TLS 1.3 client takes over
//   server: ClientHello -> the TLS 1.2 or TLS 1.3 server takes over
//
// The version machines never build each other: this is where the version is chosen, and
// HandshakeContext::take_over is where a machine is swapped.
#include "core/hello_stage.h"

#include <algorithm>

#include "core/suites.h"
#include "core/tls12_keys.h"

namespace sanstls {
namespace {

class ClientHelloStage final : public Handshake {
 public:
  ClientHelloStage(HandshakeContext& c, std::shared_ptr<const ClientConfig> cfg, Connection::ClientOptions opts)
      : c_(c), cfg_(std::move(cfg)), opts_(std::move(opts)) {}

  Status start() override { return send_client_hello(c_, *cfg_, opts_, &offer_); }

  Status on_message(HandshakeType type, ByteView msg, ByteView body) override {
    // A HelloRequest during the handshake is ignored (RFC 5246 7.4.1.1) and is not part of the transcript.
    if (type == HandshakeType::hello_request) return decode_hello_request(body);
    if (type != HandshakeType::server_hello) return Error::unexpected("expected ServerHello");
    c_.add_transcript(msg);
    ServerHello sh;
    SANSTLS_TRY(decode_server_hello(body, &sh));
    Result<std::unique_ptr<Handshake>> next = Error::internal("no version");
    // The options and the offer move to the next machine: this stage is done either way (it is replaced,
    // or the error ends the connection).
    if (sh.extensions.supported_versions || sh.is_hello_retry_request()) {
      if (!offer_.tls13)
        return Error::incompatible(AlertDescription::protocol_version, "server chose TLS 1.3, which is not enabled");
      next = start_client13(c_, cfg_, std::move(opts_), std::move(offer_), sh, msg.size());
    } else {
      next = start_client12(c_, cfg_, std::move(opts_), std::move(offer_), sh);
    }
    if (!next.ok()) return next.error();
    c_.take_over(next.take());
    return Status();
  }

  Status on_change_cipher_spec() override { return Error::unexpected("ChangeCipherSpec before the ServerHello"); }

 private:
  HandshakeContext& c_;
  std::shared_ptr<const ClientConfig> cfg_;
  Connection::ClientOptions opts_;
  ClientOffer offer_;
};

class ServerHelloStage final : public Handshake {
 public:
  ServerHelloStage(HandshakeContext& c, std::shared_ptr<const ServerConfig> cfg) : c_(c), cfg_(std::move(cfg)) {}

  Status on_message(HandshakeType type, ByteView msg, ByteView body) override {
    if (type != HandshakeType::client_hello) return Error::unexpected("expected ClientHello");
    c_.add_transcript(msg);
    ClientHello ch;
    SANSTLS_TRY(decode_client_hello(body, &ch));
    // RFC 6066 3: a host_name is an ASCII DNS name. Anything else (NUL, control or escape bytes) would
    // reach logs and terminals through info().server_name; a strict server says it knows no such name.
    if (ch.extensions.server_name && !is_valid_host_name(*ch.extensions.server_name)) {
      if (cfg_->strict_sni) return Error::incompatible(AlertDescription::unrecognized_name, "server_name is not a DNS name");
      return Error::illegal("server_name is not a DNS name");
    }
    // RFC 8446 D.5: a legacy_version of 0x0300 or less is refused, whatever supported_versions says
    // (the TLS 1.2 server refuses it anyway: SSL 3.0 and older are not spoken).
    if (ch.legacy_version <= 0x0300)
      return Error::incompatible(AlertDescription::protocol_version, "ClientHello: legacy_version 0x0300 or lower");
    // The application's selection (ServerConfig::select), before anything is chosen from the config.
    if (cfg_->select || cfg_->select_async) {
      ClientHelloInfo info;
      const Extensions& e = ch.extensions;
      info.server_name = e.server_name.value_or(std::string());
      info.alpn = e.alpn.value_or(std::vector<std::string>());
      info.signature_schemes = e.signature_algorithms.value_or(std::vector<uint16_t>());
      info.groups = e.supported_groups.value_or(std::vector<uint16_t>());
      info.versions = e.supported_versions.value_or(std::vector<uint16_t>());
      info.cipher_suites = ch.cipher_suites;
      if (!cfg_->select_async) return proceed(ch, msg.size(), cfg_->select(info));
      AsyncRequest req;
      req.type = Event::Type::select_request;
      req.hello = std::move(info);
      held_ = std::make_shared<ClientHello>(std::move(ch));
      size_t len = msg.size();
      c_.await(std::move(req), [this, len](AsyncAnswer& a) { return proceed(*held_, len, std::move(a.selection)); });
      return Status();
    }
    return hand_over(ch, msg.size(), cfg_);
  }

  Status on_change_cipher_spec() override { return Error::unexpected("ChangeCipherSpec before the ClientHello"); }

 private:
  // The selection's answer: a refusal, or the config (and certificate) the handshake goes on with.
  Status proceed(const ClientHello& ch, size_t msg_len, Selection sel) {
    if (sel.refuse) return Error::incompatible(sel.alert, "ClientHello refused by the application's selection");
    std::shared_ptr<const ServerConfig> cfg = sel.config ? sel.config : cfg_;
    if (sel.certificate) {
      if (!sel.certificate->key || sel.certificate->chain.empty())
        return Error::internal("the selection's certificate has no key or chain");
      // A copy for this connection, with the one certificate (the ticket keys stay shared).
      auto own = std::make_shared<ServerConfig>(*cfg);
      own->certificates = {sel.certificate};
      cfg = std::move(own);
    }
    return hand_over(ch, msg_len, std::move(cfg));
  }

  // The version, then the machine of that version takes over.
  Status hand_over(const ClientHello& ch, size_t msg_len, std::shared_ptr<const ServerConfig> cfg) {
    // TLS 1.3 when the client offers it and we speak it.
    const bool have13 = cfg->max_version >= version::tls13 &&
                        std::any_of(cfg->cipher_suites.begin(), cfg->cipher_suites.end(), [](uint16_t id) {
                          const CipherSuite* s = find_suite(id);
                          return s != nullptr && s->is_tls13();
                        });
    const bool offers13 = ch.extensions.supported_versions && contains(*ch.extensions.supported_versions, version::tls13);
    Result<std::unique_ptr<Handshake>> next = have13 && offers13 ? start_server13(c_, cfg, ch, msg_len)
                                                                  : start_server12(c_, cfg, ch, have13);
    if (!next.ok()) return next.error();
    c_.take_over(next.take());
    return Status();
  }

  HandshakeContext& c_;
  std::shared_ptr<const ServerConfig> cfg_;
  std::shared_ptr<ClientHello> held_;  // while an asynchronous selection is pending
};

}  // namespace

std::unique_ptr<Handshake> make_client_hello_stage(HandshakeContext& c, std::shared_ptr<const ClientConfig> config,
                                                   Connection::ClientOptions options) {
  return std::make_unique<ClientHelloStage>(c, std::move(config), std::move(options));
}

std::unique_ptr<Handshake> make_server_hello_stage(HandshakeContext& c, std::shared_ptr<const ServerConfig> config) {
  return std::make_unique<ServerHelloStage>(c, std::move(config));
}

}  // namespace sanstls
