// Private keys as the envelope holds them: their raw components, so that a
// request loads its signing key with one EVP_PKEY_fromdata (tens of
// microseconds) instead of OpenSSL's DER decoder chain (most of a
// millisecond for RSA). Format version 1, all integers big-endian:
//
//   "JK" 0x01 TYPE  then FIELD*, each FIELD = u16 length || bytes
//   TYPE 0x01 RSA      n e d p q dp dq qi   (unsigned magnitudes)
//   TYPE 0x02 P-256    d (32 bytes) || public point (SEC1, 65 bytes uncompressed)
//   TYPE 0x03 Ed25519  private seed (32 bytes)
//
// A PKCS#8 PrivateKeyInfo (DER, first byte 0x30) is still read: the format of
// keys sealed before version 1, until they rotate out or `jwksctl rekey`
// rewrites them.
#pragma once

#include <cstdint>
#include <span>

#include "jwks/crypto/handle.h"
#include "jwks/crypto/pkcs8.h"
#include "jwks/crypto/secure_bytes.h"
#include "jwks/util/result.h"

namespace jwks::crypto {

// Serialises an RSA, P-256 or Ed25519 private key. Throws CryptoError for any
// other key or when OpenSSL cannot export it.
SecureBytes export_key_material(const EVP_PKEY& key);

// Parses version 1 material or PKCS#8 DER. Anything malformed (wrong magic,
// truncated or oversized fields, trailing bytes, members OpenSSL rejects) is
// an error value, never an exception.
util::Result<PkeyPtr, KeyDecodeError> import_key_material(std::span<const std::uint8_t> material);

// True when `material` is PKCS#8 DER rather than version 1 components.
bool is_pkcs8_material(std::span<const std::uint8_t> material);

}  // namespace jwks::crypto
