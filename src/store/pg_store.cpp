#include "jwks/store/pg_store.h"

namespace jwks::store {
namespace {

// The key of the advisory lock every host's exclusive transaction takes.
constexpr const char* kKeysLock = "SELECT pg_advisory_xact_lock(7216050101)";

class PgExclusive final : public ExclusiveTransaction {
 public:
  explicit PgExclusive(PgConnection& conn) : tx_(conn) { conn.exec(kKeysLock); }
  void commit() override { tx_.commit(); }
  void rollback() noexcept override { tx_.rollback(); }

 private:
  PgTransaction tx_;
};

std::shared_ptr<PgConnection> connect_migrated(const std::string& uri, int lock_timeout_ms) {
  auto conn = std::make_shared<PgConnection>(uri, lock_timeout_ms);
  migrate(*conn);
  return conn;
}

}  // namespace

PgStore::PgStore(const std::string& uri, int lock_timeout_ms)
    : owned_(connect_migrated(uri, lock_timeout_ms)), conn_(*owned_) {}

std::unique_ptr<ExclusiveTransaction> PgStore::exclusive() {
  // READ COMMITTED: each statement after the lock sees what the previous
  // holder committed (a snapshot taken before the wait would not).
  return std::make_unique<PgExclusive>(conn_);
}

PgConnection& PgSource::connection() {
  if (conn_ && !conn_->ok()) conn_.reset();
  if (conn_ && !conn_->idle()) {
    // A request that failed inside a transaction left it open.
    try {
      conn_->exec("ROLLBACK");
    } catch (const PgError&) {
      conn_.reset();
    }
  }
  if (!conn_) conn_ = connect_migrated(uri_, lock_timeout_ms_);
  return *conn_;
}

template <typename F>
auto PgSource::with_connection(F&& use) -> decltype(use(std::declval<PgConnection&>())) {
  const PgConnection* before = conn_.get();
  PgConnection& conn = connection();
  const bool kept = &conn == before;
  try {
    return use(conn);
  } catch (const PgError& e) {
    // A kept connection the server closed (a restart, a failover, an idle
    // timeout) fails its first statement: connect again, once. One opened
    // for this call that fails is the answer, and so is any other error.
    if (!kept || !e.connection_lost()) throw;
    conn_.reset();
    return use(connection());
  }
}

std::unique_ptr<Store> PgSource::open() {
  return with_connection([&](PgConnection& conn) -> std::unique_ptr<Store> {
    // One round trip: the version, so a store another build migrated (or
    // one emptied meanwhile) is brought up to date as on SQLite.
    const PgResult r = conn.exec("SELECT coalesce(max(version), 0) FROM jwks_schema_version");
    if (r.int64(0, 0) != kPgSchemaVersion) migrate(conn);
    return std::make_unique<PgStore>(conn_);
  });
}

RateDecision PgSource::acquire_rate(std::string_view bucket, std::string_view addr, std::int64_t now_ms,
                                    std::int64_t window_ms, std::int64_t limit) {
  return with_connection([&](PgConnection& conn) {
    PgParams params;
    params.text(bucket).text(addr);
    if (server_clock_) params.null(); else params.int64(now_ms);
    params.int64(window_ms).int64(limit).int64(conn.lock_timeout_ms());
    // One statement, its own transaction: a deadlock or serialization
    // failure left nothing behind, so it runs again (three tries).
    for (int attempt = 1;; ++attempt) {
      try {
        const std::int64_t wait =
            conn.exec("SELECT jwks_rate_acquire($1, $2, $3, $4, $5, $6)", params).int64(0, 0);
        return RateDecision{wait == 0, wait};
      } catch (const PgError& e) {
        if (!e.retryable() || attempt == 3) throw;
      }
    }
  });
}

HashingSlot PgSource::with_hashing_slot(int slots, const std::function<void()>& hash) {
  // The database is reached before the hashing starts: a failure there (the
  // only one with_connection retries) comes before hash() runs.
  return with_connection([&](PgConnection& conn) {
    PgTransaction tx(conn);
    if (conn.exec("SELECT jwks_try_hashing_slot($1)", PgParams().int64(slots)).int64(0, 0) < 0)
      return HashingSlot::kAllTaken;
    hash();
    tx.rollback();  // releases the slot; the transaction wrote nothing
    return HashingSlot::kAcquired;
  });
}

}  // namespace jwks::store
