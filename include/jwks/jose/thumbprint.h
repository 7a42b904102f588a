// JWK thumbprints (RFC 7638): the key ids this issuer publishes.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace jwks::jose {

// The base64url SHA-256 thumbprint of a public JWK: its required members only
// (RSA: e, kty, n; EC: crv, kty, x, y; OKP: crv, kty, x) serialized in
// lexicographic order without whitespace. Derived from the key itself, it
// never names two different keys, even across databases. nullopt when the
// key type is unknown or a required member is missing or not a string.
std::optional<std::string> jwk_thumbprint(const nlohmann::json& jwk);

}  // namespace jwks::jose
