// libFuzzer harness for record protection (core/record_protection.h) with fixed keys, in every
// mode: TLS 1.2 AES-GCM (128, 256), ChaCha20-Poly1305, AES-CBC (128, 256) x HMAC (SHA-1, SHA-256,
// SHA-384) x (MAC-then-encrypt, encrypt-then-MAC), and TLS 1.3 AEAD (3 algorithms).
//
// Input: mode(1) limit(1) seq(1) type(1) version(2) pad(1) flip(2) | fragment...
//   1. open() on the fragment with the header (type, version, length = fragment size): must not
//      crash; on success the plaintext lies inside the fragment, fits max_plaintext() and the
//      sequence number moved by one; on failure it did not move.
//   2. round trip: seal the fragment bytes (cut to the limit) as plaintext with a sealer at the same
//      sequence number; the sealed size must be sealed_size(); an opener with the same key must give
//      back the type and plaintext exactly.
//   3. tamper: flip the bit `flip` of the sealed record (header type/version or fragment); a fresh
//      opener must refuse it.
//   4. TLS 1.3 modes: the fragment bytes (cut to the limit + 1) become a raw TLSInnerPlaintext,
//      sealed with the mode's key and nonce directly (so that it may lack a content type, be all
//      padding or carry any type byte, which seal() never writes); open() must find the content type
//      as the last non-zero byte and the content before it (RFC 8446 5.4), refuse an all-zero one
//      (unexpected_message) and move the sequence number only on success.
// Any violation traps.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/bytes.h"
#include "core/record.h"
#include "core/record_protection.h"
#include "crypto/crypto.h"
#include "fuzz/record_modes.h"

namespace sanstls {
namespace fuzz {
namespace {

using namespace record;  // NOLINT: the harness and its mode table

// Step 4: seals `inner` as it is (a TLSInnerPlaintext of the fuzzer's choosing) under the mode's
// fixed key with the nonce of `seq` and the record header as AAD (RFC 8446 5.2), and checks open().
void open_raw_inner(const ModeSpec& m, size_t limit, uint64_t seq, ByteView fragment, crypto::Rng& rng) {
  ByteView inner = fragment.sub(0, std::min(fragment.size(), limit + 1));
  uint8_t key[32], iv[12];
  fixed_key(key, iv);
  std::unique_ptr<crypto::Aead> aead = crypto::default_provider().aead(m.aead, ByteView(key, m.key_len));
  require(aead != nullptr, "no AEAD for the fixed key");
  for (int i = 0; i < 8; i++) iv[4 + i] ^= static_cast<uint8_t>(seq >> (8 * (7 - i)));
  size_t len = inner.size() + crypto::aead_tag_length(m.aead);  // 8 for CCM_8
  Bytes rec = {0x17, 0x03, 0x03, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)};
  rec.insert(rec.end(), inner.begin(), inner.end());
  rec.resize(kRecordHeaderLength + len);
  require(aead->seal(ByteView(iv, 12), ByteView(rec.data(), kRecordHeaderLength), rec.data() + kRecordHeaderLength,
                     inner.size(), rec.data() + kRecordHeaderLength + inner.size()) == crypto::Status::ok,
          "raw AEAD seal failed");
  RecordProtection opener = make(m, limit, rng);
  opener.set_sequence_number_for_testing(seq);
  RecordHeader h;
  require(decode_record_header(rec, &h).ok(), "raw record has a bad header");
  Result<OpenedRecord> r = opener.open(h, rec.data() + kRecordHeaderLength, h.length);
  size_t end = inner.size();
  while (end > 0 && inner[end - 1] == 0) end--;
  if (end == 0) {
    require(!r.ok() && r.error().alert == AlertDescription::unexpected_message,
            "an inner plaintext without a content type was not refused as unexpected_message");
    require(opener.sequence_number() == seq, "a failed open() moved the sequence number");
    return;
  }
  require(r.ok(), "open() refused a well-formed TLSInnerPlaintext");
  require(static_cast<uint8_t>(r.value().type) == inner[end - 1], "open() found the wrong content type");
  require(r.value().plaintext == inner.sub(0, end - 1), "open() found the wrong content");
  require(advanced(opener, seq), "open() did not advance the sequence number");
}

void run(const uint8_t* data, size_t size) {
  if (size < 9) return;
  const ModeSpec& m = kModes[data[0] % kNumModes];
  size_t limit = kLimits[data[1] % (sizeof kLimits / sizeof kLimits[0])];
  uint64_t seq = kSeqs[data[2] % (sizeof kSeqs / sizeof kSeqs[0])];
  uint8_t type_byte = data[3];
  uint16_t version = static_cast<uint16_t>(data[4] << 8 | data[5]);
  uint8_t pad = data[6];
  uint16_t flip = static_cast<uint16_t>(data[7] << 8 | data[8]);
  ByteView fragment(data + 9, size - 9);
  if (fragment.size() > 0xffff) fragment = fragment.sub(0, 0xffff);

  auto rng = crypto::make_deterministic_rng(ByteView(data, 9));

  // 1. Open arbitrary bytes.
  {
    RecordProtection opener = make(m, limit, *rng);
    opener.set_sequence_number_for_testing(seq);
    RecordHeader h;
    h.type = static_cast<ContentType>(type_byte);
    h.version = version;
    h.length = static_cast<uint16_t>(fragment.size());
    Bytes buf = fragment.to_bytes();  // exact size: ASan sees reads past the end
    Result<OpenedRecord> r = opener.open(h, buf.data(), buf.size());
    if (r.ok()) {
      const OpenedRecord& o = r.value();
      require(o.plaintext.size() <= opener.max_plaintext(), "opened plaintext above the limit");
      require(o.plaintext.empty() ||
                  (o.plaintext.data() >= buf.data() && o.plaintext.end() <= buf.data() + buf.size()),
              "opened plaintext outside the fragment");
      require(advanced(opener, seq), "open() did not advance the sequence number");
    } else {
      require(opener.sequence_number() == seq && !opener.sequence_exhausted(), "a failed open() moved the sequence number");
    }
  }

  // 2. Round trip.
  RecordProtection sealer = make(m, limit, *rng);
  RecordProtection opener = make(m, limit, *rng);
  sealer.set_sequence_number_for_testing(seq);
  opener.set_sequence_number_for_testing(seq);
  static const ContentType kTypes[] = {ContentType::handshake, ContentType::alert, ContentType::application_data,
                                       ContentType::change_cipher_spec};
  ContentType type = kTypes[type_byte % 4];
  size_t padding = 0;
  ByteView plain = fragment.sub(0, std::min(fragment.size(), limit));
  if (m.mode == M::tls13_aead) {
    padding = std::min<size_t>(pad, limit - plain.size());
    if (type == ContentType::change_cipher_spec) type = ContentType::handshake;
  }
  size_t want = sealer.sealed_size(plain.size(), padding);
  Bytes sealed(want);
  Result<size_t> n = sealer.seal(type, plain, sealed.data(), sealed.size(), padding);
  if (!n.ok()) {
    require(false, "seal() failed on a valid plaintext");
    return;
  }
  require(n.value() == want, "seal() wrote other than sealed_size()");
  require(advanced(sealer, seq), "seal() did not advance the sequence number");
  RecordHeader h;
  require(decode_record_header(sealed, &h).ok(), "sealed record has a bad header");
  require(h.length == sealed.size() - kRecordHeaderLength, "sealed header length is wrong");
  require(h.length <= opener.max_fragment_length(), "sealed fragment above max_fragment_length()");
  Bytes copy = sealed;
  {
    Result<OpenedRecord> r = opener.open(h, copy.data() + kRecordHeaderLength, h.length);
    require(r.ok(), "open() refused what seal() wrote");
    require(r.value().type == type, "round trip changed the content type");
    require(r.value().plaintext == plain, "round trip changed the plaintext");
  }

  // 3. Tamper with one bit of the type, the version or the fragment.
  size_t positions = 3 + h.length;  // header bytes 0..2, then the fragment
  size_t at = flip % positions;
  size_t byte = at < 3 ? at : kRecordHeaderLength + (at - 3);
  Bytes bad = sealed;
  bad[byte] ^= static_cast<uint8_t>(1u << (pad & 7));
  RecordHeader bh;
  require(decode_record_header(bad, &bh).ok(), "tampered header does not decode");
  RecordProtection fresh = make(m, limit, *rng);
  fresh.set_sequence_number_for_testing(seq);
  Result<OpenedRecord> r = fresh.open(bh, bad.data() + kRecordHeaderLength, bh.length);
  require(!r.ok(), "open() accepted a tampered record");

  if (m.mode == M::tls13_aead && seq != ~uint64_t{0}) open_raw_inner(m, limit, seq, fragment, *rng);
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
