// libFuzzer harness for tls_replay -pcap (tools/capture/pcap.h): libpcap's pcap and pcapng readers,
// the link, IP and TCP parsing, TCP reassembly and the TLS decoder (tools/capture/decode.h), with and
// without a key log, under the default bounds or small ones.
//
// Input: flags(1) | a pcap or pcapng file
//   flags bit 0: every connection whose SYN is seen (port 0), else port 443; bit 1: decrypt with the
//   key log of tests/replays/pcap/openssl_openssl.keys (embedded); bit 2: small bounds (4 connections,
//   4 KiB held after a gap, 4 KiB of stream kept, 16 lines).
// Invariants (the bounds of PcapOptions): at most max_flows connections open at once; the bytes held
// never more than max_flows times the per-connection bound; nothing held at the end; every connection
// handed on once, numbered in order of appearance, its kept streams and lines within their limits.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "fuzz/embedded_keylog.h"
#include "tools/capture/decode.h"
#include "tools/capture/pcap.h"

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

const capture::KeyLogMap& keys() {
  static const capture::KeyLogMap* k = [] {
    auto* m = new capture::KeyLogMap();
    capture::parse_key_log(kOpensslKeyLog, m);
    return m;
  }();
  return *k;
}

void run(const uint8_t* data, size_t size) {
  if (size == 0) return;
  uint8_t flags = data[0];
  capture::PcapOptions o;
  o.port = (flags & 1) ? 0 : 443;
  if (flags & 2) o.keys = &keys();
  if (flags & 4) {
    o.max_flows = 4;
    o.max_pending_bytes = 4096;
    o.max_stream_bytes = 4096;
    o.max_lines = 16;
  }
  capture::PcapStats stats;
  std::set<size_t> numbers;
  size_t handed = 0;
  std::string err;
  bool ok = capture::read_pcap_bytes(
      ByteView(data + 1, size - 1), o,
      [&](capture::TlsConnection&& c) {
        handed++;
        require(c.number >= 1 && numbers.insert(c.number).second, "a connection number reused or 0");
        require(c.client_stream.size() <= o.max_stream_bytes && c.server_stream.size() <= o.max_stream_bytes,
                "a kept stream over max_stream_bytes");
        // max_lines, then at most: one for the lines not shown, two per direction (a gap, bytes dropped),
        // two from the decoder's finish().
        require(c.lines.size() <= o.max_lines + 7, "more lines than max_lines allows");
        (void)capture::format_connection(c);
      },
      &stats, &err);
  if (!ok) {
    require(!err.empty(), "read_pcap_bytes failed without a reason");
    return;
  }
  require(handed == stats.flows, "PcapStats::flows differs from the connections handed on");
  require(stats.peak_open_flows <= o.max_flows, "more connections open than max_flows");
  require(stats.peak_buffered_bytes <= stats.peak_open_flows * capture::connection_bound(o),
          "more bytes held than the bounds allow");
  require(stats.buffered_bytes == 0, "bytes still held after the end");
  (void)capture::format_report_end(stats, o);
  if (std::getenv("SANSTLS_FUZZ_VERBOSE") != nullptr)
    std::fprintf(stderr, "pcap: flows=%zu skipped=%zu peak_open=%zu peak_buffered=%zu\n", stats.flows,
                 stats.flows_skipped, stats.peak_open_flows, stats.peak_buffered_bytes);
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
