// base64url without padding (RFC 4648 §5, as RFC 7515 §2 requires).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace jwks::jose {

std::string base64url_encode(std::span<const std::uint8_t> data);
std::string base64url_encode(std::string_view text);

// Strict decoder: only the URL-safe alphabet, no padding, no whitespace, and
// the unused low bits of the last character must be zero (so every byte
// string has exactly one encoding). Returns nullopt for anything else.
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

}  // namespace jwks::jose
