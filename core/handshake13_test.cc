// Tests for core/handshake13.h (and the TLS 1.3 side of core/handshake.h and core/extensions.h):
// the example handshakes of RFC 8448 byte for byte, real TLS 1.3 handshakes captured from OpenSSL 3
// (tests/captures/openssl_tls13_*.txt), round trips, exhaustive truncation, overlong length prefixes,
// trailing bytes and bad values.
#include "core/handshake13.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "core/handshake.h"
#include "tests/rfc8448.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::rfc8448;

namespace {

// RFC 8448's handshake messages (kRfc3ClientHello ..., rfc()) come from tests/rfc8448.h, shared with
// tests/rfc8448_test.cc, which says where they were taken from.

// ---------------------------------------------------------------------------------------------------
// Decoding a whole TLS 1.3 handshake message with the decoder its type calls for.

struct Msg13 {
  HandshakeType type = HandshakeType::hello_request;
  ClientHello ch;
  ServerHello sh;
  EncryptedExtensions ee;
  CertificateMsg13 cert;
  CertificateRequest13 cr;
  CertificateVerify cv;
  Finished fin;
  NewSessionTicket13 nst;
  KeyUpdate ku;
};

// Decodes `body` as a TLS 1.3 message of `type` into *m and, on success, re-encodes it into *re.
// hash_len is the Finished length.
Status decode13(HandshakeType type, ByteView body, size_t hash_len, Msg13* m, Bytes* re) {
  m->type = type;
  Writer w(re);
  Status s;
  switch (type) {
    case HandshakeType::client_hello:
      s = decode_client_hello(body, &m->ch);
      if (s.ok()) encode_client_hello(m->ch, w);
      break;
    case HandshakeType::server_hello:
      s = decode_server_hello(body, &m->sh);
      if (s.ok()) encode_server_hello(m->sh, w);
      break;
    case HandshakeType::encrypted_extensions:
      s = decode_encrypted_extensions(body, &m->ee);
      if (s.ok()) encode_encrypted_extensions(m->ee, w);
      break;
    case HandshakeType::certificate:
      s = decode_certificate13(body, &m->cert);
      if (s.ok()) encode_certificate13(m->cert, w);
      break;
    case HandshakeType::certificate_request:
      s = decode_certificate_request13(body, &m->cr);
      if (s.ok()) encode_certificate_request13(m->cr, w);
      break;
    case HandshakeType::certificate_verify:
      s = decode_certificate_verify(body, &m->cv);
      if (s.ok()) encode_certificate_verify(m->cv, w);
      break;
    case HandshakeType::finished:
      s = decode_finished(body, hash_len, &m->fin);
      if (s.ok()) encode_finished(m->fin, w);
      break;
    case HandshakeType::new_session_ticket:
      s = decode_new_session_ticket13(body, &m->nst);
      if (s.ok()) encode_new_session_ticket13(m->nst, w);
      break;
    case HandshakeType::key_update:
      s = decode_key_update(body, &m->ku);
      if (s.ok()) encode_key_update(m->ku, w);
      break;
    case HandshakeType::end_of_early_data:
      s = decode_end_of_early_data(body);
      break;
    default:
      return Error::internal("test: no TLS 1.3 decoder for this type");
  }
  if (s.ok() && !w.ok()) return Error::internal("test: the encoder failed");
  return s;
}

// Splits a whole message (header + body), decodes it, and checks that it re-encodes to the same bytes.
Msg13 round_trip13(const Bytes& msg, size_t hash_len = 32) {
  HandshakeHeader h;
  ByteView body;
  REQUIRE(split_handshake_message(msg, &h, &body).ok());  // the 24-bit length matches the body
  Msg13 m;
  Bytes re;
  Status s = decode13(h.type, body, hash_len, &m, &re);
  INFO(handshake_type_name(h.type));
  REQUIRE_MESSAGE(s.ok(), s.error().what);
  CHECK(to_hex(re) == to_hex(body));
  Bytes whole;
  REQUIRE(encode_handshake(h.type, re, &whole));
  CHECK(whole == msg);
  return m;
}

// Every strict prefix of `body` gives decode_error, except the lengths in valid_at; one trailing byte
// gives decode_error.
void check_truncations_and_trailing(HandshakeType type, ByteView body, size_t hash_len,
                                    std::vector<size_t> valid_at = {}) {
  INFO(handshake_type_name(type));
  for (size_t n = 0; n < body.size(); n++) {
    CAPTURE(n);
    Msg13 m;
    Bytes re;
    Status s = decode13(type, body.sub(0, n), hash_len, &m, &re);
    if (std::find(valid_at.begin(), valid_at.end(), n) != valid_at.end()) {
      CHECK(s.ok());
    } else {
      REQUIRE_FALSE(s.ok());
      CHECK(s.error().alert == AlertDescription::decode_error);
    }
  }
  Bytes longer = body.to_bytes();
  longer.push_back(0);
  Msg13 m;
  Bytes re;
  Status s = decode13(type, longer, hash_len, &m, &re);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().alert == AlertDescription::decode_error);
}

// A hello cut right before its extensions block is itself a valid hello.
size_t hello_fixed_part(HandshakeType type, ByteView body) {
  size_t sid = body[34];
  if (type == HandshakeType::server_hello) return 35 + sid + 3;
  size_t suites = (size_t{body[35 + sid]} << 8) | body[36 + sid];
  return 38 + sid + suites + body[37 + sid + suites];
}

void check_truncations_of(const Bytes& msg, size_t hash_len = 32) {
  HandshakeHeader h;
  ByteView body;
  REQUIRE(split_handshake_message(msg, &h, &body).ok());
  std::vector<size_t> valid_at;
  if (h.type == HandshakeType::client_hello || h.type == HandshakeType::server_hello) {
    valid_at.push_back(hello_fixed_part(h.type, body));
  }
  if (h.type == HandshakeType::end_of_early_data) return;  // empty: only the trailing byte applies
  check_truncations_and_trailing(h.type, body, hash_len, valid_at);
}

Status decode_alert_only(HandshakeType type, const Bytes& body) {
  Msg13 m;
  Bytes re;
  return decode13(type, body, 32, &m, &re);
}

void check_error(Status s, AlertDescription alert) {
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().alert == alert);
}

template <typename M>
Bytes encode_with(void (*enc)(const M&, Writer&), const M& m) {
  Bytes out;
  Writer w(&out);
  enc(m, w);
  REQUIRE(w.ok());
  return out;
}

template <typename M>
bool encode_fails(void (*enc)(const M&, Writer&), const M& m) {
  Bytes out;
  Writer w(&out);
  enc(m, w);
  return !w.ok();
}

bool contains(const std::vector<uint16_t>& v, uint16_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// RFC 8448

TEST_CASE("RFC 8448 section 3 (simple 1-RTT handshake): every message decodes and re-encodes exactly") {
  Msg13 ch = round_trip13(rfc(kRfc3ClientHello));
  CHECK(ch.ch.legacy_version == version::tls12);
  CHECK(ch.ch.session_id.empty());
  CHECK(ch.ch.cipher_suites == std::vector<uint16_t>{0x1301, 0x1303, 0x1302});
  const Extensions& che = ch.ch.extensions;
  CHECK(che.order == std::vector<uint16_t>{0, 0xff01, 10, 35, 51, 43, 13, 45, 28});
  CHECK(*che.server_name == "server");
  CHECK(che.renegotiation_info->empty());
  CHECK(*che.supported_groups ==
        std::vector<uint16_t>{0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104});
  CHECK(che.session_ticket->empty());
  REQUIRE(che.key_share->size() == 1);
  CHECK(che.key_share->at(0).group == 0x001d);
  CHECK(to_hex(che.key_share->at(0).key_exchange) ==
        "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c");
  CHECK(*che.supported_versions == std::vector<uint16_t>{0x0304});
  CHECK(che.signature_algorithms->size() == 15);
  CHECK(*che.psk_key_exchange_modes == Bytes{1});
  CHECK(che.record_size_limit == uint16_t{0x4001});
  CHECK(che.unknown.empty());

  Msg13 sh = round_trip13(rfc(kRfc3ServerHello));
  CHECK_FALSE(sh.sh.is_hello_retry_request());
  CHECK(sh.sh.cipher_suite == 0x1301);
  REQUIRE(sh.sh.extensions.key_share->size() == 1);
  CHECK(to_hex(sh.sh.extensions.key_share->at(0).key_exchange) ==
        "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f");
  CHECK(*sh.sh.extensions.supported_versions == std::vector<uint16_t>{0x0304});
  CHECK(!sh.sh.extensions.psk_selected_identity);

  Msg13 ee = round_trip13(rfc(kRfc3EncryptedExtensions));
  CHECK(ee.ee.extensions.order == std::vector<uint16_t>{10, 28, 0});
  CHECK(ee.ee.extensions.supported_groups->size() == 9);
  CHECK(ee.ee.extensions.record_size_limit == uint16_t{0x4001});
  CHECK(*ee.ee.extensions.server_name == "");
  CHECK(!ee.ee.extensions.early_data);

  Msg13 cert = round_trip13(rfc(kRfc3Certificate));
  CHECK(cert.cert.request_context.empty());
  REQUIRE(cert.cert.entries.size() == 1);
  CHECK(cert.cert.entries[0].cert_data.size() == 0x1b0);
  CHECK(cert.cert.entries[0].cert_data[0] == 0x30);
  CHECK(cert.cert.entries[0].extensions.order.empty());

  Msg13 cv = round_trip13(rfc(kRfc3CertificateVerify));
  CHECK(cv.cv.sig_scheme == 0x0804);  // rsa_pss_rsae_sha256
  CHECK(cv.cv.signature.size() == 128);

  Msg13 sfin = round_trip13(rfc(kRfc3ServerFinished));
  CHECK(to_hex(sfin.fin.verify_data) == "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718");
  Msg13 cfin = round_trip13(rfc(kRfc3ClientFinished));
  CHECK(cfin.fin.verify_data.size() == 32);

  Msg13 nst = round_trip13(rfc(kRfc3NewSessionTicket));
  CHECK(nst.nst.lifetime == 30);
  CHECK(nst.nst.age_add == 0xfad6aac5);
  CHECK(nst.nst.nonce == Bytes{0, 0});
  CHECK(nst.nst.ticket.size() == 0xb2);
  CHECK(nst.nst.extensions.max_early_data_size == uint32_t{1024});
  CHECK(nst.nst.extensions.unknown.empty());

  for (const char* m : {kRfc3ClientHello, kRfc3ServerHello, kRfc3EncryptedExtensions, kRfc3Certificate,
                        kRfc3CertificateVerify, kRfc3ServerFinished, kRfc3NewSessionTicket}) {
    check_truncations_of(rfc(m));
  }
}

TEST_CASE("RFC 8448 section 4 (resumed 0-RTT handshake): pre_shared_key, early_data, binders") {
  const Bytes ch_bytes = rfc(rfc4_client_hello());
  REQUIRE(ch_bytes.size() == 512);
  Msg13 ch = round_trip13(ch_bytes);
  const Extensions& e = ch.ch.extensions;
  CHECK(e.order == std::vector<uint16_t>{0, 0xff01, 10, 51, 42, 43, 13, 45, 28, 21, 41});
  CHECK(e.early_data);
  REQUIRE(e.unknown.size() == 1);  // padding
  CHECK(e.unknown[0].type == 21);
  CHECK(e.unknown[0].data == Bytes(0x57, 0));
  REQUIRE(e.pre_shared_key);
  REQUIRE(e.pre_shared_key->identities.size() == 1);
  // The identity is the ticket of section 3's NewSessionTicket; the age is obfuscated with its age_add.
  Msg13 nst = round_trip13(rfc(kRfc3NewSessionTicket));
  CHECK(e.pre_shared_key->identities[0].identity == nst.nst.ticket);
  CHECK(e.pre_shared_key->identities[0].obfuscated_ticket_age == 0xfad6aacb);
  CHECK(e.pre_shared_key->identities[0].obfuscated_ticket_age - nst.nst.age_add == 6);  // ms
  REQUIRE(e.pre_shared_key->binders.size() == 1);
  CHECK(to_hex(e.pre_shared_key->binders[0]) == "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d");

  // The partial ClientHello the binder is computed over: the RFC's "ClientHello prefix (477 octets)".
  const size_t binders = psk_binders_size(*e.pre_shared_key);
  CHECK(binders == 35);
  CHECK(ch_bytes.size() - binders == 477);
  // What the engine does: encode with zero binders of the final size; the prefix is the same bytes.
  ClientHello zeroed = ch.ch;
  zeroed.extensions.pre_shared_key->binders[0] = Bytes(32, 0);
  Bytes body = encode_with(encode_client_hello, zeroed);
  Bytes msg;
  REQUIRE(encode_handshake(HandshakeType::client_hello, body, &msg));
  REQUIRE(msg.size() == ch_bytes.size());
  CHECK(std::equal(msg.begin(), msg.end() - 35, ch_bytes.begin()));
  CHECK(!std::equal(msg.end() - 35, msg.end(), ch_bytes.end() - 35));

  Msg13 sh = round_trip13(rfc(kRfc4ServerHello));
  CHECK(sh.sh.extensions.psk_selected_identity == uint16_t{0});
  CHECK(sh.sh.extensions.order == std::vector<uint16_t>{41, 51, 43});
  CHECK(sh.sh.extensions.key_share->at(0).key_exchange.size() == 32);

  Msg13 ee = round_trip13(rfc(kRfc4EncryptedExtensions));
  CHECK(ee.ee.extensions.early_data);
  CHECK(!ee.ee.extensions.max_early_data_size);

  Msg13 eoed = round_trip13(rfc(kRfc4EndOfEarlyData));
  CHECK(eoed.type == HandshakeType::end_of_early_data);
  round_trip13(rfc(kRfc4ServerFinished));
  round_trip13(rfc(kRfc4ClientFinished));

  for (const Bytes& m : {ch_bytes, rfc(kRfc4ServerHello), rfc(kRfc4EncryptedExtensions)}) check_truncations_of(m);
  // EndOfEarlyData with a body.
  check_error(decode_end_of_early_data(hex("00")), AlertDescription::decode_error);

  // Moving pre_shared_key before padding makes the same ClientHello illegal (RFC 8446 4.2.11).
  ClientHello moved = ch.ch;
  moved.extensions.order = {0, 0xff01, 10, 51, 42, 43, 13, 45, 28, 41, 21};
  Bytes moved_body = encode_with(encode_client_hello, moved);  // encode ignores the illegal order...
  ClientHello back;
  REQUIRE(decode_client_hello(moved_body, &back).ok());  // ...and writes pre_shared_key last
  CHECK(back.extensions.order.back() == 41);
}

TEST_CASE("RFC 8448 section 5 (HelloRetryRequest): cookie and selected group round-trip") {
  Msg13 ch1 = round_trip13(rfc(kRfc5ClientHello1));
  CHECK(ch1.ch.extensions.key_share->size() == 1);
  CHECK(*ch1.ch.extensions.supported_groups == std::vector<uint16_t>{0x001d, 0x0017, 0x0018});

  Msg13 hrr = round_trip13(rfc(kRfc5HelloRetryRequest));
  REQUIRE(hrr.sh.is_hello_retry_request());
  const Extensions& he = hrr.sh.extensions;
  CHECK(he.order == std::vector<uint16_t>{51, 44, 43});
  CHECK(he.hrr_selected_group == uint16_t{0x0017});
  CHECK(!he.key_share);
  REQUIRE(he.cookie);
  CHECK(he.cookie->size() == 0x72);
  CHECK(*he.supported_versions == std::vector<uint16_t>{0x0304});
  CHECK(he.unknown.empty());

  const Bytes ch2_bytes = rfc(rfc5_client_hello2());
  REQUIRE(ch2_bytes.size() == 512);
  Msg13 ch2 = round_trip13(ch2_bytes);
  CHECK(ch2.ch.random == ch1.ch.random);
  REQUIRE(ch2.ch.extensions.cookie);
  CHECK(*ch2.ch.extensions.cookie == *he.cookie);  // the client echoes the cookie
  REQUIRE(ch2.ch.extensions.key_share->size() == 1);
  CHECK(ch2.ch.extensions.key_share->at(0).group == 0x0017);
  CHECK(ch2.ch.extensions.key_share->at(0).key_exchange.size() == 65);

  Msg13 sh = round_trip13(rfc(kRfc5ServerHello));
  CHECK_FALSE(sh.sh.is_hello_retry_request());
  CHECK(sh.sh.extensions.key_share->at(0).group == 0x0017);

  for (const Bytes& m : {rfc(kRfc5HelloRetryRequest), ch2_bytes, rfc(kRfc5ServerHello)}) check_truncations_of(m);
}

TEST_CASE("HelloRetryRequest built by hand; the HRR context applies only with the special random") {
  ServerHello hrr;
  hrr.random = kHelloRetryRequestRandom;
  hrr.session_id = Bytes(32, 0x11);
  hrr.cipher_suite = 0x1302;
  hrr.has_extensions = true;
  hrr.extensions.supported_versions = std::vector<uint16_t>{0x0304};
  hrr.extensions.hrr_selected_group = 0x001d;
  hrr.extensions.cookie = hex("c00c1e");
  hrr.extensions.key_share = std::vector<KeyShareEntry>{{0x0017, Bytes(65, 4)}};  // not an HRR field
  Bytes body = encode_with(encode_server_hello, hrr);
  const std::string ext_hex = "0015" "002b00020304" "00330002001d" "002c00050003c00c1e";
  CHECK(to_hex(ByteView(body).sub(body.size() - ext_hex.size() / 2)) == ext_hex);
  ServerHello back;
  REQUIRE(decode_server_hello(body, &back).ok());
  CHECK(back.is_hello_retry_request());
  CHECK(back.extensions.hrr_selected_group == uint16_t{0x001d});
  CHECK(*back.extensions.cookie == hex("c00c1e"));
  CHECK(encode_with(encode_server_hello, back) == body);

  // The same bytes with an ordinary random: a ServerHello, where cookie has no parser (kept raw) and
  // key_share must be a whole entry (a bare group is malformed).
  ServerHello plain = back;
  plain.random[0] ^= 1;
  Bytes plain_body = encode_with(encode_server_hello, plain);  // the HRR fields are not written there
  CHECK(plain_body.size() < body.size());
  Bytes forged = body;
  forged[2] ^= 1;  // random[0]
  ServerHello sh;
  check_error(decode_server_hello(forged, &sh), AlertDescription::decode_error);
  // With the key_share dropped, the cookie is carried raw in a ServerHello.
  ServerHello no_ks = back;
  no_ks.extensions.hrr_selected_group.reset();
  no_ks.extensions.order.clear();
  Bytes nb = encode_with(encode_server_hello, no_ks);
  nb[2] ^= 1;
  REQUIRE(decode_server_hello(nb, &sh).ok());
  CHECK(!sh.extensions.cookie);
  REQUIRE(sh.extensions.find_unknown(44) != nullptr);
  CHECK(sh.extensions.find_unknown(44)->data == hex("0003c00c1e"));
}

// ---------------------------------------------------------------------------------------------------
// The messages of handshake13.h: round trips, truncations, overlong prefixes, bad values.

TEST_CASE("EncryptedExtensions") {
  EncryptedExtensions m;
  Bytes empty = encode_with(encode_encrypted_extensions, m);
  CHECK(to_hex(empty) == "0000");
  m.extensions.alpn = std::vector<std::string>{"h2"};
  m.extensions.early_data = true;
  m.extensions.unknown.push_back(RawExtension{0xfafa, hex("01")});
  Bytes body = encode_with(encode_encrypted_extensions, m);
  CHECK(to_hex(body) == "0012" "001000050003026832" "002a0000" "fafa000101");
  EncryptedExtensions back;
  REQUIRE(decode_encrypted_extensions(body, &back).ok());
  CHECK(back.extensions.early_data);
  CHECK(encode_with(encode_encrypted_extensions, back) == body);
  check_truncations_and_trailing(HandshakeType::encrypted_extensions, body, 32);
  Bytes overlong = body;
  overlong[1]++;
  check_error(decode_alert_only(HandshakeType::encrypted_extensions, overlong), AlertDescription::decode_error);
  // An extension error comes through: record_size_limit 63.
  check_error(decode_encrypted_extensions(hex("0006001c0002003f"), &back), AlertDescription::illegal_parameter);
}

TEST_CASE("Certificate (TLS 1.3)") {
  CertificateMsg13 m;
  Bytes empty = encode_with(encode_certificate13, m);
  CHECK(to_hex(empty) == "00" "000000");
  m.request_context = hex("abcd");
  m.entries.push_back(CertificateEntry{hex("3003020101"), Extensions()});
  CertificateEntry second{hex("3000"), Extensions()};
  second.extensions.unknown.push_back(RawExtension{5, hex("0100")});  // status_request, kept raw
  m.entries.push_back(second);
  Bytes body = encode_with(encode_certificate13, m);
  CHECK(to_hex(body) == "02abcd" "000017" "000005" "3003020101" "0000" "000002" "3000" "0006" "00050002" "0100");
  CertificateMsg13 back;
  REQUIRE(decode_certificate13(body, &back).ok());
  CHECK(back.request_context == hex("abcd"));
  REQUIRE(back.entries.size() == 2);
  CHECK(back.entries[1].extensions.find_unknown(5) != nullptr);
  CHECK(encode_with(encode_certificate13, back) == body);
  check_truncations_and_trailing(HandshakeType::certificate, body, 32);
  // Overlong prefixes: request_context, certificate_list, the first cert_data, its extensions.
  for (size_t at : {size_t{0}, size_t{5}, size_t{8}, size_t{15}}) {
    CAPTURE(at);
    Bytes b = body;
    b[at]++;
    check_error(decode_certificate13(b, &back), AlertDescription::decode_error);
  }
  // An empty cert_data is out of range; the encoder refuses it too.
  check_error(decode_certificate13(hex("00" "000005" "000000" "0000"), &back), AlertDescription::decode_error);
  CertificateMsg13 bad;
  bad.entries.push_back(CertificateEntry{});
  CHECK(encode_fails(encode_certificate13, bad));
  bad.entries.clear();
  bad.request_context = Bytes(256, 0);
  CHECK(encode_fails(encode_certificate13, bad));
  // Entry extension errors come through (a duplicate).
  check_error(decode_certificate13(hex("00" "00000e" "000001" "30" "0008" "00050000" "00050000"), &back),
              AlertDescription::decode_error);
}

TEST_CASE("CertificateRequest (TLS 1.3)") {
  CertificateRequest13 m;
  m.extensions.signature_algorithms = std::vector<uint16_t>{0x0804, 0x0403};
  m.extensions.certificate_authorities = std::vector<Bytes>{hex("3000")};
  Bytes body = encode_with(encode_certificate_request13, m);
  CHECK(to_hex(body) == "00" "0014" "000d0006000408040403" "002f0006000400023000");
  CertificateRequest13 back;
  REQUIRE(decode_certificate_request13(body, &back).ok());
  CHECK(back.request_context.empty());
  CHECK(*back.extensions.certificate_authorities == std::vector<Bytes>{hex("3000")});
  CHECK(encode_with(encode_certificate_request13, back) == body);
  check_truncations_and_trailing(HandshakeType::certificate_request, body, 32);
  // A post-handshake request has a context.
  m.request_context = hex("0102030405060708");
  Bytes ph = encode_with(encode_certificate_request13, m);
  REQUIRE(decode_certificate_request13(ph, &back).ok());
  CHECK(back.request_context == hex("0102030405060708"));
  check_truncations_and_trailing(HandshakeType::certificate_request, ph, 32);
  // RFC 8446 4.3.2: signature_algorithms MUST be present: missing_extension.
  check_error(decode_certificate_request13(hex("00" "0000"), &back), AlertDescription::missing_extension);
  check_error(decode_certificate_request13(hex("00" "000a" "002f0006000400023000"), &back),
              AlertDescription::missing_extension);
  CertificateRequest13 none;
  CHECK(encode_fails(encode_certificate_request13, none));
  // Malformed beats missing: a truncated block is decode_error.
  check_error(decode_certificate_request13(hex("00" "000b" "002f0006000400023000"), &back),
              AlertDescription::decode_error);
}

TEST_CASE("NewSessionTicket (TLS 1.3)") {
  NewSessionTicket13 m;
  m.lifetime = 7200;
  m.age_add = 0x01020304;
  m.nonce = hex("00");
  m.ticket = hex("7469636b6574");
  Bytes plain = encode_with(encode_new_session_ticket13, m);
  CHECK(to_hex(plain) == "00001c20" "01020304" "0100" "00067469636b6574" "0000");
  m.extensions.max_early_data_size = 16384;
  m.extensions.unknown.push_back(RawExtension{0x2a2a, {}});
  Bytes body = encode_with(encode_new_session_ticket13, m);
  NewSessionTicket13 back;
  REQUIRE(decode_new_session_ticket13(body, &back).ok());
  CHECK(back.lifetime == 7200);
  CHECK(back.age_add == 0x01020304);
  CHECK(back.extensions.max_early_data_size == uint32_t{16384});
  CHECK(encode_with(encode_new_session_ticket13, back) == body);
  check_truncations_and_trailing(HandshakeType::new_session_ticket, body, 32);
  check_truncations_and_trailing(HandshakeType::new_session_ticket, plain, 32);
  // Overlong prefixes: nonce, ticket, extensions.
  for (size_t at : {size_t{8}, size_t{11}, size_t{19}}) {
    CAPTURE(at);
    Bytes b = plain;
    b[at]++;
    check_error(decode_new_session_ticket13(b, &back), AlertDescription::decode_error);
  }
  // An empty ticket is out of range (<1..2^16-1>); so is a nonce over 255 on encode.
  check_error(decode_new_session_ticket13(hex("00001c20" "01020304" "00" "0000" "0000"), &back),
              AlertDescription::decode_error);
  NewSessionTicket13 bad = m;
  bad.ticket.clear();
  CHECK(encode_fails(encode_new_session_ticket13, bad));
  bad = m;
  bad.nonce = Bytes(256, 0);
  CHECK(encode_fails(encode_new_session_ticket13, bad));
  // The lifetime is carried, not judged (the engine enforces the 7-day cap).
  REQUIRE(decode_new_session_ticket13(hex("ffffffff" "00000000" "00" "000101" "0000"), &back).ok());
  CHECK(back.lifetime == 0xffffffff);
}

TEST_CASE("KeyUpdate and EndOfEarlyData") {
  for (uint8_t v : {kKeyUpdateNotRequested, kKeyUpdateRequested}) {
    KeyUpdate m{v};
    Bytes body = encode_with(encode_key_update, m);
    CHECK(body == Bytes{v});
    KeyUpdate back;
    REQUIRE(decode_key_update(body, &back).ok());
    CHECK(back.request_update == v);
  }
  KeyUpdate back;
  // RFC 8446 4.6.3: any other value is illegal_parameter.
  for (uint8_t v : {uint8_t{2}, uint8_t{3}, uint8_t{0x7f}, uint8_t{0xff}}) {
    CAPTURE(v);
    check_error(decode_key_update(Bytes{v}, &back), AlertDescription::illegal_parameter);
    CHECK(encode_fails(encode_key_update, KeyUpdate{v}));
  }
  check_error(decode_key_update(Bytes{}, &back), AlertDescription::decode_error);
  check_error(decode_key_update(Bytes{1, 0}, &back), AlertDescription::decode_error);
  check_error(decode_key_update(Bytes{5, 0}, &back), AlertDescription::decode_error);  // length first
  CHECK(decode_end_of_early_data(Bytes{}).ok());
  check_error(decode_end_of_early_data(Bytes{0}), AlertDescription::decode_error);
}

TEST_CASE("message_hash_message and certificate_verify_input") {
  // RFC 8446 4.4.1: Hash(ClientHello1) replaced by message_hash || 00 00 Hash.length || Hash.
  Bytes h32(32, 0xab);
  Bytes mh = message_hash_message(h32);
  REQUIRE(mh.size() == 36);
  CHECK(to_hex(ByteView(mh).sub(0, 4)) == "fe000020");
  CHECK(ByteView(mh).sub(4) == ByteView(h32));
  CHECK(to_hex(ByteView(message_hash_message(Bytes(48, 1))).sub(0, 4)) == "fe000030");
  HandshakeHeader hdr;
  ByteView body;
  REQUIRE(split_handshake_message(mh, &hdr, &body).ok());
  CHECK(hdr.type == HandshakeType::message_hash);

  // RFC 8446 4.4.3: 64 spaces, the context string, a zero byte, the transcript hash.
  Bytes th(48, 0x5c);
  Bytes server = certificate_verify_input(true, th);
  Bytes client = certificate_verify_input(false, th);
  const std::string sctx = "TLS 1.3, server CertificateVerify";
  REQUIRE(server.size() == 64 + sctx.size() + 1 + 48);
  CHECK(server.size() == client.size());
  CHECK(ByteView(server).sub(0, 64) == ByteView(Bytes(64, 0x20)));
  CHECK(ByteView(server).sub(64, sctx.size()).to_string() == sctx);
  CHECK(ByteView(client).sub(64, sctx.size()).to_string() == "TLS 1.3, client CertificateVerify");
  CHECK(server[64 + sctx.size()] == 0);
  CHECK(ByteView(server).sub(64 + sctx.size() + 1) == ByteView(th));
  CHECK(server != client);
}

// ---------------------------------------------------------------------------------------------------
// Real TLS 1.3 handshakes captured from OpenSSL 3 (tests/captures/README.md, capture.sh).

namespace {

struct Captured {
  std::string direction;
  std::string name;
  Bytes bytes;
};

std::vector<Captured> load13(const std::string& file) {
  std::istringstream in(testing::read_text("tests/captures/" + file));
  std::vector<Captured> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    Captured c;
    std::string hx;
    fields >> c.direction >> c.name >> hx;
    REQUIRE(from_hex(hx, &c.bytes));
    out.push_back(std::move(c));
  }
  REQUIRE(!out.empty());
  return out;
}

HandshakeType type_named(const std::string& name) {
  if (name == "ClientHello") return HandshakeType::client_hello;
  if (name == "ServerHello") return HandshakeType::server_hello;  // OpenSSL names an HRR so too
  if (name == "EncryptedExtensions") return HandshakeType::encrypted_extensions;
  if (name == "CertificateRequest") return HandshakeType::certificate_request;
  if (name == "Certificate") return HandshakeType::certificate;
  if (name == "CertificateVerify") return HandshakeType::certificate_verify;
  if (name == "Finished") return HandshakeType::finished;
  if (name == "NewSessionTicket") return HandshakeType::new_session_ticket;
  if (name == "EndOfEarlyData") return HandshakeType::end_of_early_data;
  if (name == "KeyUpdate") return HandshakeType::key_update;
  FAIL("unknown message name " << name);
  return HandshakeType::hello_request;
}

// Decodes every message of a capture (the Finished length follows the negotiated suite's hash),
// checks each re-encodes exactly, that its type is the one OpenSSL named, and that every truncation
// and a trailing byte are refused.
std::vector<Msg13> decode_capture13(const std::string& file) {
  std::vector<Msg13> out;
  size_t hash_len = 32;
  for (const Captured& c : load13(file)) {
    CAPTURE(c.name);
    Msg13 m = round_trip13(c.bytes, hash_len);
    CHECK(m.type == type_named(c.name));
    CHECK((c.direction == "c2s" || c.direction == "s2c"));
    if (m.type == HandshakeType::server_hello && !m.sh.is_hello_retry_request()) {
      hash_len = m.sh.cipher_suite == 0x1302 ? 48 : 32;  // TLS_AES_256_GCM_SHA384
    }
    check_truncations_of(c.bytes, hash_len);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<HandshakeType> types_of(const std::vector<Msg13>& msgs) {
  std::vector<HandshakeType> out;
  for (const Msg13& m : msgs) out.push_back(m.type);
  return out;
}

using HT = HandshakeType;

}  // namespace

TEST_CASE("captured OpenSSL 3 TLS 1.3 handshake: full, x25519, RSA-PSS, two tickets") {
  std::vector<Msg13> d = decode_capture13("openssl_tls13_rsa.txt");
  REQUIRE(types_of(d) == std::vector<HT>{HT::client_hello, HT::server_hello, HT::encrypted_extensions,
                                         HT::certificate, HT::certificate_verify, HT::finished, HT::finished,
                                         HT::new_session_ticket, HT::new_session_ticket});
  const Extensions& ch = d[0].ch.extensions;
  CHECK(*ch.supported_versions == std::vector<uint16_t>{0x0304});
  CHECK(*ch.server_name == "localhost");
  CHECK(ch.key_share->at(0).group == 0x001d);
  CHECK(*ch.psk_key_exchange_modes == Bytes{1});
  CHECK(d[0].ch.session_id.size() == 32);  // middlebox compatibility mode
  CHECK(!ch.pre_shared_key);
  CHECK(d[1].sh.session_id == d[0].ch.session_id);
  CHECK(d[1].sh.cipher_suite == 0x1302);
  CHECK(*d[1].sh.extensions.supported_versions == std::vector<uint16_t>{0x0304});
  REQUIRE(d[3].cert.entries.size() >= 1);
  CHECK(d[3].cert.request_context.empty());
  CHECK(d[3].cert.entries[0].extensions.order.empty());
  CHECK(d[4].cv.sig_scheme == 0x0804);  // rsa_pss_rsae_sha256
  CHECK(d[4].cv.signature.size() == 256);
  CHECK(d[5].fin.verify_data.size() == 48);
  for (size_t i : {size_t{7}, size_t{8}}) {
    CHECK(d[i].nst.lifetime == 7200);
    CHECK(!d[i].nst.ticket.empty());
    CHECK(d[i].nst.extensions.max_early_data_size == uint32_t{16384});  // s_server -early_data
  }
  CHECK(d[7].nst.nonce != d[8].nst.nonce);
}

TEST_CASE("captured OpenSSL 3 TLS 1.3 handshake: resumption with accepted 0-RTT data") {
  std::vector<Msg13> d = decode_capture13("openssl_tls13_resumed_early_data.txt");
  REQUIRE(types_of(d) == std::vector<HT>{HT::client_hello, HT::server_hello, HT::encrypted_extensions,
                                         HT::finished, HT::end_of_early_data, HT::finished,
                                         HT::new_session_ticket});
  const Extensions& ch = d[0].ch.extensions;
  CHECK(ch.early_data);
  REQUIRE(ch.pre_shared_key);
  CHECK(ch.order.back() == 41);
  REQUIRE(ch.pre_shared_key->identities.size() == 1);
  REQUIRE(ch.pre_shared_key->binders.size() == 1);
  CHECK(ch.pre_shared_key->binders[0].size() == 48);  // HMAC-SHA384 (the ticket's suite)
  CHECK(psk_binders_size(*ch.pre_shared_key) == 2 + 1 + 48);
  CHECK(d[1].sh.extensions.psk_selected_identity == uint16_t{0});
  CHECK(d[2].ee.extensions.early_data);
  CHECK(d[6].nst.extensions.max_early_data_size == uint32_t{16384});
}

TEST_CASE("captured OpenSSL 3 TLS 1.3 handshake: HelloRetryRequest, client authentication, KeyUpdate") {
  std::vector<Msg13> d = decode_capture13("openssl_tls13_hrr_client_auth.txt");
  REQUIRE(types_of(d) == std::vector<HT>{HT::client_hello, HT::server_hello, HT::client_hello, HT::server_hello,
                                         HT::encrypted_extensions, HT::certificate_request, HT::certificate,
                                         HT::certificate_verify, HT::finished, HT::certificate,
                                         HT::certificate_verify, HT::finished, HT::new_session_ticket,
                                         HT::new_session_ticket, HT::key_update});
  REQUIRE(d[1].sh.is_hello_retry_request());
  CHECK(d[1].sh.extensions.hrr_selected_group == uint16_t{0x0017});
  CHECK(!d[1].sh.extensions.cookie);
  CHECK(d[2].ch.random == d[0].ch.random);
  CHECK(d[2].ch.extensions.key_share->at(0).group == 0x0017);
  CHECK(d[2].ch.extensions.key_share->at(0).key_exchange.size() == 65);
  CHECK_FALSE(d[3].sh.is_hello_retry_request());
  const CertificateRequest13& cr = d[5].cr;
  CHECK(cr.request_context.empty());
  CHECK(contains(*cr.extensions.signature_algorithms, 0x0403));
  REQUIRE(cr.extensions.certificate_authorities);
  CHECK(cr.extensions.certificate_authorities->size() == 1);  // the CA of -CAfile
  REQUIRE(d[9].cert.entries.size() >= 1);  // the client's chain
  CHECK(d[9].cert.entries[0].cert_data != d[6].cert.entries[0].cert_data);
  CHECK(d[10].cv.sig_scheme == 0x0403);  // ecdsa_secp256r1_sha256
  CHECK(d[14].ku.request_update == kKeyUpdateRequested);
}
