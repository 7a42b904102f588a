#include "jwks/jose/thumbprint.h"

#include <vector>

#include "jwks/crypto/digest.h"
#include "jwks/jose/base64url.h"

namespace jwks::jose {

std::optional<std::string> jwk_thumbprint(const nlohmann::json& jwk) {
  if (!jwk.is_object() || !jwk.contains("kty") || !jwk["kty"].is_string()) return std::nullopt;
  const std::string kty = jwk["kty"];
  static const std::vector<const char*> kRsa{"e", "kty", "n"}, kEc{"crv", "kty", "x", "y"}, kOkp{"crv", "kty", "x"};
  const std::vector<const char*>* members = kty == "RSA" ? &kRsa : kty == "EC" ? &kEc : kty == "OKP" ? &kOkp : nullptr;
  if (members == nullptr) return std::nullopt;
  nlohmann::json required = nlohmann::json::object();  // std::map: keys come out sorted
  for (const char* m : *members) {
    auto it = jwk.find(m);
    if (it == jwk.end() || !it->is_string()) return std::nullopt;
    required[m] = *it;
  }
  const std::string text = required.dump();
  auto digest = crypto::sha256(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  return base64url_encode(digest);
}

}  // namespace jwks::jose
