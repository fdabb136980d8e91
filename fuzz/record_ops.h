// The record operations the two structure-aware handshake harnesses (handshake_fuzzer.cc for TLS 1.2,
// handshake13_fuzzer.cc for TLS 1.3) apply to the records of the side they mutate, in plaintext.
//
// One operation per record, read from the fuzzer's input (op % 12, then its arguments; a missing
// operation reads as 0, "pass"):
//   0 pass                1 drop              2 duplicate             3 overwrite(pos u16, val u8)
//   4 truncate(len u16)   5 split(at u16)     6 hold (emit after the next record: reorder)
//   7 insert before(type u8, len u8, bytes)  8 retype(type u8)       9 append(len u8, bytes)
//   10 drop handshake message (k u8)          11 duplicate handshake message (k u8)
#ifndef SANSTLS_FUZZ_RECORD_OPS_H_
#define SANSTLS_FUZZ_RECORD_OPS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/handshake.h"
#include "core/record.h"
#include "crypto/types.h"
#include "fuzz/support.h"

namespace sanstls {
namespace fuzz {

// One record as the proxy sees it: plaintext, before protection.
struct Rec {
  uint8_t type = 0;  // the content type (inside the protection for TLS 1.3 protected records)
  uint16_t version = 0x0303;
  Bytes body;      // plaintext
  int stage = -1;  // TLS 1.3: the sender's write key it came under (the harness's index); -1: unprotected
};

// Whole handshake messages (header + body) in a byte stream; a partial tail is left out, and so is an
// empty HelloRequest when drop_hello_request.
inline std::vector<Bytes> split_messages(ByteView stream, bool drop_hello_request = false) {
  std::vector<Bytes> out;
  size_t off = 0;
  while (stream.size() - off >= kHandshakeHeaderLength) {
    HandshakeHeader h;
    if (!decode_handshake_header(stream.sub(off), &h).ok()) break;
    size_t len = kHandshakeHeaderLength + h.length;
    if (len > stream.size() - off) break;
    if (!(drop_hello_request && h.type == HandshakeType::hello_request && h.length == 0))
      out.push_back(stream.sub(off, len).to_bytes());
    off += len;
  }
  return out;
}

// Calls on_record(header, whole record) for each record of a sender's output; the engine writes whole
// records only, so anything else traps.
template <typename OnRecord>
void for_each_record(ByteView out, OnRecord on_record) {
  size_t off = 0;
  while (out.size() - off >= kRecordHeaderLength) {
    RecordHeader h;
    require(decode_record_header(out.sub(off), &h).ok(), "the sender wrote a bad record header");
    size_t len = kRecordHeaderLength + h.length;
    require(len <= out.size() - off, "the sender wrote a partial record");
    on_record(h, out.sub(off, len));
    off += len;
  }
  require(off == out.size(), "the sender wrote a partial record header");
}

// Reads one operation from `in` and applies it to r: emit(const Rec&) sends a record on (in order),
// hold(Rec) keeps one to go after the next record. Returns false for "pass" (op 0), true otherwise.
template <typename Emit, typename Hold>
bool apply_record_op(Input& in, Rec r, Emit emit, Hold hold) {
  const uint8_t op = static_cast<uint8_t>(in.u8() % 12);
  switch (op) {
    case 0:
      emit(r);
      break;
    case 1:
      break;
    case 2:
      emit(r);
      emit(r);
      break;
    case 3: {
      uint16_t pos = in.u16();
      uint8_t val = in.u8();
      if (!r.body.empty()) r.body[pos % r.body.size()] = val;
      emit(r);
      break;
    }
    case 4: {
      uint16_t len = in.u16();
      r.body.resize(len % (r.body.size() + 1));
      emit(r);
      break;
    }
    case 5: {
      const auto at = static_cast<std::ptrdiff_t>(in.u16() % (r.body.size() + 1));
      Rec a = r, b = r;
      a.body.assign(r.body.begin(), r.body.begin() + at);
      b.body.assign(r.body.begin() + at, r.body.end());
      emit(a);
      emit(b);
      break;
    }
    case 6:
      hold(std::move(r));
      break;
    case 7: {
      Rec n;
      uint8_t t = in.u8();
      n.type = t < 0x80 ? static_cast<uint8_t>(20 + t % 4) : t;
      n.body = in.take(in.u8()).to_bytes();
      n.stage = r.stage;  // under the same key as the record it goes before
      emit(n);
      emit(r);
      break;
    }
    case 8:
      r.type = in.u8();
      emit(r);
      break;
    case 9: {
      ByteView more = in.take(in.u8());
      r.body.insert(r.body.end(), more.begin(), more.end());
      emit(r);
      break;
    }
    default: {  // 10, 11: one handshake message of the record
      uint8_t k = in.u8();
      std::vector<Bytes> msgs = split_messages(r.body);
      if (r.type == static_cast<uint8_t>(ContentType::handshake) && !msgs.empty()) {
        const auto i = static_cast<std::ptrdiff_t>(k % msgs.size());
        if (op == 10) {
          msgs.erase(msgs.begin() + i);
        } else {
          Bytes copy = msgs[static_cast<size_t>(i)];
          msgs.insert(msgs.begin() + i, std::move(copy));
        }
        r.body.clear();
        for (const Bytes& m : msgs) r.body.insert(r.body.end(), m.begin(), m.end());
      }
      emit(r);
      break;
    }
  }
  return op != 0;
}

}  // namespace fuzz
}  // namespace sanstls

#endif  // SANSTLS_FUZZ_RECORD_OPS_H_
