#define BOOST_TEST_MODULE key_manager
#include <boost/test/unit_test.hpp>

#include <functional>
#include <latch>
#include <thread>

#include <nlohmann/json.hpp>

#include "jwks/crypto/rsa.h"
#include "jwks/crypto/signature.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jws.h"
#include "jwks/service/issuer.h"
#include "jwks/service/key_admin.h"
#include "jwks/service/key_manager.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/service/token_service.h"
#include "jwks/store/key_repository.h"
#include "jwks/store/schema.h"
#include "jwks/store/statement.h"
#include "temp_dir.h"

using namespace jwks;
using service::KeyManager;
using service::KeyPolicy;
using service::ManualClock;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000;
constexpr KeyPolicy kPolicy{.key_lifetime = 86400, .min_remaining = 3600, .keep_expired = true, .expired_key_age = 3600};

// Makes placeholder keys quickly; the manager never looks inside them.
class FakeFactory final : public service::KeyFactory {
 public:
  std::function<void()> on_create;  // runs inside create(), e.g. to let a rival win
  int created = 0;
  service::NewKey create() override {
    ++created;
    if (on_create) on_create();
    return service::NewKey{{0x01, static_cast<std::uint8_t>(created)}, "RS256", R"({"kty":"RSA","n":"AQAB","e":"AQAB"})",
                           "fake-thumbprint-" + std::to_string(created) + "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this))};
  }
  bool opens(std::span<const std::uint8_t> envelope) const override { return !envelope.empty() && envelope[0] == 0x01; }
};

std::int64_t key_count(const store::Database& db) {
  store::Statement s(db, "SELECT count(*) FROM keys");
  s.step();
  return s.column_int64(0);
}

store::Database open_migrated(const std::string& path) {
  store::Database db(path);
  store::migrate(db);
  return db;
}

crypto::MasterKey test_master(const char* secret = "an example master secret of 32+ bytes!") {
  auto k = crypto::MasterKey::from_secret(secret);
  BOOST_REQUIRE(k.ok());
  return std::move(k.value());
}

// A private in-memory store with a stepped clock and placeholder keys.
struct FakeStore {
  store::Database db = open_migrated(":memory:");
  ManualClock clock{kT0};
  FakeFactory factory;
  KeyManager manager(const KeyPolicy& policy = kPolicy) { return KeyManager(db, clock, factory, policy); }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(ensure_creates_a_signing_and_an_expired_key_once, FakeStore) {
  KeyManager km = manager();
  BOOST_TEST(km.ensure() == 2);
  BOOST_TEST(km.ensure() == 0);
  BOOST_TEST(factory.created == 2);

  auto keys = km.list();
  BOOST_REQUIRE_EQUAL(keys.size(), 2u);
  int active = 0, expired = 0;
  for (const auto& k : keys) {
    if (k.state == service::KeyState::kActive) {
      ++active;
      BOOST_TEST(k.exp == kT0 + kPolicy.key_lifetime);
    }
    if (k.state == service::KeyState::kExpired) {
      ++expired;
      BOOST_TEST(k.exp == kT0 - kPolicy.expired_key_age);
    }
  }
  BOOST_TEST(active == 1);
  BOOST_TEST(expired == 1);
}

BOOST_FIXTURE_TEST_CASE(no_expired_key_when_expired_mode_is_off, FakeStore) {
  KeyPolicy policy = kPolicy;
  policy.keep_expired = false;
  KeyManager km = manager(policy);
  BOOST_TEST(km.ensure() == 1);
  BOOST_TEST(store::KeyRepository(db).unexpired(kT0).size() == 1u);
  BOOST_TEST(!store::KeyRepository(db).any_expired(kT0));
}

BOOST_FIXTURE_TEST_CASE(a_new_key_arrives_when_the_active_one_runs_short, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  const std::int64_t first_exp = kT0 + kPolicy.key_lifetime;

  clock.set(first_exp - kPolicy.min_remaining);  // exactly enough life left
  BOOST_TEST(km.ensure() == 0);
  clock.advance(1);                              // one second short
  BOOST_TEST(km.ensure() == 1);
  auto unexpired = store::KeyRepository(db).unexpired(clock.now());
  BOOST_TEST(unexpired.size() == 2u);            // the old key stays published until it expires
  BOOST_TEST(store::KeyRepository(db).signing_key(clock.now() + 1)->record.exp == clock.now() + kPolicy.key_lifetime);

  clock.set(first_exp);                          // the first key has now expired
  BOOST_TEST(km.ensure() == 0);
  BOOST_TEST(store::KeyRepository(db).unexpired(clock.now()).size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(rotate_adds_a_new_active_key, FakeStore) {
  KeyManager km = manager();
  km.ensure();
  clock.advance(60);
  std::int64_t kid = km.rotate();
  for (const auto& k : km.list())
    BOOST_TEST((k.state == service::KeyState::kActive) == (k.kid == kid));
}

BOOST_AUTO_TEST_CASE(a_rival_that_creates_first_wins_and_we_insert_nothing) {
  // Process A finds no key and starts generating; meanwhile process B creates
  // one. A must re-check under the write lock and insert nothing.
  test::TempDir dir;
  const std::string path = dir.file("race.db");
  store::Database db_a = open_migrated(path);
  store::Database db_b = open_migrated(path);
  ManualClock clock(kT0);
  FakeFactory factory_a, factory_b;
  KeyManager a(db_a, clock, factory_a, kPolicy), b(db_b, clock, factory_b, kPolicy);
  int b_inserted = -1;
  factory_a.on_create = [&] {
    if (b_inserted < 0) b_inserted = b.ensure();
  };
  BOOST_TEST(a.ensure() == 0);
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
      store::Database db(path);
      FakeFactory factory;
      KeyPolicy policy = kPolicy;
      policy.keep_expired = false;
      factory.on_create = [&] { all_generated.arrive_and_wait(); };
      inserted[static_cast<std::size_t>(i)] = KeyManager(db, clock, factory, policy).ensure();
    });
  }
  for (auto& t : threads) t.join();
  int total = 0;
  for (int n : inserted) total += n;
  BOOST_TEST(total == 1);
  BOOST_TEST(key_count(store::Database(path)) == 1);
}

BOOST_AUTO_TEST_CASE(tokens_verify_and_respect_key_expiry) {
  store::Database db = open_migrated(":memory:");
  ManualClock clock(kT0);
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory(master);
  KeyManager(db, clock, factory, kPolicy).ensure();
  service::TokenService tokens(db, master, clock, 3600);

  auto token = tokens.issue({"alice", "https://issuer.example", "api://test"}, false);
  BOOST_REQUIRE(token.ok());
  auto parts = jose::parse_compact(token.value());
  BOOST_REQUIRE(parts.has_value());
  auto header = nlohmann::json::parse(parts->header_json);
  auto claims = nlohmann::json::parse(parts->payload_json);
  BOOST_TEST(header["alg"] == "RS256");
  BOOST_TEST(header["typ"] == "JWT");
  auto signing = store::KeyRepository(db).signing_key(kT0 + 1);
  BOOST_TEST(header["kid"] == signing->record.thumbprint);
  BOOST_TEST(claims["sub"] == "alice");
  BOOST_TEST(claims["iat"] == kT0);
  BOOST_TEST(claims["exp"] == kT0 + 3600);
  BOOST_TEST(claims["nbf"] == kT0);
  BOOST_TEST(claims["iss"] == "https://issuer.example");
  BOOST_TEST(claims["aud"] == "api://test");
  BOOST_TEST(jose::base64url_decode(claims["jti"].get<std::string>())->size() == 16u);

  // Verify with the published public key only.
  auto jwk = nlohmann::json::parse(signing->record.public_jwk);
  auto n = jose::base64url_decode(jwk["n"].get<std::string>());
  auto e = jose::base64url_decode(jwk["e"].get<std::string>());
  crypto::PkeyPtr pub = crypto::rsa_public_key(*n, *e);
  std::span<const std::uint8_t> input(reinterpret_cast<const std::uint8_t*>(parts->signing_input.data()),
                                      parts->signing_input.size());
  BOOST_TEST(crypto::verify_rs256(*pub, input, parts->signature));

  // Near the key's end, exp is capped at the key's own expiry.
  clock.set(signing->record.exp - 600);
  auto late = tokens.issue({"alice", "https://issuer.example", "api://test"}, false);
  BOOST_REQUIRE(late.ok());
  BOOST_TEST(nlohmann::json::parse(jose::parse_compact(late.value())->payload_json)["exp"] == signing->record.exp);
}

BOOST_AUTO_TEST_CASE(expired_tokens_use_an_expired_key_and_expire_in_the_past) {
  store::Database db = open_migrated(":memory:");
  ManualClock clock(kT0);
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory(master);
  KeyManager(db, clock, factory, kPolicy).ensure();
  auto token = service::TokenService(db, master, clock, 3600).issue({"anonymous", "", ""}, true);
  BOOST_REQUIRE(token.ok());
  auto parts = jose::parse_compact(token.value());
  auto header = nlohmann::json::parse(parts->header_json);
  auto claims = nlohmann::json::parse(parts->payload_json);
  auto expired = store::KeyRepository(db).latest_expired(kT0);
  BOOST_TEST(header["kid"] == expired->record.thumbprint);
  BOOST_TEST(claims["exp"].get<std::int64_t>() < kT0);
  BOOST_TEST(!claims.contains("iss"));
  BOOST_TEST(!claims.contains("aud"));
  BOOST_TEST(claims["exp"].get<std::int64_t>() <= expired->record.exp);
  for (const auto& k : store::KeyRepository(db).unexpired(kT0)) BOOST_TEST(k.kid != expired->record.kid);
}

BOOST_AUTO_TEST_CASE(undecryptable_key_is_an_error_not_a_crash) {
  store::Database db = open_migrated(":memory:");
  ManualClock clock(kT0);
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory(master);
  KeyManager(db, clock, factory, kPolicy).ensure();

  crypto::MasterKey other = test_master("a different master secret, also 32+ bytes");
  auto wrong = service::TokenService(db, other, clock, 3600).issue({"alice", "", ""}, false);
  BOOST_REQUIRE(!wrong.ok());
  BOOST_TEST((wrong.error().code == service::ErrorCode::kInternal));
  BOOST_TEST(wrong.error().log_detail.find("authentication") != std::string::npos);
  BOOST_TEST(wrong.error().description.find("authentication") == std::string::npos);

  store::Statement corrupt(db, "UPDATE keys SET key = substr(key, 1, 20)");
  corrupt.run();
  auto truncated = service::TokenService(db, master, clock, 3600).issue({"alice", "", ""}, false);
  BOOST_REQUIRE(!truncated.ok());
  BOOST_TEST(truncated.error().log_detail.find("truncated") != std::string::npos);
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
  store::Database db = open_migrated(path);
  ManualClock clock(kT0 + 60);
  KeyManager(db, clock, factory, kPolicy).ensure();
  auto records = store::KeyRepository(db).all();
  BOOST_REQUIRE(!records.empty());
  BOOST_TEST(records[0].kid == 1);
  BOOST_TEST(records[0].legacy_kid);
  BOOST_TEST(records[0].thumbprint == old.thumbprint);
  for (std::size_t i = 1; i < records.size(); ++i) BOOST_TEST(!records[i].legacy_kid);  // new keys: thumbprints only

  // A token the old release signed (kid "1") still finds its key, and new
  // tokens name the same key by its thumbprint.
  auto token = service::TokenService(db, master, clock, 3600).issue({"alice", "", ""}, false);
  BOOST_REQUIRE(token.ok());
  const std::string kid = nlohmann::json::parse(jose::parse_compact(token.value())->header_json)["kid"];
  BOOST_TEST(kid == old.thumbprint);

  // The JWKS lists that key under both kids.
  service::Settings settings;
  settings.db_path = path;
  service::Issuer issuer(settings, master, clock, factory);
  auto set = issuer.jwks();
  BOOST_REQUIRE(set.ok());
  std::vector<std::string> kids;
  const nlohmann::json doc = nlohmann::json::parse(set->json);
  for (const auto& k : doc["keys"]) kids.push_back(k["kid"]);
  BOOST_TEST(std::count(kids.begin(), kids.end(), "1") == 1);
  BOOST_TEST(std::count(kids.begin(), kids.end(), old.thumbprint) == 1);
}

BOOST_AUTO_TEST_CASE(no_keys_are_added_under_a_different_master_key) {
  store::Database db = open_migrated(":memory:");
  ManualClock clock(kT0);
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory(master);
  KeyManager(db, clock, factory, kPolicy).ensure();
  const auto before = store::KeyRepository(db).all().size();

  crypto::MasterKey other = test_master("a different master secret, also 32+ bytes");
  service::SigningKeyFactory wrong(other);
  BOOST_CHECK_THROW(KeyManager(db, clock, wrong, kPolicy).rotate(), std::runtime_error);
  clock.advance(kPolicy.key_lifetime);  // a new key is due
  BOOST_CHECK_THROW(KeyManager(db, clock, wrong, kPolicy).ensure(), std::runtime_error);
  BOOST_TEST(store::KeyRepository(db).all().size() == before);
}

BOOST_AUTO_TEST_CASE(rekey_moves_every_key_to_the_new_master_key_or_nothing) {
  store::Database db = open_migrated(":memory:");
  ManualClock clock(kT0);
  crypto::MasterKey old_key = test_master();
  service::SigningKeyFactory factory(old_key);
  KeyManager(db, clock, factory, kPolicy).ensure();
  KeyManager(db, clock, factory, kPolicy).rotate();
  crypto::MasterKey fresh = test_master("the next master secret, 32 bytes or more");
  crypto::MasterKey stranger = test_master("somebody else's master secret, 32+ bytes");

  auto snapshot = [&] {
    std::vector<std::vector<std::uint8_t>> envs;
    for (const auto& k : store::KeyRepository(db).all_sealed()) envs.push_back(k.envelope);
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
  for (const auto& k : store::KeyRepository(db).all_sealed()) {
    BOOST_TEST(crypto::open_private_key(fresh, k.envelope).ok());
    BOOST_TEST(!crypto::open_private_key(old_key, k.envelope).ok());
  }
  // Tokens still sign, with the new master key only.
  BOOST_TEST(service::TokenService(db, fresh, clock, 3600).issue({"a", "", ""}, false).ok());
  BOOST_TEST(!service::TokenService(db, old_key, clock, 3600).issue({"a", "", ""}, false).ok());
}
