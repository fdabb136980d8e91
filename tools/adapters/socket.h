// Small POSIX TCP helpers shared by the adapters, tools and interop tests. Errors come back as a
// message in *error (one line, with strerror) and an invalid descriptor (-1).
#ifndef SANSTLS_TOOLS_ADAPTERS_SOCKET_H_
#define SANSTLS_TOOLS_ADAPTERS_SOCKET_H_

#include <cstdint>
#include <string>

namespace sanstls {
namespace net {

// Splits "host:port", "[v6]:port" or "port" (host then defaults to default_host).
bool split_host_port(const std::string& in, const std::string& default_host, std::string* host, uint16_t* port);
// Splits a client's address: "host:port" and "[v6]:port"; "host", "[v6]" and a bare IPv6 address
// ("::1") mean port 443, as in an https URL; "port" alone means default_host (the tools' local form).
bool split_connect_address(const std::string& in, const std::string& default_host, std::string* host,
                           uint16_t* port);

// A connected TCP socket (blocking), or -1.
int connect_tcp(const std::string& host, uint16_t port, std::string* error);
// A listening TCP socket (blocking, SO_REUSEADDR, backlog 1024), or -1. Port 0 picks a free port; the
// chosen port is written to *bound_port when not null.
int listen_tcp(const std::string& host, uint16_t port, std::string* error, uint16_t* bound_port = nullptr);
// A port that was free a moment ago on 127.0.0.1 (for tests that start a peer on it).
uint16_t free_port();
bool set_nonblocking(int fd);
void close_fd(int fd);

}  // namespace net
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_ADAPTERS_SOCKET_H_
