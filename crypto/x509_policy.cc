// The provider-neutral X.509 name policy: see x509_policy.h for the rules.
#include "crypto/x509_policy.h"

#include <arpa/inet.h>

#include <cstring>

namespace sanstls {
namespace crypto {
namespace x509_policy {
namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string s) {
  for (char& c : s) c = ascii_lower(c);
  return s;
}

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A presented name as compared with subtrees: lower case, one trailing dot removed.
std::string comparable(std::string s) {
  if (!s.empty() && s.back() == '.') s.pop_back();
  return lower(std::move(s));
}

// Per RFC 5280 6.1.3: within one of the permitted subtrees when the CA has any of this form, and
// within none of the excluded ones.
template <typename Name, typename Subtree, typename Within>
bool allowed_by(const Name& name, const std::vector<Subtree>& permitted, const std::vector<Subtree>& excluded,
                Within within) {
  if (!permitted.empty()) {
    bool inside = false;
    for (const Subtree& t : permitted) inside = inside || within(name, t);
    if (!inside) return false;
  }
  for (const Subtree& t : excluded)
    if (within(name, t)) return false;
  return true;
}

}  // namespace

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
  *out = lower(std::move(name));
  return true;
}

bool parse_ip_address(const std::string& text, Bytes* out) {
  // inet_pton reads up to a NUL: an embedded one would hide the rest of the text.
  if (text.find('\0') != std::string::npos) return false;
  uint8_t ip[16];
  if (inet_pton(AF_INET, text.c_str(), ip) == 1) {
    out->assign(ip, ip + 4);
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), ip) == 1) {
    out->assign(ip, ip + 16);
    return true;
  }
  return false;
}

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

bool matches_name(const LeafNames& leaf, const std::string& name) {
  if (name.empty() || name.find('\0') != std::string::npos) return false;
  Bytes ip;
  if (parse_ip_address(name, &ip)) {
    for (const Bytes& entry : leaf.ips)
      if (entry == ip) return true;
    return false;
  }
  std::string ref;
  if (!normalize_dns_name(name, &ref)) return false;
  for (const std::string& pattern : leaf.dns)
    if (dns_pattern_matches(pattern, ref)) return true;
  if (!cn_is_used(leaf)) return false;
  // Exact only: a CN is not a pattern (a wildcard there was never standardised).
  for (std::string cn : leaf.cns) {
    if (!cn.empty() && cn.back() == '.') cn.pop_back();
    if (iequals(cn, ref)) return true;
  }
  return false;
}

bool add_dns_subtree(const std::string& base, std::vector<std::string>* list) {
  if (base.empty()) {  // covers every name
    list->push_back(base);
    return true;
  }
  const bool leading_dot = base[0] == '.';
  std::string normal;
  if (!normalize_dns_name(leading_dot ? base.substr(1) : base, &normal)) return false;
  list->push_back(leading_dot ? "." + normal : normal);
  return true;
}

bool add_ip_subtree(ByteView octets, std::vector<IpSubtree>* list) {
  if (octets.size() != 8 && octets.size() != 32) return false;
  const size_t n = octets.size() / 2;
  list->push_back(IpSubtree{octets.sub(0, n).to_bytes(), octets.sub(n, n).to_bytes()});
  return true;
}

bool dns_within_subtree(const std::string& name, const std::string& subtree) {
  if (subtree.empty()) return true;
  const std::string n = comparable(name);
  // ".example.test": at least one label added on the left.
  if (subtree[0] == '.') return n.size() > subtree.size() && ends_with(n, subtree);
  // "example.test": zero or more labels added on the left, at a label boundary.
  return n == subtree || ends_with(n, "." + subtree);
}

bool ip_within_subtree(ByteView ip, const IpSubtree& subtree) {
  if (ip.size() != subtree.base.size() || subtree.mask.size() != ip.size()) return false;
  for (size_t i = 0; i < ip.size(); i++)
    if ((ip[i] & subtree.mask[i]) != (subtree.base[i] & subtree.mask[i])) return false;
  return true;
}

bool names_within_constraints(const LeafNames& leaf, const std::string& reference_name,
                              const std::vector<NameConstraints>& cas) {
  std::vector<std::string> dns = leaf.dns;
  std::vector<Bytes> ips = leaf.ips;
  if (cn_is_used(leaf)) {
    // The CN is the name used; one that is not a DNS name ("sanstls test client") names no host.
    for (const std::string& cn : leaf.cns) {
      std::string normal;
      if (normalize_dns_name(cn, &normal)) dns.push_back(normal);
    }
  }
  if (!reference_name.empty()) {
    Bytes ip;
    std::string normal;
    if (parse_ip_address(reference_name, &ip))
      ips.push_back(ip);
    else if (normalize_dns_name(reference_name, &normal))
      dns.push_back(normal);
  }
  for (const NameConstraints& ca : cas) {
    for (const std::string& name : dns)
      if (!allowed_by(name, ca.permitted_dns, ca.excluded_dns, dns_within_subtree)) return false;
    for (const Bytes& ip : ips)
      if (!allowed_by(ByteView(ip), ca.permitted_ip, ca.excluded_ip, ip_within_subtree)) return false;
  }
  return true;
}

}  // namespace x509_policy
}  // namespace crypto
}  // namespace sanstls
