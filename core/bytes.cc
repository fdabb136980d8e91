#include "core/bytes.h"

namespace sanstls {

bool Reader::take(size_t n, const uint8_t** p) {
  if (n > remaining()) return false;
  *p = in_.data() + pos_;
  pos_ += n;
  return true;
}

bool Reader::number(size_t n, uint64_t* v) {
  const uint8_t* p;
  if (!take(n, &p)) return false;
  uint64_t x = 0;
  for (size_t i = 0; i < n; i++) x = (x << 8) | p[i];
  *v = x;
  return true;
}

bool Reader::bytes(size_t n, ByteView* out) {
  const uint8_t* p;
  if (!take(n, &p)) return false;
  *out = ByteView(p, n);
  return true;
}

bool Reader::copy(size_t n, Bytes* out) {
  ByteView v;
  if (!bytes(n, &v)) return false;
  *out = v.to_bytes();
  return true;
}

bool Reader::skip(size_t n) {
  const uint8_t* p;
  return take(n, &p);
}

bool Reader::prefixed(size_t len_bytes, ByteView* out) {
  size_t start = pos_;
  uint64_t len = 0;
  if (!number(len_bytes, &len)) return false;
  if (!bytes(len, out)) {
    pos_ = start;
    return false;
  }
  return true;
}

bool Reader::prefixed(size_t len_bytes, Reader* child) {
  ByteView v;
  if (!prefixed(len_bytes, &v)) return false;
  *child = Reader(v);
  return true;
}

bool Reader::prefixed(size_t len_bytes, Bytes* out) {
  ByteView v;
  if (!prefixed(len_bytes, &v)) return false;
  *out = v.to_bytes();
  return true;
}

void Writer::grow(size_t n) {
  size_t want = out_->size() + n;
  if (want < 2 * out_->capacity()) want = 2 * out_->capacity();
  if (want < kMinCapacity) want = kMinCapacity;
  out_->reserve(want);
}

void Writer::number(uint64_t v, size_t n) {
  room(n);
  for (size_t i = n; i > 0; i--) out_->push_back(static_cast<uint8_t>(v >> (8 * (i - 1))));
}

void Writer::u24(uint32_t v) {
  if (v >= (1u << 24)) return fail();
  number(v, 3);
}

Writer::Prefix Writer::begin(uint8_t len_bytes) {
  Prefix p{out_->size(), len_bytes};
  room(len_bytes);
  out_->insert(out_->end(), len_bytes, 0);
  return p;
}

void Writer::end(Prefix p) {
  size_t len = out_->size() - p.at - p.len_bytes;
  if (p.len_bytes < 4 && len >= (size_t{1} << (8 * p.len_bytes))) {
    ok_ = false;
    return;
  }
  for (uint8_t i = 0; i < p.len_bytes; i++) {
    (*out_)[p.at + i] = static_cast<uint8_t>(len >> (8 * (p.len_bytes - 1 - i)));
  }
}

void Writer::prefixed(uint8_t len_bytes, ByteView b) {
  Prefix p = begin(len_bytes);
  bytes(b);
  end(p);
}

}  // namespace sanstls
