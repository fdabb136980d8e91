// Record protection: see record_protection.h for the contract.
//
// Buffer layout of a sealed record, per mode (h = 5-byte header, m = MAC length):
//   null      h || plaintext
//   GCM 1.2   h || explicit_nonce(8) || ciphertext || tag(t)
//   ChaCha    h || ciphertext || tag(t)
//   CBC MtE   h || IV(16) || E(plaintext || MAC(m) || padding(p+1 bytes of value p))
//   CBC EtM   h || IV(16) || E(plaintext || padding) || MAC(m)
//   TLS 1.3   h || E(plaintext || type || zeros) || tag(t)
// t, the AEAD's tag length, is 16, or 8 for AES-CCM_8 (RFC 6655 3, RFC 8446 B.4): every expansion and
// limit below counts tag_len_, not a constant (RFC 8446 5.2: the ciphertext is at most 2^14 + 256 bytes;
// a fragment of a CCM_8 record is 8 bytes shorter than a GCM one).
// seal() first moves the plaintext to its final place (memmove, so it may overlap `out`), then writes
// the header and the per-record prefix, then encrypts in place. open() decrypts in place and returns a
// view of the plaintext region.
#include "core/record_protection.h"

#include <cstring>
#include <utility>

namespace sanstls {

namespace {

constexpr size_t kNonceLength = crypto::kAeadNonceLength;  // 12
constexpr size_t kGcmSaltLength = 4;
constexpr size_t kGcmExplicitLength = 8;
constexpr size_t kBlock = 16;  // AES block, and the CBC explicit IV length
constexpr size_t kMaxMac = crypto::kMaxHashLen;
constexpr size_t kMaxCbcPadding = 256;  // padding bytes plus the length byte

void put_u16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

void write_header(ContentType type, uint16_t version, size_t length, uint8_t* out) {
  encode_record_header(RecordHeader{type, version, static_cast<uint16_t>(length)}, out);
}

size_t round_up_block(size_t n) { return (n + kBlock - 1) / kBlock * kBlock; }

Error bad_record_mac() {
  return Error::misbehaved(AlertDescription::bad_record_mac, "record: decryption failed");
}

Error record_overflow(const char* what) { return Error::misbehaved(AlertDescription::record_overflow, what); }

// --- Constant-time helpers. Every value passed here is below 2^32, so a - b has its top bit set
// exactly when a < b. Masks are all-ones (true) or all-zeros (false).
inline uint64_t value_barrier(uint64_t x) {
  __asm__("" : "+r"(x));  // keeps the compiler from turning mask arithmetic into branches
  return x;
}
inline uint64_t ct_lt(uint64_t a, uint64_t b) { return value_barrier(0 - ((a - b) >> 63)); }
inline uint64_t ct_ge(uint64_t a, uint64_t b) { return ~ct_lt(a, b); }
inline uint64_t ct_is_zero(uint64_t x) { return value_barrier(0 - ((x - 1) >> 63)); }  // x < 2^63
inline uint64_t ct_eq(uint64_t a, uint64_t b) { return ct_is_zero(a ^ b); }
inline uint64_t ct_select(uint64_t mask, uint64_t a, uint64_t b) { return (mask & a) | (~mask & b); }

// True when every one of the last min(256, len) bytes of body[0..len) that lies in the padding (the
// last pad + 1 bytes) equals pad: all of those bytes are read, whatever pad is.
uint64_t ct_padding_bytes(const uint8_t* body, size_t len, uint64_t pad) {
  uint64_t good = ~uint64_t{0};
  const size_t to_check = len < kMaxCbcPadding ? len : kMaxCbcPadding;
  for (size_t i = 0; i < to_check; i++) {
    const uint64_t in_padding = ct_lt(i, pad + 1);
    good &= ~(in_padding & ~ct_eq(body[len - 1 - i], pad));
  }
  return good;
}

Status check_max_plaintext(size_t max_plaintext) {
  if (max_plaintext == 0 || max_plaintext > kMaxPlaintext) return Error::misuse("record: bad plaintext limit");
  return Status();
}

}  // namespace

SecretBytes::SecretBytes(ByteView b) {
  size_ = b.size() <= data_.size() ? b.size() : data_.size();
  if (size_ != 0) std::memcpy(data_.data(), b.data(), size_);
}

SecretBytes::~SecretBytes() { secure_zero(data_.data(), data_.size()); }

void SecretBytes::wipe() {
  secure_zero(data_.data(), data_.size());
  size_ = 0;
}

// ---------------------------------------------------------------------------------------------------
// Construction

RecordProtection RecordProtection::null_protection(size_t max_plaintext) {
  RecordProtection p;
  if (max_plaintext != 0 && max_plaintext <= kMaxPlaintext) p.max_plaintext_ = max_plaintext;
  return p;
}

Result<RecordProtection> RecordProtection::tls12_gcm(const crypto::Provider& provider, crypto::AeadAlg alg,
                                                     ByteView key, ByteView salt, size_t max_plaintext) {
  SANSTLS_TRY(check_max_plaintext(max_plaintext));
  if (alg != crypto::AeadAlg::aes_128_gcm && alg != crypto::AeadAlg::aes_256_gcm &&
      alg != crypto::AeadAlg::aes_128_ccm && alg != crypto::AeadAlg::aes_256_ccm &&
      alg != crypto::AeadAlg::aes_128_ccm_8 && alg != crypto::AeadAlg::aes_256_ccm_8)
    return Error::misuse("record: GCM mode needs an AES-GCM or AES-CCM algorithm");
  if (key.size() != crypto::aead_key_length(alg) || salt.size() != kGcmSaltLength)
    return Error::misuse("record: bad GCM key or salt length");
  return aead_mode(provider, Mode::tls12_gcm, alg, key, salt, max_plaintext);
}

Result<RecordProtection> RecordProtection::tls12_chacha20_poly1305(const crypto::Provider& provider, ByteView key,
                                                                   ByteView iv, size_t max_plaintext) {
  SANSTLS_TRY(check_max_plaintext(max_plaintext));
  if (key.size() != 32 || iv.size() != kNonceLength) return Error::misuse("record: bad ChaCha20 key or iv length");
  return aead_mode(provider, Mode::tls12_chacha20_poly1305, crypto::AeadAlg::chacha20_poly1305, key, iv,
                   max_plaintext);
}

Result<RecordProtection> RecordProtection::tls12_cbc(const crypto::Provider& provider, ByteView enc_key,
                                                     crypto::HashAlg mac_alg, ByteView mac_key,
                                                     bool encrypt_then_mac, crypto::Rng& rng,
                                                     size_t max_plaintext) {
  SANSTLS_TRY(check_max_plaintext(max_plaintext));
  if (enc_key.size() != 16 && enc_key.size() != 32) return Error::misuse("record: bad CBC key length");
  if (mac_alg != crypto::HashAlg::sha1 && mac_alg != crypto::HashAlg::sha256 && mac_alg != crypto::HashAlg::sha384)
    return Error::misuse("record: bad CBC MAC algorithm");
  if (mac_key.size() != crypto::hash_length(mac_alg)) return Error::misuse("record: bad MAC key length");
  RecordProtection p;
  p.cbc_ = provider.aes_cbc(enc_key);
  p.hmac_ = provider.hmac(mac_alg, mac_key);
  if (!p.cbc_ || !p.hmac_) return Error::internal("record: CBC or HMAC key refused");
  p.mode_ = Mode::tls12_cbc;
  p.mac_key_ = SecretBytes(mac_key);
  p.mac_alg_ = mac_alg;
  p.mac_len_ = crypto::hash_length(mac_alg);
  p.encrypt_then_mac_ = encrypt_then_mac;
  p.rng_ = &rng;
  p.provider_ = &provider;
  p.max_plaintext_ = max_plaintext;
  return Result<RecordProtection>(std::move(p));
}

Result<RecordProtection> RecordProtection::tls13(const crypto::Provider& provider, crypto::AeadAlg alg, ByteView key,
                                                 ByteView iv, size_t max_plaintext) {
  SANSTLS_TRY(check_max_plaintext(max_plaintext));
  if (key.size() != crypto::aead_key_length(alg) || iv.size() != kNonceLength)
    return Error::misuse("record: bad TLS 1.3 key or iv length");
  return aead_mode(provider, Mode::tls13_aead, alg, key, iv, max_plaintext);
}

Result<RecordProtection> RecordProtection::aead_mode(const crypto::Provider& provider, Mode mode, crypto::AeadAlg alg,
                                                     ByteView key, ByteView iv, size_t max_plaintext) {
  RecordProtection p;
  p.aead_ = provider.aead(alg, key);
  if (!p.aead_) return Error::internal("record: AEAD key refused");
  p.mode_ = mode;
  p.tag_len_ = crypto::aead_tag_length(alg);
  p.iv_ = SecretBytes(iv);
  p.max_plaintext_ = max_plaintext;
  return Result<RecordProtection>(std::move(p));
}

// ---------------------------------------------------------------------------------------------------
// Sizes

size_t RecordProtection::sealed_size(size_t plaintext_len, size_t padding) const {
  switch (mode_) {
    case Mode::null:
      return kRecordHeaderLength + plaintext_len;
    case Mode::tls12_gcm:
      return kRecordHeaderLength + kGcmExplicitLength + plaintext_len + tag_len_;
    case Mode::tls12_chacha20_poly1305:
      return kRecordHeaderLength + plaintext_len + tag_len_;
    case Mode::tls12_cbc:
      if (encrypt_then_mac_) return kRecordHeaderLength + kBlock + round_up_block(plaintext_len + 1) + mac_len_;
      return kRecordHeaderLength + kBlock + round_up_block(plaintext_len + mac_len_ + 1);
    case Mode::tls13_aead:
      return kRecordHeaderLength + plaintext_len + 1 + padding + tag_len_;
  }
  return 0;
}

size_t RecordProtection::max_fragment_length() const {
  switch (mode_) {
    case Mode::null:
      return max_plaintext_;
    case Mode::tls12_gcm:
      return kGcmExplicitLength + max_plaintext_ + tag_len_;
    case Mode::tls12_chacha20_poly1305:
      return max_plaintext_ + tag_len_;
    case Mode::tls12_cbc:
      // Any padding length 0..255 is valid on receive.
      return kBlock + max_plaintext_ + mac_len_ + kMaxCbcPadding;
    case Mode::tls13_aead:
      // TLSInnerPlaintext is at most max_plaintext + 1 bytes, padding included (RFC 8446 5.4).
      return max_plaintext_ + 1 + tag_len_;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------
// Sequence numbers and nonces

Status RecordProtection::check_sequence() const {
  if (exhausted_) return Error::internal("record: sequence number exhausted");
  return Status();
}

void RecordProtection::advance_sequence() {
  exhausted_ = seq_ == UINT64_MAX;  // the number just used was the last: never wrap
  if (!exhausted_) seq_++;
}

void RecordProtection::xor_nonce(uint8_t nonce[12]) const {
  std::memcpy(nonce, iv_.data(), kNonceLength);
  uint8_t s[8];
  put_u64(s, seq_);
  for (size_t i = 0; i < 8; i++) nonce[4 + i] ^= s[i];
}

void RecordProtection::tls12_pseudo_header(ContentType type, uint16_t version, size_t length,
                                           uint8_t out[13]) const {
  put_u64(out, seq_);
  out[8] = static_cast<uint8_t>(type);
  put_u16(out + 9, version);
  put_u16(out + 11, static_cast<uint16_t>(length));
}

void RecordProtection::tls12_mac(ContentType type, uint16_t version, size_t length, ByteView data, uint8_t* out) {
  uint8_t pseudo[13];
  tls12_pseudo_header(type, version, length, pseudo);
  hmac_->update(ByteView(pseudo, sizeof pseudo));
  hmac_->update(data);
  hmac_->finish(out);
}

// ---------------------------------------------------------------------------------------------------
// Seal

Result<size_t> RecordProtection::seal(ContentType type, ByteView plaintext, uint8_t* out, size_t out_capacity,
                                      size_t padding) {
  SANSTLS_TRY(check_sequence());
  if (padding != 0 && mode_ != Mode::tls13_aead) return Error::misuse("record: padding needs TLS 1.3");
  if (plaintext.size() > max_plaintext_ || padding > max_plaintext_ - plaintext.size())
    return Error::misuse("record: plaintext too long");
  const size_t total = sealed_size(plaintext.size(), padding);
  if (out == nullptr || out_capacity < total) return Error::misuse("record: output buffer too small");

  Result<size_t> r = size_t{0};
  switch (mode_) {
    case Mode::null:
      if (!plaintext.empty()) std::memmove(out + kRecordHeaderLength, plaintext.data(), plaintext.size());
      write_header(type, version_, plaintext.size(), out);
      r = total;
      break;
    case Mode::tls12_gcm:
    case Mode::tls12_chacha20_poly1305:
      r = seal_tls12_aead(type, plaintext, out);
      break;
    case Mode::tls12_cbc:
      r = seal_tls12_cbc(type, plaintext, out);
      break;
    case Mode::tls13_aead:
      r = seal_tls13(type, plaintext, padding, out);
      break;
  }
  if (r.ok()) advance_sequence();
  return r;
}

Result<size_t> RecordProtection::seal_tls12_aead(ContentType type, ByteView plaintext, uint8_t* out) {
  const bool gcm = mode_ == Mode::tls12_gcm;
  const size_t prefix = gcm ? kGcmExplicitLength : 0;
  uint8_t* body = out + kRecordHeaderLength + prefix;
  const size_t len = plaintext.size();
  if (len != 0) std::memmove(body, plaintext.data(), len);

  uint8_t nonce[kNonceLength];
  if (gcm) {
    // RFC 5288 3: salt || explicit nonce; the explicit part is our sequence number (unique per key).
    std::memcpy(nonce, iv_.data(), kGcmSaltLength);
    put_u64(nonce + kGcmSaltLength, seq_);
    std::memcpy(out + kRecordHeaderLength, nonce + kGcmSaltLength, kGcmExplicitLength);
  } else {
    xor_nonce(nonce);  // RFC 7905 2
  }
  uint8_t aad[13];
  tls12_pseudo_header(type, version_, len, aad);
  if (aead_->seal(ByteView(nonce, sizeof nonce), ByteView(aad, sizeof aad), body, len, body + len) !=
      crypto::Status::ok)
    return Error::internal("record: AEAD seal failed");
  const size_t fragment = prefix + len + tag_len_;
  write_header(type, version_, fragment, out);
  return kRecordHeaderLength + fragment;
}

Result<size_t> RecordProtection::seal_tls12_cbc(ContentType type, ByteView plaintext, uint8_t* out) {
  const size_t len = plaintext.size();
  uint8_t* iv = out + kRecordHeaderLength;
  uint8_t* body = iv + kBlock;
  if (len != 0) std::memmove(body, plaintext.data(), len);
  rng_->fill(iv, kBlock);  // RFC 5246 6.2.3.2: a fresh unpredictable IV per record

  if (!encrypt_then_mac_) {
    // RFC 5246 6.2.3.2: MAC(seq || type || version || length || plaintext), then pad, then encrypt.
    const size_t enc_len = round_up_block(len + mac_len_ + 1);
    tls12_mac(type, version_, len, ByteView(body, len), body + len);
    const size_t pad_total = enc_len - len - mac_len_;  // 1..16 bytes, each of value pad_total - 1
    std::memset(body + len + mac_len_, static_cast<int>(pad_total - 1), pad_total);
    if (cbc_->encrypt(ByteView(iv, kBlock), body, enc_len) != crypto::Status::ok)
      return Error::internal("record: CBC encrypt failed");
    write_header(type, version_, kBlock + enc_len, out);
    return kRecordHeaderLength + kBlock + enc_len;
  }
  // RFC 7366 3: pad, encrypt, then MAC(seq || type || version || length(IV || ciphertext) || IV ||
  // ciphertext).
  const size_t enc_len = round_up_block(len + 1);
  const size_t pad_total = enc_len - len;
  std::memset(body + len, static_cast<int>(pad_total - 1), pad_total);
  if (cbc_->encrypt(ByteView(iv, kBlock), body, enc_len) != crypto::Status::ok)
    return Error::internal("record: CBC encrypt failed");
  tls12_mac(type, version_, kBlock + enc_len, ByteView(iv, kBlock + enc_len), body + enc_len);
  const size_t fragment = kBlock + enc_len + mac_len_;
  write_header(type, version_, fragment, out);
  return kRecordHeaderLength + fragment;
}

Result<size_t> RecordProtection::seal_tls13(ContentType type, ByteView plaintext, size_t padding, uint8_t* out) {
  const size_t len = plaintext.size();
  uint8_t* body = out + kRecordHeaderLength;
  if (len != 0) std::memmove(body, plaintext.data(), len);
  body[len] = static_cast<uint8_t>(type);  // TLSInnerPlaintext (RFC 8446 5.2)
  if (padding != 0) std::memset(body + len + 1, 0, padding);
  const size_t inner = len + 1 + padding;
  const size_t fragment = inner + tag_len_;
  // The AAD is the record header itself (RFC 8446 5.2): opaque_type 23, legacy version, length.
  write_header(ContentType::application_data, version_, fragment, out);
  uint8_t nonce[kNonceLength];
  xor_nonce(nonce);
  if (aead_->seal(ByteView(nonce, sizeof nonce), ByteView(out, kRecordHeaderLength), body, inner, body + inner) !=
      crypto::Status::ok)
    return Error::internal("record: AEAD seal failed");
  return kRecordHeaderLength + fragment;
}

// ---------------------------------------------------------------------------------------------------
// Open

Result<OpenedRecord> RecordProtection::open(const RecordHeader& header, uint8_t* fragment, size_t fragment_len) {
  SANSTLS_TRY(check_sequence());
  if (fragment_len != header.length || (fragment == nullptr && fragment_len != 0))
    return Error::misuse("record: fragment length differs from the header");
  if (fragment_len > max_fragment_length()) return record_overflow("record: fragment too long");

  Result<OpenedRecord> r = OpenedRecord{};
  switch (mode_) {
    case Mode::null:
      r = OpenedRecord{header.type, ByteView(fragment, fragment_len)};
      break;
    case Mode::tls12_gcm:
    case Mode::tls12_chacha20_poly1305:
      r = open_tls12_aead(header, fragment, fragment_len);
      break;
    case Mode::tls12_cbc:
      r = encrypt_then_mac_ ? open_cbc_etm(header, fragment, fragment_len)
                            : open_cbc_mte(header, fragment, fragment_len);
      break;
    case Mode::tls13_aead:
      r = open_tls13(header, fragment, fragment_len);
      break;
  }
  if (!r.ok()) return r;
  if (r.value().plaintext.size() > max_plaintext_) return record_overflow("record: plaintext too long");
  advance_sequence();
  return r;
}

Result<OpenedRecord> RecordProtection::open_tls12_aead(const RecordHeader& h, uint8_t* fragment, size_t n) {
  const bool gcm = mode_ == Mode::tls12_gcm;
  const size_t prefix = gcm ? kGcmExplicitLength : 0;
  if (n < prefix + tag_len_) return bad_record_mac();
  const size_t len = n - prefix - tag_len_;
  uint8_t* body = fragment + prefix;

  uint8_t nonce[kNonceLength];
  if (gcm) {
    std::memcpy(nonce, iv_.data(), kGcmSaltLength);
    std::memcpy(nonce + kGcmSaltLength, fragment, kGcmExplicitLength);  // as the peer sent it
  } else {
    xor_nonce(nonce);
  }
  uint8_t aad[13];
  tls12_pseudo_header(h.type, h.version, len, aad);
  crypto::Status s = aead_->open(ByteView(nonce, sizeof nonce), ByteView(aad, sizeof aad), body, len, body + len);
  if (s == crypto::Status::bad_tag) return bad_record_mac();
  if (s != crypto::Status::ok) return Error::internal("record: AEAD open failed");
  return OpenedRecord{h.type, ByteView(body, len)};
}

Result<OpenedRecord> RecordProtection::open_cbc_etm(const RecordHeader& h, uint8_t* fragment, size_t n) {
  // RFC 7366 3: IV || ciphertext (at least one block) || MAC; the MAC is checked before decrypting.
  if (n < kBlock + kBlock + mac_len_ || (n - mac_len_) % kBlock != 0) return bad_record_mac();
  const size_t covered = n - mac_len_;  // IV || ciphertext
  uint8_t mac[kMaxMac];
  tls12_mac(h.type, h.version, covered, ByteView(fragment, covered), mac);
  if (!constant_time_equal(ByteView(mac, mac_len_), ByteView(fragment + covered, mac_len_))) return bad_record_mac();

  uint8_t* body = fragment + kBlock;
  const size_t enc_len = covered - kBlock;
  if (cbc_->decrypt(ByteView(fragment, kBlock), body, enc_len) != crypto::Status::ok)
    return Error::internal("record: CBC decrypt failed");
  // The record is authentic, so the padding check need not hide anything; it is still branch-free.
  const uint64_t pad = body[enc_len - 1];
  const uint64_t good = ct_ge(enc_len, pad + 1) & ct_padding_bytes(body, enc_len, pad);
  if (good == 0) return bad_record_mac();
  return OpenedRecord{h.type, ByteView(body, enc_len - static_cast<size_t>(pad) - 1)};
}

// MAC-then-encrypt receive, constant-time against Lucky Thirteen (AlFardan and Paterson 2013):
//  1. Public checks only on the fragment length (block multiple, room for IV, MAC and a length byte).
//  2. Decrypt everything. The padding length byte `pad` is secret from here on; every step below
//     takes the same path for every value of it.
//  3. good = (pad + 1 + mac_len <= len) AND every one of the last min(256, len) bytes that lies in
//     the padding equals pad; computed with masks over all those bytes, no early exit.
//  4. data_len = len - mac_len - (good ? pad + 1 : 1): always within [0, max_len], so the MAC below
//     does the same work either way.
//  5. The expected MAC with Provider::hmac_constant_time (same number of compressions for every
//     data_len <= max_len).
//  6. The received MAC sits at the secret offset data_len. Every byte of the window where it can be
//     (the last mac_len + 256 bytes) is read; bytes inside the MAC are OR-ed into a mac_len-byte ring
//     at index (position - window start) mod mac_len, a public counter, and the ring index of the
//     MAC's first byte is captured with a mask. The ring is then rotated into order by reading, for
//     each output byte, every ring byte under an equality mask.
//  7. The two MACs are compared with an OR of XORs; good &= (difference == 0). One branch on the
//     combined result, which the peer learns anyway.
Result<OpenedRecord> RecordProtection::open_cbc_mte(const RecordHeader& h, uint8_t* fragment, size_t n) {
  const size_t m = mac_len_;
  if (n % kBlock != 0 || n < kBlock + round_up_block(m + 1)) return bad_record_mac();
  uint8_t* body = fragment + kBlock;
  const size_t len = n - kBlock;
  if (cbc_->decrypt(ByteView(fragment, kBlock), body, len) != crypto::Status::ok)
    return Error::internal("record: CBC decrypt failed");

  // 3. Padding.
  const uint64_t pad = body[len - 1];
  uint64_t good = ct_ge(len, pad + 1 + m) & ct_padding_bytes(body, len, pad);

  // 4. Where the MAC starts.
  const size_t max_len = len - m - 1;
  const uint64_t data_len = len - m - ct_select(good, pad + 1, 1);

  // 5. The expected MAC, over seq || type || version || data_len || data.
  uint8_t pseudo[13];
  tls12_pseudo_header(h.type, h.version, 0, pseudo);
  pseudo[11] = static_cast<uint8_t>(data_len >> 8);
  pseudo[12] = static_cast<uint8_t>(data_len);
  uint8_t expected[kMaxMac];
  if (provider_->hmac_constant_time(mac_alg_, mac_key_.view(), ByteView(pseudo, sizeof pseudo), body,
                                    static_cast<size_t>(data_len), max_len, expected) != crypto::Status::ok)
    return Error::internal("record: constant-time MAC failed");

  // 6. Copy the received MAC out of its secret position.
  uint8_t ring[kMaxMac] = {0};
  uint64_t ring_start = 0;
  const size_t scan_start = len > m + kMaxCbcPadding ? len - m - kMaxCbcPadding : 0;
  const uint64_t mac_end = data_len + m;
  size_t j = 0;
  for (size_t i = scan_start; i < len; i++) {
    ring_start |= j & ct_eq(i, data_len);
    const uint64_t in_mac = ct_ge(i, data_len) & ct_lt(i, mac_end);
    ring[j] |= static_cast<uint8_t>(body[i] & in_mac);
    if (++j == m) j = 0;  // public: depends only on i
  }
  uint8_t received[kMaxMac];
  for (size_t k = 0; k < m; k++) {
    uint64_t idx = ring_start + k;
    idx -= m & ct_ge(idx, m);
    uint8_t b = 0;
    for (size_t t = 0; t < m; t++) b |= static_cast<uint8_t>(ring[t] & ct_eq(t, idx));
    received[k] = b;
  }

  // 7. Compare and decide once.
  uint64_t diff = 0;
  for (size_t k = 0; k < m; k++) diff |= static_cast<uint64_t>(received[k] ^ expected[k]);
  good &= ct_is_zero(diff);
  if (value_barrier(good) == 0) return bad_record_mac();
  return OpenedRecord{h.type, ByteView(body, static_cast<size_t>(data_len))};
}

Result<OpenedRecord> RecordProtection::open_tls13(const RecordHeader& h, uint8_t* fragment, size_t n) {
  if (n < tag_len_) return bad_record_mac();
  const size_t inner = n - tag_len_;
  uint8_t aad[kRecordHeaderLength];
  write_header(h.type, h.version, n, aad);  // the header as received (RFC 8446 5.2)
  uint8_t nonce[kNonceLength];
  xor_nonce(nonce);
  crypto::Status s = aead_->open(ByteView(nonce, sizeof nonce), ByteView(aad, sizeof aad), fragment, inner,
                                 fragment + inner);
  if (s == crypto::Status::bad_tag) return bad_record_mac();
  if (s != crypto::Status::ok) return Error::internal("record: AEAD open failed");
  // RFC 8446 5.4: the content type is the last non-zero byte; zeros after it are padding.
  size_t end = inner;
  while (end > 0 && fragment[end - 1] == 0) end--;
  if (end == 0) return Error::unexpected("record: TLS 1.3 inner plaintext has no content type");
  return OpenedRecord{static_cast<ContentType>(fragment[end - 1]), ByteView(fragment, end - 1)};
}

}  // namespace sanstls
