// An in-memory client/server pair for tests (h11's ConnectionPair idea): the workhorse of the engine
// tests. Bytes move between the two connections in chunks of a chosen size; events are collected.
#ifndef SANSTLS_TESTS_PAIR_H_
#define SANSTLS_TESTS_PAIR_H_

#include <memory>
#include <string>
#include <vector>

#include "core/connection.h"
#include "crypto/crypto.h"

namespace sanstls {
namespace testing {

class FixedClock : public Clock {
 public:
  explicit FixedClock(uint64_t ms) : ms_(ms) {}
  uint64_t now_ms() override { return ms_; }
  void set(uint64_t ms) { ms_ = ms; }

 private:
  uint64_t ms_;
};

// 2030-01-01T00:00:00Z: inside the validity of the good test certificates (2024..2049).
constexpr uint64_t kTestNowMs = 1893456000000ull;

// What one side saw.
struct Seen {
  std::vector<Event::Type> events;
  std::vector<Alert> alerts;
  std::vector<uint8_t> messages;  // handshake message types traced (0xff = CCS), in order
  std::string data;               // application data received
  int tickets = 0;  // session_ticket events
  int peer_auths = 0;  // peer_authenticated events
  std::vector<Event> requests;  // asynchronous operations' request events (valid until answered)
  bool done = false;
  bool closed = false;
  bool clean = false;
};

// Reads every event of `c` into `seen`.
void drain(Connection& c, Seen* seen);

// Moves bytes both ways until neither side has anything to send. chunk == 0 moves all at once.
// Returns false if a side refused input (an error).
bool pump(Connection& client, Connection& server, Seen* cs, Seen* ss, size_t chunk = 0);

// Configs from tests/certs.
std::shared_ptr<const ServerConfig> server_config(const std::string& suites = "", bool client_auth = false,
                                                  bool require_client_cert = false);
// with_cert: present tests/certs/<cert>.pem and <cert>.key.pem ("client": RSA, "client_ec": ECDSA P-256).
std::shared_ptr<const ClientConfig> client_config(const std::string& suites = "", bool with_cert = false,
                                                  const std::string& cert = "client");

// The raw ClientHello of a client with the given config (for tests that feed a server by hand).
Bytes client_hello_bytes(std::shared_ptr<const ClientConfig> cfg, const std::string& name = "localhost");

}  // namespace testing
}  // namespace sanstls

#endif  // SANSTLS_TESTS_PAIR_H_
