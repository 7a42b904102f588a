// The key lifecycle (first cut): keep a signing key with enough life left
// and, while expired-token mode is on, an expired key; create what is missing
// exactly once across processes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "jwks/service/clock.h"
#include "jwks/service/key_factory.h"
#include "jwks/store/database.h"

namespace jwks::service {

struct KeyPolicy {
  std::int64_t key_lifetime = 24 * 3600;  // a new signing key expires this long after creation
  std::int64_t min_remaining = 3600;      // a signing key with less life left is replaced
  bool keep_expired = true;               // keep an expired key for ?expired=true
  std::int64_t expired_key_age = 3600;    // a generated expired key expired this long ago
  std::string alg = "RS256";              // the JWS algorithm new keys are for and tokens are signed with
};

enum class KeyState { kActive, kValid, kExpired };
const char* to_string(KeyState s);

struct KeyStatus {
  std::int64_t kid;         // the row id (keys.kid)
  std::string public_kid;   // the kid in the JWKS and in token headers
  std::string alg;
  KeyState state;  // kActive: the key that signs now; kValid: unexpired, in the JWKS
  std::int64_t created_at;
  std::int64_t exp;
};

class KeyManager {
 public:
  // All references must outlive the manager.
  KeyManager(store::Database& db, const Clock& clock, KeyFactory& factory, KeyPolicy policy)
      : db_(db), clock_(clock), factory_(factory), policy_(policy) {}

  // Makes the store hold a key with exp >= now + min_remaining and, if
  // keep_expired, a key with exp <= now. Cheap when nothing is missing (two
  // reads). Otherwise generates the missing keys without holding a lock, then
  // inside BEGIN IMMEDIATE re-checks and inserts only what is still missing,
  // so concurrent callers never both create one. Returns the number of keys
  // inserted. Refuses (std::runtime_error) to add keys when the factory's
  // master key does not open the newest stored key. Throws
  // store::SqliteError or crypto::CryptoError.
  int ensure();

  // Adds a new signing key now, whatever the state (jwksctl rotate): it
  // becomes the active key since it expires last. Returns its kid.
  std::int64_t rotate();

  // Every key with its state, oldest first.
  std::vector<KeyStatus> list() const;

 private:
  // Throws std::runtime_error unless the factory's master key opens the
  // newest stored key.
  void require_matching_master_key() const;
  // Gives keys made before schema v3 their RFC 7638 thumbprint kid.
  void fill_thumbprints();
  bool needs_signing_key(std::int64_t now) const;
  bool needs_expired_key(std::int64_t now) const;

  store::Database& db_;
  const Clock& clock_;
  KeyFactory& factory_;
  KeyPolicy policy_;
};

}  // namespace jwks::service
