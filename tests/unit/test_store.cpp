#define BOOST_TEST_MODULE store
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include <memory>

#include "jwks/store/database.h"
#include "jwks/store/sqlite_store.h"
#include "jwks/store/schema.h"
#include "jwks/store/statement.h"
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
    if (::geteuid() == 0) {
      const uid_t nobody = 65534;
      for (const std::string& f : {dir_path, path, path + "-wal", path + "-shm"})
        if (::chown(f.c_str(), nobody, nobody) != 0) jwks::test::exit_child(10);
      if (::setgid(nobody) != 0 || ::setuid(nobody) != 0) jwks::test::exit_child(11);
    }
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
