// The store as the services see it, whatever holds it: the repositories
// (keys, users), the exclusive transaction in which keys are planned and
// changed, and the rate limits. Two backends implement it: an SQLite file
// (sqlite_store.h, the default) and a PostgreSQL database shared by several
// hosts (pg_store.h). The services include this header only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "jwks/store/key_repository.h"
#include "jwks/store/snapshot.h"
#include "jwks/store/store_error.h"
#include "jwks/store/user_repository.h"

namespace jwks::store {

// The transaction in which keys are planned and changed: one at a time
// across every process and every host using the store, and what it reads
// after it began includes every change committed before (re-read the keys
// in it). Rolls back in its destructor unless committed; never throws there.
class ExclusiveTransaction {
 public:
  virtual ~ExclusiveTransaction() = default;
  // Throws StoreError; the destructor then rolls back.
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
};

// One request's (or one command's) view of a store, migrated to this build's
// schema. Not shared between threads.
class Store {
 public:
  virtual ~Store() = default;
  virtual KeyRepository& keys() = 0;
  virtual UserRepository& users() = 0;
  // Begins the exclusive transaction; waits for another holder (up to the
  // busy timeout, else StoreError kBusy).
  virtual std::unique_ptr<ExclusiveTransaction> exclusive() = 0;

  // Every row worth moving, read in one transaction. Throws
  // std::runtime_error for a key row without its public half.
  virtual Snapshot snapshot() = 0;
  // Writes `rows` into this store, which must hold no key, user or login,
  // keeping every id, so that row-id kids and auth_logs.user_id mean what
  // they meant; then reads them back and compares them with `rows` before
  // committing. One transaction: on any failure (a store that is not empty,
  // a mismatch: std::runtime_error) nothing is written.
  virtual void restore(const Snapshot& rows) = 0;
};

struct RateDecision {
  bool allowed = false;
  std::int64_t retry_after_ms = 0;  // when denied: until the oldest counted request leaves the window
};

inline constexpr std::string_view kAuthBucket = "auth";
inline constexpr std::string_view kRegisterBucket = "register";

// A bound on how many registrations hash a password at once.
enum class HashingSlot { kAcquired, kAllTaken };

// Where a store is, kept for the life of a process: opens it per request
// and decides rate limits. Made by open_source (store_source.h).
class StoreSource {
 public:
  virtual ~StoreSource() = default;

  // The store, migrated. Throws StoreError.
  virtual std::unique_ptr<Store> open() = 0;

  // Counts the requests of `addr` in `bucket` within the window ending now.
  // Below `limit`, records this one and allows it; otherwise denies it
  // without recording it (a refused request uses no slot). Exact under
  // concurrency: N requests racing for the last M slots give M allowed.
  // `now_ms` is this host's clock; a backend shared by several hosts may use
  // its own instead (PostgreSQL does), so that skew cannot widen a window.
  // Throws StoreError.
  virtual RateDecision acquire_rate(std::string_view bucket, std::string_view addr, std::int64_t now_ms,
                                    std::int64_t window_ms, std::int64_t limit) = 0;

  // Runs `hash` holding one of `slots` hashing slots, or returns kAllTaken
  // at once without running it. The slots are released before this returns.
  // Throws StoreError when the slots cannot be reached.
  virtual HashingSlot with_hashing_slot(int slots, const std::function<void()>& hash) = 0;

  // Where the store is, for messages: an SQLite path, or a PostgreSQL URI
  // without its password.
  virtual std::string describe() const = 0;
};

}  // namespace jwks::store
