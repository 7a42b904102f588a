// SHA-256 and HMAC-SHA256 through EVP.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace jwks::crypto {

// Throws CryptoError only if OpenSSL fails.
std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data);

// HMAC-SHA256 (RFC 2104) of `data` under `key` (any length). Throws CryptoError.
std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

}  // namespace jwks::crypto
