// sanstls::Connection: one TLS connection, client or server, as a sans-I/O state machine.
//
// The caller moves bytes; the connection never touches a socket, a clock or a random source of its own.
//
//   auto conn = sanstls::Connection::client(config, {"example.com"}, rng, clock);
//   loop:
//     ByteView out = conn.pending_output();      // write these to the transport ...
//     conn.consume_output(n);                    // ... and say how many were taken
//     size_t used = conn.receive(bytes).value(); // give what the transport read; keep bytes[used..]
//     while (auto ev = conn.next_event()) ...    // handshake done, data, alerts, closed
//     conn.send(data);                           // queued, protected, appears in pending_output()
//
// Buffers and backpressure (BearSSL-style pumps). Input: receive() takes bytes up to the end of the
// next record and processes whole records; it stops taking input while an application-data event is
// waiting to be read by next_event() (so at most one record of input is ever held). Output:
// pending_output() is everything the connection wants written, in order; nothing is dropped until
// consume_output() acknowledges it; send() refuses to queue more than kMaxQueuedOutput bytes of
// unwritten output (it returns how much it took).
//
// Errors are values. The first error is sticky: the connection writes its fatal alert (when the error
// calls for one) into pending_output(), emits a Closed event, and from then on sends nothing more and
// every call returns that error. Nothing here throws.
//
// Lifetimes: the config is shared; rng and clock must outlive the connection.
#ifndef SANSTLS_CORE_CONNECTION_H_
#define SANSTLS_CORE_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/config.h"
#include "core/error.h"
#include "core/session.h"
#include "crypto/crypto.h"

namespace sanstls {

struct ConnState;

// What the handshake agreed on.
struct HandshakeInfo {
  uint16_t version = 0;        // 0x0303
  uint16_t cipher_suite = 0;
  uint16_t group = 0;          // key-exchange group; 0 for RSA key exchange
  uint16_t signature_scheme = 0;  // the server's signature (ServerKeyExchange); 0 when none
  std::string alpn;            // empty when none was agreed
  std::string server_name;     // what the client asked for (SNI); empty when none
  std::vector<Bytes> peer_chain;  // the peer's certificates, leaf first (empty: none sent)
  bool resumed = false;
  bool extended_master_secret = false;
  bool encrypt_then_mac = false;
  bool client_authenticated = false;
  bool early_data_accepted = false;  // TLS 1.3 0-RTT: the server took the early data
};

// A certificate as a person reads it, for logs and user interfaces (Connection::
// peer_certificate_details, certificate_details): parsed on demand from the DER, so that a connection
// keeps nothing but the chain it already holds.
struct CertificateDetails {
  std::string subject;  // one line, "O=sanstls, CN=localhost" (crypto::Certificate::subject)
  std::string issuer;
  std::vector<std::string> dns_names;     // subjectAltName dNSName entries, in order (peer bytes: escape
                                          // them before printing)
  std::vector<std::string> ip_addresses;  // subjectAltName iPAddress entries: IPv4 dotted, IPv6 as RFC
                                          // 5952 text ("2001:db8::1"); other lengths as hex
  std::string serial;                     // uppercase hex, as `openssl x509 -serial` prints it
  int64_t not_before = 0;                 // validity, seconds since the Unix epoch
  int64_t not_after = 0;
  Bytes sha256_fingerprint;               // SHA-256 of the DER certificate (32 bytes)
};

// The details of one DER certificate, with `provider`'s X.509 parser. Errors: bad_certificate (no
// alert) when it cannot be parsed.
Result<CertificateDetails> certificate_details(const crypto::Provider& provider, ByteView der);

enum class Direction : uint8_t { received, sent };

struct Event {
  enum class Type : uint8_t {
    handshake_done,     // info() is now valid
    app_data,           // data: valid until the next call of receive() or next_event()
    alert_received,     // alert: a warning (the connection goes on) or a fatal one (Closed follows)
    closed,             // clean: true after a close_notify; false on error or a truncated stream
    handshake_message,  // only with set_trace(true): a handshake message (header + body) or a CCS
    session_ticket,     // client, TLS 1.3: a new ticket arrived; session() now returns it
    // TLS 1.3 server: a post-handshake authentication (request_client_certificate()) finished: the
    // client's CertificateVerify and Finished verified. info() now reports the identity it proved
    // (client_authenticated, peer_chain), or the one it had when the client answered with no
    // certificate (allowed unless client_auth is required). Data before this event came from the
    // identity info() reported before it.
    peer_authenticated,
    // Asynchronous operations (see "Asynchronous operations" below): the handshake waits for the
    // answer. sign_request: sign `data` with `certificate`'s key under `scheme` (a SignatureScheme),
    // answered by complete_sign(). decrypt_request: the TLS_RSA_* premaster, `data` the encrypted
    // premaster and `client_version` the version the client offered, answered by complete_decrypt().
    // verify_request: `check` is the peer's chain to judge, answered by complete_verify().
    // select_request: `client_hello` is what the client offered, answered by complete_selection().
    sign_request,
    decrypt_request,
    verify_request,
    select_request,
  };
  Type type;
  ByteView data;
  Alert alert;
  bool clean = false;
  bool early_data = false;  // app_data: it came as TLS 1.3 0-RTT data (replayable; see docs)
  Direction direction = Direction::received;
  uint8_t message_type = 0;  // handshake_message: the HandshakeType, or 0xff for ChangeCipherSpec
  // The requests' fields: `data` and these pointers stay valid until the completion call (or the
  // connection's end), whatever receive() or next_event() do meanwhile. When the step that asked
  // failed after asking (say, the record that carried the message held more data across a key
  // change), closed follows the request, awaiting() is false and a completion returns the error.
  uint16_t scheme = 0;                              // sign_request
  uint16_t client_version = 0;                      // decrypt_request
  const CertifiedKey* certificate = nullptr;        // sign_request, decrypt_request: whose key
  const CertificateCheck* check = nullptr;          // verify_request
  const ClientHelloInfo* client_hello = nullptr;    // select_request
};

class Connection {
 public:
  static constexpr size_t kMaxQueuedOutput = 4 * (16384 + 2048 + 5);

  struct ClientOptions {
    // SNI (sent when it is a DNS name; IP addresses are not sent, RFC 6066 3) and, unless verify_name
    // is set, the name the server certificate is checked against.
    std::string server_name;
    std::optional<Session> resume;    // a session to offer for resumption
    bool trace = false;               // as set_trace(true), from the first message on
    // Data to send as TLS 1.3 0-RTT when `resume` holds a ticket that allows it and the config enables
    // early data; otherwise (or when the server refuses it) it is sent after the handshake.
    Bytes early_data = {};
    // The name (DNS name or IP address) the certificate is checked against when it differs from the
    // SNI value: a connection by IP address that sends a DNS name, a pinned name. Empty: server_name.
    std::string verify_name = {};
    // A config that verifies the server needs a name to check: with neither server_name nor
    // verify_name the connection fails at once (api_misuse), unless this says, explicitly, that any
    // name will do (the chain is still verified). Like OpenSSL without SSL_set1_host: rarely right.
    bool no_name_check = false;
  };

  // The client's first flight (ClientHello) is in pending_output() at once.
  static Connection client(std::shared_ptr<const ClientConfig> config, ClientOptions options,
                           crypto::Rng& rng, Clock& clock);
  static Connection server(std::shared_ptr<const ServerConfig> config, crypto::Rng& rng, Clock& clock);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // Processes bytes from the peer. Returns how many were taken (all of them unless an app_data event is
  // waiting, see above), or the connection's error. After an error the alert to send is in
  // pending_output().
  Result<size_t> receive(ByteView data);
  // The transport reached end of stream. Without a prior close_notify this is a truncation: a Closed
  // event with clean == false (and an error during the handshake).
  void receive_eof();

  // The next event, or nothing. Events come in the order things happened.
  std::optional<Event> next_event();

  // Queues application data. Before the handshake is done it is held and sent after the Finished
  // messages. Returns the number of bytes taken (less than data.size() when kMaxQueuedOutput is reached),
  // or an error (api_misuse after close() or after the connection failed).
  Result<size_t> send(ByteView data);

  ByteView pending_output() const;
  // Precondition: n <= pending_output().size().
  void consume_output(size_t n);

  // Sends close_notify (after any queued data). Further send() calls fail; receive() still reads
  // until the peer's close_notify.
  void close();

  // Time-outs: the instant (clock ms) by which the handshake must finish, or 0 for none. The caller
  // calls on_timeout() once the clock passes it; the connection then fails.
  uint64_t next_deadline() const;
  void on_timeout();

  // TLS 1.3: sends a KeyUpdate and moves to the next write keys; request_peer asks the peer to do the
  // same (RFC 8446 4.6.3). api_misuse before the handshake is done or in TLS 1.2.
  Status key_update(bool request_peer);
  // TLS 1.3 server: asks for a client certificate after the handshake (RFC 8446 4.6.2), when the
  // client offered post_handshake_auth. The identity in info() does not change until the client's
  // Certificate, CertificateVerify and Finished have all verified; then a peer_authenticated event
  // comes. While the request is pending, application data keeps flowing and comes from the identity
  // info() reports (the client sent it before it answered); data inside the client's answer (after its
  // Certificate, before its Finished) is refused with unexpected_message, and a missing or bad
  // CertificateVerify or Finished is fatal (unexpected_message, decrypt_error). Errors: api_misuse when
  // the client did not offer post_handshake_auth, a request is pending, no client trust anchors are
  // configured, or the connection is not an established TLS 1.3 server.
  Status request_client_certificate();

  // The details of the peer's leaf certificate (info()->peer_chain[0]; verified with the chain unless
  // the config turned verification off), parsed now with the config's provider. Errors: api_misuse
  // before handshake_done or when there is no peer certificate (a client that did not authenticate;
  // a resumed connection reports the chain its session recorded); bad_certificate when it cannot be
  // parsed.
  Result<CertificateDetails> peer_certificate_details() const;

  // Keying material exporters: RFC 5705 (TLS 1.2) and RFC 8446 7.5 (TLS 1.3), `length` bytes derived
  // from this connection's secrets, the same at both ends, for a protocol that binds itself to the TLS
  // connection (RFC 9266 channel binding, EAP, ...). The connection keeps the one secret this needs
  // (the TLS 1.2 master secret with the randoms, or the TLS 1.3 exporter_master_secret) and wipes it
  // when destroyed.
  //  - TLS 1.2: PRF(master_secret, label, client_random + server_random [+ context_length + context]);
  //    RFC 5705 4 tells no context (std::nullopt) from an empty one (ByteView()): they give different
  //    bytes. Refused (api_misuse) unless the handshake used the extended master secret (RFC 7627 5.4:
  //    without it a man in the middle can make two connections share the master secret).
  //  - TLS 1.3: TLS-Exporter(label, context, length); no context and an empty one are the same.
  // Errors (api_misuse, the connection goes on): before handshake_done; a label that is empty, longer
  // than 249 bytes or one TLS itself uses ("client finished", "server finished", "master secret",
  // "key expansion", "extended master secret"; RFC 5705 4); a length of 0 or more than 8160; a TLS 1.2
  // context longer than 65535 bytes. After the connection failed: its error.
  Result<Bytes> export_keying_material(const std::string& label, std::optional<ByteView> context,
                                       size_t length) const;
  // The tls-exporter channel binding (RFC 9266): export_keying_material("EXPORTER-Channel-Binding",
  // no context, 32), with its errors (TLS 1.2 only with the extended master secret).
  Result<Bytes> channel_binding_tls_exporter() const;

  // --- Asynchronous operations --------------------------------------------------------------------------
  // A key marked async (CertifiedKey::async), an async verifier (CertificateVerifier::async) or an
  // async selection (ServerConfig::select_async) makes the handshake stop at that operation: the
  // connection emits the request event (sign_request, decrypt_request, verify_request, select_request)
  // and waits. Meanwhile receive() takes no input (it returns 0; keep the bytes and give them again
  // after the answer), nothing more is written, and next_deadline() keeps running. The application
  // answers from its own loop with the one completion call below that matches the request; the
  // handshake then goes on at once (new output, new events). Each returns ok, or: api_misuse (the
  // connection goes on waiting) for a completion that matches no pending request (none pending,
  // another operation, a second answer); the connection's error when the answer failed the handshake
  // (a failed answer is fatal, with its alert in pending_output(), as for receive()).
  bool awaiting() const;  // a request event is waiting for its completion
  // The signature (for sign_request's scheme over its data); nothing: the signer failed
  // (internal_error).
  Status complete_sign(std::optional<Bytes> signature);
  // The 48-byte premaster secret as crypto::PrivateKey::rsa_decrypt_premaster makes it (random bytes
  // when the padding or version is wrong, never an error then: RFC 5246 7.4.7.1); nothing: the key
  // failed (internal_error).
  Status complete_decrypt(std::optional<Bytes> premaster);
  // The verdict on verify_request's chain (a refusal sends its alert, see CertVerdict).
  Status complete_verify(CertVerdict verdict);
  // The selection for select_request (a refusal sends its alert, see Selection).
  Status complete_selection(Selection selection);

  // Gives back the record buffers' memory while nothing is pending (input is between records, all
  // output was consumed). Event loops call it when a connection goes idle; the next record allocates
  // them again. Steady traffic without calls to this allocates nothing per record.
  void release_buffers();
  // Bytes the record buffers hold now (input, output, handshake reassembly), for monitoring and for
  // tests of an event loop's idle handling: 0 after release_buffers() on an idle connection.
  size_t buffer_capacity() const;

  // Emit handshake_message events (for tracing and teaching). Off by default.
  void set_trace(bool on);

  bool is_client() const;
  bool is_handshaking() const;
  bool is_closed() const;           // no more data will flow either way
  bool wants_read() const;          // the connection expects more input
  const HandshakeInfo* info() const;  // null until handshake_done
  // Client: the session to resume later (after handshake_done); nothing when not resumable.
  std::optional<Session> session() const;
  // The error that ended the connection, or null.
  const Error* error() const;
  // One line that explains error() further when the engine knows more than its fixed text says, else
  // empty. A refused certificate chain names the certificate that failed (depth and subject) and why:
  // "has expired" / "is not yet valid" with its validity and the clock's time (a CA's failure says "a
  // CA certificate"), the expected name and the names it holds for a mismatch, the issuer no trust
  // anchor matched, and a Clock that looks like it counts seconds instead of milliseconds. It quotes
  // the peer's certificate, so escape it before writing it to a terminal.
  const std::string& error_detail() const;

 private:
  explicit Connection(std::unique_ptr<ConnState> s);
  std::unique_ptr<ConnState> s_;
};

}  // namespace sanstls

#endif  // SANSTLS_CORE_CONNECTION_H_
