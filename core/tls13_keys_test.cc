// Tests of core/tls13_keys: the TLS 1.3 key schedule against RFC 8448 ("Example Handshake Traces for
// TLS 1.3"), computed from the trace's inputs: the x25519 private keys (the shared secret is computed
// here), the handshake messages (the transcript hashes are computed here), and the NewSessionTicket
// (its nonce). Every secret, key, iv, Finished key and verify_data the RFC prints for section 3
// ("Simple 1-RTT Handshake") and section 4 ("Resumed 0-RTT Handshake", including the PSK binder over
// the truncated ClientHello) is checked. The messages are the RFC's octets (they are also quoted by
// the RFC 8448 tests of Erlang/OTP's ssl and Bouncy Castle, which agree with the values below).
//
// Values not in RFC 8448 come from OpenSSL 3.0 (independent implementation), recorded once:
//   - the exporter: `openssl s_server -tls1_3 -ciphersuites S` with `openssl s_client -tls1_3
//     -ciphersuites S -keymatexport "EXPERIMENTAL sanstls" -keymatexportlen 40 -keylogfile F`: the
//     EXPORTER_SECRET line of F and the "Keying material" that s_client printed;
//   - "traffic upd": `openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt mode:EXPAND_ONLY -kdfopt
//     hexkey:<RFC 8448 client_application_traffic_secret_0> -kdfopt
//     hexinfo:002011746c73313320747261666669632075706400 HKDF` (the HkdfLabel written by hand).
#include "core/tls13_keys.h"

#include <doctest/doctest.h>

#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/record.h"
#include "crypto/crypto.h"

namespace sanstls {
namespace {

using crypto::AeadAlg;
using crypto::HashAlg;

const crypto::Provider& P() { return crypto::default_provider(); }

Bytes cat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes sha256(ByteView b) { return crypto::hash_once(P(), HashAlg::sha256, b); }

// A generator that returns given bytes (to inject the RFC's private keys); aborts the test when asked
// for more than it holds.
class FixedRng : public crypto::Rng {
 public:
  explicit FixedRng(Bytes b) : bytes_(std::move(b)) {}
  void fill(uint8_t* out, size_t n) override {
    REQUIRE(pos_ + n <= bytes_.size());
    std::memcpy(out, bytes_.data() + pos_, n);
    pos_ += n;
  }

 private:
  Bytes bytes_;
  size_t pos_ = 0;
};

// The x25519 shared secret of our private key and the peer's public key, through the provider.
Bytes x25519(const std::string& our_private_hex, const std::string& our_public_hex, const std::string& peer_public_hex) {
  FixedRng rng(hex(our_private_hex));
  auto share = P().generate_key_share(crypto::Group::x25519, rng);
  REQUIRE(share != nullptr);
  CHECK(to_hex(share->public_value()) == to_hex(hex(our_public_hex)));
  Bytes out;
  REQUIRE(share->shared_secret(hex(peer_public_hex), &out) == crypto::Status::ok);
  return out;
}

std::string H(ByteView b) { return to_hex(b); }

Result<OpenedRecord> open_rec(RecordProtection& p, Bytes& rec) {
  RecordHeader h;
  REQUIRE(decode_record_header(rec, &h).ok());
  return p.open(h, rec.data() + kRecordHeaderLength, rec.size() - kRecordHeaderLength);
}

// ---------------------------------------------------------------------------------------------------
// RFC 8448 section 3: Simple 1-RTT Handshake (TLS_AES_128_GCM_SHA256, x25519).

const char* const k3ClientHello =
    "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000"
    "000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024"
    "001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e0403"
    "05030603020308040805080604010501060102010402050206020202002d00020101001c00024001";
const char* const k3ServerHello =
    "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020"
    "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";
const char* const k3EncryptedExtensions =
    "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000";
const char* const k3Certificate =
    "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a0603550403"
    "1303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a060355040313037273"
    "6130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1"
    "bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63"
    "264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f"
    "1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381"
    "810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b"
    "80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8"
    "b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000";
const char* const k3CertificateVerify =
    "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a"
    "078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95"
    "b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3";
const char* const k3ServerFinished = "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
const char* const k3ClientFinished = "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";
const char* const k3NewSessionTicket =
    "040000c90000001efad6aac502000000b22c035d829359ee5ff7af4ec900000000262a6494dc486d2c8a34cb33fa90bf1b0070ad"
    "3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd36d64e861be7fd61d2827db279cce145077d4"
    "54a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b3f7d8f92f228bda40dda721470f9fbf297b5"
    "aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093934ae4d3570008002a000400000400";

// The ticket_nonce of a NewSessionTicket message (RFC 8446 4.6.1), read with the bounds-checked reader.
Bytes ticket_nonce(ByteView nst) {
  Reader r(nst);
  uint8_t type = 0;
  uint32_t len = 0, lifetime = 0, age_add = 0;
  Reader body;
  Bytes nonce;
  REQUIRE(r.u8(&type));
  REQUIRE(type == 4);
  REQUIRE(r.u24(&len));
  REQUIRE(len == r.remaining());
  REQUIRE(r.u32(&lifetime));
  REQUIRE(r.u32(&age_add));
  REQUIRE(r.prefixed8(&nonce));
  return nonce;
}

// The PSK that section 3's ticket yields; section 4 starts from it.
Bytes section3_psk() {
  return tls13_resumption_psk(P(), HashAlg::sha256,
                              hex("7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c"),
                              ticket_nonce(hex(k3NewSessionTicket)));
}

TEST_CASE("RFC 8448 3: every secret, key, iv and Finished of the 1-RTT handshake") {
  const HashAlg h = HashAlg::sha256;
  const CipherSuite* suite = find_suite(0x1301);
  REQUIRE(suite != nullptr);
  REQUIRE(suite->prf_hash == h);
  AeadAlg aead;
  REQUIRE(tls13_aead(*suite, &aead));
  CHECK(aead == AeadAlg::aes_128_gcm);

  // {client}/{server} create an ephemeral x25519 key pair; both sides compute the same secret.
  const Bytes shared = x25519("49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005",
                              "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c",
                              "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f");
  CHECK(H(shared) == "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d");
  CHECK(H(shared) == H(x25519("b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e",
                              "c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f",
                              "99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c")));

  const Bytes ch = hex(k3ClientHello), sh = hex(k3ServerHello), ee = hex(k3EncryptedExtensions),
              cert = hex(k3Certificate), cv = hex(k3CertificateVerify), sfin = hex(k3ServerFinished),
              cfin = hex(k3ClientFinished);
  REQUIRE(ch.size() == 196);
  REQUIRE(sh.size() == 90);
  REQUIRE(cert.size() == 445);
  REQUIRE(cv.size() == 136);

  KeySchedule13 ks(P(), h);
  CHECK(ks.stage() == KeySchedule13::Stage::initial);
  CHECK(ks.hash_length() == 32);
  // {server} extract secret "early" (no PSK).
  ks.early(ByteView());
  CHECK(H(ks.current_secret_for_testing()) == "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
  // {server} extract secret "handshake".
  ks.handshake(shared);
  CHECK(ks.stage() == KeySchedule13::Stage::handshake);
  CHECK(H(ks.current_secret_for_testing()) == "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");

  const Bytes hello_hash = sha256(cat({ch, sh}));
  CHECK(H(hello_hash) == "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8");
  const Bytes c_hs = ks.client_handshake_traffic_secret(hello_hash).view().to_bytes();
  const Bytes s_hs = ks.server_handshake_traffic_secret(hello_hash).view().to_bytes();
  CHECK(H(c_hs) == "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
  CHECK(H(s_hs) == "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");

  // {server} derive write traffic keys for handshake data; {client} the same for its own.
  TrafficKeys13 k = tls13_traffic_keys(P(), h, aead, s_hs);
  CHECK(H(k.key) == "3fce516009c21727d0f2e4e86ee403bc");
  CHECK(H(k.iv) == "5d313eb2671276ee13000b30");
  k = tls13_traffic_keys(P(), h, aead, c_hs);
  CHECK(H(k.key) == "dbfaa693d1762c5b666af5d950258d01");
  CHECK(H(k.iv) == "5bd3c71b836e0b76bb73265f");

  // {server} extract secret "master".
  ks.master();
  CHECK(H(ks.current_secret_for_testing()) == "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");

  // {server} calculate finished "tls13 finished" over ClientHello..CertificateVerify.
  const Bytes to_cv = sha256(cat({ch, sh, ee, cert, cv}));
  CHECK(H(tls13_finished_key(P(), h, s_hs)) == "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8");
  const Bytes s_verify = tls13_verify_data(P(), h, s_hs, to_cv);
  CHECK(H(s_verify) == "9b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718");
  CHECK(ByteView(sfin).sub(4) == ByteView(s_verify));

  // {server} derive secret "tls13 c ap traffic" / "s ap traffic" / "exp master" (CH..server Finished).
  const Bytes to_sfin = sha256(cat({ch, sh, ee, cert, cv, sfin}));
  CHECK(H(to_sfin) == "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13");
  const Bytes c_ap = ks.client_application_traffic_secret(to_sfin).view().to_bytes();
  const Bytes s_ap = ks.server_application_traffic_secret(to_sfin).view().to_bytes();
  CHECK(H(c_ap) == "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
  CHECK(H(s_ap) == "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
  CHECK(H(ks.exporter_master_secret(to_sfin)) == "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50");
  k = tls13_traffic_keys(P(), h, aead, s_ap);
  CHECK(H(k.key) == "9f02283b6c9c07efc26bb9f2ac92e356");
  CHECK(H(k.iv) == "cf782b88dd83549aadf1e984");
  k = tls13_traffic_keys(P(), h, aead, c_ap);
  CHECK(H(k.key) == "17422dda596ed5d9acd890e3c63f5051");
  CHECK(H(k.iv) == "5b78923dee08579033e523d9");

  // {client} calculate finished "tls13 finished" over ClientHello..server Finished.
  CHECK(H(tls13_finished_key(P(), h, c_hs)) == "b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4");
  const Bytes c_verify = tls13_verify_data(P(), h, c_hs, to_sfin);
  CHECK(H(c_verify) == "a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61");
  CHECK(ByteView(cfin).sub(4) == ByteView(c_verify));

  // {server} derive secret "tls13 res master" (CH..client Finished), then the ticket's PSK.
  const Bytes to_cfin = sha256(cat({ch, sh, ee, cert, cv, sfin, cfin}));
  CHECK(H(to_cfin) == "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d");
  const Bytes res = ks.resumption_master_secret(to_cfin).view().to_bytes();
  CHECK(H(res) == "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c");
  CHECK(H(ticket_nonce(hex(k3NewSessionTicket))) == "0000");
  CHECK(H(tls13_resumption_psk(P(), h, res, hex("0000"))) ==
        "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3");
  CHECK(section3_psk() == tls13_resumption_psk(P(), h, res, hex("0000")));

  // KeyUpdate of the client's application secret (OpenSSL's HKDF; see the header).
  CHECK(H(tls13_next_traffic_secret(P(), h, c_ap)) ==
        "fcdfcc72725aaee48bf64e4fd8b749cdbdbab39d90da0b26e2245ca6ea167207");
}

TEST_CASE("RFC 8448 3: tls13_protection opens the trace's records and seals them back") {
  const CipherSuite* suite = find_suite(0x1301);
  REQUIRE(suite != nullptr);
  const Bytes c_hs = hex("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
  // {client} send handshake record: the Finished under the client handshake traffic keys.
  const Bytes record = hex(
      "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867"
      "d726c40546");
  Result<RecordProtection> rx = tls13_protection(P(), *suite, c_hs);
  REQUIRE_MESSAGE(rx.ok(), rx.error().to_string());
  Bytes rec = record;
  Result<OpenedRecord> r = open_rec(rx.value(), rec);
  REQUIRE_MESSAGE(r.ok(), r.error().to_string());
  CHECK(r.value().type == ContentType::handshake);
  CHECK(H(r.value().plaintext) == k3ClientFinished);

  Result<RecordProtection> tx = tls13_protection(P(), AeadAlg::aes_128_gcm, HashAlg::sha256, c_hs);
  REQUIRE(tx.ok());
  const Bytes fin = hex(k3ClientFinished);
  Bytes out(tx.value().sealed_size(fin.size()));
  Result<size_t> n = tx.value().seal(ContentType::handshake, fin, out.data(), out.size());
  REQUIRE(n.ok());
  CHECK(H(out) == H(record));

  // The server's handshake secret does not open the client's record.
  Result<RecordProtection> wrong =
      tls13_protection(P(), *suite, hex("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"));
  REQUIRE(wrong.ok());
  rec = record;
  CHECK(!open_rec(wrong.value(), rec).ok());
}

// ---------------------------------------------------------------------------------------------------
// RFC 8448 section 4: Resumed 0-RTT Handshake, from section 3's ticket.

// The ClientHello up to (not including) the binders: the "ClientHello prefix (477 octets)".
const char* const k4ClientHelloPrefix =
    "010001fc03031bc3ceb6bbe39cff938355b5a50adb6db21b7a6af649d7b4bc419d7876487d95000006130113031302010001cd00"
    "00000b0009000006736572766572ff01000100000a00140012001d00170018001901000101010201030104003300260024001d00"
    "20e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b002a0000002b0003020304000d0020001e0403"
    "05030603020308040805080604010501060102010402050206020202002d00020101001c00024001001500570000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000002900dd00b800b22c035d829359ee5ff7af4ec90000000026"
    "2a6494dc486d2c8a34cb33fa90bf1b0070ad3c498883c9367c09a2be785abc55cd226097a3a982117283f82a03a143efd3ff5dd3"
    "6d64e861be7fd61d2827db279cce145077d454a3664d4e6da4d29ee03725a6a4dafcd0fc67d2aea70529513e3da2677fa5906c5b"
    "3f7d8f92f228bda40dda721470f9fbf297b5aea617646fac5c03272e970727c621a79141ef5f7de6505e5bfbc388e93343694093"
    "934ae4d357fad6aacb";
const char* const k4ServerHello =
    "0200005c03033ccfd2dec890222763472ae8136777c9d7358777bb66e91ea5122495f559ea2d00130100003400290002000000"
    "330024001d0020121761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31002b00020304";
const char* const k4EncryptedExtensions =
    "080000280026000a00140012001d00170018001901000101010201030104001c0002400100000000002a0000";
const char* const k4ServerFinished = "1400002048d3e0e1b3d907c6acff145e16090388c77b05c050b634ab1a88bbd0dd1a34b2";
const char* const k4EndOfEarlyData = "05000000";
const char* const k4ClientFinished = "140000207230a9c952c25cd6138fc5e6628308c41c5335dd81b9f96bcea50fd32bda416d";

TEST_CASE("RFC 8448 4: early secret, binder, early traffic and the resumed handshake") {
  const HashAlg h = HashAlg::sha256;
  const AeadAlg aead = AeadAlg::aes_128_gcm;
  const Bytes psk = section3_psk();
  REQUIRE(H(psk) == "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3");

  KeySchedule13 ks(P(), h);
  // {client} extract secret "early" with the PSK as IKM.
  ks.early(psk);
  CHECK(H(ks.current_secret_for_testing()) == "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c");

  // {client} calculate PSK binder over the truncated ClientHello.
  const Bytes prefix = hex(k4ClientHelloPrefix);
  REQUIRE(prefix.size() == 477);
  const Bytes binder_hash = sha256(prefix);
  CHECK(H(binder_hash) == "63224b2e4573f2d3454ca84b9d009a04f6be9e05711a8396473aefa01e924a14");
  const Bytes binder_key = ks.binder_key(/*resumption=*/true).view().to_bytes();
  CHECK(H(binder_key) == "69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256");
  CHECK(H(tls13_finished_key(P(), h, binder_key)) == "5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa");
  const Bytes binder = tls13_verify_data(P(), h, binder_key, binder_hash);
  CHECK(H(binder) == "3add4fb2d8fdf822a0ca3cf7678ef5e88dae990141c5924d57bb6fa31b9e5f9d");
  // An external PSK's binder key differs ("ext binder").
  CHECK(ks.binder_key(false).view() != ByteView(binder_key));
  CHECK(ks.binder_key(false).size() == 32);

  // The complete ClientHello: prefix || binders<33..2^16-1> holding one binder<32..255>.
  const Bytes ch = cat({prefix, hex("0021"), hex("20"), binder});
  REQUIRE(ch.size() == 512);
  const Bytes ch_hash = sha256(ch);
  // {client} derive secret "tls13 c e traffic" / "tls13 e exp master"; early data keys.
  const Bytes c_e = ks.client_early_traffic_secret(ch_hash).view().to_bytes();
  CHECK(H(c_e) == "3fbbe6a60deb66c30a32795aba0eff7eaa10105586e7be5c09678d63b6caab62");
  CHECK(H(ks.early_exporter_master_secret(ch_hash)) ==
        "b2026866610937d7423e5be90862ccf24c0e6091186d34f812089ff5be2ef7df");
  TrafficKeys13 k = tls13_traffic_keys(P(), h, aead, c_e);
  CHECK(H(k.key) == "920205a5b7bf2115e6fc5c2942834f54");
  CHECK(H(k.iv) == "6d475f0993c8e564610db2b9");

  // {server} extract secret "handshake" with the new x25519 exchange.
  const Bytes shared = x25519("bff91188283846dd6a2134ef7180ca2b0b14fb10dce707b5098c0dddc813b2df",
                              "e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b",
                              "121761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31");
  CHECK(H(shared) == "f44194756ff9ec9d25180635d66ea6824c6ab3bf179977be37f723570e7ccb2e");
  CHECK(H(shared) == H(x25519("de5b4476e7b490b2652d338acbf2948066f255f9440e23b98fc69835298dc107",
                              "121761ee42c333e1b9e77b60dd57c2053cd94512ab47f115e86eff50942cea31",
                              "e4ffb68ac05f8d96c99da26698346c6be16482badddafe051a66b4f18d668f0b")));
  ks.handshake(shared);
  CHECK(H(ks.current_secret_for_testing()) == "005cb112fd8eb4ccc623bb88a07c64b3ede1605363fc7d0df8c7ce4ff0fb4ae6");
  // The early stage is over: its accessors now refuse.
  CHECK(ks.binder_key(true).empty());
  CHECK(ks.client_early_traffic_secret(ch_hash).empty());

  const Bytes sh = hex(k4ServerHello), ee = hex(k4EncryptedExtensions), sfin = hex(k4ServerFinished),
              eoed = hex(k4EndOfEarlyData), cfin = hex(k4ClientFinished);
  const Bytes hello_hash = sha256(cat({ch, sh}));
  const Bytes c_hs = ks.client_handshake_traffic_secret(hello_hash).view().to_bytes();
  const Bytes s_hs = ks.server_handshake_traffic_secret(hello_hash).view().to_bytes();
  CHECK(H(c_hs) == "2faac08f851d35fea3604fcb4de82dc62c9b164a70974d0462e27f1ab278700f");
  CHECK(H(s_hs) == "fe927ae271312e8bf0275b581c54eef020450dc4ecffaa05a1a35d27518e7803");
  k = tls13_traffic_keys(P(), h, aead, s_hs);
  CHECK(H(k.key) == "27c6bdc0a3dcea39a47326d79bc9e4ee");
  CHECK(H(k.iv) == "9569ecdd4d0536705e9ef725");
  k = tls13_traffic_keys(P(), h, aead, c_hs);
  CHECK(H(k.key) == "b1530806f4adfeac83f1413032bbfa82");
  CHECK(H(k.iv) == "eb50c16be7654abf99dd06d9");

  ks.master();
  CHECK(H(ks.current_secret_for_testing()) == "e2d32d4ed66dd37897a0e80c84107503ce58bf8aad4cb55a5002d77ecb890ece");

  // {server} calculate finished over ClientHello..EncryptedExtensions (no certificate when resuming).
  const Bytes s_verify = tls13_verify_data(P(), h, s_hs, sha256(cat({ch, sh, ee})));
  CHECK(H(s_verify) == "48d3e0e1b3d907c6acff145e16090388c77b05c050b634ab1a88bbd0dd1a34b2");
  CHECK(ByteView(sfin).sub(4) == ByteView(s_verify));

  const Bytes to_sfin = sha256(cat({ch, sh, ee, sfin}));
  const Bytes c_ap = ks.client_application_traffic_secret(to_sfin).view().to_bytes();
  const Bytes s_ap = ks.server_application_traffic_secret(to_sfin).view().to_bytes();
  CHECK(H(c_ap) == "2abbf2b8e381d23dbebe1dd2a7d16a8bf484cb4950d23fb7fb7fa8547062d9a1");
  CHECK(H(s_ap) == "cc21f1bf8feb7dd5fa505bd9c4b468a9984d554a993dc49e6d285598fb672691");
  CHECK(H(ks.exporter_master_secret(to_sfin)) == "3fd93d4ffddc98e64b14dd107aedf8ee4add23f4510f58a4592d0b201bee56b4");
  k = tls13_traffic_keys(P(), h, aead, s_ap);
  CHECK(H(k.key) == "e857c690a34c5a9129d833619684f95e");
  CHECK(H(k.iv) == "0685d6b561aab9ef1013faf9");
  k = tls13_traffic_keys(P(), h, aead, c_ap);
  CHECK(H(k.key) == "3cf122f301c6358ca7989553250efd72");
  CHECK(H(k.iv) == "ab1aec26aa78b8fc1176b9ac");

  // {client} calculate finished: the transcript includes EndOfEarlyData.
  const Bytes c_verify = tls13_verify_data(P(), h, c_hs, sha256(cat({ch, sh, ee, sfin, eoed})));
  CHECK(H(c_verify) == "7230a9c952c25cd6138fc5e6628308c41c5335dd81b9f96bcea50fd32bda416d");
  CHECK(ByteView(cfin).sub(4) == ByteView(c_verify));
  CHECK(H(ks.resumption_master_secret(sha256(cat({ch, sh, ee, sfin, eoed, cfin})))) ==
        "5e95bdf1f89005ea2e9aa0ba85e728e3c19c5fe0c699e3f5bee59faebd0b5406");
}

// ---------------------------------------------------------------------------------------------------
// Exporters (OpenSSL 3.0 known answers; see the header), KeyUpdate chains, the HRR message hash.

TEST_CASE("tls13_exporter: OpenSSL's keying material for SHA-256 and SHA-384 suites") {
  CHECK(H(tls13_exporter(P(), HashAlg::sha256,
                         hex("c1042ee90e40946b958e373d02d7e9cc33657265be25faf8eb6fcf22fa09d592"),
                         "EXPERIMENTAL sanstls", ByteView(), 40)) ==
        "8679f0b30b41ce2adfd5f8c5e9d8ceedd98dd9153cb8443f8470b27a625ec2e862303db6152638a9");
  CHECK(H(tls13_exporter(P(), HashAlg::sha384,
                         hex("a0fcae8865ef53bf39997e02076b2969a548076202ed7a51c3bf616f1c9cff0339391392d640871ef4bd442985"
                             "f49ae7"),
                         "EXPERIMENTAL sanstls", ByteView(), 40)) ==
        "51529d08873dbbeb3d5d9fffd6575ce392bf11cf35cc1e760ccc3117dd66f6baae32c5e5e8680113");

  const Bytes ems(32, 7);
  const Bytes a = tls13_exporter(P(), HashAlg::sha256, ems, "EXPORTER-test", ByteView(), 32);
  REQUIRE(a.size() == 32);
  // The context, the label and the length all change the output (the length is inside HkdfLabel).
  CHECK(tls13_exporter(P(), HashAlg::sha256, ems, "EXPORTER-test", hex("00"), 32) != a);
  CHECK(tls13_exporter(P(), HashAlg::sha256, ems, "EXPORTER-tesT", ByteView(), 32) != a);
  CHECK(ByteView(tls13_exporter(P(), HashAlg::sha256, ems, "EXPORTER-test", ByteView(), 33)).sub(0, 32) !=
        ByteView(a));
  // Refused: empty or too long a label, zero or too large a length, no secret.
  CHECK(tls13_exporter(P(), HashAlg::sha256, ems, "", ByteView(), 32).empty());
  CHECK(tls13_exporter(P(), HashAlg::sha256, ems, std::string(250, 'x'), ByteView(), 32).empty());
  CHECK(tls13_exporter(P(), HashAlg::sha256, ems, std::string(249, 'x'), ByteView(), 32).size() == 32);
  CHECK(tls13_exporter(P(), HashAlg::sha256, ems, "EXPORTER-test", ByteView(), 0).empty());
  CHECK(tls13_exporter(P(), HashAlg::sha256, ems, "EXPORTER-test", ByteView(), 255 * 32 + 1).empty());
  CHECK(tls13_exporter(P(), HashAlg::sha256, ByteView(), "EXPORTER-test", ByteView(), 32).empty());
}

TEST_CASE("tls13_next_traffic_secret: a chain of updates, each a fresh secret and key") {
  Bytes s = hex("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
  Bytes prev_key;
  for (int i = 0; i < 4; i++) {
    Bytes next = tls13_next_traffic_secret(P(), HashAlg::sha256, s);
    REQUIRE(next.size() == 32);
    CHECK(next != s);
    TrafficKeys13 k = tls13_traffic_keys(P(), HashAlg::sha256, AeadAlg::aes_128_gcm, next);
    CHECK(k.key != prev_key);
    prev_key = k.key;
    s = next;
  }
  CHECK(tls13_next_traffic_secret(P(), HashAlg::sha384, Bytes(48, 1)).size() == 48);
  CHECK(tls13_next_traffic_secret(P(), HashAlg::sha256, ByteView()).empty());
}

TEST_CASE("tls13_message_hash: the synthetic message that replaces ClientHello1 after HRR") {
  const Bytes ch1 = hex(k3ClientHello);
  const Bytes m = tls13_message_hash(P(), HashAlg::sha256, ch1);
  REQUIRE(m.size() == 4 + 32);
  CHECK(H(ByteView(m).sub(0, 4)) == "fe000020");
  CHECK(ByteView(m).sub(4) == ByteView(sha256(ch1)));
  const Bytes m384 = tls13_message_hash(P(), HashAlg::sha384, ch1);
  REQUIRE(m384.size() == 4 + 48);
  CHECK(H(ByteView(m384).sub(0, 4)) == "fe000030");
}

// ---------------------------------------------------------------------------------------------------
// Misuse, stages, SHA-384 and the suites.

TEST_CASE("KeySchedule13: wrong stage, wrong hash length and restarts give empty values") {
  const Bytes h32(32, 0xab);
  KeySchedule13 ks(P(), HashAlg::sha256);
  // Nothing before early().
  CHECK(ks.binder_key(true).empty());
  CHECK(ks.client_handshake_traffic_secret(h32).empty());
  CHECK(ks.current_secret_for_testing().empty());
  // master() before handshake() empties the schedule until early() starts it again.
  ks.early(ByteView());
  ks.master();
  CHECK(ks.client_application_traffic_secret(h32).empty());
  CHECK(ks.current_secret_for_testing().empty());
  ks.handshake(Bytes(32, 1));
  CHECK(ks.client_handshake_traffic_secret(h32).empty());
  ks.early(ByteView());
  CHECK(ks.binder_key(true).size() == 32);

  // handshake() from stage initial runs early() with no PSK first: same as the explicit order.
  KeySchedule13 a(P(), HashAlg::sha256), b(P(), HashAlg::sha256);
  a.handshake(Bytes(32, 5));
  b.early(ByteView());
  b.handshake(Bytes(32, 5));
  CHECK(a.client_handshake_traffic_secret(h32).view() == b.client_handshake_traffic_secret(h32).view());
  // psk_ke: an empty shared secret stands for HashLen zeros.
  KeySchedule13 z1(P(), HashAlg::sha256), z2(P(), HashAlg::sha256);
  z1.early(Bytes(32, 9));
  z1.handshake(ByteView());
  z2.early(Bytes(32, 9));
  z2.handshake(Bytes(32, 0));
  CHECK(z1.server_handshake_traffic_secret(h32).view() == z2.server_handshake_traffic_secret(h32).view());
  CHECK(!z1.server_handshake_traffic_secret(h32).empty());

  // A transcript hash of the wrong length (e.g. SHA-384 given to a SHA-256 schedule) is refused.
  a.master();
  CHECK(a.client_application_traffic_secret(Bytes(48, 1)).empty());
  CHECK(a.client_application_traffic_secret(Bytes(31, 1)).empty());
  CHECK(a.client_application_traffic_secret(h32).size() == 32);
  CHECK(tls13_verify_data(P(), HashAlg::sha256, Bytes(32, 1), Bytes(48, 1)).empty());
  CHECK(tls13_derive_secret(P(), HashAlg::sha256, Bytes(32, 1), "derived", Bytes(20)).empty());
  // A nonce HKDF-Expand-Label cannot encode.
  CHECK(tls13_resumption_psk(P(), HashAlg::sha256, Bytes(32, 1), Bytes(256, 0)).empty());
  CHECK(tls13_resumption_psk(P(), HashAlg::sha256, Bytes(32, 1), Bytes(255, 0)).size() == 32);
}

TEST_CASE("KeySchedule13 over SHA-384 and every TLS 1.3 suite's record protection") {
  const Bytes h48(48, 0x5a);
  KeySchedule13 ks(P(), HashAlg::sha384);
  ks.early(ByteView());
  CHECK(ks.current_secret_for_testing().size() == 48);
  ks.handshake(Bytes(32, 3));
  const Bytes c_hs = ks.client_handshake_traffic_secret(h48).view().to_bytes();
  REQUIRE(c_hs.size() == 48);
  CHECK(ks.client_handshake_traffic_secret(Bytes(32, 0x5a)).empty());
  ks.master();
  CHECK(ks.resumption_master_secret(h48).size() == 48);

  for (uint16_t id : default_tls13_suites()) {
    CAPTURE(id);
    const CipherSuite* s = find_suite(id);
    REQUIRE(s != nullptr);
    CHECK(s->is_tls13());
    CHECK(s->is_aead());
    CHECK(find_suite_by_name(s->iana_name) == s);
    const size_t hlen = crypto::hash_length(s->prf_hash);
    const Bytes secret(hlen, static_cast<uint8_t>(id));
    AeadAlg aead;
    REQUIRE(tls13_aead(*s, &aead));
    TrafficKeys13 k = tls13_traffic_keys(P(), s->prf_hash, aead, secret);
    CHECK(k.key.size() == s->key_len);
    CHECK(k.iv.size() == s->fixed_iv_len);
    Result<RecordProtection> tx = tls13_protection(P(), *s, secret);
    Result<RecordProtection> rx = tls13_protection(P(), *s, secret);
    REQUIRE(tx.ok());
    REQUIRE(rx.ok());
    const Bytes msg = hex("0102030405");
    Bytes rec(tx.value().sealed_size(msg.size()));
    REQUIRE(tx.value().seal(ContentType::application_data, msg, rec.data(), rec.size()).ok());
    Result<OpenedRecord> r = open_rec(rx.value(), rec);
    REQUIRE(r.ok());
    CHECK(r.value().plaintext == ByteView(msg));
    // A secret of the other hash's length is a misuse.
    CHECK(!tls13_protection(P(), *s, Bytes(hlen == 32 ? 48 : 32, 1)).ok());
  }
  CHECK(default_tls13_suites() == std::vector<uint16_t>{0x1301, 0x1302, 0x1303});
  CHECK(find_suite(0x1302)->prf_hash == HashAlg::sha384);
  // A TLS 1.2 suite is not a TLS 1.3 suite, and default_tls12_suites() holds none of the 1.3 ones.
  const CipherSuite* tls12 = find_suite(0xc02f);
  REQUIRE(tls12 != nullptr);
  AeadAlg unused;
  CHECK(!tls13_aead(*tls12, &unused));
  CHECK(!tls13_protection(P(), *tls12, Bytes(32, 1)).ok());
  for (uint16_t id : default_tls12_suites()) CHECK(!find_suite(id)->is_tls13());
}

}  // namespace
}  // namespace sanstls
