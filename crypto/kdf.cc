// Constructions over the Provider's primitives: one-shot hash and HMAC, the TLS 1.2 PRF, HKDF and
// TLS 1.3's HKDF-Expand-Label. No mbedTLS here. Intermediate secrets are zeroed before returning.
//
// A Provider that cannot create a hash or HMAC (nullptr) makes these functions return an empty result.
#include <cstring>

#include "crypto/crypto.h"

namespace sanstls {
namespace crypto {

bool hash_once_into(const Provider& p, HashAlg alg, ByteView data, uint8_t* out) {
  auto h = p.hash(alg);
  if (!h) return false;
  h->update(data);
  h->finish(out);
  return true;
}

bool Provider::hmac_oneshot(HashAlg alg, ByteView key, const ByteView* parts, size_t n, uint8_t* out) const {
  auto h = hmac(alg, key);
  if (!h) return false;
  for (size_t i = 0; i < n; i++) h->update(parts[i]);
  h->finish(out);
  return true;
}

bool hmac_once_into(const Provider& p, HashAlg alg, ByteView key, ByteView data, uint8_t* out) {
  return p.hmac_oneshot(alg, key, &data, 1, out);
}

Bytes hash_once(const Provider& p, HashAlg alg, ByteView data) {
  Bytes out(hash_length(alg));
  if (!hash_once_into(p, alg, data, out.data())) return {};
  return out;
}

Bytes hmac_once(const Provider& p, HashAlg alg, ByteView key, ByteView data) {
  Bytes out(hash_length(alg));
  if (!hmac_once_into(p, alg, key, data, out.data())) return {};
  return out;
}

// RFC 5246 section 5:
//   P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
//   A(0) = seed, A(i) = HMAC(secret, A(i-1));  PRF(secret, label, seed) = P_hash(secret, label + seed).
bool tls12_prf_into(const Provider& p, HashAlg alg, ByteView secret, ByteView label, ByteView seed, uint8_t* out,
                    size_t out_len) {
  auto h = p.hmac(alg, secret);
  if (!h) return false;
  const size_t hlen = hash_length(alg);

  uint8_t a[kMaxHashLen];      // A(i)
  uint8_t block[kMaxHashLen];  // HMAC(secret, A(i) + label + seed)
  h->update(label);
  h->update(seed);
  h->finish(a);  // A(1)

  size_t done = 0;
  while (done < out_len) {
    h->update(ByteView(a, hlen));
    h->update(label);
    h->update(seed);
    h->finish(block);
    size_t n = out_len - done < hlen ? out_len - done : hlen;
    std::memcpy(out + done, block, n);
    done += n;
    if (done < out_len) {
      h->update(ByteView(a, hlen));
      h->finish(a);  // A(i+1)
    }
  }
  secure_zero(a, sizeof(a));
  secure_zero(block, sizeof(block));
  return true;
}

Bytes tls12_prf(const Provider& p, HashAlg alg, ByteView secret, const std::string& label, ByteView seed,
                size_t out_len) {
  Bytes out(out_len);
  if (!tls12_prf_into(p, alg, secret, ByteView::of(label), seed, out.data(), out_len)) return {};
  return out;
}

// RFC 5869 section 2.2: PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen zero bytes.
bool hkdf_extract_into(const Provider& p, HashAlg alg, ByteView salt, ByteView ikm, uint8_t* out) {
  if (salt.empty()) {
    const uint8_t zeros[kMaxHashLen] = {0};
    return hmac_once_into(p, alg, ByteView(zeros, hash_length(alg)), ikm, out);
  }
  return hmac_once_into(p, alg, salt, ikm, out);
}

Bytes hkdf_extract(const Provider& p, HashAlg alg, ByteView salt, ByteView ikm) {
  Bytes out(hash_length(alg));
  if (!hkdf_extract_into(p, alg, salt, ikm, out.data())) return {};
  return out;
}

namespace {

// RFC 5869 section 2.3: T(0) = empty, T(i) = HMAC-Hash(PRK, T(i-1) | info | i), OKM = first L bytes.
// HKDF-Expand into out[0, out_len): false, before writing anything, for out_len 0 or above
// 255 * HashLen, or when the HMAC cannot be made.
bool expand_into(const Provider& p, HashAlg alg, ByteView prk, ByteView info, uint8_t* out, size_t out_len) {
  const size_t hlen = hash_length(alg);
  if (out_len == 0 || out_len > 255 * hlen) return false;
  uint8_t t[kMaxHashLen];
  if (out_len <= hlen) {  // one block, T(1) = HMAC(PRK, info | 0x01): every HKDF-Expand-Label of TLS 1.3
    const uint8_t one = 1;
    const ByteView parts[2] = {info, ByteView(&one, 1)};
    if (!p.hmac_oneshot(alg, prk, parts, 2, t)) return false;
    std::memcpy(out, t, out_len);
    secure_zero(t, sizeof(t));
    return true;
  }
  auto h = p.hmac(alg, prk);
  if (!h) return false;
  size_t t_len = 0;
  size_t done = 0;
  for (uint8_t counter = 1; done < out_len; counter++) {
    h->update(ByteView(t, t_len));
    h->update(info);
    h->update(ByteView(&counter, 1));
    h->finish(t);
    t_len = hlen;
    size_t n = out_len - done < hlen ? out_len - done : hlen;
    std::memcpy(out + done, t, n);
    done += n;
  }
  secure_zero(t, sizeof(t));
  return true;
}

}  // namespace

Bytes hkdf_expand(const Provider& p, HashAlg alg, ByteView prk, ByteView info, size_t out_len) {
  if (out_len == 0 || out_len > 255 * hash_length(alg)) return {};
  Bytes out(out_len);
  if (!expand_into(p, alg, prk, info, out.data(), out_len)) return {};
  return out;
}

// RFC 8446 section 7.1:
//   struct { uint16 length = Length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; }
//   HkdfLabel;  HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length)
// Fails when the label or context does not fit its vector or out_len does not fit 16 bits.
bool hkdf_expand_label_into(const Provider& p, HashAlg alg, ByteView secret, const std::string& label,
                            ByteView context, uint8_t* out, size_t out_len) {
  static const char kPrefix[] = "tls13 ";
  const size_t full_label_len = sizeof(kPrefix) - 1 + label.size();
  if (full_label_len < 7 || full_label_len > 255 || context.size() > 255 || out_len > 0xffff) return false;
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
  return expand_into(p, alg, secret, ByteView(info, n), out, out_len);
}

Bytes hkdf_expand_label(const Provider& p, HashAlg alg, ByteView secret, const std::string& label,
                        ByteView context, size_t out_len) {
  // out_len <= 255 * HashLen also keeps it within 16 bits.
  if (out_len == 0 || out_len > 255 * hash_length(alg)) return {};
  Bytes out(out_len);
  if (!hkdf_expand_label_into(p, alg, secret, label, context, out.data(), out_len)) return {};
  return out;
}

}  // namespace crypto
}  // namespace sanstls
