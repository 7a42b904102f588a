#define BOOST_TEST_MODULE rate_limit
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <deque>
#include <filesystem>
#include <map>
#include <fstream>
#include <random>
#include <string_view>

#include "jwks/auth/rate_limit.h"
#include "jwks/service/clock.h"
#include "jwks/store/rate_table.h"
#include "jwks/store/schema.h"
#include "jwks/store/statement.h"
#include "temp_dir.h"

using namespace jwks;
using store::RateTable;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000;

store::Database open_migrated(const std::string& path) {
  store::Database db(path, store::DatabaseOptions{5000, true, true});
  store::prepare_rate_store(db);
  return db;
}

std::int64_t rows(const store::Database& db) {
  store::Statement s(db, "SELECT count(*) FROM rate_events");
  s.step();
  return s.column_int64(0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(ten_requests_100ms_apart_then_an_eleventh_is_refused) {
  store::Database db = open_migrated(":memory:");
  service::ManualClock clock(kT0);
  RateTable table(db);
  for (int i = 0; i < 10; ++i) {
    BOOST_TEST(table.acquire("192.0.2.1", clock.now_ms(), 1000, 10).allowed, "request " << i);
    clock.advance_ms(100);
  }
  clock.set(kT0);
  clock.advance_ms(950);  // right after the tenth (sent at +900)
  auto eleventh = table.acquire("192.0.2.1", clock.now_ms(), 1000, 10);
  BOOST_TEST(!eleventh.allowed);
  BOOST_TEST(eleventh.retry_after_ms == 50);  // the first leaves the window at +1000
  BOOST_TEST(auth::retry_after_seconds(eleventh.retry_after_ms) == 1);
  // Another address has its own budget.
  BOOST_TEST(table.acquire("192.0.2.2", clock.now_ms(), 1000, 10).allowed);
}

BOOST_AUTO_TEST_CASE(the_window_slides_and_refusals_use_no_slot) {
  store::Database db = open_migrated(":memory:");
  RateTable table(db);
  const std::int64_t t = kT0 * 1000;
  for (int i = 0; i < 10; ++i) BOOST_TEST(table.acquire("a", t + i * 100, 1000, 10).allowed);
  for (int i = 0; i < 50; ++i) BOOST_TEST(!table.acquire("a", t + 950, 1000, 10).allowed);  // hammering
  BOOST_TEST(table.acquire("a", t + 1000, 1000, 10).allowed);   // the request at t left: one slot
  auto next = table.acquire("a", t + 1001, 1000, 10);
  BOOST_TEST(!next.allowed);
  BOOST_TEST(next.retry_after_ms == 99);                       // t+100 leaves at t+1100
  BOOST_TEST(table.acquire("a", t + 1100, 1000, 10).allowed);
}

BOOST_AUTO_TEST_CASE(never_more_than_n_in_any_window) {
  // Random arrival times: every allowed request must see fewer than N allowed
  // ones in the W before it, and every refused one exactly N.
  store::Database db = open_migrated(":memory:");
  RateTable table(db);
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> gap(0, 250);
  constexpr std::int64_t kWindow = 1000, kLimit = 5;
  std::deque<std::int64_t> allowed;
  std::int64_t now = kT0 * 1000;
  for (int i = 0; i < 2000; ++i) {
    now += gap(rng);
    while (!allowed.empty() && allowed.front() <= now - kWindow) allowed.pop_front();
    bool expect = static_cast<std::int64_t>(allowed.size()) < kLimit;
    auto d = table.acquire("x", now, kWindow, kLimit);
    BOOST_REQUIRE_EQUAL(d.allowed, expect);
    if (d.allowed) {
      allowed.push_back(now);
    } else {
      BOOST_REQUIRE_EQUAL(d.retry_after_ms, allowed.front() + kWindow - now);
    }
  }
}

BOOST_AUTO_TEST_CASE(two_connections_share_one_budget) {
  test::TempDir dir;
  const std::string path = dir.file("rate.db");
  store::Database a = open_migrated(path), b = open_migrated(path);
  const std::int64_t t = kT0 * 1000;
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(RateTable(a).acquire("198.51.100.1", t + i, 1000, 10).allowed);
    BOOST_TEST(RateTable(b).acquire("198.51.100.1", t + i, 1000, 10).allowed);
  }
  BOOST_TEST(!RateTable(a).acquire("198.51.100.1", t + 10, 1000, 10).allowed);
  BOOST_TEST(!RateTable(b).acquire("198.51.100.1", t + 10, 1000, 10).allowed);
}

BOOST_AUTO_TEST_CASE(the_table_does_not_grow_without_bound) {
  store::Database db = open_migrated(":memory:");
  RateTable table(db);
  std::int64_t t = kT0 * 1000;
  for (int i = 0; i < 1000; ++i) table.acquire("203.0.113." + std::to_string(i % 250), t + i * 10, 1000, 10);
  // Only the last window's requests remain: 100 of them (one every 10 ms).
  BOOST_TEST(rows(db) <= 101);
}

BOOST_AUTO_TEST_CASE(parsing_the_setting) {
  auto r = auth::parse_rate_limit("10/1s");
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->requests == 10);
  BOOST_TEST(r->window_ms == 1000);
  BOOST_TEST(auth::parse_rate_limit("5/60s")->window_ms == 60000);
  BOOST_TEST(auth::parse_rate_limit("5/60")->window_ms == 60000);
  BOOST_TEST(auth::parse_rate_limit("100/1h")->window_ms == 3600000);
  for (const char* bad : {"", "10", "/1s", "10/", "0/1s", "-1/1s", "10/0s", "10/2d", "10/1x", "1.5/1s", "10/25h"})
    BOOST_TEST(!auth::parse_rate_limit(bad).has_value(), bad);
  BOOST_TEST(auth::retry_after_seconds(1) == 1);
  BOOST_TEST(auth::retry_after_seconds(1000) == 1);
  BOOST_TEST(auth::retry_after_seconds(1001) == 2);
  BOOST_TEST(auth::retry_after_seconds(-5) == 1);
}

// /auth and /register count in buckets of their own: one's budget, and its
// pruning by its own window, leave the other's alone.
BOOST_AUTO_TEST_CASE(each_limit_counts_in_its_own_bucket) {
  store::Database db = open_migrated(":memory:");
  RateTable auth(db, store::kAuthBucket), reg(db, store::kRegisterBucket);
  const std::int64_t t = kT0 * 1000;
  for (int i = 0; i < 5; ++i) BOOST_TEST(reg.acquire("192.0.2.1", t + i, 60'000, 5).allowed);
  BOOST_TEST(!reg.acquire("192.0.2.1", t + 10, 60'000, 5).allowed);
  for (int i = 0; i < 10; ++i) BOOST_TEST(auth.acquire("192.0.2.1", t + 10 + i, 1000, 10).allowed);
  // Two seconds on, /auth prunes its own rows (1 s window) but not the
  // registrations, whose window is a minute.
  BOOST_TEST(auth.acquire("192.0.2.1", t + 2000, 1000, 10).allowed);
  auto still = reg.acquire("192.0.2.1", t + 2000, 60'000, 5);
  BOOST_TEST(!still.allowed);
  BOOST_TEST(still.retry_after_ms == 58'000);
  BOOST_TEST(rows(db) == 6);  // 5 registrations + the last /auth
  BOOST_TEST(reg.acquire("192.0.2.1", t + 60'000, 60'000, 5).allowed);  // the first left the window
}

// The rate limits' own file beside the store (issue 14): created owner-only,
// one budget across connections, written without fsync, and rebuilt when
// damaged; the store itself no longer has the table.
BOOST_AUTO_TEST_CASE(the_rate_file_beside_the_store) {
  test::TempDir dir;
  const std::string store_path = dir.file("keys.db");
  const std::string rate_path = store::rate_store_path(store_path);
  BOOST_TEST(rate_path == store_path + "-rate");
  BOOST_TEST(store::rate_store_path(":memory:") == ":memory:");
  const std::int64_t t = kT0 * 1000;
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(store::acquire_rate(store_path, 1000, store::kAuthBucket, "192.0.2.1", t + i, 1000, 3).allowed);
  BOOST_TEST(!store::acquire_rate(store_path, 1000, store::kAuthBucket, "192.0.2.1", t + 3, 1000, 3).allowed);
  struct stat st {};
  BOOST_REQUIRE(::stat(rate_path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  {
    store::Database db(rate_path, store::DatabaseOptions{1000, false, true});
    store::Statement journal(db, "PRAGMA journal_mode");
    BOOST_REQUIRE(journal.step());
    BOOST_TEST(journal.column_text(0) == "memory");
    store::Statement sync(db, "PRAGMA synchronous");
    BOOST_REQUIRE(sync.step());
    BOOST_TEST(sync.column_int64(0) == 0);  // OFF
  }
  // A damaged file: deleted and rebuilt, the budget starts over.
  {
    std::ofstream junk(rate_path, std::ios::binary | std::ios::trunc);
    junk << std::string(8192, 'x');
  }
  BOOST_TEST(store::acquire_rate(store_path, 1000, store::kAuthBucket, "192.0.2.1", t + 4, 1000, 3).allowed);
  BOOST_TEST(rows(store::Database(rate_path, store::DatabaseOptions{1000, false, true})) == 1);
  // The store migrated to this build's schema has no rate table.
  store::Database keys(store_path);
  store::migrate(keys);
  store::Statement table(keys, "SELECT count(*) FROM sqlite_schema WHERE name = 'rate_events'");
  table.step();
  BOOST_TEST(table.column_int64(0) == 0);
}

// Each address's count (rate_counts, kept by the insert and a trigger) is
// always the number of its rows: random arrivals from twenty addresses in two
// buckets, checked against a model per address, and the counts against the
// rows after every step; an address whose rows all left has no count row.
BOOST_AUTO_TEST_CASE(the_counts_are_the_rows_of_each_address) {
  store::Database db = open_migrated(":memory:");
  RateTable auth(db, store::kAuthBucket), reg(db, store::kRegisterBucket);
  std::mt19937 rng(777);
  std::uniform_int_distribution<int> gap(0, 40), who(0, 19), bucket(0, 3);
  constexpr std::int64_t kWindow = 1000, kLimit = 4;
  std::map<std::string, std::deque<std::int64_t>> model;
  std::int64_t now = kT0 * 1000;
  auto mismatches = [&] {
    store::Statement s(db,
                       "SELECT (SELECT count(*) FROM rate_counts c WHERE n != (SELECT count(*) FROM rate_events e "
                       "WHERE e.bucket = c.bucket AND e.addr = c.addr)) + (SELECT count(*) FROM rate_events e WHERE "
                       "NOT EXISTS (SELECT 1 FROM rate_counts c WHERE c.bucket = e.bucket AND c.addr = e.addr)) + "
                       "(SELECT count(*) FROM rate_counts WHERE n <= 0)");
    s.step();
    return s.column_int64(0);
  };
  for (int i = 0; i < 3000; ++i) {
    now += gap(rng);
    const bool registration = bucket(rng) == 0;
    const std::string addr = "198.51.100." + std::to_string(who(rng));
    auto& seen = model[(registration ? "r:" : "a:") + addr];
    while (!seen.empty() && seen.front() <= now - kWindow) seen.pop_front();
    const bool expect = static_cast<std::int64_t>(seen.size()) < kLimit;
    auto d = (registration ? reg : auth).acquire(addr, now, kWindow, kLimit);
    BOOST_REQUIRE_EQUAL(d.allowed, expect);
    if (d.allowed) seen.push_back(now);
    else BOOST_REQUIRE_EQUAL(d.retry_after_ms, seen.front() + kWindow - now);
    BOOST_REQUIRE_EQUAL(mismatches(), 0);
  }
}

// An empty store path is a private in-memory store, as ":memory:" is: its
// rate table is in memory too, never a file named "-rate".
BOOST_AUTO_TEST_CASE(an_in_memory_store_has_an_in_memory_rate_table) {
  BOOST_TEST(store::rate_store_path("") == ":memory:");
  BOOST_TEST(store::rate_store_path("/var/lib/jwks/store.db") == "/var/lib/jwks/store.db-rate");
}

// Damaged past its header (a crash in the middle of an unsynced write):
// SQLite reads it as corrupt, not as "not a database". Rebuilt all the same,
// and the budget starts over.
BOOST_AUTO_TEST_CASE(a_rate_file_damaged_past_its_header_is_rebuilt) {
  test::TempDir dir;
  const std::string store_path = dir.file("keys.db");
  const std::string rate_path = store::rate_store_path(store_path);
  const std::int64_t t = kT0 * 1000;
  for (int i = 0; i < 2; ++i)
    BOOST_TEST(store::acquire_rate(store_path, 1000, store::kAuthBucket, "192.0.2.1", t + i, 1000, 2).allowed);
  BOOST_TEST(!store::acquire_rate(store_path, 1000, store::kAuthBucket, "192.0.2.1", t + 2, 1000, 2).allowed);
  {
    std::fstream file(rate_path, std::ios::binary | std::ios::in | std::ios::out);
    file.seekp(100);  // the database header stays: the first page's b-tree does not
    file << std::string(4000, '\xff');
  }
  try {
    rows(store::Database(rate_path, store::DatabaseOptions{1000, false, true}));
    BOOST_ERROR("the damaged file reads");
  } catch (const store::SqliteError& e) {
    BOOST_TEST(e.code() == SQLITE_CORRUPT, e.what());
  }
  BOOST_TEST(store::acquire_rate(store_path, 1000, store::kAuthBucket, "192.0.2.1", t + 3, 1000, 2).allowed);
  BOOST_TEST(rows(store::Database(rate_path, store::DatabaseOptions{1000, false, true})) == 1);
}

// Only damage is repaired by deleting: a rate file that cannot be opened
// (a directory in its place) is an error for the caller (503), and what is
// at the path stays.
BOOST_AUTO_TEST_CASE(a_rate_file_that_cannot_be_opened_is_an_error_not_deleted) {
  test::TempDir dir;
  const std::string store_path = dir.file("keys.db");
  const std::string rate_path = store::rate_store_path(store_path);
  std::filesystem::create_directory(rate_path);
  std::ofstream(rate_path + "/keep") << "x";
  try {
    store::acquire_rate(store_path, 1000, store::kAuthBucket, "192.0.2.1", kT0 * 1000, 1000, 2);
    BOOST_ERROR("a request was counted without a rate file");
  } catch (const store::SqliteError& e) {
    BOOST_TEST((e.kind() == store::StoreErrorKind::kUnavailable), "code " << e.code() << ": " << e.what());
  }
  BOOST_TEST(std::filesystem::exists(rate_path + "/keep"));
}

// Two processes preparing a new rate file at once: the one that takes the
// write lock second finds the tables made and keeps them, with the requests
// already counted in them. The rival's work is run from a trace hook as the
// second connection begins its write transaction, after its first look.
BOOST_AUTO_TEST_CASE(a_rate_file_another_process_prepared_first_is_kept) {
  test::TempDir dir;
  const std::string path = dir.file("keys.db-rate");
  const store::DatabaseOptions scratch{1000, true, true};
  store::Database rival(path, scratch);
  store::Database late(path, scratch);
  const std::int64_t t = kT0 * 1000;
  struct Race {
    store::Database* rival;
    std::int64_t t;
    bool ran = false;
  } race{&rival, t};
  sqlite3_trace_v2(
      late.handle(), SQLITE_TRACE_STMT,
      [](unsigned, void* context, void*, void* sql) -> int {
        auto* r = static_cast<Race*>(context);
        if (!r->ran && std::string_view(static_cast<const char*>(sql)) == "BEGIN IMMEDIATE") {
          r->ran = true;
          store::prepare_rate_store(*r->rival);
          RateTable(*r->rival).acquire("192.0.2.1", r->t, 1000, 1);
        }
        return 0;
      },
      &race);
  store::prepare_rate_store(late);
  sqlite3_trace_v2(late.handle(), 0, nullptr, nullptr);
  BOOST_REQUIRE(race.ran);
  BOOST_TEST(rows(late) == 1);  // the rival's request is still counted
  BOOST_TEST(!RateTable(late).acquire("192.0.2.1", t + 1, 1000, 1).allowed);
}
