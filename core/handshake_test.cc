// Tests for core/handshake.h: round trips, exhaustive truncation, overlong length prefixes, trailing
// bytes, bad values, and real handshakes captured from OpenSSL 3 (tests/captures/, see its README.md).
#include "core/handshake.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testdata.h"

using namespace sanstls;

namespace {

using Decoder = std::function<Status(ByteView)>;

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

// Every strict prefix of a valid body gives decode_error, except the lengths listed in `valid_at`
// (e.g. a hello cut right before its extensions block is itself a valid hello).
void check_truncations(ByteView body, const Decoder& decode, std::vector<size_t> valid_at = {}) {
  for (size_t n = 0; n < body.size(); n++) {
    bool expect_ok = false;
    for (size_t v : valid_at) expect_ok |= (v == n);
    Status s = decode(body.sub(0, n));
    CAPTURE(n);
    if (expect_ok) {
      CHECK(s.ok());
    } else {
      REQUIRE_FALSE(s.ok());
      CHECK(s.error().alert == AlertDescription::decode_error);
    }
  }
}

// A byte after the body gives decode_error.
void check_trailing(ByteView body, const Decoder& decode) {
  Bytes longer = body.to_bytes();
  longer.push_back(0x00);
  Status s = decode(longer);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().alert == AlertDescription::decode_error);
}

// Sets the big-endian length prefix of `width` bytes at `offset` to one more than the bytes that follow
// it in the body, and checks that this gives decode_error.
void check_overlong(ByteView body, size_t offset, size_t width, const Decoder& decode) {
  CAPTURE(offset);
  REQUIRE(offset + width <= body.size());
  Bytes b = body.to_bytes();
  // When the rest is longer than the prefix can say (an 8-bit prefix before 255+ bytes), use the
  // largest value: the field then swallows what follows it, which must still fail.
  size_t len = std::min(body.size() - offset - width + 1, (size_t{1} << (8 * width)) - 1);
  for (size_t i = 0; i < width; i++) b[offset + i] = static_cast<uint8_t>(len >> (8 * (width - 1 - i)));
  Status s = decode(b);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().alert == AlertDescription::decode_error);
}

void check_error(Status s, AlertDescription alert) {
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().alert == alert);
}

Random make_random(uint8_t seed) {
  Random r;
  for (size_t i = 0; i < r.size(); i++) r[i] = static_cast<uint8_t>(seed + i);
  return r;
}

Decoder client_hello_decoder() {
  return [](ByteView b) {
    ClientHello m;
    return decode_client_hello(b, &m);
  };
}
Decoder server_hello_decoder() {
  return [](ByteView b) {
    ServerHello m;
    return decode_server_hello(b, &m);
  };
}

ClientHello typical_client_hello() {
  ClientHello m;
  m.legacy_version = version::tls12;
  m.random = make_random(1);
  m.session_id = Bytes(32, 0x5a);
  m.cipher_suites = {suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                     suite::TLS_RSA_WITH_AES_128_GCM_SHA256, 0x1234 /* unknown, carried */,
                     suite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV};
  m.compression_methods = {0x00};
  m.has_extensions = true;
  m.extensions.server_name = "example.com";
  m.extensions.supported_groups = std::vector<uint16_t>{0x001d, 0x0017};
  m.extensions.signature_algorithms = std::vector<uint16_t>{0x0403, 0x0804, 0x0401};
  m.extensions.extended_master_secret = true;
  m.extensions.renegotiation_info = Bytes{};
  return m;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------

TEST_CASE("handshake header: decode, split, encode") {
  Bytes msg;
  REQUIRE(encode_handshake(HandshakeType::finished, hex("0102"), &msg));
  CHECK(msg == hex("140000020102"));
  HandshakeHeader h;
  REQUIRE(decode_handshake_header(msg, &h).ok());
  CHECK(h.type == HandshakeType::finished);
  CHECK(h.length == 2);
  ByteView body;
  REQUIRE(split_handshake_message(msg, &h, &body).ok());
  CHECK(body == ByteView(hex("0102")));
  // An unknown type is carried.
  REQUIRE(decode_handshake_header(hex("7f000000"), &h).ok());
  CHECK(static_cast<uint8_t>(h.type) == 0x7f);
  check_error(decode_handshake_header(hex("140000"), &h), AlertDescription::decode_error);
  check_error(split_handshake_message(hex("14000002aa"), &h, &body), AlertDescription::decode_error);
  check_error(split_handshake_message(hex("14000002aabbcc"), &h, &body), AlertDescription::decode_error);
  Bytes big;
  CHECK_FALSE(encode_handshake(HandshakeType::certificate, ByteView(nullptr, size_t{1} << 24), &big));
  CHECK(big.empty());
}

TEST_CASE("ClientHello round trip, truncations, overlong prefixes, trailing bytes") {
  ClientHello m = typical_client_hello();
  Bytes body = encode_with(encode_client_hello, m);
  ClientHello d;
  REQUIRE(decode_client_hello(body, &d).ok());
  CHECK(d.legacy_version == version::tls12);
  CHECK(d.random == m.random);
  CHECK(d.session_id == m.session_id);
  CHECK(d.cipher_suites == m.cipher_suites);
  CHECK(d.compression_methods == m.compression_methods);
  CHECK(d.has_extensions);
  REQUIRE(d.extensions.server_name.has_value());
  CHECK(*d.extensions.server_name == "example.com");
  CHECK(d.extensions.extended_master_secret);
  CHECK(encode_with(encode_client_hello, d) == body);

  // Offsets: version 0, random 2, session_id length 34, suites length 67, compression length 79.
  const size_t sid = 34, suites = sid + 1 + 32, comp = suites + 2 + 10, ext = comp + 2;
  CHECK(body[sid] == 32);
  CHECK(body[suites + 1] == 10);
  CHECK(body[comp] == 1);
  check_truncations(body, client_hello_decoder(), {ext});
  check_trailing(body, client_hello_decoder());
  for (auto [off, width] : std::vector<std::pair<size_t, size_t>>{{sid, 1}, {suites, 2}, {comp, 1}, {ext, 2}}) {
    check_overlong(body, off, width, client_hello_decoder());
  }
}

TEST_CASE("ClientHello edge values: no extensions, empty block, empty session id, max suites") {
  ClientHello m;
  m.random = make_random(9);
  m.cipher_suites = {suite::TLS_RSA_WITH_AES_128_CBC_SHA};
  m.compression_methods = {0x01, 0x00};
  m.has_extensions = false;
  Bytes body = encode_with(encode_client_hello, m);
  CHECK(body.size() == 2 + 32 + 1 + 2 + 2 + 1 + 2);
  ClientHello d;
  REQUIRE(decode_client_hello(body, &d).ok());
  CHECK_FALSE(d.has_extensions);
  CHECK(d.session_id.empty());
  CHECK(encode_with(encode_client_hello, d) == body);
  check_truncations(body, client_hello_decoder());
  check_trailing(body, client_hello_decoder());

  // An empty extensions block (00 00) is kept as present-but-empty.
  m.has_extensions = true;
  Bytes with_empty = encode_with(encode_client_hello, m);
  CHECK(with_empty.size() == body.size() + 2);
  REQUIRE(decode_client_hello(with_empty, &d).ok());
  CHECK(d.has_extensions);
  CHECK(d.extensions.order.empty());
  CHECK(encode_with(encode_client_hello, d) == with_empty);

  // The most suites the vector can hold: <2..2^16-2> is 32767 suites.
  m.cipher_suites.clear();
  for (uint32_t i = 0; i < 32767; i++) m.cipher_suites.push_back(static_cast<uint16_t>(i));
  Bytes many = encode_with(encode_client_hello, m);
  REQUIRE(decode_client_hello(many, &d).ok());
  CHECK(d.cipher_suites.size() == 32767);
  CHECK(d.cipher_suites.back() == 32766);
  CHECK(encode_with(encode_client_hello, d) == many);
  m.cipher_suites.push_back(1);  // 65536 bytes: does not fit the prefix
  CHECK(encode_fails(encode_client_hello, m));
}

TEST_CASE("ClientHello bad values") {
  ClientHello m = typical_client_hello();
  ClientHello d;
  // session_id of 33 bytes (SessionID is <0..32>, RFC 5246 7.4.1.2).
  m.session_id = Bytes(33, 1);
  CHECK(encode_fails(encode_client_hello, m));
  {
    Bytes body = encode_with(encode_client_hello, typical_client_hello());
    Bytes bad(body.begin(), body.begin() + 34);
    bad.push_back(33);
    bad.insert(bad.end(), 33, 0x01);
    bad.insert(bad.end(), body.begin() + 35 + 32, body.end());
    check_error(decode_client_hello(bad, &d), AlertDescription::decode_error);
  }
  // Empty cipher_suites, odd cipher_suites length, empty compression methods: hand-built bodies.
  const std::string head = "0303" + std::string(64, 'a') + "00";
  check_error(decode_client_hello(hex(head + "0000" + "0100"), &d), AlertDescription::decode_error);
  check_error(decode_client_hello(hex(head + "0003c02f00" + "0100"), &d), AlertDescription::decode_error);
  check_error(decode_client_hello(hex(head + "0002c02f" + "00"), &d), AlertDescription::decode_error);
  REQUIRE(decode_client_hello(hex(head + "0002c02f" + "0100"), &d).ok());  // the control
  // The encoder refuses what the decoder refuses.
  m = typical_client_hello();
  m.cipher_suites.clear();
  CHECK(encode_fails(encode_client_hello, m));
  m = typical_client_hello();
  m.compression_methods.clear();
  CHECK(encode_fails(encode_client_hello, m));
  // Extension errors come through: a duplicate extension (extended_master_secret twice).
  check_error(decode_client_hello(hex(head + "0002c02f" + "0100" + "0008" + "00170000" + "00170000"), &d),
              AlertDescription::decode_error);
  // Unknown extensions are carried through the hello.
  Bytes with_unknown = hex(head + "0002c02f" + "0100" + "0006" + "fafa0002abcd");
  REQUIRE(decode_client_hello(with_unknown, &d).ok());
  REQUIRE(d.extensions.unknown.size() == 1);
  CHECK(d.extensions.unknown[0].type == 0xfafa);
  CHECK(encode_with(encode_client_hello, d) == with_unknown);
}

TEST_CASE("ServerHello round trip, truncations, overlong prefixes, trailing bytes") {
  ServerHello m;
  m.random = make_random(7);
  m.session_id = Bytes(32, 0x11);
  m.cipher_suite = suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
  m.compression_method = 0;
  m.has_extensions = true;
  m.extensions.renegotiation_info = Bytes{};
  m.extensions.extended_master_secret = true;
  m.extensions.ec_point_formats = Bytes{0x00};
  Bytes body = encode_with(encode_server_hello, m);
  ServerHello d;
  REQUIRE(decode_server_hello(body, &d).ok());
  CHECK_FALSE(d.is_hello_retry_request());
  CHECK(d.cipher_suite == 0xc02f);
  CHECK(d.session_id == m.session_id);
  CHECK(d.extensions.extended_master_secret);
  REQUIRE(d.extensions.ec_point_formats.has_value());
  CHECK(encode_with(encode_server_hello, d) == body);

  const size_t sid = 34, ext = sid + 1 + 32 + 3;
  check_truncations(body, server_hello_decoder(), {ext});
  check_trailing(body, server_hello_decoder());
  check_overlong(body, sid, 1, server_hello_decoder());
  check_overlong(body, ext, 2, server_hello_decoder());

  // No extensions, empty session id, a suite and compression method the codec does not judge.
  ServerHello bare;
  bare.random = make_random(3);
  bare.cipher_suite = 0xeeee;
  bare.compression_method = 1;
  Bytes bare_body = encode_with(encode_server_hello, bare);
  CHECK(bare_body.size() == 38);
  REQUIRE(decode_server_hello(bare_body, &d).ok());
  CHECK_FALSE(d.has_extensions);
  CHECK(d.cipher_suite == 0xeeee);
  CHECK(d.compression_method == 1);
  CHECK(encode_with(encode_server_hello, d) == bare_body);
  check_truncations(bare_body, server_hello_decoder());

  // session_id of 33 bytes.
  Bytes bad = hex("0303" + std::string(64, '0') + "21" + std::string(66, '1') + "c02f00");
  check_error(decode_server_hello(bad, &d), AlertDescription::decode_error);
  bare.session_id = Bytes(33, 0);
  CHECK(encode_fails(encode_server_hello, bare));
}

TEST_CASE("ServerHello with the HelloRetryRequest random is flagged and read in the HRR context") {
  // RFC 8446 4.1.3: the random of a HelloRetryRequest.
  CHECK(to_hex(ByteView(kHelloRetryRequestRandom.data(), 32)) ==
        "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");
  // supported_versions = TLS 1.3, key_share = selected_group x25519 (only a group in an HRR).
  Bytes body = hex("0303" + to_hex(ByteView(kHelloRetryRequestRandom.data(), 32)) + "00" + "1301" + "00" + "000c" +
             "002b00020304" + "00330002001d");
  ServerHello d;
  REQUIRE(decode_server_hello(body, &d).ok());
  CHECK(d.is_hello_retry_request());
  REQUIRE(d.extensions.hrr_selected_group.has_value());
  CHECK(*d.extensions.hrr_selected_group == 0x001d);
  CHECK_FALSE(d.extensions.key_share.has_value());
  CHECK(encode_with(encode_server_hello, d) == body);
  // The same key_share body in an ordinary ServerHello is not a KeyShareEntry (no key_exchange).
  body[2] ^= 1;
  check_error(decode_server_hello(body, &d), AlertDescription::decode_error);
}

TEST_CASE("Certificate (TLS 1.2)") {
  auto dec = [](ByteView b) {
    CertificateMsg12 m;
    return decode_certificate12(b, &m);
  };
  CertificateMsg12 m;
  m.chain = {Bytes(300, 0xaa), Bytes{0x30}, Bytes(70000, 0xcc)};
  Bytes body = encode_with(encode_certificate12, m);
  CertificateMsg12 d;
  REQUIRE(decode_certificate12(body, &d).ok());
  CHECK(d.chain == m.chain);
  CHECK(encode_with(encode_certificate12, d) == body);
  // Truncation of a large body: check every point in the first two entries and a sample of the rest.
  Bytes small_body = encode_with(encode_certificate12, CertificateMsg12{{Bytes(5, 1), Bytes(3, 2)}});
  check_truncations(small_body, dec);
  for (size_t n : {size_t{0}, size_t{3}, size_t{6}, size_t{306}, size_t{309}, body.size() - 1}) {
    check_error(dec(ByteView(body).sub(0, n)), AlertDescription::decode_error);
  }
  check_trailing(body, dec);
  check_overlong(body, 0, 3, dec);
  check_overlong(body, 3, 3, dec);
  check_overlong(body, 3 + 3 + 300, 3, dec);
  check_overlong(body, 3 + 3 + 300 + 3 + 1, 3, dec);

  // The empty chain (a client without a certificate).
  Bytes empty = encode_with(encode_certificate12, CertificateMsg12{});
  CHECK(empty == hex("000000"));
  REQUIRE(decode_certificate12(empty, &d).ok());
  CHECK(d.chain.empty());
  // An empty entry (ASN.1Cert is <1..2^24-1>).
  check_error(dec(hex("000003000000")), AlertDescription::decode_error);
  CHECK(encode_fails(encode_certificate12, CertificateMsg12{{Bytes{}}}));
  // An entry that overruns the list, though not the body.
  check_error(dec(hex("000004000002aabb")), AlertDescription::decode_error);
}

TEST_CASE("ServerKeyExchange ECDHE") {
  auto dec = [](ByteView b) {
    ServerKeyExchangeEcdhe m;
    return decode_server_key_exchange_ecdhe(b, &m);
  };
  ServerKeyExchangeEcdhe m;
  m.group = 0x0017;
  m.public_key = Bytes(65, 0x04);
  m.sig_scheme = 0x0403;
  m.signature = Bytes(71, 0x30);
  Bytes body = encode_with(encode_server_key_exchange_ecdhe, m);
  ServerKeyExchangeEcdhe d;
  REQUIRE(decode_server_key_exchange_ecdhe(body, &d).ok());
  CHECK(d.curve_type == 3);
  CHECK(d.group == 0x0017);
  CHECK(d.public_key == m.public_key);
  CHECK(d.sig_scheme == 0x0403);
  CHECK(d.signature == m.signature);
  CHECK(encode_with(encode_server_key_exchange_ecdhe, d) == body);
  // The signed params are the first 4 + 65 bytes of the body.
  CHECK(ecdhe_params(d) == Bytes(body.begin(), body.begin() + 4 + 65));
  Random cr = make_random(0x10), sr = make_random(0x80);
  Bytes signed_data = server_key_exchange_signed_data(cr, sr, ecdhe_params(d));
  CHECK(signed_data.size() == 64 + 69);
  CHECK(signed_data[0] == 0x10);
  CHECK(signed_data[32] == 0x80);
  CHECK(signed_data[64] == 0x03);

  check_truncations(body, dec);
  check_trailing(body, dec);
  check_overlong(body, 3, 1, dec);
  check_overlong(body, 3 + 1 + 65 + 2, 2, dec);

  // curve_type explicit_prime (1) and explicit_char2 (2): illegal_parameter (RFC 8422 5.4).
  for (uint8_t bad : {0, 1, 2, 4, 255}) {
    Bytes b = body;
    b[0] = bad;
    check_error(dec(b), AlertDescription::illegal_parameter);
  }
  m.curve_type = 1;
  CHECK(encode_fails(encode_server_key_exchange_ecdhe, m));
  // An empty public key (ECPoint is <1..2^8-1>).
  check_error(dec(hex("03001700" "0403" "0000")), AlertDescription::decode_error);
  // An empty signature is well-formed (the engine's verification refuses it).
  REQUIRE(dec(hex("0300170101" "0403" "0000")).ok());
}

TEST_CASE("ServerKeyExchange DHE") {
  auto dec = [](ByteView b) {
    ServerKeyExchangeDhe m;
    return decode_server_key_exchange_dhe(b, &m);
  };
  ServerKeyExchangeDhe m;
  m.p = Bytes(256, 0xff);
  m.g = Bytes{0x02};
  m.ys = Bytes(256, 0x42);
  m.sig_scheme = 0x0804;
  m.signature = Bytes(256, 0x99);
  Bytes body = encode_with(encode_server_key_exchange_dhe, m);
  ServerKeyExchangeDhe d;
  REQUIRE(decode_server_key_exchange_dhe(body, &d).ok());
  CHECK(d.p == m.p);
  CHECK(d.g == m.g);
  CHECK(d.ys == m.ys);
  CHECK(d.sig_scheme == 0x0804);
  CHECK(d.signature == m.signature);
  CHECK(encode_with(encode_server_key_exchange_dhe, d) == body);
  CHECK(dhe_params(d) == Bytes(body.begin(), body.begin() + 2 + 256 + 2 + 1 + 2 + 256));

  check_truncations(body, dec);
  check_trailing(body, dec);
  for (size_t off : {size_t{0}, size_t{258}, size_t{261}, size_t{519 + 2}}) check_overlong(body, off, 2, dec);

  // Empty dh_p, dh_g or dh_Ys (each <1..2^16-1>).
  check_error(dec(hex("0000" "000102" "000105" "0804" "0000")), AlertDescription::decode_error);
  check_error(dec(hex("000117" "0000" "000105" "0804" "0000")), AlertDescription::decode_error);
  check_error(dec(hex("000117" "000102" "0000" "0804" "0000")), AlertDescription::decode_error);
  REQUIRE(dec(hex("000117" "000102" "000105" "0804" "0000")).ok());  // the control
  m.p.clear();
  CHECK(encode_fails(encode_server_key_exchange_dhe, m));
}

TEST_CASE("CertificateRequest (TLS 1.2)") {
  auto dec = [](ByteView b) {
    CertificateRequest12 m;
    return decode_certificate_request12(b, &m);
  };
  CertificateRequest12 m;
  m.certificate_types = {1, 64};
  m.sig_schemes = {0x0403, 0x0804, 0x0401, 0xfefe};
  m.authorities = {Bytes(20, 0x30), Bytes{0x31}};
  Bytes body = encode_with(encode_certificate_request12, m);
  CertificateRequest12 d;
  REQUIRE(decode_certificate_request12(body, &d).ok());
  CHECK(d.certificate_types == m.certificate_types);
  CHECK(d.sig_schemes == m.sig_schemes);
  CHECK(d.authorities == m.authorities);
  CHECK(encode_with(encode_certificate_request12, d) == body);
  check_truncations(body, dec);
  check_trailing(body, dec);
  for (auto [off, width] : std::vector<std::pair<size_t, size_t>>{{0, 1}, {3, 2}, {13, 2}, {15, 2}, {37, 2}}) {
    check_overlong(body, off, width, dec);
  }
  // No authorities is fine.
  m.authorities.clear();
  Bytes no_cas = encode_with(encode_certificate_request12, m);
  REQUIRE(decode_certificate_request12(no_cas, &d).ok());
  CHECK(d.authorities.empty());
  CHECK(encode_with(encode_certificate_request12, d) == no_cas);
  // Bad vectors.
  check_error(dec(hex("00" "00020403" "0000")), AlertDescription::decode_error);      // no types
  check_error(dec(hex("0101" "0000" "0000")), AlertDescription::decode_error);        // no algorithms
  check_error(dec(hex("0101" "0003040304" "0000")), AlertDescription::decode_error);  // odd length
  check_error(dec(hex("0101" "00020403" "00020000")), AlertDescription::decode_error);  // empty DN
  REQUIRE(dec(hex("0101" "00020403" "0000")).ok());                                 // the control
  CHECK(encode_fails(encode_certificate_request12, CertificateRequest12{{}, {0x0403}, {}}));
  CHECK(encode_fails(encode_certificate_request12, CertificateRequest12{{1}, {}, {}}));
}

TEST_CASE("ServerHelloDone and HelloRequest are empty") {
  CHECK(decode_server_hello_done(ByteView()).ok());
  CHECK(decode_hello_request(ByteView()).ok());
  check_error(decode_server_hello_done(hex("00")), AlertDescription::decode_error);
  check_error(decode_hello_request(hex("0000")), AlertDescription::decode_error);
}

TEST_CASE("CertificateVerify") {
  auto dec = [](ByteView b) {
    CertificateVerify m;
    return decode_certificate_verify(b, &m);
  };
  CertificateVerify m{0x0804, Bytes(256, 0x5c)};
  Bytes body = encode_with(encode_certificate_verify, m);
  CertificateVerify d;
  REQUIRE(decode_certificate_verify(body, &d).ok());
  CHECK(d.sig_scheme == 0x0804);
  CHECK(d.signature == m.signature);
  CHECK(encode_with(encode_certificate_verify, d) == body);
  check_truncations(body, dec);
  check_trailing(body, dec);
  check_overlong(body, 2, 2, dec);
}

TEST_CASE("ClientKeyExchange: RSA, DHE, ECDHE forms") {
  using Dec = Status (*)(ByteView, ClientKeyExchange*);
  using Enc = void (*)(const ClientKeyExchange&, Writer&);
  struct Form {
    Dec dec;
    Enc enc;
    size_t prefix;
    size_t max;
    bool empty_ok;
  };
  for (Form f : {Form{decode_client_key_exchange_rsa, encode_client_key_exchange_rsa, 2, 65535, true},
                 Form{decode_client_key_exchange_dhe, encode_client_key_exchange_dhe, 2, 65535, false},
                 Form{decode_client_key_exchange_ecdhe, encode_client_key_exchange_ecdhe, 1, 255, false}}) {
    CAPTURE(f.prefix);
    Decoder dec = [&](ByteView b) {
      ClientKeyExchange m;
      return f.dec(b, &m);
    };
    for (size_t len : {size_t{1}, size_t{32}, size_t{65}, f.max}) {
      ClientKeyExchange m{Bytes(len, 0x04)};
      Bytes body = encode_with(f.enc, m);
      CHECK(body.size() == f.prefix + len);
      ClientKeyExchange d;
      REQUIRE(f.dec(body, &d).ok());
      CHECK(d.exchange == m.exchange);
      CHECK(encode_with(f.enc, d) == body);
      check_trailing(body, dec);
      if (len < f.max) check_overlong(body, 0, f.prefix, dec);
      if (len < 100) check_truncations(body, dec);
    }
    ClientKeyExchange too_big{Bytes(f.max + 1, 1)};
    CHECK(encode_fails(f.enc, too_big));
    Bytes empty_body(f.prefix, 0);
    ClientKeyExchange d;
    if (f.empty_ok) {
      CHECK(f.dec(empty_body, &d).ok());
    } else {
      check_error(f.dec(empty_body, &d), AlertDescription::decode_error);
      CHECK(encode_fails(f.enc, ClientKeyExchange{}));
    }
  }
  // The same bytes read differently by form: 0x20 + 32 bytes is an ECDHE point, not an RSA value.
  Bytes ecdhe_body = encode_with(encode_client_key_exchange_ecdhe, ClientKeyExchange{Bytes(32, 9)});
  ClientKeyExchange d;
  check_error(decode_client_key_exchange_rsa(ecdhe_body, &d), AlertDescription::decode_error);
}

TEST_CASE("NewSessionTicket (TLS 1.2)") {
  auto dec = [](ByteView b) {
    NewSessionTicket12 m;
    return decode_new_session_ticket12(b, &m);
  };
  NewSessionTicket12 m{7200, Bytes(176, 0x77)};
  Bytes body = encode_with(encode_new_session_ticket12, m);
  CHECK(body.size() == 4 + 2 + 176);
  NewSessionTicket12 d;
  REQUIRE(decode_new_session_ticket12(body, &d).ok());
  CHECK(d.lifetime_hint == 7200);
  CHECK(d.ticket == m.ticket);
  CHECK(encode_with(encode_new_session_ticket12, d) == body);
  check_truncations(body, dec);
  check_trailing(body, dec);
  check_overlong(body, 4, 2, dec);
  // The empty ticket (RFC 5077 3.3: the server will not issue one after all).
  REQUIRE(decode_new_session_ticket12(hex("ffffffff0000"), &d).ok());
  CHECK(d.lifetime_hint == 0xffffffff);
  CHECK(d.ticket.empty());
}

TEST_CASE("Finished has exactly the expected length") {
  Finished d;
  Bytes vd = hex("0102030405060708090a0b0c");
  REQUIRE(decode_finished(vd, kFinishedLength12, &d).ok());
  CHECK(d.verify_data == vd);
  CHECK(encode_with(encode_finished, d) == vd);
  check_truncations(vd, [](ByteView b) {
    Finished f;
    return decode_finished(b, kFinishedLength12, &f);
  });
  Bytes longer = vd;
  longer.push_back(0);
  check_error(decode_finished(longer, kFinishedLength12, &d), AlertDescription::decode_error);
  // TLS 1.3 with SHA-384: 48 bytes; 12 bytes is then wrong.
  check_error(decode_finished(vd, 48, &d), AlertDescription::decode_error);
  REQUIRE(decode_finished(Bytes(48, 1), 48, &d).ok());
}

// ---------------------------------------------------------------------------------------------------
// Captured handshakes (tests/captures/README.md says how they were made).

namespace {

struct CapturedMessage {
  std::string direction;  // c2s or s2c
  std::string name;       // OpenSSL's name, e.g. ServerKeyExchange
  Bytes bytes;            // header + body
};

std::vector<CapturedMessage> load_capture(const std::string& file) {
  std::istringstream in(testing::read_text("tests/captures/" + file));
  std::vector<CapturedMessage> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    CapturedMessage m;
    std::string hx;
    fields >> m.direction >> m.name >> hx;
    REQUIRE(from_hex(hx, &m.bytes));
    out.push_back(std::move(m));
  }
  return out;
}

enum class Kex { rsa, dhe, ecdhe };

HandshakeType expected_type(const std::string& name) {
  if (name == "ClientHello") return HandshakeType::client_hello;
  if (name == "ServerHello") return HandshakeType::server_hello;
  if (name == "Certificate") return HandshakeType::certificate;
  if (name == "ServerKeyExchange") return HandshakeType::server_key_exchange;
  if (name == "CertificateRequest") return HandshakeType::certificate_request;
  if (name == "ServerHelloDone") return HandshakeType::server_hello_done;
  if (name == "CertificateVerify") return HandshakeType::certificate_verify;
  if (name == "ClientKeyExchange") return HandshakeType::client_key_exchange;
  if (name == "NewSessionTicket") return HandshakeType::new_session_ticket;
  if (name == "Finished") return HandshakeType::finished;
  FAIL("unknown message name " << name);
  return HandshakeType::hello_request;
}

// What one capture decodes to.
struct Decoded {
  ClientHello ch;
  ServerHello sh;
  std::vector<CertificateMsg12> certificates;  // server's, then client's
  ServerKeyExchangeEcdhe ske_ecdhe;
  ServerKeyExchangeDhe ske_dhe;
  bool has_ske = false;
  bool has_cert_request = false;
  CertificateRequest12 cert_request;
  ClientKeyExchange cke;
  bool has_cert_verify = false;
  CertificateVerify cert_verify;
  NewSessionTicket12 ticket;
  int finished = 0;
  std::vector<std::string> names;
};

// Decodes every message of a capture with the decoder its type and the key exchange call for, checks
// each re-encodes to the captured bytes, and that the header type is the one OpenSSL named.
Decoded decode_capture(const std::string& file, Kex kex) {
  Decoded out;
  std::vector<CapturedMessage> msgs = load_capture(file);
  REQUIRE(!msgs.empty());
  for (const CapturedMessage& m : msgs) {
    CAPTURE(m.name);
    out.names.push_back(m.name);
    HandshakeHeader h;
    ByteView body;
    REQUIRE(split_handshake_message(m.bytes, &h, &body).ok());
    CHECK(h.type == expected_type(m.name));
    Bytes re;
    Writer w(&re);
    Status s;
    switch (h.type) {
      case HandshakeType::client_hello:
        s = decode_client_hello(body, &out.ch);
        if (s.ok()) encode_client_hello(out.ch, w);
        break;
      case HandshakeType::server_hello:
        s = decode_server_hello(body, &out.sh);
        if (s.ok()) encode_server_hello(out.sh, w);
        break;
      case HandshakeType::certificate: {
        CertificateMsg12 c;
        s = decode_certificate12(body, &c);
        if (s.ok()) encode_certificate12(c, w);
        out.certificates.push_back(std::move(c));
        break;
      }
      case HandshakeType::server_key_exchange:
        out.has_ske = true;
        if (kex == Kex::ecdhe) {
          s = decode_server_key_exchange_ecdhe(body, &out.ske_ecdhe);
          if (s.ok()) encode_server_key_exchange_ecdhe(out.ske_ecdhe, w);
        } else {
          s = decode_server_key_exchange_dhe(body, &out.ske_dhe);
          if (s.ok()) encode_server_key_exchange_dhe(out.ske_dhe, w);
        }
        break;
      case HandshakeType::certificate_request:
        out.has_cert_request = true;
        s = decode_certificate_request12(body, &out.cert_request);
        if (s.ok()) encode_certificate_request12(out.cert_request, w);
        break;
      case HandshakeType::server_hello_done:
        s = decode_server_hello_done(body);
        break;
      case HandshakeType::certificate_verify:
        out.has_cert_verify = true;
        s = decode_certificate_verify(body, &out.cert_verify);
        if (s.ok()) encode_certificate_verify(out.cert_verify, w);
        break;
      case HandshakeType::client_key_exchange:
        if (kex == Kex::rsa) {
          s = decode_client_key_exchange_rsa(body, &out.cke);
          if (s.ok()) encode_client_key_exchange_rsa(out.cke, w);
        } else if (kex == Kex::dhe) {
          s = decode_client_key_exchange_dhe(body, &out.cke);
          if (s.ok()) encode_client_key_exchange_dhe(out.cke, w);
        } else {
          s = decode_client_key_exchange_ecdhe(body, &out.cke);
          if (s.ok()) encode_client_key_exchange_ecdhe(out.cke, w);
        }
        break;
      case HandshakeType::new_session_ticket:
        s = decode_new_session_ticket12(body, &out.ticket);
        if (s.ok()) encode_new_session_ticket12(out.ticket, w);
        break;
      case HandshakeType::finished: {
        Finished f;
        s = decode_finished(body, kFinishedLength12, &f);
        if (s.ok()) encode_finished(f, w);
        out.finished++;
        break;
      }
      default:
        FAIL("unexpected type");
    }
    REQUIRE_MESSAGE(s.ok(), s.error().what);
    REQUIRE(w.ok());
    CHECK(re == body.to_bytes());
    Bytes whole;
    REQUIRE(encode_handshake(h.type, re, &whole));
    CHECK(whole == m.bytes);
  }
  return out;
}

bool contains(const std::vector<uint16_t>& v, uint16_t x) {
  for (uint16_t y : v) {
    if (y == x) return true;
  }
  return false;
}

void check_common(const Decoded& d, CipherSuiteId suite) {
  CHECK(d.ch.legacy_version == version::tls12);
  CHECK(contains(d.ch.cipher_suites, suite));
  CHECK(contains(d.ch.cipher_suites, suite::TLS_EMPTY_RENEGOTIATION_INFO_SCSV));
  CHECK(d.ch.compression_methods == Bytes{0});
  CHECK(d.ch.has_extensions);
  REQUIRE(d.ch.extensions.server_name.has_value());
  CHECK(*d.ch.extensions.server_name == "localhost");
  CHECK(d.ch.extensions.extended_master_secret);
  CHECK(d.ch.extensions.session_ticket.has_value());
  CHECK(d.sh.legacy_version == version::tls12);
  CHECK_FALSE(d.sh.is_hello_retry_request());
  CHECK(d.sh.cipher_suite == suite);
  CHECK(d.sh.compression_method == 0);
  CHECK(d.sh.session_id.empty());  // OpenSSL sends an empty id when it issues a ticket
  CHECK(d.sh.extensions.extended_master_secret);
  CHECK(d.sh.extensions.renegotiation_info.has_value());
  CHECK(d.finished == 2);
  CHECK(d.ticket.lifetime_hint == 7200);  // OpenSSL's default ticket lifetime hint, 2 hours
  CHECK_FALSE(d.ticket.ticket.empty());
}

}  // namespace

TEST_CASE("captured OpenSSL 3 handshake: ECDHE-RSA with a two-certificate chain") {
  Decoded d = decode_capture("openssl_ecdhe_rsa.txt", Kex::ecdhe);
  check_common(d, suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
  CHECK(d.names == std::vector<std::string>{"ClientHello", "ServerHello", "Certificate", "ServerKeyExchange",
                                            "ServerHelloDone", "ClientKeyExchange", "Finished",
                                            "NewSessionTicket", "Finished"});
  REQUIRE(d.certificates.size() == 1);
  CHECK(d.certificates[0].chain.size() == 2);  // leaf and CA (s_server -cert_chain)
  CHECK(d.certificates[0].chain[0][0] == 0x30);  // a DER SEQUENCE
  CHECK(d.ske_ecdhe.group == 0x001d /* x25519 */);
  CHECK(d.ske_ecdhe.public_key.size() == 32);
  CHECK(d.ske_ecdhe.sig_scheme == 0x0804 /* rsa_pss_rsae_sha256 */);
  CHECK(d.ske_ecdhe.signature.size() == 256);  // RSA-2048
  CHECK(d.cke.exchange.size() == 32);
  REQUIRE(d.ch.extensions.supported_groups.has_value());
  CHECK(contains(*d.ch.extensions.supported_groups, 0x001d));
}

TEST_CASE("captured OpenSSL 3 handshake: DHE-RSA with ffdhe2048") {
  Decoded d = decode_capture("openssl_dhe_rsa.txt", Kex::dhe);
  check_common(d, suite::TLS_DHE_RSA_WITH_AES_128_GCM_SHA256);
  REQUIRE(d.certificates.size() == 1);
  CHECK(d.certificates[0].chain.size() == 1);
  // RFC 7919 appendix A.1: ffdhe2048's p begins FFFFFFFF FFFFFFFF ADF85458 A2BB4A9A and g is 2.
  REQUIRE(d.ske_dhe.p.size() == 256);
  CHECK(to_hex(ByteView(d.ske_dhe.p.data(), 16)) == "ffffffffffffffffadf85458a2bb4a9a");
  CHECK(to_hex(ByteView(d.ske_dhe.p.data() + 240, 16)) == "886b423861285c97ffffffffffffffff");
  CHECK(d.ske_dhe.g == Bytes{0x02});
  CHECK(d.ske_dhe.ys.size() <= 256);
  CHECK(d.ske_dhe.signature.size() == 256);
  CHECK(d.cke.exchange.size() <= 256);
  CHECK(dhe_params(d.ske_dhe).size() == 2 + 256 + 2 + 1 + 2 + d.ske_dhe.ys.size());
}

TEST_CASE("captured OpenSSL 3 handshake: RSA key exchange") {
  Decoded d = decode_capture("openssl_rsa.txt", Kex::rsa);
  check_common(d, suite::TLS_RSA_WITH_AES_128_GCM_SHA256);
  CHECK_FALSE(d.has_ske);
  CHECK(d.names.size() == 8);
  CHECK(d.cke.exchange.size() == 256);  // encrypted to the RSA-2048 key
}

TEST_CASE("captured OpenSSL 3 handshake: ECDHE-ECDSA with client authentication") {
  Decoded d = decode_capture("openssl_ecdhe_ecdsa_client_auth.txt", Kex::ecdhe);
  check_common(d, suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
  CHECK(d.names == std::vector<std::string>{"ClientHello", "ServerHello", "Certificate", "ServerKeyExchange",
                                            "CertificateRequest", "ServerHelloDone", "Certificate",
                                            "ClientKeyExchange", "CertificateVerify", "Finished",
                                            "NewSessionTicket", "Finished"});
  REQUIRE(d.certificates.size() == 2);
  // OpenSSL completes each chain from the -CAfile store: leaf and CA, the server's and the client's.
  CHECK(d.certificates[0].chain.size() == 2);
  CHECK(d.certificates[1].chain.size() == 2);
  CHECK(d.certificates[1].chain[0] != d.certificates[0].chain[0]);
  CHECK(d.certificates[1].chain[1] == d.certificates[0].chain[1]);  // the same CA
  CHECK(d.ske_ecdhe.sig_scheme == 0x0403 /* ecdsa_secp256r1_sha256 */);
  REQUIRE(d.has_cert_request);
  // rsa_sign(1), dss_sign(2), ecdsa_sign(64)
  CHECK(d.cert_request.certificate_types == Bytes{1, 2, 64});
  CHECK(contains(d.cert_request.sig_schemes, 0x0403));
  CHECK(d.cert_request.authorities.size() == 1);  // the CA given with -CAfile
  REQUIRE(d.has_cert_verify);
  CHECK(d.cert_verify.sig_scheme == 0x0403 /* ecdsa_secp256r1_sha256 */);
  CHECK(d.cert_verify.signature[0] == 0x30);  // DER ECDSA-Sig-Value
  CHECK(d.cke.exchange.size() == 32);
}

TEST_CASE("every captured message: truncations and a trailing byte give decode_error") {
  struct File {
    const char* name;
    Kex kex;
  };
  for (File f : {File{"openssl_ecdhe_rsa.txt", Kex::ecdhe}, File{"openssl_dhe_rsa.txt", Kex::dhe},
                 File{"openssl_rsa.txt", Kex::rsa}, File{"openssl_ecdhe_ecdsa_client_auth.txt", Kex::ecdhe}}) {
    for (const CapturedMessage& m : load_capture(f.name)) {
      CAPTURE(f.name);
      CAPTURE(m.name);
      HandshakeHeader h;
      ByteView body;
      REQUIRE(split_handshake_message(m.bytes, &h, &body).ok());
      Decoder dec;
      std::vector<size_t> valid_at;
      switch (h.type) {
        case HandshakeType::client_hello:
          dec = client_hello_decoder();
          break;
        case HandshakeType::server_hello:
          dec = server_hello_decoder();
          valid_at = {2 + 32 + 1 + body[34] + 3u};  // cut before the extensions
          break;
        case HandshakeType::certificate:
          dec = [](ByteView b) {
            CertificateMsg12 x;
            return decode_certificate12(b, &x);
          };
          break;
        case HandshakeType::server_key_exchange:
          dec = [kex = f.kex](ByteView b) {
            ServerKeyExchangeEcdhe e;
            ServerKeyExchangeDhe x;
            return kex == Kex::ecdhe ? decode_server_key_exchange_ecdhe(b, &e) : decode_server_key_exchange_dhe(b, &x);
          };
          break;
        case HandshakeType::certificate_request:
          dec = [](ByteView b) {
            CertificateRequest12 x;
            return decode_certificate_request12(b, &x);
          };
          break;
        case HandshakeType::certificate_verify:
          dec = [](ByteView b) {
            CertificateVerify x;
            return decode_certificate_verify(b, &x);
          };
          break;
        case HandshakeType::client_key_exchange:
          dec = [kex = f.kex](ByteView b) {
            ClientKeyExchange x;
            return kex == Kex::rsa   ? decode_client_key_exchange_rsa(b, &x)
                   : kex == Kex::dhe ? decode_client_key_exchange_dhe(b, &x)
                                     : decode_client_key_exchange_ecdhe(b, &x);
          };
          break;
        case HandshakeType::new_session_ticket:
          dec = [](ByteView b) {
            NewSessionTicket12 x;
            return decode_new_session_ticket12(b, &x);
          };
          break;
        case HandshakeType::finished:
          dec = [](ByteView b) {
            Finished x;
            return decode_finished(b, kFinishedLength12, &x);
          };
          break;
        case HandshakeType::server_hello_done:
          dec = [](ByteView b) { return decode_server_hello_done(b); };
          break;
        default:
          FAIL("unexpected type");
      }
      if (h.type == HandshakeType::client_hello) {
        size_t sid = body[34];
        size_t suites = (size_t{body[35 + sid]} << 8) | body[36 + sid];
        size_t comp = body[37 + sid + suites];
        valid_at = {38 + sid + suites + comp};  // cut before the extensions
      }
      check_truncations(body, dec, valid_at);
      check_trailing(body, dec);
    }
  }
}
