// tls_bench: sanstls side by side with mbedTLS's own TLS 1.2 stack, OpenSSL 3's libssl and the crypto
// floor, in one process, in memory (issue 7: TLS 1.2; issue 8: TLS 1.3 scenarios, named *13_*, where
// mbedTLS 2.28 is n/a). docs/benchmark.md shows a run and explains it.
//
//   bazel run --config=opt //tools:tls_bench -- [--quick] [--reps N] [--out FILE.json|FILE.csv]
//       [--certs DIR] [--only SUBSTRING] [--stacks sanstls,mbedtls,openssl] [--no-memory] [--no-floor]
//       [--scale N] [--handshakes N] [--mib N]
// --stacks may also name sanstls-libcrypto: sanstls on the OpenSSL 3.0 libcrypto provider (issue 16),
// reported in a table of its own beside sanstls and openssl, with its floor (floor-libcrypto).
//
// Handshake scenarios run `hs` handshakes per repetition and bulk scenarios send `mb` MiB per
// repetition; every number is the median of the repetitions. Exit status 0 on success, 1 when any
// handshake or transfer failed or the arguments are wrong (the targets of the issue do not change the
// exit status: they are reported).
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tools/bench/bench.h"
#include "tools/bench/floor.h"
#include "tools/bench/report.h"

namespace sanstls {
namespace bench {

void fail(const std::string& what) {
  std::fprintf(stderr, "tls_bench: %s\n", what.c_str());
  std::exit(1);
}

std::string Scenario::openssl_suite() const {
  if (tls13()) return cipher == Cipher::chacha20_poly1305 ? "TLS_CHACHA20_POLY1305_SHA256" : "TLS_AES_128_GCM_SHA256";
  if (kx == Kx::rsa) return "AES128-GCM-SHA256";
  if (kx == Kx::ecdhe_rsa) return "ECDHE-RSA-AES128-GCM-SHA256";
  return cipher == Cipher::chacha20_poly1305 ? "ECDHE-ECDSA-CHACHA20-POLY1305" : "ECDHE-ECDSA-AES128-GCM-SHA256";
}

uint16_t Scenario::suite_id() const {
  if (tls13()) return cipher == Cipher::chacha20_poly1305 ? 0x1303 : 0x1301;
  if (kx == Kx::rsa) return 0x009c;
  if (kx == Kx::ecdhe_rsa) return 0xc02f;
  return cipher == Cipher::chacha20_poly1305 ? 0xcca9 : 0xc02b;
}

const std::vector<Scenario>& all_scenarios() {
  static const std::vector<Scenario> v = {
      {"full_ecdsa_x25519", Kind::full, Kx::ecdhe_ecdsa, Group::x25519, Cipher::aes_128_gcm},
      {"full_ecdsa_p256", Kind::full, Kx::ecdhe_ecdsa, Group::p256, Cipher::aes_128_gcm},
      {"full_rsa_x25519", Kind::full, Kx::ecdhe_rsa, Group::x25519, Cipher::aes_128_gcm},
      {"full_rsa_kx", Kind::full, Kx::rsa, Group::x25519, Cipher::aes_128_gcm},
      {"resumed_ecdsa", Kind::resumed, Kx::ecdhe_ecdsa, Group::x25519, Cipher::aes_128_gcm},
      {"bulk_aes128gcm", Kind::bulk, Kx::ecdhe_ecdsa, Group::x25519, Cipher::aes_128_gcm},
      {"bulk_chacha20", Kind::bulk, Kx::ecdhe_ecdsa, Group::x25519, Cipher::chacha20_poly1305},
      // TLS 1.3 (issue 8). mbedTLS 2.28 has no TLS 1.3: its column says n/a.
      {"full13_ecdsa_x25519", Kind::full, Kx::ecdhe_ecdsa, Group::x25519, Cipher::aes_128_gcm, Version::tls13},
      {"full13_rsa_x25519", Kind::full, Kx::ecdhe_rsa, Group::x25519, Cipher::aes_128_gcm, Version::tls13},
      {"resumed13_ecdsa", Kind::resumed, Kx::ecdhe_ecdsa, Group::x25519, Cipher::aes_128_gcm, Version::tls13},
      {"bulk13_aes128gcm", Kind::bulk, Kx::ecdhe_ecdsa, Group::x25519, Cipher::aes_128_gcm, Version::tls13},
      {"bulk13_chacha20", Kind::bulk, Kx::ecdhe_ecdsa, Group::x25519, Cipher::chacha20_poly1305, Version::tls13},
  };
  return v;
}

namespace {

bool read_all(const std::string& path, Bytes* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  out->assign(s.begin(), s.end());
  return true;
}

// Finds tests/certs: --certs, the working directory (a workspace checkout, `bazel run`, `bazel test`),
// BUILD_WORKSPACE_DIRECTORY, or the runfiles next to the binary.
Certs load_certs(const std::string& flag, const char* argv0) {
  std::vector<std::string> dirs;
  if (!flag.empty()) {
    dirs.push_back(flag);
  } else {
    dirs.push_back("tests/certs");
    if (const char* w = std::getenv("BUILD_WORKSPACE_DIRECTORY")) dirs.push_back(std::string(w) + "/tests/certs");
    if (const char* r = std::getenv("RUNFILES_DIR")) dirs.push_back(std::string(r) + "/sanstls/tests/certs");
    dirs.push_back(std::string(argv0) + ".runfiles/sanstls/tests/certs");
  }
  for (const std::string& d : dirs) {
    Certs c;
    c.dir = d;
    if (read_all(c.path("ca.pem"), &c.ca_pem) && read_all(c.path("server_rsa.pem"), &c.rsa_chain_pem) &&
        read_all(c.path("server_rsa.key.pem"), &c.rsa_key_pem) &&
        read_all(c.path("server_ec_chain.pem"), &c.ec_chain_pem) &&
        read_all(c.path("server_ec.key.pem"), &c.ec_key_pem))
      return c;
  }
  fail("cannot find the test certificates (tests/certs); give --certs DIR");
}

std::string machine() {
  std::string cpu = "unknown CPU";
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  int cores = 0;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) == 0 && cpu == "unknown CPU") cpu = line.substr(line.find(':') + 2);
    if (line.rfind("processor", 0) == 0) cores++;
  }
  struct utsname u;
  uname(&u);
  return cpu + ", " + std::to_string(cores) + " cores, " + u.sysname + " " + u.release + " " + u.machine;
}

struct Options {
  bool quick = false;
  int reps = 7;
  int hs = 40;         // handshakes per repetition
  size_t mib = 32;     // MiB per bulk repetition
  std::string out, certs, only;
  std::vector<std::string> stacks = {"sanstls", "mbedtls", "openssl"};
  bool memory = true;
  bool floor = true;
  size_t scale = 0;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  std::string w;
  while (std::getline(ss, w, ',')) v.push_back(w);
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  bool reps_set = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail("flag " + a + " needs a value");
      return argv[++i];
    };
    auto number = [&](long lo, long hi) {
      std::string v = value();
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != 0 || n < lo || n > hi)
        fail("flag " + a + " wants a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return n;
    };
    if (a == "--quick") o.quick = true;
    else if (a == "--reps") { o.reps = static_cast<int>(number(1, 1000)); reps_set = true; }
    else if (a == "--handshakes") o.hs = static_cast<int>(number(1, 1000000));
    else if (a == "--mib") o.mib = static_cast<size_t>(number(1, 100000));
    else if (a == "--out") o.out = value();
    else if (a == "--certs") o.certs = value();
    else if (a == "--only") o.only = value();
    else if (a == "--stacks") o.stacks = split(value());
    else if (a == "--no-memory") o.memory = false;
    else if (a == "--no-floor") o.floor = false;  // for profiles: only the stacks run
    else if (a == "--scale") o.scale = static_cast<size_t>(number(1, 10000000));
    else if (a == "--help" || a == "-h") {
      std::printf("usage: tls_bench [--quick] [--reps N] [--handshakes N] [--mib N] [--out FILE.json|.csv]\n"
                  "                 [--certs DIR] [--only SUBSTRING] [--stacks sanstls,mbedtls,openssl\n"
                  "                 (,sanstls-libcrypto,floor-libcrypto)]\n"
                  "                 [--no-memory] [--no-floor] [--scale N]\n");
      std::exit(0);
    } else fail("unknown flag " + a + " (try --help)");
  }
  if (o.quick) {
    if (!reps_set) o.reps = 1;
    o.hs = std::min(o.hs, 2);
    o.mib = 1;
  }
  for (const std::string& s : o.stacks)
    // floor-libcrypto alone is for profiles (callgrind beside sanstls-libcrypto without the mbedTLS floor).
    if (s != "sanstls" && s != "mbedtls" && s != "openssl" && s != "sanstls-libcrypto" && s != "floor-libcrypto")
      fail("unknown stack " + s);
  return o;
}

std::unique_ptr<Stack> make_stack(const std::string& name) {
  if (name == "sanstls") return make_sanstls_stack();
  if (name == "mbedtls") return make_mbedtls_stack();
  if (name == "sanstls-libcrypto") return make_sanstls_libcrypto_stack();
  if (name == "floor") return make_floor_stack();
  if (name == "floor-libcrypto") return make_floor_libcrypto_stack();
  return make_openssl_stack();
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

int run_scale(const Options& o, const Certs& certs, Report& rep) {
  std::printf("Scaling: %zu established sanstls pairs in memory (resumed handshakes, ECDHE-ECDSA AES-128-GCM)\n",
              o.scale);
  ScaleReport r = run_sanstls_scaling(certs, o.scale);
  std::printf("  heap per connection: client %.0f B, server %.0f B%s\n", r.client_bytes_per_conn,
              r.server_bytes_per_conn, heap::enabled() ? "" : " (heap counting off in this build)");
  std::printf("  resumed handshake (pair): first %zu: %.1f us, last %zu: %.1f us (x%.2f)\n", r.batch, r.hs_us_first,
              r.batch, r.hs_us_last, r.hs_us_last / r.hs_us_first);
  std::printf("  16 KiB record (pair): with %zu open: %.2f us, with %zu open: %.2f us (x%.2f)\n", r.batch,
              r.record_us_first, r.n, r.record_us_last, r.record_us_last / r.record_us_first);
  std::string n = std::to_string(r.n);
  rep.add("scale_" + n, "sanstls", "client", "heap_per_conn", r.client_bytes_per_conn, "B");
  rep.add("scale_" + n, "sanstls", "server", "heap_per_conn", r.server_bytes_per_conn, "B");
  rep.add("scale_" + n, "sanstls", "pair", "resumed_hs_first", r.hs_us_first, "us");
  rep.add("scale_" + n, "sanstls", "pair", "resumed_hs_last", r.hs_us_last, "us");
  rep.add("scale_" + n, "sanstls", "pair", "record_first", r.record_us_first, "us");
  rep.add("scale_" + n, "sanstls", "pair", "record_last", r.record_us_last, "us");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  Certs certs = load_certs(o.certs, argv[0]);
  Report rep;
  rep.machine = machine();
  std::string load_start = loadavg();
  std::string cmd;
  for (int i = 0; i < argc; i++) cmd += std::string(i ? " " : "") + argv[i];
  rep.command = cmd;
  std::printf("tls_bench on %s\n%s\n", rep.machine.c_str(),
              heap::enabled() ? "heap counting: on" : "heap counting: off (sanitizer build)");
  if (o.scale > 0) {
    run_scale(o, certs, rep);
    if (!o.out.empty()) rep.write(o.out);
    return 0;
  }
  std::printf("work: %d handshakes or %zu MiB per repetition, median of %d repetitions\n\n", o.hs, o.mib, o.reps);
  std::fflush(stdout);

  std::unique_ptr<Floor> floor;
  if (o.floor) {
    heap::set_counting(false);
    floor = std::make_unique<Floor>(certs, o.quick ? 10 : 200, o.quick ? 1 : o.reps);
    heap::set_counting(true);
    for (const auto& kv : floor->primitives()) rep.add("primitive", "floor", "op", kv.first, kv.second * 1e6, "us");
  }

  for (const Scenario& s : all_scenarios()) {
    if (!o.only.empty() && s.name.find(o.only) == std::string::npos) continue;
    bool bulk = s.kind == Kind::bulk;
    double work = bulk ? double(o.mib) : double(o.hs);  // MiB or handshakes per repetition
    // Repetitions are interleaved across the stacks (rep 1 of each, then rep 2 ...), so that a change in
    // the machine's load during the run hits every stack alike.
    std::vector<std::unique_ptr<Stack>> stacks;
    std::vector<std::string> names = o.stacks;
    if (o.floor) names.push_back("floor");
    if (o.floor && std::find(names.begin(), names.end(), "sanstls-libcrypto") != names.end() &&
        std::find(names.begin(), names.end(), "floor-libcrypto") == names.end())
      names.push_back("floor-libcrypto");
    for (const std::string& name : names) {
      std::unique_ptr<Stack> st = make_stack(name);
      if (!st->supports(s)) {
        rep.add(s.name, name, "pair", "n/a", 0, "");  // the tables print n/a for it
        continue;
      }
      stacks.push_back(std::move(st));
      std::string error;
      if (!stacks.back()->prepare(s, certs, &error)) fail(name + " " + s.name + ": " + error);
    }
    std::vector<std::vector<double>> pair(stacks.size()), client(stacks.size()), server(stacks.size());
    heap::set_counting(false);
    for (int r = 0; r < o.reps; r++) {
      for (size_t i = 0; i < stacks.size(); i++) {
        std::fprintf(stderr, "  %s %s rep %d\n", s.name.c_str(), stacks[i]->name(), r + 1);
        Times t = bulk ? stacks[i]->bulk(o.mib << 20) : stacks[i]->handshakes(o.hs);
        pair[i].push_back(work / t.pair);
        client[i].push_back(work / t.client);
        server[i].push_back(work / t.server);
      }
    }
    heap::set_counting(true);
    const char* unit = bulk ? "MiB/s" : "hs/s";
    for (size_t i = 0; i < stacks.size(); i++) {
      const std::string name = stacks[i]->name();
      rep.add(s.name, name, "pair", unit, median(pair[i]), unit);
      rep.add(s.name, name, "client", unit, median(client[i]), unit);
      rep.add(s.name, name, "server", unit, median(server[i]), unit);
      // The best repetition too: on a shared machine it is the least disturbed one.
      rep.add(s.name, name, "pair", std::string(unit) + " best", *std::max_element(pair[i].begin(), pair[i].end()), unit);
      if (o.memory && heap::enabled() && name != "floor") {
        Memory m = stacks[i]->memory();
        rep.add_memory(s.name, name, "client", m.client);
        rep.add_memory(s.name, name, "server", m.server);
      }
    }
  }
  rep.print_tables(stdout);
  rep.print_targets(stdout);
  // A busy machine makes every rate noisy; say how busy it was.
  std::printf("\nload average (1/5/15 min): %s at the start, %s at the end (2 cores: above ~1 the run shared "
              "the CPU)\n", load_start.c_str(), loadavg().c_str());
  rep.machine += "; load average " + load_start + " -> " + loadavg();
  if (!o.out.empty()) rep.write(o.out);
  return 0;
}

}  // namespace bench
}  // namespace sanstls

int main(int argc, char** argv) { return sanstls::bench::main(argc, argv); }
