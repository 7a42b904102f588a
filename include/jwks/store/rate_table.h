// The shared state of the rate limits: a sliding-window log in SQLite, so
// that every responder process draws on one budget per client address. Each
// limit (/auth, /register) counts in a bucket of its own.
//
// The log lives in a SQLite file of its own beside the store,
// <store>-rate: its rows are worth nothing after their window, so it is
// written without fsync and without the store's write lock (DatabaseOptions::
// scratch), and a token request, which only reads the store, never waits on
// the disk or on a writer of the store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jwks/store/database.h"
#include "jwks/store/store.h"

namespace jwks::store {

// The rate file for the store at `store_path`: "<store_path>-rate", or
// ":memory:" for an in-memory store.
std::string rate_store_path(const std::string& store_path);

// Creates the rate tables in `db` (rate_events, rate_counts and the trigger
// that keeps the counts) if they are not there, or replaces an older layout;
// PRAGMA user_version marks the layout. Throws SqliteError.
void prepare_rate_store(Database& db);

// Opens the rate file of the store at `store_path` (created 0600 if needed)
// and decides one request, as RateTable::acquire. A damaged rate file
// (SQLITE_CORRUPT, SQLITE_NOTADB) is deleted and rebuilt, once:
// its budgets start over. Throws SqliteError (busy, read-only, ...).
RateDecision acquire_rate(const std::string& store_path, int busy_timeout_ms, std::string_view bucket,
                          std::string_view addr, std::int64_t now_ms, std::int64_t window_ms, std::int64_t limit);

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
