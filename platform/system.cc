#include "platform/system.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace sanstls {
namespace platform {

namespace {
uint64_t clock_ms(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}
}  // namespace

uint64_t SystemClock::now_ms() { return clock_ms(CLOCK_REALTIME); }

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

uint64_t monotonic_ms() { return clock_ms(CLOCK_MONOTONIC); }

Loaded load_file(const std::string& path) {
  Loaded out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    out.error = "cannot read " + path + ": " + std::strerror(errno);
    return out;
  }
  // fopen() opens a directory for reading on Linux; the first read then fails with EISDIR.
  uint8_t buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.data.insert(out.data.end(), buf, buf + n);
  int err = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (err != 0) {
    out.data.clear();
    out.error = "cannot read " + path + ": " + std::strerror(err);
  }
  return out;
}

Loaded load_pem(const std::string& path) {
  Loaded out = load_file(path);
  if (!out.ok()) return out;
  if (out.data.empty()) {
    out.error = path + ": empty file";
  } else if (ByteView(out.data).to_string().find("-----BEGIN ") == std::string::npos) {
    out.data.clear();
    out.error = path + ": not a PEM file (no -----BEGIN line)";
  }
  return out;
}

}  // namespace platform
}  // namespace sanstls
