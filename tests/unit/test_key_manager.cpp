#define BOOST_TEST_MODULE key_manager
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <latch>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/key_material.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/jws_alg.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/jws.h"
#include "jwks/service/issuer.h"
#include "jwks/service/key_admin.h"
#include "jwks/service/key_manager.h"
#include "jwks/service/key_schedule.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/service/token_service.h"
#include "jwks/store/sqlite_store.h"
#include "jwks/store/schema.h"
#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"
#include "jwks/util/file.h"
#include "temp_dir.h"

using namespace jwks;
using service::KeyManager;
using service::KeyState;
using service::ManualClock;
using service::SchedulePolicy;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000;
constexpr std::int64_t kDay = 86400, kHour = 3600;
const SchedulePolicy kPolicy{.signing_period = kDay, .publish_lead = kHour, .token_lifetime = kHour,
                             .retention = 7 * kDay, .keep_expired = true, .alg = "RS256"};

// Makes placeholder keys quickly; the manager never looks inside them.
class FakeFactory final : public service::KeyFactory {
 public:
  std::function<void()> on_create;  // runs inside create(), e.g. to let a rival win
  int created = 0;
  std::string alg = "RS256";
  service::NewKey create() override {
    ++created;
    if (on_create) on_create();
    return service::NewKey{{0x01, static_cast<std::uint8_t>(created)}, alg, R"({"kty":"RSA","n":"AQAB","e":"AQAB"})",
                           "fake-thumbprint-" + std::to_string(::getpid()) + "-" + std::to_string(created) + "-" +
                               std::to_string(reinterpret_cast<std::uintptr_t>(this))};
  }
  bool opens(std::span<const std::uint8_t> envelope) const override { return !envelope.empty() && envelope[0] == 0x01; }
};

std::int64_t key_count(const store::SqliteStore& db) {
  store::Statement s(db.database(), "SELECT count(*) FROM keys");
  s.step();
  return s.column_int64(0);
}

store::SqliteStore open_migrated(const std::string& path) { return store::SqliteStore(path); }

crypto::MasterKey test_master(const char* secret = "an example master secret of 32+ bytes!") {
  auto k = crypto::MasterKey::from_secret(secret);
  BOOST_REQUIRE(k.ok());
  return std::move(k.value());
}

// A private in-memory store with a stepped clock and placeholder keys.
struct FakeStore {
  store::SqliteStore db = open_migrated(":memory:");
  ManualClock clock{kT0};
  FakeFactory factory;
  KeyManager manager(const SchedulePolicy& policy = kPolicy) { return KeyManager(db, clock, factory, policy); }
  std::vector<store::KeyRecord> keys() { return db.keys().all(); }
  // The key that signs now, by row id; 0 if none.
  std::int64_t signer() {
    auto all = keys();
    const store::KeyRecord* k = service::signing_key(all, clock.now());
    return k ? k->row_id : 0;
  }
  store::KeyRecord key(std::int64_t kid) {
    for (const auto& k : keys())
      if (k.row_id == kid) return k;
    BOOST_FAIL("no key " << kid);
    return {};
  }
  KeyState state(std::int64_t kid) { return service::key_state(key(kid).schedule, clock.now()); }
  // Row ids of the keys in the published set now.
  std::vector<std::int64_t> published() {
    std::vector<std::int64_t> out;
    for (const auto& k : db.keys().unexpired(clock.now())) out.push_back(k.row_id);
    return out;
  }
};

// A private in-memory store with real keys sealed under a test master key.
struct RealStore {
  store::SqliteStore db = open_migrated(":memory:");
  ManualClock clock{kT0};
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory{master};
  KeyManager manager(const SchedulePolicy& policy = kPolicy) { return KeyManager(db, clock, factory, policy); }
  service::TokenService tokens(std::int64_t lifetime = kHour) {
    return service::TokenService(db, master, clock, lifetime);
  }
};

// An Issuer on a store file of its own, as a responder has.
struct IssuerOnFile {
  test::TempDir dir;
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory{master};
  ManualClock clock{kT0};
  service::Settings settings = on_file(dir.file("store.db"));
  service::Issuer issuer{settings, master, clock, factory};
  static service::Settings on_file(std::string path) {
    service::Settings s;
    s.db_path = std::move(path);
    return s;
  }
};

nlohmann::json claims_of(const std::string& token) {
  auto parts = jose::parse_compact(token);
  BOOST_REQUIRE(parts.has_value());
  return nlohmann::json::parse(parts->payload_json);
}

std::string kid_of(const std::string& token) {
  return nlohmann::json::parse(jose::parse_compact(token)->header_json)["kid"].get<std::string>();
}

bool contains(const std::vector<std::int64_t>& v, std::int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

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
  auto refused = service::TokenService(db, master, clock, kHour).issue({"alice", "", ""}, false, db.keys().all());
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
  // Each child reports on a pipe of its own: 'r' once its key is made, then
  // its result. Every process closes the ends it does not use, so a child
  // that fails early (a result instead of 'r') or dies (end of file) is seen
  // at once instead of leaving the parent waiting until the CTest timeout.
  constexpr int kProcesses = 2;
  int go[2];
  int status_pipe[kProcesses][2];
  BOOST_REQUIRE(::pipe(go) == 0);
  for (auto& p : status_pipe) BOOST_REQUIRE(::pipe(p) == 0);
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(go[1]);
      for (int j = 0; j < kProcesses; ++j) {
        ::close(status_pipe[j][0]);
        if (j != i) ::close(status_pipe[j][1]);
      }
      const int out_fd = status_pipe[i][1];
      int created = -1;
      try {
        store::SqliteStore db(path, store::DatabaseOptions{10000, false});
        ManualClock clock(kT0 + kDay - kHour);  // the successor is due
        FakeFactory factory;
        factory.on_create = [&] {
          char c = 'r';
          if (::write(out_fd, &c, 1) != 1 || ::read(go[0], &c, 1) != 1) std::_Exit(3);
        };
        created = KeyManager(db, clock, factory, kPolicy).ensure().created;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", i, e.what());
        created = -2;
      }
      unsigned char out = static_cast<unsigned char>(created + 10);
      std::_Exit(::write(out_fd, &out, 1) == 1 ? 0 : 4);
    }
    children.push_back(pid);
  }
  ::close(go[0]);
  for (auto& p : status_pipe) ::close(p[1]);
  // Wait until every child has generated its key (or has already finished).
  std::vector<int> early(kProcesses, -1);  // a result that came instead of 'r'
  for (int i = 0; i < kProcesses; ++i) {
    unsigned char c = 0;
    ssize_t n = ::read(status_pipe[i][0], &c, 1);
    BOOST_TEST(n == 1, "child " << i << " died before making its key");
    if (n == 1 && c != 'r') early[i] = c;
  }
  BOOST_TEST((early == std::vector<int>(kProcesses, -1)), "a child finished before making its key");
  // Let them race for the lock (a child that already finished reads nothing).
  const char go_bytes[kProcesses] = {'g', 'g'};
  BOOST_REQUIRE(::write(go[1], go_bytes, kProcesses) == kProcesses);
  ::close(go[1]);
  int total = 0;
  for (int i = 0; i < kProcesses; ++i) {
    unsigned char out = 0;
    if (early[i] >= 0) out = static_cast<unsigned char>(early[i]);
    else BOOST_TEST(::read(status_pipe[i][0], &out, 1) == 1, "child " << i << " gave no result");
    ::close(status_pipe[i][0]);
    int status = 0;
    BOOST_REQUIRE(::waitpid(children[i], &status, 0) == children[i]);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    BOOST_TEST(out >= 10);  // no child failed
    total += out - 10;
  }
  BOOST_TEST(total == 1);
  BOOST_TEST(key_count(store::SqliteStore(path)) == before + 1);
}

BOOST_FIXTURE_TEST_CASE(tokens_verify_and_respect_key_expiry, RealStore) {
  manager().ensure();
  service::TokenService tokens(db, master, clock, 3600);

  auto token = tokens.issue({"alice", "https://issuer.example", "api://test"}, false, db.keys().all());
  BOOST_REQUIRE(token.ok());
  auto parts = jose::parse_compact(token.value());
  BOOST_REQUIRE(parts.has_value());
  auto header = nlohmann::json::parse(parts->header_json);
  auto claims = nlohmann::json::parse(parts->payload_json);
  BOOST_TEST(header["alg"] == "RS256");
  BOOST_TEST(header["typ"] == "JWT");
  auto keys = db.keys().unexpired(kT0);
  const store::KeyRecord signing = *service::signing_key(keys, kT0);
  BOOST_TEST(header["kid"] == signing.thumbprint);
  BOOST_TEST(claims["sub"] == "alice");
  BOOST_TEST(claims["iat"] == kT0);
  BOOST_TEST(claims["exp"] == kT0 + 3600);
  BOOST_TEST(claims["nbf"] == kT0);
  BOOST_TEST(claims["iss"] == "https://issuer.example");
  BOOST_TEST(claims["aud"] == "api://test");
  BOOST_TEST(jose::base64url_decode(claims["jti"].get<std::string>())->size() == 16u);

  // Verify with the published public key only.
  auto jwk = nlohmann::json::parse(signing.public_jwk);
  auto n = jose::base64url_decode(jwk["n"].get<std::string>());
  auto e = jose::base64url_decode(jwk["e"].get<std::string>());
  crypto::PkeyPtr pub = crypto::rsa_public_key(*n, *e);
  std::span<const std::uint8_t> input(reinterpret_cast<const std::uint8_t*>(parts->signing_input.data()),
                                      parts->signing_input.size());
  BOOST_TEST(crypto::verify(crypto::JwsAlg::kRS256, *pub, input, parts->signature));

  // Even a token signed by a key with less life left than a token lifetime
  // (a key from before schedules) ends with its key.
  store::Statement(db.database(), "UPDATE keys SET exp = ? WHERE kid = ?").bind(1, kT0 + 600).bind(2, signing.row_id).run();
  store::Statement(db.database(), "UPDATE key_schedule SET retire_at = ? WHERE kid = ?").bind(1, kT0 + 600).bind(2, signing.row_id).run();
  auto late = tokens.issue({"alice", "https://issuer.example", "api://test"}, false, db.keys().all());
  BOOST_REQUIRE(late.ok());
  BOOST_TEST(nlohmann::json::parse(jose::parse_compact(late.value())->payload_json)["exp"] == kT0 + 600);
}

BOOST_FIXTURE_TEST_CASE(expired_tokens_use_an_expired_key_and_expire_in_the_past, RealStore) {
  manager().ensure();
  auto token = service::TokenService(db, master, clock, 3600).issue({"anonymous", "", ""}, true, {});
  BOOST_REQUIRE(token.ok());
  auto parts = jose::parse_compact(token.value());
  auto header = nlohmann::json::parse(parts->header_json);
  auto claims = nlohmann::json::parse(parts->payload_json);
  auto expired = db.keys().latest_expired(kT0);
  BOOST_TEST(header["kid"] == expired->record.thumbprint);
  BOOST_TEST(claims["exp"].get<std::int64_t>() < kT0);
  BOOST_TEST(!claims.contains("iss"));
  BOOST_TEST(!claims.contains("aud"));
  BOOST_TEST(claims["exp"].get<std::int64_t>() <= expired->record.exp());
  for (const auto& k : db.keys().unexpired(kT0)) BOOST_TEST(k.row_id != expired->record.row_id);
}

BOOST_FIXTURE_TEST_CASE(undecryptable_key_is_an_error_not_a_crash, RealStore) {
  manager().ensure();

  crypto::MasterKey other = test_master("a different master secret, also 32+ bytes");
  auto wrong = service::TokenService(db, other, clock, 3600).issue({"alice", "", ""}, false, db.keys().all());
  BOOST_REQUIRE(!wrong.ok());
  BOOST_TEST((wrong.error().code == service::ErrorCode::kInternal));
  BOOST_TEST(wrong.error().log_detail.find("authentication") != std::string::npos);
  BOOST_TEST(wrong.error().description.find("authentication") == std::string::npos);

  store::Statement corrupt(db.database(), "UPDATE keys SET key = substr(key, 1, 20)");
  corrupt.run();
  auto truncated = service::TokenService(db, master, clock, 3600).issue({"alice", "", ""}, false, db.keys().all());
  BOOST_REQUIRE(!truncated.ok());
  BOOST_TEST(truncated.error().log_detail.find("truncated") != std::string::npos);
}

// Restarted with JWKS_TOKEN_LIFETIME lowered from 1 h to 5 min, then rotated
// early: the old key stays published until the hour-long token it signed
// expires, and the new process signs five-minute tokens with it meanwhile.
BOOST_FIXTURE_TEST_CASE(a_lowered_token_lifetime_keeps_keys_published_for_their_tokens, RealStore) {
  SchedulePolicy before = kPolicy, after = kPolicy;
  before.publish_lead = after.publish_lead = 10 * 60;
  after.token_lifetime = 5 * 60;
  manager(before).ensure();
  clock.set(kT0 + 100);
  const std::string old_token = tokens(kHour).issue({"a", "", ""}, false, db.keys().all()).value();
  const std::int64_t old_exp = claims_of(old_token)["exp"];
  BOOST_TEST(old_exp == kT0 + 100 + kHour);

  clock.set(kT0 + 200);
  KeyManager km = manager(after);
  km.rotate_now();
  const std::string fresh = tokens(after.token_lifetime).issue({"a", "", ""}, false, km.keys()).value();
  BOOST_TEST(kid_of(fresh) == kid_of(old_token));  // the successor waits its lead
  BOOST_TEST(claims_of(fresh)["exp"] == kT0 + 200 + 5 * 60);
  for (clock.set(kT0 + 300); clock.now() < old_exp; clock.advance(300)) {
    km.ensure();
    bool published = false;
    for (const auto& k : db.keys().unexpired(clock.now())) published |= k.thumbprint == kid_of(old_token);
    BOOST_TEST_REQUIRE(published, "the key left the set at +" << clock.now() - kT0 << " before its token expired");
  }
}

// Raised from 1 h to 3 h: a process with the longer lifetime caps its tokens
// at the signing key's lifetime until the key has been raised, so a process
// with the shorter one can never unpublish the key under them.
BOOST_FIXTURE_TEST_CASE(a_raised_token_lifetime_takes_effect_once_the_key_is_raised, RealStore) {
  manager().ensure();
  const std::int64_t capped = claims_of(tokens(3 * kHour).issue({"a", "", ""}, false, db.keys().all()).value())["exp"];
  BOOST_TEST(capped == kT0 + kHour);
  SchedulePolicy longer = kPolicy;
  longer.token_lifetime = 3 * kHour;
  KeyManager km = manager(longer);
  BOOST_TEST(km.ensure().rescheduled >= 1);
  const auto keys = km.keys();
  const store::KeyRecord* signing = service::signing_key(keys, kT0);
  BOOST_REQUIRE(signing != nullptr);
  BOOST_TEST(signing->schedule.token_lifetime.value_or(0) == 3 * kHour);
  BOOST_TEST(signing->exp() == signing->schedule.retire_at + 3 * kHour);
  BOOST_TEST(claims_of(tokens(3 * kHour).issue({"a", "", ""}, false, keys).value())["exp"] == kT0 + 3 * kHour);
  BOOST_TEST(km.ensure().rescheduled == 0);  // raised once, not on every request
}

// `retire KEY --force` just after KEY took over: its predecessor, retired on
// schedule and still published for its tokens, must not sign again; /auth
// answers 503 until the new successor may sign.
BOOST_FIXTURE_TEST_CASE(a_forced_retirement_never_reactivates_the_previous_key, RealStore) {
  KeyManager km = manager();
  km.ensure();
  clock.set(kT0 + kDay - kHour);
  km.ensure();  // the successor is published
  clock.set(kT0 + kDay + 60);
  auto keys = km.keys();
  const store::KeyRecord* second = service::signing_key(keys, clock.now());
  BOOST_REQUIRE(second != nullptr);
  const std::string second_kid = second->thumbprint;
  BOOST_TEST((km.retire(second_kid, true).outcome == service::RetireResult::Outcome::kRetired));
  for (std::int64_t t = clock.now(); t < kT0 + kDay + 60 + kHour; t += 300) {
    clock.set(t);
    km.ensure();
    auto refused = tokens().issue({"x", "", ""}, false, km.keys());
    BOOST_TEST_REQUIRE(!refused.ok(), "a token was signed by " << (refused.ok() ? kid_of(refused.value()) : "")
                                                                << " at +" << t - kT0);
    BOOST_TEST((refused.error().code == service::ErrorCode::kUnavailable));
  }
  clock.set(kT0 + kDay + 60 + kHour);
  km.ensure();
  auto token = tokens().issue({"x", "", ""}, false, km.keys());
  BOOST_REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().log_detail));
  BOOST_TEST(kid_of(token.value()) != second_kid);
}

BOOST_AUTO_TEST_CASE(keys_from_before_thumbprint_kids_keep_their_old_kid) {
  // A database as schema version 2 left it: a key published as kid "1".
  test::TempDir dir;
  const std::string path = dir.file("old.db");
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory(master);
  service::NewKey old = factory.create();
  {
    store::Database db(path);
    store::migrate_to(db, 2);
    store::Statement(db, "INSERT INTO keys (key, exp) VALUES (?, ?)").bind_blob(1, old.envelope).bind(2, kT0 + 86400).run();
    store::Statement(db, "INSERT INTO key_public (kid, alg, jwk, created_at) VALUES (1, 'RS256', ?, ?)")
        .bind(1, old.public_jwk)
        .bind(2, kT0)
        .run();
  }
  // The new build upgrades it in place.
  store::SqliteStore db = open_migrated(path);
  ManualClock clock(kT0 + 60);
  KeyManager(db, clock, factory, kPolicy).ensure();
  auto records = db.keys().all();
  BOOST_REQUIRE(!records.empty());
  BOOST_TEST(records[0].row_id == 1);
  BOOST_TEST(records[0].legacy_kid);
  BOOST_TEST(records[0].thumbprint == old.thumbprint);
  for (std::size_t i = 1; i < records.size(); ++i) BOOST_TEST(!records[i].legacy_kid);  // new keys: thumbprints only

  // A token the old release signed (kid "1") still finds its key, and new
  // tokens name the same key by its thumbprint.
  auto token = service::TokenService(db, master, clock, 3600).issue({"alice", "", ""}, false, db.keys().all());
  BOOST_REQUIRE(token.ok());
  const std::string kid = nlohmann::json::parse(jose::parse_compact(token.value())->header_json)["kid"];
  BOOST_TEST(kid == old.thumbprint);

  // The JWKS lists that key under both kids.
  service::Settings settings;
  settings.db_path = path;
  service::Issuer issuer(settings, master, clock, factory);
  auto set = issuer.jwks({});
  BOOST_REQUIRE(set.ok());
  std::vector<std::string> kids;
  const nlohmann::json doc = nlohmann::json::parse(set->json);
  for (const auto& k : doc["keys"]) kids.push_back(k["kid"]);
  BOOST_TEST(std::count(kids.begin(), kids.end(), "1") == 1);
  BOOST_TEST(std::count(kids.begin(), kids.end(), old.thumbprint) == 1);
}

// A store from before schedules (v3), its key signing with 30 minutes left:
// the upgrade hands over without a gap, and no key leaves the set while a
// token it signed is still valid, though the old build recorded no lifetime.
BOOST_AUTO_TEST_CASE(a_v3_store_hands_over_without_unpublishing_live_tokens) {
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory(master);
  store::Database db(":memory:");
  store::migrate_to(db, 3);
  const service::NewKey legacy = factory.create();
  store::Statement(db, "INSERT INTO keys (key, exp) VALUES (?, ?)").bind_blob(1, legacy.envelope).bind(2, kT0 + 1800).run();
  store::Statement(db, "INSERT INTO key_public (kid, alg, jwk, created_at, thumbprint) VALUES (1, 'RS256', ?, ?, ?)")
      .bind(1, legacy.public_jwk)
      .bind(2, kT0 - kDay + 1800)
      .bind(3, legacy.thumbprint)
      .run();
  store::migrate(db);
  store::SqliteStore migrated(std::move(db));
  ManualClock clock(kT0);
  KeyManager km(migrated, clock, factory, kPolicy);
  service::TokenService tokens(migrated, master, clock, kHour);
  std::map<std::string, std::int64_t> last_exp;  // kid -> the latest exp it signed
  for (; clock.now() < kT0 + 3 * kHour; clock.advance(60)) {
    km.ensure();  // as each request does
    auto token = tokens.issue({"u", "", ""}, false, km.keys());
    BOOST_TEST_REQUIRE(token.ok(), "no token at +" << clock.now() - kT0 << ": " << (token.ok() ? "" : token.error().log_detail));
    std::int64_t& latest = last_exp[kid_of(token.value())];
    latest = std::max(latest, claims_of(token.value())["exp"].get<std::int64_t>());
    std::set<std::string> published;
    for (const auto& k : migrated.keys().unexpired(clock.now())) published.insert(k.thumbprint);
    for (const auto& [kid, exp] : last_exp) {
      BOOST_TEST_REQUIRE((exp <= clock.now() || published.count(kid) == 1),
                         "key " << kid << " unpublished at +" << clock.now() - kT0 << " with a token until +" << exp - kT0);
    }
  }
  BOOST_TEST(last_exp.size() == 2u);  // the legacy key, then its successor
}

// A key whose JWK yields no thumbprint keeps its row id as kid; requests
// that find nothing due must not take the write lock trying again.
BOOST_AUTO_TEST_CASE(a_key_without_a_computable_thumbprint_costs_no_write_lock) {
  test::TempDir dir;
  const std::string path = dir.file("legacy.db");
  {
    store::SqliteStore db = open_migrated(path);
    store::Statement(db.database(), "INSERT INTO keys (key, exp) VALUES (x'01', ?)").bind(1, kT0 + 7 * kDay).run();
    store::Statement(db.database(), "INSERT INTO key_public (kid, alg, jwk, created_at) VALUES (1, 'RS256', '{\"kty\":\"RSA\"}', ?)")
        .bind(1, kT0)
        .run();
  }
  store::Database writer(path);
  store::Transaction held(writer, store::TransactionMode::kImmediate);  // another process writing
  store::SqliteStore db(path, store::DatabaseOptions{50, false});
  ManualClock clock(kT0);
  FakeFactory factory;
  SchedulePolicy policy = kPolicy;
  policy.keep_expired = false;
  KeyManager km(db, clock, factory, policy);
  BOOST_CHECK_NO_THROW(km.ensure());
  BOOST_TEST(km.keys().size() == 1u);
  BOOST_TEST(km.keys()[0].thumbprint.empty());
}

BOOST_FIXTURE_TEST_CASE(no_keys_are_added_under_a_different_master_key, RealStore) {
  manager().ensure();
  const auto before = db.keys().all().size();

  crypto::MasterKey other = test_master("a different master secret, also 32+ bytes");
  service::SigningKeyFactory wrong(other);
  BOOST_CHECK_THROW(KeyManager(db, clock, wrong, kPolicy).rotate_now(), std::runtime_error);
  clock.advance(kDay);  // a new key is due
  BOOST_CHECK_THROW(KeyManager(db, clock, wrong, kPolicy).ensure(), std::runtime_error);
  BOOST_TEST(db.keys().all().size() == before);
}

BOOST_AUTO_TEST_CASE(rekey_moves_every_key_to_the_new_master_key_or_nothing) {
  store::SqliteStore db = open_migrated(":memory:");
  ManualClock clock(kT0);
  crypto::MasterKey old_key = test_master();
  service::SigningKeyFactory factory(old_key);
  KeyManager(db, clock, factory, kPolicy).ensure();
  KeyManager(db, clock, factory, kPolicy).rotate_now();
  crypto::MasterKey fresh = test_master("the next master secret, 32 bytes or more");
  crypto::MasterKey stranger = test_master("somebody else's master secret, 32+ bytes");

  auto snapshot = [&] {
    std::vector<std::vector<std::uint8_t>> envs;
    for (const auto& k : db.keys().all_sealed()) envs.push_back(k.envelope);
    return envs;
  };
  const auto before = snapshot();
  auto refused = service::rekey(db, stranger, fresh);  // the wrong "current" key
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().find("nothing was changed") != std::string::npos);
  BOOST_TEST((snapshot() == before));

  auto done = service::rekey(db, old_key, fresh);
  BOOST_REQUIRE(done.ok());
  BOOST_TEST(done.value() == static_cast<int>(before.size()));
  for (const auto& k : db.keys().all_sealed()) {
    BOOST_TEST(crypto::open_private_key(fresh, k.envelope).ok());
    BOOST_TEST(!crypto::open_private_key(old_key, k.envelope).ok());
  }
  // Tokens still sign, with the new master key only.
  BOOST_TEST(service::TokenService(db, fresh, clock, 3600).issue({"a", "", ""}, false, db.keys().all()).ok());
  BOOST_TEST(!service::TokenService(db, old_key, clock, 3600).issue({"a", "", ""}, false, db.keys().all()).ok());
}

// Keys sealed as PKCS#8 by builds before raw components: rekey rewrites them in
// the current format, and they are the same keys afterwards.
BOOST_AUTO_TEST_CASE(rekey_rewrites_pkcs8_envelopes_as_components) {
  store::SqliteStore db = open_migrated(":memory:");
  ManualClock clock(kT0);
  crypto::MasterKey old_key = test_master();
  service::SigningKeyFactory factory(old_key);
  KeyManager(db, clock, factory, kPolicy).ensure();
  store::KeyRepository& repo = db.keys();
  std::vector<std::string> jwks_before;
  for (const auto& k : repo.all_sealed()) {  // as an older build sealed them
    auto key = crypto::open_private_key(old_key, k.envelope);
    BOOST_REQUIRE(key.ok());
    crypto::SecureBytes der = crypto::export_pkcs8_der(*key.value());
    repo.update_envelope(k.record.row_id, crypto::seal(old_key, der.span()));
    jwks_before.push_back(jose::public_members_json(crypto::public_members(*key.value())).dump());
  }
  crypto::MasterKey fresh = test_master("the next master secret, 32 bytes or more");
  BOOST_REQUIRE(service::rekey(db, old_key, fresh).ok());
  std::size_t i = 0;
  for (const auto& k : repo.all_sealed()) {
    auto material = crypto::open(fresh, k.envelope);
    BOOST_REQUIRE(material.ok());
    BOOST_TEST(!crypto::is_pkcs8_material(material->span()));
    auto key = crypto::import_key_material(material->span());
    BOOST_REQUIRE(key.ok());
    BOOST_TEST(jose::public_members_json(crypto::public_members(*key.value())).dump() == jwks_before.at(i++));
  }
  BOOST_TEST(i == jwks_before.size());
}

// One damaged public JWK row must not take the whole key set down: that key
// is left out (and counted), the others are served, and readiness fails.
BOOST_FIXTURE_TEST_CASE(a_damaged_public_jwk_is_left_out_and_readiness_fails, IssuerOnFile) {
  BOOST_REQUIRE(issuer.readiness("http://127.0.0.1").ok());
  {
    store::SqliteStore db = open_migrated(settings.db_path);
    KeyManager(db, clock, factory, service::key_policy(settings)).rotate_now();  // a second published key
  }
  auto before = issuer.jwks({});
  BOOST_REQUIRE(before.ok());
  BOOST_TEST(nlohmann::json::parse(before->json)["keys"].size() == 2u);
  BOOST_TEST(before->unreadable == 0);

  for (const char* damage : {"{\"kty\":\"RSA\",\"n\":", "[]", "{\"kty\":\"RSA\",\"n\":\"AQAB\"}", "{\"kty\":\"XX\"}"}) {
    {
      store::SqliteStore db = open_migrated(settings.db_path);
      store::Statement(db.database(), "UPDATE key_public SET jwk = ? WHERE kid = (SELECT max(kid) FROM keys)").bind(1, damage).run();
    }
    auto after = issuer.jwks({});
    BOOST_REQUIRE_MESSAGE(after.ok(), damage);
    const nlohmann::json doc = nlohmann::json::parse(after->json);
    BOOST_TEST(doc["keys"].size() == 1u, damage);
    BOOST_TEST(after->unreadable == 1, damage);
    BOOST_TEST(after->etag != before->etag);
    auto ready = issuer.readiness("http://127.0.0.1");
    BOOST_TEST(!ready.ok(), damage);
    if (!ready.ok()) BOOST_TEST((ready.error().code == service::ErrorCode::kUnavailable));
    // The key that signs is the one still published.
    auto token = issuer.issue_token({auth::Credentials{}, false, {"192.0.2.1", "192.0.2.1"}, "http://127.0.0.1"});
    BOOST_REQUIRE(token.ok());
    BOOST_TEST(kid_of(token.value()) == doc["keys"][0]["kid"].get<std::string>());
    clock.advance(1);
  }
}

// A revalidation (If-None-Match) with the current ETag gets "not modified"
// without a document; any other tag, or none, gets the document, whose ETag
// is the same one. A new key changes the tag. With a static export the
// document is built anyway, to keep the file current.
BOOST_FIXTURE_TEST_CASE(a_matching_revalidation_builds_no_document, IssuerOnFile) {
  auto full = issuer.jwks({});
  BOOST_REQUIRE(full.ok());
  BOOST_TEST(!full->not_modified);
  BOOST_TEST(nlohmann::json::parse(full->json)["keys"].size() == 1u);
  std::vector<std::string> asked;
  const service::ClientHasEtag has_current = [&](std::string_view etag) {
    asked.emplace_back(etag);
    return etag == full->etag;
  };
  auto same = issuer.jwks(has_current);
  BOOST_REQUIRE(same.ok());
  BOOST_TEST(same->not_modified);
  BOOST_TEST(same->json.empty());
  BOOST_TEST(same->etag == full->etag);
  BOOST_TEST(asked == std::vector<std::string>{full->etag});
  auto other = issuer.jwks([](std::string_view) { return false; });
  BOOST_REQUIRE(other.ok());
  BOOST_TEST(!other->not_modified);
  BOOST_TEST(other->json == full->json);
  BOOST_TEST(other->etag == full->etag);

  {
    store::SqliteStore db = open_migrated(settings.db_path);
    KeyManager(db, clock, factory, service::key_policy(settings)).rotate_now();
  }
  auto rotated = issuer.jwks(has_current);
  BOOST_REQUIRE(rotated.ok());
  BOOST_TEST(!rotated->not_modified);
  BOOST_TEST(rotated->etag != full->etag);
  BOOST_TEST(nlohmann::json::parse(rotated->json)["keys"].size() == 2u);

  settings.export_file = dir.file("jwks.json");
  service::Issuer exporting(settings, master, clock, factory);
  auto exported = exporting.jwks([](std::string_view) { return true; });
  BOOST_REQUIRE(exported.ok());
  BOOST_TEST(!exported->not_modified);  // the router compares; the file was written
  BOOST_TEST(util::read_file(settings.export_file, 1 << 20).value_or("") == exported->json + "\n");
}

std::uintmax_t size_of(const std::string& path) {
  std::error_code ec;
  const std::uintmax_t n = std::filesystem::file_size(path, ec);
  return ec ? 0 : n;
}

// The responder's idle connection (it keeps the WAL index between requests)
// must not leave the database file behind its WAL: once the last process
// closes the store, the file alone holds every row, as it did without it.
BOOST_AUTO_TEST_CASE(the_idle_connection_leaves_the_file_whole_when_it_closes) {
  test::TempDir dir;
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory(master);
  ManualClock clock(kT0);
  const service::Settings settings = IssuerOnFile::on_file(dir.file("whole.db"));
  std::size_t published = 0;
  {
    service::Issuer issuer(settings, master, clock, factory);
    auto set = issuer.jwks({});  // creates the keys while the idle connection is open
    BOOST_REQUIRE(set.ok());
    published = nlohmann::json::parse(set->json)["keys"].size();
    BOOST_TEST(size_of(settings.db_path + "-wal") > 0u);  // the rows are in the WAL so far
  }
  BOOST_TEST(size_of(settings.db_path + "-wal") == 0u);
  // A copy of the database file alone, without its -wal, has the keys.
  const std::string copy = dir.file("copy.db");
  std::filesystem::copy_file(settings.db_path, copy);
  store::Database db(copy, store::DatabaseOptions{5000, false});
  store::Statement count(db, "SELECT count(*) FROM keys");
  BOOST_REQUIRE(count.step());
  BOOST_TEST(count.column_int64(0) >= static_cast<std::int64_t>(published));
  BOOST_TEST(published >= 1u);
}

// A store deleted while the responder runs (rm store.db*) and made again by
// another process is served at the next request: the idle connection, which
// still holds the old, deleted files, is dropped (their space freed).
BOOST_FIXTURE_TEST_CASE(a_store_deleted_while_running_is_made_again, IssuerOnFile) {
  auto before = issuer.jwks({});
  BOOST_REQUIRE(before.ok());
  for (const char* suffix : {"", "-wal", "-shm"}) BOOST_REQUIRE(std::filesystem::remove(settings.db_path + suffix));
  // Another process (jwksctl init, another responder) makes the new store.
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {  // a process of its own: SQLite connections do not survive fork()
    ::execlp("sqlite3", "sqlite3", settings.db_path.c_str(), "PRAGMA journal_mode = WAL; CREATE TABLE made_again(x);",
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  auto after = issuer.jwks({});
  BOOST_REQUIRE_MESSAGE(after.ok(), (after.ok() ? "" : after.error().log_detail));
  BOOST_TEST(after->etag != before->etag);  // new keys in a new store
  store::Database db(settings.db_path, store::DatabaseOptions{5000, false});
  store::Statement check(db, "PRAGMA integrity_check");
  BOOST_REQUIRE(check.step());
  BOOST_TEST(check.column_text(0) == "ok");
}
