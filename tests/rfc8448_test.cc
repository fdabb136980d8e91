// RFC 8448 (Example Handshake Traces for TLS 1.3) replayed through the public Connection API, both
// sides of every trace (sections 3 to 7), with the RFC's randoms, private keys and signature salts
// injected through a scripted generator. Each test feeds one side the other side's records, as the
// RFC prints them, and checks that every record the sanstls side writes is the RFC's, byte for byte:
// the handshake, the NewSessionTicket, the application data and the close_notify alerts.
//
//   Section 3 (1-RTT), section 4 (resumption with 0-RTT: the ticket section 3 issued, the early data,
//   EndOfEarlyData), section 5 (HelloRetryRequest for secp256r1, with a cookie), section 6 (client
//   authentication, an ECDSA server), section 7 (compatibility mode: session ID, ChangeCipherSpec).
//
// What the RFC's peers (NSS) did that a sanstls config cannot say, and how the tests get it:
//   - NSS's extensions: its ClientHellos list signature schemes sanstls does not implement (the DSA
//     ones, SHA-1, ecdsa_secp521r1_sha512), send renegotiation_info (and, in section 3, an empty
//     session_ticket) while offering TLS 1.3 only, pad the resumed and retried hellos, and order their
//     extensions NSS's way. Its servers acknowledge the server name on resumption and list groups in
//     EncryptedExtensions that this test's server does not configure. The config's edit_extensions
//     hook (as Botan's tls_modify_extensions) makes exactly these changes; everything else in each
//     message is the engine's own (randoms, key shares, the PSK identity, its obfuscated age and the
//     binder computed over the edited hello, the echoed cookie). The last test shows what sanstls's
//     own ClientHello is without the edit.
//   - Opaque server state: the ticket of section 3 and the cookie of section 5 are NSS's sealed state.
//     The section 3/4 server uses a stateful Ticketer that hands out the RFC's ticket as the key to the
//     state it keeps; the section 5 server sends the RFC's cookie through the edit and then requires it
//     back.
//   - Keys the RFC does not print: section 6's ECDSA server key and RSA client key. Both are given as
//     key objects (as an HSM's would be) that return the RFC's signature only for a message it verifies
//     over. The client's certificate holds a 1024-bit RSA key, which sanstls's X.509 policy refuses;
//     the section 6 server pins that certificate with a trust store of the test's own.
// The PSK and key schedule values of sections 3 and 4 are also checked by core/tls13_keys_test.cc.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/connection.h"
#include "core/extensions.h"
#include "core/handshake.h"
#include "core/handshake13.h"
#include "core/record.h"
#include "core/tickets.h"
#include "core/tls13_keys.h"
#include "crypto/crypto.h"
#include "tests/pair.h"
#include "tests/rfc8448.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::rfc8448;

namespace {

// mbedTLS, or libcrypto in the *_libcrypto_test twin (tests/test_provider.h).
const crypto::Provider& P() { return testing::test_provider(); }

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A generator that hands each of the given chunks (the RFC's randoms, private keys, PSS salts,
// ticket_age_add) to the first draw of exactly its size, in order, and filler from a deterministic
// generator to every other draw (RSA blinding, whose number of draws mbedTLS does not fix).
class ScriptedRng : public crypto::Rng {
 public:
  explicit ScriptedRng(std::vector<Bytes> chunks)
      : chunks_(std::move(chunks)), filler_(crypto::make_deterministic_rng(Bytes{0x84, 0x48})) {}
  void fill(uint8_t* out, size_t n) override {
    if (next_ < chunks_.size() && chunks_[next_].size() == n) {
      std::memcpy(out, chunks_[next_].data(), n);
      next_++;
      return;
    }
    filler_->fill(out, n);
  }
  bool script_used() const { return next_ == chunks_.size(); }

 private:
  std::vector<Bytes> chunks_;
  size_t next_ = 0;
  std::unique_ptr<crypto::Rng> filler_;
};

// ---------------------------------------------------------------------------------------------------
// DER for the RSA private key (RFC 8017 A.1.2): RSAPrivateKey ::= SEQUENCE { version 0, n, e, d, p, q,
// dP, dQ, qInv }.

void der_length(Bytes* out, size_t n) {
  if (n < 0x80) {
    out->push_back(static_cast<uint8_t>(n));
  } else if (n < 0x100) {
    out->push_back(0x81);
    out->push_back(static_cast<uint8_t>(n));
  } else {
    REQUIRE(n < 0x10000);
    out->push_back(0x82);
    out->push_back(static_cast<uint8_t>(n >> 8));
    out->push_back(static_cast<uint8_t>(n));
  }
}

Bytes der_integer(ByteView unsigned_be) {
  size_t skip = 0;
  while (skip + 1 < unsigned_be.size() && unsigned_be[skip] == 0) skip++;
  Bytes v(unsigned_be.begin() + skip, unsigned_be.end());
  if (v.empty() || (v[0] & 0x80) != 0) v.insert(v.begin(), 0);
  Bytes out{0x02};
  der_length(&out, v.size());
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

Bytes rfc_rsa_private_key_der() {
  Bytes body = der_integer(Bytes{0});
  for (const char* c : {kRsaModulus, kRsaPublicExponent, kRsaPrivateExponent, kRsaPrime1, kRsaPrime2, kRsaExponent1,
                        kRsaExponent2, kRsaCoefficient}) {
    Bytes i = der_integer(rfc(c));
    body.insert(body.end(), i.begin(), i.end());
  }
  Bytes out{0x30};
  der_length(&out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// The leaf certificate DER out of the RFC's Certificate message (one entry, no extensions).
Bytes rfc_certificate_der() {
  Bytes msg = rfc(kRfc3Certificate);
  CertificateMsg13 m;
  REQUIRE(decode_certificate13(ByteView(msg).sub(4), &m).ok());
  REQUIRE(m.entries.size() == 1);
  return m.entries[0].cert_data;
}

// ---------------------------------------------------------------------------------------------------
// RSA public operation (s^e mod n) with a small bignum: little-endian 32-bit limbs, modular
// multiplication by shift-and-add. Enough for one 1024-bit exponentiation with e = 65537.

using Big = std::vector<uint32_t>;

Big big_from(ByteView be, size_t limbs) {
  Big r(limbs, 0);
  for (size_t i = 0; i < be.size(); i++) {
    size_t bit = (be.size() - 1 - i) * 8;
    r[bit / 32] |= uint32_t{be[i]} << (bit % 32);
  }
  return r;
}

bool big_ge(const Big& a, const Big& b) {
  for (size_t i = a.size(); i-- > 0;)
    if (a[i] != b[i]) return a[i] > b[i];
  return true;
}

void big_sub(Big& a, const Big& b) {
  uint64_t borrow = 0;
  for (size_t i = 0; i < a.size(); i++) {
    uint64_t d = uint64_t{a[i]} - b[i] - borrow;
    a[i] = static_cast<uint32_t>(d);
    borrow = (d >> 63) & 1;
  }
}

// a = (a + b) mod n, for a, b < n (with one spare limb so the sum cannot overflow).
void big_add_mod(Big& a, const Big& b, const Big& n) {
  uint64_t carry = 0;
  for (size_t i = 0; i < a.size(); i++) {
    uint64_t s = uint64_t{a[i]} + b[i] + carry;
    a[i] = static_cast<uint32_t>(s);
    carry = s >> 32;
  }
  if (big_ge(a, n)) big_sub(a, n);
}

Big big_mul_mod(const Big& a, const Big& b, const Big& n) {
  Big r(n.size(), 0);
  for (size_t i = a.size() * 32; i-- > 0;) {
    big_add_mod(r, r, n);
    if ((a[i / 32] >> (i % 32)) & 1) big_add_mod(r, b, n);
  }
  return r;
}

Bytes rsa_public(ByteView sig, ByteView modulus, uint32_t e) {
  const size_t limbs = (modulus.size() + 3) / 4 + 1;
  Big n = big_from(modulus, limbs), s = big_from(sig, limbs), r = big_from(Bytes{1}, limbs);
  for (int bit = 31; bit >= 0; bit--) {
    r = big_mul_mod(r, r, n);
    if ((e >> bit) & 1) r = big_mul_mod(r, s, n);
  }
  Bytes out(modulus.size());
  for (size_t i = 0; i < out.size(); i++) {
    size_t bit = (out.size() - 1 - i) * 8;
    out[i] = static_cast<uint8_t>(r[bit / 32] >> (bit % 32));
  }
  return out;
}

Bytes sha256(ByteView b) { return crypto::hash_once(P(), crypto::HashAlg::sha256, b); }

// EMSA-PSS decoding (RFC 8017 9.1.2) with SHA-256 and MGF1-SHA-256, for a 1024-bit modulus (emBits
// 1023, emLen 128): returns the salt, and checks the encoding against mhash when one is given.
Bytes pss_salt(ByteView em, ByteView mhash = ByteView()) {
  const size_t h = 32, em_len = em.size(), db_len = em_len - h - 1;
  REQUIRE(em[em_len - 1] == 0xbc);
  ByteView masked_db = em.sub(0, db_len), hh = em.sub(db_len, h);
  Bytes db(db_len);
  for (uint32_t counter = 0, at = 0; at < db_len; counter++) {
    Bytes c = cat({hh, Bytes{static_cast<uint8_t>(counter >> 24), static_cast<uint8_t>(counter >> 16),
                             static_cast<uint8_t>(counter >> 8), static_cast<uint8_t>(counter)}});
    Bytes mask = sha256(c);
    for (size_t i = 0; i < h && at < db_len; i++, at++) db[at] = masked_db[at] ^ mask[i];
  }
  db[0] &= 0x7f;  // 8 * emLen - emBits = 1 bit
  size_t i = 0;
  while (i < db_len && db[i] == 0) i++;
  REQUIRE(i < db_len);
  REQUIRE(db[i] == 0x01);
  Bytes salt(db.begin() + i + 1, db.end());
  if (!mhash.empty()) CHECK(to_hex(sha256(cat({Bytes(8, 0), mhash, salt}))) == to_hex(hh));
  return salt;
}

// The salt of the RFC's CertificateVerify signature (section 3).
Bytes rfc3_pss_salt() {
  const Bytes cv = rfc(kRfc3CertificateVerify);
  REQUIRE(cv.size() == 4 + 4 + 128);
  ByteView sig = ByteView(cv).sub(8);
  Bytes em = rsa_public(sig, rfc(kRsaModulus), 65537);
  // The signed content (RFC 8446 4.4.3) over ClientHello..Certificate.
  Bytes th = sha256(cat({rfc(kRfc3ClientHello), rfc(kRfc3ServerHello), rfc(kRfc3EncryptedExtensions),
                         rfc(kRfc3Certificate)}));
  Bytes content(64, 0x20);
  const char* label = "TLS 1.3, server CertificateVerify";
  content.insert(content.end(), label, label + std::strlen(label));
  content.push_back(0);
  content.insert(content.end(), th.begin(), th.end());
  Bytes salt = pss_salt(em, sha256(content));
  REQUIRE(salt.size() == 32);
  return salt;
}

Bytes record(uint8_t type, uint16_t version, ByteView body) {
  Bytes r{type, static_cast<uint8_t>(version >> 8), static_cast<uint8_t>(version), static_cast<uint8_t>(body.size() >> 8),
          static_cast<uint8_t>(body.size())};
  r.insert(r.end(), body.begin(), body.end());
  return r;
}

// Opens one TLS 1.3 record with the keys of a traffic secret (TLS_AES_128_GCM_SHA256).
Result<OpenedRecord> open_record(RecordProtection& p, Bytes& rec) {
  RecordHeader h;
  REQUIRE(decode_record_header(rec, &h).ok());
  REQUIRE(rec.size() == kRecordHeaderLength + h.length);
  return p.open(h, rec.data() + kRecordHeaderLength, rec.size() - kRecordHeaderLength);
}

RecordProtection protection(const char* secret_hex) {
  Result<RecordProtection> p = tls13_protection(P(), *find_suite(0x1301), hex(secret_hex));
  REQUIRE(p.ok());
  return std::move(p.value());
}

Bytes take_output(Connection& c) {
  Bytes out = c.pending_output().to_bytes();
  c.consume_output(out.size());
  return out;
}

// 2019-02-01: inside the validity of the RFC's certificates (2016-07-30 .. 2026-07-30).
constexpr uint64_t kRfcTime = 1548979200000ull;

const std::vector<uint16_t> kRfcGroups = {0x001d, 0x0017, 0x0018, 0x0019, 0x0100,
                                          0x0101, 0x0102, 0x0103, 0x0104};
// The signature_algorithms of every RFC 8448 ClientHello and of section 6's CertificateRequest (NSS's
// list). sanstls does not implement the DSA schemes (0x0402, 0x0502, 0x0602, 0x0202), nor the SHA-1
// ones and ecdsa_secp521r1_sha512, so no config of its own lists them.
const std::vector<uint16_t> kNssSchemes = {0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401,
                                           0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202};

// The application data both sides send in sections 3 and 4: the 50 octets 00 01 .. 31.
Bytes app_data() {
  Bytes d(50);
  for (size_t i = 0; i < d.size(); i++) d[i] = static_cast<uint8_t>(i);
  return d;
}

// Gives one or more records to a connection; returns what it wrote in answer.
Bytes feed(Connection& c, const Bytes& records) {
  Result<size_t> n = c.receive(records);
  REQUIRE_MESSAGE(n.ok(), n.error().to_string());
  CHECK(n.value() == records.size());
  return take_output(c);
}

// Drains the events; returns the application data and whether the handshake finished.
struct Drained {
  bool done = false, closed = false, clean = false, ticket = false, early = false;
  Bytes data;
};
Drained drain(Connection& c) {
  Drained d;
  while (auto ev = c.next_event()) {
    switch (ev->type) {
      case Event::Type::handshake_done: d.done = true; break;
      case Event::Type::app_data:
        d.data.insert(d.data.end(), ev->data.begin(), ev->data.end());
        d.early |= ev->early_data;
        break;
      case Event::Type::closed:
        d.closed = true;
        d.clean = ev->clean;
        break;
      case Event::Type::session_ticket: d.ticket = true; break;
      default: break;
    }
  }
  return d;
}

// The end of every RFC 8448 trace: application data each way (sections 3 and 4), then a close_notify
// from the client and one from the server. `us` is the sanstls side; the other side's records are fed.
void exchange_and_close(Connection& us, bool client, const char* client_app, const char* server_app,
                        const char* client_close, const char* server_close) {
  if (client_app != nullptr) {
    const Bytes ours_app = rfc(client ? client_app : server_app), theirs_app = rfc(client ? server_app : client_app);
    if (client) {
      REQUIRE(us.send(app_data()).ok());
      CHECK(to_hex(take_output(us)) == to_hex(ours_app));
      CHECK(feed(us, theirs_app).empty());
    } else {
      CHECK(feed(us, theirs_app).empty());
      REQUIRE(us.send(app_data()).ok());
      CHECK(to_hex(take_output(us)) == to_hex(ours_app));
    }
    CHECK(to_hex(drain(us).data) == to_hex(app_data()));
  }
  if (client) {
    us.close();
    CHECK(to_hex(take_output(us)) == to_hex(rfc(client_close)));
    CHECK(feed(us, rfc(server_close)).empty());
  } else {
    Bytes answer = feed(us, rfc(client_close));
    if (answer.empty()) {  // the engine answers a close_notify itself, or waits for close()
      us.close();
      answer = take_output(us);
    }
    CHECK(to_hex(answer) == to_hex(rfc(server_close)));
  }
  Drained d = drain(us);
  CHECK(d.closed);
  CHECK(d.clean);
}

// ---------------------------------------------------------------------------------------------------
// The servers.

ServerConfig::Builder rfc_server(std::vector<uint16_t> groups) {
  ServerConfig::Builder b;
  b.provider(P());
  // strict_sni: NSS's server acknowledges the name in its full handshakes; sanstls does so only when
  // the name chose the certificate or was checked (RFC 6066 3), so it checks the name here.
  b.certificate(rfc_certificate_der(), rfc_rsa_private_key_der(), {"server"})
      .strict_sni(true)
      .cipher_suites({0x1301, 0x1302, 0x1303})
      .groups(std::move(groups))
      .signature_schemes({0x0804, 0x0805, 0x0806})
      .record_size_limit(0x4001)
      .versions(0x0304, 0x0304)
      .tickets_per_handshake(0);
  return b;
}

std::shared_ptr<const ServerConfig> build(ServerConfig::Builder b) {
  Built<ServerConfig> built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

// The ticket of section 3's NewSessionTicket: NSS's sealed state, opaque to anyone but that server.
Bytes rfc3_ticket() {
  const Bytes msg = rfc(kRfc3NewSessionTicket);
  NewSessionTicket13 t;
  REQUIRE(decode_new_session_ticket13(ByteView(msg).sub(4), &t).ok());
  return t.ticket;
}

// A stateful ticketer, as a server that keeps its sessions in a store has (ServerConfig::ticket_keys):
// the state stays here and the ticket is the key to it. The key it hands out is the RFC server's
// ticket, so that the NewSessionTicket and section 4's ClientHello are the RFC's.
class RfcTicketStore : public Ticketer {
 public:
  Bytes seal(ByteView plaintext, uint64_t, crypto::Rng&) override {
    std::lock_guard<std::mutex> lock(mu_);
    state_ = plaintext.to_bytes();
    return rfc3_ticket();
  }
  bool open(ByteView ticket, uint64_t, Bytes* plaintext) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_.empty() || ticket != ByteView(rfc3_ticket())) {
      plaintext->clear();
      return false;
    }
    *plaintext = state_;
    return true;
  }

 private:
  std::mutex mu_;
  Bytes state_;
};

ServerConfig::Builder rfc3_server(std::shared_ptr<Ticketer> store) {
  ServerConfig::Builder b = rfc_server(kRfcGroups);
  b.ticket_keys(std::move(store)).session_lifetime_s(30).max_early_data(1024);
  return b;
}

// RFC 8448 section 3's "exp master" secret ({server} derive secret "tls13 exp master"): what a
// connection of that handshake must export from (RFC 8446 7.5), on either side.
void check_rfc3_exporter(const Connection& conn) {
  const Bytes expected = tls13_exporter(testing::test_provider(), crypto::HashAlg::sha256,
                                        hex("fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50"),
                                        "EXPORTER-rfc8448", ByteView::of("context"), 32);
  Result<Bytes> got = conn.export_keying_material("EXPORTER-rfc8448", ByteView::of("context"), 32);
  REQUIRE(got.ok());
  CHECK(to_hex(got.value()) == to_hex(expected));
}

// Section 3 as the server: every record of the RFC's server, byte for byte.
void run_rfc3_server(std::shared_ptr<Ticketer> store) {
  ServerConfig::Builder b = rfc3_server(std::move(store));
  b.tickets_per_handshake(1);
  auto cfg = build(b);
  // The server's random, x25519 key, RSA-PSS salt and ticket_age_add.
  ScriptedRng rng({hex(kRfc3ServerRandom), hex(kRfc3ServerX25519Private), rfc3_pss_salt(), hex("fad6aac5")});
  testing::FixedClock clock(kRfcTime);
  Connection server = Connection::server(cfg, rng, clock);

  // The RFC's record holds the RFC's messages (checks the constants themselves).
  {
    RecordProtection rx = protection(kRfc3ServerHandshakeSecret);
    Bytes rec = rfc(kRfc3ServerHandshakeRecord);
    Result<OpenedRecord> r = open_record(rx, rec);
    REQUIRE(r.ok());
    CHECK(to_hex(r.value().plaintext) == to_hex(cat({rfc(kRfc3EncryptedExtensions), rfc(kRfc3Certificate),
                                                      rfc(kRfc3CertificateVerify), rfc(kRfc3ServerFinished)})));
  }
  const Bytes flight = feed(server, record(0x16, 0x0301, rfc(kRfc3ClientHello)));
  CHECK(to_hex(flight) == to_hex(cat({record(0x16, 0x0303, rfc(kRfc3ServerHello)), rfc(kRfc3ServerHandshakeRecord)})));
  CHECK(server.is_handshaking());

  // The client's Finished completes the handshake; the answer is the RFC's NewSessionTicket record.
  const Bytes nst = feed(server, rfc(kRfc3ClientFinishedRecord));
  CHECK(to_hex(nst) == to_hex(rfc(k3NstRecord)));
  CHECK(drain(server).done);
  CHECK(rng.script_used());
  REQUIRE(server.info() != nullptr);
  CHECK(server.info()->cipher_suite == 0x1301);
  CHECK(server.info()->group == 0x001d);
  CHECK(server.info()->signature_scheme == 0x0804);
  CHECK(server.info()->server_name == "server");
  check_rfc3_exporter(server);
  exchange_and_close(server, false, k3ClientAppRecord, k3ServerAppRecord, k3ClientCloseRecord, k3ServerCloseRecord);
}

TEST_CASE("RFC 8448 section 3, server side: every record byte for byte") {
  run_rfc3_server(std::make_shared<RfcTicketStore>());
}

TEST_CASE("RFC 8448 section 3, server side: a changed byte of the client Finished fails") {
  auto cfg = build(rfc3_server(std::make_shared<RfcTicketStore>()));
  ScriptedRng rng({hex(kRfc3ServerRandom), hex(kRfc3ServerX25519Private), rfc3_pss_salt()});
  testing::FixedClock clock(kRfcTime);
  Connection server = Connection::server(cfg, rng, clock);
  REQUIRE(server.receive(record(0x16, 0x0301, rfc(kRfc3ClientHello))).ok());
  take_output(server);
  Bytes fin = rfc(kRfc3ClientFinishedRecord);
  fin[20] ^= 1;
  CHECK(!server.receive(fin).ok());
  CHECK(server.info() == nullptr);
}

TEST_CASE("RFC 8448 section 4, server side: the ticket of section 3 resumed with 0-RTT, byte for byte") {
  auto store = std::make_shared<RfcTicketStore>();
  run_rfc3_server(store);

  ServerConfig::Builder b = rfc3_server(store);
  // NSS acknowledges the server name in a resumed handshake too (sanstls does so only when the name
  // chose the certificate): the edit adds it where NSS writes it.
  b.edit_extensions([](ExtContext ctx, Extensions* e) {
    if (ctx != ExtContext::encrypted_extensions) return;
    e->server_name = std::string();
    e->order = {0x000a, 0x001c, 0x0000, 0x002a};
  });
  auto cfg = build(b);
  ScriptedRng rng({hex(k4ServerRandom), hex(k4ServerX25519Private)});
  testing::FixedClock clock(kRfcTime + 6);  // the ticket is 6 ms old, as the RFC's obfuscated age says
  Connection server = Connection::server(cfg, rng, clock);

  const Bytes flight = feed(server, record(0x16, 0x0301, rfc(rfc4_client_hello())));
  CHECK(to_hex(flight) == to_hex(cat({record(0x16, 0x0303, rfc(kRfc4ServerHello)), rfc(k4ServerHandshakeRecord)})));
  CHECK(rng.script_used());
  CHECK(feed(server, rfc(k4EarlyDataRecord)).empty());
  Drained early = drain(server);
  CHECK(early.early);
  CHECK(to_hex(early.data) == "414243444546");
  CHECK(feed(server, cat({rfc(k4EndOfEarlyDataRecord), rfc(k4ClientFinishedRecord)})).empty());
  CHECK(drain(server).done);
  REQUIRE(server.info() != nullptr);
  CHECK(server.info()->resumed);
  CHECK(server.info()->early_data_accepted);
  exchange_and_close(server, false, k4ClientAppRecord, k4ServerAppRecord, k4ClientCloseRecord, k4ServerCloseRecord);
}

// The cookie of the RFC's HelloRetryRequest: NSS's own sealed form, 114 octets.
Bytes rfc5_cookie() {
  const Bytes hrr = rfc(kRfc5HelloRetryRequest);
  const Bytes head = hex("002c00740072");
  auto at = std::search(hrr.begin(), hrr.end(), head.begin(), head.end());
  REQUIRE(at != hrr.end());
  return Bytes(at + 6, at + 6 + 0x72);
}

ServerConfig::Builder rfc5_server() {
  // NSS's server lists secp256r1, secp384r1 and x25519, and asks for a secp256r1 share although it
  // has an x25519 one; sanstls takes a group the client sent a share for when it can (saving the round
  // trip), so this server has secp256r1 alone, and the edit lists NSS's groups in EncryptedExtensions.
  ServerConfig::Builder b = rfc_server({0x0017});
  // The cookie is the RFC server's (its own sealed state, which sanstls cannot make): the edit puts it
  // in the HelloRetryRequest, and the server then requires it back, as it would its own.
  b.hrr_cookie(false).edit_extensions([](ExtContext ctx, Extensions* e) {
    if (ctx == ExtContext::hello_retry_request) {
      e->cookie = rfc5_cookie();
      e->order = {0x0033, 0x002c, 0x002b};  // key_share, cookie, supported_versions
    }
    if (ctx == ExtContext::encrypted_extensions) e->supported_groups = std::vector<uint16_t>{0x0017, 0x0018, 0x001d};
  });
  return b;
}

TEST_CASE("RFC 8448 section 5, server side: HelloRetryRequest with the RFC server's cookie, byte for byte") {
  auto cfg = build(rfc5_server());
  const Bytes salt = pss_salt(rsa_public(rfc(k5ServerSignature), rfc(kRsaModulus), 65537));
  ScriptedRng rng({hex(k5ServerRandom), hex(kRfc5ServerP256Private), salt});
  testing::FixedClock clock(kRfcTime);
  Connection server = Connection::server(cfg, rng, clock);
  const Bytes hrr = feed(server, record(0x16, 0x0301, rfc(kRfc5ClientHello1)));
  CHECK(to_hex(hrr) == to_hex(record(0x16, 0x0303, rfc(kRfc5HelloRetryRequest))));
  const Bytes flight = feed(server, record(0x16, 0x0303, rfc(rfc5_client_hello2())));
  CHECK(to_hex(flight) == to_hex(cat({record(0x16, 0x0303, rfc(kRfc5ServerHello)), rfc(k5ServerHandshakeRecord)})));
  CHECK(rng.script_used());
  CHECK(feed(server, rfc(k5ClientFinishedRecord)).empty());
  CHECK(drain(server).done);
  REQUIRE(server.info() != nullptr);
  CHECK(server.info()->group == 0x0017);
  exchange_and_close(server, false, nullptr, nullptr, k5ClientCloseRecord, k5ServerCloseRecord);
}

TEST_CASE("RFC 8448 section 5, server side: a second ClientHello without the cookie fails") {
  auto cfg = build(rfc5_server());
  ScriptedRng rng({hex(k5ServerRandom), hex(kRfc5ServerP256Private)});
  testing::FixedClock clock(kRfcTime);
  Connection server = Connection::server(cfg, rng, clock);
  feed(server, record(0x16, 0x0301, rfc(kRfc5ClientHello1)));
  Bytes ch2 = rfc(rfc5_client_hello2());
  const Bytes cookie = rfc5_cookie();
  auto at = std::search(ch2.begin(), ch2.end(), cookie.begin(), cookie.end());
  REQUIRE(at != ch2.end());
  *at ^= 1;  // one changed octet of the cookie
  Result<size_t> n = server.receive(record(0x16, 0x0303, ch2));
  REQUIRE(!n.ok());
  CHECK(n.error().alert == AlertDescription::illegal_parameter);
}

// Section 6's keys, held as a remote signer (an HSM, a key server) would hold them and given to the
// config as key objects. The RFC prints neither private key, only the signatures they made, so this
// signer can give nothing but its one signature, and gives it only for a message that signature
// verifies over under the certificate's public key: the engine must have built exactly the RFC's
// CertificateVerify input for its handshake to go on.
class RfcSigner : public crypto::PrivateKey {
 public:
  RfcSigner(Bytes cert_der, crypto::SignatureScheme scheme, Bytes sig)
      : cert_der_(std::move(cert_der)), scheme_(scheme), sig_(std::move(sig)) {}
  crypto::KeyType type() const override {
    return scheme_ == crypto::SignatureScheme::ecdsa_secp256r1_sha256 ? crypto::KeyType::ec_p256 : crypto::KeyType::rsa;
  }
  size_t bits() const override { return type() == crypto::KeyType::rsa ? 1024 : 256; }
  crypto::Status sign(crypto::SignatureScheme scheme, ByteView msg, crypto::Rng&, Bytes* sig) const override {
    if (scheme != scheme_) return crypto::Status::unsupported;
    crypto::Status s = public_key()->verify(scheme, msg, sig_);
    if (s != crypto::Status::ok) return s;
    *sig = sig_;
    return crypto::Status::ok;
  }
  crypto::Status rsa_decrypt_premaster(ByteView, uint16_t, crypto::Rng&, uint8_t*) const override {
    return crypto::Status::unsupported;
  }
  std::unique_ptr<crypto::PublicKey> public_key() const override {
    std::string err;
    auto cert = P().parse_certificate(cert_der_, &err);
    REQUIRE_MESSAGE(cert != nullptr, err);
    return cert->public_key();
  }

 private:
  Bytes cert_der_;
  crypto::SignatureScheme scheme_;
  Bytes sig_;
};

// The client's certificate holds a 1024-bit RSA key, which sanstls's X.509 policy refuses
// (unsupported_certificate: mbedTLS's default profile wants 2048 bits). The section 6 server trusts
// that one certificate instead, as an application with a verifier of its own (a pinned client
// certificate) would: the chain must be exactly that certificate, valid at the connection's time.
class PinnedClientCertificate : public crypto::TrustStore {
 public:
  explicit PinnedClientCertificate(Bytes der) : der_(std::move(der)) {}
  size_t size() const override { return 1; }
  crypto::CertError verify(const std::vector<ByteView>& chain, int64_t now, crypto::Purpose purpose,
                           const std::string&, std::unique_ptr<crypto::PublicKey>* leaf_key,
                           crypto::KeyUse) const override {
    if (purpose != crypto::Purpose::client_auth || chain.size() != 1 || chain[0] != ByteView(der_))
      return crypto::CertError::unknown_ca;
    std::string err;
    auto cert = P().parse_certificate(der_, &err);
    if (!cert) return crypto::CertError::bad_certificate;
    if (now < 1469841839 || now > 1785374639) return crypto::CertError::certificate_expired;  // 2016-07-30 .. 2026-07-30
    if (leaf_key) *leaf_key = cert->public_key();
    return crypto::CertError::ok;
  }

 private:
  Bytes der_;
};

TEST_CASE("RFC 8448 section 6, server side: client authentication, byte for byte") {
  const Bytes cert_msg = rfc(k6ServerCertificate);
  CertificateMsg13 m;
  REQUIRE(decode_certificate13(ByteView(cert_msg).sub(4), &m).ok());
  REQUIRE(m.entries.size() == 1);
  const Bytes ecdsa_cert = m.entries[0].cert_data;
  ServerConfig::Builder b;
  b.provider(P());
  b.certificate(ecdsa_cert,
                std::make_shared<RfcSigner>(ecdsa_cert, crypto::SignatureScheme::ecdsa_secp256r1_sha256,
                                            rfc(k6ServerSignature)),
                {"server"})
      .strict_sni(true)  // the acknowledged server_name of the RFC's EncryptedExtensions (see rfc_server)
      .cipher_suites({0x1301, 0x1302, 0x1303})
      .groups(kRfcGroups)
      .signature_schemes({0x0403, 0x0804, 0x0805, 0x0806})
      .record_size_limit(0x4001)
      .versions(0x0304, 0x0304)
      .tickets_per_handshake(0)
      .client_auth(ClientAuth::required, rfc(k6ClientCertificate))
      // The CertificateRequest lists NSS's schemes, as the ClientHellos do (see kNssSchemes).
      .edit_extensions([](ExtContext ctx, Extensions* e) {
        if (ctx == ExtContext::certificate_request) {
          e->signature_algorithms = kNssSchemes;
          e->signature_algorithms_cert.reset();  // NSS sends none
        }
      });
  auto cfg = std::make_shared<ServerConfig>(*build(b));
  cfg->client_trust = std::make_shared<PinnedClientCertificate>(rfc(k6ClientCertificate));
  ScriptedRng rng({hex(k6ServerRandom), hex(k6ServerX25519Private)});
  testing::FixedClock clock(kRfcTime);
  Connection server = Connection::server(cfg, rng, clock);
  const Bytes flight = feed(server, rfc(k6ClientHelloRecord));
  CHECK(to_hex(flight) == to_hex(cat({rfc(k6ServerHelloRecord), rfc(k6ServerHandshakeRecord)})));
  CHECK(rng.script_used());
  // The client's Certificate, CertificateVerify and Finished.
  CHECK(feed(server, rfc(k6ClientFlightRecord)).empty());
  CHECK(drain(server).done);
  REQUIRE(server.info() != nullptr);
  CHECK(server.info()->client_authenticated);
  CHECK(server.info()->signature_scheme == 0x0403);
  exchange_and_close(server, false, nullptr, nullptr, k6ClientCloseRecord, k6ServerCloseRecord);
}

TEST_CASE("RFC 8448 section 7, server side: compatibility mode, byte for byte") {
  auto cfg = build(rfc_server(kRfcGroups));
  const Bytes salt = pss_salt(rsa_public(rfc(k7ServerSignature), rfc(kRsaModulus), 65537));
  ScriptedRng rng({hex(k7ServerRandom), hex(k7ServerX25519Private), salt});
  testing::FixedClock clock(kRfcTime);
  Connection server = Connection::server(cfg, rng, clock);
  const Bytes flight = feed(server, rfc(k7ClientHelloRecord));
  // The ServerHello echoes the session ID; a ChangeCipherSpec follows it.
  CHECK(to_hex(flight) == to_hex(cat({rfc(k7ServerHelloRecord), rfc(k7ServerFlightRecords)})));
  CHECK(rng.script_used());
  CHECK(feed(server, rfc(k7ClientFlightRecords)).empty());
  CHECK(drain(server).done);
  exchange_and_close(server, false, nullptr, nullptr, k7ClientCloseRecord, k7ServerCloseRecord);
}

// ---------------------------------------------------------------------------------------------------
// The clients.

// The ClientHello of the RFC's client (NSS): sanstls builds it from its config, and the config's
// extension editor makes the changes no sanstls config can say: NSS's signature schemes (with the
// ones sanstls does not implement), renegotiation_info and (section 3) an empty session_ticket in a
// TLS 1.3-only hello, padding, and NSS's extension order. Everything else (random, key shares, the
// PSK identity, its obfuscated age and binder, the cookie) is the engine's own.
struct NssHello {
  std::vector<uint16_t> order;
  bool session_ticket = false;
  size_t padding = 0;  // octets of the padding extension; 0: none
};
const std::vector<uint16_t> kNssOrder = {0x0000, 0xff01, 0x000a, 0x0033, 0x002b, 0x000d, 0x002d, 0x001c};

std::function<void(ExtContext, Extensions*)> nss_hello(NssHello first, NssHello retry = NssHello()) {
  return [first, retry](ExtContext ctx, Extensions* e) {
    if (ctx != ExtContext::client_hello) return;
    const NssHello& h = e->cookie ? retry : first;
    e->signature_algorithms = kNssSchemes;
    e->renegotiation_info = Bytes();
    if (h.session_ticket) e->session_ticket = Bytes();
    e->post_handshake_auth = false;
    if (h.padding != 0) e->unknown.push_back(RawExtension{0x0015, Bytes(h.padding, 0)});
    e->order = h.order;
  };
}

std::shared_ptr<const ClientConfig> rfc_client(std::vector<uint16_t> groups, bool compat,
                                               std::function<void(ExtContext, Extensions*)> edit,
                                               std::shared_ptr<const crypto::PrivateKey> client_key = nullptr) {
  ClientConfig::Builder b;
  b.provider(P());
  b.cipher_suites({0x1301, 0x1303, 0x1302})
      .groups(std::move(groups))
      .versions(0x0304, 0x0304)
      .middlebox_compat(compat)
      .record_size_limit(0x4001)
      .verify_server(false)  // the RFC's certificates are self-signed, for the names "rsa" and "ecdsa256"
      .early_data(true)
      .edit_extensions(std::move(edit));
  if (client_key) b.client_certificate(rfc(k6ClientCertificate), std::move(client_key));
  Built<ClientConfig> built = b.build();
  REQUIRE_MESSAGE(built.ok(), built.error);
  return built.config;
}

Connection::ClientOptions to_server() {
  Connection::ClientOptions o;
  o.server_name = "server";
  return o;
}

// Section 3 as the client: every record of the RFC's client, byte for byte. Returns the session the
// RFC's NewSessionTicket gave.
Session run_rfc3_client() {
  NssHello h{{0x0000, 0xff01, 0x000a, 0x0023, 0x0033, 0x002b, 0x000d, 0x002d, 0x001c}, true, 0};
  auto cfg = rfc_client(kRfcGroups, false, nss_hello(h));
  ScriptedRng rng({hex(kRfc3ClientRandom), hex(kRfc3ClientX25519Private)});
  testing::FixedClock clock(kRfcTime);
  Connection client = Connection::client(cfg, to_server(), rng, clock);
  CHECK(to_hex(take_output(client)) == to_hex(record(0x16, 0x0301, rfc(kRfc3ClientHello))));
  CHECK(rng.script_used());
  const Bytes fin = feed(client, cat({record(0x16, 0x0303, rfc(kRfc3ServerHello)), rfc(kRfc3ServerHandshakeRecord)}));
  CHECK(to_hex(fin) == to_hex(rfc(kRfc3ClientFinishedRecord)));
  CHECK(drain(client).done);
  REQUIRE(client.info() != nullptr);
  CHECK(client.info()->signature_scheme == 0x0804);
  check_rfc3_exporter(client);
  CHECK(feed(client, rfc(k3NstRecord)).empty());
  CHECK(drain(client).ticket);
  std::optional<Session> s = client.session();
  REQUIRE(s.has_value());
  CHECK(to_hex(s->ticket) == to_hex(rfc3_ticket()));
  CHECK(s->ticket_age_add == 0xfad6aac5);
  CHECK(s->max_early_data == 1024);
  exchange_and_close(client, true, k3ClientAppRecord, k3ServerAppRecord, k3ClientCloseRecord, k3ServerCloseRecord);
  return *s;
}

TEST_CASE("RFC 8448 section 3, client side: every record byte for byte") { run_rfc3_client(); }

TEST_CASE("RFC 8448 section 4, client side: resumption with 0-RTT, byte for byte") {
  const Session session = run_rfc3_client();
  NssHello h{{0x0000, 0xff01, 0x000a, 0x0033, 0x002a, 0x002b, 0x000d, 0x002d, 0x001c, 0x0015, 0x0029}, false, 0x57};
  auto cfg = rfc_client(kRfcGroups, false, nss_hello(h));
  ScriptedRng rng({hex(k4ClientRandom), hex(k4ClientX25519Private)});
  testing::FixedClock clock(kRfcTime + 6);
  Connection::ClientOptions opts = to_server();
  opts.resume = session;
  opts.early_data = hex("414243444546");
  Connection client = Connection::client(cfg, opts, rng, clock);
  // The ClientHello (its binder computed by the engine over the edited hello) and the 0-RTT record.
  CHECK(to_hex(take_output(client)) ==
        to_hex(cat({record(0x16, 0x0301, rfc(rfc4_client_hello())), rfc(k4EarlyDataRecord)})));
  CHECK(rng.script_used());
  const Bytes fin = feed(client, cat({record(0x16, 0x0303, rfc(kRfc4ServerHello)), rfc(k4ServerHandshakeRecord)}));
  CHECK(to_hex(fin) == to_hex(cat({rfc(k4EndOfEarlyDataRecord), rfc(k4ClientFinishedRecord)})));
  CHECK(drain(client).done);
  REQUIRE(client.info() != nullptr);
  CHECK(client.info()->resumed);
  CHECK(client.info()->early_data_accepted);
  exchange_and_close(client, true, k4ClientAppRecord, k4ServerAppRecord, k4ClientCloseRecord, k4ServerCloseRecord);
}

TEST_CASE("RFC 8448 section 5, client side: HelloRetryRequest with the RFC server's cookie, byte for byte") {
  NssHello first{kNssOrder, false, 0};
  NssHello retry{{0x0000, 0xff01, 0x000a, 0x0033, 0x002b, 0x000d, 0x002c, 0x002d, 0x001c, 0x0015}, false, 0xaf};
  auto cfg = rfc_client({0x001d, 0x0017, 0x0018}, false, nss_hello(first, retry));
  ScriptedRng rng({hex(k5ClientRandom), hex(k5ClientX25519Private), hex(k5ClientP256Private)});
  testing::FixedClock clock(kRfcTime);
  Connection client = Connection::client(cfg, to_server(), rng, clock);
  CHECK(to_hex(take_output(client)) == to_hex(record(0x16, 0x0301, rfc(kRfc5ClientHello1))));
  // The second ClientHello: a secp256r1 share, the cookie echoed.
  const Bytes ch2 = feed(client, record(0x16, 0x0303, rfc(kRfc5HelloRetryRequest)));
  CHECK(to_hex(ch2) == to_hex(record(0x16, 0x0303, rfc(rfc5_client_hello2()))));
  CHECK(rng.script_used());
  const Bytes fin = feed(client, cat({record(0x16, 0x0303, rfc(kRfc5ServerHello)), rfc(k5ServerHandshakeRecord)}));
  CHECK(to_hex(fin) == to_hex(rfc(k5ClientFinishedRecord)));
  CHECK(drain(client).done);
  REQUIRE(client.info() != nullptr);
  CHECK(client.info()->group == 0x0017);
  exchange_and_close(client, true, nullptr, nullptr, k5ClientCloseRecord, k5ServerCloseRecord);
}

TEST_CASE("RFC 8448 section 6, client side: client authentication, byte for byte") {
  auto key = std::make_shared<RfcSigner>(rfc(k6ClientCertificate), crypto::SignatureScheme::rsa_pss_rsae_sha256,
                                         rfc(k6ClientSignature));
  auto cfg = rfc_client(kRfcGroups, false, nss_hello(NssHello{kNssOrder, false, 0}), key);
  ScriptedRng rng({hex(k6ClientRandom), hex(k6ClientX25519Private)});
  testing::FixedClock clock(kRfcTime);
  Connection client = Connection::client(cfg, to_server(), rng, clock);
  CHECK(to_hex(take_output(client)) == to_hex(rfc(k6ClientHelloRecord)));
  const Bytes flight = feed(client, cat({rfc(k6ServerHelloRecord), rfc(k6ServerHandshakeRecord)}));
  CHECK(to_hex(flight) == to_hex(rfc(k6ClientFlightRecord)));
  CHECK(rng.script_used());
  CHECK(drain(client).done);
  REQUIRE(client.info() != nullptr);
  CHECK(client.info()->signature_scheme == 0x0403);
  exchange_and_close(client, true, nullptr, nullptr, k6ClientCloseRecord, k6ServerCloseRecord);
}

TEST_CASE("RFC 8448 section 7, client side: compatibility mode, byte for byte") {
  auto cfg = rfc_client(kRfcGroups, true, nss_hello(NssHello{kNssOrder, false, 0}));
  ScriptedRng rng({hex(k7ClientRandom), hex(k7ClientSessionId), hex(k7ClientX25519Private)});
  testing::FixedClock clock(kRfcTime);
  Connection client = Connection::client(cfg, to_server(), rng, clock);
  CHECK(to_hex(take_output(client)) == to_hex(rfc(k7ClientHelloRecord)));
  CHECK(rng.script_used());
  const Bytes fin = feed(client, cat({rfc(k7ServerHelloRecord), rfc(k7ServerFlightRecords)}));
  // A ChangeCipherSpec, then the Finished.
  CHECK(to_hex(fin) == to_hex(rfc(k7ClientFlightRecords)));
  CHECK(drain(client).done);
  exchange_and_close(client, true, nullptr, nullptr, k7ClientCloseRecord, k7ServerCloseRecord);
}

TEST_CASE("RFC 8448: without the edit, sanstls's own ClientHello differs only where the edit says") {
  // The section 3 client from the same config but no editor: same random, key share, suites, groups,
  // versions, name, PSK modes and record size limit; its own signature schemes; no TLS 1.2 extensions.
  auto cfg = rfc_client(kRfcGroups, false, nullptr);
  ScriptedRng rng({hex(kRfc3ClientRandom), hex(kRfc3ClientX25519Private)});
  testing::FixedClock clock(kRfcTime);
  Connection client = Connection::client(cfg, to_server(), rng, clock);
  const Bytes out = take_output(client);
  REQUIRE(out.size() > 9);
  ClientHello ours, theirs;
  REQUIRE(decode_client_hello(ByteView(out).sub(9), &ours).ok());
  const Bytes rfc_ch = rfc(kRfc3ClientHello);
  REQUIRE(decode_client_hello(ByteView(rfc_ch).sub(4), &theirs).ok());
  CHECK(ours.random == theirs.random);
  CHECK(ours.session_id == theirs.session_id);
  CHECK(ours.cipher_suites == theirs.cipher_suites);
  CHECK(*ours.extensions.supported_groups == *theirs.extensions.supported_groups);
  REQUIRE(ours.extensions.key_share.has_value());
  CHECK(to_hex(ours.extensions.key_share->front().key_exchange) ==
        to_hex(theirs.extensions.key_share->front().key_exchange));
  CHECK(*ours.extensions.supported_versions == *theirs.extensions.supported_versions);
  CHECK(*ours.extensions.server_name == "server");
  CHECK(ours.extensions.psk_key_exchange_modes == theirs.extensions.psk_key_exchange_modes);
  CHECK(ours.extensions.record_size_limit == theirs.extensions.record_size_limit);
  CHECK(*ours.extensions.signature_algorithms != kNssSchemes);
  CHECK(!ours.extensions.renegotiation_info.has_value());
  CHECK(!ours.extensions.session_ticket.has_value());
}

TEST_CASE("the groups RFC 8448's server lists: secp521r1 and ffdhe4096/6144/8192 handshakes") {
  for (uint16_t g : {0x0019, 0x0102, 0x0103, 0x0104}) {
    CAPTURE(g);
    Built<ServerConfig> sb = ServerConfig::Builder()
                                 .provider(P())
                                 .certificate(testing::read_file("tests/certs/server_rsa.pem"),
                                              testing::read_file("tests/certs/server_rsa.key.pem"))
                                 .groups({g})
                                 .build();
    REQUIRE_MESSAGE(sb.ok(), sb.error);
    Built<ClientConfig> cb = ClientConfig::Builder()
                                 .provider(P())
                                 .trust_anchors_pem(testing::read_file("tests/certs/ca.pem"))
                                 .groups({g})
                                 .build();
    REQUIRE_MESSAGE(cb.ok(), cb.error);
    auto crng = crypto::make_deterministic_rng(Bytes{1});
    auto srng = crypto::make_deterministic_rng(Bytes{2});
    testing::FixedClock clock(testing::kTestNowMs);
    Connection::ClientOptions opts;
    opts.server_name = "localhost";
    Connection client = Connection::client(cb.config, opts, *crng, clock);
    Connection server = Connection::server(sb.config, *srng, clock);
    testing::Seen cs, ss;
    REQUIRE(testing::pump(client, server, &cs, &ss));
    REQUIRE(client.info() != nullptr);
    CHECK(client.info()->group == g);
    CHECK(client.info()->version == 0x0304);
  }
}

}  // namespace
