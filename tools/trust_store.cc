// The system trust anchor loader (tools/trust_store.h).
#include "tools/trust_store.h"

#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

namespace sanstls {
namespace tools {

namespace {

bool read_whole(const std::string& path, Bytes* out, std::string* error) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = std::strerror(errno);
    return false;
  }
  out->clear();
  char buf[16384];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out->insert(out->end(), buf, buf + n);
  const bool ok = !std::ferror(f);
  std::fclose(f);
  if (!ok) *error = "read error";
  return ok;
}

// The names OpenSSL's directory lookup reads ("<8 hex>.<digits>"), and the PEM files they link to.
bool wanted_name(const std::string& name) {
  auto ends_with = [&](const char* suffix) {
    size_t n = std::strlen(suffix);
    return name.size() > n && name.compare(name.size() - n, n, suffix) == 0;
  };
  if (ends_with(".pem") || ends_with(".crt")) return true;
  if (name.size() < 10 || name[8] != '.') return false;
  for (size_t i = 0; i < 8; i++)
    if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return false;
  for (size_t i = 9; i < name.size(); i++)
    if (!std::isdigit(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

struct Loader {
  const crypto::Provider& provider;
  TrustAnchors* out;
  std::set<std::string> seen;  // real paths already read

  // Adds the certificates of one file; false when it holds none (or cannot be read: *why).
  bool add_file(const std::string& path, std::string* why) {
    char real[PATH_MAX];
    std::string key = ::realpath(path.c_str(), real) != nullptr ? std::string(real) : path;
    if (seen.count(key)) return true;
    Bytes text;
    if (!read_whole(path, &text, why)) return false;
    std::vector<Bytes> ders;
    std::string err;
    if (!provider.load_certificates(text, &ders, &err) || ders.empty()) {
      *why = err.empty() ? "no certificate in it" : err;
      return false;
    }
    seen.insert(key);
    out->pem.insert(out->pem.end(), text.begin(), text.end());
    if (!text.empty() && text.back() != '\n') out->pem.push_back('\n');
    out->certificates += ders.size();
    out->files.push_back(path);
    return true;
  }

  void add_dir(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return;  // as OpenSSL's lookup: a directory that is not there holds nothing
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d))
      if (wanted_name(e->d_name)) names.push_back(e->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());  // a stable order, whatever the file system's
    for (const std::string& n : names) {
      const std::string path = dir + "/" + n;
      struct stat st;
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      std::string why;
      (void)add_file(path, &why);  // not a certificate file: skipped, as OpenSSL skips it
    }
  }
};

}  // namespace

bool load_trust_anchors(const crypto::Provider& provider, const char* cert_file, const char* cert_dir,
                        TrustAnchors* out, std::string* error) {
  *out = TrustAnchors();
  Loader l{provider, out, {}};
  const bool have_file = cert_file != nullptr && *cert_file != '\0';
  const bool have_dir = cert_dir != nullptr && *cert_dir != '\0';
  std::string tried;
  if (have_file) {
    std::string why;
    if (!l.add_file(cert_file, &why)) {
      *error = std::string("SSL_CERT_FILE ") + cert_file + ": " + why;
      return false;
    }
  }
  if (have_dir) {
    // OpenSSL's separator for the directory list is ':' on Unix (LIST_SEPARATOR_CHAR).
    std::string dirs = cert_dir;
    size_t start = 0;
    while (start <= dirs.size()) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      if (end > start) l.add_dir(dirs.substr(start, end - start));
      start = end + 1;
    }
    tried = std::string("SSL_CERT_DIR ") + cert_dir;
  }
  if (!have_file && !have_dir) {
    std::string why;
    if (!l.add_file(kDebianCaBundle, &why)) {
      *error = std::string("no trust anchors: SSL_CERT_FILE and SSL_CERT_DIR are not set and ") + kDebianCaBundle +
               ": " + why + " (give a CA file, or install ca-certificates)";
      return false;
    }
  }
  if (out->certificates == 0) {
    *error = "no trust anchors: no certificate in " + tried;
    return false;
  }
  return true;
}

bool load_system_trust_anchors(const crypto::Provider& provider, TrustAnchors* out, std::string* error) {
  return load_trust_anchors(provider, std::getenv("SSL_CERT_FILE"), std::getenv("SSL_CERT_DIR"), out, error);
}

}  // namespace tools
}  // namespace sanstls
