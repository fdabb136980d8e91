// Hello extensions (RFC 5246 7.4.1.4, RFC 8446 4.2): a table-driven codec in the style of BoringSSL's
// ssl/extensions.cc. Each extension sanstls understands has one table entry (extensions.cc) holding
// its parse and write functions for every message context it may appear in; everything else is kept
// as raw bytes, so unknown extensions survive a decode/encode round trip.
//
// The codec only parses. Which extensions are allowed in which message (e.g. a ServerHello extension
// the client did not offer -> unsupported_extension) is the engine's decision. An extension with no
// parser for the given context (status_request, padding, signed_certificate_timestamp and unassigned
// types everywhere; a known type in a message it does not belong to, e.g. cookie in a ServerHello) is
// kept raw in `unknown`.
//
// Errors (all as Status values, see core/error.h):
//   decode_error       the block or a body is malformed: truncated, an inner length that overruns or
//                      leaves trailing bytes, an empty list where the RFC gives a minimum of 1, an odd
//                      length for a list of 16-bit values, an empty server_name list or host_name, a
//                      ServerHello ALPN list that is not exactly one name.
//   decode_error       a duplicate extension type in one block. RFC 8446 4.2 and RFC 5246 7.4.1.4 both
//                      say "There MUST NOT be more than one extension of the same type"; we treat the
//                      block as undecodable (as BoringSSL does) rather than illegal_parameter.
//   illegal_parameter  a well-formed body with a forbidden value: record_size_limit < 64 (RFC 8449 4);
//                      two host_names in one server_name list (RFC 6066 3).
//   illegal_parameter  a ClientHello pre_shared_key that is not the last extension of the block, or
//                      whose identities and binders differ in number (RFC 8446 4.2.11; BoringSSL and
//                      rustls send illegal_parameter for both).
//
// Round trip: for every block decode_extensions accepts, encode_extensions with the same context
// writes the same bytes back (its 16-bit length included).
#ifndef SANSTLS_CORE_EXTENSIONS_H_
#define SANSTLS_CORE_EXTENSIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"
#include "core/wire.h"
#include "crypto/types.h"

namespace sanstls {

// The message an extension block belongs to; the same extension type can have a different body in
// each (e.g. key_share: a list in ClientHello, one entry in ServerHello, a group in HelloRetryRequest).
enum class ExtContext : uint8_t {
  client_hello,
  server_hello,          // TLS 1.2 and TLS 1.3 ServerHello
  encrypted_extensions,  // TLS 1.3
  hello_retry_request,   // TLS 1.3
  certificate_request,   // TLS 1.3
  new_session_ticket,    // TLS 1.3
  certificate,           // TLS 1.3, per CertificateEntry
};
const char* ext_context_name(ExtContext c);

// An extension kept as it came: its type and its extension_data (without the length prefix).
struct RawExtension {
  uint16_t type = 0;
  Bytes data;
};

// One KeyShareEntry (RFC 8446 4.2.8). `group` is a crypto::Group code point, carried even if unknown.
struct KeyShareEntry {
  uint16_t group = 0;
  Bytes key_exchange;  // <1..2^16-1>
};

// pre_shared_key in a ClientHello (RFC 8446 4.2.11): OfferedPsks.
struct PskIdentity {
  Bytes identity;  // <1..2^16-1>
  uint32_t obfuscated_ticket_age = 0;
};
struct OfferedPsks {
  std::vector<PskIdentity> identities;  // PskIdentity identities<7..2^16-1>: at least one
  std::vector<Bytes> binders;           // PskBinderEntry (each <32..255>) binders<33..2^16-1>: at least one
};

// The size of the binders vector as written at the very end of a ClientHello, its 2-byte length
// included: 2 + sum(1 + binder size). The engine hashes the encoded ClientHello minus this many
// trailing bytes for the binders (RFC 8446 4.2.11.2), so it must fill `binders` with entries of the
// final sizes (e.g. zeros of the hash length) before encoding the partial ClientHello.
size_t psk_binders_size(const OfferedPsks& psks);

// The decoded extensions of one block. Each optional (or bool) is set iff the extension was present.
// Named groups and signature schemes are crypto::Group / crypto::SignatureScheme code points kept as
// uint16_t so that unknown values are carried.
struct Extensions {
  // Extension types in wire order, filled by decode_extensions. encode_extensions follows it when it
  // lists exactly the extensions present (each once, and in a ClientHello with pre_shared_key last);
  // otherwise it writes table order (the order of the typed fields below, except pre_shared_key),
  // then `unknown` in vector order, then pre_shared_key. Code that builds an Extensions from scratch
  // may leave it empty.
  std::vector<uint16_t> order;

  // server_name (RFC 6066 3). ClientHello: the one host_name (non-empty). ServerHello /
  // EncryptedExtensions: the empty acknowledgement, stored as "".
  std::optional<std::string> server_name;
  // ClientHello: the whole ServerNameList as sent when it also holds name types other than host_name
  // (skipped, RFC 6066 3), so that it is written back as it came; empty otherwise.
  Bytes server_name_list;
  // supported_groups (RFC 8422 5.1.1, RFC 8446 4.2.7). ClientHello, EncryptedExtensions. Non-empty.
  std::optional<std::vector<uint16_t>> supported_groups;
  // ec_point_formats (RFC 8422 5.1.2). ClientHello, ServerHello. The format bytes, non-empty.
  std::optional<Bytes> ec_point_formats;
  // signature_algorithms (RFC 5246 7.4.1.4.1, RFC 8446 4.2.3). ClientHello, CertificateRequest.
  std::optional<std::vector<uint16_t>> signature_algorithms;
  // signature_algorithms_cert (RFC 8446 4.2.3). ClientHello, CertificateRequest.
  std::optional<std::vector<uint16_t>> signature_algorithms_cert;
  // application_layer_protocol_negotiation (RFC 7301). ClientHello: the offered names (each
  // non-empty, list non-empty); ServerHello / EncryptedExtensions: exactly one name.
  std::optional<std::vector<std::string>> alpn;
  // extended_master_secret (RFC 7627) and encrypt_then_mac (RFC 7366): empty bodies. ClientHello,
  // ServerHello.
  bool extended_master_secret = false;
  bool encrypt_then_mac = false;
  // renegotiation_info (RFC 5746 3.2): the renegotiated_connection bytes (empty on a first handshake).
  // ClientHello, ServerHello.
  std::optional<Bytes> renegotiation_info;
  // session_ticket (RFC 5077 3.2). ClientHello: the ticket (empty asks for one). ServerHello: the empty
  // acknowledgement (a non-empty body there is decode_error).
  std::optional<Bytes> session_ticket;
  // record_size_limit (RFC 8449 4). ClientHello, ServerHello (TLS 1.2), EncryptedExtensions. >= 64.
  std::optional<uint16_t> record_size_limit;
  // supported_versions (RFC 8446 4.2.1). ClientHello: the list (u8 length, non-empty); ServerHello and
  // HelloRetryRequest: exactly one value.
  std::optional<std::vector<uint16_t>> supported_versions;
  // key_share (RFC 8446 4.2.8). ClientHello: the client_shares list (may be empty); ServerHello: exactly
  // one entry. Not used for HelloRetryRequest (see hrr_selected_group).
  std::optional<std::vector<KeyShareEntry>> key_share;
  // key_share in a HelloRetryRequest: the selected_group alone (RFC 8446 4.2.8). Kept apart from
  // key_share so that an entry never has to stand for a group without a key.
  std::optional<uint16_t> hrr_selected_group;
  // pre_shared_key (RFC 8446 4.2.11). ClientHello: the offered PSKs, always written (and required on
  // decode) as the last extension. ServerHello: the selected identity's index.
  std::optional<OfferedPsks> pre_shared_key;
  std::optional<uint16_t> psk_selected_identity;
  // psk_key_exchange_modes (RFC 8446 4.2.9). ClientHello: the mode bytes (psk_ke 0, psk_dhe_ke 1,
  // carried even if unknown), non-empty.
  std::optional<Bytes> psk_key_exchange_modes;
  // early_data (RFC 8446 4.2.10). ClientHello and EncryptedExtensions: an empty body, `early_data`.
  // NewSessionTicket: max_early_data_size.
  bool early_data = false;
  std::optional<uint32_t> max_early_data_size;
  // cookie (RFC 8446 4.2.2). ClientHello and HelloRetryRequest: the cookie, non-empty.
  std::optional<Bytes> cookie;
  // post_handshake_auth (RFC 8446 4.2.6). ClientHello: an empty body.
  bool post_handshake_auth = false;
  // certificate_authorities (RFC 8446 4.2.4). ClientHello, CertificateRequest: the DER
  // DistinguishedNames (each non-empty), list non-empty.
  std::optional<std::vector<Bytes>> certificate_authorities;

  // Everything else (and extensions with no parser in this context), as raw bytes, in wire order.
  std::vector<RawExtension> unknown;

  // The raw extension of this type in `unknown`, or nullptr.
  const RawExtension* find_unknown(uint16_t type) const;
  // True when an extension of this type is present (typed or raw) for the given context.
  bool has(uint16_t type, ExtContext ctx) const;
  // Appends to *out, in ascending order, every type below 64 that has() finds, then
  // renegotiation_info when present: what a loop of has() over those types gives, in one pass.
  void present_types(ExtContext ctx, std::vector<uint16_t>* out) const;
};

// Decodes an extension block. `block` is the content of the extensions vector, after its 16-bit
// length (an empty block is valid and yields no extensions). On success *out holds exactly the
// extensions of the block (it is reset first). Errors: see the top of this file; on error *out is
// unspecified and the caller sends the error's alert.
Status decode_extensions(ByteView block, ExtContext ctx, Extensions* out);

// Writes the 16-bit length and the extensions of `e` for context `ctx`: the typed fields that have a
// writer in `ctx` and every raw extension in `unknown`. Typed fields with no writer in `ctx` are not
// written. Preconditions: the values fit their length prefixes and obey the same rules decode checks
// (e.g. a ClientHello server_name is non-empty); a body too long for its prefix fails the writer
// (w.ok() == false), which the caller checks.
void encode_extensions(const Extensions& e, ExtContext ctx, Writer& w);

// RFC 6066 3: a HostName is a fully qualified DNS name in ASCII, without a trailing dot. True for 1 to 253
// bytes of labels of 1 to 63 letters, digits, '-' or '_' (seen in real names), separated by single
// dots; false for anything else: NUL, control and escape bytes, spaces, IPv6 literals, a trailing or
// doubled dot. A server refuses a ClientHello whose host_name fails it (illegal_parameter).
bool is_valid_host_name(const std::string& name);

}  // namespace sanstls

#endif  // SANSTLS_CORE_EXTENSIONS_H_
