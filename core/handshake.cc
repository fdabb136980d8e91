#include "core/handshake.h"

#include <algorithm>

// Implementation notes. Every decoder reads with one Reader over the body; each length-prefixed vector
// is read as a child (or as bytes) and every structure, child or whole body, ends with an empty() check
// so that trailing bytes are refused. Encoders write with a Writer; range checks that the decoder makes
// are mirrored in the encoder (which fails the writer) so that whatever encodes, decodes.

namespace sanstls {

const Random kHelloRetryRequestRandom = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

namespace {

bool read_random(Reader& r, Random* out) {
  ByteView v;
  if (!r.bytes(kRandomLength, &v)) return false;
  for (size_t i = 0; i < kRandomLength; i++) (*out)[i] = v[i];
  return true;
}

void write_random(const Random& random, Writer& w) { w.bytes(ByteView(random.data(), random.size())); }

// The extensions block after the fixed part of a hello: absent (nothing left) or a 16-bit vector that
// must be the last thing in the body.
Status read_hello_extensions(Reader& r, ExtContext ctx, bool* has_extensions, Extensions* out,
                             const char* malformed, const char* trailing) {
  *out = Extensions();
  *has_extensions = false;
  if (r.empty()) return Status();
  Reader block;
  if (!r.prefixed16(&block)) return Error::decode(malformed);
  if (!r.empty()) return Error::decode(trailing);
  *has_extensions = true;
  return decode_extensions(block.rest(), ctx, out);
}

bool session_id_ok(const Bytes& session_id) { return session_id.size() <= kMaxSessionIdLength; }

}  // namespace

bool read_u16s(Reader r, std::vector<uint16_t>* out) {
  out->clear();
  if (r.remaining() % 2 != 0) return false;
  out->reserve(r.remaining() / 2);
  while (!r.empty()) {
    uint16_t v;
    if (!r.u16(&v)) return false;
    out->push_back(v);
  }
  return true;
}

void write_u16s(Writer& w, bool prefix8, const std::vector<uint16_t>& v) {
  Writer::Prefix p = prefix8 ? w.begin8() : w.begin16();
  for (uint16_t x : v) w.u16(x);
  w.end(p);
}

// ---------------------------------------------------------------------------------------------------
// Header

Status decode_handshake_header(ByteView in, HandshakeHeader* out) {
  Reader r(in);
  uint8_t type;
  if (!r.u8(&type) || !r.u24(&out->length)) return Error::decode("handshake header: truncated");
  out->type = static_cast<HandshakeType>(type);
  return Status();
}

size_t max_handshake_body(HandshakeType type) {
  constexpr size_t k8 = 0xff, k16 = 0xffff;
  switch (type) {
    case HandshakeType::hello_request:
    case HandshakeType::end_of_early_data:
    case HandshakeType::server_hello_done:
      return 0;
    case HandshakeType::client_hello:  // version, random, session ID, suites, compression, extensions
      return 2 + 32 + (1 + 32) + (2 + k16 - 1) + (1 + k8) + (2 + k16);
    case HandshakeType::server_hello:
      return 2 + 32 + (1 + 32) + 2 + 1 + (2 + k16);
    case HandshakeType::new_session_ticket:  // TLS 1.3: lifetime, age_add, nonce, ticket, extensions
      return 4 + 4 + (1 + k8) + (2 + k16) + (2 + k16);
    case HandshakeType::encrypted_extensions:
      return 2 + k16;
    case HandshakeType::certificate:
      return 0xffffff;
    case HandshakeType::server_key_exchange:  // DHE: p, g, Ys, then the signature
      return 3 * (2 + k16) + 2 + (2 + k16);
    case HandshakeType::certificate_request:  // TLS 1.2: types, schemes, authorities
      return (1 + k8) + (2 + k16) + (2 + k16);
    case HandshakeType::certificate_verify:
      return 2 + (2 + k16);
    case HandshakeType::client_key_exchange:
      return 2 + k16;
    case HandshakeType::finished:
      return 64;
    case HandshakeType::key_update:
      return 1;
    default:
      return 0;
  }
}

bool may_receive(HandshakeType type, bool client, bool first_message) {
  using T = HandshakeType;
  if (first_message)
    return client ? (type == T::server_hello || type == T::hello_request) : type == T::client_hello;
  switch (type) {
    case T::certificate:
    case T::certificate_verify:
    case T::finished:
    case T::key_update:
      return true;
    case T::client_hello:
    case T::client_key_exchange:
    case T::end_of_early_data:
      return !client;
    case T::hello_request:
    case T::server_hello:
    case T::new_session_ticket:
    case T::encrypted_extensions:
    case T::server_key_exchange:
    case T::certificate_request:
    case T::server_hello_done:
      return client;
    default:
      return false;
  }
}

Status split_handshake_message(ByteView msg, HandshakeHeader* header, ByteView* body) {
  SANSTLS_TRY(decode_handshake_header(msg, header));
  Reader r(msg);
  if (!r.skip(kHandshakeHeaderLength) || !r.bytes(header->length, body)) {
    return Error::decode("handshake message: truncated");
  }
  if (!r.empty()) return Error::decode("handshake message: trailing bytes");
  return Status();
}

bool encode_handshake(HandshakeType type, ByteView body, Bytes* out) {
  if (body.size() >= (size_t{1} << 24)) return false;
  // Appended (to a transcript too): room is made as a vector grows, not to the exact size, which
  // would reallocate at every message.
  const size_t need = out->size() + kHandshakeHeaderLength + body.size();
  if (out->capacity() < need) out->reserve(std::max(need, 2 * out->capacity()));
  Writer w(out);
  w.u8(static_cast<uint8_t>(type));
  w.u24(static_cast<uint32_t>(body.size()));
  w.bytes(body);
  return true;
}

// ---------------------------------------------------------------------------------------------------
// ClientHello
//
//   ProtocolVersion client_version; Random random; SessionID session_id<0..32>;
//   CipherSuite cipher_suites<2..2^16-2>; CompressionMethod compression_methods<1..2^8-1>;
//   select (extensions_present) { case true: Extension extensions<0..2^16-1>; };

Status decode_client_hello(ByteView body, ClientHello* out) {
  Reader r(body);
  Reader suites;
  if (!r.u16(&out->legacy_version) || !read_random(r, &out->random) || !r.prefixed8(&out->session_id) ||
      !r.prefixed16(&suites) || !r.prefixed8(&out->compression_methods)) {
    return Error::decode("ClientHello: truncated");
  }
  if (!session_id_ok(out->session_id)) return Error::decode("ClientHello: session_id longer than 32");
  if (suites.empty()) return Error::decode("ClientHello: no cipher suites");
  if (!read_u16s(suites, &out->cipher_suites)) return Error::decode("ClientHello: odd cipher_suites length");
  if (out->compression_methods.empty()) return Error::decode("ClientHello: no compression methods");
  return read_hello_extensions(r, ExtContext::client_hello, &out->has_extensions, &out->extensions,
                               "ClientHello: bad extensions length", "ClientHello: trailing bytes");
}

void encode_client_hello(const ClientHello& m, Writer& w) {
  if (!session_id_ok(m.session_id) || m.cipher_suites.empty() || m.compression_methods.empty()) w.fail();
  w.u16(m.legacy_version);
  write_random(m.random, w);
  w.prefixed8(m.session_id);
  write_u16s(w, false, m.cipher_suites);
  w.prefixed8(m.compression_methods);
  if (m.has_extensions) encode_extensions(m.extensions, ExtContext::client_hello, w);
}

// ---------------------------------------------------------------------------------------------------
// ServerHello
//
//   ProtocolVersion server_version; Random random; SessionID session_id<0..32>; CipherSuite cipher_suite;
//   CompressionMethod compression_method; select (extensions_present) { ... extensions<0..2^16-1>; };

Status decode_server_hello(ByteView body, ServerHello* out) {
  Reader r(body);
  if (!r.u16(&out->legacy_version) || !read_random(r, &out->random) || !r.prefixed8(&out->session_id) ||
      !r.u16(&out->cipher_suite) || !r.u8(&out->compression_method)) {
    return Error::decode("ServerHello: truncated");
  }
  if (!session_id_ok(out->session_id)) return Error::decode("ServerHello: session_id longer than 32");
  ExtContext ctx = out->is_hello_retry_request() ? ExtContext::hello_retry_request : ExtContext::server_hello;
  return read_hello_extensions(r, ctx, &out->has_extensions, &out->extensions,
                               "ServerHello: bad extensions length", "ServerHello: trailing bytes");
}

void encode_server_hello(const ServerHello& m, Writer& w) {
  if (!session_id_ok(m.session_id)) w.fail();
  w.u16(m.legacy_version);
  write_random(m.random, w);
  w.prefixed8(m.session_id);
  w.u16(m.cipher_suite);
  w.u8(m.compression_method);
  if (m.has_extensions) {
    ExtContext ctx = m.is_hello_retry_request() ? ExtContext::hello_retry_request : ExtContext::server_hello;
    encode_extensions(m.extensions, ctx, w);
  }
}

// ---------------------------------------------------------------------------------------------------
// Certificate (TLS 1.2): opaque ASN.1Cert<1..2^24-1>; ASN.1Cert certificate_list<0..2^24-1>;

size_t certificate_entries_ahead(Reader list, bool with_extensions) {
  size_t n = 0;
  ByteView skip;
  while (n < kCertificateReserveCap && list.prefixed24(&skip) && (!with_extensions || list.prefixed16(&skip))) n++;
  return n;
}

Status decode_certificate12(ByteView body, CertificateMsg12* out) {
  Reader r(body);
  Reader list;
  if (!r.prefixed24(&list)) return Error::decode("Certificate: truncated");
  if (!r.empty()) return Error::decode("Certificate: trailing bytes");
  out->chain.clear();
  out->chain.reserve(certificate_entries_ahead(list, false));
  while (!list.empty()) {
    Bytes cert;
    if (!list.prefixed24(&cert)) return Error::decode("Certificate: truncated entry");
    if (cert.empty()) return Error::decode("Certificate: empty entry");
    out->chain.push_back(std::move(cert));
  }
  return Status();
}

namespace {
void encode_chain12(const std::vector<Bytes>& chain, Writer& w) {
  Writer::Prefix list = w.begin24();
  for (const Bytes& cert : chain) {
    if (cert.empty()) w.fail();
    w.prefixed24(cert);
  }
  w.end(list);
}
}  // namespace

void encode_certificate12(const CertificateMsg12& m, Writer& w) { encode_chain12(m.chain, w); }

Bytes certificate12_body(const std::vector<Bytes>& chain) {
  size_t size = 3;
  for (const Bytes& cert : chain) size += 3 + cert.size();
  Bytes body;
  body.reserve(size);
  Writer w(&body);
  encode_chain12(chain, w);
  if (!w.ok()) return Bytes();
  return body;
}

// ---------------------------------------------------------------------------------------------------
// ServerKeyExchange, ECDHE (RFC 8422 5.4):
//   struct { ECCurveType curve_type (u8); NamedCurve namedcurve (u16); } ECParameters;
//   struct { ECParameters curve_params; ECPoint public (opaque point <1..2^8-1>); } ServerECDHParams;
//   ServerECDHParams params; digitally-signed struct { ... } signed_params;
// In TLS 1.2, digitally-signed is SignatureAndHashAlgorithm (u16) + opaque signature<0..2^16-1>
// (RFC 5246 4.7).

Status decode_server_key_exchange_ecdhe(ByteView body, ServerKeyExchangeEcdhe* out) {
  Reader r(body);
  if (!r.u8(&out->curve_type)) return Error::decode("ServerKeyExchange: truncated");
  if (out->curve_type != kEcCurveTypeNamedCurve) return Error::illegal("ServerKeyExchange: curve_type not named_curve");
  if (!r.u16(&out->group) || !r.prefixed8(&out->public_key) || !r.u16(&out->sig_scheme) ||
      !r.prefixed16(&out->signature)) {
    return Error::decode("ServerKeyExchange: truncated");
  }
  if (out->public_key.empty()) return Error::decode("ServerKeyExchange: empty public key");
  if (!r.empty()) return Error::decode("ServerKeyExchange: trailing bytes");
  return Status();
}

namespace {
void write_ecdhe_params(const ServerKeyExchangeEcdhe& m, Writer& w) {
  if (m.curve_type != kEcCurveTypeNamedCurve || m.public_key.empty()) w.fail();
  w.u8(m.curve_type);
  w.u16(m.group);
  w.prefixed8(m.public_key);
}

void write_dhe_params(const ServerKeyExchangeDhe& m, Writer& w) {
  if (m.p.empty() || m.g.empty() || m.ys.empty()) w.fail();
  w.prefixed16(m.p);
  w.prefixed16(m.g);
  w.prefixed16(m.ys);
}
}  // namespace

void encode_server_key_exchange_ecdhe(const ServerKeyExchangeEcdhe& m, Writer& w) {
  write_ecdhe_params(m, w);
  w.u16(m.sig_scheme);
  w.prefixed16(m.signature);
}

Bytes ecdhe_params(const ServerKeyExchangeEcdhe& m) {
  Bytes out;
  Writer w(&out);
  write_ecdhe_params(m, w);
  return out;
}

// ServerKeyExchange, DHE (RFC 5246 7.4.3):
//   struct { opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; opaque dh_Ys<1..2^16-1>; } ServerDHParams;
//   ServerDHParams params; digitally-signed struct { ... } signed_params;

Status decode_server_key_exchange_dhe(ByteView body, ServerKeyExchangeDhe* out) {
  Reader r(body);
  if (!r.prefixed16(&out->p) || !r.prefixed16(&out->g) || !r.prefixed16(&out->ys) || !r.u16(&out->sig_scheme) ||
      !r.prefixed16(&out->signature)) {
    return Error::decode("ServerKeyExchange: truncated");
  }
  if (out->p.empty() || out->g.empty() || out->ys.empty()) return Error::decode("ServerKeyExchange: empty DH value");
  if (!r.empty()) return Error::decode("ServerKeyExchange: trailing bytes");
  return Status();
}

void encode_server_key_exchange_dhe(const ServerKeyExchangeDhe& m, Writer& w) {
  write_dhe_params(m, w);
  w.u16(m.sig_scheme);
  w.prefixed16(m.signature);
}

Bytes dhe_params(const ServerKeyExchangeDhe& m) {
  Bytes out;
  Writer w(&out);
  write_dhe_params(m, w);
  return out;
}

Bytes server_key_exchange_signed_data(const Random& client_random, const Random& server_random,
                                      ByteView params) {
  Bytes out;
  out.reserve(2 * kRandomLength + params.size());
  out.insert(out.end(), client_random.begin(), client_random.end());
  out.insert(out.end(), server_random.begin(), server_random.end());
  out.insert(out.end(), params.begin(), params.end());
  return out;
}

// ---------------------------------------------------------------------------------------------------
// CertificateRequest (TLS 1.2):
//   ClientCertificateType certificate_types<1..2^8-1>;
//   SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;
//   DistinguishedName certificate_authorities<0..2^16-1>;  (opaque DistinguishedName<1..2^16-1>)

Status decode_certificate_request12(ByteView body, CertificateRequest12* out) {
  Reader r(body);
  Reader schemes, cas;
  if (!r.prefixed8(&out->certificate_types) || !r.prefixed16(&schemes) || !r.prefixed16(&cas)) {
    return Error::decode("CertificateRequest: truncated");
  }
  if (!r.empty()) return Error::decode("CertificateRequest: trailing bytes");
  if (out->certificate_types.empty()) return Error::decode("CertificateRequest: no certificate types");
  if (schemes.empty()) return Error::decode("CertificateRequest: no signature algorithms");
  if (!read_u16s(schemes, &out->sig_schemes)) {
    return Error::decode("CertificateRequest: odd signature algorithms length");
  }
  out->authorities.clear();
  while (!cas.empty()) {
    Bytes dn;
    if (!cas.prefixed16(&dn)) return Error::decode("CertificateRequest: truncated authority");
    if (dn.empty()) return Error::decode("CertificateRequest: empty authority");
    out->authorities.push_back(std::move(dn));
  }
  return Status();
}

void encode_certificate_request12(const CertificateRequest12& m, Writer& w) {
  if (m.certificate_types.empty() || m.sig_schemes.empty()) w.fail();
  w.prefixed8(m.certificate_types);
  write_u16s(w, false, m.sig_schemes);
  Writer::Prefix cas = w.begin16();
  for (const Bytes& dn : m.authorities) {
    if (dn.empty()) w.fail();
    w.prefixed16(dn);
  }
  w.end(cas);
}

// ---------------------------------------------------------------------------------------------------
// Empty messages

Status decode_server_hello_done(ByteView body) {
  if (!body.empty()) return Error::decode("ServerHelloDone: not empty");
  return Status();
}

Status decode_hello_request(ByteView body) {
  if (!body.empty()) return Error::decode("HelloRequest: not empty");
  return Status();
}

// ---------------------------------------------------------------------------------------------------
// CertificateVerify: digitally-signed struct { ... }  (u16 algorithm + signature<0..2^16-1>)

Status decode_certificate_verify(ByteView body, CertificateVerify* out) {
  Reader r(body);
  if (!r.u16(&out->sig_scheme) || !r.prefixed16(&out->signature)) return Error::decode("CertificateVerify: truncated");
  if (!r.empty()) return Error::decode("CertificateVerify: trailing bytes");
  return Status();
}

void encode_certificate_verify(const CertificateVerify& m, Writer& w) {
  w.u16(m.sig_scheme);
  w.prefixed16(m.signature);
}

// ---------------------------------------------------------------------------------------------------
// ClientKeyExchange

namespace {

Status decode_cke(ByteView body, bool prefix8, bool allow_empty, ClientKeyExchange* out) {
  Reader r(body);
  bool ok = prefix8 ? r.prefixed8(&out->exchange) : r.prefixed16(&out->exchange);
  if (!ok) return Error::decode("ClientKeyExchange: truncated");
  if (!r.empty()) return Error::decode("ClientKeyExchange: trailing bytes");
  if (!allow_empty && out->exchange.empty()) return Error::decode("ClientKeyExchange: empty public value");
  return Status();
}

}  // namespace

Status decode_client_key_exchange_rsa(ByteView body, ClientKeyExchange* out) {
  return decode_cke(body, /*prefix8=*/false, /*allow_empty=*/true, out);
}
Status decode_client_key_exchange_dhe(ByteView body, ClientKeyExchange* out) {
  return decode_cke(body, /*prefix8=*/false, /*allow_empty=*/false, out);
}
Status decode_client_key_exchange_ecdhe(ByteView body, ClientKeyExchange* out) {
  return decode_cke(body, /*prefix8=*/true, /*allow_empty=*/false, out);
}

void encode_client_key_exchange_rsa(const ClientKeyExchange& m, Writer& w) { w.prefixed16(m.exchange); }
void encode_client_key_exchange_dhe(const ClientKeyExchange& m, Writer& w) {
  if (m.exchange.empty()) w.fail();
  w.prefixed16(m.exchange);
}
void encode_client_key_exchange_ecdhe(const ClientKeyExchange& m, Writer& w) {
  if (m.exchange.empty()) w.fail();
  w.prefixed8(m.exchange);
}

// ---------------------------------------------------------------------------------------------------
// NewSessionTicket (RFC 5077 3.3): uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>;

Status decode_new_session_ticket12(ByteView body, NewSessionTicket12* out) {
  Reader r(body);
  if (!r.u32(&out->lifetime_hint) || !r.prefixed16(&out->ticket)) return Error::decode("NewSessionTicket: truncated");
  if (!r.empty()) return Error::decode("NewSessionTicket: trailing bytes");
  return Status();
}

void encode_new_session_ticket12(const NewSessionTicket12& m, Writer& w) {
  w.u32(m.lifetime_hint);
  w.prefixed16(m.ticket);
}

// ---------------------------------------------------------------------------------------------------
// Finished: opaque verify_data[verify_data_length];

Status decode_finished(ByteView body, size_t expected_length, Finished* out) {
  if (body.size() != expected_length) return Error::decode("Finished: wrong length");
  out->verify_data = body.to_bytes();
  return Status();
}

Status decode_finished(ByteView body, size_t expected_length, ByteView* verify_data) {
  if (body.size() != expected_length) return Error::decode("Finished: wrong length");
  *verify_data = body;
  return Status();
}

void encode_finished(const Finished& m, Writer& w) { w.bytes(m.verify_data); }

}  // namespace sanstls
