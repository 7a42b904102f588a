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

nlohmann::json public_members_json(const crypto::PublicKeyMembers& m) {
  if (m.kty == "RSA") return rsa_public_members(m.n, m.e);
  nlohmann::json j{{"kty", m.kty}, {"crv", m.crv}, {"x", base64url_encode(m.x)}};
  if (m.kty == "EC") j["y"] = base64url_encode(m.y);
  return j;
}

std::optional<crypto::PublicKeyMembers> members_from_jwk(const nlohmann::json& jwk) {
  auto text = [&](const char* name) -> std::optional<std::string> {
    auto it = jwk.find(name);
    if (it == jwk.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto bytes = [&](const char* name) -> std::optional<std::vector<std::uint8_t>> {
    auto t = text(name);
    if (!t) return std::nullopt;
    return base64url_decode(*t);
  };
  if (!jwk.is_object()) return std::nullopt;
  crypto::PublicKeyMembers m;
  auto kty = text("kty");
  if (!kty) return std::nullopt;
  m.kty = *kty;
  if (m.kty == "RSA") {
    auto n = bytes("n"), e = bytes("e");
    if (!n || !e) return std::nullopt;
    m.n = std::move(*n);
    m.e = std::move(*e);
    return m;
  }
  auto crv = text("crv");
  auto x = bytes("x");
  if (!crv || !x) return std::nullopt;
  m.crv = *crv;
  m.x = std::move(*x);
  if (m.kty == "EC") {
    auto y = bytes("y");
    if (!y) return std::nullopt;
    m.y = std::move(*y);
  } else if (m.kty != "OKP") {
    return std::nullopt;
  }
  return m;
}

nlohmann::json publishable_jwk(nlohmann::json members, const std::string& kid, const std::string& alg) {
  members["use"] = "sig";
  members["alg"] = alg;
  members["kid"] = kid;
  return members;
}

}  // namespace jwks::jose
