// Known-answer tests for crypto/kdf.cc: one-shot hash and HMAC, the TLS 1.2 PRF, HKDF and TLS 1.3's
// HKDF-Expand-Label, run over the mbedTLS provider.
#include <doctest/doctest.h>

#include <string>

#include "crypto/crypto.h"
#ifdef SANSTLS_TEST_LIBCRYPTO
#include "crypto/libcrypto.h"
#else
#include "crypto/mbedtls.h"
#endif

namespace sanstls {
namespace crypto {
namespace {

#ifdef SANSTLS_TEST_LIBCRYPTO
const Provider& P() { return libcrypto_provider(); }
#else
const Provider& P() { return mbedtls_provider(); }
#endif

TEST_CASE("hash_once and hmac_once") {
  // FIPS 180-4 example "abc"; RFC 4231 test case 2.
  CHECK(to_hex(hash_once(P(), HashAlg::sha256, ByteView::of("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(hash_once(P(), HashAlg::sha384, ByteView::of("abc"))) ==
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  // SHA-256 of the empty string (FIPS 180-4; RFC 8448 uses it as the empty transcript hash).
  CHECK(to_hex(hash_once(P(), HashAlg::sha256, ByteView())) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(to_hex(hmac_once(P(), HashAlg::sha256, ByteView::of("Jefe"), ByteView::of("what do ya want for nothing?"))) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// ---------------------------------------------------------------------------------------------------
// TLS 1.2 PRF (RFC 5246 section 5).
//
// P_SHA256: the vector posted to the IETF TLS list (https://www.ietf.org/mail-archive/web/tls/current/
// msg03416.html), as also used in BearSSL's test_crypto.c; the full 100-byte output was also recomputed
// with `openssl kdf -keylen 100 -kdfopt digest:SHA256 ... TLS1-PRF` (OpenSSL 3.0), which agrees.
// P_SHA384: from the same post (secret b80b..., seed cd66...), 148 bytes; the full output was computed
// with `openssl kdf -keylen 148 -kdfopt digest:SHA384 ... TLS1-PRF`.

TEST_CASE("tls12_prf: P_SHA256 published vector") {
  const Bytes out = tls12_prf(P(), HashAlg::sha256, hex("9bbe436ba940f017b17652849a71db35"), "test label",
                              hex("a0ba9f936cda311827a6f796ffd5198c"), 100);
  CHECK(to_hex(out) ==
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f707"
        "7def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66");
}

TEST_CASE("tls12_prf: P_SHA384 vector") {
  const Bytes out = tls12_prf(P(), HashAlg::sha384, hex("b80b733d6ceefcdc71566ea48e5567df"), "test label",
                              hex("cd665cf6a8447dd6ff8b27555edb7465"), 148);
  CHECK(to_hex(out) ==
        "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed"
        "2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec4"
        "79e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f");
}

TEST_CASE("tls12_prf: a prefix of the output is the shorter output; inputs matter") {
  const Bytes secret = hex("9bbe436ba940f017b17652849a71db35"), seed = hex("a0ba9f936cda311827a6f796ffd5198c");
  const Bytes full = tls12_prf(P(), HashAlg::sha256, secret, "test label", seed, 100);
  for (size_t n : {size_t{0}, size_t{1}, size_t{12}, size_t{32}, size_t{33}, size_t{64}, size_t{99}}) {
    CAPTURE(n);
    const Bytes part = tls12_prf(P(), HashAlg::sha256, secret, "test label", seed, n);
    CHECK(part.size() == n);
    CHECK(ByteView(part) == ByteView(full).sub(0, n));
  }
  CHECK(tls12_prf(P(), HashAlg::sha256, secret, "test labe1", seed, 100) != full);
  Bytes seed2 = seed;
  seed2[0] ^= 1;
  CHECK(tls12_prf(P(), HashAlg::sha256, secret, "test label", seed2, 100) != full);
}

// ---------------------------------------------------------------------------------------------------
// HKDF: RFC 5869 appendix A.1, A.2, A.3 (SHA-256).

TEST_CASE("hkdf: RFC 5869 A.1") {
  const Bytes prk = hkdf_extract(P(), HashAlg::sha256, hex("000102030405060708090a0b0c"),
                                 hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
  CHECK(to_hex(prk) == "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  CHECK(to_hex(hkdf_expand(P(), HashAlg::sha256, prk, hex("f0f1f2f3f4f5f6f7f8f9"), 42)) ==
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

Bytes range(uint8_t from, uint8_t to_inclusive) {
  Bytes b;
  for (unsigned v = from; v <= to_inclusive; v++) b.push_back(static_cast<uint8_t>(v));
  return b;
}

TEST_CASE("hkdf: RFC 5869 A.2 (long inputs)") {
  const Bytes prk = hkdf_extract(P(), HashAlg::sha256, range(0x60, 0xaf), range(0x00, 0x4f));
  CHECK(to_hex(prk) == "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244");
  CHECK(to_hex(hkdf_expand(P(), HashAlg::sha256, prk, range(0xb0, 0xff), 82)) ==
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da327560"
        "0c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
}

TEST_CASE("hkdf: RFC 5869 A.3 (empty salt and info)") {
  const Bytes prk = hkdf_extract(P(), HashAlg::sha256, ByteView(), hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
  CHECK(to_hex(prk) == "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
  CHECK(to_hex(hkdf_expand(P(), HashAlg::sha256, prk, ByteView(), 42)) ==
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST_CASE("hkdf_expand: output length limits") {
  const Bytes prk(32, 1);
  CHECK(hkdf_expand(P(), HashAlg::sha256, prk, ByteView(), 255 * 32).size() == 255 * 32);
  CHECK(hkdf_expand(P(), HashAlg::sha256, prk, ByteView(), 255 * 32 + 1).empty());
  CHECK(hkdf_expand(P(), HashAlg::sha384, Bytes(48, 1), ByteView(), 255 * 48).size() == 255 * 48);
  CHECK(hkdf_expand(P(), HashAlg::sha384, Bytes(48, 1), ByteView(), 255 * 48 + 1).empty());
  CHECK(hkdf_expand(P(), HashAlg::sha256, prk, ByteView(), 0).empty());
  // A prefix of a longer output is the shorter output.
  const Bytes long_out = hkdf_expand(P(), HashAlg::sha256, prk, ByteView::of("info"), 100);
  CHECK(ByteView(hkdf_expand(P(), HashAlg::sha256, prk, ByteView::of("info"), 33)) == ByteView(long_out).sub(0, 33));
}

// ---------------------------------------------------------------------------------------------------
// TLS 1.3 key schedule: RFC 8448 section 3 ("Simple 1-RTT Handshake"), TLS_AES_128_GCM_SHA256.

TEST_CASE("hkdf_expand_label: RFC 8448 section 3 handshake secrets, keys and ivs") {
  const HashAlg h = HashAlg::sha256;
  // {server} extract secret "early": salt 0, IKM 32 zero octets.
  const Bytes early = hkdf_extract(P(), h, ByteView(), Bytes(32, 0));
  CHECK(to_hex(early) == "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
  // {server} derive secret for handshake "tls13 derived": Derive-Secret(early, "derived", "").
  const Bytes empty_hash = hash_once(P(), h, ByteView());
  const Bytes derived = hkdf_expand_label(P(), h, early, "derived", empty_hash, 32);
  CHECK(to_hex(derived) == "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba");
  // {server} extract secret "handshake" with the x25519 shared secret as IKM.
  const Bytes hs = hkdf_extract(P(), h, derived,
                                hex("8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d"));
  CHECK(to_hex(hs) == "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
  // Derive-Secret(hs, "c hs traffic" / "s hs traffic", ClientHello..ServerHello), whose hash is:
  const Bytes hello_hash = hex("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8");
  const Bytes c_hs = hkdf_expand_label(P(), h, hs, "c hs traffic", hello_hash, 32);
  const Bytes s_hs = hkdf_expand_label(P(), h, hs, "s hs traffic", hello_hash, 32);
  CHECK(to_hex(c_hs) == "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
  CHECK(to_hex(s_hs) == "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
  // {server} derive write traffic keys for handshake data; {client} likewise.
  CHECK(to_hex(hkdf_expand_label(P(), h, s_hs, "key", ByteView(), 16)) == "3fce516009c21727d0f2e4e86ee403bc");
  CHECK(to_hex(hkdf_expand_label(P(), h, s_hs, "iv", ByteView(), 12)) == "5d313eb2671276ee13000b30");
  CHECK(to_hex(hkdf_expand_label(P(), h, c_hs, "key", ByteView(), 16)) == "dbfaa693d1762c5b666af5d950258d01");
  CHECK(to_hex(hkdf_expand_label(P(), h, c_hs, "iv", ByteView(), 12)) == "5bd3c71b836e0b76bb73265f");
  // Derive-Secret(hs, "derived", "") then extract "master" with a zero IKM.
  const Bytes derived2 = hkdf_expand_label(P(), h, hs, "derived", empty_hash, 32);
  CHECK(to_hex(derived2) == "43de77e0c77713859a944db9db2590b53190a65b3ee2e4f12dd7a0bb7ce254b4");
  CHECK(to_hex(hkdf_extract(P(), h, derived2, Bytes(32, 0))) ==
        "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");
}

TEST_CASE("hkdf_expand_label: refuses labels and contexts that do not fit") {
  const Bytes secret(32, 9);
  CHECK(hkdf_expand_label(P(), HashAlg::sha256, secret, std::string(249, 'a'), ByteView(), 16).size() == 16);
  CHECK(hkdf_expand_label(P(), HashAlg::sha256, secret, std::string(250, 'a'), ByteView(), 16).empty());
  CHECK(hkdf_expand_label(P(), HashAlg::sha256, secret, "", ByteView(), 16).empty());  // "tls13 " is 6 < 7
  CHECK(hkdf_expand_label(P(), HashAlg::sha256, secret, "key", Bytes(255), 16).size() == 16);
  CHECK(hkdf_expand_label(P(), HashAlg::sha256, secret, "key", Bytes(256), 16).empty());
  // The length is part of the label: a 32-byte output does not start with the 16-byte one.
  const Bytes k16 = hkdf_expand_label(P(), HashAlg::sha256, secret, "key", ByteView(), 16);
  const Bytes k32 = hkdf_expand_label(P(), HashAlg::sha256, secret, "key", ByteView(), 32);
  CHECK(ByteView(k32).sub(0, 16) != ByteView(k16));
}

}  // namespace
}  // namespace crypto
}  // namespace sanstls
