#include "core/handshake13.h"

#include "core/handshake.h"
#include "core/wire.h"

// Implementation notes: as in handshake.cc, one Reader over the body; every length-prefixed vector is
// read as a child and every structure ends with an empty() check so that trailing bytes are refused.
// Extension blocks are read as a 16-bit child and handed to decode_extensions; encode_extensions
// writes the block with its own 16-bit length. Encoders mirror the decoders' range checks by failing
// the writer.

namespace sanstls {

namespace {

// A 16-bit extension block that is the last field of `r`'s structure.
Status read_extensions(Reader& r, ExtContext ctx, Extensions* out, const char* malformed) {
  Reader block;
  if (!r.prefixed16(&block)) return Error::decode(malformed);
  return decode_extensions(block.rest(), ctx, out);
}

constexpr size_t kMaxRequestContext = 255;

}  // namespace

// ---------------------------------------------------------------------------------------------------
// EncryptedExtensions

Status decode_encrypted_extensions(ByteView body, EncryptedExtensions* out) {
  Reader r(body);
  SANSTLS_TRY(read_extensions(r, ExtContext::encrypted_extensions, &out->extensions,
                              "EncryptedExtensions: truncated"));
  if (!r.empty()) return Error::decode("EncryptedExtensions: trailing bytes");
  return Status();
}

void encode_encrypted_extensions(const EncryptedExtensions& m, Writer& w) {
  encode_extensions(m.extensions, ExtContext::encrypted_extensions, w);
}

// ---------------------------------------------------------------------------------------------------
// Certificate (TLS 1.3)

Status decode_certificate13(ByteView body, CertificateMsg13* out) {
  Reader r(body);
  Reader list;
  if (!r.prefixed8(&out->request_context) || !r.prefixed24(&list)) return Error::decode("Certificate: truncated");
  if (!r.empty()) return Error::decode("Certificate: trailing bytes");
  out->entries.clear();
  out->entries.reserve(certificate_entries_ahead(list, true));
  while (!list.empty()) {
    CertificateEntry entry;
    if (!list.prefixed24(&entry.cert_data)) return Error::decode("Certificate: truncated entry");
    if (entry.cert_data.empty()) return Error::decode("Certificate: empty cert_data");
    SANSTLS_TRY(read_extensions(list, ExtContext::certificate, &entry.extensions,
                                "Certificate: truncated entry extensions"));
    out->entries.push_back(std::move(entry));
  }
  return Status();
}

void encode_certificate13(const CertificateMsg13& m, Writer& w) {
  if (m.request_context.size() > kMaxRequestContext) w.fail();
  w.prefixed8(m.request_context);
  Writer::Prefix list = w.begin24();
  for (const CertificateEntry& entry : m.entries) {
    if (entry.cert_data.empty()) w.fail();
    w.prefixed24(entry.cert_data);
    encode_extensions(entry.extensions, ExtContext::certificate, w);
  }
  w.end(list);
}

// ---------------------------------------------------------------------------------------------------
// CertificateRequest (TLS 1.3)

Status decode_certificate_request13(ByteView body, CertificateRequest13* out) {
  Reader r(body);
  if (!r.prefixed8(&out->request_context)) return Error::decode("CertificateRequest: truncated");
  SANSTLS_TRY(read_extensions(r, ExtContext::certificate_request, &out->extensions,
                              "CertificateRequest: truncated"));
  if (!r.empty()) return Error::decode("CertificateRequest: trailing bytes");
  if (!out->extensions.signature_algorithms) {
    return Error::misbehaved(AlertDescription::missing_extension, "CertificateRequest: no signature_algorithms");
  }
  return Status();
}

void encode_certificate_request13(const CertificateRequest13& m, Writer& w) {
  if (m.request_context.size() > kMaxRequestContext || !m.extensions.signature_algorithms) w.fail();
  w.prefixed8(m.request_context);
  encode_extensions(m.extensions, ExtContext::certificate_request, w);
}

// ---------------------------------------------------------------------------------------------------
// NewSessionTicket (TLS 1.3)

Status decode_new_session_ticket13(ByteView body, NewSessionTicket13* out) {
  Reader r(body);
  if (!r.u32(&out->lifetime) || !r.u32(&out->age_add) || !r.prefixed8(&out->nonce) ||
      !r.prefixed16(&out->ticket)) {
    return Error::decode("NewSessionTicket: truncated");
  }
  if (out->ticket.empty()) return Error::decode("NewSessionTicket: empty ticket");
  SANSTLS_TRY(read_extensions(r, ExtContext::new_session_ticket, &out->extensions,
                              "NewSessionTicket: truncated"));
  if (!r.empty()) return Error::decode("NewSessionTicket: trailing bytes");
  return Status();
}

void encode_new_session_ticket13(const NewSessionTicket13& m, Writer& w) {
  if (m.nonce.size() > kMaxRequestContext || m.ticket.empty()) w.fail();
  w.u32(m.lifetime);
  w.u32(m.age_add);
  w.prefixed8(m.nonce);
  w.prefixed16(m.ticket);
  encode_extensions(m.extensions, ExtContext::new_session_ticket, w);
}

// ---------------------------------------------------------------------------------------------------
// KeyUpdate, EndOfEarlyData

Status decode_key_update(ByteView body, KeyUpdate* out) {
  Reader r(body);
  if (!r.u8(&out->request_update)) return Error::decode("KeyUpdate: truncated");
  if (!r.empty()) return Error::decode("KeyUpdate: trailing bytes");
  if (out->request_update != kKeyUpdateNotRequested && out->request_update != kKeyUpdateRequested) {
    return Error::illegal("KeyUpdate: request_update not 0 or 1");
  }
  return Status();
}

void encode_key_update(const KeyUpdate& m, Writer& w) {
  if (m.request_update != kKeyUpdateNotRequested && m.request_update != kKeyUpdateRequested) w.fail();
  w.u8(m.request_update);
}

Status decode_end_of_early_data(ByteView body) {
  if (!body.empty()) return Error::decode("EndOfEarlyData: not empty");
  return Status();
}

// ---------------------------------------------------------------------------------------------------
// Helpers

Bytes message_hash_message(ByteView hash) {
  Bytes out;
  out.reserve(kHandshakeHeaderLength + hash.size());
  Writer w(&out);
  w.u8(static_cast<uint8_t>(HandshakeType::message_hash));
  w.u24(static_cast<uint32_t>(hash.size()));
  w.bytes(hash);
  return out;
}

Bytes certificate_verify_input(bool server, ByteView transcript_hash) {
  static const char kServer[] = "TLS 1.3, server CertificateVerify";
  static const char kClient[] = "TLS 1.3, client CertificateVerify";
  Bytes out;
  // Sized at once (the Writer would grow it from 64 bytes twice).
  out.reserve(64 + sizeof(kServer) - 1 + 1 + transcript_hash.size());
  out.assign(64, 0x20);
  Writer w(&out);
  w.bytes(ByteView::of(server ? kServer : kClient));
  w.u8(0);
  w.bytes(transcript_hash);
  return out;
}

}  // namespace sanstls
