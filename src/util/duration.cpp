#include "jwks/util/duration.h"

#include <charconv>
#include <limits>

namespace jwks::util {

std::optional<std::int64_t> parse_duration_seconds(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; text.remove_suffix(1); break;
    case 'm': unit = 60; text.remove_suffix(1); break;
    case 'h': unit = 3600; text.remove_suffix(1); break;
    case 'd': unit = 86400; text.remove_suffix(1); break;
    default: break;
  }
  if (text.empty()) return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n <= 0) return std::nullopt;
  if (n > std::numeric_limits<std::int64_t>::max() / unit) return std::nullopt;
  return n * unit;
}

}  // namespace jwks::util
