// bazel run //tools:demo -- [-tls1_2 | -tls1_3] [-kx rsa|dhe|ecdhe] [-cipher NAME] [-noauth] [-tickets]
//
// A sanstls client and server in one process, talking over memory (no network): a guided walk through
// a full TLS 1.2 handshake with client authentication, a resumed (abbreviated) handshake, an
// application-data round trip and a clean close; then the same in TLS 1.3: a full handshake with
// client authentication and a resumed one that carries 0-RTT early data. Every handshake message is
// printed as it is sent, with what it carries.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <string>

#include "core/connection.h"
#include "core/suites.h"
#include "core/wire.h"
#include "crypto/crypto.h"
#include "tools/capture/ladder.h"
#include "tools/common.h"

namespace sanstls {
namespace tools {
namespace {

const char kUsage[] =
    "usage: demo [-tls1_2 | -tls1_3] [-kx rsa|dhe|ecdhe] [-cipher NAME] [-noauth] [-tickets] [-ladder OUT.svg] [-h]\n"
    "  Runs a sanstls client and server in one process over memory and explains each step: TLS 1.2\n"
    "  (a full handshake, then a resumed one), then TLS 1.3 (a full handshake, then a resumed one with\n"
    "  0-RTT early data).\n"
    "  -tls1_2      show only the TLS 1.2 part\n"
    "  -tls1_3      show only the TLS 1.3 part\n"
    "  -kx KX       TLS 1.2 key exchange: rsa, dhe or ecdhe (default ecdhe); picks an AES-128-GCM suite\n"
    "  -cipher NAME a cipher suite by IANA or OpenSSL name (overrides -kx), e.g. ECDHE-ECDSA-CHACHA20-POLY1305\n"
    "               for TLS 1.2 or TLS_CHACHA20_POLY1305_SHA256 for TLS 1.3 (default TLS_AES_128_GCM_SHA256)\n"
    "  -noauth      no client authentication (the server does not ask for a certificate)\n"
    "  -tickets     TLS 1.2: resume with an RFC 5077 session ticket instead of a session ID\n"
    "  -ladder OUT.svg  also draw every connection as a ladder diagram (open it in a browser): each\n"
    "               message with its key fields, and the key changes\n"
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

// -ladder: the connections' messages as one ladder diagram, a section per connection (each with its
// own key changes).
struct DemoLadder {
  bool on = false;
  capture::Ladder all, part;
  bool tls13 = false, early = false;
  void flush() {
    if (part.rows.empty()) return;
    capture::add_key_changes(&part, 0, tls13, early);
    all.rows.insert(all.rows.end(), part.rows.begin(), part.rows.end());
    part.rows.clear();
  }
  void section(const std::string& title, bool is13, bool with_early) {
    if (!on) return;
    flush();
    note(title);
    tls13 = is13;
    early = with_early;
  }
  void note(const std::string& text) {
    if (!on) return;
    capture::LadderRow r;
    r.kind = capture::LadderRow::Kind::note;
    r.title = text;
    part.rows.push_back(r);
  }
  void message(bool from_client, const std::string& title, const std::string& detail) {
    if (!on) return;
    capture::LadderRow r;
    r.client_to_server = from_client;
    r.title = title;
    r.detail = detail;
    part.rows.push_back(r);
  }
} g_ladder;

void show(Side& s) {
  while (auto ev = s.conn->next_event()) {
    switch (ev->type) {
      case Event::Type::handshake_message:
        // Each message is told once, as its sender sends it.
        if (ev->direction != Direction::sent) break;
        std::printf("%2d. %-6s -> %-6s  %s  (%zu bytes)\n", ++g_step, s.name, s.peer,
                    message_name(ev->message_type).c_str(), ev->data.size());
        {
          std::string why = s.explainer->explain(ev->message_type, ev->data, "      ");
          std::printf("      %s\n", why.c_str());
          g_ladder.message(std::string(s.name) == "client", message_name(ev->message_type),
                           std::to_string(ev->data.size()) + " bytes; " + why.substr(0, why.find('\n')));
        }
        break;
      case Event::Type::session_ticket:
        std::printf("    [%s: received a session ticket]\n", s.name);
        break;
      case Event::Type::peer_authenticated:
        std::printf("    [%s: the client proved a new identity]\n", s.name);
        break;
      case Event::Type::sign_request:  // the demo's configs make no asynchronous operations
      case Event::Type::decrypt_request:
      case Event::Type::verify_request:
      case Event::Type::select_request:
        break;
      case Event::Type::handshake_done:
        std::printf("    [%s: handshake complete]\n", s.name);
        if (std::string(s.name) == "server") g_ladder.note("handshake complete");
        s.done = true;
        break;
      case Event::Type::app_data:
        if (ev->early_data)
          std::printf("    [%s: received %zu bytes of 0-RTT early data: \"%s\", before the handshake is complete]\n",
                      s.name, ev->data.size(), printable(ev->data).c_str());
        s.received.append(reinterpret_cast<const char*>(ev->data.data()), ev->data.size());
        g_ladder.message(std::string(s.name) == "server", "application data",
                         std::to_string(ev->data.size()) + " bytes" + (ev->early_data ? ", 0-RTT early data" : ""));
        break;
      case Event::Type::alert_received:
        std::printf("    [%s: received alert %s (%s)]\n", s.name, alert_name(ev->alert.description),
                    ev->alert.level == AlertLevel::fatal ? "fatal" : "warning");
        g_ladder.message(std::string(s.name) == "server", "Alert",
                         std::string(ev->alert.level == AlertLevel::fatal ? "fatal " : "warning ") +
                             alert_name(ev->alert.description));
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

struct Options {
  std::string kx = "ecdhe";
  const CipherSuite* suite12 = nullptr;
  const CipherSuite* suite13 = nullptr;
  bool auth = true, tickets = false;
  std::string certs;
};

Bytes cert_file(const Options& o, const char* name) { return read_file_or_die(o.certs + "/" + name, "certificates"); }

// The TLS 1.2 walk-through: a full handshake, data, close, then a resumed session. True when all went well.
bool run_tls12(const Options& o, int part) {
  const CipherSuite* suite = o.suite12;
  auto file = [&](const char* name) { return cert_file(o, name); };
  ServerConfig::Builder sb;
  sb.certificate(file("server_rsa.pem"), file("server_rsa.key.pem"));
  sb.certificate(file("server_ec_chain.pem"), file("server_ec.key.pem"));
  sb.cipher_suites({suite->id});
  sb.versions(version::tls12, version::tls12);
  if (o.auth) sb.client_auth(ClientAuth::required, file("ca.pem"));
  Built<ServerConfig> server_cfg = sb.build();
  if (!server_cfg.ok()) die("server config: " + server_cfg.error);

  ClientConfig::Builder cb;
  cb.trust_anchors_pem(file("ca.pem"));
  cb.cipher_suites({suite->id});
  cb.versions(version::tls12, version::tls12);
  if (o.auth) cb.client_certificate(file("client.pem"), file("client.key.pem"));
  // The classic flow resumes by session ID (the server keeps the session); -tickets shows RFC 5077,
  // where the server hands the client its session, sealed, in a NewSessionTicket message.
  cb.tls12_tickets(o.tickets);
  Built<ClientConfig> client_cfg = cb.build();
  if (!client_cfg.ok()) die("client config: " + client_cfg.error);

  auto rng = crypto::make_system_rng();
  SystemClock clock;

  std::printf("sanstls demo: a TLS 1.2 client and server in one process, talking over memory.\n");
  std::printf("Cipher suite: %s (%s); client authentication: %s.\n\n", suite->iana_name, suite->openssl_name,
              o.auth ? "on" : "off (-noauth)");

  // ---- Part 1: the full handshake.
  std::printf("=== Part %d: a full handshake ===\n", part);
  std::printf("The client starts: its first flight is ready before any byte arrives.\n\n");
  g_step = 0;
  g_ladder.section("TLS 1.2, a full handshake (" + std::string(suite->iana_name) + ")", false, false);
  Connection client = Connection::client(client_cfg.config, client_options("localhost", true), *rng, clock);
  Connection server = Connection::server(server_cfg.config, *rng, clock);
  server.set_trace(true);
  MessageExplainer explainer;
  Side c{"client", "server", &client, &explainer, {}};
  Side s{"server", "client", &server, &explainer, {}};
  if (!pump(c, s, false) || !c.done || !s.done) die("the full handshake failed");
  std::printf("\nNegotiated (as the client sees it):\n%s", describe_info(*client.info()).c_str());
  if (o.auth && server.info()->client_authenticated && !server.info()->peer_chain.empty())
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
  std::printf("\n=== Part %d: a resumed session (abbreviated handshake) ===\n", part + 1);
  if (o.tickets)
    std::printf("A new connection offers the ticket the server gave the first one. The server opens it and\n"
                "finds the session, so no certificates and no key exchange: both sides reuse the master secret.\n\n");
  else
    std::printf("A new connection offers the session ID of the first one. The server finds the session in\n"
                "its cache, so no certificates and no key exchange: both sides reuse the master secret.\n\n");
  g_step = 0;
  g_ladder.section(std::string("TLS 1.2, resumed (") + (o.tickets ? "session ticket" : "session ID") + ")", false, false);
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
  return c.clean && c2.clean && client2.info()->resumed;
}

// The TLS 1.3 walk-through: a full handshake with client authentication, then a resumed handshake that
// carries 0-RTT early data. True when all went well.
bool run_tls13(const Options& o, int part) {
  const CipherSuite* suite = o.suite13;
  auto file = [&](const char* name) { return cert_file(o, name); };
  ServerConfig::Builder sb;
  sb.certificate(file("server_rsa.pem"), file("server_rsa.key.pem"));
  sb.certificate(file("server_ec_chain.pem"), file("server_ec.key.pem"));
  sb.cipher_suites({suite->id});
  sb.versions(version::tls13, version::tls13);
  sb.middlebox_compat(false);  // no dummy ChangeCipherSpec messages: the flow as RFC 8446 2 draws it
  sb.max_early_data(16384);
  if (o.auth) sb.client_auth(ClientAuth::required, file("ca.pem"));
  Built<ServerConfig> server_cfg = sb.build();
  if (!server_cfg.ok()) die("server config: " + server_cfg.error);

  ClientConfig::Builder cb;
  cb.trust_anchors_pem(file("ca.pem"));
  cb.cipher_suites({suite->id});
  cb.versions(version::tls13, version::tls13);
  cb.middlebox_compat(false);
  cb.early_data(true);
  if (o.auth) cb.client_certificate(file("client.pem"), file("client.key.pem"));
  Built<ClientConfig> client_cfg = cb.build();
  if (!client_cfg.ok()) die("client config: " + client_cfg.error);

  auto rng = crypto::make_system_rng();
  SystemClock clock;

  std::printf("sanstls demo: a TLS 1.3 client and server in one process, talking over memory.\n");
  std::printf("Cipher suite: %s; client authentication: %s.\n", suite->iana_name, o.auth ? "on" : "off (-noauth)");
  std::printf("(Middlebox compatibility mode is off here, so no dummy ChangeCipherSpec records appear.)\n\n");

  std::printf("=== Part %d: a TLS 1.3 handshake ===\n", part);
  std::printf("One round trip: the client guesses the key-exchange group and sends its key share at once;\n"
              "everything the server says after its ServerHello is encrypted.\n\n");
  g_step = 0;
  g_ladder.section("TLS 1.3, a full handshake", true, false);
  Connection client = Connection::client(client_cfg.config, client_options("localhost", true), *rng, clock);
  Connection server = Connection::server(server_cfg.config, *rng, clock);
  server.set_trace(true);
  MessageExplainer explainer;
  Side c{"client", "server", &client, &explainer, {}};
  Side s{"server", "client", &server, &explainer, {}};
  if (!pump(c, s, false) || !c.done || !s.done) die("the TLS 1.3 handshake failed");
  std::printf("\nNegotiated (as the client sees it):\n%s", describe_info(*client.info()).c_str());
  if (o.auth && server.info()->client_authenticated && !server.info()->peer_chain.empty())
    std::printf("The server authenticated the client: %s\n",
                certificate_subject(server.info()->peer_chain[0]).c_str());
  const std::string question = "Hello over TLS 1.3!";
  (void)client.send(ByteView::of(question));
  if (!pump(c, s, false) || s.received != question) die("application data over TLS 1.3 failed");
  (void)server.send(ByteView::of(std::string("HELLO BACK")));
  if (!pump(c, s, false) || c.received != "HELLO BACK") die("application data over TLS 1.3 failed");
  std::printf("Round trip: \"%s\" -> \"%s\"\n", question.c_str(), c.received.c_str());
  client.close();
  if (!pump(c, s, false)) die("closing failed");
  if (!server.is_closed()) {
    server.close();
    if (!pump(c, s, false)) die("closing failed");
  }
  std::optional<Session> session = client.session();
  if (!session) die("the server gave no ticket to resume with");

  std::printf("\n=== Part %d: a resumed TLS 1.3 handshake with 0-RTT data ===\n", part + 1);
  std::printf("A new connection offers the ticket (a pre-shared key). Because the ticket allows early data,\n"
              "the client sends its request right behind the ClientHello, under a key derived from the\n"
              "ticket: 0-RTT, before the server has said anything. (Such data can be replayed by an\n"
              "attacker: the server takes each ticket's early data once, and only when configured to.)\n\n");
  g_step = 0;
  g_ladder.section("TLS 1.3, resumed with a ticket (PSK), 0-RTT early data", true, true);
  const std::string early = "GET /early HTTP/1.1 (sent as 0-RTT)";
  Connection::ClientOptions opts = client_options("localhost", true, *session);
  opts.early_data = Bytes(early.begin(), early.end());
  Connection client2 = Connection::client(client_cfg.config, opts, *rng, clock);
  Connection server2 = Connection::server(server_cfg.config, *rng, clock);
  server2.set_trace(true);
  MessageExplainer explainer2;
  Side c2{"client", "server", &client2, &explainer2, {}};
  Side s2{"server", "client", &server2, &explainer2, {}};
  show(c2);  // the ClientHello
  std::printf("    (then, in the same flight: %zu bytes of application data under the client early traffic key)\n",
              early.size());
  if (!pump(c2, s2, false) || !c2.done || !s2.done) die("the resumed TLS 1.3 handshake failed");
  std::printf("\nNegotiated (as the client sees it):\n%s", describe_info(*client2.info()).c_str());
  bool accepted = client2.info()->early_data_accepted && server2.info()->early_data_accepted;
  std::printf("The session was %s, and the early data was %s: %d messages.\n",
              client2.info()->resumed ? "resumed" : "NOT resumed", accepted ? "accepted" : "NOT accepted", g_step);
  if (s2.received != early) die("the early data did not arrive");
  (void)server2.send(ByteView::of(std::string("200 OK (answered in the server's first flight)")));
  if (!pump(c2, s2, false)) die("application data over the resumed session failed");
  std::printf("client received: \"%s\"\n", c2.received.c_str());
  client2.close();
  if (!pump(c2, s2, false)) die("closing failed");
  std::printf("\nDone: %s.\n", c.clean && c2.clean ? "both connections closed cleanly" : "closed");
  return c.clean && c2.clean && client2.info()->resumed && accepted;
}

int run(int argc, char** argv) {
  set_program_name(argv[0]);
  Options o;
  std::string cipher;
  bool only12 = false, only13 = false;
  std::string ladder;
  ArgReader args(argc, argv);
  std::string flag;
  while (args.next(&flag)) {
    if (flag == "-kx") {
      o.kx = args.value();
    } else if (flag == "-cipher") {
      cipher = args.value();
    } else if (flag == "-noauth") {
      o.auth = false;
    } else if (flag == "-tickets") {
      o.tickets = true;
    } else if (flag == "-tls1_2") {
      only12 = true;
    } else if (flag == "-ladder") {
      ladder = args.path_value();
      g_ladder.on = true;
    } else if (flag == "-tls1_3") {
      only13 = true;
    } else if (flag == "-h" || flag == "-help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      die("unknown flag " + flag + " (see -h)");
    }
  }
  if (only12 && only13) die("-tls1_2 and -tls1_3 exclude each other (give neither to see both)");
  std::string name12;
  if (o.kx == "rsa") name12 = "TLS_RSA_WITH_AES_128_GCM_SHA256";
  else if (o.kx == "dhe") name12 = "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256";
  else if (o.kx == "ecdhe") name12 = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
  else die("-kx must be rsa, dhe or ecdhe, not '" + o.kx + "'");
  std::string name13 = "TLS_AES_128_GCM_SHA256";
  if (!cipher.empty()) {
    const CipherSuite* given = find_suite_by_name(cipher.c_str());
    if (given == nullptr) die("unknown cipher suite '" + cipher + "'");
    if (given->is_tls13() && only12) die(cipher + " is a TLS 1.3 suite, and -tls1_2 was given");
    if (!given->is_tls13() && only13) die(cipher + " is a TLS 1.2 suite, and -tls1_3 was given");
    (given->is_tls13() ? name13 : name12) = cipher;
  }
  o.suite12 = find_suite_by_name(name12.c_str());
  o.suite13 = find_suite_by_name(name13.c_str());
  o.certs = find_certs(argv[0]);

  bool ok = true;
  int part = 1;
  if (!only13) {
    ok = run_tls12(o, part) && ok;
    part += 2;
  }
  if (!only12) {
    if (!only13) std::printf("\n\n");
    ok = run_tls13(o, part) && ok;
  }
  if (g_ladder.on) {
    g_ladder.flush();
    g_ladder.all.title = "sanstls demo: a client and a server in one process";
    std::string err;
    if (!capture::write_ladder(ladder, g_ladder.all, &err)) die("-ladder: " + err);
    std::printf("\nLadder diagram written to %s\n", ladder.c_str());
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace tools
}  // namespace sanstls

int main(int argc, char** argv) { return sanstls::tools::run(argc, argv); }
