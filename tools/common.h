// Shared pieces of the command-line tools (demo, tls_client, tls_server, tls_load): flag reading,
// file loading, the NSS key log writer, a real-time clock, and the naming and explaining of handshake
// messages for traces. Tools only: nothing in core/ depends on this.
#ifndef SANSTLS_TOOLS_COMMON_H_
#define SANSTLS_TOOLS_COMMON_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/connection.h"

namespace sanstls {
namespace tools {

// Prints "<prog>: <message>" as one line on stderr and exits with status 1. Never returns.
[[noreturn]] void die(const std::string& message);
// The program name used by die() (set once from argv[0]).
void set_program_name(const char* argv0);

// Reads OpenSSL-style single-dash flags: `-flag` and `-flag value`. Usage:
//   ArgReader args(argc, argv);
//   std::string flag;
//   while (args.next(&flag)) { if (flag == "-connect") host = args.value(); else ... }
// value() dies with "flag -x needs a value" when the value is missing.
class ArgReader {
 public:
  ArgReader(int argc, char** argv) : argc_(argc), argv_(argv) {}
  // The next flag; false at the end. A word that does not start with '-' is returned as it is (the
  // caller decides whether it is an error).
  bool next(std::string* flag);
  std::string value();
  // value() as a file path given by the user: see user_path().
  std::string path_value();
  // value() parsed as a non-negative integer no larger than max; dies with one line otherwise.
  uint64_t number(uint64_t max);
  // Consumes the next word only when it is a number (for flags whose value is optional, as
  // `-verify [depth]`); returns whether it did.
  bool optional_number(uint64_t* out);

 private:
  int argc_;
  char** argv_;
  int i_ = 1;
  std::string flag_;
};

// A relative path as the user meant it: under `bazel run` (which runs the tool in its runfiles tree)
// relative to the directory bazel was run from ($BUILD_WORKING_DIRECTORY); otherwise unchanged.
std::string user_path(const std::string& path);

// The whole file, or false with "cannot read PATH: reason" in *error.
bool read_file(const std::string& path, Bytes* out, std::string* error);
// As read_file, but dies with the error (for files the user named on the command line).
Bytes read_file_or_die(const std::string& path, const char* what);
bool write_file(const std::string& path, ByteView data, std::string* error);

// The NSS key log format ("CLIENT_RANDOM <64 hex> <96 hex>", one line per connection) appended to a
// file, flushed at each line. Thread-safe.
class KeyLogFile : public KeyLog {
 public:
  // Opens (appends to) path; null with *error set when it cannot.
  static std::shared_ptr<KeyLogFile> open(const std::string& path, std::string* error);
  ~KeyLogFile() override;
  void log(const char* label, ByteView client_random, ByteView secret) override;

 private:
  explicit KeyLogFile(FILE* f) : f_(f) {}
  std::mutex mu_;
  FILE* f_;
};

// The key log the user asked for: the -keylogfile path when given, else $SSLKEYLOGFILE when set, else
// null. Dies with one line when the file cannot be opened.
std::shared_ptr<KeyLog> key_log_from_flag_or_env(const std::string& flag_path);

// Real time (milliseconds since the Unix epoch), for live connections.
class SystemClock : public Clock {
 public:
  uint64_t now_ms() override;
};
// Monotonic milliseconds (for measuring and for loop timers).
uint64_t monotonic_ms();

// "ClientHello", "ServerKeyExchange", ..., "ChangeCipherSpec" (0xff) — the names a person reads in the
// RFC's prose; "HandshakeType(N)" for other values.
std::string message_name(uint8_t message_type);

// Explains handshake messages as they are traced: one or two lines each, saying what the message
// carries (the suite chosen, the group, the signature scheme, the certificate's subject ...). Keeps
// the little state it needs (the suite the ServerHello chose, to decode ServerKeyExchange). One per
// connection.
class MessageExplainer {
 public:
  // The explanation of one traced message (`msg` is the handshake header and body, or the CCS body),
  // without a trailing newline; lines after the first start with `indent`.
  std::string explain(uint8_t message_type, ByteView msg, const std::string& indent);

 private:
  uint16_t suite_ = 0;
  bool tls13_ = false;  // the ServerHello chose TLS 1.3 (supported_versions)
  bool offered_psk_ = false;
  bool offered_early_ = false;
  bool offered13_ = false;  // the ClientHello offered TLS 1.3
  bool client_hello_had_session_id_ = false;
  Bytes offered_session_id_;
  int finished_seen_ = 0;
  int ccs_seen_ = 0;
};

// "-> ClientHello" / "<- ServerHello" line for a traced event, from the point of view of `who`
// ("client", "server", "conn 3").
std::string trace_line(const std::string& who, const Event& ev);

// The negotiated parameters, one "Key: value" per line (Protocol, Cipher, Group, Signature, ALPN,
// Server name, Session (New/Reused), Extended master secret, Peer certificate subject, Client auth).
std::string describe_info(const HandshakeInfo& info);

// -keymatexport LABEL -keymatexportlen N: the keying material exporter's output (RFC 5705 / RFC 8446 7.5,
// no context) in the lines `openssl s_client` and `s_server` print, so that the two can be compared:
//   Keying material exporter:
//       Label: 'LABEL'
//       Length: N bytes
//       Keying material: <N bytes, uppercase hex>
// or "    Error: <why>" as the last line when the connection refuses (TLS 1.2 without the extended master
// secret, a reserved label).
std::string keying_material_report(const Connection& conn, const std::string& label, size_t length);

// The subject of a DER certificate ("CN=localhost, ..."), or "(unparsable certificate)".
std::string certificate_subject(ByteView der);

// An error as a person reads it: "handshake failure: <what> (alert: handshake_failure)".
std::string describe_error(const Error& e);

// Client options with the fields the tools set (the rest default).
Connection::ClientOptions client_options(const std::string& server_name, bool trace,
                                         std::optional<Session> resume = std::nullopt);

// The cipher suites the -cipher and -ciphersuites flags ask for, in OpenSSL's manner: -cipher names the
// TLS 1.2 suites and -ciphersuites the TLS 1.3 ones (colon-separated IANA or OpenSSL names; -cipher takes
// TLS 1.3 names too). A version whose suites neither flag names keeps its default suites. Empty when both
// flags are empty (the config's defaults). Dies with one line on an unknown name or a TLS 1.2 suite in
// -ciphersuites.
std::vector<uint16_t> suites_from_flags(const std::string& cipher, const std::string& ciphersuites);

// The crypto provider -provider names: "mbedtls" (the default) or "libcrypto" (OpenSSL 3.0). Dies with one
// line on any other value.
const crypto::Provider& provider_from_flag(const std::string& name);

// The version range of -tls1_2 / -tls1_3 (both false: TLS 1.2 to 1.3). Dies when both are given.
std::pair<uint16_t, uint16_t> versions_from_flags(bool tls1_2, bool tls1_3);

// Printable form of data for a log line: printable ASCII kept, a final newline dropped, other bytes
// (the backslash too) as \xNN; cut after max bytes with "...". Everything a peer sent that a tool
// prints (server names, ALPN protocols, certificate subjects, data) goes through it, so that a peer
// cannot write control or escape sequences to a terminal or forge a log line.
std::string printable(ByteView data, size_t max = 200);

// Raises the soft limit of open files to the hard limit (servers and load tools hold thousands).
void raise_fd_limit();

}  // namespace tools
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_COMMON_H_
