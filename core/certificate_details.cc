// certificate_details() and Connection::peer_certificate_details(): a certificate's identity fields for
// people, computed on demand from the DER with the crypto provider's X.509 parser (nothing is stored in
// the connection for them).
#include <cstdio>

#include "core/conn_state.h"

namespace sanstls {

namespace {

std::string hex_upper(ByteView b) {
  static const char kDigits[] = "0123456789ABCDEF";
  std::string s;
  for (uint8_t c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 15]);
  }
  return s;
}

// IPv4 dotted; IPv6 in RFC 5952 4 form (lowercase, no leading zeros, the longest run of two or more
// zero groups, the first of equal ones, as "::"); anything else as hex.
std::string ip_text(ByteView ip) {
  char buf[8];
  std::string out;
  if (ip.size() == 4) {
    for (size_t i = 0; i < 4; i++) {
      std::snprintf(buf, sizeof buf, i == 0 ? "%u" : ".%u", static_cast<unsigned>(ip[i]));
      out += buf;
    }
    return out;
  }
  if (ip.size() != 16) return hex_upper(ip);
  uint16_t g[8];
  for (size_t i = 0; i < 8; i++) g[i] = static_cast<uint16_t>((ip[2 * i] << 8) | ip[2 * i + 1]);
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      i++;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) j++;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  for (int i = 0; i < 8; i++) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(g[i]));
    out += buf;
  }
  return out;
}

}  // namespace

Result<CertificateDetails> certificate_details(const crypto::Provider& provider, ByteView der) {
  std::string err;
  std::unique_ptr<crypto::Certificate> cert = provider.parse_certificate(der, &err);
  if (!cert) return Error{ErrorKind::bad_certificate, AlertDescription::bad_certificate, "certificate cannot be parsed"};
  CertificateDetails d;
  d.subject = cert->subject();
  d.issuer = cert->issuer();
  std::vector<Bytes> ips;
  if (!cert->alt_names(&d.dns_names, &ips))
    return Error{ErrorKind::bad_certificate, AlertDescription::bad_certificate, "subjectAltName cannot be read"};
  for (const Bytes& ip : ips) d.ip_addresses.push_back(ip_text(ip));
  d.serial = hex_upper(cert->serial());
  d.not_before = cert->not_before();
  d.not_after = cert->not_after();
  d.sha256_fingerprint = crypto::hash_once(provider, crypto::HashAlg::sha256, der);
  return d;
}

Result<CertificateDetails> Connection::peer_certificate_details() const {
  const ConnState& c = *s_;
  if (!c.handshake_done) return Error::misuse("peer certificate details before the handshake is done");
  if (c.info.peer_chain.empty()) return Error::misuse("no peer certificate");
  return certificate_details(c.provider, c.info.peer_chain.front());
}

}  // namespace sanstls
