// The key manager on a store: the schedule carried out (first keys, rotation, retirement, the purge) and its races across connections and processes.
#define BOOST_TEST_MODULE key_manager
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <latch>
#include <memory>
#include <thread>

#include "child_process.h"
#include "jwks/jose/thumbprint.h"
#include "key_fixtures.h"

using namespace jwks;
using service::TokenCase;
using namespace jwks::test;

BOOST_FIXTURE_TEST_CASE(ensure_creates_a_signing_and_an_expired_key_once, FakeStore) {
  KeyManager km = manager();
  BOOST_TEST(km.ensure().created == 2);
  BOOST_TEST(km.ensure().created == 0);
  BOOST_TEST(factory.created == 2);

  auto all = km.list();
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  int active = 0, expired = 0;
  for (const auto& k : all) {
    if (k.state == KeyState::kActive) {
      ++active;
      // The first key of an empty store signs at once: nothing was published before it.
      BOOST_TEST(k.schedule.published_at == kT0);
      BOOST_TEST(k.schedule.active_at == kT0);
      BOOST_TEST(k.schedule.retire_at == kT0 + kDay);
      BOOST_TEST(k.schedule.exp == kT0 + kDay + kHour);
    }
    if (k.state == KeyState::kExpired) {
      ++expired;
      BOOST_TEST(k.schedule.exp == kT0 - service::kExpiredKeyAge);
    }
  }
  BOOST_TEST(active == 1);
  BOOST_TEST(expired == 1);
}

BOOST_FIXTURE_TEST_CASE(no_expired_key_when_expired_mode_is_off, FakeStore) {
  SchedulePolicy policy = kPolicy;
  policy.keep_expired = false;
  BOOST_TEST(manager(policy).ensure().created == 1);
  BOOST_TEST(keys().size() == 1u);
  BOOST_TEST(db.keys().unexpired(kT0).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(the_next_key_is_published_one_lead_before_it_signs, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  const std::int64_t first = signer();

  clock.set(kT0 + kDay - kHour - 1);  // not due yet
  BOOST_TEST(km.ensure().created == 0);
  clock.advance(1);                   // one lead before the first key retires
  BOOST_TEST(km.ensure().created == 1);
  const std::int64_t second = keys().back().row_id;
  BOOST_TEST((state(second) == KeyState::kPublished));
  BOOST_TEST(contains(published(), second));
  BOOST_TEST(signer() == first);
  BOOST_TEST(key(second).schedule.active_at == kT0 + kDay);
  BOOST_TEST(key(second).schedule.published_at == kT0 + kDay - kHour);

  clock.set(kT0 + kDay);  // the hand-over
  BOOST_TEST(km.ensure().created == 0);
  BOOST_TEST(signer() == second);
  BOOST_TEST((state(first) == KeyState::kRetired));
  BOOST_TEST(contains(published(), first));  // its tokens are still valid

  clock.set(kT0 + kDay + kHour);  // its last token has expired
  BOOST_TEST((state(first) == KeyState::kExpired));
  BOOST_TEST(!contains(published(), first));
}

BOOST_FIXTURE_TEST_CASE(a_late_rotation_keeps_the_old_key_signing_until_the_new_one_may, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  const std::int64_t first = signer();
  // Nobody asked during the lead before the hand-over: the first key's
  // period is over and no successor has been published.
  const std::int64_t late = kT0 + kDay + 600;
  clock.set(late);
  BOOST_TEST(signer() == 0);
  const service::KeyChanges c = km.ensure();
  BOOST_TEST(c.created == 1);
  // The first key signs again until the new key has been published a full lead.
  BOOST_TEST(signer() == first);
  BOOST_TEST(key(first).schedule.retire_at == late + kHour);
  BOOST_TEST(key(first).schedule.exp == late + kHour + kHour);
  const std::int64_t second = keys().back().row_id;
  BOOST_TEST(key(second).schedule.active_at == late + kHour);
  clock.set(late + kHour);
  BOOST_TEST(signer() == second);
}

BOOST_FIXTURE_TEST_CASE(a_long_outage_starts_over_with_a_key_that_signs_at_once, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  clock.set(kT0 + 30 * kDay);  // every key has expired: nothing is published
  BOOST_TEST(published().empty());
  BOOST_TEST(km.ensure().created == 1);
  BOOST_TEST(signer() == keys().back().row_id);
}

BOOST_FIXTURE_TEST_CASE(rotate_now_publishes_a_key_that_signs_after_one_lead, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  const std::int64_t first = signer();
  clock.advance(600);
  BOOST_TEST(km.rotate_now().created == 1);
  const std::int64_t second = keys().back().row_id;
  BOOST_TEST(key(second).schedule.active_at == kT0 + 600 + kHour);
  BOOST_TEST(key(first).schedule.retire_at == kT0 + 600 + kHour);  // the old key's period is cut short
  BOOST_TEST(key(first).schedule.exp == kT0 + 600 + 2 * kHour);
  BOOST_TEST(signer() == first);
  // Asking again changes nothing: the successor already signs as early as it may.
  BOOST_TEST(km.rotate_now().created == 0);
  BOOST_TEST(keys().size() == 3u);
  clock.advance(kHour);
  BOOST_TEST(signer() == second);
}

BOOST_FIXTURE_TEST_CASE(rotate_now_never_brings_a_published_successor_forward, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  clock.set(kT0 + kDay - kHour);  // the successor is published on schedule...
  km.ensure();
  const std::int64_t second = keys().back().row_id;
  clock.advance(600);
  BOOST_TEST(km.rotate_now().created == 0);  // ...and cannot sign before its lead has passed
  BOOST_TEST(key(second).schedule.active_at == kT0 + kDay);
}

BOOST_FIXTURE_TEST_CASE(raising_the_lead_postpones_a_published_successor, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  const std::int64_t first = signer();
  clock.set(kT0 + kDay - kHour);
  km.ensure();
  const std::int64_t second = keys().back().row_id;
  SchedulePolicy longer = kPolicy;
  longer.publish_lead = 6 * kHour;
  clock.advance(60);
  manager(longer).ensure();
  BOOST_TEST(key(second).schedule.active_at == kT0 + kDay - kHour + 6 * kHour);
  BOOST_TEST(key(first).schedule.retire_at == key(second).schedule.active_at);  // no gap
}

BOOST_FIXTURE_TEST_CASE(a_new_algorithm_is_published_a_lead_before_it_signs, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  const std::int64_t rsa = signer();
  clock.advance(600);
  SchedulePolicy ec = kPolicy;
  ec.alg = "ES256";
  factory.alg = "ES256";
  BOOST_TEST(manager(ec).ensure().created == 2);  // the next signing key and an expired ES256 key
  BOOST_TEST(signer() == rsa);                   // RS256 keeps signing for one lead
  clock.advance(kHour);
  BOOST_TEST(key(signer()).alg == "ES256");
}

BOOST_FIXTURE_TEST_CASE(retiring_the_signing_key_hands_over_once_a_successor_has_waited_its_lead, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  const store::KeyRecord first = key(signer());
  using Outcome = service::RetireResult::Outcome;
  clock.advance(600);

  // No successor yet: one is published now, and takes over after one lead.
  const service::RetireResult r = km.retire(first.thumbprint, false);
  BOOST_TEST((r.outcome == Outcome::kRetired));
  BOOST_TEST(r.changes.created == 1);
  BOOST_TEST(r.retires_at == kT0 + 600 + kHour);
  const std::int64_t second = keys().back().row_id;
  BOOST_TEST(signer() == first.row_id);  // still signing during the lead
  BOOST_TEST(key(second).schedule.active_at == kT0 + 600 + kHour);
  BOOST_TEST(key(first.row_id).schedule.retired_early);
  BOOST_TEST((km.retire("no-such-kid", false).outcome == Outcome::kNotFound));

  clock.set(r.retires_at);
  BOOST_TEST(signer() == second);
  BOOST_TEST((state(first.row_id) == KeyState::kRetired));
  BOOST_TEST(key(first.row_id).schedule.exp == r.retires_at + kHour);  // published until its last token expires
  BOOST_TEST((km.retire(first.thumbprint, false).outcome == Outcome::kAlreadyRetired));
  // A retired key is never brought back, even when its successor is retired too.
  BOOST_TEST((km.retire(key(second).thumbprint, true).outcome == Outcome::kRetired));
  BOOST_TEST(signer() == 0);
  BOOST_TEST(km.ensure().created == 0);  // the forced retirement already published a successor
  BOOST_TEST(key(first.row_id).schedule.retire_at == r.retires_at);
}

BOOST_FIXTURE_TEST_CASE(a_forced_retirement_stops_signing_until_a_successor_may_sign, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  const store::KeyRecord first = key(signer());
  clock.advance(600);
  const service::RetireResult r = km.retire(first.thumbprint, true);
  BOOST_TEST((r.outcome == service::RetireResult::Outcome::kRetired));
  BOOST_TEST(r.retires_at == clock.now());
  BOOST_TEST(signer() == 0);
  BOOST_TEST(r.changes.created == 1);  // a successor, published now
  const store::KeyRecord next = keys().back();
  BOOST_TEST(next.schedule.active_at == clock.now() + kHour);  // even now the lead holds
  BOOST_TEST(signer() == 0);

  // Meanwhile /auth answers 503 with Retry-After until the successor may sign.
  crypto::MasterKey master = test_master();
  auto refused = service::TokenService(db, master, clock, kHour)
      .issue({"alice", "", ""}, TokenCase::kNormal, db.keys().all());
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(refused.error().retry_after_seconds == kHour);
  clock.advance(kHour);
  BOOST_TEST(signer() == next.row_id);
}

BOOST_FIXTURE_TEST_CASE(retiring_a_key_that_never_signed_unpublishes_it, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  const std::int64_t first = signer();
  km.rotate_now();
  const store::KeyRecord pending = keys().back();
  clock.advance(60);
  BOOST_TEST((km.retire(pending.thumbprint, false).outcome == service::RetireResult::Outcome::kRetired));
  BOOST_TEST(!contains(published(), pending.row_id));
  BOOST_TEST(signer() == first);
  // The next ensure schedules another successor in its place.
  BOOST_TEST(km.ensure().created == 1);
  BOOST_TEST((state(keys().back().row_id) == KeyState::kPublished));
  BOOST_TEST(key(keys().back().row_id).schedule.active_at == clock.now() + kHour);
}

BOOST_FIXTURE_TEST_CASE(the_purge_keeps_the_newest_expired_key_while_expired_mode_is_on, FakeStore) {
  KeyManager km = manager();
  km.ensure();                       // a signing key and an expired key
  for (int day = 1; day <= 20; ++day) {  // three weeks of daily rotations
    clock.set(kT0 + day * kDay - kHour);
    km.ensure();
    clock.set(kT0 + day * kDay);
    km.ensure();
  }
  const std::int64_t now = clock.now();
  std::int64_t newest_expired = 0;
  for (const auto& k : keys()) {
    // Nothing expired longer ago than the retention survives...
    BOOST_TEST(k.exp() > now - kPolicy.retention);
    if (k.exp() <= now) newest_expired = std::max(newest_expired, k.exp());
  }
  BOOST_TEST(newest_expired > 0);
  // ...and with a retention shorter than any key's age, the newest expired key stays anyway.
  SchedulePolicy brief = kPolicy;
  brief.retention = 1;
  clock.advance(kDay);
  BOOST_TEST(manager(brief).purge() > 0);
  int expired = 0;
  for (const auto& k : keys()) expired += k.exp() <= clock.now();
  BOOST_TEST(expired == 1);
  // Without expired mode, it goes too.
  brief.keep_expired = false;
  BOOST_TEST(manager(brief).purge() == 1);
  for (const auto& k : keys()) BOOST_TEST(k.exp() > clock.now());
}

BOOST_AUTO_TEST_CASE(a_rival_that_creates_first_wins_and_we_insert_nothing) {
  // Process A finds no key and starts generating; meanwhile process B creates
  // one. A must re-check under the write lock and insert nothing.
  test::TempDir dir;
  const std::string path = dir.file("race.db");
  store::SqliteStore db_a = open_migrated(path);
  store::SqliteStore db_b = open_migrated(path);
  ManualClock clock(kT0);
  FakeFactory factory_a, factory_b;
  KeyManager a(db_a, clock, factory_a, kPolicy), b(db_b, clock, factory_b, kPolicy);
  int b_inserted = -1;
  factory_a.on_create = [&] {
    if (b_inserted < 0) b_inserted = b.ensure().created;
  };
  BOOST_TEST(a.ensure().created == 0);
  BOOST_TEST(b_inserted == 2);
  BOOST_TEST(key_count(db_a) == 2);
}

BOOST_AUTO_TEST_CASE(concurrent_connections_create_exactly_one_signing_key) {
  test::TempDir dir;
  const std::string path = dir.file("threads.db");
  open_migrated(path);
  constexpr int kThreads = 4;
  ManualClock clock(kT0);
  // Every thread passes the unlocked check and generates before any inserts.
  std::latch all_generated(kThreads);
  std::vector<int> inserted(kThreads, -1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      store::SqliteStore db(path);
      FakeFactory factory;
      SchedulePolicy policy = kPolicy;
      policy.keep_expired = false;
      factory.on_create = [&] { all_generated.arrive_and_wait(); };
      inserted[static_cast<std::size_t>(i)] = KeyManager(db, clock, factory, policy).ensure().created;
    });
  }
  for (auto& t : threads) t.join();
  int total = 0;
  for (int n : inserted) total += n;
  BOOST_TEST(total == 1);
  BOOST_TEST(key_count(store::SqliteStore(path)) == 1);
}

BOOST_AUTO_TEST_CASE(two_processes_racing_a_due_rotation_create_exactly_one_key) {
  // Two processes (fork) on one database file find the same rotation due;
  // both generate a key before either takes the write lock (a pipe holds
  // them there); exactly one key is added.
  test::TempDir dir;
  const std::string path = dir.file("processes.db");
  {
    store::SqliteStore db = open_migrated(path);
    ManualClock clock(kT0);
    FakeFactory factory;
    KeyManager(db, clock, factory, kPolicy).ensure();
  }
  const std::int64_t before = key_count(store::SqliteStore(path));
  // Each child reports on a pipe of its own (test::Child): 'r' once its key
  // is made, then its result; a child that fails early (a result instead of
  // 'r') or dies (end of file) is seen at once. The children wait on `go`
  // between the two.
  constexpr int kProcesses = 2;
  int go[2];
  BOOST_REQUIRE(::pipe(go) == 0);
  auto racer = [&](int report) {
    int created = -1;
    try {
      store::SqliteStore db(path, store::DatabaseOptions{10000, false});
      ManualClock clock(kT0 + kDay - kHour);  // the successor is due
      FakeFactory factory;
      factory.on_create = [&] {
        char c = 'r';
        if (::write(report, &c, 1) != 1 || ::read(go[0], &c, 1) != 1) jwks::test::exit_child(3);
      };
      created = KeyManager(db, clock, factory, kPolicy).ensure().created;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      created = -2;
    }
    const unsigned char out = static_cast<unsigned char>(created + 10);
    return ::write(report, &out, 1) == 1 ? 0 : 4;
  };
  std::vector<std::unique_ptr<test::Child>> children;
  for (int i = 0; i < kProcesses; ++i) children.push_back(std::make_unique<test::Child>(racer, std::initializer_list<int>{go[1]}));
  ::close(go[0]);
  // Wait until every child has generated its key (or has already finished).
  std::vector<int> early(kProcesses, -1);  // a result that came instead of 'r'
  for (int i = 0; i < kProcesses; ++i) {
    const std::optional<unsigned char> c = children[i]->read_byte();
    BOOST_TEST(c.has_value(), "child " << i << " died before making its key");
    if (c && *c != 'r') early[i] = *c;
  }
  BOOST_TEST((early == std::vector<int>(kProcesses, -1)), "a child finished before making its key");
  // Let them race for the lock (a child that already finished reads nothing).
  const char go_bytes[kProcesses] = {'g', 'g'};
  BOOST_REQUIRE(::write(go[1], go_bytes, kProcesses) == kProcesses);
  ::close(go[1]);
  int total = 0;
  for (int i = 0; i < kProcesses; ++i) {
    std::optional<unsigned char> out;
    if (early[i] >= 0) out = static_cast<unsigned char>(early[i]);
    else out = children[i]->read_byte();
    BOOST_TEST(out.has_value(), "child " << i << " gave no result");
    BOOST_TEST(children[i]->wait() == 0);
    BOOST_TEST(out.value_or(0) >= 10);  // no child failed
    total += out.value_or(10) - 10;
  }
  BOOST_TEST(total == 1);
  BOOST_TEST(key_count(store::SqliteStore(path)) == before + 1);
}

// Keys from before thumbprint kids get theirs at the next request, each
// whose JWK gives one; a key whose JWK gives none keeps its row id as its
// kid, and `retire` finds it by that id (and finds no other key by its row id).
BOOST_FIXTURE_TEST_CASE(keys_without_a_thumbprint_get_one_or_keep_their_row_id, FakeStore) {
  KeyManager km = manager();
  km.ensure();  // key 1 signs, key 2 is the expired key
  store::Statement(db.database(), "UPDATE key_public SET thumbprint = NULL").run();
  store::Statement(db.database(), "UPDATE key_public SET jwk = '{}' WHERE kid = 1").run();
  const std::string jwk2 = key(2).public_jwk;
  BOOST_TEST(km.ensure().created == 0);
  BOOST_TEST(key(1).thumbprint.empty());
  const auto expected = jose::jwk_thumbprint(nlohmann::json::parse(jwk2));
  BOOST_REQUIRE(expected.has_value());
  BOOST_TEST(key(2).thumbprint == *expected);

  BOOST_TEST((km.retire("2", false).outcome == service::RetireResult::Outcome::kNotFound));
  store::Statement(db.database(), "UPDATE key_public SET legacy_kid = 1 WHERE kid = 2").run();  // from a v2 store
  BOOST_TEST((km.retire("2", false).outcome == service::RetireResult::Outcome::kAlreadyRetired));  // found: expired
  BOOST_TEST((km.retire("no-such-kid", true).outcome == service::RetireResult::Outcome::kNotFound));
  BOOST_TEST(keys().size() == 2u);  // nothing was made for them
  const service::RetireResult retired = km.retire("1", false);
  BOOST_TEST((retired.outcome == service::RetireResult::Outcome::kRetired));
  BOOST_TEST(retired.changes.created == 1);  // its successor, published first
  BOOST_TEST(retired.retires_at == kT0 + kHour);
  BOOST_TEST(key(1).schedule.retire_at == kT0 + kHour);
  const service::RetireResult again = km.retire("1", false);  // the same hand-over, nothing more
  BOOST_TEST((again.outcome == service::RetireResult::Outcome::kRetired));
  BOOST_TEST(again.retires_at == kT0 + kHour);
  BOOST_TEST(again.changes.created == 0);
  BOOST_TEST(keys().size() == 3u);
}

// Generating the expired key took long enough for a rotation to come due
// meanwhile: no key was generated for it, so none is inserted under the
// lock; the next request makes the successor, one lead before the hand-over.
BOOST_FIXTURE_TEST_CASE(a_rotation_due_only_during_key_generation_is_made_next_time, FakeStore) {
  SchedulePolicy off = kPolicy;
  off.keep_expired = false;
  BOOST_TEST(manager(off).ensure().created == 1);  // the signing key only
  KeyManager km = manager();
  clock.set(kT0 + kDay - kHour - 10);  // ten seconds before the successor is due
  factory.on_create = [&] { clock.advance(10); };
  BOOST_TEST(km.ensure().created == 1);  // the expired key
  factory.on_create = nullptr;
  BOOST_TEST(keys().size() == 2u);
  BOOST_TEST(!service::next_activation(keys(), clock.now()).has_value());
  const service::KeyChanges next = km.ensure();
  BOOST_TEST(next.created == 1);
  BOOST_TEST(*service::next_activation(keys(), clock.now()) == kT0 + kDay);
  BOOST_TEST(signer() == 1);
}
