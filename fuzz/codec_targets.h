// The decoders the codec fuzzer drives, chosen by the first input byte (modulo kNumCodecTargets).
// Shared by the harness (codec_fuzzer.cc) and the corpus generator (make_codec_corpus.cc), so that
// seeds keep pointing at the decoder they were made for.
#ifndef SANSTLS_FUZZ_CODEC_TARGETS_H_
#define SANSTLS_FUZZ_CODEC_TARGETS_H_

#include <cstdint>

namespace sanstls {
namespace fuzz {

enum class CodecTarget : uint8_t {
  record_header,
  change_cipher_spec,
  alert,
  ext_client_hello,
  ext_server_hello,
  ext_encrypted_extensions,
  ext_hello_retry_request,
  ext_certificate_request,
  ext_new_session_ticket,
  ext_certificate,
  handshake_message,  // header + body, split_handshake_message / encode_handshake
  client_hello,
  server_hello,
  certificate12,
  server_key_exchange_ecdhe,
  server_key_exchange_dhe,
  certificate_request12,
  server_hello_done,
  hello_request,
  certificate_verify,
  client_key_exchange_rsa,
  client_key_exchange_dhe,
  client_key_exchange_ecdhe,
  new_session_ticket12,
  finished12,
  // TLS 1.3 (core/handshake13.h); appended so that existing seeds keep their decoder.
  encrypted_extensions,
  certificate13,
  certificate_request13,
  new_session_ticket13,
  key_update,
  end_of_early_data,
  finished13_sha256,
  finished13_sha384,
  count,  // not a target
};

constexpr uint8_t kNumCodecTargets = static_cast<uint8_t>(CodecTarget::count);

}  // namespace fuzz
}  // namespace sanstls

#endif  // SANSTLS_FUZZ_CODEC_TARGETS_H_
