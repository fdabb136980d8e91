// Reading test data files from a test's runfiles (Bazel runs each test from its runfiles root, so a
// path is the file's path in the repository, such as "tests/certs/ca.pem").
#ifndef SANSTLS_TESTS_TESTDATA_H_
#define SANSTLS_TESTS_TESTDATA_H_

#include <string>

#include "crypto/types.h"

namespace sanstls {
namespace testing {

// The whole file; aborts the test binary with a message naming the path when it cannot be read.
Bytes read_file(const std::string& path);
std::string read_text(const std::string& path);

}  // namespace testing
}  // namespace sanstls

#endif  // SANSTLS_TESTS_TESTDATA_H_
