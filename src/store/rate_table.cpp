#include "jwks/store/rate_table.h"

#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"

namespace jwks::store {

RateDecision RateTable::acquire(std::string_view addr, std::int64_t now_ms, std::int64_t window_ms,
                                std::int64_t limit) {
  const std::int64_t window_start = now_ms - window_ms;  // exclusive
  Transaction tx(db_, TransactionMode::kImmediate);
  Statement(db_, "DELETE FROM rate_events WHERE at_ms <= ?").bind(1, window_start).run();

  Statement count(db_, "SELECT count(*), min(at_ms) FROM rate_events WHERE addr = ? AND at_ms > ?");
  count.bind(1, addr).bind(2, window_start).step();
  RateDecision d;
  if (count.column_int64(0) >= limit) {
    d.allowed = false;
    d.retry_after_ms = count.column_int64(1) + window_ms - now_ms;
  } else {
    Statement(db_, "INSERT INTO rate_events (addr, at_ms) VALUES (?, ?)").bind(1, addr).bind(2, now_ms).run();
    d.allowed = true;
  }
  tx.commit();
  return d;
}

}  // namespace jwks::store
