// The PostgreSQL connection layer under the store (pg_connection.h,
// pg_store.h): how the server's errors are classified, what a message may
// show of a URI, and what a connection does when the server cancels,
// terminates or refuses. Behaviour every backend shares is the conformance
// suite's; this is what only PostgreSQL has. The server is the CTest
// fixture's (tests/support/pg-server), a schema per case (store_backends.h).
#define BOOST_TEST_MODULE pg_connection
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "jwks/store/pg_store.h"
#include "store_backends.h"

using namespace jwks;
using store::PgConnection;
using store::PgError;
using store::PgParams;
using store::StoreErrorKind;

namespace {

// Ends the server process behind `conn` from another connection, and waits
// until it is gone (PostgreSQL 14's pg_terminate_backend with a timeout), so
// the next statement meets a closed connection, not a race with the signal.
void terminate_backend(const std::string& uri, PgConnection& conn) {
  const std::int64_t pid = conn.exec("SELECT pg_backend_pid()").int64(0, 0);
  PgConnection admin(uri, 10000);
  BOOST_REQUIRE(admin.exec("SELECT pg_terminate_backend($1, 30000)", PgParams().int64(pid)).text(0, 0) == "t");
}

std::string what_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

// The kind decides the HTTP answer (503 for busy and unavailable), retryable()
// whether in_transaction runs the transaction again, connection_lost()
// whether PgSource connects again.
BOOST_AUTO_TEST_CASE(sqlstates_are_classified_by_what_the_caller_must_do) {
  struct Case {
    const char* sqlstate;
    StoreErrorKind kind;
    bool retryable, connection_lost;
  };
  using K = StoreErrorKind;
  const Case cases[] = {
      {"", K::kUnavailable, false, true},          // no answer: the connection failed
      {"08006", K::kUnavailable, false, true},     // connection failure
      {"08P01", K::kUnavailable, false, true},     // protocol violation
      {"57P01", K::kUnavailable, false, true},     // admin shutdown (pg_terminate_backend)
      {"57P03", K::kUnavailable, false, true},     // cannot connect now (starting up)
      {"53300", K::kUnavailable, false, false},    // too many connections
      {"53100", K::kUnavailable, false, false},    // disk full
      {"25006", K::kUnavailable, false, false},    // read-only transaction (a standby)
      {"57014", K::kUnavailable, false, false},    // query cancelled, statement_timeout
      {"58030", K::kUnavailable, false, false},    // I/O error
      {"40001", K::kBusy, true, false},            // serialization failure
      {"40P01", K::kBusy, true, false},            // deadlock
      {"55P03", K::kBusy, false, false},           // lock_timeout
      {"23505", K::kConflict, false, false},       // unique violation
      {"23503", K::kConflict, false, false},       // foreign key violation
      {"55000", K::kInternal, false, false},       // object not in prerequisite state: not 55P03
      {"25001", K::kInternal, false, false},       // active transaction: not 25006
      {"57000", K::kInternal, false, false},       // operator intervention: neither 57P nor 57014
      {"42P01", K::kInternal, false, false},       // undefined table
      {"22021", K::kInternal, false, false},       // bad UTF-8
      {"XX000", K::kInternal, false, false},       // internal error
  };
  for (const Case& c : cases) {
    const PgError e(c.sqlstate, "m");
    BOOST_TEST((e.kind() == c.kind), "sqlstate '" << c.sqlstate << "'");
    BOOST_TEST(e.retryable() == c.retryable, "sqlstate '" << c.sqlstate << "'");
    BOOST_TEST(e.connection_lost() == c.connection_lost, "sqlstate '" << c.sqlstate << "'");
    BOOST_TEST(e.sqlstate() == c.sqlstate);
  }
}

// Messages and `jwksctl` name the store by redact_uri: the server, port,
// database and user, never a password (nor any other parameter).
BOOST_AUTO_TEST_CASE(a_uri_in_a_message_names_the_server_never_the_password) {
  struct Case {
    const char* uri;
    const char* shown;
  };
  const Case cases[] = {
      {"postgresql://jwks:s3cret@db.example:5433/jwks?sslmode=require",
       "PostgreSQL user=jwks dbname=jwks host=db.example port=5433"},
      {"postgresql:///jwks?host=/run/pg&port=5432&password=s3cret&sslpassword=s3cret",
       "PostgreSQL dbname=jwks host=/run/pg port=5432"},
      {"host=db.example hostaddr=192.0.2.1 password=s3cret dbname=jwks",
       "PostgreSQL dbname=jwks host=db.example hostaddr=192.0.2.1"},
      {"host='' dbname=jwks password=s3cret", "PostgreSQL dbname=jwks"},  // an empty value is not shown
      {"", "PostgreSQL (libpq defaults)"},
      {"postgresql://", "PostgreSQL (libpq defaults)"},
      {"password=s3cret", "PostgreSQL (libpq defaults)"},
      {"postgresql://jwks:s3cr%zzet@db.example/jwks", "a PostgreSQL database (the URI does not parse)"},
      {"host=db.example password", "a PostgreSQL database (the URI does not parse)"},
      {"postgresql://db.example/jwks?password=s3cret&nosuch=1", "a PostgreSQL database (the URI does not parse)"},
  };
  for (const Case& c : cases) {
    BOOST_TEST(store::redact_uri(c.uri) == c.shown, "uri '" << c.uri << "'");
    BOOST_TEST(store::PgSource(c.uri, 1000).describe() == c.shown);
  }
}

// What a column holds is checked: a value that is not a whole 64-bit number
// is an internal error naming the column, never a silently truncated number.
BOOST_AUTO_TEST_CASE(a_value_that_is_not_an_integer_is_refused) {
  test::PgBackend backend;
  PgConnection conn(backend.uri, 10000);
  const store::PgResult r =
      conn.exec("SELECT 'twelve', '12x', '', '9223372036854775808', '-9223372036854775808', ' 1', '1.5'");
  BOOST_TEST(r.int64(0, 4) == INT64_MIN);
  for (int col : {0, 1, 2, 3, 5, 6}) {
    try {
      r.int64(0, col);
      BOOST_FAIL("column " << col << " read as an integer");
    } catch (const PgError& e) {
      BOOST_TEST(e.sqlstate() == "XX000");
      BOOST_TEST((e.kind() == StoreErrorKind::kInternal));
      BOOST_TEST(std::string(e.what()) == "not an integer in column " + std::to_string(col));
    }
  }
}

// A statement with no command answers no rows and no status: an error of the
// caller's (internal), and the connection goes on.
BOOST_AUTO_TEST_CASE(an_empty_statement_is_an_internal_error_not_a_lost_connection) {
  test::PgBackend backend;
  PgConnection conn(backend.uri, 10000);
  for (const char* sql : {"", " ; "}) {
    try {
      conn.exec(sql);
      BOOST_FAIL("'" << sql << "' succeeded");
    } catch (const PgError& e) {
      BOOST_TEST(e.sqlstate() == "XX000", e.what());
      BOOST_TEST((e.kind() == StoreErrorKind::kInternal));
      BOOST_TEST(std::string(e.what()).starts_with("PostgreSQL: "), e.what());
    }
    BOOST_TEST(conn.idle());
  }
  BOOST_CHECK_THROW(conn.exec_script(""), PgError);
  BOOST_TEST(conn.exec("SELECT 7").int64(0, 0) == 7);
}

// The server's message is quoted as it is, without libpq's line end.
BOOST_AUTO_TEST_CASE(a_server_error_is_quoted_without_its_line_end) {
  test::PgBackend backend;
  PgConnection conn(backend.uri, 10000);
  try {
    conn.exec("SELECT 1/0");
    BOOST_FAIL("divided by zero");
  } catch (const PgError& e) {
    BOOST_TEST(std::string(e.what()) == "PostgreSQL: ERROR:  division by zero");
    BOOST_TEST(e.sqlstate() == "22012");
    BOOST_TEST((e.kind() == StoreErrorKind::kInternal));
  }
  BOOST_TEST(conn.idle());
}

// statement_timeout (set by an operator on the role or the database) cancels
// the statement: 57014, a 503 for the client, but the connection is fine and
// serves the next request. (pg_sleep is the server's: the cancel comes after
// 1 ms, the test never waits for the sleep.)
BOOST_AUTO_TEST_CASE(a_statement_past_statement_timeout_is_unavailable_and_the_connection_stays) {
  test::PgBackend backend;
  PgConnection conn(backend.uri, 10000);
  conn.exec("SET statement_timeout = 1");
  try {
    conn.exec("SELECT pg_sleep(60)");
    BOOST_FAIL("the statement outlived statement_timeout");
  } catch (const PgError& e) {
    BOOST_TEST(e.sqlstate() == "57014", e.what());
    BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable));
    BOOST_TEST(!e.connection_lost());
    BOOST_TEST(std::string(e.what()).find("statement timeout") != std::string::npos, e.what());
  }
  BOOST_TEST(conn.idle());
  conn.exec("RESET statement_timeout");
  BOOST_TEST(conn.exec("SELECT 8").int64(0, 0) == 8);
}

// A lock another connection holds longer than the lock timeout: busy (55P03),
// which is not run again (the holder may hold it for long).
BOOST_AUTO_TEST_CASE(a_lock_held_past_the_lock_timeout_is_busy) {
  test::PgBackend backend;
  PgConnection holder(backend.uri, 10000), waiter(backend.uri, 1);
  holder.exec("CREATE TABLE held(x INTEGER)");
  store::PgTransaction hold(holder);
  holder.exec("LOCK TABLE held IN ACCESS EXCLUSIVE MODE");
  store::PgTransaction tx(waiter);
  try {
    waiter.exec("SELECT count(*) FROM held");
    BOOST_FAIL("read a table another transaction locked");
  } catch (const PgError& e) {
    BOOST_TEST(e.sqlstate() == "55P03", e.what());
    BOOST_TEST((e.kind() == StoreErrorKind::kBusy));
    BOOST_TEST(!e.retryable());
  }
}

// The server ends the connection between two statements of a transaction
// (pg_terminate_backend, a restart, a failover): the next statement fails as
// a lost connection, the rollback on leaving the scope does not throw, and
// the connection is never used again.
BOOST_AUTO_TEST_CASE(a_connection_terminated_inside_a_transaction_is_lost_for_good) {
  test::PgBackend backend;
  PgConnection conn(backend.uri, 10000);
  {
    store::PgTransaction tx(conn);
    conn.exec("SELECT 1");
    terminate_backend(backend.base, conn);
    try {
      conn.exec("SELECT 2");
      BOOST_FAIL("a terminated connection answered");
    } catch (const PgError& e) {
      BOOST_TEST(e.connection_lost(), e.sqlstate() << ": " << e.what());
      BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable));
    }
    BOOST_TEST(!conn.ok());
  }  // the rollback finds no connection: nothing thrown
  BOOST_TEST(!conn.idle());
  BOOST_TEST(what_of([&] { conn.exec("SELECT 3"); }) == "PostgreSQL: the connection was closed");
  BOOST_TEST(what_of([&] { conn.exec_script("SELECT 3"); }) == "PostgreSQL: the connection was closed");
  // Not "a transaction is already open": the connection is gone.
  try {
    store::PgTransaction again(conn);
    BOOST_FAIL("began a transaction on a closed connection");
  } catch (const PgError& e) {
    BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable));
  }
}

// PgTransaction's second statement (the lock timeout for the transaction)
// fails after BEGIN succeeded: the transaction is rolled back before the
// error goes on, so the connection is not left in an aborted transaction.
// The failure is injected by a set_config of the test schema's, ahead of
// pg_catalog on the search_path, that refuses the transaction-local call.
BOOST_AUTO_TEST_CASE(a_transaction_whose_setup_fails_is_rolled_back) {
  test::PgBackend backend;
  PgConnection(backend.uri, 10000)
      .exec_script(
          "CREATE FUNCTION set_config(name TEXT, value TEXT, is_local BOOLEAN) RETURNS TEXT LANGUAGE plpgsql AS $$ "
          "BEGIN "
          "  IF name = 'lock_timeout' AND is_local THEN RAISE EXCEPTION 'refused by the test' USING ERRCODE = '55000'; "
          "  END IF; "
          "  RETURN pg_catalog.set_config(name, value, is_local); "
          "END $$");
  PgConnection conn(backend.uri + "%2Cpg_catalog", 10000);  // search_path=<schema>,pg_catalog
  try {
    store::PgTransaction tx(conn);
    BOOST_FAIL("the transaction began");
  } catch (const PgError& e) {
    BOOST_TEST(e.sqlstate() == "55000");
    BOOST_TEST(std::string(e.what()).find("refused by the test") != std::string::npos, e.what());
  }
  BOOST_TEST(conn.idle());
  BOOST_TEST(conn.exec("SELECT 9").int64(0, 0) == 9);
}

// libpq refuses to send more than 65,535 parameters: its message, and the
// connection is not used again (what was sent of it is unknown).
BOOST_AUTO_TEST_CASE(a_statement_libpq_refuses_to_send_ends_the_connection) {
  test::PgBackend backend;
  PgConnection conn(backend.uri, 10000);
  PgParams many;
  for (int i = 0; i < 65536; ++i) many.int64(i);
  try {
    conn.exec("SELECT 1", many);
    BOOST_FAIL("sent 65,536 parameters");
  } catch (const PgError& e) {
    BOOST_TEST(std::string(e.what()).find("number of parameters must be between 0 and 65535") != std::string::npos,
               e.what());
  }
  BOOST_TEST(!conn.ok());
}

// A bytea far larger than the socket's buffer (a few hundred kB) is sent in
// several writes, reading the server's input meanwhile, and reads back whole.
BOOST_AUTO_TEST_CASE(a_statement_larger_than_the_socket_buffer_is_sent_whole) {
  test::PgBackend backend;
  PgConnection conn(backend.uri, 10000);
  std::vector<std::uint8_t> big(8 << 20);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 131 + (i >> 12));
  const store::PgResult r = conn.exec("SELECT $1::bytea, length($1::bytea)", PgParams().bytes(big));
  BOOST_TEST(r.int64(0, 1) == static_cast<std::int64_t>(big.size()));
  BOOST_TEST((r.bytes(0, 0) == big));
}

// A name that is not UTF-8 reaches the server only as an error of its own
// (22021), never as "taken": the registration fails instead of telling the
// client the name exists.
BOOST_AUTO_TEST_CASE(a_user_the_server_refuses_is_an_error_not_a_conflict) {
  test::PgBackend backend;
  store::PgStore s(backend.uri, 10000);
  try {
    s.users().insert("al\xff" "ice", "h", "alice@example.com");
    BOOST_FAIL("stored a name that is not UTF-8");
  } catch (const PgError& e) {
    BOOST_TEST(e.sqlstate() == "22021", e.what());
    BOOST_TEST((e.kind() == StoreErrorKind::kInternal));
  }
  BOOST_TEST(s.users().list().empty());
}

// The schema version the kept connection reads on every open(): a database
// emptied of its version rows is migrated again (the tables and their rows
// stay), one a newer build migrated is refused, by this source and by any
// new store.
BOOST_AUTO_TEST_CASE(a_source_migrates_an_emptied_version_and_refuses_a_newer_one) {
  test::PgBackend backend;
  store::PgSource src(backend.uri, 10000);
  BOOST_REQUIRE(src.open()->users().insert("kept", "h", "kept@example.com").ok());
  PgConnection admin(backend.uri, 10000);
  admin.exec("DELETE FROM jwks_schema_version");
  BOOST_TEST(src.open()->users().list().size() == 1u);
  BOOST_TEST(store::schema_version(admin) == store::kPgSchemaVersion);
  BOOST_TEST(admin.exec("SELECT count(*) FROM jwks_schema_version").int64(0, 0) == 1);

  admin.exec("INSERT INTO jwks_schema_version (version) VALUES ($1)", PgParams().int64(store::kPgSchemaVersion + 1));
  const std::string newer = "database schema version " + std::to_string(store::kPgSchemaVersion + 1) +
                            " is newer than this build understands (" + std::to_string(store::kPgSchemaVersion) + ")";
  BOOST_TEST(what_of([&] { src.open(); }) == newer);
  BOOST_TEST(what_of([&] { store::PgStore(backend.uri, 10000); }) == newer);
  BOOST_TEST(what_of([&] { store::PgSource(backend.uri, 10000).open(); }) == newer);
}

// A request that failed inside a transaction (its store still open) left the
// kept connection in it: the next open() rolls it back, so what it wrote is
// gone and its advisory lock is free for another host at once.
BOOST_AUTO_TEST_CASE(a_source_rolls_back_a_transaction_a_request_left_open) {
  test::PgBackend backend;
  store::PgSource src(backend.uri, 10000);
  const std::unique_ptr<store::Store> left = src.open();
  PgConnection& kept = dynamic_cast<store::PgStore&>(*left).connection();
  const std::int64_t pid = kept.exec("SELECT pg_backend_pid()").int64(0, 0);
  PgConnection admin(backend.base, 10000);
  auto advisory_locks = [&] {
    return admin.exec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = $1", PgParams().int64(pid))
        .int64(0, 0);
  };
  auto tx = left->exclusive();
  left->keys().insert(std::vector<std::uint8_t>{1}, store::KeySchedule{0, 0, 0, 10, false, std::nullopt}, "RS256", "{}",
                      "tp", 0);
  BOOST_TEST(advisory_locks() == 1);
  BOOST_TEST(src.open()->keys().all().empty());
  BOOST_TEST(kept.idle());
  BOOST_TEST(advisory_locks() == 0);
}

// The same, when the server also ended that connection meanwhile: the
// ROLLBACK fails, and the source connects again instead of failing the
// request; the old transaction's own rollback finds the connection gone.
BOOST_AUTO_TEST_CASE(a_source_whose_open_transaction_lost_its_connection_connects_again) {
  test::PgBackend backend;
  store::PgSource src(backend.uri, 10000);
  const std::unique_ptr<store::Store> left = src.open();
  auto tx = left->exclusive();
  auto* pg = dynamic_cast<store::PgStore*>(left.get());
  BOOST_REQUIRE(pg != nullptr);
  terminate_backend(backend.base, pg->connection());
  BOOST_TEST(src.open()->keys().all().empty());
  BOOST_TEST(!pg->connection().ok());
}

// A statement of a request's store that found the kept connection gone
// leaves it closed: the next open() connects again at once.
BOOST_AUTO_TEST_CASE(a_source_whose_kept_connection_failed_connects_again) {
  test::PgBackend backend;
  store::PgSource src(backend.uri, 10000);
  const std::unique_ptr<store::Store> first = src.open();
  auto* pg = dynamic_cast<store::PgStore*>(first.get());
  BOOST_REQUIRE(pg != nullptr);
  terminate_backend(backend.base, pg->connection());
  BOOST_CHECK_THROW(first->keys().all(), PgError);
  BOOST_TEST(!pg->connection().ok());
  const std::unique_ptr<store::Store> second = src.open();
  BOOST_TEST(second->keys().all().empty());
  store::PgConnection& kept = dynamic_cast<store::PgStore&>(*second).connection();
  BOOST_TEST(kept.ok());
  // A registration's hashing slot on a kept connection the server ended:
  // the failure comes before the hashing, which runs once, on a new one.
  terminate_backend(backend.base, kept);
  int hashed = 0;
  // (Many slots: the slots are the server's, shared with suites running beside.)
  BOOST_TEST((src.with_hashing_slot(64, [&] { ++hashed; }) == store::HashingSlot::kAcquired));
  BOOST_TEST(hashed == 1);
  BOOST_TEST(!kept.ok());
}

// After a restart the server refuses the source's role (an operator locked
// it, a failover to a server without it): the kept connection is found gone,
// connecting again fails, and the request answers "unavailable" naming the
// server, not the password. Once the role may log in again, the same source
// serves the next request without a restart. The role is the test's own.
BOOST_AUTO_TEST_CASE(a_source_refused_when_connecting_again_is_unavailable_until_it_may) {
  test::PgBackend backend;
  PgConnection admin(backend.base, 10000);
  const std::string role = backend.schema + "_role";
  admin.exec("CREATE ROLE " + role + " LOGIN PASSWORD 's3cret'");
  admin.exec("GRANT ALL ON SCHEMA " + backend.schema + " TO " + role);
  const std::string uri = backend.uri + "&user=" + role + "&password=s3cret";
  {
    store::PgSource src(uri, 10000);
    BOOST_REQUIRE(src.open()->keys().all().empty());
    admin.exec("ALTER ROLE " + role + " NOLOGIN");
    admin.exec("SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity WHERE usename = $1",
               PgParams().text(role));
    try {
      src.open();
      BOOST_FAIL("connected as a role that may not log in");
    } catch (const PgError& e) {
      const std::string what = e.what();
      BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable));
      BOOST_TEST(what.find("not permitted to log in") != std::string::npos, what);
      BOOST_TEST(what.find("user=" + role) != std::string::npos, what);
      BOOST_TEST(what.find("s3cret") == std::string::npos, what);
    }
    admin.exec("ALTER ROLE " + role + " LOGIN");
    BOOST_TEST(src.open()->keys().all().empty());
  }
  admin.exec("DROP OWNED BY " + role);
  admin.exec("DROP ROLE " + role);
}

// jwks_rate_acquire is one statement in its own transaction: a serialization
// failure or a deadlock is run again, up to three times; any other error is
// the answer at once. The failures are injected by a jwks_rate_acquire of the
// test's that fails the first `fail_times` calls with `code`, counting calls
// in a sequence (which a rollback does not undo).
BOOST_AUTO_TEST_CASE(a_rate_decision_is_tried_three_times_on_serialization_failures_only) {
  test::PgBackend backend;
  store::PgSource src(backend.uri, 10000);
  src.open();  // migrated: the real function exists, replaced below
  PgConnection admin(backend.uri, 10000);
  admin.exec_script(
      "CREATE TABLE fault(fail_times BIGINT, code TEXT); INSERT INTO fault VALUES (0, '40001'); "
      "CREATE SEQUENCE calls; "
      "CREATE OR REPLACE FUNCTION jwks_rate_acquire(p_bucket TEXT, p_addr TEXT, p_now_ms BIGINT, p_window_ms BIGINT, "
      "    p_limit BIGINT, p_lock_timeout_ms BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$ "
      "BEGIN "
      "  IF nextval('calls') <= (SELECT fail_times FROM fault) THEN "
      "    RAISE EXCEPTION 'injected' USING ERRCODE = (SELECT code FROM fault); "
      "  END IF; "
      "  RETURN 0; "
      "END $$");
  auto inject = [&](int fail_times, const char* code) {
    admin.exec("ALTER SEQUENCE calls RESTART");
    admin.exec("UPDATE fault SET fail_times = $1, code = $2", PgParams().int64(fail_times).text(code));
  };
  auto calls = [&] {
    return admin.exec("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM calls").int64(0, 0);
  };
  auto acquire = [&] { return src.acquire_rate(store::kAuthBucket, "192.0.2.20", 0, 1000, 10); };

  inject(2, "40001");
  BOOST_TEST(acquire().allowed);
  BOOST_TEST(calls() == 3);

  inject(3, "40P01");
  try {
    acquire();
    BOOST_FAIL("a third deadlock was not the answer");
  } catch (const PgError& e) {
    BOOST_TEST(e.sqlstate() == "40P01");
    BOOST_TEST((e.kind() == StoreErrorKind::kBusy));
  }
  BOOST_TEST(calls() == 3);

  inject(1, "22012");
  try {
    acquire();
    BOOST_FAIL("the error was not the answer");
  } catch (const PgError& e) {
    BOOST_TEST(e.sqlstate() == "22012");
    BOOST_TEST((e.kind() == StoreErrorKind::kInternal));
  }
  BOOST_TEST(calls() == 1);

  // A source whose connection is new for this call answers the same.
  inject(1, "22012");
  BOOST_CHECK_THROW(store::PgSource(backend.uri, 10000).acquire_rate(store::kAuthBucket, "192.0.2.21", 0, 1000, 10),
                    PgError);
  BOOST_TEST(calls() == 1);
}
