// The record layer on its own, with no handshake: framing, header rules, early-data skipping and
// budget, fragmentation, coalescing, the step marks and closure.
#include "core/record_layer.h"

#include <doctest/doctest.h>

#include "crypto/crypto.h"

namespace sanstls {
namespace {

Bytes record(uint8_t type, size_t len, uint16_t version = 0x0303, uint8_t fill = 0x61) {
  Bytes r = {type, static_cast<uint8_t>(version >> 8), static_cast<uint8_t>(version), static_cast<uint8_t>(len >> 8),
             static_cast<uint8_t>(len)};
  r.resize(5 + len, fill);
  return r;
}

// Feeds `in` in chunks of `chunk` bytes; returns the first error, or the plaintexts opened.
Result<std::vector<Bytes>> feed(RecordLayer& rl, ByteView in, size_t chunk) {
  std::vector<Bytes> out;
  size_t off = 0;
  while (off < in.size()) {
    Result<size_t> took = rl.take(in.sub(off, std::min(chunk, in.size() - off)));
    if (!took.ok()) return took.error();
    off += took.value();
    if (!rl.record_ready()) continue;
    Result<Incoming> opened = rl.open();
    if (!opened.ok()) return opened.error();
    if (!opened.value().skipped) out.push_back(opened.value().plaintext.to_bytes());
    rl.next_record();
  }
  return out;
}

std::vector<size_t> record_lengths(ByteView out) {
  std::vector<size_t> lens;
  size_t off = 0;
  while (off + 5 <= out.size()) {
    size_t n = (size_t{out[off + 3]} << 8) | out[off + 4];
    lens.push_back(n);
    off += 5 + n;
  }
  return lens;
}

}  // namespace

TEST_CASE("records are assembled from any split of the stream") {
  Bytes in = record(22, 10);
  Bytes two = record(23, 300, 0x0303, 0x62);
  in.insert(in.end(), two.begin(), two.end());
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{5}, size_t{7}, size_t{1000}}) {
    CAPTURE(chunk);
    RecordLayer rl;
    Result<std::vector<Bytes>> r = feed(rl, in, chunk);
    REQUIRE(r.ok());
    REQUIRE(r.value().size() == 2);
    CHECK(r.value()[0] == Bytes(10, 0x61));
    CHECK(r.value()[1] == Bytes(300, 0x62));
    CHECK(rl.between_records());
  }
}

TEST_CASE("record headers: type, version and length rules") {
  auto error_of = [](RecordLayer& rl, const Bytes& rec) {
    Result<std::vector<Bytes>> r = feed(rl, rec, 1000);
    return r.ok() ? AlertDescription::close_notify : r.error().alert;
  };
  {
    RecordLayer rl;
    CHECK(error_of(rl, record(0x99, 1)) == AlertDescription::unexpected_message);
  }
  {
    RecordLayer rl;
    CHECK(error_of(rl, record(22, 1, 0x0203)) == AlertDescription::protocol_version);
  }
  {
    RecordLayer rl;  // null protection: at most 2^14 bytes of plaintext
    CHECK(error_of(rl, record(22, 16385)) == AlertDescription::record_overflow);
  }
  {
    RecordLayer rl;  // before the version is fixed, 0x0301 passes (initial ClientHello records)
    CHECK(error_of(rl, record(22, 4, 0x0301)) == AlertDescription::close_notify);
    rl.set_version(false);  // TLS 1.2: 0x0303 only from now on
    CHECK(error_of(rl, record(22, 4, 0x0301)) == AlertDescription::protocol_version);
  }
  {
    RecordLayer rl;
    rl.set_version(true);  // TLS 1.3 ignores legacy_record_version (RFC 8446 5.1)
    CHECK(error_of(rl, record(22, 4, 0x0301)) == AlertDescription::close_notify);
  }
}

TEST_CASE("refused 0-RTT: full-size TLS 1.3 ciphertexts are skipped up to the budget, even without read keys") {
  RecordLayer rl;
  rl.set_version(true);
  rl.skip_early_data(20000);
  Result<std::vector<Bytes>> r = feed(rl, record(23, kMaxCiphertext13 - 239), 4096);  // 16401 bytes
  REQUIRE(r.ok());
  CHECK(r.value().empty());  // skipped
  // The budget is spent: the next one is an ordinary record again, too long for null protection.
  Result<std::vector<Bytes>> again = feed(rl, record(23, 16401), 4096);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().alert == AlertDescription::record_overflow);
}

TEST_CASE("0-RTT budget") {
  RecordLayer rl;
  rl.open_early_data(10);
  CHECK(rl.early_data_open());
  CHECK(rl.consume_early_data(6).ok());
  CHECK(rl.consume_early_data(5).error().alert == AlertDescription::unexpected_message);
  rl.close_early_data();
  CHECK_FALSE(rl.early_data_open());
}

TEST_CASE("output: fragmentation at the write limit, TLS 1.3 coalescing, step marks, closure") {
  RecordLayer rl;
  rl.set_write_limit(100);
  REQUIRE(rl.write(ContentType::application_data, Bytes(250, 1)).ok());
  CHECK(record_lengths(rl.pending_output()) == std::vector<size_t>{100, 100, 50});
  rl.consume_output(rl.pending_output_size());
  CHECK(rl.pending_output().empty());

  // TLS 1.3: handshake messages share records until a flush or another record type.
  rl.set_version(true);
  rl.set_write_limit(kMaxPlaintext);
  REQUIRE(rl.write_handshake(Bytes(30, 2)).ok());
  REQUIRE(rl.write_handshake(Bytes(40, 3)).ok());
  CHECK(rl.pending_output().empty());
  REQUIRE(rl.flush().ok());
  CHECK(record_lengths(rl.pending_output()) == std::vector<size_t>{70});

  // A step that fails leaves what earlier steps wrote.
  rl.mark_step();
  REQUIRE(rl.write(ContentType::application_data, Bytes(5, 4)).ok());
  REQUIRE(rl.write_handshake(Bytes(9, 5)).ok());
  rl.discard_step();
  CHECK(record_lengths(rl.pending_output()) == std::vector<size_t>{70});
  REQUIRE(rl.flush().ok());
  CHECK(record_lengths(rl.pending_output()) == std::vector<size_t>{70});  // the coalesced message went too

  // After our close_notify nothing more is written, not even a fatal alert.
  rl.write_alert(AlertLevel::warning, AlertDescription::close_notify);
  CHECK(rl.sent_close());
  size_t before = rl.pending_output_size();
  REQUIRE(rl.write(ContentType::application_data, Bytes(5, 6)).ok());
  rl.write_alert(AlertLevel::fatal, AlertDescription::decode_error);
  CHECK(rl.pending_output_size() == before);
}

namespace {

// A TLS 1.3 protection with a fixed key, as both sides of a connection would hold it.
RecordProtection tls13_keys(uint8_t k) {
  Result<RecordProtection> p =
      RecordProtection::tls13(crypto::default_provider(), crypto::AeadAlg::aes_128_gcm, Bytes(16, k), Bytes(12, k));
  REQUIRE(p.ok());
  return p.take();
}

// Opens every record of `out` with `peer` (the reader's view of the writer's keys); the types and
// plaintexts, or the first error.
Result<std::vector<std::pair<ContentType, Bytes>>> open_all(RecordProtection& peer, ByteView out) {
  std::vector<std::pair<ContentType, Bytes>> got;
  Bytes copy = out.to_bytes();
  size_t off = 0;
  while (off + 5 <= copy.size()) {
    RecordHeader h;
    h.type = static_cast<ContentType>(copy[off]);
    h.version = static_cast<uint16_t>((copy[off + 1] << 8) | copy[off + 2]);
    h.length = static_cast<uint16_t>((copy[off + 3] << 8) | copy[off + 4]);
    Result<OpenedRecord> r = peer.open(h, copy.data() + off + 5, h.length);
    if (!r.ok()) return r.error();
    got.emplace_back(r.value().type, r.value().plaintext.to_bytes());
    off += 5 + h.length;
  }
  return got;
}

}  // namespace

// A failed step takes back the records it sealed, so it must take back what sealing them changed too:
// the write sequence number, and keys it installed. Otherwise the alert that follows is sealed under a
// sequence number or keys the peer does not have, and the peer sees bad_record_mac instead of it.
TEST_CASE("a discarded step gives back its sequence numbers and the keys it installed") {
  const Bytes fatal_decode_error = {2, 50};
  SUBCASE("sequence numbers") {
    RecordLayer rl;
    rl.set_version(true);
    rl.install_write(tls13_keys(7));
    RecordProtection peer = tls13_keys(7);
    REQUIRE(rl.write(ContentType::application_data, Bytes(5, 1)).ok());
    rl.mark_step();
    REQUIRE(rl.write(ContentType::application_data, Bytes(5, 2)).ok());
    REQUIRE(rl.write(ContentType::application_data, Bytes(5, 3)).ok());
    rl.discard_step();
    rl.write_alert(AlertLevel::fatal, AlertDescription::decode_error);
    auto got = open_all(peer, rl.pending_output());
    REQUIRE(got.ok());
    REQUIRE(got.value().size() == 2);
    CHECK(got.value()[0].second == Bytes(5, 1));
    CHECK(got.value()[1].first == ContentType::alert);
    CHECK(got.value()[1].second == fatal_decode_error);
  }
  SUBCASE("keys installed by the step") {
    // As a TLS 1.3 server whose ServerHello step fails after its handshake keys are in: the peer has
    // none of the step's records, so the alert goes out as the step found things, in plaintext.
    RecordLayer rl;
    rl.set_version(true);
    rl.mark_step();
    REQUIRE(rl.write_handshake(Bytes(40, 2)).ok());
    REQUIRE(rl.flush().ok());
    rl.install_write(tls13_keys(8));
    REQUIRE(rl.write_handshake(Bytes(60, 3)).ok());
    REQUIRE(rl.flush().ok());
    rl.install_write(tls13_keys(9));
    rl.discard_step();
    rl.write_alert(AlertLevel::fatal, AlertDescription::decode_error);
    Bytes expect = {21, 3, 3, 0, 2, 2, 50};
    CHECK(rl.pending_output() == ByteView(expect));
  }
  SUBCASE("what the application took is not taken back") {
    // Output the application consumed has gone to the peer: its sequence numbers are spent, whatever
    // later fails.
    RecordLayer rl;
    rl.set_version(true);
    rl.install_write(tls13_keys(7));
    RecordProtection peer = tls13_keys(7);
    rl.mark_step();
    REQUIRE(rl.write(ContentType::application_data, Bytes(5, 1)).ok());
    auto first = open_all(peer, rl.pending_output());
    REQUIRE(first.ok());
    rl.consume_output(rl.pending_output_size() - 3);  // all but the last 3 bytes
    rl.consume_output(3);
    REQUIRE(rl.write(ContentType::application_data, Bytes(5, 2)).ok());
    rl.discard_step();
    rl.write_alert(AlertLevel::fatal, AlertDescription::decode_error);
    auto got = open_all(peer, rl.pending_output());
    REQUIRE(got.ok());
    REQUIRE(got.value().size() == 1);
    CHECK(got.value()[0].second == fatal_decode_error);
  }
}

TEST_CASE("rewinding never makes a used sequence number usable again") {
  // The last number (2^64 - 1) sealed exhausts the object; a rewind to it must not reopen it.
  RecordProtection p = tls13_keys(7);
  p.set_sequence_number_for_testing(UINT64_MAX);
  Bytes out(p.sealed_size(3));
  REQUIRE(p.seal(ContentType::application_data, Bytes(3, 1), out.data(), out.size()).ok());
  CHECK(p.sequence_exhausted());
  p.rewind_sequence_number(UINT64_MAX);
  CHECK(p.sequence_exhausted());
  CHECK_FALSE(p.seal(ContentType::application_data, Bytes(3, 1), out.data(), out.size()).ok());
  p.rewind_sequence_number(5);  // below: records 5.. were never sent (the record layer's promise)
  CHECK_FALSE(p.sequence_exhausted());
  CHECK(p.sequence_number() == 5);
}

TEST_CASE("pending keys and buffers") {
  RecordLayer rl;
  CHECK(rl.activate_pending_read().error().alert == AlertDescription::unexpected_message);
  rl.set_pending_read(RecordProtection::null_protection(100));
  CHECK(rl.activate_pending_read().ok());
  CHECK(rl.read().max_plaintext() == 100);
  // release_buffers keeps the assembled record while an event may point into it.
  Bytes rec = record(23, 50);
  size_t off = 0;
  while (!rl.record_ready()) {  // the header first, then the rest of the record
    Result<size_t> took = rl.take(ByteView(rec).sub(off));
    REQUIRE(took.ok());
    off += took.value();
  }
  CHECK(off == rec.size());
  rl.release_buffers(true);
  CHECK(rl.buffer_capacity() >= 55);
  rl.next_record();
  rl.release_buffers(false);
  CHECK(rl.buffer_capacity() == 0);
}

}  // namespace sanstls
