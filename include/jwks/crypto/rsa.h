// RSA keys: generation, PKCS#8 DER import/export and raw components.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "jwks/crypto/handle.h"
#include "jwks/crypto/secure_bytes.h"
#include "jwks/util/result.h"

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

// Serialises the private key as PKCS#8 PrivateKeyInfo DER into a buffer that
// is wiped when it dies. Throws CryptoError.
SecureBytes export_pkcs8_der(const EVP_PKEY& key);

enum class KeyDecodeError { kMalformed };

// Parses PKCS#8 PrivateKeyInfo DER (RSA, EC or Ed25519). Malformed input is an
// error value, never an exception.
util::Result<PkeyPtr, KeyDecodeError> import_pkcs8_der(std::span<const std::uint8_t> der);

// Reads n and e. Throws CryptoError if `key` is not RSA.
RsaPublicComponents rsa_public_components(const EVP_PKEY& key);

// Builds a public-only key from n and e; nullptr-free: errors throw CryptoError.
PkeyPtr rsa_public_key(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e);

// Builds a full private key (with CRT members) from raw components.
// Throws CryptoError when OpenSSL rejects them.
PkeyPtr rsa_private_key(const RsaPrivateComponents& c);

}  // namespace jwks::crypto
