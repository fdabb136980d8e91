// A crypto::Provider for fuzzing only, in the spirit of BoringSSL's fuzzer mode: the expensive
// operations are replaced by cheap deterministic stand-ins, so that a fuzzer's mutations reach the
// protocol state machines instead of spending their time in RSA, ECDSA and Diffie-Hellman. NEVER use it
// for anything but fuzzing: it authenticates nothing and encrypts nothing.
//
// What it does (everything else is forwarded to the wrapped provider, the real one):
//   - hashes, HMAC, the constant-time MAC (and so the PRF, HKDF, Finished, binders): a cheap stand-in
//     with the real output lengths: the input stream mixed eight bytes at a time into two 64-bit
//     multiply-xor lanes, then its length; HMAC is the same stream after the key (framed by its
//     length), and the constant-time MAC is that HMAC. Cut into pieces or whole, cloned midway, an
//     input hashes alike; every byte and the length count, so Finished stays meaningful (a mutated
//     transcript still fails) and the key schedule still separates its keys. SHA-256 and HMAC, with
//     the mbedTLS contexts they allocate, were half the instructions of the fast TLS 1.3 harness.
//   - AEAD: the plaintext is left as it is (seal and open copy nothing); the 16-byte tag is a cheap
//     keyed checksum (two 64-bit multiply-xor lanes) over the algorithm, key, nonce, additional data and
//     the text. So a record under another key, with another sequence number or header, a changed byte
//     or a changed tag is still refused (bad_tag), which the engine's trial decryption (TLS 1.3 0-RTT
//     skipping) and the harness proxies rely on. open() compares with memcmp on purpose: libFuzzer
//     intercepts it and can copy the expected tag into its next mutations. Key lengths are checked as
//     the real providers do (nullptr for a wrong length).
//   - AES-CBC: the identity (the record layer's MAC, padding and length rules stay real); the key
//     length (16 or 32), the IV length (16) and the block multiple are still checked.
//   - key shares: the private value is drawn from the Rng exactly as the real providers draw it
//     (crypto.h), and the public value is made of those bytes (X25519, X448: them; NIST curves
//     0x04 || d || d padded to the coordinate length; DH: the exponent left-padded to the length of p,
//     its last byte forced >= 2). The shared secret is the stand-in hash in counter mode over (the two public
//     values, smaller first), so both sides agree, cut to the real length (X25519 32, X448 56, P-256 32,
//     P-384 48, P-521 66, DH the length of p). Peer values are checked for what costs nothing: the length, 0x04 for NIST
//     points, not all zero, DH 1 < y < p-1; DH parameters as the real generate_dh_share checks them.
//   - signatures: sign() writes a short fixed-shape signature (10 bytes: the scheme, then 8 bytes of
//     the stand-in hash of the message), with no Rng draw; verify() accepts any non-empty signature. Both still
//     refuse (unsupported) a scheme that does not fit the key, as the real providers do.
//   - RSA key exchange: "encryption" is the identity inside PKCS#1 v1.5 framing (00 02 ff..ff 00 M, the
//     modulus length, no Rng draw); decryption keeps the real rules: a ciphertext of another length
//     than the modulus fails, and a bad framing, length or version gives 48 random bytes (48 are
//     always drawn).
//   - certificates: parsing, names, key usage and keys' types and sizes are the wrapped provider's
//     (the public and private keys are wrapped so that their operations are the cheap ones above).
//     TrustStore::verify does NOT check signatures, the path to an anchor, CA constraints, extended key
//     usage or name constraints: every certificate of the chain must parse (else bad_certificate), the
//     leaf must be valid at `now` (certificate_expired), must match `name` when one is given
//     (name_mismatch: kept, so the client's name check and its alert stay reachable) and its keyUsage
//     must allow `use` (bad_key_usage). An empty chain is bad_certificate.
// Randomness: nothing draws more than said above, so a run with a DeterministicRng stays reproducible.
#ifndef SANSTLS_CRYPTO_FUZZING_PROVIDER_H_
#define SANSTLS_CRYPTO_FUZZING_PROVIDER_H_

#include <memory>

#include "crypto/crypto.h"

namespace sanstls {
namespace crypto {

// A fuzzing provider over `inner` (parsing, hashes, HMAC), which must outlive it.
std::unique_ptr<Provider> make_fuzzing_provider(const Provider& inner);

// The fuzzing provider over default_provider(), created once per process.
const Provider& fuzzing_provider();

}  // namespace crypto
}  // namespace sanstls

#endif  // SANSTLS_CRYPTO_FUZZING_PROVIDER_H_
