// tls_bench's results: a flat list of rows (scenario, stack, side, metric, value, unit), the printed
// tables with their ratios, the targets checked against the rows, and the JSON / CSV output.
#ifndef SANSTLS_TOOLS_BENCH_REPORT_H_
#define SANSTLS_TOOLS_BENCH_REPORT_H_

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "tools/bench/bench.h"

namespace sanstls {
namespace bench {

// 'p' -> "pair", 'c' -> "client", 's' -> "server".
const char* side_name(char side);

class Report {
 public:
  struct Row {
    std::string scenario, stack, side, metric;
    double value;
    std::string unit;
  };
  std::string machine, command;

  void add(const std::string& scenario, const std::string& stack, const std::string& side,
           const std::string& metric, double value, const std::string& unit);
  // The memory metrics of one side (the own_* ones only when known).
  void add_memory(const std::string& scenario, const std::string& stack, const std::string& side,
                  const SideMemory& m);
  std::optional<double> get(const std::string& scenario, const std::string& stack, const std::string& side,
                            const std::string& metric) const;

  // The rate table (with sanstls/mbedTLS, sanstls/floor and sanstls/OpenSSL) and the memory table.
  void print_tables(FILE* f) const;
  void print_libcrypto_table(FILE* f) const;
  // One line per target of issue 7: MET or MISSED, with the numbers.
  void print_targets(FILE* f) const;
  // JSON when the name ends in .json, CSV otherwise. Dies when the file cannot be written.
  void write(const std::string& path) const;

  const std::vector<Row>& rows() const { return rows_; }

 private:
  std::vector<Row> rows_;
};

}  // namespace bench
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_BENCH_REPORT_H_
