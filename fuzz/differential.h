// Differential testing against OpenSSL, in process (issue 14): the same client flight goes to a sanstls
// server and to an OpenSSL 3.0 libssl server with matching settings (the test PKI's ECDSA P-256
// certificate, TLS 1.2 and 1.3, each library's default suites, groups and schemes), and what each does
// with it is compared: answered with a ServerHello (or a HelloRetryRequest), refused with an alert
// (which), waiting for more bytes, or failed without a word.
//
// Every difference is either a bug in one of the two or a policy difference listed in kAllowed with
// the RFC section that permits it; //tests:differential_test replays a deterministic corpus (every
// byte of four real ClientHellos, mutated) and fails on any difference not listed, and
// fuzz/differential_fuzzer.cc lets libFuzzer mutate the same flights and traps on one.
//
// Scope: the server's answer to the client's first flight, where both libraries decide from the
// ClientHello alone. Later flights depend on the server's random values, which differ between the two.
#ifndef SANSTLS_FUZZ_DIFFERENTIAL_H_
#define SANSTLS_FUZZ_DIFFERENTIAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/types.h"

namespace sanstls {
namespace differential {

struct Outcome {
  enum class Kind : uint8_t {
    accept,        // a ServerHello flight, no error
    retry,         // a HelloRetryRequest (RFC 8446 4.1.4)
    alert,         // a plaintext alert; `alert` is its description
    wait,          // nothing written, no error: the flight is incomplete
    silent,        // failed without writing an alert
    hello_then_fail,  // a ServerHello, then failure (its alert, if any, is encrypted)
  };
  Kind kind = Kind::wait;
  uint8_t alert = 0;
  std::string str() const;  // "accept", "alert:decode_error", ...
  bool operator==(const Outcome& o) const { return kind == o.kind && (kind != Kind::alert || alert == o.alert); }
  bool operator!=(const Outcome& o) const { return !(*this == o); }
};

// The outcome of `flight` (records as a client writes them) at a fresh server of each library.
// `why`, when given, receives each library's reason for a failure (for reports).
Outcome sanstls_server(ByteView flight, std::string* why = nullptr);
Outcome openssl_server(ByteView flight, std::string* why = nullptr);

// The client side (TLS 1.2): each library's client sends its ClientHello to a sanstls server (same
// certificate, its own preference order, so both get the same suite and group), and the server's
// first flight (ServerHello .. ServerHelloDone, all plaintext in TLS 1.2) comes back to that client
// with one mutation, the same for both: in handshake message `message` (0 = ServerHello), the byte at
// `offset` (header included) changed by `how` (0: xor 1, 1: xor 0x80, 2: set 0, 3: set 0xff). The
// outcome is the client's answer: "accept" when it wrote its next flight. Null when the flight has no
// such byte (the two flights have the same shape; the values differ).
struct ClientMutation {
  size_t message = 0;
  size_t offset = 0;
  uint8_t how = 0;
};
bool sanstls_client(const ClientMutation& m, Outcome* out, std::string* why = nullptr);
bool openssl_client(const ClientMutation& m, Outcome* out, std::string* why = nullptr);
// The shape of the server's first flight for each client: the sizes of its handshake messages.
std::vector<size_t> server_flight_shape(bool openssl_client);

// A difference the two libraries are allowed to show, and why. An entry matches on both outcomes and
// on each library's reason for failing (a part of sanstls's Error::what and of OpenSSL's error
// string; empty: any), so that it explains one cause, not every difference with the same alerts.
struct Allowed {
  const char* ours;          // Outcome::str() of sanstls ("": any; the reasons decide)
  const char* our_reason;    // in sanstls's error text
  const char* openssl;       // Outcome::str() of OpenSSL
  const char* their_reason;  // in OpenSSL's error string
  const char* rfc;           // the section that decides (or leaves the choice open)
  const char* why;
};
// The entry that covers the difference, or null when it is unexplained. The reasons are what
// sanstls_server() and openssl_server() put in `why`.
const Allowed* justify(const Outcome& ours, const std::string& our_reason, const Outcome& theirs,
                       const std::string& their_reason);
const std::vector<Allowed>& allowed();

// Real first flights: sanstls's ClientHello (TLS 1.2 and 1.3; TLS 1.2 only) and OpenSSL's (the same).
std::vector<Bytes> seed_flights();

}  // namespace differential
}  // namespace sanstls

#endif  // SANSTLS_FUZZ_DIFFERENTIAL_H_
