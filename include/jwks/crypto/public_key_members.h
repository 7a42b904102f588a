// The public members of a key, as plain bytes: what a JWK carries (RFC 7518
// §6, RFC 8037 §2). No OpenSSL type: jose/ builds and reads JWKs from these,
// crypto/jws_alg.h turns them into keys and back.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace jwks::crypto {

// Big-endian unsigned magnitudes.
struct PublicKeyMembers {
  std::string kty;                 // "RSA", "EC" or "OKP"
  std::string crv;                 // "P-256" or "Ed25519"; empty for RSA
  std::vector<std::uint8_t> n, e;  // RSA
  std::vector<std::uint8_t> x, y;  // EC (32 bytes each), OKP (x only, 32 bytes)
};

}  // namespace jwks::crypto
