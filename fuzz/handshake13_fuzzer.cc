// libFuzzer harness, structure-aware, TLS 1.3: plays a whole TLS 1.3 connection between a sanstls
// client and a sanstls server in memory (fixed seeds and clock): the handshake (optionally with a
// HelloRetryRequest, resumption with a ticket, 0-RTT data, client authentication), application data
// both ways, optionally KeyUpdates and post-handshake authentication, then close_notify both ways.
// The fuzzer mutates the records of ONE side in plaintext, so that mutations reach every state
// behind the encryption (EncryptedExtensions, Certificate, Finished, EndOfEarlyData,
// NewSessionTicket, KeyUpdate, application data, alerts) instead of dying at the AEAD tag.
//
// How, from outside the engine: both configs carry a key log (fuzz/support.h) in which each side
// logs its traffic secrets (CLIENT_EARLY_TRAFFIC_SECRET, CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET,
// CLIENT_/SERVER_TRAFFIC_SECRET_0) under the client random. The proxy knows the sender's sequence
// of write keys: [early,] handshake, application_0, and application_N+1 = "traffic upd" of
// application_N (RFC 8446 7.2). It opens each protected record the sender writes with the sender's
// current key or, when that fails, the next one in the sequence (the sender switched: after
// EndOfEarlyData or a refused 0-RTT, after its Finished, after a KeyUpdate), applies the fuzzer's
// operation to the plaintext (TLSInnerPlaintext content and type) and seals what it emits under the
// key it came from, with its own sequence numbers counting the records it emitted. Unprotected
// records (ClientHello, ServerHello, HelloRetryRequest, compatibility ChangeCipherSpec) are mutated
// as they are.
//
// Input: opts(1) flags(1) | one operation per record the mutated side writes, in order:
//   opts bits 0-1: suite, index (mod 3) into default_tls13_suites(); bit 2: the server asks for a
//   client certificate after the handshake (post-handshake authentication; needs flags bit 1).
//   flags bit 0: mutate the server's records (else the client's); bit 1: client authentication (the
//   client has a certificate; the server asks for one); bit 2: authentication required (else
//   optional); bit 3: HelloRetryRequest (the server takes P-256 only, the client's first share is
//   X25519); bit 4: resume fixed_session13(suite); bit 5: send kEarlyData (support.h) as 0-RTT (with bit 4);
//   bit 6: KeyUpdate after the handshake (the client requests one back, the server sends one more),
//   then more data both ways; bit 7: the server closes first.
//   operation: op % 12, then its arguments, as fuzz/record_ops.h lists them (pass, drop, duplicate,
//   overwrite, truncate, split, hold, insert, retype, append, drop or duplicate one handshake message).
//
// Invariants (a violation traps), besides those of fuzz::Driver on both connections:
//   - the proxy can always open what the sender wrote with a key from the sender's key log;
//   - when the receiver reports handshake_done, the handshake messages it was given, up to the
//     sender's Finished, are exactly those the sender wrote (refused 0-RTT records, which a server
//     skips unread, do not count, nor do records moved there from a later key, which the receiver
//     cannot open);
//   - when both sides are done they agree on version, suite, group, resumption, ALPN, 0-RTT and
//     (without post-handshake authentication) client authentication;
//   - no application data before handshake_done but accepted 0-RTT data; what each side receives is
//     a prefix of what the peer sent or, from the proxy, whole protected records it emitted, in
//     order (a server skipping 0-RTT data may drop some unread);
//   - without any operation, both sides complete as configured (resumed, 0-RTT accepted unless a
//     HelloRetryRequest came, client authenticated), get all the data and close cleanly.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/handshake.h"
#include "core/record.h"
#include "core/record_protection.h"
#include "core/suites.h"
#include "core/tls13_keys.h"
#include "fuzz/record_ops.h"
#include "fuzz/support.h"

namespace sanstls {
namespace fuzz {
namespace {

const char kClientData[] = "ping from the client";
const char kServerData[] = "pong from the server";
const char kClientData2[] = "client data after KeyUpdate";
const char kServerData2[] = "server data after KeyUpdate";

constexpr uint8_t kHandshake = static_cast<uint8_t>(ContentType::handshake);
constexpr uint8_t kAppData = static_cast<uint8_t>(ContentType::application_data);

// What the proxy gave the receiver, record by record.
struct Given {
  uint8_t type;
  bool is_protected;
  bool early;  // under the client's early traffic key
  int stage;   // the sender's write key it came under (-1: unprotected)
  Bytes body;
};

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

// One write key of the sender, with the proxy's opener (for the sender's records) and sealer (for
// what it emits), each with its own sequence number.
struct Stage {
  Bytes secret;
  bool early = false;
  std::optional<RecordProtection> opener, sealer;
};

// One direction: sender -> receiver.
struct Pipe {
  bool from_client = false;
  bool mutate = false;
  Side sender, receiver;
  Bytes orig_hs;              // the sender's handshake bytes, plaintext, as written (mutated side: all)
  std::vector<Given> given;   // mutated side: what the receiver was given
  std::vector<Stage> stages;  // the sender's write keys so far
  bool stages_known = false;  // stage 0 was chosen (early or handshake)
  size_t cur = 0;             // the stage of the sender's last protected record
  std::optional<Rec> held;
  bool done_checked = false;
  bool mutated = false;
};

class Harness {
 public:
  // c2s: the client's direction (the proxy reads the client random from its ClientHello).
  Harness(Input& in, const CipherSuite& suite, Pipe& c2s) : in_(in), suite_(suite), c2s_(c2s) {}

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
  const crypto::Provider& prov() const { return provider(); }

  // The client random of the original ClientHello.
  ByteView client_random() {
    if (random_.empty()) {
      std::vector<Bytes> msgs = split_messages(c2s_.orig_hs);
      HandshakeHeader hh;
      ByteView body;
      ClientHello ch;
      require(!msgs.empty() && split_handshake_message(msgs[0], &hh, &body).ok() &&
                  decode_client_hello(body, &ch).ok(),
              "the client's first message is no ClientHello");
      random_.assign(ch.random.begin(), ch.random.end());
    }
    return random_;
  }

  Bytes logged(const Pipe& p, const char* label) {
    Bytes secret;
    StoreKeyLog& log = p.from_client ? client_key_log() : server_key_log();
    (void)log.find(label, client_random(), &secret);
    return secret;
  }

  // Stage k of the sender's write keys, or null while the sender has not logged it yet. Stage 0 is
  // the client's early key when it logged one when its first protected record arrives, else the
  // handshake key; then the application keys, each next one derived from the one before.
  Stage* stage(Pipe& p, size_t k) {
    if (!p.stages_known) {
      p.stages_known = true;
      if (p.from_client) {
        Bytes early = logged(p, "CLIENT_EARLY_TRAFFIC_SECRET");
        if (!early.empty()) {
          p.stages.emplace_back();
          p.stages.back().secret = early;
          p.stages.back().early = true;
        }
      }
    }
    while (p.stages.size() <= k) {
      size_t hi = handshake_index(p);
      Bytes next;
      if (p.stages.size() == hi) {
        next = logged(p, p.from_client ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET" : "SERVER_HANDSHAKE_TRAFFIC_SECRET");
      } else if (p.stages.size() == hi + 1) {
        next = logged(p, p.from_client ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0");
      } else {
        next = tls13_next_traffic_secret(prov(), suite_.prf_hash, p.stages.back().secret);
      }
      if (next.empty()) return nullptr;
      p.stages.emplace_back();
      p.stages.back().secret = std::move(next);
    }
    return &p.stages[k];
  }
  static size_t handshake_index(const Pipe& p) { return !p.stages.empty() && p.stages[0].early ? 1 : 0; }

  RecordProtection protection(const Stage& s) {
    Result<RecordProtection> r = tls13_protection(prov(), suite_, s.secret);
    require(r.ok(), "tls13_protection failed on a logged secret");
    return r.take();
  }

  void on_record(Pipe& p, const RecordHeader& h, ByteView raw) {
    Rec r;
    r.type = static_cast<uint8_t>(h.type);
    r.version = h.version;
    bool is_protected = r.type == kAppData;  // TLS 1.3 protects everything as application_data
    if (is_protected && p.mutate) {
      bool opened = false;
      for (size_t k = p.cur; k < p.cur + 4 && !opened; k++) {
        Stage* s = stage(p, k);
        if (s == nullptr) break;
        if (!s->opener) s->opener.emplace(protection(*s));
        Bytes frag = raw.sub(kRecordHeaderLength).to_bytes();
        Result<OpenedRecord> o = s->opener->open(h, frag.data(), frag.size());
        if (!o.ok()) continue;
        opened = true;
        p.cur = k;
        r.stage = static_cast<int>(k);
        r.type = static_cast<uint8_t>(o.value().type);
        r.body = o.value().plaintext.to_bytes();
      }
      require(opened, "the proxy cannot open the sender's record with the keys it logged");
    } else {
      r.body = raw.sub(kRecordHeaderLength).to_bytes();
    }
    if (r.type == kHandshake && (!is_protected || p.mutate)) p.orig_hs.insert(p.orig_hs.end(), r.body.begin(), r.body.end());
    if (!p.mutate) {
      feed(p, raw);
      return;
    }
    std::optional<Rec> prev = std::move(p.held);
    p.held.reset();
    apply(p, std::move(r));
    if (prev) emit(p, *prev);
  }

  // The fuzzer's operation on one record of the mutated side (fuzz/record_ops.h).
  void apply(Pipe& p, Rec r) {
    if (apply_record_op(in_, std::move(r), [&](const Rec& x) { emit(p, x); }, [&](Rec x) { p.held = std::move(x); }))
      p.mutated = true;
  }


  // Protects (under the key the record came with) and gives one record to the receiver.
  void emit(Pipe& p, const Rec& r) {
    Bytes wire;
    size_t n;
    bool early = false;
    if (r.stage >= 0) {
      Stage& s = p.stages[static_cast<size_t>(r.stage)];
      if (!s.sealer) s.sealer.emplace(protection(s));
      early = s.early;
      // TLS 1.3 has no ChangeCipherSpec inside the protection, but the fuzzer may put one there.
      n = std::min(r.body.size(), s.sealer->max_plaintext());
      wire.resize(s.sealer->sealed_size(n));
      Result<size_t> sealed = s.sealer->seal(static_cast<ContentType>(r.type), ByteView(r.body).sub(0, n),
                                             wire.data(), wire.size());
      require(sealed.ok(), "the proxy cannot seal a record");
      wire.resize(sealed.value());
    } else {
      n = std::min<size_t>(r.body.size(), 0xffff);
      wire.push_back(r.type);
      wire.push_back(static_cast<uint8_t>(r.version >> 8));
      wire.push_back(static_cast<uint8_t>(r.version));
      wire.push_back(static_cast<uint8_t>(n >> 8));
      wire.push_back(static_cast<uint8_t>(n));
      wire.insert(wire.end(), r.body.begin(), r.body.begin() + static_cast<ptrdiff_t>(n));
    }
    Bytes body(r.body.begin(), r.body.begin() + static_cast<ptrdiff_t>(n));
    p.given.push_back(Given{r.type, r.stage >= 0, early, r.stage, std::move(body)});
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
    require(up_to_finished(split_messages(p.orig_hs), &sent), "receiver done before the sender's Finished");
    bool early_read = p.receiver.conn->info()->early_data_accepted;
    // Up to the sender's Finished the receiver reads protected records under the sender's handshake key
    // only (and its early key when it took the 0-RTT data). A record the proxy moved there from a later
    // key cannot be opened: it is fatal, or skipped unread by a server that refused 0-RTT (RFC 8446
    // 4.2.10: records that fail deprotection are skipped up to max_early_data_size), so it does not count.
    const int handshake_stage = static_cast<int>(handshake_index(p));
    Bytes hs;
    for (const Given& g : p.given) {
      bool readable = !g.is_protected || (g.early ? early_read : g.stage == handshake_stage);
      if (g.type == kHandshake && readable) hs.insert(hs.end(), g.body.begin(), g.body.end());
    }
    std::vector<Bytes> msgs = split_messages(hs);
    if (!p.from_client) {
      // A client ignores empty HelloRequests until a ServerHello tells it the version (RFC 5246
      // 7.4.1.1, core/hello_stage.cc): they are not in its transcript. After it they are not ignored.
      auto sh = std::find_if(msgs.begin(), msgs.end(), [](const Bytes& m) {
        return m[0] == static_cast<uint8_t>(HandshakeType::server_hello);
      });
      auto kept = std::remove_if(msgs.begin(), sh, [](const Bytes& m) {
        return m.size() == kHandshakeHeaderLength && m[0] == static_cast<uint8_t>(HandshakeType::hello_request);
      });
      msgs.erase(kept, sh);
    }
    require(up_to_finished(msgs, &given), "handshake_done without the peer's Finished");
    require(sent == given, "handshake_done on a mutated transcript");
  }

  Input& in_;
  const CipherSuite& suite_;
  Pipe& c2s_;
  Bytes random_;
};

// Whether `got` is the concatenation of some of `records`, taken in order.
bool concatenation_of_subsequence(const std::string& got, const std::vector<std::string>& records) {
  std::vector<bool> reach(got.size() + 1, false);  // reach[i]: got[0..i) is such a concatenation
  reach[0] = true;
  for (const std::string& r : records) {
    if (r.empty()) continue;
    for (size_t i = got.size() + 1; i-- > 0;)
      if (reach[i] && r.size() <= got.size() - i && got.compare(i, r.size(), r) == 0) reach[i + r.size()] = true;
  }
  return reach[got.size()];
}

void require_prefix(const std::string& got, const std::string& sent, const char* what) {
  require(got.size() <= sent.size() && sent.compare(0, got.size(), got) == 0, what);
}

void run(const uint8_t* data, size_t size) {
  Input in(data, size);
  uint8_t o = in.u8();
  uint8_t flags = in.u8();
  const std::vector<uint16_t>& suites = default_tls13_suites();
  uint16_t suite = suites[(o & 3) % suites.size()];
  bool pha = (o & 4) != 0;
  bool mutate_server = flags & 1, auth = flags & 2, required = flags & 4, hrr = flags & 8;
  bool resume = flags & 16, early = resume && (flags & 32), key_update = flags & 64;
  bool server_closes_first = flags & 128;

  KeyLogScope key_logs;  // cleared now and when the run ends
  auto crng = make_rng(ByteView::of(kClientSeed));
  auto srng = make_rng(ByteView::of(kServerSeed));
  FixedClock cclock, sclock;
  Connection::ClientOptions opts;
  opts.server_name = kServerName;
  if (resume) opts.resume = fixed_session13(suite);
  if (early) opts.early_data = ByteView::of(kEarlyData).to_bytes();
  ClientAuth mode = !auth ? ClientAuth::none : required ? ClientAuth::required : ClientAuth::optional;
  Connection client = Connection::client(client_config13(suite, auth), opts, *crng, cclock);
  Connection server = Connection::server(server_config13(mode, hrr), *srng, sclock);
  Driver cd(client), sd(server);
  (void)client.send(ByteView::of(kClientData));
  (void)server.send(ByteView::of(kServerData));
  std::string client_sent = std::string(early ? kEarlyData : "") + kClientData;
  std::string server_sent = kServerData;

  Pipe c2s, s2c;
  c2s.from_client = true;
  c2s.mutate = !mutate_server;
  c2s.sender = {&client, &cd};
  c2s.receiver = {&server, &sd};
  s2c.mutate = mutate_server;
  s2c.sender = {&server, &sd};
  s2c.receiver = {&client, &cd};
  Harness h(in, *find_suite(suite), c2s);

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
  if (key_update && cd.done && sd.done) {
    // Errors here are the API's (e.g. a side that failed meanwhile); the drivers check the rest.
    if (client.key_update(true).ok() && server.key_update(false).ok()) {
      (void)client.send(ByteView::of(kClientData2));
      (void)server.send(ByteView::of(kServerData2));
      client_sent += kClientData2;
      server_sent += kServerData2;
    }
    pump();
  }
  bool pha_requested = false;
  if (pha && cd.done && sd.done) {
    pha_requested = server.request_client_certificate().ok();
    pump();
  }
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
  // What the proxy emitted as protected application data (unprotected records never deliver any).
  // A server skipping 0-RTT data (after a HelloRetryRequest, or refused) drops, unread, every record
  // it cannot open, whatever the key the proxy used, so the receiver gets whole records of these, in
  // order, some perhaps skipped: the received data must be a concatenation of a subsequence of them.
  std::vector<std::string> records;
  for (const Given& g : mp.given)
    if (g.type == kAppData && g.is_protected) records.emplace_back(reinterpret_cast<const char*>(g.body.data()), g.body.size());
  require(concatenation_of_subsequence(mp.receiver.driver->data, records), "received data that the proxy never emitted");
  require_prefix(up.receiver.driver->data, up.from_client ? client_sent : server_sent,
                 "received data that the peer never sent");
  if (cd.done && sd.done) {
    const HandshakeInfo* ci = client.info();
    const HandshakeInfo* si = server.info();
    require(ci->version == 0x0304 && si->version == 0x0304, "TLS 1.3 configs agreed on another version");
    require(ci->cipher_suite == si->cipher_suite && ci->cipher_suite == suite, "the sides disagree on the suite");
    require(ci->group == si->group, "the sides disagree on the group");
    require(ci->resumed == si->resumed, "the sides disagree on resumption");
    require(ci->alpn == si->alpn, "the sides disagree on ALPN");
    require(ci->early_data_accepted == si->early_data_accepted, "the sides disagree on 0-RTT");
    require(!si->early_data_accepted || (early && !hrr), "0-RTT accepted where it must not be");
    if (!pha_requested)
      // A resumed server reports the client identity its session recorded (the fixed sessions say client.pem);
      // the client keeps no such record, so the two are compared on full handshakes only.
      if (!ci->resumed)
        require(ci->client_authenticated == si->client_authenticated, "the sides disagree on client authentication");
  }
  if (!mp.mutated && !mp.held) {
    require(cd.done && sd.done, "an unmutated handshake did not complete");
    require(cd.data == server_sent && sd.data == client_sent, "an unmutated connection lost data");
    require(client.info()->resumed == resume, "the fixed TLS 1.3 session was not resumed");
    require(server.info()->early_data_accepted == (early && !hrr), "0-RTT not accepted as configured");
    require(sd.early_data == (early && !hrr ? std::strlen(kEarlyData) : 0), "0-RTT data not delivered as such");
    // Resumed or not: the fixed sessions record client.pem as the client's identity, which a server
    // that asks for certificates reports (core/session.h PeerIdentity).
    require(server.info()->client_authenticated == auth, "client authentication not as configured");
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
