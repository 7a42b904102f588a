// Standard base64 decoding (RFC 4648 §4), for HTTP Basic and master secrets.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace jwks::util {

struct Base64Options {
  bool accept_url_alphabet = false;  // also accept '-' and '_' (RFC 4648 §5)
  bool require_padding = true;       // '=' padding to a multiple of 4
};

// Returns nullopt for characters outside the alphabet, bad padding, or a
// length no encoding can have. Callers holding secrets must wipe the result.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text, Base64Options options = {});

}  // namespace jwks::util
