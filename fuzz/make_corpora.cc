// Writes the seed corpora of the record, server, client, handshake, handshake13 and x509 harnesses,
// from real in-memory handshakes between a sanstls client and server, for every TLS 1.2 suite, plain,
// with client authentication (optional and required, with and without a client certificate) and
// resumed; and for every TLS 1.3 suite, plain, with client authentication, resumed, with 0-RTT,
// after a HelloRetryRequest, with KeyUpdates and with post-handshake authentication:
//
//   bazel run //fuzz:make_corpora -- $PWD/fuzz/corpus
//
// writes <dir>/record/, <dir>/server/, <dir>/client/, <dir>/handshake/, <dir>/handshake13/ and
// <dir>/x509/ (existing files of the same names are overwritten; others are left alone).
// Deterministic: the same tree gives the same files. TLS 1.3 entries of the server and client
// corpora are named tls13_<suite>_<variant> and set flags bit 6.
//   server: the client's bytes of a handshake against server_config(mode) with kServerSeed, so that
//           the server harness replays the whole connection (handshake, data, close_notify);
//   client: the server's bytes of a handshake with client_config(0, cert) and kClientSeed;
//   handshake: the header of each (suite, side, authentication, resumption) with no operation;
//   handshake13: likewise for each TLS 1.3 (suite, side, variant), plus drop / duplicate / insert an
//                alert at each record position;
//   record: records sealed with the harness's fixed keys in every mode, and a few raw fragments;
//   x509: the test certificate chains (DER) with the names they are for.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <string>
#include <vector>

#include "core/record.h"
#include "core/suites.h"
#include "fuzz/embedded_certs.h"
#include "fuzz/record_modes.h"
#include "fuzz/support.h"

namespace sanstls {
namespace fuzz {
namespace {

namespace fs = std::filesystem;

std::string g_root;
size_t g_written = 0;

void write(const std::string& harness, const std::string& name, ByteView data) {
  fs::path dir = fs::path(g_root) / harness;
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!f) {
    std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), name.c_str());
    std::exit(1);
  }
  g_written++;
}

std::string hex16(uint16_t v) {
  char b[8];
  std::snprintf(b, sizeof b, "%04x", v);
  return b;
}

// Runs a client and a server to the end (data both ways, then close_notify both ways) and returns
// what each wrote. False when the handshake did not complete. `after`, when set, runs once the
// handshake is done (TLS 1.3 KeyUpdate, post-handshake authentication), followed by more data.
bool run_pair(Connection& client, Connection& server, Bytes* c2s, Bytes* s2c,
              const std::function<bool(Connection&, Connection&)>& after = nullptr) {
  Driver cd(client), sd(server);
  (void)client.send(ByteView::of("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  (void)server.send(ByteView::of("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  auto pump = [&] {
    for (int round = 0; round < 64; round++) {
      Bytes a = cd.take_output();
      c2s->insert(c2s->end(), a.begin(), a.end());
      sd.feed(a);
      Bytes b = sd.take_output();
      s2c->insert(s2c->end(), b.begin(), b.end());
      cd.feed(b);
      if (a.empty() && b.empty()) break;
    }
  };
  pump();
  if (after) {
    if (!cd.done || !sd.done || !after(client, server)) return false;
    (void)client.send(ByteView::of("GET /2 HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    (void)server.send(ByteView::of("HTTP/1.1 204 No Content\r\n\r\n"));
    pump();
  }
  client.close();
  pump();
  server.close();
  pump();
  return cd.done && sd.done && client.error() == nullptr && server.error() == nullptr && cd.clean && sd.clean;
}

struct Variant {
  const char* name;
  ClientAuth mode;
  bool cert;
  bool resume;
};
const Variant kVariants[] = {
    {"plain", ClientAuth::none, false, false},       {"authopt", ClientAuth::optional, true, false},
    {"authreq", ClientAuth::required, true, false},  {"authnocert", ClientAuth::optional, false, false},
    {"resume", ClientAuth::none, false, true},       {"resumeauth", ClientAuth::optional, true, true},
};
uint8_t auth_bits(ClientAuth m) { return m == ClientAuth::none ? 0 : m == ClientAuth::optional ? 1 : 2; }

void engine_corpora() {
  const std::vector<uint16_t>& suites = default_tls12_suites();
  for (size_t si = 0; si < suites.size(); si++) {
    uint16_t suite = suites[si];
    for (const Variant& v : kVariants) {
      std::string tag = hex16(suite) + "_" + v.name;
      // Server harness: a restricted client against the harness's server.
      {
        auto crng = crypto::make_deterministic_rng(ByteView::of("corpus client " + tag));
        auto srng = crypto::make_deterministic_rng(ByteView::of(kServerSeed));
        FixedClock cc, sc;
        Connection::ClientOptions o;
        o.server_name = kServerName;
        if (v.resume) o.resume = fixed_session(suite);
        Connection c = Connection::client(client_config(suite, v.cert), o, *crng, cc);
        Connection s = Connection::server(server_config(v.mode), *srng, sc);
        Bytes c2s, s2c;
        if (!run_pair(c, s, &c2s, &s2c)) {
          std::fprintf(stderr, "server corpus: handshake %s failed\n", tag.c_str());
          std::exit(1);
        }
        Bytes in = {auth_bits(v.mode), 0};
        in.insert(in.end(), c2s.begin(), c2s.end());
        write("server", tag, in);
        if (std::strcmp(v.name, "plain") == 0) {  // the same, echoing, fed in small pieces, then EOF
          Bytes split = {static_cast<uint8_t>(auth_bits(v.mode) | 4 | 8), 3, 1, 7, 100};
          split.insert(split.end(), c2s.begin(), c2s.end());
          write("server", tag + "_split", split);
        }
      }
      // Client harness: the harness's client against a restricted server.
      {
        auto crng = crypto::make_deterministic_rng(ByteView::of(kClientSeed));
        auto srng = crypto::make_deterministic_rng(ByteView::of("corpus server " + tag));
        FixedClock cc, sc;
        Connection::ClientOptions o;
        o.server_name = kServerName;
        if (v.resume) o.resume = fixed_session(suite);
        Connection c = Connection::client(client_config(0, v.cert), o, *crng, cc);
        Connection s = Connection::server(server_config(v.mode, suite), *srng, sc);
        Bytes c2s, s2c;
        if (!run_pair(c, s, &c2s, &s2c)) {
          std::fprintf(stderr, "client corpus: handshake %s failed\n", tag.c_str());
          std::exit(1);
        }
        uint8_t flags = static_cast<uint8_t>((v.cert ? 1 : 0) | (v.resume ? 2 : 0));
        Bytes in = {flags, static_cast<uint8_t>(si), 0};
        in.insert(in.end(), s2c.begin(), s2c.end());
        write("client", tag, in);
        if (std::strcmp(v.name, "plain") == 0) {
          Bytes split = {static_cast<uint8_t>(flags | 4 | 8), static_cast<uint8_t>(si), 2, 5, 200};
          split.insert(split.end(), s2c.begin(), s2c.end());
          write("client", tag + "_split", split);
        }
      }
      // Handshake harness: no operation, each side mutated.
      if (v.mode != ClientAuth::none && !v.cert) continue;  // the harness gives a certificate with auth
      for (int side = 0; side < 2; side++) {
        uint8_t flags = static_cast<uint8_t>(side | (v.mode != ClientAuth::none ? 2 : 0) | (v.resume ? 4 : 0) |
                                             (v.mode == ClientAuth::required ? 8 : 0));
        Bytes in = {static_cast<uint8_t>(si), flags};
        write("handshake", tag + (side ? "_mutserver" : "_mutclient"), in);
      }
    }
  }
}

// TLS 1.3: the server harness (flags bit 6), the client harness (flags bit 6) and handshake13.
struct Variant13 {
  const char* name;
  ClientAuth mode;
  bool cert;
  bool resume;
  bool early;       // 0-RTT data with the resumption
  bool hrr;         // the server takes P-256 only: HelloRetryRequest
  bool key_update;  // after the handshake: KeyUpdate (the peer is asked for one back)
  bool pha;         // after the handshake: the server asks for a client certificate
};
const Variant13 kVariants13[] = {
    {"plain", ClientAuth::none, false, false, false, false, false, false},
    {"authopt", ClientAuth::optional, true, false, false, false, false, false},
    {"authreq", ClientAuth::required, true, false, false, false, false, false},
    {"authnocert", ClientAuth::optional, false, false, false, false, false, false},
    {"resume", ClientAuth::none, false, true, false, false, false, false},
    {"early", ClientAuth::none, false, true, true, false, false, false},
    {"hrr", ClientAuth::none, false, false, false, true, false, false},
    {"hrrearly", ClientAuth::none, false, true, true, true, false, false},
    {"keyupdate", ClientAuth::none, false, false, false, false, true, false},
    {"earlykeyupdate", ClientAuth::none, false, true, true, false, true, false},
    {"pha", ClientAuth::optional, true, false, false, false, false, true},
};

// Checks that a recorded TLS 1.3 handshake went as the variant says (so that a corpus entry reaches
// what its name promises).
void check13(const std::string& what, const Variant13& v, const Connection& c, const Connection& s) {
  const HandshakeInfo* ci = c.info();
  const HandshakeInfo* si = s.info();
  bool ok = ci != nullptr && si != nullptr && ci->version == 0x0304 && ci->resumed == v.resume &&
            si->early_data_accepted == (v.early && !v.hrr) &&
            si->client_authenticated == (v.cert && (!v.resume || v.pha));
  if (!ok) {
    std::fprintf(stderr, "%s: the TLS 1.3 handshake did not go as planned\n", what.c_str());
    std::exit(1);
  }
}

void engine_corpora13() {
  const std::vector<uint16_t>& suites = default_tls13_suites();
  for (size_t si = 0; si < suites.size(); si++) {
    uint16_t suite = suites[si];
    for (const Variant13& v : kVariants13) {
      std::string tag = "tls13_" + hex16(suite) + "_" + v.name;
      auto after = [&v](bool client_side) -> std::function<bool(Connection&, Connection&)> {
        if (v.key_update) {
          return [client_side](Connection& c, Connection& s) {
            return (client_side ? c : s).key_update(true).ok();
          };
        }
        if (v.pha) return [](Connection&, Connection& s) { return s.request_client_certificate().ok(); };
        return nullptr;
      };
      // Server harness: a suite-restricted client against the harness's server; the client updates
      // its keys (the server cannot be told to from the harness). No post-handshake authentication.
      if (!v.pha) {
        auto crng = crypto::make_deterministic_rng(ByteView::of("corpus client " + tag));
        auto srng = crypto::make_deterministic_rng(ByteView::of(kServerSeed));
        FixedClock cc, sc;
        Connection::ClientOptions o;
        o.server_name = kServerName;
        if (v.resume) o.resume = fixed_session13(suite);
        if (v.early) o.early_data = ByteView::of("GET /0rtt HTTP/1.1\r\n\r\n").to_bytes();
        Connection c = Connection::client(client_config13(suite, v.cert), o, *crng, cc);
        Connection s = Connection::server(server_config13(v.mode, v.hrr), *srng, sc);
        Bytes c2s, s2c;
        if (!run_pair(c, s, &c2s, &s2c, after(true))) {
          std::fprintf(stderr, "server corpus: handshake %s failed\n", tag.c_str());
          std::exit(1);
        }
        check13("server corpus " + tag, v, c, s);
        uint8_t flags = static_cast<uint8_t>(auth_bits(v.mode) | 64 | (v.hrr ? 128 : 0));
        Bytes in = {flags, 0};
        in.insert(in.end(), c2s.begin(), c2s.end());
        write("server", tag, in);
        if (std::strcmp(v.name, "early") == 0) {  // echoing, fed in small pieces, then EOF
          Bytes split = {static_cast<uint8_t>(flags | 4 | 8), 4, 1, 5, 77, 200};
          split.insert(split.end(), c2s.begin(), c2s.end());
          write("server", tag + "_split", split);
        }
      }
      // Client harness: the harness's client against a suite-restricted server, which updates its
      // keys or asks for a certificate after the handshake.
      {
        auto crng = crypto::make_deterministic_rng(ByteView::of(kClientSeed));
        auto srng = crypto::make_deterministic_rng(ByteView::of("corpus server " + tag));
        FixedClock cc, sc;
        Connection::ClientOptions o;
        o.server_name = kServerName;
        if (v.resume) o.resume = fixed_session13(suite);
        if (v.early) o.early_data = ByteView::of(kEarlyData).to_bytes();
        Connection c = Connection::client(client_config13(0, v.cert), o, *crng, cc);
        Connection s = Connection::server(server_config13(v.mode, v.hrr, suite), *srng, sc);
        Bytes c2s, s2c;
        if (!run_pair(c, s, &c2s, &s2c, after(false))) {
          std::fprintf(stderr, "client corpus: handshake %s failed\n", tag.c_str());
          std::exit(1);
        }
        check13("client corpus " + tag, v, c, s);
        uint8_t flags = static_cast<uint8_t>((v.cert ? 1 : 0) | (v.resume ? 2 : 0) | 64 | (v.early ? 128 : 0));
        Bytes in = {flags, static_cast<uint8_t>(si), 0};
        in.insert(in.end(), s2c.begin(), s2c.end());
        write("client", tag, in);
        if (std::strcmp(v.name, "early") == 0) {
          Bytes split = {static_cast<uint8_t>(flags | 4 | 8), static_cast<uint8_t>(si), 3, 5, 200, 33};
          split.insert(split.end(), s2c.begin(), s2c.end());
          write("client", tag + "_split", split);
        }
      }
      // handshake13 harness: no operation, each side mutated.
      if (v.mode != ClientAuth::none && !v.cert) continue;  // the harness gives a certificate with auth
      for (int side = 0; side < 2; side++) {
        uint8_t o = static_cast<uint8_t>(si | (v.pha ? 4 : 0));
        uint8_t flags = static_cast<uint8_t>(side | (v.mode != ClientAuth::none ? 2 : 0) |
                                             (v.mode == ClientAuth::required ? 4 : 0) | (v.hrr ? 8 : 0) |
                                             (v.resume ? 16 : 0) | (v.early ? 32 : 0) | (v.key_update ? 64 : 0));
        write("handshake13", tag.substr(6) + (side ? "_mutserver" : "_mutclient"), Bytes{o, flags});
      }
    }
  }
}

// handshake13 seeds that reach past each record: for a plain, a 0-RTT + KeyUpdate, a
// HelloRetryRequest and a client-authenticated connection, at each record position of the mutated
// side, drop the record, duplicate it, or insert a warning alert (protected like the record).
void handshake13_op_corpus() {
  struct Pick {
    const char* name;
    uint8_t flags;
  };
  const Pick picks[] = {{"plain", 0}, {"earlyku", 16 | 32 | 64}, {"hrr", 8}, {"auth", 2}};
  for (const Pick& pk : picks) {
    for (int side = 0; side < 2; side++) {
      for (uint8_t pos = 0; pos < 10; pos++) {
        static const char* kOps[] = {"drop", "dup", "warning"};
        for (int op = 0; op < 3; op++) {
          Bytes in = {0, static_cast<uint8_t>(pk.flags | side)};
          in.insert(in.end(), pos, 0);  // pass the first `pos` records
          if (op == 0) {
            in.push_back(1);
          } else if (op == 1) {
            in.push_back(2);
          } else {  // insert(type 1 -> alert, warning user_canceled)
            Bytes add = {7, 1, 2, 1, 90};
            in.insert(in.end(), add.begin(), add.end());
          }
          write("handshake13", std::string(pk.name) + (side ? "_mutserver_" : "_mutclient_") + kOps[op] +
                                   std::to_string(pos), in);
        }
      }
    }
  }
}

// Handshake harness seeds that reach past the handshake: at each record position of the mutated
// side, insert a renegotiation request (HelloRequest from the server, a ClientHello header from the
// client), insert a warning alert, or drop the record.
void handshake_op_corpus() {
  const std::vector<uint16_t>& suites = default_tls12_suites();
  const uint16_t picks[] = {0xc02f, 0xc013, 0x009c, 0x009e};
  for (uint16_t suite : picks) {
    size_t si = 0;
    while (si < suites.size() && suites[si] != suite) si++;
    for (int side = 0; side < 2; side++) {
      for (uint8_t pos = 0; pos < 9; pos++) {
        for (int op = 0; op < 3; op++) {
          Bytes in = {static_cast<uint8_t>(si), static_cast<uint8_t>(side)};
          in.insert(in.end(), pos, 0);  // pass the first `pos` records
          static const char* kOps[] = {"renego", "warning", "drop"};
          if (op == 0) {  // insert(type 2 -> handshake, 4 bytes)
            Bytes add = {7, 2, 4, static_cast<uint8_t>(side ? 0 : 1), 0, 0, 0};
            in.insert(in.end(), add.begin(), add.end());
          } else if (op == 1) {  // insert(type 1 -> alert, warning user_canceled)
            Bytes add = {7, 1, 2, 1, 90};
            in.insert(in.end(), add.begin(), add.end());
          } else {
            in.push_back(1);
          }
          write("handshake", hex16(suite) + (side ? "_mutserver_" : "_mutclient_") + kOps[op] + std::to_string(pos), in);
        }
      }
    }
  }
}

void record_corpus() {
  using namespace record;  // NOLINT
  const char* plains[] = {"", "x", "GET / HTTP/1.1\r\n\r\n", "0123456789abcdef0123456789abcdef0123456789abcdef"};
  for (size_t mi = 0; mi < kNumModes; mi++) {
    for (size_t pi = 0; pi < sizeof plains / sizeof plains[0]; pi++) {
      auto rng = crypto::make_deterministic_rng(ByteView::of("corpus record"));
      RecordProtection sealer = make(kModes[mi], kMaxPlaintext, *rng);
      ByteView plain = ByteView::of(plains[pi]);
      ContentType type = pi == 0 ? ContentType::handshake : ContentType::application_data;
      Bytes out(sealer.sealed_size(plain.size()));
      Result<size_t> n = sealer.seal(type, plain, out.data(), out.size());
      if (!n.ok()) {
        std::fprintf(stderr, "record corpus: seal failed\n");
        std::exit(1);
      }
      // mode, limit 0 (2^14), seq 0, type, version (as sealed), pad, flip | fragment
      uint8_t tb = static_cast<uint8_t>(out[0]);
      Bytes in = {static_cast<uint8_t>(mi), 0, 0, tb, out[1], out[2], static_cast<uint8_t>(pi), 0, static_cast<uint8_t>(pi * 7)};
      in.insert(in.end(), out.begin() + kRecordHeaderLength, out.end());
      write("record", "mode" + std::to_string(mi) + "_" + std::to_string(pi), in);
    }
  }
}

void x509_corpus() {
  const crypto::Provider& p = crypto::default_provider();
  struct Chain {
    const char* name;
    const char* pem;
    const char* host;
    uint8_t flags;  // bit 0 client_auth, bit 1 check the name, bit 2 own trust store
  };
  const Chain chains[] = {
      {"server_rsa", certs::server_rsa_pem, "localhost", 2},
      {"server_rsa_ip", certs::server_rsa_pem, "127.0.0.1", 2},
      {"server_ec_chain", certs::server_ec_chain_pem, "localhost", 2},
      {"server_ec_chain_own", certs::server_ec_chain_pem, "localhost", 6},
      {"server_p384", certs::server_p384_pem, "localhost", 2},
      {"client", certs::client_pem, "", 1},
      {"expired", certs::expired_pem, "localhost", 2},
      {"expired_2020", certs::expired_pem, "localhost", 2 | 8},
      {"wrong_name", certs::wrong_name_pem, "localhost", 2},
      {"wildcard", certs::wildcard_pem, "a.example.test", 2},
      {"nosan", certs::nosan_pem, "cn-only.example.test", 2},
      {"unknown_ca", certs::unknown_ca_pem, "localhost", 2},
      {"int", certs::int_pem, "", 0},
      {"ca_self", certs::ca_pem, "", 4},
      {"other_ca", certs::other_ca_pem, "", 4},
  };
  for (const Chain& c : chains) {
    std::vector<Bytes> ders;
    std::string err;
    if (!p.load_certificates(ByteView::of(c.pem), &ders, &err)) {
      std::fprintf(stderr, "x509 corpus: %s: %s\n", c.name, err.c_str());
      std::exit(1);
    }
    Bytes in = {c.flags, static_cast<uint8_t>(std::strlen(c.host))};
    in.insert(in.end(), c.host, c.host + std::strlen(c.host));
    for (const Bytes& d : ders) {
      in.push_back(static_cast<uint8_t>(d.size() >> 8));
      in.push_back(static_cast<uint8_t>(d.size()));
      in.insert(in.end(), d.begin(), d.end());
    }
    write("x509", c.name, in);
  }
}

// The session harness: the fixed sessions' saved forms (selector 0: decode only; 2: offered by a
// client; 6: with 0-RTT data) and a TicketState's (selector 1).
void session_corpus() {
  for (uint16_t suite : {uint16_t{0xc02f}, uint16_t{0x009c}, uint16_t{0xc02b}}) {
    Bytes in = {0};
    Bytes enc = fixed_session(suite).encode();
    in.insert(in.end(), enc.begin(), enc.end());
    write("session", "tls12_" + std::to_string(suite), in);
    in[0] = 2;
    write("session", "tls12_" + std::to_string(suite) + "_offered", in);
  }
  for (uint16_t suite : default_tls13_suites()) {
    Bytes in = {2};
    Bytes enc = fixed_session13(suite).encode();
    in.insert(in.end(), enc.begin(), enc.end());
    write("session", "tls13_" + std::to_string(suite) + "_offered", in);
    in[0] = 6;
    write("session", "tls13_" + std::to_string(suite) + "_early_data", in);
  }
  TicketState t;
  t.version = 0x0304;
  t.cipher_suite = 0x1301;
  t.secret.assign(32, 0x42);
  t.server_name = kServerName;
  t.alpn = "h2";
  t.created_ms = kNowMs;
  t.lifetime_s = 7200;
  t.age_add = 7;
  t.max_early_data = kMaxEarlyData;
  Bytes in = {1};
  Bytes enc = t.encode();
  in.insert(in.end(), enc.begin(), enc.end());
  write("session", "ticket_state13", in);
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpora DIR   (e.g. bazel run //fuzz:make_corpora -- $PWD/fuzz/corpus)\n");
    return 2;
  }
  sanstls::fuzz::g_root = argv[1];
  sanstls::fuzz::record_corpus();
  sanstls::fuzz::x509_corpus();
  sanstls::fuzz::engine_corpora();
  sanstls::fuzz::handshake_op_corpus();
  sanstls::fuzz::engine_corpora13();
  sanstls::fuzz::handshake13_op_corpus();
  sanstls::fuzz::session_corpus();
  std::printf("wrote %zu files under %s\n", sanstls::fuzz::g_written, argv[1]);
  return 0;
}
