#include "core/wire.h"

namespace sanstls {

const char* content_type_name(ContentType t) {
  switch (t) {
    case ContentType::change_cipher_spec: return "change_cipher_spec";
    case ContentType::alert: return "alert";
    case ContentType::handshake: return "handshake";
    case ContentType::application_data: return "application_data";
  }
  return "unknown";
}

const char* handshake_type_name(HandshakeType t) {
  switch (t) {
    case HandshakeType::hello_request: return "hello_request";
    case HandshakeType::client_hello: return "client_hello";
    case HandshakeType::server_hello: return "server_hello";
    case HandshakeType::new_session_ticket: return "new_session_ticket";
    case HandshakeType::end_of_early_data: return "end_of_early_data";
    case HandshakeType::encrypted_extensions: return "encrypted_extensions";
    case HandshakeType::certificate: return "certificate";
    case HandshakeType::server_key_exchange: return "server_key_exchange";
    case HandshakeType::certificate_request: return "certificate_request";
    case HandshakeType::server_hello_done: return "server_hello_done";
    case HandshakeType::certificate_verify: return "certificate_verify";
    case HandshakeType::client_key_exchange: return "client_key_exchange";
    case HandshakeType::finished: return "finished";
    case HandshakeType::key_update: return "key_update";
    case HandshakeType::message_hash: return "message_hash";
  }
  return "unknown";
}

const char* extension_name(uint16_t type) {
  switch (type) {
    case 0: return "server_name";
    case 1: return "max_fragment_length";
    case 5: return "status_request";
    case 10: return "supported_groups";
    case 11: return "ec_point_formats";
    case 13: return "signature_algorithms";
    case 15: return "heartbeat";
    case 16: return "application_layer_protocol_negotiation";
    case 18: return "signed_certificate_timestamp";
    case 21: return "padding";
    case 22: return "encrypt_then_mac";
    case 23: return "extended_master_secret";
    case 27: return "compress_certificate";
    case 28: return "record_size_limit";
    case 35: return "session_ticket";
    case 41: return "pre_shared_key";
    case 42: return "early_data";
    case 43: return "supported_versions";
    case 44: return "cookie";
    case 45: return "psk_key_exchange_modes";
    case 47: return "certificate_authorities";
    case 48: return "oid_filters";
    case 49: return "post_handshake_auth";
    case 50: return "signature_algorithms_cert";
    case 51: return "key_share";
    case 0xff01: return "renegotiation_info";
  }
  return "unknown";
}

const char* cipher_suite_name(uint16_t s) {
  switch (s) {
#define SANSTLS_SUITE_NAME(name, value) \
  case value: return #name;
    SANSTLS_CIPHER_SUITES(SANSTLS_SUITE_NAME)
#undef SANSTLS_SUITE_NAME
  }
  return "unknown";
}

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
