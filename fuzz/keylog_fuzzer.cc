// libFuzzer harness for the NSS key-log parser (tools/capture/decode.h parse_key_log), which
// tls_replay -keylog runs on a file it is given.
//
// Input: the key-log text.
// Invariants: the count returned is at most the number of lines and at least the number of entries
// added; every entry has a 32-byte client random and a 1..64-byte secret (48 for CLIENT_RANDOM); a
// second parse of the same text adds nothing new and returns the same count; the map written back as
// key-log lines parses to the same map.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "tools/capture/decode.h"

namespace sanstls {
namespace fuzz {
namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "FUZZ INVARIANT VIOLATED: %s\n", what);
  std::fflush(stderr);
  __builtin_trap();
}
void require(bool ok, const char* what) {
  if (!ok) fail(what);
}

void run(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  capture::KeyLogMap keys;
  size_t n = capture::parse_key_log(text, &keys);
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  if (!text.empty() && text.back() != '\n') lines++;
  require(n <= lines, "more entries than lines");
  require(keys.size() <= n, "more keys than entries counted");
  std::string written;
  for (const auto& k : keys) {
    const std::string& label = k.first.first;
    require(!label.empty() && label[0] != '#', "an empty or comment label");
    require(k.first.second.size() == 32, "a client random that is not 32 bytes");
    require(!k.second.empty() && k.second.size() <= 64, "a secret of a bad length");
    if (label == "CLIENT_RANDOM") require(k.second.size() == 48, "a master secret that is not 48 bytes");
    written += label + " " + to_hex(k.first.second) + " " + to_hex(k.second) + "\n";
  }
  capture::KeyLogMap again = keys;
  require(capture::parse_key_log(text, &again) == n, "a second parse counts differently");
  require(again == keys, "a second parse changed the map");
  capture::KeyLogMap back;
  require(capture::parse_key_log(written, &back) == keys.size(), "the written-back key log counts differently");
  require(back == keys, "the written-back key log parses differently");
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
