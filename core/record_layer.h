// The record layer (internal): the bytes in and out of a connection, framed into records and
// protected. It knows records, not handshakes: the connection (connection.cc) hands it bytes and
// dispatches what it opens; the handshake state machines change it only through HandshakeContext
// (core/handshake_context.h).
//
// What it owns, and the rules it enforces:
//   input     the record being assembled (in_: header, then fragment; at most one record). The header
//             is checked as soon as it is complete: a known content type, major version 3, 0x0303
//             once the version is fixed in TLS 1.2 (TLS 1.3 ignores legacy_record_version, RFC 8446
//             5.1), a length within what the read protection opens (record_size_limit included,
//             RFC 8449 4), or within a TLS 1.3 ciphertext while refused 0-RTT data is being skipped.
//   protection the read and write protections of the current epoch, and the pending ones of a TLS 1.2
//             ChangeCipherSpec.
//   early data 0-RTT reading (a budget, RFC 8446 4.2.10) and the skipping of refused 0-RTT records.
//   output    protected records to be written (out_[out_off_..]); TLS 1.3 handshake messages coalesced
//             into shared records until a flush (RFC 8446 5.1, as RFC 8448's traces show); record
//             fragmentation at the peer's limit; TLS 1.3 padding.
//   marks     out_mark_ is where the current step's output begins: a step that fails is discarded
//             back to it (picotls), so a flight completed by an earlier step is still sent. The
//             connection moves the mark at every record boundary, every API call and after every
//             handshake message it handled (flushing first), so that a bad message later in the same
//             record or receive() discards only its own output: the alert follows the flight.
//   closure   after our close_notify nothing more is written (RFC 5246 7.2.1, RFC 8446 6.1): writes are
//             dropped; after the peer's, nothing more is read.
#ifndef SANSTLS_CORE_RECORD_LAYER_H_
#define SANSTLS_CORE_RECORD_LAYER_H_

#include <optional>

#include "core/alert.h"
#include "core/buffer.h"
#include "core/error.h"
#include "core/record.h"
#include "core/record_protection.h"

namespace sanstls {

// A record the read protection opened (or skipped).
struct Incoming {
  ContentType type = ContentType::application_data;  // the inner type in TLS 1.3
  ByteView plaintext;                                 // inside the input buffer, valid until next_record()
  bool skipped = false;                               // refused 0-RTT data, skipped (RFC 8446 4.2.10)
  bool unprotected_ccs = false;                       // TLS 1.3: a ChangeCipherSpec record (never protected)
};

class RecordLayer {
 public:
  // --- input ---------------------------------------------------------------------------------------
  // Takes bytes of the record being assembled, at most up to its end; returns how many. Checks the
  // header once it is complete. Errors: unexpected_message (unknown type), protocol_version (record
  // version), record_overflow (too long).
  Result<size_t> take(ByteView data);
  // A whole record is assembled.
  bool record_ready() const;
  // Opens the assembled record in place (precondition: record_ready()). Errors: those of
  // RecordProtection::open, unexpected_message for an unprotected record once TLS 1.3 keys are in
  // use. A TLS 1.3 ChangeCipherSpec record is returned as it is (never protected).
  Result<Incoming> open();
  // Done with the assembled record (its plaintext view is gone).
  void next_record() { in_.clear(); }
  bool between_records() const { return in_.empty(); }

  // --- protection ------------------------------------------------------------------------------------
  void install_read(RecordProtection p) { read_ = std::move(p); }
  void install_write(RecordProtection p);
  void set_pending_read(RecordProtection p) { pending_read_ = std::move(p); }
  void set_pending_write(RecordProtection p) { pending_write_ = std::move(p); }
  // TLS 1.2 ChangeCipherSpec: the pending protection takes over. Errors: unexpected_message when
  // there is none (a CCS before the keys are known).
  Status activate_pending_read();
  Status activate_pending_write();
  const RecordProtection& read() const { return read_; }
  const RecordProtection& write() const { return write_; }
  void set_write_record_version(uint16_t v) { write_.set_record_version(v); }

  // --- what was negotiated ------------------------------------------------------------------------------
  // The version is known: TLS 1.2 records must say 0x0303 from now on; TLS 1.3 applies RFC 8446 5.
  void set_version(bool tls13) {
    version_fixed_ = true;
    tls13_ = tls13;
  }
  bool tls13() const { return tls13_; }
  // The most plaintext we put in one record (the peer's record_size_limit).
  void set_write_limit(size_t n) { write_limit_ = n; }
  size_t write_limit() const { return write_limit_; }
  // TLS 1.3 padding of written records to a multiple of this (0: none).
  void set_padding(uint16_t multiple) { padding_ = multiple; }

  // --- early data (server) ---------------------------------------------------------------------------
  void open_early_data(size_t budget) {
    early_open_ = true;
    early_budget_ = budget;
  }
  void close_early_data() { early_open_ = false; }
  bool early_data_open() const { return early_open_; }
  // Counts 0-RTT application data against the budget. Errors: unexpected_message when over it.
  Status consume_early_data(size_t n);
  // Refused 0-RTT records (up to `budget` bytes) are skipped rather than failed.
  void skip_early_data(size_t budget) { skip_early_ = budget; }

  // --- output ------------------------------------------------------------------------------------------
  // Protects `plaintext` as records of `type` (fragmented at the write limit), after any coalesced
  // handshake messages. Nothing is written after our close_notify.
  Status write(ContentType type, ByteView plaintext);
  // A handshake message: in TLS 1.3 held to share a record with the next ones until flush(); in TLS
  // 1.2 written at once.
  Status write_handshake(ByteView msg);
  Status flush();
  // One alert record; a close_notify is the last thing this side writes.
  void write_alert(AlertLevel level, AlertDescription d);
  bool sent_close() const { return sent_close_; }

  ByteView pending_output() const { return ByteView(out_.data() + out_off_, out_.size() - out_off_); }
  size_t pending_output_size() const { return out_.size() - out_off_; }
  void consume_output(size_t n);
  // The current step's output begins here; discard_step() drops what it wrote (and any coalesced
  // handshake message not yet written) and takes back what sealing it changed: the write sequence
  // number, and the write keys the step installed (its alert then goes out as the peer can read it).
  // Output the application consumed is never taken back: consuming past the mark moves the mark.
  void mark_step();
  void discard_step();

  // --- closure and memory ------------------------------------------------------------------------------
  void peer_closed() { received_close_ = true; }
  bool received_close() const { return received_close_; }
  // Gives the buffers' memory back while nothing is held: `keep_input` while an event still points
  // into the assembled record.
  void release_buffers(bool keep_input);
  size_t buffer_capacity() const { return in_.capacity() + out_.capacity(); }

 private:
  size_t read_limit() const;
  size_t fragment_length() const;  // the length field of the header in in_ (at least 5 bytes held)
  // Empties the output buffer once everything in it was consumed.
  void drop_consumed_output();

  ByteBuffer in_;
  ByteBuffer out_;
  size_t out_off_ = 0;
  size_t out_mark_ = 0;
  uint64_t mark_seq_ = 0;                         // write_'s sequence number at the mark
  std::optional<RecordProtection> write_at_mark_;  // the write protection at the mark, when replaced since
  Bytes hs_pending_;  // TLS 1.3 handshake messages not yet written as a record
  RecordProtection read_;
  RecordProtection write_;
  std::optional<RecordProtection> pending_read_;
  std::optional<RecordProtection> pending_write_;
  bool version_fixed_ = false;
  bool tls13_ = false;
  size_t write_limit_ = kMaxPlaintext;
  uint16_t padding_ = 0;
  bool early_open_ = false;
  size_t early_budget_ = 0;
  size_t skip_early_ = 0;
  bool sent_close_ = false;
  bool received_close_ = false;
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_RECORD_LAYER_H_
