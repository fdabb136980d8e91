// Tests of core/record_protection: round trips of every mode, tampering, replay, CBC padding (good and
// bad of each kind), records built by hand from the primitives (independent known answers), RFC 8448
// records, limits and sequence-number exhaustion.
#include "core/record_protection.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/record.h"
#include "crypto/crypto.h"

namespace sanstls {
namespace {

using crypto::AeadAlg;
using crypto::HashAlg;

const crypto::Provider& P() { return crypto::default_provider(); }

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; i++) b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = static_cast<uint8_t>(v);
}

// seq(8) || type || version || length, built by hand for the expected values (RFC 5246 6.2.3.1/3).
Bytes pseudo_header(uint64_t seq, ContentType type, uint16_t version, size_t len) {
  Bytes h(13);
  put_u64(h.data(), seq);
  h[8] = static_cast<uint8_t>(type);
  h[9] = static_cast<uint8_t>(version >> 8);
  h[10] = static_cast<uint8_t>(version);
  h[11] = static_cast<uint8_t>(len >> 8);
  h[12] = static_cast<uint8_t>(len);
  return h;
}

Bytes header_bytes(ContentType type, uint16_t version, size_t len) {
  return Bytes{static_cast<uint8_t>(type), static_cast<uint8_t>(version >> 8), static_cast<uint8_t>(version),
               static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
}

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes seal_rec(RecordProtection& p, ContentType type, ByteView pt, size_t padding = 0) {
  Bytes out(p.sealed_size(pt.size(), padding));
  Result<size_t> n = p.seal(type, pt, out.data(), out.size(), padding);
  REQUIRE_MESSAGE(n.ok(), n.error().to_string());
  REQUIRE(n.value() == out.size());
  return out;
}

// Opens a complete record (header || fragment) in place.
Result<OpenedRecord> open_rec(RecordProtection& p, Bytes& rec) {
  RecordHeader h;
  REQUIRE(decode_record_header(rec, &h).ok());
  return p.open(h, rec.data() + kRecordHeaderLength, rec.size() - kRecordHeaderLength);
}

bool fails_with(const Result<OpenedRecord>& r, AlertDescription a) { return !r.ok() && r.error().alert == a; }

// --- The modes under test. Each factory builds a fresh object with fixed keys, so a sealer and an
// opener made by the same factory share keys.
struct ModeSpec {
  std::string name;
  std::function<RecordProtection(size_t max_plaintext)> make;
};

crypto::Rng& test_rng() {
  static std::unique_ptr<crypto::Rng> rng = crypto::make_deterministic_rng(ByteView::of("record test"));
  return *rng;
}

RecordProtection must(Result<RecordProtection> r) {
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  return r.take();
}

std::vector<ModeSpec> encrypted_modes() {
  std::vector<ModeSpec> m;
  m.push_back({"gcm128-1.2", [](size_t mp) {
                 return must(RecordProtection::tls12_gcm(P(), AeadAlg::aes_128_gcm, pattern(16, 1), pattern(4, 2), mp));
               }});
  m.push_back({"gcm256-1.2", [](size_t mp) {
                 return must(RecordProtection::tls12_gcm(P(), AeadAlg::aes_256_gcm, pattern(32, 3), pattern(4, 4), mp));
               }});
  m.push_back({"chacha-1.2", [](size_t mp) {
                 return must(RecordProtection::tls12_chacha20_poly1305(P(), pattern(32, 5), pattern(12, 6), mp));
               }});
  m.push_back({"cbc128-sha1-mte", [](size_t mp) {
                 return must(RecordProtection::tls12_cbc(P(), pattern(16, 7), HashAlg::sha1, pattern(20, 8), false,
                                                         test_rng(), mp));
               }});
  m.push_back({"cbc256-sha256-mte", [](size_t mp) {
                 return must(RecordProtection::tls12_cbc(P(), pattern(32, 9), HashAlg::sha256, pattern(32, 10), false,
                                                         test_rng(), mp));
               }});
  m.push_back({"cbc256-sha384-mte", [](size_t mp) {
                 return must(RecordProtection::tls12_cbc(P(), pattern(32, 11), HashAlg::sha384, pattern(48, 12), false,
                                                         test_rng(), mp));
               }});
  m.push_back({"cbc128-sha1-etm", [](size_t mp) {
                 return must(RecordProtection::tls12_cbc(P(), pattern(16, 13), HashAlg::sha1, pattern(20, 14), true,
                                                         test_rng(), mp));
               }});
  m.push_back({"cbc256-sha256-etm", [](size_t mp) {
                 return must(RecordProtection::tls12_cbc(P(), pattern(32, 15), HashAlg::sha256, pattern(32, 16), true,
                                                         test_rng(), mp));
               }});
  m.push_back({"aes128gcm-1.3", [](size_t mp) {
                 return must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, pattern(16, 17), pattern(12, 18), mp));
               }});
  m.push_back({"aes256gcm-1.3", [](size_t mp) {
                 return must(RecordProtection::tls13(P(), AeadAlg::aes_256_gcm, pattern(32, 19), pattern(12, 20), mp));
               }});
  m.push_back({"chacha-1.3", [](size_t mp) {
                 return must(RecordProtection::tls13(P(), AeadAlg::chacha20_poly1305, pattern(32, 21), pattern(12, 22), mp));
               }});
  // AES-CCM, 16-byte and 8-byte (CCM_8) tags (RFC 6655, RFC 7251, RFC 8446 B.4).
  m.push_back({"ccm128-1.2", [](size_t mp) {
                 return must(RecordProtection::tls12_gcm(P(), AeadAlg::aes_128_ccm, pattern(16, 23), pattern(4, 24), mp));
               }});
  m.push_back({"ccm8-128-1.2", [](size_t mp) {
                 return must(RecordProtection::tls12_gcm(P(), AeadAlg::aes_128_ccm_8, pattern(16, 25), pattern(4, 26), mp));
               }});
  m.push_back({"ccm8-256-1.2", [](size_t mp) {
                 return must(RecordProtection::tls12_gcm(P(), AeadAlg::aes_256_ccm_8, pattern(32, 27), pattern(4, 28), mp));
               }});
  m.push_back({"ccm8-128-1.3", [](size_t mp) {
                 return must(RecordProtection::tls13(P(), AeadAlg::aes_128_ccm_8, pattern(16, 29), pattern(12, 30), mp));
               }});
  return m;
}

const size_t kLengths[] = {0, 1, 12, 15, 16, 17, 31, 32, 33, 100, 255, 256, 1000, 4095, 16383, 16384};

TEST_CASE("round trip of every mode, lengths 0..2^14, one stream of records") {
  std::vector<ModeSpec> modes = encrypted_modes();
  modes.push_back({"null", [](size_t mp) { return RecordProtection::null_protection(mp); }});
  for (const ModeSpec& mode : modes) {
    CAPTURE(mode.name);
    RecordProtection tx = mode.make(kMaxPlaintext), rx = mode.make(kMaxPlaintext);
    uint64_t seq = 0;
    for (size_t len : kLengths) {
      CAPTURE(len);
      const ContentType type = (len % 2) ? ContentType::handshake : ContentType::application_data;
      const Bytes pt = pattern(len, static_cast<uint8_t>(len));
      Bytes rec = seal_rec(tx, type, pt);
      CHECK(rec.size() - kRecordHeaderLength <= rx.max_fragment_length());
      if (!tx.is_null() && len >= 16) {
        // The plaintext does not appear in the clear.
        CHECK(std::search(rec.begin(), rec.end(), pt.begin(), pt.begin() + 16) == rec.end());
      }
      Result<OpenedRecord> r = open_rec(rx, rec);
      REQUIRE_MESSAGE(r.ok(), r.error().to_string());
      CHECK(r.value().type == type);
      CHECK(r.value().plaintext == ByteView(pt));
      seq++;
      CHECK(tx.sequence_number() == seq);
      CHECK(rx.sequence_number() == seq);
    }
  }
}

TEST_CASE("the outer header: type and version as the RFCs say") {
  RecordProtection gcm = encrypted_modes()[0].make(kMaxPlaintext);
  Bytes rec = seal_rec(gcm, ContentType::handshake, pattern(10, 0));
  CHECK(Bytes(rec.begin(), rec.begin() + 5) == header_bytes(ContentType::handshake, 0x0303, 8 + 10 + 16));
  RecordProtection t13 = encrypted_modes()[8].make(kMaxPlaintext);
  rec = seal_rec(t13, ContentType::handshake, pattern(10, 0), 3);
  // RFC 8446 5.2: opaque_type application_data, legacy_record_version 0x0303, inner + tag.
  CHECK(Bytes(rec.begin(), rec.begin() + 5) == header_bytes(ContentType::application_data, 0x0303, 10 + 1 + 3 + 16));
  RecordProtection null = RecordProtection::null_protection();
  null.set_record_version(0x0301);
  rec = seal_rec(null, ContentType::handshake, ByteView::of("abc"));
  CHECK(rec == cat({header_bytes(ContentType::handshake, 0x0301, 3), ByteView::of("abc")}));
}

TEST_CASE("seal may take its plaintext from inside the output buffer") {
  for (const ModeSpec& mode : encrypted_modes()) {
    CAPTURE(mode.name);
    RecordProtection tx = mode.make(kMaxPlaintext), rx = mode.make(kMaxPlaintext);
    const Bytes pt = pattern(300, 9);
    Bytes buf(tx.sealed_size(pt.size()) + 64);
    for (size_t off : {size_t{0}, size_t{5}, size_t{13}, size_t{21}}) {
      std::copy(pt.begin(), pt.end(), buf.begin() + off);
      Result<size_t> n = tx.seal(ContentType::application_data, ByteView(buf.data() + off, pt.size()), buf.data(),
                                 buf.size());
      REQUIRE(n.ok());
      Bytes rec(buf.begin(), buf.begin() + n.value());
      Result<OpenedRecord> r = open_rec(rx, rec);
      REQUIRE(r.ok());
      CHECK(r.value().plaintext == ByteView(pt));
    }
  }
}

TEST_CASE("tampering with any byte of a record gives bad_record_mac") {
  for (const ModeSpec& mode : encrypted_modes()) {
    CAPTURE(mode.name);
    RecordProtection tx = mode.make(kMaxPlaintext);
    const Bytes rec = seal_rec(tx, ContentType::application_data, pattern(37, 1));
    for (size_t i = 0; i < rec.size(); i++) {
      if (i == 3 || i == 4) continue;  // the length: below
      for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}}) {
        CAPTURE(i);
        CAPTURE(int{flip});
        Bytes bad = rec;
        bad[i] ^= flip;
        RecordProtection rx = mode.make(kMaxPlaintext);
        Result<OpenedRecord> r = open_rec(rx, bad);
        CHECK(fails_with(r, AlertDescription::bad_record_mac));
        CHECK(rx.sequence_number() == 0);
      }
    }
    // The length in the header, with the fragment cut or extended to match it.
    for (int delta : {-16, -1, 1, 16}) {
      CAPTURE(delta);
      Bytes bad = rec;
      if (delta < 0) bad.resize(bad.size() - static_cast<size_t>(-delta));
      else bad.insert(bad.end(), static_cast<size_t>(delta), 0);
      const size_t len = bad.size() - kRecordHeaderLength;
      bad[3] = static_cast<uint8_t>(len >> 8);
      bad[4] = static_cast<uint8_t>(len);
      RecordProtection rx = mode.make(kMaxPlaintext);
      CHECK(fails_with(open_rec(rx, bad), AlertDescription::bad_record_mac));
    }
    // A good record still opens afterwards (the failures above did not spoil a fresh opener).
    Bytes good = rec;
    RecordProtection rx = mode.make(kMaxPlaintext);
    CHECK(open_rec(rx, good).ok());
  }
}

TEST_CASE("replayed, skipped and reordered records fail") {
  for (const ModeSpec& mode : encrypted_modes()) {
    CAPTURE(mode.name);
    RecordProtection tx = mode.make(kMaxPlaintext);
    std::vector<Bytes> recs;
    for (int i = 0; i < 3; i++) recs.push_back(seal_rec(tx, ContentType::application_data, pattern(20, uint8_t(i))));
    {
      RecordProtection rx = mode.make(kMaxPlaintext);
      Bytes r0 = recs[0], again = recs[0];
      REQUIRE(open_rec(rx, r0).ok());
      CHECK(fails_with(open_rec(rx, again), AlertDescription::bad_record_mac));  // replay
    }
    {
      RecordProtection rx = mode.make(kMaxPlaintext);
      Bytes r1 = recs[1];
      CHECK(fails_with(open_rec(rx, r1), AlertDescription::bad_record_mac));  // record 0 skipped
    }
    {
      RecordProtection rx = mode.make(kMaxPlaintext);
      for (int i = 0; i < 3; i++) {
        Bytes r = recs[size_t(i)];
        Result<OpenedRecord> o = open_rec(rx, r);
        REQUIRE(o.ok());
        CHECK(o.value().plaintext == ByteView(pattern(20, uint8_t(i))));
      }
    }
  }
}

TEST_CASE("fragments too short for the mode give bad_record_mac") {
  struct Case {
    size_t mode_index;
    std::vector<size_t> lengths;
  };
  // GCM: explicit nonce 8 + tag 16; ChaCha: tag 16; CBC: block multiples with room for IV, MAC and
  // the padding byte; TLS 1.3: the tag; CCM_8: explicit nonce 8 + tag 8 (TLS 1.2), the tag (TLS 1.3).
  const Case cases[] = {{0, {0, 1, 23}},         {2, {0, 15}},      {3, {0, 16, 31, 33, 47}},
                        {4, {16, 32, 48, 50}},  {6, {16, 32, 47}}, {8, {0, 15}},
                        {11, {0, 23}},          {12, {0, 1, 15}},  {13, {0, 15}},
                        {14, {0, 7}}};
  auto modes = encrypted_modes();
  for (const Case& c : cases) {
    for (size_t len : c.lengths) {
      CAPTURE(modes[c.mode_index].name);
      CAPTURE(len);
      RecordProtection rx = modes[c.mode_index].make(kMaxPlaintext);
      Bytes rec = cat({header_bytes(ContentType::application_data, 0x0303, len), pattern(len, 3)});
      CHECK(fails_with(open_rec(rx, rec), AlertDescription::bad_record_mac));
    }
  }
}

TEST_CASE("CCM_8: the record carries an 8-byte tag, and the limits count 8 (RFC 6655 3, RFC 8446 5.2)") {
  const Bytes key = pattern(16, 40), salt = pattern(4, 41), iv = pattern(12, 42);
  const Bytes pt = pattern(100, 43);
  // TLS 1.2: explicit nonce (8) || ciphertext || tag (8); the nonce and AAD are GCM's (RFC 6655 3).
  {
    RecordProtection tx = must(RecordProtection::tls12_gcm(P(), AeadAlg::aes_128_ccm_8, key, salt));
    const uint64_t seq = 0x0a0b0c0d0e0f1011ull;
    tx.set_sequence_number_for_testing(seq);
    CHECK(tx.sealed_size(pt.size()) == 5 + 8 + pt.size() + 8);
    CHECK(tx.max_fragment_length() == 8 + kMaxPlaintext + 8);
    const Bytes rec = seal_rec(tx, ContentType::application_data, pt);
    Bytes nonce = cat({salt, hex("0a0b0c0d0e0f1011")});
    Bytes aad = pseudo_header(seq, ContentType::application_data, 0x0303, pt.size());
    Bytes ct = pt;
    uint8_t tag[8];
    REQUIRE(P().aead(AeadAlg::aes_128_ccm_8, key)->seal(nonce, aad, ct.data(), ct.size(), tag) == crypto::Status::ok);
    CHECK(to_hex(rec) == to_hex(cat({header_bytes(ContentType::application_data, 0x0303, 8 + pt.size() + 8),
                                     hex("0a0b0c0d0e0f1011"), ct, ByteView(tag, 8)})));
    RecordProtection rx = must(RecordProtection::tls12_gcm(P(), AeadAlg::aes_128_ccm_8, key, salt));
    rx.set_sequence_number_for_testing(seq);
    Bytes copy = rec;
    Result<OpenedRecord> r = open_rec(rx, copy);
    REQUIRE(r.ok());
    CHECK(r.value().plaintext == ByteView(pt));
    // The largest fragment takes 8 + 2^14 + 8 bytes; one more is record_overflow before any decryption.
    RecordProtection rx2 = must(RecordProtection::tls12_gcm(P(), AeadAlg::aes_128_ccm_8, key, salt));
    const size_t over = 8 + kMaxPlaintext + 8 + 1;
    Bytes huge = cat({header_bytes(ContentType::application_data, 0x0303, over), Bytes(over, 0x55)});
    CHECK(fails_with(open_rec(rx2, huge), AlertDescription::record_overflow));
  }
  // TLS 1.3: TLSInnerPlaintext || tag (8); the header (the AAD) counts the 8-byte tag.
  {
    RecordProtection tx = must(RecordProtection::tls13(P(), AeadAlg::aes_128_ccm_8, key, iv));
    CHECK(tx.sealed_size(pt.size(), 3) == 5 + pt.size() + 1 + 3 + 8);
    CHECK(tx.max_fragment_length() == kMaxPlaintext + 1 + 8);
    const Bytes rec = seal_rec(tx, ContentType::handshake, pt, 3);
    REQUIRE(rec.size() == 5 + pt.size() + 1 + 3 + 8);
    const Bytes hdr = header_bytes(ContentType::application_data, 0x0303, pt.size() + 1 + 3 + 8);
    CHECK(to_hex(ByteView(rec).sub(0, 5)) == to_hex(hdr));
    Bytes inner = cat({pt, hex("16000000")});
    uint8_t tag[8];
    REQUIRE(P().aead(AeadAlg::aes_128_ccm_8, key)->seal(iv, hdr, inner.data(), inner.size(), tag) ==
            crypto::Status::ok);  // sequence number 0: the nonce is the iv
    CHECK(to_hex(rec) == to_hex(cat({hdr, inner, ByteView(tag, 8)})));
    RecordProtection rx = must(RecordProtection::tls13(P(), AeadAlg::aes_128_ccm_8, key, iv));
    Bytes copy = rec;
    Result<OpenedRecord> r = open_rec(rx, copy);
    REQUIRE(r.ok());
    CHECK(r.value().type == ContentType::handshake);
    CHECK(r.value().plaintext == ByteView(pt));
    RecordProtection rx2 = must(RecordProtection::tls13(P(), AeadAlg::aes_128_ccm_8, key, iv));
    const size_t over = kMaxPlaintext + 1 + 8 + 1;
    Bytes huge = cat({header_bytes(ContentType::application_data, 0x0303, over), Bytes(over, 0x55)});
    CHECK(fails_with(open_rec(rx2, huge), AlertDescription::record_overflow));
  }
}

// --- Independent expected ciphertexts: nonce and AAD built here, the AEAD called directly.

TEST_CASE("TLS 1.2 AES-GCM record equals a hand-built RFC 5288 record") {
  const Bytes key = hex("000102030405060708090a0b0c0d0e0f"), salt = hex("a0a1a2a3");
  RecordProtection tx = must(RecordProtection::tls12_gcm(P(), AeadAlg::aes_128_gcm, key, salt));
  const uint64_t seq = 0x0102030405060708ull;
  tx.set_sequence_number_for_testing(seq);
  const Bytes pt = ByteView::of("GET / HTTP/1.1\r\n\r\n").to_bytes();
  const Bytes rec = seal_rec(tx, ContentType::application_data, pt);

  // RFC 5288 3: nonce = salt(4) || explicit(8); RFC 5246 6.2.3.3: AAD = seq || type || version || len.
  Bytes nonce = cat({salt, hex("0102030405060708")});
  Bytes aad = cat({hex("0102030405060708"), hex("17"), hex("0303"), Bytes{0x00, static_cast<uint8_t>(pt.size())}});
  REQUIRE(aad == pseudo_header(seq, ContentType::application_data, 0x0303, pt.size()));
  Bytes ct = pt;
  uint8_t tag[16];
  REQUIRE(P().aead(AeadAlg::aes_128_gcm, key)->seal(nonce, aad, ct.data(), ct.size(), tag) == crypto::Status::ok);
  const Bytes expected = cat({header_bytes(ContentType::application_data, 0x0303, 8 + pt.size() + 16),
                              hex("0102030405060708"), ct, ByteView(tag, 16)});
  CHECK(to_hex(rec) == to_hex(expected));

  RecordProtection rx = must(RecordProtection::tls12_gcm(P(), AeadAlg::aes_128_gcm, key, salt));
  rx.set_sequence_number_for_testing(seq);
  Bytes copy = rec;
  Result<OpenedRecord> r = open_rec(rx, copy);
  REQUIRE(r.ok());
  CHECK(r.value().plaintext == ByteView(pt));
}

TEST_CASE("TLS 1.2 ChaCha20-Poly1305 record equals a hand-built RFC 7905 record") {
  const Bytes key = pattern(32, 0x40), iv = hex("070000004041424344454647");
  RecordProtection tx = must(RecordProtection::tls12_chacha20_poly1305(P(), key, iv));
  const uint64_t seq = 0x00000000000000ffull;
  tx.set_sequence_number_for_testing(seq);
  const Bytes pt = pattern(45, 0x11);
  const Bytes rec = seal_rec(tx, ContentType::handshake, pt);

  // RFC 7905 2: the 64-bit sequence number, left-padded to 12 bytes, XOR the IV.
  const Bytes nonce = hex("0700000040414243444546b8");
  Bytes ct = pt;
  uint8_t tag[16];
  REQUIRE(P().aead(AeadAlg::chacha20_poly1305, key)
              ->seal(nonce, pseudo_header(seq, ContentType::handshake, 0x0303, pt.size()), ct.data(), ct.size(),
                     tag) == crypto::Status::ok);
  const Bytes expected = cat({header_bytes(ContentType::handshake, 0x0303, pt.size() + 16), ct, ByteView(tag, 16)});
  CHECK(to_hex(rec) == to_hex(expected));
}

// CBC records built by hand from AES-CBC and HMAC (RFC 5246 6.2.3.2, RFC 7366 3), with any padding
// length and optional damage.
struct CbcKeys {
  Bytes enc_key;
  HashAlg mac_alg;
  Bytes mac_key;
};

struct CbcDamage {
  int pad_byte = -1;        // flip this padding byte (index among the pad bytes before the length byte)
  int length_byte = -1;     // replace the padding length byte with this value
  bool mac = false;         // flip a MAC byte
  int mac_length_delta = 0; // MtE: MAC computed over a plaintext length off by this much
};

Bytes handmade_cbc(const CbcKeys& k, bool etm, uint64_t seq, ContentType type, ByteView pt, size_t pad,
                   const Bytes& iv, CbcDamage d = {}) {
  const size_t m = crypto::hash_length(k.mac_alg);
  Bytes inner = pt.to_bytes();
  if (!etm) {
    Bytes mac = crypto::hmac_once(P(), k.mac_alg, k.mac_key,
                                  cat({pseudo_header(seq, type, 0x0303, pt.size() + size_t(d.mac_length_delta)), pt}));
    if (d.mac) mac[m / 2] ^= 1;
    inner.insert(inner.end(), mac.begin(), mac.end());
  }
  const size_t pad_at = inner.size();
  inner.insert(inner.end(), pad + 1, static_cast<uint8_t>(pad));
  if (d.pad_byte >= 0) inner[pad_at + size_t(d.pad_byte)] ^= 0x01;
  if (d.length_byte >= 0) inner.back() = static_cast<uint8_t>(d.length_byte);
  REQUIRE(inner.size() % 16 == 0);
  REQUIRE(P().aes_cbc(k.enc_key)->encrypt(iv, inner.data(), inner.size()) == crypto::Status::ok);
  Bytes frag = cat({iv, inner});
  if (etm) {
    Bytes mac = crypto::hmac_once(P(), k.mac_alg, k.mac_key, cat({pseudo_header(seq, type, 0x0303, frag.size()), frag}));
    if (d.mac) mac[m / 2] ^= 1;
    frag.insert(frag.end(), mac.begin(), mac.end());
  }
  return cat({header_bytes(type, 0x0303, frag.size()), frag});
}

// A plaintext length that makes len + mac + pad + 1 (MtE) or len + pad + 1 (EtM) a block multiple.
size_t fitting_length(size_t m, size_t pad, bool etm, size_t at_least) {
  size_t len = at_least;
  while ((len + (etm ? 0 : m) + pad + 1) % 16 != 0) len++;
  return len;
}

const CbcKeys kCbcKeys[] = {
    {hex("8a8b8c8d8e8f909192939495969798a9"), HashAlg::sha1, pattern(20, 0x31)},
    {pattern(32, 0x51), HashAlg::sha256, pattern(32, 0x61)},
};

RecordProtection cbc_from(const CbcKeys& k, bool etm, size_t max_plaintext = kMaxPlaintext) {
  return must(RecordProtection::tls12_cbc(P(), k.enc_key, k.mac_alg, k.mac_key, etm, test_rng(), max_plaintext));
}

TEST_CASE("CBC records sealed equal hand-built ones with the same IV") {
  for (const CbcKeys& k : kCbcKeys) {
    for (bool etm : {false, true}) {
      CAPTURE(etm);
      RecordProtection tx = cbc_from(k, etm);
      for (size_t len : {size_t{0}, size_t{5}, size_t{11}, size_t{12}, size_t{100}}) {
        CAPTURE(len);
        const uint64_t seq = tx.sequence_number();
        const Bytes pt = pattern(len, 0x77);
        const Bytes rec = seal_rec(tx, ContentType::application_data, pt);
        const Bytes iv(rec.begin() + 5, rec.begin() + 21);
        const size_t m = crypto::hash_length(k.mac_alg);
        const size_t body = len + (etm ? 0 : m) + 1;
        const size_t pad = (16 - body % 16) % 16;  // minimal padding
        CHECK(to_hex(rec) == to_hex(handmade_cbc(k, etm, seq, ContentType::application_data, pt, pad, iv)));
      }
    }
  }
}

TEST_CASE("CBC: every padding length 0..255 opens; each kind of bad padding fails") {
  const Bytes iv = hex("000102030405060708090a0b0c0d0e0f");
  for (const CbcKeys& k : kCbcKeys) {
    const size_t m = crypto::hash_length(k.mac_alg);
    for (bool etm : {false, true}) {
      CAPTURE(etm);
      CAPTURE(m);
      for (size_t pad = 0; pad <= 255; pad++) {
        CAPTURE(pad);
        const Bytes pt = pattern(fitting_length(m, pad, etm, 20), uint8_t(pad));
        Bytes rec = handmade_cbc(k, etm, 0, ContentType::application_data, pt, pad, iv);
        RecordProtection rx = cbc_from(k, etm);
        Result<OpenedRecord> r = open_rec(rx, rec);
        REQUIRE_MESSAGE(r.ok(), r.error().to_string());
        CHECK(r.value().plaintext == ByteView(pt));
      }
      // Long records, where the MAC can only be in the last mac + 256 bytes (the scan window).
      for (size_t pad : {size_t{0}, size_t{17}, size_t{254}, size_t{255}}) {
        CAPTURE(pad);
        const Bytes pt = pattern(fitting_length(m, pad, etm, 16000), uint8_t(pad + 1));
        Bytes rec = handmade_cbc(k, etm, 0, ContentType::application_data, pt, pad, iv);
        RecordProtection rx = cbc_from(k, etm);
        Result<OpenedRecord> r = open_rec(rx, rec);
        REQUIRE_MESSAGE(r.ok(), r.error().to_string());
        CHECK(r.value().plaintext == ByteView(pt));
        CbcDamage d;
        d.pad_byte = pad == 0 ? -1 : 0;
        d.mac = pad == 0;
        Bytes bad = handmade_cbc(k, etm, 0, ContentType::application_data, pt, pad, iv, d);
        RecordProtection rx2 = cbc_from(k, etm);
        CHECK(fails_with(open_rec(rx2, bad), AlertDescription::bad_record_mac));
      }
      for (size_t pad : {size_t{1}, size_t{2}, size_t{15}, size_t{16}, size_t{100}, size_t{255}}) {
        CAPTURE(pad);
        const Bytes pt = pattern(fitting_length(m, pad, etm, 20), 1);
        // One padding byte differs from the length byte, at every position.
        for (size_t i = 0; i < pad; i++) {
          CbcDamage d;
          d.pad_byte = int(i);
          Bytes rec = handmade_cbc(k, etm, 0, ContentType::application_data, pt, pad, iv, d);
          RecordProtection rx = cbc_from(k, etm);
          CHECK(fails_with(open_rec(rx, rec), AlertDescription::bad_record_mac));
        }
        // The length byte says one more or one less than the padding there.
        for (int delta : {-1, 1}) {
          // 256 wraps to 0; with encrypt-then-MAC, 0 is itself a valid padding (the MAC covers only the
          // ciphertext), so those two cases are not damage.
          if (pad + size_t(delta) == 256 || (etm && pad + size_t(delta) == 0)) continue;
          CbcDamage d;
          d.length_byte = int(pad) + delta;
          Bytes rec = handmade_cbc(k, etm, 0, ContentType::application_data, pt, pad, iv, d);
          RecordProtection rx = cbc_from(k, etm);
          CHECK(fails_with(open_rec(rx, rec), AlertDescription::bad_record_mac));
        }
      }
      // A length byte larger than the whole record (room for padding and MAC missing).
      for (int claimed : {40, 63, 200, 255}) {
        CAPTURE(claimed);
        CbcDamage d;
        d.length_byte = claimed;
        const Bytes pt = pattern(fitting_length(m, 0, etm, 1), 2);
        Bytes rec = handmade_cbc(k, etm, 0, ContentType::application_data, pt, 0, iv, d);
        RecordProtection rx = cbc_from(k, etm);
        CHECK(fails_with(open_rec(rx, rec), AlertDescription::bad_record_mac));
      }
      // Good padding, bad MAC.
      {
        CbcDamage d;
        d.mac = true;
        const Bytes pt = pattern(fitting_length(m, 7, etm, 30), 3);
        Bytes rec = handmade_cbc(k, etm, 0, ContentType::application_data, pt, 7, iv, d);
        RecordProtection rx = cbc_from(k, etm);
        CHECK(fails_with(open_rec(rx, rec), AlertDescription::bad_record_mac));
      }
      if (!etm) {
        // MAC over a plaintext length other than the one the padding implies.
        for (int delta : {-1, 1}) {
          CbcDamage d;
          d.mac_length_delta = delta;
          const Bytes pt = pattern(fitting_length(m, 3, etm, 30), 4);
          Bytes rec = handmade_cbc(k, etm, 0, ContentType::application_data, pt, 3, iv, d);
          RecordProtection rx = cbc_from(k, etm);
          CHECK(fails_with(open_rec(rx, rec), AlertDescription::bad_record_mac));
        }
        // Good everything, but the wrong sequence number in the MAC.
        const Bytes pt = pattern(fitting_length(m, 3, etm, 30), 5);
        Bytes rec = handmade_cbc(k, etm, 1, ContentType::application_data, pt, 3, iv);
        RecordProtection rx = cbc_from(k, etm);
        CHECK(fails_with(open_rec(rx, rec), AlertDescription::bad_record_mac));
      }
    }
  }
}

TEST_CASE("CBC: a fragment that is not a whole number of blocks fails") {
  const Bytes iv = pattern(16, 0);
  for (bool etm : {false, true}) {
    const CbcKeys& k = kCbcKeys[1];
    Bytes rec = handmade_cbc(k, etm, 0, ContentType::application_data, pattern(fitting_length(32, 0, etm, 40), 0), 0,
                             iv);
    for (size_t cut : {size_t{1}, size_t{8}, size_t{15}}) {
      Bytes bad(rec.begin(), rec.end() - static_cast<long>(cut));
      const size_t len = bad.size() - 5;
      bad[3] = static_cast<uint8_t>(len >> 8);
      bad[4] = static_cast<uint8_t>(len);
      RecordProtection rx = cbc_from(k, etm);
      CHECK(fails_with(open_rec(rx, bad), AlertDescription::bad_record_mac));
    }
  }
}

// --- RFC 8448 section 3, "Simple 1-RTT Handshake" (TLS_AES_128_GCM_SHA256).

TEST_CASE("RFC 8448 3: the server's application data and alert records, the client's Finished") {
  // {server} derive write traffic keys for application data: key, iv.
  const Bytes s_ap_key = hex("9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56");
  const Bytes s_ap_iv = hex("cf 78 2b 88 dd 83 54 9a ad f1 e9 84");
  // {server} send handshake record: the NewSessionTicket (payload 205 octets), the first record under
  // these keys (sequence number 0); complete record (227 octets).
  const Bytes s_nst_record = hex(
      "17 03 03 00 de 3a 6b 8f 90 41 4a 97 d6 95 9c 34 87 68 0d e5 13 4a 2b 24"
      "0e 6c ff ac 11 6e 95 d4 1d 6a f8 f6 b5 80 dc f3 d1 1d 63 c7 58 db 28 9a"
      "01 59 40 25 2f 55 71 3e 06 1d c1 3e 07 88 91 a3 8e fb cf 57 53 ad 8e f1"
      "70 ad 3c 73 53 d1 6d 9d a7 73 b9 ca 7f 2b 9f a1 b6 c0 d4 a3 d0 3f 75 e0"
      "9c 30 ba 1e 62 97 2a c4 6f 75 f7 b9 81 be 63 43 9b 29 99 ce 13 06 46 15"
      "13 98 91 d5 e4 c5 b4 06 f1 6e 3f c1 81 a7 7c a4 75 84 00 25 db 2f 0a 77"
      "f8 1b 5a b0 5b 94 c0 13 46 75 5f 69 23 2c 86 51 9d 86 cb ee ac 87 aa c3"
      "47 d1 43 f9 60 5d 64 f6 50 db 4d 02 3e 70 e9 52 ca 49 fe 51 37 12 1c 74"
      "bc 26 97 68 7e 24 87 46 d6 df 35 30 05 f3 bc e1 86 96 12 9c 81 53 55 6b"
      "3b 6c 67 79 b3 7b f1 59 85 68 4f");
  // {server} send application_data record (sequence number 1): payload 00 01 ... 31 (50 octets),
  // complete record (72 octets).
  const Bytes s_app_record = hex(
      "17 03 03 00 43 2e 93 7e 11 ef 4a c7 40 e5 38 ad 36 00 5f c4 a4 69 32 fc"
      "32 25 d0 5f 82 aa 1b 36 e3 0e fa f9 7d 90 e6 df fc 60 2d cb 50 1a 59 a8"
      "fc c4 9c 4b f2 e5 f0 a2 1c 00 47 c2 ab f3 32 54 0d d0 32 e1 67 c2 95 5d");
  // {server} send alert record (close_notify, sequence number 2): complete record (24 octets).
  const Bytes s_alert_record = hex("17 03 03 00 13 b5 8f d6 71 66 eb f5 99 d2 47 20 cf be 7e fa 7a 88 64 a9");
  Bytes payload(50);
  for (size_t i = 0; i < 50; i++) payload[i] = static_cast<uint8_t>(i);

  RecordProtection rx = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, s_ap_key, s_ap_iv));
  Bytes rec = s_nst_record;
  Result<OpenedRecord> r = open_rec(rx, rec);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  CHECK(r.value().type == ContentType::handshake);
  REQUIRE(r.value().plaintext.size() == 205);
  CHECK(r.value().plaintext.sub(0, 4) == ByteView(hex("04 00 00 c9")));  // NewSessionTicket, 201 bytes
  rec = s_app_record;
  r = open_rec(rx, rec);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  CHECK(r.value().type == ContentType::application_data);
  CHECK(r.value().plaintext == ByteView(payload));
  rec = s_alert_record;
  r = open_rec(rx, rec);
  REQUIRE(r.ok());
  CHECK(r.value().type == ContentType::alert);
  CHECK(r.value().plaintext == ByteView(hex("01 00")));

  // Sealing the same plaintexts with the same keys at the same sequence numbers gives the RFC's bytes.
  RecordProtection tx = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, s_ap_key, s_ap_iv));
  tx.set_sequence_number_for_testing(1);
  CHECK(to_hex(seal_rec(tx, ContentType::application_data, payload)) == to_hex(s_app_record));
  CHECK(to_hex(seal_rec(tx, ContentType::alert, hex("01 00"))) == to_hex(s_alert_record));

  // {client} derive write traffic keys for handshake data; {client} send handshake record: the
  // Finished message (verify_data from "{client} calculate finished").
  const Bytes c_hs_key = hex("db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01");
  const Bytes c_hs_iv = hex("5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f");
  const Bytes c_finished_record = hex(
      "17 03 03 00 35 75 ec 4d c2 38 cc e6 0b 29 80 44 a7 1e 21 9c 56 cc 77 b0 51 7f e9 b9 3c 7a 4b fc"
      "44 d8 7f 38 f8 03 38 ac 98 fc 46 de b3 84 bd 1c ae ac ab 68 67 d7 26 c4 05 46");
  const Bytes c_finished = hex(
      "14 00 00 20 a8 ec 43 6d 67 76 34 ae 52 5a c1 fc eb e1 1a 03 9e c1 76 94 fa c6 e9 85 27 b6 42 f2"
      "ed d5 ce 61");
  RecordProtection crx = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, c_hs_key, c_hs_iv));
  rec = c_finished_record;
  r = open_rec(crx, rec);
  REQUIRE(r.ok());
  CHECK(r.value().type == ContentType::handshake);
  CHECK(r.value().plaintext == ByteView(c_finished));

  // The same record under the wrong direction's keys, or at the wrong sequence number, fails.
  RecordProtection wrong = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, s_ap_key, s_ap_iv));
  rec = c_finished_record;
  CHECK(fails_with(open_rec(wrong, rec), AlertDescription::bad_record_mac));
  RecordProtection late = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, s_ap_key, s_ap_iv));
  rec = s_app_record;  // sequence number 1, opened at 0
  CHECK(fails_with(open_rec(late, rec), AlertDescription::bad_record_mac));
}

// --- TLS 1.3 inner plaintext.

Bytes handmade_tls13(const Bytes& key, const Bytes& iv, uint64_t seq, const Bytes& inner) {
  Bytes nonce = iv;
  uint8_t s[8];
  put_u64(s, seq);
  for (size_t i = 0; i < 8; i++) nonce[4 + i] ^= s[i];
  const Bytes hdr = header_bytes(ContentType::application_data, 0x0303, inner.size() + 16);
  Bytes ct = inner;
  uint8_t tag[16];
  REQUIRE(P().aead(AeadAlg::aes_128_gcm, key)->seal(nonce, hdr, ct.data(), ct.size(), tag) == crypto::Status::ok);
  return cat({hdr, ct, ByteView(tag, 16)});
}

TEST_CASE("TLS 1.3: padding is added and stripped; an all-zero inner plaintext is unexpected_message") {
  const Bytes key = pattern(16, 0x90), iv = pattern(12, 0xa0);
  RecordProtection tx = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, key, iv));
  RecordProtection rx = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, key, iv));
  for (size_t padding : {size_t{0}, size_t{1}, size_t{100}, size_t{16384 - 10}}) {
    CAPTURE(padding);
    const Bytes pt = pattern(10, 1);
    Bytes rec = seal_rec(tx, ContentType::handshake, pt, padding);
    CHECK(rec.size() == 5 + 10 + 1 + padding + 16);
    Result<OpenedRecord> r = open_rec(rx, rec);
    REQUIRE(r.ok());
    CHECK(r.value().type == ContentType::handshake);
    CHECK(r.value().plaintext == ByteView(pt));
  }
  // Hand-built: content || type || zeros opens to content; an unknown inner type is carried.
  Bytes rec = handmade_tls13(key, iv, 0, cat({ByteView::of("hi"), hex("2a 00 00 00")}));
  RecordProtection rx2 = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, key, iv));
  Result<OpenedRecord> r = open_rec(rx2, rec);
  REQUIRE(r.ok());
  CHECK(static_cast<uint8_t>(r.value().type) == 0x2a);
  CHECK(r.value().plaintext == ByteView::of("hi"));
  // All zeros, and empty: no content type.
  for (size_t zeros : {size_t{0}, size_t{1}, size_t{5}, size_t{300}}) {
    CAPTURE(zeros);
    Bytes z = handmade_tls13(key, iv, 0, Bytes(zeros, 0));
    RecordProtection rx3 = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, key, iv));
    CHECK(fails_with(open_rec(rx3, z), AlertDescription::unexpected_message));
  }
}

// --- Limits.

TEST_CASE("record_overflow: plaintext over the limit, fragment over the limit") {
  for (const ModeSpec& mode : encrypted_modes()) {
    CAPTURE(mode.name);
    RecordProtection tx = mode.make(kMaxPlaintext);
    RecordProtection rx = mode.make(1000);  // as after record_size_limit
    Bytes rec = seal_rec(tx, ContentType::application_data, pattern(1001, 0));
    CHECK(fails_with(open_rec(rx, rec), AlertDescription::record_overflow));
    RecordProtection rx_ok = mode.make(1000);
    Bytes rec2 = seal_rec(tx, ContentType::application_data, pattern(1000, 0));
    rx_ok.set_sequence_number_for_testing(1);
    CHECK(open_rec(rx_ok, rec2).ok());
    // A fragment longer than any valid one, whatever its content.
    RecordProtection rx_big = mode.make(kMaxPlaintext);
    const size_t len = rx_big.max_fragment_length() + 1;
    Bytes huge = cat({header_bytes(ContentType::application_data, 0x0303, len), Bytes(len, 0x55)});
    CHECK(fails_with(open_rec(rx_big, huge), AlertDescription::record_overflow));
    // The sender refuses a plaintext over its own limit.
    RecordProtection small_tx = mode.make(100);
    Bytes out(small_tx.sealed_size(101));
    Result<size_t> n = small_tx.seal(ContentType::application_data, pattern(101, 0), out.data(), out.size());
    CHECK(!n.ok());
    CHECK(n.error().kind == ErrorKind::api_misuse);
  }
  // TLS 1.3: padding counts towards the limit (RFC 8446 5.4).
  const Bytes key = pattern(16, 1), iv = pattern(12, 2);
  RecordProtection tx = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, key, iv));
  RecordProtection rx = must(RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, key, iv, 1000));
  Bytes rec = seal_rec(tx, ContentType::application_data, pattern(500, 0), 501);
  CHECK(fails_with(open_rec(rx, rec), AlertDescription::record_overflow));
  // Null protection: a plaintext record over 2^14.
  RecordProtection null = RecordProtection::null_protection();
  Bytes big = cat({header_bytes(ContentType::handshake, 0x0303, 16385), Bytes(16385, 1)});
  CHECK(fails_with(open_rec(null, big), AlertDescription::record_overflow));
}

TEST_CASE("the largest records fit the reported sizes") {
  for (const ModeSpec& mode : encrypted_modes()) {
    CAPTURE(mode.name);
    RecordProtection tx = mode.make(kMaxPlaintext), rx = mode.make(kMaxPlaintext);
    Bytes rec = seal_rec(tx, ContentType::application_data, pattern(kMaxPlaintext, 3));
    CHECK(rec.size() - 5 <= rx.max_fragment_length());
    CHECK(rec.size() - 5 <= kMaxCiphertext12);
    CHECK(open_rec(rx, rec).ok());
  }
}

TEST_CASE("API misuse: fragment length, output buffer, padding outside TLS 1.3") {
  RecordProtection gcm = encrypted_modes()[0].make(kMaxPlaintext);
  Bytes out(gcm.sealed_size(10) - 1);
  Result<size_t> n = gcm.seal(ContentType::application_data, pattern(10, 0), out.data(), out.size());
  CHECK((!n.ok() && n.error().kind == ErrorKind::api_misuse));
  out.resize(gcm.sealed_size(10) + 100);
  n = gcm.seal(ContentType::application_data, pattern(10, 0), out.data(), out.size(), 5);
  CHECK((!n.ok() && n.error().kind == ErrorKind::api_misuse));
  CHECK(gcm.sequence_number() == 0);
  Bytes rec = seal_rec(gcm, ContentType::application_data, pattern(10, 0));
  RecordProtection rx = encrypted_modes()[0].make(kMaxPlaintext);
  RecordHeader h;
  REQUIRE(decode_record_header(rec, &h).ok());
  Result<OpenedRecord> r = rx.open(h, rec.data() + 5, rec.size() - 6);
  CHECK((!r.ok() && r.error().kind == ErrorKind::api_misuse));
  // Bad key material.
  CHECK(!RecordProtection::tls12_gcm(P(), AeadAlg::aes_128_gcm, pattern(15, 0), pattern(4, 0)).ok());
  CHECK(!RecordProtection::tls12_gcm(P(), AeadAlg::chacha20_poly1305, pattern(32, 0), pattern(4, 0)).ok());
  CHECK(!RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, pattern(16, 0), pattern(8, 0)).ok());
  CHECK(!RecordProtection::tls12_cbc(P(), pattern(16, 0), HashAlg::sha1, pattern(32, 0), false, test_rng()).ok());
  CHECK(!RecordProtection::tls12_cbc(P(), pattern(24, 0), HashAlg::sha1, pattern(20, 0), false, test_rng()).ok());
  CHECK(!RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, pattern(16, 0), pattern(12, 0), 0).ok());
  CHECK(!RecordProtection::tls13(P(), AeadAlg::aes_128_gcm, pattern(16, 0), pattern(12, 0), 16385).ok());
}

TEST_CASE("sequence numbers never wrap") {
  for (const ModeSpec& mode : encrypted_modes()) {
    CAPTURE(mode.name);
    RecordProtection tx = mode.make(kMaxPlaintext), rx = mode.make(kMaxPlaintext);
    tx.set_sequence_number_for_testing(UINT64_MAX - 1);
    rx.set_sequence_number_for_testing(UINT64_MAX - 1);
    Bytes a = seal_rec(tx, ContentType::application_data, pattern(5, 0));  // seq 2^64-2
    Bytes b = seal_rec(tx, ContentType::application_data, pattern(5, 1));  // seq 2^64-1, the last
    CHECK(tx.sequence_exhausted());
    Bytes out(tx.sealed_size(5));
    Result<size_t> n = tx.seal(ContentType::application_data, pattern(5, 2), out.data(), out.size());
    CHECK((!n.ok() && n.error().alert == AlertDescription::internal_error));
    CHECK(open_rec(rx, a).ok());
    Result<OpenedRecord> rb = open_rec(rx, b);
    REQUIRE(rb.ok());
    CHECK(rb.value().plaintext == ByteView(pattern(5, 1)));
    Bytes c = b;
    Result<OpenedRecord> rc = open_rec(rx, c);
    CHECK((!rc.ok() && rc.error().alert == AlertDescription::internal_error));
    // A record sealed at 2^64-1 does not open at 0 (no wrap to a fresh nonce).
    RecordProtection fresh = mode.make(kMaxPlaintext);
    Bytes d = b;
    CHECK(!open_rec(fresh, d).ok());
  }
}

}  // namespace
}  // namespace sanstls
