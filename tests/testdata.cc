#include "tests/testdata.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace sanstls {
namespace testing {

Bytes read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "test data file not found: %s\n", path.c_str());
    std::abort();
  }
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::string read_text(const std::string& path) {
  Bytes b = read_file(path);
  return std::string(b.begin(), b.end());
}

}  // namespace testing
}  // namespace sanstls
