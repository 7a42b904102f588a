#include "jwks/store/store_source.h"

#include "jwks/store/pg_store.h"
#include "jwks/store/schema.h"
#include "jwks/store/sqlite_store.h"

namespace jwks::store {

bool is_postgres_uri(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string describe_location(const std::string& location) {
  return is_postgres_uri(location) ? redact_uri(location) : location;
}

int current_schema_version(const std::string& location) {
  return is_postgres_uri(location) ? kPgSchemaVersion : kSchemaVersion;
}

std::unique_ptr<StoreSource> open_source(const std::string& location, int busy_timeout_ms) {
  if (is_postgres_uri(location)) return std::make_unique<PgSource>(location, busy_timeout_ms);
  return std::make_unique<SqliteSource>(location, busy_timeout_ms);
}

std::unique_ptr<Store> open_store(const std::string& location, int busy_timeout_ms, bool create) {
  if (is_postgres_uri(location)) return std::make_unique<PgStore>(location, busy_timeout_ms);
  return std::make_unique<SqliteStore>(location, DatabaseOptions{busy_timeout_ms, create});
}

}  // namespace jwks::store
