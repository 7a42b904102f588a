// RSA keys: generation and raw components (PKCS#8 is pkcs8.h).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "jwks/crypto/handle.h"
#include "jwks/crypto/secure_bytes.h"

namespace jwks::crypto {

// Big-endian unsigned magnitudes, as JWK carries them (RFC 7518 §6.3).
struct RsaPublicComponents {
  std::vector<std::uint8_t> n;
  std::vector<std::uint8_t> e;
};

// Private members are spans into caller-owned (ideally SecureBytes) buffers.
struct RsaPrivateComponents {
  std::span<const std::uint8_t> n, e, d, p, q, dp, dq, qi;
};

// Generates an RSA key of `bits` bits with e = 65537. Throws CryptoError.
PkeyPtr generate_rsa(unsigned bits);

// Reads n and e. Throws CryptoError if `key` is not RSA.
RsaPublicComponents rsa_public_components(const EVP_PKEY& key);

// Builds a public-only key from n and e; nullptr-free: errors throw CryptoError.
PkeyPtr rsa_public_key(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e);

// Builds a full private key (with CRT members) from raw components.
// Throws CryptoError when OpenSSL rejects them.
PkeyPtr rsa_private_key(const RsaPrivateComponents& c);

}  // namespace jwks::crypto
