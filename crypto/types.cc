#include "crypto/types.h"

#include <cstdio>
#include <cstdlib>

namespace sanstls {

void secure_zero(void* p, size_t n) {
  if (n == 0) return;
  explicit_bzero(p, n);  // glibc: a memset the compiler may not remove
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); i++) diff |= static_cast<uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

std::string to_hex(ByteView b) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (uint8_t c : b) {
    s.push_back(kDigits[c >> 4]);
    s.push_back(kDigits[c & 15]);
  }
  return s;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool from_hex(const std::string& hex, Bytes* out) {
  if (hex.size() % 2 != 0) return false;
  Bytes r;
  r.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    r.push_back(static_cast<uint8_t>(hi * 16 + lo));
  }
  *out = std::move(r);
  return true;
}

Bytes hex(const std::string& h) {
  std::string clean;
  for (char c : h)
    if (c != ' ' && c != '\n' && c != ':') clean.push_back(c);
  Bytes out;
  if (!from_hex(clean, &out)) {
    std::fprintf(stderr, "sanstls::hex: bad hex constant\n");
    std::abort();
  }
  return out;
}

}  // namespace sanstls
