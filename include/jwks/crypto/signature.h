// RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3): shorthands for
// sign/verify of jws_alg.h with JwsAlg::kRS256.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "jwks/crypto/handle.h"

namespace jwks::crypto {

// Signs `message` with `key` (an RSA private key). Deterministic: the same key
// and message always give the same bytes. Throws CryptoError.
std::vector<std::uint8_t> sign_rs256(const EVP_PKEY& key, std::span<const std::uint8_t> message);

// True only if `signature` is a valid RS256 signature of `message` by `key`.
// Never throws for a bad signature.
bool verify_rs256(const EVP_PKEY& key, std::span<const std::uint8_t> message,
                  std::span<const std::uint8_t> signature);

}  // namespace jwks::crypto
