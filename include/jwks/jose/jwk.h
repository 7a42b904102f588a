// JSON Web Keys (RFC 7517/7518) for the public half of signing keys.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

namespace jwks::jose {

// The key-type members of an RSA public key: {"kty":"RSA","n":..,"e":..},
// n and e base64url-encoded big-endian magnitudes without leading zero bytes
// (RFC 7518 §6.3.1).
nlohmann::json rsa_public_members(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e);

// Adds the publication members to key-type members: "use":"sig", "alg" and
// "kid" (always a string).
nlohmann::json publishable_jwk(nlohmann::json members, const std::string& kid, const std::string& alg);

}  // namespace jwks::jose
