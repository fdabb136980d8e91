// A main for fuzz harnesses built without libFuzzer: runs LLVMFuzzerTestOneInput once on every file
// named on the command line and on every regular file under every directory named (recursively,
// in sorted order). Lets corpora and regression inputs replay in an ordinary test.
//
// Exit status: 0 when every input ran (a crash in the harness aborts the process instead); 1 when a
// path does not exist or cannot be read, or when no input at all was found.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool run_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  // A copy in a buffer of its own size, so that ASan sees reads past the end.
  std::vector<uint8_t> exact(data);
  LLVMFuzzerTestOneInput(exact.data(), exact.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  size_t count = 0;
  for (int i = 1; i < argc; i++) {
    std::error_code ec;
    fs::path p(argv[i]);
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::follow_directory_symlink, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (fs::is_regular_file(it->path(), ec)) files.push_back(it->path().string());
      }
      if (ec) {
        std::fprintf(stderr, "cannot list %s\n", argv[i]);
        return 1;
      }
      std::sort(files.begin(), files.end());
      for (const std::string& f : files) {
        if (!run_file(f)) return 1;
        count++;
      }
    } else if (fs::exists(p, ec)) {
      if (!run_file(argv[i])) return 1;
      count++;
    } else {
      std::fprintf(stderr, "no such file or directory: %s\n", argv[i]);
      return 1;
    }
  }
  std::printf("ran %zu inputs\n", count);
  return count > 0 ? 0 : 1;
}
