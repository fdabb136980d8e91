// TLS 1.2 conformance, the counterpart of tests/conformance13_test.cc: each case breaks one rule of
// RFC 5246 (or of the extensions TLS 1.2 lives with: RFC 5746, 7627, 7366, 6066, 7301, 8422, 5077, 7919,
// 9155) in one message or record fed to a sanstls server or client, and checks the alert the RFC names
// (in error() and in the alert record written, opened when it is protected) and that the connection is
// dead afterwards: sticky error, nothing more written. The "must be accepted" cases check that the peer
// goes on.
//
// Protected records: the client's config logs the master secret (MasterLog), and tests/records.h's
// Traffic12 derives either side's record protection from it and the hello randoms, to seal records as
// that side or open what it wrote. Everything before the ChangeCipherSpecs is plaintext and is edited
// as decoded messages.
#include <doctest/doctest.h>

#include <functional>

#include "core/extensions.h"
#include "core/handshake.h"
#include "core/record.h"
#include "core/suites.h"
#include "core/tls12_keys.h"
#include "tests/pair.h"
#include "tests/records.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

using AD = AlertDescription;
const crypto::Provider& prov() { return test_provider(); }

constexpr uint8_t kCcs = 20, kAlert = 21, kHs = 22, kApp = 23;
constexpr uint16_t kTls12 = 0x0303;
constexpr uint16_t kEcdheRsa = suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
constexpr uint16_t kEcdheEcdsa = suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
constexpr uint16_t kRsaKx = suite::TLS_RSA_WITH_AES_128_GCM_SHA256;
constexpr uint16_t kDheRsa = suite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256;
constexpr uint16_t kP256 = 0x0017, kX25519 = 0x001d, kFfdhe2048 = 0x0100;

using ClientTweak = std::function<void(ClientConfig::Builder&)>;
using ServerTweak = std::function<void(ServerConfig::Builder&)>;

Bytes pem(const std::string& name) { return read_file("tests/certs/" + name); }

std::shared_ptr<const ClientConfig> ccfg(std::shared_ptr<KeyLog> log, const ClientTweak& t = nullptr) {
  ClientConfig::Builder b;
  b.provider(prov()).trust_anchors_pem(pem("ca.pem")).versions(kTls12, kTls12);
  if (log) b.key_log(log);
  if (t) t(b);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

std::shared_ptr<const ServerConfig> scfg(const ServerTweak& t = nullptr, bool rsa_only = false) {
  ServerConfig::Builder b;
  b.provider(prov()).versions(kTls12, kTls12);
  b.certificate(pem("server_rsa.pem"), pem("server_rsa.key.pem"));
  if (!rsa_only) b.certificate(pem("server_ec_chain.pem"), pem("server_ec.key.pem"));
  if (t) t(b);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

// One side; never moved (the connection holds references to its generator and clock).
struct Party {
  std::unique_ptr<crypto::Rng> rng;
  FixedClock clock{kTestNowMs};
  std::unique_ptr<Connection> conn;
  Seen seen;
  void as_client(std::shared_ptr<const ClientConfig> cfg, std::optional<Session> resume = std::nullopt) {
    rng = crypto::make_deterministic_rng(ByteView::of("conformance12 client"));
    conn = std::make_unique<Connection>(Connection::client(cfg, {"localhost", std::move(resume)}, *rng, clock));
  }
  void as_server(std::shared_ptr<const ServerConfig> cfg) {
    rng = crypto::make_deterministic_rng(ByteView::of("conformance12 server"));
    conn = std::make_unique<Connection>(Connection::server(cfg, *rng, clock));
  }
};

Bytes record(uint8_t type, ByteView body, uint16_t version = kTls12) {
  Bytes r = plain_record(type, body);
  r[1] = static_cast<uint8_t>(version >> 8);
  r[2] = static_cast<uint8_t>(version);
  return r;
}

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

template <typename M>
Bytes encoded(const M& m, void (*encode)(const M&, Writer&)) {
  Bytes body;
  Writer w(&body);
  encode(m, w);
  REQUIRE(w.ok());
  return body;
}

std::vector<Bytes> split_messages(ByteView stream) {
  std::vector<Bytes> out;
  size_t off = 0;
  while (off + 4 <= stream.size()) {
    size_t len = 4 + ((size_t{stream[off + 1]} << 16) | (size_t{stream[off + 2]} << 8) | stream[off + 3]);
    REQUIRE(off + len <= stream.size());
    out.push_back(stream.sub(off, len).to_bytes());
    off += len;
  }
  REQUIRE(off == stream.size());
  return out;
}

// Every message in its own handshake record.
Bytes records_of(const std::vector<Bytes>& msgs) {
  Bytes out;
  for (const Bytes& m : msgs) out = cat({out, plain_record(kHs, m)});
  return out;
}

// The alert description in the last record of `out`: plaintext, or opened with `sealed_by` (the
// writer's direction; tried at the first few sequence numbers). -1 when there is none.
int alert_in(ByteView out, Traffic12* sealed_by) {
  std::vector<Rec> recs = split_records(out);
  if (recs.empty()) return -1;
  const Rec& last = recs.back();
  if (last.type == kAlert && last.body.size() == 2) return last.body[1];
  if (last.type != kAlert || sealed_by == nullptr) return -1;
  for (uint64_t seq = 0; seq < 8; seq++) {
    sealed_by->set_sequence(seq);
    ContentType t;
    Bytes plain;
    if (sealed_by->open(last, &t, &plain)) return t == ContentType::alert && plain.size() == 2 ? plain[1] : -1;
  }
  return -1;
}

// Feeds `in` to p and checks the RFC's alert: in the error, in the record written, then that the
// connection is dead for good (every call fails, nothing more is written, a Closed event, not clean).
void expect_alert(Party& p, ByteView in, AD want, Traffic12* sealed_by = nullptr) {
  p.conn->consume_output(p.conn->pending_output().size());
  Result<size_t> r = p.conn->receive(in);
  drain(*p.conn, &p.seen);
  REQUIRE_FALSE(r.ok());
  REQUIRE(p.conn->error() != nullptr);
  CAPTURE(p.conn->error()->to_string());
  CHECK(p.conn->error()->alert == want);
  CHECK(alert_in(p.conn->pending_output(), sealed_by) == static_cast<int>(want));
  p.conn->consume_output(p.conn->pending_output().size());
  CHECK_FALSE(p.conn->receive(in).ok());
  CHECK_FALSE(p.conn->send(ByteView::of("x")).ok());
  p.conn->close();
  CHECK(p.conn->pending_output().empty());
  CHECK(p.conn->is_closed());
  CHECK(p.seen.closed);
  CHECK_FALSE(p.seen.clean);
}

void expect_ok(Party& p, ByteView in) {
  Result<size_t> r = p.conn->receive(in);
  drain(*p.conn, &p.seen);
  if (!r.ok()) FAIL_CHECK("refused: " << r.error().to_string());
  REQUIRE(r.ok());
  CHECK(p.conn->error() == nullptr);
}

// --- ClientHellos ---------------------------------------------------------------------------------------

ClientHello real_client_hello(const ClientTweak& t = nullptr) {
  Party c;
  c.as_client(ccfg(nullptr, t));
  std::vector<Rec> recs = split_records(take(*c.conn));
  REQUIRE(recs.size() == 1);
  ClientHello ch;
  REQUIRE(decode_client_hello(ByteView(recs[0].body).sub(4), &ch).ok());
  return ch;
}

Bytes hello_body(ClientHello ch) {
  ch.extensions.order.clear();
  return encoded(ch, encode_client_hello);
}
Bytes hello_record(const ClientHello& ch) { return plain_record(kHs, handshake_msg(HandshakeType::client_hello, hello_body(ch))); }

// Appends one raw extension at the end of a ClientHello body that has an extensions block.
Bytes append_extension(Bytes body, uint16_t type, ByteView data) {
  size_t p = 2 + 32;
  p += 1 + body[p];
  p += 2 + ((size_t{body[p]} << 8) | body[p + 1]);
  p += 1 + body[p];
  size_t ext_len = ((size_t{body[p]} << 8) | body[p + 1]) + 4 + data.size();
  body[p] = static_cast<uint8_t>(ext_len >> 8);
  body[p + 1] = static_cast<uint8_t>(ext_len);
  Bytes ext = {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), static_cast<uint8_t>(data.size() >> 8),
               static_cast<uint8_t>(data.size())};
  return cat({body, ext, data});
}

void server_refuses(ByteView rec, AD want, const ServerTweak& st = nullptr) {
  Party s;
  s.as_server(scfg(st));
  expect_alert(s, rec, want);
}

ServerHello first_server_hello(ByteView out) {
  std::vector<Rec> recs = split_records(out);
  REQUIRE(!recs.empty());
  REQUIRE(recs[0].type == kHs);
  REQUIRE(recs[0].body[0] == 2);
  ServerHello sh;
  REQUIRE(decode_server_hello(ByteView(recs[0].body).sub(4), &sh).ok());
  return sh;
}

// --- a whole TLS 1.2 exchange, held at each flight ---------------------------------------------------

// A client and a server, run flight by flight so that a test can edit any flight before it is
// delivered. cr/sr are the hello randoms; the master secret is the one the client logs.
struct Flow {
  std::shared_ptr<MasterLog> log = std::make_shared<MasterLog>();
  Party c, s;
  Random cr{}, sr{};
  const CipherSuite* suite = nullptr;
  Flow(const ClientTweak& ct = nullptr, const ServerTweak& st = nullptr, bool rsa_only = false,
       std::optional<Session> resume = std::nullopt) {
    s.as_server(scfg(st, rsa_only));
    c.as_client(ccfg(log, ct), std::move(resume));
  }
  // The ClientHello, as the client wrote it.
  Bytes client_hello() {
    Bytes ch = take(*c.conn);
    std::copy(ch.begin() + 11, ch.begin() + 43, cr.begin());
    return ch;
  }
  // ClientHello -> server; the server's first flight as messages.
  std::vector<Bytes> server_flight() {
    expect_ok(s, client_hello());
    Bytes out = take(*s.conn);
    std::vector<Rec> recs = split_records(out);
    Bytes stream;
    for (const Rec& r : recs) {
      REQUIRE(r.type == kHs);  // a full handshake's first flight is all plaintext
      stream = cat({stream, r.body});
    }
    std::vector<Bytes> msgs = split_messages(stream);
    ServerHello sh;
    REQUIRE(decode_server_hello(ByteView(msgs.at(0)).sub(4), &sh).ok());
    sr = sh.random;
    suite = find_suite(sh.cipher_suite);
    REQUIRE(suite != nullptr);
    return msgs;
  }
  // The client's second flight after the server's first: its plaintext handshake messages, the CCS
  // record and the protected Finished record.
  struct ClientFlight {
    std::vector<Bytes> msgs;
    Bytes ccs, finished;
    Bytes all() const { return cat({records_of(msgs), ccs, finished}); }
  };
  ClientFlight client_flight(const std::vector<Bytes>& server_msgs) {
    expect_ok(c, records_of(server_msgs));
    ClientFlight f;
    Bytes stream;
    for (const Rec& r : split_records(take(*c.conn))) {
      if (r.type == kHs && f.ccs.empty()) {
        stream = cat({stream, r.body});
      } else if (r.type == kCcs) {
        f.ccs = plain_record(kCcs, r.body);
      } else {
        f.finished = plain_record(r.type, r.body);
      }
    }
    f.msgs = split_messages(stream);
    REQUIRE(!f.ccs.empty());
    REQUIRE(!f.finished.empty());
    return f;
  }
  Traffic12 traffic(bool client_side) { return Traffic12(*suite, log->master, cr, sr, client_side); }
};

Bytes& find_message(std::vector<Bytes>& msgs, HandshakeType t) {
  for (Bytes& m : msgs)
    if (m[0] == static_cast<uint8_t>(t)) return m;
  FAIL("message not in the flight");
  return msgs[0];
}

// The ServerHello of a flight, decoded, edited and encoded again.
void edit_server_hello(std::vector<Bytes>& msgs, const std::function<void(ServerHello&)>& edit) {
  ServerHello sh;
  REQUIRE(decode_server_hello(ByteView(msgs.at(0)).sub(4), &sh).ok());
  edit(sh);
  sh.extensions.order.clear();
  msgs[0] = handshake_msg(HandshakeType::server_hello, encoded(sh, encode_server_hello));
}

// A client fed the server's first flight after `edit`.
void client_refuses_flight(const std::function<void(std::vector<Bytes>&)>& edit, AD want,
                           const ClientTweak& ct = nullptr, const ServerTweak& st = nullptr, bool rsa_only = false) {
  Flow f(ct, st, rsa_only);
  std::vector<Bytes> msgs = f.server_flight();
  edit(msgs);
  expect_alert(f.c, records_of(msgs), want);
}

// A server fed the client's second flight after `edit` (its messages before the CCS).
void server_refuses_flight(const std::function<void(std::vector<Bytes>&)>& edit, AD want,
                           const ClientTweak& ct = nullptr, const ServerTweak& st = nullptr, bool rsa_only = false) {
  Flow f(ct, st, rsa_only);
  Flow::ClientFlight cf = f.client_flight(f.server_flight());
  edit(cf.msgs);
  expect_alert(f.s, cf.all(), want);
}

// The server's ServerKeyExchange (ECDHE) replaced by one with `point`, signed again with the server's
// real key so that only the point is wrong.
void resign_ecdhe(std::vector<Bytes>& msgs, const Random& cr, const Bytes& point, const std::string& key_pem,
                  uint16_t group = 0) {
  ServerHello sh;
  REQUIRE(decode_server_hello(ByteView(msgs.at(0)).sub(4), &sh).ok());
  Bytes& m = find_message(msgs, HandshakeType::server_key_exchange);
  ServerKeyExchangeEcdhe ske;
  REQUIRE(decode_server_key_exchange_ecdhe(ByteView(m).sub(4), &ske).ok());
  ske.public_key = point;
  if (group != 0) ske.group = group;
  std::string err;
  std::unique_ptr<crypto::PrivateKey> key = prov().load_private_key(pem(key_pem), &err);
  REQUIRE_MESSAGE(key, err);
  auto rng = crypto::make_deterministic_rng(ByteView::of("resign"));
  ske.signature.clear();
  REQUIRE(key->sign(static_cast<crypto::SignatureScheme>(ske.sig_scheme),
                    server_key_exchange_signed_data(cr, sh.random, ecdhe_params(ske)), *rng,
                    &ske.signature) == crypto::Status::ok);
  m = handshake_msg(HandshakeType::server_key_exchange, encoded(ske, encode_server_key_exchange_ecdhe));
}

Bytes ccs_record() { return plain_record(kCcs, Bytes{1}); }

}  // namespace

// ===================================================================================================
// Server: the record layer (RFC 5246 6.2)

TEST_CASE("6.2.1: record headers that are not TLS are refused before anything is read") {
  ClientHello ch = real_client_hello();
  Bytes msg = handshake_msg(HandshakeType::client_hello, hello_body(ch));
  // The major version is 3 in every record (6.2.1); a record over 2^14 bytes of plaintext is
  // record_overflow (6.2.1); a content type nobody defined is unexpected_message (6.0).
  server_refuses(record(kHs, msg, 0x0203), AD::protocol_version);
  server_refuses(record(kHs, msg, 0x0403), AD::protocol_version);
  Bytes over = record(kHs, Bytes((1 << 14) + 1, 0));
  server_refuses(over, AD::record_overflow);
  server_refuses(record(0x19, msg), AD::unexpected_message);
  server_refuses(record(24, Bytes{1, 0, 16}), AD::unexpected_message);  // heartbeat (RFC 6520) is not spoken
}

TEST_CASE("6.2.1: a ClientHello in 0x0300..0x0303 records is accepted; one byte per record too") {
  ClientHello ch = real_client_hello();
  Bytes msg = handshake_msg(HandshakeType::client_hello, hello_body(ch));
  for (uint16_t v : {uint16_t{0x0300}, uint16_t{0x0301}, uint16_t{0x0303}}) {
    CAPTURE(v);
    Party s;
    s.as_server(scfg());
    expect_ok(s, record(kHs, msg, v));
    CHECK(first_server_hello(s.conn->pending_output()).legacy_version == kTls12);
  }
  Party s;
  s.as_server(scfg());
  Bytes in;
  for (uint8_t b : msg) in = cat({in, plain_record(kHs, Bytes{b})});
  expect_ok(s, in);
  CHECK(!s.conn->pending_output().empty());
}

TEST_CASE("6.2.1: empty records: handshake, alert and ChangeCipherSpec ones are refused") {
  server_refuses(plain_record(kHs, {}), AD::unexpected_message);
  server_refuses(plain_record(kAlert, {}), AD::decode_error);
  server_refuses(plain_record(kCcs, {}), AD::unexpected_message);
}

TEST_CASE("6.2.1: a handshake message split across records, interleaved with an alert or CCS -> unexpected_message") {
  Bytes msg = handshake_msg(HandshakeType::client_hello, hello_body(real_client_hello()));
  Bytes head = plain_record(kHs, ByteView(msg).sub(0, 10)), rest = plain_record(kHs, ByteView(msg).sub(10));
  server_refuses(cat({head, plain_record(kAlert, Bytes{1, 90}), rest}), AD::unexpected_message);  // user_canceled
  server_refuses(cat({head, ccs_record(), rest}), AD::unexpected_message);
  server_refuses(cat({head, plain_record(kApp, Bytes{1}), rest}), AD::unexpected_message);
}

TEST_CASE("7.1: a ChangeCipherSpec before the ClientHello, or whose payload is not the byte 1 -> unexpected_message") {
  server_refuses(ccs_record(), AD::unexpected_message);
  server_refuses(plain_record(kApp, Bytes{1, 2, 3}), AD::unexpected_message);
  // In the middle of a handshake, where a CCS is due: the payload is checked first.
  for (Bytes payload : {Bytes{2}, Bytes{1, 1}, Bytes{0}}) {
    CAPTURE(payload.size());
    Flow f;
    Flow::ClientFlight cf = f.client_flight(f.server_flight());
    expect_alert(f.s, cat({records_of(cf.msgs), plain_record(kCcs, payload), cf.finished}), AD::unexpected_message);
  }
}

// ===================================================================================================
// Server: crafted ClientHellos (RFC 5246 7.4.1.2 and the extensions)

TEST_CASE("7.4.1.2: a ClientHello truncated at every byte -> decode_error") {
  Bytes body = hello_body(real_client_hello());
  auto cfg = scfg();
  // Cut where the extensions block starts: legal without extensions (7.4.1.2), so skipped here.
  size_t p = 2 + 32;
  p += 1 + body[p];
  p += 2 + ((size_t{body[p]} << 8) | body[p + 1]);
  p += 1 + body[p];
  for (size_t n = 0; n < body.size(); n++) {
    if (n == p) continue;
    CAPTURE(n);
    Party s;
    s.as_server(cfg);
    expect_alert(s, plain_record(kHs, handshake_msg(HandshakeType::client_hello, ByteView(body).sub(0, n))),
                 AD::decode_error);
  }
}

TEST_CASE("7.4.1.2, 7.4.1.4: crafted ClientHellos are refused with the alert the RFCs name") {
  struct Case {
    const char* rule;
    std::function<void(ClientHello&)> edit;
    AD want;
  } cases[] = {
      {"7.4.1.2: compression methods without null", [](ClientHello& c) { c.compression_methods = {1}; },
       AD::illegal_parameter},
      {"7.4.1.2: legacy_version 0x0302 (TLS 1.1) to a TLS 1.2 server", [](ClientHello& c) { c.legacy_version = 0x0302; },
       AD::protocol_version},
      {"7.4.1.2: legacy_version 0x0300 (SSL 3.0)", [](ClientHello& c) { c.legacy_version = 0x0300; }, AD::protocol_version},
      {"7.4.1.2: no cipher suite in common", [](ClientHello& c) { c.cipher_suites = {0x0005, 0x000a}; },
       AD::handshake_failure},
      {"RFC 5746 3.6: a non-empty renegotiation_info in an initial ClientHello",
       [](ClientHello& c) { c.extensions.renegotiation_info = Bytes{12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}; },
       AD::handshake_failure},
      {"RFC 8422 5.1.2: ec_point_formats without uncompressed", [](ClientHello& c) { c.extensions.ec_point_formats = Bytes{1, 2}; },
       AD::illegal_parameter},
      {"RFC 8422 5.1.1: no group in common, ECDHE suites only",
       [](ClientHello& c) {
         c.extensions.supported_groups = std::vector<uint16_t>{0x0015};  // secp224r1
         c.cipher_suites = {kEcdheRsa, kEcdheEcdsa};
       },
       AD::handshake_failure},
      {"RFC 9155: only SHA-1 signature schemes",
       [](ClientHello& c) {
         c.extensions.signature_algorithms = std::vector<uint16_t>{0x0201, 0x0203};
         c.cipher_suites = {kEcdheRsa, kEcdheEcdsa};
       },
       AD::handshake_failure},
      {"RFC 7301 3.2: no ALPN protocol in common", [](ClientHello& c) { c.extensions.alpn = std::vector<std::string>{"spdy/1"}; },
       AD::no_application_protocol},
      {"RFC 6066 3: a server_name that is not a DNS name", [](ClientHello& c) { c.extensions.server_name = "a b"; },
       AD::illegal_parameter},
  };
  for (const Case& k : cases) {
    std::string rule = k.rule;
    CAPTURE(rule);
    ClientHello ch = real_client_hello();
    k.edit(ch);
    ServerTweak st = [](ServerConfig::Builder& b) { b.alpn({"h2"}); };
    server_refuses(hello_record(ch), k.want, st);
  }
}

TEST_CASE("RFC 7507 3: TLS_FALLBACK_SCSV in a TLS 1.2 ClientHello to a server that speaks TLS 1.3 -> inappropriate_fallback") {
  ClientHello ch = real_client_hello();
  ch.cipher_suites.push_back(0x5600);
  server_refuses(hello_record(ch), AD::inappropriate_fallback, [](ServerConfig::Builder& b) { b.versions(kTls12, 0x0304); });
}

TEST_CASE("7.4.1.4: duplicated, overrunning and empty extensions -> decode_error") {
  ClientHello ch = real_client_hello();
  Bytes body = hello_body(ch);
  server_refuses(plain_record(kHs, handshake_msg(HandshakeType::client_hello, append_extension(body, 0x000b, Bytes{1, 0}))),
                 AD::decode_error);  // ec_point_formats twice
  server_refuses(plain_record(kHs, handshake_msg(HandshakeType::client_hello, append_extension(body, 0xff01, Bytes{0}))),
                 AD::decode_error);  // renegotiation_info twice
  Bytes over = append_extension(body, 0x1234, Bytes{});
  over[over.size() - 1] = 5;  // its length says 5, nothing follows
  server_refuses(plain_record(kHs, handshake_msg(HandshakeType::client_hello, over)), AD::decode_error);
  // Extensions whose lists RFC 8422 and RFC 5246 give a minimum length of 1.
  for (uint16_t type : {uint16_t{0x000a}, uint16_t{0x000b}, uint16_t{0x000d}, uint16_t{0x0010}, uint16_t{0x0000}}) {
    CAPTURE(type);
    ClientHello c = real_client_hello();
    c.extensions.supported_groups.reset();
    c.extensions.ec_point_formats.reset();
    c.extensions.signature_algorithms.reset();
    c.extensions.alpn.reset();
    c.extensions.server_name.reset();
    Bytes empty_list = type == 0x000b ? Bytes{0} : Bytes{0, 0};
    server_refuses(plain_record(kHs, handshake_msg(HandshakeType::client_hello, append_extension(hello_body(c), type, empty_list))),
                   AD::decode_error);
  }
  // RFC 7627 5.1, RFC 7366 2: extended_master_secret and encrypt_then_mac carry no data.
  for (uint16_t type : {uint16_t{0x0017}, uint16_t{0x0016}}) {
    ClientHello c = real_client_hello();
    c.extensions.extended_master_secret = false;
    c.extensions.encrypt_then_mac = false;
    server_refuses(plain_record(kHs, handshake_msg(HandshakeType::client_hello, append_extension(hello_body(c), type, Bytes{0}))),
                   AD::decode_error);
  }
}

TEST_CASE("ClientHellos that must be accepted: SCSVs, compression [1, 0], unknown extensions, heartbeat ignored") {
  struct Case {
    const char* rule;
    std::function<void(ClientHello&)> edit;
  } cases[] = {
      {"RFC 5746 3.3: the renegotiation SCSV instead of the extension",
       [](ClientHello& c) {
         c.extensions.renegotiation_info.reset();
         c.cipher_suites.push_back(0x00ff);
       }},
      {"RFC 7507: TLS_FALLBACK_SCSV with the server's highest version", [](ClientHello& c) { c.cipher_suites.push_back(0x5600); }},
      {"7.4.1.2: compression methods [1, 0]", [](ClientHello& c) { c.compression_methods = {1, 0}; }},
      {"RFC 6520: a heartbeat extension is not answered",
       [](ClientHello& c) { c.extensions.unknown.push_back(RawExtension{15, Bytes{1}}); }},
      {"7.4.1.4: unknown extensions", [](ClientHello& c) { c.extensions.unknown.push_back(RawExtension{0x7a7a, Bytes(300, 7)}); }},
  };
  for (const Case& k : cases) {
    std::string rule = k.rule;
    CAPTURE(rule);
    ClientHello ch = real_client_hello();
    k.edit(ch);
    Party s;
    s.as_server(scfg());
    expect_ok(s, hello_record(ch));
    ServerHello sh = first_server_hello(s.conn->pending_output());
    CHECK(sh.extensions.renegotiation_info.has_value());
    CHECK(sh.extensions.unknown.empty());  // no heartbeat, nothing unknown answered
  }
}

TEST_CASE("RFC 7366 3: encrypt_then_mac is not answered for an AEAD suite, and is for a CBC one") {
  for (uint16_t id : {kEcdheRsa, uint16_t{suite::TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}}) {
    CAPTURE(id);
    ClientHello ch = real_client_hello();
    ch.cipher_suites = {id};
    ch.extensions.encrypt_then_mac = true;
    Party s;
    s.as_server(scfg([&](ServerConfig::Builder& b) { b.cipher_suites({id}); }));
    expect_ok(s, hello_record(ch));
    CHECK(first_server_hello(s.conn->pending_output()).extensions.encrypt_then_mac == !find_suite(id)->is_aead());
  }
}

TEST_CASE("RFC 7919 4: FFDHE groups only, none known, DHE suites only -> insufficient_security") {
  ClientHello ch = real_client_hello();
  ch.cipher_suites = {kDheRsa};
  ch.extensions.supported_groups = std::vector<uint16_t>{0x0104};  // ffdhe8192, which the server lacks
  server_refuses(hello_record(ch), AD::insufficient_security, [](ServerConfig::Builder& b) { b.cipher_suites({kDheRsa}); });
}

TEST_CASE("RFC 6066 3: server_name lists: two host_names -> illegal_parameter; other name types are skipped") {
  ClientHello ch = real_client_hello();
  ch.extensions.server_name.reset();
  Bytes body = hello_body(ch);
  // host_name "a", host_name "b"
  Bytes two = {0, 8, 0, 0, 1, 'a', 0, 0, 1, 'b'};
  server_refuses(plain_record(kHs, handshake_msg(HandshakeType::client_hello, append_extension(body, 0, two))),
                 AD::illegal_parameter);
  // A future name type (7), then host_name "localhost": the entry is length-prefixed, so it is skipped.
  Bytes future = {0, 17, 7, 0, 2, 'x', 'y', 0, 0, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't'};
  Party s;
  s.as_server(scfg());
  expect_ok(s, plain_record(kHs, handshake_msg(HandshakeType::client_hello, append_extension(body, 0, future))));
  CHECK(!s.conn->pending_output().empty());
}

TEST_CASE("RFC 6066 3: strict_sni and a name no certificate has -> unrecognized_name") {
  ClientHello ch = real_client_hello();
  ch.extensions.server_name = "nobody.example";
  server_refuses(hello_record(ch), AD::unrecognized_name, [](ServerConfig::Builder& b) { b.strict_sni(true); });
}

TEST_CASE("RFC 6066 3: the server acknowledges server_name only when the name chose or was checked against the certificate") {
  struct Case {
    const char* what;
    std::string name;
    ServerTweak st;
    bool rsa_only;
    bool ack;
  } cases[] = {
      {"one certificate, the name changes nothing", "localhost", nullptr, true, false},
      {"two certificates that both serve the name", "localhost", nullptr, false, false},
      {"strict_sni: the name was checked", "localhost", [](ServerConfig::Builder& b) { b.strict_sni(true); }, true, true},
      {"the name chose one of two certificates", "other.example",
       [](ServerConfig::Builder& b) {
         b.certificate(pem("server_ec_chain.pem"), pem("server_ec.key.pem"), {"other.example"});
       },
       true, true},
      {"a name no certificate serves", "nobody.example", nullptr, false, false},
  };
  for (const Case& k : cases) {
    std::string what = k.what;
    CAPTURE(what);
    ClientHello ch = real_client_hello();
    ch.extensions.server_name = k.name;
    Party s;
    s.as_server(scfg(k.st, k.rsa_only));
    expect_ok(s, hello_record(ch));
    CHECK(first_server_hello(s.conn->pending_output()).extensions.server_name.has_value() == k.ack);
  }
}

// ===================================================================================================
// Server: key exchange (RFC 8422 5.7, RFC 5246 7.4.7, 8.1.2)

TEST_CASE("RFC 8422 5.7: a bad ECDHE point in ClientKeyExchange -> illegal_parameter (decode_error when unframed)") {
  struct Case {
    const char* what;
    Bytes body;  // the whole ClientKeyExchange body
    AD want;
  } cases[] = {
      {"P-256 point not on the curve", cat({Bytes{65, 4}, Bytes(64, 1)}), AD::illegal_parameter},
      {"P-256 compressed point", cat({Bytes{33, 2}, Bytes(32, 1)}), AD::illegal_parameter},
      {"P-256 point at infinity", Bytes{1, 0}, AD::illegal_parameter},
      {"P-256 point one byte short", cat({Bytes{64, 4}, Bytes(63, 1)}), AD::illegal_parameter},
      {"empty ecdh_Yc", Bytes{0}, AD::decode_error},
      {"length overruns", Bytes{65, 4, 1}, AD::decode_error},
  };
  for (const Case& k : cases) {
    std::string what = k.what;
    CAPTURE(what);
    server_refuses_flight(
        [&](std::vector<Bytes>& m) { find_message(m, HandshakeType::client_key_exchange) = handshake_msg(HandshakeType::client_key_exchange, k.body); },
        k.want, [](ClientConfig::Builder& b) { b.cipher_suites({kEcdheRsa}).groups({kP256}); });
  }
  // RFC 8422 5.11 / RFC 7748 6.1: an X25519 share giving the all-zero secret.
  server_refuses_flight(
      [](std::vector<Bytes>& m) {
        find_message(m, HandshakeType::client_key_exchange) =
            handshake_msg(HandshakeType::client_key_exchange, cat({Bytes{32}, Bytes(32, 0)}));
      },
      AD::illegal_parameter, [](ClientConfig::Builder& b) { b.cipher_suites({kEcdheRsa}).groups({kX25519}); });
}

TEST_CASE("RFC 7919 3, RFC 5246 8.1.2: DHE values outside [2, p-2] -> illegal_parameter") {
  Bytes p, g;
  prov().ffdhe_params(crypto::Group::ffdhe2048, &p, &g);
  REQUIRE(p.size() == 256);
  Bytes p_minus_1 = p;
  p_minus_1.back() -= 1;
  for (const Bytes& yc : {Bytes{0}, Bytes{1}, p_minus_1, p, Bytes(256, 0xff)}) {
    CAPTURE(yc.size());
    Bytes body = cat({Bytes{static_cast<uint8_t>(yc.size() >> 8), static_cast<uint8_t>(yc.size())}, yc});
    server_refuses_flight(
        [&](std::vector<Bytes>& m) { find_message(m, HandshakeType::client_key_exchange) = handshake_msg(HandshakeType::client_key_exchange, body); },
        AD::illegal_parameter, [](ClientConfig::Builder& b) { b.cipher_suites({kDheRsa}).groups({kFfdhe2048}); },
        [](ServerConfig::Builder& b) { b.cipher_suites({kDheRsa}); });
  }
}

// The RSA premaster classes (RFC 5246 7.4.7.1): every malformed premaster secret (wrong version, bad
// padding, too short or too long, even a ciphertext of the wrong length) is replaced by a random one
// without a word; the handshake then fails at the client's Finished, which the server cannot open:
// bad_record_mac, the same alert whatever was wrong. The control (the client's own ClientKeyExchange)
// goes through.
TEST_CASE("7.4.7.1: every malformed RSA premaster looks the same from outside: bad_record_mac at Finished") {
  std::unique_ptr<crypto::Certificate> cert;
  {
    std::vector<Bytes> der;
    std::string err;
    REQUIRE(prov().load_certificates(pem("server_rsa.pem"), &der, &err));
    cert = prov().parse_certificate(der.at(0), &err);
    REQUIRE_MESSAGE(cert, err);
  }
  std::unique_ptr<crypto::PublicKey> key = cert->public_key();
  REQUIRE(key);
  auto rng = crypto::make_deterministic_rng(ByteView::of("premaster"));
  auto encrypt = [&](Bytes pms) {
    Bytes ct;
    REQUIRE(key->rsa_encrypt_pkcs1(pms, *rng, &ct) == crypto::Status::ok);
    return ct;
  };
  Bytes good = cat({Bytes{3, 3}, Bytes(46, 0x55)});
  struct Case {
    const char* what;
    Bytes ciphertext;
  } cases[] = {
      {"version 0x0301 in the premaster", encrypt(cat({Bytes{3, 1}, Bytes(46, 0x55)}))},
      {"version 0x0000", encrypt(cat({Bytes{0, 0}, Bytes(46, 0x55)}))},
      {"47-byte premaster", encrypt(Bytes(good.begin(), good.end() - 1))},
      {"49-byte premaster", encrypt(cat({good, Bytes{0}}))},
      {"empty premaster", encrypt(Bytes{})},
      {"no padding separator (the whole block random)", Bytes(256, 0x11)},
      {"ciphertext one byte short", ByteView(encrypt(good)).sub(1).to_bytes()},
      {"ciphertext one byte long", cat({Bytes{0}, encrypt(good)})},
      {"ciphertext all zero", Bytes(256, 0)},
  };
  for (const Case& k : cases) {
    std::string what = k.what;
    CAPTURE(what);
    Flow f([](ClientConfig::Builder& b) { b.cipher_suites({kRsaKx}); }, nullptr, true);
    Flow::ClientFlight cf = f.client_flight(f.server_flight());
    Bytes body = cat({Bytes{static_cast<uint8_t>(k.ciphertext.size() >> 8), static_cast<uint8_t>(k.ciphertext.size())},
                      k.ciphertext});
    find_message(cf.msgs, HandshakeType::client_key_exchange) = handshake_msg(HandshakeType::client_key_exchange, body);
    expect_alert(f.s, cf.all(), AD::bad_record_mac);
  }
  Flow f([](ClientConfig::Builder& b) { b.cipher_suites({kRsaKx}); }, nullptr, true);
  Flow::ClientFlight cf = f.client_flight(f.server_flight());
  expect_ok(f.s, cf.all());
  CHECK(f.s.seen.done);
}

// ===================================================================================================
// Server: the client's Finished (RFC 5246 7.4.9) and the CCS before it (7.1)

TEST_CASE("7.4.9: the client's Finished with any byte flipped -> decrypt_error; truncated or long -> decode_error") {
  Bytes real;
  {
    Flow f;
    Flow::ClientFlight cf = f.client_flight(f.server_flight());
    Traffic12 open = f.traffic(true);
    ContentType t;
    REQUIRE(open.open(split_records(cf.finished).at(0), &t, &real));
    REQUIRE(real.size() == 16);
    REQUIRE(real[0] == 20);
  }
  auto run = [&](const Bytes& fin, AD want) {
    Flow f;
    Flow::ClientFlight cf = f.client_flight(f.server_flight());
    Traffic12 as_client = f.traffic(true);
    expect_alert(f.s, cat({records_of(cf.msgs), cf.ccs, as_client.seal(ContentType::handshake, fin)}), want);
  };
  for (size_t i = 4; i < real.size(); i++) {
    CAPTURE(i);
    Bytes fin = real;
    fin[i] ^= 0x01;
    run(fin, AD::decrypt_error);
  }
  run(cat({Bytes{20, 0, 0, 11}, ByteView(real).sub(4, 11)}), AD::decode_error);
  run(cat({Bytes{20, 0, 0, 13}, ByteView(real).sub(4), Bytes{0}}), AD::decode_error);
  // The real one, sealed again, is taken.
  Flow f;
  Flow::ClientFlight cf = f.client_flight(f.server_flight());
  Traffic12 as_client = f.traffic(true);
  expect_ok(f.s, cat({records_of(cf.msgs), cf.ccs, as_client.seal(ContentType::handshake, real)}));
  CHECK(f.s.seen.done);
}

TEST_CASE("7.1, 7.4.9: Finished without the CCS before it, a second CCS, or a record that does not open") {
  {
    // The Finished in plaintext, where the CCS should have been.
    Flow f;
    Flow::ClientFlight cf = f.client_flight(f.server_flight());
    expect_alert(f.s, cat({records_of(cf.msgs), plain_record(kHs, handshake_msg(HandshakeType::finished, Bytes(12, 0)))}),
                 AD::unexpected_message);
  }
  {
    Flow f;
    Flow::ClientFlight cf = f.client_flight(f.server_flight());
    Traffic12 as_client = f.traffic(true);
    expect_alert(f.s, cat({records_of(cf.msgs), cf.ccs, as_client.seal(ContentType::change_cipher_spec, Bytes{1})}),
                 AD::unexpected_message);
  }
  {
    // A CCS before the ClientKeyExchange: no keys yet.
    Flow f;
    Flow::ClientFlight cf = f.client_flight(f.server_flight());
    expect_alert(f.s, cat({cf.ccs, records_of(cf.msgs)}), AD::unexpected_message);
  }
  {
    Flow f;
    Flow::ClientFlight cf = f.client_flight(f.server_flight());
    Bytes fin = cf.finished;
    fin.back() ^= 1;  // the AEAD tag
    expect_alert(f.s, cat({records_of(cf.msgs), cf.ccs, fin}), AD::bad_record_mac);
  }
  {
    // Application data before the Finished, after the CCS.
    Flow f;
    Flow::ClientFlight cf = f.client_flight(f.server_flight());
    Traffic12 as_client = f.traffic(true);
    expect_alert(f.s, cat({records_of(cf.msgs), cf.ccs, as_client.seal(ContentType::application_data, ByteView::of("x"))}),
                 AD::unexpected_message);
  }
}

// ===================================================================================================
// Server: client certificates (RFC 5246 7.4.6, 7.4.8)

ServerTweak require_client_cert() {
  return [](ServerConfig::Builder& b) { b.client_auth(ClientAuth::required, pem("ca.pem")); };
}
ClientTweak with_client_cert(const std::string& name = "client_ec") {
  return [=](ClientConfig::Builder& b) { b.client_certificate(pem(name + ".pem"), pem(name + ".key.pem")); };
}

TEST_CASE("7.4.6: malformed client Certificates -> decode_error; none at all when required -> handshake_failure") {
  struct Case {
    const char* what;
    Bytes body;
    AD want;
  } cases[] = {
      {"list length overruns", Bytes{0, 0, 9, 0, 0, 3, 1, 2, 3}, AD::decode_error},
      {"an empty certificate entry", Bytes{0, 0, 3, 0, 0, 0}, AD::decode_error},
      {"trailing bytes", Bytes{0, 0, 0, 7}, AD::decode_error},
      {"a certificate that is not DER", Bytes{0, 0, 6, 0, 0, 3, 1, 2, 3}, AD::bad_certificate},
      {"an empty list", Bytes{0, 0, 0}, AD::handshake_failure},
  };
  for (const Case& k : cases) {
    std::string what = k.what;
    CAPTURE(what);
    server_refuses_flight(
        [&](std::vector<Bytes>& m) {
          find_message(m, HandshakeType::certificate) = handshake_msg(HandshakeType::certificate, k.body);
          if (k.want == AD::handshake_failure) m.erase(m.begin() + 2);  // no CertificateVerify for no certificate
        },
        k.want, with_client_cert(), require_client_cert());
  }
}

TEST_CASE("7.4.8: CertificateVerify faults: bad signature -> decrypt_error; scheme not offered, SHA-1, or not fitting the key -> illegal_parameter") {
  struct Case {
    const char* what;
    std::function<void(CertificateVerify&)> edit;
    AD want;
  } cases[] = {
      {"a signature byte flipped", [](CertificateVerify& cv) { cv.signature[10] ^= 1; }, AD::decrypt_error},
      {"an empty signature", [](CertificateVerify& cv) { cv.signature.clear(); }, AD::decrypt_error},
      {"ecdsa_sha1 (RFC 9155)", [](CertificateVerify& cv) { cv.sig_scheme = 0x0203; }, AD::illegal_parameter},
      {"rsa_pkcs1_sha256 for an EC key", [](CertificateVerify& cv) { cv.sig_scheme = 0x0401; }, AD::illegal_parameter},
      {"a scheme nobody defined", [](CertificateVerify& cv) { cv.sig_scheme = 0x0a0a; }, AD::illegal_parameter},
  };
  for (const Case& k : cases) {
    std::string what = k.what;
    CAPTURE(what);
    server_refuses_flight(
        [&](std::vector<Bytes>& m) {
          Bytes& msg = find_message(m, HandshakeType::certificate_verify);
          CertificateVerify cv;
          REQUIRE(decode_certificate_verify(ByteView(msg).sub(4), &cv).ok());
          k.edit(cv);
          msg = handshake_msg(HandshakeType::certificate_verify, encoded(cv, encode_certificate_verify));
        },
        k.want, with_client_cert(), require_client_cert());
  }
  // No CertificateVerify after a certificate: the CCS comes where it was due.
  server_refuses_flight([](std::vector<Bytes>& m) { m.pop_back(); }, AD::unexpected_message, with_client_cert(),
                        require_client_cert());
}

// ===================================================================================================
// Server: EMS and resumption (RFC 7627 5.3, RFC 5246 7.4.1.2, RFC 5077)

Session full_session(const ClientTweak& ct, std::shared_ptr<const ServerConfig> sc) {
  Party c, s;
  s.as_server(sc);
  c.as_client(ccfg(nullptr, ct));
  REQUIRE(pump(*c.conn, *s.conn, &c.seen, &s.seen));
  REQUIRE(c.seen.done);
  std::optional<Session> session = c.conn->session();
  REQUIRE(session);
  return *session;
}

TEST_CASE("RFC 7627 5.3: resuming an EMS session with a ClientHello without EMS -> handshake_failure") {
  auto sc = scfg([](ServerConfig::Builder& b) { b.tickets(false); });
  Session session = full_session(nullptr, sc);
  REQUIRE(session.extended_master_secret);
  Party c;
  c.as_client(ccfg(nullptr), session);
  std::vector<Rec> recs = split_records(take(*c.conn));
  ClientHello ch;
  REQUIRE(decode_client_hello(ByteView(recs.at(0).body).sub(4), &ch).ok());
  REQUIRE(!ch.session_id.empty());
  ch.extensions.extended_master_secret = false;
  Party s;
  s.as_server(sc);
  expect_alert(s, hello_record(ch), AD::handshake_failure);
}

TEST_CASE("7.4.1.2: a session offered with its suite missing from the list is not resumed (a full handshake)") {
  auto sc = scfg([](ServerConfig::Builder& b) { b.tickets(false); });
  Session session = full_session([](ClientConfig::Builder& b) { b.cipher_suites({kEcdheRsa, kEcdheEcdsa}); }, sc);
  Party c;
  c.as_client(ccfg(nullptr), session);
  std::vector<Rec> recs = split_records(take(*c.conn));
  ClientHello ch;
  REQUIRE(decode_client_hello(ByteView(recs.at(0).body).sub(4), &ch).ok());
  ch.cipher_suites.erase(std::remove(ch.cipher_suites.begin(), ch.cipher_suites.end(), session.cipher_suite),
                         ch.cipher_suites.end());
  Party s;
  s.as_server(sc);
  expect_ok(s, hello_record(ch));
  // (The deterministic generators give the new session the same ID: a full handshake shows in the
  // suite and the Certificate that follows.)
  ServerHello sh = first_server_hello(s.conn->pending_output());
  CHECK(sh.cipher_suite != session.cipher_suite);
  std::vector<Rec> out = split_records(s.conn->pending_output());
  REQUIRE(out.size() >= 2);
  CHECK(out[1].body.at(0) == static_cast<uint8_t>(HandshakeType::certificate));
}

// ===================================================================================================
// Client: crafted ServerHellos and first flights

TEST_CASE("7.4.1.3, 7.4.1.4: crafted ServerHellos are refused with the alert the RFCs name") {
  struct Case {
    const char* rule;
    std::function<void(ServerHello&)> edit;
    AD want;
  } cases[] = {
      {"7.4.1.3: version 0x0302", [](ServerHello& s) { s.legacy_version = 0x0302; }, AD::protocol_version},
      {"7.4.1.3: version 0x0300", [](ServerHello& s) { s.legacy_version = 0x0300; }, AD::protocol_version},
      {"7.4.1.3: a suite not offered", [](ServerHello& s) { s.cipher_suite = 0xc0ff; }, AD::illegal_parameter},
      {"7.4.1.3: a TLS 1.3 suite", [](ServerHello& s) { s.cipher_suite = 0x1301; }, AD::illegal_parameter},
      {"7.4.1.3: compression 1", [](ServerHello& s) { s.compression_method = 1; }, AD::illegal_parameter},
      {"7.4.1.4: an extension not offered (heartbeat)",
       [](ServerHello& s) { s.extensions.unknown.push_back(RawExtension{15, Bytes{1}}); }, AD::unsupported_extension},
      {"RFC 8446 4.2: key_share in a TLS 1.2 ServerHello",
       [](ServerHello& s) { s.extensions.key_share = std::vector<KeyShareEntry>{KeyShareEntry{kX25519, Bytes(32, 9)}}; },
       AD::unsupported_extension},
      {"RFC 8446 4.2: pre_shared_key in a TLS 1.2 ServerHello", [](ServerHello& s) { s.extensions.psk_selected_identity = 0; },
       AD::unsupported_extension},
      {"RFC 5746 3.4: no renegotiation_info", [](ServerHello& s) { s.extensions.renegotiation_info.reset(); },
       AD::handshake_failure},
      {"RFC 5746 3.4: a non-empty renegotiation_info", [](ServerHello& s) { s.extensions.renegotiation_info = Bytes{1, 2}; },
       AD::handshake_failure},
      {"RFC 7366 3: encrypt_then_mac with an AEAD suite", [](ServerHello& s) { s.extensions.encrypt_then_mac = true; },
       AD::illegal_parameter},
      {"RFC 7301 3.1: an ALPN protocol not offered", [](ServerHello& s) { s.extensions.alpn = std::vector<std::string>{"h3"}; },
       AD::illegal_parameter},
      {"RFC 8422 5.2: ec_point_formats without uncompressed", [](ServerHello& s) { s.extensions.ec_point_formats = Bytes{1}; },
       AD::illegal_parameter},
  };
  for (const Case& k : cases) {
    std::string rule = k.rule;
    CAPTURE(rule);
    client_refuses_flight([&](std::vector<Bytes>& m) { edit_server_hello(m, k.edit); }, k.want,
                          [](ClientConfig::Builder& b) { b.versions(kTls12, 0x0304).alpn({"h2"}).tls12_tickets(true); },
                          [](ServerConfig::Builder& b) { b.alpn({"h2"}); });
  }
}

TEST_CASE("RFC 7627 5.2: a server without extended_master_secret, to a client that requires it -> handshake_failure") {
  client_refuses_flight([](std::vector<Bytes>& m) { edit_server_hello(m, [](ServerHello& s) { s.extensions.extended_master_secret = false; }); },
                        AD::handshake_failure, [](ClientConfig::Builder& b) { b.require_extended_master_secret(true); });
}

TEST_CASE("RFC 8422 5.4, 5.10: ServerKeyExchange faults: bad points -> illegal_parameter, bad signature -> decrypt_error") {
  ClientTweak ct = [](ClientConfig::Builder& b) { b.cipher_suites({kEcdheRsa}).groups({kP256}); };
  for (Bytes point : {cat({Bytes{4}, Bytes(64, 1)}), cat({Bytes{2}, Bytes(32, 1)}), Bytes{0}}) {
    CAPTURE(point.size());
    Flow f(ct, nullptr, true);
    std::vector<Bytes> m = f.server_flight();
    resign_ecdhe(m, f.cr, point, "server_rsa.key.pem");
    expect_alert(f.c, records_of(m), AD::illegal_parameter);
  }
  {
    // A group the client did not offer (signed).
    Flow f(ct, nullptr, true);
    std::vector<Bytes> m = f.server_flight();
    resign_ecdhe(m, f.cr, Bytes(32, 9), "server_rsa.key.pem", kX25519);
    expect_alert(f.c, records_of(m), AD::illegal_parameter);
  }
  {
    // The real point, re-signed: accepted (the control for the cases above).
    Flow f(ct, nullptr, true);
    std::vector<Bytes> m = f.server_flight();
    ServerKeyExchangeEcdhe ske;
    REQUIRE(decode_server_key_exchange_ecdhe(ByteView(find_message(m, HandshakeType::server_key_exchange)).sub(4), &ske).ok());
    resign_ecdhe(m, f.cr, ske.public_key, "server_rsa.key.pem");
    expect_ok(f.c, records_of(m));
  }
  struct Case {
    const char* what;
    std::function<void(ServerKeyExchangeEcdhe&)> edit;
    AD want;
  } cases[] = {
      {"a signature byte flipped", [](ServerKeyExchangeEcdhe& s) { s.signature[7] ^= 1; }, AD::decrypt_error},
      {"rsa_pkcs1_sha1 (RFC 9155)", [](ServerKeyExchangeEcdhe& s) { s.sig_scheme = 0x0201; }, AD::illegal_parameter},
      {"an ECDSA scheme for an RSA key", [](ServerKeyExchangeEcdhe& s) { s.sig_scheme = 0x0403; }, AD::illegal_parameter},
      {"a scheme the client did not offer", [](ServerKeyExchangeEcdhe& s) { s.sig_scheme = 0x0805; }, AD::illegal_parameter},
  };
  for (const Case& k : cases) {
    std::string what = k.what;
    CAPTURE(what);
    client_refuses_flight(
        [&](std::vector<Bytes>& m) {
          Bytes& msg = find_message(m, HandshakeType::server_key_exchange);
          ServerKeyExchangeEcdhe ske;
          REQUIRE(decode_server_key_exchange_ecdhe(ByteView(msg).sub(4), &ske).ok());
          k.edit(ske);
          msg = handshake_msg(HandshakeType::server_key_exchange, encoded(ske, encode_server_key_exchange_ecdhe));
        },
        k.want, [](ClientConfig::Builder& b) { b.cipher_suites({kEcdheRsa}).groups({kP256}).signature_schemes({0x0804, 0x0403, 0x0401}); },
        nullptr, true);
  }
}

TEST_CASE("7.4.2, 7.4.4, 7.4.5: a first flight out of order or malformed -> unexpected_message / decode_error") {
  client_refuses_flight([](std::vector<Bytes>& m) { m.erase(m.begin() + 2); }, AD::unexpected_message);  // no SKE
  client_refuses_flight([](std::vector<Bytes>& m) { std::swap(m[1], m[2]); }, AD::unexpected_message);
  client_refuses_flight([](std::vector<Bytes>& m) { m.back() = handshake_msg(HandshakeType::server_hello_done, Bytes{0}); },
                        AD::decode_error);
  client_refuses_flight(
      [](std::vector<Bytes>& m) { find_message(m, HandshakeType::certificate) = handshake_msg(HandshakeType::certificate, Bytes{0, 0, 0}); },
      AD::decode_error);
}

TEST_CASE("7.4.9: the server's Finished with any byte flipped -> decrypt_error (sealed alert)") {
  for (size_t i = 0; i < 12; i++) {
    CAPTURE(i);
    Flow f([](ClientConfig::Builder& b) { b.tls12_tickets(false); }, [](ServerConfig::Builder& b) { b.tickets(false); });
    Flow::ClientFlight cf = f.client_flight(f.server_flight());
    expect_ok(f.s, cf.all());
    std::vector<Rec> recs = split_records(take(*f.s.conn));
    REQUIRE(recs.size() == 2);
    REQUIRE(recs[0].type == kCcs);
    Traffic12 from_server = f.traffic(false);
    ContentType t;
    Bytes fin;
    REQUIRE(from_server.open(recs[1], &t, &fin));
    fin[4 + i] ^= 0x80;
    Traffic12 as_server = f.traffic(false);
    Traffic12 from_client = f.traffic(true);
    expect_alert(f.c, cat({ccs_record(), as_server.seal(ContentType::handshake, fin)}), AD::decrypt_error, &from_client);
  }
}

TEST_CASE("RFC 5077 3.3, 5246 7.4.1.3: resumption faults the client catches") {
  auto sc = scfg([](ServerConfig::Builder& b) { b.tickets(false); });
  Session session = full_session(nullptr, sc);
  struct Case {
    const char* rule;
    std::function<void(ServerHello&)> edit;
    AD want;
  } cases[] = {
      {"7.4.1.3: the session resumed with another suite",
       [&](ServerHello& s) { s.cipher_suite = session.cipher_suite == kEcdheRsa ? kEcdheEcdsa : kEcdheRsa; }, AD::illegal_parameter},
      {"RFC 7627 5.3: the session resumed without EMS", [](ServerHello& s) { s.extensions.extended_master_secret = false; },
       AD::handshake_failure},
  };
  for (const Case& k : cases) {
    std::string rule = k.rule;
    CAPTURE(rule);
    Flow f(nullptr, [](ServerConfig::Builder& b) { b.tickets(false); }, false, session);
    // A fresh server does not know the session: answer as a server that resumed it would.
    Bytes ch = f.client_hello();
    ClientHello hello;
    REQUIRE(decode_client_hello(ByteView(split_records(ch).at(0).body).sub(4), &hello).ok());
    ServerHello sh;
    sh.random[0] = 1;
    sh.session_id = hello.session_id;
    sh.cipher_suite = session.cipher_suite;
    sh.has_extensions = true;
    sh.extensions.renegotiation_info = Bytes();
    sh.extensions.extended_master_secret = true;
    k.edit(sh);
    expect_alert(f.c, plain_record(kHs, handshake_msg(HandshakeType::server_hello, encoded(sh, encode_server_hello))), k.want);
  }
}

TEST_CASE("RFC 8422 5.1: an ECDSA certificate on a curve the client did not list is not used -> handshake_failure") {
  // Found by the differential harness (fuzz/differential.h): the client lists its curves, P-256 is
  // not among them, and the only certificate for the ECDHE-ECDSA suite is on P-256. RFC 8422 5.1: the
  // server "MUST NOT negotiate the use of an ECC cipher suite unless [it] can complete the handshake
  // while respecting the choice of curves specified by the client" (and section 2: the certificate's
  // key must use a curve the client supports).
  ClientHello ch = real_client_hello();
  ch.cipher_suites = {kEcdheEcdsa};
  ch.extensions.supported_groups = std::vector<uint16_t>{kX25519, 0x0018};  // x25519, secp384r1
  server_refuses(hello_record(ch), AD::handshake_failure);
  // Without the extension the server may pick (RFC 8422 4): the P-256 certificate is used.
  ch.extensions.supported_groups.reset();
  Party s;
  s.as_server(scfg());
  expect_ok(s, hello_record(ch));
}

TEST_CASE("RFC 7919 4: insufficient_security only when the FFDHE groups were what failed") {
  // Found by the differential harness: a server with only an ECDSA certificate, a client that lists
  // FFDHE groups the server lacks and no curve for its certificate. No DHE suite could have been used
  // anyway (no RSA certificate), so the failure is not the groups': handshake_failure, as OpenSSL says.
  ServerConfig::Builder b;
  b.provider(prov()).versions(kTls12, kTls12).certificate(pem("server_ec_chain.pem"), pem("server_ec.key.pem"));
  auto built = b.build();
  REQUIRE(built.ok());
  ClientHello ch = real_client_hello();
  ch.cipher_suites = {kDheRsa, kEcdheEcdsa};
  ch.extensions.supported_groups = std::vector<uint16_t>{kX25519, 0x0104};  // x25519, ffdhe8192
  Party s;
  s.as_server(built.config);
  expect_alert(s, hello_record(ch), AD::handshake_failure);
}

TEST_CASE("RFC 5246 7.4, RFC 8446 4: a first message of a type no state accepts -> unexpected_message on its header") {
  // Found by the differential harness: a Certificate (or any type but ClientHello) announcing a long
  // body as the client's first message was held until the body arrived; OpenSSL refuses it at once.
  // The header alone decides now, so nothing is buffered for it.
  Bytes header = {11, 0x00, 0xff, 0x00};  // Certificate, 65280 bytes announced, none sent
  server_refuses(plain_record(kHs, header), AD::unexpected_message);
  server_refuses(plain_record(kHs, Bytes{8, 0x01, 0x00, 0x00}), AD::unexpected_message);  // EncryptedExtensions
  // And a message a client never receives.
  Party c;
  c.as_client(ccfg(nullptr));
  take(*c.conn);
  expect_alert(c, plain_record(kHs, Bytes{1, 0x00, 0x40, 0x00}), AD::unexpected_message);  // a ClientHello to a client
}

TEST_CASE("RFC 8422 5.1: a client refuses a server ECDSA certificate on a curve it did not list -> illegal_parameter") {
  // The client lists only x25519 in its config; its ClientHello is edited to also list P-256 so that
  // the server uses its P-256 certificate, which the client's own groups do not include.
  ClientTweak ct = [](ClientConfig::Builder& b) {
    b.cipher_suites({kEcdheEcdsa}).groups({kX25519});
    b.edit_extensions([](ExtContext ctx, Extensions* e) {
      if (ctx == ExtContext::client_hello && e->supported_groups) e->supported_groups->push_back(kP256);
    });
  };
  client_refuses_flight([](std::vector<Bytes>&) {}, AD::illegal_parameter, ct);
}

// ===================================================================================================
// A failure keeps what the messages before it completed (RFC 5246 7.2.2 asks for the alert; nothing
// asks to take back a flight the peer may already wait for): the output mark moves after every
// handshake message, so the alert follows the flight, as OpenSSL and GnuTLS send them.

TEST_CASE("7.2.2: a bad message after the ClientHello in the same record: the server's flight, then the alert") {
  Flow f;
  std::vector<Rec> recs = split_records(f.client_hello());
  REQUIRE(recs.size() == 1);
  // A Finished where the client's key exchange belongs.
  const Bytes rec = plain_record(kHs, cat({recs[0].body, handshake_msg(HandshakeType::finished, Bytes(12, 0))}));
  REQUIRE_FALSE(f.s.conn->receive(rec).ok());
  REQUIRE(f.s.conn->error() != nullptr);
  CHECK(f.s.conn->error()->alert == AD::unexpected_message);
  const Bytes out = take(*f.s.conn);
  std::vector<Rec> written = split_records(out);
  REQUIRE(written.size() == 5);  // ServerHello, Certificate, ServerKeyExchange, ServerHelloDone, alert
  CHECK(written[0].type == kHs);
  CHECK(written[0].body[0] == static_cast<uint8_t>(HandshakeType::server_hello));
  CHECK(written[3].body[0] == static_cast<uint8_t>(HandshakeType::server_hello_done));
  CHECK(alert_in(out, nullptr) == static_cast<int>(AD::unexpected_message));
  // The client reads the flight, answers it, then meets the alert.
  Result<size_t> r = f.c.conn->receive(out);
  drain(*f.c.conn, &f.c.seen);
  CHECK_FALSE(r.ok());
  REQUIRE(f.c.conn->error() != nullptr);
  CHECK(f.c.conn->error()->kind == ErrorKind::alert_received);
  CHECK(f.c.conn->error()->alert == AD::unexpected_message);
  std::vector<Rec> answer = split_records(take(*f.c.conn));
  REQUIRE(answer.size() == 3);  // ClientKeyExchange, ChangeCipherSpec, Finished
  CHECK(answer[0].body[0] == static_cast<uint8_t>(HandshakeType::client_key_exchange));
  CHECK(answer[1].type == kCcs);
}

TEST_CASE("7.2.2: client: a bad message after ServerHelloDone in the same record: its flight, then the alert") {
  Flow f;
  std::vector<Bytes> msgs = f.server_flight();
  // The whole flight in one record, and a second ServerHelloDone after it.
  Bytes stream;
  for (const Bytes& m : msgs) stream = cat({stream, m});
  const Bytes rec = plain_record(kHs, cat({stream, handshake_msg(HandshakeType::server_hello_done, ByteView())}));
  REQUIRE_FALSE(f.c.conn->receive(rec).ok());
  REQUIRE(f.c.conn->error() != nullptr);
  CHECK(f.c.conn->error()->alert == AD::unexpected_message);
  const Bytes out = take(*f.c.conn);
  std::vector<Rec> written = split_records(out);
  REQUIRE(written.size() == 4);  // ClientKeyExchange, ChangeCipherSpec, Finished, alert
  CHECK(written[0].body[0] == static_cast<uint8_t>(HandshakeType::client_key_exchange));
  CHECK(written[1].type == kCcs);
  // The alert is under the client's new write keys (after its ChangeCipherSpec), as the server expects.
  Traffic12 client_keys = f.traffic(true);
  CHECK(alert_in(out, &client_keys) == static_cast<int>(AD::unexpected_message));
  // The server takes the flight (and answers it), then reads the alert.
  Result<size_t> r = f.s.conn->receive(out);
  drain(*f.s.conn, &f.s.seen);
  CHECK_FALSE(r.ok());
  REQUIRE(f.s.conn->error() != nullptr);
  CHECK(f.s.conn->error()->kind == ErrorKind::alert_received);
  CHECK(f.s.conn->error()->alert == AD::unexpected_message);
  CHECK(f.s.seen.done);
}

TEST_CASE("7.2.2: the same with an asynchronous signature: the flight the answer completes, then the alert") {
  Flow f(nullptr, [](ServerConfig::Builder& b) { b.async_signing(true); });
  std::vector<Rec> recs = split_records(f.client_hello());
  REQUIRE(recs.size() == 1);
  // The server pauses for its ServerKeyExchange signature with the rest of the record held.
  const Bytes rec = plain_record(kHs, cat({recs[0].body, handshake_msg(HandshakeType::finished, Bytes(12, 0))}));
  REQUIRE(f.s.conn->receive(rec).ok());
  std::optional<Event> req;
  while (auto ev = f.s.conn->next_event())
    if (ev->type == Event::Type::sign_request) req = ev;
  REQUIRE(req.has_value());
  REQUIRE(req->certificate != nullptr);
  Bytes sig;
  REQUIRE(req->certificate->key->sign(static_cast<crypto::SignatureScheme>(req->scheme), req->data, *f.s.rng, &sig) ==
          crypto::Status::ok);
  // The answer completes the flight; the held Finished then fails, after it.
  CHECK_FALSE(f.s.conn->complete_sign(sig).ok());
  REQUIRE(f.s.conn->error() != nullptr);
  CHECK(f.s.conn->error()->alert == AD::unexpected_message);
  const Bytes out = take(*f.s.conn);
  std::vector<Rec> written = split_records(out);
  REQUIRE(written.size() == 5);  // ServerHello, Certificate, ServerKeyExchange, ServerHelloDone, alert
  CHECK(written[2].body[0] == static_cast<uint8_t>(HandshakeType::server_key_exchange));
  CHECK(written[3].body[0] == static_cast<uint8_t>(HandshakeType::server_hello_done));
  CHECK(alert_in(out, nullptr) == static_cast<int>(AD::unexpected_message));
  Result<size_t> r = f.c.conn->receive(out);
  CHECK_FALSE(r.ok());
  REQUIRE(f.c.conn->error() != nullptr);
  CHECK(f.c.conn->error()->kind == ErrorKind::alert_received);
  CHECK(f.c.conn->error()->alert == AD::unexpected_message);
}
