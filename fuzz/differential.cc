#include "fuzz/differential.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <memory>

#include "core/alert.h"
#include "core/config.h"
#include "core/connection.h"
#include "crypto/crypto.h"
#include "fuzz/embedded_certs.h"

namespace sanstls {
namespace differential {
namespace {

constexpr uint64_t kNowMs = 1893456000000ull;  // 2030-01-01, inside the test certificates' validity

class FixedClock : public Clock {
 public:
  uint64_t now_ms() override { return kNowMs; }
};

// RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest.
constexpr uint8_t kRetryRandom[32] = {0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C,
                                      0x02, 0x1E, 0x65, 0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB,
                                      0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

// What a server wrote, read as an observer of the wire would: the first record decides.
Outcome classify(ByteView out, bool failed) {
  Outcome o;
  if (out.size() < 5 + 1) {
    o.kind = failed ? Outcome::Kind::silent : Outcome::Kind::wait;
    return o;
  }
  uint8_t type = out[0];
  size_t len = (size_t(out[3]) << 8) | out[4];
  if (type == 21 && len >= 2 && out.size() >= 7) {
    o.kind = Outcome::Kind::alert;
    o.alert = out[6];
    return o;
  }
  // A handshake record that starts with a ServerHello: header (4), legacy_version (2), random (32).
  if (type == 22 && out[5] == 2 && out.size() >= 5 + 4 + 2 + 32) {
    bool retry = std::equal(kRetryRandom, kRetryRandom + 32, out.data() + 5 + 4 + 2);
    if (failed) {
      o.kind = Outcome::Kind::hello_then_fail;
    } else {
      o.kind = retry ? Outcome::Kind::retry : Outcome::Kind::accept;
    }
    return o;
  }
  o.kind = failed ? Outcome::Kind::silent : Outcome::Kind::wait;
  return o;
}

std::shared_ptr<const ServerConfig> sanstls_config() {
  static const std::shared_ptr<const ServerConfig> config = [] {
    ServerConfig::Builder b;
    b.certificate(ByteView::of(fuzz::certs::server_ec_chain_pem), ByteView::of(fuzz::certs::server_ec_key_pem));
    Built<ServerConfig> built = b.build();
    if (!built.ok()) abort();
    return built.config;
  }();
  return config;
}

// OpenSSL's server with the same certificate and versions, defaults otherwise (as s_server runs).
SSL_CTX* openssl_ctx() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_server_method());
    if (c == nullptr || !SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION))
      abort();
    BIO* chain = BIO_new_mem_buf(fuzz::certs::server_ec_chain_pem, -1);
    X509* leaf = PEM_read_bio_X509(chain, nullptr, nullptr, nullptr);
    if (leaf == nullptr || SSL_CTX_use_certificate(c, leaf) != 1) abort();
    X509_free(leaf);
    while (X509* extra = PEM_read_bio_X509(chain, nullptr, nullptr, nullptr)) {
      if (SSL_CTX_add0_chain_cert(c, extra) != 1) abort();
    }
    BIO_free(chain);
    ERR_clear_error();
    BIO* keyb = BIO_new_mem_buf(fuzz::certs::server_ec_key_pem, -1);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(keyb, nullptr, nullptr, nullptr);
    if (key == nullptr || SSL_CTX_use_PrivateKey(c, key) != 1) abort();
    EVP_PKEY_free(key);
    BIO_free(keyb);
    // No tickets: a ticket changes nothing in the first flight, and OpenSSL would draw a key for them.
    SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
    return c;
  }();
  return ctx;
}

// The handshake messages of a plaintext flight (records of type 22), each with its header.
std::vector<Bytes> handshake_messages(ByteView flight) {
  Bytes stream;
  size_t off = 0;
  while (flight.size() - off >= 5) {
    size_t len = (size_t(flight[off + 3]) << 8) | flight[off + 4];
    if (flight.size() - off - 5 < len) break;
    if (flight[off] == 22) stream.insert(stream.end(), flight.data() + off + 5, flight.data() + off + 5 + len);
    off += 5 + len;
  }
  std::vector<Bytes> msgs;
  off = 0;
  while (stream.size() - off >= 4) {
    size_t len = (size_t(stream[off + 1]) << 16) | (size_t(stream[off + 2]) << 8) | stream[off + 3];
    if (stream.size() - off - 4 < len) break;
    msgs.emplace_back(stream.begin() + off, stream.begin() + off + 4 + len);
    off += 4 + len;
  }
  return msgs;
}

// The messages back into handshake records of at most 2^14 bytes.
Bytes frame(const std::vector<Bytes>& msgs) {
  Bytes stream, out;
  for (const Bytes& m : msgs) stream.insert(stream.end(), m.begin(), m.end());
  for (size_t off = 0; off < stream.size(); off += 16384) {
    size_t n = std::min<size_t>(16384, stream.size() - off);
    uint8_t h[5] = {22, 3, 3, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
    out.insert(out.end(), h, h + 5);
    out.insert(out.end(), stream.begin() + off, stream.begin() + off + n);
  }
  return out;
}

bool apply(const ClientMutation& m, std::vector<Bytes>* msgs) {
  if (m.message >= msgs->size() || m.offset >= (*msgs)[m.message].size()) return false;
  uint8_t& b = (*msgs)[m.message][m.offset];
  uint8_t before = b;
  switch (m.how) {
    case 0: b ^= 0x01; break;
    case 1: b ^= 0x80; break;
    case 2: b = 0x00; break;
    default: b = 0xff; break;
  }
  // A byte that was already the value written changes nothing here, while the other client's flight
  // (other random values) may change: not the same mutation.
  return b != before;
}

// The sanstls server's first flight in answer to `client_hello`.
Bytes server_flight(ByteView client_hello) {
  auto rng = crypto::make_deterministic_rng(ByteView::of("differential server"));
  FixedClock clock;
  Connection server = Connection::server(sanstls_config(), *rng, clock);
  if (!server.receive(client_hello).ok()) return Bytes();
  return server.pending_output().to_bytes();
}

// A client's answer to a server flight: its next flight ("accept"), an alert, nothing yet, or a silent
// failure.
Outcome client_outcome(ByteView out, bool failed) {
  Outcome o;
  if (out.size() >= 7 && out[0] == 21) {
    o.kind = Outcome::Kind::alert;
    o.alert = out[6];
  } else if (out.size() >= 6 && out[0] == 22 && !failed) {
    o.kind = Outcome::Kind::accept;
  } else if (out.size() >= 6 && out[0] == 22) {
    o.kind = Outcome::Kind::hello_then_fail;
  } else {
    o.kind = failed ? Outcome::Kind::silent : Outcome::Kind::wait;
  }
  return o;
}

std::shared_ptr<const ClientConfig> sanstls_client_config() {
  static const std::shared_ptr<const ClientConfig> config = [] {
    ClientConfig::Builder b;
    b.trust_anchors_pem(ByteView::of(fuzz::certs::ca_pem)).versions(0x0303, 0x0303);
    Built<ClientConfig> built = b.build();
    if (!built.ok()) abort();
    return built.config;
  }();
  return config;
}

SSL_CTX* openssl_client_ctx() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    if (c == nullptr || !SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) ||
        !SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION))
      abort();
    BIO* b = BIO_new_mem_buf(fuzz::certs::ca_pem, -1);
    X509* ca = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    if (ca == nullptr || X509_STORE_add_cert(SSL_CTX_get_cert_store(c), ca) != 1) abort();
    X509_free(ca);
    BIO_free(b);
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
    // The same time as sanstls's fixed clock, so that certificate validity is judged alike.
    X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(c), static_cast<time_t>(kNowMs / 1000));
    return c;
  }();
  return ctx;
}

// An OpenSSL session over memory BIOs: feed() writes the peer's bytes and runs the handshake as far as
// they go; written() is everything the session wrote so far.
struct OsslSession {
  SSL* ssl;
  BIO* in;
  BIO* out;
  explicit OsslSession(SSL_CTX* ctx) : ssl(SSL_new(ctx)), in(BIO_new(BIO_s_mem())), out(BIO_new(BIO_s_mem())) {
    if (ssl == nullptr || in == nullptr || out == nullptr) abort();
    BIO_set_mem_eof_return(in, -1);  // empty means "more to come", not end of stream
    SSL_set_bio(ssl, in, out);        // the session owns both BIOs now
  }
  ~OsslSession() {
    SSL_free(ssl);
    ERR_clear_error();
  }
  OsslSession(const OsslSession&) = delete;
  OsslSession& operator=(const OsslSession&) = delete;
  // True when the handshake failed (not merely waiting for more input); *why gets OpenSSL's reason.
  bool feed(ByteView bytes, std::string* why) {
    if (!bytes.empty()) BIO_write(in, bytes.data(), static_cast<int>(bytes.size()));
    int rc = SSL_do_handshake(ssl);
    bool failed = rc <= 0 && SSL_get_error(ssl, rc) != SSL_ERROR_WANT_READ;
    if (failed && why != nullptr) {
      char buf[256];
      ERR_error_string_n(ERR_peek_last_error(), buf, sizeof buf);
      *why = buf;
    }
    return failed;
  }
  ByteView written() const {
    char* data = nullptr;
    long n = BIO_get_mem_data(out, &data);
    return ByteView(reinterpret_cast<const uint8_t*>(data), n > 0 ? static_cast<size_t>(n) : 0);
  }
};

// An OpenSSL client's first flight (SNI and name "localhost"), the session left waiting for the answer.
Bytes openssl_hello(OsslSession& client) {
  SSL_set_tlsext_host_name(client.ssl, "localhost");
  SSL_set1_host(client.ssl, "localhost");
  SSL_set_connect_state(client.ssl);
  client.feed(ByteView(), nullptr);
  Bytes hello = client.written().to_bytes();
  (void)BIO_reset(client.out);
  return hello;
}

// A sanstls client's first flight (SNI "localhost"), from the fixed generator seed.
Bytes sanstls_hello(std::shared_ptr<const ClientConfig> config) {
  auto rng = crypto::make_deterministic_rng(ByteView::of("differential client"));
  FixedClock clock;
  Connection::ClientOptions opt;
  opt.server_name = "localhost";
  return Connection::client(std::move(config), opt, *rng, clock).pending_output().to_bytes();
}

}  // namespace

bool sanstls_client(const ClientMutation& m, Outcome* out, std::string* why) {
  auto rng = crypto::make_deterministic_rng(ByteView::of("differential client"));
  FixedClock clock;
  Connection::ClientOptions opt;
  opt.server_name = "localhost";
  Connection c = Connection::client(sanstls_client_config(), opt, *rng, clock);
  Bytes hello = c.pending_output().to_bytes();
  c.consume_output(hello.size());
  std::vector<Bytes> msgs = handshake_messages(server_flight(hello));
  if (!apply(m, &msgs)) return false;
  Result<size_t> r = c.receive(frame(msgs));
  bool failed = !r.ok() || c.error() != nullptr;
  if (why != nullptr && c.error() != nullptr) *why = c.error()->what;
  *out = client_outcome(c.pending_output(), failed);
  return true;
}

bool openssl_client(const ClientMutation& m, Outcome* out, std::string* why) {
  OsslSession client(openssl_client_ctx());
  std::vector<Bytes> msgs = handshake_messages(server_flight(openssl_hello(client)));
  if (!apply(m, &msgs)) return false;
  bool failed = client.feed(frame(msgs), why);
  *out = client_outcome(client.written(), failed);
  return true;
}

std::vector<size_t> server_flight_shape(bool openssl) {
  Bytes hello;
  if (openssl) {
    OsslSession client(openssl_client_ctx());
    hello = openssl_hello(client);
  } else {
    hello = sanstls_hello(sanstls_client_config());
  }
  std::vector<size_t> shape;
  for (const Bytes& m : handshake_messages(server_flight(hello))) shape.push_back(m.size());
  return shape;
}

std::string Outcome::str() const {
  switch (kind) {
    case Kind::accept:
      return "accept";
    case Kind::retry:
      return "retry";
    case Kind::wait:
      return "wait";
    case Kind::silent:
      return "silent";
    case Kind::hello_then_fail:
      return "hello_then_fail";
    case Kind::alert:
      return std::string("alert:") + alert_name(static_cast<AlertDescription>(alert));
  }
  return "?";
}

Outcome sanstls_server(ByteView flight, std::string* why) {
  auto rng = crypto::make_deterministic_rng(ByteView::of("differential"));
  FixedClock clock;
  Connection c = Connection::server(sanstls_config(), *rng, clock);
  Result<size_t> r = c.receive(flight);
  bool failed = !r.ok() || c.error() != nullptr;
  // A tolerated warning alert leaves no error of its own: the reason says so first (justify() reads
  // that prefix), so that the allow-list can name it whatever came after it.
  bool warned = false;
  while (std::optional<Event> e = c.next_event()) {
    if (e->type == Event::Type::alert_received && e->alert.level == AlertLevel::warning &&
        e->alert.description != AlertDescription::close_notify)
      warned = true;
  }
  if (why != nullptr) {
    *why = warned ? "warning alert tolerated" : "";
    if (c.error() != nullptr) *why += std::string(warned ? ", then " : "") + c.error()->what;
  }
  Outcome o = classify(c.pending_output(), failed);
  // An alert under the handshake keys (a failure after the server's key change) cannot be read from
  // the wire here; sanstls says which one it sent.
  ByteView out = c.pending_output();
  if (o.kind == Outcome::Kind::silent && c.error() != nullptr && !out.empty() && out[0] == 23) {
    o.kind = Outcome::Kind::alert;
    o.alert = static_cast<uint8_t>(c.error()->alert);
  }
  return o;
}

Outcome openssl_server(ByteView flight, std::string* why) {
  OsslSession server(openssl_ctx());
  SSL_set_accept_state(server.ssl);
  bool failed = server.feed(flight, why);
  return classify(server.written(), failed);
}

const std::vector<Allowed>& allowed() {
  // Where sanstls follows the RFC's named alert and OpenSSL another, or where the RFC leaves the choice
  // to the implementation. Found by //fuzz:differential_test; each entry names its cause.
  static const std::vector<Allowed> list = {
      {"accept", "", "accept", "", "-",
       "both answered the ClientHello; one then failed on a later record of the same flight, which the other "
       "had not read yet"},
      // Record layer.
      {"alert:protocol_version", "major version is not 3", "silent", "wrong version number", "RFC 5246 6.2.1, E.1",
       "a record whose major version is not 3 is not TLS; both stop, sanstls says protocol_version, OpenSSL "
       "closes without an alert"},
      {"alert:unexpected_message", "unknown content type", "", "", "RFC 8446 5, RFC 5246 6",
       "an unknown record type is unexpected_message, checked on the header at once; OpenSSL checks the version "
       "or length first, or reads a first byte with the high bit set as an SSL 2.0 header and waits"},
      {"alert:unexpected_message", "empty record", "", "", "RFC 5246 6.2.1, RFC 8446 5.1",
       "an empty handshake record is refused as such; OpenSSL reads the bytes after it as the next header, "
       "or waits for more"},
      {"alert:record_overflow", "record: too long", "", "", "RFC 8446 5.1, RFC 5246 6.2.1",
       "a plaintext record longer than 2^14 is record_overflow, on its header; OpenSSL waits for the body of a "
       "first record up to its own larger bound"},
      {"alert:illegal_parameter", "message too large", "alert:", "", "RFC 8446 6.2, RFC 5246 7.2.2",
       "a message above sanstls's size limit for its type (a legal but unreasonable length) is refused on its "
       "header, before its type is checked against the state; OpenSSL names the unexpected type"},
      {"alert:decode_error", "handshake message longer than its type allows", "", "", "RFC 8446 6.2, RFC 5246 7.2.2",
       "a length no message of that type can have is decode_error, seen on the message header (the limit per "
       "type bounds memory) before the type is checked against the state; OpenSSL says illegal_parameter for an "
       "excessive length and unexpected_message for the type"},
      // ClientHello fields.
      {"alert:illegal_parameter", "TLS 1.3 ClientHello: compression", "alert:", "", "RFC 8446 4.1.2",
       "the RFC names illegal_parameter for a TLS 1.3 compression list other than [0]; OpenSSL says "
       "decode_error, or reports another fault of the hello first"},
      {"alert:missing_extension", "no signature_algorithms", "alert:", "", "RFC 8446 9.2",
       "the RFC names missing_extension for a TLS 1.3 ClientHello without signature_algorithms; OpenSSL "
       "reported another fault of the same hello first"},
      {"alert:handshake_failure", "no group in common", "alert:", "", "RFC 8446 4.1.1",
       "no overlap between supported_groups and the server's groups: the RFC names handshake_failure (or "
       "insufficient_security); OpenSSL reported another fault (a missing extension) first"},
      {"alert:illegal_parameter", "without null compression", "alert:decode_error", "no compression specified",
       "RFC 5246 7.4.1.2", "the list must contain null; the value is wrong, not undecodable"},
      // Extensions: sanstls decodes every extension type it knows, whatever version is chosen; a body
      // that does not fit its syntax is decode_error (RFC 8446 6.2, RFC 5246 7.2.2).
      {"alert:decode_error", "", "alert:", "", "RFC 8446 6.2, 4.1.2",
       "both refuse. sanstls decodes the whole ClientHello, every extension it knows, before any other "
       "check, so a malformed field is reported first (decode_error) even when the hello has another fault; "
       "OpenSSL checks some extensions (e.g. supported_versions) before decoding the rest, and calls some "
       "decoding faults illegal_parameter or protocol_version"},
      {"alert:decode_error", "malformed", "accept", "", "RFC 8446 6.2, 4.2.2, RFC 8422 5.1.2, RFC 5746 3.2",
       "ec_point_formats and renegotiation_info in a hello that negotiates TLS 1.3, and a cookie nobody issued, "
       "are not read by OpenSSL; sanstls decodes them and refuses a body that breaks their syntax"},
      {"alert:decode_error", "extension: trailing bytes", "accept", "", "RFC 8446 6.2, 4.2.10",
       "a known extension with bytes after its syntax (an early_data with a body, an ec_point_formats list "
       "shorter than its body) is decode_error; OpenSSL does not read those in that version"},
      {"alert:decode_error", "extensions: duplicate type", "alert:illegal_parameter", "bad extension",
       "RFC 8446 4.2, RFC 5246 7.4.1.4",
       "two extensions of one type are forbidden and no alert is named: sanstls says decode_error (the block "
       "does not decode as a set), OpenSSL illegal_parameter"},
      {"alert:illegal_parameter", "server_name is not a DNS name", "accept", "", "RFC 6066 3",
       "HostName is an ASCII DNS name without a trailing dot; sanstls refuses other bytes, OpenSSL accepts any "
       "byte but NUL"},
      {"alert:illegal_parameter", "server_name is not a DNS name", "", "", "RFC 6066 3",
       "both refuse: sanstls checks the name while it decodes the hello, before anything else (a NUL: OpenSSL "
       "says unrecognized_name; other faults: OpenSSL reports the one it checks first)"},
      // The client side (a mutated server flight).
      {"alert:bad_certificate", "", "alert:", "", "RFC 5246 7.2.2, RFC 8446 6.2",
       "a certificate whose CA signature does not verify or does not parse is bad_certificate (\"corrupt, "
       "contained signatures that did not verify\"); OpenSSL maps a signature failure to decrypt_error and an "
       "issuer it cannot find to unknown_ca"},
      {"alert:unknown_ca", "certificate issuer unknown", "alert:", "", "RFC 5246 7.2.2, RFC 8446 6.2",
       "a changed issuer name matches no trusted CA: unknown_ca; OpenSSL fails the same certificate on its "
       "signature (decrypt_error) or its encoding (bad_certificate) first"},
      {"alert:illegal_parameter", "Certificate message too large", "", "", "RFC 8446 6.2",
       "a Certificate longer than max_handshake_message (a policy bound on memory) is refused on its header; "
       "OpenSSL's bound is larger and it waits for the body"},
      {"alert:decrypt_error", "ServerKeyExchange: bad signature", "alert:", "", "RFC 5246 7.2.2, 7.4.3",
       "the signature covers the key exchange parameters, so a changed field (e.g. the curve) fails it: "
       "decrypt_error; OpenSSL checks the curve against its offer first (illegal_parameter)"},
      {"alert:illegal_parameter", "encrypt_then_mac with an AEAD suite", "accept", "", "RFC 7366 3",
       "a server MUST NOT answer encrypt_then_mac for an AEAD suite; sanstls refuses the answer, OpenSSL "
       "ignores it"},
      {"alert:unsupported_extension", "extension not offered", "", "", "RFC 5246 7.4.1.4, RFC 8446 4.2",
       "an extension in ServerHello that the client did not offer MUST abort with unsupported_extension; "
       "OpenSSL ignores types it does not know, or misses the renegotiation_info it expected"},
      // Both refuse a hello with two faults (or one both see differently); sanstls's check fires first and
      // sends the alert its RFC names.
      {"alert:illegal_parameter", "record_size_limit: below 64", "", "", "RFC 8449 4",
       "the RFC names illegal_parameter for a record_size_limit below 64; OpenSSL 3.0 does not implement "
       "record_size_limit (it skips it as an unknown extension, and then accepts the hello or refuses it "
       "for another fault)"},
      {"alert:illegal_parameter", "key_share: group not in supported_groups", "alert:", "", "RFC 8446 4.2.8",
       "servers MAY check that every key share's group is in supported_groups and abort with illegal_parameter"},
      {"alert:illegal_parameter", "two host_names", "alert:", "", "RFC 6066 3",
       "a server_name list with two host_names is illegal (the names are not ambiguous to decode)"},
      {"alert:handshake_failure", "no signature scheme in common", "alert:", "", "RFC 8446 4.4.2.2, RFC 5246 7.4.1.4.1",
       "no scheme of the client's fits the certificate: handshake_failure"},
      {"alert:handshake_failure", "no signature scheme in common for a certificate", "accept", "",
       "RFC 5246 7.4.1.4.1, RFC 9155",
       "the client's signature_algorithms lists, for the certificate's key, only schemes sanstls does not sign "
       "with in TLS 1.2: SHA-224 ones (as BoringSSL and rustls, sanstls implements SHA-256, -384 and -512) or "
       "SHA-1 ones (RFC 9155); OpenSSL 3.0 still signs with SHA-224"},
      {"alert:handshake_failure", "no cipher suite in common", "alert:", "", "RFC 8446 4.1.1, RFC 5246 7.4.1.3",
       "no suite in common: handshake_failure; OpenSSL reported another fault first"},
      {"accept", "", "alert:unexpected_message", "not on record boundary", "RFC 8446 5.1",
       "more handshake bytes after the ClientHello in its record straddle the server's key change: both end "
       "with unexpected_message. sanstls finds it once the ClientHello is handled, keeps the flight that "
       "message completed (the output mark moves after every message: docs/architecture.md) and sends the "
       "alert after it, under keys the client has by then; OpenSSL checks the boundary before it answers"},
      {"alert:handshake_failure", "no TLS 1.3 cipher suite in common", "alert:", "", "RFC 8446 4.1.1",
       "no TLS 1.3 suite in common: handshake_failure; OpenSSL reported another fault of the hello first"},
      {"alert:inappropriate_fallback", "TLS_FALLBACK_SCSV", "alert:", "bad extension", "RFC 7507 3",
       "a TLS 1.2 hello with TLS_FALLBACK_SCSV to a server that speaks TLS 1.3 is inappropriate_fallback; "
       "OpenSSL refused first a malformed body of an extension sanstls does not implement and skips "
       "(use_srtp, ...; see the \"bad extension\" entry for an accepted hello)"},
      {"alert:handshake_failure", "renegotiation_info not empty", "alert:", "bad extension", "RFC 5746 3.6",
       "an initial hello whose renegotiation_info is not empty is handshake_failure; OpenSSL refused first a "
       "malformed body of an extension sanstls does not implement and skips"},
      {"alert:protocol_version", "client offers only TLS 1.1 or older", "alert:", "", "RFC 5246 E.1, RFC 8446 D.2",
       "a hello that offers only versions below TLS 1.2 offers nothing the server speaks: protocol_version, "
       "decided before the extensions are judged; OpenSSL reported a malformed extension of the same hello first"},
      {"alert:protocol_version", "client does not offer TLS 1.2", "alert:", "", "RFC 8446 4.2.1",
       "supported_versions lists no version the server speaks: protocol_version; OpenSSL reported a "
       "malformed extension of the same hello first"},
      {"alert:illegal_parameter", "alert: unknown level", "alert:", "", "RFC 5246 7.2, RFC 8446 6",
       "an alert record whose level is neither warning nor fatal: illegal_parameter; OpenSSL calls any alert "
       "before the handshake unexpected"},
      {"silent", "peer closed during the handshake", "alert:unexpected_message", "unexpected message",
       "RFC 8446 6.1, RFC 5246 7.2.1",
       "a close_notify before (or in place of) the ClientHello: a close_notify may come at any time and ends "
       "the peer's side; sanstls ends the connection without an alert (no version is chosen yet, and the "
       "peer has said it reads nothing more); OpenSSL calls any alert before the handshake unexpected"},
      {"silent", "fatal alert received", "alert:unexpected_message", "unexpected message", "RFC 8446 6.2, RFC 5246 7.2",
       "a fatal alert before the ClientHello ends the connection at once and nothing is sent after it; OpenSSL "
       "calls any alert before the handshake unexpected"},
      {"", "warning alert tolerated", "alert:unexpected_message", "unexpected message", "RFC 5246 7.2",
       "a warning alert before the ClientHello (no version chosen yet; TLS 1.3's rule that only close_notify "
       "and user_canceled may be warnings applies once 1.3 is chosen, RFC 8446 6.2) is tolerated, within the "
       "record layer's bound on warnings in a row, and sanstls goes on to what follows it (waits, answers, "
       "or refuses a later fault); OpenSSL calls any alert before the handshake unexpected and stops there"},
      {"alert:protocol_version", "legacy_version 0x0300 or lower", "alert:", "", "RFC 8446 D.5",
       "the RFC names protocol_version; OpenSSL reported another fault of the same hello first"},
      {"alert:illegal_parameter", "key_share: bad public value", "alert:", "", "RFC 8446 4.2.8.2",
       "a key share that is not a valid point or key is illegal_parameter; OpenSSL reported another fault first"},
      {"alert:missing_extension", "key_share and supported_groups go together", "alert:", "", "RFC 8446 9.2",
       "both refuse; the RFC names missing_extension, OpenSSL reported another fault of the same hello first"},
      {"alert:decode_error", "extensions: duplicate type", "accept", "", "RFC 8446 4.2, RFC 5246 7.4.1.4",
       "no extension type may appear twice, known or not; OpenSSL checks duplicates of the types it knows only"},
      {"accept", "", "alert:handshake_failure", "no suitable signature algorithm", "RFC 8446 4.4.2.2, 4.2.3",
       "a server whose chain is not signed with a signature_algorithms_cert scheme SHOULD continue with the "
       "chain it has; OpenSSL refuses"},
      {"accept", "", "alert:", "bad extension", "RFC 6066 3, 4; RFC 8446 4.1.2; RFC 5246 7.4.1.4",
       "a server_name entry of an unknown name type is skipped (RFC 6066 3 length-prefixes entries for that), "
       "and extensions sanstls does not implement (max_fragment_length, use_srtp, srp, ...) are ignored as "
       "unknown extensions must be; OpenSSL parses them and refuses a malformed body"},
      {"accept", "", "alert:illegal_parameter", "invalid max fragment length", "RFC 6066 4, RFC 8446 4.1.2",
       "sanstls does not implement max_fragment_length (record_size_limit replaces it) and ignores it"},
      {"alert:illegal_parameter", "does not accept uncompressed points", "alert:", "", "RFC 8422 5.1.2",
       "the RFC names illegal_parameter for an ec_point_formats without uncompressed; OpenSSL refuses for "
       "the missing cipher suite or another fault it checks first"},
      {"accept", "", "alert:handshake_failure", "no shared cipher", "RFC 8422 4",
       "a TLS 1.2 client that sends no supported_groups leaves the curve to the server (sanstls takes P-256 and "
       "its P-256 certificate); OpenSSL refuses ECDHE-ECDSA then"},
  };
  return list;
}

const Allowed* justify(const Outcome& ours, const std::string& our_reason, const Outcome& theirs,
                       const std::string& their_reason) {
  // The scope is the answer to the ClientHello: a side that answered it and then failed on a later
  // record (the flight had more bytes) answered it as "accept" does.
  std::string a = ours.kind == Outcome::Kind::hello_then_fail ? "accept" : ours.str();
  std::string b = theirs.kind == Outcome::Kind::hello_then_fail ? "accept" : theirs.str();
  if (a == b) return &allowed()[0];
  // A HelloRetryRequest answers the hello as a ServerHello does: the entries about accepting apply.
  if (a == "retry") a = "accept";
  if (b == "retry") b = "accept";
  if (a == b) return &allowed()[0];
  // A side that answered keeps, of its reason, only what came before the hello: a tolerated warning.
  const std::string warned = "warning alert tolerated";
  const std::string ra = ours.kind != Outcome::Kind::hello_then_fail ? our_reason
                         : our_reason.compare(0, warned.size(), warned) == 0 ? warned
                                                                              : std::string();
  const std::string& rb = theirs.kind == Outcome::Kind::hello_then_fail ? std::string() : their_reason;
  for (const Allowed& x : allowed()) {
    // "" matches any outcome of OpenSSL's, "alert:" any alert.
    std::string want = x.openssl;
    bool any = want.empty() || (want == "alert:" && b.compare(0, 6, "alert:") == 0);
    // "" for sanstls's outcome: any, the reason alone decides.
    if ((x.ours[0] != '\0' && a != x.ours) || (!any && b != want)) continue;
    if (ra.find(x.our_reason) == std::string::npos || rb.find(x.their_reason) == std::string::npos) continue;
    return &x;
  }
  return nullptr;
}

std::vector<Bytes> seed_flights() {
  std::vector<Bytes> seeds;
  for (bool tls13 : {true, false}) {
    ClientConfig::Builder b;
    b.trust_anchors_pem(ByteView::of(fuzz::certs::ca_pem));
    if (!tls13) b.versions(0x0303, 0x0303);
    Built<ClientConfig> built = b.build();
    if (!built.ok()) abort();
    seeds.push_back(sanstls_hello(built.config));
  }
  for (bool tls13 : {true, false}) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == nullptr) abort();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    {
      OsslSession client(ctx);
      seeds.push_back(openssl_hello(client));
    }
    SSL_CTX_free(ctx);
  }
  return seeds;
}

}  // namespace differential
}  // namespace sanstls
