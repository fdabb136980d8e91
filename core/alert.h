// The alert protocol's values (RFC 5246 7.2, RFC 8446 6, RFC 8446 B.2) and the wire form of an alert.
#ifndef SANSTLS_CORE_ALERT_H_
#define SANSTLS_CORE_ALERT_H_

#include <cstdint>

#include "crypto/types.h"

namespace sanstls {

enum class AlertLevel : uint8_t { warning = 1, fatal = 2 };

// Open enum: a value not listed here is carried as it is.
enum class AlertDescription : uint8_t {
  close_notify = 0,
  unexpected_message = 10,
  bad_record_mac = 20,
  decryption_failed_RESERVED = 21,
  record_overflow = 22,
  decompression_failure_RESERVED = 30,
  handshake_failure = 40,
  no_certificate_RESERVED = 41,
  bad_certificate = 42,
  unsupported_certificate = 43,
  certificate_revoked = 44,
  certificate_expired = 45,
  certificate_unknown = 46,
  illegal_parameter = 47,
  unknown_ca = 48,
  access_denied = 49,
  decode_error = 50,
  decrypt_error = 51,
  export_restriction_RESERVED = 60,
  protocol_version = 70,
  insufficient_security = 71,
  internal_error = 80,
  inappropriate_fallback = 86,
  user_canceled = 90,
  no_renegotiation = 100,
  missing_extension = 109,
  unsupported_extension = 110,
  certificate_unobtainable_RESERVED = 111,
  unrecognized_name = 112,
  bad_certificate_status_response = 113,
  bad_certificate_hash_value_RESERVED = 114,
  unknown_psk_identity = 115,
  certificate_required = 116,
  no_application_protocol = 120,
};

// The RFC's name ("handshake_failure"), or "unknown" for a value not listed.
const char* alert_name(AlertDescription d);

struct Alert {
  AlertLevel level = AlertLevel::fatal;
  AlertDescription description = AlertDescription::close_notify;
};

// An alert record's body is exactly two bytes. Returns false (decode_error) otherwise; an unknown
// level is kept as it is for the engine to judge.
bool decode_alert(ByteView body, Alert* out);
void encode_alert(const Alert& a, Bytes* out);

}  // namespace sanstls

#endif  // SANSTLS_CORE_ALERT_H_
