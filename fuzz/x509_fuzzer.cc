// libFuzzer harness for X.509 through the crypto layer (crypto/crypto.h): parse_certificate,
// load_certificates, TrustStore::verify and Certificate::matches_name.
//
// Input: flags(1) name_len(1) name | (len(2) der)* chain, leaf first
//   flags bit 0: purpose client_auth (else server_auth); bit 1: check the name (else name "");
//   bit 2: also verify against a trust store made of the chain's last certificate; bits 3-4: time
//   (2030-01-01, 2020-06-01, 1970, 2100).
// Every certificate is parsed and its accessors called; load_certificates runs on the whole chain
// part of the input (as PEM or DER); the chain is verified against the test CA.
// Invariant: when verify() accepts the chain with a name, the leaf parses and matches that name.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "crypto/crypto.h"
#include "fuzz/embedded_certs.h"

namespace sanstls {
namespace fuzz {
namespace {

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "x509_fuzzer: %s\n", what);
    __builtin_trap();
  }
}

const crypto::TrustStore& test_ca() {
  static const crypto::TrustStore* store = [] {
    const crypto::Provider& p = crypto::default_provider();
    std::vector<Bytes> ders;
    std::string err;
    require(p.load_certificates(ByteView::of(certs::ca_pem), &ders, &err), "cannot load the test CA");
    std::unique_ptr<crypto::TrustStore> s = p.make_trust_store(ders, &err);
    require(s != nullptr, "cannot make the test trust store");
    return s.release();
  }();
  return *store;
}

void run(const uint8_t* data, size_t size) {
  if (size < 2) return;
  const crypto::Provider& p = crypto::default_provider();
  uint8_t flags = data[0];
  size_t name_len = data[1];
  size_t off = 2;
  if (name_len > size - off) name_len = size - off;
  std::string name(reinterpret_cast<const char*>(data + off), name_len);
  off += name_len;
  ByteView chain_part(data + off, size - off);

  std::vector<Bytes> chain;
  while (off + 2 <= size && chain.size() < 8) {
    size_t len = static_cast<size_t>(data[off] << 8 | data[off + 1]);
    off += 2;
    if (len > size - off) len = size - off;
    chain.emplace_back(data + off, data + off + len);  // own buffers: ASan sees overreads
    off += len;
  }

  // Every certificate on its own.
  std::unique_ptr<crypto::Certificate> leaf;
  for (size_t i = 0; i < chain.size(); i++) {
    std::string err;
    std::unique_ptr<crypto::Certificate> c = p.parse_certificate(chain[i], &err);
    if (!c) continue;
    require(!c->der().empty() && c->der().size() <= chain[i].size(), "parsed certificate with a bad DER view");
    (void)c->subject();
    (void)c->issuer();
    (void)(c->not_before() <= c->not_after());
    std::unique_ptr<crypto::PublicKey> key = c->public_key();
    if (key) (void)key->bits();
    (void)c->matches_name(name);
    if (i == 0) leaf = std::move(c);
  }

  // The same bytes as a PEM text or a DER certificate.
  {
    std::vector<Bytes> out;
    std::string err;
    Bytes copy = chain_part.to_bytes();
    (void)p.load_certificates(copy, &out, &err);
  }

  static const int64_t kTimes[] = {1893456000, 1590969600, 0, 4102444800};
  int64_t now = kTimes[(flags >> 3) & 3];
  crypto::Purpose purpose = (flags & 1) ? crypto::Purpose::client_auth : crypto::Purpose::server_auth;
  std::string check_name = (flags & 2) ? name : std::string();
  std::vector<ByteView> views(chain.begin(), chain.end());
  if (!views.empty()) {
    crypto::CertError e = test_ca().verify(views, now, purpose, check_name);
    if (e == crypto::CertError::ok) {
      require(leaf != nullptr, "verify() accepted a chain whose leaf does not parse");
      if (!check_name.empty()) require(leaf->matches_name(check_name), "verify() accepted a name the leaf does not match");
    }
    if (flags & 4) {
      std::string err;
      std::unique_ptr<crypto::TrustStore> own = p.make_trust_store({chain.back()}, &err);
      if (own) (void)own->verify(views, now, purpose, check_name);
    }
  }
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
