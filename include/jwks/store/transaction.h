// A transaction scope: rolls back in its destructor unless committed.
#pragma once

#include "jwks/store/database.h"

namespace jwks::store {

enum class TransactionMode {
  kDeferred,   // BEGIN: takes locks as statements need them
  kImmediate,  // BEGIN IMMEDIATE: takes the write lock now (waits up to the busy timeout)
};

enum class Durability {
  kDurable,  // synchronous = FULL: on disk when commit() returns
  kRelaxed,  // synchronous = NORMAL: see Database::set_durable
};

class Transaction {
 public:
  // Begins the transaction; throws SqliteError (e.g. SQLITE_BUSY) if it cannot.
  Transaction(Database& db, TransactionMode mode, Durability durability = Durability::kDurable);
  // Rolls back if neither commit() nor rollback() ran. Never throws.
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Commits; throws SqliteError on failure, after which the destructor rolls back.
  void commit();
  void rollback() noexcept;

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace jwks::store
