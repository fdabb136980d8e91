#include "fuzz/hello_mutator.h"

#include <algorithm>

namespace sanstls {
namespace fuzz {

namespace {

// A cursor over bytes whose reads fail, and stay failed, past the end.
struct Cursor {
  ByteView in;
  size_t pos = 0;
  bool ok = true;
  bool need(size_t n) {
    if (!ok || in.size() - pos < n) ok = false;
    return ok;
  }
  uint32_t num(size_t n) {
    if (!need(n)) return 0;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) v = (v << 8) | in[pos + i];
    pos += n;
    return v;
  }
  Bytes take(size_t n) {
    if (!need(n)) return Bytes();
    Bytes b(in.data() + pos, in.data() + pos + n);
    pos += n;
    return b;
  }
  size_t left() const { return in.size() - pos; }
};

void put(Bytes* out, uint32_t v, size_t n) {
  for (size_t i = n; i-- > 0;) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void put_prefixed(Bytes* out, ByteView b, size_t len_bytes) {
  put(out, static_cast<uint32_t>(b.size()), len_bytes);
  out->insert(out->end(), b.begin(), b.end());
}

// The choices of one mutation, from its seed.
struct Draw {
  uint32_t s;
  uint32_t next() {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  }
  size_t below(size_t n) { return n == 0 ? 0 : next() % n; }
};

// Types worth inserting or renaming to: what servers parse (RFC 8446 4.2, RFC 6066, 7301, 7366,
// 7627, 8449, 5077, 5746), a GREASE value (RFC 8701) and one nobody assigned.
constexpr uint16_t kTypes[] = {0,  5,  10, 11, 13, 16, 21, 22, 23, 28, 35, 41, 42, 43,
                               44, 45, 47, 49, 50, 51, 0xff01, 0x0a0a, 0x1234};
// Suites worth adding: TLS 1.3, TLS 1.2 AEAD and CBC ones, the SCSVs (RFC 5746, RFC 7507), GREASE,
// NULL, an unassigned one.
constexpr uint16_t kSuites[] = {0x1301, 0x1302, 0x1303, 0x1304, 0xc02b, 0xc02f, 0xc013,
                                0x009c, 0x00ff, 0x5600, 0x0a0a, 0x0000, 0xfefe};
constexpr uint16_t kVersions[] = {0x0200, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0305, 0x7f1c, 0xfefd};

}  // namespace

bool parse_hello_flight(ByteView flight, ParsedHello* out) {
  ParsedHello h;
  Cursor rec{flight};
  Bytes hs;  // the handshake bytes of the leading records of one type
  size_t msg_len = 0;
  bool have_len = false;
  while (rec.left() > 0 && (!have_len || hs.size() < msg_len + 4)) {
    uint8_t type = static_cast<uint8_t>(rec.num(1));
    uint16_t version = static_cast<uint16_t>(rec.num(2));
    Bytes body = rec.take(rec.num(2));
    if (!rec.ok) return false;
    if (h.fragments.empty()) {
      h.record_type = type;
      h.record_version = version;
    } else if (type != h.record_type) {
      return false;
    }
    h.fragments.push_back(body.size());
    hs.insert(hs.end(), body.begin(), body.end());
    if (!have_len && hs.size() >= 4) {
      msg_len = (size_t(hs[1]) << 16) | (size_t(hs[2]) << 8) | hs[3];
      have_len = true;
    }
  }
  if (!have_len || hs.size() != msg_len + 4) return false;  // one whole message, nothing more
  h.trailing = Bytes(flight.data() + rec.pos, flight.data() + flight.size());
  Cursor m{ByteView(hs.data(), hs.size())};
  h.msg_type = static_cast<uint8_t>(m.num(1));
  m.num(3);
  h.legacy_version = static_cast<uint16_t>(m.num(2));
  h.random = m.take(32);
  h.session_id = m.take(m.num(1));
  size_t suites_len = m.num(2);
  if (suites_len % 2 != 0) return false;
  for (size_t i = 0; i < suites_len / 2; i++) h.suites.push_back(static_cast<uint16_t>(m.num(2)));
  h.compression = m.take(m.num(1));
  if (!m.ok) return false;
  h.has_extensions = m.left() > 0;
  if (h.has_extensions) {
    size_t ext_len = m.num(2);
    if (!m.ok || ext_len != m.left()) return false;
    while (m.left() > 0) {
      HelloExtension e;
      e.type = static_cast<uint16_t>(m.num(2));
      e.body = m.take(m.num(2));
      if (!m.ok) return false;
      h.extensions.push_back(std::move(e));
    }
  }
  *out = std::move(h);
  return true;
}

Bytes write_hello_flight(const ParsedHello& h) {
  Bytes body;
  put(&body, h.legacy_version, 2);
  body.insert(body.end(), h.random.begin(), h.random.end());
  put_prefixed(&body, h.session_id, 1);
  put(&body, static_cast<uint32_t>(2 * h.suites.size()), 2);
  for (uint16_t s : h.suites) put(&body, s, 2);
  put_prefixed(&body, h.compression, 1);
  if (h.has_extensions) {
    Bytes exts;
    for (const HelloExtension& e : h.extensions) {
      put(&exts, e.type, 2);
      put_prefixed(&exts, e.body, 2);
    }
    put_prefixed(&body, exts, 2);
  }
  Bytes msg;
  msg.push_back(h.msg_type);
  put_prefixed(&msg, body, 3);
  Bytes out;
  auto record = [&](size_t at, size_t n) {
    out.push_back(h.record_type);
    put(&out, h.record_version, 2);
    put_prefixed(&out, ByteView(msg.data() + at, n), 2);
  };
  size_t at = 0;
  // The sizes named for the leading records (an empty record where one says 0), then the rest, in
  // records of at most 2^16-1 bytes (the most a length field holds).
  for (size_t i = 0; i + 1 < h.fragments.size() && at < msg.size(); i++) {
    size_t n = std::min({h.fragments[i], msg.size() - at, size_t{0xffff}});
    record(at, n);
    at += n;
  }
  do {
    size_t n = std::min(msg.size() - at, size_t{0xffff});
    record(at, n);
    at += n;
  } while (at < msg.size());
  out.insert(out.end(), h.trailing.begin(), h.trailing.end());
  return out;
}

void mutate_hello(ParsedHello* h, uint32_t seed, const ByteMutator& mutate_bytes) {
  Draw d{seed | 1};
  auto mutate_field = [&](Bytes* b, size_t max) {
    size_t size = b->size();
    b->resize(std::max(max, size));
    b->resize(mutate_bytes(b->data(), size, b->size()));
  };
  std::vector<HelloExtension>& ext = h->extensions;
  switch (d.below(15)) {
    case 0:  // drop an extension
      if (!ext.empty()) ext.erase(ext.begin() + static_cast<long>(d.below(ext.size())));
      break;
    case 1:  // duplicate one (RFC 8446 4.2: no type twice)
      if (!ext.empty()) {
        HelloExtension e = ext[d.below(ext.size())];
        ext.insert(ext.begin() + static_cast<long>(d.below(ext.size() + 1)), e);
      }
      break;
    case 2:  // swap two (pre_shared_key must be last, RFC 8446 4.2.11)
      if (ext.size() >= 2) std::swap(ext[d.below(ext.size())], ext[d.below(ext.size())]);
      break;
    case 3:  // change one's contents
      if (!ext.empty()) mutate_field(&ext[d.below(ext.size())].body, 512);
      break;
    case 4: {  // insert one, empty or with a few bytes
      HelloExtension e;
      e.type = kTypes[d.below(sizeof(kTypes) / sizeof(kTypes[0]))];
      e.body.resize(d.below(3) == 0 ? 0 : d.below(8));
      for (uint8_t& c : e.body) c = static_cast<uint8_t>(d.next());
      ext.insert(ext.begin() + static_cast<long>(d.below(ext.size() + 1)), std::move(e));
      break;
    }
    case 5:  // rename one: the body of one type read as another
      if (!ext.empty()) ext[d.below(ext.size())].type = kTypes[d.below(sizeof(kTypes) / sizeof(kTypes[0]))];
      break;
    case 6:  // the suites: drop one or add one
      if (!h->suites.empty() && d.below(2) == 0) {
        h->suites.erase(h->suites.begin() + static_cast<long>(d.below(h->suites.size())));
      } else {
        h->suites.insert(h->suites.begin() + static_cast<long>(d.below(h->suites.size() + 1)),
                         kSuites[d.below(sizeof(kSuites) / sizeof(kSuites[0]))]);
      }
      break;
    case 7:
      h->legacy_version = d.below(4) == 0 ? static_cast<uint16_t>(d.next())
                                          : kVersions[d.below(sizeof(kVersions) / sizeof(kVersions[0]))];
      break;
    case 8:
      h->record_version = d.below(4) == 0 ? static_cast<uint16_t>(d.next())
                                          : kVersions[d.below(sizeof(kVersions) / sizeof(kVersions[0]))];
      break;
    case 9: {  // other record boundaries: 1 to 4 records, an empty one now and then
      h->fragments.clear();
      size_t n = 1 + d.below(4);
      for (size_t i = 0; i + 1 < n; i++) h->fragments.push_back(d.below(8) == 0 ? 0 : 1 + d.below(300));
      h->fragments.push_back(0);  // the last takes the rest
      break;
    }
    case 10:
      mutate_field(&h->session_id, 40);
      break;
    case 11:
      mutate_field(&h->compression, 8);
      break;
    case 12:  // cut the extension list, down to no list at all
      if (d.below(4) == 0) {
        h->has_extensions = false;
        ext.clear();
      } else {
        ext.resize(d.below(ext.size() + 1));
      }
      break;
    case 13: {  // a record after the ClientHello: an alert, a ChangeCipherSpec, data or a handshake record
      static const Bytes kAfter[] = {{21, 3, 3, 0, 2, 1, 0},  {21, 3, 3, 0, 2, 2, 40}, {21, 3, 3, 0, 2, 1, 90},
                                     {20, 3, 3, 0, 1, 1},     {23, 3, 3, 0, 1, 0},     {22, 3, 3, 0, 4, 20, 0, 0, 0}};
      const Bytes& r = kAfter[d.below(sizeof(kAfter) / sizeof(kAfter[0]))];
      h->trailing.insert(h->trailing.end(), r.begin(), r.end());
      break;
    }
    default:  // the message type (a ClientHello's body under another type)
      h->msg_type = d.below(2) == 0 ? 2 : static_cast<uint8_t>(d.next());
      break;
  }
}

}  // namespace fuzz
}  // namespace sanstls
