#include "jwks/store/sqlite_store.h"

#include <cerrno>
#include <cstring>

#include "jwks/store/rate_table.h"
#include "jwks/store/schema.h"
#include "jwks/store/transaction.h"
#include "jwks/util/slot_lock.h"

namespace jwks::store {
namespace {

class SqliteExclusive final : public ExclusiveTransaction {
 public:
  explicit SqliteExclusive(Database& db) : tx_(db, TransactionMode::kImmediate) {}
  void commit() override { tx_.commit(); }
  void rollback() noexcept override { tx_.rollback(); }

 private:
  Transaction tx_;
};

std::unique_ptr<Database> migrated(std::unique_ptr<Database> db) {
  migrate(*db);
  return db;
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path, DatabaseOptions options)
    : db_(migrated(std::make_unique<Database>(path, options))) {}

SqliteStore::SqliteStore(Database db) : db_(std::make_unique<Database>(std::move(db))) {}

std::unique_ptr<ExclusiveTransaction> SqliteStore::exclusive() { return std::make_unique<SqliteExclusive>(*db_); }

std::unique_ptr<Store> SqliteSource::open() {
  // A store deleted or replaced since the idle connection opened it: that
  // connection would hold the old file's WAL index, which a new file at the
  // path would then be read through. It goes first.
  if (index_keeper_ && util::file_identity(path_) != index_keeper_->store) index_keeper_.reset();
  auto store = std::make_unique<SqliteStore>(path_, DatabaseOptions{busy_timeout_ms_, true});
  keep_wal_index();
  return store;
}

void SqliteSource::keep_wal_index() {
  // The first connection to open a WAL database with no other connection open
  // rebuilds its shared-memory index; the last to close tears it down. Every
  // request opening and closing its own connection paid that (measured: about
  // a fifth of a key-set request). One idle connection per responder keeps
  // the index alive. Once set up (a read, a pragma) it runs no statement and
  // holds no transaction, only the shared lock every connection to a WAL database
  // keeps, which stops no reader and no writer; it caches nothing a request
  // reads: requests still open the store and read it through their own
  // connection.
  // It is also the connection that, closing last when the responders stop,
  // checkpoints the WAL into the database file and empties it.
  if (index_keeper_ || is_memory_path(path_)) return;
  try {
    const std::optional<util::FileIdentity> file = util::file_identity(path_);
    if (!file) return;
    Database keeper(path_, DatabaseOptions{busy_timeout_ms_, false});
    keeper.exec("PRAGMA user_version");  // a read: maps the index
    keeper.checkpoint_when_closed();
    // Opened after the stat: if the file was swapped in between, the next
    // request sees a different identity and drops this connection.
    index_keeper_.emplace(IdleConnection{std::move(keeper), *file});
  } catch (const SqliteError&) {
    // Only a saving lost: the next request tries again.
  }
}

RateDecision SqliteSource::acquire_rate(std::string_view bucket, std::string_view addr, std::int64_t now_ms,
                                        std::int64_t window_ms, std::int64_t limit) {
  return store::acquire_rate(path_, busy_timeout_ms_, bucket, addr, now_ms, window_ms, limit);
}

HashingSlot SqliteSource::with_hashing_slot(int slots, const std::function<void()>& hash) {
  // A private in-memory store has one process: nothing to bound.
  if (is_memory_path(path_)) {
    hash();
    return HashingSlot::kAcquired;
  }
  std::optional<util::SlotLock> slot;
  switch (util::SlotLock::try_acquire(path_ + "-hashing", slots, slot)) {
    case util::SlotLock::Outcome::kAcquired: break;
    case util::SlotLock::Outcome::kAllTaken: return HashingSlot::kAllTaken;
    case util::SlotLock::Outcome::kUnavailable:
      throw SqliteError(SQLITE_CANTOPEN, "cannot open " + path_ + "-hashing: " + std::strerror(errno));
  }
  hash();
  return HashingSlot::kAcquired;
}

}  // namespace jwks::store
