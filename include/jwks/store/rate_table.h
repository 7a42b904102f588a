// The shared state of the /auth rate limit: a sliding-window log in SQLite,
// so that every responder process draws on one budget per client address.
#pragma once

#include <cstdint>
#include <string_view>

#include "jwks/store/database.h"

namespace jwks::store {

struct RateDecision {
  bool allowed = false;
  std::int64_t retry_after_ms = 0;  // when denied: until the oldest counted request leaves the window
};

class RateTable {
 public:
  explicit RateTable(Database& db) : db_(db) {}

  // Counts the requests of `addr` in the window (now_ms - window_ms, now_ms].
  // Below `limit`, records this one and allows it; otherwise denies it without
  // recording it (a refused request uses no slot). Rows that left the window
  // are deleted for every address, so the table holds at most the requests of
  // the last window. One BEGIN IMMEDIATE transaction. Throws SqliteError.
  RateDecision acquire(std::string_view addr, std::int64_t now_ms, std::int64_t window_ms, std::int64_t limit);

 private:
  Database& db_;
};

}  // namespace jwks::store
