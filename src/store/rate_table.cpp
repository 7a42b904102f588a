#include "jwks/store/rate_table.h"

#include <unistd.h>

#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"

namespace jwks::store {

namespace {

bool is_memory(const std::string& path) { return path.empty() || path == ":memory:"; }

}  // namespace

std::string rate_store_path(const std::string& store_path) {
  return is_memory(store_path) ? ":memory:" : store_path + "-rate";
}

void prepare_rate_store(Database& db) {
  {
    Statement mark(db, "PRAGMA user_version");
    if (mark.step() && mark.column_int64(0) == 1) return;
  }  // finalized before the transaction
  Transaction tx(db, TransactionMode::kImmediate, Durability::kRelaxed);
  db.exec("CREATE TABLE IF NOT EXISTS rate_events(bucket TEXT NOT NULL, addr TEXT NOT NULL, at_ms INTEGER NOT NULL);"
          "CREATE INDEX IF NOT EXISTS rate_events_bucket_addr ON rate_events(bucket, addr, at_ms);"
          "CREATE INDEX IF NOT EXISTS rate_events_bucket_at ON rate_events(bucket, at_ms);"
          "PRAGMA user_version = 1");
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
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
  return attempt();
}

RateDecision RateTable::acquire(std::string_view addr, std::int64_t now_ms, std::int64_t window_ms,
                                std::int64_t limit) {
  const std::int64_t window_start = now_ms - window_ms;  // exclusive
  // A rate event is worth nothing after its window: no fsync per request.
  Transaction tx(db_, TransactionMode::kImmediate, Durability::kRelaxed);
  Statement(db_, "DELETE FROM rate_events WHERE bucket = ? AND at_ms <= ?").bind(1, bucket_).bind(2, window_start).run();

  // Counted and recorded in one statement: the event is inserted only while
  // the address has fewer than `limit` events in the window.
  Statement(db_,
            "INSERT INTO rate_events (bucket, addr, at_ms) SELECT ?5, ?1, ?2 "
            "WHERE (SELECT count(*) FROM rate_events WHERE bucket = ?5 AND addr = ?1 AND at_ms > ?3) < ?4")
      .bind(1, addr)
      .bind(2, now_ms)
      .bind(3, window_start)
      .bind(4, limit)
      .bind(5, bucket_)
      .run();
  RateDecision d;
  d.allowed = db_.changes() == 1;
  if (!d.allowed) {  // a refusal uses no slot; it says when the oldest one frees
    Statement oldest(db_, "SELECT min(at_ms) FROM rate_events WHERE bucket = ? AND addr = ? AND at_ms > ?");
    oldest.bind(1, bucket_).bind(2, addr).bind(3, window_start).step();
    d.retry_after_ms = oldest.column_int64(0) + window_ms - now_ms;
  }
  tx.commit();
  return d;
}

}  // namespace jwks::store
