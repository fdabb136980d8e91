// The system trust anchor loader (tools/trust_store.h): SSL_CERT_FILE, SSL_CERT_DIR (a colon-separated
// list of directories laid out as `openssl rehash` makes them: hashed links to PEM files), and the
// Debian default; what it loads verifies the test chains; bad settings give one clear line.
#include "tools/trust_store.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

using namespace sanstls;
using namespace sanstls::tools;

namespace {

const crypto::Provider& P() { return crypto::default_provider(); }

std::string runfile(const std::string& path) {
  char buf[4096];
  return std::string(getcwd(buf, sizeof buf)) + "/" + path;
}

std::string tmp(const std::string& name) {
  const char* t = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(t ? t : "/tmp") + "/" + name;
  std::string cmd = "rm -rf '" + dir + "' && mkdir -p '" + dir + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return dir;
}

std::string openssl_hash(const std::string& pem_path) {
  std::string out;
  FILE* f = popen(("openssl x509 -hash -noout -in '" + pem_path + "' 2>/dev/null").c_str(), "r");
  if (f == nullptr) return "";
  char buf[64];
  if (std::fgets(buf, sizeof buf, f) != nullptr) out = buf;
  pclose(f);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// Copies tests/certs/<name> into dir as <as>.
void copy_cert(const std::string& name, const std::string& dir, const std::string& as) {
  std::ifstream in(runfile("tests/certs/" + name), std::ios::binary);
  std::ofstream out(dir + "/" + as, std::ios::binary);
  out << in.rdbuf();
}

// Does a trust store made of `anchors` accept tests/certs/<leaf> (a chain file) at 2030-01-01?
bool verifies(const TrustAnchors& anchors, const std::string& leaf) {
  std::vector<Bytes> roots, chain;
  std::string err;
  if (!P().load_certificates(anchors.pem, &roots, &err)) return false;
  auto store = P().make_trust_store(roots, &err);
  if (!store) return false;
  std::ifstream in(runfile("tests/certs/" + leaf), std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!P().load_certificates(ByteView::of(text), &chain, &err)) return false;
  std::vector<ByteView> views(chain.begin(), chain.end());
  return store->verify(views, 1893456000, crypto::Purpose::server_auth, "localhost") == crypto::CertError::ok;
}

}  // namespace

TEST_CASE("SSL_CERT_FILE: the file's certificates, and nothing else") {
  TrustAnchors a;
  std::string err;
  REQUIRE(load_trust_anchors(P(), runfile("tests/certs/ca.pem").c_str(), nullptr, &a, &err));
  CHECK(a.certificates == 1);
  CHECK(a.files == std::vector<std::string>{runfile("tests/certs/ca.pem")});
  CHECK(verifies(a, "server_rsa.pem"));
  CHECK(!verifies(a, "unknown_ca.pem"));  // issued by another root, not in the file
}

TEST_CASE("SSL_CERT_DIR: a colon-separated list of rehashed directories; links read once, junk skipped") {
  const std::string d1 = tmp("trust_dir1"), d2 = tmp("trust_dir2"), missing = tmp("trust_gone") + "/not-there";
  // d1: ca.pem and its hashed link, as `openssl rehash` lays it out; a README that is no certificate.
  copy_cert("ca.pem", d1, "sanstls-ca.pem");
  std::string h = openssl_hash(runfile("tests/certs/ca.pem"));
  if (h.empty()) h = "1234abcd";  // no openssl: the name's form is what matters to the loader
  REQUIRE(symlink("sanstls-ca.pem", (d1 + "/" + h + ".0").c_str()) == 0);
  { std::ofstream(d1 + "/README") << "not a certificate\n"; }
  { std::ofstream(d1 + "/junk.pem") << "-----BEGIN NOTHING-----\n"; }
  // d2: the unrelated root, under a hashed name only.
  copy_cert("other_ca.pem", d2, "abcdef01.0");

  TrustAnchors a;
  std::string err;
  const std::string list = d1 + ":" + missing + ":" + d2;
  REQUIRE(load_trust_anchors(P(), nullptr, list.c_str(), &a, &err));
  CHECK(a.certificates == 2);  // ca.pem once (its link is the same file), other_ca.pem once
  CHECK(a.files.size() == 2);
  CHECK(verifies(a, "server_rsa.pem"));
  CHECK(verifies(a, "unknown_ca.pem"));

  // OpenSSL itself accepts the same layout (so the test's directory is a real CApath).
  if (std::system("command -v openssl >/dev/null 2>&1") == 0) {
    std::string cmd = "openssl verify -attime 1893456000 -no-CAfile -CApath '" + d1 + "' '" +
                      runfile("tests/certs/server_rsa.pem") + "' >/dev/null 2>&1";
    CHECK(std::system(cmd.c_str()) == 0);
  }

  // Both variables: the file and the directories.
  TrustAnchors both;
  REQUIRE(load_trust_anchors(P(), runfile("tests/certs/ca.pem").c_str(), d2.c_str(), &both, &err));
  CHECK(both.certificates == 2);
}

TEST_CASE("the environment is read as OpenSSL reads it; the Debian bundle otherwise") {
  const std::string d = tmp("trust_env");
  copy_cert("other_ca.pem", d, "other.pem");
  REQUIRE(setenv("SSL_CERT_FILE", runfile("tests/certs/ca.pem").c_str(), 1) == 0);
  REQUIRE(setenv("SSL_CERT_DIR", d.c_str(), 1) == 0);
  TrustAnchors a;
  std::string err;
  REQUIRE(load_system_trust_anchors(P(), &a, &err));
  CHECK(a.certificates == 2);
  unsetenv("SSL_CERT_FILE");
  unsetenv("SSL_CERT_DIR");
  struct stat st;
  if (stat(kDebianCaBundle, &st) == 0) {
    TrustAnchors deb;
    REQUIRE(load_system_trust_anchors(P(), &deb, &err));
    CHECK(deb.files == std::vector<std::string>{kDebianCaBundle});
    CHECK(deb.certificates > 10);
  }
}

TEST_CASE("bad settings: one line that names the variable and the path") {
  TrustAnchors a;
  std::string err;
  CHECK(!load_trust_anchors(P(), "/nonexistent/ca.pem", nullptr, &a, &err));
  CHECK(err.find("SSL_CERT_FILE /nonexistent/ca.pem") != std::string::npos);
  CHECK(err.find('\n') == std::string::npos);
  CHECK(!load_trust_anchors(P(), runfile("tests/certs/msg.txt").c_str(), nullptr, &a, &err));
  CHECK(err.find("SSL_CERT_FILE") != std::string::npos);
  const std::string empty = tmp("trust_empty");
  CHECK(!load_trust_anchors(P(), nullptr, empty.c_str(), &a, &err));
  CHECK(err.find("SSL_CERT_DIR " + empty) != std::string::npos);
}
