#include "tests/interop_support.h"

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "core/handshake.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"
#include "tools/adapters/socket.h"

namespace sanstls {
namespace testing {

std::string cert(const std::string& name) { return runfile("tests/certs/" + name); }

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

size_t occurrences(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) n++;
  return n;
}

int count(const std::vector<uint8_t>& trace, uint8_t t) {
  return static_cast<int>(std::count(trace.begin(), trace.end(), t));
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string hex4(uint16_t v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04x", v);
  return buf;
}

std::string tmp_path(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string tmp_file(const std::string& name, const std::string& content) {
  std::string path = tmp_path(name);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  return path;
}

bool eventually(const std::function<bool()>& cond, int timeout_ms) {
  int64_t until = monotonic_ms() + timeout_ms;
  while (!cond()) {
    if (monotonic_ms() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

const char* openssl_group(uint16_t group) { return group == kX25519 ? "X25519" : group == kP256 ? "P-256" : "P-384"; }

std::vector<std::string> rsa_cert_args() { return {"-cert", cert("server_rsa.pem"), "-key", cert("server_rsa.key.pem")}; }

std::vector<std::string> ec_cert_args() {
  return {"-cert", cert("server_ec.pem"), "-key", cert("server_ec.key.pem"), "-cert_chain", cert("int.pem")};
}

std::unique_ptr<Peer> start_peer(const std::vector<std::string>& argv) {
  std::string err;
  std::unique_ptr<Peer> p = Peer::start(argv, kPeerDeadlineMs, &err);
  REQUIRE_MESSAGE(p != nullptr, err);
  return p;
}

// ---------------------------------------------------------------------------------------------------
// The sanstls client against a peer server

PeerServer start_s_server(const std::vector<std::string>& args) {
  PeerServer s;
  // stdbuf: line-buffered stdout, so that what s_server prints reaches us before it exits.
  s.peer = start_peer(concat({"stdbuf", "-oL", "openssl", "s_server", "-accept", "127.0.0.1:0"}, args));
  const std::string accept = "ACCEPT 127.0.0.1:";
  REQUIRE_MESSAGE(s.peer->wait_for_output(accept, 5000), s.peer->output());
  // Give it the time to finish printing the line.
  for (int i = 0; i < 100; i++) {
    std::string out = s.peer->output();
    size_t at = out.find(accept) + accept.size();
    size_t nl = out.find('\n', at);
    if (nl != std::string::npos) {
      s.port = static_cast<uint16_t>(std::stoi(out.substr(at, nl - at)));
      break;
    }
    s.peer->wait_for_output("\n\n", 10);  // a short sleep that returns early on EOF
  }
  REQUIRE_MESSAGE(s.port != 0, s.peer->output());
  return s;
}

PeerServer start_on_free_port(const std::function<std::vector<std::string>(uint16_t)>& argv_for,
                              const std::string& ready, bool connect_check) {
  PeerServer s;
  for (int attempt = 0; attempt < 3 && s.port == 0; attempt++) {
    uint16_t port = net::free_port();
    s.peer = start_peer(argv_for(port));
    if (s.peer->wait_for_output(ready, 5000) && (!connect_check || wait_for_port(port, 3000, s.peer.get())))
      s.port = port;
  }
  REQUIRE_MESSAGE(s.port != 0, s.peer->output());
  return s;
}

PeerServer start_gnutls_serv(const std::vector<std::string>& extra) {
  // gnutls-serv has no option to bind one address; it listens on the wildcard address of a port we pick.
  auto argv_for = [&extra](uint16_t port) {
    return concat({"gnutls-serv", "-p", std::to_string(port), "--echo", "--x509certfile", cert("server_rsa.pem"),
                   "--x509keyfile", cert("server_rsa.key.pem"), "--x509certfile", cert("server_ec_chain.pem"),
                   "--x509keyfile", cert("server_ec.key.pem")},
                  extra);
  };
  return start_on_free_port(argv_for, "listening", true);
}

std::shared_ptr<const ClientConfig> make_client_config(const ClientCase& c) {
  ClientConfig::Builder b;
  b.provider(test_provider());
  b.trust_anchors_pem(read_file("tests/certs/ca.pem"));
  if (!c.suites.empty()) b.cipher_suite_names(c.suites);
  if (!c.groups.empty()) b.groups(c.groups);
  if (!c.schemes.empty()) b.signature_schemes(c.schemes);
  if (!c.cert_name.empty())
    b.client_certificate(read_file("tests/certs/" + c.cert_name + ".pem"),
                         read_file("tests/certs/" + c.cert_name + ".key.pem"));
  if (!c.alpn.empty()) b.alpn(c.alpn);
  b.extended_master_secret(c.ems).encrypt_then_mac(c.etm);
  if (c.record_size_limit != 0) b.record_size_limit(c.record_size_limit);
  b.versions(c.min_version, c.max_version);
  b.early_data(!c.early.empty());
  Built<ClientConfig> built = b.build();
  if (!built.ok()) FAIL("client config: " << built.error);
  return built.config;
}

Client::Client(uint16_t port, const ClientCase& c, ClientRun* run) : run_(run), rng_(crypto::make_system_rng()) {
  std::string err;
  fd_ = net::connect_tcp("127.0.0.1", port, &err);
  REQUIRE_MESSAGE(fd_ >= 0, err);
  set_socket_timeouts(fd_, kIoTimeoutMs);
  Connection::ClientOptions opts;
  opts.server_name = "localhost";
  opts.resume = c.resume;
  opts.trace = true;
  opts.early_data = Bytes(c.early.begin(), c.early.end());
  stream_ = std::make_unique<BlockingStream>(fd_, Connection::client(make_client_config(c), opts, *rng_, clock_));
  stream_->on_event = [run](const Event& ev) {
    if (ev.type == Event::Type::session_ticket) run->tickets++;
    if (ev.type != Event::Type::handshake_message) return;
    (ev.direction == Direction::sent ? run->sent : run->got).push_back(ev.message_type);
    ServerHello sh;
    if (ev.direction == Direction::received && ev.message_type == kServerHello && ev.data.size() >= 4 &&
        decode_server_hello(ev.data.sub(4), &sh).ok())
      run->server_record_size_limit = sh.extensions.record_size_limit;
  };
  Status hs = stream_->handshake();
  if (!hs.ok()) {
    fail(hs.error());
    return;
  }
  run_->handshake_ok = true;
  run_->info = *stream_->connection().info();
}

Client::~Client() {
  if (fd_ >= 0) net::close_fd(fd_);
}

void Client::fail(const Error& e) {
  run_->failed = true;
  run_->error = e;
  run_->transport_error = stream_->transport_error();
}

bool Client::write(const std::string& s) {
  Status w = stream_->write_all(ByteView::of(s));
  if (!w.ok()) fail(w.error());
  return w.ok();
}

bool Client::read_until(const std::string& until) {
  uint8_t buf[4096];
  while (until.empty() || !contains(run_->received, until)) {
    Result<size_t> r = stream_->read(buf, sizeof buf);
    if (!r.ok()) {
      fail(r.error());
      return false;
    }
    if (r.value() == 0) {
      run_->clean_close = true;
      return until.empty();
    }
    run_->received.append(reinterpret_cast<const char*>(buf), r.value());
  }
  return true;
}

Status Client::key_update(bool request_peer) {
  Status s = stream_->connection().key_update(request_peer);
  if (!s.ok()) return s;
  return stream_->flush();
}

void Client::close() {
  if (run_->handshake_ok) run_->info = *stream_->connection().info();
  run_->session = stream_->connection().session();
  (void)stream_->close();
}

ClientRun run_client(uint16_t port, const ClientCase& c, const std::string& request, const std::string& until) {
  ClientRun run;
  Client cl(port, c, &run);
  if (run.handshake_ok && cl.write(request)) cl.read_until(until);
  cl.close();
  return run;
}

std::string describe(const ClientRun& r) {
  std::string s = "handshake_ok=" + std::to_string(r.handshake_ok) + " version=" + hex4(r.info.version) +
                  " suite=" + hex4(r.info.cipher_suite) + " group=" + hex4(r.info.group) +
                  " resumed=" + std::to_string(r.info.resumed) + " tickets=" + std::to_string(r.tickets);
  if (r.failed) s += " error=" + r.error.to_string() + " transport=" + r.transport_error;
  return s + " received=[" + r.received.substr(0, 400) + "] clean_close=" + std::to_string(r.clean_close);
}

// ---------------------------------------------------------------------------------------------------
// A peer client against the sanstls server

std::string describe(const ServerConn& c) {
  std::string s = "handshake_ok=" + std::to_string(c.handshake_ok) + " version=" + hex4(c.info.version) +
                  " suite=" + hex4(c.info.cipher_suite) + " group=" + hex4(c.info.group) +
                  " resumed=" + std::to_string(c.info.resumed) + " early=[" + c.early.substr(0, 100) + "]";
  if (c.failed) s += " error=" + c.error.to_string() + " transport=" + c.transport_error;
  s += " received=[" + c.received.substr(0, 300) + "] peer_closed_clean=" + std::to_string(c.peer_closed_clean);
  s += " got=[";
  for (uint8_t t : c.got) s += std::to_string(t) + " ";
  s += "] sent=[";
  for (uint8_t t : c.sent) s += std::to_string(t) + " ";
  return s + "]";
}

std::shared_ptr<const ServerConfig> make_server_config(const ServerCase& sc) {
  ServerConfig::Builder b;
  b.provider(test_provider());
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  if (!sc.suites.empty()) b.cipher_suite_names(sc.suites);
  if (!sc.groups.empty()) b.groups(sc.groups);
  if (sc.client_auth != ClientAuth::none) b.client_auth(sc.client_auth, read_file("tests/certs/ca.pem"));
  if (!sc.alpn.empty()) b.alpn(sc.alpn);
  if (sc.record_size_limit != 0) b.record_size_limit(sc.record_size_limit);
  b.max_early_data(sc.max_early_data);
  b.versions(sc.min_version, sc.max_version);
  Built<ServerConfig> built = b.build();
  if (!built.ok()) FAIL("server config: " << built.error);
  return built.config;
}

SanstlsServer::SanstlsServer(std::shared_ptr<const ServerConfig> config, int connections, Options options)
    : config_(std::move(config)), options_(std::move(options)) {
  std::string err;
  listen_fd_ = net::listen_tcp("127.0.0.1", 0, &err, &port_);
  REQUIRE_MESSAGE(listen_fd_ >= 0, err);
  thread_ = std::thread([this, connections] { run(connections); });
}

SanstlsServer::~SanstlsServer() {
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);  // wakes the thread from accept() at once
  join();
}

std::vector<ServerConn> SanstlsServer::join() {
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) net::close_fd(listen_fd_);
  listen_fd_ = -1;
  std::lock_guard<std::mutex> lock(mu_);
  return conns_;
}

void SanstlsServer::run(int connections) {
  for (int i = 0; i < connections; i++) {
    int fd = accept_with_timeout(listen_fd_, 10000);
    if (fd < 0) return;
    if (options_.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(options_.delay_ms));
    ServerConn c = serve(fd);
    net::close_fd(fd);
    std::lock_guard<std::mutex> lock(mu_);
    conns_.push_back(c);
  }
}

ServerConn SanstlsServer::serve(int fd) {
  ServerConn c;
  set_socket_timeouts(fd, kIoTimeoutMs);
  auto rng = crypto::make_system_rng();
  SystemClock clock;
  BlockingStream stream(fd, Connection::server(config_, *rng, clock));
  stream.connection().set_trace(true);
  stream.on_event = [this, &c](const Event& ev) {
    if (ev.type == Event::Type::app_data && ev.early_data)
      c.early.append(reinterpret_cast<const char*>(ev.data.data()), ev.data.size());
    if (ev.type != Event::Type::handshake_message) return;
    bool sent = ev.direction == Direction::sent;
    (sent ? c.sent : c.got).push_back(ev.message_type);
    if (!sent) received_[ev.message_type]++;
    if (ev.data.size() < 4) return;
    ByteView body = ev.data.sub(4);
    ClientHello ch;
    ServerHello sh;
    if (!sent && ev.message_type == kClientHello && decode_client_hello(body, &ch).ok())
      c.client_record_size_limit = ch.extensions.record_size_limit;
    if (sent && ev.message_type == kServerHello && ev.data.size() >= 4 + 2 + 32) {
      c.server_random = ev.data.sub(6, 32).to_bytes();
      if (decode_server_hello(body, &sh).ok()) c.server_record_size_limit = sh.extensions.record_size_limit;
    }
  };
  auto fail = [&](const Error& e) {
    c.failed = true;
    c.error = e;
    c.transport_error = stream.transport_error();
    return c;
  };
  Status hs = stream.handshake();
  if (!hs.ok()) return fail(hs.error());
  c.handshake_ok = true;
  c.info = *stream.connection().info();
  if (options_.after_handshake && !options_.after_handshake(stream, c)) return c;
  uint8_t buf[4096];
  while (!contains(c.received, "\n")) {
    Result<size_t> r = stream.read(buf, sizeof buf);
    if (!r.ok()) return fail(r.error());
    if (r.value() == 0) break;
    c.received.append(reinterpret_cast<const char*>(buf), r.value());
  }
  c.info = *stream.connection().info();  // post-handshake authentication may have changed it
  if (!contains(c.received, "\n")) {  // the client's close_notify came first
    c.peer_closed_clean = true;
    (void)stream.close();
    return c;
  }
  Status w = stream.write_all(ByteView::of(kEchoPrefix + c.received));
  if (!w.ok()) return fail(w.error());
  (void)stream.close();
  if (!options_.wait_close_notify) return c;
  set_socket_timeouts(fd, 2000);
  for (;;) {
    Result<size_t> r = stream.read(buf, sizeof buf);
    if (!r.ok()) break;
    if (r.value() == 0) {
      c.peer_closed_clean = true;
      break;
    }
  }
  return c;
}

ClientResult run_peer_client(const std::vector<std::string>& argv, const std::string& input) {
  std::unique_ptr<Peer> p = start_peer(argv);
  p->write_stdin(input);
  ClientResult r;
  r.exit_code = p->wait_exit(kPeerDeadlineMs);
  p->kill();
  r.output = p->output();
  return r;
}

std::string ServedRun::describe(size_t max_output) const {
  std::string s;
  for (size_t i = 0; i < clients.size(); i++)
    s += "peer client " + std::to_string(i) + " (exit " + std::to_string(clients[i].exit_code) + "):\n" +
         clients[i].output.substr(0, max_output) + "\n";
  for (size_t i = 0; i < conns.size(); i++) s += "server connection " + std::to_string(i) + ": " + testing::describe(conns[i]) + "\n";
  return s;
}

ServedRun serve_peer_client(std::shared_ptr<const ServerConfig> config, const ArgvFor& argv_for,
                            const std::string& input, int connections) {
  SanstlsServer server(std::move(config), connections);
  ServedRun r;
  r.clients.push_back(run_peer_client(argv_for(server.port()), input));
  r.client = r.clients[0];
  r.conns = server.join();
  REQUIRE_MESSAGE(r.conns.size() == static_cast<size_t>(connections), r.describe());
  return r;
}

ServedRun serve_peer_clients(std::shared_ptr<const ServerConfig> config,
                             const std::vector<std::pair<ArgvFor, std::string>>& clients) {
  SanstlsServer server(std::move(config), static_cast<int>(clients.size()));
  ServedRun r;
  for (const auto& c : clients) r.clients.push_back(run_peer_client(c.first(server.port()), c.second));
  if (!r.clients.empty()) r.client = r.clients[0];
  r.conns = server.join();
  REQUIRE_MESSAGE(r.conns.size() == clients.size(), r.describe());
  return r;
}

ServedRun finish_peer_client(Peer& client, SanstlsServer& server, int timeout_ms) {
  client.close_stdin();
  ServedRun r;
  r.client.exit_code = client.wait_exit(timeout_ms);
  r.conns = server.join();
  r.client.output = client.output();
  r.clients.push_back(r.client);
  return r;
}

std::vector<std::string> s_client_argv(uint16_t port, const std::string& version,
                                       const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {"stdbuf", "-oL", "openssl", "s_client", "-connect",
                                   "127.0.0.1:" + std::to_string(port), "-servername", "localhost",
                                   "-CAfile", cert("ca.pem"), "-verify_return_error", "-verify_hostname",
                                   "localhost"};
  if (!version.empty()) argv.push_back(version);
  return concat(argv, extra);
}

std::vector<std::string> gnutls_cli_argv(uint16_t port, const std::string& priority,
                                         const std::vector<std::string>& extra) {
  std::vector<std::string> argv = concat({"gnutls-cli", "-p", std::to_string(port), "--x509cafile", cert("ca.pem"),
                                          "--sni-hostname", "localhost", "--verify-hostname", "localhost",
                                          "--priority", priority},
                                         extra);
  argv.push_back("127.0.0.1");
  return argv;
}

}  // namespace testing
}  // namespace sanstls
