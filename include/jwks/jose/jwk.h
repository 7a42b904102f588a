// JSON Web Keys (RFC 7517/7518) for the public half of signing keys.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "jwks/crypto/public_key_members.h"

namespace jwks::jose {

// The key-type members of an RSA public key: {"kty":"RSA","n":..,"e":..},
// n and e base64url-encoded big-endian magnitudes without leading zero bytes
// (RFC 7518 §6.3.1).
nlohmann::json rsa_public_members(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e);

// The key-type members of any supported public key: RSA {kty,n,e},
// EC {kty,crv:"P-256",x,y}, OKP {kty,crv:"Ed25519",x} (RFC 7518 §6, RFC 8037 §2).
nlohmann::json public_members_json(const crypto::PublicKeyMembers& members);

// The inverse, for verifiers: nullopt unless the JWK has the members its kty
// requires, each valid base64url.
std::optional<crypto::PublicKeyMembers> members_from_jwk(const nlohmann::json& jwk);

// Adds the publication members to key-type members: "use":"sig", "alg" and
// "kid" (always a string).
nlohmann::json publishable_jwk(nlohmann::json members, const std::string& kid, const std::string& alg);

}  // namespace jwks::jose
