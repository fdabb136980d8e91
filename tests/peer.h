// Real TLS peers (openssl s_server/s_client, gnutls-serv/gnutls-cli) as child processes for interop tests.
//
// A Peer is one child process in its own process group, with its stdin and its merged stdout+stderr on
// pipes. A background thread collects the output and enforces a hard deadline: when it passes, the whole
// process group is killed. The destructor kills the group too and reaps the child, so every exit path
// of a test (REQUIRE throwing, early return) cleans up; PR_SET_PDEATHSIG covers the test binary dying.
#ifndef SANSTLS_TESTS_PEER_H_
#define SANSTLS_TESTS_PEER_H_

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"

namespace sanstls {
namespace testing {

class Peer {
 public:
  // Starts argv (argv[0] searched in PATH). deadline_ms: the child's whole life, after which its
  // process group gets SIGKILL. Returns null (and the reason in *error) when the process cannot start.
  static std::unique_ptr<Peer> start(const std::vector<std::string>& argv, int deadline_ms, std::string* error);
  ~Peer();  // kills the process group (if still running) and reaps the child
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // Writes all of s to the child's stdin; false when the child closed it or is gone.
  bool write_stdin(const std::string& s);
  void close_stdin();

  // Waits until the output so far contains `needle`; false after timeout_ms or when the child's
  // output ended without it.
  bool wait_for_output(const std::string& needle, int timeout_ms);
  // Waits for the child to exit, then (up to 1 s) for the end of its output, so that output() holds
  // everything it wrote. Returns its exit code, 128+signal when killed by a signal, or -1 on timeout
  // (the child keeps running; the destructor kills it).
  int wait_exit(int timeout_ms);
  // SIGKILL to the process group, then reaps the child.
  void kill();

  // Everything the child wrote so far (stdout and stderr merged).
  std::string output() const;
  // The command line, for messages.
  const std::string& command() const { return command_; }
  pid_t pid() const { return pid_; }

 private:
  Peer() = default;
  void reader_loop(int64_t deadline_ms);
  void reap_locked(bool block);

  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::string command_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string out_;
  bool eof_ = false;
  bool exited_ = false;
  int status_ = 0;
  int stop_pipe_[2] = {-1, -1};  // wakes the reader thread for shutdown
  std::thread reader_;
};

// Polls until a TCP connect to 127.0.0.1:port succeeds (the connection is closed at once). False after
// timeout_ms, or early when `peer` (may be null) has exited.
bool wait_for_port(uint16_t port, int timeout_ms, Peer* peer);

// Whether an executable of this name is on PATH.
bool have_program(const std::string& name);

// Monotonic milliseconds (for deadlines in tests).
int64_t monotonic_ms();

// A Clock that reads the real time, for tests against peers that use the real time too.
class SystemClock : public Clock {
 public:
  uint64_t now_ms() override;
};

// Sets send and receive time-outs on a socket so that blocking I/O in a test cannot hang.
void set_socket_timeouts(int fd, int timeout_ms);

// Accepts one connection on a listening socket, waiting at most timeout_ms; -1 on timeout or error.
int accept_with_timeout(int listen_fd, int timeout_ms);

// A path from the test's runfiles made absolute (peers run with their own working directory rules).
std::string runfile(const std::string& path);

}  // namespace testing
}  // namespace sanstls

#endif  // SANSTLS_TESTS_PEER_H_
