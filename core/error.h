// Errors as values, typed by who is to blame (after rustls's error kinds).
//
// Every error the engine can meet carries the alert it sends. Exactly one function (alert_for) maps an
// error to that alert; the engine sends it from one place.
#ifndef SANSTLS_CORE_ERROR_H_
#define SANSTLS_CORE_ERROR_H_

#include <string>
#include <utility>

#include "core/alert.h"

namespace sanstls {

enum class ErrorKind : uint8_t {
  decode,              // a message or record is malformed: bad length, trailing bytes
  peer_misbehaved,     // well-formed but wrong: illegal value, unexpected message, bad MAC, bad Finished
  peer_incompatible,   // the peer wants what we do not do: version, suites, groups, signature schemes
  bad_certificate,     // the peer's certificate chain was refused
  alert_received,      // the peer sent a fatal alert
  api_misuse,          // the caller broke a precondition (nothing is sent to the peer)
  config,              // a config was refused when it was built
  timeout,             // the handshake did not finish by its deadline (nothing is sent)
  transport_closed,    // the transport ended before the handshake finished (nothing can be sent)
  internal,            // a failure inside sanstls or the crypto library
};
const char* error_kind_name(ErrorKind k);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  AlertDescription alert = AlertDescription::internal_error;
  // A short static description ("ClientHello: trailing bytes"); never points at peer-controlled bytes.
  const char* what = "";

  static Error decode(const char* what) { return {ErrorKind::decode, AlertDescription::decode_error, what}; }
  static Error illegal(const char* what) {
    return {ErrorKind::peer_misbehaved, AlertDescription::illegal_parameter, what};
  }
  static Error unexpected(const char* what) {
    return {ErrorKind::peer_misbehaved, AlertDescription::unexpected_message, what};
  }
  static Error incompatible(AlertDescription a, const char* what) {
    return {ErrorKind::peer_incompatible, a, what};
  }
  static Error misbehaved(AlertDescription a, const char* what) {
    return {ErrorKind::peer_misbehaved, a, what};
  }
  static Error internal(const char* what) {
    return {ErrorKind::internal, AlertDescription::internal_error, what};
  }
  static Error misuse(const char* what) { return {ErrorKind::api_misuse, AlertDescription::internal_error, what}; }

  std::string to_string() const;
};

// The one mapping from an error to the alert sent for it; false when nothing is sent (a received alert,
// or an API misuse that does not end the connection).
bool alert_for(const Error& e, AlertDescription* out);

// A status: ok, or an error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : ok_(false), error_(e) {}  // NOLINT: implicit so that `return Error::decode(...)` works
  static Status ok_status() { return Status(); }
  bool ok() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  bool ok_ = true;
  Error error_;
};

// A value or an error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T v) : ok_(true), value_(std::move(v)) {}  // NOLINT
  Result(Error e) : ok_(false), error_(e) {}         // NOLINT
  bool ok() const { return ok_; }
  const Error& error() const { return error_; }
  T& value() { return value_; }
  const T& value() const { return value_; }
  T&& take() { return std::move(value_); }

 private:
  bool ok_;
  T value_{};
  Error error_;
};

#define SANSTLS_TRY(expr)                  \
  do {                                     \
    ::sanstls::Status status_ = (expr);    \
    if (!status_.ok()) return status_.error(); \
  } while (0)

}  // namespace sanstls

#endif  // SANSTLS_CORE_ERROR_H_
