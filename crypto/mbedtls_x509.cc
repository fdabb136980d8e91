// X.509 half of the mbedTLS provider: certificates, trust stores, chain and name verification.
//
// Time: mbedTLS 2.28 compares validity dates with the system clock, which must not count here. The
// verify callback clears MBEDTLS_X509_BADCERT_EXPIRED / _FUTURE from every certificate's flags and
// checks not_before <= now <= not_after itself for every certificate of the path mbedTLS built (the
// leaf, the intermediates used and the trust anchor).
//
// Leaf usage (TrustStore::verify): the extended key usage must allow the purpose (serverAuth or
// clientAuth; no EKU extension or anyExtendedKeyUsage also pass). The key usage, when present, must
// allow digitalSignature or keyEncipherment for server_auth and digitalSignature for client_auth. Which
// of the two a server certificate needs depends on the key exchange (keyEncipherment for TLS 1.2 RSA key
// exchange, digitalSignature otherwise); that finer check is the engine's.
#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <cstring>
#include <deque>
#include <map>
#include <mutex>

#include "crypto/mbedtls_provider.h"

namespace sanstls {
namespace crypto {
namespace {

bool is_single_der_sequence(ByteView in);

struct Crt {
  mbedtls_x509_crt v;
  Crt() { mbedtls_x509_crt_init(&v); }
  ~Crt() { mbedtls_x509_crt_free(&v); }
  Crt(const Crt&) = delete;
  Crt& operator=(const Crt&) = delete;
};

// Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based civil-to-days formula).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                   // [0, 399]
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           // [0, 146096]
  return era * 146097 + doe - 719468;
}

int64_t unix_time(const mbedtls_x509_time& t) {
  return days_from_civil(t.year, t.mon, t.day) * 86400 + t.hour * 3600 + t.min * 60 + t.sec;
}

std::string dn_string(const mbedtls_x509_name* dn) {
  char buf[1024];
  int n = mbedtls_x509_dn_gets(buf, sizeof(buf), dn);
  if (n < 0) return std::string();
  return std::string(buf, static_cast<size_t>(n));
}

// ---------------------------------------------------------------------------------------------------
// Names (RFC 6125).

struct SanEntries {
  std::vector<std::string> dns;  // dNSName entries, as bytes
  std::vector<Bytes> ips;        // iPAddress entries: 4 or 16 bytes
  bool any = false;              // at least one dNSName or iPAddress entry
  bool malformed = false;
};

int on_general_name(void* ctx, int tag, unsigned char* start, size_t len) {
  auto* san = static_cast<SanEntries*>(ctx);
  if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)) {  // dNSName [2] IA5String
    san->dns.emplace_back(reinterpret_cast<const char*>(start), len);
    san->any = true;
  } else if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7)) {  // iPAddress [7] OCTET STRING
    san->ips.emplace_back(start, start + len);
    san->any = true;
  }
  return 0;
}

// Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
int on_extension(void* ctx, int tag, unsigned char* start, size_t len) {
  (void)tag;
  auto* san = static_cast<SanEntries*>(ctx);
  unsigned char* p = start;
  const unsigned char* end = start + len;
  size_t oid_len = 0;
  if (mbedtls_asn1_get_tag(&p, end, &oid_len, MBEDTLS_ASN1_OID) != 0) return MBEDTLS_ERR_ASN1_UNEXPECTED_TAG;
  const bool is_san = oid_len == MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME) &&
                      std::memcmp(p, MBEDTLS_OID_SUBJECT_ALT_NAME, oid_len) == 0;
  p += oid_len;
  if (!is_san) return 0;
  int critical = 0;
  int r = mbedtls_asn1_get_bool(&p, end, &critical);
  if (r != 0 && r != MBEDTLS_ERR_ASN1_UNEXPECTED_TAG) return r;
  size_t value_len = 0;
  if ((r = mbedtls_asn1_get_tag(&p, end, &value_len, MBEDTLS_ASN1_OCTET_STRING)) != 0) return r;
  if (p + value_len != end) return MBEDTLS_ERR_ASN1_LENGTH_MISMATCH;
  // GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName; any GeneralName tag is allowed.
  return mbedtls_asn1_traverse_sequence_of(&p, end, 0, 0, 0, 0, on_general_name, san);
}

// Reads the subjectAltName dNSName and iPAddress entries from the raw extensions (mbedTLS 2.28 lists
// only dNSName and otherName entries in crt->subject_alt_names).
SanEntries read_san(const mbedtls_x509_crt* crt) {
  SanEntries san;
  if (crt->v3_ext.p == nullptr || crt->v3_ext.len == 0) return san;
  unsigned char* p = crt->v3_ext.p;
  const unsigned char* end = p + crt->v3_ext.len;
  // v3_ext is the content of the [3] EXPLICIT tag: the Extensions SEQUENCE.
  if (mbedtls_asn1_traverse_sequence_of(&p, end, 0xff, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, 0, 0,
                                        on_extension, &san) != 0)
    san.malformed = true;
  return san;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// A reference DNS name: non-empty labels of letters, digits, '-' and '_' (no '*', no NUL), at most one
// trailing dot (removed).
bool normalize_dns_name(std::string name, std::string* out) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_';
    if (!ok || ++label > 63) return false;
  }
  if (label == 0) return false;
  *out = name;
  return true;
}

// Matches one presented identifier against a normalized reference name. A wildcard counts only as the
// whole leftmost label ("*.example.test"), with at least two labels after it, and stands for exactly one
// non-empty label.
bool dns_pattern_matches(std::string pattern, const std::string& name) {
  if (!pattern.empty() && pattern.back() == '.') pattern.pop_back();
  if (pattern.empty()) return false;
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    const std::string rest = pattern.substr(2);
    if (rest.find('*') != std::string::npos) return false;
    if (rest.find('.') == std::string::npos) return false;  // "*.test": too broad
    const size_t dot = name.find('.');
    if (dot == std::string::npos || dot == 0) return false;
    return iequals(name.substr(dot + 1), rest);
  }
  return iequals(pattern, name);
}

bool crt_matches_name(const mbedtls_x509_crt* crt, const std::string& name) {
  if (name.empty() || name.find('\0') != std::string::npos) return false;
  SanEntries san = read_san(crt);
  if (san.malformed) return false;
  uint8_t ip[16];
  if (inet_pton(AF_INET, name.c_str(), ip) == 1 || inet_pton(AF_INET6, name.c_str(), ip) == 1) {
    // An IP address matches only an iPAddress entry, byte for byte; never the CN, never a wildcard.
    const size_t n = name.find(':') == std::string::npos ? 4 : 16;
    for (const Bytes& entry : san.ips)
      if (entry.size() == n && std::memcmp(entry.data(), ip, n) == 0) return true;
    return false;
  }
  std::string ref;
  if (!normalize_dns_name(name, &ref)) return false;
  if (san.any) {
    for (const std::string& pattern : san.dns)
      if (dns_pattern_matches(pattern, ref)) return true;
    return false;
  }
  // No dNSName or iPAddress entry: fall back to the subject's common name(s).
  for (const mbedtls_x509_name* n = &crt->subject; n != nullptr; n = n->next) {
    if (n->oid.p == nullptr || n->oid.len != MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN) ||
        std::memcmp(n->oid.p, MBEDTLS_OID_AT_CN, n->oid.len) != 0)
      continue;
    std::string cn(reinterpret_cast<const char*>(n->val.p), n->val.len);
    if (dns_pattern_matches(cn, ref)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------

class MbedtlsCertificate final : public Certificate {
 public:
  mbedtls_x509_crt* crt() { return &crt_.v; }

  ByteView der() const override { return ByteView(crt_.v.raw.p, crt_.v.raw.len); }
  std::unique_ptr<PublicKey> public_key() const override {
    return mbedtls_public_key_from_spki(ByteView(crt_.v.pk_raw.p, crt_.v.pk_raw.len));
  }
  std::string subject() const override { return dn_string(&crt_.v.subject); }
  std::string issuer() const override { return dn_string(&crt_.v.issuer); }
  int64_t not_before() const override { return unix_time(crt_.v.valid_from); }
  int64_t not_after() const override { return unix_time(crt_.v.valid_to); }
  bool matches_name(const std::string& name) const override { return crt_matches_name(&crt_.v, name); }

 private:
  Crt crt_;
};

// Signatures with SHA-256 or stronger; RSA (PKCS#1 v1.5 or PSS) of at least 2048 bits; ECDSA on P-256
// or P-384. The trust anchors' own self-signatures are not checked by mbedTLS.
const mbedtls_x509_crt_profile kProfile = {
    MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSASSA_PSS) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) | MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1),
    2048,
};

struct VerifyContext {
  int64_t now;
  bool time_bad = false;
};

// Called by mbedTLS for every certificate of the built path (depth 0 is the leaf).
int verify_callback(void* p, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
  (void)depth;
  auto* ctx = static_cast<VerifyContext*>(p);
  *flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
  if (ctx->now < unix_time(crt->valid_from) || ctx->now > unix_time(crt->valid_to)) ctx->time_bad = true;
  return 0;
}

// A PublicKey that shares a key kept by a TrustStore's leaf cache. Sharing one key object across
// connections keeps mbedTLS's per-key precomputation (the comb table of the curve's generator for
// ECDSA verification) instead of rebuilding it for every handshake.
class SharedPublicKey final : public PublicKey {
 public:
  explicit SharedPublicKey(std::shared_ptr<const PublicKey> k) : k_(std::move(k)) {}
  KeyType type() const override { return k_->type(); }
  size_t bits() const override { return k_->bits(); }
  Status verify(SignatureScheme scheme, ByteView msg, ByteView sig) const override { return k_->verify(scheme, msg, sig); }
  Status rsa_encrypt_pkcs1(ByteView plaintext, Rng& rng, Bytes* out) const override {
    return k_->rsa_encrypt_pkcs1(plaintext, rng, out);
  }
  ByteView spki_der() const override { return k_->spki_der(); }

 private:
  std::shared_ptr<const PublicKey> k_;
};

class MbedtlsTrustStore final : public TrustStore {
 public:
  mbedtls_x509_crt* anchors() { return &anchors_.v; }
  void set_size(size_t n) { size_ = n; }

  size_t size() const override { return size_; }

  CertError verify(const std::vector<ByteView>& chain, int64_t now, Purpose purpose, const std::string& name,
                   std::unique_ptr<PublicKey>* leaf_key) const override {
    if (chain.empty()) return CertError::bad_certificate;
    Crt certs;
    for (ByteView der : chain)
      if (!is_single_der_sequence(der) || mbedtls_x509_crt_parse_der(&certs.v, der.data(), der.size()) != 0)
        return CertError::bad_certificate;
    if (size_ == 0) return CertError::unknown_ca;

    VerifyContext ctx{now};
    uint32_t flags = 0;
    int r;
    {
      // mbedTLS caches precomputed tables in the anchors' EC groups while verifying.
      std::lock_guard<std::mutex> lock(mu_);
      r = mbedtls_x509_crt_verify_with_profile(&certs.v, &anchors_.v, nullptr, &kProfile, nullptr, &flags,
                                               verify_callback, &ctx);
    }
    if (r != 0 && r != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) return CertError::bad_certificate;
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return CertError::unknown_ca;
    if (flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK | MBEDTLS_X509_BADCERT_BAD_KEY))
      return CertError::unsupported_certificate;
    if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                 MBEDTLS_X509_BADCERT_NS_CERT_TYPE))
      return CertError::bad_key_usage;
    if (flags != 0) return CertError::bad_certificate;
    if (ctx.time_bad) return CertError::certificate_expired;

    const mbedtls_x509_crt* leaf = &certs.v;
    const char* eku = purpose == Purpose::server_auth ? MBEDTLS_OID_SERVER_AUTH : MBEDTLS_OID_CLIENT_AUTH;
    const size_t eku_len = purpose == Purpose::server_auth ? MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)
                                                           : MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH);
    if (mbedtls_x509_crt_check_extended_key_usage(leaf, eku, eku_len) != 0) return CertError::bad_key_usage;
    const bool sign_ok = mbedtls_x509_crt_check_key_usage(leaf, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) == 0;
    const bool encipher_ok = mbedtls_x509_crt_check_key_usage(leaf, MBEDTLS_X509_KU_KEY_ENCIPHERMENT) == 0;
    if (purpose == Purpose::server_auth ? !(sign_ok || encipher_ok) : !sign_ok) return CertError::bad_key_usage;

    if (!name.empty() && !crt_matches_name(leaf, name)) return CertError::name_mismatch;
    if (leaf_key != nullptr) {
      std::shared_ptr<const PublicKey> k = cached_key(ByteView(leaf->pk_raw.p, leaf->pk_raw.len));
      if (!k) return CertError::unsupported_certificate;
      *leaf_key = std::make_unique<SharedPublicKey>(std::move(k));
    }
    return CertError::ok;
  }

 private:
  mutable Crt anchors_;

  // The public keys of leaves that verified, by SubjectPublicKeyInfo (bounded; oldest out first).
  static constexpr size_t kLeafCacheSize = 256;
  std::shared_ptr<const PublicKey> cached_key(ByteView spki) const {
    Bytes id = spki.to_bytes();
    {
      std::lock_guard<std::mutex> lock(cache_mu_);
      auto it = leaf_cache_.find(id);
      if (it != leaf_cache_.end()) return it->second;
    }
    std::shared_ptr<const PublicKey> k = mbedtls_public_key_from_spki(spki);
    if (!k) return nullptr;
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (leaf_cache_.emplace(id, k).second) {
      leaf_order_.push_back(id);
      if (leaf_order_.size() > kLeafCacheSize) {
        leaf_cache_.erase(leaf_order_.front());
        leaf_order_.pop_front();
      }
    }
    return k;
  }
  mutable std::mutex cache_mu_;
  mutable std::map<Bytes, std::shared_ptr<const PublicKey>> leaf_cache_;
  mutable std::deque<Bytes> leaf_order_;
  mutable std::mutex mu_;
  size_t size_ = 0;
};

void set_error(std::string* error, const std::string& msg) {
  if (error != nullptr) *error = msg;
}

bool contains(ByteView in, const char* needle) {
  const size_t n = std::strlen(needle);
  for (size_t i = 0; i + n <= in.size(); i++)
    if (std::memcmp(in.data() + i, needle, n) == 0) return true;
  return false;
}

// One DER SEQUENCE that spans the whole input (a cheap check that a non-PEM input is one certificate).
bool is_single_der_sequence(ByteView in) {
  if (in.empty()) return false;
  unsigned char* p = const_cast<unsigned char*>(in.data());
  const unsigned char* end = in.data() + in.size();
  size_t len = 0;
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return false;
  return p + len == end;
}

}  // namespace

std::unique_ptr<Certificate> MbedtlsProvider::parse_certificate(ByteView der, std::string* error) const {
  if (!is_single_der_sequence(der)) {
    set_error(error, "not one DER SEQUENCE (empty, truncated or trailing bytes)");
    return nullptr;
  }
  auto cert = std::make_unique<MbedtlsCertificate>();
  int r = mbedtls_x509_crt_parse_der(cert->crt(), der.data(), der.size());
  if (r != 0) {
    char buf[128];
    mbedtls_strerror(r, buf, sizeof(buf));
    set_error(error, std::string("cannot parse the certificate: ") + buf);
    return nullptr;
  }
  return cert;
}

bool MbedtlsProvider::load_certificates(ByteView pem_or_der, std::vector<Bytes>* der_out,
                                        std::string* error) const {
  der_out->clear();
  if (!contains(pem_or_der, "-----BEGIN")) {
    if (!is_single_der_sequence(pem_or_der)) {
      set_error(error, "neither PEM nor one DER certificate");
      return false;
    }
    der_out->push_back(pem_or_der.to_bytes());
    return true;
  }
  // mbedtls_pem_read_buffer needs NUL-terminated text.
  std::string text = pem_or_der.to_string();
  size_t offset = 0;
  while (offset < text.size()) {
    mbedtls_pem_context pem;
    mbedtls_pem_init(&pem);
    size_t used = 0;
    int r = mbedtls_pem_read_buffer(&pem, "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----",
                                    reinterpret_cast<const unsigned char*>(text.c_str()) + offset, nullptr, 0,
                                    &used);
    if (r == MBEDTLS_ERR_PEM_NO_HEADER_FOOTER_PRESENT) {
      mbedtls_pem_free(&pem);
      break;
    }
    if (r != 0) {
      mbedtls_pem_free(&pem);
      set_error(error, "bad PEM CERTIFICATE block");
      der_out->clear();
      return false;
    }
    der_out->emplace_back(pem.buf, pem.buf + pem.buflen);
    mbedtls_pem_free(&pem);
    offset += used;
  }
  if (der_out->empty()) {
    set_error(error, "no CERTIFICATE block in the PEM text");
    return false;
  }
  return true;
}

std::unique_ptr<TrustStore> MbedtlsProvider::make_trust_store(const std::vector<Bytes>& anchors_der,
                                                              std::string* error) const {
  auto store = std::make_unique<MbedtlsTrustStore>();
  for (size_t i = 0; i < anchors_der.size(); i++) {
    const Bytes& der = anchors_der[i];
    if (!is_single_der_sequence(der) || mbedtls_x509_crt_parse_der(store->anchors(), der.data(), der.size()) != 0) {
      set_error(error, "cannot parse trust anchor #" + std::to_string(i));
      return nullptr;
    }
  }
  store->set_size(anchors_der.size());
  return store;
}

}  // namespace crypto
}  // namespace sanstls
