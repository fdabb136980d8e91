#include "tests/peer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace sanstls {
namespace testing {

int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

uint64_t SystemClock::now_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::unique_ptr<Peer> Peer::start(const std::vector<std::string>& argv, int deadline_ms, std::string* error) {
  if (argv.empty()) {
    *error = "empty command";
    return nullptr;
  }
  ::signal(SIGPIPE, SIG_IGN);  // a peer that quits must not kill the test when we write to it
  std::unique_ptr<Peer> p(new Peer());
  for (const std::string& a : argv) p->command_ += (p->command_.empty() ? "" : " ") + a;

  int in_pipe[2], out_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return nullptr;
  }
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return nullptr;
  }
  if (::pipe2(p->stop_pipe_, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) ::close(fd);
    return nullptr;
  }

  // Everything the child needs is prepared before fork (only async-signal-safe calls after it).
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) ::close(fd);
    return nullptr;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(out_pipe[1], 2);
    ::signal(SIGPIPE, SIG_DFL);
    ::execvp(cargv[0], cargv.data());
    static const char kMsg[] = "exec failed\n";
    (void)!::write(2, kMsg, sizeof kMsg - 1);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so that killpg works even before the child ran
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  p->pid_ = pid;
  p->in_fd_ = in_pipe[1];
  p->out_fd_ = out_pipe[0];
  int64_t deadline = monotonic_ms() + deadline_ms;
  Peer* raw = p.get();
  p->reader_ = std::thread([raw, deadline] { raw->reader_loop(deadline); });
  return p;
}

void Peer::reader_loop(int64_t deadline_ms) {
  char buf[4096];
  bool out_open = true;
  for (;;) {
    int64_t left = deadline_ms - monotonic_ms();
    if (left <= 0) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!exited_) {
        ::killpg(pid_, SIGKILL);
        out_ += "\n[peer.cc: deadline passed, process group killed]\n";
      }
      eof_ = true;
      cv_.notify_all();
      return;
    }
    pollfd fds[2] = {{stop_pipe_[0], POLLIN, 0}, {out_open ? out_fd_ : -1, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(left > 1000 ? 1000 : left));
    if (n < 0 && errno != EINTR) return;
    if (n <= 0) continue;
    if (fds[0].revents != 0) return;  // shutdown
    if (fds[1].revents != 0) {
      ssize_t r = ::read(out_fd_, buf, sizeof buf);
      std::lock_guard<std::mutex> lock(mu_);
      if (r > 0) {
        out_.append(buf, static_cast<size_t>(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        out_open = false;
        eof_ = true;
      }
      cv_.notify_all();
    }
  }
}

bool Peer::write_stdin(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    if (in_fd_ < 0) return false;
    ssize_t n = ::write(in_fd_, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

void Peer::close_stdin() {
  if (in_fd_ >= 0) ::close(in_fd_);
  in_fd_ = -1;
}

bool Peer::wait_for_output(const std::string& needle, int timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (out_.find(needle) != std::string::npos) return true;
    if (eof_) return false;
    if (cv_.wait_until(lock, until) == std::cv_status::timeout) return out_.find(needle) != std::string::npos;
  }
}

void Peer::reap_locked(bool block) {
  if (exited_ || pid_ <= 0) return;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    exited_ = true;
    status_ = r == pid_ ? st : 0;
  }
}

int Peer::wait_exit(int timeout_ms) {
  int64_t until = monotonic_ms() + timeout_ms;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      reap_locked(false);
      if (exited_) {
        // Let the reader collect what the child wrote last (its pipe reaches EOF once it is gone).
        cv_.wait_for(lock, std::chrono::milliseconds(1000), [this] { return eof_; });
        if (WIFEXITED(status_)) return WEXITSTATUS(status_);
        if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
        return -1;
      }
    }
    if (monotonic_ms() >= until) return -1;
    ::usleep(10 * 1000);
  }
}

void Peer::kill() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!exited_ && pid_ > 0) {
    ::killpg(pid_, SIGKILL);
    reap_locked(true);
  }
}

std::string Peer::output() const {
  std::lock_guard<std::mutex> lock(mu_);
  return out_;
}

Peer::~Peer() {
  close_stdin();
  kill();
  if (stop_pipe_[1] >= 0) (void)!::write(stop_pipe_[1], "x", 1);
  if (reader_.joinable()) reader_.join();
  for (int fd : {out_fd_, stop_pipe_[0], stop_pipe_[1]})
    if (fd >= 0) ::close(fd);
}

bool wait_for_port(uint16_t port, int timeout_ms, Peer* peer) {
  int64_t until = monotonic_ms() + timeout_ms;
  while (monotonic_ms() < until) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::close(fd);
    if (rc == 0) return true;
    if (peer != nullptr && peer->wait_exit(0) != -1) return false;
    ::usleep(20 * 1000);
  }
  return false;
}

bool have_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string full = p.substr(start, end - start) + "/" + name;
    if (::access(full.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

void set_socket_timeouts(int fd, int timeout_ms) {
  timeval tv{};
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = (timeout_ms % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

int accept_with_timeout(int listen_fd, int timeout_ms) {
  pollfd pfd{listen_fd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&pfd, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return -1;
  return ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
}

std::string runfile(const std::string& path) {
  char buf[4096];
  if (::getcwd(buf, sizeof buf) == nullptr) return path;
  return std::string(buf) + "/" + path;
}

}  // namespace testing
}  // namespace sanstls
