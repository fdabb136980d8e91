// A blocking-socket adapter: drives a sanstls::Connection over a connected file descriptor, the way
// `SSL_read`/`SSL_write` users expect. The simplest worked example of embedding the engine (see
// docs/embedding.md): it uses the public Connection API only.
#ifndef SANSTLS_TOOLS_ADAPTERS_BLOCKING_H_
#define SANSTLS_TOOLS_ADAPTERS_BLOCKING_H_

#include <functional>
#include <string>

#include "core/connection.h"

namespace sanstls {

class BlockingStream {
 public:
  // Takes the connection; does not own fd (the caller closes it).
  BlockingStream(int fd, Connection conn);

  // Runs the handshake to completion. Errors: the connection's error, or a transport error
  // (ErrorKind::transport_closed, with the reason in transport_error()).
  Status handshake();
  // Reads application data into buf. Returns the number of bytes (> 0), 0 at a clean close
  // (close_notify), or an error (a truncated stream is an error: ErrorKind::transport_closed).
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
  // Reads once from the socket and feeds the connection; false when the stream ended or failed.
  Status pump_in();
  void handle_events();

  int fd_;
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
