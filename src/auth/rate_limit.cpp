#include "jwks/auth/rate_limit.h"

#include <charconv>

#include "jwks/util/duration.h"

namespace jwks::auth {

std::optional<RateLimit> parse_rate_limit(std::string_view text) {
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view n_text = text.substr(0, slash), w_text = text.substr(slash + 1);
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(n_text.data(), n_text.data() + n_text.size(), n);
  if (ec != std::errc{} || end != n_text.data() + n_text.size() || n < 1 || n > 1'000'000) return std::nullopt;
  if (!w_text.empty() && w_text.back() == 'd') return std::nullopt;  // a day at most, given in s, m or h
  auto w = util::parse_duration_seconds(w_text);
  if (!w || *w > 86400) return std::nullopt;
  return RateLimit{n, *w * 1000};
}

std::int64_t retry_after_seconds(std::int64_t retry_after_ms) {
  std::int64_t s = (retry_after_ms + 999) / 1000;
  return s < 1 ? 1 : s;
}

}  // namespace jwks::auth
