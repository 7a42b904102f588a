#include "jwks/store/database.h"

#include <fcntl.h>
#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>


namespace jwks::store {
namespace {

// SQLite would create the file with the umask's mode (often 0644); the store
// holds password hashes and encrypted keys, so create it owner-only first.
void create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    throw SqliteError(SQLITE_CANTOPEN, "cannot create database file " + path + ": " + std::strerror(errno));
  }
}

}  // namespace

bool is_memory_path(const std::string& path) { return path == ":memory:" || path.empty(); }

Database::Database(const std::string& path, DatabaseOptions options) : path_(path), options_(options) {
  if (!is_memory_path(path) && options.create) create_private_file(path);
  open();
}

bool Database::reopen_if_wrongly_readonly() {
  if (!is_file_ || sqlite3_db_readonly(db_.get(), "main") != 0 || sqlite3_next_stmt(db_.get(), nullptr) != nullptr)
    return false;
  db_.reset();
  writer_ = false;
  durable_ = true;
  open();
  return true;
}

void Database::open() {
  const std::string& path = path_;
  const DatabaseOptions& options = options_;
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (options.create ? SQLITE_OPEN_CREATE : 0);
  // While another connection of this process holds a lock on the file (the
  // responder's idle connection always does), SQLite reuses a descriptor a
  // closed connection opened read-write instead of opening the file again: a
  // store made read-only since would still be written. Asking first keeps
  // the answer the file's permissions give now.
  if (!is_memory_path(path) && !options.scratch && ::access(path.c_str(), W_OK) != 0 && errno != ENOENT)
    flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // adopt even on failure: the handle must be closed
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw SqliteError(rc, "cannot open database " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(raw, 0);
  if (!busy_) busy_ = std::make_unique<BusyWait>(BusyWait{options.busy_timeout_ms, {}});
  sqlite3_busy_handler(raw, &Database::on_busy, busy_.get());
  int on = 1;
  if (sqlite3_db_config(raw, SQLITE_DBCONFIG_ENABLE_FKEY, 1, &on) != SQLITE_OK || on != 1)
    throw SqliteError(SQLITE_ERROR, "cannot enable foreign keys on " + path);
  is_file_ = !is_memory_path(path);
  if (is_file_) {
    // Every request opens and closes the store. By default the last connection
    // to close deletes the -wal and -shm files, which the next request creates
    // again: they are kept instead (see Closer and prepare_for_writing).
    int persist = 1;
    sqlite3_file_control(raw, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    if (options.scratch) {
      // No WAL: its index would be rebuilt by reading the whole log whenever
      // a request opens the file with no other connection open. A rollback
      // journal kept in memory, no fsync: a write is a few page writes
      // under the file lock.
      exec("PRAGMA journal_mode = MEMORY");
      exec("PRAGMA synchronous = OFF");
      durable_ = false;
    }
  }
}

void Database::prepare_for_writing() {
  if (writer_ || !is_file_ || options_.scratch) return;
  writer_ = true;
  // The checkpoint a writer runs when it closes last truncates the WAL to
  // nothing: a long WAL would be read whole by the next process to open.
  exec("PRAGMA journal_size_limit = 0");
}

void Database::Closer::operator()(sqlite3* db) const noexcept {
  // A connection that changed nothing has nothing to checkpoint. Without
  // this it would still take the exclusive lock to try, at every close,
  // stalling the other processes' requests (most requests only read).
  if (!always_checkpoint && sqlite3_total_changes(db) == 0)
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_close_v2(db);
}

void Database::checkpoint_when_closed() {
  if (!is_file_ || options_.scratch) return;
  exec("PRAGMA journal_size_limit = 0");  // the persistent WAL is truncated, not left full
  db_.get_deleter().always_checkpoint = true;
}

void Database::set_durable(bool durable) {
  if (durable == durable_ || options_.scratch) return;
  exec(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  durable_ = durable;
}

// SQLite's own busy timeout sleeps 1, 2, 5, 10 ms... between tries, while a
// write transaction here holds the lock for a fraction of a millisecond:
// under load most of a request went to sleeping. This handler retries after
// 20 us, doubling up to 1 ms, until the timeout has passed.
int Database::on_busy(void* context, int count) noexcept {
  auto* wait = static_cast<BusyWait*>(context);
  const auto now = std::chrono::steady_clock::now();
  if (count == 0) wait->since = now;
  if (now - wait->since >= std::chrono::milliseconds(wait->timeout_ms)) return 0;  // SQLITE_BUSY
  const long micros = std::min(1000L, 20L << std::min(count, 6));
  const struct timespec pause{0, micros * 1000};
  nanosleep(&pause, nullptr);
  return 1;
}

void Database::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(rc, std::string(sql) + ": " + msg);
  }
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

void Database::throw_error(int rc, const char* what) const {
  throw SqliteError(rc & 0xff, std::string(what) + ": " + sqlite3_errmsg(db_.get()));
}

}  // namespace jwks::store
