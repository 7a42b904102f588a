// Parsing of durations given in configuration ("90", "90s", "15m", "24h", "7d").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace jwks::util {

// Returns the duration in seconds, or nullopt when `text` is not a positive
// integer optionally followed by one of s, m, h, d, or would overflow 64 bits.
std::optional<std::int64_t> parse_duration_seconds(std::string_view text);

}  // namespace jwks::util
