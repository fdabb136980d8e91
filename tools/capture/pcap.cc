#include "tools/capture/pcap.h"

#include <pcap/pcap.h>

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "core/bytes.h"
#include "core/handshake.h"
#include "core/record.h"
#include "core/wire.h"

namespace sanstls {
namespace capture {

namespace {

// Link-layer types (pcap/dlt.h values, spelled out for the ones that differ across systems).
constexpr int kDltNull = 0, kDltEthernet = 1, kDltRaw = 12, kDltRawAlt = 101, kDltLoop = 108,
              kDltLinuxSll = 113, kDltLinuxSll2 = 276;

struct Segment {
  std::string src, dst;  // "addr:port"
  uint16_t sport = 0, dport = 0;
  uint32_t seq = 0;
  bool syn = false, ack = false;
  ByteView payload;
};

std::string endpoint(int family, const uint8_t* addr, uint16_t port) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family, addr, buf, sizeof(buf));
  return (family == AF_INET6 ? "[" + std::string(buf) + "]" : std::string(buf)) + ":" + std::to_string(port);
}

bool parse_tcp(ByteView ip_payload, int family, const uint8_t* src, const uint8_t* dst, Segment* s, uint8_t* tcp_flags) {
  Reader r(ip_payload);
  uint8_t off_byte, flags;
  uint16_t window;
  uint32_t ackno;
  if (!r.u16(&s->sport) || !r.u16(&s->dport) || !r.u32(&s->seq) || !r.u32(&ackno) || !r.u8(&off_byte) ||
      !r.u8(&flags) || !r.u16(&window)) {
    return false;
  }
  size_t hlen = static_cast<size_t>(off_byte >> 4) * 4;
  if (hlen < 20 || hlen > ip_payload.size()) return false;
  *tcp_flags = flags;
  s->syn = flags & 0x02;
  s->ack = flags & 0x10;
  s->payload = ip_payload.sub(hlen);
  s->src = endpoint(family, src, s->sport);
  s->dst = endpoint(family, dst, s->dport);
  return true;
}

// IPv4 or IPv6 packet -> TCP segment.
bool parse_ip(ByteView pkt, Segment* s, uint8_t* tcp_flags) {
  if (pkt.empty()) return false;
  int v = pkt[0] >> 4;
  if (v == 4) {
    if (pkt.size() < 20) return false;
    size_t ihl = static_cast<size_t>(pkt[0] & 0x0f) * 4;
    size_t total = size_t{pkt[2]} << 8 | pkt[3];
    uint16_t frag = static_cast<uint16_t>(pkt[6] << 8 | pkt[7]);
    if (ihl < 20 || total < ihl || total > pkt.size() || pkt[9] != 6 || (frag & 0x3fff) != 0) return false;
    return parse_tcp(pkt.sub(ihl, total - ihl), AF_INET, pkt.data() + 12, pkt.data() + 16, s, tcp_flags);
  }
  if (v == 6) {
    if (pkt.size() < 40) return false;
    size_t plen = size_t{pkt[4]} << 8 | pkt[5];
    if (pkt[6] != 6 || 40 + plen > pkt.size()) return false;
    return parse_tcp(pkt.sub(40, plen), AF_INET6, pkt.data() + 8, pkt.data() + 24, s, tcp_flags);
  }
  return false;
}

// Link-layer frame -> IP packet. ethertype 0x0800 / 0x86dd; BSD loopback families 2, 24, 28, 30.
bool strip_link(int dlt, ByteView frame, ByteView* ip) {
  switch (dlt) {
    case kDltEthernet: {
      if (frame.size() < 14) return false;
      size_t off = 12;
      uint16_t type = static_cast<uint16_t>(frame[off] << 8 | frame[off + 1]);
      while (type == 0x8100 || type == 0x88a8) {  // VLAN tags
        off += 4;
        if (frame.size() < off + 2) return false;
        type = static_cast<uint16_t>(frame[off] << 8 | frame[off + 1]);
      }
      if (type != 0x0800 && type != 0x86dd) return false;
      *ip = frame.sub(off + 2);
      return true;
    }
    case kDltNull:
    case kDltLoop:
      if (frame.size() < 4) return false;
      *ip = frame.sub(4);
      return true;
    case kDltRaw:
    case kDltRawAlt:
      *ip = frame;
      return true;
    case kDltLinuxSll:
      if (frame.size() < 16) return false;
      *ip = frame.sub(16);
      return true;
    case kDltLinuxSll2:
      if (frame.size() < 20) return false;
      *ip = frame.sub(20);
      return true;
  }
  return false;
}

// One direction of a TCP connection, reassembled by sequence number.
struct Reassembly {
  bool have_base = false;
  uint32_t base = 0;                  // sequence number of stream offset 0
  uint64_t delivered = 0;             // stream bytes handed on
  std::map<uint64_t, Bytes> pending;  // segments after a gap, by stream offset
  size_t pending_bytes = 0;
  uint64_t dropped = 0;               // bytes dropped over the pending limit
  bool fin = false;

  void syn(uint32_t seq) {
    if (have_base) return;
    have_base = true;
    base = seq + 1;
  }
  // Adds a segment and returns the bytes that became contiguous. At most max_pending bytes wait after
  // a gap; a segment that would pass that is dropped (and counted).
  Bytes add(uint32_t seq, ByteView data, size_t max_pending) {
    Bytes out;
    if (data.empty()) return out;
    if (!have_base) {
      have_base = true;
      base = seq;
    }
    uint32_t rel = seq - base;
    if (rel > 0x80000000u) return out;  // before the start we know: ignore
    uint64_t off = rel;
    if (off + data.size() <= delivered) return out;  // a retransmission
    auto it = pending.find(off);
    size_t old = it == pending.end() ? 0 : it->second.size();
    if (data.size() > old) {
      if (off > delivered && pending_bytes - old + data.size() > max_pending) {
        dropped += data.size();
        return out;
      }
      pending_bytes = pending_bytes - old + data.size();
      pending[off] = data.to_bytes();
    }
    while (!pending.empty() && pending.begin()->first <= delivered) {
      auto first = pending.begin();
      uint64_t start = first->first;
      const Bytes& b = first->second;
      if (start + b.size() > delivered) {
        size_t skip = static_cast<size_t>(delivered - start);
        out.insert(out.end(), b.begin() + static_cast<long>(skip), b.end());
        delivered = start + b.size();
      }
      pending_bytes -= b.size();
      pending.erase(first);
    }
    return out;
  }
};

struct Flow {
  TlsConnection conn;
  Reassembly dir[2];
  std::unique_ptr<ConnectionDecoder> decoder;
  size_t lines_over = 0;  // lines not kept over max_lines
  bool rst = false;

  size_t buffered() const {
    return dir[0].pending_bytes + dir[1].pending_bytes + conn.client_stream.size() + conn.server_stream.size() +
           decoder->buffered_bytes();
  }
};

// The flows of one capture, bounded, handing each on when it ends.
class FlowTable {
 public:
  FlowTable(const PcapOptions& o, const std::function<void(TlsConnection&&)>& sink, PcapStats* stats)
      : o_(o), sink_(sink), stats_(stats) {}

  void packet(const Segment& s, uint8_t flags);
  // Hands on every flow left, in the order they were first seen.
  void finish() {
    for (auto& entry : by_number_) end(*entry.second);
    by_number_.clear();
    index_.clear();
  }

 private:
  void end(Flow& f);
  void account(size_t before, size_t after) {
    stats_->buffered_bytes = stats_->buffered_bytes - before + after;
    stats_->peak_buffered_bytes = std::max(stats_->peak_buffered_bytes, stats_->buffered_bytes);
  }

  const PcapOptions& o_;
  const std::function<void(TlsConnection&&)>& sink_;
  PcapStats* stats_;
  size_t seen_ = 0;
  std::map<std::string, Flow*> index_;                   // "client>server" -> the flow
  std::map<size_t, std::unique_ptr<Flow>> by_number_;   // the open flows by number
};

void FlowTable::packet(const Segment& s, uint8_t flags) {
  // A known connection, in either direction; else a new one: to the port, or (port 0) any SYN.
  bool to_server = true;
  auto it = index_.find(s.src + ">" + s.dst);
  if (it == index_.end()) {
    it = index_.find(s.dst + ">" + s.src);
    to_server = false;
  }
  if (it == index_.end()) {
    if (o_.port == 0) {
      if (!s.syn || s.ack) return;
      to_server = true;
    } else {
      to_server = s.dport == o_.port;
      if (!to_server && s.sport != o_.port) return;
      if (s.sport == o_.port && s.dport == o_.port) to_server = s.syn && !s.ack;
    }
    // An RST, or a bare ACK (the last one of a connection already handed on), starts nothing.
    if ((flags & 0x04) || (!s.syn && s.payload.empty())) return;
    if (by_number_.size() >= o_.max_flows) {
      stats_->flows_skipped++;
      return;
    }
    std::string key = to_server ? s.src + ">" + s.dst : s.dst + ">" + s.src;
    auto f = std::make_unique<Flow>();
    f->conn.number = ++seen_;
    f->conn.client = to_server ? s.src : s.dst;
    f->conn.server = to_server ? s.dst : s.src;
    f->decoder = std::make_unique<ConnectionDecoder>(o_.keys, /*keep_records=*/false);
    it = index_.emplace(key, f.get()).first;
    by_number_[f->conn.number] = std::move(f);
    stats_->peak_open_flows = std::max(stats_->peak_open_flows, by_number_.size());
  }
  Flow& f = *it->second;
  size_t before = f.buffered();
  int d = to_server ? kClientToServer : kServerToClient;
  if (s.syn) f.dir[d].syn(s.seq);
  uint64_t dropped = f.dir[d].dropped;
  Bytes bytes = f.dir[d].add(s.seq, s.payload, o_.max_pending_bytes);
  stats_->dropped_bytes += f.dir[d].dropped - dropped;
  if (!bytes.empty()) {
    Bytes& stream = d == kClientToServer ? f.conn.client_stream : f.conn.server_stream;
    size_t keep = std::min(bytes.size(), o_.max_stream_bytes - std::min(o_.max_stream_bytes, stream.size()));
    if (keep < bytes.size()) f.conn.streams_cut = true;
    stream.insert(stream.end(), bytes.begin(), bytes.begin() + static_cast<long>(keep));
    std::vector<std::string> lines;
    f.decoder->feed(d, bytes, &lines);
    for (std::string& l : lines) {
      if (f.conn.lines.size() < o_.max_lines) {
        f.conn.lines.push_back(std::move(l));
      } else {
        f.lines_over++;
      }
    }
  }
  account(before, f.buffered());
  if (flags & 0x01) f.dir[d].fin = true;
  if (flags & 0x04) f.rst = true;
  bool complete = f.dir[0].pending.empty() && f.dir[1].pending.empty();
  if (f.rst || (f.dir[0].fin && f.dir[1].fin && complete)) {
    size_t number = f.conn.number;
    std::string key = f.conn.client + ">" + f.conn.server;
    end(f);
    index_.erase(key);
    by_number_.erase(number);
  }
}

void FlowTable::end(Flow& f) {
  account(f.buffered(), 0);
  for (int d = 0; d < 2; d++) {
    if (!f.dir[d].pending.empty()) {
      f.conn.lines.push_back(std::string(d == 0 ? "C->S" : "S->C") + " missing TCP data: " +
                             std::to_string(f.dir[d].pending.size()) + " segment(s) after a gap at offset " +
                             std::to_string(f.dir[d].delivered));
    }
    if (f.dir[d].dropped != 0) {
      f.conn.lines.push_back(std::string(d == 0 ? "C->S" : "S->C") + " " + std::to_string(f.dir[d].dropped) +
                             " bytes after a gap dropped: more than " + std::to_string(o_.max_pending_bytes) +
                             " bytes were waiting for it");
    }
  }
  if (f.lines_over != 0) f.conn.lines.push_back(std::to_string(f.lines_over) + " more lines not shown");
  f.decoder->finish(&f.conn.lines);
  f.conn.client_app_bytes = f.decoder->app_data_bytes(kClientToServer);
  f.conn.server_app_bytes = f.decoder->app_data_bytes(kServerToClient);
  f.conn.decrypted = f.decoder->decrypting(kClientToServer) && f.decoder->decrypting(kServerToClient);
  f.conn.suite = f.decoder->suite();
  stats_->flows++;
  sink_(std::move(f.conn));
}

bool read_open(pcap_t* p, const std::string& name, const PcapOptions& options,
               const std::function<void(TlsConnection&&)>& on_connection, PcapStats* stats, std::string* error) {
  int dlt = pcap_datalink(p);
  if (dlt != kDltNull && dlt != kDltEthernet && dlt != kDltRaw && dlt != kDltRawAlt && dlt != kDltLoop &&
      dlt != kDltLinuxSll && dlt != kDltLinuxSll2) {
    *error = std::string("unsupported link type ") + std::to_string(dlt) + " in " + name;
    return false;
  }
  PcapStats local;
  if (stats == nullptr) stats = &local;
  FlowTable table(options, on_connection, stats);
  struct pcap_pkthdr* h;
  const u_char* data;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    ByteView ip;
    Segment s;
    uint8_t flags = 0;
    if (!strip_link(dlt, ByteView(data, h->caplen), &ip) || !parse_ip(ip, &s, &flags)) continue;
    table.packet(s, flags);
  }
  if (rc == -1) {
    *error = std::string("reading ") + name + ": " + pcap_geterr(p);
    return false;
  }
  table.finish();
  return true;
}

}  // namespace

bool read_pcap(const std::string& path, const PcapOptions& options,
               const std::function<void(TlsConnection&&)>& on_connection, PcapStats* stats, std::string* error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
  if (!p) {
    *error = "cannot read " + path + ": " + errbuf;
    return false;
  }
  bool ok = read_open(p, path, options, on_connection, stats, error);
  pcap_close(p);
  return ok;
}

bool read_pcap_bytes(ByteView file, const PcapOptions& options,
                     const std::function<void(TlsConnection&&)>& on_connection, PcapStats* stats,
                     std::string* error) {
  if (file.empty()) {
    *error = "an empty capture";
    return false;
  }
  // fmemopen does not write to a buffer opened "rb"; libpcap closes the FILE with pcap_close.
  FILE* f = fmemopen(const_cast<uint8_t*>(file.data()), file.size(), "rb");
  if (f == nullptr) {
    *error = std::string("fmemopen: ") + std::strerror(errno);
    return false;
  }
  char errbuf[PCAP_ERRBUF_SIZE] = {0};
  pcap_t* p = pcap_fopen_offline(f, errbuf);
  if (!p) {
    std::fclose(f);
    *error = std::string("cannot read the capture: ") + errbuf;
    return false;
  }
  bool ok = read_open(p, "the capture", options, on_connection, stats, error);
  pcap_close(p);
  return ok;
}

bool read_pcap(const std::string& path, const PcapOptions& options, std::vector<TlsConnection>* out,
               std::string* error) {
  std::vector<TlsConnection> got;
  if (!read_pcap(path, options, [&](TlsConnection&& c) { got.push_back(std::move(c)); }, nullptr, error))
    return false;
  std::sort(got.begin(), got.end(), [](const TlsConnection& a, const TlsConnection& b) { return a.number < b.number; });
  for (TlsConnection& c : got) out->push_back(std::move(c));
  return true;
}

size_t connection_bound(const PcapOptions& o) {
  const size_t record = kRecordHeaderLength + 65535;
  return 2 * (o.max_pending_bytes + o.max_stream_bytes + record +
              (ConnectionDecoder::kMaxHandshakeMessage + kHandshakeHeaderLength + 65535));
}

std::string format_connection(const TlsConnection& c) {
  std::string s = "connection " + std::to_string(c.number) + ": " + c.client + " -> " + c.server + "\n";
  for (const std::string& l : c.lines) s += "  " + l + "\n";
  s += "  summary: " + std::string(c.suite ? cipher_suite_name(c.suite) : "no ServerHello") + ", " +
       (c.decrypted ? "decrypted" : "not decrypted") + ", application data " + std::to_string(c.client_app_bytes) +
       " bytes client to server, " + std::to_string(c.server_app_bytes) + " bytes server to client" +
       (c.decrypted ? "" : " (ciphertext sizes)") + "\n";
  return s;
}

std::string format_report_end(const PcapStats& stats, const PcapOptions& options) {
  std::string s;
  if (stats.flows == 0) s += "no TCP connection on that port\n";
  if (stats.flows_skipped != 0) {
    s += "flow limit reached: " + std::to_string(stats.flows_skipped) + " connection(s) not decoded because " +
         std::to_string(options.max_flows) + " were open at once (raise it with -max-flows)\n";
  }
  return s;
}

std::string format_report(const std::vector<TlsConnection>& conns) {
  std::string s;
  for (const TlsConnection& c : conns) s += format_connection(c);
  if (conns.empty()) s += "no TCP connection on that port\n";
  return s;
}

bool extract_seeds(const std::vector<TlsConnection>& conns, const std::string& dir, const std::string& prefix,
                   std::string* error) {
  for (size_t i = 0; i < conns.size(); i++) {
    for (int d = 0; d < 2; d++) {
      const Bytes& stream = d == 0 ? conns[i].client_stream : conns[i].server_stream;
      if (stream.empty()) continue;
      // server_fuzzer: flags, split count; client_fuzzer: flags, suite, split count.
      Bytes b(d == 0 ? 2 : 3, 0);
      b.insert(b.end(), stream.begin(), stream.end());
      std::string path =
          dir + "/" + prefix + "-" + std::to_string(conns[i].number != 0 ? conns[i].number : i + 1) + (d == 0 ? "-server_fuzzer.bin" : "-client_fuzzer.bin");
      FILE* f = std::fopen(path.c_str(), "wb");
      if (!f) {
        *error = "cannot write " + path + ": " + std::strerror(errno);
        return false;
      }
      bool ok = std::fwrite(b.data(), 1, b.size(), f) == b.size();
      if (std::fclose(f) != 0 || !ok) {
        *error = "cannot write " + path;
        return false;
      }
    }
  }
  return true;
}

}  // namespace capture
}  // namespace sanstls
