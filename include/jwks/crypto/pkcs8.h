// PKCS#8 PrivateKeyInfo DER for any of the keys this project makes (RSA, EC,
// Ed25519): how keys were sealed before raw components (key_material.h), so
// that older envelopes still open, and what tests compare against.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "jwks/crypto/handle.h"
#include "jwks/crypto/secure_bytes.h"
#include "jwks/util/result.h"

namespace jwks::crypto {

// Serialises the private key as PKCS#8 PrivateKeyInfo DER into a buffer that
// is wiped when it dies. Throws CryptoError.
SecureBytes export_pkcs8_der(const EVP_PKEY& key);

enum class KeyDecodeError { kMalformed };

// Parses PKCS#8 PrivateKeyInfo DER (RSA, EC or Ed25519). Malformed input is an
// error value, never an exception.
util::Result<PkeyPtr, KeyDecodeError> import_pkcs8_der(std::span<const std::uint8_t> der);

// The public half as a PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----",
// 64-column lines, a final newline), as verifiers load public keys: what the
// test kit's hs256-with-public-key case keys its HMAC with. Throws CryptoError.
std::string export_spki_pem(const EVP_PKEY& key);

}  // namespace jwks::crypto
