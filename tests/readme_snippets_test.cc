// Compiles and runs README.md's ```cpp block (extracted by tests/doc_snippets.py, as docs/embedding.md's
// are for doc_snippets_test): a server connection reads a real ClientHello and answers it.
#include <doctest/doctest.h>

#include <string>

#include "core/connection.h"
#include "crypto/crypto.h"
#include "platform/system.h"
#include "tests/testdata.h"

namespace readme {

const std::string chain_text = sanstls::testing::read_text("tests/certs/server_rsa.pem");
const std::string key_text = sanstls::testing::read_text("tests/certs/server_rsa.key.pem");
const std::string ca_text = sanstls::testing::read_text("tests/certs/ca.pem");
const sanstls::ByteView chain_pem = sanstls::ByteView::of(chain_text);
const sanstls::ByteView key_pem = sanstls::ByteView::of(key_text);
const sanstls::ByteView app_bytes = sanstls::ByteView::of("hello");

// A client's first flight, for the server in the snippet to read.
std::unique_ptr<sanstls::crypto::Rng> client_rng = sanstls::crypto::make_system_rng();
sanstls::Connection::ClientOptions client_options() {
  sanstls::Connection::ClientOptions o;
  o.server_name = "localhost";
  return o;
}
sanstls::Connection client = sanstls::Connection::client(
    sanstls::ClientConfig::Builder().trust_anchors_pem(sanstls::ByteView::of(ca_text)).build().config, client_options(),
    *client_rng, sanstls::platform::SystemClock::instance());
const sanstls::ByteView bytes_from_peer = client.pending_output();

#include "tests/readme_snippets.inc"

}  // namespace readme

TEST_CASE("README.md: the cpp block runs") {
  REQUIRE(readme::bytes_from_peer.size() > 0);
  for (const readme::Snippet& s : readme::kSnippets) {
    INFO("the block at README.md:" << s.line);
    CHECK(s.run() == 0);
  }
}
