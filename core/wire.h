// TLS wire enums (RFC 5246, RFC 8446 and the IANA TLS registries) and their names.
//
// The enums are open, in the style of rustls's msgs/macros.rs: a value not listed here is carried as
// it is (an enum class holds any value of its underlying type), never rejected by the codec. Named
// groups and signature schemes are crypto::Group / crypto::SignatureScheme code points, stored as
// uint16_t in message structs.
#ifndef SANSTLS_CORE_WIRE_H_
#define SANSTLS_CORE_WIRE_H_

#include <cstdint>

namespace sanstls {

// ContentType, HandshakeType and ExtensionType each come from an X(name, value) list, which also gives
// their name functions (wire.cc).
#define SANSTLS_ENUMERATOR(name, value) name = value,

// ContentType (RFC 5246 6.2.1, RFC 8446 5.1).
#define SANSTLS_CONTENT_TYPES(X) \
  X(change_cipher_spec, 20)      \
  X(alert, 21)                   \
  X(handshake, 22)               \
  X(application_data, 23)
enum class ContentType : uint8_t { SANSTLS_CONTENT_TYPES(SANSTLS_ENUMERATOR) };

// HandshakeType (RFC 5246 7.4, RFC 8446 4).
#define SANSTLS_HANDSHAKE_TYPES(X) \
  X(hello_request, 0)              \
  X(client_hello, 1)               \
  X(server_hello, 2)               \
  X(new_session_ticket, 4)         \
  X(end_of_early_data, 5)          \
  X(encrypted_extensions, 8)       \
  X(certificate, 11)               \
  X(server_key_exchange, 12)       \
  X(certificate_request, 13)       \
  X(server_hello_done, 14)         \
  X(certificate_verify, 15)        \
  X(client_key_exchange, 16)       \
  X(finished, 20)                  \
  X(key_update, 24)                \
  X(message_hash, 254)
enum class HandshakeType : uint8_t { SANSTLS_HANDSHAKE_TYPES(SANSTLS_ENUMERATOR) };

// ProtocolVersion values.
namespace version {
constexpr uint16_t ssl3 = 0x0300;
constexpr uint16_t tls10 = 0x0301;
constexpr uint16_t tls11 = 0x0302;
constexpr uint16_t tls12 = 0x0303;
constexpr uint16_t tls13 = 0x0304;
}  // namespace version

// Cipher suites (IANA "TLS Cipher Suites" registry): X(name, value). One list gives both the
// constants below and cipher_suite_name().
#define SANSTLS_CIPHER_SUITES(X)                             \
  X(TLS_EMPTY_RENEGOTIATION_INFO_SCSV, 0x00ff)               \
  X(TLS_FALLBACK_SCSV, 0x5600)                               \
  X(TLS_RSA_WITH_AES_128_CBC_SHA, 0x002f)                    \
  X(TLS_RSA_WITH_AES_256_CBC_SHA, 0x0035)                    \
  X(TLS_RSA_WITH_AES_128_CBC_SHA256, 0x003c)                 \
  X(TLS_RSA_WITH_AES_256_CBC_SHA256, 0x003d)                 \
  X(TLS_RSA_WITH_AES_128_GCM_SHA256, 0x009c)                 \
  X(TLS_RSA_WITH_AES_256_GCM_SHA384, 0x009d)                 \
  X(TLS_DHE_RSA_WITH_AES_128_CBC_SHA, 0x0033)                \
  X(TLS_DHE_RSA_WITH_AES_256_CBC_SHA, 0x0039)                \
  X(TLS_DHE_RSA_WITH_AES_128_CBC_SHA256, 0x0067)             \
  X(TLS_DHE_RSA_WITH_AES_256_CBC_SHA256, 0x006b)             \
  X(TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 0x009e)             \
  X(TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, 0x009f)             \
  X(TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 0xccaa)       \
  X(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, 0xc009)            \
  X(TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, 0xc00a)            \
  X(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, 0xc013)              \
  X(TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, 0xc014)              \
  X(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, 0xc023)         \
  X(TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, 0xc024)         \
  X(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, 0xc027)           \
  X(TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, 0xc028)           \
  X(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0xc02b)         \
  X(TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 0xc02c)         \
  X(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0xc02f)           \
  X(TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 0xc030)           \
  X(TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 0xcca8)     \
  X(TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0xcca9)   \
  X(TLS_RSA_WITH_AES_128_CCM, 0xc09c)                        \
  X(TLS_RSA_WITH_AES_256_CCM, 0xc09d)                        \
  X(TLS_DHE_RSA_WITH_AES_128_CCM, 0xc09e)                    \
  X(TLS_DHE_RSA_WITH_AES_256_CCM, 0xc09f)                    \
  X(TLS_ECDHE_ECDSA_WITH_AES_128_CCM, 0xc0ac)                \
  X(TLS_ECDHE_ECDSA_WITH_AES_256_CCM, 0xc0ad)                \
  X(TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8, 0xc0ae)              \
  X(TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8, 0xc0af)              \
  X(TLS_AES_128_GCM_SHA256, 0x1301)                          \
  X(TLS_AES_256_GCM_SHA384, 0x1302)                          \
  X(TLS_CHACHA20_POLY1305_SHA256, 0x1303)                    \
  X(TLS_AES_128_CCM_SHA256, 0x1304)                          \
  X(TLS_AES_128_CCM_8_SHA256, 0x1305)

using CipherSuiteId = uint16_t;
namespace suite {
#define SANSTLS_SUITE_CONSTANT(name, value) constexpr CipherSuiteId name = value;
SANSTLS_CIPHER_SUITES(SANSTLS_SUITE_CONSTANT)
#undef SANSTLS_SUITE_CONSTANT
}  // namespace suite

// ExtensionType (IANA "TLS ExtensionType Values"). extension_name() also names a few types sanstls has
// no enumerator for.
#define SANSTLS_EXTENSION_TYPES(X)                 \
  X(server_name, 0)                                \
  X(status_request, 5)                             \
  X(supported_groups, 10)                          \
  X(ec_point_formats, 11)                          \
  X(signature_algorithms, 13)                      \
  X(application_layer_protocol_negotiation, 16)    \
  X(signed_certificate_timestamp, 18)              \
  X(padding, 21)                                   \
  X(encrypt_then_mac, 22)                          \
  X(extended_master_secret, 23)                    \
  X(record_size_limit, 28)                         \
  X(session_ticket, 35)                            \
  X(pre_shared_key, 41)                            \
  X(early_data, 42)                                \
  X(supported_versions, 43)                        \
  X(cookie, 44)                                    \
  X(psk_key_exchange_modes, 45)                    \
  X(certificate_authorities, 47)                   \
  X(post_handshake_auth, 49)                       \
  X(signature_algorithms_cert, 50)                 \
  X(key_share, 51)                                 \
  X(renegotiation_info, 0xff01)
enum class ExtensionType : uint16_t { SANSTLS_EXTENSION_TYPES(SANSTLS_ENUMERATOR) };
#undef SANSTLS_ENUMERATOR

// Names for logs and traces: the RFC / IANA name, or "unknown" for a value not listed. The returned
// strings are static.
const char* content_type_name(ContentType t);
const char* handshake_type_name(HandshakeType t);
const char* extension_name(uint16_t type);
const char* cipher_suite_name(uint16_t suite);
const char* group_name(uint16_t group);
const char* signature_scheme_name(uint16_t scheme);
// "TLSv1.2" etc. for the five values in `version`, "unknown" otherwise.
const char* version_name(uint16_t v);

}  // namespace sanstls

#endif  // SANSTLS_CORE_WIRE_H_
