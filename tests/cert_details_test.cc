// Certificate details (certificate_details, Connection::peer_certificate_details) on the test's
// provider (mbedTLS, or libcrypto in cert_details_libcrypto_test), compared field by field with what
// `openssl x509 -noout -subject -issuer -serial -dates -fingerprint -sha256 -ext subjectAltName` prints
// for the certificates in tests/certs (details.pem has several names of each kind, IPv6 ones and a
// serial with its top bit set; see tests/certs/gen_details.sh).
#include <arpa/inet.h>
#include <doctest/doctest.h>

#include <cstdio>
#include <ctime>
#include <regex>
#include <sstream>

#include "tests/pair.h"
#include "tests/test_provider.h"
#include "tests/testdata.h"

using namespace sanstls;
using namespace sanstls::testing;

namespace {

// What openssl x509 says about a certificate, in sanstls's forms (RFC 5952 IPv6 text through libc's
// inet_ntop, fingerprint as bytes, dates as Unix seconds through timegm).
struct OpensslView {
  std::string subject, issuer, serial;
  int64_t not_before = 0, not_after = 0;
  Bytes fingerprint;
  std::vector<std::string> dns, ips;
  bool ok = false;
};

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

int64_t openssl_date(const std::string& text) {
  std::tm tm{};
  if (strptime(text.c_str(), "%b %d %H:%M:%S %Y GMT", &tm) == nullptr) return -1;
  return static_cast<int64_t>(timegm(&tm));
}

std::string ip_from_openssl(const std::string& text) {
  unsigned char buf[16];
  char out[64];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) return inet_ntop(AF_INET, buf, out, sizeof out);
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) return inet_ntop(AF_INET6, buf, out, sizeof out);
  return "?" + text;
}

OpensslView openssl_view(const std::string& path) {
  OpensslView v;
  // sep_comma_plus_space,sname: "O=sanstls, CN=localhost", the one-line form sanstls prints.
  std::string out = run("openssl x509 -in '" + path +
                        "' -noout -subject -issuer -serial -dates -fingerprint -sha256 -ext subjectAltName "
                        "-nameopt sep_comma_plus_space,sname,utf8,esc_ctrl 2>/dev/null");
  std::istringstream in(out);
  std::string line;
  bool san_next = false;
  while (std::getline(in, line)) {
    auto value = [&](const char* key) -> const char* {
      size_t n = std::strlen(key);
      return line.compare(0, n, key) == 0 ? line.c_str() + n : nullptr;
    };
    if (const char* s = value("subject=")) v.subject = s;
    else if (const char* s = value("issuer=")) v.issuer = s;
    else if (const char* s = value("serial=")) v.serial = s;
    else if (const char* s = value("notBefore=")) v.not_before = openssl_date(s);
    else if (const char* s = value("notAfter=")) v.not_after = openssl_date(s);
    else if (const char* s = value("sha256 Fingerprint=")) {
      std::string hex;
      for (const char* p = s; *p; p++)
        if (*p != ':') hex += *p;
      v.ok = from_hex(hex, &v.fingerprint);
    } else if (line.find("Subject Alternative Name") != std::string::npos) {
      san_next = true;
    } else if (san_next) {
      san_next = false;
      std::regex entry("(DNS|IP Address):([^,]+)");
      for (std::sregex_iterator it(line.begin(), line.end(), entry), end; it != end; ++it) {
        if ((*it)[1] == "DNS") v.dns.push_back((*it)[2]);
        else v.ips.push_back(ip_from_openssl((*it)[2]));
      }
    }
  }
  return v;
}

bool have_openssl() { return std::system("command -v openssl >/dev/null 2>&1") == 0; }

void check_against_openssl(const CertificateDetails& d, const std::string& path) {
  OpensslView o = openssl_view(path);
  REQUIRE(o.ok);
  CHECK(d.subject == o.subject);
  CHECK(d.issuer == o.issuer);
  CHECK(d.serial == o.serial);
  CHECK(d.not_before == o.not_before);
  CHECK(d.not_after == o.not_after);
  CHECK(d.sha256_fingerprint == o.fingerprint);
  CHECK(d.dns_names == o.dns);
  CHECK(d.ip_addresses == o.ips);
}

Bytes first_der(const std::string& name) {
  std::vector<Bytes> ders;
  std::string err;
  REQUIRE(test_provider().load_certificates(read_file("tests/certs/" + name), &ders, &err));
  REQUIRE(!ders.empty());
  return ders.front();
}

}  // namespace

TEST_CASE("certificate_details matches openssl x509 for the test certificates") {
  if (!have_openssl()) return;
  for (const char* name : {"details.pem", "server_rsa.pem", "server_ec.pem", "client.pem", "ca.pem", "int.pem",
                           "nosan.pem", "expired.pem", "wildcard.pem"}) {
    CAPTURE(name);
    Result<CertificateDetails> d = certificate_details(test_provider(), first_der(name));
    REQUIRE(d.ok());
    check_against_openssl(d.value(), "tests/certs/" + std::string(name));
  }
  // The fields themselves, so that a bug shared by both sides of the comparison still shows.
  Result<CertificateDetails> d = certificate_details(test_provider(), first_der("details.pem"));
  REQUIRE(d.ok());
  CHECK(d.value().subject == "C=FR, O=sanstls, OU=details, CN=details.example.test");
  CHECK(d.value().serial == "8BADF00DCAFE0001");  // the DER's sign-padding zero is not part of it
  CHECK(d.value().dns_names ==
        std::vector<std::string>{"details.example.test", "*.wild.example.test", "localhost"});
  CHECK(d.value().ip_addresses == std::vector<std::string>{"192.0.2.7", "2001:db8::1", "2001:db8:0:1:2:3:4:5"});
  CHECK(d.value().not_before == 1704067200);  // 2024-01-01T00:00:00Z
  CHECK(d.value().not_after == 2524607999);   // 2049-12-31T23:59:59Z
}

TEST_CASE("certificate_details: an unparsable certificate is bad_certificate") {
  Result<CertificateDetails> d = certificate_details(test_provider(), ByteView::of("not a certificate"));
  REQUIRE(!d.ok());
  CHECK(d.error().kind == ErrorKind::bad_certificate);
}

TEST_CASE("peer_certificate_details: the server's leaf on the client, the client's on the server") {
  for (uint16_t v : {uint16_t{0x0303}, uint16_t{0x0304}}) {
    CAPTURE(v);
    ServerConfig::Builder sb;
    sb.provider(test_provider()).versions(v, v);
    sb.certificate(read_file("tests/certs/details.pem"), read_file("tests/certs/details.key.pem"));
    sb.client_auth(ClientAuth::optional, read_file("tests/certs/ca.pem"));
    auto sc = sb.build();
    REQUIRE(sc.ok());
    auto crng = crypto::make_deterministic_rng(ByteView::of("details c"));
    auto srng = crypto::make_deterministic_rng(ByteView::of("details s"));
    FixedClock clock(kTestNowMs);
    Connection::ClientOptions o;
    o.server_name = "details.example.test";
    Connection c = Connection::client(client_config("", true), o, *crng, clock);
    Connection s = Connection::server(sc.config, *srng, clock);
    Result<CertificateDetails> early = c.peer_certificate_details();
    REQUIRE(!early.ok());
    CHECK(early.error().kind == ErrorKind::api_misuse);
    Seen cs, ss;
    REQUIRE(pump(c, s, &cs, &ss));
    REQUIRE(cs.done);
    Result<CertificateDetails> server_leaf = c.peer_certificate_details();
    REQUIRE(server_leaf.ok());
    CHECK(server_leaf.value().subject == "C=FR, O=sanstls, OU=details, CN=details.example.test");
    if (have_openssl()) check_against_openssl(server_leaf.value(), "tests/certs/details.pem");
    Result<CertificateDetails> client_leaf = s.peer_certificate_details();
    REQUIRE(client_leaf.ok());
    CHECK(client_leaf.value().subject == "O=sanstls, CN=sanstls test client");
    if (have_openssl()) check_against_openssl(client_leaf.value(), "tests/certs/client.pem");
  }
}

TEST_CASE("peer_certificate_details: a client that sent no certificate has none") {
  auto crng = crypto::make_deterministic_rng(ByteView::of("details c"));
  auto srng = crypto::make_deterministic_rng(ByteView::of("details s"));
  FixedClock clock(kTestNowMs);
  Connection::ClientOptions o;
  o.server_name = "localhost";
  Connection c = Connection::client(client_config(), o, *crng, clock);
  Connection s = Connection::server(server_config("", true), *srng, clock);
  Seen cs, ss;
  REQUIRE(pump(c, s, &cs, &ss));
  REQUIRE(ss.done);
  Result<CertificateDetails> none = s.peer_certificate_details();
  REQUIRE(!none.ok());
  CHECK(none.error().kind == ErrorKind::api_misuse);
  CHECK(c.peer_certificate_details().ok());
}
