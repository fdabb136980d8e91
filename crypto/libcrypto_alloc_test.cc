// The libcrypto provider's per-call work allocates nothing inside libcrypto: hash forks, HMAC keys and
// MACs, the key schedule's HKDF, and AEAD records (issue 16: algorithms fetched once, no per-record
// allocation). Every CRYPTO_malloc of the process is counted (CRYPTO_set_mem_functions, installed
// before libcrypto's first allocation).
#include <openssl/crypto.h>

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>

#include "crypto/crypto.h"
#include "crypto/libcrypto.h"

namespace {

std::atomic<long> g_allocs{0};

void* count_malloc(size_t n, const char*, int) {
  g_allocs++;
  return std::malloc(n);
}
void* count_realloc(void* p, size_t n, const char*, int) {
  g_allocs++;
  return std::realloc(p, n);
}
void count_free(void* p, const char*, int) { std::free(p); }

const bool g_installed = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;

}  // namespace

namespace sanstls {
namespace crypto {
namespace {

const Provider& P() { return libcrypto_provider(); }

// libcrypto allocations made by f (after one warm-up call, for one-time setup such as the fetches).
template <typename F>
long allocs_of(F f) {
  f();
  const long before = g_allocs.load();
  for (int i = 0; i < 20; i++) f();
  return g_allocs.load() - before;
}

TEST_CASE("the counter sees libcrypto's allocations") {
  REQUIRE(g_installed);
  const long before = g_allocs.load();
  void* p = OPENSSL_malloc(16);
  OPENSSL_free(p);
  CHECK(g_allocs.load() == before + 1);
}

TEST_CASE("hashes: creating, updating, forking and finishing allocate nothing in libcrypto") {
  REQUIRE(g_installed);
  const Bytes data(300, 0x61);
  for (HashAlg alg : {HashAlg::sha1, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512}) {
    CAPTURE(static_cast<int>(alg));
    CHECK(allocs_of([&] {
            auto h = P().hash(alg);
            REQUIRE(h != nullptr);
            h->update(data);
            uint8_t out[kMaxHashLen];
            for (int i = 0; i < 3; i++) h->clone()->finish(out);
            h->peek(out);
            h->finish(out);
          }) == 0);
  }
}

TEST_CASE("HMAC: keying, MACs and resets allocate nothing in libcrypto") {
  REQUIRE(g_installed);
  const Bytes key(32, 0x0b), long_key(200, 0x0c), data(100, 0x61);
  for (HashAlg alg : {HashAlg::sha1, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512}) {
    CAPTURE(static_cast<int>(alg));
    CHECK(allocs_of([&] {
            for (const Bytes* k : {&key, &long_key}) {
              auto h = P().hmac(alg, *k);
              REQUIRE(h != nullptr);
              uint8_t out[kMaxHashLen];
              for (int i = 0; i < 3; i++) {
                h->update(data);
                h->finish(out);
              }
            }
          }) == 0);
  }
}

TEST_CASE("one-shot HMAC allocates nothing in libcrypto and equals the HMAC object's") {
  REQUIRE(g_installed);
  const Bytes key(32, 0x0b), long_key(200, 0x0c), data(100, 0x61);
  for (HashAlg alg : {HashAlg::sha1, HashAlg::sha256, HashAlg::sha384, HashAlg::sha512}) {
    for (const Bytes* k : {&key, &long_key}) {
      CAPTURE(static_cast<int>(alg));
      const ByteView parts[2] = {ByteView(data).sub(0, 40), ByteView(data).sub(40)};
      uint8_t a[kMaxHashLen], b[kMaxHashLen];
      bool ok = false;
      CHECK(allocs_of([&] { ok = P().hmac_oneshot(alg, *k, parts, 2, a); }) == 0);
      CHECK(ok);
      auto h = P().hmac(alg, *k);
      REQUIRE(h != nullptr);
      h->update(data);
      h->finish(b);
      CHECK(ByteView(a, hash_length(alg)) == ByteView(b, hash_length(alg)));
    }
  }
}

TEST_CASE("the key schedules' KDFs allocate nothing in libcrypto") {
  REQUIRE(g_installed);
  const Bytes secret(32, 0x11), seed(64, 0x22);
  CHECK(allocs_of([&] {
          Bytes prk = hkdf_extract(P(), HashAlg::sha256, ByteView(), secret);
          hkdf_expand_label(P(), HashAlg::sha256, prk, "c hs traffic", seed, 32);
          hkdf_expand_label(P(), HashAlg::sha384, prk, "key", ByteView(), 32);
          tls12_prf(P(), HashAlg::sha256, secret, "key expansion", seed, 72);
          tls12_prf(P(), HashAlg::sha384, secret, "master secret", seed, 48);
        }) == 0);
}

TEST_CASE("AEAD records allocate nothing in libcrypto") {
  REQUIRE(g_installed);
  for (AeadAlg alg : {AeadAlg::aes_128_gcm, AeadAlg::aes_256_gcm, AeadAlg::chacha20_poly1305, AeadAlg::aes_128_ccm}) {
    CAPTURE(static_cast<int>(alg));
    auto a = P().aead(alg, Bytes(aead_key_length(alg), 0x42));
    REQUIRE(a != nullptr);
    const Bytes nonce(kAeadNonceLength, 0), aad(13, 0x17);
    Bytes rec(1000, 0x33);
    uint8_t tag[kAeadTagLength];
    CHECK(allocs_of([&] {
            REQUIRE(a->seal(nonce, aad, rec.data(), rec.size(), tag) == Status::ok);
            REQUIRE(a->open(nonce, aad, rec.data(), rec.size(), tag) == Status::ok);
          }) == 0);
  }
}

TEST_CASE("AEAD: a direction that is never used is never set up") {
  REQUIRE(g_installed);
  // A record protection only seals or only opens: the other direction's context (an allocation and a
  // key schedule) is made on its first record, so never.
  for (AeadAlg alg : {AeadAlg::aes_128_gcm, AeadAlg::chacha20_poly1305, AeadAlg::aes_128_ccm}) {
    CAPTURE(static_cast<int>(alg));
    const Bytes key(aead_key_length(alg), 0x42), nonce(kAeadNonceLength, 0), aad(13, 0x17);
    // One sealed record, opened from a fresh copy each time.
    Bytes sealed(100, 0x33);
    uint8_t sealed_tag[kAeadTagLength];
    REQUIRE(P().aead(alg, key)->seal(nonce, aad, sealed.data(), sealed.size(), sealed_tag) == Status::ok);
    Bytes rec;
    uint8_t tag[kAeadTagLength];
    auto seal_only = [&] {
      auto a = P().aead(alg, key);
      REQUIRE(a != nullptr);
      rec.assign(100, 0x33);
      REQUIRE(a->seal(nonce, aad, rec.data(), rec.size(), tag) == Status::ok);
    };
    auto open_only = [&] {
      auto a = P().aead(alg, key);
      REQUIRE(a != nullptr);
      rec = sealed;
      REQUIRE(a->open(nonce, aad, rec.data(), rec.size(), sealed_tag) == Status::ok);
      CHECK(rec == Bytes(100, 0x33));
    };
    auto both = [&] {
      auto a = P().aead(alg, key);
      REQUIRE(a != nullptr);
      rec.assign(100, 0x33);
      REQUIRE(a->seal(nonce, aad, rec.data(), rec.size(), tag) == Status::ok);
      REQUIRE(a->open(nonce, aad, rec.data(), rec.size(), tag) == Status::ok);
    };
    const long s = allocs_of(seal_only), o = allocs_of(open_only), b = allocs_of(both);
    CHECK(s > 0);
    CHECK(o > 0);
    CHECK(s + o == b);
  }
}

}  // namespace
}  // namespace crypto
}  // namespace sanstls
