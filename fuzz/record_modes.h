// The record harness's modes and fixed keys, shared by record_fuzzer.cc and make_corpora.cc (which
// seals real records with them so that the corpus reaches the successful open() paths).
#ifndef SANSTLS_FUZZ_RECORD_MODES_H_
#define SANSTLS_FUZZ_RECORD_MODES_H_

#include <cstdint>
#include <cstdio>

#include "core/record_protection.h"
#include "crypto/crypto.h"

namespace sanstls {
namespace fuzz {
namespace record {

inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "record_fuzzer: %s\n", what);
    __builtin_trap();
  }
}

struct ModeSpec {
  RecordProtection::Mode mode;
  crypto::AeadAlg aead;
  size_t key_len;  // AEAD key or CBC key
  crypto::HashAlg mac;
  bool etm;
};

using M = RecordProtection::Mode;
using A = crypto::AeadAlg;
using H = crypto::HashAlg;
inline const ModeSpec kModes[] = {
    {M::tls12_gcm, A::aes_128_gcm, 16, H::sha256, false},
    {M::tls12_gcm, A::aes_256_gcm, 32, H::sha256, false},
    {M::tls12_chacha20_poly1305, A::chacha20_poly1305, 32, H::sha256, false},
    {M::tls12_cbc, A::aes_128_gcm, 16, H::sha1, false},
    {M::tls12_cbc, A::aes_128_gcm, 16, H::sha1, true},
    {M::tls12_cbc, A::aes_128_gcm, 16, H::sha256, false},
    {M::tls12_cbc, A::aes_128_gcm, 16, H::sha256, true},
    {M::tls12_cbc, A::aes_128_gcm, 16, H::sha384, false},
    {M::tls12_cbc, A::aes_128_gcm, 16, H::sha384, true},
    {M::tls12_cbc, A::aes_128_gcm, 32, H::sha1, false},
    {M::tls12_cbc, A::aes_128_gcm, 32, H::sha1, true},
    {M::tls12_cbc, A::aes_128_gcm, 32, H::sha256, false},
    {M::tls12_cbc, A::aes_128_gcm, 32, H::sha256, true},
    {M::tls12_cbc, A::aes_128_gcm, 32, H::sha384, false},
    {M::tls12_cbc, A::aes_128_gcm, 32, H::sha384, true},
    {M::tls13_aead, A::aes_128_gcm, 16, H::sha256, false},
    {M::tls13_aead, A::aes_256_gcm, 32, H::sha256, false},
    {M::tls13_aead, A::chacha20_poly1305, 32, H::sha256, false},
    // AES-CCM (issue 14): TLS 1.2 CCM records are built as GCM's (RFC 6655 3); TLS 1.3 CCM.
    {M::tls12_gcm, A::aes_128_ccm, 16, H::sha256, false},
    {M::tls12_gcm, A::aes_256_ccm, 32, H::sha256, false},
    {M::tls13_aead, A::aes_128_ccm, 16, H::sha256, false},
    // AES-CCM_8 (8-byte tag: RFC 6655, RFC 7251, RFC 8446 B.4).
    {M::tls12_gcm, A::aes_128_ccm_8, 16, H::sha256, false},
    {M::tls12_gcm, A::aes_256_ccm_8, 32, H::sha256, false},
    {M::tls13_aead, A::aes_128_ccm_8, 16, H::sha256, false},
};
constexpr size_t kNumModes = sizeof(kModes) / sizeof(kModes[0]);

inline const size_t kLimits[] = {kMaxPlaintext, 64, 512, 1, kMaxPlaintext - 1, 100};
inline const uint64_t kSeqs[] = {0, 1, 2, 0x1234, ~uint64_t{0} - 1, ~uint64_t{0}};

// Whether p's sequence number moved on from seq by one record (the last one, 2^64-1, exhausts it).
inline bool advanced(const RecordProtection& p, uint64_t seq) {
  if (seq == ~uint64_t{0}) return p.sequence_exhausted();
  return p.sequence_number() == seq + 1;
}

// The fixed key bytes (32) and iv (12) of every mode (AEAD or CBC key: the first key_len bytes).
inline void fixed_key(uint8_t key[32], uint8_t iv[12]) {
  for (size_t i = 0; i < 32; i++) key[i] = static_cast<uint8_t>(0x10 + i);
  for (size_t i = 0; i < 12; i++) iv[i] = static_cast<uint8_t>(0xa0 + i);
}

// A fixed key for the mode; two calls give two objects with the same keys and independent state.
inline RecordProtection make(const ModeSpec& m, size_t limit, crypto::Rng& rng) {
  const crypto::Provider& p = crypto::default_provider();
  uint8_t key[32], iv[12], mac_key[48];
  fixed_key(key, iv);
  for (size_t i = 0; i < sizeof mac_key; i++) mac_key[i] = static_cast<uint8_t>(0x40 + 3 * i);
  Result<RecordProtection> r = RecordProtection();
  switch (m.mode) {
    case M::tls12_gcm:
      r = RecordProtection::tls12_gcm(p, m.aead, ByteView(key, m.key_len), ByteView(iv, 4), limit);
      break;
    case M::tls12_chacha20_poly1305:
      r = RecordProtection::tls12_chacha20_poly1305(p, ByteView(key, 32), ByteView(iv, 12), limit);
      break;
    case M::tls12_cbc:
      r = RecordProtection::tls12_cbc(p, ByteView(key, m.key_len), m.mac, ByteView(mac_key, crypto::hash_length(m.mac)),
                                      m.etm, rng, limit);
      break;
    case M::tls13_aead:
      r = RecordProtection::tls13(p, m.aead, ByteView(key, m.key_len), ByteView(iv, 12), limit);
      break;
    case M::null:
      break;
  }
  require(r.ok(), "could not build the record protection");
  return r.take();
}

}  // namespace record
}  // namespace fuzz
}  // namespace sanstls

#endif  // SANSTLS_FUZZ_RECORD_MODES_H_
