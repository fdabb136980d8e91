// libFuzzer harness for the saved forms of sessions: Session::decode (a session file, tls_client
// -sess_in, is input) and TicketState::decode (what a server finds inside a ticket that opened), and
// a client (the fast crypto provider: fuzz/support.h) that offers the decoded session to a server.
//
// Input: selector(1) | the encoded form
//   selector bit 0: TicketState (else Session); bit 1 (Session): offer the session in a client and
//   check that it writes its ClientHello (or fails cleanly); bit 2: with 0-RTT data.
// Invariants: Session's form is canonical (what decodes re-encodes to the same bytes); a TicketState
// that decodes encodes (non-empty) and that decodes to the same encoding; the client's fuzz::Driver
// checks (no output after an error, events in order).
#include <cstddef>
#include <cstdint>

#include "core/connection.h"
#include "core/session.h"
#include "core/tickets.h"
#include "fuzz/support.h"

namespace sanstls {
namespace fuzz {
namespace {

void run(const uint8_t* data, size_t size) {
  Input in(data, size);
  uint8_t selector = in.u8();
  ByteView form = in.rest();
  if (selector & 1) {
    TicketState t;
    if (!TicketState::decode(form, &t)) return;
    Bytes e = t.encode();
    require(!e.empty(), "a ticket state that decodes does not encode");
    TicketState t2;
    require(TicketState::decode(e, &t2), "an encoded ticket state does not decode");
    require(t2.encode() == e, "a ticket state's encoding changed on a round trip");
    return;
  }
  Session s;
  if (!Session::decode(form, &s)) return;
  require(ByteView(s.encode()) == form, "a session does not re-encode to its bytes");
  (void)s.expired(kNowMs);
  if ((selector & 2) == 0) return;
  Connection::ClientOptions opts;
  opts.server_name = kServerName;
  opts.resume = s;
  if (selector & 4) opts.early_data = ByteView::of(kEarlyData).to_bytes();
  auto rng = crypto::make_deterministic_rng(ByteView::of(kClientSeed));
  FixedClock clock;
  Connection client = Connection::client(client_config13(), opts, *rng, clock);
  Driver d(client);
  d.drain();
  Bytes hello = d.take_output();
  require(!hello.empty() || client.error() != nullptr, "a client wrote no ClientHello and did not fail");
  d.check_sticky();
}

}  // namespace
}  // namespace fuzz
}  // namespace sanstls

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sanstls::fuzz::run(data, size);
  return 0;
}
