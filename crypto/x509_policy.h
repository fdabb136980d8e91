// The X.509 name policy of sanstls, shared by every crypto provider (provider-neutral: no crypto
// library here). A provider extracts plain data from its parsed certificates (the leaf's names, each
// CA's name constraints) and asks these functions; the decisions are made here only, so that the
// providers (mbedTLS, OpenSSL's libcrypto) accept and refuse exactly the same certificates.
//
// The whole policy, as TrustStore::verify applies it to a chain whose signatures, validity and
// extended key usage the provider has checked:
//
// 1. End entity. A leaf with basicConstraints CA:TRUE is refused (bad_key_usage), as OpenSSL and Go
//    refuse a CA certificate as a TLS end entity. When a keyUsage extension is present it must allow
//    the use (KeyUse in crypto.h): digital_signature needs digitalSignature, key_encipherment needs
//    keyEncipherment, any needs digitalSignature or keyEncipherment for a server and digitalSignature
//    for a client. No keyUsage extension allows everything.
//
// 2. Name matching (RFC 6125), matches_name():
//    - An IP address (v4 dotted or v6 text) matches only a subjectAltName iPAddress entry, byte for
//      byte: never a dNSName, never the CN.
//    - A DNS name is normalised (one trailing dot removed; labels of letters, digits, '-', '_'; at most
//      253 characters) and compared case-insensitively (ASCII) with the dNSName entries. A dNSName
//      entry may be a wildcard only as the whole leftmost label ("*.example.test"), followed by at
//      least two labels; it stands for exactly one non-empty label.
//    - The subject's CN is used only when the certificate has NO subjectAltName extension at all
//      (RFC 6125 6.4.4: a SAN holding only URI or e-mail entries still turns the CN off). The CN must
//      then equal the name exactly (case-insensitive, a trailing dot ignored); a wildcard in the CN is
//      not honoured.
//
// 3. Name constraints (RFC 5280 4.2.1.10 and 6.1.3), names_within_constraints(): the nameConstraints
//    of EVERY CA certificate of the built path, the trust anchor included, apply to the leaf's
//    subjectAltName dNSName and iPAddress entries, to the reference name that was matched, and to
//    the CNs that look like DNS names when the certificate has no subjectAltName (the CN is then the
//    name used). Per CA and per name form: when the CA has permitted subtrees of that form, the name
//    must be within one of them; it must be within none of its excluded subtrees. A violation is
//    bad_certificate (the name matched; the certificate is wrong).
//    - dNSName subtrees: "example.test" covers example.test and every name made by adding labels on
//      the left (www.example.test, a.b.example.test; not badexample.test); ".example.test" covers the
//      subdomains only (adding at least one label). An empty constraint covers every name.
//      Case-insensitive; a trailing dot is ignored. A wildcard dNSName entry is checked as the label
//      "*" would be: "*.allowed.test" is within "allowed.test".
//    - iPAddress subtrees: address and mask (8 bytes for IPv4, 32 for IPv6); an address is within it
//      when (address & mask) == (base & mask), for an address of the same family only.
//    - Other forms (rfc822Name, uniformResourceIdentifier, directoryName, ...) are NOT enforced: a CA
//      whose nameConstraints (critical or not) holds only such forms still issues valid chains.
//    - A nameConstraints that cannot be parsed, or whose dNSName / iPAddress subtree is malformed (an
//      address of another length than 8 or 32, a dNSName that is not a DNS name), is bad_certificate.
#ifndef SANSTLS_CRYPTO_X509_POLICY_H_
#define SANSTLS_CRYPTO_X509_POLICY_H_

#include <string>
#include <vector>

#include "crypto/types.h"

namespace sanstls {
namespace crypto {
namespace x509_policy {

// The names a leaf certificate presents, as a provider extracted them.
struct LeafNames {
  bool has_san = false;          // a subjectAltName extension is present, whatever its entries
  std::vector<std::string> dns;  // subjectAltName dNSName entries, as bytes
  std::vector<Bytes> ips;        // subjectAltName iPAddress entries (4 or 16 bytes; others never match)
  std::vector<std::string> cns;  // the subject's commonName values, as bytes
};

// One iPAddress subtree: base and mask of the same length, 4 (IPv4) or 16 (IPv6).
struct IpSubtree {
  Bytes base;
  Bytes mask;
};

// The enforced part of one CA's nameConstraints.
struct NameConstraints {
  std::vector<std::string> permitted_dns;  // normalised by add_dns_subtree()
  std::vector<std::string> excluded_dns;
  std::vector<IpSubtree> permitted_ip;
  std::vector<IpSubtree> excluded_ip;
};

// A reference DNS name: non-empty labels of letters, digits, '-' and '_' (no '*', no NUL), at most 253
// characters, at most one trailing dot (removed). False when it is not one.
bool normalize_dns_name(std::string name, std::string* out);

// Parses an IP address in text form (v4 dotted or v6) into 4 or 16 bytes. False when it is not one.
bool parse_ip_address(const std::string& text, Bytes* out);

// One presented dNSName (or CN) pattern against a normalised reference name; wildcard as in 2 above.
bool dns_pattern_matches(std::string pattern, const std::string& name);

// True when the certificate's CN takes part in name matching (no subjectAltName extension at all).
inline bool cn_is_used(const LeafNames& leaf) { return !leaf.has_san; }

// Rule 2: does the certificate match `name` (a DNS name or an IP address in text form)?
bool matches_name(const LeafNames& leaf, const std::string& name);

// Adds one dNSName subtree base (the IA5String bytes) to `list`, normalised; false when malformed.
bool add_dns_subtree(const std::string& base, std::vector<std::string>* list);
// Adds one iPAddress subtree (the OCTET STRING: address then mask, 8 or 32 bytes); false when malformed.
bool add_ip_subtree(ByteView octets, std::vector<IpSubtree>* list);

// Is the DNS name (a normalised reference name or a dNSName entry) within the dNSName subtree?
bool dns_within_subtree(const std::string& name, const std::string& subtree);
// Is the address (4 or 16 bytes) within the subtree? Never across families.
bool ip_within_subtree(ByteView ip, const IpSubtree& subtree);

// Rule 3: are the leaf's names, and `reference_name` when not empty (the name that matched, DNS or IP
// text), within the constraints of every CA of the path?
bool names_within_constraints(const LeafNames& leaf, const std::string& reference_name,
                              const std::vector<NameConstraints>& cas);

}  // namespace x509_policy
}  // namespace crypto
}  // namespace sanstls

#endif  // SANSTLS_CRYPTO_X509_POLICY_H_
