// A TLS echo server on libuv (Debian's libuv1-dev), the event loop C programs most often embed TLS in,
// driving sanstls::Connection directly: no adapter, about 200 lines, the loop of docs/embedding.md.
//
//   bazel run //tools/examples:uv_echo_server -- -accept 127.0.0.1:4433 -cert tests/certs/server_rsa.pem
//       -key tests/certs/server_rsa.key.pem [-n 1]        (one command line)
//   openssl s_client -connect 127.0.0.1:4433 -servername localhost -CAfile tests/certs/ca.pem
//
// It prints "ACCEPT host:port" once listening; with -n N it stops after N connections ended.
// How it maps to libuv:
//  - Input: uv_read_start() hands every read to Connection::receive() (all of it: events are drained
//    after each call). UV_EOF is receive_eof().
//  - Output: pending_output() is copied into a uv_write request and acknowledged at once
//    (consume_output): libuv owns the copy until its write callback. Backpressure: while libuv's write
//    queue holds more than kHighWater bytes, reading stops (uv_read_stop) until the writes drain.
//  - The handshake deadline: a uv_timer_t armed for next_deadline(); on_timeout() when it fires.
//  - Closing: after the engine's Closed event and the last write, both handles are closed; the session
//    is freed in the last close callback (libuv's rule: memory of a handle lives until its close_cb).
#include <uv.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/connection.h"
#include "crypto/crypto.h"

namespace {

constexpr size_t kHighWater = 256 * 1024;

class RealClock : public sanstls::Clock {
 public:
  uint64_t now_ms() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
};

struct Server {
  uv_loop_t* loop;
  uv_tcp_t listener;
  std::shared_ptr<const sanstls::ServerConfig> config;
  std::unique_ptr<sanstls::crypto::Rng> rng = sanstls::crypto::make_system_rng();
  RealClock clock;
  long remaining = -1;  // connections to serve before stopping; -1: forever
};

struct Session {
  Session(Server* srv, sanstls::Connection c) : server(srv), conn(std::move(c)) {}
  Server* server;
  sanstls::Connection conn;
  uv_tcp_t tcp;
  uv_timer_t timer;
  int open_handles = 0;
  int writes_in_flight = 0;
  bool closing = false;
  bool reading = false;
};

struct WriteReq {
  uv_write_t req;
  std::vector<char> data;
  Session* session;
};

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
void after_close(uv_handle_t* h);

void alloc_buffer(uv_handle_t*, size_t suggested, uv_buf_t* buf) {
  buf->base = static_cast<char*>(std::malloc(suggested));
  buf->len = buf->base ? suggested : 0;
}

void close_session(Session* s) {
  if (s->closing) return;
  s->closing = true;
  uv_timer_stop(&s->timer);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->timer), after_close);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->tcp), after_close);
}

void after_close(uv_handle_t* h) {
  Session* s = static_cast<Session*>(h->data);
  if (--s->open_handles > 0) return;
  Server* srv = s->server;
  delete s;
  if (srv->remaining > 0 && --srv->remaining == 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&srv->listener), nullptr);  // the loop ends when idle
  }
}

// The session is over once the engine closed and everything it wrote has left.
void maybe_finish(Session* s) {
  if (s->conn.is_closed() && s->conn.pending_output().empty() && s->writes_in_flight == 0) close_session(s);
}

void update_reading(Session* s) {
  bool want = !s->closing && s->conn.wants_read() &&
              uv_stream_get_write_queue_size(reinterpret_cast<uv_stream_t*>(&s->tcp)) <= kHighWater;
  if (want && !s->reading) uv_read_start(reinterpret_cast<uv_stream_t*>(&s->tcp), alloc_buffer, on_read);
  if (!want && s->reading) uv_read_stop(reinterpret_cast<uv_stream_t*>(&s->tcp));
  s->reading = want;
}

void on_write(uv_write_t* req, int status) {
  WriteReq* w = static_cast<WriteReq*>(req->data);
  Session* s = w->session;
  delete w;
  s->writes_in_flight--;
  if (status < 0) return close_session(s);
  update_reading(s);  // the write queue drained: read again
  maybe_finish(s);
}

void flush(Session* s) {
  sanstls::ByteView out = s->conn.pending_output();
  if (out.empty() || s->closing) return;
  WriteReq* w = new WriteReq;
  w->req.data = w;
  w->session = s;
  w->data.assign(out.begin(), out.end());
  s->conn.consume_output(out.size());
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  s->writes_in_flight++;
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&s->tcp), &b, 1, on_write);
  if (rc < 0) {
    s->writes_in_flight--;
    delete w;
    close_session(s);
  }
}

void on_deadline(uv_timer_t* t) {
  Session* s = static_cast<Session*>(t->data);
  s->conn.on_timeout();
  while (s->conn.next_event()) {
  }
  flush(s);
  maybe_finish(s);
}

void arm_deadline(Session* s) {
  uint64_t d = s->conn.next_deadline();
  if (d == 0 || s->closing) {
    uv_timer_stop(&s->timer);
    return;
  }
  uint64_t now = s->server->clock.now_ms();
  uv_timer_start(&s->timer, on_deadline, d > now ? d - now : 0, 0);
}

// Every event after a receive(): echo application data back; the rest needs nothing here.
void handle_events(Session* s) {
  while (auto ev = s->conn.next_event()) {
    if (ev->type == sanstls::Event::Type::app_data) (void)s->conn.send(ev->data);  // a record fits
  }
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  Session* s = static_cast<Session*>(stream->data);
  if (nread == UV_EOF) {
    s->conn.receive_eof();
    handle_events(s);
  } else if (nread < 0) {
    std::free(buf->base);
    return close_session(s);
  }
  const uint8_t* p = reinterpret_cast<const uint8_t*>(buf->base);
  size_t n = nread > 0 ? static_cast<size_t>(nread) : 0;
  for (size_t off = 0; off < n;) {
    sanstls::Result<size_t> r = s->conn.receive(sanstls::ByteView(p + off, n - off));
    if (!r.ok()) break;  // the alert is in pending_output(); Closed is among the events
    off += r.value();
    handle_events(s);
  }
  handle_events(s);
  std::free(buf->base);
  flush(s);
  arm_deadline(s);
  update_reading(s);
  if (nread == UV_EOF && s->writes_in_flight == 0) return close_session(s);
  maybe_finish(s);
}

void on_connection(uv_stream_t* listener, int status) {
  Server* srv = static_cast<Server*>(listener->data);
  if (status < 0) return;
  Session* s = new Session(srv, sanstls::Connection::server(srv->config, *srv->rng, srv->clock));
  uv_tcp_init(srv->loop, &s->tcp);
  uv_timer_init(srv->loop, &s->timer);
  s->tcp.data = s->timer.data = s;
  s->open_handles = 2;
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&s->tcp)) != 0) return close_session(s);
  arm_deadline(s);
  update_reading(s);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream o;
  o << f.rdbuf();
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string accept = "127.0.0.1:4433", cert, key;
  long n = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "-accept") accept = v;
    else if (a == "-cert") cert = v;
    else if (a == "-key") key = v;
    else if (a == "-n") n = std::atol(v.c_str());
  }
  sanstls::ServerConfig::Builder b;
  std::string cert_pem = read_file(cert), key_pem = read_file(key);
  b.certificate(sanstls::ByteView::of(cert_pem), sanstls::ByteView::of(key_pem));
  sanstls::Built<sanstls::ServerConfig> built = b.build();
  if (!built.ok()) {
    std::fprintf(stderr, "uv_echo_server: %s\n", built.error.c_str());
    return 1;
  }
  Server srv;
  srv.loop = uv_default_loop();
  srv.config = built.config;
  srv.remaining = n;
  size_t colon = accept.rfind(':');
  sockaddr_in addr;
  if (colon == std::string::npos ||
      uv_ip4_addr(accept.substr(0, colon).c_str(), std::atoi(accept.c_str() + colon + 1), &addr) != 0) {
    std::fprintf(stderr, "uv_echo_server: -accept wants ipv4:port\n");
    return 2;
  }
  uv_tcp_init(srv.loop, &srv.listener);
  srv.listener.data = &srv;
  int rc = uv_tcp_bind(&srv.listener, reinterpret_cast<const sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&srv.listener), 128, on_connection);
  if (rc != 0) {
    std::fprintf(stderr, "uv_echo_server: %s\n", uv_strerror(rc));
    return 1;
  }
  sockaddr_in bound;
  int len = sizeof bound;
  uv_tcp_getsockname(&srv.listener, reinterpret_cast<sockaddr*>(&bound), &len);
  std::printf("ACCEPT %s:%d\n", accept.substr(0, colon).c_str(), ntohs(bound.sin_port));
  std::fflush(stdout);
  uv_run(srv.loop, UV_RUN_DEFAULT);
  uv_loop_close(srv.loop);
  return 0;
}
