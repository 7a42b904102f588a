// The JWS signature algorithms this issuer signs with (RFC 7518 §3, RFC 8037):
// key generation, signing and verification through EVP, and the public key
// members a JWK carries. Signatures are in JOSE form: ES256 is the raw 64-byte
// r||s, not DER.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jwks/crypto/handle.h"
#include "jwks/crypto/public_key_members.h"

namespace jwks::crypto {

enum class JwsAlg { kRS256, kPS256, kES256, kEdDSA };

// "RS256", "PS256", "ES256", "EdDSA" (exact spelling); nullopt otherwise.
std::optional<JwsAlg> parse_jws_alg(std::string_view name);
const char* jws_alg_name(JwsAlg alg);

// RSA-2048 for RS256/PS256, P-256 for ES256, Ed25519 for EdDSA. Throws CryptoError.
PkeyPtr generate_key(JwsAlg alg);

// Signs `message`. RS256 and EdDSA are deterministic; PS256 and ES256 are
// randomized. Throws CryptoError (also when `key` does not suit `alg`).
std::vector<std::uint8_t> sign(JwsAlg alg, const EVP_PKEY& key, std::span<const std::uint8_t> message);

// The verifier test kit's alg-mismatch case: another JWS algorithm that the
// key of `alg` can compute, named in a token whose key's JWK says `alg`.
// RS256 and PS256 swap; ES256 gives "ES384" (ECDSA with SHA-384 over the
// P-256 key, r||s of 32 bytes each); EdDSA gives "Ed25519", the same
// signature under its fully-specified name (RFC 9864).
const char* mismatched_alg_name(JwsAlg alg);
// Signs `message` with `key` (suited to `alg`) under mismatched_alg_name(alg).
// Throws CryptoError.
std::vector<std::uint8_t> sign_mismatched(JwsAlg alg, const EVP_PKEY& key, std::span<const std::uint8_t> message);

// True only for a valid signature by `key` under `alg`. Never throws for a
// bad or malformed signature.
bool verify(JwsAlg alg, const EVP_PKEY& key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> signature);

// Throws CryptoError for key types other than RSA, P-256 and Ed25519.
PublicKeyMembers public_members(const EVP_PKEY& key);

// A public key from its members. Throws CryptoError when they do not make a key.
PkeyPtr public_key(const PublicKeyMembers& members);

// An Ed25519 private key from its 32-byte seed (JWK "d"). Throws CryptoError.
PkeyPtr ed25519_private_key(std::span<const std::uint8_t> d);

}  // namespace jwks::crypto
