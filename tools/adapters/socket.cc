#include "tools/adapters/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sanstls {
namespace net {

bool split_host_port(const std::string& in, const std::string& default_host, std::string* host, uint16_t* port) {
  std::string h = default_host, p = in;
  if (!in.empty() && in[0] == '[') {
    size_t close = in.find(']');
    if (close == std::string::npos || close + 1 >= in.size() || in[close + 1] != ':') return false;
    h = in.substr(1, close - 1);
    p = in.substr(close + 2);
  } else {
    size_t colon = in.rfind(':');
    if (colon != std::string::npos) {
      h = in.substr(0, colon);
      p = in.substr(colon + 1);
    }
  }
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  unsigned long v = std::stoul(p);
  if (v > 65535) return false;
  *host = h;
  *port = static_cast<uint16_t>(v);
  return true;
}

bool split_connect_address(const std::string& in, const std::string& default_host, std::string* host,
                           uint16_t* port) {
  if (in.empty()) return false;
  bool bracketed = in[0] == '[';
  size_t close = bracketed ? in.find(']') : std::string::npos;
  if (bracketed && close == std::string::npos) return false;
  // Without a port: "[v6]", a bare IPv6 address (two colons or more) or a name without a colon that is
  // not all digits (a lone number is a port on default_host).
  bool no_port = bracketed ? close + 1 == in.size()
                           : (std::count(in.begin(), in.end(), ':') >= 2 ||
                              (in.find(':') == std::string::npos &&
                               in.find_first_not_of("0123456789") != std::string::npos));
  if (!no_port) return split_host_port(in, default_host, host, port);
  std::string h = bracketed ? in.substr(1, close - 1) : in;
  if (h.empty()) return false;
  *host = h;
  *port = 443;
  return true;
}

namespace {
int resolve_and(const std::string& host, uint16_t port, bool passive, std::string* error,
                int (*act)(int fd, const addrinfo* ai, std::string* error)) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (passive) hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string ports = std::to_string(port);
  int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), ports.c_str(), &hints, &res);
  if (rc != 0) {
    *error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
    int s = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0) {
      *error = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    if (act(s, ai, error) == 0) {
      fd = s;
    } else {
      ::close(s);
    }
  }
  freeaddrinfo(res);
  return fd;
}

int do_connect(int fd, const addrinfo* ai, std::string* error) {
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return 0;
}

int do_listen(int fd, const addrinfo* ai, std::string* error) {
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    *error = std::string("bind: ") + std::strerror(errno);
    return -1;
  }
  if (::listen(fd, 1024) != 0) {
    *error = std::string("listen: ") + std::strerror(errno);
    return -1;
  }
  return 0;
}
}  // namespace

int connect_tcp(const std::string& host, uint16_t port, std::string* error) {
  return resolve_and(host, port, false, error, do_connect);
}

int listen_tcp(const std::string& host, uint16_t port, std::string* error, uint16_t* bound_port) {
  int fd = resolve_and(host, port, true, error, do_listen);
  if (fd >= 0 && bound_port != nullptr) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    if (ss.ss_family == AF_INET) *bound_port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    if (ss.ss_family == AF_INET6) *bound_port = ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }
  return fd;
}

uint16_t free_port() {
  std::string err;
  uint16_t port = 0;
  int fd = listen_tcp("127.0.0.1", 0, &err, &port);
  if (fd >= 0) ::close(fd);
  return port;
}

bool set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

void close_fd(int fd) {
  if (fd >= 0) ::close(fd);
}

}  // namespace net
}  // namespace sanstls
