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
#include "core/tls12_keys.h"

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

// One direction of TLS 1.2 traffic (RFC 5246 6.3) from a logged master secret and the hello randoms:
// the client's (client_side) or the server's writes, to seal records as that side or open what it wrote.
// Sequence numbers start at 0; set_sequence() moves them (e.g. past a Finished already sent).
class Traffic12 {
 public:
  Traffic12(const CipherSuite& suite, ByteView master, const Random& cr, const Random& sr, bool client_side,
            bool encrypt_then_mac = false);
  Bytes seal(ContentType type, ByteView content);
  // The plaintext of one protected record; false when it does not open (type and plaintext untouched).
  bool open(const Rec& r, ContentType* type, Bytes* plaintext);
  void set_sequence(uint64_t seq) { p_.set_sequence_number_for_testing(seq); }

 private:
  std::unique_ptr<crypto::Rng> rng_;  // CBC explicit IVs; outlives p_
  RecordProtection p_;
};

// A KeyLog that keeps the TLS 1.2 master secret and client random (label CLIENT_RANDOM).
struct MasterLog : KeyLog {
  Bytes client_random, master;
  void log(const char* label, ByteView cr, ByteView secret) override {
    if (std::string(label) != "CLIENT_RANDOM") return;
    client_random = cr.to_bytes();
    master = secret.to_bytes();
  }
};

}  // namespace testing
}  // namespace sanstls

#endif  // SANSTLS_TESTS_RECORDS_H_
