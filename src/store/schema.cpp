#include "jwks/store/schema.h"

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"
#include "jwks/util/log.h"
#include "jwks/util/username.h"

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

// Version 6: every user's name in its enforced form (util/username.h) and
// its look-alike skeleton, each unique, in a table of our own: logins look
// names up by the enforced form, registrations are refused for a taken form or
// skeleton. users.username keeps what was stored: a name is the token's sub,
// and no upgrade may change what a sub means. See name_users.
constexpr const char* kVersion6 = R"sql(
CREATE TABLE IF NOT EXISTS user_names(
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    canonical TEXT NOT NULL UNIQUE,
    skeleton TEXT NOT NULL UNIQUE);
)sql";

// Fills user_names for the users a store had before it. A name already in its
// enforced form is claimed first, so that the account that signed in as
// "alice" keeps that name (and its sub); then the others in order of
// registration. A user whose form or skeleton another already holds (a
// look-alike: "Alice" beside "alice"), or whose name has no valid form
// ("alice "), gets no row: it stays, with its auth_logs, but no login can
// reach it; each is logged, and jwksctl users list marks it.
void name_users(Database& db) {
  struct Row {
    std::int64_t id;
    std::string name;
    std::optional<std::string> canonical;
  };
  std::vector<Row> rows;
  {
    Statement s(db, "SELECT id, username FROM users ORDER BY id");
    while (s.step()) rows.push_back({s.column_int64(0), s.column_text(1), std::nullopt});
  }
  for (Row& r : rows) {
    auto enforced = util::enforce_username(r.name);
    if (enforced) {
      r.canonical = enforced.value();
    } else {
      util::log_warning("user " + std::to_string(r.id) + " " + util::quote(r.name) + " is not a valid username now (" +
                        enforced.error() + "): it can no longer log in; delete it with jwksctl users delete");
    }
  }
  std::map<std::string, std::int64_t> by_canonical, by_skeleton;
  auto claim = [&](const Row& r) {
    const std::string skeleton = util::username_skeleton(*r.canonical);
    const auto c = by_canonical.find(*r.canonical);
    const auto k = by_skeleton.find(skeleton);
    if (c != by_canonical.end() || k != by_skeleton.end()) {
      const std::int64_t holder = c != by_canonical.end() ? c->second : k->second;
      util::log_warning("user " + std::to_string(r.id) + " " + util::quote(r.name) + " is the same name as user " +
                        std::to_string(holder) + ", or looks like it: it can no longer log in");
      return;
    }
    Statement(db, "INSERT INTO user_names (user_id, canonical, skeleton) VALUES (?, ?, ?)")
        .bind(1, r.id)
        .bind(2, *r.canonical)
        .bind(3, skeleton)
        .run();
    by_canonical.emplace(*r.canonical, r.id);
    by_skeleton.emplace(skeleton, r.id);
  };
  for (const Row& r : rows)
    if (r.canonical && *r.canonical == r.name) claim(r);
  for (const Row& r : rows)
    if (r.canonical && *r.canonical != r.name) claim(r);
}

// Version 7: each rate limit counts in a bucket of its own ("auth",
// "register"), pruned by its own window.
constexpr const char* kVersion7 = R"sql(
ALTER TABLE rate_events ADD COLUMN bucket TEXT NOT NULL DEFAULT 'auth';
DROP INDEX IF EXISTS rate_events_addr;
DROP INDEX IF EXISTS rate_events_at;
CREATE INDEX IF NOT EXISTS rate_events_bucket_addr ON rate_events(bucket, addr, at_ms);
CREATE INDEX IF NOT EXISTS rate_events_bucket_at ON rate_events(bucket, at_ms);
)sql";

// Version 8: the rate limits count in a file of their own beside the store
// (rate_table.h: no fsync, no wait for the store's write lock on the token
// path); the store's table, worth nothing after its window, goes.
constexpr const char* kVersion8 = R"sql(
DROP TABLE IF EXISTS rate_events;
)sql";

// A migration: SQL, then (for data) code, in the same transaction.
struct Migration {
  const char* sql;  // never null
  void (*code)(Database&);
};

constexpr Migration kMigrations[] = {{kVersion1, nullptr}, {kVersion2, nullptr}, {kVersion3, nullptr},
                                     {kVersion4, nullptr}, {kVersion5, nullptr}, {kVersion6, name_users},
                                     {kVersion7, nullptr}, {kVersion8, nullptr}};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

int schema_version(const Database& db) {
  Statement exists(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'jwks_schema_version'");
  exists.step();
  if (exists.column_int64(0) == 0) return 0;
  Statement version(db, "SELECT max(version) FROM jwks_schema_version");
  version.step();  // an aggregate: always one row, NULL for an empty table
  if (version.is_null(0)) return 0;
  return static_cast<int>(version.column_int64(0));
}

// PRAGMA user_version mirrors jwks_schema_version once a database is at this
// build's version, so the common case costs one header read, not a schema scan.
constexpr const char* kMarkCurrent = "PRAGMA user_version = 8";
static_assert(kSchemaVersion == 8, "kMarkCurrent names kSchemaVersion");

void migrate(Database& db) {
  {
    Statement mark(db, "PRAGMA user_version");
    mark.step();  // always one row
    if (mark.column_int64(0) == kSchemaVersion) return;
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
    const Migration& m = kMigrations[v - 1];
    db.exec(m.sql);
    if (m.code != nullptr) m.code(db);
    Statement record(db, "INSERT INTO jwks_schema_version (version) VALUES (?)");
    record.bind(1, std::int64_t{v}).run();
  }
  if (target == kSchemaVersion) db.exec(kMarkCurrent);
  tx.commit();
}

}  // namespace jwks::store
