// Records as an attacker writes them (tests only): splitting a byte stream into records, and one
// direction of TLS 1.3 traffic under a logged secret, to open what a side wrote or to seal records as
// that side (through the engine's own RecordProtection, RFC 8446 5.2).
#ifndef SANSTLS_TESTS_RECORDS_H_
#define SANSTLS_TESTS_RECORDS_H_

#include <map>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/connection.h"
#include "core/handshake.h"
#include "core/record_protection.h"
#include "core/suites.h"

namespace sanstls {
namespace testing {

struct Rec {
  uint8_t type;
  Bytes body;
};
// The records of `in` (a whole number of them; a partial one at the end is ignored).
std::vector<Rec> split_records(ByteView in);
// A plaintext record of `type` with `body` (legacy version 0x0303).
Bytes plain_record(uint8_t type, ByteView body);
// A handshake message: header + body.
Bytes handshake_msg(HandshakeType t, ByteView body);
// Everything `c` wants to write, consumed.
Bytes take(Connection& c);

// Keeps every secret a config logs, by label (one connection pair per log).
struct SecretLog : KeyLog {
  std::map<std::string, Bytes> secrets;
  void log(const char* label, ByteView, ByteView secret) override { secrets[label] = secret.to_bytes(); }
};

// One direction of TLS 1.3 traffic from a traffic secret; the sequence number starts at 0.
class Traffic {
 public:
  // Fails the test (REQUIRE) on an empty secret.
  Traffic(const CipherSuite& suite, const Bytes& secret);
  Bytes seal(ContentType type, ByteView content);
  // The plaintext of one protected record; its inner content type in *type.
  Bytes open(const Rec& r, ContentType* type);

 private:
  RecordProtection p_;
};

}  // namespace testing
}  // namespace sanstls

#endif  // SANSTLS_TESTS_RECORDS_H_
