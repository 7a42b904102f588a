#include "jwks/store/rate_table.h"

#include <unistd.h>

#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"

namespace jwks::store {

namespace {

constexpr std::int64_t kRateSchema = 2;

std::int64_t rate_schema(Database& db) {
  Statement mark(db, "PRAGMA user_version");
  mark.step();  // always one row
  return mark.column_int64(0);
}

}  // namespace

std::string rate_store_path(const std::string& store_path) {
  return is_memory_path(store_path) ? ":memory:" : store_path + "-rate";
}

void prepare_rate_store(Database& db) {
  if (rate_schema(db) == kRateSchema) return;
  Transaction tx(db, TransactionMode::kImmediate, Durability::kRelaxed);
  if (rate_schema(db) == kRateSchema) return;  // another process was first
  // The log (one row per counted request) and, per address, how many of its
  // rows there are, kept by the insert and by a trigger as rows leave: a
  // request reads one count instead of counting its address's rows. An
  // older layout is dropped: its rows are worth nothing after their window.
  db.exec("DROP TABLE IF EXISTS rate_events; DROP TABLE IF EXISTS rate_counts;"
          "CREATE TABLE rate_events(bucket TEXT NOT NULL, addr TEXT NOT NULL, at_ms INTEGER NOT NULL);"
          "CREATE INDEX rate_events_bucket_addr ON rate_events(bucket, addr, at_ms);"
          "CREATE INDEX rate_events_bucket_at ON rate_events(bucket, at_ms);"
          "CREATE TABLE rate_counts(bucket TEXT NOT NULL, addr TEXT NOT NULL, n INTEGER NOT NULL,"
          "                         PRIMARY KEY (bucket, addr)) WITHOUT ROWID;"
          "CREATE TRIGGER rate_events_leave AFTER DELETE ON rate_events BEGIN"
          "  UPDATE rate_counts SET n = n - 1 WHERE bucket = OLD.bucket AND addr = OLD.addr;"
          "  DELETE FROM rate_counts WHERE bucket = OLD.bucket AND addr = OLD.addr AND n <= 0;"
          " END;"
          "PRAGMA user_version = 2");
  tx.commit();
}

RateDecision acquire_rate(const std::string& store_path, int busy_timeout_ms, std::string_view bucket,
                          std::string_view addr, std::int64_t now_ms, std::int64_t window_ms, std::int64_t limit) {
  const std::string path = rate_store_path(store_path);
  const DatabaseOptions options{busy_timeout_ms, true, true};
  auto attempt = [&] {
    Database db(path, options);
    prepare_rate_store(db);
    return RateTable(db, bucket).acquire(addr, now_ms, window_ms, limit);
  };
  try {
    return attempt();
  } catch (const SqliteError& e) {
    if (e.code() != SQLITE_CORRUPT && e.code() != SQLITE_NOTADB) throw;
  }
  ::unlink(path.c_str());  // its journal is in memory: the file is all there is
  return attempt();
}

RateDecision RateTable::acquire(std::string_view addr, std::int64_t now_ms, std::int64_t window_ms,
                                std::int64_t limit) {
  const std::int64_t window_start = now_ms - window_ms;  // exclusive
  // A rate event is worth nothing after its window: no fsync per request.
  Transaction tx(db_, TransactionMode::kImmediate, Durability::kRelaxed);
  // Rows that left the window go (the trigger lowers their addresses'
  // counts); what remains of this bucket is inside it, so an address's count
  // is its requests in the window. Each row is deleted once, so on average
  // the work per request does not grow with the number of clients or the limit.
  Statement(db_, "DELETE FROM rate_events WHERE bucket = ? AND at_ms <= ?").bind(1, bucket_).bind(2, window_start).run();
  Statement count(db_, "SELECT n FROM rate_counts WHERE bucket = ? AND addr = ?");
  count.bind(1, bucket_).bind(2, addr);
  const std::int64_t in_window = count.step() ? count.column_int64(0) : 0;
  count.reset();
  RateDecision d;
  d.allowed = in_window < limit;
  if (d.allowed) {
    Statement(db_, "INSERT INTO rate_events (bucket, addr, at_ms) VALUES (?, ?, ?)")
        .bind(1, bucket_)
        .bind(2, addr)
        .bind(3, now_ms)
        .run();
    Statement(db_, "INSERT INTO rate_counts (bucket, addr, n) VALUES (?, ?, 1) "
                   "ON CONFLICT (bucket, addr) DO UPDATE SET n = n + 1")
        .bind(1, bucket_)
        .bind(2, addr)
        .run();
  } else {  // a refusal uses no slot; it says when the oldest one frees
    Statement oldest(db_, "SELECT min(at_ms) FROM rate_events WHERE bucket = ? AND addr = ? AND at_ms > ?");
    oldest.bind(1, bucket_).bind(2, addr).bind(3, window_start).step();
    d.retry_after_ms = oldest.column_int64(0) + window_ms - now_ms;
  }
  tx.commit();
  return d;
}

}  // namespace jwks::store
