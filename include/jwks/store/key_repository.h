// Signing keys at rest: the contract's `keys` table (encrypted private key and
// expiry) joined with this project's `key_public` (algorithm, public JWK).
// A key is expired when exp <= now.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jwks/store/database.h"

namespace jwks::store {

struct KeyRecord {
  std::int64_t kid = 0;
  std::int64_t exp = 0;         // Unix seconds
  std::int64_t created_at = 0;  // Unix seconds
  std::string alg;
  std::string public_jwk;       // JSON object text: kty and public members, no kid
  std::string thumbprint;       // the published kid (RFC 7638); empty until filled in
  bool legacy_kid = false;      // also published under the decimal row id (keys made before v3)
};

struct SealedKey {
  KeyRecord record;
  std::vector<std::uint8_t> envelope;  // crypto::seal output; never plaintext
};

class KeyRepository {
 public:
  explicit KeyRepository(Database& db) : db_(db) {}

  // Inserts the key and its public half; returns the new kid. Call inside a
  // transaction so the two rows land together. Throws SqliteError.
  std::int64_t insert(std::span<const std::uint8_t> envelope, std::int64_t exp, std::string_view alg,
                      std::string_view public_jwk, std::string_view thumbprint, std::int64_t created_at);

  // Every key with its envelope, oldest kid first (for re-encryption).
  std::vector<SealedKey> all_sealed() const;
  // Replaces a key's envelope. Call inside a transaction. Throws SqliteError.
  void update_envelope(std::int64_t kid, std::span<const std::uint8_t> envelope);

  // Keys whose thumbprint is not filled in yet (made before schema v3).
  std::vector<KeyRecord> without_thumbprint() const;
  void set_thumbprint(std::int64_t kid, std::string_view thumbprint);

  // Keys with exp > now, oldest kid first.
  std::vector<KeyRecord> unexpired(std::int64_t now) const;
  // Every key, oldest kid first.
  std::vector<KeyRecord> all() const;

  // Every query below takes an optional algorithm: when not empty, only keys
  // of that JWS algorithm count.

  // True if some key has exp >= t.
  bool any_expiring_at_or_after(std::int64_t t, std::string_view alg = {}) const;
  // True if some key has exp <= now (an expired key).
  bool any_expired(std::int64_t now, std::string_view alg = {}) const;

  // The unexpired key with the latest expiry whose exp >= not_before_exp
  // (pass now + minimum remaining life), with its envelope.
  std::optional<SealedKey> signing_key(std::int64_t not_before_exp, std::string_view alg = {}) const;
  // The most recently expired key (exp <= now), with its envelope.
  std::optional<SealedKey> latest_expired(std::int64_t now, std::string_view alg = {}) const;

 private:
  // The key with the latest exp among those matching `condition` (a constant
  // SQL fragment with one parameter, bound to `bound`).
  std::optional<SealedKey> latest_sealed(std::string_view condition, std::int64_t bound, std::string_view alg) const;

  Database& db_;
};

}  // namespace jwks::store
