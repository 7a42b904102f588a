// The Issuer on a store file, as a responder runs it: damaged keys, revalidation, the idle connection, a store made again.
#define BOOST_TEST_MODULE issuer
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "child_process.h"
#include "key_fixtures.h"

using namespace jwks;
using namespace jwks::test;

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
  // A process of its own: SQLite connections do not survive fork().
  BOOST_REQUIRE(test::run_in_child([&] {
                  ::execlp("sqlite3", "sqlite3", settings.db_path.c_str(),
                           "PRAGMA journal_mode = WAL; CREATE TABLE made_again(x);", static_cast<char*>(nullptr));
                  return 127;
                }) == 0);
  auto after = issuer.jwks({});
  BOOST_REQUIRE_MESSAGE(after.ok(), (after.ok() ? "" : after.error().log_detail));
  BOOST_TEST(after->etag != before->etag);  // new keys in a new store
  store::Database db(settings.db_path, store::DatabaseOptions{5000, false});
  store::Statement check(db, "PRAGMA integrity_check");
  BOOST_REQUIRE(check.step());
  BOOST_TEST(check.column_text(0) == "ok");
}
