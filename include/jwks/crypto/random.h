// Randomness from OpenSSL's CSPRNG, behind an interface so tests can inject
// fixed bytes.
#pragma once

#include <cstdint>
#include <span>

namespace jwks::crypto {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out` completely. Throws CryptoError if the generator fails.
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

// RAND_bytes. A process-wide instance; stateless apart from OpenSSL's DRBG.
class SystemRandom final : public RandomSource {
 public:
  void fill(std::span<std::uint8_t> out) override;
  static SystemRandom& instance();
};

}  // namespace jwks::crypto
