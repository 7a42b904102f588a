#include "jwks/store/schema.h"

#include <stdexcept>
#include <string>

#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"

namespace jwks::store {
namespace {

// Version 1. The first three tables are the external contract: outside tools
// read them with SELECT * into fixed structures, so their columns never change.
// key_public holds what the JWKS needs, so publishing never decrypts a key.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE IF NOT EXISTS keys(
    kid INTEGER PRIMARY KEY AUTOINCREMENT,
    key BLOB NOT NULL,
    exp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    email TEXT UNIQUE,
    date_registered TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    last_login TIMESTAMP);
CREATE TABLE IF NOT EXISTS auth_logs(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_ip TEXT NOT NULL,
    request_timestamp TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    user_id INTEGER,
    FOREIGN KEY(user_id) REFERENCES users(id));
CREATE TABLE IF NOT EXISTS key_public(
    kid INTEGER PRIMARY KEY REFERENCES keys(kid) ON DELETE CASCADE,
    alg TEXT NOT NULL,
    jwk TEXT NOT NULL,
    created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS keys_exp ON keys(exp);
)sql";

// Version 2: the /auth rate limit's sliding-window log (one row per counted
// request, pruned as it leaves the window), and case-insensitive uniqueness
// of e-mail addresses (an index, so the users table keeps its columns).
constexpr const char* kVersion2 = R"sql(
CREATE TABLE IF NOT EXISTS rate_events(
    addr TEXT NOT NULL,
    at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS rate_events_addr ON rate_events(addr, at_ms);
CREATE INDEX IF NOT EXISTS rate_events_at ON rate_events(at_ms);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_nocase ON users(lower(email));
)sql";

// Version 3: key ids become RFC 7638 thumbprints (globally unique, derived
// from the key). Keys that existed before keep being published under their
// old decimal kid too (legacy_kid = 1), so tokens they signed still verify;
// the service fills in their thumbprints (KeyManager::ensure).
constexpr const char* kVersion3 = R"sql(
ALTER TABLE key_public ADD COLUMN thumbprint TEXT;
ALTER TABLE key_public ADD COLUMN legacy_kid INTEGER NOT NULL DEFAULT 0;
UPDATE key_public SET legacy_kid = 1;
CREATE UNIQUE INDEX IF NOT EXISTS key_public_thumbprint ON key_public(thumbprint) WHERE thumbprint IS NOT NULL;
)sql";

// Version 4: each key's schedule, from which its state is derived
// (service/key_schedule.h): in the JWKS from published_at, signing from
// active_at until retire_at, gone from the JWKS at keys.exp. retired_early
// marks a key an operator retired (jwksctl retire): it never signs again.
// Keys from before have no row and read as published and active from their
// creation until their expiry.
constexpr const char* kVersion4 = R"sql(
CREATE TABLE IF NOT EXISTS key_schedule(
    kid INTEGER PRIMARY KEY REFERENCES keys(kid) ON DELETE CASCADE,
    published_at INTEGER NOT NULL,
    active_at INTEGER NOT NULL,
    retire_at INTEGER NOT NULL,
    retired_early INTEGER NOT NULL DEFAULT 0,
    CHECK (published_at <= active_at AND active_at <= retire_at));
)sql";

// Version 5: the longest lifetime a token each key signs may have, so that
// rescheduling a key after JWKS_TOKEN_LIFETIME was lowered never unpublishes
// it before its tokens expire. Keys from before stay unknown (NULL): v4 only
// capped tokens at keys.exp, so a process with a longer setting may have
// signed longer tokens than exp - retire_at; they are bounded by exp - now.
constexpr const char* kVersion5 = R"sql(
ALTER TABLE key_schedule ADD COLUMN token_lifetime INTEGER CHECK (token_lifetime >= 0);
)sql";

constexpr const char* kMigrations[] = {kVersion1, kVersion2, kVersion3, kVersion4, kVersion5};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

int schema_version(const Database& db) {
  Statement exists(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'jwks_schema_version'");
  exists.step();
  if (exists.column_int64(0) == 0) return 0;
  Statement version(db, "SELECT max(version) FROM jwks_schema_version");
  if (!version.step() || version.is_null(0)) return 0;
  return static_cast<int>(version.column_int64(0));
}

// PRAGMA user_version mirrors jwks_schema_version once a database is at this
// build's version, so the common case costs one header read, not a schema scan.
constexpr const char* kMarkCurrent = "PRAGMA user_version = 5";
static_assert(kSchemaVersion == 5, "kMarkCurrent names kSchemaVersion");

void migrate(Database& db) {
  {
    Statement mark(db, "PRAGMA user_version");
    if (mark.step() && mark.column_int64(0) == kSchemaVersion) return;
  }  // finalized: a pending statement would hold a read transaction open
  migrate_to(db, kSchemaVersion);
}

void migrate_to(Database& db, int target) {
  if (target > kSchemaVersion) throw std::logic_error("migrate_to: unknown schema version");
  auto refuse_newer = [](int v) {
    if (v > kSchemaVersion) {
      throw std::runtime_error("database schema version " + std::to_string(v) +
                               " is newer than this build understands (" + std::to_string(kSchemaVersion) + ")");
    }
  };
  int current = schema_version(db);
  refuse_newer(current);
  if (current >= target && target < kSchemaVersion) return;

  // WAL lets readers go on while one process writes; the mode is stored in
  // the file, so it is set here, not on every open. Not inside a transaction.
  if (db.is_file()) {
    Statement wal(db, "PRAGMA journal_mode = WAL");
    wal.step();
  }
  Transaction tx(db, TransactionMode::kImmediate);
  current = schema_version(db);  // another process may have migrated meanwhile
  refuse_newer(current);
  db.exec("CREATE TABLE IF NOT EXISTS jwks_schema_version(version INTEGER NOT NULL, "
          "applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)");
  for (int v = current + 1; v <= target; ++v) {
    db.exec(kMigrations[v - 1]);
    Statement record(db, "INSERT INTO jwks_schema_version (version) VALUES (?)");
    record.bind(1, std::int64_t{v}).run();
  }
  if (target == kSchemaVersion) db.exec(kMarkCurrent);
  tx.commit();
}

}  // namespace jwks::store
