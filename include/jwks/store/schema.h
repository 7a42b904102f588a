// The database schema: the contract's three tables plus this project's own,
// created and migrated idempotently.
#pragma once

#include "jwks/store/database.h"

namespace jwks::store {

// Version of the schema this build writes, recorded in jwks_schema_version.
inline constexpr int kSchemaVersion = 8;

// Brings `db` to kSchemaVersion: a no-op read when it is there already;
// otherwise runs the missing migrations inside BEGIN IMMEDIATE after
// re-reading the version (so concurrent processes migrate once).
// Throws SqliteError, or std::runtime_error if the database was written by a
// newer build (version > kSchemaVersion).
void migrate(Database& db);

// Brings `db` to `version` (<= kSchemaVersion) only: lets tests build a
// database as an older release left it, then upgrade it.
void migrate_to(Database& db, int version);

// The version recorded in `db`, 0 for a database without the version table.
int schema_version(const Database& db);

}  // namespace jwks::store
