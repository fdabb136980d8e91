// tls_client: a TLS 1.3 and 1.2 client in the manner of `openssl s_client`. stdin goes to the server, the
// server's data to stdout; everything else (connection details, traces, errors) goes to stderr.
// Exit status: 0 when the handshake and the certificate verification succeeded and the connection
// ended cleanly (close_notify); 1 otherwise, with one line on stderr saying why.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/connection.h"
#include "core/suites.h"
#include "core/wire.h"
#include "crypto/crypto.h"
#include "tools/adapters/socket.h"
#include "tools/capture/capture.h"
#include "tools/capture/ladder.h"
#include "tools/common.h"
#include "tools/trust_store.h"

namespace sanstls {
namespace tools {
namespace {

const char kUsage[] =
    "usage: tls_client [-connect host:port] [options]   (stdin -> server, server -> stdout)\n"
    "  -connect host:port  the server (default localhost:4433); host alone or [v6] alone: port 443\n"
    "  -servername NAME    the name sent in SNI and checked against the certificate (default: the host)\n"
    "  -verify_hostname NAME | -verify_ip IP  check the certificate against this name or address\n"
    "                      instead (SNI stays -servername)\n"
    "  -CAfile FILE        trust anchors (default: the system's, as OpenSSL finds them: $SSL_CERT_FILE\n"
    "                      and $SSL_CERT_DIR, else /etc/ssl/certs/ca-certificates.crt)\n"
    "  -cert FILE -key FILE  a client certificate and its key\n"
    "  -alpn a,b           ALPN protocols to offer\n"
    "  -cipher LIST        TLS 1.2 suites, colon-separated (IANA or OpenSSL names; TLS 1.3 names too)\n"
    "  -ciphersuites LIST  TLS 1.3 suites (TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256 ...)\n"
    "  -provider NAME      crypto provider: mbedtls or libcrypto (OpenSSL 3.0); default: the build's\n"
    "                      (mbedtls; libcrypto when built with --config=libcrypto)\n"
    "  -tls1_2 | -tls1_3   speak only that version (default: both, TLS 1.3 preferred)\n"
    "  -sess_out FILE      save the session (TLS 1.3: the last ticket the server sent)\n"
    "  -sess_in FILE       offer a saved session (prints Reused or New)\n"
    "  -early_data FILE    send FILE as TLS 1.3 0-RTT data when the -sess_in session allows it (else\n"
    "                      right after the handshake); prints whether the server accepted it\n"
    "  -keymatexport LABEL print N bytes of keying material exported with LABEL (RFC 5705 / RFC 8446 7.5,\n"
    "                      no context; TLS 1.2 needs the extended master secret), as openssl s_client does\n"
    "  -keymatexportlen N  the number of bytes for -keymatexport (default 20)\n"
    "  -keylogfile FILE    append secrets in the NSS key log format (also: SSLKEYLOGFILE)\n"
    "  -capture FILE       write a capture of the connection (replay it with tls_replay)\n"
    "  -msg                trace the handshake messages\n"
    "  -ladder OUT.svg     draw the connection as a ladder diagram (open it in a browser): each message\n"
    "                      with its key fields, and the key changes\n"
    "  -handshake_timeout MS  give up on a handshake that takes longer (default 30000)\n"
    "  -quiet              print no connection details (errors still go to stderr)\n"
    "Exit status 0: handshake and verification succeeded and the connection closed cleanly.\n";

struct Options {
  std::string connect = "localhost:4433";
  std::string servername, cafile, cert, key, alpn, cipher, ciphersuites, sess_out, sess_in, keylogfile, capture;
  std::string early_data, verify_name, keymatexport, ladder;
  size_t keymatexportlen = 20;  // openssl s_client's default
  bool msg = false, quiet = false, tls1_2 = false, tls1_3 = false;
  uint64_t handshake_timeout_ms = 30000;
  const crypto::Provider* provider = &crypto::default_provider();
};

Options parse(int argc, char** argv) {
  Options o;
  ArgReader args(argc, argv);
  std::string f;
  while (args.next(&f)) {
    if (f == "-connect") o.connect = args.value();
    else if (f == "-servername") o.servername = args.value();
    else if (f == "-verify_hostname" || f == "-verify_ip") o.verify_name = args.value();
    else if (f == "-CAfile") o.cafile = args.path_value();
    else if (f == "-cert") o.cert = args.path_value();
    else if (f == "-key") o.key = args.path_value();
    else if (f == "-alpn") o.alpn = args.value();
    else if (f == "-cipher") o.cipher = args.value();
    else if (f == "-ciphersuites") o.ciphersuites = args.value();
    else if (f == "-provider") o.provider = &provider_from_flag(args.value());
    else if (f == "-tls1_2") o.tls1_2 = true;
    else if (f == "-tls1_3") o.tls1_3 = true;
    else if (f == "-early_data") o.early_data = args.path_value();
    else if (f == "-sess_out") o.sess_out = args.path_value();
    else if (f == "-sess_in") o.sess_in = args.path_value();
    else if (f == "-keylogfile") o.keylogfile = args.path_value();
    else if (f == "-keymatexport") o.keymatexport = args.value();
    else if (f == "-keymatexportlen") {
      o.keymatexportlen = static_cast<size_t>(args.number(255 * 32));
      if (o.keymatexportlen == 0) die("-keymatexportlen: 1 to 8160 bytes");
    }
    else if (f == "-capture") o.capture = args.value();
    else if (f == "-msg") o.msg = true;
    else if (f == "-ladder") o.ladder = args.path_value();
    else if (f == "-quiet") o.quiet = true;
    else if (f == "-handshake_timeout") o.handshake_timeout_ms = args.number(1ull << 40);
    else if (f == "-h" || f == "-help") { std::fputs(kUsage, stdout); std::exit(0); }
    else die("unknown flag " + f + " (see -h)");
  }
  if (o.cert.empty() != o.key.empty()) die("-cert and -key go together");
  return o;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool write_all_stdout(ByteView d) {
  size_t off = 0;
  while (off < d.size()) {
    ssize_t n = ::write(1, d.data() + off, d.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

int run(int argc, char** argv) {
  set_program_name(argv[0]);
  Options o = parse(argc, argv);

  std::string host;
  uint16_t port = 0;
  if (!net::split_connect_address(o.connect, "localhost", &host, &port)) die("-connect: bad address '" + o.connect + "'");
  std::string name = o.servername.empty() ? host : o.servername;

  ClientConfig::Builder b;
  b.provider(*o.provider);
  // No -CAfile: the system's anchors, from where OpenSSL would take them (tools/trust_store.h).
  Bytes trust_pem;
  if (o.cafile.empty()) {
    TrustAnchors system;
    std::string err;
    if (!load_system_trust_anchors(*o.provider, &system, &err)) die(err);
    trust_pem = std::move(system.pem);
  } else {
    trust_pem = read_file_or_die(o.cafile, "-CAfile");
  }
  b.trust_anchors_pem(trust_pem);
  if (!o.cert.empty()) b.client_certificate(read_file_or_die(o.cert, "-cert"), read_file_or_die(o.key, "-key"));
  std::vector<uint16_t> suites = suites_from_flags(o.cipher, o.ciphersuites);
  if (!suites.empty()) b.cipher_suites(suites);
  std::pair<uint16_t, uint16_t> versions = versions_from_flags(o.tls1_2, o.tls1_3);
  b.versions(versions.first, versions.second);
  if (!o.early_data.empty()) b.early_data(true);
  if (!o.alpn.empty()) b.alpn(split(o.alpn, ','));
  b.handshake_timeout_ms(o.handshake_timeout_ms);
  if (auto log = key_log_from_flag_or_env(o.keylogfile)) b.key_log(log);
  Built<ClientConfig> built = b.build();
  if (!built.ok()) die(built.error);

  Connection::ClientOptions copts;
  copts.server_name = name;
  copts.verify_name = o.verify_name;
  copts.trace = o.msg || !o.ladder.empty();
  if (!o.sess_in.empty()) {
    Bytes saved = read_file_or_die(o.sess_in, "-sess_in");
    Session s;
    if (!Session::decode(saved, &s)) die("-sess_in " + o.sess_in + ": not a saved session");
    copts.resume = s;
  }
  if (!o.early_data.empty()) {
    Bytes early = read_file_or_die(o.early_data, "-early_data");
    if (early.size() > 16384) die("-early_data " + o.early_data + ": larger than 16384 bytes");
    copts.early_data = std::move(early);
  }

  std::string err;
  int fd = net::connect_tcp(host, port, &err);
  if (fd < 0) die("cannot connect to " + host + ":" + std::to_string(port) + ": " + err);
  net::set_nonblocking(fd);
  if (!o.quiet) std::fprintf(stderr, "CONNECTED to %s:%u\n", host.c_str(), static_cast<unsigned>(port));

  auto rng = crypto::make_system_rng();
  SystemClock clock;
  // -capture: the same connection, recorded (docs/capture-format.md); otherwise a passthrough.
  capture::DescribeOptions describe;
  if (!o.capture.empty())
    o.provider->load_certificates(trust_pem, &describe.trust_anchors_der, &err);
  capture::CapturingConnection conn =
      o.capture.empty() ? capture::CapturingConnection::passthrough(Connection::client(built.config, copts, *rng, clock))
                        : capture::CapturingConnection::client(built.config, copts, *rng, clock, describe);
  MessageExplainer explainer;
  capture::Ladder ladder;  // -ladder
  auto ladder_row = [&](bool from_client, const std::string& title, const std::string& detail) {
    if (o.ladder.empty()) return;
    capture::LadderRow r;
    r.client_to_server = from_client;
    r.title = title;
    r.detail = detail;
    ladder.rows.push_back(r);
  };

  bool done = false, closed = false, clean = false, stdin_eof = false, sock_eof = false, close_sent = false;
  std::string to_send;  // read from stdin, not yet taken by the engine
  uint64_t linger_until = 0;
  std::vector<uint8_t> buf(32 * 1024);
  std::string failure;

  // -sess_out: saved after the handshake, and again at the end (a session may come later, in a ticket).
  bool session_saved = false;
  auto save_session = [&]() {
    if (o.sess_out.empty()) return;
    std::optional<Session> sess = conn.session();
    if (!sess) return;
    if (!write_file(o.sess_out, sess->encode(), &err)) die("-sess_out: " + err);
    session_saved = true;
  };
  auto handle_events = [&]() {
    while (auto ev = conn.next_event()) {
      switch (ev->type) {
        case Event::Type::handshake_message: {
          std::string why = explainer.explain(ev->message_type, ev->data, "    ");
          if (o.msg) std::fprintf(stderr, "%s\n    %s\n", trace_line("client", *ev).c_str(), why.c_str());
          ladder_row(ev->direction == Direction::sent, message_name(ev->message_type),
                     std::to_string(ev->data.size()) + " bytes; " + why.substr(0, why.find('\n')));
          break;
        }
        case Event::Type::session_ticket:
          save_session();
          break;
        case Event::Type::peer_authenticated:  // a server's event
        case Event::Type::sign_request:       // tls_client makes no asynchronous operations
        case Event::Type::decrypt_request:
        case Event::Type::verify_request:
        case Event::Type::select_request:
          break;
        case Event::Type::handshake_done: {
          done = true;
          const HandshakeInfo& info = *conn.info();
          if (!o.ladder.empty()) {
            const CipherSuite* cs = find_suite(info.cipher_suite);
            ladder.rows.push_back(capture::handshake_done_note(version_name(info.version), cs ? cs->iana_name : "?",
                                                                 info.resumed, info.early_data_accepted));
          }
          if (!o.quiet) {
            const CipherSuite* s = find_suite(info.cipher_suite);
            std::fprintf(stderr, "---\n%s", describe_info(info).c_str());
            std::fprintf(stderr, "Verification: OK (%s)\n", o.verify_name.empty() ? name.c_str() : o.verify_name.c_str());
            std::fprintf(stderr, "%s, %s, Cipher is %s\n", info.resumed ? "Reused" : "New",
                         version_name(info.version), s ? s->openssl_name : "?");
            if (!o.early_data.empty()) {
              const std::optional<Session>& r = copts.resume;
              bool offered = r && r->version == version::tls13 && info.version == version::tls13 &&
                             r->max_early_data >= copts.early_data.size();
              std::fprintf(stderr, "Early data was %s\n",
                           info.early_data_accepted ? "accepted"
                           : offered ? "rejected (sent again after the handshake)"
                                     : "not sent as 0-RTT (no session allows it): sent after the handshake");
            }
            if (!o.keymatexport.empty())
              std::fputs(keying_material_report(conn.connection(), o.keymatexport, o.keymatexportlen).c_str(), stderr);
            std::fprintf(stderr, "---\n");
          } else if (!o.keymatexport.empty()) {
            std::fputs(keying_material_report(conn.connection(), o.keymatexport, o.keymatexportlen).c_str(), stderr);
          }
          save_session();
          break;
        }
        case Event::Type::app_data:
          ladder_row(false, "application data", std::to_string(ev->data.size()) + " bytes");
          if (!write_all_stdout(ev->data)) die("cannot write to stdout");
          break;
        case Event::Type::alert_received:
          ladder_row(false, "Alert", std::string(ev->alert.level == AlertLevel::fatal ? "fatal " : "warning ") +
                                         alert_name(ev->alert.description));
          if (!o.quiet && ev->alert.description != AlertDescription::close_notify)
            std::fprintf(stderr, "received alert %s\n", alert_name(ev->alert.description));
          break;
        case Event::Type::closed:
          closed = true;
          clean = ev->clean;
          break;
      }
    }
  };
  handle_events();

  for (;;) {
    // Move stdin data into the engine, and close after the last of it.
    while (!to_send.empty() && !conn.error()) {
      Result<size_t> r = conn.send(ByteView::of(to_send));
      if (!r.ok() || r.value() == 0) break;
      to_send.erase(0, r.value());
    }
    if (stdin_eof && to_send.empty() && done && !close_sent && !conn.error()) {
      conn.close();
      close_sent = true;
      linger_until = monotonic_ms() + 10000;
    }
    // Write what the engine has.
    for (;;) {
      ByteView out = conn.pending_output();
      if (out.empty()) break;
      ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) {
        failure = std::string("send: ") + std::strerror(errno);
        break;
      }
      conn.consume_output(static_cast<size_t>(n));
    }
    if (!failure.empty()) break;
    bool output_left = !conn.pending_output().empty();
    if (conn.error() && !output_left) break;
    if (closed && !output_left) {
      if (clean && !close_sent) {  // answer the server's close_notify
        conn.close();
        close_sent = true;
        continue;
      }
      break;
    }
    if (sock_eof) break;

    // Wait.
    pollfd p[2] = {{fd, 0, 0}, {0, 0, 0}};
    if (conn.wants_read()) p[0].events |= POLLIN;
    if (output_left) p[0].events |= POLLOUT;
    int nfds = 1;
    if (done && !stdin_eof && to_send.size() < 65536 && !close_sent) {
      p[1].events = POLLIN;
      nfds = 2;
    }
    int timeout = -1;
    uint64_t now_wall = clock.now_ms();
    if (uint64_t d = conn.next_deadline()) timeout = d <= now_wall ? 0 : static_cast<int>(std::min<uint64_t>(d - now_wall, 1 << 30));
    if (linger_until != 0) {
      uint64_t now = monotonic_ms();
      int t = linger_until <= now ? 0 : static_cast<int>(linger_until - now);
      if (timeout < 0 || t < timeout) timeout = t;
    }
    int rc = poll(p, nfds, timeout);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) die(std::string("poll: ") + std::strerror(errno));
    if (conn.next_deadline() != 0 && clock.now_ms() >= conn.next_deadline()) {
      conn.on_timeout();
      handle_events();
      continue;
    }
    if (linger_until != 0 && monotonic_ms() >= linger_until) {
      failure = "the server did not answer our close_notify";
      break;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        failure = std::string("recv: ") + std::strerror(errno);
        conn.receive_eof();
        handle_events();
        break;
      }
      if (n == 0) {
        sock_eof = true;
        conn.receive_eof();
        handle_events();
      }
      size_t off = 0;
      while (n > 0 && off < static_cast<size_t>(n)) {
        Result<size_t> r = conn.receive(ByteView(buf.data() + off, static_cast<size_t>(n) - off));
        handle_events();
        if (!r.ok()) break;
        off += r.value();
      }
    }
    if (nfds == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(0, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) stdin_eof = true;
      else to_send.append(reinterpret_cast<const char*>(buf.data()), static_cast<size_t>(n));
    }
  }
  // Flush the alert, if any, before closing (best effort).
  ByteView rest = conn.pending_output();
  if (!rest.empty()) (void)::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
  ::close(fd);
  if (!o.capture.empty() && !conn.save(o.capture, &err)) std::fprintf(stderr, "-capture: %s\n", err.c_str());
  if (!o.ladder.empty()) {
    const HandshakeInfo* info = conn.info();
    bool tls13 = info ? info->version == version::tls13 : versions.second == version::tls13;
    const std::optional<Session>& r = copts.resume;
    bool early = !copts.early_data.empty() && r && r->version == version::tls13 && r->max_early_data > 0;
    capture::add_key_changes(&ladder, 0, tls13, early);
    ladder.title = "tls_client to " + o.connect;
    if (!capture::write_ladder(o.ladder, ladder, &err)) std::fprintf(stderr, "-ladder: %s\n", err.c_str());
  }

  if (done) save_session();
  if (done && !o.sess_out.empty() && !session_saved && !o.quiet)
    std::fprintf(stderr, "note: the server gave no session to save (-sess_out)\n");
  if (const Error* e = conn.error()) {
    if (e->kind == ErrorKind::bad_certificate) {
      // Which certificate failed and why (Connection::error_detail), on the same line.
      const std::string& detail = conn.connection().error_detail();
      die("verify error: " + describe_error(*e) + (detail.empty() ? "" : ": " + printable(ByteView::of(detail), 1000)));
    }
    die(done ? describe_error(*e) : "handshake failed: " + describe_error(*e));
  }
  if (!failure.empty()) die(failure);
  if (!done) die("handshake failed: the connection closed");
  if (!clean) {
    if (close_sent && sock_eof) {
      // We said goodbye and the server closed the transport without its own close_notify: common and
      // harmless (RFC 5246 7.2.1 lets the initiator not wait), so it counts as a clean end.
      if (!o.quiet) std::fprintf(stderr, "DONE (the server closed without close_notify)\n");
      return 0;
    }
    die("the connection was truncated: no close_notify from the server");
  }
  if (!o.quiet) std::fprintf(stderr, "DONE\n");
  return 0;
}

}  // namespace
}  // namespace tools
}  // namespace sanstls

int main(int argc, char** argv) { return sanstls::tools::run(argc, argv); }
