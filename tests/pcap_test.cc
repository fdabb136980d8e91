// Reading packet captures (tools/capture/pcap.h): a pcap of OpenSSL's s_server talking to s_client (TLS
// 1.2 and 1.3), to gnutls-cli and to sanstls's tls_client on 127.0.0.1 (tests/replays/pcap, made by record_pcap.sh) is decoded
// and, with the key log, decrypted; TCP segments out of order and retransmitted are reassembled the same.
#include <pcap/pcap.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "tests/testdata.h"
#include "tools/capture/decode.h"
#include "tools/capture/pcap.h"

namespace sanstls {
namespace {

const char kPcap[] = "tests/replays/pcap/openssl_openssl.pcap";
const char kKeys[] = "tests/replays/pcap/openssl_openssl.keys";

std::string all_lines(const capture::TlsConnection& c) {
  std::string s;
  for (const std::string& l : c.lines) s += l + "\n";
  return s;
}

std::vector<capture::TlsConnection> read(const std::string& path, const capture::KeyLogMap* keys) {
  capture::PcapOptions o;
  o.port = 0;
  o.keys = keys;
  std::vector<capture::TlsConnection> conns;
  std::string err;
  REQUIRE_MESSAGE(capture::read_pcap(path, o, &conns, &err), err);
  return conns;
}

capture::KeyLogMap keys() {
  capture::KeyLogMap k;
  CHECK(capture::parse_key_log(testing::read_text(kKeys), &k) == 8);
  return k;
}

void check_decrypted(const std::vector<capture::TlsConnection>& conns) {
  REQUIRE(conns.size() == 4);
  const capture::TlsConnection& a = conns[0];
  std::string la = all_lines(a);
  INFO(la);
  CHECK(a.decrypted);
  CHECK(a.suite == 0xc02f);
  CHECK(la.find("S->C Certificate (876 bytes): 1 certificates, leaf O=sanstls, CN=localhost") != std::string::npos);
  CHECK(la.find("C->S [decrypted] Finished (16 bytes)") != std::string::npos);
  CHECK(la.find("S->C [decrypted] Finished (16 bytes)") != std::string::npos);
  CHECK(la.find("C->S [decrypted] Alert warning close_notify") != std::string::npos);
  // "hello from openssl s_client\n" and "hello from the server\n".
  CHECK(a.client_app_bytes == 28);
  CHECK(a.server_app_bytes == 22);

  const capture::TlsConnection& b = conns[1];
  std::string lb = all_lines(b);
  INFO(lb);
  CHECK(b.decrypted);
  CHECK(b.suite == 0xc013);  // CBC with encrypt-then-MAC
  CHECK(lb.find("extensions: renegotiation_info,ec_point_formats,session_ticket,encrypt_then_mac") !=
        std::string::npos);
  CHECK(lb.find("C->S [decrypted] Finished") != std::string::npos);
  CHECK(b.client_app_bytes == 22);  // "hello from gnutls-cli\n"
  CHECK(b.server_app_bytes == 22);

  const capture::TlsConnection& c = conns[2];  // TLS 1.3
  std::string lc = all_lines(c);
  INFO(lc);
  CHECK(c.decrypted);
  CHECK(c.suite == 0x1302);
  CHECK(lc.find("S->C ServerHello (122 bytes): TLSv1.3 TLS_AES_256_GCM_SHA384") != std::string::npos);
  CHECK(lc.find("S->C ChangeCipherSpec (TLS 1.3 middlebox compatibility)") != std::string::npos);
  CHECK(lc.find("S->C [decrypted] EncryptedExtensions") != std::string::npos);
  CHECK(lc.find("S->C [decrypted] Certificate (") != std::string::npos);
  CHECK(lc.find("1 certificates, leaf O=sanstls, CN=localhost") != std::string::npos);
  CHECK(lc.find("S->C [decrypted] CertificateVerify") != std::string::npos);
  CHECK(lc.find("C->S [decrypted] Finished (52 bytes)") != std::string::npos);  // SHA-384: 48 + 4
  CHECK(lc.find("S->C [decrypted] NewSessionTicket") != std::string::npos);
  CHECK(c.client_app_bytes == 37);  // "hello from openssl s_client, TLS 1.3\n"
  CHECK(c.server_app_bytes == 22);

  const capture::TlsConnection& d = conns[3];  // sanstls's tls_client, its own key log line
  std::string ld = all_lines(d);
  INFO(ld);
  CHECK(d.decrypted);
  CHECK(d.suite == 0xcca9);
  CHECK(ld.find("SNI localhost") != std::string::npos);
  CHECK(ld.find("S->C Certificate (1137 bytes): 2 certificates") != std::string::npos);
  CHECK(ld.find("C->S [decrypted] Alert warning close_notify") != std::string::npos);
  CHECK(d.client_app_bytes == 30);  // "hello from sanstls tls_client\n"
  CHECK(d.server_app_bytes == 22);
}

TEST_CASE("a pcap of OpenSSL and GnuTLS is decoded and decrypted with the key log") {
  capture::KeyLogMap k = keys();
  check_decrypted(read(kPcap, &k));
}

TEST_CASE("without the key log, encrypted records are shown by size") {
  std::vector<capture::TlsConnection> conns = read(kPcap, nullptr);
  REQUIRE(conns.size() == 4);
  CHECK_FALSE(conns[0].decrypted);
  std::string l = all_lines(conns[0]);
  CHECK(l.find("C->S ClientHello") != std::string::npos);
  CHECK(l.find("encrypted handshake record, 40 bytes (Finished)") != std::string::npos);
  CHECK(l.find("[decrypted]") == std::string::npos);
  // GCM adds an 8-byte explicit nonce and a 16-byte tag to each record.
  CHECK(conns[0].client_app_bytes == 28 + 24);
}

TEST_CASE("the server port selects connections") {
  capture::PcapOptions o;
  o.port = 443;
  std::vector<capture::TlsConnection> conns;
  std::string err;
  REQUIRE(capture::read_pcap(kPcap, o, &conns, &err));
  CHECK(conns.empty());
  CHECK(capture::format_report(conns).find("no TCP connection") != std::string::npos);
  CHECK_FALSE(capture::read_pcap("tests/replays/pcap/missing.pcap", o, &conns, &err));
  CHECK(err.find("cannot read") != std::string::npos);
}

// Rewrites the pcap with the packets in another order and some sent twice.
std::string shuffled_copy() {
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* in = pcap_open_offline(kPcap, errbuf);
  REQUIRE(in != nullptr);
  std::vector<std::pair<pcap_pkthdr, std::vector<u_char>>> pkts;
  pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(in, &h, &data) == 1) pkts.push_back({*h, std::vector<u_char>(data, data + h->caplen)});
  std::string path = std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/shuffled.pcap";
  pcap_dumper_t* out = pcap_dump_open(in, path.c_str());
  REQUIRE(out != nullptr);
  REQUIRE(pkts.size() > 20);
  // Swap neighbours 4..15 pairwise and send every third packet twice.
  for (size_t i = 4; i + 1 < 16; i += 2) std::swap(pkts[i], pkts[i + 1]);
  for (size_t i = 0; i < pkts.size(); i++) {
    pcap_dump(reinterpret_cast<u_char*>(out), &pkts[i].first, pkts[i].second.data());
    if (i % 3 == 0) pcap_dump(reinterpret_cast<u_char*>(out), &pkts[i].first, pkts[i].second.data());
  }
  pcap_dump_close(out);
  pcap_close(in);
  return path;
}

TEST_CASE("segments out of order and retransmitted are reassembled") {
  capture::KeyLogMap k = keys();
  check_decrypted(read(shuffled_copy(), &k));
}

TEST_CASE("seeds: each connection's streams as fuzz inputs") {
  std::vector<capture::TlsConnection> conns = read(kPcap, nullptr);
  std::string dir = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  std::string err;
  REQUIRE_MESSAGE(capture::extract_seeds(conns, dir, "t", &err), err);
  // In the harnesses' formats: option bytes (all 0), then the stream.
  Bytes c = testing::read_file(dir + "/t-1-server_fuzzer.bin");
  Bytes s = testing::read_file(dir + "/t-2-client_fuzzer.bin");
  REQUIRE(c.size() == conns[0].client_stream.size() + 2);
  REQUIRE(s.size() == conns[1].server_stream.size() + 3);
  CHECK(Bytes(c.begin() + 2, c.end()) == conns[0].client_stream);
  CHECK(Bytes(s.begin() + 3, s.end()) == conns[1].server_stream);
  CHECK(c[0] == 0);
  CHECK(c[2] == 0x16);  // a handshake record: the ClientHello
  CHECK(c[2 + 5] == 0x01);
}

}  // namespace
}  // namespace sanstls
