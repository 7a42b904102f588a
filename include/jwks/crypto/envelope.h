// The at-rest envelope for private keys: AES-256-GCM under the MasterKey.
//
// Layout (version 1):  0x01 | nonce (12 bytes) | ciphertext | tag (16 bytes)
// The version byte and a fixed context string are authenticated as AAD, so a
// changed version, nonce, ciphertext or tag, a truncation or the wrong master
// key all fail authentication instead of yielding garbage.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "jwks/crypto/master_key.h"
#include "jwks/crypto/random.h"
#include "jwks/crypto/secure_bytes.h"
#include "jwks/util/result.h"

namespace jwks::crypto {

inline constexpr std::uint8_t kEnvelopeVersion = 1;
inline constexpr std::size_t kEnvelopeNonceBytes = 12;
inline constexpr std::size_t kEnvelopeTagBytes = 16;

enum class EnvelopeError {
  kTruncated,            // shorter than version + nonce + tag
  kUnsupportedVersion,   // first byte is not a version this build reads
  kAuthenticationFailed  // tampered, or sealed under another master key
};

std::string describe(EnvelopeError e);

// Encrypts `plaintext` with a fresh random nonce from `random`. Throws
// CryptoError only if OpenSSL itself fails.
std::vector<std::uint8_t> seal(const MasterKey& key, std::span<const std::uint8_t> plaintext,
                               RandomSource& random = SystemRandom::instance());

// Decrypts and authenticates an envelope. The plaintext is returned only when
// the tag verifies; no partial plaintext is ever exposed.
util::Result<SecureBytes, EnvelopeError> open(const MasterKey& key, std::span<const std::uint8_t> envelope);

}  // namespace jwks::crypto
