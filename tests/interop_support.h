// What the interop tests share (tests/interop*_test.cc): the sanstls client or server driven through
// the blocking adapter against a real peer (openssl, gnutls, NSS tools; see tests/peer.h), with the
// configs, results and runners every one of those tests builds on. Every peer gets a hard deadline
// (kPeerDeadlineMs) and every socket time-outs (kIoTimeoutMs), so a hang fails a test, never blocks it.
// The helpers fail the calling test (doctest REQUIRE/FAIL) when they cannot set up what they promise.
#ifndef SANSTLS_TESTS_INTEROP_SUPPORT_H_
#define SANSTLS_TESTS_INTEROP_SUPPORT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/connection.h"
#include "tests/peer.h"
#include "tools/adapters/blocking.h"

namespace sanstls {
namespace testing {

// A peer's whole life, and the time-out of every socket read or write in a test.
constexpr int kPeerDeadlineMs = 20000;
constexpr int kIoTimeoutMs = 5000;

constexpr uint16_t kX25519 = 0x001d, kP256 = 0x0017, kP384 = 0x0018, kFfdhe2048 = 0x0100;
constexpr uint16_t kRsaPssRsaeSha256 = 0x0804, kEcdsaP256Sha256 = 0x0403, kEcdsaP384Sha384 = 0x0503;
constexpr uint8_t kClientHello = 1, kServerHello = 2, kEndOfEarlyData = 5, kCertificate = 11, kKeyUpdate = 24;
constexpr uint8_t kChangeCipherSpec = 0xff;  // how a trace (ClientRun/ServerConn sent, got) lists a CCS

inline const char* const kSuites13[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                        "TLS_CHACHA20_POLY1305_SHA256"};
// What SanstlsServer writes back before the line it read.
inline constexpr const char* kEchoPrefix = "sanstls echo: ";
inline constexpr const char* kHttpGet = "GET / HTTP/1.0\r\n\r\n";
// GnuTLS priorities: every TLS 1.2 suite sanstls speaks; TLS 1.3 with every group.
inline constexpr const char* kGnutlsTls12 =
    "NORMAL:-VERS-ALL:+VERS-TLS1.2:+DHE-RSA:+RSA:+AES-128-CBC:+AES-256-CBC:+SHA1:+SHA256:+SHA384";
inline constexpr const char* kGnutls13 = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+GROUP-ALL";

// ---------------------------------------------------------------------------------------------------
// Small helpers

// The absolute path of tests/certs/<name> (peers run with their own working directory).
std::string cert(const std::string& name);
bool contains(const std::string& hay, const std::string& needle);
// How often needle occurs in hay (overlapping ones too).
size_t occurrences(const std::string& hay, const std::string& needle);
// How often message type t is in a trace.
int count(const std::vector<uint8_t>& trace, uint8_t t);
std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b);
// "%04x".
std::string hex4(uint16_t v);
// A path in the test's temporary directory ($TEST_TMPDIR, else /tmp).
std::string tmp_path(const std::string& name);
// Writes content to tmp_path(name) (replacing it) and returns that path.
std::string tmp_file(const std::string& name, const std::string& content);
// Polls cond every 10 ms until it holds (true) or timeout_ms passed (false).
bool eventually(const std::function<bool()>& cond, int timeout_ms);

// OpenSSL's -groups name of X25519, P-256 or P-384.
const char* openssl_group(uint16_t group);
// OpenSSL -cert/-key arguments: the RSA server certificate; the ECDSA P-256 one with its intermediate.
std::vector<std::string> rsa_cert_args();
std::vector<std::string> ec_cert_args();

// Starts a peer with the kPeerDeadlineMs deadline; REQUIREs that it started.
std::unique_ptr<Peer> start_peer(const std::vector<std::string>& argv);

// ---------------------------------------------------------------------------------------------------
// The sanstls client against a peer server

// A real server process and the port it listens on.
struct PeerServer {
  std::unique_ptr<Peer> peer;
  uint16_t port = 0;
};

// `stdbuf -oL openssl s_server -accept 127.0.0.1:0 <args>`; returns once its "ACCEPT" line named the
// port (REQUIREs that it does).
PeerServer start_s_server(const std::vector<std::string>& args);
// For servers that take no port 0: picks a free port, starts argv_for(port), and counts the server up
// when it prints `ready` (within 5 s) and, with connect_check, accepts a TCP connection; up to three
// tries, in case another process took the port meanwhile. REQUIREs that one try worked.
PeerServer start_on_free_port(const std::function<std::vector<std::string>(uint16_t)>& argv_for,
                              const std::string& ready, bool connect_check);
// `gnutls-serv -p <free port> --echo` with the RSA and the ECDSA (chain) server certificates, then
// `extra`; up once it listens.
PeerServer start_gnutls_serv(const std::vector<std::string>& extra);

// The client's side of one connection (the config and the options it connects with).
struct ClientCase {
  std::string suites;              // OpenSSL or IANA names; "" = defaults
  std::vector<uint16_t> groups;    // {} = defaults (X25519 share first)
  std::vector<uint16_t> schemes;   // signature_algorithms; {} = defaults
  std::string cert_name;           // "" = no client certificate, else tests/certs/<name>.pem
  std::vector<std::string> alpn;
  bool ems = true, etm = true;     // extended_master_secret, encrypt_then_mac
  uint16_t record_size_limit = 0;  // 0 = none
  std::optional<Session> resume;
  std::string early;               // 0-RTT data (with `resume`)
  uint16_t min_version = 0x0304, max_version = 0x0304;
};

// What one client connection saw.
struct ClientRun {
  bool handshake_ok = false;
  bool failed = false;  // an error or a transport failure (then in error, transport_error)
  Error error;
  std::string transport_error;
  HandshakeInfo info;
  std::optional<Session> session;  // at close (TLS 1.3: from the last NewSessionTicket)
  std::string received;            // application data from the server
  bool clean_close = false;        // the server's close_notify arrived
  int tickets = 0;                 // NewSessionTickets
  std::vector<uint8_t> sent, got;  // handshake message types traced (kChangeCipherSpec: CCS)
  std::optional<uint16_t> server_record_size_limit;  // record_size_limit in the ServerHello received
};

// The config for a ClientCase (trusting tests/certs/ca.pem); FAILs the test when it is refused.
std::shared_ptr<const ClientConfig> make_client_config(const ClientCase& c);

// A connected client (127.0.0.1:port, SNI "localhost", traced into *run): the constructor REQUIREs
// the TCP connection and runs the handshake; run->handshake_ok says how that went (failures land in
// run->failed, error, transport_error). The socket is closed with the object.
class Client {
 public:
  Client(uint16_t port, const ClientCase& c, ClientRun* run);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Writes all of s; false (and the failure in the run) when that failed.
  bool write(const std::string& s);
  // Reads until `until` is in run->received, or when until is empty, until the server's close_notify.
  // False on an error (in the run) or, with a non-empty until, a close before it came.
  bool read_until(const std::string& until);
  // A KeyUpdate (asking the server for one too when request_peer), flushed.
  Status key_update(bool request_peer);
  // Takes the session and the final info into the run, and sends close_notify.
  void close();
  BlockingStream& stream() { return *stream_; }

 private:
  void fail(const Error& e);

  ClientRun* run_;
  std::unique_ptr<crypto::Rng> rng_;
  SystemClock clock_;
  int fd_ = -1;
  std::unique_ptr<BlockingStream> stream_;
};

// One connection: handshake, write `request`, read until `until` ("" = the server's close), close.
ClientRun run_client(uint16_t port, const ClientCase& c, const std::string& request, const std::string& until);
std::string describe(const ClientRun& r);

// ---------------------------------------------------------------------------------------------------
// A peer client against the sanstls server

// What the server saw of one connection.
struct ServerConn {
  bool handshake_ok = false;
  bool failed = false;  // an error or a transport failure (then in error, transport_error)
  Error error;
  std::string transport_error;
  HandshakeInfo info;              // after the handshake, again after the line (post-handshake auth)
  std::string early;               // application data that came as 0-RTT
  std::string received;            // everything up to the first line end (early data included)
  bool peer_closed_clean = false;  // the client's close_notify arrived
  std::vector<uint8_t> got, sent;  // handshake message types traced (kChangeCipherSpec: CCS)
  Bytes server_random;             // from the ServerHello sent (the last one)
  std::optional<uint16_t> client_record_size_limit;  // record_size_limit in the ClientHello received
  std::optional<uint16_t> server_record_size_limit;  // record_size_limit in the ServerHello sent
};
std::string describe(const ServerConn& c);

// The server config: both server certificates (RSA; ECDSA P-256 with its intermediate), then the
// case's settings. FAILs the test when it is refused.
struct ServerCase {
  std::string suites;            // "" = defaults
  std::vector<uint16_t> groups;  // {} = defaults
  ClientAuth client_auth = ClientAuth::none;  // (with tests/certs/ca.pem when not none)
  std::vector<std::string> alpn;
  uint32_t max_early_data = 0;
  uint16_t record_size_limit = 0;  // 0 = none
  uint16_t min_version = 0x0303, max_version = 0x0304;
};
std::shared_ptr<const ServerConfig> make_server_config(const ServerCase& sc);

// A sanstls server on 127.0.0.1:<free port> in a thread. For each of `connections` connections (each
// accept waits at most 10 s; a time-out ends the thread) it pauses delay_ms, handshakes, runs the
// hook (if any; false ends that connection), reads one line, answers kEchoPrefix + line, sends
// close_notify and, with wait_close_notify, waits (2 s at most) for the client's. A client that
// closes before a whole line gets close_notify and no answer. join() waits for the thread (it is
// bounded by the accept and socket time-outs) and returns what each connection saw; the destructor
// wakes a thread blocked in accept and joins it, so a test that leaves early does not hang.
class SanstlsServer {
 public:
  using Hook = std::function<bool(BlockingStream&, ServerConn&)>;
  struct Options {
    Hook after_handshake;
    int delay_ms = 0;
    bool wait_close_notify = true;
  };

  SanstlsServer(std::shared_ptr<const ServerConfig> config, int connections) : SanstlsServer(config, connections, {}) {}
  SanstlsServer(std::shared_ptr<const ServerConfig> config, int connections, Options options);
  ~SanstlsServer();
  SanstlsServer(const SanstlsServer&) = delete;
  SanstlsServer& operator=(const SanstlsServer&) = delete;

  uint16_t port() const { return port_; }
  std::vector<ServerConn> join();
  // Handshake messages of this type received so far, over all connections (for tests that wait).
  int received_count(uint8_t type) const { return received_[type].load(); }

 private:
  void run(int connections);
  ServerConn serve(int fd);

  std::shared_ptr<const ServerConfig> config_;
  Options options_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<ServerConn> conns_;
  std::atomic<int> received_[256] = {};
};

// A peer client run to its end.
struct ClientResult {
  int exit_code = -1;  // as Peer::wait_exit
  std::string output;
};
// Runs a client command to its end: writes `input` to its stdin (kept open, so that the client leaves
// when the server closes), waits for it to exit (kPeerDeadlineMs at most), returns its output.
ClientResult run_peer_client(const std::vector<std::string>& argv, const std::string& input);

// A peer client's command line for a server port.
using ArgvFor = std::function<std::vector<std::string>(uint16_t port)>;

// Peer clients run against a fresh SanstlsServer: what both sides saw.
struct ServedRun {
  std::vector<ClientResult> clients;  // each client's, in order
  ClientResult client;                // the first one's
  std::vector<ServerConn> conns;
  // Each client's output (its first max_output characters) and each connection, for INFO.
  std::string describe(size_t max_output = std::string::npos) const;
};
// Starts a SanstlsServer for `connections` connections, runs argv_for(its port) with `input` to its
// end (run_peer_client), joins the server, and REQUIREs that it saw that many connections.
ServedRun serve_peer_client(std::shared_ptr<const ServerConfig> config, const ArgvFor& argv_for,
                            const std::string& input, int connections = 1);
// The same with several clients one after the other (each with its input), one connection each (also
// REQUIRED).
ServedRun serve_peer_clients(std::shared_ptr<const ServerConfig> config,
                             const std::vector<std::pair<ArgvFor, std::string>>& clients);

// For a peer client driven step by step against `server`: closes its stdin, waits (timeout_ms at most)
// for it to exit, joins the server, and returns what both sides saw.
ServedRun finish_peer_client(Peer& client, SanstlsServer& server, int timeout_ms);

// `stdbuf -oL openssl s_client -connect 127.0.0.1:<port>` with SNI and hostname verification of
// "localhost" against tests/certs/ca.pem, then `version` (unless empty), then extra.
std::vector<std::string> s_client_argv(uint16_t port, const std::string& version,
                                       const std::vector<std::string>& extra);
// `gnutls-cli -p <port>` with SNI and hostname verification of "localhost" against tests/certs/ca.pem,
// the priority string, extra, and 127.0.0.1.
std::vector<std::string> gnutls_cli_argv(uint16_t port, const std::string& priority,
                                         const std::vector<std::string>& extra);

}  // namespace testing
}  // namespace sanstls

#endif  // SANSTLS_TESTS_INTEROP_SUPPORT_H_
