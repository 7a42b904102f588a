#include "jwks/store/rate_table.h"

#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"

namespace jwks::store {

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
