#include "jwks/crypto/digest.h"

#include "jwks/crypto/handle.h"

namespace jwks::crypto {

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, 32> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != out.size())
    throw_openssl_error("EVP_Digest(SHA-256)");
  return out;
}

std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, 32> out{};
  std::size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), data.data(), data.size(),
                out.data(), out.size(), &len) == nullptr ||
      len != out.size())
    throw_openssl_error("EVP_Q_mac(HMAC-SHA256)");
  return out;
}

}  // namespace jwks::crypto
