#include "core/wire.h"

namespace sanstls {

#define SANSTLS_NAME_CASE(name, value) \
  case value: return #name;

const char* content_type_name(ContentType t) {
  switch (static_cast<uint8_t>(t)) { SANSTLS_CONTENT_TYPES(SANSTLS_NAME_CASE) }
  return "unknown";
}

const char* handshake_type_name(HandshakeType t) {
  switch (static_cast<uint8_t>(t)) { SANSTLS_HANDSHAKE_TYPES(SANSTLS_NAME_CASE) }
  return "unknown";
}

const char* extension_name(uint16_t type) {
  switch (type) {
    SANSTLS_EXTENSION_TYPES(SANSTLS_NAME_CASE)
    case 1: return "max_fragment_length";
    case 15: return "heartbeat";
    case 27: return "compress_certificate";
    case 48: return "oid_filters";
  }
  return "unknown";
}

const char* cipher_suite_name(uint16_t s) {
  switch (s) { SANSTLS_CIPHER_SUITES(SANSTLS_NAME_CASE) }
  return "unknown";
}
#undef SANSTLS_NAME_CASE

// IANA "TLS Supported Groups".
const char* group_name(uint16_t g) {
  switch (g) {
    case 0x0017: return "secp256r1";
    case 0x0018: return "secp384r1";
    case 0x0019: return "secp521r1";
    case 0x001d: return "x25519";
    case 0x001e: return "x448";
    case 0x0100: return "ffdhe2048";
    case 0x0101: return "ffdhe3072";
    case 0x0102: return "ffdhe4096";
    case 0x0103: return "ffdhe6144";
    case 0x0104: return "ffdhe8192";
  }
  return "unknown";
}

// IANA "TLS SignatureScheme" (RFC 8446 4.2.3).
const char* signature_scheme_name(uint16_t s) {
  switch (s) {
    case 0x0201: return "rsa_pkcs1_sha1";
    case 0x0203: return "ecdsa_sha1";
    case 0x0401: return "rsa_pkcs1_sha256";
    case 0x0501: return "rsa_pkcs1_sha384";
    case 0x0601: return "rsa_pkcs1_sha512";
    case 0x0403: return "ecdsa_secp256r1_sha256";
    case 0x0503: return "ecdsa_secp384r1_sha384";
    case 0x0603: return "ecdsa_secp521r1_sha512";
    case 0x0804: return "rsa_pss_rsae_sha256";
    case 0x0805: return "rsa_pss_rsae_sha384";
    case 0x0806: return "rsa_pss_rsae_sha512";
    case 0x0807: return "ed25519";
    case 0x0808: return "ed448";
    case 0x0809: return "rsa_pss_pss_sha256";
    case 0x080a: return "rsa_pss_pss_sha384";
    case 0x080b: return "rsa_pss_pss_sha512";
  }
  return "unknown";
}

const char* version_name(uint16_t v) {
  switch (v) {
    case version::ssl3: return "SSLv3";
    case version::tls10: return "TLSv1.0";
    case version::tls11: return "TLSv1.1";
    case version::tls12: return "TLSv1.2";
    case version::tls13: return "TLSv1.3";
  }
  return "unknown";
}

}  // namespace sanstls
