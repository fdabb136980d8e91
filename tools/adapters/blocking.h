// A blocking adapter: drives a sanstls::Connection over any blocking transport, the way `SSL_read` /
// `SSL_write` users expect: a connected socket, or two callables that read and write (a pipe, a serial
// line, an in-memory queue, another library's stream), as rustls's StreamOwned and BearSSL's sslio take.
// The simplest worked example of embedding the engine (see docs/embedding.md): it uses the public
// Connection API only.
//
// Timeouts: a transport that times out (a socket with SO_RCVTIMEO / SO_SNDTIMEO, a read callable that
// fails with EAGAIN) makes the call return ErrorKind::timeout and changes nothing else: the connection
// lives on, and the same call may be made again (a read goes on reading, a write_all or flush writes
// the rest). During the handshake a timed-out read also gives the engine its deadline (on_timeout()),
// so the handshake_timeout_ms of the config ends a handshake that waits too long.
//
// Lifetimes: the stream does not own the fd (the caller closes it) and keeps copies of the callables;
// whatever they refer to must outlive the stream. One thread at a time.
#ifndef SANSTLS_TOOLS_ADAPTERS_BLOCKING_H_
#define SANSTLS_TOOLS_ADAPTERS_BLOCKING_H_

#include <functional>
#include <string>

#include "core/connection.h"

namespace sanstls {

// A blocking transport, with the read(2)/write(2) conventions: read returns the number of bytes read
// (> 0), 0 at end of stream, or -1 with errno set; write returns the number of bytes written (> 0) or
// -1 with errno set. errno EINTR: the call is repeated; EAGAIN / EWOULDBLOCK: a timeout.
struct Transport {
  std::function<long(uint8_t* buf, size_t len)> read;
  std::function<long(const uint8_t* data, size_t len)> write;
  // A connected socket (recv / send with MSG_NOSIGNAL); the fd is not owned.
  static Transport socket(int fd);
};

class BlockingStream {
 public:
  // Takes the connection; does not own fd (the caller closes it).
  BlockingStream(int fd, Connection conn);
  // Any transport.
  BlockingStream(Transport transport, Connection conn);

  // Runs the handshake to completion. Errors: the connection's error, a transport error
  // (ErrorKind::transport_closed, with the reason in transport_error()), or ErrorKind::timeout when the
  // transport timed out (call again to go on; the engine's own deadline still applies).
  Status handshake();
  // Reads application data into buf. Returns the number of bytes (> 0), 0 at a clean close
  // (close_notify), or an error (a truncated stream is an error: ErrorKind::transport_closed;
  // ErrorKind::timeout when the transport timed out: nothing was lost, read again).
  Result<size_t> read(uint8_t* buf, size_t len);
  // Writes all of data (blocking until the transport took it).
  Status write_all(ByteView data);
  // Sends close_notify and flushes it.
  Status close();
  // Writes whatever the connection has pending.
  Status flush();

  Connection& connection() { return conn_; }
  const std::string& transport_error() const { return transport_error_; }
  // Called for every event as it arrives (e.g. to trace handshake messages), before it is handled.
  std::function<void(const Event&)> on_event;

 private:
  // Reads once from the transport and feeds the connection.
  Status pump_in();
  void handle_events();

  Transport io_;
  Connection conn_;
  std::string plain_;     // application data received and not yet read
  size_t plain_off_ = 0;
  bool closed_ = false;   // Closed event seen
  bool clean_ = false;
  bool done_ = false;     // handshake_done seen
  std::string transport_error_;
  Bytes inbuf_;
  size_t in_off_ = 0, in_len_ = 0;
};

}  // namespace sanstls

#endif  // SANSTLS_TOOLS_ADAPTERS_BLOCKING_H_
