// TLS 1.3 handshake messages (RFC 8446 4.3 - 4.6): bodies only, beside the TLS 1.2 ones of
// core/handshake.h, with the same contract (read its file comment):
//   Status decode_X(ByteView body, X* out)   body = the message after its 4-byte header
//   void encode_X(const X& m, Writer& w)     appends the body; fails the writer for values the
//                                            decoder would refuse; the caller checks w.ok() once
// For everything decode_X accepts, encode_X of the result gives back the same bytes.
//
// Errors: decode_error (Error::decode) for truncation, a length prefix that overruns or leaves trailing
// bytes, and vectors outside their RFC range (an empty cert_data, an empty ticket); illegal_parameter
// (Error::illegal) for a forbidden value (a KeyUpdate request_update other than 0 or 1);
// missing_extension for a CertificateRequest without signature_algorithms (RFC 8446 4.3.2). Errors
// from decode_extensions (core/extensions.h) come through unchanged.
//
// Shared with TLS 1.2 and not repeated here: ClientHello and ServerHello (a HelloRetryRequest is a
// ServerHello whose random is kHelloRetryRequestRandom; decode_server_hello / encode_server_hello then
// use ExtContext::hello_retry_request), CertificateVerify (same layout) and Finished (call
// decode_finished with the hash length as expected_length).
//
// Whether a message is allowed in the current state, and values that are only wrong for a connection
// (a ticket_lifetime above 604800 seconds, a request_context that does not match, an extension the
// peer may not send in this message), are the engine's to judge.
#ifndef SANSTLS_CORE_HANDSHAKE13_H_
#define SANSTLS_CORE_HANDSHAKE13_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"
#include "core/extensions.h"
#include "crypto/types.h"

namespace sanstls {

// ---------------------------------------------------------------------------------------------------
// EncryptedExtensions (RFC 8446 4.3.1): Extension extensions<0..2^16-1>.

struct EncryptedExtensions {
  Extensions extensions;  // ExtContext::encrypted_extensions
};

// Errors: decode_error for a malformed body; errors from decode_extensions.
Status decode_encrypted_extensions(ByteView body, EncryptedExtensions* out);
void encode_encrypted_extensions(const EncryptedExtensions& m, Writer& w);

// ---------------------------------------------------------------------------------------------------
// Certificate, TLS 1.3 form (RFC 8446 4.4.2):
//   struct { opaque cert_data<1..2^24-1>; Extension extensions<0..2^16-1>; } CertificateEntry;
//   struct { opaque certificate_request_context<0..2^8-1>;
//            CertificateEntry certificate_list<0..2^24-1>; } Certificate;
// cert_data is carried as opaque bytes (X.509 DER, or a RawPublicKey; the engine knows which).

struct CertificateEntry {
  Bytes cert_data;        // <1..2^24-1>
  Extensions extensions;  // ExtContext::certificate
};

struct CertificateMsg13 {
  Bytes request_context;                 // <0..255>; empty except in reply to a post-handshake request
  std::vector<CertificateEntry> entries;  // leaf first; may be empty (a client with no certificate)
};

// Errors: decode_error for a malformed body, a request_context longer than 255 (on encode), an empty
// cert_data; errors from decode_extensions(..., ExtContext::certificate).
Status decode_certificate13(ByteView body, CertificateMsg13* out);
void encode_certificate13(const CertificateMsg13& m, Writer& w);

// ---------------------------------------------------------------------------------------------------
// CertificateRequest, TLS 1.3 form (RFC 8446 4.3.2):
//   struct { opaque certificate_request_context<0..2^8-1>; Extension extensions<2..2^16-1>; }

struct CertificateRequest13 {
  Bytes request_context;  // <0..255>; empty in the main handshake
  Extensions extensions;  // ExtContext::certificate_request; signature_algorithms required
};

// Errors: decode_error for a malformed body; errors from decode_extensions; missing_extension when
// signature_algorithms is absent ("The "signature_algorithms" extension MUST be specified",
// RFC 8446 4.3.2). The encoder fails the writer in that case too.
Status decode_certificate_request13(ByteView body, CertificateRequest13* out);
void encode_certificate_request13(const CertificateRequest13& m, Writer& w);

// ---------------------------------------------------------------------------------------------------
// NewSessionTicket, TLS 1.3 form (RFC 8446 4.6.1):
//   struct { uint32 ticket_lifetime; uint32 ticket_age_add; opaque ticket_nonce<0..255>;
//            opaque ticket<1..2^16-1>; Extension extensions<0..2^16-2>; } NewSessionTicket;

struct NewSessionTicket13 {
  uint32_t lifetime = 0;  // seconds; the engine enforces the 7-day cap
  uint32_t age_add = 0;
  Bytes nonce;            // <0..255>
  Bytes ticket;           // <1..2^16-1>
  Extensions extensions;  // ExtContext::new_session_ticket (early_data -> max_early_data_size)
};

// Errors: decode_error for a malformed body or an empty ticket; errors from decode_extensions.
Status decode_new_session_ticket13(ByteView body, NewSessionTicket13* out);
void encode_new_session_ticket13(const NewSessionTicket13& m, Writer& w);

// ---------------------------------------------------------------------------------------------------
// KeyUpdate (RFC 8446 4.6.3): enum { update_not_requested(0), update_requested(1), (255) }.

constexpr uint8_t kKeyUpdateNotRequested = 0;
constexpr uint8_t kKeyUpdateRequested = 1;

struct KeyUpdate {
  uint8_t request_update = kKeyUpdateNotRequested;
};

// Errors: decode_error when the body is not exactly one byte; illegal_parameter for a value other than
// 0 or 1 ("If an implementation receives any other value, it MUST terminate the connection with an
// "illegal_parameter" alert"). The encoder fails the writer for such a value.
Status decode_key_update(ByteView body, KeyUpdate* out);
void encode_key_update(const KeyUpdate& m, Writer& w);

// ---------------------------------------------------------------------------------------------------
// EndOfEarlyData (RFC 8446 4.5): an empty body. Errors: decode_error when the body is not empty.
// (The message is encoded with encode_handshake(HandshakeType::end_of_early_data, {}, &out).)

Status decode_end_of_early_data(ByteView body);

// ---------------------------------------------------------------------------------------------------
// Transcript and signature helpers.

// The synthetic handshake message that replaces ClientHello1 in the transcript after a
// HelloRetryRequest (RFC 8446 4.4.1): message_hash (254), a 24-bit length of hash.size(), the hash.
// Precondition: hash is Hash(ClientHello1) (32 or 48 bytes; anything under 256 bytes is encoded as
// given).
Bytes message_hash_message(ByteView hash);

// The content a CertificateVerify signature covers (RFC 8446 4.4.3): 64 bytes of 0x20, the context
// string "TLS 1.3, server CertificateVerify" (server = true) or "TLS 1.3, client CertificateVerify",
// one 0x00 byte, then transcript_hash (Transcript-Hash(Handshake Context, Certificate)).
Bytes certificate_verify_input(bool server, ByteView transcript_hash);

}  // namespace sanstls

#endif  // SANSTLS_CORE_HANDSHAKE13_H_
