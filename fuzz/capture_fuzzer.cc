// libFuzzer harness for what tls_replay does with a capture file (tools/capture): parse_capture, the
// payload decoders of every entry, parse_description, and (by the selector) replay() with the test
// PKI, which rebuilds the config from the capture's description and runs the engine on the recorded
// calls, random bytes and clock readings.
//
// Input: selector(1) | a .stlscap file
//   selector % 6: the files replay() gets, as tests/replays/MANIFEST gives them: 0 none (no replay:
//   parsing only), 1 server RSA, 2 server ECDSA chain, 3 server RSA + the CA (client auth), 4 the CA
//   (a client), 5 the CA and the client certificate.
// Invariants: a file that parses re-encodes to the same bytes; every payload that decodes decodes the
// same after re-encoding; a description that parses formats and parses to the same map; replay()
// returns (never aborts), and a match has no message and a divergence one.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "fuzz/embedded_certs.h"
#include "tools/capture/capture.h"
#include "tools/capture/replay.h"

namespace sanstls {
namespace fuzz {
namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "FUZZ INVARIANT VIOLATED: %s\n", what);
  std::fflush(stderr);
  __builtin_trap();
}
void require(bool ok, const char* what) {
  if (!ok) fail(what);
}

Bytes pem(const char* s) { return ByteView::of(s).to_bytes(); }

capture::ReplayFiles files(int which) {
  capture::ReplayFiles f;
  switch (which) {
    case 1: f.certificates.emplace_back(pem(certs::server_rsa_pem), pem(certs::server_rsa_key_pem)); break;
    case 2: f.certificates.emplace_back(pem(certs::server_ec_chain_pem), pem(certs::server_ec_key_pem)); break;
    case 3:
      f.certificates.emplace_back(pem(certs::server_rsa_pem), pem(certs::server_rsa_key_pem));
      f.ca_pem = pem(certs::ca_pem);
      break;
    case 4: f.ca_pem = pem(certs::ca_pem); break;
    case 5:
      f.ca_pem = pem(certs::ca_pem);
      f.certificates.emplace_back(pem(certs::client_pem), pem(certs::client_key_pem));
      break;
  }
  return f;
}

void check_entry(const capture::Entry& e) {
  switch (e.type) {
    case capture::EntryType::start: {
      capture::StartInfo a, b;
      if (capture::decode_start(e.payload, &a)) {
        require(capture::decode_start(capture::encode_start(a), &b), "start: re-encoded payload does not decode");
        require(a.client == b.client && a.trace == b.trace && a.server_name == b.server_name && a.resume == b.resume,
                "start: round trip changed it");
      }
      break;
    }
    case capture::EntryType::result: {
      capture::CallResult a, b;
      if (capture::decode_result(e.payload, &a)) {
        require(capture::decode_result(capture::encode_result(a), &b), "result: re-encoded payload does not decode");
        require(a.ok == b.ok && (a.ok ? a.count == b.count : a.kind == b.kind && a.alert == b.alert),
                "result: round trip changed it");
        (void)capture::describe_result(a);
      }
      break;
    }
    case capture::EntryType::event: {
      capture::RecordedEvent a, b;
      if (capture::decode_event(e.payload, &a)) {
        require(capture::decode_event(capture::encode_event(a), &b), "event: re-encoded payload does not decode");
        require(a == b, "event: round trip changed it");
        (void)capture::describe_event(a);
      }
      break;
    }
    case capture::EntryType::end: {
      capture::EndState a, b;
      if (capture::decode_end(e.payload, &a)) {
        require(capture::decode_end(capture::encode_end(a), &b), "end: re-encoded payload does not decode");
        require(a.closed == b.closed && a.has_error == b.has_error && a.unconsumed == b.unconsumed,
                "end: round trip changed it");
      }
      break;
    }
    case capture::EntryType::config: {
      capture::Description d, d2;
      if (capture::parse_description(ByteView(e.payload).to_string(), &d)) {
        require(capture::parse_description(capture::format_description(d), &d2), "config: formatted text does not parse");
        require(d == d2, "config: round trip changed it");
      }
      break;
    }
    case capture::EntryType::client_options: {
      capture::ClientOptionsEntry a, b;
      if (capture::decode_client_options(e.payload, &a)) {
        require(capture::decode_client_options(capture::encode_client_options(a), &b),
                "client_options: re-encoded payload does not decode");
        require(a.verify_name == b.verify_name && a.no_name_check == b.no_name_check && a.early_data == b.early_data &&
                    a.session == b.session,
                "client_options: round trip changed it");
      }
      break;
    }
    case capture::EntryType::cache_get:
    case capture::EntryType::ticket_open:
    case capture::EntryType::ticket_seal:
    case capture::EntryType::early_data_check: {
      capture::OutsideAnswer a, b;
      if (capture::decode_answer(e.type, e.payload, &a)) {
        require(capture::decode_answer(e.type, capture::encode_answer(e.type, a), &b),
                "answer: re-encoded payload does not decode");
        require(a.key == b.key && a.flag == b.flag && a.value == b.value, "answer: round trip changed it");
      }
      break;
    }
    case capture::EntryType::async_answer: {
      capture::AsyncAnswer a, b;
      if (capture::decode_async_answer(e.payload, &a)) {
        require(capture::decode_async_answer(capture::encode_async_answer(a), &b),
                "async_answer: re-encoded payload does not decode");
        require(a.op == b.op && a.request_hash == b.request_hash && a.has_answer == b.has_answer &&
                    a.answer == b.answer && a.ok == b.ok && a.alert == b.alert &&
                    a.certificate_index == b.certificate_index,
                "async_answer: round trip changed it");
        require(capture::encode_async_answer(b) == e.payload, "async_answer: re-encoding changed the bytes");
        (void)capture::describe_async_answer(a);
      }
      break;
    }
    case capture::EntryType::hook_answer: {
      capture::HookAnswer a, b;
      if (capture::decode_hook_answer(e.payload, &a)) {
        require(capture::decode_hook_answer(capture::encode_hook_answer(a), &b),
                "hook_answer: re-encoded payload does not decode");
        require(a.hook == b.hook && a.request_hash == b.request_hash && a.ok == b.ok && a.alert == b.alert &&
                    a.certificate_index == b.certificate_index && a.alpn.kind == b.alpn.kind &&
                    a.alpn.protocol == b.alpn.protocol,
                "hook_answer: round trip changed it");
        require(capture::encode_hook_answer(b) == e.payload, "hook_answer: re-encoding changed the bytes");
        (void)capture::describe_hook_answer(a);
      }
      break;
    }
    default:
      break;
  }
}

void run(const uint8_t* data, size_t size) {
  if (size == 0) return;
  int which = data[0] % 6;
  ByteView file(data + 1, size - 1);
  capture::Capture c;
  std::string err;
  if (!capture::parse_capture(file, &c, &err)) {
    require(!err.empty(), "parse_capture failed without a reason");
    return;
  }
  require(ByteView(capture::encode_capture(c)) == file, "a parsed capture does not re-encode to its bytes");
  for (const capture::Entry& e : c.entries) check_entry(e);
  if (which == 0) return;
  capture::ReplayResult r = capture::replay(c, files(which));
  if (std::getenv("SANSTLS_FUZZ_VERBOSE") != nullptr)
    std::fprintf(stderr, "capture: %zu entries, replay %s\n", c.entries.size(),
                 r.outcome == capture::ReplayResult::Outcome::match        ? "match"
                 : r.outcome == capture::ReplayResult::Outcome::divergence ? "divergence"
                                                                           : "setup_error");
  if (r.outcome == capture::ReplayResult::Outcome::match) {
    require(r.divergent_entry == 0, "a match names a divergent entry");
  } else {
    require(!r.message.empty(), "a failed replay without a message");
    if (r.outcome == capture::ReplayResult::Outcome::divergence)
      require(r.divergent_entry <= c.entries.size(), "a divergence past the end of the capture");
  }
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
