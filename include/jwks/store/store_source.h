// Which backend a JWKS_DB names: a libpq connection URI (postgresql://...,
// postgres://...) is a PostgreSQL store (pg_store.h); anything else is the
// path of an SQLite file (sqlite_store.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "jwks/store/store.h"

namespace jwks::store {

bool is_postgres_uri(std::string_view location);

// The location for messages and logs: an SQLite path as it is, a PostgreSQL
// URI without its password.
std::string describe_location(const std::string& location);

// The schema version this build writes for the backend `location` names.
int current_schema_version(const std::string& location);

// The source for a responder: kept for the life of the process.
std::unique_ptr<StoreSource> open_source(const std::string& location, int busy_timeout_ms);

// The store for one command (jwksctl), migrated. An SQLite file that does not
// exist is created (0600) only when `create`. Throws StoreError.
std::unique_ptr<Store> open_store(const std::string& location, int busy_timeout_ms, bool create);

}  // namespace jwks::store
