#include "jwks/auth/uuid.h"

#include <array>

#include "jwks/crypto/secure_bytes.h"

namespace jwks::auth {

std::string uuid_v4(crypto::RandomSource& random) {
  std::array<std::uint8_t, 16> b{};
  random.fill(b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0x0f];
  }
  crypto::cleanse(b.data(), b.size());
  return out;
}

}  // namespace jwks::auth
