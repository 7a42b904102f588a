// Shared by the libFuzzer targets: a property check that libFuzzer reports as
// a crash (with the failing input saved), and the fixed test master key.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "jwks/crypto/master_key.h"

// Aborts with the failed condition when a property does not hold. Unlike
// assert() it is never compiled out.
#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

namespace jwks::fuzz {

// The master secret the committed envelopes in corpus/envelope/ are sealed
// under (64 hex digits). A test value: it protects nothing.
inline constexpr std::string_view kMasterSecret = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

inline const crypto::MasterKey& master_key() {
  static const crypto::MasterKey key = crypto::MasterKey::from_secret(kMasterSecret).value();
  return key;
}

inline std::string_view as_text(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace jwks::fuzz
