// The pcap reader's memory bounds (tools/capture/pcap.h PcapOptions): captures generated here (raw
// IPv4, written with libpcap) with many SYNs, many short connections, one long connection, segments
// held after a gap and an oversized handshake message; the bounds are checked through PcapStats (the
// bytes the reader holds), not by timing or RSS.
#include <pcap/pcap.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "tools/capture/decode.h"
#include "tools/capture/pcap.h"

namespace sanstls {
namespace {

constexpr uint8_t kSyn = 0x02, kAck = 0x10, kFin = 0x01, kPsh = 0x08;

// Writes raw IPv4 packets to a pcap file in the test's temporary directory.
class PcapWriter {
 public:
  explicit PcapWriter(const std::string& name) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    path = std::string(tmp ? tmp : "/tmp") + "/" + name;
    dead_ = pcap_open_dead(DLT_RAW, 65535);
    REQUIRE(dead_ != nullptr);
    dump_ = pcap_dump_open(dead_, path.c_str());
    REQUIRE(dump_ != nullptr);
  }
  ~PcapWriter() { close(); }
  void close() {
    if (dump_) pcap_dump_close(dump_);
    if (dead_) pcap_close(dead_);
    dump_ = nullptr;
    dead_ = nullptr;
  }
  // One TCP segment from 10.0.0.1:sport to 10.0.0.2:dport (or back, with to_server false).
  void tcp(uint16_t client_port, bool to_server, uint32_t seq, uint8_t flags, const Bytes& payload = Bytes()) {
    uint16_t sport = to_server ? client_port : 443, dport = to_server ? 443 : client_port;
    Bytes p = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, static_cast<uint8_t>(to_server ? 1 : 2),
               10, 0, 0, static_cast<uint8_t>(to_server ? 2 : 1)};
    Bytes t = {static_cast<uint8_t>(sport >> 8), static_cast<uint8_t>(sport), static_cast<uint8_t>(dport >> 8),
               static_cast<uint8_t>(dport), static_cast<uint8_t>(seq >> 24), static_cast<uint8_t>(seq >> 16),
               static_cast<uint8_t>(seq >> 8), static_cast<uint8_t>(seq), 0, 0, 0, 0, 0x50, flags, 0xff, 0xff,
               0, 0, 0, 0};
    p.insert(p.end(), t.begin(), t.end());
    p.insert(p.end(), payload.begin(), payload.end());
    p[2] = static_cast<uint8_t>(p.size() >> 8);
    p[3] = static_cast<uint8_t>(p.size());
    struct pcap_pkthdr h = {};
    h.caplen = h.len = static_cast<bpf_u_int32>(p.size());
    pcap_dump(reinterpret_cast<u_char*>(dump_), &h, p.data());
  }
  std::string path;

 private:
  pcap_t* dead_ = nullptr;
  pcap_dumper_t* dump_ = nullptr;
};

// A TLS record of `type` with n bytes of body.
Bytes record(uint8_t type, size_t n, uint8_t fill = 0x42) {
  Bytes r = {type, 3, 3, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  r.insert(r.end(), n, fill);
  return r;
}

struct Result {
  std::vector<capture::TlsConnection> conns;
  capture::PcapStats stats;
  std::string end;
};

Result read(const std::string& path, const capture::PcapOptions& o) {
  Result r;
  std::string err;
  REQUIRE_MESSAGE(capture::read_pcap(path, o, [&](capture::TlsConnection&& c) { r.conns.push_back(std::move(c)); },
                                     &r.stats, &err),
                  err);
  r.end = capture::format_report_end(r.stats, o);
  return r;
}

TEST_CASE("many SYNs: the open connections are capped, the rest counted and reported") {
  PcapWriter w("syns.pcap");
  for (uint32_t i = 0; i < 5000; i++) w.tcp(static_cast<uint16_t>(1024 + i), true, i * 7, kSyn);
  w.close();
  capture::PcapOptions o;
  o.max_flows = 100;
  Result r = read(w.path, o);
  CHECK(r.stats.flows == 100);
  CHECK(r.conns.size() == 100);
  CHECK(r.stats.flows_skipped == 4900);
  CHECK(r.stats.peak_open_flows == 100);
  CHECK(r.stats.buffered_bytes == 0);
  CHECK(r.end.find("flow limit reached: 4900 connection(s) not decoded because 100 were open at once") !=
        std::string::npos);
}

TEST_CASE("connections that end are handed on at once and forgotten") {
  PcapWriter w("short.pcap");
  for (uint16_t i = 0; i < 3000; i++) {
    uint16_t port = static_cast<uint16_t>(2000 + i);
    w.tcp(port, true, 100, kSyn);
    w.tcp(port, false, 500, kSyn | kAck);
    Bytes hello = record(22, 40);
    w.tcp(port, true, 101, kAck | kPsh, hello);
    w.tcp(port, true, 101 + static_cast<uint32_t>(hello.size()), kFin | kAck);
    w.tcp(port, false, 501, kFin | kAck);
    w.tcp(port, true, 102 + static_cast<uint32_t>(hello.size()), kAck);  // the last ACK starts nothing
  }
  w.close();
  capture::PcapOptions o;
  o.max_flows = 10;
  Result r = read(w.path, o);
  CHECK(r.stats.flows == 3000);
  CHECK(r.stats.flows_skipped == 0);
  CHECK(r.stats.peak_open_flows == 1);
  REQUIRE(r.conns.size() == 3000);
  CHECK(r.conns[2999].number == 3000);
  CHECK(r.conns[0].client_stream.size() == 45);
  CHECK(r.end.empty());
}

TEST_CASE("a long connection: kept stream, lines and held bytes stay bounded") {
  PcapWriter w("long.pcap");
  w.tcp(40000, true, 0, kSyn);
  uint32_t seq = 1;
  const size_t kRecords = 400;  // 400 x 16005 bytes: 6.4 MB
  for (size_t i = 0; i < kRecords; i++) {
    Bytes rec = record(23, 16000, static_cast<uint8_t>(i));
    // In segments of 1400 bytes.
    for (size_t off = 0; off < rec.size(); off += 1400) {
      Bytes seg(rec.begin() + static_cast<long>(off), rec.begin() + static_cast<long>(std::min(rec.size(), off + 1400)));
      w.tcp(40000, true, seq, kAck, seg);
      seq += static_cast<uint32_t>(seg.size());
    }
  }
  w.close();
  capture::PcapOptions o;
  o.max_stream_bytes = 64 * 1024;
  o.max_lines = 100;
  Result r = read(w.path, o);
  REQUIRE(r.conns.size() == 1);
  const capture::TlsConnection& c = r.conns[0];
  CHECK(c.client_stream.size() == 64 * 1024);
  CHECK(c.streams_cut);
  CHECK(c.client_app_bytes == kRecords * 16000);
  CHECK(c.lines.size() == 101);
  CHECK(c.lines.back() == "300 more lines not shown");
  CHECK(r.stats.peak_buffered_bytes <= 64 * 1024 + 16005 + 1400);
  CHECK(r.stats.peak_buffered_bytes <= capture::connection_bound(o));
}

TEST_CASE("segments after a gap: at most max_pending_bytes held, the rest dropped and said") {
  PcapWriter w("gap.pcap");
  w.tcp(40001, true, 0, kSyn);
  // Stream offset 0..999 never arrives; 4 MB after it do.
  Bytes seg(1000, 0x17);
  for (uint32_t i = 1; i <= 4000; i++) w.tcp(40001, true, 1 + i * 1000, kAck, seg);
  w.close();
  capture::PcapOptions o;
  o.max_pending_bytes = 100 * 1000;
  Result r = read(w.path, o);
  REQUIRE(r.conns.size() == 1);
  CHECK(r.stats.peak_buffered_bytes == 100 * 1000);
  CHECK(r.stats.dropped_bytes == 3900 * 1000);
  std::string lines;
  for (const std::string& l : r.conns[0].lines) lines += l + "\n";
  CHECK(lines.find("C->S missing TCP data: 100 segment(s) after a gap at offset 0") != std::string::npos);
  CHECK(lines.find("C->S 3900000 bytes after a gap dropped: more than 100000 bytes were waiting for it") !=
        std::string::npos);
}

TEST_CASE("a handshake message announced too long is not buffered") {
  PcapWriter w("bighs.pcap");
  w.tcp(40002, true, 0, kSyn);
  // A Certificate message announcing 16 MB, carried by 3 MB of handshake records.
  Bytes first = record(22, 16000);
  first[5] = 11;
  first[6] = 0xff;
  first[7] = 0xff;
  first[8] = 0xff;
  uint32_t seq = 1;
  for (int i = 0; i < 200; i++) {
    const Bytes& rec = i == 0 ? first : record(22, 16000);
    w.tcp(40002, true, seq, kAck, rec);
    seq += static_cast<uint32_t>(rec.size());
  }
  w.close();
  capture::PcapOptions o;
  o.max_stream_bytes = 0;
  Result r = read(w.path, o);
  REQUIRE(r.conns.size() == 1);
  CHECK(r.conns[0].lines.size() == 1);
  CHECK(r.conns[0].lines[0].find("Certificate of 16777215 bytes announced: over the decoder's limit") !=
        std::string::npos);
  CHECK(r.stats.peak_buffered_bytes <= 16005);
}

}  // namespace
}  // namespace sanstls
