// Re-running a capture (tools/capture/capture.h) through the engine, with no peer.
//
// The config is rebuilt from the capture's description (suites, groups, options) and the certificate,
// key and CA files the user gives (a capture holds no private key); their fingerprints must match the
// description. The recorded Rng bytes and Clock readings are fed back by a ReplayRng / ReplayClock,
// the recorded calls are made again, and every output byte, call result and event is compared. The
// first difference is reported with where it lies: the capture entry, the API call, the stream offset
// and what the expected stream holds there (record, handshake message, byte within it), expected and
// actual bytes.
#ifndef SANSTLS_TOOLS_CAPTURE_REPLAY_H_
#define SANSTLS_TOOLS_CAPTURE_REPLAY_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "tools/capture/capture.h"

namespace sanstls {
namespace capture {

// The files a replay needs (PEM or DER text, as read from disk).
struct ReplayFiles {
  // Server: every certificate chain with its key, in the order the capturing config had them.
  // Client: at most one, the client certificate.
  std::vector<std::pair<Bytes, Bytes>> certificates;
  // Client: the trust anchors (needed when the capture verified the server). Server: the anchors for
  // client authentication (needed when client_auth was not none).
  Bytes ca_pem;
};

struct ReplayResult {
  enum class Outcome { match, divergence, setup_error };
  Outcome outcome = Outcome::setup_error;
  // setup_error: why the replay could not run (bad capture, missing or mismatched files).
  // divergence: a report of several lines naming the first difference.
  std::string message;
  // The decoded trace: records, handshake messages (with parameters), alerts, events. Filled for a
  // match; for a divergence, up to the point of divergence.
  std::vector<std::string> trace;
  size_t divergent_entry = 0;  // divergence: index of the capture entry where it showed
  bool ok() const { return outcome == Outcome::match; }
};

// Rebuilds the capturing config from `description` and `files`. Exactly one of *client / *server is
// set, according to the description's role. False with a reason in *error (a missing file, a
// fingerprint that differs from the capture's: "certificate.0 differs: the capture has ..., the files
// give ...").
// `version` is the capture's format version: before 2, a server whose ticket keys were configured
// (ticket_keys=configured) is refused, as its tickets cannot be opened without them; from 2 on the
// capture holds the ticketer's answers, and the replay gives them back (see ReplaySource).
bool rebuild_config(const Description& description, const ReplayFiles& files,
                    std::shared_ptr<const ClientConfig>* client, std::shared_ptr<const ServerConfig>* server,
                    std::string* error, uint16_t version = kFormatVersion);

// Replays a parsed capture. Never aborts on a bad capture: every problem is a result.
ReplayResult replay(const Capture& capture, const ReplayFiles& files);

// A Clock that returns recorded readings and a Rng that returns recorded bytes, sharing one cursor over
// a capture's entries. When the engine asks for something other than the next recorded entry (a draw
// of another size, a clock reading where a draw was recorded, more than was recorded) they record
// the failure (the first one only), return bytes of a fixed generator (and clock 0) from then on, so that
// the engine finishes the call, and the replayer reports the failure.
class ReplaySource {
 public:
  explicit ReplaySource(const std::vector<Entry>& entries)
      : entries_(entries), fallback_(crypto::make_deterministic_rng(ByteView::of("replay diverged"))) {}
  size_t position() const { return pos_; }
  void set_position(size_t p) { pos_ = p; }
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }
  size_t failure_entry() const { return failure_entry_; }
  void fail(size_t entry, const std::string& why);

  crypto::Rng& rng() { return rng_; }
  Clock& clock() { return clock_; }

  // Stand-ins for a server's shared state (format version 2), answering from the capture's cache_*,
  // ticket_* and early_data_check entries. They check what the engine asks (the session id, the
  // ticket, the plaintext to seal, the binder) against what was recorded; a difference, or a question
  // where the capture has something else, is a failure as for the Rng.
  std::shared_ptr<SessionCache> session_cache();
  std::shared_ptr<Ticketer> ticketer();
  std::shared_ptr<EarlyDataGuard> early_data_guard(uint64_t window_ms);
  // Stand-ins for the config's synchronous hooks (the certificate verifier's check, ServerConfig::select
  // and alpn_select), answering from the capture's hook_answer entries in order. A question whose
  // request hash differs from the recorded one, or one where the capture has no hook_answer next, is a
  // failure as for the Rng (the stand-in then refuses: the verdict, the selection, the ALPN).
  // `certificates` are the replayed config's, which a recorded selection names by index.
  std::function<CertVerdict(const CertificateCheck&)> verifier_check();
  std::function<Selection(const ClientHelloInfo&)> selection(std::vector<std::shared_ptr<const CertifiedKey>> certificates);
  std::function<AlpnDecision(const std::vector<std::string>&, const std::string&)> alpn_select();

  // The next entry when it has type t (and moves past it); null otherwise, after recording the failure
  // "the engine <what> where the capture has ...". Null too once the replay has failed.
  const Entry* take(EntryType t, const std::string& what);

 private:
  class Rng : public crypto::Rng {
   public:
    explicit Rng(ReplaySource& s) : s_(s) {}
    void fill(uint8_t* out, size_t n) override;

   private:
    ReplaySource& s_;
  };
  class Clk : public Clock {
   public:
    explicit Clk(ReplaySource& s) : s_(s) {}
    uint64_t now_ms() override;

   private:
    ReplaySource& s_;
  };
  std::string describe_next() const;

  const std::vector<Entry>& entries_;
  size_t pos_ = 0;
  bool failed_ = false;
  std::string failure_;
  size_t failure_entry_ = 0;
  std::unique_ptr<crypto::Rng> fallback_;
  Rng rng_{*this};
  Clk clock_{*this};
};

}  // namespace capture
}  // namespace sanstls

#endif  // SANSTLS_TOOLS_CAPTURE_REPLAY_H_
