// A picture of a connection: the message sequence as a two-column ladder diagram (client on the left,
// server on the right), written as one self-contained SVG file that a browser opens. Each message is an
// arrow with its name and key fields (version, suite, group, extensions of interest); the key changes
// (TLS 1.2 ChangeCipherSpec; TLS 1.3 early, handshake and application traffic keys, KeyUpdate) are
// bands on the side whose keys change; notes (handshake done, a failure) span both columns; a replay's
// divergence is a red band where it showed, with the replayer's report.
//
// The SVG's structure is part of the interface (tests read it): one <g class="message"> per message with
// data-dir ("C->S" or "S->C") and data-title (the message name), one <g class="key-change"> per key
// change with data-dir, <g class="note">, and <g class="divergence"> when there is one.
#ifndef SANSTLS_TOOLS_CAPTURE_LADDER_H_
#define SANSTLS_TOOLS_CAPTURE_LADDER_H_

#include <string>
#include <vector>

namespace sanstls {
namespace capture {

struct LadderRow {
  enum class Kind { message, key_change, note, divergence };
  Kind kind = Kind::message;
  bool client_to_server = true;  // message and key_change: whose output
  std::string title;             // message name; key change or note text
  std::string detail;            // the message's key fields; the divergence report
  bool encrypted = false;        // the message travelled encrypted
};

struct Ladder {
  std::string title;
  std::vector<LadderRow> rows;
  bool diverged() const;
};

// The note a live tool (tls_client, tls_server -ladder) adds when the handshake is done:
// "handshake done: VERSION, SUITE[, resumed][, 0-RTT accepted]".
LadderRow handshake_done_note(const std::string& version, const std::string& suite, bool resumed,
                              bool early_data_accepted);

// The ladder of a decoded trace (ReplayResult::trace, or lines of ConnectionDecoder): each "C->S ..." or
// "S->C ..." line of a handshake message, ChangeCipherSpec, alert or application data is a message
// (consecutive application data records of one direction are merged), "event: handshake_done ..." and
// "the connection failed ..." are notes; then the key changes are added (add_key_changes, the version
// read from the ServerHello's fields).
Ladder ladder_from_trace(const std::string& title, const std::vector<std::string>& trace);

// Adds the key changes a TLS 1.2 (tls13 false) or TLS 1.3 message sequence implies, after the message
// that makes them, starting at row `from` (rows before it are left alone: a ladder of several
// connections adds them per connection). early_data: the client sent 0-RTT data.
void add_key_changes(Ladder* ladder, size_t from, bool tls13, bool early_data);

// Appends the divergence band (the replayer's report, several lines).
void add_divergence(Ladder* ladder, const std::string& report);

// The SVG document.
std::string ladder_svg(const Ladder& ladder);
// ladder_svg() written to path; false with a reason in *error.
bool write_ladder(const std::string& path, const Ladder& ladder, std::string* error);

}  // namespace capture
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_CAPTURE_LADDER_H_
