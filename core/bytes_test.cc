#include "core/bytes.h"

#include <doctest/doctest.h>

using namespace sanstls;

TEST_CASE("Reader reads big-endian integers and refuses to read past the end") {
  Bytes in = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  Reader r{ByteView(in)};
  uint8_t a;
  uint16_t b;
  uint32_t c;
  REQUIRE(r.u8(&a));
  REQUIRE(r.u16(&b));
  REQUIRE(r.u24(&c));
  CHECK(a == 1);
  CHECK(b == 0x0203);
  CHECK(c == 0x040506);
  CHECK(r.remaining() == 1);
  uint16_t d = 0xabcd;
  CHECK_FALSE(r.u16(&d));
  CHECK(d == 0xabcd);
  CHECK(r.remaining() == 1);  // a failed read leaves the reader unchanged
  uint32_t e;
  CHECK_FALSE(r.u32(&e));
  uint64_t f;
  CHECK_FALSE(r.u64(&f));
  CHECK(r.remaining() == 1);
}

TEST_CASE("length-prefixed vectors are read as children") {
  Bytes in = {0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x01};
  Reader r{ByteView(in)};
  Reader child;
  REQUIRE(r.prefixed16(&child));
  CHECK(child.remaining() == 3);
  uint8_t x;
  REQUIRE(child.u8(&x));
  CHECK(x == 0xaa);
  CHECK(r.remaining() == 1);

  Bytes overlong = {0x00, 0x05, 0xaa, 0xbb};
  Reader r2{ByteView(overlong)};
  CHECK_FALSE(r2.prefixed16(&child));
  CHECK(r2.remaining() == 4);  // the length bytes are not consumed either

  Bytes b24 = {0x00, 0x00, 0x02, 0x10, 0x20};
  Reader r3{ByteView(b24)};
  ByteView v;
  REQUIRE(r3.prefixed24(&v));
  CHECK(v.size() == 2);
  CHECK(v[1] == 0x20);
  CHECK(r3.empty());
}

TEST_CASE("Writer fills in length prefixes and fails on overflow") {
  Bytes out;
  Writer w(&out);
  auto p = w.begin16();
  w.u8(7);
  auto q = w.begin8();
  w.u16(0x0102);
  w.end(q);
  w.end(p);
  w.u24(0x010203);
  REQUIRE(w.ok());
  CHECK(out == Bytes{0x00, 0x04, 0x07, 0x02, 0x01, 0x02, 0x01, 0x02, 0x03});

  Bytes big;
  Writer w2(&big);
  auto r = w2.begin8();
  for (int i = 0; i < 256; i++) w2.u8(0);
  w2.end(r);
  CHECK_FALSE(w2.ok());

  Bytes o3;
  Writer w3(&o3);
  w3.u24(1u << 24);
  CHECK_FALSE(w3.ok());
}
