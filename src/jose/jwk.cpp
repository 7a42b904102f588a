#include "jwks/jose/jwk.h"

#include "jwks/jose/base64url.h"

namespace jwks::jose {
namespace {

std::span<const std::uint8_t> strip_leading_zeros(std::span<const std::uint8_t> v) {
  while (v.size() > 1 && v.front() == 0) v = v.subspan(1);
  return v;
}

}  // namespace

nlohmann::json rsa_public_members(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e) {
  return nlohmann::json{{"kty", "RSA"},
                        {"n", base64url_encode(strip_leading_zeros(n))},
                        {"e", base64url_encode(strip_leading_zeros(e))}};
}

nlohmann::json publishable_jwk(nlohmann::json members, const std::string& kid, const std::string& alg) {
  members["use"] = "sig";
  members["alg"] = alg;
  members["kid"] = kid;
  return members;
}

}  // namespace jwks::jose
