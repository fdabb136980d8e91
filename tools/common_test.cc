// What the tools print of a peer's words: a server name, an ALPN protocol or a certificate subject with
// control or escape bytes (terminal escape injection, forged log lines) comes out escaped.
#include <doctest/doctest.h>

#include "core/handshake.h"
#include "tools/common.h"

using namespace sanstls;

namespace {
bool has_control(const std::string& s) {
  for (char c : s)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\n') || static_cast<unsigned char>(c) >= 0x7f) return true;
  return false;
}
}  // namespace

TEST_CASE("peer text is escaped before it is printed") {
  CHECK(tools::printable(ByteView::of("ok.example")) == "ok.example");
  CHECK(tools::printable(ByteView::of("a\x1b[2Jb")) == "a\\x1b[2Jb");
  CHECK(tools::printable(ByteView::of("back\\slash")) == "back\\x5cslash");
  CHECK(tools::printable(ByteView::of("forged\nline: x")) == "forged\\x0aline: x");

  HandshakeInfo info;
  info.version = 0x0304;
  info.cipher_suite = 0x1301;
  info.alpn = "h2\x1b]0;owned\x07";
  info.server_name = "evil\x1b[31m.test";
  std::string d = tools::describe_info(info);
  CHECK_FALSE(has_control(d));
  CHECK(d.find("\\x1b") != std::string::npos);

  // The explanation of a ClientHello whose server_name carries an escape sequence.
  ClientHello ch;
  ch.cipher_suites = {0x1301};
  ch.compression_methods = {0};
  ch.has_extensions = true;
  ch.extensions.server_name = std::string("x\x1b[2Jy");
  ch.extensions.alpn = std::vector<std::string>{"\x1b[5mblink"};
  Bytes body, msg;
  Writer w(&body);
  encode_client_hello(ch, w);
  REQUIRE(w.ok());
  REQUIRE(encode_handshake(HandshakeType::client_hello, body, &msg));
  tools::MessageExplainer explainer;
  std::string e = explainer.explain(1, msg, "  ");
  CHECK(e.find("x\\x1b[2Jy") != std::string::npos);
  CHECK_FALSE(has_control(e));
}
