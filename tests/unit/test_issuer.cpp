// The Issuer on a store file, as a responder runs it: damaged keys, revalidation, the idle connection, a store made again.
#define BOOST_TEST_MODULE issuer
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "child_process.h"
#include "jwks/service/jwks_document.h"
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

namespace {

const service::Client kClient{"192.0.2.1", "192.0.2.1"};

service::TokenRequest anonymous(bool expired = false) {
  return service::TokenRequest{auth::Credentials{}, expired, kClient, "http://127.0.0.1"};
}

}  // namespace

// /readyz names the signing key and, once its successor is published, when
// that one takes over; after `retire --force` nothing may sign, and it says so.
BOOST_FIXTURE_TEST_CASE(readiness_reports_the_next_key_and_a_gap_in_signing, IssuerOnFile) {
  auto first = issuer.readiness("http://127.0.0.1");
  BOOST_REQUIRE(first.ok());
  const nlohmann::json alone = nlohmann::json::parse(first.value());
  BOOST_TEST(alone["status"] == "ready");
  BOOST_TEST(alone["alg"] == "RS256");
  BOOST_TEST(!alone.contains("next_key_at"));  // the successor comes one lead before the day ends

  clock.set(kT0 + kDay - kHour);  // the successor is published now, signs in an hour
  auto handing_over = issuer.readiness("http://127.0.0.1");
  BOOST_REQUIRE(handing_over.ok());
  const nlohmann::json both = nlohmann::json::parse(handing_over.value());
  BOOST_TEST(both["active_kid"] == alone["active_kid"]);
  BOOST_TEST(both["next_key_at"] == kT0 + kDay);

  clock.set(kT0 + kDay + 60);  // the successor signs; force it out
  const std::string second = nlohmann::json::parse(issuer.readiness("http://127.0.0.1").value())["active_kid"];
  BOOST_TEST(second != alone["active_kid"].get<std::string>());
  {
    store::SqliteStore db = open_migrated(settings.db_path);
    BOOST_REQUIRE((KeyManager(db, clock, factory, service::key_policy(settings)).retire(second, true).outcome ==
                   service::RetireResult::Outcome::kRetired));
  }
  auto gap = issuer.readiness("http://127.0.0.1");
  BOOST_REQUIRE(!gap.ok());
  BOOST_TEST((gap.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(gap.error().description == "no signing key");
  BOOST_TEST(gap.error().log_detail == "readyz: no key may sign now");
}

// JWKS_ALLOW_EXPIRED=0: ?expired=true is the client's error, refused before
// the rate limit or the store are touched.
BOOST_FIXTURE_TEST_CASE(expired_tokens_are_refused_when_disabled, IssuerOnFile) {
  settings.allow_expired = false;
  settings.rate_limit = auth::RateLimit{1, 60'000};
  service::Issuer strict(settings, master, clock, factory);
  for (int i = 0; i < 3; ++i) {  // never counted: the limit of one is still there afterwards
    auto refused = strict.issue_token(anonymous(true));
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST((refused.error().code == service::ErrorCode::kInvalidRequest));
    BOOST_TEST(refused.error().description == "expired tokens are disabled on this server");
  }
  BOOST_TEST(!std::filesystem::exists(settings.db_path));
  BOOST_TEST(strict.issue_token(anonymous()).ok());
  // Allowed (the default), the same request gets a token that has expired.
  auto expired = issuer.issue_token(anonymous(true));
  BOOST_REQUIRE(expired.ok());
  BOOST_TEST(claims_of(expired.value())["exp"].get<std::int64_t>() < kT0);
}

// A store that cannot be opened (its directory is gone, a volume not
// mounted) is a passing condition: 503, "retry later".
BOOST_AUTO_TEST_CASE(a_store_that_cannot_be_opened_is_unavailable) {
  test::TempDir dir;
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory(master);
  ManualClock clock(kT0);
  service::Issuer issuer(IssuerOnFile::on_file(dir.file("gone/store.db")), master, clock, factory);
  auto jwks = issuer.jwks({});
  BOOST_REQUIRE(!jwks.ok());
  BOOST_TEST((jwks.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(jwks.error().description == "the key store is unavailable");
  BOOST_TEST(jwks.error().log_detail.rfind("jwks: ", 0) == 0u, jwks.error().log_detail);
}

// A responder started with another NOT_MY_KEY than the store's keys were
// sealed under: it must not add keys the others cannot open. The request
// fails as an internal error, the log says why.
BOOST_FIXTURE_TEST_CASE(a_responder_with_another_master_key_adds_no_key, IssuerOnFile) {
  BOOST_REQUIRE(issuer.jwks({}).ok());  // the store's keys, under `master`
  crypto::MasterKey other = test_master("another responder's master secret, 32+ bytes");
  service::SigningKeyFactory other_factory(other);
  service::Issuer wrong(settings, other, clock, other_factory);
  // Nothing is due: it serves the set, but /readyz knows it cannot sign.
  BOOST_TEST(wrong.jwks({}).ok());
  auto unready = wrong.readiness("http://127.0.0.1");
  BOOST_REQUIRE(!unready.ok());
  BOOST_TEST((unready.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(unready.error().description == "the signing key cannot be decrypted");
  BOOST_TEST(unready.error().log_detail.rfind("readyz: key ", 0) == 0u, unready.error().log_detail);
  clock.set(kT0 + kDay - kHour);  // a successor is due
  auto refused = wrong.jwks({});
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().code == service::ErrorCode::kInternal));
  BOOST_TEST(refused.error().description == "internal error");
  BOOST_TEST(refused.error().log_detail.rfind("jwks: NOT_MY_KEY does not open the keys already in the store", 0) == 0u,
             refused.error().log_detail);
  store::SqliteStore db = open_migrated(settings.db_path);
  BOOST_TEST(key_count(db) == 2);  // the signing key and the expired one, nothing more
}

// A key row whose alg column no longer matches its key (edited by hand):
// signing refuses, as an internal error that names the mismatch.
BOOST_FIXTURE_TEST_CASE(a_key_whose_alg_does_not_fit_it_signs_nothing, IssuerOnFile) {
  auto ready = issuer.readiness("http://127.0.0.1");
  BOOST_REQUIRE(ready.ok());
  {
    store::SqliteStore db = open_migrated(settings.db_path);
    store::Statement(db.database(), "UPDATE key_public SET alg = 'ES256' WHERE thumbprint = ?")
        .bind(1, nlohmann::json::parse(ready.value())["active_kid"].get<std::string>())
        .run();
  }
  auto refused = issuer.issue_token(anonymous());
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().code == service::ErrorCode::kInternal));
  BOOST_TEST(refused.error().description == "internal error");
  BOOST_TEST(refused.error().log_detail == "auth: sign: the key does not suit ES256");
}

// A store file that is not a database is not a passing condition: every
// endpoint answers an internal error (not "retry later"), and the file is
// left as it was for the operator to look at.
BOOST_FIXTURE_TEST_CASE(a_store_that_is_not_a_database_is_an_internal_error, IssuerOnFile) {
  const std::string junk(4096, 'x');
  BOOST_REQUIRE(util::write_file_atomically(settings.db_path, junk));
  service::Issuer on_junk(settings, master, clock, factory);
  auto jwks = on_junk.jwks({});
  BOOST_REQUIRE(!jwks.ok());
  BOOST_TEST((jwks.error().code == service::ErrorCode::kInternal));
  BOOST_TEST(jwks.error().description == "the key store is unavailable");
  BOOST_TEST(jwks.error().log_detail.rfind("jwks: ", 0) == 0u, jwks.error().log_detail);
  auto ready = on_junk.readiness("http://127.0.0.1");
  BOOST_REQUIRE(!ready.ok());
  BOOST_TEST((ready.error().code == service::ErrorCode::kInternal));
  BOOST_TEST(util::read_file(settings.db_path, 1 << 20).value_or("") == junk);
}

// JWKS_EXPORT_FILE in a directory that does not exist (a typo, a volume not
// mounted): the dynamic endpoint keeps serving, nothing is created, and the
// next request tries again. A file already equal is not rewritten.
BOOST_FIXTURE_TEST_CASE(an_export_that_cannot_be_written_leaves_the_endpoint_serving, IssuerOnFile) {
  settings.export_file = dir.file("not-mounted/.well-known/jwks.json");
  service::Issuer exporting(settings, master, clock, factory);
  auto doc = exporting.jwks({});
  BOOST_REQUIRE(doc.ok());
  BOOST_TEST(nlohmann::json::parse(doc->json)["keys"].size() == 1u);
  BOOST_TEST(exporting.issue_token(anonymous()).ok());
  BOOST_TEST(!std::filesystem::exists(dir.file("not-mounted")));
  BOOST_TEST(!service::refresh_export(settings.export_file, doc.value()));

  const std::string there = dir.file("jwks.json");
  BOOST_TEST(service::refresh_export(there, doc.value()));
  BOOST_TEST(util::read_file(there, 1 << 20).value_or("") == doc->json + "\n");
  BOOST_TEST(!service::refresh_export(there, doc.value()));  // already equal
  BOOST_REQUIRE(util::write_file_atomically(there, "stale"));
  BOOST_TEST(service::refresh_export(there, doc.value()));
  BOOST_TEST(util::read_file(there, 1 << 20).value_or("") == doc->json + "\n");
}

// A store source given to the issuer (instead of the one settings.db_path
// names) is the one it uses: that path is never opened.
BOOST_AUTO_TEST_CASE(an_issuer_uses_the_store_source_it_is_given) {
  test::TempDir dir;
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory(master);
  ManualClock clock(kT0);
  const service::Settings settings = IssuerOnFile::on_file(dir.file("missing-dir/unused.db"));
  service::Issuer issuer(settings, master, clock, factory, {},
                         std::make_unique<store::SqliteSource>(dir.file("given.db"), 5000));
  auto doc = issuer.jwks({});
  BOOST_REQUIRE_MESSAGE(doc.ok(), (doc.ok() ? "" : doc.error().log_detail));
  BOOST_TEST(nlohmann::json::parse(doc->json)["keys"].size() == 1u);
  BOOST_TEST(std::filesystem::exists(dir.file("given.db")));
  BOOST_TEST(!std::filesystem::exists(dir.file("missing-dir")));
}
