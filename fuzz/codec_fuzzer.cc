// libFuzzer harness for the wire codecs (core/record.h, core/alert.h, core/extensions.h,
// core/handshake.h, core/handshake13.h). The first byte chooses a decoder (fuzz/codec_targets.h), the rest is its input.
// Whatever a decoder accepts must re-encode to exactly the same bytes; a difference is a finding
// (__builtin_trap). Sanitizers catch the rest (out-of-bounds reads, UB, leaks).
#include <cstddef>
#include <cstdint>

#include "core/alert.h"
#include "core/bytes.h"
#include "core/extensions.h"
#include "core/handshake.h"
#include "core/handshake13.h"
#include "core/record.h"
#include "fuzz/codec_targets.h"

namespace sanstls {
namespace fuzz {
namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

// decode -> encode -> same bytes, for a message with a Writer-based encoder.
template <typename Msg, typename Decode, typename Encode>
void round_trip(ByteView in, Decode decode, Encode encode) {
  Msg m;
  if (!decode(in, &m).ok()) return;
  Bytes out;
  Writer w(&out);
  encode(m, w);
  require(w.ok());
  require(ByteView(out) == in);
}

void extensions(ByteView in, ExtContext ctx) {
  Extensions e;
  if (!decode_extensions(in, ctx, &e).ok()) return;
  Bytes out;
  Writer w(&out);
  encode_extensions(e, ctx, w);
  require(w.ok());
  require(out.size() == in.size() + 2);
  require(ByteView(out).sub(2) == in);
  // The typed view must be self-consistent: decoding the re-encoding gives the same wire order.
  Extensions again;
  require(decode_extensions(ByteView(out).sub(2), ctx, &again).ok());
  require(again.order == e.order);
}

void run(CodecTarget t, ByteView in) {
  switch (t) {
    case CodecTarget::record_header: {
      RecordHeader h;
      if (!decode_record_header(in, &h).ok()) return;
      Bytes out;
      encode_record_header(h, &out);
      require(ByteView(out) == in.sub(0, kRecordHeaderLength));
      (void)check_record_header(h, kMaxCiphertext12);
      return;
    }
    case CodecTarget::change_cipher_spec: {
      if (!decode_change_cipher_spec(in).ok()) return;
      Bytes out;
      encode_change_cipher_spec(&out);
      require(ByteView(out) == in);
      return;
    }
    case CodecTarget::alert: {
      Alert a;
      if (!decode_alert(in, &a)) return;
      Bytes out;
      encode_alert(a, &out);
      require(ByteView(out) == in);
      return;
    }
    case CodecTarget::ext_client_hello: return extensions(in, ExtContext::client_hello);
    case CodecTarget::ext_server_hello: return extensions(in, ExtContext::server_hello);
    case CodecTarget::ext_encrypted_extensions: return extensions(in, ExtContext::encrypted_extensions);
    case CodecTarget::ext_hello_retry_request: return extensions(in, ExtContext::hello_retry_request);
    case CodecTarget::ext_certificate_request: return extensions(in, ExtContext::certificate_request);
    case CodecTarget::ext_new_session_ticket: return extensions(in, ExtContext::new_session_ticket);
    case CodecTarget::ext_certificate: return extensions(in, ExtContext::certificate);
    case CodecTarget::handshake_message: {
      HandshakeHeader h;
      ByteView body;
      if (!split_handshake_message(in, &h, &body).ok()) return;
      require(h.length == body.size());
      Bytes out;
      require(encode_handshake(h.type, body, &out));
      require(ByteView(out) == in);
      return;
    }
    case CodecTarget::client_hello:
      return round_trip<ClientHello>(in, decode_client_hello, encode_client_hello);
    case CodecTarget::server_hello:
      return round_trip<ServerHello>(in, decode_server_hello, encode_server_hello);
    case CodecTarget::certificate12:
      return round_trip<CertificateMsg12>(in, decode_certificate12, encode_certificate12);
    case CodecTarget::server_key_exchange_ecdhe: {
      round_trip<ServerKeyExchangeEcdhe>(in, decode_server_key_exchange_ecdhe, encode_server_key_exchange_ecdhe);
      ServerKeyExchangeEcdhe m;
      if (decode_server_key_exchange_ecdhe(in, &m).ok()) {
        // The signed params are a prefix of the message.
        Bytes p = ecdhe_params(m);
        require(p.size() <= in.size() && ByteView(p) == in.sub(0, p.size()));
      }
      return;
    }
    case CodecTarget::server_key_exchange_dhe: {
      round_trip<ServerKeyExchangeDhe>(in, decode_server_key_exchange_dhe, encode_server_key_exchange_dhe);
      ServerKeyExchangeDhe m;
      if (decode_server_key_exchange_dhe(in, &m).ok()) {
        Bytes p = dhe_params(m);
        require(p.size() <= in.size() && ByteView(p) == in.sub(0, p.size()));
      }
      return;
    }
    case CodecTarget::certificate_request12:
      return round_trip<CertificateRequest12>(in, decode_certificate_request12, encode_certificate_request12);
    case CodecTarget::server_hello_done:
      if (decode_server_hello_done(in).ok()) require(in.empty());
      return;
    case CodecTarget::hello_request:
      if (decode_hello_request(in).ok()) require(in.empty());
      return;
    case CodecTarget::certificate_verify:
      return round_trip<CertificateVerify>(in, decode_certificate_verify, encode_certificate_verify);
    case CodecTarget::client_key_exchange_rsa:
      return round_trip<ClientKeyExchange>(in, decode_client_key_exchange_rsa, encode_client_key_exchange_rsa);
    case CodecTarget::client_key_exchange_dhe:
      return round_trip<ClientKeyExchange>(in, decode_client_key_exchange_dhe, encode_client_key_exchange_dhe);
    case CodecTarget::client_key_exchange_ecdhe:
      return round_trip<ClientKeyExchange>(in, decode_client_key_exchange_ecdhe,
                                           encode_client_key_exchange_ecdhe);
    case CodecTarget::new_session_ticket12:
      return round_trip<NewSessionTicket12>(in, decode_new_session_ticket12, encode_new_session_ticket12);
    case CodecTarget::finished12:
      return round_trip<Finished>(
          in, [](ByteView b, Finished* f) { return decode_finished(b, kFinishedLength12, f); }, encode_finished);
    case CodecTarget::encrypted_extensions:
      return round_trip<EncryptedExtensions>(in, decode_encrypted_extensions, encode_encrypted_extensions);
    case CodecTarget::certificate13:
      return round_trip<CertificateMsg13>(in, decode_certificate13, encode_certificate13);
    case CodecTarget::certificate_request13:
      return round_trip<CertificateRequest13>(in, decode_certificate_request13, encode_certificate_request13);
    case CodecTarget::new_session_ticket13:
      return round_trip<NewSessionTicket13>(in, decode_new_session_ticket13, encode_new_session_ticket13);
    case CodecTarget::key_update:
      return round_trip<KeyUpdate>(in, decode_key_update, encode_key_update);
    case CodecTarget::end_of_early_data:
      if (decode_end_of_early_data(in).ok()) require(in.empty());
      return;
    case CodecTarget::finished13_sha256:
      return round_trip<Finished>(
          in, [](ByteView b, Finished* f) { return decode_finished(b, 32, f); }, encode_finished);
    case CodecTarget::finished13_sha384:
      return round_trip<Finished>(
          in, [](ByteView b, Finished* f) { return decode_finished(b, 48, f); }, encode_finished);
    case CodecTarget::count:
      return;
  }
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sanstls::fuzz;
  if (size == 0) return 0;
  run(static_cast<CodecTarget>(data[0] % kNumCodecTargets), sanstls::ByteView(data + 1, size - 1));
  return 0;
}
