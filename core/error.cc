#include "core/error.h"

namespace sanstls {

const char* error_kind_name(ErrorKind k) {
  switch (k) {
    case ErrorKind::decode: return "decode";
    case ErrorKind::peer_misbehaved: return "peer misbehaved";
    case ErrorKind::peer_incompatible: return "peer incompatible";
    case ErrorKind::bad_certificate: return "bad certificate";
    case ErrorKind::alert_received: return "alert received";
    case ErrorKind::api_misuse: return "API misuse";
    case ErrorKind::config: return "config";
    case ErrorKind::timeout: return "timeout";
    case ErrorKind::transport_closed: return "transport closed";
    case ErrorKind::internal: return "internal";
  }
  return "unknown";
}

bool alert_for(const Error& e, AlertDescription* out) {
  switch (e.kind) {
    case ErrorKind::alert_received:
    case ErrorKind::api_misuse:
    case ErrorKind::config:
    case ErrorKind::timeout:
    case ErrorKind::transport_closed:
      return false;
    default:
      *out = e.alert;
      return true;
  }
}

std::string Error::to_string() const {
  const std::string s = std::string(error_kind_name(kind)) + ": " + what;
  AlertDescription a;
  if (alert_for(*this, &a)) return s + " (alert " + alert_name(a) + ")";
  if (kind == ErrorKind::alert_received) return s + " (" + alert_name(alert) + ")";
  return s;
}

}  // namespace sanstls
