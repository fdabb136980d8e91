// TLS 1.2 handshake messages (RFC 5246 7.4, RFC 8422 5, RFC 7627, RFC 5077) and the handshake header:
// bodies only. The engine reassembles fragmented messages; this file sees one whole message at a time.
//
// Every decoder follows the same contract:
//   Status decode_X(ByteView body, X* out)
//   - `body` is the message body (after the 4-byte handshake header).
//   - Returns ok and fills *out, or returns an error and leaves *out in an unspecified (but valid) state.
//   - decode_error (Error::decode): truncated input, a length prefix larger than what follows, trailing
//     bytes, and vectors outside the range the RFC's presentation language gives them (<1..2^8-1> when
//     empty, odd lengths for vectors of uint16, a session_id longer than 32). RFC 8446 6.2 defines
//     decode_error as "some field was out of the specified range or the length of the message was
//     incorrect", and BoringSSL sends decode_error for the same cases.
//   - illegal_parameter (Error::illegal): a well-formed field with a value the protocol forbids
//     (an ECDHE curve_type other than named_curve).
//   - Extension errors come from decode_extensions (core/extensions.h) unchanged.
//   Values that are only wrong for a particular connection (a suite that was not offered, a compression
//   method other than null, an unknown group) are NOT checked here: the engine judges them.
//
// Every encoder:
//   void encode_X(const X& m, Writer& w)
//   - Appends the body to `w`. When a field does not fit its length prefix, or is outside the range the
//     decoder accepts (so that the bytes would not decode), it fails the writer: the caller checks
//     w.ok() once after writing (then it is an internal error; the output is garbage).
//   - For everything decode_X accepts, encode_X of the result gives back the same bytes.
//
// Use encode_handshake() to put the 4-byte header in front of a body.
#ifndef SANSTLS_CORE_HANDSHAKE_H_
#define SANSTLS_CORE_HANDSHAKE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"
#include "core/extensions.h"
#include "core/wire.h"
#include "crypto/types.h"

namespace sanstls {

// ---------------------------------------------------------------------------------------------------
// The handshake header (RFC 5246 7.4: msg_type u8, length u24).

constexpr size_t kHandshakeHeaderLength = 4;

struct HandshakeHeader {
  HandshakeType type = HandshakeType::hello_request;
  uint32_t length = 0;  // body length, < 2^24
};

// Reads the 4-byte header at the start of `in` (which may hold more: the body, or several messages).
// Errors: decode_error when `in` is shorter than 4 bytes. The type is carried as it is (open enum);
// whether the length is acceptable is for the caller (the engine bounds it by state).
Status decode_handshake_header(ByteView in, HandshakeHeader* out);

// The largest body a handshake message of this type can have on the wire, from the vectors RFC 5246
// and RFC 8446 give it (e.g. a ClientHello: session ID, 2^16-2 bytes of suites, compression methods
// and 2^16-1 bytes of extensions; a Finished: 64 bytes, more than any hash), the larger of the TLS 1.2
// and 1.3 forms. A Certificate (2^24-1 bytes) is bounded by the caller's policy instead. 0 for a type
// that is never sent (message_hash, unknown types). A longer message cannot be well formed: decode_error.
size_t max_handshake_body(HandshakeType type);
// Whether a client (or a server) can receive a message of this type at all, and, as its first
// handshake message, only a ServerHello or HelloRequest (client) or a ClientHello (server): what the
// header alone decides, before the body is awaited (so that a message no state accepts is
// unexpected_message at once, whatever length it announces).
bool may_receive(HandshakeType type, bool client, bool first_message);

// Splits one whole handshake message (header + body, nothing after it) into its header and body.
// Errors: decode_error when `msg` is shorter than its header says, or longer.
Status split_handshake_message(ByteView msg, HandshakeHeader* header, ByteView* body);

// Appends the 4-byte header for `type` with body.size() as the length, then the body.
// Precondition: body.size() < 2^24 (else *out is left unchanged and false is returned).
bool encode_handshake(HandshakeType type, ByteView body, Bytes* out);

// Vectors of uint16 values, for these codecs and the extension codecs (extensions.cc): read_u16s reads
// the whole of `r` (a vector's content, after its length prefix) and is false on an odd length;
// write_u16s writes `v` with an 8- or 16-bit length prefix.
bool read_u16s(Reader r, std::vector<uint16_t>* out);
void write_u16s(Writer& w, bool prefix8, const std::vector<uint16_t>& v);

// ---------------------------------------------------------------------------------------------------
// Hellos (RFC 5246 7.4.1.2 and 7.4.1.3; shared with TLS 1.3, RFC 8446 4.1.2 and 4.1.3).

constexpr size_t kRandomLength = 32;
constexpr size_t kMaxSessionIdLength = 32;
using Random = std::array<uint8_t, kRandomLength>;

// RFC 8446 4.1.3: the ServerHello.random that marks a HelloRetryRequest (SHA-256 of
// "HelloRetryRequest").
extern const Random kHelloRetryRequestRandom;

struct ClientHello {
  uint16_t legacy_version = version::tls12;
  Random random{};
  Bytes session_id;                     // <0..32>
  std::vector<uint16_t> cipher_suites;  // <2..2^16-2>, i.e. at least one suite
  Bytes compression_methods;            // <1..2^8-1>
  // False when the message ends after compression_methods (allowed by RFC 5246 7.4.1.2); true when an
  // extensions block follows, even an empty one (encoded as 00 00).
  bool has_extensions = false;
  Extensions extensions;  // decoded with ExtContext::client_hello
};

// Errors: decode_error for a malformed body (see the file comment), a session_id longer than 32,
// no cipher suites or an odd cipher_suites length, no compression methods; errors from
// decode_extensions(..., ExtContext::client_hello).
Status decode_client_hello(ByteView body, ClientHello* out);
void encode_client_hello(const ClientHello& m, Writer& w);

struct ServerHello {
  uint16_t legacy_version = version::tls12;
  Random random{};
  Bytes session_id;  // <0..32>
  CipherSuiteId cipher_suite = 0;
  uint8_t compression_method = 0;
  bool has_extensions = false;  // as in ClientHello
  // Decoded with ExtContext::server_hello, or ExtContext::hello_retry_request when
  // is_hello_retry_request() (decided by the random before the extensions are read).
  Extensions extensions;

  // True when random is the RFC 8446 HelloRetryRequest value. Such a message is still decoded as a
  // ServerHello; the engine decides what it means.
  bool is_hello_retry_request() const { return random == kHelloRetryRequestRandom; }
};

// Errors: decode_error for a malformed body or a session_id longer than 32; errors from
// decode_extensions. The compression method and suite are carried, not judged.
Status decode_server_hello(ByteView body, ServerHello* out);
void encode_server_hello(const ServerHello& m, Writer& w);

// ---------------------------------------------------------------------------------------------------
// Certificate, TLS 1.2 form (RFC 5246 7.4.2 and 7.4.6): certificate_list<0..2^24-1> of
// ASN.1Cert<1..2^24-1>. The TLS 1.3 form (with a request context and per-entry extensions) is a
// different message: CertificateMsg13 (handshake13.h).

struct CertificateMsg12 {
  std::vector<Bytes> chain;  // leaf first; may be empty (a client with no certificate)
};

// Errors: decode_error for a malformed list or an empty certificate entry.
Status decode_certificate12(ByteView body, CertificateMsg12* out);
// How many certificates a Certificate message's list holds (TLS 1.3: each entry with its extensions),
// up to the first entry that does not fit and at most kCertificateReserveCap: what the decoders reserve,
// so that the chain is allocated once rather than grown entry by entry.
constexpr size_t kCertificateReserveCap = 16;
size_t certificate_entries_ahead(Reader list, bool with_extensions);
void encode_certificate12(const CertificateMsg12& m, Writer& w);
// The same message's body for a chain the caller keeps (no CertificateMsg12 copy of it), in a buffer
// of the right size; empty when encode_certificate12 would fail the writer.
Bytes certificate12_body(const std::vector<Bytes>& chain);

// ---------------------------------------------------------------------------------------------------
// ServerKeyExchange (RFC 5246 7.4.3, RFC 8422 5.4), TLS 1.2 forms with a signature: the signed params
// followed by a SignatureAndHashAlgorithm (u16) and signature<0..2^16-1>. The anonymous and pre-1.2
// forms (no algorithm field) are not supported. Which of the two decoders to call is decided by the
// negotiated suite.

constexpr uint8_t kEcCurveTypeNamedCurve = 3;

struct ServerKeyExchangeEcdhe {
  uint8_t curve_type = kEcCurveTypeNamedCurve;  // only named_curve (3) is accepted
  uint16_t group = 0;                           // a NamedGroup, carried even when unknown
  Bytes public_key;                             // ECPoint <1..2^8-1>
  uint16_t sig_scheme = 0;
  Bytes signature;  // <0..2^16-1>
};

// Errors: decode_error for a malformed body or an empty public key; illegal_parameter for a
// curve_type other than named_curve (explicit curves are deprecated by RFC 8422 5.4 and never sent).
Status decode_server_key_exchange_ecdhe(ByteView body, ServerKeyExchangeEcdhe* out);
void encode_server_key_exchange_ecdhe(const ServerKeyExchangeEcdhe& m, Writer& w);
// The ServerECDHParams bytes (curve_type, group, public_key) as on the wire: the part of the
// signature input (RFC 8422 5.4) after client_random + server_random.
Bytes ecdhe_params(const ServerKeyExchangeEcdhe& m);

struct ServerKeyExchangeDhe {
  Bytes p;   // dh_p <1..2^16-1>
  Bytes g;   // dh_g <1..2^16-1>
  Bytes ys;  // dh_Ys <1..2^16-1>
  uint16_t sig_scheme = 0;
  Bytes signature;  // <0..2^16-1>
};

// Errors: decode_error for a malformed body or an empty p, g or Ys. The values themselves (size of
// p, range of Ys) are judged by the engine and the crypto layer.
Status decode_server_key_exchange_dhe(ByteView body, ServerKeyExchangeDhe* out);
void encode_server_key_exchange_dhe(const ServerKeyExchangeDhe& m, Writer& w);
// The ServerDHParams bytes (p, g, Ys with their length prefixes) as on the wire.
Bytes dhe_params(const ServerKeyExchangeDhe& m);

// The whole signature input of a TLS 1.2 ServerKeyExchange (RFC 5246 7.4.3):
// client_random + server_random + params.
Bytes server_key_exchange_signed_data(const Random& client_random, const Random& server_random,
                                      ByteView params);

// ---------------------------------------------------------------------------------------------------
// CertificateRequest, TLS 1.2 form (RFC 5246 7.4.4).

struct CertificateRequest12 {
  Bytes certificate_types;            // ClientCertificateType <1..2^8-1>
  std::vector<uint16_t> sig_schemes;  // supported_signature_algorithms <2..2^16-2>
  std::vector<Bytes> authorities;     // DistinguishedName <1..2^16-1> each, list <0..2^16-1>
};

// Errors: decode_error for a malformed body, no certificate types, no or an odd-length list of
// signature algorithms, an empty distinguished name.
Status decode_certificate_request12(ByteView body, CertificateRequest12* out);
void encode_certificate_request12(const CertificateRequest12& m, Writer& w);

// ---------------------------------------------------------------------------------------------------
// Empty messages: ServerHelloDone (RFC 5246 7.4.5) and HelloRequest (7.4.1.1).
// Errors: decode_error when the body is not empty.

Status decode_server_hello_done(ByteView body);
Status decode_hello_request(ByteView body);

// ---------------------------------------------------------------------------------------------------
// CertificateVerify (RFC 5246 7.4.8; same layout in RFC 8446 4.4.3).

struct CertificateVerify {
  uint16_t sig_scheme = 0;
  Bytes signature;  // <0..2^16-1>
};

// Errors: decode_error for a malformed body.
Status decode_certificate_verify(ByteView body, CertificateVerify* out);
void encode_certificate_verify(const CertificateVerify& m, Writer& w);

// ---------------------------------------------------------------------------------------------------
// ClientKeyExchange (RFC 5246 7.4.7, RFC 8422 5.7). The body has no tag saying which form it is: the
// engine calls the decoder for the negotiated key exchange.
//   rsa:   EncryptedPreMasterSecret <0..2^16-1>
//   dhe:   dh_Yc <1..2^16-1>
//   ecdhe: ecdh_Yc <1..2^8-1>

struct ClientKeyExchange {
  Bytes exchange;  // the encrypted premaster secret, dh_Yc or the ECPoint, without its length prefix
};

// Errors: decode_error for a malformed body or a value outside the form's range.
Status decode_client_key_exchange_rsa(ByteView body, ClientKeyExchange* out);
Status decode_client_key_exchange_dhe(ByteView body, ClientKeyExchange* out);
Status decode_client_key_exchange_ecdhe(ByteView body, ClientKeyExchange* out);
void encode_client_key_exchange_rsa(const ClientKeyExchange& m, Writer& w);
void encode_client_key_exchange_dhe(const ClientKeyExchange& m, Writer& w);
void encode_client_key_exchange_ecdhe(const ClientKeyExchange& m, Writer& w);

// ---------------------------------------------------------------------------------------------------
// NewSessionTicket, TLS 1.2 form (RFC 5077 3.3).

struct NewSessionTicket12 {
  uint32_t lifetime_hint = 0;  // seconds; 0 means unspecified
  Bytes ticket;                // <0..2^16-1>; empty means "no ticket this time" (RFC 5077 3.3)
};

// Errors: decode_error for a malformed body.
Status decode_new_session_ticket12(ByteView body, NewSessionTicket12* out);
void encode_new_session_ticket12(const NewSessionTicket12& m, Writer& w);

// ---------------------------------------------------------------------------------------------------
// Finished (RFC 5246 7.4.9): verify_data, whose length the cipher suite fixes (12 for every TLS 1.2
// suite; the hash length in TLS 1.3).

constexpr size_t kFinishedLength12 = 12;

struct Finished {
  Bytes verify_data;
};

// Errors: decode_error when body.size() != expected_length. The value is compared by the engine
// (constant time; decrypt_error on a mismatch).
Status decode_finished(ByteView body, size_t expected_length, Finished* out);
// The same, the verify_data as a view of body (no copy).
Status decode_finished(ByteView body, size_t expected_length, ByteView* verify_data);
void encode_finished(const Finished& m, Writer& w);

}  // namespace sanstls

#endif  // SANSTLS_CORE_HANDSHAKE_H_
