// Record protection for one direction of a TLS connection: seals outgoing records and opens incoming
// ones, with the sequence number that goes with them.
//
// Modes (one object has exactly one; the engine replaces the object when keys change):
//   null                 before ChangeCipherSpec / before TLS 1.3 handshake keys: fragment = plaintext.
//   TLS 1.2 AES-GCM      RFC 5288: nonce = salt(4) || explicit(8); the explicit part is sent in front
//                        of the ciphertext and is the record's sequence number when we seal.
//   TLS 1.2 ChaCha20     RFC 7905: nonce = iv(12) XOR the 64-bit sequence number, left-padded; no
//                        explicit nonce.
//                        Both 1.2 AEADs: AAD = seq(8) || type || version || plaintext length (RFC 5246
//                        6.2.3.3).
//   TLS 1.2 CBC          RFC 5246 6.2.3.2 (MAC-then-encrypt) or RFC 7366 (encrypt-then-MAC), AES-128 or
//                        AES-256 with HMAC-SHA1/SHA256/SHA384; a random explicit IV per record drawn
//                        from the injected Rng; minimal padding on send, any valid padding on receive.
//   TLS 1.3 AEAD         RFC 8446 5.2-5.3: nonce = iv XOR seq, AAD = the 5-byte record header,
//                        TLSInnerPlaintext = content || type || zeros (optional padding on send).
//
// Buffers and allocation: only construction allocates (the cipher, HMAC and AEAD contexts). seal()
// writes into a caller buffer whose size sealed_size() gives before the call; open() decrypts in place
// in the caller's fragment buffer and returns a view into it. Neither allocates (the MAC-then-encrypt
// receive path calls Provider::hmac_constant_time, whose own allocation is the provider's business).
//
// Sequence numbers: 64-bit, start at 0, +1 for each record sealed (or opened) successfully. The
// record that uses 2^64-1 is the last one: after it every seal()/open() fails with an internal error
// and the engine must close the connection (RFC 5246 6.1, RFC 8446 5.3: never wrap). A failed call
// changes nothing (the sequence number does not move), but after a failed open() the connection is
// dead anyway (every error from open() is fatal).
//
// Errors from open() (every decryption failure looks the same to the peer, RFC 5246 7.2.2):
//   bad_record_mac      bad tag or MAC, bad CBC padding, a fragment too short for the mode's fixed
//                       overhead or not a whole number of cipher blocks (RFC 5246 6.2.3.2 treats the
//                       latter as a decryption failure; we do the same for every mode, so that no
//                       length check tells a forger more than the tag check would).
//   record_overflow     a fragment longer than max_fragment_length() (checked before decrypting), or a
//                       plaintext longer than max_plaintext() after it (RFC 5246 6.2.1-6.2.3, RFC 8446
//                       5.2 and 5.4, RFC 8449 4).
//   unexpected_message  TLS 1.3: the inner plaintext holds no non-zero byte (RFC 8446 5.4).
//   internal_error      the sequence number is exhausted, or the crypto library failed.
//   api misuse          fragment_len differs from header.length.
// MAC-then-encrypt receive is constant-time in the padding length and MAC position (Lucky Thirteen):
// see open_cbc_mte() in the .cc for how.
#ifndef SANSTLS_CORE_RECORD_PROTECTION_H_
#define SANSTLS_CORE_RECORD_PROTECTION_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/error.h"
#include "core/record.h"
#include "core/wire.h"
#include "crypto/crypto.h"

namespace sanstls {

// Key bytes held inline (a RecordProtection's keys, the TLS 1.3 key schedule's secrets); wiped when
// destroyed. No heap: a secret of up to 64 bytes (SHA-512's length).
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(ByteView b);  // precondition: b.size() <= 64
  SecretBytes(const SecretBytes&) = default;
  SecretBytes& operator=(const SecretBytes&) = default;
  ~SecretBytes();
  ByteView view() const { return ByteView(data_.data(), size_); }
  operator ByteView() const { return view(); }  // NOLINT: reads like the Bytes it replaces
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Zeroes the bytes and empties it.
  void wipe();

 private:
  std::array<uint8_t, 64> data_{};
  size_t size_ = 0;
};

// What open() found: the content type (the inner type in TLS 1.3) and the plaintext, which points into
// the caller's fragment buffer and is valid as long as that buffer is.
struct OpenedRecord {
  ContentType type = ContentType::application_data;
  ByteView plaintext;
};

class RecordProtection {
 public:
  enum class Mode : uint8_t { null, tls12_gcm, tls12_chacha20_poly1305, tls12_cbc, tls13_aead };

  // A null protection (the state before any keys), the plaintext limit 2^14.
  RecordProtection() = default;
  RecordProtection(RecordProtection&&) = default;
  RecordProtection& operator=(RecordProtection&&) = default;
  RecordProtection(const RecordProtection&) = delete;
  RecordProtection& operator=(const RecordProtection&) = delete;
  ~RecordProtection() = default;

  // `max_plaintext` everywhere below is the largest plaintext (TLSPlaintext.fragment, or in TLS 1.3
  // the content without type and padding) this direction allows: kMaxPlaintext, or less when the peer
  // (for sealing) or we (for opening) announced a record_size_limit (RFC 8449: for TLS 1.3 pass the
  // limit minus 1, since the limit counts the inner content type). Must be in [1, kMaxPlaintext];
  // otherwise the factories return a misuse error.

  // No protection (before ChangeCipherSpec in TLS 1.2, before handshake keys in TLS 1.3). A limit
  // outside [1, kMaxPlaintext] is replaced by kMaxPlaintext.
  static RecordProtection null_protection(size_t max_plaintext = kMaxPlaintext);

  // TLS 1.2 AES-GCM (RFC 5288), and AES-CCM, whose nonce and additional data are built the same way
  // (RFC 6655 3). alg is aes_128_gcm, aes_256_gcm, aes_128_ccm, aes_256_ccm, aes_128_ccm_8 or
  // aes_256_ccm_8 (whose records carry an 8-byte tag, so are 8 bytes shorter); key is 16 or 32 bytes;
  // salt is the 4-byte implicit nonce part (client_write_IV / server_write_IV of the key block).
  // Errors: misuse for a wrong algorithm or length; internal when the provider refuses the key.
  static Result<RecordProtection> tls12_gcm(const crypto::Provider& provider, crypto::AeadAlg alg, ByteView key,
                                            ByteView salt, size_t max_plaintext = kMaxPlaintext);

  // TLS 1.2 ChaCha20-Poly1305 (RFC 7905): a 32-byte key, a 12-byte IV. Errors as tls12_gcm.
  static Result<RecordProtection> tls12_chacha20_poly1305(const crypto::Provider& provider, ByteView key,
                                                          ByteView iv, size_t max_plaintext = kMaxPlaintext);

  // TLS 1.2 AES-CBC with HMAC. enc_key is 16 or 32 bytes; mac_alg is sha1, sha256 or sha384 and mac_key
  // has hash_length(mac_alg) bytes; encrypt_then_mac selects RFC 7366. rng draws the explicit IV of
  // each sealed record; it must outlive this object (an object used only to open never draws from it).
  // The provider must outlive this object too (the MAC-then-encrypt receive path calls it per record).
  static Result<RecordProtection> tls12_cbc(const crypto::Provider& provider, ByteView enc_key,
                                            crypto::HashAlg mac_alg, ByteView mac_key, bool encrypt_then_mac,
                                            crypto::Rng& rng, size_t max_plaintext = kMaxPlaintext);

  // TLS 1.3 (RFC 8446 5.2-5.3): any AeadAlg, key of aead_key_length(alg) bytes, a 12-byte iv (the
  // traffic key and iv from HKDF-Expand-Label). Errors as tls12_gcm.
  static Result<RecordProtection> tls13(const crypto::Provider& provider, crypto::AeadAlg alg, ByteView key,
                                        ByteView iv, size_t max_plaintext = kMaxPlaintext);

  Mode mode() const { return mode_; }
  bool is_null() const { return mode_ == Mode::null; }
  size_t max_plaintext() const { return max_plaintext_; }

  // The exact number of bytes seal() writes (header included) for a plaintext of plaintext_len bytes
  // and (TLS 1.3 only) `padding` zero bytes. Callers size their output buffer with it; for a buffer
  // that fits any record, use sealed_size(max_plaintext()) (padding counts towards max_plaintext).
  size_t sealed_size(size_t plaintext_len, size_t padding = 0) const;

  // The largest fragment (record body, header excluded) open() accepts; a receive buffer of
  // kRecordHeaderLength + max_fragment_length() bytes holds any acceptable record.
  size_t max_fragment_length() const;

  // Protects one record and writes header || fragment to out[0..n), returning n (== sealed_size()).
  // The header carries `type` (TLS 1.3: application_data, with `type` inside) and the version of
  // set_record_version().
  // `plaintext` may overlap `out` (it is moved into place before anything else is written).
  // `padding`: TLS 1.3 only, zero bytes appended to the inner plaintext (RFC 8446 5.4).
  // Errors (nothing written that the caller should send; the sequence number does not move):
  //   misuse    plaintext.size() + padding > max_plaintext() (the caller fragments), padding in a mode
  //             other than TLS 1.3, out_capacity < sealed_size();
  //   internal  sequence number exhausted (close the connection), or the crypto library failed.
  Result<size_t> seal(ContentType type, ByteView plaintext, uint8_t* out, size_t out_capacity,
                      size_t padding = 0);

  // Removes the protection of one record in place. `header` is the decoded record header (its
  // version and type are authenticated as received: in TLS 1.2 through the AAD/MAC, in TLS 1.3 as the
  // AAD, so a changed outer type or version gives bad_record_mac). fragment[0..fragment_len) is the
  // record body; fragment_len must equal header.length. On success the plaintext lies inside
  // `fragment`; on failure the buffer's content is unspecified. Errors: see the block at the top.
  // The engine still checks what the type may be (e.g. a TLS 1.3 outer type other than
  // application_data, an unknown inner type, an empty handshake record).
  Result<OpenedRecord> open(const RecordHeader& header, uint8_t* fragment, size_t fragment_len);

  // The version written into sealed record headers (default 0x0303; the engine may set 0x0301 for an
  // initial ClientHello record in null mode).
  void set_record_version(uint16_t v) { version_ = v; }

  // The sequence number of the next record (0 for a fresh object).
  uint64_t sequence_number() const { return seq_; }
  bool sequence_exhausted() const { return exhausted_; }
  // Back to an earlier sequence number: only for records sealed after it that were never sent (the
  // record layer's discard of a failed step, which drops them). Reusing a number of a record that went
  // out would reuse its nonce.
  // A number not below the current one changes nothing (an exhausted object stays exhausted).
  void rewind_sequence_number(uint64_t seq) {
    if (seq >= seq_) return;
    seq_ = seq;
    exhausted_ = false;
  }
  // For tests of exhaustion: start at `seq` instead of 0.
  void set_sequence_number_for_testing(uint64_t seq) {
    seq_ = seq;
    exhausted_ = false;
  }

 private:
  // The AEAD modes' common part, once the key and iv lengths are checked.
  static Result<RecordProtection> aead_mode(const crypto::Provider& provider, Mode mode, crypto::AeadAlg alg,
                                            ByteView key, ByteView iv, size_t max_plaintext);
  Status check_sequence() const;
  void advance_sequence();
  // The 12-byte per-record nonce of the AEAD modes that XOR the sequence number into the IV.
  void xor_nonce(uint8_t nonce[12]) const;
  // TLS 1.2 pseudo-header: seq(8) || type || version(2) || length(2).
  void tls12_pseudo_header(ContentType type, uint16_t version, size_t length, uint8_t out[13]) const;
  // CBC mode: HMAC(pseudo-header with `length` || data) into out[0..mac_len_).
  void tls12_mac(ContentType type, uint16_t version, size_t length, ByteView data, uint8_t* out);

  Result<size_t> seal_tls12_aead(ContentType type, ByteView plaintext, uint8_t* out);
  Result<size_t> seal_tls12_cbc(ContentType type, ByteView plaintext, uint8_t* out);
  Result<size_t> seal_tls13(ContentType type, ByteView plaintext, size_t padding, uint8_t* out);
  Result<OpenedRecord> open_tls12_aead(const RecordHeader& h, uint8_t* fragment, size_t n);
  Result<OpenedRecord> open_cbc_etm(const RecordHeader& h, uint8_t* fragment, size_t n);
  Result<OpenedRecord> open_cbc_mte(const RecordHeader& h, uint8_t* fragment, size_t n);
  Result<OpenedRecord> open_tls13(const RecordHeader& h, uint8_t* fragment, size_t n);

  Mode mode_ = Mode::null;
  size_t max_plaintext_ = kMaxPlaintext;
  uint16_t version_ = version::tls12;
  uint64_t seq_ = 0;
  bool exhausted_ = false;

  std::unique_ptr<crypto::Aead> aead_;       // AEAD modes
  size_t tag_len_ = crypto::kAeadTagLength;  // AEAD modes: aead_tag_length(alg), 8 for CCM_8
  SecretBytes iv_;                           // GCM: 4-byte salt; ChaCha20 and TLS 1.3: 12-byte iv

  std::unique_ptr<crypto::CbcCipher> cbc_;   // CBC mode
  std::unique_ptr<crypto::Hmac> hmac_;       // CBC mode, keyed with mac_key_
  SecretBytes mac_key_;                      // CBC mode (hmac_constant_time takes the key per call)
  crypto::HashAlg mac_alg_ = crypto::HashAlg::sha256;
  size_t mac_len_ = 0;
  bool encrypt_then_mac_ = false;
  crypto::Rng* rng_ = nullptr;               // CBC mode, for explicit IVs
  const crypto::Provider* provider_ = nullptr;
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_RECORD_PROTECTION_H_
