// TLS 1.3 conformance, in the spirit of tlsfuzzer's test-tls13-* scripts and BoringSSL's runner: each
// case crafts one peer message or record that breaks one rule of RFC 8446, feeds it to a sanstls
// client or server and checks the alert the RFC names (in error() and in the alert record written,
// which is decrypted when it is protected) and that the connection is closed afterwards: sticky error,
// nothing more written. The "must be accepted" cases check that the peer goes on.
//
// How the protected records are made: both configs log their traffic secrets (KeyLog), so the test
// can open what a side wrote and seal its own records under a side's keys (Sealer below: the AEAD
// of RFC 8446 5.2 written out, so that any TLSInnerPlaintext can be sent, even an invalid one).
#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <map>

#include "core/extensions.h"
#include "core/handshake.h"
#include "core/handshake13.h"
#include "core/record.h"
#include "core/record_protection.h"
#include "core/suites.h"
#include "core/tls13_keys.h"
#include "tests/pair.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

using AD = AlertDescription;
// mbedTLS, or libcrypto in the *_libcrypto_test twin (tests/test_provider.h).
const crypto::Provider& prov() { return test_provider(); }

constexpr uint8_t kCcs = 20, kAlert = 21, kHs = 22, kApp = 23;
// secp224r1 (0x0015): a group sanstls does not speak (nor offer).
constexpr uint16_t kX25519 = 0x001d, kP256 = 0x0017, kSecp224 = 0x0015, kFfdhe8192 = 0x0104;

struct Keys : KeyLog {
  std::map<std::string, Bytes> secrets;  // by label: one connection pair per Keys
  void log(const char* label, ByteView, ByteView secret) override { secrets[label] = secret.to_bytes(); }
  Bytes get(const std::string& label) const {
    auto it = secrets.find(label);
    return it == secrets.end() ? Bytes() : it->second;
  }
};

using ClientTweak = std::function<void(ClientConfig::Builder&)>;
using ServerTweak = std::function<void(ServerConfig::Builder&)>;

std::shared_ptr<const ClientConfig> ccfg(std::shared_ptr<Keys> keys, const ClientTweak& t = nullptr) {
  ClientConfig::Builder b;
  b.provider(prov());
  b.trust_anchors_pem(read_file("tests/certs/ca.pem")).key_log(keys);
  if (t) t(b);
  auto built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

std::shared_ptr<const ServerConfig> scfg(std::shared_ptr<Keys> keys, const ServerTweak& t = nullptr, bool rsa_only = false) {
  ServerConfig::Builder b;
  b.provider(prov());
  b.certificate(read_file("tests/certs/server_rsa.pem"), read_file("tests/certs/server_rsa.key.pem"));
  if (!rsa_only)
    b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"));
  b.key_log(keys);
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
  bool client = false;
  void as_client(std::shared_ptr<const ClientConfig> cfg, std::optional<Session> resume = std::nullopt) {
    client = true;
    rng = crypto::make_deterministic_rng(ByteView::of("conformance client"));
    conn = std::make_unique<Connection>(Connection::client(cfg, {"localhost", resume}, *rng, clock));
  }
  void as_server(std::shared_ptr<const ServerConfig> cfg) {
    rng = crypto::make_deterministic_rng(ByteView::of("conformance server"));
    conn = std::make_unique<Connection>(Connection::server(cfg, *rng, clock));
  }
  Bytes take() {
    Bytes b = conn->pending_output().to_bytes();
    conn->consume_output(b.size());
    return b;
  }
};

struct Duo {
  std::shared_ptr<Keys> keys = std::make_shared<Keys>();
  Party c, s;
  Duo(const ClientTweak& ct = nullptr, const ServerTweak& st = nullptr, bool rsa_only = false) {
    s.as_server(scfg(keys, st, rsa_only));
    c.as_client(ccfg(keys, ct));
  }
  Duo(std::shared_ptr<Keys> k, std::shared_ptr<const ClientConfig> cc, std::shared_ptr<const ServerConfig> sc,
      std::optional<Session> resume = std::nullopt)
      : keys(std::move(k)) {
    s.as_server(std::move(sc));
    c.as_client(std::move(cc), std::move(resume));
  }
  bool handshake() { return pump(*c.conn, *s.conn, &c.seen, &s.seen) && c.seen.done && s.seen.done; }
};

// --- records and messages ---------------------------------------------------------------------------

Bytes record(uint8_t type, ByteView body, uint16_t version = 0x0303) {
  Bytes r = {type, static_cast<uint8_t>(version >> 8), static_cast<uint8_t>(version),
             static_cast<uint8_t>(body.size() >> 8), static_cast<uint8_t>(body.size())};
  r.insert(r.end(), body.begin(), body.end());
  return r;
}

struct Rec {
  uint8_t type;
  Bytes body;
};
std::vector<Rec> split_records(ByteView b) {
  std::vector<Rec> out;
  size_t off = 0;
  while (off + 5 <= b.size()) {
    size_t len = (size_t{b[off + 3]} << 8) | b[off + 4];
    REQUIRE(off + 5 + len <= b.size());
    out.push_back(Rec{b[off], b.sub(off + 5, len).to_bytes()});
    off += 5 + len;
  }
  REQUIRE(off == b.size());
  return out;
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

Bytes message(HandshakeType t, ByteView body) {
  Bytes m;
  REQUIRE(encode_handshake(t, body, &m));
  return m;
}

template <typename M>
Bytes encoded(const M& m, void (*encode)(const M&, Writer&)) {
  Bytes body;
  Writer w(&body);
  encode(m, w);
  REQUIRE(w.ok());
  return body;
}

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Seals any TLSInnerPlaintext under a traffic secret (RFC 8446 5.2), sequence numbers from 0.
struct Sealer {
  std::unique_ptr<crypto::Aead> aead;
  Bytes iv;
  uint64_t seq = 0;
  uint16_t version = 0x0303;  // legacy_record_version of the records it writes
  Sealer(const CipherSuite& suite, ByteView secret) {
    crypto::AeadAlg alg{};
    REQUIRE(tls13_aead(suite, &alg));
    REQUIRE(!secret.empty());
    TrafficKeys13 k = tls13_traffic_keys(prov(), suite.prf_hash, alg, secret);
    aead = prov().aead(alg, k.key);
    iv = k.iv;
    REQUIRE(aead);
  }
  Bytes inner(ByteView inner_plaintext) {
    size_t n = inner_plaintext.size() + crypto::kAeadTagLength;
    Bytes r = record(kApp, inner_plaintext, version);
    r[3] = static_cast<uint8_t>(n >> 8);
    r[4] = static_cast<uint8_t>(n);
    r.resize(5 + n);
    uint8_t nonce[12];
    for (int i = 0; i < 12; i++) nonce[i] = iv[i] ^ (i < 4 ? 0 : static_cast<uint8_t>(seq >> (8 * (11 - i))));
    Bytes aad(r.begin(), r.begin() + 5);
    REQUIRE(aead->seal(ByteView(nonce, 12), aad, r.data() + 5, inner_plaintext.size(),
                       r.data() + 5 + inner_plaintext.size()) == crypto::Status::ok);
    seq++;
    return r;
  }
  Bytes seal(uint8_t type, ByteView content, size_t padding = 0) {
    Bytes in = content.to_bytes();
    in.push_back(type);
    in.resize(in.size() + padding, 0);
    return inner(in);
  }
};

const CipherSuite& suite_of_server_hello(ByteView sh_record_body) {
  ServerHello sh;
  REQUIRE(decode_server_hello(sh_record_body.sub(4), &sh).ok());
  const CipherSuite* s = find_suite(sh.cipher_suite);
  REQUIRE(s != nullptr);
  return *s;
}

// The alert description in the last record of `out`, opened with the sender's secrets when it is
// protected; -1 when there is none.
int alert_in(ByteView out, const Keys& keys, bool from_client) {
  std::vector<Rec> recs = split_records(out);
  if (recs.empty()) return -1;
  Rec last = recs.back();
  if (last.type == kAlert) return last.body.size() == 2 ? last.body[1] : -1;
  if (last.type != kApp) return -1;
  std::string side = from_client ? "CLIENT_" : "SERVER_";
  std::vector<Bytes> secrets = {keys.get(side + "HANDSHAKE_TRAFFIC_SECRET")};
  Bytes app = keys.get(side + "TRAFFIC_SECRET_0");
  for (uint16_t id : {suite::TLS_AES_128_GCM_SHA256, suite::TLS_AES_256_GCM_SHA384, suite::TLS_CHACHA20_POLY1305_SHA256}) {
    const CipherSuite& s = *find_suite(id);
    std::vector<Bytes> all = secrets;
    if (!app.empty()) {
      all.push_back(app);
      all.push_back(tls13_next_traffic_secret(prov(), s.prf_hash, app));
      all.push_back(tls13_next_traffic_secret(prov(), s.prf_hash, all.back()));
    }
    for (const Bytes& secret : all) {
      if (secret.size() != crypto::hash_length(s.prf_hash)) continue;
      for (uint64_t seq = 0; seq < 16; seq++) {
        Result<RecordProtection> p = tls13_protection(prov(), s, secret);
        REQUIRE(p.ok());
        p.value().set_sequence_number_for_testing(seq);
        Bytes frag = last.body;
        RecordHeader h{ContentType::application_data, 0x0303, static_cast<uint16_t>(frag.size())};
        Result<OpenedRecord> o = p.value().open(h, frag.data(), frag.size());
        if (!o.ok()) continue;
        if (o.value().type != ContentType::alert || o.value().plaintext.size() != 2) return -1;
        return o.value().plaintext[1];
      }
    }
  }
  return -1;
}

// Feeds `in` to p and checks the RFC's alert: in the error, in the record written, then that the
// connection is dead for good (every call fails, nothing more is written, a Closed event that is not
// clean).
void expect_alert(Party& p, const Keys& keys, ByteView in, AD want) {
  p.conn->consume_output(p.conn->pending_output().size());
  Result<size_t> r = p.conn->receive(in);
  drain(*p.conn, &p.seen);
  REQUIRE_FALSE(r.ok());
  REQUIRE(p.conn->error() != nullptr);
  CAPTURE(p.conn->error()->to_string());
  CHECK(p.conn->error()->alert == want);
  CHECK(alert_in(p.conn->pending_output(), keys, p.client) == static_cast<int>(want));
  p.conn->consume_output(p.conn->pending_output().size());
  CHECK_FALSE(p.conn->receive(in).ok());
  CHECK_FALSE(p.conn->send(ByteView::of("x")).ok());
  p.conn->close();
  CHECK(p.conn->pending_output().empty());
  CHECK(p.conn->is_closed());
  CHECK(p.seen.closed);
  CHECK_FALSE(p.seen.clean);
}

// Feeds `in` and checks that it was taken without an error.
void expect_ok(Party& p, ByteView in) {
  Result<size_t> r = p.conn->receive(in);
  drain(*p.conn, &p.seen);
  if (!r.ok()) FAIL_CHECK("refused: " << r.error().to_string());
  REQUIRE(r.ok());
  CHECK(r.value() == in.size());
  CHECK(p.conn->error() == nullptr);
}

// --- ClientHellos -------------------------------------------------------------------------------------

// A real client's first ClientHello, decoded.
ClientHello real_client_hello(const ClientTweak& t = nullptr) {
  Party c;
  c.as_client(ccfg(std::make_shared<Keys>(), t));
  std::vector<Rec> recs = split_records(c.take());
  REQUIRE(recs.size() == 1);
  ClientHello ch;
  REQUIRE(decode_client_hello(ByteView(recs[0].body).sub(4), &ch).ok());
  return ch;
}

Bytes hello_body(ClientHello ch, bool keep_order = false) {
  if (!keep_order) ch.extensions.order.clear();
  return encoded(ch, encode_client_hello);
}
Bytes hello_record(const ClientHello& ch) { return record(kHs, message(HandshakeType::client_hello, hello_body(ch))); }

// Appends one raw extension at the very end of a ClientHello body (after pre_shared_key, which the
// encoder always writes last).
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

OfferedPsks fake_psk() {
  OfferedPsks p;
  p.identities.push_back(PskIdentity{Bytes(16, 0x42), 1000});
  p.binders.push_back(Bytes(32, 0));
  return p;
}

// A server fed one crafted ClientHello record; its alert is unprotected.
void server_refuses_hello(ByteView rec, AD want, const ServerTweak& st = nullptr) {
  auto keys = std::make_shared<Keys>();
  Party s;
  s.as_server(scfg(keys, st));
  expect_alert(s, *keys, rec, want);
}

// The ServerHello a server answered with (first record of `out`), decoded.
ServerHello first_server_hello(ByteView out) {
  std::vector<Rec> recs = split_records(out);
  REQUIRE(!recs.empty());
  REQUIRE(recs[0].type == kHs);
  REQUIRE(recs[0].body[0] == 2);
  ServerHello sh;
  REQUIRE(decode_server_hello(ByteView(recs[0].body).sub(4), &sh).ok());
  return sh;
}

// --- HelloRetryRequest flows ----------------------------------------------------------------------------

// A pair where the server takes P-256 only, so the client's X25519 share gets a HelloRetryRequest. After
// start(): hrr = the server's HRR (+ CCS) output, ch2 = the client's second ClientHello body (decoded),
// ccs = the client's compatibility CCS record.
struct HrrFlow {
  Duo d{nullptr, [](ServerConfig::Builder& b) { b.groups({kP256}); }};
  Bytes hrr;
  ClientHello ch2;
  Bytes ccs;
  void start() {
    expect_ok(d.s, d.c.take());
    hrr = d.s.take();
    expect_ok(d.c, hrr);
    std::vector<Rec> recs = split_records(d.c.take());
    REQUIRE(recs.size() == 2);
    REQUIRE(recs[0].type == kCcs);
    ccs = record(kCcs, recs[0].body);
    REQUIRE(decode_client_hello(ByteView(recs[1].body).sub(4), &ch2).ok());
  }
};

// --- the server's encrypted flight, as the client gets it -------------------------------------------

// Runs ClientHello -> server; returns the server's flight with its encrypted handshake messages
// (opened with the server's handshake secret) passed through `edit`, then sealed again in one record.
Bytes edited_server_flight(Duo& d, const std::function<void(std::vector<Bytes>&)>& edit) {
  expect_ok(d.s, d.c.take());
  std::vector<Rec> recs = split_records(d.s.take());
  REQUIRE(recs.size() >= 3);
  const CipherSuite& suite = suite_of_server_hello(recs[0].body);
  Result<RecordProtection> open = tls13_protection(prov(), suite, d.keys->get("SERVER_HANDSHAKE_TRAFFIC_SECRET"));
  REQUIRE(open.ok());
  Bytes plain, out;
  for (Rec& r : recs) {
    if (r.type != kApp) {
      out = cat({out, record(r.type, r.body)});
      continue;
    }
    RecordHeader h{ContentType::application_data, 0x0303, static_cast<uint16_t>(r.body.size())};
    Result<OpenedRecord> o = open.value().open(h, r.body.data(), r.body.size());
    REQUIRE(o.ok());
    REQUIRE(o.value().type == ContentType::handshake);
    plain = cat({plain, o.value().plaintext});
  }
  std::vector<Bytes> msgs = split_messages(plain);
  edit(msgs);
  Bytes all;
  for (const Bytes& m : msgs) all = cat({all, m});
  Sealer seal(suite, d.keys->get("SERVER_HANDSHAKE_TRAFFIC_SECRET"));
  return cat({out, seal.seal(kHs, all)});
}

Bytes& find_message(std::vector<Bytes>& msgs, HandshakeType t) {
  for (Bytes& m : msgs)
    if (m[0] == static_cast<uint8_t>(t)) return m;
  FAIL("message not in the flight");
  return msgs[0];
}

// --- the server after its flight, before the client's Finished -----------------------------------------

// ClientHello -> server -> client; the client's own second flight is held back. `fin` is the client's
// real Finished message; `hs` seals as the client under its handshake key.
struct BeforeFinished {
  Duo d;
  const CipherSuite* suite = nullptr;
  Bytes fin;
  std::unique_ptr<Sealer> hs;
  BeforeFinished() {
    expect_ok(d.s, d.c.take());
    Bytes flight = d.s.take();
    suite = &suite_of_server_hello(split_records(flight)[0].body);
    expect_ok(d.c, flight);
    Result<RecordProtection> open = tls13_protection(prov(), *suite, d.keys->get("CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
    REQUIRE(open.ok());
    for (Rec& r : split_records(d.c.take())) {
      if (r.type != kApp) continue;
      RecordHeader h{ContentType::application_data, 0x0303, static_cast<uint16_t>(r.body.size())};
      Result<OpenedRecord> o = open.value().open(h, r.body.data(), r.body.size());
      REQUIRE(o.ok());
      fin = o.value().plaintext.to_bytes();
    }
    REQUIRE(fin.size() == 4 + crypto::hash_length(suite->prf_hash));
    REQUIRE(fin[0] == 20);
    hs = std::make_unique<Sealer>(*suite, d.keys->get("CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
  }
};

// After a whole handshake: `app` seals as the client under its first application key.
struct Connected {
  Duo d;
  std::unique_ptr<Sealer> app;
  const CipherSuite* suite = nullptr;
  Connected() {
    REQUIRE(d.handshake());
    suite = find_suite(d.s.conn->info()->cipher_suite);
    app = std::make_unique<Sealer>(*suite, d.keys->get("CLIENT_TRAFFIC_SECRET_0"));
    d.s.conn->consume_output(d.s.conn->pending_output().size());
  }
};

const Bytes kKeyUpdate0 = {24, 0, 0, 1, 0};  // KeyUpdate(update_not_requested)

}  // namespace

// ===================================================================================================
// Server: crafted ClientHellos

TEST_CASE("4.2.1: supported_versions with only old or unknown versions -> protocol_version") {
  ClientHello ch = real_client_hello();
  ch.extensions.supported_versions = std::vector<uint16_t>{0x0302, 0x7f1c, 0x0301};
  server_refuses_hello(hello_record(ch), AD::protocol_version);
  // A TLS 1.3-only server and a client that offers TLS 1.2 only.
  ch.extensions.supported_versions = std::vector<uint16_t>{0x0303};
  server_refuses_hello(hello_record(ch), AD::protocol_version, [](ServerConfig::Builder& b) { b.versions(0x0304, 0x0304); });
}

TEST_CASE("4.2.1: legacy_version 0x0304 with supported_versions 0x0304 is accepted (the extension decides)") {
  for (uint16_t legacy : {uint16_t{0x0304}, uint16_t{0x0301}}) {
    CAPTURE(legacy);
    ClientHello ch = real_client_hello();
    ch.legacy_version = legacy;
    ch.extensions.supported_versions = std::vector<uint16_t>{0x0304};
    Party s;
    s.as_server(scfg(std::make_shared<Keys>()));
    expect_ok(s, hello_record(ch));
    ServerHello sh = first_server_hello(s.conn->pending_output());
    CHECK(sh.legacy_version == 0x0303);
    REQUIRE(sh.extensions.supported_versions);
    CHECK(*sh.extensions.supported_versions == std::vector<uint16_t>{0x0304});
  }
}

TEST_CASE("D.5: legacy_version 0x0300 or lower with supported_versions 0x0304 -> protocol_version") {
  for (uint16_t legacy : {uint16_t{0x0300}, uint16_t{0x0200}, uint16_t{0x0002}}) {
    CAPTURE(legacy);
    ClientHello ch = real_client_hello();
    ch.legacy_version = legacy;
    ch.extensions.supported_versions = std::vector<uint16_t>{0x0304};
    server_refuses_hello(hello_record(ch), AD::protocol_version);
  }
}

TEST_CASE("crafted ClientHellos are refused with the alert RFC 8446 names") {
  auto share = [](uint16_t group, Bytes key) {
    return [=](ClientHello& c) { c.extensions.key_share = std::vector<KeyShareEntry>{KeyShareEntry{group, key}}; };
  };
  struct Case {
    const char* rule;
    std::function<void(ClientHello&)> edit;
    AD want;
  } cases[] = {
      {"4.1.2: compression methods [0, 1]", [](ClientHello& c) { c.compression_methods = {0, 1}; }, AD::illegal_parameter},
      {"4.1.2: compression methods [1]", [](ClientHello& c) { c.compression_methods = {1}; }, AD::illegal_parameter},
      {"4.2.8: a key share for a group not in supported_groups",
       [](ClientHello& c) { c.extensions.supported_groups = std::vector<uint16_t>{kP256}; }, AD::illegal_parameter},
      {"4.2.8: two key shares for one group",
       [](ClientHello& c) { c.extensions.key_share->push_back(c.extensions.key_share->front()); }, AD::illegal_parameter},
      {"4.2.9, 9.2: pre_shared_key without psk_key_exchange_modes",
       [](ClientHello& c) {
         c.extensions.pre_shared_key = fake_psk();
         c.extensions.psk_key_exchange_modes.reset();
       },
       AD::missing_extension},
      {"9.2: no signature_algorithms (certificate authentication)",
       [](ClientHello& c) { c.extensions.signature_algorithms.reset(); }, AD::missing_extension},
      {"9.2: supported_groups without key_share", [](ClientHello& c) { c.extensions.key_share.reset(); }, AD::missing_extension},
      // 4.1.1 allows handshake_failure or insufficient_security; sanstls sends the former.
      {"4.1.1: no key share and no group in common",
       [](ClientHello& c) {
         c.extensions.supported_groups = std::vector<uint16_t>{kSecp224, kFfdhe8192};
         c.extensions.key_share = std::vector<KeyShareEntry>{};
       },
       AD::handshake_failure},
      {"4.2.8.2, 7.4.2: an X25519 share giving the all-zero secret", share(kX25519, Bytes(32, 0)), AD::illegal_parameter},
      {"4.2.8.2: an X25519 share of 31 bytes", share(kX25519, Bytes(31, 9)), AD::illegal_parameter},
      {"4.2.8.2: a P-256 point not on the curve", share(kP256, cat({Bytes{4}, Bytes(64, 1)})), AD::illegal_parameter},
      {"4.2.8.2: a compressed P-256 point", share(kP256, cat({Bytes{2}, Bytes(32, 1)})), AD::illegal_parameter},
  };
  for (const Case& k : cases) {
    CAPTURE(k.rule);
    ClientHello ch = real_client_hello();
    k.edit(ch);
    server_refuses_hello(hello_record(ch), k.want);
  }
}

TEST_CASE("4.2.11: pre_shared_key that is not the last extension -> illegal_parameter") {
  ClientHello ch = real_client_hello();
  ch.extensions.pre_shared_key = fake_psk();
  Bytes body = append_extension(hello_body(ch), 0x5a5a, Bytes{});
  server_refuses_hello(record(kHs, message(HandshakeType::client_hello, body)), AD::illegal_parameter);
  // The same hello with pre_shared_key last is fine (an unknown ticket: a full handshake).
  Party s;
  s.as_server(scfg(std::make_shared<Keys>()));
  expect_ok(s, hello_record(ch));
  CHECK(first_server_hello(s.conn->pending_output()).extensions.psk_selected_identity == std::nullopt);
}

TEST_CASE("4.2.11: pre_shared_key with more identities than binders -> illegal_parameter") {
  // Written by hand (the encoder refuses it): two identities, one binder, as the last extension.
  Bytes id = cat({Bytes{0, 8}, Bytes(8, 1), Bytes{0, 0, 0, 0}});
  Bytes psk = cat({Bytes{0, static_cast<uint8_t>(2 * id.size())}, id, id, Bytes{0, 33, 32}, Bytes(32, 0)});
  Bytes body = append_extension(hello_body(real_client_hello()), 41, psk);
  server_refuses_hello(record(kHs, message(HandshakeType::client_hello, body)), AD::illegal_parameter);
}

TEST_CASE("4.2.8: an empty key_share with a group in common is accepted: HelloRetryRequest") {
  ClientHello ch = real_client_hello();
  ch.extensions.key_share = std::vector<KeyShareEntry>{};
  Party s;
  s.as_server(scfg(std::make_shared<Keys>()));
  expect_ok(s, hello_record(ch));
  ServerHello hrr = first_server_hello(s.conn->pending_output());
  CHECK(hrr.is_hello_retry_request());
  CHECK(hrr.extensions.hrr_selected_group == kX25519);
}

TEST_CASE("4.2.1: legacy_version 0x0301 with supported_versions [0x0303] negotiates TLS 1.2 (the extension decides)") {
  ClientHello ch = real_client_hello();
  ch.legacy_version = 0x0301;
  ch.extensions.supported_versions = std::vector<uint16_t>{0x0303};
  ch.extensions.key_share.reset();
  Party s;
  s.as_server(scfg(std::make_shared<Keys>()));
  expect_ok(s, hello_record(ch));
  ServerHello sh = first_server_hello(s.conn->pending_output());
  CHECK(sh.legacy_version == 0x0303);
  CHECK_FALSE(sh.extensions.supported_versions);
  CHECK_FALSE(find_suite(sh.cipher_suite)->is_tls13());
}

TEST_CASE("RFC 7507: TLS_FALLBACK_SCSV in a TLS 1.2 ClientHello to a TLS 1.3 server -> inappropriate_fallback") {
  ClientHello ch = real_client_hello();
  ch.extensions.supported_versions = std::vector<uint16_t>{0x0303};
  ch.extensions.key_share.reset();
  ch.cipher_suites.push_back(suite::TLS_FALLBACK_SCSV);
  server_refuses_hello(hello_record(ch), AD::inappropriate_fallback);
  // A TLS 1.2-only server takes the same hello: for it, 1.2 is no fallback.
  Party s;
  s.as_server(scfg(std::make_shared<Keys>(), [](ServerConfig::Builder& b) { b.versions(0x0303, 0x0303); }));
  expect_ok(s, hello_record(ch));
  CHECK_FALSE(find_suite(first_server_hello(s.conn->pending_output()).cipher_suite)->is_tls13());
}

TEST_CASE("4.1.2: a second ClientHello that changes the cipher suites -> illegal_parameter") {
  HrrFlow f;
  f.start();
  ServerHello hrr = first_server_hello(f.hrr);
  auto& suites = f.ch2.cipher_suites;
  suites.erase(std::remove(suites.begin(), suites.end(), hrr.cipher_suite), suites.end());
  expect_alert(f.d.s, *f.d.keys, cat({f.ccs, hello_record(f.ch2)}), AD::illegal_parameter);
}

TEST_CASE("4.1.2: a second ClientHello with another random or session ID, or with early_data -> illegal_parameter") {
  for (int variant = 0; variant < 3; variant++) {
    CAPTURE(variant);
    HrrFlow f;
    f.start();
    if (variant == 0) f.ch2.random[5] ^= 1;
    if (variant == 1) f.ch2.session_id.back() ^= 1;
    if (variant == 2) f.ch2.extensions.early_data = true;
    expect_alert(f.d.s, *f.d.keys, cat({f.ccs, hello_record(f.ch2)}), AD::illegal_parameter);
  }
}

TEST_CASE("4.1.4, 4.2.8: a second ClientHello without the share the HelloRetryRequest asked for -> illegal_parameter") {
  for (int variant = 0; variant < 2; variant++) {
    HrrFlow f;
    f.start();
    if (variant == 0) f.ch2.extensions.key_share = std::vector<KeyShareEntry>{};
    else f.ch2.extensions.key_share->front().group = kX25519;  // the first share's group again
    expect_alert(f.d.s, *f.d.keys, cat({f.ccs, hello_record(f.ch2)}), AD::illegal_parameter);
  }
}

TEST_CASE("4.2.2: the second ClientHello's cookie: empty or overrunning -> decode_error, changed -> illegal_parameter") {
  struct Case {
    Bytes raw;  // the cookie extension's data, raw; {1}: change one byte of the real cookie; {}: none
    AD want;
  } cases[] = {{Bytes{0, 0}, AD::decode_error},
               {Bytes{0xff, 0xff, 1, 2, 3}, AD::decode_error},
               {Bytes{1}, AD::illegal_parameter},
               {Bytes{}, AD::illegal_parameter}};
  for (const Case& k : cases) {
    HrrFlow f;
    f.start();
    REQUIRE(f.ch2.extensions.cookie);
    if (k.raw.empty()) {
      f.ch2.extensions.cookie.reset();
    } else if (k.raw == Bytes{1}) {
      f.ch2.extensions.cookie->back() ^= 1;
    } else {
      f.ch2.extensions.cookie.reset();
      f.ch2.extensions.unknown.push_back(RawExtension{44, k.raw});
    }
    expect_alert(f.d.s, *f.d.keys, cat({f.ccs, hello_record(f.ch2)}), k.want);
  }
}

TEST_CASE("a third ClientHello (after the server's flight) -> unexpected_message") {
  HrrFlow f;
  f.start();
  Bytes ch2 = hello_record(f.ch2);
  expect_ok(f.d.s, cat({f.ccs, ch2}));
  REQUIRE(f.d.s.conn->pending_output().size() > 100);  // ServerHello ... Finished
  const CipherSuite& suite = suite_of_server_hello(split_records(f.d.s.take())[0].body);
  Sealer hs(suite, f.d.keys->get("CLIENT_HANDSHAKE_TRAFFIC_SECRET"));
  expect_alert(f.d.s, *f.d.keys, hs.seal(kHs, message(HandshakeType::client_hello, hello_body(f.ch2))),
               AD::unexpected_message);
}

TEST_CASE("4.2: hundreds of unknown extensions are ignored (a whole handshake)") {
  Duo d([](ClientConfig::Builder& b) {
    b.edit_extensions([](ExtContext ctx, Extensions* e) {
      if (ctx != ExtContext::client_hello) return;
      for (uint16_t i = 0; i < 400; i++) e->unknown.push_back(RawExtension{static_cast<uint16_t>(0x6000 + i), Bytes(i % 3, 7)});
    });
  });
  REQUIRE(d.handshake());
  CHECK(d.s.conn->info()->version == 0x0304);
}

TEST_CASE("4.2, 4.2.11: extensions in any order, pre_shared_key last, are accepted (resumption)") {
  auto keys = std::make_shared<Keys>();
  auto server = scfg(keys);
  std::optional<Session> ticket;
  {
    Duo first(keys, ccfg(keys), server);
    REQUIRE(first.handshake());
    ticket = first.c.conn->session();
    REQUIRE(ticket);
  }
  bool saw_psk = false;
  auto shuffled = ccfg(keys, [&](ClientConfig::Builder& b) {
    b.edit_extensions([&saw_psk](ExtContext ctx, Extensions* e) {
      if (ctx != ExtContext::client_hello) return;
      Bytes block;
      Writer w(&block);
      encode_extensions(*e, ctx, w);
      Extensions wire;
      REQUIRE(decode_extensions(ByteView(block).sub(2), ctx, &wire).ok());
      std::vector<uint16_t> order = wire.order;
      saw_psk = !order.empty() && order.back() == 41;
      if (saw_psk) order.pop_back();
      std::reverse(order.begin(), order.end());
      std::rotate(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(order.size() / 3), order.end());
      if (saw_psk) order.push_back(41);
      e->order = order;
    });
  });
  Duo d(keys, shuffled, server, ticket);
  REQUIRE(d.handshake());
  CHECK(saw_psk);
  CHECK(d.s.conn->info()->resumed);
  // 4.2.11.2: the same resumption with a binder that does not verify (it is the hello's last byte).
  Duo bad(keys, ccfg(keys), server, ticket);
  Bytes ch = bad.c.take();
  ch.back() ^= 1;
  expect_alert(bad.s, *keys, ch, AD::decrypt_error);
}

TEST_CASE("RFC 8701: GREASE values in every list and as extensions are accepted") {
  Duo d([](ClientConfig::Builder& b) {
    b.edit_extensions([](ExtContext ctx, Extensions* e) {
      if (ctx != ExtContext::client_hello) return;
      e->supported_versions->insert(e->supported_versions->begin(), 0x0a0a);
      e->supported_groups->insert(e->supported_groups->begin(), 0x1a1a);
      e->signature_algorithms->insert(e->signature_algorithms->begin(), 0x2a2a);
      e->key_share->insert(e->key_share->begin(), KeyShareEntry{0x1a1a, Bytes{0}});
      e->psk_key_exchange_modes->push_back(0x0b);
      e->unknown.push_back(RawExtension{0x3a3a, Bytes{}});
      e->unknown.push_back(RawExtension{0x4a4a, Bytes{0}});
    });
  });
  REQUIRE(d.handshake());
  CHECK(d.s.conn->info()->group == kX25519);
  // A GREASE cipher suite in front.
  ClientHello ch = real_client_hello();
  ch.cipher_suites.insert(ch.cipher_suites.begin(), 0x5a5a);
  Party s;
  s.as_server(scfg(std::make_shared<Keys>()));
  expect_ok(s, hello_record(ch));
  CHECK(find_suite(first_server_hello(s.conn->pending_output()).cipher_suite)->is_tls13());
}

// ===================================================================================================
// Server: records after the handshake keys (the test seals as the client)

TEST_CASE("records after the handshake are refused with the alert RFC 8446 names") {
  auto sealed = [](uint8_t type, Bytes content, size_t padding = 0) {
    return [=](Sealer& s) { return s.seal(type, content, padding); };
  };
  auto plain = [](uint8_t type, Bytes body) { return [=](Sealer&) { return record(type, body); }; };
  struct Case {
    const char* rule;
    std::function<Bytes(Sealer&)> make;
    AD want;
  } cases[] = {
      {"5.2: a protected record longer than 2^14 + 256", plain(kApp, Bytes(16384 + 257, 0x55)), AD::record_overflow},
      {"5.4: an inner plaintext with 2^14 + 1 bytes of content", sealed(kApp, Bytes(16385, 'a')), AD::record_overflow},
      {"5.4: padding that makes the inner plaintext 2^14 + 2 bytes", sealed(kApp, Bytes(100, 'a'), 16385 - 100),
       AD::record_overflow},
      {"5.4: an inner plaintext of one zero (no content type)", [](Sealer& s) { return s.inner(Bytes(1, 0)); },
       AD::unexpected_message},
      {"5.4: an inner plaintext of 64 zeros", [](Sealer& s) { return s.inner(Bytes(64, 0)); }, AD::unexpected_message},
      {"5: an unknown inner content type", sealed(0x63, Bytes{'?'}), AD::unexpected_message},
      {"5.1: a zero-length handshake record (padded)", sealed(kHs, Bytes{}, 10), AD::unexpected_message},
      {"5.1, 6: an empty alert record", sealed(kAlert, Bytes{}), AD::decode_error},
      {"5.1, 6: two alerts in one record", sealed(kAlert, Bytes{1, 0, 1, 0}), AD::decode_error},
      {"5: a ChangeCipherSpec after the handshake", plain(kCcs, Bytes{1}), AD::unexpected_message},
      {"5: an unprotected handshake record after the handshake keys", plain(kHs, kKeyUpdate0), AD::unexpected_message},
      {"5: an unprotected alert after the handshake keys", plain(kAlert, Bytes{1, 0}), AD::unexpected_message},
      {"5.1: KeyUpdate and the start of another message in one record", sealed(kHs, cat({kKeyUpdate0, Bytes{24, 0}})),
       AD::unexpected_message},
      {"5.1: two KeyUpdates in one record", sealed(kHs, cat({kKeyUpdate0, kKeyUpdate0})), AD::unexpected_message},
      {"4.6.3: KeyUpdate request_update 2", sealed(kHs, Bytes{24, 0, 0, 1, 2}), AD::illegal_parameter},
      {"4.6.3: KeyUpdate request_update 255", sealed(kHs, Bytes{24, 0, 0, 1, 255}), AD::illegal_parameter},
      {"4.6.3: a KeyUpdate body of two bytes", sealed(kHs, Bytes{24, 0, 0, 2, 0, 0}), AD::decode_error},
      {"4: a ClientHello after the handshake", sealed(kHs, Bytes{1, 0, 0, 0}), AD::unexpected_message},
      {"4: a Finished after the handshake", sealed(kHs, Bytes{20, 0, 0, 0}), AD::unexpected_message},
      {"4: EncryptedExtensions after the handshake", sealed(kHs, Bytes{8, 0, 0, 0}), AD::unexpected_message},
  };
  for (const Case& c : cases) {
    CAPTURE(c.rule);
    Connected k;
    expect_alert(k.d.s, *k.d.keys, c.make(*k.app), c.want);
  }
}

TEST_CASE("5.4: padding up to the record limit is accepted") {
  Connected k;
  expect_ok(k.d.s, k.app->seal(kApp, ByteView::of("padded"), 16384 + 1 - 7));
  CHECK(k.d.s.seen.data == "padded");
  expect_ok(k.d.s, k.app->seal(kApp, Bytes(16384, 'z')));  // a full record, no padding
  CHECK(k.d.s.seen.data.size() == 6 + 16384);
}

TEST_CASE("5.1: legacy_record_version of a protected record is ignored (it is in the AAD as sent)") {
  Connected k;
  k.app->version = 0x0301;
  expect_ok(k.d.s, k.app->seal(kApp, ByteView::of("v0301 ")));
  k.app->version = 0x0304;
  expect_ok(k.d.s, k.app->seal(kApp, ByteView::of("v0304")));
  CHECK(k.d.s.seen.data == "v0301 v0304");
}

TEST_CASE("5.1: zero-length application data is accepted, padded or not") {
  Connected k;
  expect_ok(k.d.s, k.app->seal(kApp, Bytes{}));
  expect_ok(k.d.s, k.app->seal(kApp, Bytes{}, 100));
  expect_ok(k.d.s, k.app->seal(kApp, ByteView::of("after")));
  CHECK(k.d.s.seen.data == "after");
}

TEST_CASE("5: a ChangeCipherSpec whose payload is not 0x01 -> unexpected_message") {
  for (Bytes payload : {Bytes{2}, Bytes{0}, Bytes{1, 1}}) {
    BeforeFinished b;
    expect_alert(b.d.s, *b.d.keys, record(kCcs, payload), AD::unexpected_message);
  }
}

TEST_CASE("5: a protected ChangeCipherSpec -> unexpected_message") {
  BeforeFinished b;
  expect_alert(b.d.s, *b.d.keys, b.hs->seal(kCcs, Bytes{1}), AD::unexpected_message);
}

TEST_CASE("5: one ChangeCipherSpec before Finished is dropped; a second -> unexpected_message") {
  {
    BeforeFinished b;
    expect_ok(b.d.s, record(kCcs, Bytes{1}));
    expect_alert(b.d.s, *b.d.keys, record(kCcs, Bytes{1}), AD::unexpected_message);
  }
  {
    // The accepted case: CCS then the real Finished.
    BeforeFinished b;
    expect_ok(b.d.s, cat({record(kCcs, Bytes{1}), b.hs->seal(kHs, b.fin)}));
    CHECK(b.d.s.seen.done);
  }
}

TEST_CASE("2, 4.4.4: application data before the client's Finished -> unexpected_message") {
  BeforeFinished b;
  expect_alert(b.d.s, *b.d.keys, b.hs->seal(kApp, ByteView::of("too early")), AD::unexpected_message);
}

TEST_CASE("4.4.4: a Finished of the wrong length -> decode_error") {
  for (int delta : {-1, 1}) {
    BeforeFinished b;
    Bytes body(b.fin.begin() + 4, b.fin.end());
    body.resize(static_cast<size_t>(static_cast<int>(body.size()) + delta), 0);
    expect_alert(b.d.s, *b.d.keys, b.hs->seal(kHs, message(HandshakeType::finished, body)), AD::decode_error);
  }
}

TEST_CASE("4.4.4: a wrong Finished -> decrypt_error") {
  BeforeFinished b;
  Bytes bad = b.fin;
  bad.back() ^= 0x80;
  expect_alert(b.d.s, *b.d.keys, b.hs->seal(kHs, bad), AD::decrypt_error);
}

TEST_CASE("5.1: handshake data after the Finished in the same record (a key change) -> unexpected_message") {
  BeforeFinished b;
  expect_alert(b.d.s, *b.d.keys, b.hs->seal(kHs, cat({b.fin, kKeyUpdate0})), AD::unexpected_message);
}

TEST_CASE("5.1: a KeyUpdate split across two records under one key is accepted; then the next key") {
  Connected k;
  expect_ok(k.d.s, k.app->seal(kHs, Bytes{24, 0}));
  expect_ok(k.d.s, k.app->seal(kHs, Bytes{0, 1, 0}));
  Sealer next(*k.suite, tls13_next_traffic_secret(prov(), k.suite->prf_hash, k.d.keys->get("CLIENT_TRAFFIC_SECRET_0")));
  expect_ok(k.d.s, next.seal(kApp, ByteView::of("new key")));
  CHECK(k.d.s.seen.data == "new key");
}

TEST_CASE("4.6.3: KeyUpdate with request_update 1 is accepted: the server answers with its own") {
  Connected k;
  expect_ok(k.d.s, k.app->seal(kHs, Bytes{24, 0, 0, 1, 1}));
  CHECK_FALSE(k.d.s.conn->pending_output().empty());
}

// ===================================================================================================
// Client: a misbehaving server

TEST_CASE("4.2: EncryptedExtensions with key_share or supported_versions (not allowed there) -> illegal_parameter") {
  for (uint16_t type : {uint16_t{51}, uint16_t{43}}) {
    CAPTURE(type);
    Duo d(nullptr, [type](ServerConfig::Builder& b) {
      b.edit_extensions([type](ExtContext ctx, Extensions* e) {
        if (ctx == ExtContext::encrypted_extensions) e->unknown.push_back(RawExtension{type, Bytes{0x03, 0x04}});
      });
    });
    pump(*d.c.conn, *d.s.conn, &d.c.seen, &d.s.seen);
    REQUIRE(d.c.conn->error());
    CHECK(d.c.conn->error()->alert == AD::illegal_parameter);
    REQUIRE(d.s.seen.alerts.size() == 1);  // the server got the alert, decrypted
    CHECK(d.s.seen.alerts[0].description == AD::illegal_parameter);
    CHECK_FALSE(d.c.seen.done);
  }
}

TEST_CASE("4.2: EncryptedExtensions with an extension the client did not offer -> unsupported_extension") {
  struct Case {
    RawExtension ext;
  } cases[] = {{{0x1234, Bytes{}}}, {{16, Bytes{0, 3, 2, 'h', '2'}}}, {{42, Bytes{}}}};
  for (const Case& k : cases) {
    CAPTURE(k.ext.type);
    Duo d;
    Bytes flight = edited_server_flight(d, [&](std::vector<Bytes>& msgs) {
      Bytes& ee = find_message(msgs, HandshakeType::encrypted_extensions);
      EncryptedExtensions x;
      REQUIRE(decode_encrypted_extensions(ByteView(ee).sub(4), &x).ok());
      x.extensions.order.clear();
      x.extensions.unknown.push_back(k.ext);
      ee = message(HandshakeType::encrypted_extensions, encoded(x, encode_encrypted_extensions));
    });
    expect_alert(d.c, *d.keys, flight, AD::unsupported_extension);
  }
}

TEST_CASE("4.4.2: CertificateEntry extensions the client did not offer (OCSP, SCT, unknown) -> unsupported_extension") {
  for (uint16_t type : {uint16_t{5}, uint16_t{18}, uint16_t{0x7a7a}}) {
    CAPTURE(type);
    Duo d;
    Bytes flight = edited_server_flight(d, [&](std::vector<Bytes>& msgs) {
      Bytes& cert = find_message(msgs, HandshakeType::certificate);
      CertificateMsg13 m;
      REQUIRE(decode_certificate13(ByteView(cert).sub(4), &m).ok());
      m.entries.back().extensions.unknown.push_back(RawExtension{type, Bytes{1, 0, 0, 0, 0}});
      cert = message(HandshakeType::certificate, encoded(m, encode_certificate13));
    });
    expect_alert(d.c, *d.keys, flight, AD::unsupported_extension);
  }
}

// RFC 6066 3 asks for the acknowledgement when the server used the name: only when it chose the
// certificate among several, or was checked (strict_sni). Decided in the EncryptedExtensions.
TEST_CASE("RFC 6066 3: server_name is acknowledged only when the name chose or was checked against the certificate") {
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
         b.certificate(read_file("tests/certs/server_ec_chain.pem"), read_file("tests/certs/server_ec.key.pem"), {"other.example"});
       },
       true, true},
  };
  for (const Case& k : cases) {
    CAPTURE(k.what);
    ClientHello ch = real_client_hello();
    ch.extensions.server_name = k.name;
    auto keys = std::make_shared<Keys>();
    Party s;
    s.as_server(scfg(keys, k.st, k.rsa_only));
    expect_ok(s, hello_record(ch));
    std::vector<Rec> recs = split_records(s.take());
    REQUIRE(recs.size() >= 2);
    Result<RecordProtection> open =
        tls13_protection(prov(), suite_of_server_hello(recs[0].body), keys->get("SERVER_HANDSHAKE_TRAFFIC_SECRET"));
    REQUIRE(open.ok());
    Rec& r = recs.back();
    RecordHeader h{ContentType::application_data, 0x0303, static_cast<uint16_t>(r.body.size())};
    Result<OpenedRecord> o = open.value().open(h, r.body.data(), r.body.size());
    REQUIRE(o.ok());
    Bytes ee = split_messages(o.value().plaintext).at(0);
    REQUIRE(ee[0] == static_cast<uint8_t>(HandshakeType::encrypted_extensions));
    EncryptedExtensions x;
    REQUIRE(decode_encrypted_extensions(ByteView(ee).sub(4), &x).ok());
    CHECK(x.extensions.server_name.has_value() == k.ack);
  }
}

TEST_CASE("4.2.8: a HelloRetryRequest for a group not offered, or already given a share -> illegal_parameter") {
  for (uint16_t group : {kSecp224, kX25519}) {
    CAPTURE(group);
    Duo d(nullptr, [group](ServerConfig::Builder& b) {
      b.groups({kP256});
      b.edit_extensions([group](ExtContext ctx, Extensions* e) {
        if (ctx == ExtContext::hello_retry_request) e->hrr_selected_group = group;
      });
    });
    expect_ok(d.s, d.c.take());
    expect_alert(d.c, *d.keys, d.s.take(), AD::illegal_parameter);
  }
}

TEST_CASE("4.1.4: a HelloRetryRequest that changes nothing -> illegal_parameter") {
  Duo d(nullptr, [](ServerConfig::Builder& b) {
    b.groups({kP256});
    b.hrr_cookie(false);
    b.edit_extensions([](ExtContext ctx, Extensions* e) {
      if (ctx == ExtContext::hello_retry_request) e->hrr_selected_group.reset();
    });
  });
  expect_ok(d.s, d.c.take());
  expect_alert(d.c, *d.keys, d.s.take(), AD::illegal_parameter);
}

TEST_CASE("4.1.4: a second HelloRetryRequest -> unexpected_message") {
  HrrFlow f;
  f.start();
  std::vector<Rec> recs = split_records(f.hrr);
  REQUIRE(recs[0].type == kHs);
  expect_alert(f.d.c, *f.d.keys, record(kHs, recs[0].body), AD::unexpected_message);
}

// The client after its ClientHello, and the ServerHello a real server answered (decoded).
struct ServerHelloFlow {
  Duo d;
  ServerHello sh;
  ServerHelloFlow() {
    expect_ok(d.s, d.c.take());
    sh = first_server_hello(d.s.take());
    sh.extensions.order.clear();
  }
  Bytes sh_record() { return record(kHs, message(HandshakeType::server_hello, encoded(sh, encode_server_hello))); }
};

TEST_CASE("crafted ServerHellos are refused with the alert RFC 8446 names") {
  auto ext = [](uint16_t type, Bytes data) {
    return [=](ServerHello& s) { s.extensions.unknown.push_back(RawExtension{type, data}); };
  };
  auto suite = [](uint16_t id) { return [=](ServerHello& s) { s.cipher_suite = id; }; };
  auto version = [](uint16_t v) { return [=](ServerHello& s) { s.extensions.supported_versions = std::vector<uint16_t>{v}; }; };
  struct Case {
    const char* rule;
    std::function<void(ServerHello&)> edit;
    AD want;
  } cases[] = {
      {"4.1.3: the session ID not echoed", [](ServerHello& s) { s.session_id.front() ^= 1; }, AD::illegal_parameter},
      {"4.1.3: compression method 1", [](ServerHello& s) { s.compression_method = 1; }, AD::illegal_parameter},
      {"4.1.3: a suite not offered (unknown)", suite(0x1399), AD::illegal_parameter},
      {"4.1.3: a suite not offered (TLS_AES_128_CCM_SHA256)", suite(0x1304), AD::illegal_parameter},
      {"4.1.3: a TLS 1.2 suite in a TLS 1.3 ServerHello", suite(0xc02f), AD::illegal_parameter},
      {"4.2.1: supported_versions 0x0303", version(0x0303), AD::illegal_parameter},
      {"4.2.1: supported_versions 0x7f1c", version(0x7f1c), AD::illegal_parameter},
      {"4.2.8: a key share for a group the client sent no share for",
       [](ServerHello& s) { s.extensions.key_share->front().group = kP256; }, AD::illegal_parameter},
      {"4.2: server_name (not for a ServerHello)", ext(0, Bytes{}), AD::illegal_parameter},
      {"4.2: supported_groups (not for a ServerHello)", ext(10, Bytes{0, 2, 0, 0x1d}), AD::illegal_parameter},
      {"4.2: pre_shared_key, not offered", ext(41, Bytes{0, 0}), AD::unsupported_extension},
      {"4.2: an unknown extension, not offered", ext(0x1234, Bytes{}), AD::unsupported_extension},
  };
  for (const Case& k : cases) {
    CAPTURE(k.rule);
    ServerHelloFlow f;
    k.edit(f.sh);
    expect_alert(f.d.c, *f.d.keys, f.sh_record(), k.want);
  }
}

TEST_CASE("4.1.4: a ServerHello whose suite differs from the HelloRetryRequest's -> illegal_parameter") {
  HrrFlow f;
  f.start();
  expect_ok(f.d.s, cat({f.ccs, hello_record(f.ch2)}));
  ServerHello sh = first_server_hello(f.d.s.take());
  REQUIRE(sh.cipher_suite != suite::TLS_AES_256_GCM_SHA384);
  sh.cipher_suite = suite::TLS_AES_256_GCM_SHA384;  // offered, but not what the HRR chose
  sh.extensions.order.clear();
  expect_alert(f.d.c, *f.d.keys, record(kHs, message(HandshakeType::server_hello, encoded(sh, encode_server_hello))),
               AD::illegal_parameter);
}

TEST_CASE("5.1: the ServerHello and more handshake data in one record (a key change) -> unexpected_message") {
  Duo d;
  expect_ok(d.s, d.c.take());
  std::vector<Rec> recs = split_records(d.s.take());
  expect_alert(d.c, *d.keys, record(kHs, cat({recs[0].body, Bytes{8, 0, 0}})), AD::unexpected_message);
}

TEST_CASE("4.1.3: the TLS 1.2 downgrade sentinel when TLS 1.3 was offered -> illegal_parameter") {
  {
    // Without the sentinel, a TLS 1.2-only server is fine.
    Duo d(nullptr, [](ServerConfig::Builder& b) { b.versions(0x0303, 0x0303); });
    REQUIRE(d.handshake());
    CHECK(d.c.conn->info()->version == 0x0303);
  }
  Duo d(nullptr, [](ServerConfig::Builder& b) { b.versions(0x0303, 0x0303); });
  expect_ok(d.s, d.c.take());
  std::vector<Rec> recs = split_records(d.s.take());
  Bytes sh = recs[0].body;
  REQUIRE(sh[0] == 2);
  const uint8_t sentinel[8] = {'D', 'O', 'W', 'N', 'G', 'R', 'D', 1};
  std::copy(sentinel, sentinel + 8, sh.begin() + 4 + 2 + 24);
  expect_alert(d.c, *d.keys, record(kHs, sh), AD::illegal_parameter);
}

TEST_CASE("4.4.2: a server Certificate with a non-empty request context -> illegal_parameter") {
  Duo d;
  Bytes flight = edited_server_flight(d, [](std::vector<Bytes>& msgs) {
    Bytes& cert = find_message(msgs, HandshakeType::certificate);
    CertificateMsg13 m;
    REQUIRE(decode_certificate13(ByteView(cert).sub(4), &m).ok());
    m.request_context = {1, 2, 3};
    cert = message(HandshakeType::certificate, encoded(m, encode_certificate13));
  });
  // "SHALL be zero length" (4.4.2) names no alert; illegal_parameter (6.2) is what sanstls sends, and
  // decode_error would do as well.
  d.c.conn->consume_output(d.c.conn->pending_output().size());
  Result<size_t> r = d.c.conn->receive(flight);
  REQUIRE_FALSE(r.ok());
  CHECK((r.error().alert == AD::illegal_parameter || r.error().alert == AD::decode_error));
  CHECK(alert_in(d.c.conn->pending_output(), *d.keys, true) == static_cast<int>(r.error().alert));
}

TEST_CASE("4.3.2: a CertificateRequest with a non-empty context in the handshake -> illegal_parameter") {
  Duo d(nullptr, [](ServerConfig::Builder& b) { b.client_auth(ClientAuth::optional, read_file("tests/certs/ca.pem")); });
  Bytes flight = edited_server_flight(d, [](std::vector<Bytes>& msgs) {
    Bytes& cr = find_message(msgs, HandshakeType::certificate_request);
    CertificateRequest13 m;
    REQUIRE(decode_certificate_request13(ByteView(cr).sub(4), &m).ok());
    m.request_context = {9};
    cr = message(HandshakeType::certificate_request, encoded(m, encode_certificate_request13));
  });
  expect_alert(d.c, *d.keys, flight, AD::illegal_parameter);
}

TEST_CASE("4.2.3, 4.4.3: a CertificateVerify with rsa_pkcs1_sha256 (or a scheme not offered) -> illegal_parameter") {
  for (uint16_t scheme : {uint16_t{0x0401}, uint16_t{0x0201}, uint16_t{0x0403}}) {
    CAPTURE(scheme);
    Duo d(nullptr, nullptr, /*rsa_only=*/true);
    Bytes flight = edited_server_flight(d, [scheme](std::vector<Bytes>& msgs) {
      Bytes& cv = find_message(msgs, HandshakeType::certificate_verify);
      REQUIRE(cv[4] == 0x08);  // rsa_pss_rsae_*
      cv[4] = static_cast<uint8_t>(scheme >> 8);
      cv[5] = static_cast<uint8_t>(scheme);
    });
    expect_alert(d.c, *d.keys, flight, AD::illegal_parameter);
  }
}

TEST_CASE("4.4.3: a CertificateVerify whose signature does not verify -> decrypt_error") {
  for (bool rsa : {true, false}) {
    Duo d(nullptr, nullptr, rsa);
    Bytes flight = edited_server_flight(d, [](std::vector<Bytes>& msgs) {
      Bytes& cv = find_message(msgs, HandshakeType::certificate_verify);
      cv[cv.size() - 3] ^= 0x10;
    });
    expect_alert(d.c, *d.keys, flight, AD::decrypt_error);
  }
}

TEST_CASE("4.4.4: a wrong server Finished -> decrypt_error; the real flight re-sealed is accepted") {
  {
    Duo d;
    Bytes flight = edited_server_flight(d, [](std::vector<Bytes>& msgs) { msgs.back().back() ^= 1; });
    expect_alert(d.c, *d.keys, flight, AD::decrypt_error);
  }
  {
    // The control: the same path without a change gets the client to its Finished.
    Duo d;
    Bytes flight = edited_server_flight(d, [](std::vector<Bytes>&) {});
    expect_ok(d.c, flight);
    CHECK(d.c.seen.done);
  }
}

// ===================================================================================================
// After the handshake, the client side: the server's messages under its first application key. The
// server sends no ticket of its own, so the sealer's sequence numbers start where the client's do.

namespace {

struct ClientConnected {
  Duo d{nullptr, [](ServerConfig::Builder& b) { b.tickets_per_handshake(0); }};
  std::unique_ptr<Sealer> app;
  ClientConnected() {
    REQUIRE(d.handshake());
    const CipherSuite* suite = find_suite(d.c.conn->info()->cipher_suite);
    app = std::make_unique<Sealer>(*suite, d.keys->get("SERVER_TRAFFIC_SECRET_0"));
    d.c.conn->consume_output(d.c.conn->pending_output().size());
  }
};

Bytes ticket_body(uint32_t lifetime, ByteView nonce, ByteView ticket, ByteView exts) {
  Bytes b;
  Writer w(&b);
  w.u32(lifetime);
  w.u32(0x01020304);  // ticket_age_add
  w.u8(static_cast<uint8_t>(nonce.size()));
  w.bytes(nonce);
  w.u16(static_cast<uint16_t>(ticket.size()));
  w.bytes(ticket);
  w.u16(static_cast<uint16_t>(exts.size()));
  w.bytes(exts);
  REQUIRE(w.ok());
  return b;
}

}  // namespace

TEST_CASE("4.6.1: NewSessionTickets: a good one is taken; an empty ticket or a bad extension -> decode_error") {
  {
    ClientConnected k;
    expect_ok(k.d.c, k.app->seal(kHs, message(HandshakeType::new_session_ticket,
                                              ticket_body(3600, Bytes{0}, Bytes(32, 7), Bytes{}))));
    CHECK(k.d.c.seen.tickets == 1);
  }
  {
    ClientConnected k;
    expect_alert(k.d.c, *k.d.keys,
                 k.app->seal(kHs, message(HandshakeType::new_session_ticket, ticket_body(3600, Bytes{0}, Bytes{}, Bytes{}))),
                 AD::decode_error);
  }
  {
    ClientConnected k;  // early_data with a 3-byte max_early_data_size
    expect_alert(k.d.c, *k.d.keys,
                 k.app->seal(kHs, message(HandshakeType::new_session_ticket,
                                          ticket_body(3600, Bytes{0}, Bytes(32, 7), Bytes{0, 42, 0, 3, 0, 0, 1}))),
                 AD::decode_error);
  }
}

TEST_CASE("4.6.3: a KeyUpdate from the server with request_update 2 -> illegal_parameter") {
  ClientConnected k;
  expect_alert(k.d.c, *k.d.keys, k.app->seal(kHs, Bytes{24, 0, 0, 1, 2}), AD::illegal_parameter);
}

TEST_CASE("4.6.2: a post-handshake CertificateRequest to a client that did not offer post_handshake_auth -> unexpected_message") {
  ClientConnected k;
  CertificateRequest13 cr;
  cr.request_context = Bytes{1, 2, 3, 4};
  cr.extensions.signature_algorithms = std::vector<uint16_t>{0x0804, 0x0403};
  expect_alert(k.d.c, *k.d.keys,
               k.app->seal(kHs, message(HandshakeType::certificate_request, encoded(cr, encode_certificate_request13))),
               AD::unexpected_message);
}

TEST_CASE("4: handshake messages of the handshake, sent again after it, to the client -> unexpected_message") {
  for (HandshakeType t : {HandshakeType::encrypted_extensions, HandshakeType::finished, HandshakeType::server_hello}) {
    CAPTURE(static_cast<int>(t));
    ClientConnected k;
    expect_alert(k.d.c, *k.d.keys, k.app->seal(kHs, message(t, Bytes{0, 0})), AD::unexpected_message);
  }
}

TEST_CASE("4.5: an EndOfEarlyData when no early data was accepted -> unexpected_message") {
  BeforeFinished b;
  expect_alert(b.d.s, *b.d.keys, b.hs->seal(kHs, Bytes{5, 0, 0, 0}), AD::unexpected_message);
}

// ===================================================================================================
// Post-handshake authentication (RFC 8446 4.6.2), the server side: the client's answer, crafted under
// its application key.

namespace {

struct PostAuth {
  Duo d{[](ClientConfig::Builder& b) {
          b.client_certificate(read_file("tests/certs/client.pem"), read_file("tests/certs/client.key.pem"));
        },
        [](ServerConfig::Builder& b) {
          b.client_auth(ClientAuth::optional, read_file("tests/certs/ca.pem")).tickets_per_handshake(0);
        }};
  std::unique_ptr<Sealer> app;
  PostAuth() {
    REQUIRE(d.handshake());
    app = std::make_unique<Sealer>(*find_suite(d.c.conn->info()->cipher_suite), d.keys->get("CLIENT_TRAFFIC_SECRET_0"));
    d.s.conn->consume_output(d.s.conn->pending_output().size());
  }
};

Bytes client_certificate_msg(ByteView context) {
  CertificateMsg13 m;
  m.request_context = context.to_bytes();
  std::vector<Bytes> chain;
  std::string err;
  REQUIRE(prov().load_certificates(read_file("tests/certs/client.pem"), &chain, &err));
  for (const Bytes& der : chain) m.entries.push_back(CertificateEntry{der, {}});
  return message(HandshakeType::certificate, encoded(m, encode_certificate13));
}

}  // namespace

TEST_CASE("4.6.2: a client Certificate after the handshake that no CertificateRequest asked for -> unexpected_message") {
  PostAuth p;
  expect_alert(p.d.s, *p.d.keys, p.app->seal(kHs, client_certificate_msg(Bytes{})), AD::unexpected_message);
}

TEST_CASE("4.4.2: a post-handshake Certificate whose request context is not the request's -> illegal_parameter") {
  PostAuth p;
  REQUIRE(p.d.s.conn->request_client_certificate().ok());
  p.d.s.conn->consume_output(p.d.s.conn->pending_output().size());
  expect_alert(p.d.s, *p.d.keys, p.app->seal(kHs, client_certificate_msg(Bytes{9, 9, 9})), AD::illegal_parameter);
}

TEST_CASE("4.4: a post-handshake Finished in place of the requested Certificate -> unexpected_message") {
  PostAuth p;
  REQUIRE(p.d.s.conn->request_client_certificate().ok());
  p.d.s.conn->consume_output(p.d.s.conn->pending_output().size());
  expect_alert(p.d.s, *p.d.keys, p.app->seal(kHs, message(HandshakeType::finished, Bytes(32, 1))), AD::unexpected_message);
}

// ===================================================================================================
// A failure keeps what the messages before it completed: the output mark moves after every handshake
// message, so the alert follows the flight (under the write keys then current, which the peer has by
// then), as OpenSSL and GnuTLS send them.

TEST_CASE("5.1: more handshake data after the ClientHello in its record: the server's flight, then the alert") {
  Duo d;
  std::vector<Rec> recs = split_records(d.c.take());
  REQUIRE(recs.size() == 1);
  REQUIRE_FALSE(d.s.conn->receive(record(kHs, cat({recs[0].body, kKeyUpdate0}))).ok());
  REQUIRE(d.s.conn->error() != nullptr);
  CHECK(d.s.conn->error()->alert == AD::unexpected_message);
  const Bytes out = d.s.take();
  std::vector<Rec> written = split_records(out);
  REQUIRE(written.size() >= 3);  // ServerHello, [compatibility CCS], the protected flight, the alert
  CHECK(written[0].type == kHs);
  CHECK(written[0].body[0] == static_cast<uint8_t>(HandshakeType::server_hello));
  CHECK(alert_in(out, *d.keys, false) == static_cast<int>(AD::unexpected_message));
  // The client completes its handshake on the flight, then reads the alert (under the server's
  // application keys).
  Result<size_t> r = d.c.conn->receive(out);
  drain(*d.c.conn, &d.c.seen);
  CHECK_FALSE(r.ok());
  CHECK(d.c.seen.done);
  REQUIRE(d.c.conn->error() != nullptr);
  CHECK(d.c.conn->error()->kind == ErrorKind::alert_received);
  CHECK(d.c.conn->error()->alert == AD::unexpected_message);
}

TEST_CASE("5.1: client: more handshake data after the server's Finished in its record: its Finished, then the alert") {
  Duo d;
  expect_ok(d.s, d.c.take());
  std::vector<Rec> recs = split_records(d.s.take());
  // ServerHello, [CCS], then the protected flight in one record: opened, a KeyUpdate appended after the
  // Finished, sealed again.
  REQUIRE(recs.size() >= 2);
  REQUIRE(recs.back().type == kApp);
  const CipherSuite& suite = suite_of_server_hello(recs[0].body);
  Result<RecordProtection> open = tls13_protection(prov(), suite, d.keys->get("SERVER_HANDSHAKE_TRAFFIC_SECRET"));
  REQUIRE(open.ok());
  Bytes frag = recs.back().body;
  RecordHeader h{ContentType::application_data, 0x0303, static_cast<uint16_t>(frag.size())};
  Result<OpenedRecord> flight = open.value().open(h, frag.data(), frag.size());
  REQUIRE(flight.ok());
  REQUIRE(flight.value().type == ContentType::handshake);
  const std::vector<Bytes> msgs = split_messages(flight.value().plaintext);
  REQUIRE(msgs.back()[0] == static_cast<uint8_t>(HandshakeType::finished));
  Sealer hs(suite, d.keys->get("SERVER_HANDSHAKE_TRAFFIC_SECRET"));
  Bytes in;
  for (size_t i = 0; i + 1 < recs.size(); i++) in = cat({in, record(recs[i].type, recs[i].body)});
  in = cat({in, hs.seal(kHs, cat({flight.value().plaintext, kKeyUpdate0}))});

  REQUIRE_FALSE(d.c.conn->receive(in).ok());
  REQUIRE(d.c.conn->error() != nullptr);
  CHECK(d.c.conn->error()->alert == AD::unexpected_message);
  const Bytes out = d.c.take();
  std::vector<Rec> written = split_records(out);
  REQUIRE(written.size() >= 2);  // [compatibility CCS], Finished, the alert
  CHECK(alert_in(out, *d.keys, true) == static_cast<int>(AD::unexpected_message));
  // The server takes the client's Finished (its handshake completes), then reads the alert.
  Result<size_t> r = d.s.conn->receive(out);
  drain(*d.s.conn, &d.s.seen);
  CHECK_FALSE(r.ok());
  CHECK(d.s.seen.done);
  REQUIRE(d.s.conn->error() != nullptr);
  CHECK(d.s.conn->error()->kind == ErrorKind::alert_received);
  CHECK(d.s.conn->error()->alert == AD::unexpected_message);
}
