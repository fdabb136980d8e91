// The command-line tools against each other and against real peers (openssl, gnutls, curl) on
// 127.0.0.1. Every child process is bounded in time and killed on every exit path (Child's
// destructor); ports are picked free (tls_server -accept 0 reports its port on the ACCEPT line).
// Binaries are found in the runfiles tree, which is the test's working directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "core/record.h"
#include "core/record_protection.h"
#include "core/suites.h"
#include "core/tls13_keys.h"
#include "crypto/crypto.h"
#include "doctest/doctest.h"
#include "tools/adapters/socket.h"

namespace sanstls {
namespace {

std::string tmpdir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}

uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

int g_seq = 0;

// A child that dies must not kill the test through SIGPIPE when we write to its stdin.
const bool g_ignore_sigpipe = [] {
  signal(SIGPIPE, SIG_IGN);
  return true;
}();

// A child process with stdout and stderr in files; stdin from a file (or a pipe held open, so that
// servers that read stdin do not see EOF). Killed when destroyed.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string* stdin_data = nullptr) {
    std::string base = tmpdir() + "/child" + std::to_string(++g_seq);
    out_ = base + ".out";
    err_ = base + ".err";
    int in_fd = -1;
    int pipefd[2] = {-1, -1};
    if (stdin_data != nullptr) {
      spit(base + ".in", *stdin_data);
      in_fd = open((base + ".in").c_str(), O_RDONLY | O_CLOEXEC);
    } else {
      REQUIRE(pipe2(pipefd, O_CLOEXEC) == 0);
      in_fd = pipefd[0];
      stdin_keep_ = pipefd[1];
    }
    int out_fd = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err_fd = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(in_fd, 0);
      dup2(out_fd, 1);
      dup2(err_fd, 2);
      setpgid(0, 0);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(in_fd);
    close(out_fd);
    close(err_fd);
    if (pipefd[0] >= 0) close(pipefd[0]);
  }
  ~Child() {
    if (pid_ > 0 && status_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdin_keep_ >= 0) close(stdin_keep_);
  }
  // The exit status, or -1 when it did not exit within timeout_ms (it is then killed).
  int wait(uint64_t timeout_ms) {
    if (status_ >= 0) return status_;
    uint64_t end = now_ms() + timeout_ms;
    for (;;) {
      int st = 0;
      pid_t r = waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
      }
      if (now_ms() > end) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        status_ = 999;
        return -1;
      }
      usleep(10000);
    }
  }
  // Waits until stdout holds `needle`; false after timeout_ms or if the child exited first.
  bool wait_output(const std::string& needle, uint64_t timeout_ms) {
    uint64_t end = now_ms() + timeout_ms;
    while (now_ms() < end) {
      if (out().find(needle) != std::string::npos) return true;
      int st;
      if (waitpid(pid_, &st, WNOHANG) == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return out().find(needle) != std::string::npos;
      }
      usleep(10000);
    }
    return false;
  }
  // Pipe mode only (no stdin_data given): writes to the child's stdin, or closes it (EOF).
  void write_stdin(const std::string& data) {
    REQUIRE(stdin_keep_ >= 0);
    REQUIRE(::write(stdin_keep_, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  }
  void close_stdin() {
    if (stdin_keep_ >= 0) close(stdin_keep_);
    stdin_keep_ = -1;
  }
  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  int stdin_keep_ = -1;
  std::string out_, err_;
};

const std::string kServer = "tools/tls_server";
const std::string kClient = "tools/tls_client";
const std::string kReplay = "tools/tls_replay";
const std::string kCerts = "tests/certs/";

// Starts tls_server on a free port with extra flags; returns its port (0 when it did not start).
uint16_t start_server(std::unique_ptr<Child>* child, std::vector<std::string> extra) {
  std::vector<std::string> argv = {kServer, "-accept", "127.0.0.1:0", "-cert", kCerts + "server_rsa.pem",
                                   "-key", kCerts + "server_rsa.key.pem"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  child->reset(new Child(argv));
  if (!(*child)->wait_output("ACCEPT ", 10000)) return 0;
  std::smatch m;
  std::string out = (*child)->out();
  if (!std::regex_search(out, m, std::regex("ACCEPT [0-9.]+:([0-9]+)"))) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

bool have(const char* prog) {
  std::string cmd = std::string("command -v ") + prog + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// Exactly one line on stderr, and a non-zero exit.
void check_one_line_error(Child& c, const std::string& contains) {
  int rc = c.wait(20000);
  CHECK(rc != 0);
  CHECK(rc != -1);
  std::string err = c.err();
  INFO("stderr: " << err);
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  CHECK(err.find(contains) != std::string::npos);
}

TEST_CASE("demo: the 13 messages of a full handshake in order, then a resumed session") {
  Child demo({"tools/demo"});
  REQUIRE(demo.wait(60000) == 0);
  std::string out = demo.out();
  const char* expected[] = {
      "client -> server  ClientHello",       "server -> client  ServerHello",
      "server -> client  Certificate",       "server -> client  ServerKeyExchange",
      "server -> client  CertificateRequest", "server -> client  ServerHelloDone",
      "client -> server  Certificate",       "client -> server  ClientKeyExchange",
      "client -> server  CertificateVerify", "client -> server  ChangeCipherSpec",
      "client -> server  Finished",          "server -> client  ChangeCipherSpec",
      "server -> client  Finished"};
  size_t at = 0;
  for (int i = 0; i < 13; i++) {
    INFO("message " << i + 1 << ": " << expected[i]);
    char num[16];
    std::snprintf(num, sizeof num, "%2d. ", i + 1);
    // "%2d. client -> server  ClientHello  (N bytes)": numbered in order, with the direction.
    size_t p = out.find(std::string(num) + expected[i] + "  (", at);
    REQUIRE(p != std::string::npos);
    size_t eol = out.find('\n', p);
    at = eol;
  }
  CHECK(out.find("Part 2: a resumed session") != std::string::npos);
  CHECK(out.find("The session was resumed") != std::string::npos);
  CHECK(out.find("Session: Reused") != std::string::npos);
  CHECK(out.find("client received: \"HELLO, SERVER! WHAT TIME IS IT?\"") != std::string::npos);
  CHECK(out.find("both connections closed cleanly") != std::string::npos);

  Child noauth({"tools/demo", "-kx", "dhe", "-noauth"});
  REQUIRE(noauth.wait(60000) == 0);
  std::string o2 = noauth.out();
  CHECK(o2.find("CertificateRequest") == std::string::npos);
  CHECK(o2.find("Diffie-Hellman") != std::string::npos);
  CHECK(o2.find("TLS_DHE_RSA_WITH_AES_128_GCM_SHA256") != std::string::npos);

  Child tickets({"tools/demo", "-tickets"});
  REQUIRE(tickets.wait(60000) == 0);
  CHECK(tickets.out().find("server -> client  NewSessionTicket") != std::string::npos);
  CHECK(tickets.out().find("The session was resumed") != std::string::npos);

  Child bad({"tools/demo", "-kx", "psk"});
  check_one_line_error(bad, "-kx must be");
}

TEST_CASE("tls_client <-> tls_server: echo, resumption through -sess_out/-sess_in") {
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "5"});
  REQUIRE(port != 0);
  std::string addr = "localhost:" + std::to_string(port);
  std::string sess = tmpdir() + "/sess.bin";
  std::string line = "hello from tls_client\n";

  Child c1({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-sess_out", sess}, &line);
  REQUIRE(c1.wait(20000) == 0);
  CHECK(c1.out() == line);
  CHECK(c1.err().find("New, TLSv1.") != std::string::npos);

  Child c2({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-sess_in", sess}, &line);
  REQUIRE(c2.wait(20000) == 0);
  CHECK(c2.out() == line);
  CHECK(c2.err().find("Reused, TLSv1.") != std::string::npos);

  // A session file that is not one.
  spit(tmpdir() + "/bogus.bin", "not a session");
  Child c3({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-sess_in", tmpdir() + "/bogus.bin"}, &line);
  check_one_line_error(c3, "not a saved session");

  // -verify_hostname / -verify_ip: the name checked differs from the SNI value (OpenSSL's flags).
  Child c5({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-servername", "www.example.test",
            "-verify_ip", "127.0.0.1"}, &line);
  REQUIRE(c5.wait(20000) == 0);
  CHECK(c5.out() == line);
  CHECK(c5.err().find("Verification: OK (127.0.0.1)") != std::string::npos);
  Child c6({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-verify_hostname", "other.example.test"}, &line);
  CHECK(c6.wait(20000) == 1);
  CHECK(c6.err().find("verify error") != std::string::npos);

  // Verification failure: the server's chain is not from this CA.
  Child c4({kClient, "-connect", addr, "-CAfile", kCerts + "other_ca.pem"}, &line);
  int rc = c4.wait(20000);
  CHECK(rc == 1);
  CHECK(c4.err().find("verify error") != std::string::npos);

  // The server served 5 connections and exited by itself.
  CHECK(server->wait(20000) == 0);
  CHECK(server->out().find("Reused") != std::string::npos);
}

TEST_CASE("curl against tls_server -www shows the negotiated suite") {
  if (!have("curl")) return;
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-www", "-naccept", "1", "-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"});
  REQUIRE(port != 0);
  Child curl({"curl", "-sS", "--max-time", "20", "--cacert", kCerts + "ca.pem",
              "https://localhost:" + std::to_string(port) + "/sanstls"});
  REQUIRE(curl.wait(30000) == 0);
  std::string page = curl.out();
  INFO(page);
  CHECK(page.find("<html>") != std::string::npos);
  CHECK(page.find("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384") != std::string::npos);
  CHECK(page.find("GET /sanstls") != std::string::npos);
  CHECK(page.find("ALPN: http/1.1") != std::string::npos);  // -www speaks http/1.1 by default
  CHECK(server->wait(20000) == 0);
}

TEST_CASE("tls_client against openssl s_server") {
  if (!have("openssl")) return;
  uint16_t port = net::free_port();
  REQUIRE(port != 0);
  // -rev: openssl's test mode that answers each line reversed.
  Child server({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                kCerts + "server_rsa.pem", "-key", kCerts + "server_rsa.key.pem", "-rev", "-naccept", "1"});
  REQUIRE(server.wait_output("ACCEPT", 10000));
  std::string line = "hello openssl\n";
  Child client({kClient, "-connect", "localhost:" + std::to_string(port), "-CAfile", kCerts + "ca.pem"}, &line);
  REQUIRE(client.wait(20000) == 0);
  CHECK(client.out().find("lssnepo olleh") != std::string::npos);
  CHECK(client.err().find("Verification: OK") != std::string::npos);
}

TEST_CASE("openssl s_client and gnutls-cli against tls_server (a line echoed)") {
  if (!have("openssl")) return;
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "2", "-cert", kCerts + "server_ec_chain.pem", "-key",
                                         kCerts + "server_ec.key.pem"});
  REQUIRE(port != 0);
  std::string line = "echo me, openssl\n";
  // s_client stops at EOF on stdin without reading what is in flight: keep stdin open until the echo.
  Child ossl({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername", "localhost",
              "-CAfile", kCerts + "ca.pem", "-verify_return_error", "-tls1_2"});
  ossl.write_stdin(line);
  CHECK(ossl.wait_output(line, 20000));
  ossl.close_stdin();
  REQUIRE(ossl.wait(20000) == 0);
  CHECK(ossl.out().find("Verify return code: 0 (ok)") != std::string::npos);

  if (have("gnutls-cli")) {
    std::string gline = "echo me, gnutls\n";
    Child g({"gnutls-cli", "--x509cafile", kCerts + "ca.pem", "-p", std::to_string(port), "localhost"}, &gline);
    REQUIRE(g.wait(20000) == 0);
    CHECK(g.out().find(gline) != std::string::npos);
  }
}

TEST_CASE("tls_client against gnutls-serv") {
  if (!have("gnutls-serv")) return;
  uint16_t port = net::free_port();
  Child server({"gnutls-serv", "--port", std::to_string(port), "--x509certfile", kCerts + "server_rsa.pem",
                "--x509keyfile", kCerts + "server_rsa.key.pem", "--echo"});
  // gnutls-serv says nothing reliable when ready: try until it answers.
  std::string line = "hello gnutls\n";
  bool ok = false;
  uint64_t end = now_ms() + 20000;
  while (!ok && now_ms() < end) {
    Child client({kClient, "-connect", "localhost:" + std::to_string(port), "-CAfile", kCerts + "ca.pem"}, &line);
    ok = client.wait(10000) == 0 && client.out() == line;
    if (!ok) usleep(100000);
  }
  CHECK(ok);
}

// A TCP relay between a client and a server that records what the server sends.
struct Relay {
  int listen_fd = -1;
  uint16_t port = 0;
  std::string server_bytes;
  std::string client_bytes;
  std::thread t;
  std::atomic<bool> done{false};

  void start(uint16_t server_port) {
    std::string err;
    listen_fd = net::listen_tcp("127.0.0.1", 0, &err, &port);
    REQUIRE(listen_fd >= 0);
    t = std::thread([this, server_port]() {
      pollfd lp{listen_fd, POLLIN, 0};
      if (poll(&lp, 1, 20000) != 1) return finish();
      int a = accept(listen_fd, nullptr, nullptr);
      std::string err2;
      int b = net::connect_tcp("127.0.0.1", server_port, &err2);
      if (a < 0 || b < 0) {
        net::close_fd(a);
        net::close_fd(b);
        return finish();
      }
      char buf[16384];
      bool a_open = true, b_open = true;
      uint64_t end = now_ms() + 20000;
      while ((a_open || b_open) && now_ms() < end) {
        pollfd p[2] = {{a, static_cast<short>(a_open ? POLLIN : 0), 0}, {b, static_cast<short>(b_open ? POLLIN : 0), 0}};
        if (poll(p, 2, 200) <= 0) continue;
        if (p[0].revents) {
          ssize_t n = recv(a, buf, sizeof buf, 0);
          if (n <= 0) { a_open = false; shutdown(b, SHUT_WR); }
          else {
            client_bytes.append(buf, static_cast<size_t>(n));
            send(b, buf, static_cast<size_t>(n), MSG_NOSIGNAL);
          }
        }
        if (p[1].revents) {
          ssize_t n = recv(b, buf, sizeof buf, 0);
          if (n <= 0) { b_open = false; shutdown(a, SHUT_WR); }
          else {
            server_bytes.append(buf, static_cast<size_t>(n));
            send(a, buf, static_cast<size_t>(n), MSG_NOSIGNAL);
          }
        }
      }
      close(a);
      close(b);
      finish();
    });
  }
  void finish() { done = true; }
  ~Relay() {
    if (t.joinable()) t.join();
    net::close_fd(listen_fd);
  }
};

TEST_CASE("key log (TLS 1.2): both sides log the same master secret, and it decrypts a captured record") {
  std::string skeys = tmpdir() + "/server.keys", ckeys = tmpdir() + "/client.keys";
  std::remove(skeys.c_str());
  std::remove(ckeys.c_str());
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "1", "-keylogfile", skeys, "-tls1_2", "-cipher",
                                         "ECDHE-RSA-AES128-GCM-SHA256"});
  REQUIRE(port != 0);
  Relay relay;
  relay.start(port);
  std::string secret = "the secret line\n";
  {
    // The client's key log comes from SSLKEYLOGFILE, to check that it is honoured.
    std::string env = "SSLKEYLOGFILE=" + ckeys;
    Child client({"env", env, kClient, "-connect", "127.0.0.1:" + std::to_string(relay.port), "-servername",
                  "localhost", "-CAfile", kCerts + "ca.pem", "-quiet"},
                 &secret);
    REQUIRE(client.wait(20000) == 0);
    CHECK(client.out() == secret);
  }
  REQUIRE(server->wait(20000) == 0);
  relay.t.join();

  std::regex line_re("^CLIENT_RANDOM ([0-9a-f]{64}) ([0-9a-f]{96})\n$");
  std::smatch sm, cm;
  std::string s = slurp(skeys), c = slurp(ckeys);
  REQUIRE(std::regex_match(s, sm, line_re));
  REQUIRE(std::regex_match(c, cm, line_re));
  CHECK(sm[1] == cm[1]);
  CHECK(sm[2] == cm[2]);

  // Decrypt the server's first application-data record (the echo) with the logged secret.
  const crypto::Provider& p = crypto::default_provider();
  Bytes client_random, master;
  REQUIRE(from_hex(cm[1], &client_random));
  REQUIRE(from_hex(cm[2], &master));
  const std::string& wire = relay.server_bytes;
  REQUIRE(wire.size() > 5 + 4 + 2 + 32);
  REQUIRE(wire[0] == 22);                                     // handshake record
  REQUIRE(wire[5] == 2);                                      // ServerHello first
  Bytes server_random(wire.begin() + 11, wire.begin() + 43);  // header 5, hs header 4, version 2
  Bytes seed = server_random;
  seed.insert(seed.end(), client_random.begin(), client_random.end());
  Bytes kb = crypto::tls12_prf(p, crypto::HashAlg::sha256, master, "key expansion", seed, 40);
  ByteView server_key = ByteView(kb).sub(16, 16), server_salt = ByteView(kb).sub(36, 4);
  size_t off = 0;
  bool found = false;
  while (off + 5 <= wire.size()) {
    RecordHeader h;
    REQUIRE(decode_record_header(ByteView(reinterpret_cast<const uint8_t*>(wire.data()) + off, 5), &h).ok());
    REQUIRE(off + 5 + h.length <= wire.size());
    if (h.type == ContentType::application_data) {
      auto rp = RecordProtection::tls12_gcm(p, crypto::AeadAlg::aes_128_gcm, server_key, server_salt);
      REQUIRE(rp.ok());
      rp.value().set_sequence_number_for_testing(1);  // the server's Finished was record 0
      Bytes frag(wire.begin() + off + 5, wire.begin() + off + 5 + h.length);
      auto opened = rp.value().open(h, frag.data(), frag.size());
      REQUIRE(opened.ok());
      CHECK(opened.value().plaintext.to_string() == secret);
      found = true;
      break;
    }
    off += 5 + h.length;
  }
  CHECK(found);
}

TEST_CASE("errors a person makes: one line on stderr, non-zero exit") {
  {
    Child c({kServer, "-cert", kCerts + "missing.pem", "-key", kCerts + "server_rsa.key.pem"});
    check_one_line_error(c, "missing.pem");
  }
  {
    Child c({kServer, "-cert", kCerts + "server_rsa.pem", "-key", kCerts + "wrong_name.key.pem"});
    check_one_line_error(c, "does not match");
  }
  {
    Child c({kServer, "-cert", kCerts + "server_rsa.pem", "-key", kCerts + "server_rsa.key.pem", "-cipher",
             "NOT-A-SUITE"});
    check_one_line_error(c, "unknown cipher suite");
  }
  {
    Child c({kServer, "-cert", kCerts + "server_rsa.pem", "-key", kCerts + "server_rsa.key.pem", "-num_tickets", "9"});
    check_one_line_error(c, "larger than 8");
  }
  {
    Child c({kServer, "-frobnicate"});
    check_one_line_error(c, "unknown flag -frobnicate");
  }
  {
    Child c({kClient, "-connect"});
    check_one_line_error(c, "needs a value");
  }
  {
    // Port in use: a second server on the first one's port.
    std::unique_ptr<Child> first;
    uint16_t port = start_server(&first, {});
    REQUIRE(port != 0);
    Child c({kServer, "-accept", "127.0.0.1:" + std::to_string(port), "-cert", kCerts + "server_rsa.pem", "-key",
             kCerts + "server_rsa.key.pem"});
    check_one_line_error(c, "Address already in use");
  }
  {
    uint16_t port = net::free_port();
    Child c({kClient, "-connect", "127.0.0.1:" + std::to_string(port), "-CAfile", kCerts + "ca.pem"});
    check_one_line_error(c, "cannot connect");
  }
}

// `-connect host` without a port is port 443, as in an https URL (nothing listens on 443 here, so the
// error names the port it tried).
TEST_CASE("tls_client -connect without a port connects to 443") {
  {
    Child c({kClient, "-connect", "127.0.0.1", "-CAfile", kCerts + "ca.pem"});
    check_one_line_error(c, "cannot connect to 127.0.0.1:443");
  }
  {
    Child c({kClient, "-connect", "[::1]", "-CAfile", kCerts + "ca.pem"});
    check_one_line_error(c, "cannot connect to ::1:443");
  }
}

TEST_CASE("-provider: tls_client and tls_server on the libcrypto provider, against each other and mbedTLS") {
  {
    Child c({kClient, "-provider", "boringssl"});
    check_one_line_error(c, "-provider: unknown provider 'boringssl'");
  }
  {
    Child c({kServer, "-provider", "", "-cert", kCerts + "server_rsa.pem", "-key", kCerts + "server_rsa.key.pem"});
    check_one_line_error(c, "unknown provider");
  }
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-provider", "libcrypto", "-naccept", "3"});
  REQUIRE(port != 0);
  const std::string addr = "127.0.0.1:" + std::to_string(port);
  std::string line = "hello across providers\n";
  for (const char* provider : {"mbedtls", "libcrypto"}) {
    for (const char* version : {"-tls1_2", "-tls1_3"}) {
      if (std::string(provider) == "mbedtls" && std::string(version) == "-tls1_2") continue;  // 3 connections
      CAPTURE(provider);
      CAPTURE(version);
      Child c({kClient, "-connect", addr, "-servername", "localhost", "-CAfile", kCerts + "ca.pem", "-provider",
               provider, version},
              &line);
      REQUIRE(c.wait(20000) == 0);
      CHECK(c.out() == line);
      CHECK(c.err().find(std::string("Protocol: TLSv1.") + (std::string(version) == "-tls1_2" ? "2" : "3")) !=
            std::string::npos);
    }
  }
  CHECK(server->wait(20000) == 0);
}

TEST_CASE("tls_server -servername: strict SNI; -Verify: client certificates") {
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "3", "-servername", "localhost", "-Verify", "1", "-CAfile",
                                         kCerts + "ca.pem", "-msg"});
  REQUIRE(port != 0);
  std::string addr = "127.0.0.1:" + std::to_string(port);
  std::string line = "x\n";
  // The right name, with a client certificate.
  Child ok({kClient, "-connect", addr, "-servername", "localhost", "-CAfile", kCerts + "ca.pem", "-cert",
            kCerts + "client.pem", "-key", kCerts + "client.key.pem"},
           &line);
  CHECK(ok.wait(20000) == 0);
  // Another name: unrecognized_name.
  Child other({kClient, "-connect", addr, "-servername", "other.example.test", "-CAfile", kCerts + "ca.pem", "-cert",
               kCerts + "client.pem", "-key", kCerts + "client.key.pem"},
              &line);
  CHECK(other.wait(20000) == 1);
  CHECK(other.err().find("unrecognized_name") != std::string::npos);
  // No client certificate where one is required.
  Child nocert({kClient, "-connect", addr, "-servername", "localhost", "-CAfile", kCerts + "ca.pem"}, &line);
  CHECK(nocert.wait(20000) == 1);
  CHECK(server->wait(20000) == 0);
  std::string out = server->out();
  CHECK(out.find("<- ClientHello") != std::string::npos);  // -msg traces
  CHECK(out.find("-> CertificateRequest") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------------
// Captures (issue 6) and TLS 1.3 (issue 8)

// Flips one bit of the legacy_session_id of the ClientHello in the first receive entry of a capture
// (docs/capture-format.md: a 10-byte header, then entries of u8 type, u32 length, payload). The server
// echoes that byte in its ServerHello, so a replay diverges there. False when there is no such entry.
bool flip_session_id_byte(const std::string& in, const std::string& out) {
  std::string d = slurp(in);
  size_t pos = 10;
  while (pos + 5 <= d.size()) {
    uint8_t type = static_cast<uint8_t>(d[pos]);
    size_t n = (size_t{static_cast<uint8_t>(d[pos + 1])} << 24) | (size_t{static_cast<uint8_t>(d[pos + 2])} << 16) |
               (size_t{static_cast<uint8_t>(d[pos + 3])} << 8) | static_cast<uint8_t>(d[pos + 4]);
    if (type == 0x20) {
      // record header 5, handshake header 4, version 2, random 32, session id length 1.
      if (n < 45 || d[pos + 5 + 43] == 0) return false;
      d[pos + 5 + 44] ^= 0x01;
      spit(out, d);
      return true;
    }
    pos += 5 + n;
  }
  return false;
}

TEST_CASE("tls_server -capture DIR: openssl s_client connections replay byte for byte; a changed byte is named") {
  if (!have("openssl")) return;
  std::string dir = tmpdir() + "/captures";
  mkdir(dir.c_str(), 0755);
  std::remove((dir + "/1.stlscap").c_str());
  std::remove((dir + "/2.stlscap").c_str());
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "2", "-capture", dir});
  REQUIRE(port != 0);
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    INFO(version);
    std::string line = std::string("captured over ") + version + "\n";
    Child ossl({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername", "localhost",
                "-CAfile", kCerts + "ca.pem", "-verify_return_error", version});
    ossl.write_stdin(line);
    CHECK(ossl.wait_output(line, 20000));
    ossl.close_stdin();
    REQUIRE(ossl.wait(20000) == 0);
  }
  REQUIRE(server->wait(20000) == 0);
  CHECK(server->out().find("conn 1: capture written to " + dir + "/1.stlscap") != std::string::npos);

  const std::vector<std::string> files = {"-cert", kCerts + "server_rsa.pem", "-key", kCerts + "server_rsa.key.pem"};
  for (int n = 1; n <= 2; n++) {
    std::vector<std::string> argv = {kReplay, dir + "/" + std::to_string(n) + ".stlscap"};
    argv.insert(argv.end(), files.begin(), files.end());
    Child r(argv);
    INFO("capture " << n << ": " << r.err());
    REQUIRE(r.wait(30000) == 0);
    std::string out = r.out();
    INFO(out);
    CHECK(out.find("MATCH: ") != std::string::npos);
    CHECK(out.find(n == 1 ? "TLSv1.3 TLS_AES_" : "S->C ServerKeyExchange") != std::string::npos);
    CHECK(out.find("event: app_data") != std::string::npos);
  }

  std::string bad = tmpdir() + "/bad.stlscap";
  REQUIRE(flip_session_id_byte(dir + "/1.stlscap", bad));
  std::vector<std::string> argv = {kReplay, bad, "-q"};
  argv.insert(argv.end(), files.begin(), files.end());
  Child r(argv);
  CHECK(r.wait(30000) == 1);
  std::string out = r.out();
  INFO(out);
  CHECK(out.find("DIVERGENCE at capture entry #") != std::string::npos);
  CHECK(out.find("ServerHello, byte 39 of the message") != std::string::npos);  // the echoed session id
  CHECK(out.find("expected 0x") != std::string::npos);

  Child notdir({kServer, "-cert", kCerts + "server_rsa.pem", "-key", kCerts + "server_rsa.key.pem", "-capture",
                tmpdir() + "/no/such/dir"});
  check_one_line_error(notdir, "-capture");
}

// The positions of `parts` in `s`, in order; npos for one that does not follow the previous.
bool in_order(const std::string& s, const std::vector<std::string>& parts) {
  size_t at = 0;
  for (const std::string& p : parts) {
    size_t i = s.find(p, at);
    if (i == std::string::npos) return false;
    at = i + p.size();
  }
  return true;
}

TEST_CASE("tls_client -ladder draws the connection: messages in order, key changes, well-formed SVG") {
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "2"});
  REQUIRE(port != 0);
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    INFO(version);
    std::string svg = tmpdir() + "/ladder" + version + ".svg";
    std::remove(svg.c_str());
    std::string line = "ladder\n";
    Child c({kClient, "-connect", "127.0.0.1:" + std::to_string(port), "-servername", "localhost", "-CAfile",
             kCerts + "ca.pem", version, "-ladder", svg, "-quiet"},
            &line);
    REQUIRE(c.wait(20000) == 0);
    std::string doc = slurp(svg);
    REQUIRE(doc.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    CHECK(doc.substr(doc.size() - 7) == "</svg>\n");
    auto msg = [](const char* dir, const char* title) {
      return std::string("<g class=\"message\" data-dir=\"") + dir + "\" data-title=\"" + title + "\">";
    };
    const char* c2s = "C-&gt;S";
    const char* s2c = "S-&gt;C";
    if (std::string(version) == "-tls1_3") {
      CHECK(in_order(doc, {msg(c2s, "ClientHello"), msg(s2c, "ServerHello"), "server_handshake_traffic_secret",
                           msg(s2c, "EncryptedExtensions"), msg(s2c, "Certificate"), msg(s2c, "CertificateVerify"),
                           msg(s2c, "Finished"), "server_application_traffic_secret_0", msg(c2s, "Finished"),
                           "client_application_traffic_secret_0", "handshake done: TLSv1.3",
                           msg(s2c, "application data")}));
    } else {
      CHECK(in_order(doc, {msg(c2s, "ClientHello"), msg(s2c, "ServerHello"), msg(s2c, "Certificate"),
                           msg(s2c, "ServerKeyExchange"), msg(s2c, "ServerHelloDone"), msg(c2s, "ClientKeyExchange"),
                           msg(c2s, "ChangeCipherSpec"), "records encrypted from here", msg(c2s, "Finished"),
                           msg(s2c, "ChangeCipherSpec"), msg(s2c, "Finished"), "handshake done: TLSv1.2"}));
    }
    // Every element opened is closed (the structure a browser needs; ladder_test parses it fully).
    CHECK(std::count(doc.begin(), doc.end(), '<') == std::count(doc.begin(), doc.end(), '>'));
  }
  REQUIRE(server->wait(20000) == 0);
}

TEST_CASE("tls_server -ladder DIR draws each connection from the server's side: DIR/<n>.svg") {
  std::string dir = tmpdir() + "/server_ladders";
  std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "2", "-ladder", dir});
  REQUIRE(port != 0);
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    std::string line = "ladder\n";
    Child c({kClient, "-connect", "127.0.0.1:" + std::to_string(port), "-servername", "localhost", "-CAfile",
             kCerts + "ca.pem", version, "-quiet"},
            &line);
    REQUIRE(c.wait(20000) == 0);
  }
  REQUIRE(server->wait(20000) == 0);
  auto msg = [](const char* dir, const char* title) {
    return std::string("<g class=\"message\" data-dir=\"") + dir + "\" data-title=\"" + title + "\">";
  };
  const char* c2s = "C-&gt;S";
  const char* s2c = "S-&gt;C";
  std::string first = slurp(dir + "/1.svg"), second = slurp(dir + "/2.svg");
  REQUIRE(first.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg", 0) == 0);
  CHECK(in_order(first, {msg(c2s, "ClientHello"), msg(s2c, "ServerHello"), "server_handshake_traffic_secret",
                         msg(s2c, "EncryptedExtensions"), msg(s2c, "Finished"), msg(c2s, "Finished"),
                         "handshake done: TLSv1.3", msg(c2s, "application data")}));
  CHECK(in_order(second, {msg(c2s, "ClientHello"), msg(s2c, "ServerHello"), msg(s2c, "ServerHelloDone"),
                          msg(c2s, "ClientKeyExchange"), msg(s2c, "Finished"), "handshake done: TLSv1.2"}));
  CHECK(std::count(first.begin(), first.end(), '<') == std::count(first.begin(), first.end(), '>'));
  // A directory that cannot be written: one line, exit 1, before anything listens.
  Child bad({kServer, "-accept", "127.0.0.1:0", "-cert", kCerts + "server_rsa.pem", "-key",
             kCerts + "server_rsa.key.pem", "-ladder", dir + "/no/such/dir"});
  check_one_line_error(bad, "-ladder");
}

TEST_CASE("tls_server -www answers a GET that came as 0-RTT data once the handshake is done") {
  // Found while recording resumption captures: the answer was built from the handshake's parameters
  // before there were any (a null HandshakeInfo): the server crashed on a 0-RTT request.
  if (!have("openssl")) return;
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-www", "-naccept", "2", "-early_data", "16384"});
  REQUIRE(port != 0);
  std::string sess = tmpdir() + "/www_early.sess", req = tmpdir() + "/www_early.req";
  std::remove(sess.c_str());
  spit(req, "GET / HTTP/1.0\r\n\r\n");
  std::string get = "GET / HTTP/1.0\r\n\r\n";
  Child first({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername", "localhost",
               "-CAfile", kCerts + "ca.pem", "-sess_out", sess, "-ign_eof"},
              &get);
  CHECK(first.wait(20000) == 0);
  std::string none;
  Child early({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername", "localhost",
               "-CAfile", kCerts + "ca.pem", "-sess_in", sess, "-early_data", req, "-ign_eof"},
              &none);
  CHECK(early.wait(20000) == 0);
  INFO(early.out());
  CHECK(early.out().find("Early data was accepted") != std::string::npos);
  CHECK(early.out().find("HTTP/1.0 200 OK") != std::string::npos);
  CHECK(early.out().find("Session: Reused") != std::string::npos);
  REQUIRE(server->wait(20000) == 0);
  CHECK(server->out().find("early data accepted") != std::string::npos);
}

TEST_CASE("tls_server -capture DIR: resumption works across captured connections, and every capture replays alone") {
  // Issue 17: the server keeps its one shared config while capturing (ticket keys, session cache), so
  // s_client's saved sessions resume; each capture holds the answers of the shared state it used.
  if (!have("openssl")) return;
  std::string dir = tmpdir() + "/resumed_captures";
  mkdir(dir.c_str(), 0755);
  for (int n = 1; n <= 6; n++) std::remove((dir + "/" + std::to_string(n) + ".stlscap").c_str());
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "6", "-capture", dir});
  REQUIRE(port != 0);
  struct Case {
    std::vector<std::string> flags;
    const char* name;
  };
  const std::vector<Case> cases = {{{"-tls1_3"}, "TLS 1.3 ticket"},
                                   {{"-tls1_2"}, "TLS 1.2 ticket"},
                                   {{"-tls1_2", "-no_ticket"}, "TLS 1.2 session ID"}};
  for (size_t i = 0; i < cases.size(); i++) {
    std::string sess = tmpdir() + "/resume" + std::to_string(i) + ".sess";
    std::remove(sess.c_str());
    for (int second = 0; second < 2; second++) {
      INFO(cases[i].name << (second ? " (resumed)" : " (full)"));
      std::vector<std::string> argv = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                       "-servername", "localhost", "-CAfile", kCerts + "ca.pem",
                                       "-verify_return_error", second ? "-sess_in" : "-sess_out", sess};
      argv.insert(argv.end(), cases[i].flags.begin(), cases[i].flags.end());
      std::string line = "line " + std::to_string(i) + "\n";
      Child ossl(argv);
      ossl.write_stdin(line);
      CHECK(ossl.wait_output(line, 20000));
      ossl.close_stdin();
      REQUIRE(ossl.wait(20000) == 0);
      CHECK(ossl.out().find(second ? "Reused," : "New,") != std::string::npos);
    }
  }
  REQUIRE(server->wait(20000) == 0);

  const std::vector<std::string> files = {"-cert", kCerts + "server_rsa.pem", "-key", kCerts + "server_rsa.key.pem"};
  for (int n = 1; n <= 6; n++) {
    std::vector<std::string> argv = {kReplay, dir + "/" + std::to_string(n) + ".stlscap"};
    argv.insert(argv.end(), files.begin(), files.end());
    Child r(argv);
    INFO("capture " << n << ": " << r.err());
    REQUIRE(r.wait(30000) == 0);
    std::string out = r.out();
    INFO(out);
    CHECK(out.find("MATCH: ") != std::string::npos);
    CHECK((out.find(", resumed") != std::string::npos) == (n % 2 == 0));
  }
  // A changed byte in a resumed capture is named at its first divergence.
  std::string bad = tmpdir() + "/bad_resumed.stlscap";
  REQUIRE(flip_session_id_byte(dir + "/6.stlscap", bad));
  std::vector<std::string> argv = {kReplay, bad, "-q"};
  argv.insert(argv.end(), files.begin(), files.end());
  Child r(argv);
  CHECK(r.wait(30000) == 1);
  std::string out = r.out();
  INFO(out);
  CHECK(out.find("DIVERGENCE at capture entry #") != std::string::npos);
}

TEST_CASE("tls_server -capture -www: curl's second request resumes, and both captures replay alone") {
  // Issue 17's "done when": real resumption traffic from curl (its session cache, one process, two
  // URLs on new connections), captured by a running tls_server, replays byte for byte.
  if (!have("curl")) return;
  for (const char* version : {"-tls1_3", "-tls1_2"}) {
    INFO(version);
    std::string dir = tmpdir() + "/curl_captures" + version;
    std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'").c_str());
    std::unique_ptr<Child> server;
    uint16_t port = start_server(&server, {"-www", "-naccept", "2", "-capture", dir, version});
    REQUIRE(port != 0);
    std::string url = "https://localhost:" + std::to_string(port) + "/";
    Child curl({"curl", "-sS", "--max-time", "20", "--cacert", kCerts + "ca.pem", url + "one", url + "two"});
    REQUIRE(curl.wait(30000) == 0);
    CHECK(curl.out().find("GET /two") != std::string::npos);
    REQUIRE(server->wait(20000) == 0);
    std::string log = server->out();
    INFO(log);
    CHECK(log.find("Reused") != std::string::npos);  // the second connection resumed
    for (int n = 1; n <= 2; n++) {
      Child r({kReplay, dir + "/" + std::to_string(n) + ".stlscap", "-cert", kCerts + "server_rsa.pem", "-key",
               kCerts + "server_rsa.key.pem"});
      INFO("capture " << n << ": " << r.err());
      REQUIRE(r.wait(30000) == 0);
      std::string out = r.out();
      INFO(out);
      CHECK(out.find("MATCH: ") != std::string::npos);
      CHECK((out.find(", resumed") != std::string::npos) == (n == 2));
    }
  }
}

TEST_CASE("TLS 1.3: tls_client -tls1_3 against openssl s_server -tls1_3, with resumption and 0-RTT") {
  if (!have("openssl")) return;
  uint16_t port = net::free_port();
  REQUIRE(port != 0);
  std::string addr = "localhost:" + std::to_string(port);
  // Default mode (not -rev), to see the early data: s_server prints what it receives.
  Child server({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                kCerts + "server_rsa.pem", "-key", kCerts + "server_rsa.key.pem", "-tls1_3", "-early_data",
                "-naccept", "3"});
  REQUIRE(server.wait_output("ACCEPT", 10000));
  std::string sess = tmpdir() + "/sess13.bin", early = tmpdir() + "/early.txt";
  std::remove(sess.c_str());
  spit(early, "zero round trips\n");
  std::string line = "over tls 1.3\n";
  Child c1({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-tls1_3", "-sess_out", sess}, &line);
  REQUIRE(c1.wait(20000) == 0);
  CHECK(c1.err().find("New, TLSv1.3, Cipher is TLS_AES_") != std::string::npos);
  CHECK(!slurp(sess).empty());  // the ticket came after the handshake, as a session_ticket event

  Child c2({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-tls1_3", "-sess_in", sess, "-early_data", early},
           &line);
  REQUIRE(c2.wait(20000) == 0);
  INFO(c2.err());
  CHECK(c2.err().find("Reused, TLSv1.3") != std::string::npos);
  CHECK(c2.err().find("Early data was accepted") != std::string::npos);

  // -ciphersuites pins the TLS 1.3 suite; -tls1_2 is refused by a -tls1_3 server.
  Child c3({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"},
           &line);
  REQUIRE(c3.wait(20000) == 0);
  CHECK(c3.err().find("New, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256") != std::string::npos);
  CHECK(server.wait(20000) == 0);
  std::string out = server.out();
  CHECK(out.find("zero round trips") != std::string::npos);
  CHECK(out.find("Early data received") != std::string::npos);
  CHECK(out.find("over tls 1.3") != std::string::npos);
}

TEST_CASE("TLS 1.3: openssl s_client -tls1_3 against tls_server (a line echoed), and -sess_out/-sess_in") {
  if (!have("openssl")) return;
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "2", "-tls1_3", "-msg"});
  REQUIRE(port != 0);
  std::string sess = tmpdir() + "/ossl13.sess";
  std::remove(sess.c_str());
  for (int i = 0; i < 2; i++) {
    std::string line = "echo me over 1.3, run " + std::to_string(i) + "\n";
    std::vector<std::string> argv = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                     "-servername", "localhost", "-CAfile", kCerts + "ca.pem", "-verify_return_error",
                                     "-tls1_3", i == 0 ? "-sess_out" : "-sess_in", sess};
    Child ossl(argv);
    ossl.write_stdin(line);
    CHECK(ossl.wait_output(line, 20000));
    if (i == 0) {
      // s_client's "K" command: a KeyUpdate that asks the server to update too. The echo after it
      // comes under the server's new keys.
      ossl.write_stdin("K\n");
      usleep(500000);  // s_client takes a read that starts with K as the command alone
      ossl.write_stdin("after the key update\n");
      CHECK(ossl.wait_output("after the key update\n", 20000));
    }
    ossl.close_stdin();
    REQUIRE(ossl.wait(20000) == 0);
    CHECK(ossl.out().find("TLSv1.3") != std::string::npos);
    if (i == 1) CHECK(ossl.out().find("Reused, TLSv1.3") != std::string::npos);
  }
  REQUIRE(server->wait(20000) == 0);
  std::string out = server->out();
  CHECK(std::regex_search(out, std::regex("conn 1: handshake done with [0-9.:]+: TLSv1\\.3, TLS_[A-Z0-9_]+, New")));
  CHECK(out.find("conn 1 <- KeyUpdate") != std::string::npos);
  CHECK(out.find("conn 1 -> KeyUpdate") != std::string::npos);  // the engine answered update_requested
  CHECK(std::regex_search(out, std::regex("conn 2: handshake done with [0-9.:]+: TLSv1\\.3, TLS_[A-Z0-9_]+, Reused")));
}

TEST_CASE("openssl s_client -tls1_2 -fallback_scsv against tls_server (TLS 1.3): inappropriate_fallback") {
  if (!have("openssl")) return;
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "2"});
  REQUIRE(port != 0);
  for (bool scsv : {true, false}) {
    CAPTURE(scsv);
    std::vector<std::string> argv = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                     "-servername", "localhost", "-CAfile", kCerts + "ca.pem", "-tls1_2"};
    if (scsv) argv.push_back("-fallback_scsv");
    Child ossl(argv);
    if (!scsv) ossl.write_stdin("no fallback\n");
    if (!scsv) CHECK(ossl.wait_output("no fallback\n", 20000));
    ossl.close_stdin();
    int code = ossl.wait(20000);
    if (scsv) {
      CHECK(code != 0);
      CHECK((ossl.out() + ossl.err()).find("inappropriate fallback") != std::string::npos);
    } else {
      CHECK(code == 0);
    }
  }
  REQUIRE(server->wait(20000) == 0);
}

TEST_CASE("TLS 1.3: tls_server -num_tickets N and -no_ticket, counted by openssl s_client") {
  if (!have("openssl")) return;
  for (const auto& flags : std::vector<std::vector<std::string>>{{"-num_tickets", "3"}, {"-no_ticket"}}) {
    CAPTURE(flags[0]);
    std::unique_ptr<Child> server;
    std::vector<std::string> sflags = {"-naccept", "1", "-tls1_3"};
    sflags.insert(sflags.end(), flags.begin(), flags.end());
    uint16_t port = start_server(&server, sflags);
    REQUIRE(port != 0);
    Child ossl({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port), "-servername", "localhost",
                "-CAfile", kCerts + "ca.pem", "-verify_return_error", "-tls1_3"});
    const std::string line = "count the tickets\n";
    ossl.write_stdin(line);
    CHECK(ossl.wait_output(line, 20000));
    ossl.close_stdin();
    REQUIRE(ossl.wait(20000) == 0);
    size_t tickets = 0;
    const std::string mark = "Post-Handshake New Session Ticket arrived";
    for (size_t at = ossl.out().find(mark); at != std::string::npos; at = ossl.out().find(mark, at + 1)) tickets++;
    CHECK(tickets == (flags[0] == "-num_tickets" ? 3u : 0u));
    REQUIRE(server->wait(20000) == 0);
  }
}

TEST_CASE("TLS 1.3: tls_client <-> tls_server: -tls1_3, resumption, 0-RTT with -early_data, version pins") {
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "6", "-early_data", "64"});
  REQUIRE(port != 0);
  std::string addr = "localhost:" + std::to_string(port);
  std::string sess = tmpdir() + "/own13.sess", early = tmpdir() + "/early13.txt", big = tmpdir() + "/big13.txt";
  std::remove(sess.c_str());
  spit(early, "early bird\n");
  spit(big, std::string(100, 'b') + "\n");  // more than the 64 bytes the server takes as 0-RTT
  std::string line = "after the handshake\n";
  std::vector<std::string> base = {kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-tls1_3"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> v = base;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  // 1: no session yet: -early_data cannot go as 0-RTT; it is sent after the handshake instead.
  Child c1(with({"-sess_out", sess, "-early_data", early}), &line);
  REQUIRE(c1.wait(20000) == 0);
  CHECK(c1.out() == "early bird\n" + line);
  CHECK(c1.err().find("New, TLSv1.3") != std::string::npos);
  CHECK(c1.err().find("Early data was not sent as 0-RTT") != std::string::npos);
  // 2: resumed, the early data accepted as 0-RTT and echoed.
  Child c2(with({"-sess_in", sess, "-early_data", early}), &line);
  REQUIRE(c2.wait(20000) == 0);
  INFO(c2.err());
  CHECK(c2.out() == "early bird\n" + line);
  CHECK(c2.err().find("Reused, TLSv1.3") != std::string::npos);
  CHECK(c2.err().find("Early data was accepted") != std::string::npos);
  // 3: more early data than the ticket allows: not sent as 0-RTT (RFC 8446 4.2.10), but after.
  Child c3(with({"-sess_in", sess, "-early_data", big}), &line);
  REQUIRE(c3.wait(20000) == 0);
  CHECK(c3.out() == std::string(100, 'b') + "\n" + line);
  CHECK(c3.err().find("Reused, TLSv1.3") != std::string::npos);
  CHECK(c3.err().find("Early data was not sent as 0-RTT") != std::string::npos);
  // 4: a TLS 1.3 session offered by a -tls1_2 client: a new TLS 1.2 session.
  Child c4({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-tls1_2", "-sess_in", sess}, &line);
  REQUIRE(c4.wait(20000) == 0);
  CHECK(c4.err().find("New, TLSv1.2") != std::string::npos);
  // 5: -tls1_2 with a TLS 1.2 suite; both pins at once, and a TLS 1.2 suite in -ciphersuites, refused.
  Child c5({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"},
           &line);
  REQUIRE(c5.wait(20000) == 0);
  CHECK(c5.err().find("New, TLSv1.2, Cipher is ECDHE-RSA-AES256-GCM-SHA384") != std::string::npos);
  Child c6({kClient, "-connect", addr, "-tls1_2", "-tls1_3"}, &line);
  check_one_line_error(c6, "exclude each other");
  Child c7({kClient, "-connect", addr, "-ciphersuites", "ECDHE-RSA-AES128-GCM-SHA256"}, &line);
  check_one_line_error(c7, "is a TLS 1.2 suite");
  // 6: -cipher with a TLS 1.2 name keeps TLS 1.3 (OpenSSL's rule): the 1.3 default suites still apply.
  Child c8({kClient, "-connect", addr, "-CAfile", kCerts + "ca.pem", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"}, &line);
  REQUIRE(c8.wait(20000) == 0);
  CHECK(c8.err().find("New, TLSv1.3") != std::string::npos);

  REQUIRE(server->wait(20000) == 0);
  std::string out = server->out();
  INFO(out);
  CHECK(out.find("early data (11 bytes): early bird") != std::string::npos);
  CHECK(out.find("Reused, early data accepted") != std::string::npos);
  CHECK(std::count(out.begin(), out.end(), '\n') > 6);
  size_t early_lines = 0;
  for (size_t p = out.find("early data ("); p != std::string::npos; p = out.find("early data (", p + 1)) early_lines++;
  CHECK(early_lines == 1);  // only connection 2 sent 0-RTT data
}

TEST_CASE("key log (TLS 1.3): the labels of RFC 8446, equal on both sides; CLIENT_TRAFFIC_SECRET_0 decrypts a record") {
  std::string skeys = tmpdir() + "/server13.keys", ckeys = tmpdir() + "/client13.keys";
  std::remove(skeys.c_str());
  std::remove(ckeys.c_str());
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "1", "-keylogfile", skeys, "-tls1_3"});
  REQUIRE(port != 0);
  Relay relay;
  relay.start(port);
  std::string secret = "a secret line over TLS 1.3\n";
  {
    Child client({kClient, "-connect", "127.0.0.1:" + std::to_string(relay.port), "-servername", "localhost",
                  "-CAfile", kCerts + "ca.pem", "-quiet", "-keylogfile", ckeys, "-ciphersuites",
                  "TLS_AES_128_GCM_SHA256"},
                 &secret);
    REQUIRE(client.wait(20000) == 0);
    CHECK(client.out() == secret);
  }
  REQUIRE(server->wait(20000) == 0);
  relay.t.join();

  auto parse = [](const std::string& text) {
    std::map<std::string, std::pair<std::string, std::string>> m;  // label -> (client random, secret)
    std::istringstream in(text);
    std::string label, random, value;
    while (in >> label >> random >> value) m[label] = {random, value};
    return m;
  };
  auto s = parse(slurp(skeys)), c = parse(slurp(ckeys));
  for (const char* label : {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"}) {
    INFO(label);
    REQUIRE(c.count(label) == 1);
    REQUIRE(s.count(label) == 1);
    CHECK(c[label] == s[label]);
    CHECK(c[label].first.size() == 64);
    CHECK(c[label].second.size() == 64);  // SHA-256 suites: 32-byte secrets
  }
  CHECK(c.count("CLIENT_RANDOM") == 0);

  // The client's first record under its application traffic key (sequence 0) is the line it sent.
  const crypto::Provider& p = crypto::default_provider();
  Bytes traffic_secret;
  REQUIRE(from_hex(c["CLIENT_TRAFFIC_SECRET_0"].second, &traffic_secret));
  TrafficKeys13 keys = tls13_traffic_keys(p, crypto::HashAlg::sha256, crypto::AeadAlg::aes_128_gcm, traffic_secret);
  REQUIRE(keys.key.size() == 16);
  const std::string& wire = relay.client_bytes;
  size_t off = 0;
  bool found = false;
  while (off + 5 <= wire.size() && !found) {
    RecordHeader h;
    REQUIRE(decode_record_header(ByteView(reinterpret_cast<const uint8_t*>(wire.data()) + off, 5), &h).ok());
    REQUIRE(off + 5 + h.length <= wire.size());
    if (h.type == ContentType::application_data) {
      // The first such record is the client's Finished (handshake key): it does not open here.
      auto rp = RecordProtection::tls13(p, crypto::AeadAlg::aes_128_gcm, keys.key, keys.iv);
      REQUIRE(rp.ok());
      Bytes frag(wire.begin() + off + 5, wire.begin() + off + 5 + h.length);
      auto opened = rp.value().open(h, frag.data(), frag.size());
      if (opened.ok()) {
        CHECK(opened.value().type == ContentType::application_data);
        CHECK(opened.value().plaintext.to_string() == secret);
        found = true;
      }
    }
    off += 5 + h.length;
  }
  CHECK(found);
}

TEST_CASE("demo: the TLS 1.3 handshake beside the TLS 1.2 one, then a resumed one with 0-RTT") {
  Child demo({"tools/demo", "-tls1_3"});
  REQUIRE(demo.wait(60000) == 0);
  std::string out = demo.out();
  INFO(out);
  const char* expected[] = {"client -> server  ClientHello",        "server -> client  ServerHello",
                            "server -> client  EncryptedExtensions", "server -> client  CertificateRequest",
                            "server -> client  Certificate",         "server -> client  CertificateVerify",
                            "server -> client  Finished",            "client -> server  Certificate",
                            "client -> server  CertificateVerify",   "client -> server  Finished",
                            "server -> client  NewSessionTicket"};
  size_t at = out.find("a TLS 1.3 handshake ===");
  REQUIRE(at != std::string::npos);
  for (int i = 0; i < 11; i++) {
    INFO("message " << i + 1 << ": " << expected[i]);
    char num[16];
    std::snprintf(num, sizeof num, "%2d. ", i + 1);
    size_t p = out.find(std::string(num) + expected[i] + "  (", at);
    REQUIRE(p != std::string::npos);
    at = out.find('\n', p);
  }
  CHECK(out.find("key_share") != std::string::npos);
  CHECK(out.find("supported_versions") != std::string::npos);
  CHECK(out.find("ServerKeyExchange") == std::string::npos);  // -tls1_3: no TLS 1.2 part
  // The resumed handshake: 0-RTT data accepted, EndOfEarlyData, no certificates.
  size_t resumed = out.find("a resumed TLS 1.3 handshake with 0-RTT data ===");
  REQUIRE(resumed != std::string::npos);
  std::string part = out.substr(resumed);
  const char* resumed_msgs[] = {"client -> server  ClientHello", "server -> client  ServerHello",
                                "server -> client  EncryptedExtensions", "server -> client  Finished",
                                "client -> server  EndOfEarlyData", "client -> server  Finished"};
  size_t q = 0;
  for (const char* m : resumed_msgs) {
    INFO(m);
    q = part.find(m, q);
    REQUIRE(q != std::string::npos);
  }
  CHECK(part.find("Certificate ") == std::string::npos);
  CHECK(part.find("received 35 bytes of 0-RTT early data") != std::string::npos);
  CHECK(part.find("it ACCEPTS the client's 0-RTT data") != std::string::npos);
  CHECK(part.find("the early data was accepted") != std::string::npos);

  // Both parts by default, TLS 1.2 first; -tls1_2 alone shows no TLS 1.3.
  Child both({"tools/demo", "-noauth"});
  REQUIRE(both.wait(60000) == 0);
  std::string b = both.out();
  size_t p12 = b.find("ServerHelloDone"), p13 = b.find("EncryptedExtensions");
  CHECK(p12 != std::string::npos);
  CHECK(p13 != std::string::npos);
  CHECK(p12 < p13);
  Child only12({"tools/demo", "-tls1_2", "-noauth"});
  REQUIRE(only12.wait(60000) == 0);
  CHECK(only12.out().find("EncryptedExtensions") == std::string::npos);
  Child chacha({"tools/demo", "-tls1_3", "-cipher", "TLS_CHACHA20_POLY1305_SHA256"});
  REQUIRE(chacha.wait(60000) == 0);
  CHECK(chacha.out().find("Cipher: TLS_CHACHA20_POLY1305_SHA256") != std::string::npos);
}

TEST_CASE("tls_server -async_sign -capture: the key signs (and decrypts) on a worker thread; openssl s_client on both versions; the captures replay") {
  if (!have("openssl")) return;
  std::string dir = tmpdir() + "/async_captures";
  mkdir(dir.c_str(), 0755);
  for (int n = 1; n <= 3; n++) std::remove((dir + "/" + std::to_string(n) + ".stlscap").c_str());
  std::unique_ptr<Child> server;
  uint16_t port = start_server(&server, {"-naccept", "3", "-async_sign", "-capture", dir});
  REQUIRE(port != 0);
  // TLS 1.3 (CertificateVerify), TLS 1.2 ECDHE (ServerKeyExchange), TLS 1.2 RSA key exchange (decrypt).
  const std::vector<std::vector<std::string>> runs = {
      {"-tls1_3"}, {"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"}, {"-tls1_2", "-cipher", "AES128-GCM-SHA256"}};
  for (const auto& extra : runs) {
    CAPTURE(extra[0]);
    std::vector<std::string> argv = {"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(port),
                                     "-servername", "localhost", "-CAfile", kCerts + "ca.pem", "-verify_return_error"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::string line = "echo me, signed on a worker\n";
    Child ossl(argv);
    ossl.write_stdin(line);
    CHECK(ossl.wait_output(line, 20000));
    ossl.close_stdin();
    REQUIRE(ossl.wait(20000) == 0);
    CHECK(ossl.out().find("Verify return code: 0 (ok)") != std::string::npos);
  }
  REQUIRE(server->wait(20000) == 0);
  std::string out = server->out();
  INFO(out);
  CHECK(out.find("conn 1: sign request, answered on the worker thread") != std::string::npos);
  CHECK(out.find("conn 2: sign request, answered on the worker thread") != std::string::npos);
  CHECK(out.find("conn 3: decrypt request, answered on the worker thread") != std::string::npos);
  CHECK(out.find("3 handshakes, 3 ok, 0 failed") != std::string::npos);

  // Each capture holds the worker's answers, and replays with no worker and no peer.
  for (int n = 1; n <= 3; n++) {
    std::vector<std::string> argv = {kReplay, dir + "/" + std::to_string(n) + ".stlscap", "-cert",
                                     kCerts + "server_rsa.pem", "-key", kCerts + "server_rsa.key.pem"};
    Child r(argv);
    INFO("capture " << n << ": " << r.err());
    REQUIRE(r.wait(30000) == 0);
    std::string rout = r.out();
    INFO(rout);
    CHECK(rout.find("MATCH: ") != std::string::npos);
    CHECK(rout.find(n == 3 ? "event: decrypt_request" : "event: sign_request") != std::string::npos);
    CHECK(rout.find("event: app_data") != std::string::npos);
  }
}

}  // namespace
}  // namespace sanstls
