// Password hashing with Argon2id (RFC 9106) through libargon2, stored as PHC
// strings: $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jwks/crypto/random.h"

namespace jwks::auth {

struct Argon2Params {
  std::uint32_t memory_kib = 19456;  // OWASP's minimum for Argon2id (19 MiB)
  std::uint32_t passes = 2;
  std::uint32_t lanes = 1;
  std::uint32_t salt_bytes = 16;
  std::uint32_t hash_bytes = 32;
};

// Hashes `password` with a fresh random salt from `random`. Throws
// std::runtime_error if libargon2 fails (out of memory).
std::string hash_password(std::string_view password, const Argon2Params& params,
                          crypto::RandomSource& random = crypto::SystemRandom::instance());

struct Verification {
  bool match = false;
  // The stored hash is weaker than `current` (fewer KiB, passes or lanes, a
  // shorter salt or hash, or not Argon2id v1.3): re-hash after a match.
  bool needs_rehash = false;
  bool malformed = false;  // not a PHC string libargon2 can read
};

// Verifies in constant time (libargon2 compares the tags without early exit).
Verification verify_password(std::string_view phc, std::string_view password, const Argon2Params& current);

// Spends the time of one verification at `params` without a stored hash, so a
// login for an unknown user takes as long as one for a known user.
void burn_verification(std::string_view password, const Argon2Params& params);

// Raw Argon2id with optional secret and associated data, for known-answer
// tests against RFC 9106 §5.3. Throws std::runtime_error on failure.
std::vector<std::uint8_t> argon2id_raw(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
                                       std::span<const std::uint8_t> secret, std::span<const std::uint8_t> ad,
                                       const Argon2Params& params, std::size_t tag_bytes);

}  // namespace jwks::auth
