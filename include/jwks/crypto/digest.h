// SHA-256 through EVP.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace jwks::crypto {

// Throws CryptoError only if OpenSSL fails.
std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data);

}  // namespace jwks::crypto
