// The system's trust anchors, found as OpenSSL finds them, for applications (and tls_client) that do
// not name a CA file. Loading is I/O, so it lives here, outside core/: the engine takes the PEM text
// through ClientConfig::Builder::trust_anchors_pem().
//
//   sanstls::tools::TrustAnchors anchors;
//   std::string err;
//   if (!sanstls::tools::load_system_trust_anchors(provider, &anchors, &err)) { die(err); }
//   builder.trust_anchors_pem(anchors.pem);
//
// Where they come from, in OpenSSL's terms (X509_get_default_cert_file_env / _dir_env):
//  - $SSL_CERT_FILE: one file of PEM certificates (a bundle);
//  - $SSL_CERT_DIR: a colon-separated list of directories; in each, the files OpenSSL's directory lookup
//    uses (hashed names "<8 hex digits>.<n>", made by `openssl rehash` or c_rehash) and, as those usually
//    link to them, the *.pem and *.crt files. A file reached twice (a hashed link and its target) is
//    read once; a file that holds no certificate (a CRL's ".r0" link, a README) is skipped, as OpenSSL's
//    lookup skips it; a directory that does not exist is skipped too.
//  - neither set: Debian's bundle, /etc/ssl/certs/ca-certificates.crt (what OpenSSL's default file is on
//    Debian, through /usr/lib/ssl/cert.pem).
// One difference: with only SSL_CERT_FILE set, OpenSSL still looks in its default directory; this loader
// does not (on Debian the bundle and the directory hold the same certificates).
#ifndef SANSTLS_TOOLS_TRUST_STORE_H_
#define SANSTLS_TOOLS_TRUST_STORE_H_

#include <string>
#include <vector>

#include "crypto/crypto.h"

namespace sanstls {
namespace tools {

constexpr const char* kDebianCaBundle = "/etc/ssl/certs/ca-certificates.crt";

struct TrustAnchors {
  Bytes pem;                         // the text of every file that held certificates, concatenated
  size_t certificates = 0;           // how many certificates that is
  std::vector<std::string> files;    // the files read, in order
};

// From $SSL_CERT_FILE / $SSL_CERT_DIR, else kDebianCaBundle. False, with one line in *error naming the
// variable and the path, when SSL_CERT_FILE cannot be read or holds no certificate, or when nothing at
// all was found.
bool load_system_trust_anchors(const crypto::Provider& provider, TrustAnchors* out, std::string* error);

// The same with the two values given (null or empty: not set), for tests and for applications with
// their own settings.
bool load_trust_anchors(const crypto::Provider& provider, const char* cert_file, const char* cert_dir,
                        TrustAnchors* out, std::string* error);

}  // namespace tools
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_TRUST_STORE_H_
