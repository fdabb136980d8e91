// tls_replay: re-runs a sanstls capture through the engine with no peer, or reads a packet capture.
//
//   tls_replay FILE [-cert F -key F]... [-CAfile F] [-q] [-ladder OUT.svg]
//       Replays FILE (written by tls_client -capture / tls_server -capture or capture::CapturingConnection).
//       The config comes from the capture; the certificate, key and CA files from the flags (a capture
//       holds no private key; their fingerprints are checked against the capture's). Exit status 0 when
//       every output byte and event matched (the decoded trace is printed), 1 on a divergence (the
//       first difference is named: entry, call, record and message, byte offset, expected and actual
//       bytes), 2 when the replay could not run. -ladder writes the message sequence as a ladder
//       diagram (SVG; tools/capture/ladder.h), with the divergence marked where it showed.
//
//   tls_replay -pcap FILE [-port N] [-keylog KEYS] [-extract-seeds DIR] [-max-flows N]
//       Reads a pcap or pcapng file, reassembles each TCP connection to port N (443), decodes its TLS
//       records and handshake messages and, with an NSS key log, decrypts them; prints the handshake and
//       the application data sizes. -extract-seeds writes each connection's two streams as inputs of
//       the engine fuzzers (fuzz/server_fuzzer.cc, fuzz/client_fuzzer.cc; see capture/pcap.h).
//       Flags may be given with one dash or two. Relative paths are relative to the directory bazel was
//       run from under `bazel run` ($BUILD_WORKING_DIRECTORY), as for tls_client and tls_server.
#include <cstdio>
#include <string>
#include <vector>

#include "tools/capture/capture.h"
#include "tools/capture/ladder.h"
#include "tools/capture/pcap.h"
#include "tools/capture/replay.h"
#include "tools/common.h"

namespace sanstls {
namespace {

const char kUsage[] =
    "usage: tls_replay FILE [-cert F -key F]... [-CAfile F] [-q] [-ladder OUT.svg]\n"
    "       tls_replay -pcap FILE [-port N] [-keylog KEYS] [-extract-seeds DIR] [-max-flows N]\n"
    "  FILE                a sanstls capture (see docs/capture-format.md)\n"
    "  -cert F -key F      a certificate chain and its key, as the captured config had them (repeat\n"
    "                      for a server with several; in the same order)\n"
    "  -CAfile F           trust anchors (client: to verify the server; server: for client auth)\n"
    "  -q                  print only the verdict\n"
    "  -ladder OUT.svg     also write the connection as a ladder diagram (open it in a browser): each\n"
    "                      message with its key fields, the key changes, and where a replay diverged\n"
    "  -pcap FILE          read a pcap/pcapng file instead\n"
    "  -port N             the TLS server's TCP port in the pcap (default 443; 0: any connection\n"
    "                      whose SYN is in the capture)\n"
    "  -keylog KEYS        an NSS key log (CLIENT_RANDOM lines) to decrypt with\n"
    "  -extract-seeds DIR  write each connection's client and server streams as fuzz corpus inputs\n"
    "  -max-flows N        connections decoded at once (default 1000); later ones are skipped and\n"
    "                      counted. Each connection is printed as soon as it ends\n";

int run_pcap(const std::string& path, uint16_t port, const std::string& keylog, const std::string& seeds,
             size_t max_flows) {
  capture::KeyLogMap keys;
  capture::PcapOptions o;
  o.port = port;
  o.max_flows = max_flows;
  if (!keylog.empty()) {
    Bytes text = tools::read_file_or_die(keylog, "key log");
    size_t n = capture::parse_key_log(ByteView(text).to_string(), &keys);
    std::printf("key log: %zu entries\n", n);
    o.keys = &keys;
  }
  size_t slash = path.find_last_of('/');
  std::string base = path.substr(slash == std::string::npos ? 0 : slash + 1);
  std::string err;
  capture::PcapStats stats;
  // Each connection is printed (and its seeds written) as soon as it ends, then forgotten.
  bool ok = capture::read_pcap(
      path, o,
      [&](capture::TlsConnection&& c) {
        std::fputs(capture::format_connection(c).c_str(), stdout);
        std::string seed_err;
        if (!seeds.empty() && !capture::extract_seeds({c}, seeds, base, &seed_err)) tools::die(seed_err);
      },
      &stats, &err);
  if (!ok) tools::die(err);
  std::fputs(capture::format_report_end(stats, o).c_str(), stdout);
  if (!seeds.empty()) std::printf("seeds written to %s\n", seeds.c_str());
  // Nothing on the port asked for is almost always the wrong port (a test capture on a port picked
  // free, a server on 8443): say what to do, and do not report success.
  if (stats.flows == 0)
    tools::die(port == 0 ? "no TCP connection whose SYN is in " + path
                         : "no TCP connection to port " + std::to_string(port) + " in " + path +
                               " (-port N names the server's port; -port 0 takes any connection whose SYN"
                               " is in the file)");
  return 0;
}

// -ladder: the replayed trace as a ladder diagram, the divergence (if any) at its end.
void write_ladder(const std::string& out, const std::string& path, const capture::ReplayResult& r) {
  if (out.empty()) return;
  size_t slash = path.find_last_of('/');
  capture::Ladder l = capture::ladder_from_trace(
      "tls_replay " + path.substr(slash == std::string::npos ? 0 : slash + 1) +
          (r.outcome == capture::ReplayResult::Outcome::match ? ": MATCH" : ": DIVERGENCE"),
      r.trace);
  if (r.outcome == capture::ReplayResult::Outcome::divergence) capture::add_divergence(&l, r.message);
  std::string err;
  if (!capture::write_ladder(out, l, &err)) tools::die("-ladder: " + err);
}

int run_replay(const std::string& path, const capture::ReplayFiles& files, bool quiet, const std::string& ladder) {
  Bytes file = tools::read_file_or_die(path, "capture");
  capture::Capture c;
  std::string err;
  if (!capture::parse_capture(file, &c, &err)) {
    std::fprintf(stderr, "tls_replay: %s: %s\n", path.c_str(), err.c_str());
    return 2;
  }
  capture::ReplayResult r = capture::replay(c, files);
  switch (r.outcome) {
    case capture::ReplayResult::Outcome::setup_error:
      std::fprintf(stderr, "tls_replay: %s: %s\n", path.c_str(), r.message.c_str());
      return 2;
    case capture::ReplayResult::Outcome::divergence:
      write_ladder(ladder, path, r);
      if (!quiet) {
        for (const std::string& l : r.trace) std::printf("%s\n", l.c_str());
      }
      std::printf("%s\n", r.message.c_str());
      return 1;
    case capture::ReplayResult::Outcome::match:
      write_ladder(ladder, path, r);
      if (!quiet) {
        for (const std::string& l : r.trace) std::printf("%s\n", l.c_str());
      }
      std::printf("MATCH: %zu entries replayed, every output byte and event as captured\n", c.entries.size());
      return 0;
  }
  return 2;
}

}  // namespace
}  // namespace sanstls

int main(int argc, char** argv) {
  using namespace sanstls;
  tools::set_program_name(argv[0]);
  tools::ArgReader args(argc, argv);
  std::string flag, file, pcap, keylog, seeds, pending_cert, ladder;
  uint16_t port = 443;
  size_t max_flows = 1000;
  bool quiet = false;
  capture::ReplayFiles files;
  while (args.next(&flag)) {
    if (flag == "-h" || flag == "-help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (flag == "-pcap") {
      pcap = args.path_value();
    } else if (flag == "-max-flows") {
      max_flows = static_cast<size_t>(args.number(10000000));
      if (max_flows == 0) tools::die("-max-flows must be at least 1");
    } else if (flag == "-port") {
      port = static_cast<uint16_t>(args.number(65535));
    } else if (flag == "-keylog") {
      keylog = args.path_value();
    } else if (flag == "-extract-seeds") {
      seeds = args.path_value();
    } else if (flag == "-cert") {
      if (!pending_cert.empty()) tools::die("-cert " + pending_cert + " needs its -key first");
      pending_cert = args.path_value();
    } else if (flag == "-key") {
      if (pending_cert.empty()) tools::die("-key needs a -cert before it");
      files.certificates.push_back({tools::read_file_or_die(pending_cert, "certificate"),
                                    tools::read_file_or_die(args.path_value(), "key")});
      pending_cert.clear();
    } else if (flag == "-CAfile") {
      files.ca_pem = tools::read_file_or_die(args.path_value(), "CA file");
    } else if (flag == "-q") {
      quiet = true;
    } else if (flag == "-ladder") {
      ladder = args.path_value();
    } else if (!flag.empty() && flag[0] != '-' && file.empty()) {
      file = tools::user_path(flag);
    } else {
      tools::die("unknown argument " + flag + " (see -h)");
    }
  }
  if (!pending_cert.empty()) tools::die("-cert " + pending_cert + " needs a -key");
  if (!pcap.empty()) return run_pcap(pcap, port, keylog, seeds, max_flows);
  if (file.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  return run_replay(file, files, quiet, ladder);
}
