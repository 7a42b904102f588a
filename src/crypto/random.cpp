#include "jwks/crypto/random.h"

#include <openssl/rand.h>

#include <climits>

#include "jwks/crypto/handle.h"

namespace jwks::crypto {

void SystemRandom::fill(std::span<std::uint8_t> out) {
  while (!out.empty()) {
    int n = out.size() > INT_MAX ? INT_MAX : static_cast<int>(out.size());
    if (RAND_bytes(out.data(), n) != 1) throw_openssl_error("RAND_bytes");
    out = out.subspan(static_cast<std::size_t>(n));
  }
}

SystemRandom& SystemRandom::instance() {
  static SystemRandom r;
  return r;
}

}  // namespace jwks::crypto
