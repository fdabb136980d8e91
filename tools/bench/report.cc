#include "tools/bench/report.h"

#include <cmath>
#include <fstream>
#include <set>

namespace sanstls {
namespace bench {

const char* side_name(char side) {
  return side == 'p' ? "pair" : side == 'c' ? "client" : "server";
}

void Report::add(const std::string& scenario, const std::string& stack, const std::string& side,
                 const std::string& metric, double value, const std::string& unit) {
  rows_.push_back(Row{scenario, stack, side, metric, value, unit});
}

void Report::add_memory(const std::string& scenario, const std::string& stack, const std::string& side,
                        const SideMemory& m) {
  add(scenario, stack, side, "heap_setup", double(m.after_setup), "B");
  add(scenario, stack, side, "heap_peak", double(m.peak), "B");
  add(scenario, stack, side, "heap_idle", double(m.idle), "B");
  add(scenario, stack, side, "heap_idle_after_data", double(m.idle_after_data), "B");
  add(scenario, stack, side, "allocs_handshake", m.allocs_handshake, "count");
  add(scenario, stack, side, "allocs_record", m.allocs_record, "count");
  if (m.own_peak >= 0) {
    add(scenario, stack, side, "own_heap_setup", double(m.own_after_setup), "B");
    add(scenario, stack, side, "own_heap_peak", double(m.own_peak), "B");
    add(scenario, stack, side, "own_heap_idle", double(m.own_idle), "B");
    add(scenario, stack, side, "own_heap_idle_after_data", double(m.own_idle_after_data), "B");
    add(scenario, stack, side, "own_allocs_handshake", m.own_allocs_handshake, "count");
    add(scenario, stack, side, "own_allocs_record", m.own_allocs_record, "count");
  }
}

std::optional<double> Report::get(const std::string& scenario, const std::string& stack, const std::string& side,
                                  const std::string& metric) const {
  for (const Row& r : rows_)
    if (r.scenario == scenario && r.stack == stack && r.side == side && r.metric == metric) return r.value;
  return std::nullopt;
}

namespace {

std::vector<std::string> scenarios_of(const std::vector<Report::Row>& rows) {
  std::vector<std::string> v;
  std::set<std::string> seen;
  for (const auto& r : rows)
    if (r.scenario != "primitive" && seen.insert(r.scenario).second) v.push_back(r.scenario);
  return v;
}

std::string num(std::optional<double> v, int width, int prec = 1) {
  char buf[64];
  if (!v) std::snprintf(buf, sizeof buf, "%*s", width, "-");
  else std::snprintf(buf, sizeof buf, "%*.*f", width, prec, *v);
  return buf;
}

// A stack that cannot run the scenario (mbedTLS and TLS 1.3) has an "n/a" marker row.
std::string cell(const Report& r, const std::string& sc, const char* stack, std::optional<double> v, int width) {
  if (!v && r.get(sc, stack, "pair", "n/a")) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%*s", width, "n/a");
    return buf;
  }
  return num(v, width);
}

std::optional<double> ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b == 0) return std::nullopt;
  return *a / *b;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    o += c;
  }
  return o;
}

}  // namespace

// sanstls on the libcrypto provider (issue 16), when it ran: beside sanstls on mbedTLS, OpenSSL's own
// stack and the floor of the same primitives through the libcrypto provider.
void Report::print_libcrypto_table(FILE* f) const {
  bool any = false;
  for (const Row& r : rows_) any |= r.stack == "sanstls-libcrypto";
  if (!any) return;
  std::fprintf(f, "\nsanstls on the libcrypto provider (median; lc = sanstls-libcrypto, s = sanstls on mbedTLS)\n");
  std::fprintf(f, "%-19s %-6s %-5s %10s %10s %10s %10s %8s %8s %8s\n", "scenario", "side", "unit", "s-libcrypt",
               "sanstls", "openssl", "floor-lc", "lc/s", "lc/floor", "lc/ossl");
  for (const std::string& sc : scenarios_of(rows_)) {
    for (const char* side : {"pair", "client", "server"}) {
      std::string unit = sc.rfind("bulk", 0) == 0 ? "MiB/s" : "hs/s";
      auto l = get(sc, "sanstls-libcrypto", side, unit), s = get(sc, "sanstls", side, unit),
           o = get(sc, "openssl", side, unit), fl = get(sc, "floor-libcrypto", side, unit);
      if (!l) continue;
      std::fprintf(f, "%-19s %-6s %-5s %s %s %s %s %s %s %s\n", sc.c_str(), side, unit.c_str(), num(l, 10).c_str(),
                   num(s, 10).c_str(), num(o, 10).c_str(), num(fl, 10).c_str(), num(ratio(l, s), 8, 2).c_str(),
                   num(ratio(l, fl), 8, 2).c_str(), num(ratio(l, o), 8, 2).c_str());
    }
  }
}

void Report::print_tables(FILE* f) const {
  std::fprintf(f, "\nRates (handshakes/s or MiB/s; 'client'/'server' = time inside that side's calls only)\n");
  std::fprintf(f, "%-19s %-6s %-5s %10s %10s %10s %10s %8s %8s %8s\n", "scenario", "side", "unit", "sanstls",
               "mbedtls", "openssl", "floor", "s/mbed", "s/floor", "s/ossl");
  for (const std::string& sc : scenarios_of(rows_)) {
    for (const char* side : {"pair", "client", "server"}) {
      std::string unit = sc.rfind("bulk", 0) == 0 ? "MiB/s" : "hs/s";
      auto s = get(sc, "sanstls", side, unit), m = get(sc, "mbedtls", side, unit), o = get(sc, "openssl", side, unit),
           fl = get(sc, "floor", side, unit);
      if (!s && !m && !o) continue;
      std::fprintf(f, "%-19s %-6s %-5s %s %s %s %s %s %s %s\n", sc.c_str(), side, unit == "hs/s" ? "hs/s" : "MiB/s",
                   num(s, 10).c_str(), cell(*this, sc, "mbedtls", m, 10).c_str(), num(o, 10).c_str(), num(fl, 10).c_str(),
                   num(ratio(s, m), 8, 2).c_str(), num(ratio(s, fl), 8, 2).c_str(), num(ratio(s, o), 8, 2).c_str());
    }
  }
  std::fprintf(f, "\nPair rates, best repetition (the least disturbed one on a shared machine)\n");
  std::fprintf(f, "%-19s %-5s %10s %10s %10s %10s %8s %8s %8s\n", "scenario", "unit", "sanstls", "mbedtls", "openssl",
               "floor", "s/mbed", "s/floor", "s/ossl");
  for (const std::string& sc : scenarios_of(rows_)) {
    std::string unit = sc.rfind("bulk", 0) == 0 ? "MiB/s" : "hs/s";
    std::string best = unit + " best";
    auto s = get(sc, "sanstls", "pair", best), m = get(sc, "mbedtls", "pair", best), o = get(sc, "openssl", "pair", best),
         fl = get(sc, "floor", "pair", best);
    if (!s && !m && !o) continue;
    std::fprintf(f, "%-19s %-5s %s %s %s %s %s %s %s\n", sc.c_str(), unit.c_str(), num(s, 10).c_str(),
                 cell(*this, sc, "mbedtls", m, 10).c_str(),
                 num(o, 10).c_str(), num(fl, 10).c_str(), num(ratio(s, m), 8, 2).c_str(), num(ratio(s, fl), 8, 2).c_str(),
                 num(ratio(s, o), 8, 2).c_str());
  }
  print_libcrypto_table(f);
  bool any_memory = false;
  for (const Row& r : rows_) any_memory |= r.metric == "heap_idle";
  if (!any_memory) {
    std::fprintf(f, "\n(no memory figures: heap counting is off in this build, or --no-memory)\n");
    return;
  }
  std::fprintf(f, "\nHeap per connection (bytes requested; allocations counted as calls). idle+d = idle again after "
                  "36 records of 16 KiB; 'own' = sanstls outside its crypto primitives\n");
  std::fprintf(f, "%-19s %-17s %-6s %8s %8s %8s %8s %9s %9s | %8s %8s %8s %8s %9s %9s\n", "scenario", "stack", "side",
               "setup", "peak", "idle", "idle+d", "allocs/hs", "allocs/rec", "own setup", "own peak", "own idle",
               "own id+d", "own a/hs", "own a/rec");
  for (const std::string& sc : scenarios_of(rows_)) {
    // sanstls-libcrypto's rows count libcrypto's own allocations too: the replaced malloc sees every
    // CRYPTO_malloc (OpenSSL's default allocator is malloc), as it sees libssl's for the openssl rows.
    for (const char* stack : {"sanstls", "sanstls-libcrypto", "mbedtls", "openssl"}) {
      if (get(sc, stack, "pair", "n/a")) {
        std::fprintf(f, "%-19s %-17s %-6s %8s\n", sc.c_str(), stack, "both", "n/a");
        continue;
      }
      for (const char* side : {"client", "server"}) {
        if (!get(sc, stack, side, "heap_idle")) continue;
        auto g = [&](const char* m) { return get(sc, stack, side, m); };
        std::fprintf(f, "%-19s %-17s %-6s %s %s %s %s %s %s | %s %s %s %s %s %s\n", sc.c_str(), stack, side,
                     num(g("heap_setup"), 8, 0).c_str(), num(g("heap_peak"), 8, 0).c_str(),
                     num(g("heap_idle"), 8, 0).c_str(), num(g("heap_idle_after_data"), 8, 0).c_str(),
                     num(g("allocs_handshake"), 9, 0).c_str(), num(g("allocs_record"), 9, 2).c_str(),
                     num(g("own_heap_setup"), 8, 0).c_str(), num(g("own_heap_peak"), 8, 0).c_str(),
                     num(g("own_heap_idle"), 8, 0).c_str(), num(g("own_heap_idle_after_data"), 8, 0).c_str(),
                     num(g("own_allocs_handshake"), 9, 0).c_str(), num(g("own_allocs_record"), 9, 2).c_str());
      }
    }
  }
}

void Report::print_targets(FILE* f) const {
  std::fprintf(f, "\nTargets (issue 7; for TLS 1.3, issue 8: the same in spirit, the floor target on resumed too)\n");
  auto line = [&](bool met, const std::string& what) {
    std::fprintf(f, "  %-6s %s\n", met ? "MET" : "MISSED", what.c_str());
  };
  char buf[256];
  for (const std::string& sc : scenarios_of(rows_)) {
    bool full = sc.rfind("full", 0) == 0, resumed = sc.rfind("resumed", 0) == 0, bulk = sc.rfind("bulk", 0) == 0;
    bool tls13 = sc.find("13_") != std::string::npos;  // full13_*, resumed13_*, bulk13_*
    std::string unit = bulk ? "MiB/s" : "hs/s";
    auto s = get(sc, "sanstls", "pair", unit), m = get(sc, "mbedtls", "pair", unit);
    if (full && s && m) {
      std::snprintf(buf, sizeof buf, "%s: sanstls >= mbedTLS stack (%.1f vs %.1f hs/s, x%.2f)", sc.c_str(), *s, *m, *s / *m);
      line(*s >= *m, buf);
    }
    if (resumed && s && m) {
      std::snprintf(buf, sizeof buf, "%s: sanstls >= 2x mbedTLS stack (%.1f vs %.1f hs/s, x%.2f)", sc.c_str(), *s, *m, *s / *m);
      line(*s >= 2 * *m, buf);
    }
    // TLS 1.3 has no mbedTLS to compare with; its resumed handshakes are held to the floor instead.
    if (full || bulk || (resumed && tls13)) {
      double need = bulk ? 0.97 : 0.95;
      for (const char* side : {"client", "server"}) {
        auto a = get(sc, "sanstls", side, unit), fl = get(sc, "floor", side, unit);
        if (!a || !fl) continue;
        std::snprintf(buf, sizeof buf, "%s %s: sanstls >= %.0f%% of the crypto floor (%.1f vs %.1f %s, %.0f%%)",
                      sc.c_str(), side, need * 100, *a, *fl, unit.c_str(), 100 * *a / *fl);
        line(*a >= need * *fl, buf);
      }
    }
    for (const char* side : {"client", "server"}) {
      auto idle = get(sc, "sanstls", side, "heap_idle"), idle_d = get(sc, "sanstls", side, "heap_idle_after_data"),
           own_peak = get(sc, "sanstls", side, "own_heap_peak"),
           own_rec = get(sc, "sanstls", side, "own_allocs_record");
      if (idle) {
        std::snprintf(buf, sizeof buf, "%s %s: idle connection <= 12 KiB of heap (%.0f B)", sc.c_str(), side, *idle);
        line(*idle <= 12 * 1024, buf);
      }
      if (idle_d) {
        std::snprintf(buf, sizeof buf, "%s %s: buffers released while idle after data, <= 12 KiB (%.0f B)", sc.c_str(),
                      side, *idle_d);
        line(*idle_d <= 12 * 1024, buf);
      }
      if (own_peak && !bulk) {
        std::snprintf(buf, sizeof buf, "%s %s: handshake peak <= 24 KiB + crypto (own peak %.0f B)", sc.c_str(), side,
                      *own_peak);
        line(*own_peak <= 24 * 1024, buf);
      }
      if (own_rec && bulk) {
        std::snprintf(buf, sizeof buf, "%s %s: no own allocation per record (%.2f per record)", sc.c_str(), side, *own_rec);
        line(*own_rec == 0, buf);
      }
    }
  }
}

void Report::write(const std::string& path) const {
  std::ofstream out(path);
  if (!out) fail("cannot write " + path);
  bool json = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  char v[64];
  if (json) {
    out << "{\n  \"machine\": \"" << json_escape(machine) << "\",\n  \"command\": \"" << json_escape(command)
        << "\",\n  \"rows\": [\n";
    for (size_t i = 0; i < rows_.size(); i++) {
      const Row& r = rows_[i];
      std::snprintf(v, sizeof v, "%.6g", std::isfinite(r.value) ? r.value : 0.0);
      out << "    {\"scenario\": \"" << r.scenario << "\", \"stack\": \"" << r.stack << "\", \"side\": \"" << r.side
          << "\", \"metric\": \"" << r.metric << "\", \"value\": " << v << ", \"unit\": \"" << r.unit << "\"}"
          << (i + 1 < rows_.size() ? ",\n" : "\n");
    }
    out << "  ]\n}\n";
  } else {
    out << "scenario,stack,side,metric,value,unit\n";
    for (const Row& r : rows_) {
      std::snprintf(v, sizeof v, "%.6g", r.value);
      out << r.scenario << ',' << r.stack << ',' << r.side << ',' << r.metric << ',' << v << ',' << r.unit << '\n';
    }
  }
  if (!out) fail("cannot write " + path);
}

}  // namespace bench
}  // namespace sanstls
