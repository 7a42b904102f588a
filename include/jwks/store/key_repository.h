// Signing keys at rest: the contract's `keys` table (encrypted private key and
// expiry) joined with this project's `key_public` (algorithm, public JWK) and
// `key_schedule` (when the key is published, signs and retires). A key is
// expired when exp <= now. What the times mean is service/key_schedule.h's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>


namespace jwks::store {

// When a key is in the JWKS and when it signs, in Unix seconds.
struct KeySchedule {
  std::int64_t published_at = 0;  // in the JWKS from here
  std::int64_t active_at = 0;     // may sign from here
  std::int64_t retire_at = 0;     // signs no more from here
  std::int64_t exp = 0;           // keys.exp: out of the JWKS from here
  bool retired_early = false;     // retired by an operator: never signs again
  // The longest lifetime a token this key signs may have: tokens are capped
  // at it, and its exp is never brought below retire_at + token_lifetime. It
  // only grows. Unknown for keys made before schema v5 (none until rescheduled).
  std::optional<std::int64_t> token_lifetime;
  bool operator==(const KeySchedule&) const = default;
};

struct KeyRecord {
  std::int64_t row_id = 0;      // keys.kid: the row id (the published kid is `thumbprint`)
  std::int64_t created_at = 0;  // Unix seconds
  KeySchedule schedule;
  std::string alg;
  std::string public_jwk;       // JSON object text: kty and public members, no kid
  std::string thumbprint;       // the published kid (RFC 7638); empty until filled in
  bool legacy_kid = false;      // also published under the decimal row id (keys made before v3)

  std::int64_t exp() const { return schedule.exp; }
  bool operator==(const KeyRecord&) const = default;
};

struct SealedKey {
  KeyRecord record;
  std::vector<std::uint8_t> envelope;  // crypto::seal output; never plaintext
  bool operator==(const SealedKey&) const = default;
};

// The key rows of a store (store.h: one per backend). Throws StoreError.
class KeyRepository {
 public:
  virtual ~KeyRepository() = default;

  // Inserts the key, its public half and its schedule; returns the new kid.
  // Call inside the exclusive transaction so the rows land together.
  virtual std::int64_t insert(std::span<const std::uint8_t> envelope, const KeySchedule& schedule,
                              std::string_view alg, std::string_view public_jwk, std::string_view thumbprint,
                              std::int64_t created_at) = 0;
  // Replaces a key's schedule (keys.exp included). Call inside a transaction.
  virtual void set_schedule(std::int64_t kid, const KeySchedule& schedule) = 0;
  // Deletes a key and everything about it. Call inside a transaction.
  virtual void remove(std::int64_t kid) = 0;

  // Every key with its envelope, oldest kid first (for re-encryption).
  virtual std::vector<SealedKey> all_sealed() const = 0;
  // One key's envelope; nullopt if there is no such key.
  virtual std::optional<std::vector<std::uint8_t>> envelope(std::int64_t kid) const = 0;
  // Replaces a key's envelope. Call inside a transaction.
  virtual void update_envelope(std::int64_t kid, std::span<const std::uint8_t> envelope) = 0;

  // Keys whose thumbprint is not filled in yet (made before schema v3).
  virtual std::vector<KeyRecord> without_thumbprint() const = 0;
  virtual void set_thumbprint(std::int64_t kid, std::string_view thumbprint) = 0;

  // Keys with exp > now, oldest kid first.
  virtual std::vector<KeyRecord> unexpired(std::int64_t now) const = 0;
  // Every key, oldest kid first.
  virtual std::vector<KeyRecord> all() const = 0;

  // The most recently expired key (exp <= now) of algorithm `alg` (any if
  // empty), with its envelope.
  virtual std::optional<SealedKey> latest_expired(std::int64_t now, std::string_view alg = {}) const = 0;
};

}  // namespace jwks::store
