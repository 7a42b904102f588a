#include "jwks/store/statement.h"

#include <climits>

namespace jwks::store {

Statement::Statement(const Database& db, std::string_view sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) db_.throw_error(rc, "prepare");
}

Statement& Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK) db_.throw_error(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (text.size() > INT_MAX) throw SqliteError(SQLITE_TOOBIG, "bind: text too large");
  // An empty view may have a null data pointer, which SQLite would bind as NULL.
  const char* data = text.data() != nullptr ? text.data() : "";
  int rc = sqlite3_bind_text(stmt_.get(), index, data, static_cast<int>(text.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_.throw_error(rc, "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> blob) {
  if (blob.size() > INT_MAX) throw SqliteError(SQLITE_TOOBIG, "bind: blob too large");
  int rc = sqlite3_bind_blob(stmt_.get(), index, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_.throw_error(rc, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK) db_.throw_error(rc, "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // The statement must be reset before reuse; keep the error from the step.
  SqliteError err(rc & 0xff, std::string("step: ") + sqlite3_errmsg(db_.handle()));
  sqlite3_reset(stmt_.get());
  throw err;
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }

std::int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

std::string Statement::column_text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

std::vector<std::uint8_t> Statement::column_blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_.get(), column);
  int n = sqlite3_column_bytes(stmt_.get(), column);
  if (p == nullptr) return {};  // NULL, or a zero-length value
  const auto* b = static_cast<const std::uint8_t*>(p);
  return std::vector<std::uint8_t>(b, b + n);
}

}  // namespace jwks::store
