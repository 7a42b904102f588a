#include "jwks/store/store_source.h"

#include "jwks/store/sqlite_store.h"

namespace jwks::store {

bool is_postgres_uri(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::unique_ptr<StoreSource> open_source(const std::string& location, int busy_timeout_ms) {
  return std::make_unique<SqliteSource>(location, busy_timeout_ms);
}

std::unique_ptr<Store> open_store(const std::string& location, int busy_timeout_ms, bool create) {
  return std::make_unique<SqliteStore>(location, DatabaseOptions{busy_timeout_ms, create});
}

}  // namespace jwks::store
