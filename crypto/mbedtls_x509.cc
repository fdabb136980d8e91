// X.509 half of the mbedTLS provider: certificates, trust stores, chain and name verification.
//
// Time: mbedTLS 2.28 compares validity dates with the system clock, which must not count here. The
// verify callback clears MBEDTLS_X509_BADCERT_EXPIRED / _FUTURE from every certificate's flags and
// checks not_before <= now <= not_after itself for every certificate of the path mbedTLS built (the
// leaf, the intermediates used and the trust anchor).
//
// Policy: mbedTLS checks signatures, the path, basic constraints and key usage of the CAs. The rest
// (the leaf's key usage per KeyUse, a CA as leaf, RFC 6125 name matching, name constraints) is decided
// by the provider-neutral crypto/x509_policy.h, which the other providers call too; this file only
// extracts the data from mbedTLS's parsed certificates.
//
// Leaf usage (TrustStore::verify): the extended key usage must allow the purpose (serverAuth or
// clientAuth; no EKU extension or anyExtendedKeyUsage also pass). The key usage, when present, must
// allow the KeyUse the caller names: the engine passes digital_signature or key_encipherment once it
// knows the key exchange, and `any` keeps the old rule (digitalSignature or keyEncipherment for
// server_auth, digitalSignature for client_auth).
//
// Name constraints: mbedTLS 2.28 implements none, and refuses to parse a certificate with a critical
// extension it does not know. Certificates are therefore parsed with an extension callback that accepts
// nameConstraints (critical or not); the verify callback records the built path, and the constraints of
// every CA in it (the trust anchor included) are read from the raw extensions and enforced here.
#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <cstring>
#include <mutex>

#include "crypto/bounded_cache.h"
#include "crypto/mbedtls_provider.h"
#include "crypto/x509_policy.h"

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
// Extensions, read from the raw DER (mbedTLS 2.28 keeps neither the iPAddress SAN entries nor the name
// constraints). Every read is bounded by the enclosing element.

namespace policy = x509_policy;

bool oid_is(const unsigned char* p, size_t len, const char* oid, size_t oid_len) {
  return len == oid_len && std::memcmp(p, oid, len) == 0;
}

// Finds the extension `oid` (Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
// extnValue OCTET STRING }). *value and *value_len receive the content of extnValue; *value is null when
// the extension is absent. False when the extensions are malformed.
bool find_extension(const mbedtls_x509_crt* crt, const char* oid, size_t oid_len, unsigned char** value,
                    size_t* value_len) {
  *value = nullptr;
  *value_len = 0;
  if (crt->v3_ext.p == nullptr || crt->v3_ext.len == 0) return true;
  // v3_ext is the content of the [3] EXPLICIT tag: the Extensions SEQUENCE.
  unsigned char* p = crt->v3_ext.p;
  const unsigned char* end = p + crt->v3_ext.len;
  size_t len = 0;
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return false;
  end = p + len;
  while (p < end) {
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return false;
    const unsigned char* ext_end = p + len;
    size_t id_len = 0;
    if (mbedtls_asn1_get_tag(&p, ext_end, &id_len, MBEDTLS_ASN1_OID) != 0) return false;
    const bool match = oid_is(p, id_len, oid, oid_len);
    p += id_len;
    int critical = 0;
    const int r = mbedtls_asn1_get_bool(&p, ext_end, &critical);
    if (r != 0 && r != MBEDTLS_ERR_ASN1_UNEXPECTED_TAG) return false;
    size_t v_len = 0;
    if (mbedtls_asn1_get_tag(&p, ext_end, &v_len, MBEDTLS_ASN1_OCTET_STRING) != 0 || p + v_len != ext_end)
      return false;
    if (match) {
      *value = p;
      *value_len = v_len;
      return true;
    }
    p += v_len;
  }
  return true;
}

int on_general_name(void* ctx, int tag, unsigned char* start, size_t len) {
  auto* names = static_cast<policy::LeafNames*>(ctx);
  if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2))  // dNSName [2] IA5String
    names->dns.emplace_back(reinterpret_cast<const char*>(start), len);
  else if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7))  // iPAddress [7] OCTET STRING
    names->ips.emplace_back(start, start + len);
  return 0;
}

// The leaf's names for the policy: subjectAltName presence and its dNSName / iPAddress entries, and the
// subject's CNs. False when the subjectAltName is malformed.
bool read_leaf_names(const mbedtls_x509_crt* crt, policy::LeafNames* names) {
  *names = policy::LeafNames();
  unsigned char* p = nullptr;
  size_t len = 0;
  if (!find_extension(crt, MBEDTLS_OID_SUBJECT_ALT_NAME, MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), &p, &len))
    return false;
  if (p != nullptr) {
    names->has_san = true;
    // GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName; any GeneralName tag is allowed.
    if (mbedtls_asn1_traverse_sequence_of(&p, p + len, 0, 0, 0, 0, on_general_name, names) != 0) return false;
  }
  for (const mbedtls_x509_name* n = &crt->subject; n != nullptr; n = n->next) {
    if (n->oid.p == nullptr || !oid_is(n->oid.p, n->oid.len, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN)))
      continue;
    names->cns.emplace_back(reinterpret_cast<const char*>(n->val.p), n->val.len);
  }
  return true;
}

// nameConstraints (2.5.29.30); mbedTLS 2.28 has no MBEDTLS_OID_ constant for it.
const char kOidNameConstraints[] = "\x55\x1d\x1e";
constexpr size_t kOidNameConstraintsLen = sizeof(kOidNameConstraints) - 1;

// GeneralSubtrees ::= SEQUENCE SIZE (1..MAX) OF GeneralSubtree
// GeneralSubtree ::= SEQUENCE { base GeneralName, minimum [0] DEFAULT 0, maximum [1] OPTIONAL }
// (the content of the [0] or [1] IMPLICIT tag, p..end). Only dNSName and iPAddress bases are kept.
bool read_subtrees(unsigned char* p, const unsigned char* end, std::vector<std::string>* dns,
                   std::vector<policy::IpSubtree>* ips) {
  if (p == end) return false;
  while (p < end) {
    size_t len = 0;
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) return false;
    const unsigned char* subtree_end = p + len;
    if (p == subtree_end) return false;
    const int tag = *p++;
    size_t base_len = 0;
    if (mbedtls_asn1_get_len(&p, subtree_end, &base_len) != 0) return false;
    if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)) {
      if (!policy::add_dns_subtree(std::string(reinterpret_cast<const char*>(p), base_len), dns)) return false;
    } else if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7)) {
      if (!policy::add_ip_subtree(ByteView(p, base_len), ips)) return false;
    } else if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 2) ||
               tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 7)) {
      return false;  // a dNSName or iPAddress must be primitive
    }
    // Other forms (e-mail, URI, directoryName, ...) are not enforced; minimum / maximum are ignored
    // (RFC 5280: minimum is always 0 and maximum absent in the profile).
    p = const_cast<unsigned char*>(subtree_end);
  }
  return true;
}

// The enforced part of a CA's nameConstraints (empty when it has none). False when malformed.
bool read_name_constraints(const mbedtls_x509_crt* crt, policy::NameConstraints* nc) {
  *nc = policy::NameConstraints();
  unsigned char* p = nullptr;
  size_t len = 0;
  if (!find_extension(crt, kOidNameConstraints, kOidNameConstraintsLen, &p, &len)) return false;
  if (p == nullptr) return true;
  const unsigned char* end = p + len;
  // NameConstraints ::= SEQUENCE { permittedSubtrees [0] OPTIONAL, excludedSubtrees [1] OPTIONAL }
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 || p + len != end)
    return false;
  if (p == end) return false;  // RFC 5280: at least one of the two is present
  const int permitted = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0;
  const int excluded = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 1;
  if (*p == permitted) {
    if (mbedtls_asn1_get_tag(&p, end, &len, permitted) != 0 ||
        !read_subtrees(p, p + len, &nc->permitted_dns, &nc->permitted_ip))
      return false;
    p += len;
  }
  if (p < end && *p == excluded) {
    if (mbedtls_asn1_get_tag(&p, end, &len, excluded) != 0 ||
        !read_subtrees(p, p + len, &nc->excluded_dns, &nc->excluded_ip))
      return false;
    p += len;
  }
  return p == end;
}

// Extension callback for mbedtls_x509_crt_parse_der_with_ext_cb: called for the extensions mbedTLS does
// not know. nameConstraints is accepted, critical or not (it is read and enforced at verification);
// any other unknown critical extension still makes the certificate unparsable.
int on_unknown_extension(void* ctx, const mbedtls_x509_crt* crt, const mbedtls_x509_buf* oid, int critical,
                         const unsigned char* p, const unsigned char* end) {
  (void)ctx, (void)crt, (void)critical, (void)p, (void)end;
  if (oid_is(oid->p, oid->len, kOidNameConstraints, kOidNameConstraintsLen)) return 0;
  return MBEDTLS_ERR_X509_INVALID_EXTENSIONS + MBEDTLS_ERR_ASN1_UNEXPECTED_TAG;
}

// Parses one DER certificate onto the end of `chain`, with the extension callback above.
bool parse_der(mbedtls_x509_crt* chain, ByteView der) {
  return is_single_der_sequence(der) &&
         mbedtls_x509_crt_parse_der_with_ext_cb(chain, der.data(), der.size(), 1, on_unknown_extension,
                                                nullptr) == 0;
}

// The keyUsage rule of KeyUse (crypto.h); `server` says what `any` means.
bool key_usage_allows(const mbedtls_x509_crt* crt, bool server, KeyUse use) {
  // mbedtls_x509_crt_check_key_usage passes when the certificate has no keyUsage extension.
  const bool sign_ok = mbedtls_x509_crt_check_key_usage(crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) == 0;
  const bool encipher_ok = mbedtls_x509_crt_check_key_usage(crt, MBEDTLS_X509_KU_KEY_ENCIPHERMENT) == 0;
  switch (use) {
    case KeyUse::digital_signature:
      return sign_ok;
    case KeyUse::key_encipherment:
      return encipher_ok;
    case KeyUse::any:
      break;
  }
  return server ? (sign_ok || encipher_ok) : sign_ok;
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
  bool matches_name(const std::string& name) const override { return names_ok_ && policy::matches_name(names_, name); }
  bool allows_key_use(KeyUse use) const override { return key_usage_allows(&crt_.v, true, use); }
  Bytes serial() const override {
    // mbedTLS keeps the INTEGER's content octets: drop the sign-padding zeros, keep one for 0.
    const unsigned char* p = crt_.v.serial.p;
    size_t n = crt_.v.serial.len;
    while (n > 1 && p[0] == 0) {
      p++;
      n--;
    }
    return Bytes(p, p + n);
  }
  bool alt_names(std::vector<std::string>* dns, std::vector<Bytes>* ips) const override {
    if (!names_ok_) return false;
    *dns = names_.dns;
    *ips = names_.ips;
    return true;
  }
  // Called once the certificate is parsed: the names are read once (a server asks its certificates for
  // the client's SNI name on every handshake).
  void read_names() { names_ok_ = read_leaf_names(&crt_.v, &names_); }

 private:
  Crt crt_;
  policy::LeafNames names_;
  bool names_ok_ = false;
};

// Signatures with SHA-256 or stronger; RSA (PKCS#1 v1.5 or PSS) of at least 2048 bits; ECDSA on P-256,
// P-384 or P-521. The trust anchors' own self-signatures are not checked by mbedTLS.
const mbedtls_x509_crt_profile kProfile = {
    MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_RSASSA_PSS) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA),
    MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) | MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1) |
        MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP521R1),
    2048,
};

struct VerifyContext {
  int64_t now = 0;
  bool time_bad = false;
  std::vector<const mbedtls_x509_crt*> path;  // by depth: [0] the leaf, the last one the trust anchor
};

// Called by mbedTLS for every certificate of the built path (depth 0 is the leaf).
int verify_callback(void* p, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
  auto* ctx = static_cast<VerifyContext*>(p);
  if (depth >= 0) {
    const size_t d = static_cast<size_t>(depth);
    if (ctx->path.size() <= d) ctx->path.resize(d + 1, nullptr);
    ctx->path[d] = crt;
  }
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
                   std::unique_ptr<PublicKey>* leaf_key, KeyUse use) const override {
    if (chain.empty()) return CertError::bad_certificate;
    Crt certs;
    for (ByteView der : chain)
      if (!parse_der(&certs.v, der)) return CertError::bad_certificate;
    if (size_ == 0) return CertError::unknown_ca;

    VerifyContext ctx;
    ctx.now = now;
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
    if (!key_usage_allows(leaf, purpose == Purpose::server_auth, use)) return CertError::bad_key_usage;
    // A CA certificate is not an end entity (OpenSSL and Go refuse it as a TLS peer too).
    if (leaf->ca_istrue) return CertError::bad_key_usage;

    policy::LeafNames names;
    if (!read_leaf_names(leaf, &names)) return CertError::bad_certificate;
    if (!name.empty() && !policy::matches_name(names, name)) return CertError::name_mismatch;
    // Name constraints of every CA of the path mbedTLS built, the trust anchor included.
    std::vector<policy::NameConstraints> constraints;
    for (size_t depth = 1; depth < ctx.path.size(); depth++) {
      if (ctx.path[depth] == nullptr) continue;
      policy::NameConstraints nc;
      if (!read_name_constraints(ctx.path[depth], &nc)) return CertError::bad_certificate;
      constraints.push_back(std::move(nc));
    }
    if (!policy::names_within_constraints(names, name, constraints)) return CertError::bad_certificate;
    if (leaf_key != nullptr) {
      std::shared_ptr<const PublicKey> k = cached_key(ByteView(leaf->pk_raw.p, leaf->pk_raw.len));
      if (!k) return CertError::unsupported_certificate;
      *leaf_key = std::make_unique<SharedPublicKey>(std::move(k));
    }
    return CertError::ok;
  }

 private:
  mutable Crt anchors_;

  // The public keys of leaves that verified, by SubjectPublicKeyInfo (crypto/bounded_cache.h).
  std::shared_ptr<const PublicKey> cached_key(ByteView spki) const {
    return key_cache_.get_or_make(
        spki, [&] { return std::shared_ptr<const PublicKey>(mbedtls_public_key_from_spki(spki)); });
  }
  mutable BoundedCache<const PublicKey> key_cache_{256};
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
  int r = mbedtls_x509_crt_parse_der_with_ext_cb(cert->crt(), der.data(), der.size(), 1, on_unknown_extension,
                                                 nullptr);
  if (r != 0) {
    char buf[128];
    mbedtls_strerror(r, buf, sizeof(buf));
    set_error(error, std::string("cannot parse the certificate: ") + buf);
    return nullptr;
  }
  cert->read_names();
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
    if (!parse_der(store->anchors(), der)) {
      set_error(error, "cannot parse trust anchor #" + std::to_string(i));
      return nullptr;
    }
  }
  store->set_size(anchors_der.size());
  return store;
}

}  // namespace crypto
}  // namespace sanstls
