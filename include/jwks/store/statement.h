// A prepared statement (RAII). Values are always bound, never spliced into SQL.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jwks/store/database.h"

namespace jwks::store {

class Statement {
 public:
  // Prepares `sql` on `db` (which must outlive the statement). Throws SqliteError.
  Statement(const Database& db, std::string_view sql);

  // Parameter indexes are 1-based, as in SQLite. Each returns *this.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::span<const std::uint8_t> blob);
  Statement& bind_null(int index);

  // Advances: true when a row is available, false when done. Throws SqliteError
  // (SQLITE_BUSY after the busy timeout, constraint violations, ...).
  bool step();
  // Runs a statement that returns no rows to completion.
  void run() { while (step()) {} }
  void reset();

  bool is_null(int column) const;
  std::int64_t column_int64(int column) const;
  std::string column_text(int column) const;
  std::vector<std::uint8_t> column_blob(int column) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
  };
  const Database& db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

}  // namespace jwks::store
