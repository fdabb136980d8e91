#include "core/suites.h"

#include <cstring>
#include <utility>

namespace sanstls {
namespace {

using crypto::HashAlg;
constexpr HashAlg kSha1 = HashAlg::sha1, kSha256 = HashAlg::sha256, kSha384 = HashAlg::sha384;

// Code points from the IANA TLS Cipher Suites registry (RFC 5288, RFC 5289, RFC 7905, RFC 5246, RFC 6655,
// RFC 7251). The SHA-384 CBC suites use SHA-384 for the PRF (RFC 5289 3.2); every other TLS 1.2 suite here,
// the AES-256-CCM ones included (RFC 6655 3, RFC 7251 2), the TLS 1.2 PRF with SHA-256.
const CipherSuite kSuites[] = {
    {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", KeyExchange::ecdhe_ecdsa,
     BulkCipher::aes_128_gcm, kSha256, kSha256, 16, 4, 0},
    {0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384", KeyExchange::ecdhe_ecdsa,
     BulkCipher::aes_256_gcm, kSha384, kSha384, 32, 4, 0},
    {0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
     KeyExchange::ecdhe_ecdsa, BulkCipher::chacha20_poly1305, kSha256, kSha256, 32, 12, 0},
    {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256", KeyExchange::ecdhe_rsa,
     BulkCipher::aes_128_gcm, kSha256, kSha256, 16, 4, 0},
    {0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", KeyExchange::ecdhe_rsa,
     BulkCipher::aes_256_gcm, kSha384, kSha384, 32, 4, 0},
    {0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305", KeyExchange::ecdhe_rsa,
     BulkCipher::chacha20_poly1305, kSha256, kSha256, 32, 12, 0},
    {0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", "DHE-RSA-AES128-GCM-SHA256", KeyExchange::dhe_rsa,
     BulkCipher::aes_128_gcm, kSha256, kSha256, 16, 4, 0},
    {0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", "DHE-RSA-AES256-GCM-SHA384", KeyExchange::dhe_rsa,
     BulkCipher::aes_256_gcm, kSha384, kSha384, 32, 4, 0},
    {0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "DHE-RSA-CHACHA20-POLY1305", KeyExchange::dhe_rsa,
     BulkCipher::chacha20_poly1305, kSha256, kSha256, 32, 12, 0},
    {0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256", KeyExchange::rsa, BulkCipher::aes_128_gcm,
     kSha256, kSha256, 16, 4, 0},
    {0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384", KeyExchange::rsa, BulkCipher::aes_256_gcm,
     kSha384, kSha384, 32, 4, 0},
    {0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256", KeyExchange::ecdhe_rsa,
     BulkCipher::aes_128_cbc, kSha256, kSha256, 16, 0, 32},
    {0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256", KeyExchange::ecdhe_ecdsa,
     BulkCipher::aes_128_cbc, kSha256, kSha256, 16, 0, 32},
    {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", KeyExchange::ecdhe_rsa,
     BulkCipher::aes_128_cbc, kSha256, kSha1, 16, 0, 20},
    {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA", KeyExchange::ecdhe_rsa,
     BulkCipher::aes_256_cbc, kSha256, kSha1, 32, 0, 20},
    {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", KeyExchange::ecdhe_ecdsa,
     BulkCipher::aes_128_cbc, kSha256, kSha1, 16, 0, 20},
    {0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "ECDHE-ECDSA-AES256-SHA384", KeyExchange::ecdhe_ecdsa,
     BulkCipher::aes_256_cbc, kSha384, kSha384, 32, 0, 48},
    {0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384", KeyExchange::ecdhe_rsa,
     BulkCipher::aes_256_cbc, kSha384, kSha384, 32, 0, 48},
    {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA", KeyExchange::ecdhe_ecdsa,
     BulkCipher::aes_256_cbc, kSha256, kSha1, 32, 0, 20},
    {0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", "DHE-RSA-AES128-SHA256", KeyExchange::dhe_rsa,
     BulkCipher::aes_128_cbc, kSha256, kSha256, 16, 0, 32},
    {0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", "DHE-RSA-AES256-SHA256", KeyExchange::dhe_rsa,
     BulkCipher::aes_256_cbc, kSha256, kSha256, 32, 0, 32},
    {0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "DHE-RSA-AES128-SHA", KeyExchange::dhe_rsa, BulkCipher::aes_128_cbc,
     kSha256, kSha1, 16, 0, 20},
    {0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "DHE-RSA-AES256-SHA", KeyExchange::dhe_rsa, BulkCipher::aes_256_cbc,
     kSha256, kSha1, 32, 0, 20},
    {0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", "AES256-SHA256", KeyExchange::rsa, BulkCipher::aes_256_cbc, kSha256,
     kSha256, 32, 0, 32},
    {0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256", KeyExchange::rsa, BulkCipher::aes_128_cbc, kSha256,
     kSha256, 16, 0, 32},
    {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA", KeyExchange::rsa, BulkCipher::aes_128_cbc, kSha256,
     kSha1, 16, 0, 20},
    {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA", KeyExchange::rsa, BulkCipher::aes_256_cbc, kSha256,
     kSha1, 32, 0, 20},
    // AES-CCM with a 16-byte tag, nonce and additional data as for GCM (RFC 6655 3; RFC 7251 for ECDHE-ECDSA).
    // Opt-in (opt_in_suites()).
    {0xc0ac, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "ECDHE-ECDSA-AES128-CCM", KeyExchange::ecdhe_ecdsa,
     BulkCipher::aes_128_ccm, kSha256, kSha256, 16, 4, 0},
    {0xc0ad, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "ECDHE-ECDSA-AES256-CCM", KeyExchange::ecdhe_ecdsa,
     BulkCipher::aes_256_ccm, kSha256, kSha256, 32, 4, 0},
    {0xc09e, "TLS_DHE_RSA_WITH_AES_128_CCM", "DHE-RSA-AES128-CCM", KeyExchange::dhe_rsa, BulkCipher::aes_128_ccm,
     kSha256, kSha256, 16, 4, 0},
    {0xc09f, "TLS_DHE_RSA_WITH_AES_256_CCM", "DHE-RSA-AES256-CCM", KeyExchange::dhe_rsa, BulkCipher::aes_256_ccm,
     kSha256, kSha256, 32, 4, 0},
    {0xc09c, "TLS_RSA_WITH_AES_128_CCM", "AES128-CCM", KeyExchange::rsa, BulkCipher::aes_128_ccm, kSha256, kSha256,
     16, 4, 0},
    {0xc09d, "TLS_RSA_WITH_AES_256_CCM", "AES256-CCM", KeyExchange::rsa, BulkCipher::aes_256_ccm, kSha256, kSha256,
     32, 4, 0},
    // AES-CCM with an 8-byte tag (RFC 6655 3, RFC 7251 2: CCM_8; records built as above, the tag 8 bytes).
    // Opt-in (opt_in_suites()).
    {0xc0ae, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8", "ECDHE-ECDSA-AES128-CCM8", KeyExchange::ecdhe_ecdsa,
     BulkCipher::aes_128_ccm_8, kSha256, kSha256, 16, 4, 0},
    {0xc0af, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8", "ECDHE-ECDSA-AES256-CCM8", KeyExchange::ecdhe_ecdsa,
     BulkCipher::aes_256_ccm_8, kSha256, kSha256, 32, 4, 0},
    // TLS 1.3 (RFC 8446 B.4): the hash is HKDF's; the key length is the AEAD's; the 12-byte iv comes from
    // HKDF-Expand-Label(secret, "iv") (7.3). OpenSSL calls them by their IANA names.
    {0x1301, "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", KeyExchange::tls13, BulkCipher::aes_128_gcm,
     kSha256, kSha256, 16, 12, 0},
    {0x1302, "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", KeyExchange::tls13, BulkCipher::aes_256_gcm,
     kSha384, kSha384, 32, 12, 0},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", KeyExchange::tls13,
     BulkCipher::chacha20_poly1305, kSha256, kSha256, 32, 12, 0},
    {0x1304, "TLS_AES_128_CCM_SHA256", "TLS_AES_128_CCM_SHA256", KeyExchange::tls13, BulkCipher::aes_128_ccm,
     kSha256, kSha256, 16, 12, 0},  // opt-in
    {0x1305, "TLS_AES_128_CCM_8_SHA256", "TLS_AES_128_CCM_8_SHA256", KeyExchange::tls13, BulkCipher::aes_128_ccm_8,
     kSha256, kSha256, 16, 12, 0},  // opt-in
};

}  // namespace

bool CipherSuite::aead(crypto::AeadAlg* out) const {
  using crypto::AeadAlg;
  static const std::pair<BulkCipher, AeadAlg> kAeads[] = {
      {BulkCipher::aes_128_gcm, AeadAlg::aes_128_gcm},
      {BulkCipher::aes_256_gcm, AeadAlg::aes_256_gcm},
      {BulkCipher::chacha20_poly1305, AeadAlg::chacha20_poly1305},
      {BulkCipher::aes_128_ccm, AeadAlg::aes_128_ccm},
      {BulkCipher::aes_256_ccm, AeadAlg::aes_256_ccm},
      {BulkCipher::aes_128_ccm_8, AeadAlg::aes_128_ccm_8},
      {BulkCipher::aes_256_ccm_8, AeadAlg::aes_256_ccm_8},
  };
  for (const auto& [c, a] : kAeads)
    if (c == cipher) {
      *out = a;
      return true;
    }
  return false;  // CBC
}

const CipherSuite* find_suite(uint16_t id) {
  for (const CipherSuite& s : kSuites)
    if (s.id == id) return &s;
  return nullptr;
}

const std::vector<uint16_t>& default_tls12_suites() {
  // Forward secrecy and AEAD first, ECDSA before RSA, then DHE, then RSA key exchange; then CBC in the
  // same order (SHA-2 MACs before SHA-1).
  static const std::vector<uint16_t> kDefault = {
      0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8, 0x009e, 0x009f, 0xccaa, 0x009c, 0x009d,
      0xc023, 0xc024, 0xc027, 0xc028, 0xc009, 0xc00a, 0xc013, 0xc014, 0x0067, 0x006b, 0x0033,
      0x0039, 0x003c, 0x003d, 0x002f, 0x0035,
  };
  return kDefault;
}

const std::vector<uint16_t>& default_tls13_suites() {
  // AES-128-GCM first (the suite RFC 8446 9.1 makes mandatory, and the fastest with AES-NI), then
  // AES-256-GCM, then ChaCha20-Poly1305.
  static const std::vector<uint16_t> kDefault = {0x1301, 0x1302, 0x1303};
  return kDefault;
}

const std::vector<uint16_t>& opt_in_suites() {
  static const std::vector<uint16_t> kOptIn = {0x1304, 0x1305, 0xc0ac, 0xc0ad, 0xc09e, 0xc09f,
                                               0xc09c, 0xc09d, 0xc0ae, 0xc0af};
  return kOptIn;
}

const CipherSuite* find_suite_by_name(const char* name) {
  for (const CipherSuite& s : kSuites)
    if (std::strcmp(s.iana_name, name) == 0 || std::strcmp(s.openssl_name, name) == 0) return &s;
  return nullptr;
}

}  // namespace sanstls
