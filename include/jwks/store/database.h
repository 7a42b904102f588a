// An open SQLite connection (RAII). One per request in the responder.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace jwks::store {

// Any SQLite failure. `code()` is the primary result code (SQLITE_BUSY, ...).
class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  // True for lock contention that outlasted the busy timeout: a transient,
  // server-side condition (503), not a bug.
  bool busy() const { return code_ == SQLITE_BUSY || code_ == SQLITE_LOCKED; }

 private:
  int code_;
};

struct DatabaseOptions {
  int busy_timeout_ms = 5000;
  bool create = true;  // create the file (mode 0600) if it does not exist
};

class Database {
 public:
  // Opens `path` (":memory:" for a private in-memory database) with a busy
  // timeout, foreign keys on and, for files, WAL journaling. Throws SqliteError.
  explicit Database(const std::string& path, DatabaseOptions options = {});

  // Runs SQL without results or parameters (DDL, PRAGMA, BEGIN). Throws.
  void exec(const char* sql);

  std::int64_t last_insert_rowid() const;
  int changes() const;
  sqlite3* handle() const { return db_.get(); }

  // Throws SqliteError for `rc` with this connection's message; `what` names the call.
  [[noreturn]] void throw_error(int rc, const char* what) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace jwks::store
