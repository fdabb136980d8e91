// tls_server: a TLS 1.3 and 1.2 server in the manner of `openssl s_server`, serving many connections at
// once on one thread through the epoll adapter. Echo by default; -www answers HTTP GETs with a page
// showing what was negotiated. -capture DIR records each connection (tools/capture) for tls_replay.
#include <sys/stat.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/connection.h"
#include "core/suites.h"
#include "core/wire.h"
#include "crypto/crypto.h"
#include "tools/adapters/epoll.h"
#include "tools/adapters/socket.h"
#include "tools/capture/capture.h"
#include "tools/capture/ladder.h"
#include "tools/common.h"

namespace sanstls {
namespace tools {
namespace {

// -async_sign: the private key's operations run on a worker thread, as an HSM or a remote signer would,
// while the loop goes on serving other connections; each answer goes back to the loop with
// EpollLoop::post() and is given to the engine with EpollConn::complete_sign() / complete_decrypt().
class KeyWorker {
 public:
  explicit KeyWorker(EpollLoop& loop) : loop_(loop), rng_(crypto::make_system_rng()), thread_([this] { run(); }) {}
  ~KeyWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  // On the loop's thread: copies what the request carries (its views die with the answer).
  void submit(uint64_t conn, const Event& ev) {
    Job j;
    j.conn = conn;
    j.sign = ev.type == Event::Type::sign_request;
    j.scheme = ev.scheme;
    j.client_version = ev.client_version;
    j.key = ev.certificate->key;
    j.data = ev.data.to_bytes();
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(j));
    }
    cv_.notify_one();
  }

 private:
  struct Job {
    uint64_t conn = 0;
    bool sign = true;
    uint16_t scheme = 0, client_version = 0;
    std::shared_ptr<const crypto::PrivateKey> key;
    Bytes data;
  };
  void run() {
    for (;;) {
      Job j;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
        if (stop_) return;
        j = std::move(jobs_.front());
        jobs_.pop_front();
      }
      std::optional<Bytes> answer = Bytes();
      if (j.sign) {
        if (j.key->sign(static_cast<crypto::SignatureScheme>(j.scheme), j.data, *rng_, &*answer) != crypto::Status::ok)
          answer.reset();
      } else {
        answer->resize(48);
        if (j.key->rsa_decrypt_premaster(j.data, j.client_version, *rng_, answer->data()) != crypto::Status::ok)
          answer.reset();
      }
      bool sign = j.sign;
      uint64_t id = j.conn;
      EpollLoop& loop = loop_;
      loop_.post([&loop, id, sign, answer]() mutable {
        EpollConn* c = loop.find(id);
        if (c == nullptr) return;  // the connection ended meanwhile (a time-out, the peer left)
        Status s = sign ? c->complete_sign(std::move(answer)) : c->complete_decrypt(std::move(answer));
        (void)s;  // a failure ends the connection; on_closed reports it
      });
    }
  }

  EpollLoop& loop_;
  std::unique_ptr<crypto::Rng> rng_;  // the worker's own: a generator is not shared across threads
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

const char kUsage[] =
    "usage: tls_server -cert FILE -key FILE [options]\n"
    "  -accept [host:]port   where to listen (default 127.0.0.1:4433; port 0 picks a free one)\n"
    "  -cert FILE -key FILE  certificate chain (PEM, leaf first) and its key; give the pair twice for\n"
    "                        RSA and ECDSA (or -dcert FILE -dkey FILE for the second)\n"
    "  -servername NAME      serve only NAME: a client asking for another name gets unrecognized_name\n"
    "  -CAfile FILE          trust anchors for client certificates\n"
    "  -verify [depth]       ask for a client certificate (optional); needs -CAfile\n"
    "  -Verify [depth]       require a client certificate; needs -CAfile\n"
    "  -alpn a,b             ALPN protocols, in preference order (-www: http/1.1 by default)\n"
    "  -cipher LIST          TLS 1.2 suites, colon-separated (IANA or OpenSSL names; TLS 1.3 names too)\n"
    "  -ciphersuites LIST    TLS 1.3 suites (TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256 ...)\n"
    "  -provider NAME        crypto provider: mbedtls or libcrypto (OpenSSL 3.0); default: the build's\n"
    "                        (mbedtls; libcrypto when built with --config=libcrypto)\n"
    "  -tls1_2 | -tls1_3     speak only that version (default: both, TLS 1.3 preferred)\n"
    "  -early_data [N]       accept TLS 1.3 0-RTT data, up to N bytes a connection (default 16384), and\n"
    "                        print it as it arrives\n"
    "  -num_tickets N        TLS 1.3 session tickets sent after each handshake, 0 to 8 (default 1)\n"
    "  -no_ticket            no session tickets (TLS 1.3 and TLS 1.2): no resumption by ticket\n"
    "  -capture DIR          write a capture of each connection to DIR/<n>.stlscap when it ends (replay\n"
    "                        it with tls_replay); the captures hold what the shared session cache and\n"
    "                        ticket keys answered, so resumption works and every capture replays alone\n"
    "  -www                  answer an HTTP GET with a page that shows the negotiated parameters\n"
    "  -naccept N            exit after N connections have been served\n"
    "  -keymatexport LABEL   print N bytes of keying material exported with LABEL after each handshake\n"
    "                        (RFC 5705 / RFC 8446 7.5, no context; TLS 1.2 needs the extended master\n"
    "                        secret), as openssl s_server does\n"
    "  -keymatexportlen N    the number of bytes for -keymatexport (default 20)\n"
    "  -keylogfile FILE      append secrets in the NSS key log format (also: SSLKEYLOGFILE)\n"
    "  -msg                  trace the handshake messages of every connection\n"
    "  -ladder DIR           draw each connection as a ladder diagram, DIR/<n>.svg when it ends (open it in\n"
    "                        a browser): messages with their key fields, key changes, as tls_client -ladder\n"
    "  -handshake_timeout MS fail handshakes that take longer (default 30000)\n"
    "  -quiet                print only the ACCEPT line, the final summary and errors\n"
    "  -async_sign           the private key signs (and, for TLS_RSA_* suites, decrypts) on a worker\n"
    "                        thread, as an HSM or a remote signer would: the engine's sign_request and\n"
    "                        decrypt_request events, answered through the event loop (a -capture\n"
    "                        records the answers, and tls_replay gives them again)\n"
    "Echo mode (the default) sends back every byte a client sends. Prints \"ACCEPT host:port\" when ready.\n";

struct Options {
  std::string accept = "4433";
  std::vector<std::pair<std::string, std::string>> certs;  // (cert, key)
  std::string pending_cert, pending_key;
  std::string servername, cafile, alpn, cipher, ciphersuites, keylogfile, capture, keymatexport, ladder;
  size_t keymatexportlen = 20;  // openssl s_server's default
  ClientAuth auth = ClientAuth::none;
  bool www = false, msg = false, quiet = false, tls1_2 = false, tls1_3 = false, async_sign = false;
  uint32_t early_data = 0;  // 0: refuse 0-RTT
  const crypto::Provider* provider = &crypto::default_provider();
  uint8_t num_tickets = 1;
  bool no_ticket = false;
  uint64_t naccept = 0;
  uint64_t handshake_timeout_ms = 30000;
};

struct ConnData {
  MessageExplainer explainer;
  capture::Ladder ladder;  // -ladder
  std::string request;  // -www: the request so far
  bool answered = false;
};

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

// The engine an event loop connection holds: a plain Connection, or the one a -capture recorder wraps.
const Connection* engine_of(EpollConn& c) {
  if (const Connection* plain = c.engine_as<Connection>()) return plain;
  if (auto* cc = c.engine_as<capture::CapturingConnection>()) return &cc->connection();
  return nullptr;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

std::string www_response(const HandshakeInfo& info, const std::string& request_line) {
  std::string body = "<!DOCTYPE html>\n<html><head><title>sanstls</title></head><body>\n"
                     "<h1>sanstls tls_server</h1>\n<p>You asked: <code>" + html_escape(request_line) +
                     "</code></p>\n<h2>Negotiated parameters</h2>\n<pre>\n" + html_escape(describe_info(info)) +
                     "</pre>\n</body></html>\n";
  return "HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

Options parse(int argc, char** argv) {
  Options o;
  ArgReader args(argc, argv);
  std::string f;
  auto add_cert = [&o]() {
    if (!o.pending_cert.empty() && !o.pending_key.empty()) {
      o.certs.emplace_back(o.pending_cert, o.pending_key);
      o.pending_cert.clear();
      o.pending_key.clear();
    }
  };
  while (args.next(&f)) {
    uint64_t depth;
    if (f == "-accept" || f == "-port") o.accept = args.value();
    else if (f == "-cert" || f == "-dcert") { if (!o.pending_cert.empty()) die("-cert " + o.pending_cert + " has no -key"); o.pending_cert = args.path_value(); add_cert(); }
    else if (f == "-key" || f == "-dkey") { if (!o.pending_key.empty()) die("-key " + o.pending_key + " has no -cert"); o.pending_key = args.path_value(); add_cert(); }
    else if (f == "-servername") o.servername = args.value();
    else if (f == "-CAfile") o.cafile = args.path_value();
    else if (f == "-verify") { o.auth = ClientAuth::optional; (void)args.optional_number(&depth); }
    else if (f == "-Verify") { o.auth = ClientAuth::required; (void)args.optional_number(&depth); }
    else if (f == "-alpn") o.alpn = args.value();
    else if (f == "-cipher") o.cipher = args.value();
    else if (f == "-ciphersuites") o.ciphersuites = args.value();
    else if (f == "-provider") o.provider = &provider_from_flag(args.value());
    else if (f == "-tls1_2") o.tls1_2 = true;
    else if (f == "-tls1_3") o.tls1_3 = true;
    else if (f == "-early_data") o.early_data = args.optional_number(&depth) ? static_cast<uint32_t>(depth) : 16384;
    else if (f == "-num_tickets") o.num_tickets = static_cast<uint8_t>(args.number(8));
    else if (f == "-no_ticket") o.no_ticket = true;
    else if (f == "-capture") o.capture = args.path_value();
    else if (f == "-www") o.www = true;
    else if (f == "-naccept") o.naccept = args.number(1u << 30);
    else if (f == "-keylogfile") o.keylogfile = args.path_value();
    else if (f == "-keymatexport") o.keymatexport = args.value();
    else if (f == "-keymatexportlen") {
      o.keymatexportlen = static_cast<size_t>(args.number(255 * 32));
      if (o.keymatexportlen == 0) die("-keymatexportlen: 1 to 8160 bytes");
    }
    else if (f == "-msg") o.msg = true;
    else if (f == "-ladder") o.ladder = args.path_value();
    else if (f == "-handshake_timeout") o.handshake_timeout_ms = args.number(1ull << 40);
    else if (f == "-quiet") o.quiet = true;
    else if (f == "-async_sign") o.async_sign = true;
    else if (f == "-h" || f == "-help") { std::fputs(kUsage, stdout); std::exit(0); }
    else die("unknown flag " + f + " (see -h)");
  }
  if (!o.pending_cert.empty()) die("-cert " + o.pending_cert + " has no -key");
  if (!o.pending_key.empty()) die("-key " + o.pending_key + " has no -cert");
  if (o.certs.empty()) die("no certificate: give -cert FILE -key FILE");
  if (o.auth != ClientAuth::none && o.cafile.empty()) die("-verify/-Verify need -CAfile FILE (the client CAs)");
  if (o.early_data != 0 && o.tls1_2) die("-early_data needs TLS 1.3 (it is 0-RTT data); drop -tls1_2");
  return o;
}

int run(int argc, char** argv) {
  set_program_name(argv[0]);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o = parse(argc, argv);
  raise_fd_limit();

  std::vector<std::pair<Bytes, Bytes>> pairs;
  for (const auto& ck : o.certs) {
    Bytes cert = read_file_or_die(ck.first, "-cert");
    Bytes key = read_file_or_die(ck.second, "-key");
    // Check each pair here, so that the message names the files.
    ServerConfig::Builder one;
    one.provider(*o.provider).certificate(cert, key);
    Built<ServerConfig> check = one.build();
    if (!check.ok()) die(ck.first + " / " + ck.second + ": " + check.error);
    if (!o.servername.empty() && !check.config->certificates[0]->leaf->matches_name(o.servername))
      die("-servername " + o.servername + ": " + ck.first + " is not valid for that name");
    pairs.emplace_back(std::move(cert), std::move(key));
  }
  std::vector<uint16_t> suites = suites_from_flags(o.cipher, o.ciphersuites);
  std::pair<uint16_t, uint16_t> versions = versions_from_flags(o.tls1_2, o.tls1_3);
  Bytes ca_pem;
  if (o.auth != ClientAuth::none) ca_pem = read_file_or_die(o.cafile, "-CAfile");
  std::shared_ptr<KeyLog> key_log = key_log_from_flag_or_env(o.keylogfile);
  std::shared_ptr<SessionCache> cache = std::make_shared<InMemorySessionCache>();
  auto make_config = [&]() {
    ServerConfig::Builder b;
    b.provider(*o.provider);
    for (const auto& ck : pairs) b.certificate(ck.first, ck.second);
    if (!suites.empty()) b.cipher_suites(suites);
    b.versions(versions.first, versions.second);
    if (!o.alpn.empty()) b.alpn(split(o.alpn, ','));
    else if (o.www) b.alpn({"http/1.1"});  // browsers and curl offer h2 first; we speak HTTP/1.x
    if (o.auth != ClientAuth::none) b.client_auth(o.auth, ca_pem);
    if (!o.servername.empty()) b.strict_sni(true);
    b.handshake_timeout_ms(o.handshake_timeout_ms);
    b.session_cache(cache);
    if (o.early_data != 0) b.max_early_data(o.early_data);
    b.tickets_per_handshake(o.num_tickets).tickets(!o.no_ticket);
    if (key_log) b.key_log(key_log);
    b.async_signing(o.async_sign);
    Built<ServerConfig> built = b.build();
    if (!built.ok()) die(built.error);
    return built.config;
  };
  std::shared_ptr<const ServerConfig> config = make_config();
  if (!o.ladder.empty()) {
    struct stat st {};
    if (stat(o.ladder.c_str(), &st) != 0) die("-ladder " + o.ladder + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) die("-ladder " + o.ladder + ": not a directory");
  }
  capture::DescribeOptions describe;
  if (!o.capture.empty()) {
    struct stat st;
    if (stat(o.capture.c_str(), &st) != 0) die("-capture " + o.capture + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) die("-capture " + o.capture + ": not a directory");
    std::string err;
    if (!ca_pem.empty()) o.provider->load_certificates(ca_pem, &describe.trust_anchors_der, &err);
  }

  std::string host;
  uint16_t port = 0;
  if (!net::split_host_port(o.accept, "127.0.0.1", &host, &port)) die("-accept: bad address '" + o.accept + "'");
  std::string err;
  uint16_t bound = 0;
  int lfd = net::listen_tcp(host, port, &err, &bound);
  if (lfd < 0) die("cannot listen on " + host + ":" + std::to_string(port) + ": " + err);

  auto rng = crypto::make_system_rng();
  SystemClock clock;
  EpollLoop loop(clock);
  if (!loop.ok()) die(loop.error());

  std::unique_ptr<KeyWorker> worker;
  if (o.async_sign) worker = std::make_unique<KeyWorker>(loop);

  uint64_t accepted = 0, handshakes = 0, failed = 0, clean = 0, max_concurrent = 0;
  // -www: answers the request once it is whole and the handshake is done (a request sent as 0-RTT data
  // arrives before there are negotiated parameters to show; it is answered at handshake_done).
  auto www_answer = [&](EpollConn& c, ConnData* data) {
    if (data->answered || c.connection().info() == nullptr) return;
    if (data->request.find("\r\n\r\n") != std::string::npos || data->request.find("\n\n") != std::string::npos) {
      std::string line = data->request.substr(0, data->request.find_first_of("\r\n"));
      std::string resp;
      if (line.compare(0, 4, "GET ") == 0) {
        resp = www_response(*c.connection().info(), line);
      } else {
        resp = "HTTP/1.0 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      }
      c.send(ByteView::of(resp));
      c.close();
      data->answered = true;
    } else if (data->request.size() > 16384) {
      c.send(ByteView::of(std::string("HTTP/1.0 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n")));
      c.close();
      data->answered = true;
    }
  };
  auto on_event = [&](EpollConn& c, const Event& ev) {
    auto* data = static_cast<ConnData*>(c.user.get());
    if (data == nullptr) return;
    std::string who = "conn " + std::to_string(c.id());
    switch (ev.type) {
      case Event::Type::handshake_message: {
        std::string why = data->explainer.explain(ev.message_type, ev.data, "    ");
        if (o.msg) std::printf("%s\n    %s\n", trace_line(who, ev).c_str(), why.c_str());
        if (!o.ladder.empty()) {
          capture::LadderRow r;
          r.client_to_server = ev.direction == Direction::received;
          r.title = message_name(ev.message_type);
          r.detail = std::to_string(ev.data.size()) + " bytes; " + why.substr(0, why.find('\n'));
          data->ladder.rows.push_back(r);
        }
        break;
      }
      case Event::Type::handshake_done: {
        handshakes++;
        const HandshakeInfo& info = *c.connection().info();
        if (!o.quiet) {
          const CipherSuite* s = find_suite(info.cipher_suite);
          std::printf("%s: handshake done with %s: %s, %s, %s%s%s%s\n", who.c_str(), c.peer().c_str(),
                      version_name(info.version), s ? s->openssl_name : "?", info.resumed ? "Reused" : "New",
                      info.early_data_accepted ? ", early data accepted" : "",
                      info.peer_chain.empty() ? "" : ", client ",
                      info.peer_chain.empty() ? "" : certificate_subject(info.peer_chain[0]).c_str());
        }
        if (!o.ladder.empty()) {
          const CipherSuite* cs = find_suite(info.cipher_suite);
          data->ladder.rows.push_back(capture::handshake_done_note(version_name(info.version), cs ? cs->iana_name : "?",
                                                               info.resumed, info.early_data_accepted));
        }
        if (!o.keymatexport.empty()) {
          if (const Connection* engine = engine_of(c))
            std::printf("%s: %s", who.c_str(), keying_material_report(*engine, o.keymatexport, o.keymatexportlen).c_str());
        }
        if (o.www) www_answer(c, data);
        break;
      }
      case Event::Type::app_data:
        if (!o.ladder.empty()) {
          capture::LadderRow r;
          r.client_to_server = true;
          r.title = "application data";
          r.detail = std::to_string(ev.data.size()) + " bytes" + (ev.early_data ? " (0-RTT)" : "");
          data->ladder.rows.push_back(r);
        }
        if (ev.early_data)  // 0-RTT: replayable by an attacker; an application acts on it with care
          std::printf("%s: early data (%zu bytes): %s\n", who.c_str(), ev.data.size(), printable(ev.data).c_str());
        if (!o.www) {
          c.send(ev.data);
          break;
        }
        if (data->answered) break;
        data->request.append(reinterpret_cast<const char*>(ev.data.data()), ev.data.size());
        www_answer(c, data);
        break;
      case Event::Type::sign_request:
      case Event::Type::decrypt_request:
        if (!o.quiet)
          std::printf("%s: %s request, answered on the worker thread\n", who.c_str(),
                      ev.type == Event::Type::sign_request ? "sign" : "decrypt");
        if (worker) worker->submit(c.id(), ev);
        break;
      default:
        break;
    }
  };
  auto on_closed = [&](EpollConn& c, const CloseInfo& info) {
    bool ok = info.handshake_done && !info.error && info.transport_error.empty();
    if (ok) clean++;
    else failed++;
    if (!o.quiet) {
      std::string why = info.error ? describe_error(*info.error)
                        : !info.transport_error.empty() ? info.transport_error
                        : info.clean ? "clean close" : "closed without close_notify";
      // A refused client certificate: which one and why (Connection::error_detail).
      const Connection* engine = engine_of(c);
      if (info.error && engine && !engine->error_detail().empty())
        why += ": " + printable(ByteView::of(engine->error_detail()), 1000);
      std::printf("conn %llu: closed (%s)\n", static_cast<unsigned long long>(c.id()), why.c_str());
    }
    auto* data = static_cast<ConnData*>(c.user.get());
    if (!o.ladder.empty() && data != nullptr) {
      const Connection* engine = engine_of(c);
      const HandshakeInfo* hi = engine ? engine->info() : nullptr;
      capture::add_key_changes(&data->ladder, 0, hi ? hi->version == version::tls13 : false,
                               hi ? hi->early_data_accepted : false);
      data->ladder.title = "tls_server: connection " + std::to_string(c.id()) + " from " + c.peer();
      std::string path = o.ladder + "/" + std::to_string(c.id()) + ".svg", err;
      if (!capture::write_ladder(path, data->ladder, &err)) std::fprintf(stderr, "tls_server: -ladder: %s\n", err.c_str());
    }
    if (auto* cc = c.engine_as<capture::CapturingConnection>()) {
      std::string path = o.capture + "/" + std::to_string(c.id()) + ".stlscap", err;
      if (!cc->save(path, &err)) std::fprintf(stderr, "tls_server: -capture: %s\n", err.c_str());
      else if (!o.quiet) std::printf("conn %llu: capture written to %s\n", static_cast<unsigned long long>(c.id()), path.c_str());
    }
  };
  bool listening = loop.listen(lfd, [&](int fd, const std::string& peer) {
    accepted++;
    EpollHandlers h;
    h.on_event = on_event;
    h.on_closed = on_closed;
    std::unique_ptr<LoopConnection> conn;
    if (o.capture.empty()) {
      conn = make_loop_connection(Connection::server(config, *rng, clock));
    } else {
      // The shared config: the capture records what its session cache and ticket keys answer.
      auto cc = capture::CapturingConnection::server(config, *rng, clock, describe);
      conn = make_loop_connection(std::move(cc));
    }
    if (o.msg || !o.ladder.empty()) conn->set_trace(true);
    EpollConn* c = loop.add(fd, std::move(conn), std::move(h), peer);
    if (c != nullptr) c->user = std::make_shared<ConnData>();
    if (loop.connections() > max_concurrent) max_concurrent = loop.connections();
    if (o.naccept != 0 && accepted >= o.naccept) loop.stop_listening();
  });
  if (!listening) die(loop.error());
  std::printf("ACCEPT %s:%u\n", host.c_str(), static_cast<unsigned>(bound));

  while (loop.listeners() > 0 || loop.connections() > 0) {
    if (!loop.run_once(1000)) die(loop.error());
  }
  std::printf("served %llu connections: %llu handshakes, %llu ok, %llu failed; at most %llu at once\n",
                static_cast<unsigned long long>(accepted), static_cast<unsigned long long>(handshakes),
                static_cast<unsigned long long>(clean), static_cast<unsigned long long>(failed),
                static_cast<unsigned long long>(max_concurrent));
  return 0;
}

}  // namespace
}  // namespace tools
}  // namespace sanstls

int main(int argc, char** argv) { return sanstls::tools::run(argc, argv); }
