// The key-encryption key, derived from the NOT_MY_KEY master secret.
#pragma once

#include <string>
#include <string_view>

#include "jwks/crypto/secure_bytes.h"
#include "jwks/util/result.h"

namespace jwks::crypto {

enum class MasterKeyError {
  kMissing,         // neither NOT_MY_KEY nor NOT_MY_KEY_FILE is set (or the secret is empty)
  kTooShort,        // fewer than 32 bytes
  kBothSet,         // NOT_MY_KEY and NOT_MY_KEY_FILE are both set
  kFileUnreadable,  // NOT_MY_KEY_FILE cannot be read (or is over 4 KiB)
};

// A human-readable explanation naming NOT_MY_KEY (or NOT_MY_KEY_FILE), for
// logs and the CLI.
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

  // The secret from the NOT_MY_KEY environment variable, or else from the
  // file NOT_MY_KEY_FILE names (so that no long-lived process's environment
  // holds it); setting both is an error. Then from_secret. The copy read
  // from the file is wiped.
  static util::Result<MasterKey, MasterKeyError> from_environment();

  // The derived AES-256 key; valid while this object lives.
  const SecureBytes& aes_key() const { return aes_key_; }

 private:
  explicit MasterKey(SecureBytes aes_key) : aes_key_(std::move(aes_key)) {}
  SecureBytes aes_key_;
};

}  // namespace jwks::crypto
