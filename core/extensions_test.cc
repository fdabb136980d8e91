#include "core/extensions.h"

#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace sanstls {
namespace {

// ---------------------------------------------------------------------------------------------------
// Real extension blocks, captured from OpenSSL 3.0 (s_server / s_client, "OpenSSL 3.0.22") on
// 127.0.0.1 with the test certificates of tests/certs:
//   openssl s_server -accept 127.0.0.1:PORT -cert tests/certs/server_ec.pem
//     -key tests/certs/server_ec.key.pem -naccept 1 -quiet [SERVER ARGS]
//   openssl s_client -connect 127.0.0.1:PORT -msg [CLIENT ARGS]
// `-msg` prints each handshake message in hex; the blocks below are the bytes after the extensions'
// 16-bit length (for the TLS 1.3 messages, s_client prints them after decryption).
//   kT12ClientHello / kT12ServerHello: server -alpn h2,http/1.1;
//       client -tls1_2 -servername example.com -alpn h2,http/1.1   (suite 0xc02c)
//   kT12CbcServerHello: server and client -cipher ECDHE-ECDSA-AES128-SHA, client -tls1_2
//       -servername example.com (the server accepts encrypt_then_mac)
//   kT13ClientHello / kT13ServerHello / kT13EncryptedExtensions: server -alpn h2;
//       client -tls1_3 -servername example.com -alpn h2
//   kT13HelloRetryRequest: server -groups P-256; client -tls1_3 (its first key share is x25519)
//   kT13CertificateRequest: server -verify 1 -CAfile tests/certs/ca.pem; client -tls1_3
//       -cert tests/certs/client.pem -key tests/certs/client.key.pem

const char* const kT12ClientHello =
    "00000010000e00000b6578616d706c652e636f6d000b000403000102000a000c000a001d0017001e00190018002300"
    "000010000e000c02683208687474702f312e310016000000170000000d002a0028040305030603080708080809080a"
    "080b080408050806040105010601030303010302040205020602";
const char* const kT12ServerHello = "ff01000100000b0004030001020023000000100005000302683200170000";
const char* const kT12CbcServerHello = "ff01000100000b000403000102002300000016000000170000";
const char* const kT13ClientHello =
    "00000010000e00000b6578616d706c652e636f6d000b000403000102000a00160014001d0017001e00190018010001"
    "01010201030104002300000010000500030268320016000000170000000d001e001c04030503060308070808080908"
    "0a080b080408050806040105010601002b0003020304002d00020101003300260024001d0020bbfd39a835c6bbc544"
    "c2fca30097ee5c158b5371d510a60a225b754266f3a035";
const char* const kT13ServerHello =
    "002b0002030400330024001d00200e227c484dd636ffc53839c4b4031b69c1b0206b1ca3d7f615c509bcaa19c03c";
const char* const kT13EncryptedExtensions = "001000050003026832";
const char* const kT13HelloRetryRequest = "002b00020304003300020017";
const char* const kT13CertificateRequest =
    "000d00220020040305030603080708080809080a080b08040805080604010501060103030301002f00320030002e30"
    "2c3110300e060355040a0c0773616e73746c733118301606035504030c0f73616e73746c732074657374204341";

// decode, then encode: the bytes must come back (with the block's 16-bit length in front).
Extensions round_trip(const Bytes& block, ExtContext ctx) {
  Extensions e;
  Status s = decode_extensions(block, ctx, &e);
  INFO("ctx ", ext_context_name(ctx), " block ", to_hex(block));
  REQUIRE_MESSAGE(s.ok(), s.error().what);
  Bytes out;
  Writer w(&out);
  encode_extensions(e, ctx, w);
  REQUIRE(w.ok());
  Bytes expect{static_cast<uint8_t>(block.size() >> 8), static_cast<uint8_t>(block.size())};
  expect.insert(expect.end(), block.begin(), block.end());
  CHECK(to_hex(out) == to_hex(expect));
  return e;
}

AlertDescription decode_alert_of(const Bytes& block, ExtContext ctx) {
  Extensions e;
  Status s = decode_extensions(block, ctx, &e);
  if (s.ok()) return AlertDescription::close_notify;  // "no error" in these tests
  return s.error().alert;
}

// One extension as a block: type, 16-bit length, body.
Bytes ext(uint16_t type, const Bytes& body) {
  Bytes out;
  Writer w(&out);
  w.u16(type);
  w.prefixed16(body);
  return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

constexpr uint16_t T(ExtensionType t) { return static_cast<uint16_t>(t); }

const std::string kX25519Share = "bbfd39a835c6bbc544c2fca30097ee5c158b5371d510a60a225b754266f3a035";

TEST_CASE("extensions: OpenSSL TLS 1.2 ClientHello") {
  Extensions e = round_trip(hex(kT12ClientHello), ExtContext::client_hello);
  CHECK(e.order == std::vector<uint16_t>{0, 11, 10, 35, 16, 22, 23, 13});
  REQUIRE(e.server_name);
  CHECK(*e.server_name == "example.com");
  REQUIRE(e.ec_point_formats);
  CHECK(*e.ec_point_formats == hex("000102"));
  REQUIRE(e.supported_groups);
  CHECK(*e.supported_groups == std::vector<uint16_t>{0x001d, 0x0017, 0x001e, 0x0019, 0x0018});
  REQUIRE(e.session_ticket);
  CHECK(e.session_ticket->empty());
  REQUIRE(e.alpn);
  CHECK(*e.alpn == std::vector<std::string>{"h2", "http/1.1"});
  CHECK(e.encrypt_then_mac);
  CHECK(e.extended_master_secret);
  REQUIRE(e.signature_algorithms);
  CHECK(e.signature_algorithms->size() == 20);
  CHECK(e.signature_algorithms->front() == 0x0403);
  CHECK(e.signature_algorithms->back() == 0x0602);
  CHECK(!e.signature_algorithms_cert);
  CHECK(!e.renegotiation_info);  // the client sent TLS_EMPTY_RENEGOTIATION_INFO_SCSV instead
  CHECK(!e.key_share);
  CHECK(!e.supported_versions);
  CHECK(!e.record_size_limit);
  CHECK(e.unknown.empty());
  CHECK(e.has(T(ExtensionType::session_ticket), ExtContext::client_hello));
  CHECK(!e.has(T(ExtensionType::key_share), ExtContext::client_hello));
}

TEST_CASE("extensions: OpenSSL TLS 1.2 ServerHellos") {
  Extensions e = round_trip(hex(kT12ServerHello), ExtContext::server_hello);
  CHECK(e.order == std::vector<uint16_t>{0xff01, 11, 35, 16, 23});
  REQUIRE(e.renegotiation_info);
  CHECK(e.renegotiation_info->empty());
  CHECK(*e.ec_point_formats == hex("000102"));
  REQUIRE(e.session_ticket);
  CHECK(e.session_ticket->empty());
  CHECK(*e.alpn == std::vector<std::string>{"h2"});
  CHECK(e.extended_master_secret);
  CHECK(!e.encrypt_then_mac);
  CHECK(!e.server_name);

  Extensions cbc = round_trip(hex(kT12CbcServerHello), ExtContext::server_hello);
  CHECK(cbc.encrypt_then_mac);
  CHECK(cbc.extended_master_secret);
  CHECK(!cbc.alpn);
}

TEST_CASE("extensions: OpenSSL TLS 1.3 messages") {
  Extensions ch = round_trip(hex(kT13ClientHello), ExtContext::client_hello);
  CHECK(*ch.server_name == "example.com");
  CHECK(*ch.supported_groups ==
        std::vector<uint16_t>{0x001d, 0x0017, 0x001e, 0x0019, 0x0018, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104});
  CHECK(*ch.supported_versions == std::vector<uint16_t>{0x0304});
  REQUIRE(ch.key_share);
  REQUIRE(ch.key_share->size() == 1);
  CHECK((*ch.key_share)[0].group == 0x001d);
  CHECK(to_hex((*ch.key_share)[0].key_exchange) == kX25519Share);
  CHECK(ch.signature_algorithms->size() == 14);
  // psk_key_exchange_modes (45): psk_dhe_ke.
  CHECK(ch.unknown.empty());
  REQUIRE(ch.psk_key_exchange_modes);
  CHECK(*ch.psk_key_exchange_modes == hex("01"));
  CHECK(ch.has(45, ExtContext::client_hello));
  CHECK(!ch.pre_shared_key);
  CHECK(!ch.early_data);

  Extensions sh = round_trip(hex(kT13ServerHello), ExtContext::server_hello);
  CHECK(*sh.supported_versions == std::vector<uint16_t>{0x0304});
  REQUIRE(sh.key_share);
  REQUIRE(sh.key_share->size() == 1);
  CHECK((*sh.key_share)[0].group == 0x001d);
  CHECK(to_hex((*sh.key_share)[0].key_exchange) ==
        "0e227c484dd636ffc53839c4b4031b69c1b0206b1ca3d7f615c509bcaa19c03c");

  Extensions ee = round_trip(hex(kT13EncryptedExtensions), ExtContext::encrypted_extensions);
  CHECK(*ee.alpn == std::vector<std::string>{"h2"});

  Extensions hrr = round_trip(hex(kT13HelloRetryRequest), ExtContext::hello_retry_request);
  CHECK(*hrr.supported_versions == std::vector<uint16_t>{0x0304});
  CHECK(hrr.hrr_selected_group == uint16_t{0x0017});
  CHECK(!hrr.key_share);

  Extensions cr = round_trip(hex(kT13CertificateRequest), ExtContext::certificate_request);
  CHECK(cr.signature_algorithms->size() == 16);
  CHECK(cr.unknown.empty());
  // certificate_authorities: the one CA of -CAfile, a DER Name (SEQUENCE) of O=sanstls,
  // CN=sanstls test CA.
  REQUIRE(cr.certificate_authorities);
  REQUIRE(cr.certificate_authorities->size() == 1);
  CHECK(cr.certificate_authorities->at(0).size() == 0x2e);
  CHECK(cr.certificate_authorities->at(0)[0] == 0x30);
}

// ---------------------------------------------------------------------------------------------------
// Every extension in every context it has a parser for: a valid body that must round-trip, and its
// malformed variants (truncated by one byte, one trailing byte, the first inner length one too big)
// that must give decode_error.

struct Sample {
  ExtContext ctx;
  ExtensionType type;
  std::string body;
  int len_at;     // offset of the first inner length prefix, or -1
  int len_size;   // its size in bytes
  bool any_body;  // every byte string is valid (ClientHello session_ticket): no negative variants
};

std::vector<Sample> samples() {
  using C = ExtContext;
  using E = ExtensionType;
  const std::string share = "001d0020" + kX25519Share;
  const std::string verify_data = "18" + std::string(48, 'a');  // client + server verify_data
  return {
      {C::client_hello, E::server_name, "000e00000b6578616d706c652e636f6d", 0, 2, false},
      {C::client_hello, E::renegotiation_info, "00", 0, 1, false},
      {C::client_hello, E::supported_versions, "0403040303", 0, 1, false},
      {C::client_hello, E::supported_groups, "0004001d0017", 0, 2, false},
      {C::client_hello, E::ec_point_formats, "0100", 0, 1, false},
      {C::client_hello, E::key_share, "0024" + share, 0, 2, false},
      {C::client_hello, E::key_share, "0000", 0, 2, false},  // HRR-less empty client_shares is legal
      {C::client_hello, E::signature_algorithms, "000404030804", 0, 2, false},
      {C::client_hello, E::signature_algorithms_cert, "00020403", 0, 2, false},
      {C::client_hello, E::application_layer_protocol_negotiation, "000c02683208687474702f312e31", 0, 2,
       false},
      {C::client_hello, E::session_ticket, "", -1, 0, true},
      {C::client_hello, E::session_ticket, "0102030405", -1, 0, true},
      {C::client_hello, E::extended_master_secret, "", -1, 0, false},
      {C::client_hello, E::encrypt_then_mac, "", -1, 0, false},
      {C::client_hello, E::record_size_limit, "4001", -1, 0, false},
      {C::server_hello, E::server_name, "", -1, 0, false},
      {C::server_hello, E::renegotiation_info, "00", 0, 1, false},
      {C::server_hello, E::renegotiation_info, verify_data, 0, 1, false},
      {C::server_hello, E::supported_versions, "0304", -1, 0, false},
      {C::server_hello, E::ec_point_formats, "03000102", 0, 1, false},
      {C::server_hello, E::key_share, share, 2, 2, false},
      {C::server_hello, E::application_layer_protocol_negotiation, "0003026832", 0, 2, false},
      {C::server_hello, E::session_ticket, "", -1, 0, false},
      {C::server_hello, E::extended_master_secret, "", -1, 0, false},
      {C::server_hello, E::encrypt_then_mac, "", -1, 0, false},
      {C::server_hello, E::record_size_limit, "4000", -1, 0, false},
      {C::encrypted_extensions, E::server_name, "", -1, 0, false},
      {C::encrypted_extensions, E::supported_groups, "0002001d", 0, 2, false},
      {C::encrypted_extensions, E::application_layer_protocol_negotiation, "0003026832", 0, 2, false},
      {C::encrypted_extensions, E::record_size_limit, "0040", -1, 0, false},
      {C::hello_retry_request, E::supported_versions, "0304", -1, 0, false},
      {C::hello_retry_request, E::key_share, "0017", -1, 0, false},
      {C::certificate_request, E::signature_algorithms, "00020403", 0, 2, false},
      {C::certificate_request, E::signature_algorithms_cert, "00020804", 0, 2, false},
      // TLS 1.3 (RFC 8446 4.2): one identity "01020304" with age 1 and one 32-byte binder; two of each.
      {C::client_hello, E::pre_shared_key, "000a" "000401020304" "00000001" "0021" "20" + std::string(64, 'b'), 0,
       2, false},
      {C::client_hello, E::pre_shared_key,
       "0013" "000401020304" "00000001" "0003616263" "fad6aacb" "0052" "20" + std::string(64, 'c') + "30" +
           std::string(96, 'd'),
       0, 2, false},
      {C::server_hello, E::pre_shared_key, "0001", -1, 0, false},
      {C::client_hello, E::psk_key_exchange_modes, "020001", 0, 1, false},
      {C::client_hello, E::early_data, "", -1, 0, false},
      {C::encrypted_extensions, E::early_data, "", -1, 0, false},
      {C::new_session_ticket, E::early_data, "00004000", -1, 0, false},
      {C::client_hello, E::cookie, "0003abcdef", 0, 2, false},
      {C::hello_retry_request, E::cookie, "0003abcdef", 0, 2, false},
      {C::client_hello, E::post_handshake_auth, "", -1, 0, false},
      {C::client_hello, E::certificate_authorities, "000e" "00053003010203" "00053003040506", 0, 2, false},
      {C::certificate_request, E::certificate_authorities, "0007" "00053003010203", 0, 2, false},
  };
}

TEST_CASE("extensions: every extension in every context round-trips; malformed bodies are decode_error") {
  for (const Sample& s : samples()) {
    const uint16_t type = T(s.type);
    INFO("ctx ", ext_context_name(s.ctx), " ", extension_name(type), " body ", s.body);
    Bytes body = hex(s.body);
    Extensions e = round_trip(ext(type, body), s.ctx);
    CHECK(e.unknown.empty());  // parsed, not kept raw
    CHECK(e.has(type, s.ctx));
    // Alone, next to an unknown extension, in either order (a ClientHello's pre_shared_key must stay
    // last).
    if (s.ctx == ExtContext::client_hello && s.type == ExtensionType::pre_shared_key) {
      round_trip(cat({ext(0x7a7a, {}), ext(0x1234, hex("abcd")), ext(type, body)}), s.ctx);
    } else {
      round_trip(cat({ext(0x7a7a, {}), ext(type, body), ext(0x1234, hex("abcd"))}), s.ctx);
    }

    if (s.any_body) continue;
    Bytes trailing = body;
    trailing.push_back(0);
    CHECK(decode_alert_of(ext(type, trailing), s.ctx) == AlertDescription::decode_error);
    if (!body.empty()) {
      Bytes truncated(body.begin(), body.end() - 1);
      CHECK(decode_alert_of(ext(type, truncated), s.ctx) == AlertDescription::decode_error);
    }
    if (s.len_at >= 0) {
      Bytes overlong = body;
      size_t at = static_cast<size_t>(s.len_at) + static_cast<size_t>(s.len_size) - 1;
      overlong[at]++;  // none of the samples has a length ending in 0xff
      REQUIRE(overlong[at] != 0);
      CHECK(decode_alert_of(ext(type, overlong), s.ctx) == AlertDescription::decode_error);
    }
  }
}

TEST_CASE("extensions: the block itself") {
  const ExtContext ch = ExtContext::client_hello;
  Extensions e;
  // Empty block: valid, nothing present.
  REQUIRE(decode_extensions(ByteView(), ch, &e).ok());
  CHECK(e.order.empty());
  round_trip(Bytes(), ch);
  // A truncated extension header, and an extension length beyond the block.
  CHECK(decode_alert_of(hex("00"), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(hex("0017"), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(hex("001700"), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(hex("00170001"), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(hex("1234000200"), ch) == AlertDescription::decode_error);
  // The captured ClientHello block cut anywhere is malformed (each cut ends inside an extension,
  // or leaves an extension whose body no longer parses); the whole is fine.
  Bytes full = hex(kT12ClientHello);
  for (size_t n = 1; n < full.size(); n++) {
    Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    Extensions x;
    Status s = decode_extensions(cut, ch, &x);
    if (s.ok()) {
      // Cuts that fall exactly between two extensions are a valid shorter block.
      round_trip(cut, ch);
    } else {
      CHECK(s.error().alert == AlertDescription::decode_error);
    }
  }
}

TEST_CASE("extensions: duplicates are decode_error") {
  // RFC 8446 4.2 / RFC 5246 7.4.1.4: "There MUST NOT be more than one extension of the same type".
  const Bytes ems = ext(T(ExtensionType::extended_master_secret), {});
  const Bytes unknown = ext(0x1234, hex("00"));
  CHECK(decode_alert_of(cat({ems, ems}), ExtContext::client_hello) == AlertDescription::decode_error);
  CHECK(decode_alert_of(cat({ems, unknown, ems}), ExtContext::server_hello) == AlertDescription::decode_error);
  CHECK(decode_alert_of(cat({unknown, ems, unknown}), ExtContext::client_hello) ==
        AlertDescription::decode_error);
  // renegotiation_info (0xff01) and types from 64 up, with and without smaller ones around them.
  const Bytes reneg = ext(T(ExtensionType::renegotiation_info), hex("00"));
  CHECK(decode_alert_of(cat({reneg, ems, reneg}), ExtContext::client_hello) == AlertDescription::decode_error);
  CHECK(decode_alert_of(cat({reneg, ems}), ExtContext::client_hello) == AlertDescription::close_notify);
  const Bytes t64 = ext(64, {});
  CHECK(decode_alert_of(cat({t64, ems, t64}), ExtContext::client_hello) == AlertDescription::decode_error);
  CHECK(decode_alert_of(cat({ems, t64, reneg, ems}), ExtContext::client_hello) == AlertDescription::decode_error);
  CHECK(decode_alert_of(cat({ems, t64, reneg}), ExtContext::client_hello) == AlertDescription::close_notify);
  // Known types kept raw in a context with no parser are duplicates too.
  const Bytes ks = ext(T(ExtensionType::key_share), hex("0017"));
  CHECK(decode_alert_of(cat({ks, ks}), ExtContext::new_session_ticket) == AlertDescription::decode_error);
}

TEST_CASE("extensions: value checks") {
  const uint16_t rsl = T(ExtensionType::record_size_limit);
  // RFC 8449 4: a record_size_limit below 64 is illegal_parameter, in every context.
  for (ExtContext c : {ExtContext::client_hello, ExtContext::server_hello, ExtContext::encrypted_extensions}) {
    CHECK(decode_alert_of(ext(rsl, hex("003f")), c) == AlertDescription::illegal_parameter);
    CHECK(decode_alert_of(ext(rsl, hex("0000")), c) == AlertDescription::illegal_parameter);
    CHECK(decode_alert_of(ext(rsl, hex("0040")), c) == AlertDescription::close_notify);
  }
  const ExtContext ch = ExtContext::client_hello;
  const uint16_t sni = T(ExtensionType::server_name);
  // server_name: two host_names (illegal_parameter, RFC 6066 3), an empty name, an empty list; another
  // name type alone or beside a host_name is skipped (each entry is length-prefixed for that).
  CHECK(decode_alert_of(ext(sni, hex("00080000016100000162")), ch) == AlertDescription::illegal_parameter);
  CHECK(decode_alert_of(ext(sni, hex("000401000161")), ch) == AlertDescription::close_notify);
  CHECK(decode_alert_of(ext(sni, hex("00080100016200000161")), ch) == AlertDescription::close_notify);
  CHECK(decode_alert_of(ext(sni, hex("000c0000016101000162" "00000163")), ch) == AlertDescription::illegal_parameter);
  CHECK(decode_alert_of(ext(sni, hex("0004010001")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(sni, hex("0003000000")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(sni, hex("0000")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(sni, hex("0005000001610000")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(sni, hex("000400000161")), ch) == AlertDescription::close_notify);  // valid: "a"
  // ALPN: an empty name, an empty list; two names from a server.
  const uint16_t alpn = T(ExtensionType::application_layer_protocol_negotiation);
  CHECK(decode_alert_of(ext(alpn, hex("0001" "00")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(alpn, hex("0000")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(alpn, hex("000602683202683300")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(alpn, hex("00060268320268")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(alpn, hex("0006026832026833")), ch) == AlertDescription::close_notify);
  CHECK(decode_alert_of(ext(alpn, hex("0006026832026833")), ExtContext::server_hello) ==
        AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(alpn, hex("0006026832026833")), ExtContext::encrypted_extensions) ==
        AlertDescription::decode_error);
  // Lists of 16-bit values: empty or odd.
  for (ExtensionType t : {ExtensionType::supported_groups, ExtensionType::signature_algorithms,
                          ExtensionType::signature_algorithms_cert}) {
    CHECK(decode_alert_of(ext(T(t), hex("0000")), ch) == AlertDescription::decode_error);
    CHECK(decode_alert_of(ext(T(t), hex("0003001d00")), ch) == AlertDescription::decode_error);
  }
  const uint16_t sv = T(ExtensionType::supported_versions);
  CHECK(decode_alert_of(ext(sv, hex("00")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(sv, hex("030304")), ch) == AlertDescription::decode_error);
  // key_share: an entry with an empty key_exchange; a ServerHello with two entries.
  const uint16_t ks = T(ExtensionType::key_share);
  CHECK(decode_alert_of(ext(ks, hex("0004001d0000")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(ks, hex("001d0000")), ExtContext::server_hello) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(ks, hex("001d000101" "0017000102")), ExtContext::server_hello) ==
        AlertDescription::decode_error);
  // A ServerHello session_ticket or server_name acknowledgement must be empty.
  CHECK(decode_alert_of(ext(T(ExtensionType::session_ticket), hex("01")), ExtContext::server_hello) ==
        AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(sni, hex("0000")), ExtContext::encrypted_extensions) ==
        AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(T(ExtensionType::ec_point_formats), hex("00")), ch) == AlertDescription::decode_error);
}

TEST_CASE("extensions: unknown extensions survive, in place") {
  // GREASE (RFC 8701), padding (RFC 7685), an unassigned type with data, around known ones.
  Bytes block = cat({ext(0x0a0a, {}), ext(T(ExtensionType::extended_master_secret), {}),
                     ext(T(ExtensionType::padding), Bytes(20, 0)), ext(0xfe0d, hex("0102030405")),
                     ext(T(ExtensionType::supported_groups), hex("0002001d")), ext(0xdada, hex("00"))});
  Extensions e = round_trip(block, ExtContext::client_hello);
  REQUIRE(e.unknown.size() == 4);
  CHECK(e.unknown[0].type == 0x0a0a);
  CHECK(e.unknown[0].data.empty());
  CHECK(e.unknown[1].type == 21);
  CHECK(e.unknown[1].data == Bytes(20, 0));
  CHECK(e.unknown[2].type == 0xfe0d);
  CHECK(e.unknown[2].data == hex("0102030405"));
  CHECK(e.unknown[3].type == 0xdada);
  REQUIRE(e.find_unknown(0xfe0d) != nullptr);
  CHECK(e.find_unknown(0xfe0d)->data == hex("0102030405"));
  CHECK(e.find_unknown(0xfe0e) == nullptr);
  CHECK(e.extended_master_secret);

  // Known types in a context with no parser are carried raw, even when their bodies would not parse.
  Bytes odd = cat({ext(T(ExtensionType::key_share), hex("ff")), ext(T(ExtensionType::server_name), hex("01")),
                   ext(T(ExtensionType::cookie), hex("00004000"))});
  for (ExtContext c : {ExtContext::new_session_ticket, ExtContext::certificate}) {
    Extensions r = round_trip(odd, c);
    CHECK(r.unknown.size() == 3);
    CHECK(!r.key_share);
    CHECK(!r.server_name);
    CHECK(!r.cookie);
  }
}

TEST_CASE("extensions: encoding what was built by hand") {
  Extensions e;
  e.server_name = "example.com";
  e.supported_groups = std::vector<uint16_t>{0x001d, 0x0017};
  e.extended_master_secret = true;
  e.renegotiation_info = Bytes();
  e.unknown.push_back(RawExtension{0x1234, hex("ff")});
  e.key_share = std::vector<KeyShareEntry>{{0x001d, hex(kX25519Share)}};
  e.hrr_selected_group = 0x0017;  // not written in a ClientHello

  Bytes out;
  Writer w(&out);
  encode_extensions(e, ExtContext::client_hello, w);
  REQUIRE(w.ok());
  // No `order`: table order (server_name, renegotiation_info, supported_groups, key_share, ems), then
  // the raw ones.
  Bytes expect_block = cat({ext(0, hex("000e00000b6578616d706c652e636f6d")), ext(0xff01, hex("00")),
                            ext(10, hex("0004001d0017")), ext(51, hex("0024001d0020" + kX25519Share)),
                            ext(23, {}), ext(0x1234, hex("ff"))});
  CHECK(to_hex(ByteView(out).sub(2)) == to_hex(expect_block));
  Extensions back = round_trip(ByteView(out).sub(2).to_bytes(), ExtContext::client_hello);
  CHECK(*back.server_name == "example.com");
  CHECK(back.key_share->at(0).group == 0x001d);

  // An `order` that does not list what is present is ignored (table order is used).
  Extensions d;
  REQUIRE(decode_extensions(hex(kT12ServerHello), ExtContext::server_hello, &d).ok());
  d.encrypt_then_mac = true;
  Bytes out2;
  Writer w2(&out2);
  encode_extensions(d, ExtContext::server_hello, w2);
  CHECK(to_hex(out2) == "0022" "ff01000100" "000b000403000102" "00100005000302683" "2" "00230000" "00170000"
                       "00160000");
  // Fields with no writer in the context are left out.
  Bytes out3;
  Writer w3(&out3);
  encode_extensions(e, ExtContext::certificate_request, w3);
  CHECK(to_hex(out3) == "0005" "12340001ff");
}

TEST_CASE("extensions: an overlong body fails the writer") {
  Extensions e;
  e.ec_point_formats = Bytes(256, 0);  // ec_point_format_list<1..2^8-1>
  Bytes out;
  Writer w(&out);
  encode_extensions(e, ExtContext::client_hello, w);
  CHECK(!w.ok());
}

// ---------------------------------------------------------------------------------------------------
// TLS 1.3 extensions (RFC 8446 4.2).

const std::string kBinder32 = std::string(64, 'b');
// One identity "01020304" (age 1), one 32-byte binder.
const std::string kPskBody = "000a" "000401020304" "00000001" "0021" "20" + kBinder32;

TEST_CASE("extensions: pre_shared_key decodes to identities and binders; psk_binders_size") {
  const uint16_t psk = T(ExtensionType::pre_shared_key);
  Extensions e = round_trip(cat({ext(T(ExtensionType::early_data), {}), ext(psk, hex(kPskBody))}),
                            ExtContext::client_hello);
  CHECK(e.early_data);
  REQUIRE(e.pre_shared_key);
  REQUIRE(e.pre_shared_key->identities.size() == 1);
  CHECK(e.pre_shared_key->identities[0].identity == hex("01020304"));
  CHECK(e.pre_shared_key->identities[0].obfuscated_ticket_age == 1);
  REQUIRE(e.pre_shared_key->binders.size() == 1);
  CHECK(to_hex(e.pre_shared_key->binders[0]) == kBinder32);
  CHECK(psk_binders_size(*e.pre_shared_key) == 2 + 1 + 32);
  CHECK(!e.psk_selected_identity);

  OfferedPsks two;
  two.binders = {Bytes(32, 1), Bytes(48, 2)};
  CHECK(psk_binders_size(two) == 2 + 33 + 49);
  CHECK(psk_binders_size(OfferedPsks()) == 2);

  Extensions sh = round_trip(ext(psk, hex("0002")), ExtContext::server_hello);
  CHECK(sh.psk_selected_identity == uint16_t{2});
  CHECK(!sh.pre_shared_key);
}

TEST_CASE("extensions: a ClientHello pre_shared_key must be last (illegal_parameter)") {
  const ExtContext ch = ExtContext::client_hello;
  const Bytes psk = ext(T(ExtensionType::pre_shared_key), hex(kPskBody));
  const Bytes ems = ext(T(ExtensionType::extended_master_secret), {});
  const Bytes grease = ext(0x0a0a, {});
  // RFC 8446 4.2.11: "Servers MUST check that it is the last extension and otherwise fail the
  // handshake with an "illegal_parameter" alert."
  CHECK(decode_alert_of(cat({psk, ems}), ch) == AlertDescription::illegal_parameter);
  CHECK(decode_alert_of(cat({psk, grease}), ch) == AlertDescription::illegal_parameter);
  CHECK(decode_alert_of(cat({ems, psk, grease}), ch) == AlertDescription::illegal_parameter);
  CHECK(decode_alert_of(cat({psk, psk}), ch) == AlertDescription::illegal_parameter);
  // Even when its own body is malformed, the position is what counts.
  CHECK(decode_alert_of(cat({ext(T(ExtensionType::pre_shared_key), hex("00")), ems}), ch) ==
        AlertDescription::illegal_parameter);
  CHECK(decode_alert_of(cat({ems, grease, psk}), ch) == AlertDescription::close_notify);
  // Only the ClientHello has the rule: a ServerHello may carry it anywhere.
  const Bytes sh_psk = ext(T(ExtensionType::pre_shared_key), hex("0000"));
  round_trip(cat({sh_psk, ems}), ExtContext::server_hello);
  // In a context with no parser it is carried raw, wherever it is.
  Extensions raw = round_trip(cat({psk, ems}), ExtContext::encrypted_extensions);
  CHECK(raw.unknown.size() == 2);
}

TEST_CASE("extensions: TLS 1.3 value checks") {
  const ExtContext ch = ExtContext::client_hello;
  const uint16_t psk = T(ExtensionType::pre_shared_key);
  const std::string id = "000401020304" "00000001";  // identity "01020304", age 1
  const std::string binder = "20" + kBinder32;
  // Identities and binders differ in number: illegal_parameter (as BoringSSL and rustls send).
  CHECK(decode_alert_of(ext(psk, hex("0014" + id + id + "0021" + binder)), ch) ==
        AlertDescription::illegal_parameter);
  CHECK(decode_alert_of(ext(psk, hex("000a" + id + "0042" + binder + binder)), ch) ==
        AlertDescription::illegal_parameter);
  // Out of range: no identities, an empty identity, no binders, a 31-byte binder, a truncated age.
  CHECK(decode_alert_of(ext(psk, hex("0000" "0021" + binder)), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(psk, hex("0006" "0000" "00000001" "0021" + binder)), ch) ==
        AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(psk, hex("000a" + id + "0000")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(psk, hex("000a" + id + "0020" "1f" + std::string(62, 'b'))), ch) ==
        AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(psk, hex("0009" "000401020304" "000000" "0021" + binder)), ch) ==
        AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(psk, hex("000a" + id)), ch) == AlertDescription::decode_error);  // no binders
  // A 255-byte binder is the maximum and fine.
  CHECK(decode_alert_of(ext(psk, hex("000a" + id + "0100" "ff" + std::string(510, 'e'))), ch) ==
        AlertDescription::close_notify);
  // psk_key_exchange_modes, cookie, certificate_authorities: empty vectors with a minimum of 1.
  CHECK(decode_alert_of(ext(T(ExtensionType::psk_key_exchange_modes), hex("00")), ch) ==
        AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(T(ExtensionType::cookie), hex("0000")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(T(ExtensionType::cookie), hex("0000")), ExtContext::hello_retry_request) ==
        AlertDescription::decode_error);
  const uint16_t ca = T(ExtensionType::certificate_authorities);
  CHECK(decode_alert_of(ext(ca, hex("0000")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(ca, hex("00020000")), ExtContext::certificate_request) ==
        AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(ca, hex("0004000130")), ch) == AlertDescription::decode_error);
  // early_data: empty in ClientHello / EncryptedExtensions, exactly a uint32 in NewSessionTicket.
  CHECK(decode_alert_of(ext(T(ExtensionType::early_data), hex("00004000")), ch) == AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(T(ExtensionType::early_data), {}), ExtContext::new_session_ticket) ==
        AlertDescription::decode_error);
  CHECK(decode_alert_of(ext(T(ExtensionType::post_handshake_auth), hex("00")), ch) ==
        AlertDescription::decode_error);
  // Unknown psk_key_exchange_modes values are carried (open enum).
  Extensions m = round_trip(ext(T(ExtensionType::psk_key_exchange_modes), hex("03ff0100")), ch);
  CHECK(*m.psk_key_exchange_modes == hex("ff0100"));
}

TEST_CASE("extensions: TLS 1.3 fields built by hand") {
  Extensions e;
  e.supported_versions = std::vector<uint16_t>{0x0304};
  e.pre_shared_key = OfferedPsks{{PskIdentity{hex("7469636b6574"), 0x01020304}}, {Bytes(32, 0xaa)}};
  e.psk_key_exchange_modes = hex("01");
  e.early_data = true;
  e.cookie = hex("c00c1e");
  e.post_handshake_auth = true;
  e.certificate_authorities = std::vector<Bytes>{hex("3000")};
  e.unknown.push_back(RawExtension{0x0a0a, {}});
  e.max_early_data_size = 1024;      // NewSessionTicket only
  e.psk_selected_identity = 0;       // ServerHello only
  Bytes out;
  Writer w(&out);
  encode_extensions(e, ExtContext::client_hello, w);
  REQUIRE(w.ok());
  // Table order, then the raw ones, then pre_shared_key.
  Bytes expect_block = cat({ext(43, hex("020304")), ext(45, hex("0101")), ext(42, {}), ext(44, hex("0003c00c1e")),
                            ext(49, {}), ext(47, hex("000400023000")), ext(0x0a0a, {}),
                            ext(41, hex("000c" "00067469636b6574" "01020304" "0021" "20" + std::string(64, 'a')))});
  CHECK(to_hex(ByteView(out).sub(2)) == to_hex(expect_block));
  Extensions back = round_trip(ByteView(out).sub(2).to_bytes(), ExtContext::client_hello);
  CHECK(back.order.back() == 41);
  CHECK(back.pre_shared_key->identities[0].obfuscated_ticket_age == 0x01020304);

  // An `order` that would put pre_shared_key before another extension is not followed.
  back.order = {41, 43, 45, 42, 44, 49, 47, 0x0a0a};
  Bytes out2;
  Writer w2(&out2);
  encode_extensions(back, ExtContext::client_hello, w2);
  CHECK(out2 == out);

  // The same fields in other contexts: only those with a writer there.
  Bytes nst;
  Writer w3(&nst);
  encode_extensions(e, ExtContext::new_session_ticket, w3);
  CHECK(to_hex(nst) == "000c" "002a000400000400" "0a0a0000");
  Bytes sh;
  Writer w4(&sh);
  encode_extensions(e, ExtContext::server_hello, w4);
  CHECK(to_hex(sh) == "0010" "002b00020304" "0a0a0000" "002900020000");
  Bytes hrr;
  Writer w5(&hrr);
  encode_extensions(e, ExtContext::hello_retry_request, w5);
  CHECK(to_hex(hrr) == "0013" "002b00020304" "002c00050003c00c1e" "0a0a0000");
}

TEST_CASE("extensions: TLS 1.3 values the decoder would refuse fail the writer") {
  auto fails = [](const Extensions& e, ExtContext ctx) {
    Bytes out;
    Writer w(&out);
    encode_extensions(e, ctx, w);
    return !w.ok();
  };
  const ExtContext ch = ExtContext::client_hello;
  Extensions ok;
  ok.pre_shared_key = OfferedPsks{{PskIdentity{hex("01"), 0}}, {Bytes(32, 0)}};
  CHECK(!fails(ok, ch));
  Extensions e = ok;
  e.pre_shared_key->binders[0] = Bytes(31, 0);
  CHECK(fails(e, ch));
  e = ok;
  e.pre_shared_key->binders[0] = Bytes(256, 0);
  CHECK(fails(e, ch));
  e = ok;
  e.pre_shared_key->identities[0].identity.clear();
  CHECK(fails(e, ch));
  e = ok;
  e.pre_shared_key->binders.push_back(Bytes(32, 0));  // two binders, one identity
  CHECK(fails(e, ch));
  e = ok;
  e.pre_shared_key = OfferedPsks();
  CHECK(fails(e, ch));
  Extensions c;
  c.cookie = Bytes();
  CHECK(fails(c, ch));
  CHECK(fails(c, ExtContext::hello_retry_request));
  Extensions m;
  m.psk_key_exchange_modes = Bytes();
  CHECK(fails(m, ch));
  Extensions a;
  a.certificate_authorities = std::vector<Bytes>{};
  CHECK(fails(a, ExtContext::certificate_request));
  a.certificate_authorities = std::vector<Bytes>{Bytes()};
  CHECK(fails(a, ch));
}

}  // namespace

TEST_CASE("extensions: a server_name list with another name type is kept whole and written back as it came") {
  // RFC 6066 3: name type 1 ("xy"), then host_name "a"; the host name is taken, the list kept.
  Bytes block = ext(T(ExtensionType::server_name), hex("0009010002787900000161"));
  Extensions e;
  REQUIRE(decode_extensions(ByteView(block), ExtContext::client_hello, &e).ok());
  REQUIRE(e.server_name);
  CHECK(*e.server_name == "a");
  Bytes out;
  Writer w(&out);
  encode_extensions(e, ExtContext::client_hello, w);
  REQUIRE(w.ok());
  CHECK(ByteView(out).sub(2).to_bytes() == block);
}

TEST_CASE("extensions: present_types lists what has() finds, for every context") {
  auto by_has = [](const Extensions& e, ExtContext ctx) {
    std::vector<uint16_t> v;
    for (uint16_t t = 0; t < 64; t++)
      if (e.has(t, ctx)) v.push_back(t);
    if (e.has(T(ExtensionType::renegotiation_info), ctx)) v.push_back(T(ExtensionType::renegotiation_info));
    return v;
  };
  std::vector<Extensions> cases;
  cases.push_back(round_trip(hex(kT12ClientHello), ExtContext::client_hello));
  cases.push_back(Extensions());
  Extensions built;
  built.server_name = "example.com";
  built.renegotiation_info = Bytes();
  built.extended_master_secret = true;
  built.early_data = true;
  built.max_early_data_size = 1024;
  built.key_share = std::vector<KeyShareEntry>{};
  built.unknown.push_back(RawExtension{0x1234, {}});
  built.unknown.push_back(RawExtension{7, {}});
  // Raw entries of known types: counted only in a context without an entry for them.
  built.unknown.push_back(RawExtension{T(ExtensionType::cookie), {}});
  built.unknown.push_back(RawExtension{T(ExtensionType::signature_algorithms), {}});
  cases.push_back(built);
  for (const Extensions& e : cases)
    for (ExtContext ctx : {ExtContext::client_hello, ExtContext::server_hello, ExtContext::encrypted_extensions,
                           ExtContext::hello_retry_request, ExtContext::certificate_request,
                           ExtContext::new_session_ticket, ExtContext::certificate}) {
      CAPTURE(ext_context_name(ctx));
      std::vector<uint16_t> got;
      e.present_types(ctx, &got);
      CHECK(got == by_has(e, ctx));
    }
}

}  // namespace sanstls
