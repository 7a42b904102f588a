#include "jwks/crypto/signature.h"

#include "jwks/crypto/jws_alg.h"

namespace jwks::crypto {

std::vector<std::uint8_t> sign_rs256(const EVP_PKEY& key, std::span<const std::uint8_t> message) {
  return sign(JwsAlg::kRS256, key, message);
}

bool verify_rs256(const EVP_PKEY& key, std::span<const std::uint8_t> message,
                  std::span<const std::uint8_t> signature) {
  return verify(JwsAlg::kRS256, key, message, signature);
}

}  // namespace jwks::crypto
