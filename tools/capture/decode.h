// Decoding the two byte streams of a TLS 1.2 connection (as seen on the wire) into records, handshake
// messages and alerts, for people: the trace tls_replay prints, the position it names at a divergence,
// and the pcap reader. With the connection's master secret (an NSS key log), records after
// ChangeCipherSpec are decrypted with core/record_protection.h.
#ifndef SANSTLS_TOOLS_CAPTURE_DECODE_H_
#define SANSTLS_TOOLS_CAPTURE_DECODE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/record_protection.h"
#include "crypto/crypto.h"

namespace sanstls {
namespace capture {

// Stream directions.
constexpr int kClientToServer = 0;
constexpr int kServerToClient = 1;

// The NSS key log: (label, client random) -> secret. Labels: CLIENT_RANDOM (the TLS 1.2 master
// secret), and the TLS 1.3 CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_/SERVER_TRAFFIC_SECRET_0.
using KeyLogMap = std::map<std::pair<std::string, Bytes>, Bytes>;
// Parses key log text. Lines it does not understand are skipped; returns how many entries it read.
size_t parse_key_log(const std::string& text, KeyLogMap* out);

// One line of explanation of a handshake message (header + body), e.g.
// "ServerHello TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, extensions: extended_master_secret,...".
// `suite` is the suite the ServerHello chose (0 before), used to decode ServerKeyExchange; `tls13`
// selects the TLS 1.3 forms of Certificate and NewSessionTicket.
std::string explain_handshake(ByteView msg, uint16_t suite, bool tls13 = false);

// Decodes both directions of one connection, fed incrementally in the order the bytes were seen.
class ConnectionDecoder {
 public:
  // A handshake message announced longer than this is not buffered: a line says so and the rest of
  // that direction's handshake messages are not decoded (records still are).
  static constexpr size_t kMaxHandshakeMessage = 256 * 1024;

  // keys may be null (then encrypted records are shown by size only). keep_records: remember every
  // record for locate() (the replayer); the pcap reader passes false, so that what a long connection
  // costs does not grow with its length.
  explicit ConnectionDecoder(const KeyLogMap* keys = nullptr, bool keep_records = true);

  // Appends the bytes of one direction; every record completed by them is decoded and described by
  // one or more lines appended to *lines ("C->S", "S->C" prefixes).
  void feed(int dir, ByteView bytes, std::vector<std::string>* lines);
  // A line for bytes left over at the end (an incomplete record), if any.
  void finish(std::vector<std::string>* lines);

  // Where `offset` of direction `dir`'s stream lies: "record #3 (handshake, 91 bytes at stream offset
  // 517), byte 12 of the record: ServerHello, byte 7 of the message". Only offsets already fed.
  std::string locate(int dir, size_t offset) const;

  // Bytes held for both directions: an incomplete record, an incomplete handshake message.
  size_t buffered_bytes() const;

  uint64_t app_data_bytes(int dir) const { return dirs_[dir].app_bytes; }
  size_t records(int dir) const { return dirs_[dir].records.size(); }  // 0 without keep_records
  bool decrypting(int dir) const { return dirs_[dir].prot != nullptr; }
  uint16_t suite() const { return suite_; }
  bool tls13() const { return tls13_; }

 private:
  struct Piece {             // part of a handshake message carried by a plaintext record
    size_t stream_offset;    // where the piece starts in the stream
    size_t length;
    std::string message;     // the message's name
    size_t message_offset;   // offset of the piece's first byte within the message
  };
  struct RecordInfo {
    size_t offset;
    size_t length;  // header included
    uint8_t type;
    bool encrypted;
    std::string what;  // what it carried, once known
    std::vector<Piece> pieces;
  };
  struct Dir {
    Bytes buf;                // bytes not yet decoded (an incomplete record)
    size_t consumed = 0;      // stream offset of buf[0]
    Bytes hs;                 // handshake bytes awaiting a whole message
    struct Seg {              // where bytes of `hs` came from (plaintext records only)
      size_t hs_offset, stream_offset, length, record;
    };
    std::vector<Seg> hs_map;
    bool after_ccs = false;
    bool hs_stopped = false;  // a message over kMaxHandshakeMessage was announced
    RecordInfo scratch;       // the current record when records are not kept
    std::unique_ptr<RecordProtection> prot;
    std::vector<RecordInfo> records;
    uint64_t app_bytes = 0;
  };
  void record(int dir, ByteView rec, std::vector<std::string>* lines);
  void handshake_bytes(int dir, size_t record, ByteView data, size_t stream_offset, bool encrypted,
                       std::vector<std::string>* lines);
  void on_message(int dir, ByteView msg, std::vector<std::string>* lines);
  void start_decryption(int dir);
  // TLS 1.3: protection for `dir` from the traffic secret logged under `label` (none when unknown).
  void tls13_keys(int dir, const char* label);
  void tls13_install(int dir, const Bytes& secret);

  const KeyLogMap* keys_;
  bool keep_records_;
  Dir dirs_[2];
  Bytes client_random_, server_random_;
  uint16_t suite_ = 0;
  bool etm_ = false;
  bool tls13_ = false;
  Bytes app_secret_[2];  // TLS 1.3: the current application traffic secret of each direction
  std::unique_ptr<crypto::Rng> rng_;  // CBC record protection wants one; never drawn from when opening
};

}  // namespace capture
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_CAPTURE_DECODE_H_
