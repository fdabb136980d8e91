// The cipher suites sanstls speaks, and what each one means to the handshake and the record layer.
#ifndef SANSTLS_CORE_SUITES_H_
#define SANSTLS_CORE_SUITES_H_

#include <cstdint>
#include <vector>

#include "crypto/crypto.h"

namespace sanstls {

enum class KeyExchange : uint8_t { rsa, dhe_rsa, ecdhe_rsa, ecdhe_ecdsa, tls13 };
enum class BulkCipher : uint8_t {
  aes_128_gcm,
  aes_256_gcm,
  chacha20_poly1305,
  aes_128_cbc,
  aes_256_cbc,
  aes_128_ccm,  // 16-byte tag (RFC 6655, RFC 7251, RFC 8446 B.4)
  aes_256_ccm,
  aes_128_ccm_8,  // 8-byte tag (RFC 6655, RFC 7251, RFC 8446 B.4): records 8 bytes shorter
  aes_256_ccm_8,
};

struct CipherSuite {
  uint16_t id;
  const char* iana_name;     // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
  const char* openssl_name;  // ECDHE-RSA-AES128-GCM-SHA256
  KeyExchange kx;
  BulkCipher cipher;
  crypto::HashAlg prf_hash;  // the PRF's (TLS 1.2) or HKDF's (TLS 1.3) hash
  crypto::HashAlg mac_hash;  // CBC suites: the record MAC's hash
  uint8_t key_len;
  uint8_t fixed_iv_len;      // TLS 1.2: 4 for GCM and CCM, 12 for ChaCha20, 0 for CBC; TLS 1.3: 12 (the iv)
  uint8_t mac_key_len;       // 0 for AEAD suites

  bool is_aead() const { return cipher != BulkCipher::aes_128_cbc && cipher != BulkCipher::aes_256_cbc; }
  // The AEAD of an AEAD suite (false for CBC).
  bool aead(crypto::AeadAlg* out) const;
  bool is_tls13() const { return kx == KeyExchange::tls13; }
  bool needs_server_key_exchange() const { return kx != KeyExchange::rsa; }
  // The key type the server's certificate must have.
  bool server_key_is_ecdsa() const { return kx == KeyExchange::ecdhe_ecdsa; }
};

// nullptr for a suite sanstls does not speak.
const CipherSuite* find_suite(uint16_t id);
// The TLS 1.2 suites on by default, in their default preference order.
const std::vector<uint16_t>& default_tls12_suites();
// The TLS 1.3 suites on by default (RFC 8446 B.4), in their default preference order.
const std::vector<uint16_t>& default_tls13_suites();
// The suites sanstls speaks only when a config names them (cipher_suites / cipher_suite_names): the
// AES-CCM ones, with a 16-byte tag and the CCM_8 ones with an 8-byte tag, off by default as in OpenSSL 3.0
// (neither its TLS 1.3 default ciphersuites nor its DEFAULT TLS 1.2 cipher list hold CCM or CCM_8). TLS 1.3
// ones first.
const std::vector<uint16_t>& opt_in_suites();
// Looks a suite up by its IANA or OpenSSL name; nullptr when unknown.
const CipherSuite* find_suite_by_name(const char* name);

}  // namespace sanstls

#endif  // SANSTLS_CORE_SUITES_H_
