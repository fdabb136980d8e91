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
#include <string>
#include <vector>

#include "tools/capture/decode.h"

namespace sanstls {
namespace capture {

struct PcapOptions {
  uint16_t port = 443;              // the server's TCP port; 0: every connection whose SYN is seen
  const KeyLogMap* keys = nullptr;  // decrypts connections whose client random it holds
};

// One TCP connection found in the capture.
struct TlsConnection {
  std::string client, server;        // "127.0.0.1:40312"
  std::vector<std::string> lines;    // the decoded records and messages, in capture order
  Bytes client_stream, server_stream;  // the reassembled bytes of each direction
  uint64_t client_app_bytes = 0;     // application data (plaintext when decrypted, else ciphertext)
  uint64_t server_app_bytes = 0;
  bool decrypted = false;            // both directions' records after ChangeCipherSpec were decrypted
  uint16_t suite = 0;
};

// Reads the capture at `path`. False with a reason in *error when libpcap cannot open it or its link
// type is not supported; packets that are not TCP to or from the port are skipped.
bool read_pcap(const std::string& path, const PcapOptions& options, std::vector<TlsConnection>* out,
               std::string* error);

// The report tls_replay --pcap prints: per connection, its end points, its lines and a summary.
std::string format_report(const std::vector<TlsConnection>& conns);

// Writes each connection's two streams as fuzz corpus inputs in the formats of the engine harnesses
// (fuzz/server_fuzzer.cc, fuzz/client_fuzzer.cc: their option bytes set to 0, the stream fed whole):
//   DIR/<prefix>-<n>-server_fuzzer.bin  00 00 | what the client sent   (for fuzz/corpus/server)
//   DIR/<prefix>-<n>-client_fuzzer.bin  00 00 00 | what the server sent (for fuzz/corpus/client)
// False with a reason in *error when a file cannot be written.
bool extract_seeds(const std::vector<TlsConnection>& conns, const std::string& dir, const std::string& prefix,
                   std::string* error);

}  // namespace capture
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_CAPTURE_PCAP_H_
