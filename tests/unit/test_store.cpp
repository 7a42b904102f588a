#define BOOST_TEST_MODULE store
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>

#include "jwks/store/database.h"
#include "jwks/store/schema.h"
#include "jwks/store/snapshot.h"
#include "jwks/store/sqlite_store.h"
#include "jwks/store/statement.h"
#include "jwks/store/store_source.h"
#include "jwks/store/transaction.h"
#include "child_process.h"
#include "temp_dir.h"

using namespace jwks::store;
namespace data = boost::unit_test::data;

namespace {

// Each store test runs against a private :memory: database and an on-disk WAL file.
struct Backend {
  std::unique_ptr<jwks::test::TempDir> dir;
  std::string path;
};

Backend make_backend(const std::string& kind) {
  if (kind == "memory") return Backend{nullptr, ":memory:"};
  auto dir = std::make_unique<jwks::test::TempDir>();
  std::string path = dir->file("store.db");
  return Backend{std::move(dir), path};
}

const char* kBackends[] = {"memory", "file"};

struct Column {
  std::string name, type;
  bool notnull;
  std::string dflt;
  int pk;
  bool operator==(const Column&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Column& c) {
  return os << c.name << " " << c.type << (c.notnull ? " NOT NULL" : "") << " default(" << c.dflt << ") pk" << c.pk;
}

std::vector<Column> columns(const Database& db, const std::string& table) {
  Statement s(db, "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)");
  s.bind(1, table);
  std::vector<Column> out;
  while (s.step())
    out.push_back({s.column_text(0), s.column_text(1), s.column_int64(2) != 0, s.column_text(3),
                   static_cast<int>(s.column_int64(4))});
  return out;
}

// A key that signs from `from` to `retire` and leaves the key set at `exp`.
KeySchedule times(std::int64_t exp, std::int64_t from = 0, std::int64_t retire = -1) {
  return KeySchedule{from, from, retire < 0 ? exp : retire, exp, false, std::nullopt};
}

std::int64_t count(const Database& db, const std::string& table) {
  Statement s(db, "SELECT count(*) FROM " + table);  // table names are test constants
  s.step();
  return s.column_int64(0);
}

// In a forked child: file modes do not bind root, so a child running as root
// hands `paths` to an unprivileged user and becomes it. False if it could not.
bool become_nobody(std::initializer_list<std::string> paths) {
  if (::geteuid() != 0) return true;
  const uid_t nobody = 65534;
  for (const std::string& f : paths)
    if (::chown(f.c_str(), nobody, nobody) != 0) return false;
  return ::setgid(nobody) == 0 && ::setuid(nobody) == 0;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Checks that `f` throws a SqliteError with `code` whose message starts with `prefix`.
void check_sqlite_error(const std::function<void()>& f, int code, const std::string& prefix) {
  try {
    f();
    BOOST_ERROR("no SqliteError (expected code " << code << ")");
  } catch (const SqliteError& e) {
    BOOST_TEST(e.code() == code, e.what());
    BOOST_TEST(std::string(e.what()).starts_with(prefix), e.what());
  }
}

// True if `f` throws a std::runtime_error whose message contains `part`.
bool throws_containing(const std::function<void()>& f, const std::string& part) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).find(part) != std::string::npos) return true;
    BOOST_TEST_MESSAGE("other message: " << e.what());
  }
  return false;
}

}  // namespace

BOOST_DATA_TEST_CASE(contract_tables_have_exactly_the_contract_columns, data::make(kBackends), kind) {
  Backend b = make_backend(kind);
  Database db(b.path);
  migrate(db);

  std::vector<Column> keys{{"kid", "INTEGER", false, "", 1}, {"key", "BLOB", true, "", 0}, {"exp", "INTEGER", true, "", 0}};
  std::vector<Column> users{{"id", "INTEGER", false, "", 1},
                            {"username", "TEXT", true, "", 0},
                            {"password_hash", "TEXT", true, "", 0},
                            {"email", "TEXT", false, "", 0},
                            {"date_registered", "TIMESTAMP", false, "CURRENT_TIMESTAMP", 0},
                            {"last_login", "TIMESTAMP", false, "", 0}};
  std::vector<Column> auth_logs{{"id", "INTEGER", false, "", 1},
                                {"request_ip", "TEXT", true, "", 0},
                                {"request_timestamp", "TIMESTAMP", false, "CURRENT_TIMESTAMP", 0},
                                {"user_id", "INTEGER", false, "", 0}};
  BOOST_TEST(columns(db, "keys") == keys, boost::test_tools::per_element());
  BOOST_TEST(columns(db, "users") == users, boost::test_tools::per_element());
  BOOST_TEST(columns(db, "auth_logs") == auth_logs, boost::test_tools::per_element());

  // auth_logs.user_id references users(id).
  Statement fk(db, "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('auth_logs')");
  BOOST_REQUIRE(fk.step());
  BOOST_TEST(fk.column_text(0) == "users");
  BOOST_TEST(fk.column_text(1) == "user_id");
  BOOST_TEST(fk.column_text(2) == "id");
}

BOOST_DATA_TEST_CASE(migration_is_idempotent_and_versioned, data::make(kBackends), kind) {
  Backend b = make_backend(kind);
  Database db(b.path);
  BOOST_TEST(schema_version(db) == 0);
  migrate(db);
  BOOST_TEST(schema_version(db) == kSchemaVersion);
  migrate(db);
  migrate(db);
  BOOST_TEST(count(db, "jwks_schema_version") == kSchemaVersion);
}

BOOST_AUTO_TEST_CASE(migrations_run_in_steps) {
  Database db(":memory:");
  migrate_to(db, 1);
  BOOST_TEST(schema_version(db) == 1);
  migrate(db);
  BOOST_TEST(schema_version(db) == kSchemaVersion);
  BOOST_TEST(count(db, "jwks_schema_version") == kSchemaVersion);
}

// A step to an older version on a newer store changes nothing (no table
// goes back); a step past this build's versions is a bug of the caller.
BOOST_AUTO_TEST_CASE(migrate_to_never_goes_back_nor_past_this_build) {
  Database db(":memory:");
  BOOST_CHECK_THROW(migrate_to(db, kSchemaVersion + 1), std::logic_error);
  BOOST_TEST(schema_version(db) == 0);
  BOOST_TEST(count(db, "sqlite_schema") == 0);  // nothing was made
  migrate_to(db, 5);
  migrate_to(db, 3);
  BOOST_TEST(schema_version(db) == 5);
  BOOST_TEST(count(db, "jwks_schema_version") == 5);
}

// The version table is made in the transaction that writes its first row,
// so an empty one was left by hand (or another program): read as no schema,
// and the migration builds on it from version 1.
BOOST_AUTO_TEST_CASE(an_empty_version_table_reads_as_no_schema) {
  Database db(":memory:");
  db.exec("CREATE TABLE jwks_schema_version(version INTEGER NOT NULL, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)");
  BOOST_TEST(schema_version(db) == 0);
  migrate(db);
  BOOST_TEST(schema_version(db) == kSchemaVersion);
  BOOST_TEST(count(db, "jwks_schema_version") == kSchemaVersion);
  BOOST_TEST(count(db, "keys") == 0);
}

BOOST_AUTO_TEST_CASE(newer_schema_is_refused) {
  Database db(":memory:");
  migrate(db);
  // What a newer build leaves: its version row and its user_version mark.
  Statement(db, "INSERT INTO jwks_schema_version (version) VALUES (?)").bind(1, std::int64_t{kSchemaVersion + 1}).run();
  db.exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1)).c_str());
  BOOST_CHECK_THROW(migrate(db), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(user_version_marks_the_current_schema) {
  auto user_version = [](const Database& db) {
    Statement s(db, "PRAGMA user_version");
    BOOST_REQUIRE(s.step());
    return s.column_int64(0);
  };
  Database db(":memory:");
  migrate_to(db, kSchemaVersion - 1);
  BOOST_TEST(user_version(db) == 0);  // only the current version is marked
  migrate(db);
  BOOST_TEST(user_version(db) == kSchemaVersion);
  // A database this version's schema made before the mark existed gets it.
  db.exec("PRAGMA user_version = 0");
  migrate(db);
  BOOST_TEST(user_version(db) == kSchemaVersion);
  BOOST_TEST(schema_version(db) == kSchemaVersion);
}

// Version 5 records each key's token lifetime from then on; keys from before
// stay unknown, as v4 capped tokens only at keys.exp.
BOOST_AUTO_TEST_CASE(v5_leaves_the_token_lifetimes_of_older_keys_unknown) {
  Database db(":memory:");
  migrate_to(db, 4);
  const std::vector<std::uint8_t> env{1, 2, 3};
  for (std::int64_t exp : {9000, 5000}) Statement(db, "INSERT INTO keys (key, exp) VALUES (?, ?)").bind_blob(1, env).bind(2, exp).run();
  for (std::int64_t kid : {1, 2}) {
    Statement(db, "INSERT INTO key_public (kid, alg, jwk, created_at) VALUES (?, 'RS256', '{}', 0)").bind(1, kid).run();
  }
  Statement(db, "INSERT INTO key_schedule (kid, published_at, active_at, retire_at) VALUES (1, 0, 100, 5400)").run();
  migrate(db);
  const auto keys = SqliteKeyRepository(db).all();
  BOOST_REQUIRE(keys.size() == 2u);
  BOOST_TEST(!keys[0].schedule.token_lifetime.has_value());  // may have signed longer tokens: bounded by exp - now
  BOOST_TEST(!keys[1].schedule.token_lifetime.has_value());
  BOOST_CHECK_THROW(db.exec("UPDATE key_schedule SET token_lifetime = -1"), SqliteError);
}

BOOST_AUTO_TEST_CASE(file_database_uses_wal_and_is_private) {
  jwks::test::TempDir dir;
  std::string path = dir.file("private.db");
  Database db(path);
  migrate(db);
  Statement mode(db, "PRAGMA journal_mode");
  BOOST_REQUIRE(mode.step());
  BOOST_TEST(mode.column_text(0) == "wal");
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
}

BOOST_AUTO_TEST_CASE(missing_file_without_create_fails_cleanly) {
  jwks::test::TempDir dir;
  BOOST_CHECK_THROW(Database(dir.file("absent.db"), DatabaseOptions{100, false}), SqliteError);
  BOOST_CHECK_THROW(Database(dir.file("no/such/dir/x.db")), SqliteError);
}

BOOST_DATA_TEST_CASE(transaction_rolls_back_unless_committed, data::make(kBackends), kind) {
  Backend b = make_backend(kind);
  Database db(b.path);
  migrate(db);
  SqliteKeyRepository repo(db);
  const std::vector<std::uint8_t> blob{1, 2, 3};
  {
    Transaction tx(db, TransactionMode::kImmediate);
    repo.insert(blob, times(100), "RS256", R"({"kty":"RSA"})", "tp-1", 1);
  }  // no commit
  BOOST_TEST(count(db, "keys") == 0);
  BOOST_TEST(count(db, "key_public") == 0);
  {
    Transaction tx(db, TransactionMode::kDeferred);
    repo.insert(blob, times(100), "RS256", R"({"kty":"RSA"})", "tp-2", 1);
    tx.commit();
  }
  BOOST_TEST(count(db, "keys") == 1);
}

BOOST_DATA_TEST_CASE(key_repository_queries, data::make(kBackends), kind) {
  Backend b = make_backend(kind);
  Database db(b.path);
  migrate(db);
  SqliteKeyRepository repo(db);
  const std::vector<std::uint8_t> env_a{0xa}, env_b{0xb}, env_c{0xc};
  std::int64_t a = repo.insert(env_a, times(1000), "RS256", "{}", "tp-a", 0);  // expires at 1000
  std::int64_t b2 = repo.insert(env_b, times(5000, 100, 4000), "ES256", "{}", "tp-b", 7);
  std::int64_t c = repo.insert(env_c, times(3000), "RS256", "{}", "tp-c", 0);

  // Expired means exp <= now.
  auto at_1000 = repo.unexpired(1000);
  BOOST_REQUIRE_EQUAL(at_1000.size(), 2u);
  BOOST_TEST(at_1000[0].row_id == b2);
  BOOST_TEST(at_1000[1].row_id == c);
  BOOST_TEST(repo.unexpired(999).size() == 3u);
  // The schedule reads back as written.
  BOOST_TEST(at_1000[0].schedule.published_at == 100);
  BOOST_TEST(at_1000[0].schedule.active_at == 100);
  BOOST_TEST(at_1000[0].schedule.retire_at == 4000);
  BOOST_TEST(at_1000[0].exp() == 5000);
  BOOST_TEST(at_1000[0].alg == "ES256");
  BOOST_TEST(at_1000[0].created_at == 7);

  auto expired = repo.latest_expired(3500);
  BOOST_REQUIRE(expired.has_value());
  BOOST_TEST(expired->record.row_id == c);
  BOOST_TEST(expired->envelope == env_c, boost::test_tools::per_element());
  BOOST_TEST(!repo.latest_expired(3500, "ES256").has_value());  // only keys of that algorithm
  BOOST_TEST(!repo.latest_expired(999).has_value());
  BOOST_TEST(repo.all().size() == 3u);
  BOOST_TEST(*repo.envelope(b2) == env_b, boost::test_tools::per_element());
  BOOST_TEST(!repo.envelope(999).has_value());

  // A new schedule moves keys.exp (the contract's column) with it.
  {
    Transaction tx(db, TransactionMode::kImmediate);
    repo.set_schedule(a, KeySchedule{0, 10, 20, 7000, true, 6980});
    tx.commit();
  }
  Statement exp(db, "SELECT exp FROM keys WHERE kid = ?");
  exp.bind(1, a).step();
  BOOST_TEST(exp.column_int64(0) == 7000);
  BOOST_TEST(repo.all().at(0).schedule.retired_early);
  BOOST_TEST(repo.all().at(0).schedule.token_lifetime.value_or(-1) == 6980);
  // A schedule that ends before it starts is refused by the table itself.
  BOOST_CHECK_THROW(repo.set_schedule(a, KeySchedule{0, 30, 20, 7000, false, 6980}), SqliteError);

  // remove deletes every row about the key.
  {
    Transaction tx(db, TransactionMode::kImmediate);
    repo.remove(a);
    tx.commit();
  }
  BOOST_TEST(count(db, "keys") == 2);
  BOOST_TEST(count(db, "key_public") == 2);
  BOOST_TEST(count(db, "key_schedule") == 2);
}

BOOST_AUTO_TEST_CASE(keys_from_before_schedules_read_as_active_until_they_expire) {
  // Schema v3 had no key_schedule: such a key signed from creation to expiry.
  Database db(":memory:");
  migrate_to(db, 3);
  Statement(db, "INSERT INTO keys (key, exp) VALUES (?, ?)").bind_blob(1, std::vector<std::uint8_t>{1}).bind(2, 9000).run();
  Statement(db, "INSERT INTO key_public (kid, alg, jwk, created_at, thumbprint) VALUES (1, 'RS256', '{}', 500, 'tp')").run();
  migrate(db);
  const KeyRecord r = SqliteKeyRepository(db).all().at(0);
  BOOST_TEST(r.schedule.published_at == 500);
  BOOST_TEST(r.schedule.active_at == 500);
  BOOST_TEST(r.schedule.retire_at == 9000);
  BOOST_TEST(r.exp() == 9000);
  BOOST_TEST(!r.schedule.retired_early);
}

BOOST_AUTO_TEST_CASE(empty_text_binds_as_empty_not_null) {
  Database db(":memory:");
  Statement s(db, "SELECT ?1 IS NULL, ?1 = ''");
  s.bind(1, std::string_view{}).step();
  BOOST_TEST(s.column_int64(0) == 0);
  BOOST_TEST(s.column_int64(1) == 1);
}

BOOST_AUTO_TEST_CASE(hostile_text_is_bound_not_executed) {
  Database db(":memory:");
  migrate(db);
  const std::string evil = "x'); DROP TABLE keys; --";
  SqliteKeyRepository(db).insert(std::vector<std::uint8_t>{1}, times(10), evil, "{}", evil, 0);
  BOOST_TEST(count(db, "keys") == 1);
  BOOST_TEST(SqliteKeyRepository(db).all().at(0).alg == evil);
}

// Found by the read-only fault test: after a connection of this process read
// the store while its file was not writable (so SQLite opened it read-only),
// the next writable connection's first write transaction failed with
// SQLITE_READONLY although the file was writable again. Transaction retries
// once on a fresh connection, so the first request after such a fault
// succeeds. File modes do not bind root: the steps run in a child that
// drops to an unprivileged user when the test runs as root.
BOOST_AUTO_TEST_CASE(a_write_right_after_a_read_only_connection_succeeds) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("ro.db");
  {
    Database db(path);
    migrate(db);
    Transaction tx(db, TransactionMode::kImmediate, Durability::kRelaxed);
    db.exec("CREATE TABLE scratch(v TEXT)");
    Statement(db, "INSERT INTO scratch (v) VALUES ('a')").run();
    tx.commit();
  }
  const std::string dir_path = dir.path().string();
  const int status = jwks::test::run_in_child([&] {
    if (!become_nobody({dir_path, path, path + "-wal", path + "-shm"})) jwks::test::exit_child(10);
    ::chmod(path.c_str(), 0400);
    ::chmod(dir_path.c_str(), 0500);
    try {
      Database reader(path);
      Statement(reader, "SELECT count(*) FROM scratch").run();
      if (sqlite3_db_readonly(reader.handle(), "main") != 1) jwks::test::exit_child(12);  // the fault really was there
    } catch (const std::exception&) {
      jwks::test::exit_child(13);
    }
    ::chmod(path.c_str(), 0600);
    ::chmod(dir_path.c_str(), 0700);
    try {
      Database db(path);
      Transaction tx(db, TransactionMode::kImmediate);
      Statement(db, "INSERT INTO scratch (v) VALUES ('b')").run();
      tx.commit();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "the first write after the fault failed: %s\n", e.what());
      return 1;
    }
    return 0;
  });
  BOOST_TEST(status == 0, "child status " << status);
  Database db(path);
  Statement count(db, "SELECT count(*) FROM scratch");
  count.step();
  BOOST_TEST(count.column_int64(0) == 2);
}

// Each failing SQLite call names itself and keeps SQLite's primary code, so
// the log says which call failed and the services map the code (store_error.h).
BOOST_AUTO_TEST_CASE(failed_prepares_and_binds_throw_with_the_call_and_code) {
  Database db(":memory:");
  check_sqlite_error([&] { Statement(db, "SELEKT 1"); }, SQLITE_ERROR, "prepare: ");
  check_sqlite_error([&] { Statement(db, "SELECT * FROM no_such_table"); }, SQLITE_ERROR, "prepare: no such table");
  // A statement with one parameter, bound at index 2: each kind of bind.
  const std::vector<std::function<void(Statement&)>> binds = {
      [](Statement& s) { s.bind(2, std::int64_t{1}); },
      [](Statement& s) { s.bind(2, std::string_view("x")); },
      [](Statement& s) { s.bind_blob(2, std::vector<std::uint8_t>{1}); },
      [](Statement& s) { s.bind_null(2); },
  };
  for (std::size_t i = 0; i < binds.size(); ++i) {
    BOOST_TEST_CONTEXT("bind kind " << i) {
      Statement s(db, "SELECT ?1");
      check_sqlite_error([&] { binds[i](s); }, SQLITE_RANGE, "bind: column index out of range");
    }
  }
}

// A length over INT_MAX would wrap in SQLite's int length: refused before
// SQLite sees it. The bytes are a reserved, never touched mapping.
BOOST_AUTO_TEST_CASE(text_and_blobs_over_int_max_bytes_are_refused_not_truncated) {
  const std::size_t size = std::size_t{INT_MAX} + 1;
  void* big = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  BOOST_REQUIRE(big != MAP_FAILED);
  Database db(":memory:");
  Statement s(db, "SELECT ?1 IS NULL");
  check_sqlite_error([&] { s.bind(1, std::string_view(static_cast<const char*>(big), size)); }, SQLITE_TOOBIG,
                     "bind: text too large");
  check_sqlite_error([&] { s.bind_blob(1, std::span(static_cast<const std::uint8_t*>(big), size)); }, SQLITE_TOOBIG,
                     "bind: blob too large");
  BOOST_REQUIRE(s.step());
  BOOST_TEST(s.column_int64(0) == 1);  // nothing was bound
  ::munmap(big, size);
}

BOOST_AUTO_TEST_CASE(null_and_empty_columns_read_as_empty_values) {
  Database db(":memory:");
  Statement s(db, "SELECT NULL, '', x'', 'abc', x'00ff'");
  BOOST_REQUIRE(s.step());
  BOOST_TEST(s.is_null(0));
  BOOST_TEST(!s.is_null(1));
  BOOST_TEST(s.column_text(0) == "");
  BOOST_TEST(s.column_text(1) == "");
  BOOST_TEST(s.column_blob(0).empty());
  BOOST_TEST(s.column_blob(2).empty());
  BOOST_TEST(s.column_text(3) == "abc");
  BOOST_TEST(s.column_blob(4) == (std::vector<std::uint8_t>{0x00, 0xff}), boost::test_tools::per_element());
}

// "" is SQLite's private temporary database, like ":memory:": no file, and
// no two connections share it.
BOOST_AUTO_TEST_CASE(an_empty_path_is_a_private_memory_database) {
  BOOST_TEST(is_memory_path(""));
  BOOST_TEST(is_memory_path(":memory:"));
  BOOST_TEST(!is_memory_path("store.db"));
  Database a(""), b("");
  BOOST_TEST(!a.is_file());
  a.exec("CREATE TABLE t(v)");
  BOOST_CHECK_THROW(Statement(b, "SELECT * FROM t"), SqliteError);
}

// A store path holding something else is refused at open, and what is there
// is left as it was: a migration never writes over a file it cannot read.
BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_database_is_refused_and_left_alone) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("notes.txt");
  const std::string text(5000, 'x');
  { std::ofstream(path, std::ios::binary) << text; }
  try {
    SqliteStore store(path);
    BOOST_ERROR("opened a file that is not a database");
  } catch (const SqliteError& e) {
    BOOST_TEST(e.code() == SQLITE_NOTADB, e.what());
    BOOST_TEST((e.kind() == StoreErrorKind::kInternal));
  }
  BOOST_TEST(read_file(path) == text);
}

BOOST_AUTO_TEST_CASE(a_directory_where_the_store_should_be_is_refused) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("store.db");
  std::filesystem::create_directory(path);
  try {
    SqliteStore store(path);
    BOOST_ERROR("opened a directory as a store");
  } catch (const SqliteError& e) {
    BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable), "code " << e.code() << ": " << e.what());
  }
  BOOST_TEST(std::filesystem::is_directory(path));
}

// A relaxed transaction (the rate table's) lowers synchronous for itself
// only: the next durable one on the same connection syncs fully again.
BOOST_AUTO_TEST_CASE(a_durable_transaction_after_a_relaxed_one_is_durable_again) {
  jwks::test::TempDir dir;
  Database db(dir.file("store.db"));
  migrate(db);
  auto synchronous = [&] {
    Statement s(db, "PRAGMA synchronous");
    s.step();
    return s.column_int64(0);
  };
  BOOST_TEST(synchronous() == 2);  // FULL
  {
    Transaction tx(db, TransactionMode::kImmediate, Durability::kRelaxed);
    BOOST_TEST(synchronous() == 1);  // NORMAL
    tx.commit();
  }
  {
    Transaction tx(db, TransactionMode::kImmediate, Durability::kDurable);
    BOOST_TEST(synchronous() == 2);
    tx.commit();
  }
}

// Another process holding the write lock past the busy timeout: "busy" (a
// 503 with Retry-After), raised as it is, not retried on a fresh connection
// (that is for SQLITE_READONLY only). A timeout of 0 gives up at once.
BOOST_AUTO_TEST_CASE(a_write_lock_held_past_the_busy_timeout_is_busy) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("store.db");
  Database holder(path);
  migrate(holder);
  Database waiting(path, DatabaseOptions{0, false});
  {
    Transaction held(holder, TransactionMode::kImmediate);
    try {
      Transaction tx(waiting, TransactionMode::kImmediate);
      BOOST_ERROR("two write transactions at once");
    } catch (const SqliteError& e) {
      BOOST_TEST(e.busy(), e.what());
      BOOST_TEST((e.kind() == StoreErrorKind::kBusy));
    }
  }  // the holder rolls back: the lock is free
  Transaction tx(waiting, TransactionMode::kImmediate);
  waiting.exec("CREATE TABLE scratch(v)");
  tx.commit();
  BOOST_TEST(count(holder, "scratch") == 0);
}

// The responder's idle connection changes nothing, yet closing last it must
// checkpoint and empty the WAL, or the file alone is not the whole store
// once the responders stop. A connection that changed nothing and was not
// asked leaves the WAL as it is (no exclusive lock taken at every close).
BOOST_AUTO_TEST_CASE(only_a_connection_asked_to_checkpoints_the_wal_when_it_closes_last) {
  for (const bool asked : {true, false}) {
    BOOST_TEST_CONTEXT("checkpoint_when_closed " << asked) {
      jwks::test::TempDir dir;
      const std::string path = dir.file("store.db");
      { Database db(path); migrate(db); }
      auto idle = std::make_unique<Database>(path, DatabaseOptions{5000, false});
      idle->exec("PRAGMA user_version");
      if (asked) idle->checkpoint_when_closed();
      {
        Database writer(path);
        Transaction tx(writer, TransactionMode::kImmediate);
        writer.exec("CREATE TABLE scratch(v)");
        tx.commit();
      }  // not the last to close: the WAL keeps the write
      BOOST_TEST(std::filesystem::file_size(path + "-wal") > 0u);
      idle.reset();
      if (asked) {
        BOOST_TEST(std::filesystem::file_size(path + "-wal") == 0u);
      } else {
        BOOST_TEST(std::filesystem::file_size(path + "-wal") > 0u);
      }
      Database again(path);
      BOOST_TEST(count(again, "scratch") == 0);  // the write is there either way
    }
  }
}

// An in-memory database and the rate table's scratch file have no WAL to
// checkpoint: asking changes nothing about them.
BOOST_AUTO_TEST_CASE(checkpoint_when_closed_leaves_memory_and_scratch_databases_alone) {
  jwks::test::TempDir dir;
  Database memory(":memory:");
  Database scratch(dir.file("x-rate"), DatabaseOptions{5000, true, true});
  for (Database* db : {&memory, &scratch}) {
    db->checkpoint_when_closed();
    Statement limit(*db, "PRAGMA journal_size_limit");
    BOOST_REQUIRE(limit.step());
    BOOST_TEST(limit.column_int64(0) == -1);  // SQLite's default: not set
  }
}

// The reopen is only for a writable file connection with no live statement:
// a statement of a replaced connection would dangle.
BOOST_AUTO_TEST_CASE(only_an_idle_writable_file_connection_is_reopened) {
  Database memory(":memory:");
  BOOST_TEST(!memory.reopen_if_wrongly_readonly());
  jwks::test::TempDir dir;
  const std::string path = dir.file("store.db");
  Database db(path);
  migrate(db);
  {
    Statement live(db, "SELECT count(*) FROM keys");
    BOOST_TEST(!db.reopen_if_wrongly_readonly());
    BOOST_REQUIRE(live.step());  // still on the same connection
    BOOST_TEST(live.column_int64(0) == 0);
  }
  BOOST_TEST(db.reopen_if_wrongly_readonly());
  BOOST_TEST(count(db, "keys") == 0);  // the fresh connection works
}

// A store whose file cannot be written (a remounted disk, a wrong owner): a
// write is refused as "unavailable" (a 503, not a 500), nothing is written
// (a registration included), and a connection really opened read-only is
// not reopened. Then SQLite's quirk (see the test above) with a statement
// alive: not retried, since that would leave the statement on a closed
// connection; once it is gone, the retry writes.
BOOST_AUTO_TEST_CASE(a_read_only_store_refuses_writes_as_unavailable) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("ro.db");
  {
    Database db(path);
    migrate(db);
    db.exec("CREATE TABLE scratch(v TEXT)");
  }
  const std::string dir_path = dir.path().string();
  const int status = jwks::test::run_in_child([&] {
    if (!become_nobody({dir_path, path, path + "-wal", path + "-shm"})) jwks::test::exit_child(10);
    ::chmod(path.c_str(), 0400);
    ::chmod(dir_path.c_str(), 0500);
    {
      Database reader(path);
      try {
        Transaction tx(reader, TransactionMode::kImmediate);
        Statement(reader, "INSERT INTO scratch (v) VALUES ('a')").run();
        tx.commit();
        std::fprintf(stderr, "a read-only store was written\n");
        return 1;
      } catch (const SqliteError& e) {
        if (e.code() != SQLITE_READONLY || e.kind() != StoreErrorKind::kUnavailable) {
          std::fprintf(stderr, "unexpected error: %d %s\n", e.code(), e.what());
          return 2;
        }
      }
      if (reader.reopen_if_wrongly_readonly()) return 6;  // really read-only: nothing to work around
      // A registration is refused the same way, not taken for a name conflict.
      try {
        SqliteUserRepository(reader).insert("alice", "h", "");
        std::fprintf(stderr, "a user was added to a read-only store\n");
        return 7;
      } catch (const SqliteError& e) {
        if (e.code() != SQLITE_READONLY) {
          std::fprintf(stderr, "unexpected error: %d %s\n", e.code(), e.what());
          return 8;
        }
      }
    }
    ::chmod(path.c_str(), 0600);
    ::chmod(dir_path.c_str(), 0700);
    Database db(path);
    try {
      Statement live(db, "SELECT count(*) FROM scratch");
      Transaction tx(db, TransactionMode::kImmediate);
      std::fprintf(stderr, "no SQLITE_READONLY with a statement alive: the quirk is gone?\n");
      return 3;
    } catch (const SqliteError& e) {
      if (e.code() != SQLITE_READONLY) {
        std::fprintf(stderr, "unexpected error: %d %s\n", e.code(), e.what());
        return 4;
      }
    }
    try {
      Transaction tx(db, TransactionMode::kImmediate);
      Statement(db, "INSERT INTO scratch (v) VALUES ('b')").run();
      tx.commit();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "the write after the statement went failed: %s\n", e.what());
      return 5;
    }
    return 0;
  });
  BOOST_TEST(status == 0, "child status " << status);
  Database db(path);
  BOOST_TEST(count(db, "scratch") == 1);
}

// The copy check (jwksctl copy-store) compares every field of every key:
// a copy differing in any one of them is refused.
BOOST_AUTO_TEST_CASE(a_copy_differing_in_any_key_field_is_refused) {
  const SealedKey key{KeyRecord{3, 100, KeySchedule{10, 20, 30, 40, false, 5}, "ES256", R"({"kty":"EC"})", "tp", false},
                      {1, 2, 3}};
  const Snapshot source{{key}, {}, {}};
  BOOST_CHECK_NO_THROW(require_same(source, Snapshot{{key}, {}, {}}));
  const std::vector<std::pair<const char*, std::function<void(SealedKey&)>>> changes = {
      {"row_id", [](SealedKey& k) { k.record.row_id = 4; }},
      {"created_at", [](SealedKey& k) { k.record.created_at = 101; }},
      {"published_at", [](SealedKey& k) { k.record.schedule.published_at = 11; }},
      {"active_at", [](SealedKey& k) { k.record.schedule.active_at = 21; }},
      {"retire_at", [](SealedKey& k) { k.record.schedule.retire_at = 31; }},
      {"exp", [](SealedKey& k) { k.record.schedule.exp = 41; }},
      {"retired_early", [](SealedKey& k) { k.record.schedule.retired_early = true; }},
      {"token_lifetime", [](SealedKey& k) { k.record.schedule.token_lifetime = 6; }},
      {"token_lifetime unknown", [](SealedKey& k) { k.record.schedule.token_lifetime.reset(); }},
      {"alg", [](SealedKey& k) { k.record.alg = "ES384"; }},
      {"public_jwk", [](SealedKey& k) { k.record.public_jwk = R"({"kty":"OKP"})"; }},
      {"thumbprint", [](SealedKey& k) { k.record.thumbprint = "tq"; }},
      {"legacy_kid", [](SealedKey& k) { k.record.legacy_kid = true; }},
      {"envelope", [](SealedKey& k) { k.envelope.back() ^= 1; }},
      {"envelope truncated", [](SealedKey& k) { k.envelope.pop_back(); }},
  };
  for (const auto& [field, change] : changes) {
    SealedKey copy = key;
    change(copy);
    BOOST_TEST(throws_containing([&] { require_same(source, Snapshot{{copy}, {}, {}}); }, "the copied keys"), field);
  }
  BOOST_TEST(throws_containing([&] { require_same(source, Snapshot{{}, {}, {}}); }, "the copied keys"));
  BOOST_TEST(throws_containing([&] { require_same(source, Snapshot{{key, key}, {}, {}}); }, "the copied keys"));
}

BOOST_AUTO_TEST_CASE(a_copy_differing_in_users_or_logins_is_refused) {
  const UserRow user{1, "alice", "$argon2id$x", "a@example.com", "2026-01-01 00:00:00", std::nullopt, "alice", "alice"};
  const AuthLogRow login{1, "192.0.2.1", "2026-01-01 00:00:01", 1};
  const Snapshot source{{}, {user}, {login}};
  BOOST_CHECK_NO_THROW(require_same(source, Snapshot{{}, {user}, {login}}));
  UserRow other_user = user;
  other_user.date_registered = "2026-01-01 00:00:00.5";
  BOOST_TEST(throws_containing([&] { require_same(source, Snapshot{{}, {other_user}, {login}}); }, "the copied users"));
  AuthLogRow other_login = login;
  other_login.user_id.reset();
  BOOST_TEST(throws_containing([&] { require_same(source, Snapshot{{}, {user}, {other_login}}); }, "the copied logins"));
  BOOST_CHECK_NO_THROW(require_all_keys(0, source));
  BOOST_TEST(throws_containing([&] { require_all_keys(2, source); }, "2 row(s) of keys have no public half"));
}

// What copy-store moves comes back field for field, the optional ones
// absent included: a key from before thumbprints (none, published under its
// row id), a user with no e-mail and no name row (a look-alike the v6
// upgrade left unreachable), a login with no time and no user (its user
// deleted).
BOOST_DATA_TEST_CASE(a_snapshot_restores_field_for_field_nulls_included, data::make(kBackends), kind) {
  Backend b = make_backend(kind);
  SqliteStore source(b.path);
  Database& db = source.database();
  {
    auto tx = source.exclusive();
    source.keys().insert(std::vector<std::uint8_t>{0, 1, 0}, KeySchedule{5, 10, 20, 90, false, 60}, "EdDSA",
                         R"({"kty":"OKP"})", "tp-new", 5);
    tx->commit();
  }
  Statement(db, "INSERT INTO keys (key, exp) VALUES (x'02', 80)").run();
  Statement(db, "INSERT INTO key_public (kid, alg, jwk, created_at, thumbprint, legacy_kid) "
                "VALUES (last_insert_rowid(), 'RS256', '{}', 1, NULL, 1)").run();
  const std::int64_t alice = source.users().insert("alice", "$argon2id$a", "alice@example.com").value();
  source.users().record_login(alice, "192.0.2.1", std::nullopt);
  Statement(db, "INSERT INTO users (username, password_hash, email, date_registered) VALUES ('Alice', 'h', NULL, NULL)")
      .run();
  Statement(db, "INSERT INTO auth_logs (request_ip, request_timestamp, user_id) VALUES ('192.0.2.2', NULL, NULL)").run();

  const Snapshot rows = source.snapshot();
  BOOST_REQUIRE(rows.keys.size() == 2u);
  BOOST_TEST(rows.keys[1].record.thumbprint.empty());
  BOOST_TEST(rows.keys[1].record.legacy_kid);
  BOOST_TEST(!rows.keys[1].record.schedule.token_lifetime.has_value());
  BOOST_REQUIRE(rows.users.size() == 2u);
  BOOST_TEST(!rows.users[1].email.has_value());
  BOOST_TEST(!rows.users[1].date_registered.has_value());
  BOOST_TEST(!rows.users[1].last_login.has_value());
  BOOST_TEST(!rows.users[1].canonical.has_value());
  BOOST_REQUIRE(rows.logins.size() == 2u);
  BOOST_TEST(rows.logins[0].user_id.value_or(-1) == alice);
  BOOST_TEST(!rows.logins[1].request_timestamp.has_value());
  BOOST_TEST(!rows.logins[1].user_id.has_value());

  SqliteStore target(":memory:");
  target.restore(rows);
  const Snapshot copied = target.snapshot();
  BOOST_TEST((copied.keys == rows.keys));
  BOOST_TEST((copied.users == rows.users));
  BOOST_TEST((copied.logins == rows.logins));
  // A legacy key is published under its row id still; the unreachable user
  // stays unreachable.
  Statement legacy(target.database(), "SELECT thumbprint IS NULL, legacy_kid FROM key_public WHERE kid = ?");
  legacy.bind(1, rows.keys[1].record.row_id);
  BOOST_REQUIRE(legacy.step());
  BOOST_TEST(legacy.column_int64(0) == 1);
  BOOST_TEST(legacy.column_int64(1) == 1);
  BOOST_TEST(target.users().find_by_username("alice")->id == alice);
  BOOST_TEST(count(target.database(), "user_names") == 1);

  // A second copy into the now filled store is refused and adds nothing.
  BOOST_TEST(throws_containing([&] { target.restore(rows); }, "the target store is not empty"));
  BOOST_TEST(count(target.database(), "keys") == 2);
  BOOST_TEST(count(target.database(), "users") == 2);
}

// A snapshot naming a user by half (a form without its skeleton) cannot be
// written as it is: the check after writing refuses it, and nothing stays.
BOOST_AUTO_TEST_CASE(a_restore_that_does_not_read_back_writes_nothing) {
  UserRow half{1, "alice", "$argon2id$a", std::nullopt, std::nullopt, std::nullopt, "alice", std::nullopt};
  SqliteStore target(":memory:");
  BOOST_TEST(throws_containing([&] { target.restore(Snapshot{{}, {half}, {}}); }, "the copied users"));
  BOOST_TEST(count(target.database(), "users") == 0);
  BOOST_TEST(count(target.database(), "user_names") == 0);
}

// A key row another program wrote without its public half cannot be copied
// whole: the snapshot refuses rather than leave it behind.
BOOST_AUTO_TEST_CASE(a_snapshot_refuses_a_key_without_its_public_half) {
  SqliteStore store(":memory:");
  Statement(store.database(), "INSERT INTO keys (key, exp) VALUES (x'01', 10)").run();
  BOOST_TEST(throws_containing([&] { store.snapshot(); }, "1 row(s) of keys have no public half"));
}

// jwksctl users delete: the name as stored, else its enforced form; a name
// that is neither (or not valid at all) deletes nothing.
BOOST_AUTO_TEST_CASE(removing_a_user_by_stored_or_enforced_name) {
  SqliteStore store(":memory:");
  UserRepository& users = store.users();
  const std::int64_t alice = users.insert("alice", "h", "a@example.com").value();
  users.record_login(alice, "192.0.2.1", std::nullopt);
  BOOST_TEST(!users.remove("alice "));  // not stored, and no valid form
  BOOST_TEST(!users.remove("bob"));     // valid, but nobody's
  BOOST_TEST(users.find_by_username("alice").has_value());
  BOOST_TEST(users.remove("ALICE"));    // alice's enforced form
  BOOST_TEST(!users.find_by_username("alice").has_value());
  // Her logins stay, no longer hers.
  Statement log(store.database(), "SELECT count(*) FROM auth_logs WHERE user_id IS NULL");
  log.step();
  BOOST_TEST(log.column_int64(0) == 1);
}

// A private in-memory store has one process: every open is a store of its
// own (no idle connection to keep), and a hash needs no slot.
BOOST_AUTO_TEST_CASE(an_in_memory_source_opens_private_stores_and_hashes_without_a_slot) {
  SqliteSource source(":memory:", 1000);
  auto first = source.open();
  first->users().insert("alice", "h", "");
  auto second = source.open();
  BOOST_TEST(!second->users().find_by_username("alice").has_value());
  int hashed = 0;
  BOOST_TEST((source.with_hashing_slot(1, [&] { ++hashed; }) == HashingSlot::kAcquired));
  BOOST_TEST(hashed == 1);
}

// The hashing slots' lock file cannot be opened (here a directory is in its
// place): "unavailable" (503) naming the file, and no hash runs unbounded.
BOOST_AUTO_TEST_CASE(an_unopenable_hashing_slot_file_is_unavailable_and_nothing_is_hashed) {
  jwks::test::TempDir dir;
  const std::string path = dir.file("store.db");
  std::filesystem::create_directory(path + "-hashing");
  SqliteSource source(path, 1000);
  int hashed = 0;
  try {
    source.with_hashing_slot(2, [&] { ++hashed; });
    BOOST_ERROR("hashed without a slot");
  } catch (const SqliteError& e) {
    BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable));
    BOOST_TEST(std::string(e.what()).starts_with("cannot open " + path + "-hashing: "), e.what());
  }
  BOOST_TEST(hashed == 0);
}

BOOST_AUTO_TEST_CASE(postgres_uris_in_both_spellings_select_postgres) {
  BOOST_TEST(is_postgres_uri("postgresql://u@localhost/jwks"));
  BOOST_TEST(is_postgres_uri("postgres://u@localhost/jwks"));
  for (const char* sqlite : {"/var/lib/jwks/store.db", "postgres.db", "postgres:/x", "./postgresql://x", ":memory:"})
    BOOST_TEST(!is_postgres_uri(sqlite), sqlite);
  BOOST_TEST(current_schema_version("store.db") == kSchemaVersion);
  BOOST_TEST(describe_location("/var/lib/jwks/store.db") == "/var/lib/jwks/store.db");
}
