// Capture and replay (tools/capture): a handshake recorded in memory replays byte for byte; one byte
// changed in the capture (a random byte, an input chunk) is named as the point of divergence; the
// format's reader refuses damaged files; the replay refuses files that are not the captured ones.
#include <cstdlib>
#include <string>

#include "doctest/doctest.h"
#include "tests/pair.h"
#include "tests/testdata.h"
#include "tools/capture/capture.h"
#include "tools/capture/decode.h"
#include "tools/capture/replay.h"

namespace sanstls {
namespace {

using capture::CapturingConnection;
using capture::ReplayResult;
using testing::kTestNowMs;
using testing::read_file;

// Moves bytes between a Connection and a CapturingConnection until neither has anything to send,
// draining events of both after each step. Works for any mix of the two types.
template <typename A, typename B>
void pump_any(A& a, B& b, size_t chunk) {
  auto drain = [](auto& c) {
    while (c.next_event()) {
    }
  };
  auto move = [&](auto& from, auto& to) {
    bool moved = false;
    for (int guard = 0; guard < 10000; guard++) {
      ByteView out = from.pending_output();
      if (out.empty()) break;
      size_t n = chunk == 0 ? out.size() : std::min(chunk, out.size());
      Result<size_t> r = to.receive(out.sub(0, n));
      if (!r.ok()) {
        from.consume_output(out.size());
        drain(to);
        return true;
      }
      from.consume_output(r.value());
      drain(to);
      if (r.value() > 0) moved = true;
    }
    return moved;
  };
  drain(a);
  drain(b);
  for (int round = 0; round < 100; round++) {
    bool x = move(a, b);
    bool y = move(b, a);
    if (!x && !y) break;
  }
}

Connection::ClientOptions localhost() {
  Connection::ClientOptions o;
  o.server_name = "localhost";
  return o;
}

capture::ReplayFiles server_files() {
  capture::ReplayFiles f;
  f.certificates.push_back({read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem")});
  f.certificates.push_back(
      {read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem")});
  return f;
}

// A server capture of a whole connection: handshake, data both ways, close_notify both ways.
Bytes record_server(const std::string& suites, size_t chunk) {
  auto rng_c = crypto::make_deterministic_rng(ByteView::of("client"));
  auto rng_s = crypto::make_deterministic_rng(ByteView::of("server"));
  testing::FixedClock clock(kTestNowMs);
  Connection client = Connection::client(testing::client_config(suites), localhost(), *rng_c, clock);
  CapturingConnection server = CapturingConnection::server(testing::server_config(suites), *rng_s, clock);
  pump_any(client, server, chunk);
  REQUIRE(server.info() != nullptr);
  REQUIRE(client.send(ByteView::of("hello server")).ok());
  REQUIRE(server.send(ByteView::of("hello client, a longer answer")).ok());
  pump_any(client, server, chunk);
  client.close();
  pump_any(client, server, chunk);
  server.close();
  pump_any(client, server, chunk);
  return server.finish();
}

capture::Capture parse(const Bytes& file) {
  capture::Capture c;
  std::string err;
  REQUIRE_MESSAGE(capture::parse_capture(file, &c, &err), err);
  return c;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  return s;
}

// ---------------------------------------------------------------------------------------------------
// Resumed connections (issue 17): the session cache, the ticketer, the 0-RTT strike register and the
// client's saved session are outside the connection; a capture records their answers, so that a
// resumed connection replays alone.

std::shared_ptr<const ServerConfig> resuming_server(uint16_t max_version, bool tickets, uint32_t max_early) {
  ServerConfig::Builder b;
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  b.versions(0x0303, max_version).tickets(tickets).max_early_data(max_early);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

std::shared_ptr<const ClientConfig> resuming_client(bool early) {
  ClientConfig::Builder b;
  b.trust_anchors_pem(read_file("tests/certs/ca.pem")).early_data(early);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

struct ResumedCaptures {
  Bytes client, server;
  bool resumed = false;
  bool early_accepted = false;
  std::string server_data;  // what the captured server received
};

// One full handshake on the shared configs (not captured), then (with `replayed_early`, once more
// with the same generators, which uses up the ticket's 0-RTT binder) a connection that offers the
// session, captured on both sides.
ResumedCaptures record_resumed(std::shared_ptr<const ClientConfig> cc, std::shared_ptr<const ServerConfig> sc,
                               const std::string& early, bool replayed_early = false) {
  testing::FixedClock clock(kTestNowMs);
  auto rng_c1 = crypto::make_deterministic_rng(ByteView::of("client 1"));
  auto rng_s1 = crypto::make_deterministic_rng(ByteView::of("server 1"));
  Connection first_c = Connection::client(cc, localhost(), *rng_c1, clock);
  Connection first_s = Connection::server(sc, *rng_s1, clock);
  pump_any(first_c, first_s, 0);
  REQUIRE(first_c.info() != nullptr);
  std::optional<Session> session = first_c.session();
  REQUIRE(session.has_value());
  clock.set(kTestNowMs + 1500);

  Connection::ClientOptions o = localhost();
  o.resume = session;
  o.early_data = Bytes(early.begin(), early.end());
  if (replayed_early) {
    auto rc = crypto::make_deterministic_rng(ByteView::of("client 2"));
    auto rs = crypto::make_deterministic_rng(ByteView::of("server 2"));
    Connection c = Connection::client(cc, o, *rc, clock);
    Connection s = Connection::server(sc, *rs, clock);
    pump_any(c, s, 0);
    REQUIRE(c.info() != nullptr);
  }
  auto rng_c2 = crypto::make_deterministic_rng(ByteView::of("client 2"));
  auto rng_s2 = crypto::make_deterministic_rng(ByteView::of("server 2"));
  capture::DescribeOptions d;
  std::string err;
  REQUIRE(crypto::default_provider().load_certificates(read_file("tests/certs/ca.pem"), &d.trust_anchors_der, &err));
  CapturingConnection client = CapturingConnection::client(cc, o, *rng_c2, clock, d);
  CapturingConnection server = CapturingConnection::server(sc, *rng_s2, clock);
  std::string got;
  auto take = [](CapturingConnection& c, std::string* sink) {
    while (std::optional<Event> ev = c.next_event()) {
      if (sink && ev->type == Event::Type::app_data) *sink += ev->data.to_string();
    }
  };
  auto run = [&] {
    for (int round = 0; round < 50; round++) {
      bool moved = false;
      for (int dir = 0; dir < 2; dir++) {
        CapturingConnection& from = dir == 0 ? client : server;
        CapturingConnection& to = dir == 0 ? server : client;
        ByteView out = from.pending_output();
        if (out.empty()) continue;
        Result<size_t> r = to.receive(out);
        REQUIRE_MESSAGE(r.ok(), r.error().to_string());
        from.consume_output(r.value());
        moved = true;
        take(client, nullptr);
        take(server, &got);
      }
      if (!moved) break;
    }
  };
  run();
  REQUIRE(client.info() != nullptr);
  REQUIRE(server.info() != nullptr);
  REQUIRE(client.send(ByteView::of("after")).ok());
  REQUIRE(server.send(ByteView::of("answer")).ok());
  run();
  ResumedCaptures out;
  out.resumed = client.info()->resumed && server.info()->resumed;
  out.early_accepted = client.info()->early_data_accepted && server.info()->early_data_accepted;
  out.server_data = got;
  client.close();
  pump_any(client, server, 0);
  server.close();
  pump_any(client, server, 0);
  out.client = client.finish();
  out.server = server.finish();
  return out;
}

capture::ReplayFiles client_files() {
  capture::ReplayFiles f;
  f.ca_pem = read_file("tests/certs/ca.pem");
  return f;
}

TEST_CASE("a server capture replays byte for byte and prints the handshake") {
  for (const char* suites : {"ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA", "AES128-SHA", "DHE-RSA-AES128-GCM-SHA256"}) {
    CAPTURE(suites);
    capture::Capture c = parse(record_server(suites, 0));
    ReplayResult r = capture::replay(c, server_files());
    REQUIRE_MESSAGE(r.ok(), r.message);
    std::string trace = joined(r.trace);
    CHECK(trace.find("C->S ClientHello") != std::string::npos);
    CHECK(trace.find("S->C ServerHello") != std::string::npos);
    // The replay decrypts its own Finished messages with the master secret the engine logs.
    CHECK(trace.find("[decrypted] Finished") != std::string::npos);
    CHECK(trace.find("event: handshake_done") != std::string::npos);
    CHECK(trace.find("Alert warning close_notify") != std::string::npos);
    CHECK(trace.find("12 bytes client to server, 29 bytes server to client") != std::string::npos);
  }
}

TEST_CASE("chunk boundaries are part of the capture") {
  capture::Capture c = parse(record_server("", 7));
  size_t receives = 0;
  for (const capture::Entry& e : c.entries) {
    if (e.type == capture::EntryType::receive) {
      CHECK(e.payload.size() <= 7);
      receives++;
    }
  }
  CHECK(receives > 40);
  ReplayResult r = capture::replay(c, server_files());
  CHECK_MESSAGE(r.ok(), r.message);
}

TEST_CASE("a client capture replays, given the trust anchors") {
  auto rng_c = crypto::make_deterministic_rng(ByteView::of("client"));
  auto rng_s = crypto::make_deterministic_rng(ByteView::of("server"));
  testing::FixedClock clock(kTestNowMs);
  capture::DescribeOptions d;
  std::string err;
  REQUIRE(crypto::default_provider().load_certificates(read_file("tests/certs/ca.pem"), &d.trust_anchors_der, &err));
  CapturingConnection client = CapturingConnection::client(testing::client_config("", true), localhost(),
                                                           *rng_c, clock, d);
  Connection server = Connection::server(testing::server_config("", true, true), *rng_s, clock);
  pump_any(client, server, 100);
  REQUIRE(client.info() != nullptr);
  CHECK(client.info()->client_authenticated);
  capture::Capture c = parse(client.finish());

  capture::ReplayFiles f;
  f.certificates.push_back({read_file("tests/certs/client.pem"), read_file("tests/certs/client.key.pem")});
  ReplayResult missing = capture::replay(c, f);
  CHECK(missing.outcome == ReplayResult::Outcome::setup_error);
  CHECK(missing.message.find("-CAfile") != std::string::npos);

  f.ca_pem = read_file("tests/certs/ca.pem");
  ReplayResult r = capture::replay(c, f);
  REQUIRE_MESSAGE(r.ok(), r.message);
  // TLS 1.3 by default: the messages are encrypted, and the replay decrypts them.
  CHECK(joined(r.trace).find("S->C [decrypted] CertificateRequest (") != std::string::npos);
  CHECK(joined(r.trace).find("C->S [decrypted] CertificateVerify (") != std::string::npos);
  CHECK(joined(r.trace).find("TLSv1.3") != std::string::npos);
}

TEST_CASE("one random byte changed is named as the point of divergence") {
  capture::Capture c = parse(record_server("ECDHE-RSA-AES128-GCM-SHA256", 0));
  // The server's first draw is its random (after the start, the config and the first clock reading).
  size_t at = 0;
  for (size_t i = 0; i < c.entries.size(); i++) {
    if (c.entries[i].type == capture::EntryType::rng && c.entries[i].payload.size() == 32) {
      at = i;
      break;
    }
  }
  REQUIRE(at > 0);
  c.entries[at].payload[5] ^= 0x40;
  ReplayResult r = capture::replay(c, server_files());
  REQUIRE(r.outcome == ReplayResult::Outcome::divergence);
  INFO(r.message);
  // ServerHello: 4 bytes of header, 2 of version, then the random: its byte 5 is message byte 11.
  CHECK(r.message.find("record #0 (handshake") != std::string::npos);
  CHECK(r.message.find("ServerHello, byte 11 of the message") != std::string::npos);
  CHECK(r.message.find("output stream offset 16") != std::string::npos);
  CHECK(r.message.find("last input: receive() #0") != std::string::npos);
}

TEST_CASE("one input byte changed is named as the point of divergence") {
  capture::Capture c = parse(record_server("ECDHE-RSA-AES128-GCM-SHA256", 0));
  // The first receive holds the ClientHello; change a byte of the client random (record header 5,
  // message header 4, version 2, then the random).
  size_t at = 0;
  for (size_t i = 0; i < c.entries.size(); i++) {
    if (c.entries[i].type == capture::EntryType::receive) {
      at = i;
      break;
    }
  }
  REQUIRE(at > 0);
  c.entries[at].payload[5 + 4 + 2 + 3] ^= 0x01;
  ReplayResult r = capture::replay(c, server_files());
  REQUIRE(r.outcome == ReplayResult::Outcome::divergence);
  INFO(r.message);
  // The client random is signed in the ServerKeyExchange: that is the first output that differs.
  CHECK(r.message.find("ServerKeyExchange") != std::string::npos);
  CHECK(r.message.find("expected 0x") != std::string::npos);
  CHECK(r.message.find("last input: receive() #0 of") != std::string::npos);
  CHECK(r.message.find("ClientHello") != std::string::npos);
}

TEST_CASE("a draw of another size, or one more than recorded, is a divergence") {
  capture::Capture c = parse(record_server("", 0));
  for (size_t i = 0; i < c.entries.size(); i++) {
    if (c.entries[i].type == capture::EntryType::rng) {
      c.entries[i].payload.pop_back();
      break;
    }
  }
  ReplayResult r = capture::replay(c, server_files());
  REQUIRE(r.outcome == ReplayResult::Outcome::divergence);
  CHECK(r.message.find("the engine drew 32 random bytes where the capture has a draw of 31 random bytes") !=
        std::string::npos);

  capture::Capture d = parse(record_server("", 0));
  for (size_t i = 0; i < d.entries.size(); i++) {
    if (d.entries[i].type == capture::EntryType::rng) {
      d.entries.erase(d.entries.begin() + static_cast<long>(i));
      break;
    }
  }
  ReplayResult r2 = capture::replay(d, server_files());
  REQUIRE(r2.outcome == ReplayResult::Outcome::divergence);
  CHECK(r2.message.find("the engine drew 32 random bytes where the capture has") != std::string::npos);
}

TEST_CASE("the replay refuses files that are not the captured ones") {
  capture::Capture c = parse(record_server("", 0));
  capture::ReplayFiles f = server_files();
  f.certificates[0] = {read_file("tests/certs/wrong_name.pem"), read_file("tests/certs/wrong_name.key.pem")};
  ReplayResult r = capture::replay(c, f);
  CHECK(r.outcome == ReplayResult::Outcome::setup_error);
  CHECK(r.message.find("certificate.0 differs") != std::string::npos);

  f = server_files();
  f.certificates.pop_back();
  r = capture::replay(c, f);
  CHECK(r.outcome == ReplayResult::Outcome::setup_error);
  CHECK(r.message.find("had 2 certificate(s)") != std::string::npos);
}

TEST_CASE("the format: round trip, bad magic, truncation, unknown entries") {
  Bytes file = record_server("", 0);
  capture::Capture c = parse(file);
  CHECK(capture::encode_capture(c) == file);
  CHECK(c.entries.front().type == capture::EntryType::start);
  CHECK(c.entries.back().type == capture::EntryType::end);
  capture::Description d;
  REQUIRE(capture::parse_description(ByteView(c.entries[1].payload).to_string(), &d));
  CHECK(d["role"] == "server");
  CHECK(d["certificates"] == "2");
  CHECK(d["key.0"].size() == 64);
  // No private key material: the key files' bytes do not appear in the capture.
  std::string text = ByteView(file).to_string();
  CHECK(text.find("PRIVATE KEY") == std::string::npos);

  std::string err;
  capture::Capture out;
  Bytes bad = file;
  bad[0] = 'X';
  CHECK_FALSE(capture::parse_capture(bad, &out, &err));
  CHECK(err.find("magic") != std::string::npos);
  Bytes cut(file.begin(), file.end() - 3);
  CHECK_FALSE(capture::parse_capture(cut, &out, &err));
  CHECK(err.find("truncated") != std::string::npos);
  Bytes unknown = file;
  unknown[10] = 0x77;  // the first entry's type
  CHECK_FALSE(capture::parse_capture(unknown, &out, &err));
  CHECK(err.find("unknown entry type 119") != std::string::npos);

  // Versions: 2 is written; 1 still reads (without the entries 2 added); others are refused by name.
  CHECK(file[8] == 0);
  CHECK(file[9] == 2);
  Bytes v3 = file;
  v3[9] = 3;
  CHECK_FALSE(capture::parse_capture(v3, &out, &err));
  CHECK(err == "unsupported capture format version 3 (this reader reads versions 1 to 2)");
  ResumedCaptures rc = record_resumed(resuming_client(false), resuming_server(0x0304, true, 0), "");
  capture::Capture v1 = parse(rc.server);
  bool has_v2_entry = false;
  for (const capture::Entry& e : v1.entries) has_v2_entry |= e.type == capture::EntryType::ticket_open;
  REQUIRE(has_v2_entry);
  v1.version = 1;
  CHECK_FALSE(capture::parse_capture(capture::encode_capture(v1), &out, &err));
  CHECK(err.find("unknown entry type 67") != std::string::npos);
  // A version 1 client capture that offered a session is refused with the reason.
  capture::Capture c1 = parse(rc.client);
  c1.version = 1;
  c1.entries.erase(c1.entries.begin() + 2);  // version 1 had no client_options
  ReplayResult r = capture::replay(c1, client_files());
  CHECK(r.outcome == ReplayResult::Outcome::setup_error);
  CHECK(r.message.find("a version 1 capture does not hold") != std::string::npos);
}

TEST_CASE("the decoder names positions in a record stream") {
  Bytes hello = testing::client_hello_bytes(testing::client_config());
  capture::ConnectionDecoder dec;
  std::vector<std::string> lines;
  dec.feed(capture::kClientToServer, ByteView(hello).sub(0, 10), &lines);
  CHECK(lines.empty());
  dec.feed(capture::kClientToServer, ByteView(hello).sub(10), &lines);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("C->S ClientHello") != std::string::npos);
  CHECK(lines[0].find("SNI localhost") != std::string::npos);
  CHECK(dec.locate(capture::kClientToServer, 2).find("in the record header") != std::string::npos);
  CHECK(dec.locate(capture::kClientToServer, 9).find("ClientHello, byte 4 of the message") != std::string::npos);
}


// Both captures replay alone (no cache, ticketer or session given) and say they resumed.
void check_both_replay(const ResumedCaptures& rc) {
  ReplayResult s = capture::replay(parse(rc.server), server_files());
  CHECK_MESSAGE(s.ok(), "server: " << s.message);
  CHECK(joined(s.trace).find(", resumed") != std::string::npos);
  ReplayResult c = capture::replay(parse(rc.client), client_files());
  CHECK_MESSAGE(c.ok(), "client: " << c.message);
  CHECK(joined(c.trace).find(", resumed") != std::string::npos);
}

TEST_CASE("a resumed TLS 1.3 connection (PSK) replays alone, both sides") {
  ResumedCaptures rc = record_resumed(resuming_client(false), resuming_server(0x0304, true, 0), "");
  REQUIRE(rc.resumed);
  check_both_replay(rc);
}

TEST_CASE("a server with ticket keys of the application's: its resumed connections replay without the keys") {
  // Version 1 refused such captures (ticket_keys=configured); the ticketer's answers are now recorded.
  TicketKeys::KeyMaterial k;
  k.name = Bytes(TicketKeys::kNameLength, 0x11);
  k.key = Bytes(TicketKeys::kKeyLength, 0x22);
  k.created_ms = kTestNowMs;
  std::string err;
  std::shared_ptr<TicketKeys> keys = TicketKeys::from_keys({k}, 0, 0, &err);
  REQUIRE_MESSAGE(keys.get() != nullptr, err);
  auto base = resuming_server(0x0304, true, 0);
  auto with_keys = std::make_shared<ServerConfig>(*base);
  with_keys->ticket_keys = keys;
  ResumedCaptures rc = record_resumed(resuming_client(false), with_keys, "");
  REQUIRE(rc.resumed);
  capture::Description d;
  REQUIRE(capture::parse_description(ByteView(parse(rc.server).entries[1].payload).to_string(), &d));
  CHECK(d["ticket_keys"] == "configured");
  check_both_replay(rc);
}

TEST_CASE("a resumed TLS 1.2 connection replays alone: by ticket and by session ID, both sides") {
  SUBCASE("ticket") {
    ResumedCaptures rc = record_resumed(resuming_client(false), resuming_server(0x0303, true, 0), "");
    REQUIRE(rc.resumed);
    check_both_replay(rc);
  }
  SUBCASE("session ID") {
    ResumedCaptures rc = record_resumed(resuming_client(false), resuming_server(0x0303, false, 0), "");
    REQUIRE(rc.resumed);
    check_both_replay(rc);
  }
}

TEST_CASE("TLS 1.3 0-RTT, accepted and refused as a replay, replays alone on both sides") {
  SUBCASE("accepted") {
    ResumedCaptures rc = record_resumed(resuming_client(true), resuming_server(0x0304, true, 4096), "early bytes");
    REQUIRE(rc.resumed);
    REQUIRE(rc.early_accepted);
    CHECK(rc.server_data.find("early bytes") == 0);
    check_both_replay(rc);
  }
  SUBCASE("refused: the strike register has seen the binder") {
    ResumedCaptures rc =
        record_resumed(resuming_client(true), resuming_server(0x0304, true, 4096), "early bytes", true);
    REQUIRE(rc.resumed);
    REQUIRE_FALSE(rc.early_accepted);
    CHECK(rc.server_data.find("early bytes") == 0);  // sent again after the handshake
    check_both_replay(rc);
  }
}

TEST_CASE("a changed answer of the outside state is named as the point of divergence") {
  ResumedCaptures rc = record_resumed(resuming_client(false), resuming_server(0x0303, false, 0), "");
  REQUIRE(rc.resumed);
  capture::Capture c = parse(rc.server);
  size_t at = 0;
  for (size_t i = 0; i < c.entries.size(); i++) {
    if (c.entries[i].type == capture::EntryType::cache_get) at = i;
  }
  REQUIRE(at > 0);
  // A byte of the master secret of the session the cache returned: the server's Finished (the first
  // output that depends on it) is where the replay diverges.
  capture::OutsideAnswer got;
  REQUIRE(capture::decode_answer(capture::EntryType::cache_get, c.entries[at].payload, &got));
  REQUIRE(got.flag);
  Session session;
  REQUIRE(Session::decode(got.value, &session));
  session.master_secret[0] ^= 0x01;
  got.value = session.encode();
  capture::Capture changed = c;
  changed.entries[at].payload = capture::encode_answer(capture::EntryType::cache_get, got);
  ReplayResult r = capture::replay(changed, server_files());
  REQUIRE(r.outcome == ReplayResult::Outcome::divergence);
  MESSAGE(r.message);
  CHECK(r.message.find("the first differing output byte") != std::string::npos);
  CHECK(r.message.find("last input: receive() #0") != std::string::npos);

  // A cache that answered "not found" where the capture says it found the session: the engine then
  // makes a full handshake, whose ServerHello (a new session id) differs.
  got.flag = false;
  got.value.clear();
  changed.entries[at].payload = capture::encode_answer(capture::EntryType::cache_get, got);
  r = capture::replay(changed, server_files());
  REQUIRE(r.outcome == ReplayResult::Outcome::divergence);
  MESSAGE(r.message);

  // The session the client offered, changed in the client capture: the server's Finished (which comes
  // first in an abbreviated TLS 1.2 handshake) no longer decrypts, the first difference there is.
  capture::Capture cl = parse(rc.client);
  capture::ClientOptionsEntry co;
  REQUIRE(capture::decode_client_options(cl.entries[2].payload, &co));
  REQUIRE(Session::decode(co.session, &session));
  session.master_secret[3] ^= 0x10;
  co.session = session.encode();
  cl.entries[2].payload = capture::encode_client_options(co);
  r = capture::replay(cl, client_files());
  REQUIRE(r.outcome == ReplayResult::Outcome::divergence);
  MESSAGE(r.message);
  CHECK(r.message.find("returned error peer misbehaved (alert bad_record_mac)") != std::string::npos);
  CHECK(r.message.find("(handshake, 96 bytes at stream offset 0: ServerHello)") != std::string::npos);

  // A byte of the client's Finished changed: the first divergence is reported there.
  ResumedCaptures t = record_resumed(resuming_client(false), resuming_server(0x0304, true, 0), "");
  capture::Capture s = parse(t.server);
  size_t last_receive = 0;
  for (size_t i = 0; i < s.entries.size(); i++) {
    if (s.entries[i].type == capture::EntryType::receive && s.entries[i].payload.size() > 20) last_receive = i;
  }
  REQUIRE(last_receive > 0);
  s.entries[last_receive].payload[10] ^= 0x01;
  ReplayResult r2 = capture::replay(s, server_files());
  REQUIRE(r2.outcome == ReplayResult::Outcome::divergence);
  MESSAGE(r2.message);
  CHECK(r2.message.find("DIVERGENCE at capture entry #") != std::string::npos);

  // The plaintext of a ticket the server sealed, changed: the engine asked to seal another one.
  capture::Capture t2 = parse(t.server);
  size_t seal = 0;
  for (size_t i = 0; i < t2.entries.size(); i++) {
    if (t2.entries[i].type == capture::EntryType::ticket_seal) seal = i;
  }
  REQUIRE(seal > 0);
  t2.entries[seal].payload[4 + 6] ^= 0x01;  // after the u32 length: format, version, suite, secret length, ...
  ReplayResult r3 = capture::replay(t2, server_files());
  REQUIRE(r3.outcome == ReplayResult::Outcome::divergence);
  CHECK(r3.divergent_entry == seal);
  CHECK(r3.message.find("sealed a ticket for another plaintext") != std::string::npos);
}

TEST_CASE("a client capture that offered a session holds it, and says so") {
  ResumedCaptures rc = record_resumed(resuming_client(false), resuming_server(0x0304, true, 0), "");
  capture::Capture c = parse(rc.client);
  REQUIRE(c.entries.size() > 3);
  CHECK(c.entries[2].type == capture::EntryType::client_options);
  capture::StartInfo st;
  REQUIRE(capture::decode_start(c.entries[0].payload, &st));
  CHECK(st.resume);
}

TEST_CASE("a passthrough connection records nothing and behaves like the connection") {
  auto rng_c = crypto::make_deterministic_rng(ByteView::of("client"));
  auto rng_s = crypto::make_deterministic_rng(ByteView::of("server"));
  testing::FixedClock clock(kTestNowMs);
  Connection client = Connection::client(testing::client_config(), localhost(), *rng_c, clock);
  CapturingConnection server =
      CapturingConnection::passthrough(Connection::server(testing::server_config(), *rng_s, clock));
  CHECK_FALSE(server.recording());
  pump_any(client, server, 0);
  CHECK(server.info() != nullptr);
  CHECK(client.info() != nullptr);
  CHECK(server.finish().empty());
  std::string err;
  CHECK_FALSE(server.save("/nonexistent/x", &err));
  CHECK(err.find("capture is off") != std::string::npos);
}

// ---------------------------------------------------------------------------------------------------
// Asynchronous operations (issues 15 and 17): each completion is recorded with its answer, and the
// replay gives the same answer when the replayed connection asks the same thing.

// Answers every request event of `c` at once, as an application's loop would: signs and decrypts with
// the request's key, accepts chains (or gives `verdict`), selects config certificate `select_index`.
template <typename C>
void answer_requests(C& c, const std::shared_ptr<const ServerConfig>& server_cfg, size_t select_index,
                     CertVerdict verdict = CertVerdict::accept()) {
  static auto rng = crypto::make_deterministic_rng(ByteView::of("signer"));
  while (auto ev = c.next_event()) {
    switch (ev->type) {
      case Event::Type::sign_request: {
        Bytes sig;
        REQUIRE(ev->certificate->key->sign(static_cast<crypto::SignatureScheme>(ev->scheme), ev->data, *rng, &sig) ==
                crypto::Status::ok);
        REQUIRE(c.complete_sign(sig).ok());
        break;
      }
      case Event::Type::decrypt_request: {
        Bytes pms(48);
        REQUIRE(ev->certificate->key->rsa_decrypt_premaster(ev->data, ev->client_version, *rng, pms.data()) ==
                crypto::Status::ok);
        REQUIRE(c.complete_decrypt(pms).ok());
        break;
      }
      case Event::Type::verify_request: (void)c.complete_verify(verdict); break;
      case Event::Type::select_request: {
        Selection sel;
        sel.certificate = server_cfg->certificates.at(select_index);
        REQUIRE(c.complete_selection(sel).ok());
        break;
      }
      default: break;
    }
  }
}

// Like pump_any, answering the requests of both sides.
template <typename A, typename B>
void pump_async(A& a, B& b, const std::shared_ptr<const ServerConfig>& server_cfg, size_t select_index) {
  for (int round = 0; round < 100; round++) {
    answer_requests(a, server_cfg, select_index);
    answer_requests(b, server_cfg, select_index);
    bool moved = false;
    auto move = [&](auto& from, auto& to) {
      ByteView out = from.pending_output();
      if (out.empty()) return;
      Result<size_t> r = to.receive(out);
      if (!r.ok()) {
        from.consume_output(out.size());
        return;
      }
      from.consume_output(r.value());
      if (r.value() > 0) moved = true;
    };
    move(a, b);
    move(b, a);
    if (!moved && !a.awaiting() && !b.awaiting() && a.pending_output().empty() && b.pending_output().empty()) break;
  }
}

CertificateVerifier async_verifier(const std::string& tag) {
  CertificateVerifier v;
  v.tag = tag;
  v.async = true;
  return v;
}

struct AsyncCase {
  const char* name;
  bool capture_server;  // else the client is captured
  std::shared_ptr<const ServerConfig> server;
  std::shared_ptr<const ClientConfig> client;
  size_t select_index = 0;
  capture::ReplayFiles files;
};

std::vector<AsyncCase> async_cases() {
  std::vector<AsyncCase> v;
  auto server = [](const std::string& suites, bool async_keys, bool select, bool client_auth_async,
                   uint16_t max_version) {
    ServerConfig::Builder b;
    b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
    b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
    b.async_signing(async_keys);
    b.select_async(select);
    if (client_auth_async) {
      b.client_auth(ClientAuth::required, read_file("tests/certs/ca.pem"));
      b.client_certificate_verifier(async_verifier("async-client-check"));
    }
    auto built = b.build();
    REQUIRE_MESSAGE(built.ok(), built.error);
    auto s = std::make_shared<ServerConfig>(*built.config);
    if (!suites.empty()) s->cipher_suites = testing::client_config(suites)->cipher_suites;
    s->max_version = max_version;
    return std::shared_ptr<const ServerConfig>(s);
  };
  auto client = [](const std::string& suites, bool async_key, bool async_verify) {
    ClientConfig::Builder b;
    b.trust_anchors_pem(read_file("tests/certs/ca.pem"));
    b.client_certificate(read_file("tests/certs/client.pem"), read_file("tests/certs/client.key.pem"));
    b.async_signing(async_key);
    if (async_verify) b.certificate_verifier(async_verifier("async-server-check"));
    auto built = b.build();
    REQUIRE_MESSAGE(built.ok(), built.error);
    auto c = std::make_shared<ClientConfig>(*built.config);
    if (!suites.empty()) c->cipher_suites = testing::client_config(suites)->cipher_suites;
    return std::shared_ptr<const ClientConfig>(c);
  };
  capture::ReplayFiles sf = server_files();
  sf.ca_pem = read_file("tests/certs/ca.pem");
  capture::ReplayFiles cf = client_files();
  cf.certificates.push_back({read_file("tests/certs/client.pem"), read_file("tests/certs/client.key.pem")});
  v.push_back({"async sign, TLS 1.3 server", true, server("", true, false, false, 0x0304), client("", false, false), 0, sf});
  v.push_back({"async sign, TLS 1.2 server (ECDHE-RSA)", true,
               server("ECDHE-RSA-AES128-GCM-SHA256", true, false, false, 0x0303),
               client("ECDHE-RSA-AES128-GCM-SHA256", false, false), 0, sf});
  v.push_back({"async decrypt, TLS 1.2 RSA key exchange", true, server("AES128-GCM-SHA256", true, false, false, 0x0303),
               client("AES128-GCM-SHA256", false, false), 0, sf});
  v.push_back({"async verify, server (client certificates) and async selection", true,
               server("", false, true, true, 0x0304), client("", false, false), 1, sf});
  v.push_back({"async verify and async client signature, client", false, server("", false, false, true, 0x0304),
               client("", true, true), 0, cf});
  return v;
}

// Records one connection with the deterministic generators and clock: the handshake, a message each
// way, close; the client or the server captured. `pump` moves the bytes (answering what the case
// needs); `check_handshake` runs once both sides are done with the handshake.
template <typename Pump, typename Check>
Bytes record_exchange(const std::shared_ptr<const ClientConfig>& cc, const std::shared_ptr<const ServerConfig>& sc,
                      bool capture_server, Pump pump, Check check_handshake) {
  auto rng_c = crypto::make_deterministic_rng(ByteView::of("client"));
  auto rng_s = crypto::make_deterministic_rng(ByteView::of("server"));
  testing::FixedClock clock(kTestNowMs);
  capture::DescribeOptions d;
  std::string err;
  REQUIRE(crypto::default_provider().load_certificates(read_file("tests/certs/ca.pem"), &d.trust_anchors_der, &err));
  auto finish = [&](auto& client, auto& server, auto& captured) {
    pump(client, server);
    REQUIRE(client.info() != nullptr);
    REQUIRE(server.info() != nullptr);
    check_handshake(client);
    REQUIRE(client.send(ByteView::of("hello server")).ok());
    REQUIRE(server.send(ByteView::of("hello client")).ok());
    pump(client, server);
    client.close();
    pump(client, server);
    return captured.finish();
  };
  if (capture_server) {
    Connection client = Connection::client(cc, localhost(), *rng_c, clock);
    CapturingConnection server = CapturingConnection::server(sc, *rng_s, clock, d);
    return finish(client, server, server);
  }
  CapturingConnection client = CapturingConnection::client(cc, localhost(), *rng_c, clock, d);
  Connection server = Connection::server(sc, *rng_s, clock);
  return finish(client, server, client);
}

Bytes record_async(const AsyncCase& k) {
  return record_exchange(
      k.client, k.server, k.capture_server,
      [&](auto& client, auto& server) { pump_async(client, server, k.server, k.select_index); }, [](auto&) {});
}

TEST_CASE("asynchronous answers are recorded and replayed: sign, decrypt, verify, select") {
  for (const AsyncCase& k : async_cases()) {
    CAPTURE(k.name);
    Bytes file = record_async(k);
    capture::Capture c = parse(file);
    size_t answers = 0;
    for (const capture::Entry& e : c.entries) answers += e.type == capture::EntryType::async_answer;
    CHECK(answers > 0);
    ReplayResult r = capture::replay(c, k.files);
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(joined(r.trace).find("event: handshake_done") != std::string::npos);
    // The format round-trips the new entry.
    CHECK(capture::encode_capture(c) == file);
  }
}

TEST_CASE("a changed asynchronous answer, or a request that differs, is named as the point of divergence") {
  std::vector<AsyncCase> cases = async_cases();
  for (const AsyncCase& k : cases) {
    CAPTURE(k.name);
    capture::Capture c = parse(record_async(k));
    size_t at = 0;
    for (size_t i = 0; i < c.entries.size() && at == 0; i++)
      if (c.entries[i].type == capture::EntryType::async_answer) at = i;
    REQUIRE(at > 0);
    capture::AsyncAnswer a;
    REQUIRE(capture::decode_async_answer(c.entries[at].payload, &a));
    // The answer changed: a flipped signature or premaster byte, a refused chain, another certificate.
    capture::Capture changed = c;
    if (!a.answer.empty()) {
      a.answer[a.answer.size() / 2] ^= 0x01;
    } else if (a.op == Event::Type::verify_request) {
      a.ok = false;
      a.alert = AlertDescription::bad_certificate;
    } else {
      a.certificate_index = a.certificate_index == 0 ? 1 : 0;
    }
    changed.entries[at].payload = capture::encode_async_answer(a);
    ReplayResult r = capture::replay(changed, k.files);
    REQUIRE(r.outcome == ReplayResult::Outcome::divergence);
    INFO(r.message);
    CHECK(r.divergent_entry > at);
    // The request recorded with the answer differs from what the engine asked.
    capture::Capture other = c;
    REQUIRE(capture::decode_async_answer(c.entries[at].payload, &a));
    a.request_hash[0] ^= 0x01;
    other.entries[at].payload = capture::encode_async_answer(a);
    ReplayResult r2 = capture::replay(other, k.files);
    REQUIRE(r2.outcome == ReplayResult::Outcome::divergence);
    CHECK(r2.divergent_entry == at);
    CHECK_MESSAGE(r2.message.find("asked") != std::string::npos, r2.message);
  }
}

TEST_CASE("refused and failed asynchronous answers replay too: a selection refused, a signer failed, a chain refused") {
  std::vector<AsyncCase> cases = async_cases();
  // cases[0]: async sign (TLS 1.3 server); cases[3]: async selection and client verification (server);
  // cases[4]: async verification (client).
  struct Failure {
    size_t k;
    Event::Type op;
    AlertDescription alert;  // what the captured connection fails with
  };
  for (const Failure& f : {Failure{0, Event::Type::sign_request, AlertDescription::internal_error},
                           Failure{3, Event::Type::select_request, AlertDescription::unrecognized_name},
                           Failure{4, Event::Type::verify_request, AlertDescription::certificate_revoked}}) {
    const AsyncCase& k = cases[f.k];
    CAPTURE(k.name);
    auto rng_c = crypto::make_deterministic_rng(ByteView::of("client"));
    auto rng_s = crypto::make_deterministic_rng(ByteView::of("server"));
    testing::FixedClock clock(kTestNowMs);
    capture::DescribeOptions d;
    std::string err;
    REQUIRE(crypto::default_provider().load_certificates(read_file("tests/certs/ca.pem"), &d.trust_anchors_der, &err));
    // The captured side fails the request `f.op`; the other side answers everything.
    auto fail_or_answer = [&](CapturingConnection& c) {
      while (auto ev = c.next_event()) {
        Status st = Status::ok_status();
        if (ev->type == Event::Type::sign_request && f.op == ev->type) st = c.complete_sign(std::nullopt);
        else if (ev->type == Event::Type::select_request && f.op == ev->type) st = c.complete_selection(Selection::refused(f.alert));
        else if (ev->type == Event::Type::verify_request && f.op == ev->type) st = c.complete_verify(CertVerdict::refuse(f.alert));
        else if (ev->type == Event::Type::select_request) st = c.complete_selection(Selection());
        else if (ev->type == Event::Type::verify_request) st = c.complete_verify(CertVerdict::accept());
        else continue;
        CHECK_FALSE(st.ok());
      }
    };
    std::optional<CapturingConnection> cap;
    std::optional<Connection> other;
    if (k.capture_server) {
      cap.emplace(CapturingConnection::server(k.server, *rng_s, clock, d));
      other.emplace(Connection::client(k.client, localhost(), *rng_c, clock));
    } else {
      cap.emplace(CapturingConnection::client(k.client, localhost(), *rng_c, clock, d));
      other.emplace(Connection::server(k.server, *rng_s, clock));
    }
    for (int round = 0; round < 50 && !cap->is_closed(); round++) {
      fail_or_answer(*cap);
      answer_requests(*other, k.server, 0);
      for (int dir = 0; dir < 2; dir++) {
        ByteView out = dir == 0 ? other->pending_output() : cap->pending_output();
        if (out.empty()) continue;
        Result<size_t> r = dir == 0 ? cap->receive(out) : other->receive(out);
        size_t n = r.ok() ? r.value() : out.size();
        if (dir == 0) other->consume_output(n);
        else cap->consume_output(n);
      }
    }
    REQUIRE(cap->error() != nullptr);
    CHECK(cap->error()->alert == f.alert);
    capture::Capture c = parse(cap->finish());
    ReplayResult r = capture::replay(c, k.files);
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(joined(r.trace).find("the connection failed") != std::string::npos);
  }
}

TEST_CASE("a selection that replaces the config is refused while recording; a passthrough forwards it") {
  ServerConfig::Builder b;
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  b.select_async(true);
  auto built = b.build();
  REQUIRE(built.ok());
  auto cfg = built.config;
  Bytes hello = testing::client_hello_bytes(testing::client_config());
  for (bool recording : {true, false}) {
    CAPTURE(recording);
    auto rng = crypto::make_deterministic_rng(ByteView::of("server"));
    testing::FixedClock clock(kTestNowMs);
    CapturingConnection server = recording ? CapturingConnection::server(cfg, *rng, clock)
                                           : CapturingConnection::passthrough(Connection::server(cfg, *rng, clock));
    REQUIRE(server.receive(hello).ok());
    while (server.next_event()) {
    }
    REQUIRE(server.awaiting());
    Selection sel;
    sel.config = cfg;
    Status st = server.complete_selection(sel);
    if (recording) {
      REQUIRE_FALSE(st.ok());
      CHECK(st.error().kind == ErrorKind::api_misuse);
      CHECK(std::string(st.error().what).find("replacement config") != std::string::npos);
      CHECK(server.awaiting());
    } else {
      CHECK(st.ok());
      CHECK_FALSE(server.awaiting());
    }
  }
}


// ---------------------------------------------------------------------------------------------------
// Synchronous hooks (issue 17): the certificate verifier's check, the selection hook and the ALPN hook
// are asked from inside the engine; a capture records each answer, and the replay answers from it.

// A pinning verifier: accepts only a chain whose leaf is one of `leaves` (after the default check).
CertificateVerifier pinning_verifier(const std::string& tag, std::vector<Bytes> leaves) {
  CertificateVerifier v;
  v.tag = tag;
  v.check = [leaves](const CertificateCheck& c) {
    for (const Bytes& l : leaves)
      if (!c.chain.empty() && c.chain[0] == l) return CertVerdict::accept();
    return CertVerdict::refuse(AlertDescription::certificate_unknown);
  };
  return v;
}

Bytes leaf_of(const char* pem_path) {
  std::vector<Bytes> der;
  std::string err;
  REQUIRE(crypto::default_provider().load_certificates(read_file(pem_path), &der, &err));
  return der.at(0);
}

struct SyncCase {
  const char* name;
  bool capture_server;
  std::shared_ptr<const ServerConfig> server;
  std::shared_ptr<const ClientConfig> client;
  capture::ReplayFiles files;
  size_t hooks;  // hook answers the capture should hold
};

std::vector<SyncCase> sync_cases() {
  // Server: a selection that chooses certificate 1 (ECDSA), an ALPN hook that takes the client's last
  // protocol, and a pinning client-certificate verifier.
  ServerConfig::Builder sb;
  sb.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  sb.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  sb.client_auth(ClientAuth::required, read_file("tests/certs/ca.pem"));
  sb.client_certificate_verifier(pinning_verifier("pin-client", {leaf_of("tests/certs/client.pem")}));
  auto built = sb.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  auto s = std::make_shared<ServerConfig>(*built.config);
  std::shared_ptr<const CertifiedKey> ec = s->certificates.at(1);
  s->select = [ec](const ClientHelloInfo&) {
    Selection sel;
    sel.certificate = ec;
    return sel;
  };
  s->alpn_select = [](const std::vector<std::string>& offered, const std::string& name) {
    return name == "localhost" && !offered.empty() ? AlpnDecision::select(offered.back()) : AlpnDecision::refuse();
  };
  // Client: a pinning server-certificate verifier.
  ClientConfig::Builder cb;
  cb.trust_anchors_pem(read_file("tests/certs/ca.pem"));
  cb.client_certificate(read_file("tests/certs/client.pem"), read_file("tests/certs/client.key.pem"));
  cb.alpn({"h2", "http/1.1"});
  cb.certificate_verifier(
      pinning_verifier("pin-server", {leaf_of("tests/certs/server_rsa.pem"), leaf_of("tests/certs/server_ec_chain.pem")}));
  auto cbuilt = cb.build();
  REQUIRE_MESSAGE(cbuilt.ok(), cbuilt.error);
  capture::ReplayFiles sf = server_files();
  sf.ca_pem = read_file("tests/certs/ca.pem");
  capture::ReplayFiles cf = client_files();
  cf.certificates.push_back({read_file("tests/certs/client.pem"), read_file("tests/certs/client.key.pem")});
  std::vector<SyncCase> v;
  v.push_back({"sync selection (certificate 1), ALPN hook, pinning client verifier: server", true, s, cbuilt.config, sf, 3});
  v.push_back({"sync pinning server verifier: client", false, s, cbuilt.config, cf, 1});
  return v;
}

Bytes record_sync(const SyncCase& k) {
  return record_exchange(
      k.client, k.server, k.capture_server, [](auto& client, auto& server) { pump_any(client, server, 0); },
      [](auto& client) { CHECK(client.info()->alpn == "http/1.1"); });
}

TEST_CASE("the answers of synchronous hooks are recorded and replayed: verifier, selection, ALPN") {
  for (const SyncCase& k : sync_cases()) {
    CAPTURE(k.name);
    Bytes file = record_sync(k);
    capture::Capture c = parse(file);
    ReplayResult r = capture::replay(c, k.files);
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(joined(r.trace).find("ALPN http/1.1") != std::string::npos);
  }
}


TEST_CASE("the capture describes the synchronous hooks and holds one answer per call") {
  for (const SyncCase& k : sync_cases()) {
    CAPTURE(k.name);
    capture::Capture c = parse(record_sync(k));
    capture::Description d;
    REQUIRE(capture::parse_description(ByteView(c.entries.at(1).payload).to_string(), &d));
    std::vector<capture::HookAnswer> answers;
    for (const capture::Entry& e : c.entries) {
      if (e.type != capture::EntryType::hook_answer) continue;
      capture::HookAnswer a;
      REQUIRE(capture::decode_hook_answer(e.payload, &a));
      CHECK(capture::encode_hook_answer(a) == e.payload);
      answers.push_back(a);
    }
    REQUIRE(answers.size() == k.hooks);
    if (k.capture_server) {
      CHECK(d["select"] == "sync");
      CHECK(d["alpn_select"] == "sync");
      CHECK(d["client_certificate_verifier"] == "sync,after_default," + to_hex(ByteView::of("pin-client")));
      // In the engine's order: the selection, the ALPN hook (during the ClientHello), the client's chain.
      CHECK(answers[0].hook == capture::HookAnswer::Hook::select);
      CHECK(answers[0].certificate_index == 1);
      CHECK(answers[1].hook == capture::HookAnswer::Hook::alpn);
      CHECK(answers[1].alpn.kind == AlpnDecision::Kind::select);
      CHECK(answers[1].alpn.protocol == "http/1.1");
      CHECK(answers[2].hook == capture::HookAnswer::Hook::verify);
      CHECK(answers[2].ok);
    } else {
      CHECK(d["certificate_verifier"] == "sync,after_default," + to_hex(ByteView::of("pin-server")));
      CHECK(answers[0].hook == capture::HookAnswer::Hook::verify);
    }
  }
}

TEST_CASE("a changed, missing or differently asked synchronous answer is named as the point of divergence") {
  for (const SyncCase& k : sync_cases()) {
    capture::Capture c = parse(record_sync(k));
    for (size_t at = 0; at < c.entries.size(); at++) {
      if (c.entries[at].type != capture::EntryType::hook_answer) continue;
      capture::HookAnswer a;
      REQUIRE(capture::decode_hook_answer(c.entries[at].payload, &a));
      CAPTURE(k.name);
      CAPTURE(capture::describe_hook_answer(a));
      // The answer changed: a refused chain, the other certificate, the other protocol.
      capture::HookAnswer changed_answer = a;
      switch (a.hook) {
        case capture::HookAnswer::Hook::verify:
          changed_answer.ok = false;
          changed_answer.alert = AlertDescription::certificate_unknown;
          break;
        case capture::HookAnswer::Hook::select: changed_answer.certificate_index = 0; break;
        case capture::HookAnswer::Hook::alpn: changed_answer.alpn = AlpnDecision::select("h2"); break;
      }
      capture::Capture changed = c;
      changed.entries[at].payload = capture::encode_hook_answer(changed_answer);
      ReplayResult r = capture::replay(changed, k.files);
      REQUIRE(r.outcome == ReplayResult::Outcome::divergence);
      INFO(r.message);
      CHECK(r.divergent_entry > at);
      // The request recorded with the answer differs from what the engine asked.
      capture::HookAnswer other_request = a;
      other_request.request_hash[0] ^= 0x01;
      capture::Capture other = c;
      other.entries[at].payload = capture::encode_hook_answer(other_request);
      ReplayResult r2 = capture::replay(other, k.files);
      REQUIRE(r2.outcome == ReplayResult::Outcome::divergence);
      CHECK(r2.divergent_entry == at);
      CHECK_MESSAGE(r2.message.find("asked something else") != std::string::npos, r2.message);
      // The capture has no answer where the engine asks.
      capture::Capture missing = c;
      missing.entries.erase(missing.entries.begin() + static_cast<std::ptrdiff_t>(at));
      ReplayResult r3 = capture::replay(missing, k.files);
      REQUIRE(r3.outcome == ReplayResult::Outcome::divergence);
      CHECK(r3.divergent_entry == at);
      CHECK_MESSAGE(r3.message.find("called the") != std::string::npos, r3.message);
    }
  }
}

TEST_CASE("a synchronous selection a capture cannot hold is refused while recording, and that replays") {
  std::vector<SyncCase> cases = sync_cases();
  const SyncCase& k = cases[0];
  // A certificate not in the config's list, and a replacement config.
  ServerConfig::Builder other;
  other.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  auto other_built = other.build();
  REQUIRE(other_built.ok());
  std::shared_ptr<const ServerConfig> replacement = other_built.config;
  for (bool replace_config : {false, true}) {
    CAPTURE(replace_config);
    auto s = std::make_shared<ServerConfig>(*k.server);
    // Not a chain of the config's list (the other config's chain, twice over).
    auto foreign = std::make_shared<CertifiedKey>(*replacement->certificates.at(0));
    foreign->chain.push_back(foreign->chain.at(0));
    s->select = [replacement, foreign, replace_config](const ClientHelloInfo&) {
      Selection sel;
      if (replace_config) sel.config = replacement;
      else sel.certificate = foreign;
      return sel;
    };
    auto rng_c = crypto::make_deterministic_rng(ByteView::of("client"));
    auto rng_s = crypto::make_deterministic_rng(ByteView::of("server"));
    testing::FixedClock clock(kTestNowMs);
    capture::DescribeOptions d;
    std::string err;
    REQUIRE(crypto::default_provider().load_certificates(read_file("tests/certs/ca.pem"), &d.trust_anchors_der, &err));
    Connection client = Connection::client(k.client, localhost(), *rng_c, clock);
    CapturingConnection server = CapturingConnection::server(s, *rng_s, clock, d);
    pump_any(client, server, 0);
    REQUIRE(server.error() != nullptr);
    CHECK(server.error()->alert == AlertDescription::internal_error);
    capture::Capture c = parse(server.finish());
    size_t hooks = 0;
    for (const capture::Entry& e : c.entries) {
      if (e.type != capture::EntryType::hook_answer) continue;
      capture::HookAnswer a;
      REQUIRE(capture::decode_hook_answer(e.payload, &a));
      CHECK(a.hook == capture::HookAnswer::Hook::select);
      CHECK_FALSE(a.ok);
      CHECK(a.alert == AlertDescription::internal_error);
      hooks++;
    }
    CHECK(hooks == 1);
    ReplayResult r = capture::replay(c, k.files);
    REQUIRE_MESSAGE(r.ok(), r.message);
    CHECK(joined(r.trace).find("the connection failed") != std::string::npos);
  }
}
}  // namespace
}  // namespace sanstls
