// Stores that older releases left: their keys keep verifying after the upgrade.
#define BOOST_TEST_MODULE migrations
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

#include "key_fixtures.h"

using namespace jwks;
using service::TokenCase;
using namespace jwks::test;

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
  auto token = service::TokenService(db, master, clock, 3600)
      .issue({"alice", "", ""}, TokenCase::kNormal, db.keys().all());
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
    auto token = tokens.issue({"u", "", ""}, TokenCase::kNormal, km.keys());
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

// A store a newer release has upgraded: this build refuses to open it,
// saying so, and writes nothing (no version row, no change to its mark), so
// the newer release still finds it as it left it.
BOOST_AUTO_TEST_CASE(a_store_from_a_newer_release_is_refused_and_left_as_it_was) {
  test::TempDir dir;
  const std::string path = dir.file("newer.db");
  const int newer = store::kSchemaVersion + 1;
  {
    store::Database db(path);
    store::migrate(db);
    store::Statement(db, "INSERT INTO jwks_schema_version (version) VALUES (?)").bind(1, std::int64_t{newer}).run();
    db.exec(("PRAGMA user_version = " + std::to_string(newer)).c_str());
  }
  try {
    store::SqliteStore refused(path);
    BOOST_ERROR("a newer store was opened");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) == "database schema version " + std::to_string(newer) +
                                            " is newer than this build understands (" +
                                            std::to_string(store::kSchemaVersion) + ")");
  }
  store::Database db(path);
  store::Statement rows(db, "SELECT count(*), max(version) FROM jwks_schema_version");
  BOOST_REQUIRE(rows.step());
  BOOST_TEST(rows.column_int64(0) == store::kSchemaVersion + 1);
  BOOST_TEST(rows.column_int64(1) == newer);
  store::Statement mark(db, "PRAGMA user_version");
  BOOST_REQUIRE(mark.step());
  BOOST_TEST(mark.column_int64(0) == newer);
}
