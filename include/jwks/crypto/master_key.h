// The key-encryption key, derived from the NOT_MY_KEY master secret.
#pragma once

#include <string>
#include <string_view>

#include "jwks/crypto/secure_bytes.h"
#include "jwks/util/result.h"

namespace jwks::crypto {

enum class MasterKeyError { kMissing, kTooShort };

// A human-readable explanation naming NOT_MY_KEY, for logs and the CLI.
std::string describe(MasterKeyError e);

class MasterKey {
 public:
  static constexpr std::size_t kMinSecretBytes = 32;

  // Decodes the master secret and derives the 32-byte AES key from it with
  // HKDF-SHA256 (salt "jwks-fcgi", info "jwks-fcgi key-encryption v1").
  // The secret is read as hex when it is only hex digits (even length), else
  // as base64 / base64url when it decodes to at least 32 bytes, else as raw
  // bytes; it must yield at least 32 bytes. A trailing newline is ignored.
  // Decoded secrets are wiped.
  static util::Result<MasterKey, MasterKeyError> from_secret(std::string_view secret);

  // Reads the NOT_MY_KEY environment variable and calls from_secret.
  static util::Result<MasterKey, MasterKeyError> from_environment();

  // The derived AES-256 key; valid while this object lives.
  const SecureBytes& aes_key() const { return aes_key_; }

 private:
  explicit MasterKey(SecureBytes aes_key) : aes_key_(std::move(aes_key)) {}
  SecureBytes aes_key_;
};

}  // namespace jwks::crypto
