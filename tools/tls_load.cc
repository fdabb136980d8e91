// tls_load: a load generator. Opens many TLS connections at once from one process over the epoll
// adapter; each does a full handshake and an echo round trip (against `tls_server`'s echo mode), then
// all are held open until every one has its echo (so they really are concurrent), then closed
// cleanly. Prints a summary with handshakes per second. Exit status 0 only when every connection
// succeeded.
#include <cstdio>
#include <string>

#include "core/connection.h"
#include "core/suites.h"
#include "crypto/crypto.h"
#include "tools/adapters/epoll.h"
#include "tools/adapters/socket.h"
#include "tools/common.h"

namespace sanstls {
namespace tools {
namespace {

const char kUsage[] =
    "usage: tls_load -connect host:port -CAfile FILE [options]\n"
    "  -n N             connections, all opened at once (default 100)\n"
    "  -bytes B         bytes each connection sends and expects echoed (default 64)\n"
    "  -servername NAME name for SNI and the certificate check (default: the host)\n"
    "  -cipher LIST     colon-separated suites\n"
    "  -timeout S       give up after S seconds (default 120)\n"
    "  -nohold          close each connection after its echo instead of holding all open\n"
    "  -quiet           print only the summary\n";

struct Load {
  size_t want = 0;
  std::string got;
  bool echoed = false;
};

int run(int argc, char** argv) {
  set_program_name(argv[0]);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string connect, cafile, servername, cipher;
  uint64_t n = 100, bytes = 64, timeout_s = 120;
  bool hold = true, quiet = false;
  ArgReader args(argc, argv);
  std::string f;
  while (args.next(&f)) {
    if (f == "-connect") connect = args.value();
    else if (f == "-CAfile") cafile = args.path_value();
    else if (f == "-servername") servername = args.value();
    else if (f == "-cipher") cipher = args.value();
    else if (f == "-n") n = args.number(100000);
    else if (f == "-bytes") bytes = args.number(1 << 20);
    else if (f == "-timeout") timeout_s = args.number(86400);
    else if (f == "-nohold") hold = false;
    else if (f == "-quiet") quiet = true;
    else if (f == "-h" || f == "-help") { std::fputs(kUsage, stdout); return 0; }
    else die("unknown flag " + f + " (see -h)");
  }
  if (connect.empty()) die("-connect host:port is required (see -h)");
  if (cafile.empty()) die("-CAfile FILE is required (see -h)");
  if (n == 0) die("-n must be at least 1");
  std::string host;
  uint16_t port = 0;
  if (!net::split_host_port(connect, "127.0.0.1", &host, &port)) die("-connect: bad address '" + connect + "'");
  if (servername.empty()) servername = host;
  raise_fd_limit();

  ClientConfig::Builder b;
  b.trust_anchors_pem(read_file_or_die(cafile, "-CAfile"));
  if (!cipher.empty()) {
    if (find_suite_by_name(cipher.c_str()) == nullptr && cipher.find(':') == std::string::npos)
      die("unknown cipher suite '" + cipher + "'");
    b.cipher_suite_names(cipher);
  }
  b.handshake_timeout_ms(timeout_s * 1000);
  Built<ClientConfig> built = b.build();
  if (!built.ok()) die(built.error);

  auto rng = crypto::make_system_rng();
  SystemClock clock;
  EpollLoop loop(clock);
  if (!loop.ok()) die(loop.error());

  std::string payload(bytes, 'x');
  for (size_t i = 0; i < payload.size(); i++) payload[i] = static_cast<char>('a' + i % 26);
  uint64_t handshakes = 0, echoed = 0, ok = 0, failed = 0;
  std::string first_failure;
  std::vector<EpollConn*> open;
  uint64_t start = monotonic_ms();
  uint64_t handshakes_done_at = 0;

  EpollHandlers h;
  h.on_event = [&](EpollConn& c, const Event& ev) {
    auto* l = static_cast<Load*>(c.user.get());
    if (l == nullptr) return;
    if (ev.type == Event::Type::handshake_done) {
      if (++handshakes == n) handshakes_done_at = monotonic_ms();
      c.send(ByteView::of(payload));
    } else if (ev.type == Event::Type::app_data) {
      l->got.append(reinterpret_cast<const char*>(ev.data.data()), ev.data.size());
      if (!l->echoed && l->got.size() >= l->want) {
        l->echoed = true;
        echoed++;
        if (l->got != payload) {
          if (first_failure.empty()) first_failure = "echo differs from what was sent";
          c.abort();
        } else if (!hold) {
          c.close();
        } else if (echoed + failed >= n) {
          for (EpollConn* o : open) o->close();
        }
      }
    }
  };
  h.on_closed = [&](EpollConn& c, const CloseInfo& info) {
    auto* l = static_cast<Load*>(c.user.get());
    for (size_t i = 0; i < open.size(); i++)
      if (open[i] == &c) {
        open[i] = open.back();
        open.pop_back();
        break;
      }
    bool good = l != nullptr && l->echoed && l->got == payload && !info.error && info.transport_error.empty();
    if (good) {
      ok++;
      return;
    }
    failed++;
    std::string why = info.error ? describe_error(*info.error)
                      : !info.transport_error.empty() ? info.transport_error
                      : !info.handshake_done ? "closed during the handshake"
                      : "closed before the echo";
    if (first_failure.empty()) first_failure = why;
    if (!quiet) std::fprintf(stderr, "connection %llu failed: %s\n", static_cast<unsigned long long>(c.id()), why.c_str());
    // With one lost, the others would wait for it forever: release them.
    if (hold && echoed + failed >= n)
      for (EpollConn* o : open) o->close();
  };

  for (uint64_t i = 0; i < n; i++) {
    Connection conn = Connection::client(built.config, client_options(servername, false), *rng, clock);
    std::string err;
    EpollConn* c = loop.connect(host, port, std::move(conn), h, &err);
    if (c == nullptr) {
      if (!err.empty()) {  // could not start (on_closed was not called)
        failed++;
        if (first_failure.empty()) first_failure = err;
      }
      continue;
    }
    auto l = std::make_shared<Load>();
    l->want = payload.size();
    c->user = l;
    open.push_back(c);
  }
  // A failure while connecting may already have settled the count.
  if (hold && echoed + failed >= n)
    for (EpollConn* o : open) o->close();

  uint64_t deadline = start + timeout_s * 1000;
  while (loop.connections() > 0) {
    if (monotonic_ms() > deadline) {
      if (first_failure.empty()) first_failure = "timed out";
      failed += loop.connections();
      break;
    }
    if (!loop.run_once(200)) die(loop.error());
  }
  uint64_t elapsed = monotonic_ms() - start;
  uint64_t hs_ms = (handshakes_done_at ? handshakes_done_at : monotonic_ms()) - start;
  double rate = hs_ms ? 1000.0 * static_cast<double>(handshakes) / static_cast<double>(hs_ms) : 0;
  std::printf("tls_load: %llu connections: %llu ok, %llu failed; %llu handshakes in %llu ms (%.0f handshakes/s); "
              "total %llu ms\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(ok),
              static_cast<unsigned long long>(failed), static_cast<unsigned long long>(handshakes),
              static_cast<unsigned long long>(hs_ms), rate, static_cast<unsigned long long>(elapsed));
  if (ok != n) die("not every connection succeeded (first failure: " + first_failure + ")");
  return 0;
}

}  // namespace
}  // namespace tools
}  // namespace sanstls

int main(int argc, char** argv) { return sanstls::tools::run(argc, argv); }
