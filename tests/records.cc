#include "tests/records.h"

#include <doctest/doctest.h>

#include "core/connection.h"
#include "core/record.h"
#include "core/tls13_keys.h"

namespace sanstls {
namespace testing {

std::vector<Rec> split_records(ByteView in) {
  std::vector<Rec> out;
  size_t off = 0;
  while (off + 5 <= in.size()) {
    size_t n = (size_t{in[off + 3]} << 8) | in[off + 4];
    if (off + 5 + n > in.size()) break;
    out.push_back(Rec{in[off], in.sub(off + 5, n).to_bytes()});
    off += 5 + n;
  }
  return out;
}

Bytes plain_record(uint8_t type, ByteView body) {
  Bytes r = {type, 3, 3, static_cast<uint8_t>(body.size() >> 8), static_cast<uint8_t>(body.size())};
  r.insert(r.end(), body.begin(), body.end());
  return r;
}

Bytes handshake_msg(HandshakeType t, ByteView body) {
  Bytes m;
  REQUIRE(encode_handshake(t, body, &m));
  return m;
}

Bytes take(Connection& c) {
  Bytes b = c.pending_output().to_bytes();
  c.consume_output(b.size());
  return b;
}

Traffic::Traffic(const CipherSuite& suite, const Bytes& secret) {
  REQUIRE(!secret.empty());
  auto r = tls13_protection(crypto::default_provider(), suite, secret, kMaxPlaintext);
  REQUIRE(r.ok());
  p_ = std::move(r.value());
}

Bytes Traffic::seal(ContentType type, ByteView content) {
  Bytes out(p_.sealed_size(content.size()) + 64);
  Result<size_t> n = p_.seal(type, content, out.data(), out.size());
  REQUIRE(n.ok());
  out.resize(n.value());
  return out;
}

Bytes Traffic::open(const Rec& r, ContentType* type) {
  RecordHeader h;
  h.type = static_cast<ContentType>(r.type);
  h.version = 0x0303;
  h.length = static_cast<uint16_t>(r.body.size());
  Bytes frag = r.body;
  Result<OpenedRecord> o = p_.open(h, frag.data(), frag.size());
  REQUIRE(o.ok());
  *type = o.value().type;
  return o.value().plaintext.to_bytes();
}

Traffic12::Traffic12(const CipherSuite& suite, ByteView master, const Random& cr, const Random& sr, bool client_side,
                     bool encrypt_then_mac)
    : rng_(crypto::make_deterministic_rng(ByteView::of("traffic12"))) {
  REQUIRE(master.size() == 48);
  Result<Tls12Keys> k = tls12_record_keys(crypto::default_provider(), suite, master, cr, sr, encrypt_then_mac, *rng_,
                                          kMaxPlaintext, kMaxPlaintext);
  REQUIRE(k.ok());
  p_ = std::move(client_side ? k.value().client_write : k.value().server_write);
}

Bytes Traffic12::seal(ContentType type, ByteView content) {
  Bytes out(p_.sealed_size(content.size()) + 64);
  Result<size_t> n = p_.seal(type, content, out.data(), out.size());
  REQUIRE(n.ok());
  out.resize(n.value());
  return out;
}

bool Traffic12::open(const Rec& r, ContentType* type, Bytes* plaintext) {
  RecordHeader h;
  h.type = static_cast<ContentType>(r.type);
  h.version = 0x0303;
  h.length = static_cast<uint16_t>(r.body.size());
  Bytes frag = r.body;
  Result<OpenedRecord> o = p_.open(h, frag.data(), frag.size());
  if (!o.ok()) return false;
  *type = o.value().type;
  *plaintext = o.value().plaintext.to_bytes();
  return true;
}

}  // namespace testing
}  // namespace sanstls
