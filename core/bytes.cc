#include "core/bytes.h"

namespace sanstls {

bool Reader::take(size_t n, const uint8_t** p) {
  if (n > remaining()) return false;
  *p = in_.data() + pos_;
  pos_ += n;
  return true;
}

bool Reader::u8(uint8_t* v) {
  const uint8_t* p;
  if (!take(1, &p)) return false;
  *v = p[0];
  return true;
}

bool Reader::u16(uint16_t* v) {
  const uint8_t* p;
  if (!take(2, &p)) return false;
  *v = static_cast<uint16_t>((p[0] << 8) | p[1]);
  return true;
}

bool Reader::u24(uint32_t* v) {
  const uint8_t* p;
  if (!take(3, &p)) return false;
  *v = (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
  return true;
}

bool Reader::u32(uint32_t* v) {
  const uint8_t* p;
  if (!take(4, &p)) return false;
  *v = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  return true;
}

bool Reader::u64(uint64_t* v) {
  uint32_t hi, lo;
  size_t start = pos_;
  if (!u32(&hi) || !u32(&lo)) {
    pos_ = start;
    return false;
  }
  *v = (uint64_t{hi} << 32) | lo;
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
  const uint8_t* p;
  if (!take(len_bytes, &p)) return false;
  uint32_t len = 0;
  for (size_t i = 0; i < len_bytes; i++) len = (len << 8) | p[i];
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

void Writer::u16(uint16_t v) {
  room(2);
  out_->push_back(static_cast<uint8_t>(v >> 8));
  out_->push_back(static_cast<uint8_t>(v));
}

void Writer::u24(uint32_t v) {
  if (v >= (1u << 24)) {
    ok_ = false;
    return;
  }
  room(3);
  out_->push_back(static_cast<uint8_t>(v >> 16));
  out_->push_back(static_cast<uint8_t>(v >> 8));
  out_->push_back(static_cast<uint8_t>(v));
}

void Writer::u32(uint32_t v) {
  u16(static_cast<uint16_t>(v >> 16));
  u16(static_cast<uint16_t>(v));
}

void Writer::u64(uint64_t v) {
  u32(static_cast<uint32_t>(v >> 32));
  u32(static_cast<uint32_t>(v));
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
