// Constructions over the Provider's primitives: one-shot hash and HMAC, the TLS 1.2 PRF, HKDF and
// TLS 1.3's HKDF-Expand-Label. No mbedTLS here. Intermediate secrets are zeroed before returning.
//
// A Provider that cannot create a hash or HMAC (nullptr) makes these functions return an empty result.
#include <cstring>

#include "crypto/crypto.h"

namespace sanstls {
namespace crypto {

Bytes hash_once(const Provider& p, HashAlg alg, ByteView data) {
  auto h = p.hash(alg);
  if (!h) return {};
  h->update(data);
  Bytes out(hash_length(alg));
  h->finish(out.data());
  return out;
}

Bytes hmac_once(const Provider& p, HashAlg alg, ByteView key, ByteView data) {
  auto h = p.hmac(alg, key);
  if (!h) return {};
  h->update(data);
  Bytes out(hash_length(alg));
  h->finish(out.data());
  return out;
}

// RFC 5246 section 5:
//   P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
//   A(0) = seed, A(i) = HMAC(secret, A(i-1));  PRF(secret, label, seed) = P_hash(secret, label + seed).
Bytes tls12_prf(const Provider& p, HashAlg alg, ByteView secret, const std::string& label, ByteView seed,
                size_t out_len) {
  auto h = p.hmac(alg, secret);
  if (!h) return {};
  const size_t hlen = hash_length(alg);
  const ByteView label_view = ByteView::of(label);

  uint8_t a[kMaxHashLen];      // A(i)
  uint8_t block[kMaxHashLen];  // HMAC(secret, A(i) + label + seed)
  h->update(label_view);
  h->update(seed);
  h->finish(a);  // A(1)

  Bytes out;
  out.reserve(out_len);
  while (out.size() < out_len) {
    h->update(ByteView(a, hlen));
    h->update(label_view);
    h->update(seed);
    h->finish(block);
    size_t n = out_len - out.size() < hlen ? out_len - out.size() : hlen;
    out.insert(out.end(), block, block + n);
    if (out.size() < out_len) {
      h->update(ByteView(a, hlen));
      h->finish(a);  // A(i+1)
    }
  }
  secure_zero(a, sizeof(a));
  secure_zero(block, sizeof(block));
  return out;
}

// RFC 5869 section 2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen zero bytes.
Bytes hkdf_extract(const Provider& p, HashAlg alg, ByteView salt, ByteView ikm) {
  if (salt.empty()) {
    const uint8_t zeros[kMaxHashLen] = {0};
    return hmac_once(p, alg, ByteView(zeros, hash_length(alg)), ikm);
  }
  return hmac_once(p, alg, salt, ikm);
}

// RFC 5869 section 2.3: T(0) = empty, T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = first L bytes.
Bytes hkdf_expand(const Provider& p, HashAlg alg, ByteView prk, ByteView info, size_t out_len) {
  const size_t hlen = hash_length(alg);
  if (out_len == 0 || out_len > 255 * hlen) return {};
  auto h = p.hmac(alg, prk);
  if (!h) return {};
  uint8_t t[kMaxHashLen];
  size_t t_len = 0;
  Bytes out;
  out.reserve(out_len);
  for (uint8_t counter = 1; out.size() < out_len; counter++) {
    h->update(ByteView(t, t_len));
    h->update(info);
    h->update(ByteView(&counter, 1));
    h->finish(t);
    t_len = hlen;
    size_t n = out_len - out.size() < hlen ? out_len - out.size() : hlen;
    out.insert(out.end(), t, t + n);
  }
  secure_zero(t, sizeof(t));
  return out;
}

// RFC 8446 section 7.1:
//   struct { uint16 length = Length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
//   HkdfLabel;  HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length)
// Returns empty when the label or context does not fit its vector or out_len does not fit 16 bits.
Bytes hkdf_expand_label(const Provider& p, HashAlg alg, ByteView secret, const std::string& label,
                        ByteView context, size_t out_len) {
  static const char kPrefix[] = "tls13 ";
  const size_t full_label_len = sizeof(kPrefix) - 1 + label.size();
  if (full_label_len < 7 || full_label_len > 255 || context.size() > 255 || out_len > 0xffff) return {};
  // The HkdfLabel on the stack: its lengths are bounded above (2 + 1 + 255 + 1 + 255 bytes), and this
  // runs a dozen or more times per TLS 1.3 handshake.
  uint8_t info[2 + 1 + 255 + 1 + 255];
  size_t n = 0;
  info[n++] = static_cast<uint8_t>(out_len >> 8);
  info[n++] = static_cast<uint8_t>(out_len);
  info[n++] = static_cast<uint8_t>(full_label_len);
  std::memcpy(info + n, kPrefix, sizeof(kPrefix) - 1);
  n += sizeof(kPrefix) - 1;
  std::memcpy(info + n, label.data(), label.size());
  n += label.size();
  info[n++] = static_cast<uint8_t>(context.size());
  if (!context.empty()) std::memcpy(info + n, context.data(), context.size());
  n += context.size();
  return hkdf_expand(p, alg, secret, ByteView(info, n), out_len);
}

}  // namespace crypto
}  // namespace sanstls
