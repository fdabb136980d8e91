// The helpers of crypto.h that need no crypto library: names and sizes.
#include "crypto/crypto.h"

namespace sanstls {
namespace crypto {

const char* status_name(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::bad_input: return "bad_input";
    case Status::bad_tag: return "bad_tag";
    case Status::bad_signature: return "bad_signature";
    case Status::bad_peer_value: return "bad_peer_value";
    case Status::unsupported: return "unsupported";
    case Status::internal: return "internal";
  }
  return "unknown";
}

size_t hash_length(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1: return 20;
    case HashAlg::sha256: return 32;
    case HashAlg::sha384: return 48;
    case HashAlg::sha512: return 64;
  }
  return 0;
}

size_t hash_block_length(HashAlg alg) {
  switch (alg) {
    case HashAlg::sha1:
    case HashAlg::sha256: return 64;
    case HashAlg::sha384:
    case HashAlg::sha512: return 128;
  }
  return 0;
}

size_t aead_key_length(AeadAlg alg) {
  switch (alg) {
    case AeadAlg::aes_128_gcm: return 16;
    case AeadAlg::aes_256_gcm: return 32;
    case AeadAlg::chacha20_poly1305: return 32;
    case AeadAlg::aes_128_ccm: return 16;
    case AeadAlg::aes_256_ccm: return 32;
    case AeadAlg::aes_128_ccm_8: return 16;
    case AeadAlg::aes_256_ccm_8: return 32;
  }
  return 0;
}

size_t aead_tag_length(AeadAlg alg) {
  return alg == AeadAlg::aes_128_ccm_8 || alg == AeadAlg::aes_256_ccm_8 ? 8 : kAeadTagLength;
}

bool group_supported(uint16_t code_point) {
  switch (static_cast<Group>(code_point)) {
    case Group::secp256r1:
    case Group::secp384r1:
    case Group::x25519:
    case Group::x448:
    case Group::ffdhe2048:
    case Group::ffdhe3072:
    case Group::secp521r1:
    case Group::ffdhe4096:
    case Group::ffdhe6144:
    case Group::ffdhe8192: return true;
  }
  return false;
}

const char* cert_error_name(CertError e) {
  switch (e) {
    case CertError::ok: return "ok";
    case CertError::bad_certificate: return "bad_certificate";
    case CertError::unsupported_certificate: return "unsupported_certificate";
    case CertError::certificate_expired: return "certificate_expired";
    case CertError::unknown_ca: return "unknown_ca";
    case CertError::name_mismatch: return "name_mismatch";
    case CertError::bad_key_usage: return "bad_key_usage";
  }
  return "unknown";
}

}  // namespace crypto
}  // namespace sanstls
