// Reading packet captures (pcap and pcapng, through libpcap) of TLS 1.2 connections: a focused
// Wireshark for TLS. Each TCP connection to the server port is reassembled by sequence numbers
// (segments out of order are held until the gap is filled, retransmitted bytes are dropped), its two
// streams are decoded into records and handshake messages (tools/capture/decode.h) and, with an NSS key
// log, decrypted.
//
// Link types: Ethernet (with 802.1Q tags), BSD loopback, raw IP, Linux cooked (SLL and SLL2). IPv4 and
// IPv6 (without extension headers). IP fragments are not reassembled.
#ifndef SANSTLS_TOOLS_CAPTURE_PCAP_H_
#define SANSTLS_TOOLS_CAPTURE_PCAP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/capture/decode.h"

namespace sanstls {
namespace capture {

// The bounds keep memory proportional to the connections open at once, not to the capture's size:
// at most max_flows connections are tracked at a time, each holding at most connection_bound() bytes
// (PcapStats::buffered_bytes counts them) plus max_lines lines. A connection is handed on (and
// forgotten) as soon as it ends (an RST, or a FIN each way), the rest at the end of the capture.
struct PcapOptions {
  uint16_t port = 443;              // the server's TCP port; 0: every connection whose SYN is seen
  const KeyLogMap* keys = nullptr;  // decrypts connections whose client random it holds
  // Connections tracked at once. A new connection seen while that many are open is not decoded; the
  // report says how many were skipped (PcapStats::flows_skipped) and how to raise the limit.
  size_t max_flows = 1000;
  // Per direction: bytes held after a gap in the sequence numbers, waiting for it to be filled. Past
  // it, later segments are dropped (and counted) until the gap is filled.
  size_t max_pending_bytes = 1 << 20;
  // Per direction: reassembled bytes kept in TlsConnection::client_stream / server_stream (for
  // extract_seeds). The rest is decoded but not kept.
  size_t max_stream_bytes = 1 << 20;
  // Per connection: lines kept; past it one line says how many more there were.
  size_t max_lines = 10000;
};

// One TCP connection found in the capture.
struct TlsConnection {
  size_t number = 0;                 // 1 for the first connection seen in the capture, and so on
  std::string client, server;        // "127.0.0.1:40312"
  std::vector<std::string> lines;    // the decoded records and messages, in capture order
  Bytes client_stream, server_stream;  // the reassembled bytes of each direction (up to max_stream_bytes)
  bool streams_cut = false;          // a stream was longer than max_stream_bytes
  uint64_t client_app_bytes = 0;     // application data (plaintext when decrypted, else ciphertext)
  uint64_t server_app_bytes = 0;
  bool decrypted = false;            // both directions' records after ChangeCipherSpec were decrypted
  uint16_t suite = 0;
};

// The most bytes one connection holds: per direction, max_pending_bytes after a gap, max_stream_bytes
// kept, and in the decoder an incomplete record (at most 5 + 65535 bytes) and an incomplete handshake
// message (at most ConnectionDecoder::kMaxHandshakeMessage + 4, plus the rest of the record that
// completed it).
size_t connection_bound(const PcapOptions& options);

// What reading a capture took, for the report and for tests of the bounds.
struct PcapStats {
  size_t flows = 0;                // connections decoded (handed on)
  size_t flows_skipped = 0;        // connections not decoded because max_flows were open
  size_t peak_open_flows = 0;      // the most connections tracked at once
  size_t buffered_bytes = 0;       // bytes held now (out-of-order segments, kept streams, decoders)
  size_t peak_buffered_bytes = 0;  // the most ever held at once
  uint64_t dropped_bytes = 0;      // out-of-order bytes dropped over max_pending_bytes
};

// Reads the capture at `path`, handing each connection to `on_connection` as soon as it ends (so the
// report can be streamed; the connection is then forgotten), the rest at the end in the order they
// were first seen. False with a reason in *error when libpcap cannot open it or its link type is not
// supported; packets that are not TCP to or from the port are skipped. `stats` may be null.
bool read_pcap(const std::string& path, const PcapOptions& options,
               const std::function<void(TlsConnection&&)>& on_connection, PcapStats* stats, std::string* error);
// The same from a capture in memory (the fuzz harness).
bool read_pcap_bytes(ByteView file, const PcapOptions& options,
                     const std::function<void(TlsConnection&&)>& on_connection, PcapStats* stats,
                     std::string* error);
// Every connection at once, in the order they were first seen.
bool read_pcap(const std::string& path, const PcapOptions& options, std::vector<TlsConnection>* out,
               std::string* error);

// The report of one connection: its end points, its lines and a summary.
std::string format_connection(const TlsConnection& c);
// The tail of the report: "no TCP connection on that port" when there was none, and a line for the
// connections skipped over max_flows.
std::string format_report_end(const PcapStats& stats, const PcapOptions& options);
// The report tls_replay --pcap prints: format_connection of each, then the end (for the vector form).
std::string format_report(const std::vector<TlsConnection>& conns);

// Writes each connection's two streams as fuzz corpus inputs in the formats of the engine harnesses
// (fuzz/server_fuzzer.cc, fuzz/client_fuzzer.cc: their option bytes set to 0, the stream fed whole):
// (n: TlsConnection::number, or the position in `conns` when it is 0)
//   DIR/<prefix>-<n>-server_fuzzer.bin  00 00 | what the client sent   (for fuzz/corpus/server)
//   DIR/<prefix>-<n>-client_fuzzer.bin  00 00 00 | what the server sent (for fuzz/corpus/client)
// False with a reason in *error when a file cannot be written.
bool extract_seeds(const std::vector<TlsConnection>& conns, const std::string& dir, const std::string& prefix,
                   std::string* error);

}  // namespace capture
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_CAPTURE_PCAP_H_
