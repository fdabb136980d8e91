// The TLS record header (RFC 5246 6.2.1, RFC 8446 5.1) and the ChangeCipherSpec message (RFC 5246
// 7.1). Record protection, fragmentation and the checks that depend on the connection state (which
// content types and versions are acceptable now) belong to the engine.
#ifndef SANSTLS_CORE_RECORD_H_
#define SANSTLS_CORE_RECORD_H_

#include <cstddef>
#include <cstdint>

#include "core/error.h"
#include "core/wire.h"
#include "crypto/types.h"

namespace sanstls {

constexpr size_t kRecordHeaderLength = 5;
constexpr size_t kMaxPlaintext = 16384;               // 2^14 (RFC 5246 6.2.1, RFC 8446 5.1)
constexpr size_t kMaxCiphertext12 = 16384 + 2048;     // TLSCiphertext.length in TLS 1.2 (RFC 5246 6.2.3)
constexpr size_t kMaxCiphertext13 = 16384 + 256;      // TLSCiphertext.length in TLS 1.3 (RFC 8446 5.2)

struct RecordHeader {
  ContentType type = ContentType::handshake;  // open: any byte is carried
  uint16_t version = 0;                        // legacy_record_version
  uint16_t length = 0;                         // length of the fragment that follows
};

// Decodes the first kRecordHeaderLength bytes of `in` (bytes after them are ignored: they are the
// fragment). Any type, version and length are accepted here; check_record_header judges them.
// Errors: decode_error when `in` holds fewer than 5 bytes (the caller should wait for more input
// rather than treat this as fatal when the stream is merely incomplete).
Status decode_record_header(ByteView in, RecordHeader* out);

// The state-free checks on a header, in this order:
//   unexpected_message  the content type is not one of the four in ContentType (RFC 8446 5: "If a
//                       TLS implementation receives an unexpected record type, it MUST terminate the
//                       connection with an unexpected_message alert");
//   protocol_version    the major version byte is not 3;
//   record_overflow     length > max_fragment (the caller passes the limit for the current state,
//                       e.g. kMaxPlaintext + expansion, kMaxCiphertext12 or kMaxCiphertext13).
// The exact version (e.g. 0x0303 after the ServerHello) is the engine's check.
Status check_record_header(const RecordHeader& h, size_t max_fragment);

// Appends the 5 header bytes to *out.
void encode_record_header(const RecordHeader& h, Bytes* out);
// Writes the 5 header bytes to out[0..5).
void encode_record_header(const RecordHeader& h, uint8_t out[kRecordHeaderLength]);

// A ChangeCipherSpec body is exactly the one byte 0x01 (RFC 5246 7.1). Errors: decode_error otherwise.
Status decode_change_cipher_spec(ByteView body);
// Appends the body {0x01}.
void encode_change_cipher_spec(Bytes* out);

}  // namespace sanstls

#endif  // SANSTLS_CORE_RECORD_H_
