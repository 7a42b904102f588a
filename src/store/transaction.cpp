#include "jwks/store/transaction.h"

namespace jwks::store {

Transaction::Transaction(Database& db, TransactionMode mode, Durability durability) : db_(db) {
  auto begin = [&] {
    if (mode == TransactionMode::kImmediate) db_.prepare_for_writing();
    db_.set_durable(durability == Durability::kDurable);
    db_.exec(mode == TransactionMode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN");
  };
  try {
    begin();
  } catch (const SqliteError& e) {
    // See Database::reopen_if_wrongly_readonly: once, on a fresh connection.
    if (e.code() != SQLITE_READONLY || mode != TransactionMode::kImmediate || !db_.reopen_if_wrongly_readonly()) throw;
    begin();
  }
}

Transaction::~Transaction() { rollback(); }

void Transaction::commit() {
  db_.exec("COMMIT");
  open_ = false;
}

void Transaction::rollback() noexcept {
  if (!open_) return;
  open_ = false;
  // Fails harmlessly if SQLite already rolled back on its own (e.g. SQLITE_FULL).
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace jwks::store
