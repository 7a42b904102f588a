// The shared state of the rate limits: a sliding-window log in SQLite, so
// that every responder process draws on one budget per client address. Each
// limit (/auth, /register) counts in a bucket of its own.
#pragma once

#include <cstdint>
#include <string_view>

#include "jwks/store/database.h"

namespace jwks::store {

struct RateDecision {
  bool allowed = false;
  std::int64_t retry_after_ms = 0;  // when denied: until the oldest counted request leaves the window
};

inline constexpr std::string_view kAuthBucket = "auth";
inline constexpr std::string_view kRegisterBucket = "register";

class RateTable {
 public:
  explicit RateTable(Database& db, std::string_view bucket = kAuthBucket) : db_(db), bucket_(bucket) {}

  // Counts the requests of `addr` in the window (now_ms - window_ms, now_ms].
  // Below `limit`, records this one and allows it; otherwise denies it without
  // recording it (a refused request uses no slot). Rows of this bucket that
  // left the window are deleted for every address, so the table holds at
  // most the requests of each bucket's last window. One BEGIN IMMEDIATE
  // transaction. Throws SqliteError.
  RateDecision acquire(std::string_view addr, std::int64_t now_ms, std::int64_t window_ms, std::int64_t limit);

 private:
  Database& db_;
  std::string_view bucket_;
};

}  // namespace jwks::store
