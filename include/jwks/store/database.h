// An open SQLite connection (RAII). One per request in the responder.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "jwks/store/store_error.h"

namespace jwks::store {

// Any SQLite failure. `code()` is the primary result code (SQLITE_BUSY, ...);
// kind() what it means to the services (store_error.h).
class SqliteError : public StoreError {
 public:
  SqliteError(int code, const std::string& what) : StoreError(kind_of(code), what), code_(code) {}
  int code() const { return code_; }
  // True for lock contention that outlasted the busy timeout: a transient,
  // server-side condition (503), not a bug.
  bool busy() const { return code_ == SQLITE_BUSY || code_ == SQLITE_LOCKED; }

  static StoreErrorKind kind_of(int code) {
    switch (code) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED: return StoreErrorKind::kBusy;
      case SQLITE_FULL:
      case SQLITE_READONLY:
      case SQLITE_CANTOPEN:
      case SQLITE_IOERR: return StoreErrorKind::kUnavailable;
      case SQLITE_CONSTRAINT: return StoreErrorKind::kConflict;
      default: return StoreErrorKind::kInternal;
    }
  }

 private:
  int code_;
};

struct DatabaseOptions {
  int busy_timeout_ms = 5000;
  bool create = true;  // create the file (mode 0600) if it does not exist
  // Contents worth nothing after a crash (the rate table's own file): a
  // rollback journal in memory and synchronous = OFF, so writing it never
  // waits for the disk; a crash in the middle of a commit may leave the file
  // damaged (its user rebuilds it).
  bool scratch = false;
};

// True for a path that names a private in-memory database (":memory:", "").
bool is_memory_path(const std::string& path);

class Database {
 public:
  // Opens `path` (":memory:" for a private in-memory database) with a busy
  // timeout and foreign keys on. Files get WAL journaling from migrate()
  // (schema.h). Throws SqliteError.
  explicit Database(const std::string& path, DatabaseOptions options = {});

  // FULL (the default): a commit is on disk before COMMIT returns. NORMAL: in
  // WAL mode a commit survives a crash of the process but may be lost, never
  // corrupted, if the machine loses power before the next checkpoint; for
  // rows that are worth nothing after a few seconds (the rate table).
  // Transaction sets it; a no-op when unchanged.
  void set_durable(bool durable);

  bool is_file() const { return is_file_; }

  // Called before a write transaction begins (Transaction does): sets what
  // only a writer needs, once per connection.
  void prepare_for_writing();

  // This connection checkpoints the WAL into the database file and empties it
  // when it closes last, even if it changed nothing (by default a connection
  // that changed nothing skips that: see Closer). For a connection that stays
  // open while others come and go (the responder's idle one), so the file is
  // whole again once every process has closed it.
  void checkpoint_when_closed();

  // Works around an SQLite 3.40 quirk: once a read-only connection of this
  // process has read the WAL database (its file was not writable, say), the
  // next connection the process opens writable reports SQLITE_READONLY for
  // its first write transaction, though nothing is read-only any more; a
  // fresh connection writes. If this connection was opened writable and no
  // statement of it is alive, it is replaced by a fresh one and true is
  // returned (the caller retries once); otherwise false. Throws SqliteError.
  bool reopen_if_wrongly_readonly();

  // Runs SQL without results or parameters (DDL, PRAGMA, BEGIN). Throws.
  void exec(const char* sql);

  std::int64_t last_insert_rowid() const;
  sqlite3* handle() const { return db_.get(); }

  // Throws SqliteError for `rc` with this connection's message; `what` names the call.
  [[noreturn]] void throw_error(int rc, const char* what) const;

 private:
  struct Closer {
    Closer() noexcept : always_checkpoint(false) {}  // no member initializer: the enclosing class is incomplete here
    bool always_checkpoint;
    void operator()(sqlite3* db) const noexcept;
  };
  struct BusyWait {
    int timeout_ms;
    std::chrono::steady_clock::time_point since;
  };
  static int on_busy(void* context, int count) noexcept;

  void open();

  std::string path_;
  DatabaseOptions options_;
  std::unique_ptr<BusyWait> busy_;  // before db_: outlives the connection using it
  std::unique_ptr<sqlite3, Closer> db_;
  bool is_file_ = false;
  bool durable_ = true;
  bool writer_ = false;
};

}  // namespace jwks::store
