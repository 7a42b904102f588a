// One conformance suite for every store backend (store.h), after Dex's
// storage/conformance: each case runs on SQLite and on PostgreSQL, and a
// backend is proven by these tests, not by tests of its own.
#define BOOST_TEST_MODULE store_conformance
#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "jwks/service/clock.h"
#include "jwks/service/key_factory.h"
#include "jwks/service/key_manager.h"
#include "jwks/store/store_source.h"
#include "jwks/store/snapshot.h"
#include "jwks/store/statement.h"
#include "jwks/util/username.h"
#include "store_backends.h"

using namespace jwks;
using store::KeySchedule;
using store::StoreErrorKind;
using store::UserConflict;

namespace {

using Backends = boost::mpl::list<test::SqliteBackend, test::PgBackend>;

constexpr std::int64_t kT0 = 1'800'000'000;
constexpr std::int64_t kDay = 86400, kHour = 3600;
const service::SchedulePolicy kPolicy{.signing_period = kDay, .publish_lead = kHour, .token_lifetime = kHour,
                                      .retention = 7 * kDay, .keep_expired = false, .alg = "RS256"};

std::vector<std::uint8_t> bytes(std::initializer_list<int> v) {
  std::vector<std::uint8_t> out;
  for (int b : v) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

// Placeholder keys, made quickly; the manager never looks inside them.
class FakeFactory final : public service::KeyFactory {
 public:
  std::function<void()> on_create;
  service::NewKey create() override {
    const int n = ++created_;
    if (on_create) on_create();
    return service::NewKey{bytes({0x01, n}), "RS256", R"({"kty":"RSA","n":"AQAB","e":"AQAB"})",
                           "tp-" + std::to_string(::getpid()) + "-" + std::to_string(n) + "-" +
                               std::to_string(reinterpret_cast<std::uintptr_t>(this))};
  }
  bool opens(std::span<const std::uint8_t> envelope) const override { return !envelope.empty() && envelope[0] == 1; }

 private:
  int created_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_CASE_TEMPLATE(keys_round_trip, B, Backends) {
  B backend;
  auto s = backend.open();
  store::KeyRepository& keys = s->keys();
  BOOST_TEST(keys.all().empty());
  const std::vector<std::uint8_t> envelope = bytes({0, 1, 2, 0xff, 0, 0x5c, 0x27});  // NULs, a backslash, a quote
  std::int64_t a = 0, b = 0;
  {
    auto tx = s->exclusive();
    a = keys.insert(envelope, KeySchedule{100, 200, 300, 400, false, 50}, "RS256", R"({"kty":"RSA"})", "tp-a", 90);
    b = keys.insert(bytes({9}), KeySchedule{10, 10, 10, 20, false, std::nullopt}, "ES256", R"({"kty":"EC"})", "tp-b", 5);
    tx->commit();
  }
  BOOST_TEST(b > a);
  const auto all = keys.all();
  BOOST_REQUIRE(all.size() == 2u);
  BOOST_TEST(all[0].row_id == a);
  BOOST_TEST(all[0].created_at == 90);
  BOOST_TEST(all[0].schedule.published_at == 100);
  BOOST_TEST(all[0].schedule.active_at == 200);
  BOOST_TEST(all[0].schedule.retire_at == 300);
  BOOST_TEST(all[0].exp() == 400);
  BOOST_TEST(!all[0].schedule.retired_early);
  BOOST_TEST(all[0].schedule.token_lifetime.value_or(-1) == 50);
  BOOST_TEST(!all[1].schedule.token_lifetime.has_value());
  BOOST_TEST(all[0].alg == "RS256");
  BOOST_TEST(all[0].public_jwk == R"({"kty":"RSA"})");
  BOOST_TEST(all[0].thumbprint == "tp-a");
  BOOST_TEST(!all[0].legacy_kid);
  BOOST_TEST(keys.envelope(a).value() == envelope);
  BOOST_TEST(!keys.envelope(b + 100).has_value());

  BOOST_TEST(keys.unexpired(20).size() == 1u);      // b's exp is 20: expired at 20
  BOOST_TEST(keys.unexpired(19).size() == 2u);
  BOOST_TEST(keys.latest_expired(19).has_value() == false);
  BOOST_TEST(keys.latest_expired(1000)->record.row_id == a);  // the most recent exp
  BOOST_TEST(keys.latest_expired(1000, "ES256")->record.row_id == b);
  BOOST_TEST(keys.latest_expired(1000, "ES256")->envelope == bytes({9}));
  BOOST_TEST(!keys.latest_expired(1000, "EdDSA").has_value());

  {
    auto tx = s->exclusive();
    keys.set_schedule(a, KeySchedule{100, 200, 250, 500, true, 70});
    keys.update_envelope(b, bytes({7, 7}));
    tx->commit();
  }
  const auto sealed = keys.all_sealed();
  BOOST_REQUIRE(sealed.size() == 2u);
  BOOST_TEST(sealed[0].record.schedule.retired_early);
  BOOST_TEST(sealed[0].record.schedule.retire_at == 250);
  BOOST_TEST(sealed[0].record.exp() == 500);
  BOOST_TEST(sealed[0].record.schedule.token_lifetime.value_or(-1) == 70);
  BOOST_TEST(sealed[0].envelope == envelope);
  BOOST_TEST(sealed[1].envelope == bytes({7, 7}));
  BOOST_TEST(keys.without_thumbprint().empty());
  {
    auto tx = s->exclusive();
    keys.remove(a);
    tx->commit();
  }
  BOOST_TEST(keys.all().size() == 1u);
  BOOST_TEST(!keys.envelope(a).has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(an_exclusive_transaction_not_committed_leaves_nothing, B, Backends) {
  B backend;
  auto s = backend.open();
  {
    auto tx = s->exclusive();
    s->keys().insert(bytes({1}), KeySchedule{0, 0, 0, 10, false, std::nullopt}, "RS256", "{}", "tp", 0);
  }  // rolled back
  BOOST_TEST(s->keys().all().empty());
  {
    auto tx = s->exclusive();
    s->keys().insert(bytes({1}), KeySchedule{0, 0, 0, 10, false, std::nullopt}, "RS256", "{}", "tp", 0);
    tx->rollback();
  }
  BOOST_TEST(s->keys().all().empty());
}

// Process A finds no key and generates one; meanwhile B (another connection:
// another process or host) creates the keys. A re-reads under the exclusive
// transaction and inserts nothing.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_rival_that_creates_first_wins, B, Backends) {
  B backend;
  auto sa = backend.open();
  auto sb = backend.open();
  service::ManualClock clock(kT0);
  FakeFactory fa, fb;
  service::KeyManager a(*sa, clock, fa, kPolicy), b(*sb, clock, fb, kPolicy);
  int b_created = -1;
  fa.on_create = [&] {
    if (b_created < 0) b_created = b.ensure().created;
  };
  BOOST_TEST(a.ensure().created == 0);
  BOOST_TEST(b_created == 1);
  BOOST_TEST(sa->keys().all().size() == 1u);
}

// Every connection passes the unlocked check and generates a key before any
// of them inserts; exactly one key is created. On PostgreSQL at READ
// COMMITTED this needs the lock and the re-read after it.
BOOST_AUTO_TEST_CASE_TEMPLATE(racing_a_due_rotation_creates_exactly_one_key, B, Backends) {
  B backend;
  service::ManualClock clock(kT0);
  {
    auto s = backend.open();
    FakeFactory f;
    BOOST_REQUIRE(service::KeyManager(*s, clock, f, kPolicy).ensure().created == 1);
  }
  service::ManualClock later(kT0 + kDay - kHour);  // the successor is due
  constexpr int kRacers = 6;
  std::latch all_generated(kRacers);
  std::vector<int> created(kRacers, -1);
  std::vector<std::string> errors(kRacers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      try {
        auto s = backend.open();
        FakeFactory f;
        f.on_create = [&] { all_generated.arrive_and_wait(); };
        created[static_cast<std::size_t>(i)] = service::KeyManager(*s, later, f, kPolicy).ensure().created;
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(i)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) BOOST_TEST(e == "");
  int total = 0;
  for (int n : created) total += n;
  BOOST_TEST(total == 1);
  BOOST_TEST(backend.open()->keys().all().size() == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(users_register_log_in_and_go, B, Backends) {
  B backend;
  auto s = backend.open();
  store::UserRepository& users = s->users();
  BOOST_TEST(!users.taken("alice", "alice@example.com").has_value());
  auto id = users.insert("alice", "$argon2id$hash", "Alice@Example.com");
  BOOST_REQUIRE(id.ok());
  BOOST_TEST((users.taken("alice", "x@example.com") == UserConflict::kUsername));
  BOOST_TEST((users.taken("bob", "alice@EXAMPLE.com") == UserConflict::kEmail));
  BOOST_TEST((users.insert("bob", "h", "ALICE@example.com").error() == UserConflict::kEmail));
  BOOST_TEST((users.insert("alice", "h", "other@example.com").error() == UserConflict::kUsername));
  // "аlice" with a Cyrillic а has alice's skeleton: taken, and a login is alice's.
  BOOST_TEST((users.insert("\xd0\xb0lice", "h", "cyr@example.com").error() == UserConflict::kUsername));
  BOOST_TEST(users.find_by_username("\xd0\xb0lice")->id == id.value());
  const auto found = users.find_by_username("alice");
  BOOST_REQUIRE(found.has_value());
  BOOST_TEST(found->username == "alice");
  BOOST_TEST(found->password_hash == "$argon2id$hash");
  BOOST_TEST(!users.find_by_username("carol").has_value());

  auto listed = users.list();
  BOOST_REQUIRE(listed.size() == 1u);
  BOOST_TEST(listed[0].email == "Alice@Example.com");
  BOOST_TEST(listed[0].date_registered.size() == 19u);  // YYYY-MM-DD HH:MM:SS, as SQLite's CURRENT_TIMESTAMP
  BOOST_TEST(listed[0].last_login.empty());
  BOOST_TEST(listed[0].can_log_in);

  users.record_login(id.value(), "203.0.113.7", std::nullopt);
  users.record_login(id.value(), "2001:db8::1", std::string_view("$argon2id$rehashed"));
  BOOST_TEST(users.find_by_username("alice")->password_hash == "$argon2id$rehashed");
  listed = users.list();
  BOOST_TEST(listed[0].last_login.size() == 19u);

  BOOST_TEST(users.remove("Alice"));  // by its enforced form
  BOOST_TEST(!users.remove("alice"));
  BOOST_TEST(users.list().empty());
  BOOST_TEST(users.insert("alice", "h2", "alice@example.com").ok());  // the name is free again
}

// remove() takes the name exactly as stored first, then its enforced form;
// a name that cannot be enforced and matches no stored one removes nothing.
// The removed user's logins stay in the log, without a user.
BOOST_AUTO_TEST_CASE_TEMPLATE(users_are_removed_by_their_stored_name_or_its_enforced_form, B, Backends) {
  B backend;
  auto s = backend.open();
  store::UserRepository& users = s->users();
  const auto bob = users.insert("bob", "h", "bob@example.com");
  BOOST_REQUIRE(bob.ok());
  BOOST_REQUIRE(users.insert("carol", "h", "carol@example.com").ok());
  users.record_login(bob.value(), "192.0.2.5", std::nullopt);
  BOOST_TEST(!users.remove(""));          // not a name: nothing matched
  BOOST_TEST(!users.remove("b\x01ob"));   // nor is this one
  BOOST_TEST(!users.remove("dave"));      // a name, but nobody's
  BOOST_TEST(users.remove("bob"));        // as stored
  BOOST_TEST(users.remove("CAROL"));      // by its enforced form
  BOOST_TEST(users.list().empty());
  const store::Snapshot rows = s->snapshot();
  BOOST_REQUIRE(rows.logins.size() == 1u);
  BOOST_TEST(rows.logins[0].request_ip == "192.0.2.5");
  BOOST_TEST(!rows.logins[0].user_id.has_value());
}

// What jwksctl copy-store moves: rows as an older store left them (a key made
// before thumbprints, published under its row id too; a user the v6 upgrade
// left without a name row; a login whose user is gone and one without a
// time) go in and read back exactly, the identity columns go on after them,
// and the missing thumbprint is filled in once.
BOOST_AUTO_TEST_CASE_TEMPLATE(a_snapshot_restores_exactly_and_the_store_goes_on, B, Backends) {
  B backend;
  store::Snapshot rows;
  rows.keys.push_back({store::KeyRecord{5, 90, KeySchedule{100, 200, 300, 400, false, 50}, "RS256", R"({"kty":"RSA"})",
                                        "tp-5", false},
                       bytes({1, 0, 0x5c, 0xff})});
  rows.keys.push_back({store::KeyRecord{9, 95, KeySchedule{110, 210, 310, 410, true, std::nullopt}, "ES256",
                                        R"({"kty":"EC"})", "", true},
                       bytes({1, 9})});
  rows.users.push_back({3, "alice", "$argon2id$a", "alice@example.com", "2026-01-02 03:04:05", "2026-01-03 00:00:00",
                        "alice", util::username_skeleton("alice")});
  rows.users.push_back(
      {7, "Legacy", "$argon2id$l", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  rows.logins.push_back({4, "192.0.2.1", "2026-01-03 00:00:00", 3});
  rows.logins.push_back({8, "2001:db8::2", std::nullopt, std::nullopt});
  auto s = backend.open();
  s->restore(rows);

  const store::Snapshot back = s->snapshot();
  BOOST_TEST((back.keys == rows.keys));
  BOOST_TEST((back.users == rows.users));
  BOOST_TEST((back.logins == rows.logins));
  BOOST_TEST(!s->users().list().at(1).can_log_in);  // no name row: no login reaches it

  const auto missing = s->keys().without_thumbprint();
  BOOST_REQUIRE(missing.size() == 1u);
  BOOST_TEST(missing[0].row_id == 9);
  s->keys().set_thumbprint(9, "tp-9");
  s->keys().set_thumbprint(9, "tp-other");  // filled in already: kept
  BOOST_TEST(s->keys().without_thumbprint().empty());
  BOOST_TEST(s->keys().all().at(1).thumbprint == "tp-9");
  BOOST_TEST(s->keys().all().at(0).thumbprint == "tp-5");

  std::int64_t kid = 0;
  {
    auto tx = s->exclusive();
    kid = s->keys().insert(bytes({1}), KeySchedule{0, 0, 0, 10, false, std::nullopt}, "RS256", "{}", "tp-new", 0);
    tx->commit();
  }
  BOOST_TEST(kid > 9);
  const auto id = s->users().insert("bob", "h", "bob@example.com");
  BOOST_REQUIRE(id.ok());
  BOOST_TEST(id.value() > 7);
  s->users().record_login(id.value(), "192.0.2.3", std::nullopt);
  BOOST_TEST(s->snapshot().logins.back().id > 8);

  BOOST_CHECK_THROW(s->restore(rows), std::runtime_error);  // the target is not empty
  BOOST_TEST(s->snapshot().keys.size() == 3u);

  // The user without a name row is removed by its name as stored ("Legacy",
  // whose enforced form "legacy" names nobody).
  BOOST_TEST(s->users().remove("Legacy"));
  BOOST_TEST(s->users().list().size() == 2u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(racing_registrations_of_one_name_give_one_success, B, Backends) {
  B backend;
  backend.open();  // migrated before the race
  constexpr int kRacers = 8;
  std::latch start(kRacers);
  std::atomic<int> ok{0}, name_taken{0}, failed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      try {
        auto s = backend.open();
        start.arrive_and_wait();
        auto r = s->users().insert("racer", "h", "racer" + std::to_string(i) + "@example.com");
        (r.ok() ? ok : name_taken)++;
        if (!r.ok() && r.error() != UserConflict::kUsername) failed++;
      } catch (const std::exception& e) {
        BOOST_TEST_MESSAGE(e.what());
        failed++;
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(ok.load() == 1);
  BOOST_TEST(name_taken.load() == kRacers - 1);
  BOOST_TEST(failed.load() == 0);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(the_rate_window_slides, B, Backends) {
  B backend;
  auto src = backend.source();
  constexpr std::int64_t t = 1'800'000'000'000;
  auto acquire = [&](std::string_view bucket, std::string_view addr, std::int64_t at) {
    return src->acquire_rate(bucket, addr, at, 1000, 2);
  };
  BOOST_TEST(acquire(store::kAuthBucket, "192.0.2.1", t).allowed);
  BOOST_TEST(acquire(store::kAuthBucket, "192.0.2.1", t + 100).allowed);
  const store::RateDecision refused = acquire(store::kAuthBucket, "192.0.2.1", t + 200);
  BOOST_TEST(!refused.allowed);
  BOOST_TEST(refused.retry_after_ms == 800);
  BOOST_TEST(acquire(store::kAuthBucket, "192.0.2.2", t + 200).allowed);     // another address
  BOOST_TEST(acquire(store::kRegisterBucket, "192.0.2.1", t + 200).allowed);  // another bucket
  BOOST_TEST(!acquire(store::kAuthBucket, "192.0.2.1", t + 999).allowed);    // the refusals used no slot
  BOOST_TEST(acquire(store::kAuthBucket, "192.0.2.1", t + 1000).allowed);    // the first left the window
  BOOST_TEST(!acquire(store::kAuthBucket, "192.0.2.1", t + 1001).allowed);
}

// 16 clients on connections of their own race for a limit of 10, three
// times: exactly 10 are admitted each time (the straight port of the SQLite
// statement admitted 16, 12 and 10 on PostgreSQL at READ COMMITTED).
BOOST_AUTO_TEST_CASE_TEMPLATE(racing_requests_get_exactly_the_budget, B, Backends) {
  B backend;
  backend.source()->acquire_rate(store::kAuthBucket, "warm-up", 0, 1, 1);  // the rate tables exist before the race
  for (int round = 0; round < 3; ++round) {
    constexpr int kClients = 16;
    const std::string addr = "198.51.100." + std::to_string(round);
    std::vector<std::unique_ptr<store::StoreSource>> sources;
    for (int i = 0; i < kClients; ++i) sources.push_back(backend.source());
    std::latch start(kClients);
    std::atomic<int> allowed{0}, failed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        try {
          if (sources[static_cast<std::size_t>(i)]->acquire_rate(store::kAuthBucket, addr, 1'800'000'000'000 + i,
                                                                 60'000, 10).allowed)
            allowed++;
        } catch (const std::exception& e) {
          BOOST_TEST_MESSAGE(e.what());
          failed++;
        }
      });
    }
    for (auto& t : threads) t.join();
    BOOST_TEST(allowed.load() == 10);
    BOOST_TEST(failed.load() == 0);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(hashing_slots_bound_the_work_at_once, B, Backends) {
  B backend;
  auto one = backend.source(), other = backend.source();
  one->open();
  int ran = 0;
  store::HashingSlot inner = store::HashingSlot::kAcquired;
  BOOST_TEST((one->with_hashing_slot(1, [&] {
                ++ran;
                inner = other->with_hashing_slot(1, [&] { ++ran; });
              }) == store::HashingSlot::kAcquired));
  BOOST_TEST((inner == store::HashingSlot::kAllTaken));
  BOOST_TEST(ran == 1);
  BOOST_TEST((other->with_hashing_slot(1, [&] { ++ran; }) == store::HashingSlot::kAcquired));  // released
  BOOST_TEST(ran == 2);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_store_that_cannot_be_reached_is_unavailable, B, Backends) {
  B backend;
  const std::string nowhere = backend.unreachable();
  try {
    store::open_store(nowhere, 1000, true);
    BOOST_FAIL("opened " << nowhere);
  } catch (const store::StoreError& e) {
    BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable), e.what());
  }
  try {
    store::open_source(nowhere, 1000)->open();
    BOOST_FAIL("opened " << nowhere);
  } catch (const store::StoreError& e) {
    BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable), e.what());
  }
}

// What only a shared server has.

BOOST_AUTO_TEST_CASE(postgresql_counts_on_its_own_clock) {
  test::PgBackend backend;
  store::PgSource src(backend.uri, 10000);  // the server's clock, as the responders run
  // The host clock is ignored: a host whose clock is wildly off neither
  // frees nor spends another host's budget.
  BOOST_TEST(src.acquire_rate(store::kAuthBucket, "192.0.2.9", 0, 60'000, 1).allowed);
  const store::RateDecision d = src.acquire_rate(store::kAuthBucket, "192.0.2.9", 4'000'000'000'000, 60'000, 1);
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.retry_after_ms > 0);
  BOOST_TEST(d.retry_after_ms <= 60'000);
}

BOOST_AUTO_TEST_CASE(postgresql_connection_lost_is_opened_again) {
  test::PgBackend backend;
  store::PgSource src(backend.uri, 10000);
  const std::unique_ptr<store::Store> held = src.open();  // a request's store, still open below
  held->keys().all();
  // The server ends the kept connection (a restart or a failover looks the
  // same to it), and the test waits until its process is gone. Only that one:
  // other suites share the server.
  const std::int64_t pid =
      dynamic_cast<store::PgStore&>(*held).connection().exec("SELECT pg_backend_pid()").int64(0, 0);
  store::PgConnection admin(backend.base, 10000);
  BOOST_TEST(admin.exec("SELECT pg_terminate_backend($1, 30000)", store::PgParams().int64(pid)).text(0, 0) == "t");
  BOOST_TEST(src.acquire_rate(store::kAuthBucket, "192.0.2.10", 0, 1000, 1).allowed);  // a new connection, no error
  BOOST_TEST(src.open()->keys().all().empty());
  // The store opened before keeps the old connection alive (no dangling
  // reference), which reports that it is gone.
  try {
    held->keys().all();
    BOOST_FAIL("the terminated connection answered");
  } catch (const store::StoreError& e) {
    BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable), e.what());
  }
}

BOOST_AUTO_TEST_CASE(postgresql_has_the_contract_tables_and_columns) {
  test::PgBackend backend;
  backend.open();
  store::PgConnection conn(backend.uri, 10000);
  auto columns = [&](const std::string& table) {
    const store::PgResult r = conn.exec(
        "SELECT column_name || ' ' || data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        store::PgParams().text(table));
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
    return out;
  };
  using V = std::vector<std::string>;
  BOOST_TEST(columns("keys") == (V{"kid bigint", "key bytea", "exp bigint"}), boost::test_tools::per_element());
  BOOST_TEST(columns("users") == (V{"id bigint", "username text", "password_hash text", "email text",
                                    "date_registered timestamp without time zone",
                                    "last_login timestamp without time zone"}),
             boost::test_tools::per_element());
  BOOST_TEST(columns("auth_logs") == (V{"id bigint", "request_ip text", "request_timestamp timestamp without time zone",
                                        "user_id bigint"}),
             boost::test_tools::per_element());
  BOOST_TEST(conn.exec("SELECT is_identity FROM information_schema.columns WHERE table_schema = current_schema() "
                       "AND table_name = 'keys' AND column_name = 'kid'")
                 .text(0, 0) == "YES");
  // A second migration of the same database changes nothing.
  store::migrate(conn);
  BOOST_TEST(store::schema_version(conn) == store::kPgSchemaVersion);
  BOOST_TEST(conn.exec("SELECT count(*) FROM jwks_schema_version").int64(0, 0) == store::kPgSchemaVersion);
}

BOOST_AUTO_TEST_CASE(postgresql_a_server_that_stops_answering_ends_the_request) {
  test::PgBackend backend;
  // A short grace: the deadline is the lock timeout (100 ms) plus 200 ms.
  store::PgConnection conn(backend.uri, 100, 200);
  const std::int64_t pid = conn.exec("SELECT pg_backend_pid()").int64(0, 0);
  BOOST_REQUIRE(::kill(static_cast<pid_t>(pid), SIGSTOP) == 0);  // the server process serving us, frozen
  try {
    conn.exec("SELECT 1");
    BOOST_FAIL("a frozen server answered");
  } catch (const store::StoreError& e) {
    BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable), e.what());
  }
  BOOST_TEST(!conn.ok());  // never used again
  ::kill(static_cast<pid_t>(pid), SIGCONT);
  store::PgConnection(backend.base, 10000).exec("SELECT pg_terminate_backend($1)", store::PgParams().int64(pid));
}

BOOST_AUTO_TEST_CASE(postgresql_a_uri_that_does_not_parse_never_shows_its_password) {
  try {
    store::PgConnection("postgresql://jwks:s3cr%zzet@127.0.0.1:1/jwks", 1000);
    BOOST_FAIL("connected");
  } catch (const store::StoreError& e) {
    BOOST_TEST((e.kind() == StoreErrorKind::kUnavailable));
    BOOST_TEST(std::string(e.what()).find("s3cr") == std::string::npos, e.what());
  }
  try {  // parses, but no server: the message names the host, never the password
    store::PgConnection("postgresql://jwks:s3cret@127.0.0.1:1/jwks?connect_timeout=2", 1000);
    BOOST_FAIL("connected");
  } catch (const store::StoreError& e) {
    BOOST_TEST(std::string(e.what()).find("s3cret") == std::string::npos, e.what());
    BOOST_TEST(std::string(e.what()).find("127.0.0.1") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(postgresql_session_and_transaction_settings) {
  test::PgBackend backend;
  store::PgConnection conn(backend.uri, 0);  // JWKS_BUSY_TIMEOUT_MS=0: at once, never "no limit"
  BOOST_TEST(conn.exec("SHOW lock_timeout").text(0, 0) == "1ms");
  {
    store::PgTransaction tx(conn);
    BOOST_CHECK_THROW(store::PgTransaction nested(conn), std::logic_error);
    BOOST_TEST(conn.exec("SHOW lock_timeout").text(0, 0) == "1ms");  // set for the transaction too
  }
  {
    store::PgTransaction tx(conn);
    BOOST_CHECK_THROW(conn.exec("SELECT 1/0"), store::PgError);
    BOOST_CHECK_THROW(tx.commit(), store::PgError);  // the server rolled back: not a success
  }
  BOOST_TEST(conn.idle());
  // Times read the same whatever the session's DateStyle.
  test::PgBackend other;
  store::PgStore s(other.uri, 5000);
  s.connection().exec("SET DateStyle = 'SQL, DMY'");
  BOOST_REQUIRE(s.users().insert("dated", "h", "dated@example.com").ok());
  const std::string when = s.users().list().at(0).date_registered;
  BOOST_TEST(when.size() == 19u);
  BOOST_TEST(when[4] == '-', when);
}

BOOST_AUTO_TEST_CASE(copy_store_refuses_what_it_cannot_copy_exactly) {
  test::SqliteBackend from;
  test::PgBackend to;
  {
    store::SqliteStore src(from.path);
    BOOST_REQUIRE(src.users().insert("frac", "h", "frac@example.com").ok());
    // A time with fractions of a second (written by another program):
    // timestamp(0) would round it, so the copy is refused and rolled back.
    store::Statement(src.database(), "UPDATE users SET date_registered = '2026-01-02 03:04:05.678'").run();
  }
  auto src = from.open();
  auto dst = to.open();
  BOOST_CHECK_THROW(dst->restore(src->snapshot()), std::runtime_error);
  BOOST_TEST(dst->users().list().empty());  // nothing was written
  // A key row without its public half is refused when read, not left behind.
  test::SqliteBackend orphan;
  {
    store::SqliteStore s(orphan.path);
    store::Statement(s.database(), "INSERT INTO keys (key, exp) VALUES (x'01', 1)").run();
  }
  BOOST_CHECK_THROW(orphan.open()->snapshot(), std::runtime_error);
}
