#include "core/record.h"

#include <doctest/doctest.h>

namespace sanstls {
namespace {

AlertDescription alert_of(const Status& s) { return s.error().alert; }

TEST_CASE("record: header decodes and re-encodes") {
  // The record header of OpenSSL 3.0's s_client ClientHello (-tls1_2, captured with -msg as described
  // in core/extensions_test.cc), followed by the start of the fragment: handshake, 0x0301, 0x00dd long.
  Bytes in = hex("16030100dd010000d9");
  RecordHeader h;
  REQUIRE(decode_record_header(in, &h).ok());
  CHECK(h.type == ContentType::handshake);
  CHECK(h.version == 0x0301);
  CHECK(h.length == 0x00dd);
  CHECK(check_record_header(h, kMaxPlaintext).ok());
  Bytes out;
  encode_record_header(h, &out);
  CHECK(out == hex("16030100dd"));
  uint8_t raw[kRecordHeaderLength];
  encode_record_header(RecordHeader{ContentType::application_data, 0x0303, 0x4100}, raw);
  CHECK(ByteView(raw, 5) == ByteView(hex("1703034100")));
}

TEST_CASE("record: a short header is decode_error") {
  RecordHeader h;
  for (size_t n = 0; n < 5; n++) {
    Bytes in = hex("1603030010");
    in.resize(n);
    Status s = decode_record_header(in, &h);
    REQUIRE(!s.ok());
    CHECK(alert_of(s) == AlertDescription::decode_error);
  }
}

TEST_CASE("record: check_record_header") {
  RecordHeader h{ContentType::handshake, 0x0303, 0};
  h.length = kMaxPlaintext;
  CHECK(check_record_header(h, kMaxPlaintext).ok());
  h.length = kMaxPlaintext + 1;
  // RFC 5246 6.2.1: longer than 2^14 -> record_overflow.
  CHECK(alert_of(check_record_header(h, kMaxPlaintext)) == AlertDescription::record_overflow);
  CHECK(check_record_header(h, kMaxCiphertext13).ok());
  h.length = kMaxCiphertext12 + 1;
  CHECK(alert_of(check_record_header(h, kMaxCiphertext12)) == AlertDescription::record_overflow);

  h = RecordHeader{static_cast<ContentType>(24), 0x0303, 10};  // heartbeat: not ours
  CHECK(alert_of(check_record_header(h, kMaxPlaintext)) == AlertDescription::unexpected_message);
  h = RecordHeader{static_cast<ContentType>(0), 0x0303, 10};
  CHECK(alert_of(check_record_header(h, kMaxPlaintext)) == AlertDescription::unexpected_message);

  h = RecordHeader{ContentType::alert, 0x0200, 2};  // SSL 2-style major version
  CHECK(alert_of(check_record_header(h, kMaxPlaintext)) == AlertDescription::protocol_version);
  h = RecordHeader{ContentType::alert, 0x0300, 2};  // SSL 3.0: the major byte is fine here
  CHECK(check_record_header(h, kMaxPlaintext).ok());
  h = RecordHeader{ContentType::alert, 0x0403, 2};
  CHECK(alert_of(check_record_header(h, kMaxPlaintext)) == AlertDescription::protocol_version);
}

TEST_CASE("record: ChangeCipherSpec") {
  Bytes out;
  encode_change_cipher_spec(&out);
  CHECK(out == hex("01"));
  CHECK(decode_change_cipher_spec(out).ok());
  for (const char* bad : {"", "00", "02", "0101", "0100"}) {
    Status s = decode_change_cipher_spec(hex(bad));
    REQUIRE(!s.ok());
    CHECK(alert_of(s) == AlertDescription::decode_error);
  }
}

}  // namespace
}  // namespace sanstls
