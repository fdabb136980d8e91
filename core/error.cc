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
  std::string s = error_kind_name(kind);
  s += ": ";
  s += what;
  AlertDescription a;
  if (alert_for(*this, &a)) {
    s += " (alert ";
    s += alert_name(a);
    s += ")";
  } else if (kind == ErrorKind::alert_received) {
    s += " (";
    s += alert_name(alert);
    s += ")";
  }
  return s;
}

}  // namespace sanstls
