#include "core/record_layer.h"

#include <algorithm>

namespace sanstls {

// ---------------------------------------------------------------------------------------------------
// Input

size_t RecordLayer::read_limit() const { return read_.max_fragment_length(); }

size_t RecordLayer::fragment_length() const { return (size_t{in_.data()[3]} << 8) | in_.data()[4]; }

Result<size_t> RecordLayer::take(ByteView data) {
  const size_t need = kRecordHeaderLength + (in_.size() >= kRecordHeaderLength ? fragment_length() : 0);
  const size_t n = std::min(need - in_.size(), data.size());
  in_.append(data.data(), n);
  if (in_.size() == kRecordHeaderLength && n > 0) {
    RecordHeader h{};
    SANSTLS_TRY(decode_record_header(ByteView(in_.data(), kRecordHeaderLength), &h));
    // Refused 0-RTT records are TLS 1.3 ciphertexts, up to 2^14 + 256 bytes, whatever the read
    // protection in place (none at all after a HelloRetryRequest).
    size_t limit = read_limit();
    if (skip_early_ > 0 && h.type == ContentType::application_data) limit = std::max(limit, kMaxCiphertext13);
    SANSTLS_TRY(check_record_header(h, limit));
    // TLS 1.2 records must then say 0x0303; in TLS 1.3 legacy_record_version "MUST be ignored for all
    // purposes" (RFC 8446 5.1): it only enters the AEAD's additional data, as received.
    if (version_fixed_ && !tls13_ && h.version != version::tls12)
      return Error::incompatible(AlertDescription::protocol_version, "record version");
  }
  return n;
}

bool RecordLayer::record_ready() const {
  return in_.size() >= kRecordHeaderLength && in_.size() == kRecordHeaderLength + fragment_length();
}

Result<Incoming> RecordLayer::open() {
  RecordHeader h{};
  SANSTLS_TRY(decode_record_header(ByteView(in_.data(), kRecordHeaderLength), &h));
  uint8_t* frag = in_.data() + kRecordHeaderLength;
  const size_t frag_len = in_.size() - kRecordHeaderLength;
  Incoming in;
  // RFC 8446 5: a ChangeCipherSpec record is never protected; the connection judges it.
  if (tls13_ && h.type == ContentType::change_cipher_spec) {
    in.type = h.type;
    in.plaintext = ByteView(frag, frag_len);
    in.unprotected_ccs = true;
    return in;
  }
  if (tls13_ && !read_.is_null() && h.type != ContentType::application_data)
    return Error::unexpected("unprotected record after the handshake keys");
  // A server that refused 0-RTT skips the early records (RFC 8446 4.2.10): those that come before
  // the second ClientHello of a HelloRetryRequest, or that its handshake keys cannot open.
  const bool skippable = skip_early_ > 0 && h.type == ContentType::application_data && frag_len <= skip_early_;
  auto skip = [&] {
    skip_early_ -= frag_len;
    in.skipped = true;
    return in;
  };
  if (skippable && read_.is_null()) return skip();
  Result<OpenedRecord> opened = read_.open(h, frag, frag_len);
  if (skippable && !opened.ok() && opened.error().alert == AlertDescription::bad_record_mac) return skip();
  if (!opened.ok()) return opened.error();
  if (!read_.is_null()) skip_early_ = 0;  // a record opened: the early data is over
  in.type = opened.value().type;
  in.plaintext = opened.value().plaintext;
  return in;
}

Status RecordLayer::activate_pending_read() {
  if (!pending_read_) return Error::unexpected("ChangeCipherSpec before the keys are known");
  read_ = std::move(*pending_read_);
  pending_read_.reset();
  return Status();
}

void RecordLayer::install_write(RecordProtection p) {
  // The protection of the mark is kept until the next mark, for discard_step().
  if (!write_at_mark_) write_at_mark_ = std::move(write_);
  write_ = std::move(p);
}

Status RecordLayer::activate_pending_write() {
  if (!pending_write_) return Error::internal("no pending write keys");
  install_write(std::move(*pending_write_));
  pending_write_.reset();
  return Status();
}

Status RecordLayer::consume_early_data(size_t n) {
  // RFC 8446 4.2.10: more 0-RTT data than the ticket allows is unexpected_message.
  if (n > early_budget_) return Error::unexpected("too much early data");
  early_budget_ -= n;
  return Status();
}

// ---------------------------------------------------------------------------------------------------
// Output

Status RecordLayer::write(ContentType type, ByteView plaintext) {
  if (sent_close_) return Status();  // close_notify was the last thing this side writes
  // Coalesced handshake messages go out before anything else is written.
  if (type != ContentType::handshake) SANSTLS_TRY(flush());
  drop_consumed_output();  // before the buffer grows
  const size_t limit = std::min(write_limit_, write_.max_plaintext());
  const bool pad = padding_ > 1 && write_.mode() == RecordProtection::Mode::tls13_aead;
  size_t off = 0;
  do {
    const size_t n = std::min(limit, plaintext.size() - off);
    // TLS 1.3 padding (RFC 8446 5.4): the inner plaintext (content + type + zeros) grows to a multiple
    // of the padding, as far as the record limit allows.
    size_t padding = 0;
    if (pad) {
      padding = (padding_ - (n + 1) % padding_) % padding_;
      padding = std::min(padding, write_.max_plaintext() - n);
    }
    const size_t at = out_.size();
    out_.resize(at + write_.sealed_size(n, padding));
    Result<size_t> r = write_.seal(type, plaintext.sub(off, n), out_.data() + at, out_.size() - at, padding);
    if (!r.ok()) {
      out_.resize(at);
      return r.error();
    }
    out_.resize(at + r.value());
    off += n;
  } while (off < plaintext.size());
  return Status();
}

Status RecordLayer::write_handshake(ByteView msg) {
  if (sent_close_) return Status();
  // TLS 1.3: the messages of a flight share records (RFC 8446 5.1); the flush comes before the write
  // keys change and at the end of the step.
  if (tls13_) {
    hs_pending_.insert(hs_pending_.end(), msg.begin(), msg.end());
    return Status();
  }
  return write(ContentType::handshake, msg);
}

Status RecordLayer::flush() {
  if (hs_pending_.empty()) return Status();
  Status s = write(ContentType::handshake, hs_pending_);
  secure_zero(hs_pending_);
  hs_pending_.clear();
  return s;
}

void RecordLayer::write_alert(AlertLevel level, AlertDescription d) {
  if (sent_close_) return;
  Bytes body;
  encode_alert(Alert{level, d}, &body);
  (void)write(ContentType::alert, body);  // a failure here leaves nothing better to send
  if (d == AlertDescription::close_notify) sent_close_ = true;
}

void RecordLayer::consume_output(size_t n) {
  out_off_ += std::min(n, pending_output_size());
  // What went to the peer stays sent: the mark moves past it (and past the rest of its step).
  if (out_off_ > out_mark_) mark_step();
  drop_consumed_output();
}

void RecordLayer::drop_consumed_output() {
  if (out_off_ != out_.size()) return;
  out_.clear();
  out_off_ = 0;
  out_mark_ = 0;
}

void RecordLayer::mark_step() {
  out_mark_ = out_.size();
  mark_seq_ = write_.sequence_number();
  write_at_mark_.reset();
}

void RecordLayer::discard_step() {
  secure_zero(hs_pending_);
  hs_pending_.clear();
  if (out_.size() > out_mark_) out_.resize(out_mark_);
  // The records dropped never reach the peer: their sequence numbers and the keys installed after
  // them go back to what the peer has, so that the alert written next opens on its side.
  if (write_at_mark_) {
    write_ = std::move(*write_at_mark_);
    write_at_mark_.reset();
  }
  write_.rewind_sequence_number(mark_seq_);
}

void RecordLayer::release_buffers(bool keep_input) {
  if (!keep_input) in_.release_if_empty();
  drop_consumed_output();
  out_.release_if_empty();
  if (hs_pending_.empty()) Bytes().swap(hs_pending_);
}

}  // namespace sanstls
