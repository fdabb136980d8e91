// Writes the differential harness's seeds (fuzz/differential.h: real first flights of sanstls and
// OpenSSL clients) into a folder: bazel run //fuzz:make_differential_corpus -- $PWD/fuzz/corpus/differential
#include <cstdio>
#include <fstream>
#include <string>

#include "fuzz/differential.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_differential_corpus DIR\n");
    return 2;
  }
  const char* names[] = {"sanstls_tls13", "sanstls_tls12", "openssl_tls13", "openssl_tls12"};
  std::vector<sanstls::Bytes> seeds = sanstls::differential::seed_flights();
  for (size_t i = 0; i < seeds.size(); i++) {
    std::string path = std::string(argv[1]) + "/" + names[i];
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(seeds[i].data()), static_cast<std::streamsize>(seeds[i].size()));
    if (!f) {
      std::fprintf(stderr, "make_differential_corpus: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
