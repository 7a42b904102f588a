#include "jwks/store/database.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "jwks/store/statement.h"

namespace jwks::store {
namespace {

bool is_memory(const std::string& path) { return path == ":memory:" || path.empty(); }

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

Database::Database(const std::string& path, DatabaseOptions options) {
  if (!is_memory(path) && options.create) create_private_file(path);
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (options.create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // adopt even on failure: the handle must be closed
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw SqliteError(rc, "cannot open database " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(raw, 0);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  exec("PRAGMA foreign_keys = ON");
  if (!is_memory(path)) {
    Statement wal(*this, "PRAGMA journal_mode = WAL");
    wal.step();
  }
}

void Database::exec(const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(rc, std::string("sqlite exec failed: ") + msg);
  }
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

int Database::changes() const { return sqlite3_changes(db_.get()); }

void Database::throw_error(int rc, const char* what) const {
  throw SqliteError(rc & 0xff, std::string(what) + ": " + sqlite3_errmsg(db_.get()));
}

}  // namespace jwks::store
