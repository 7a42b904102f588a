// base64 and base64url decoding (RFC 4648 §4 and §5), one decoder for HTTP
// Basic, master secrets and JOSE.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace jwks::util {

enum class Base64Alphabet { kStandard, kUrl, kEither };
enum class Base64Padding { kRequired, kOptional, kForbidden };

struct Base64Options {
  Base64Alphabet alphabet = Base64Alphabet::kStandard;
  Base64Padding padding = Base64Padding::kRequired;
  // Reject encodings whose unused low bits are not zero, so that every byte
  // string has exactly one accepted encoding (JOSE wants this).
  bool canonical = false;
};

// Returns nullopt for characters outside the alphabet, bad padding, or a
// length no encoding can have. Never reallocates while decoding, so callers
// holding secrets can wipe the one buffer it returns.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text, Base64Options options = {});

// The value of one hex digit (either case), or -1.
int hex_digit_value(char c);

}  // namespace jwks::util
