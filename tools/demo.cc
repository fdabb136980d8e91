// bazel run //tools:demo -- [-kx rsa|dhe|ecdhe] [-cipher NAME] [-noauth]
//
// A sanstls client and server in one process, talking over memory (no network): a guided walk through
// a full TLS 1.2 handshake with client authentication, a resumed (abbreviated) handshake, an
// application-data round trip and a clean close. Every handshake message is printed as it is sent,
// with what it carries.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <string>

#include "core/connection.h"
#include "core/suites.h"
#include "core/wire.h"
#include "crypto/crypto.h"
#include "tools/common.h"

namespace sanstls {
namespace tools {
namespace {

const char kUsage[] =
    "usage: demo [-kx rsa|dhe|ecdhe] [-cipher NAME] [-noauth] [-h]\n"
    "  Runs a sanstls client and server in one process over memory and explains each step.\n"
    "  -kx KX       key exchange: rsa, dhe or ecdhe (default ecdhe); picks an AES-128-GCM suite\n"
    "  -cipher NAME a cipher suite by IANA or OpenSSL name (overrides -kx), e.g. ECDHE-ECDSA-CHACHA20-POLY1305\n"
    "  -noauth      no client authentication (the server does not ask for a certificate)\n"
    "  -tickets     resume with an RFC 5077 session ticket instead of a session ID\n"
    "  -h           this help\n";

// Finds tests/certs: in the current directory (bazel run's runfiles tree or the workspace), or in the
// runfiles next to the binary.
std::string find_certs(const char* argv0) {
  std::vector<std::string> candidates = {"tests/certs"};
  if (const char* r = std::getenv("RUNFILES_DIR")) candidates.push_back(std::string(r) + "/sanstls/tests/certs");
  if (const char* w = std::getenv("BUILD_WORKSPACE_DIRECTORY")) candidates.push_back(std::string(w) + "/tests/certs");
  candidates.push_back(std::string(argv0) + ".runfiles/sanstls/tests/certs");
  for (const std::string& c : candidates)
    if (access((c + "/ca.pem").c_str(), R_OK) == 0) return c;
  die("cannot find the test certificates (tests/certs/ca.pem); run the demo with `bazel run //tools:demo` "
      "from the workspace");
}

struct Side {
  const char* name;
  const char* peer;
  Connection* conn;
  MessageExplainer* explainer;  // shared by both sides: one conversation
  std::string received;
  bool done = false, closed = false, clean = false;
};

int g_step = 0;

void show(Side& s) {
  while (auto ev = s.conn->next_event()) {
    switch (ev->type) {
      case Event::Type::handshake_message:
        // Each message is told once, as its sender sends it.
        if (ev->direction != Direction::sent) break;
        std::printf("%2d. %-6s -> %-6s  %s  (%zu bytes)\n", ++g_step, s.name, s.peer,
                    message_name(ev->message_type).c_str(), ev->data.size());
        std::printf("      %s\n", s.explainer->explain(ev->message_type, ev->data, "      ").c_str());
        break;
      case Event::Type::session_ticket:
        std::printf("    [%s: received a session ticket]\n", s.name);
        break;
      case Event::Type::handshake_done:
        std::printf("    [%s: handshake complete]\n", s.name);
        s.done = true;
        break;
      case Event::Type::app_data:
        s.received.append(reinterpret_cast<const char*>(ev->data.data()), ev->data.size());
        break;
      case Event::Type::alert_received:
        std::printf("    [%s: received alert %s (%s)]\n", s.name, alert_name(ev->alert.description),
                    ev->alert.level == AlertLevel::fatal ? "fatal" : "warning");
        break;
      case Event::Type::closed:
        s.closed = true;
        s.clean = ev->clean;
        std::printf("    [%s: connection closed, %s]\n", s.name, ev->clean ? "cleanly (close_notify)" : "NOT cleanly");
        break;
    }
  }
}

// Moves bytes from one side to the other until both are quiet. Returns false when a side failed.
bool pump(Side& a, Side& b, bool show_records) {
  show(a);
  show(b);
  for (int round = 0; round < 100; round++) {
    bool moved = false;
    for (Side* from : {&a, &b}) {
      Side* to = from == &a ? &b : &a;
      ByteView out = from->conn->pending_output();
      if (out.empty()) continue;
      if (show_records)
        std::printf("    (%zu bytes on the wire, %s -> %s: record headers, ciphertext, authentication tags)\n",
                    out.size(), from->name, to->name);
      Bytes copy = out.to_bytes();
      from->conn->consume_output(copy.size());
      size_t off = 0;
      while (off < copy.size()) {
        Result<size_t> r = to->conn->receive(ByteView(copy).sub(off));
        show(*to);
        if (!r.ok()) {
          std::printf("!!  %s failed: %s\n", to->name, describe_error(r.error()).c_str());
          return false;
        }
        off += r.value();
      }
      show(*from);
      moved = true;
    }
    if (!moved) return true;
  }
  return true;
}

int run(int argc, char** argv) {
  set_program_name(argv[0]);
  std::string kx = "ecdhe", cipher;
  bool auth = true, tickets = false;
  ArgReader args(argc, argv);
  std::string flag;
  while (args.next(&flag)) {
    if (flag == "-kx") {
      kx = args.value();
    } else if (flag == "-cipher") {
      cipher = args.value();
    } else if (flag == "-noauth") {
      auth = false;
    } else if (flag == "-tickets") {
      tickets = true;
    } else if (flag == "-h" || flag == "-help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      die("unknown flag " + flag + " (see -h)");
    }
  }
  if (cipher.empty()) {
    if (kx == "rsa") cipher = "TLS_RSA_WITH_AES_128_GCM_SHA256";
    else if (kx == "dhe") cipher = "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256";
    else if (kx == "ecdhe") cipher = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
    else die("-kx must be rsa, dhe or ecdhe, not '" + kx + "'");
  }
  const CipherSuite* suite = find_suite_by_name(cipher.c_str());
  if (suite == nullptr) die("unknown cipher suite '" + cipher + "'");
  if (suite->is_tls13()) die(cipher + " is a TLS 1.3 suite; this demo walks through TLS 1.2 (see -h)");

  std::string certs = find_certs(argv[0]);
  auto file = [&](const char* name) { return read_file_or_die(certs + "/" + name, "certificates"); };

  ServerConfig::Builder sb;
  sb.certificate(file("server_rsa.pem"), file("server_rsa.key.pem"));
  sb.certificate(file("server_ec_chain.pem"), file("server_ec.key.pem"));
  sb.cipher_suites({suite->id});
  if (auth) sb.client_auth(ClientAuth::required, file("ca.pem"));
  Built<ServerConfig> server_cfg = sb.build();
  if (!server_cfg.ok()) die("server config: " + server_cfg.error);

  ClientConfig::Builder cb;
  cb.trust_anchors_pem(file("ca.pem"));
  cb.cipher_suites({suite->id});
  if (auth) cb.client_certificate(file("client.pem"), file("client.key.pem"));
  // The classic flow resumes by session ID (the server keeps the session); -tickets shows RFC 5077,
  // where the server hands the client its session, sealed, in a NewSessionTicket message.
  cb.tls12_tickets(tickets);
  Built<ClientConfig> client_cfg = cb.build();
  if (!client_cfg.ok()) die("client config: " + client_cfg.error);

  auto rng = crypto::make_system_rng();
  SystemClock clock;

  std::printf("sanstls demo: a TLS 1.2 client and server in one process, talking over memory.\n");
  std::printf("Cipher suite: %s (%s); client authentication: %s.\n\n", suite->iana_name, suite->openssl_name,
              auth ? "on" : "off (-noauth)");

  // ---- Part 1: the full handshake.
  std::printf("=== Part 1: a full handshake ===\n");
  std::printf("The client starts: its first flight is ready before any byte arrives.\n\n");
  Connection client = Connection::client(client_cfg.config, client_options("localhost", true), *rng, clock);
  Connection server = Connection::server(server_cfg.config, *rng, clock);
  server.set_trace(true);
  MessageExplainer explainer;
  Side c{"client", "server", &client, &explainer, {}};
  Side s{"server", "client", &server, &explainer, {}};
  if (!pump(c, s, false) || !c.done || !s.done) die("the full handshake failed");
  std::printf("\nNegotiated (as the client sees it):\n%s", describe_info(*client.info()).c_str());
  if (auth && server.info()->client_authenticated && !server.info()->peer_chain.empty())
    std::printf("The server authenticated the client: %s\n",
                certificate_subject(server.info()->peer_chain[0]).c_str());

  // ---- Application data.
  std::printf("\n=== Application data ===\n");
  const std::string question = "Hello, server! What time is it?";
  std::printf("client sends: \"%s\"\n", question.c_str());
  (void)client.send(ByteView::of(question));
  if (!pump(c, s, true)) die("sending application data failed");
  std::printf("server received: \"%s\" (decrypted and authenticated)\n", s.received.c_str());
  std::string answer = s.received;
  for (char& ch : answer) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::printf("server answers: \"%s\"\n", answer.c_str());
  (void)server.send(ByteView::of(answer));
  if (!pump(c, s, true)) die("sending application data failed");
  std::printf("client received: \"%s\"\n", c.received.c_str());
  if (c.received != answer) die("the round trip lost data");

  // ---- Close.
  std::printf("\n=== Closing ===\n");
  std::printf("client sends close_notify (an alert, level warning); the server answers with its own.\n");
  client.close();
  if (!pump(c, s, true)) die("closing failed");
  if (!server.is_closed()) {
    server.close();
    if (!pump(c, s, true)) die("closing failed");
  }
  std::optional<Session> session = client.session();
  if (!session) die("the server gave no session to resume");

  // ---- Part 2: resumption.
  std::printf("\n=== Part 2: a resumed session (abbreviated handshake) ===\n");
  if (tickets)
    std::printf("A new connection offers the ticket the server gave the first one. The server opens it and\n"
                "finds the session, so no certificates and no key exchange: both sides reuse the master secret.\n\n");
  else
    std::printf("A new connection offers the session ID of the first one. The server finds the session in\n"
                "its cache, so no certificates and no key exchange: both sides reuse the master secret.\n\n");
  g_step = 0;
  Connection client2 = Connection::client(client_cfg.config, client_options("localhost", true, *session), *rng, clock);
  Connection server2 = Connection::server(server_cfg.config, *rng, clock);
  server2.set_trace(true);
  MessageExplainer explainer2;
  Side c2{"client", "server", &client2, &explainer2, {}};
  Side s2{"server", "client", &server2, &explainer2, {}};
  if (!pump(c2, s2, false) || !c2.done || !s2.done) die("the resumed handshake failed");
  std::printf("\nNegotiated (as the client sees it):\n%s", describe_info(*client2.info()).c_str());
  std::printf("The session was %s: %d messages instead of the full handshake's.\n",
              client2.info()->resumed ? "resumed" : "NOT resumed", g_step);
  const std::string ping = "ping";
  (void)client2.send(ByteView::of(ping));
  if (!pump(c2, s2, false) || s2.received != ping) die("application data over the resumed session failed");
  (void)server2.send(ByteView::of(std::string("pong")));
  if (!pump(c2, s2, false) || c2.received != "pong") die("application data over the resumed session failed");
  std::printf("Round trip over the resumed session: \"%s\" -> \"%s\"\n", ping.c_str(), c2.received.c_str());
  client2.close();
  if (!pump(c2, s2, false)) die("closing failed");
  std::printf("\nDone: %s.\n", c.clean && c2.clean ? "both connections closed cleanly" : "closed");
  return c.clean && c2.clean && client2.info()->resumed ? 0 : 1;
}

}  // namespace
}  // namespace tools
}  // namespace sanstls

int main(int argc, char** argv) { return sanstls::tools::run(argc, argv); }
