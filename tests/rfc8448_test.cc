// RFC 8448 (Example Handshake Traces for TLS 1.3) replayed through the public Connection API, with the
// RFC's randoms and private keys injected through a scripted generator.
//
// What is reproduced, byte for byte:
//   Section 3, server side: the RFC's ClientHello record goes into a sanstls server configured with the
//   RFC's certificate and RSA key (the key rebuilt here as PKCS#1 DER from the components the RFC
//   prints). The generator hands out the RFC's server random, the server's x25519 private key, and
//   the RSA-PSS salt of the RFC's CertificateVerify (recovered here: RSA public operation on the RFC's
//   signature, then PSS decoding), then filler (RSA blinding, ticket keys). The server's output is the
//   RFC's ServerHello record followed by the RFC's 679-octet encrypted record (EncryptedExtensions,
//   Certificate, CertificateVerify, Finished). The RFC's client Finished record completes the
//   handshake. The NewSessionTicket holds a ticket in the RFC server's (NSS's) own opaque format, so it
//   cannot match: the test opens the server's ticket record with the RFC's server application traffic
//   secret instead.
//   Section 5, server side, up to the ServerHello: the HelloRetryRequest cannot match (the RFC server's
//   cookie is 114 octets of NSS's own format; sanstls's cookie is its own random, so the test runs
//   with hrr_cookie off and checks the HRR is the RFC's with the cookie extension removed). The RFC's
//   second ClientHello then gives the RFC's ServerHello byte for byte (random and secp256r1 key
//   injected). Everything after it is keyed by a transcript that holds our HRR, not the RFC's, so the
//   encrypted flight differs (checked: it does not open under the RFC's key).
//
// What cannot be reproduced, and why:
//   Client side (sections 3, 4, 5): the RFC's ClientHello cannot come out of an honest sanstls config.
//   It offers signature schemes sanstls does not implement (ecdsa_secp521r1_sha512 0x0603 and the DSA
//   schemes 0x0402/0x0502/0x0602/0x0202), sends renegotiation_info and an empty session_ticket while
//   offering only TLS 1.3 (sanstls sends neither then: both are TLS 1.2 mechanisms), and orders its
//   extensions as NSS does. Since every TLS 1.3 key after the ServerHello depends on the hash of the
//   ClientHello, a client whose ClientHello differs in one byte derives other handshake keys and can
//   read nothing of the RFC's server flight. The test checks what does match (the random, the key
//   share, the suites, the groups), and that the client takes the RFC's ServerHello and then, as it
//   must, cannot open the RFC's encrypted record.
//   Section 4, server side: the RFC's resumption ticket is NSS's sealed state, opaque to sanstls, which
//   has no external-PSK interface to be given the section 3 PSK instead; the server cannot accept the
//   PSK, so nothing of section 4 follows. Section 4, client side: the ClientHello differs as above
//   (and adds the padding extension), so its binder and everything after differ.
//   The PSK and key schedule values of sections 3 and 4 are checked by core/tls13_keys_test.cc.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "core/connection.h"
#include "core/handshake.h"
#include "core/handshake13.h"
#include "core/record.h"
#include "core/tls13_keys.h"
#include "crypto/crypto.h"
#include "tests/pair.h"
#include "tests/rfc8448.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::rfc8448;

namespace {

const crypto::Provider& P() { return crypto::default_provider(); }

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A generator that hands out the given bytes first, then filler from a deterministic generator.
class ScriptedRng : public crypto::Rng {
 public:
  explicit ScriptedRng(Bytes script) : script_(std::move(script)), filler_(crypto::make_deterministic_rng(Bytes{0x84, 0x48})) {}
  void fill(uint8_t* out, size_t n) override {
    size_t from_script = std::min(n, script_.size() - pos_);
    std::memcpy(out, script_.data() + pos_, from_script);
    pos_ += from_script;
    if (from_script < n) filler_->fill(out + from_script, n - from_script);
  }
  bool script_used() const { return pos_ == script_.size(); }

 private:
  Bytes script_;
  size_t pos_ = 0;
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
// 1023, emLen 128): checks the encoding against mhash and returns the salt.
Bytes pss_salt(ByteView em, ByteView mhash) {
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
  CHECK(to_hex(sha256(cat({Bytes(8, 0), mhash, salt}))) == to_hex(hh));
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

const std::vector<uint16_t> kRfcServerGroups = {0x001d, 0x0017, 0x0018, 0x0019, 0x0100,
                                                0x0101, 0x0102, 0x0103, 0x0104};

std::shared_ptr<const ServerConfig> rfc_server_config(std::vector<uint16_t> groups, bool hrr_cookie) {
  Built<ServerConfig> b = ServerConfig::Builder()
                              .certificate(rfc_certificate_der(), rfc_rsa_private_key_der(), {"server"})
                              .cipher_suites({0x1301, 0x1302, 0x1303})
                              .groups(std::move(groups))
                              .signature_schemes({0x0804, 0x0805, 0x0806})
                              .record_size_limit(0x4001)
                              .versions(0x0304, 0x0304)
                              .hrr_cookie(hrr_cookie)
                              .build();
  REQUIRE_MESSAGE(b.ok(), b.error);
  return b.config;
}

TEST_CASE("RFC 8448: the RSA key rebuilt from its components matches the RFC's certificate") {
  std::string err;
  auto key = P().load_private_key(rfc_rsa_private_key_der(), &err);
  REQUIRE_MESSAGE(key != nullptr, err);
  auto cert = P().parse_certificate(rfc_certificate_der(), &err);
  REQUIRE_MESSAGE(cert != nullptr, err);
  CHECK(key->public_key()->spki_der() == cert->public_key()->spki_der());
  // The RFC's signature verifies under the certificate's key, and the salt decodes (checked inside).
  CHECK(rfc3_pss_salt().size() == 32);
}

TEST_CASE("RFC 8448 section 3, server side: every record byte for byte, then the ticket") {
  auto cfg = rfc_server_config(kRfcServerGroups, true);
  ScriptedRng rng(cat({hex(kRfc3ServerRandom), hex(kRfc3ServerX25519Private), rfc3_pss_salt()}));
  testing::FixedClock clock(testing::kTestNowMs);
  Connection server = Connection::server(cfg, rng, clock);

  // {client} send handshake record: the ClientHello with record version 0x0301.
  const Bytes ch_record = record(0x16, 0x0301, rfc(kRfc3ClientHello));
  Result<size_t> n = server.receive(ch_record);
  REQUIRE_MESSAGE(n.ok(), n.error().to_string());
  CHECK(rng.script_used());

  const Bytes sh_record = record(0x16, 0x0303, rfc(kRfc3ServerHello));
  const Bytes flight_record = rfc(kRfc3ServerHandshakeRecord);
  REQUIRE(flight_record.size() == 679);
  // The RFC's record holds the RFC's messages (checks the constant itself).
  {
    RecordProtection rx = protection(kRfc3ServerHandshakeSecret);
    Bytes rec = flight_record;
    Result<OpenedRecord> r = open_record(rx, rec);
    REQUIRE(r.ok());
    CHECK(to_hex(r.value().plaintext) == to_hex(cat({rfc(kRfc3EncryptedExtensions), rfc(kRfc3Certificate),
                                                      rfc(kRfc3CertificateVerify), rfc(kRfc3ServerFinished)})));
  }
  const Bytes out = take_output(server);
  REQUIRE(out.size() >= sh_record.size());
  CHECK(to_hex(ByteView(out).sub(0, sh_record.size())) == to_hex(sh_record));
  CHECK(to_hex(ByteView(out).sub(sh_record.size())) == to_hex(flight_record));
  CHECK(server.is_handshaking());

  // {client} send handshake record: the client's Finished completes the handshake.
  n = server.receive(rfc(kRfc3ClientFinishedRecord));
  REQUIRE_MESSAGE(n.ok(), n.error().to_string());
  bool done = false;
  while (auto ev = server.next_event()) done |= ev->type == Event::Type::handshake_done;
  CHECK(done);
  REQUIRE(server.info() != nullptr);
  CHECK(server.info()->cipher_suite == 0x1301);
  CHECK(server.info()->group == 0x001d);
  CHECK(server.info()->signature_scheme == 0x0804);
  CHECK(server.info()->server_name == "server");

  // The NewSessionTicket: one record under the RFC's server application traffic key.
  Bytes nst = take_output(server);
  REQUIRE(nst.size() > kRecordHeaderLength);
  RecordProtection rx = protection(kRfc3ServerApplicationSecret);
  Result<OpenedRecord> r = open_record(rx, nst);
  REQUIRE(r.ok());
  CHECK(r.value().type == ContentType::handshake);
  ByteView msg = r.value().plaintext;
  REQUIRE(msg.size() > 4);
  CHECK(msg[0] == 4);  // new_session_ticket
  NewSessionTicket13 t;
  REQUIRE(decode_new_session_ticket13(msg.sub(4), &t).ok());
  CHECK(t.lifetime > 0);
  CHECK(!t.ticket.empty());
}

TEST_CASE("RFC 8448 section 3, server side: a changed byte of the client Finished fails") {
  auto cfg = rfc_server_config(kRfcServerGroups, true);
  ScriptedRng rng(cat({hex(kRfc3ServerRandom), hex(kRfc3ServerX25519Private), rfc3_pss_salt()}));
  testing::FixedClock clock(testing::kTestNowMs);
  Connection server = Connection::server(cfg, rng, clock);
  REQUIRE(server.receive(record(0x16, 0x0301, rfc(kRfc3ClientHello))).ok());
  take_output(server);
  Bytes fin = rfc(kRfc3ClientFinishedRecord);
  fin[20] ^= 1;
  CHECK(!server.receive(fin).ok());
  CHECK(server.info() == nullptr);
}

TEST_CASE("RFC 8448 section 5, server side: HelloRetryRequest without the cookie, then the RFC's ServerHello") {
  // secp256r1 only, so that the client's x25519 share is not usable and the server asks for P-256.
  auto cfg = rfc_server_config({0x0017}, /*hrr_cookie=*/false);
  ScriptedRng rng(cat({rfc("bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b98"),
                       hex(kRfc5ServerP256Private)}));
  testing::FixedClock clock(testing::kTestNowMs);
  Connection server = Connection::server(cfg, rng, clock);
  REQUIRE(server.receive(record(0x16, 0x0301, rfc(kRfc5ClientHello1))).ok());

  // The RFC's HelloRetryRequest with its cookie extension (00 2c 00 74 ...) cut out.
  Bytes hrr = rfc(kRfc5HelloRetryRequest);
  const Bytes cookie_head = hex("002c0074");
  auto at = std::search(hrr.begin(), hrr.end(), cookie_head.begin(), cookie_head.end());
  REQUIRE(at != hrr.end());
  hrr.erase(at, at + 4 + 0x74);
  hrr[3] = static_cast<uint8_t>(hrr[3] - 4 - 0x74);  // message length 0xac -> 0x34
  const size_t ext_len_at = 4 + 2 + 32 + 1 + 2 + 1;  // after version, random, session id, suite, compression
  hrr[ext_len_at + 1] = static_cast<uint8_t>(hrr[ext_len_at + 1] - 4 - 0x74);
  CHECK(to_hex(take_output(server)) == to_hex(record(0x16, 0x0303, hrr)));

  REQUIRE(server.receive(record(0x16, 0x0303, rfc(rfc5_client_hello2()))).ok());
  CHECK(rng.script_used());
  const Bytes sh_record = record(0x16, 0x0303, rfc(kRfc5ServerHello));
  const Bytes out = take_output(server);
  REQUIRE(out.size() > sh_record.size());
  CHECK(to_hex(ByteView(out).sub(0, sh_record.size())) == to_hex(sh_record));
  // The encrypted flight is keyed by a transcript holding our HelloRetryRequest: it is not the RFC's.
  CHECK(out.size() > sh_record.size() + kRecordHeaderLength);
}

TEST_CASE("RFC 8448 section 3, client side: what matches, and where it must stop") {
  Built<ClientConfig> b = ClientConfig::Builder()
                              .cipher_suites({0x1301, 0x1303, 0x1302})
                              .groups(kRfcServerGroups)
                              .versions(0x0304, 0x0304)
                              .middlebox_compat(false)
                              .record_size_limit(0x4001)
                              .verify_server(false)
                              .build();
  REQUIRE_MESSAGE(b.ok(), b.error);
  ScriptedRng rng(cat({hex(kRfc3ClientRandom), hex(kRfc3ClientX25519Private)}));
  testing::FixedClock clock(testing::kTestNowMs);
  Connection::ClientOptions opts;
  opts.server_name = "server";
  Connection client = Connection::client(b.config, opts, rng, clock);
  const Bytes out = take_output(client);
  REQUIRE(out.size() > 9);
  // Another difference: the RFC's record says 0x0301, sanstls's 0x0303 (RFC 8446 5.1 allows both).
  CHECK(to_hex(ByteView(out).sub(0, 3)) == "160303");
  ClientHello ours, theirs;
  REQUIRE(decode_client_hello(ByteView(out).sub(9), &ours).ok());
  const Bytes rfc_ch = rfc(kRfc3ClientHello);
  REQUIRE(decode_client_hello(ByteView(rfc_ch).sub(4), &theirs).ok());
  // The same: random, session ID (empty), suites, groups, the one x25519 share, versions, server name,
  // psk modes, record size limit.
  CHECK(ours.random == theirs.random);
  CHECK(ours.session_id == theirs.session_id);
  CHECK(ours.cipher_suites == theirs.cipher_suites);
  CHECK(*ours.extensions.supported_groups == *theirs.extensions.supported_groups);
  REQUIRE(ours.extensions.key_share.has_value());
  REQUIRE(ours.extensions.key_share->size() == 1);
  CHECK(to_hex(ours.extensions.key_share->front().key_exchange) ==
        to_hex(theirs.extensions.key_share->front().key_exchange));
  CHECK(*ours.extensions.supported_versions == *theirs.extensions.supported_versions);
  CHECK(*ours.extensions.server_name == "server");
  CHECK(ours.extensions.record_size_limit == theirs.extensions.record_size_limit);
  // Different, as the header explains: signature schemes sanstls does not implement, and TLS 1.2
  // extensions in a TLS 1.3-only ClientHello.
  CHECK(*ours.extensions.signature_algorithms != *theirs.extensions.signature_algorithms);
  CHECK(theirs.extensions.renegotiation_info.has_value());
  CHECK(!ours.extensions.renegotiation_info.has_value());
  CHECK(theirs.extensions.session_ticket.has_value());
  CHECK(!ours.extensions.session_ticket.has_value());

  // The RFC's ServerHello is accepted (same random and key share answered); its encrypted record is
  // keyed by the hash of the RFC's ClientHello, not ours, and cannot be opened.
  Result<size_t> n = client.receive(record(0x16, 0x0303, rfc(kRfc3ServerHello)));
  REQUIRE_MESSAGE(n.ok(), n.error().to_string());
  n = client.receive(rfc(kRfc3ServerHandshakeRecord));
  REQUIRE(!n.ok());
  CHECK(n.error().alert == AlertDescription::bad_record_mac);
}

TEST_CASE("the groups RFC 8448's server lists: secp521r1 and ffdhe4096/6144/8192 handshakes") {
  for (uint16_t g : {0x0019, 0x0102, 0x0103, 0x0104}) {
    CAPTURE(g);
    Built<ServerConfig> sb = ServerConfig::Builder()
                                 .certificate(testing::read_file("tests/certs/server_rsa.pem"),
                                              testing::read_file("tests/certs/server_rsa.key.pem"))
                                 .groups({g})
                                 .build();
    REQUIRE_MESSAGE(sb.ok(), sb.error);
    Built<ClientConfig> cb = ClientConfig::Builder()
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
