// certificate_details() and Connection::peer_certificate_details(): a certificate's identity fields for
// people, computed on demand from the DER with the crypto provider's X.509 parser (nothing is stored in
// the connection for them).
#include <cstdio>

#include "core/conn_state.h"
#include "core/tls12_keys.h"

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
  char buf[16];
  if (ip.size() == 4) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", static_cast<unsigned>(ip[0]), static_cast<unsigned>(ip[1]),
                  static_cast<unsigned>(ip[2]), static_cast<unsigned>(ip[3]));
    return buf;
  }
  if (ip.size() != 16) return hex_upper(ip);
  uint16_t g[8];
  for (size_t i = 0; i < 8; i++) g[i] = static_cast<uint16_t>((ip[2 * i] << 8) | ip[2 * i + 1]);
  int best = -1, best_len = 1;  // the run of zeros from each start: a later start in a run is shorter
  for (int i = 0; i < 8; i++) {
    int j = i;
    while (j < 8 && g[j] == 0) j++;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
  }
  std::string out;
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

// "2030-01-01 00:00:00 UTC" from Unix seconds (proleptic Gregorian calendar; days to civil date as in
// the usual era arithmetic: 400-year eras of 146097 days starting on 0000-03-01).
std::string utc_text(int64_t t) {
  int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    days--;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;                                   // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                 // [0, 11], March first
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld UTC", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day), static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  return buf;
}

// 2000-01-01T00:00:00Z in seconds. A clock reading in milliseconds below it, that is itself at least
// that many seconds, is a clock in seconds: no TLS peer has a certificate that ended before 2000.
constexpr uint64_t kYear2000 = 946684800;

std::string who(size_t depth, const std::string& subject) {
  return (depth == 0 ? "the certificate (depth 0, subject \"" : "a CA certificate (depth " + std::to_string(depth) +
                                                                   ", subject \"") +
         subject + "\")";
}

std::string names_of(const crypto::Certificate& cert) {
  std::vector<std::string> dns;
  std::vector<Bytes> ips;
  if (!cert.alt_names(&dns, &ips)) return "its subjectAltName cannot be read";
  if (dns.empty() && ips.empty()) return "it has no DNS or IP subjectAltName (subject \"" + cert.subject() + "\")";
  std::string out = "it holds";
  for (const std::string& d : dns) out += " DNS:" + d + ",";
  for (const Bytes& ip : ips) out += " IP:" + ip_text(ip) + ",";
  out.pop_back();
  return out;
}

// The CertError of a refused chain as the alert RFC 5246 7.2.2 names.
Error certificate_error(crypto::CertError e) {
  switch (e) {
    case crypto::CertError::ok:
      return Error::internal("certificate accepted");
    case crypto::CertError::unsupported_certificate:
      return {ErrorKind::bad_certificate, AlertDescription::unsupported_certificate, "unsupported certificate"};
    case crypto::CertError::certificate_expired:
      return {ErrorKind::bad_certificate, AlertDescription::certificate_expired, "certificate expired or not yet valid"};
    case crypto::CertError::unknown_ca:
      return {ErrorKind::bad_certificate, AlertDescription::unknown_ca, "certificate issuer unknown"};
    case crypto::CertError::name_mismatch:
      return {ErrorKind::bad_certificate, AlertDescription::bad_certificate, "certificate does not match the name"};
    case crypto::CertError::bad_key_usage:
      return {ErrorKind::bad_certificate, AlertDescription::unsupported_certificate, "certificate key usage"};
    case crypto::CertError::bad_certificate:
      break;
  }
  return {ErrorKind::bad_certificate, AlertDescription::bad_certificate, "bad certificate"};
}

// One line for Connection::error_detail() that says which certificate of a refused chain failed and
// why: its depth and subject; for a validity failure its dates against `now_ms` (the clock reading the
// check used), telling expired from not yet valid and the leaf from a CA; the expected name for a name
// mismatch (with the names the certificate holds); the issuer no anchor matched for unknown_ca. A
// `now_ms` before 2000 that would be a plausible time read as seconds is called out: a Clock that
// counts seconds instead of milliseconds.
std::string explain_certificate_failure(const crypto::Provider& p, const std::vector<Bytes>& chain,
                                        crypto::CertError e, uint64_t now_ms, const std::string& name) {
  const int64_t now = static_cast<int64_t>(now_ms / 1000);
  std::string out;
  if (now_ms < kYear2000 * 1000 && now_ms >= kYear2000)
    out = "the clock reads " + std::to_string(now_ms) + " ms (" + utc_text(now) +
          "), which looks like seconds since 1970, not milliseconds (Clock::now_ms() counts milliseconds; read "
          "as seconds it is " + utc_text(static_cast<int64_t>(now_ms)) + "); ";
  std::vector<std::unique_ptr<crypto::Certificate>> certs;
  for (size_t i = 0; i < chain.size(); i++) {
    std::string err;
    certs.push_back(p.parse_certificate(chain[i], &err));
    if (!certs.back()) return out + "certificate at depth " + std::to_string(i) + " cannot be parsed";
  }
  if (certs.empty()) return out + "the peer sent no certificate";
  const crypto::Certificate& leaf = *certs.front();
  switch (e) {
    case crypto::CertError::certificate_expired:
      for (size_t i = 0; i < certs.size(); i++) {
        const crypto::Certificate& c = *certs[i];
        if (now >= c.not_before() && now <= c.not_after()) continue;
        return out + who(i, c.subject()) + (now < c.not_before() ? " is not yet valid" : " has expired") +
               ": valid from " + utc_text(c.not_before()) + " to " + utc_text(c.not_after()) + ", and the time is " +
               utc_text(now);
      }
      return out + "every certificate the peer sent is valid at " + utc_text(now) +
             ": the trust anchor that issued \"" + certs.back()->issuer() + "\" is outside its validity";
    case crypto::CertError::name_mismatch:
      return out + who(0, leaf.subject()) + " does not match the name \"" + name + "\": " + names_of(leaf);
    case crypto::CertError::unknown_ca:
      return out + "no trust anchor issued the chain: its last certificate (depth " + std::to_string(certs.size() - 1) +
             ", subject \"" + certs.back()->subject() + "\") was issued by \"" + certs.back()->issuer() + "\"";
    case crypto::CertError::bad_key_usage:
      return out + who(0, leaf.subject()) +
             ", or a CA of its path, does not allow this use (keyUsage, extendedKeyUsage or basicConstraints)";
    default:
      return out + "the chain of " + who(0, leaf.subject()) + " was refused: " + crypto::cert_error_name(e);
  }
}

}  // namespace

Error refuse_chain(HandshakeContext& c, const std::vector<Bytes>& chain, crypto::CertError e, uint64_t now_ms,
                   const std::string& name) {
  c.set_error_detail(explain_certificate_failure(c.provider(), chain, e, now_ms, name));
  return certificate_error(e);
}

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
