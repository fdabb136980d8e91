// X.509 half of the OpenSSL 3.0 libcrypto provider: certificates, trust stores, chain and name
// verification, with the same profile, the same policy and the same CertError mapping as the mbedTLS
// provider.
//
// Chain verification is X509_verify_cert over an X509_STORE of the anchors, at the injected time
// (X509_VERIFY_PARAM_set_time; the validity periods are then compared here, both ends inclusive as in
// the mbedTLS provider, since libcrypto treats notAfter itself as expired) and with X509_V_FLAG_PARTIAL_CHAIN, so that any anchor (an
// intermediate too) ends a path, as in mbedTLS (a leaf that is itself an anchor, only when self-issued).
// No purpose is set: libcrypto would apply it to the CAs as well. A verify callback records every error
// and lets the verification go on, and the errors are then mapped in the mbedTLS provider's order: no
// path (an unknown issuer, a bad signature, a CA that may not sign) is unknown_ca; an algorithm or key
// outside the profile is unsupported_certificate; any other error is bad_certificate; then a
// certificate outside its validity at `now` is certificate_expired; then the leaf's usage
// (bad_key_usage) and the name (name_mismatch); then name constraints (bad_certificate).
//
// Policy: the leaf's usage per KeyUse, a CA as leaf, RFC 6125 name matching and the name constraints are
// decided by the provider-neutral crypto/x509_policy.h, as in the mbedTLS provider: this file extracts
// the data with libcrypto's decoders. libcrypto's own name-constraint errors are ignored (it enforces
// e-mail subtrees and looks at CNs the policy does not use). libcrypto refuses a CA whose
// nameConstraints cannot be decoded as an issuer, where mbedTLS builds the path and the policy refuses
// it after the leaf's checks: for that case only the path is built here by names and signatures.
//
// Profile (the mbedTLS provider's kProfile): every key of the path RSA >= 2048 bits or EC P-256 /
// P-384; every signature of the path except the trust anchor's own with SHA-256, SHA-384 or SHA-512
// (RSA PKCS#1 v1.5, RSA-PSS or ECDSA).
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <ctime>

#include "crypto/bounded_cache.h"
#include "crypto/libcrypto_provider.h"
#include "crypto/libcrypto_testing.h"
#include "crypto/x509_policy.h"

namespace sanstls {
namespace crypto {
namespace {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

void set_error(std::string* error, const std::string& msg) {
  if (error != nullptr) *error = msg;
}

// One DER SEQUENCE that spans the whole input (a cheap check that a non-PEM input is one certificate).
bool is_single_der_sequence(ByteView in) {
  if (in.size() < 2 || in[0] != 0x30) return false;
  size_t len = 0, off = 2;
  const uint8_t l0 = in[1];
  if (l0 < 0x80) {
    len = l0;
  } else {
    const size_t n = l0 & 0x7f;
    if (n == 0 || n > 4 || in.size() < 2 + n) return false;
    for (size_t i = 0; i < n; i++) len = (len << 8) | in[2 + i];
    off = 2 + n;
  }
  return off + len == in.size();
}

// A certificate from exactly one DER certificate (nothing after it).
X509Ptr parse_der(ByteView der) {
  if (!is_single_der_sequence(der)) return nullptr;
  const unsigned char* p = der.data();
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!x || p != der.end()) {
    libcrypto_clear_errors();
    return nullptr;
  }
  return x;
}

// Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based civil-to-days formula).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t unix_time(const ASN1_TIME* t) {
  struct tm tm;
  std::memset(&tm, 0, sizeof(tm));
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 + tm.tm_hour * 3600 +
         tm.tm_min * 60 + tm.tm_sec;
}

// The distinguished name on one line as mbedTLS prints it: "O=sanstls, CN=localhost" (short names,
// " + " inside a multi-valued RDN, control characters as '?').
std::string dn_string(const X509_NAME* name) {
  std::string out;
  int prev_set = -1;
  for (int i = 0; i < X509_NAME_entry_count(name); i++) {
    const X509_NAME_ENTRY* e = X509_NAME_get_entry(name, i);
    const int set = X509_NAME_ENTRY_set(e);
    if (i > 0) out += set == prev_set ? " + " : ", ";
    prev_set = set;
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
    const int nid = OBJ_obj2nid(obj);
    if (nid != NID_undef) {
      out += OBJ_nid2sn(nid);
    } else {
      char oid[80];
      OBJ_obj2txt(oid, sizeof(oid), obj, 1);
      out += oid;
    }
    out += '=';
    const ASN1_STRING* v = X509_NAME_ENTRY_get_data(e);
    const unsigned char* p = ASN1_STRING_get0_data(v);
    for (int j = 0; j < ASN1_STRING_length(v); j++) {
      const unsigned char c = p[j];
      out += (c < 32 || c == 127 || (c > 128 && c < 160)) ? '?' : static_cast<char>(c);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// The X.509 policy (crypto/x509_policy.h, shared with the mbedTLS provider): this file only extracts the
// names, the name constraints, keyUsage and basicConstraints with libcrypto's decoders
// (X509_get_ext_d2i, not the flags libcrypto caches: a certificate with one undecodable extension has
// every cached flag unset) and the shared module decides.

namespace policy = x509_policy;

// The leaf's names for the policy: subjectAltName presence and its dNSName / iPAddress entries, and the
// subject's CNs. False when the subjectAltName is present but not decodable (or present twice).
bool read_leaf_names(const X509* x, policy::LeafNames* names) {
  *names = policy::LeafNames();
  int crit = -1;
  auto* gens = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, &crit, nullptr));
  if (gens == nullptr) {
    libcrypto_clear_errors();
    if (crit != -1) return false;  // -1: no extension; -2: more than one; otherwise not decodable
  } else {
    names->has_san = true;
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(gens, i);
      if (gn->type == GEN_DNS) {
        const ASN1_STRING* v = gn->d.dNSName;
        names->dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)),
                                static_cast<size_t>(ASN1_STRING_length(v)));
      } else if (gn->type == GEN_IPADD) {
        const ASN1_STRING* v = gn->d.iPAddress;
        const unsigned char* p = ASN1_STRING_get0_data(v);
        names->ips.emplace_back(p, p + ASN1_STRING_length(v));
      }
    }
    GENERAL_NAMES_free(gens);
  }
  const X509_NAME* subject = X509_get_subject_name(x);
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;) {
    const ASN1_STRING* v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i));
    names->cns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)),
                            static_cast<size_t>(ASN1_STRING_length(v)));
  }
  return true;
}

// GeneralSubtrees (SIZE (1..MAX)): only dNSName and iPAddress bases are kept (other forms are not
// enforced); minimum / maximum are ignored, as in the mbedTLS provider.
bool read_subtrees(const STACK_OF(GENERAL_SUBTREE) * subtrees, std::vector<std::string>* dns,
                   std::vector<policy::IpSubtree>* ips) {
  if (subtrees == nullptr) return true;
  if (sk_GENERAL_SUBTREE_num(subtrees) == 0) return false;
  for (int i = 0; i < sk_GENERAL_SUBTREE_num(subtrees); i++) {
    const GENERAL_NAME* base = sk_GENERAL_SUBTREE_value(subtrees, i)->base;
    if (base->type == GEN_DNS) {
      const ASN1_STRING* v = base->d.dNSName;
      if (!policy::add_dns_subtree(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)),
                                               static_cast<size_t>(ASN1_STRING_length(v))),
                                   dns))
        return false;
    } else if (base->type == GEN_IPADD) {
      const ASN1_STRING* v = base->d.iPAddress;
      if (!policy::add_ip_subtree(ByteView(ASN1_STRING_get0_data(v), static_cast<size_t>(ASN1_STRING_length(v))), ips))
        return false;
    }
  }
  return true;
}

// The enforced part of a CA's nameConstraints (empty when it has none). False when malformed.
bool read_name_constraints(const X509* x, policy::NameConstraints* nc) {
  *nc = policy::NameConstraints();
  int crit = -1;
  auto* c = static_cast<NAME_CONSTRAINTS*>(X509_get_ext_d2i(x, NID_name_constraints, &crit, nullptr));
  if (c == nullptr) {
    libcrypto_clear_errors();
    return crit == -1;
  }
  const bool ok = (c->permittedSubtrees != nullptr || c->excludedSubtrees != nullptr) &&
                  read_subtrees(c->permittedSubtrees, &nc->permitted_dns, &nc->permitted_ip) &&
                  read_subtrees(c->excludedSubtrees, &nc->excluded_dns, &nc->excluded_ip);
  NAME_CONSTRAINTS_free(c);
  return ok;
}

// Whether a certificate carries a nameConstraints extension that cannot be decoded.
bool has_malformed_name_constraints(const X509* x) {
  policy::NameConstraints nc;
  return !read_name_constraints(x, &nc);
}

// keyUsage: *present false without the extension; the digitalSignature (bit 0) and keyEncipherment
// (bit 2) bits. False when the extension is present but not decodable.
bool read_key_usage(const X509* x, bool* present, bool* sign, bool* encipher) {
  *present = false;
  *sign = *encipher = true;
  int crit = -1;
  auto* ku = static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(x, NID_key_usage, &crit, nullptr));
  if (ku == nullptr) {
    libcrypto_clear_errors();
    return crit == -1;
  }
  *present = true;
  *sign = ASN1_BIT_STRING_get_bit(ku, 0) == 1;
  *encipher = ASN1_BIT_STRING_get_bit(ku, 2) == 1;
  ASN1_BIT_STRING_free(ku);
  return true;
}

// The keyUsage rule of KeyUse (crypto.h) over what read_key_usage read (`readable`: its result);
// `server` says what `any` means. No extension allows all.
bool key_usage_rule(bool readable, bool sign_ok, bool encipher_ok, bool server, KeyUse use) {
  if (!readable) return false;
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

bool key_usage_allows(const X509* x, bool server, KeyUse use) {
  bool present = false, sign_ok = false, encipher_ok = false;
  const bool readable = read_key_usage(x, &present, &sign_ok, &encipher_ok);
  return key_usage_rule(readable, sign_ok, encipher_ok, server, use);
}

// extendedKeyUsage: absent, or listing `nid` or anyExtendedKeyUsage.
bool eku_allows(const X509* x, int nid) {
  int crit = -1;
  auto* eku = static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, &crit, nullptr));
  if (eku == nullptr) {
    libcrypto_clear_errors();
    return crit == -1;
  }
  bool ok = false;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
    const int n = OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i));
    if (n == nid || n == NID_anyExtendedKeyUsage) ok = true;
  }
  EXTENDED_KEY_USAGE_free(eku);
  return ok;
}

// basicConstraints cA TRUE.
bool is_ca(const X509* x) {
  auto* bc = static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(x, NID_basic_constraints, nullptr, nullptr));
  if (bc == nullptr) {
    libcrypto_clear_errors();
    return false;
  }
  const bool ca = bc->ca != 0;
  BASIC_CONSTRAINTS_free(bc);
  return ca;
}

// ---------------------------------------------------------------------------------------------------

Bytes spki_of(const X509* x) {
  unsigned char* der = nullptr;
  int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
  if (n <= 0) {
    libcrypto_clear_errors();
    return Bytes();
  }
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

class LibcryptoCertificate final : public Certificate {
 public:
  // The names and the keyUsage bits are read once: a server asks its certificates for the client's
  // SNI name and for the key's use on every handshake, and decoding the extensions each time cost
  // more than the checks.
  LibcryptoCertificate(X509Ptr x, ByteView der) : x_(std::move(x)), der_(der.to_bytes()) {
    names_ok_ = read_leaf_names(x_.get(), &names_);
    bool present = false;
    ku_readable_ = read_key_usage(x_.get(), &present, &ku_sign_, &ku_encipher_);
  }

  ByteView der() const override { return der_; }
  std::unique_ptr<PublicKey> public_key() const override { return libcrypto_public_key_from_spki(spki_of(x_.get())); }
  std::string subject() const override { return dn_string(X509_get_subject_name(x_.get())); }
  std::string issuer() const override { return dn_string(X509_get_issuer_name(x_.get())); }
  int64_t not_before() const override { return unix_time(X509_get0_notBefore(x_.get())); }
  int64_t not_after() const override { return unix_time(X509_get0_notAfter(x_.get())); }
  bool matches_name(const std::string& name) const override { return names_ok_ && policy::matches_name(names_, name); }
  bool allows_key_use(KeyUse use) const override {
    return key_usage_rule(ku_readable_, ku_sign_, ku_encipher_, true, use);
  }
  Bytes serial() const override {
    // An ASN1_INTEGER holds the magnitude, without the DER sign padding.
    const ASN1_INTEGER* i = X509_get0_serialNumber(x_.get());
    if (i == nullptr) return Bytes();
    const unsigned char* p = ASN1_STRING_get0_data(i);
    Bytes out(p, p + ASN1_STRING_length(i));
    if (out.empty()) out.push_back(0);
    return out;
  }
  bool alt_names(std::vector<std::string>* dns, std::vector<Bytes>* ips) const override {
    if (!names_ok_) return false;
    *dns = names_.dns;
    *ips = names_.ips;
    return true;
  }

 private:
  X509Ptr x_;
  Bytes der_;
  policy::LeafNames names_;
  bool names_ok_ = false;
  bool ku_readable_ = false, ku_sign_ = false, ku_encipher_ = false;  // keyUsage, read once
};

// ---------------------------------------------------------------------------------------------------
// Chain verification.

bool key_in_profile(const X509* x) {
  const EVP_PKEY* k = X509_get0_pubkey(x);
  if (k == nullptr) return false;
  switch (EVP_PKEY_get_base_id(k)) {
    case EVP_PKEY_RSA: return EVP_PKEY_get_bits(k) >= 2048;
    case EVP_PKEY_EC: {
      char group[64];
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &len) != 1) return false;
      int nid = OBJ_sn2nid(group);
      if (nid == NID_undef) nid = EC_curve_nist2nid(group);
      return nid == NID_X9_62_prime256v1 || nid == NID_secp384r1 || nid == NID_secp521r1;
    }
    default: return false;
  }
}

bool signature_in_profile(const X509* x) {
  int mdnid = NID_undef, pknid = NID_undef, secbits = 0;
  uint32_t flags = 0;
  if (X509_get_signature_info(const_cast<X509*>(x), &mdnid, &pknid, &secbits, &flags) != 1) return false;
  const bool md_ok = mdnid == NID_sha256 || mdnid == NID_sha384 || mdnid == NID_sha512;
  const bool pk_ok = pknid == EVP_PKEY_RSA || pknid == EVP_PKEY_RSA_PSS || pknid == EVP_PKEY_EC;
  return md_ok && pk_ok;
}

// What the verify callback saw.
struct VerifyErrors {
  bool no_path = false;
  bool time = false;  // libcrypto's opinion; not used (see verify())
  bool unsupported = false;
  bool other = false;
};

int verify_callback(int ok, X509_STORE_CTX* ctx) {
  if (ok == 1) return 1;
  auto* errs = static_cast<VerifyErrors*>(X509_STORE_CTX_get_app_data(ctx));
  switch (X509_STORE_CTX_get_error(ctx)) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_NO_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
      errs->no_path = true;
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_HAS_EXPIRED:
      errs->time = true;
      break;
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
    case X509_V_ERR_SUBTREE_MINMAX:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX:
    case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX:
      // libcrypto's own name-constraint rules (it enforces e-mail subtrees, and checks CNs that the
      // policy does not use): ignored, the shared policy decides below.
      break;
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK:
    case X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM:
      errs->unsupported = true;
      break;
    default:
      errs->other = true;
      break;
  }
  return 1;  // go on: the errors are mapped after the whole path is checked
}

// A PublicKey that shares a key kept by a TrustStore's leaf cache (saves parsing a returning peer's key).
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

struct StoreCtxDeleter {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
struct StackDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};

class LibcryptoTrustStore final : public TrustStore {
 public:
  LibcryptoTrustStore() : store_(X509_STORE_new()) {}
  ~LibcryptoTrustStore() override { X509_STORE_free(store_); }
  LibcryptoTrustStore(const LibcryptoTrustStore&) = delete;
  LibcryptoTrustStore& operator=(const LibcryptoTrustStore&) = delete;

  bool add(X509* anchor) { return store_ != nullptr && X509_STORE_add_cert(store_, anchor) == 1; }
  void set_size(size_t n) { size_ = n; }
  size_t size() const override { return size_; }

  CertError verify(const std::vector<ByteView>& chain, int64_t now, Purpose purpose, const std::string& name,
                   std::unique_ptr<PublicKey>* leaf_key, KeyUse use) const override {
    if (chain.empty()) return CertError::bad_certificate;
    // Every certificate parsed, or taken from the cache of certificates of chains that verified
    // (exactly the same DER; see cert_cache_).
    std::vector<std::shared_ptr<X509>> certs(chain.size());
    std::vector<bool> parsed_here(chain.size(), false);
    for (size_t i = 0; i < chain.size(); i++) {
      certs[i] = cert_cache_.find(chain[i]);
      if (certs[i]) continue;
      X509Ptr x = parse_der(chain[i]);
      if (!x) return CertError::bad_certificate;
      certs[i] = std::shared_ptr<X509>(x.release(), X509Deleter());
      parsed_here[i] = true;
    }
    X509* const leaf = certs[0].get();
    std::unique_ptr<STACK_OF(X509), StackDeleter> untrusted(sk_X509_new_null());
    if (!untrusted) return CertError::bad_certificate;
    for (size_t i = 1; i < chain.size(); i++) {
      // The stack holds its own references (a cached certificate may be shared with other threads).
      if (X509_up_ref(certs[i].get()) != 1) return CertError::bad_certificate;
      if (sk_X509_push(untrusted.get(), certs[i].get()) <= 0) {
        X509_free(certs[i].get());
        return CertError::bad_certificate;
      }
    }
    if (size_ == 0) return CertError::unknown_ca;

    std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
    VerifyErrors errs;
    if (!ctx || X509_STORE_CTX_init(ctx.get(), store_, leaf, untrusted.get()) != 1) {
      libcrypto_clear_errors();
      return CertError::bad_certificate;
    }
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    // At the injected time (it also picks between candidate issuers). libcrypto counts a certificate
    // as expired from the second of its notAfter on, where crypto.h (and the mbedTLS provider) count
    // both ends as valid: so its time errors are ignored and every certificate of the built path is
    // checked below against `now`.
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now));
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_CTX_set_app_data(ctx.get(), &errs);
    X509_STORE_CTX_set_verify_cb(ctx.get(), verify_callback);
    const int r = X509_verify_cert(ctx.get());
    libcrypto_clear_errors();
    CertError e;
    if (errs.no_path) {
      e = CertError::unknown_ca;
      // libcrypto does not take a CA whose nameConstraints cannot be decoded as an issuer (it marks
      // the certificate's extensions invalid), where mbedTLS builds the path through it and the policy
      // refuses the chain after the leaf's checks (bad_certificate). For the same verdict, when such a
      // CA was offered the path is built here instead (see path_by_names).
      std::vector<const X509*> path;
      if (malformed_nc_offered(leaf, untrusted.get()) && path_by_names(leaf, untrusted.get(), &path))
        e = check_path(path, false, now, purpose, name, use);
      if (e == CertError::ok) e = CertError::unknown_ca;  // a path without that CA: libcrypto's verdict
    } else if (r != 1) {
      e = CertError::bad_certificate;
    } else if (errs.unsupported) {
      e = CertError::unsupported_certificate;
    } else {
      const STACK_OF(X509)* chain_built = X509_STORE_CTX_get0_chain(ctx.get());
      std::vector<const X509*> path;
      for (int i = 0; chain_built != nullptr && i < sk_X509_num(chain_built); i++)
        path.push_back(sk_X509_value(chain_built, i));
      // A leaf that is itself an anchor ends the path on its own in libcrypto (partial chains); in
      // mbedTLS only when it is self-issued.
      if (path.size() == 1 && X509_NAME_cmp(X509_get_subject_name(path[0]), X509_get_issuer_name(path[0])) != 0)
        e = CertError::unknown_ca;
      else
        e = check_path(path, errs.other, now, purpose, name, use);
    }
    if (e != CertError::ok) return e;
    if (leaf_key != nullptr) {
      const Bytes spki = spki_of(leaf);
      std::shared_ptr<const PublicKey> k = key_cache_.get_or_make(
          spki, [&] { return std::shared_ptr<const PublicKey>(libcrypto_public_key_from_spki(spki)); });
      if (!k) return CertError::unsupported_certificate;
      *leaf_key = std::make_unique<SharedPublicKey>(std::move(k));
    }
    for (size_t i = 0; i < chain.size(); i++)
      if (parsed_here[i]) cert_cache_.insert(chain[i], std::move(certs[i]));
    return CertError::ok;
  }

  size_t cached_certificates() const { return cert_cache_.size(); }

  void set_anchors(std::vector<X509Ptr> anchors) { anchors_ = std::move(anchors); }

 private:
  // The checks after the signatures, in the mbedTLS provider's order, over the built path (leaf first,
  // the trust anchor last): the profile, libcrypto's other errors, the validity at `now`, the leaf's
  // usage, its name, the name constraints of every CA of the path.
  static CertError check_path(const std::vector<const X509*>& path, bool other_error, int64_t now, Purpose purpose,
                              const std::string& name, KeyUse use) {
    const size_t n = path.size();
    if (n == 0) return CertError::bad_certificate;
    bool time_bad = false;
    for (size_t i = 0; i < n; i++) {
      const X509* x = path[i];
      if (!key_in_profile(x) || (i + 1 < n && !signature_in_profile(x))) return CertError::unsupported_certificate;
      if (now < unix_time(X509_get0_notBefore(x)) || now > unix_time(X509_get0_notAfter(x))) time_bad = true;
    }
    if (other_error) return CertError::bad_certificate;
    if (time_bad) return CertError::certificate_expired;

    // The leaf's usage, with the mbedTLS provider's rules: an EKU extension must list the purpose or
    // anyExtendedKeyUsage; keyUsage, when present, must allow `use` (KeyUse); no CA as end entity.
    const X509* leaf = path[0];
    if (!eku_allows(leaf, purpose == Purpose::server_auth ? NID_server_auth : NID_client_auth))
      return CertError::bad_key_usage;
    if (!key_usage_allows(leaf, purpose == Purpose::server_auth, use)) return CertError::bad_key_usage;
    if (is_ca(leaf)) return CertError::bad_key_usage;

    policy::LeafNames names;
    if (!read_leaf_names(leaf, &names)) return CertError::bad_certificate;
    if (!name.empty() && !policy::matches_name(names, name)) return CertError::name_mismatch;
    // Name constraints of every CA of the path, the trust anchor included (libcrypto's own are ignored).
    std::vector<policy::NameConstraints> constraints;
    for (size_t i = 1; i < n; i++) {
      policy::NameConstraints nc;
      if (!read_name_constraints(path[i], &nc)) return CertError::bad_certificate;
      constraints.push_back(std::move(nc));
    }
    if (!policy::names_within_constraints(names, name, constraints)) return CertError::bad_certificate;
    return CertError::ok;
  }

  bool malformed_nc_offered(const X509* leaf, const STACK_OF(X509) * untrusted) const {
    if (has_malformed_name_constraints(leaf)) return true;
    for (const X509Ptr& a : anchors_)
      if (has_malformed_name_constraints(a.get())) return true;
    for (int i = 0; i < sk_X509_num(untrusted); i++)
      if (has_malformed_name_constraints(sk_X509_value(untrusted, i))) return true;
    return false;
  }

  // A path from the leaf to an anchor by names and signatures only (X509_verify, which does not look at
  // the extensions), anchors preferred, at most 10 certificates; the CAs' own rules are those of a CA
  // with a malformed extension, which the policy refuses anyway. False when there is none.
  bool path_by_names(const X509* leaf, const STACK_OF(X509) * untrusted, std::vector<const X509*>* path) const {
    path->assign(1, leaf);
    const X509* cur = leaf;
    while (path->size() < 10) {
      const X509* next = nullptr;
      bool anchor = false;
      auto issued = [&](const X509* ca) {
        return X509_NAME_cmp(X509_get_subject_name(ca), X509_get_issuer_name(cur)) == 0 &&
               X509_verify(const_cast<X509*>(cur), X509_get0_pubkey(ca)) == 1;
      };
      for (const X509Ptr& a : anchors_)
        if (next == nullptr && issued(a.get())) next = a.get(), anchor = true;
      for (int i = 0; next == nullptr && i < sk_X509_num(untrusted); i++)
        if (issued(sk_X509_value(untrusted, i))) next = sk_X509_value(untrusted, i);
      libcrypto_clear_errors();
      if (next == nullptr) return false;
      path->push_back(next);
      if (anchor) return true;
      cur = next;
    }
    return false;
  }

  // The public keys of leaves that verified, by SubjectPublicKeyInfo.
  mutable BoundedCache<const PublicKey> key_cache_{256};
  // The parsed certificates of chains that verified, by their exact DER: d2i_X509 is most of a chain
  // check's cost in OpenSSL 3.0 (it decodes the key through the provider decoders, which look the
  // algorithm up by name on every parse, and caches every extension), so a returning peer's chain is
  // not parsed again. Only after a chain verified, so a peer cannot fill it with what fails. A
  // certificate is read-only once parsed (libcrypto caches its extensions at parse time, under its
  // lock), and X509_verify_cert on shared certificates is what libssl does with its stores: several
  // threads may verify with the same X509 at once. At most 128 (a few KiB each: the DER, the parsed
  // certificate and its decoded key).
  mutable BoundedCache<X509> cert_cache_{128};

  X509_STORE* store_;
  std::vector<X509Ptr> anchors_;  // the same certificates as store_'s
  size_t size_ = 0;
};

bool contains(ByteView in, const char* needle) {
  const size_t n = std::strlen(needle);
  for (size_t i = 0; i + n <= in.size(); i++)
    if (std::memcmp(in.data() + i, needle, n) == 0) return true;
  return false;
}

}  // namespace

size_t libcrypto_cached_certificates(const TrustStore& store) {
  const auto* s = dynamic_cast<const LibcryptoTrustStore*>(&store);
  return s != nullptr ? s->cached_certificates() : 0;
}

std::unique_ptr<Certificate> LibcryptoProvider::parse_certificate(ByteView der, std::string* error) const {
  if (!is_single_der_sequence(der)) {
    set_error(error, "not one DER SEQUENCE (empty, truncated or trailing bytes)");
    return nullptr;
  }
  X509Ptr x = parse_der(der);
  if (!x) {
    set_error(error, "cannot parse the certificate");
    return nullptr;
  }
  return std::make_unique<LibcryptoCertificate>(std::move(x), der);
}

bool LibcryptoProvider::load_certificates(ByteView pem_or_der, std::vector<Bytes>* der_out,
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
  // Every PEM block in order; CERTIFICATE blocks are kept, others skipped.
  BIO* bio = BIO_new_mem_buf(pem_or_der.data(), static_cast<int>(pem_or_der.size()));
  if (bio == nullptr) {
    set_error(error, "out of memory");
    return false;
  }
  bool ok = true;
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio, &name, &header, &data, &len) != 1) {
      // The end of the text, or a broken block.
      const unsigned long e = ERR_peek_last_error();
      if (!(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) ok = false;
      break;
    }
    if (std::strcmp(name, "CERTIFICATE") == 0) der_out->emplace_back(data, data + len);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
  }
  BIO_free(bio);
  libcrypto_clear_errors();
  if (!ok) {
    set_error(error, "bad PEM CERTIFICATE block");
    der_out->clear();
    return false;
  }
  if (der_out->empty()) {
    set_error(error, "no CERTIFICATE block in the PEM text");
    return false;
  }
  return true;
}

std::unique_ptr<TrustStore> LibcryptoProvider::make_trust_store(const std::vector<Bytes>& anchors_der,
                                                                std::string* error) const {
  auto store = std::make_unique<LibcryptoTrustStore>();
  std::vector<X509Ptr> anchors;
  for (size_t i = 0; i < anchors_der.size(); i++) {
    X509Ptr x = parse_der(anchors_der[i]);
    if (!x || !store->add(x.get())) {
      libcrypto_clear_errors();
      set_error(error, "cannot parse trust anchor #" + std::to_string(i));
      return nullptr;
    }
    anchors.push_back(std::move(x));
  }
  store->set_anchors(std::move(anchors));
  store->set_size(anchors_der.size());
  return store;
}

}  // namespace crypto
}  // namespace sanstls
