#include "core/alert.h"

namespace sanstls {

const char* alert_name(AlertDescription d) {
  switch (d) {
    case AlertDescription::close_notify: return "close_notify";
    case AlertDescription::unexpected_message: return "unexpected_message";
    case AlertDescription::bad_record_mac: return "bad_record_mac";
    case AlertDescription::decryption_failed_RESERVED: return "decryption_failed";
    case AlertDescription::record_overflow: return "record_overflow";
    case AlertDescription::decompression_failure_RESERVED: return "decompression_failure";
    case AlertDescription::handshake_failure: return "handshake_failure";
    case AlertDescription::no_certificate_RESERVED: return "no_certificate";
    case AlertDescription::bad_certificate: return "bad_certificate";
    case AlertDescription::unsupported_certificate: return "unsupported_certificate";
    case AlertDescription::certificate_revoked: return "certificate_revoked";
    case AlertDescription::certificate_expired: return "certificate_expired";
    case AlertDescription::certificate_unknown: return "certificate_unknown";
    case AlertDescription::illegal_parameter: return "illegal_parameter";
    case AlertDescription::unknown_ca: return "unknown_ca";
    case AlertDescription::access_denied: return "access_denied";
    case AlertDescription::decode_error: return "decode_error";
    case AlertDescription::decrypt_error: return "decrypt_error";
    case AlertDescription::export_restriction_RESERVED: return "export_restriction";
    case AlertDescription::protocol_version: return "protocol_version";
    case AlertDescription::insufficient_security: return "insufficient_security";
    case AlertDescription::internal_error: return "internal_error";
    case AlertDescription::inappropriate_fallback: return "inappropriate_fallback";
    case AlertDescription::user_canceled: return "user_canceled";
    case AlertDescription::no_renegotiation: return "no_renegotiation";
    case AlertDescription::missing_extension: return "missing_extension";
    case AlertDescription::unsupported_extension: return "unsupported_extension";
    case AlertDescription::certificate_unobtainable_RESERVED: return "certificate_unobtainable";
    case AlertDescription::unrecognized_name: return "unrecognized_name";
    case AlertDescription::bad_certificate_status_response: return "bad_certificate_status_response";
    case AlertDescription::bad_certificate_hash_value_RESERVED: return "bad_certificate_hash_value";
    case AlertDescription::unknown_psk_identity: return "unknown_psk_identity";
    case AlertDescription::certificate_required: return "certificate_required";
    case AlertDescription::no_application_protocol: return "no_application_protocol";
  }
  return "unknown";
}

bool decode_alert(ByteView body, Alert* out) {
  if (body.size() != 2) return false;
  out->level = static_cast<AlertLevel>(body[0]);
  out->description = static_cast<AlertDescription>(body[1]);
  return true;
}

void encode_alert(const Alert& a, Bytes* out) {
  out->push_back(static_cast<uint8_t>(a.level));
  out->push_back(static_cast<uint8_t>(a.description));
}

}  // namespace sanstls
