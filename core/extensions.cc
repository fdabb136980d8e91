// The extension table: one entry per extension sanstls parses, holding its parse and write functions
// for every message context it appears in (after BoringSSL's ssl/extensions.cc).
//
// Invariants the round trip rests on: every parser consumes the whole extension_data or fails (the
// caller checks that nothing is left), and each typed field stores exactly what its writer needs to
// give the same bytes back. Anything a parser could not re-encode exactly is rejected, never
// normalised (e.g. a server_name list with two host names; one with other name types is kept whole).
#include "core/extensions.h"

#include <algorithm>

#include "core/handshake.h"  // read_u16s, write_u16s

namespace sanstls {
namespace {

using Ctx = ExtContext;

constexpr uint8_t bit(Ctx c) { return static_cast<uint8_t>(1u << static_cast<uint8_t>(c)); }

constexpr uint8_t kCH = bit(Ctx::client_hello);
constexpr uint8_t kSH = bit(Ctx::server_hello);
constexpr uint8_t kEE = bit(Ctx::encrypted_extensions);
constexpr uint8_t kHRR = bit(Ctx::hello_retry_request);
constexpr uint8_t kCR = bit(Ctx::certificate_request);
constexpr uint8_t kNST = bit(Ctx::new_session_ticket);

// --- shared helpers ---------------------------------------------------------------------------------

// A non-empty list of 16-bit values with a 16-bit (or 8-bit) length prefix (write_u16s writes it).
bool read_u16_list(Reader& r, bool prefix8, std::vector<uint16_t>* out) {
  Reader list;
  if (prefix8 ? !r.prefixed8(&list) : !r.prefixed16(&list)) return false;
  return !list.empty() && read_u16s(list, out);
}

// Extensions whose body is one field, by that field: an optional is present when it holds a value, a
// flag when it is set.
template <auto F>
bool has_field(const Extensions& e, Ctx) {
  return static_cast<bool>(e.*F);
}

// An empty body sets a flag; a non-empty one fails the caller's trailing-bytes check.
template <bool Extensions::*F>
Status flag_parse(Ctx, Reader&, Extensions* e) {
  e->*F = true;
  return Status::ok_status();
}
void empty_write(Ctx, const Extensions&, Writer&) {}

// A non-empty list of 16-bit values with a 16-bit length prefix.
using U16List = std::optional<std::vector<uint16_t>>;
template <U16List Extensions::*F, const char* kMalformed>
Status u16_list_parse(Ctx, Reader& r, Extensions* e) {
  std::vector<uint16_t> v;
  if (!read_u16_list(r, false, &v)) return Error::decode(kMalformed);
  e->*F = std::move(v);
  return Status::ok_status();
}
template <U16List Extensions::*F>
void u16_list_write(Ctx, const Extensions& e, Writer& w) {
  write_u16s(w, false, *(e.*F));
}

// Opaque bytes with an 8- or 16-bit length prefix; kNonEmpty: the RFC's minimum length is 1, which the
// writer mirrors when kFailEmpty (so that whatever encodes, decodes).
template <std::optional<Bytes> Extensions::*F, bool kPrefix8, bool kNonEmpty, const char* kMalformed>
Status bytes_parse(Ctx, Reader& r, Extensions* e) {
  Bytes v;
  const bool read = kPrefix8 ? r.prefixed8(&v) : r.prefixed16(&v);
  if (!read || (kNonEmpty && v.empty())) return Error::decode(kMalformed);
  e->*F = std::move(v);
  return Status::ok_status();
}
template <std::optional<Bytes> Extensions::*F, bool kPrefix8, bool kFailEmpty>
void bytes_write(Ctx, const Extensions& e, Writer& w) {
  if (kFailEmpty && (e.*F)->empty()) w.fail();
  kPrefix8 ? w.prefixed8(*(e.*F)) : w.prefixed16(*(e.*F));
}

// --- extensions of one of the forms above (the table names the field) ------------------------------
//   u16 lists: supported_groups (RFC 8422 5.1.1, RFC 8446 4.2.7); signature_algorithms,
//     signature_algorithms_cert (RFC 8446 4.2.3).
//   8-bit-prefixed bytes: ec_point_formats (RFC 8422 5.1.2), non-empty; renegotiation_info (RFC 5746 3.2);
//     psk_key_exchange_modes (RFC 8446 4.2.9): PskKeyExchangeMode ke_modes<1..255>.
//   16-bit-prefixed bytes: cookie (RFC 8446 4.2.2): opaque cookie<1..2^16-1>.
//   empty: extended_master_secret (RFC 7627 5.1), encrypt_then_mac (RFC 7366 2), post_handshake_auth
//     (RFC 8446 4.2.6).

constexpr char kGroupsMalformed[] = "supported_groups: malformed";
constexpr char kSigalgsMalformed[] = "signature_algorithms: malformed";
constexpr char kSigalgsCertMalformed[] = "signature_algorithms_cert: malformed";
constexpr char kPointFormatsMalformed[] = "ec_point_formats: malformed";
constexpr char kRenegMalformed[] = "renegotiation_info: malformed";
constexpr char kModesMalformed[] = "psk_key_exchange_modes: malformed";
constexpr char kCookieMalformed[] = "cookie: malformed";

// --- server_name (RFC 6066 3) ----------------------------------------------------------------------

constexpr uint8_t kHostName = 0;

bool sni_present(const Extensions& e, Ctx ctx) {
  return e.server_name.has_value() || (ctx == Ctx::client_hello && !e.server_name_list.empty());
}

Status sni_parse(Ctx ctx, Reader& r, Extensions* e) {
  if (ctx != Ctx::client_hello) {  // the server's acknowledgement is empty
    e->server_name = std::string();
    return Status::ok_status();
  }
  Reader list;
  if (!r.prefixed16(&list) || list.empty()) return Error::decode("server_name: malformed");
  ByteView whole = list.rest();
  bool others = false;
  // RFC 6066 3: every entry is length-prefixed so that name types defined later can be skipped; one
  // name per type, so a second host_name is illegal_parameter.
  while (!list.empty()) {
    uint8_t type;
    ByteView name;
    if (!list.u8(&type) || !list.prefixed16(&name)) return Error::decode("server_name: malformed");
    if (type != kHostName) {
      others = true;
      continue;
    }
    if (name.empty()) return Error::decode("server_name: empty host_name");
    if (e->server_name) return Error::illegal("server_name: two host_names");
    e->server_name = name.to_string();
  }
  if (others) e->server_name_list = whole.to_bytes();
  return Status::ok_status();
}

void sni_write(Ctx ctx, const Extensions& e, Writer& w) {
  if (ctx != Ctx::client_hello) return;
  if (!e.server_name_list.empty()) {
    w.prefixed16(e.server_name_list);
    return;
  }
  Writer::Prefix list = w.begin16();
  w.u8(kHostName);
  w.prefixed16(ByteView::of(*e.server_name));
  w.end(list);
}

// --- application_layer_protocol_negotiation (RFC 7301 3.1) -----------------------------------------

Status alpn_parse(Ctx ctx, Reader& r, Extensions* e) {
  Reader list;
  if (!r.prefixed16(&list) || list.empty()) return Error::decode("alpn: malformed");
  std::vector<std::string> names;
  while (!list.empty()) {
    ByteView name;
    if (!list.prefixed8(&name) || name.empty()) return Error::decode("alpn: malformed name");
    names.push_back(name.to_string());
  }
  // The server's reply "MUST contain exactly one ProtocolName" (RFC 7301 3.1).
  if (ctx != Ctx::client_hello && names.size() != 1) return Error::decode("alpn: server sent not one name");
  e->alpn = std::move(names);
  return Status::ok_status();
}

void alpn_write(Ctx, const Extensions& e, Writer& w) {
  Writer::Prefix list = w.begin16();
  for (const std::string& n : *e.alpn) w.prefixed8(ByteView::of(n));
  w.end(list);
}

// --- session_ticket (RFC 5077 3.2) -----------------------------------------------------------------

Status ticket_parse(Ctx ctx, Reader& r, Extensions* e) {
  Bytes v;
  // ClientHello: the whole extension_data is the ticket. ServerHello: it must be empty, which the
  // caller's trailing-bytes check enforces.
  if (ctx == Ctx::client_hello && !r.copy(r.remaining(), &v)) return Error::decode("session_ticket");
  e->session_ticket = std::move(v);
  return Status::ok_status();
}

void ticket_write(Ctx ctx, const Extensions& e, Writer& w) {
  if (ctx == Ctx::client_hello) w.bytes(*e.session_ticket);
}

// --- record_size_limit (RFC 8449 4) ----------------------------------------------------------------

Status rsl_parse(Ctx, Reader& r, Extensions* e) {
  uint16_t v;
  if (!r.u16(&v)) return Error::decode("record_size_limit: malformed");
  // "An endpoint MUST treat receipt of a smaller value as a fatal error and generate an
  // illegal_parameter alert."
  if (v < 64) return Error::illegal("record_size_limit: below 64");
  e->record_size_limit = v;
  return Status::ok_status();
}

void rsl_write(Ctx, const Extensions& e, Writer& w) { w.u16(*e.record_size_limit); }

// --- supported_versions (RFC 8446 4.2.1) -----------------------------------------------------------

Status versions_parse(Ctx ctx, Reader& r, Extensions* e) {
  std::vector<uint16_t> v;
  if (ctx == Ctx::client_hello) {
    if (!read_u16_list(r, true, &v)) return Error::decode("supported_versions: malformed");
  } else {
    uint16_t one;
    if (!r.u16(&one)) return Error::decode("supported_versions: malformed");
    v.push_back(one);
  }
  e->supported_versions = std::move(v);
  return Status::ok_status();
}

void versions_write(Ctx ctx, const Extensions& e, Writer& w) {
  if (ctx == Ctx::client_hello) {
    write_u16s(w, true, *e.supported_versions);
  } else {
    for (uint16_t v : *e.supported_versions) w.u16(v);  // precondition: exactly one
  }
}

// --- key_share (RFC 8446 4.2.8) --------------------------------------------------------------------

bool ks_present(const Extensions& e, Ctx ctx) {
  return ctx == Ctx::hello_retry_request ? e.hrr_selected_group.has_value() : e.key_share.has_value();
}

bool read_key_share_entry(Reader& r, KeyShareEntry* out) {
  return r.u16(&out->group) && r.prefixed16(&out->key_exchange) && !out->key_exchange.empty();
}

Status ks_parse(Ctx ctx, Reader& r, Extensions* e) {
  if (ctx == Ctx::hello_retry_request) {
    uint16_t g;
    if (!r.u16(&g)) return Error::decode("key_share: malformed");
    e->hrr_selected_group = g;
    return Status::ok_status();
  }
  std::vector<KeyShareEntry> entries;
  if (ctx == Ctx::client_hello) {
    Reader list;
    if (!r.prefixed16(&list)) return Error::decode("key_share: malformed");
    while (!list.empty()) {
      KeyShareEntry k;
      if (!read_key_share_entry(list, &k)) return Error::decode("key_share: malformed entry");
      entries.push_back(std::move(k));
    }
  } else {
    KeyShareEntry k;
    if (!read_key_share_entry(r, &k)) return Error::decode("key_share: malformed entry");
    entries.push_back(std::move(k));
  }
  e->key_share = std::move(entries);
  return Status::ok_status();
}

void write_key_share_entry(Writer& w, const KeyShareEntry& k) {
  w.u16(k.group);
  w.prefixed16(k.key_exchange);
}

void ks_write(Ctx ctx, const Extensions& e, Writer& w) {
  if (ctx == Ctx::hello_retry_request) {
    w.u16(*e.hrr_selected_group);
  } else if (ctx == Ctx::client_hello) {
    Writer::Prefix list = w.begin16();
    for (const KeyShareEntry& k : *e.key_share) write_key_share_entry(w, k);
    w.end(list);
  } else {
    for (const KeyShareEntry& k : *e.key_share) write_key_share_entry(w, k);  // precondition: one
  }
}

// --- pre_shared_key (RFC 8446 4.2.11) ---------------------------------------------------------------
//   struct { opaque identity<1..2^16-1>; uint32 obfuscated_ticket_age; } PskIdentity;
//   opaque PskBinderEntry<32..255>;
//   struct { PskIdentity identities<7..2^16-1>; PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
//   ClientHello: OfferedPsks; ServerHello: uint16 selected_identity.

constexpr size_t kMinBinderLength = 32;

bool psk_present(const Extensions& e, Ctx ctx) {
  return ctx == Ctx::client_hello ? e.pre_shared_key.has_value() : e.psk_selected_identity.has_value();
}

Status psk_parse(Ctx ctx, Reader& r, Extensions* e) {
  if (ctx != Ctx::client_hello) {
    uint16_t selected;
    if (!r.u16(&selected)) return Error::decode("pre_shared_key: malformed");
    e->psk_selected_identity = selected;
    return Status::ok_status();
  }
  OfferedPsks psks;
  Reader ids, binders;
  if (!r.prefixed16(&ids) || ids.empty()) return Error::decode("pre_shared_key: malformed identities");
  while (!ids.empty()) {
    PskIdentity id;
    if (!ids.prefixed16(&id.identity) || id.identity.empty() || !ids.u32(&id.obfuscated_ticket_age)) {
      return Error::decode("pre_shared_key: malformed identity");
    }
    psks.identities.push_back(std::move(id));
  }
  if (!r.prefixed16(&binders) || binders.empty()) return Error::decode("pre_shared_key: malformed binders");
  while (!binders.empty()) {
    Bytes binder;
    if (!binders.prefixed8(&binder) || binder.size() < kMinBinderLength) {
      return Error::decode("pre_shared_key: malformed binder");
    }
    psks.binders.push_back(std::move(binder));
  }
  if (psks.binders.size() != psks.identities.size()) {
    return Error::illegal("pre_shared_key: identities and binders differ in number");
  }
  e->pre_shared_key = std::move(psks);
  return Status::ok_status();
}

void psk_write(Ctx ctx, const Extensions& e, Writer& w) {
  if (ctx != Ctx::client_hello) {
    w.u16(*e.psk_selected_identity);
    return;
  }
  const OfferedPsks& psks = *e.pre_shared_key;
  // Mirror the decoder so that whatever encodes, decodes.
  if (psks.identities.empty() || psks.identities.size() != psks.binders.size()) w.fail();
  Writer::Prefix ids = w.begin16();
  for (const PskIdentity& id : psks.identities) {
    if (id.identity.empty()) w.fail();
    w.prefixed16(id.identity);
    w.u32(id.obfuscated_ticket_age);
  }
  w.end(ids);
  Writer::Prefix binders = w.begin16();
  for (const Bytes& b : psks.binders) {
    if (b.size() < kMinBinderLength) w.fail();
    w.prefixed8(b);
  }
  w.end(binders);
}

// --- early_data (RFC 8446 4.2.10): empty, or uint32 max_early_data_size in NewSessionTicket ---------

bool early_present(const Extensions& e, Ctx ctx) {
  return ctx == Ctx::new_session_ticket ? e.max_early_data_size.has_value() : e.early_data;
}

Status early_parse(Ctx ctx, Reader& r, Extensions* e) {
  if (ctx != Ctx::new_session_ticket) return flag_parse<&Extensions::early_data>(ctx, r, e);
  uint32_t max;
  if (!r.u32(&max)) return Error::decode("early_data: malformed");
  e->max_early_data_size = max;
  return Status::ok_status();
}

void early_write(Ctx ctx, const Extensions& e, Writer& w) {
  if (ctx == Ctx::new_session_ticket) w.u32(*e.max_early_data_size);
}

// --- certificate_authorities (RFC 8446 4.2.4) --------------------------------------------------------
//   opaque DistinguishedName<1..2^16-1>; DistinguishedName authorities<3..2^16-1>;

Status ca_parse(Ctx, Reader& r, Extensions* e) {
  Reader list;
  if (!r.prefixed16(&list) || list.empty()) return Error::decode("certificate_authorities: malformed");
  std::vector<Bytes> names;
  while (!list.empty()) {
    Bytes dn;
    if (!list.prefixed16(&dn) || dn.empty()) return Error::decode("certificate_authorities: malformed name");
    names.push_back(std::move(dn));
  }
  e->certificate_authorities = std::move(names);
  return Status::ok_status();
}

void ca_write(Ctx, const Extensions& e, Writer& w) {
  if (e.certificate_authorities->empty()) w.fail();
  Writer::Prefix list = w.begin16();
  for (const Bytes& dn : *e.certificate_authorities) {
    if (dn.empty()) w.fail();
    w.prefixed16(dn);
  }
  w.end(list);
}

// --- the table --------------------------------------------------------------------------------------

struct Handler {
  ExtensionType type;
  uint8_t contexts;  // bit(ExtContext) of every message this entry parses and writes
  bool (*present)(const Extensions&, Ctx);
  // Parses extension_data from r; the caller then requires r to be empty.
  Status (*parse)(Ctx, Reader& r, Extensions*);
  // Writes extension_data (without its length prefix). Called only when present().
  void (*write)(Ctx, const Extensions&, Writer&);
};

// Table order is the encoding order when Extensions::order does not apply.
using E = Extensions;
constexpr Handler kHandlers[] = {
    {ExtensionType::server_name, kCH | kSH | kEE, sni_present, sni_parse, sni_write},
    {ExtensionType::renegotiation_info, kCH | kSH, has_field<&E::renegotiation_info>,
     bytes_parse<&E::renegotiation_info, true, false, kRenegMalformed>,
     bytes_write<&E::renegotiation_info, true, false>},
    {ExtensionType::supported_versions, kCH | kSH | kHRR, has_field<&E::supported_versions>, versions_parse,
     versions_write},
    {ExtensionType::supported_groups, kCH | kEE, has_field<&E::supported_groups>,
     u16_list_parse<&E::supported_groups, kGroupsMalformed>, u16_list_write<&E::supported_groups>},
    {ExtensionType::ec_point_formats, kCH | kSH, has_field<&E::ec_point_formats>,
     bytes_parse<&E::ec_point_formats, true, true, kPointFormatsMalformed>,
     bytes_write<&E::ec_point_formats, true, false>},
    {ExtensionType::key_share, kCH | kSH | kHRR, ks_present, ks_parse, ks_write},
    {ExtensionType::signature_algorithms, kCH | kCR, has_field<&E::signature_algorithms>,
     u16_list_parse<&E::signature_algorithms, kSigalgsMalformed>, u16_list_write<&E::signature_algorithms>},
    {ExtensionType::signature_algorithms_cert, kCH | kCR, has_field<&E::signature_algorithms_cert>,
     u16_list_parse<&E::signature_algorithms_cert, kSigalgsCertMalformed>,
     u16_list_write<&E::signature_algorithms_cert>},
    {ExtensionType::application_layer_protocol_negotiation, kCH | kSH | kEE, has_field<&E::alpn>, alpn_parse,
     alpn_write},
    {ExtensionType::session_ticket, kCH | kSH, has_field<&E::session_ticket>, ticket_parse, ticket_write},
    {ExtensionType::extended_master_secret, kCH | kSH, has_field<&E::extended_master_secret>,
     flag_parse<&E::extended_master_secret>, empty_write},
    {ExtensionType::encrypt_then_mac, kCH | kSH, has_field<&E::encrypt_then_mac>, flag_parse<&E::encrypt_then_mac>,
     empty_write},
    {ExtensionType::record_size_limit, kCH | kSH | kEE, has_field<&E::record_size_limit>, rsl_parse, rsl_write},
    {ExtensionType::psk_key_exchange_modes, kCH, has_field<&E::psk_key_exchange_modes>,
     bytes_parse<&E::psk_key_exchange_modes, true, true, kModesMalformed>,
     bytes_write<&E::psk_key_exchange_modes, true, true>},
    {ExtensionType::early_data, kCH | kEE | kNST, early_present, early_parse, early_write},
    {ExtensionType::cookie, kCH | kHRR, has_field<&E::cookie>,
     bytes_parse<&E::cookie, false, true, kCookieMalformed>, bytes_write<&E::cookie, false, true>},
    {ExtensionType::post_handshake_auth, kCH, has_field<&E::post_handshake_auth>,
     flag_parse<&E::post_handshake_auth>, empty_write},
    {ExtensionType::certificate_authorities, kCH | kCR, has_field<&E::certificate_authorities>, ca_parse, ca_write},
    // Last: in table order it is written after `unknown` too (a ClientHello needs it last).
    {ExtensionType::pre_shared_key, kCH | kSH, psk_present, psk_parse, psk_write},
};
constexpr size_t kNumHandlers = sizeof(kHandlers) / sizeof(kHandlers[0]);

// Every type in the table is below 64 but renegotiation_info; each appears once. The entry of each type,
// by type (kNumHandlers: none), made at compile time so that a look-up is one load, not a scan of the
// table (the engine asks for every type up to 63 when it records what its ClientHello offered).
constexpr size_t kDirectTypes = 64;
constexpr uint16_t kRenegType = static_cast<uint16_t>(ExtensionType::renegotiation_info);
struct HandlerIndex {
  uint8_t by_type[kDirectTypes] = {};
  uint8_t reneg = 0;
};
constexpr HandlerIndex make_handler_index() {
  HandlerIndex x;
  for (size_t t = 0; t < kDirectTypes; t++) x.by_type[t] = static_cast<uint8_t>(kNumHandlers);
  x.reneg = static_cast<uint8_t>(kNumHandlers);
  for (size_t i = 0; i < kNumHandlers; i++) {
    const auto type = static_cast<uint16_t>(kHandlers[i].type);
    if (type < kDirectTypes) x.by_type[type] = static_cast<uint8_t>(i);
    if (type == kRenegType) x.reneg = static_cast<uint8_t>(i);
  }
  return x;
}
constexpr HandlerIndex kHandlerIndex = make_handler_index();
// The entry of `type` in any context, or kNumHandlers.
constexpr size_t handler_of(uint16_t type) {
  if (type < kDirectTypes) return kHandlerIndex.by_type[type];
  return type == kRenegType ? kHandlerIndex.reneg : kNumHandlers;
}
constexpr bool index_covers_table() {
  for (size_t i = 0; i < kNumHandlers; i++) {
    // A type out of the index's reach, or listed twice, fails.
    if (handler_of(static_cast<uint16_t>(kHandlers[i].type)) != i) return false;
  }
  return true;
}
static_assert(index_covers_table(), "every handler is found through kHandlerIndex");

// The index of the entry handling `type` in `ctx`, or kNumHandlers.
size_t find_handler(uint16_t type, Ctx ctx) {
  const size_t i = handler_of(type);
  if (i < kNumHandlers && (kHandlers[i].contexts & bit(ctx)) != 0) return i;
  return kNumHandlers;
}

constexpr uint16_t kPskType = static_cast<uint16_t>(ExtensionType::pre_shared_key);
// The pre_shared_key entry (the same one serves every context it appears in).
size_t psk_handler() { return find_handler(kPskType, Ctx::client_hello); }

bool present(size_t i, const Extensions& e, Ctx ctx) {
  return (kHandlers[i].contexts & bit(ctx)) != 0 && kHandlers[i].present(e, ctx);
}

void write_one(Writer& w, uint16_t type, ByteView raw) {
  w.u16(type);
  w.prefixed16(raw);
}

void write_typed(Writer& w, size_t i, const Extensions& e, Ctx ctx) {
  w.u16(static_cast<uint16_t>(kHandlers[i].type));
  Writer::Prefix p = w.begin16();
  kHandlers[i].write(ctx, e, w);
  w.end(p);
}

// True when e.order lists exactly the extensions encode would write for ctx: each typed one once and
// the raw ones in the order of e.unknown.
bool order_applies(const Extensions& e, Ctx ctx) {
  bool seen[kNumHandlers] = {};
  size_t next_raw = 0;
  for (uint16_t type : e.order) {
    size_t i = find_handler(type, ctx);
    if (i < kNumHandlers) {
      if (seen[i] || !kHandlers[i].present(e, ctx)) return false;
      seen[i] = true;
    } else {
      if (next_raw >= e.unknown.size() || e.unknown[next_raw].type != type) return false;
      next_raw++;
    }
  }
  if (next_raw != e.unknown.size()) return false;
  for (size_t i = 0; i < kNumHandlers; i++) {
    if (!seen[i] && present(i, e, ctx)) return false;
  }
  // RFC 8446 4.2.11: in a ClientHello, pre_shared_key "MUST be the last extension".
  if (ctx == Ctx::client_hello && present(psk_handler(), e, ctx) && e.order.back() != kPskType) return false;
  return true;
}

}  // namespace

size_t psk_binders_size(const OfferedPsks& psks) {
  size_t n = 2;
  for (const Bytes& b : psks.binders) n += 1 + b.size();
  return n;
}

const char* ext_context_name(ExtContext c) {
  switch (c) {
    case Ctx::client_hello: return "client_hello";
    case Ctx::server_hello: return "server_hello";
    case Ctx::encrypted_extensions: return "encrypted_extensions";
    case Ctx::hello_retry_request: return "hello_retry_request";
    case Ctx::certificate_request: return "certificate_request";
    case Ctx::new_session_ticket: return "new_session_ticket";
    case Ctx::certificate: return "certificate";
  }
  return "unknown";
}

const RawExtension* Extensions::find_unknown(uint16_t type) const {
  for (const RawExtension& r : unknown) {
    if (r.type == type) return &r;
  }
  return nullptr;
}

bool Extensions::has(uint16_t type, ExtContext ctx) const {
  size_t i = find_handler(type, ctx);
  if (i < kNumHandlers) return kHandlers[i].present(*this, ctx);
  return find_unknown(type) != nullptr;
}

void Extensions::present_types(ExtContext ctx, std::vector<uint16_t>* out) const {
  uint64_t types = 0;
  for (size_t i = 0; i < kNumHandlers; i++) {
    const auto type = static_cast<uint16_t>(kHandlers[i].type);
    if (type < kDirectTypes && present(i, *this, ctx)) types |= uint64_t{1} << type;
  }
  // A raw extension counts only where has() looks at the raw ones: a type with no entry for ctx.
  for (const RawExtension& r : unknown)
    if (r.type < kDirectTypes && find_handler(r.type, ctx) == kNumHandlers) types |= uint64_t{1} << r.type;
  out->reserve(out->size() + static_cast<size_t>(__builtin_popcountll(types)) + 1);  // one allocation
  for (uint16_t t = 0; t < kDirectTypes; t++)
    if ((types >> t) & 1) out->push_back(t);
  if (has(kRenegType, ctx)) out->push_back(kRenegType);
}

Status decode_extensions(ByteView block, ExtContext ctx, Extensions* out) {
  *out = Extensions();
  // One allocation for `order`: an extension takes at least its 4-byte header.
  out->order.reserve(block.size() / 4);
  Reader r(block);
  while (!r.empty()) {
    uint16_t type;
    Reader body;
    if (!r.u16(&type) || !r.prefixed16(&body)) return Error::decode("extensions: truncated");
    out->order.push_back(type);
    // RFC 8446 4.2.11: "The "pre_shared_key" extension MUST be the last extension in the ClientHello
    // ... Servers MUST check that it is the last extension and otherwise fail the handshake with an
    // "illegal_parameter" alert."
    if (ctx == Ctx::client_hello && type == kPskType && !r.empty()) {
      return Error::illegal("pre_shared_key: not the last extension");
    }
    size_t i = find_handler(type, ctx);
    if (i == kNumHandlers) {
      out->unknown.push_back(RawExtension{type, body.rest().to_bytes()});
      continue;
    }
    SANSTLS_TRY(kHandlers[i].parse(ctx, body, out));
    if (!body.empty()) return Error::decode("extension: trailing bytes");
  }
  // "There MUST NOT be more than one extension of the same type" (RFC 8446 4.2, RFC 5246 7.4.1.4).
  // Checked once at the end: with a bit per type when every type is below 64 or renegotiation_info (what
  // real peers send), else in O(n log n), since a block can hold 16,000 empty extensions.
  uint64_t seen = 0;
  bool reneg_seen = false, small = true;
  for (uint16_t type : out->order) {
    if (type < kDirectTypes) {
      const uint64_t b = uint64_t{1} << type;
      if ((seen & b) != 0) return Error::decode("extensions: duplicate type");
      seen |= b;
    } else if (type == kRenegType) {
      if (reneg_seen) return Error::decode("extensions: duplicate type");
      reneg_seen = true;
    } else {
      small = false;
      break;
    }
  }
  if (small) return Status::ok_status();
  std::vector<uint16_t> sorted = out->order;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return Error::decode("extensions: duplicate type");
  }
  return Status::ok_status();
}

void encode_extensions(const Extensions& e, ExtContext ctx, Writer& w) {
  Writer::Prefix block = w.begin16();
  if (order_applies(e, ctx)) {
    size_t next_raw = 0;
    for (uint16_t type : e.order) {
      size_t i = find_handler(type, ctx);
      if (i < kNumHandlers) {
        write_typed(w, i, e, ctx);
      } else {
        write_one(w, type, e.unknown[next_raw].data);
        next_raw++;
      }
    }
  } else {
    const size_t psk = psk_handler();
    for (size_t i = 0; i < kNumHandlers; i++) {
      if (i != psk && present(i, e, ctx)) write_typed(w, i, e, ctx);
    }
    for (const RawExtension& raw : e.unknown) write_one(w, raw.type, raw.data);
    if (present(psk, e, ctx)) write_typed(w, psk, e, ctx);
  }
  w.end(block);
}

bool is_valid_host_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char ch : name) {
    if (ch == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                    ch == '_';
    if (!ok || ++label > 63) return false;
  }
  return label != 0;
}

}  // namespace sanstls
