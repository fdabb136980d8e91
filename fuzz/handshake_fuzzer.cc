// libFuzzer harness, structure-aware: plays a whole TLS 1.2 handshake between a sanstls client and a
// sanstls server in memory (fixed seeds and clock), then application data both ways and close_notify,
// and lets the fuzzer mutate the records of ONE side in plaintext, before protection, so that the
// mutations reach the states after ChangeCipherSpec (Finished, application data, alerts, close,
// renegotiation attempts) instead of dying at the MAC check.
//
// How, from outside the engine: both configs carry a key log (fuzz/support.h), so the proxy between
// the two learns the sender's master secret; with the randoms and the suite from the (original)
// hellos it re-derives the sender's record keys (core/tls12_keys.h), decrypts each record the
// sender writes after its ChangeCipherSpec, applies the fuzzer's operation to the plaintext, and
// seals what it emits with its own copy of the keys, whose sequence number counts the records
// actually emitted. The receiver thus sees well-protected records whatever was dropped, duplicated,
// inserted or reordered.
//
// Input: suite(1) flags(1) | one operation per record the mutated side writes, in order:
//   suite: index into default_tls12_suites().
//   flags bit 0: mutate the server's records (else the client's); bit 1: client authentication (the
//   client has a certificate); bit 2: resume the fixed session of the suite; bit 3: authentication
//   required (else optional); bit 4: the server closes first.
//   operation: op % 12, then its arguments, as fuzz/record_ops.h lists them (pass, drop, duplicate,
//   overwrite, truncate, split, hold, insert, retype, append, drop or duplicate one handshake message).
//
// Invariants (a violation traps), besides those of fuzz::Driver on both connections:
//   - the proxy can always decrypt what the sender wrote (the key schedule is what the log says);
//   - when the receiver reports handshake_done, the handshake messages it was given, up to the
//     sender's Finished, are exactly those the sender wrote (a mutated transcript must never verify);
//     a HelloRequest the client ignores is the only exception;
//   - when both sides are done they agree on suite, version, resumption, EMS, EtM, ALPN and client
//     authentication;
//   - no application data before handshake_done; what each side receives is a prefix of what was
//     sent (or emitted by the proxy);
//   - without any operation, both sides complete, get each other's data and close cleanly.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/handshake.h"
#include "core/record.h"
#include "core/record_protection.h"
#include "core/suites.h"
#include "core/tls12_keys.h"
#include "fuzz/record_ops.h"
#include "fuzz/support.h"

namespace sanstls {
namespace fuzz {
namespace {

const char kClientData[] = "ping from the client";
const char kServerData[] = "pong from the server";

// The messages up to and including the first Finished; false when there is none.
bool up_to_finished(const std::vector<Bytes>& msgs, std::vector<Bytes>* out) {
  for (const Bytes& m : msgs) {
    out->push_back(m);
    if (m[0] == static_cast<uint8_t>(HandshakeType::finished)) return true;
  }
  return false;
}

struct Side {
  Connection* conn;
  Driver* driver;
};

// One direction: sender -> receiver.
struct Pipe {
  bool from_client = false;
  bool mutate = false;
  Side sender, receiver;
  Bytes orig_hs;         // the sender's handshake bytes, plaintext, as written
  Bytes fwd_hs;          // the handshake bytes given to the receiver
  std::string fwd_app;   // the application data given to the receiver
  bool sender_ccs = false;
  bool emitted_ccs = false;
  std::optional<RecordProtection> opener, sealer;
  std::optional<Rec> held;
  bool done_checked = false;
  bool mutated = false;
};

class Harness {
 public:
  Harness(Input& in, Pipe& c2s, Pipe& s2c, crypto::Rng& proxy_rng)
      : in_(in), c2s_(c2s), s2c_(s2c), rng_(proxy_rng) {}

  // Moves everything the sender wrote through the proxy. Returns whether anything moved.
  bool move(Pipe& p) {
    Bytes out = p.sender.driver->take_output();
    if (out.empty()) return false;
    for_each_record(out, [&](const RecordHeader& h, ByteView rec) { on_record(p, h, rec); });
    return true;
  }

  void flush(Pipe& p) {
    if (p.held) {
      Rec r = std::move(*p.held);
      p.held.reset();
      emit(p, r);
    }
  }

 private:
  void on_record(Pipe& p, const RecordHeader& h, ByteView raw) {
    Rec r;
    r.type = static_cast<uint8_t>(h.type);
    r.version = h.version;
    if (p.sender_ccs && p.mutate) {
      require(p.opener.has_value(), "no keys for the sender's protected records");
      Bytes frag = raw.sub(kRecordHeaderLength).to_bytes();
      Result<OpenedRecord> o = p.opener->open(h, frag.data(), frag.size());
      require(o.ok(), "the proxy cannot decrypt the sender's record");
      r.type = static_cast<uint8_t>(o.value().type);
      r.body = o.value().plaintext.to_bytes();
    } else {
      r.body = raw.sub(kRecordHeaderLength).to_bytes();
    }
    if (r.type == static_cast<uint8_t>(ContentType::handshake) && (!p.sender_ccs || p.mutate))
      p.orig_hs.insert(p.orig_hs.end(), r.body.begin(), r.body.end());
    if (r.type == static_cast<uint8_t>(ContentType::change_cipher_spec) && !p.sender_ccs) {
      p.sender_ccs = true;
      if (p.mutate) derive_keys(p);
    }
    if (!p.mutate) {
      feed(p, raw);
      return;
    }
    std::optional<Rec> prev = std::move(p.held);
    p.held.reset();
    apply(p, std::move(r));
    if (prev) emit(p, *prev);
  }

  void derive_keys(Pipe& p) {
    std::vector<Bytes> ch_msgs = split_messages(c2s_.orig_hs, false);
    std::vector<Bytes> sh_msgs = split_messages(s2c_.orig_hs, false);
    require(!ch_msgs.empty() && !sh_msgs.empty(), "ChangeCipherSpec before the hellos");
    HandshakeHeader hh;
    ByteView body;
    ClientHello ch;
    ServerHello sh;
    require(split_handshake_message(ch_msgs[0], &hh, &body).ok() && decode_client_hello(body, &ch).ok(),
            "the client's first message is no ClientHello");
    require(split_handshake_message(sh_msgs[0], &hh, &body).ok() && decode_server_hello(body, &sh).ok(),
            "the server's first message is no ServerHello");
    const CipherSuite* suite = find_suite(sh.cipher_suite);
    require(suite != nullptr, "the server chose an unknown suite");
    Bytes ms;
    StoreKeyLog& log = p.from_client ? client_key_log() : server_key_log();
    require(log.find(ByteView(ch.random.data(), ch.random.size()), &ms), "no master secret logged");
    bool etm = !suite->is_aead() && sh.extensions.encrypt_then_mac;
    const crypto::Provider& prov = provider();
    for (int i = 0; i < 2; i++) {
      Result<Tls12Keys> k = tls12_record_keys(prov, *suite, ms, ch.random, sh.random, etm, rng_, kMaxPlaintext,
                                              kMaxPlaintext);
      require(k.ok(), "tls12_record_keys failed");
      RecordProtection& rp = p.from_client ? k.value().client_write : k.value().server_write;
      (i == 0 ? p.opener : p.sealer).emplace(std::move(rp));
    }
  }

  // The fuzzer's operation on one record of the mutated side (fuzz/record_ops.h).
  void apply(Pipe& p, Rec r) {
    if (apply_record_op(in_, std::move(r), [&](const Rec& x) { emit(p, x); }, [&](Rec x) { p.held = std::move(x); }))
      p.mutated = true;
  }


  // Protects (after the proxy emitted ChangeCipherSpec and has keys) and gives one record to the
  // receiver.
  void emit(Pipe& p, const Rec& r) {
    Bytes wire;
    if (p.emitted_ccs && p.sealer) {
      size_t n = std::min(r.body.size(), p.sealer->max_plaintext());
      wire.resize(p.sealer->sealed_size(n));
      Result<size_t> s = p.sealer->seal(static_cast<ContentType>(r.type), ByteView(r.body).sub(0, n), wire.data(),
                                        wire.size());
      require(s.ok(), "the proxy cannot seal a record");
      wire.resize(s.value());
      if (r.type == static_cast<uint8_t>(ContentType::handshake))
        p.fwd_hs.insert(p.fwd_hs.end(), r.body.begin(), r.body.begin() + static_cast<ptrdiff_t>(n));
      if (r.type == static_cast<uint8_t>(ContentType::application_data))
        p.fwd_app.append(reinterpret_cast<const char*>(r.body.data()), n);
    } else {
      size_t n = std::min<size_t>(r.body.size(), 0xffff);
      wire.push_back(r.type);
      wire.push_back(static_cast<uint8_t>(r.version >> 8));
      wire.push_back(static_cast<uint8_t>(r.version));
      wire.push_back(static_cast<uint8_t>(n >> 8));
      wire.push_back(static_cast<uint8_t>(n));
      wire.insert(wire.end(), r.body.begin(), r.body.begin() + static_cast<ptrdiff_t>(n));
      if (r.type == static_cast<uint8_t>(ContentType::handshake))
        p.fwd_hs.insert(p.fwd_hs.end(), r.body.begin(), r.body.begin() + static_cast<ptrdiff_t>(n));
      if (r.type == static_cast<uint8_t>(ContentType::application_data))
        p.fwd_app.append(reinterpret_cast<const char*>(r.body.data()), n);
    }
    if (r.type == static_cast<uint8_t>(ContentType::change_cipher_spec)) p.emitted_ccs = true;
    feed(p, wire);
  }

  void feed(Pipe& p, ByteView wire) {
    if (p.receiver.conn->error() != nullptr) return;  // the receiver is gone; a transport would drop it
    p.receiver.driver->feed(wire);
    if (p.mutate && p.receiver.driver->done && !p.done_checked) {
      p.done_checked = true;
      check_transcript(p);
    }
  }

  // The receiver reported handshake_done: what it was given must be what the sender wrote.
  void check_transcript(const Pipe& p) {
    std::vector<Bytes> sent, given;
    require(up_to_finished(split_messages(p.orig_hs, false), &sent), "receiver done before the sender's Finished");
    // A client ignores a HelloRequest during the handshake (RFC 5246 7.4.1.1).
    require(up_to_finished(split_messages(p.fwd_hs, !p.from_client), &given),
            "handshake_done without the peer's Finished");
    require(sent == given, "handshake_done on a mutated transcript");
  }

  Input& in_;
  Pipe& c2s_;
  Pipe& s2c_;
  crypto::Rng& rng_;
};

void require_prefix(const std::string& got, const std::string& sent, const char* what) {
  require(got.size() <= sent.size() && sent.compare(0, got.size(), got) == 0, what);
}

void run(const uint8_t* data, size_t size) {
  Input in(data, size);
  const std::vector<uint16_t>& suites = default_tls12_suites();
  uint16_t suite = suites[in.u8() % suites.size()];
  uint8_t flags = in.u8();
  bool mutate_server = flags & 1, auth = flags & 2, resume = flags & 4, required = flags & 8;
  bool server_closes_first = flags & 16;

  KeyLogScope key_logs;  // cleared now and when the run ends
  auto crng = make_rng(ByteView::of(kClientSeed));
  auto srng = make_rng(ByteView::of(kServerSeed));
  auto prng = make_rng(ByteView::of("sanstls fuzz proxy"));
  FixedClock cclock, sclock;
  Connection::ClientOptions opts;
  opts.server_name = kServerName;
  if (resume) opts.resume = fixed_session(suite);
  ClientAuth mode = !auth ? ClientAuth::none : required ? ClientAuth::required : ClientAuth::optional;
  Connection client = Connection::client(client_config(suite, auth), opts, *crng, cclock);
  Connection server = Connection::server(server_config(mode), *srng, sclock);
  Driver cd(client), sd(server);
  (void)client.send(ByteView::of(kClientData));
  (void)server.send(ByteView::of(kServerData));

  Pipe c2s, s2c;
  c2s.from_client = true;
  c2s.mutate = !mutate_server;
  c2s.sender = {&client, &cd};
  c2s.receiver = {&server, &sd};
  s2c.mutate = mutate_server;
  s2c.sender = {&server, &sd};
  s2c.receiver = {&client, &cd};
  Harness h(in, c2s, s2c, *prng);

  auto pump = [&] {
    for (int round = 0; round < 64; round++) {
      bool a = h.move(c2s);
      bool b = h.move(s2c);
      if (!a && !b) {
        if (!c2s.held && !s2c.held) break;
        h.flush(c2s);
        h.flush(s2c);
      }
    }
  };
  pump();
  Connection& first = server_closes_first ? server : client;
  Connection& second = server_closes_first ? client : server;
  first.close();
  pump();
  second.close();
  pump();
  cd.drain();
  sd.drain();
  cd.check_sticky();
  sd.check_sticky();

  if (verbose()) {
    report(mutate_server ? "client (server mutated)" : "client", client, cd);
    report(mutate_server ? "server" : "server (client mutated)", server, sd);
  }
  require(!cd.data_before_done && !sd.data_before_done, "application data accepted before handshake_done");
  Pipe& mp = mutate_server ? s2c : c2s;
  Pipe& up = mutate_server ? c2s : s2c;
  require_prefix(mp.receiver.driver->data, mp.fwd_app, "received data that the proxy never emitted");
  require_prefix(up.receiver.driver->data, up.from_client ? kClientData : kServerData,
                 "received data that the peer never sent");
  if (cd.done && sd.done) {
    const HandshakeInfo* ci = client.info();
    const HandshakeInfo* si = server.info();
    require(ci->cipher_suite == si->cipher_suite && ci->cipher_suite == suite, "the sides disagree on the suite");
    require(ci->version == si->version, "the sides disagree on the version");
    require(ci->resumed == si->resumed, "the sides disagree on resumption");
    require(ci->extended_master_secret == si->extended_master_secret, "the sides disagree on EMS");
    require(ci->encrypt_then_mac == si->encrypt_then_mac, "the sides disagree on encrypt-then-MAC");
    require(ci->alpn == si->alpn, "the sides disagree on ALPN");
    // A resumed server reports the client identity its session recorded (the fixed sessions say client.pem);
    // the client keeps no such record, so the two are compared on full handshakes only.
    if (!ci->resumed)
      require(ci->client_authenticated == si->client_authenticated, "the sides disagree on client authentication");
  }
  if (!mp.mutated && !mp.held) {
    require(cd.done && sd.done, "an unmutated handshake did not complete");
    require(cd.data == kServerData && sd.data == kClientData, "an unmutated connection lost data");
    require(client.info()->resumed == resume, "the fixed session was not resumed");
    require(cd.clean && sd.clean, "an unmutated connection did not close cleanly");
  }
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
