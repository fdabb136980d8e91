#include "core/wire.h"

#include <cstring>

#include <doctest/doctest.h>

namespace sanstls {
namespace {

bool eq(const char* a, const char* b) { return std::strcmp(a, b) == 0; }

TEST_CASE("wire: enum values are the registry's") {
  // RFC 5246 6.2.1 / A.1, RFC 8446 B.1-B.3.
  CHECK(static_cast<uint8_t>(ContentType::handshake) == 22);
  CHECK(static_cast<uint8_t>(HandshakeType::client_key_exchange) == 16);
  CHECK(static_cast<uint8_t>(HandshakeType::message_hash) == 254);
  CHECK(static_cast<uint16_t>(ExtensionType::renegotiation_info) == 0xff01);
  CHECK(static_cast<uint16_t>(ExtensionType::key_share) == 51);
  CHECK(suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 == 0xc02b);
  CHECK(suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 == 0xcca8);  // RFC 7905 2
  CHECK(suite::TLS_AES_256_GCM_SHA384 == 0x1302);                       // RFC 8446 B.4
  CHECK(suite::TLS_FALLBACK_SCSV == 0x5600);                            // RFC 7507 6
  CHECK(version::tls13 == 0x0304);
}

// Values from the IANA TLS registries (RFC 8446 B.3.1.4 groups, 4.2.3 signature schemes).
TEST_CASE("wire: names") {
  CHECK(eq(content_type_name(ContentType::alert), "alert"));
  CHECK(eq(content_type_name(static_cast<ContentType>(99)), "unknown"));
  CHECK(eq(handshake_type_name(HandshakeType::server_hello_done), "server_hello_done"));
  CHECK(eq(handshake_type_name(static_cast<HandshakeType>(3)), "unknown"));
  CHECK(eq(extension_name(0), "server_name"));
  CHECK(eq(extension_name(0xff01), "renegotiation_info"));
  CHECK(eq(extension_name(0x1234), "unknown"));
  CHECK(eq(cipher_suite_name(0xc02f), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
  CHECK(eq(cipher_suite_name(0x009f), "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"));
  CHECK(eq(cipher_suite_name(0x1303), "TLS_CHACHA20_POLY1305_SHA256"));
  // The opt-in AES-CCM and CCM_8 suites have their names too (RFC 6655, RFC 7251, RFC 8446 B.4).
  CHECK(eq(cipher_suite_name(0x1304), "TLS_AES_128_CCM_SHA256"));
  CHECK(eq(cipher_suite_name(0x1305), "TLS_AES_128_CCM_8_SHA256"));
  CHECK(eq(cipher_suite_name(0xc09c), "TLS_RSA_WITH_AES_128_CCM"));
  CHECK(eq(cipher_suite_name(0xc0ad), "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"));
  CHECK(eq(cipher_suite_name(0xc0ae), "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"));
  CHECK(eq(cipher_suite_name(0xc0af), "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"));
  CHECK(eq(cipher_suite_name(0x00ff), "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"));
  CHECK(eq(cipher_suite_name(0x0000), "unknown"));
  CHECK(eq(group_name(0x001d), "x25519"));
  CHECK(eq(group_name(0x0101), "ffdhe3072"));
  CHECK(eq(group_name(0xfafa), "unknown"));  // a GREASE value (RFC 8701)
  CHECK(eq(signature_scheme_name(0x0804), "rsa_pss_rsae_sha256"));
  CHECK(eq(signature_scheme_name(0x0403), "ecdsa_secp256r1_sha256"));
  CHECK(eq(signature_scheme_name(0x0000), "unknown"));
  CHECK(eq(version_name(0x0303), "TLSv1.2"));
  CHECK(eq(version_name(0x7f17), "unknown"));
}

}  // namespace
}  // namespace sanstls
