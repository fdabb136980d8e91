#include "core/record.h"

#include "core/bytes.h"

namespace sanstls {

Status decode_record_header(ByteView in, RecordHeader* out) {
  Reader r(in);
  uint8_t type;
  uint16_t version, length;
  if (!r.u8(&type) || !r.u16(&version) || !r.u16(&length)) {
    return Error::decode("record header: truncated");
  }
  out->type = static_cast<ContentType>(type);
  out->version = version;
  out->length = length;
  return Status::ok_status();
}

Status check_record_header(const RecordHeader& h, size_t max_fragment) {
  switch (h.type) {
    case ContentType::change_cipher_spec:
    case ContentType::alert:
    case ContentType::handshake:
    case ContentType::application_data:
      break;
    default:
      return Error::unexpected("record: unknown content type");
  }
  if ((h.version >> 8) != 3) {
    return Error::incompatible(AlertDescription::protocol_version, "record: major version is not 3");
  }
  if (h.length > max_fragment) {
    return Error::misbehaved(AlertDescription::record_overflow, "record: too long");
  }
  return Status::ok_status();
}

void encode_record_header(const RecordHeader& h, uint8_t out[kRecordHeaderLength]) {
  out[0] = static_cast<uint8_t>(h.type);
  out[1] = static_cast<uint8_t>(h.version >> 8);
  out[2] = static_cast<uint8_t>(h.version);
  out[3] = static_cast<uint8_t>(h.length >> 8);
  out[4] = static_cast<uint8_t>(h.length);
}

void encode_record_header(const RecordHeader& h, Bytes* out) {
  uint8_t b[kRecordHeaderLength];
  encode_record_header(h, b);
  out->insert(out->end(), b, b + kRecordHeaderLength);
}

Status decode_change_cipher_spec(ByteView body) {
  Reader r(body);
  uint8_t v;
  if (!r.u8(&v) || !r.empty()) return Error::decode("ChangeCipherSpec: length is not 1");
  if (v != 1) return Error::decode("ChangeCipherSpec: value is not 1");
  return Status::ok_status();
}

void encode_change_cipher_spec(Bytes* out) { out->push_back(1); }

}  // namespace sanstls
