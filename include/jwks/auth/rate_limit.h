// The /auth rate limit setting: at most N requests per client address in any
// rolling window of W seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace jwks::auth {

struct RateLimit {
  std::int64_t requests = 10;
  std::int64_t window_ms = 1000;
};

// Parses "N/Ws" (also "N/W" and the units s, m, h: "10/1s", "5/60s", "100/1h").
// N from 1 to 1,000,000; W from 1 second to 1 day. nullopt otherwise.
std::optional<RateLimit> parse_rate_limit(std::string_view text);

// Whole seconds for Retry-After: ceil(ms / 1000), at least 1.
std::int64_t retry_after_seconds(std::int64_t retry_after_ms);

}  // namespace jwks::auth
