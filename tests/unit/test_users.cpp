#define BOOST_TEST_MODULE users
#include <boost/test/unit_test.hpp>

#include <regex>

#include <nlohmann/json.hpp>

#include "jwks/crypto/master_key.h"
#include "jwks/jose/jws.h"
#include "jwks/service/authenticator.h"
#include "jwks/service/issuer.h"
#include "jwks/service/key_schedule.h"
#include "jwks/store/schema.h"
#include "jwks/store/statement.h"
#include "jwks/store/sqlite_store.h"
#include "jwks/util/slot_lock.h"
#include "temp_dir.h"

using namespace jwks;

namespace {

const auth::Argon2Params kFast{.memory_kib = 1024, .passes = 1, .lanes = 1, .salt_bytes = 16, .hash_bytes = 32};

store::Database open_migrated(const std::string& path) {
  store::Database db(path);
  store::migrate(db);
  return db;
}

std::int64_t count(const store::Database& db, const std::string& sql) {
  store::Statement s(db, sql);
  s.step();
  return s.column_int64(0);
}

auth::Credentials creds(std::optional<std::string> user, std::optional<std::string> password) {
  return auth::Credentials{auth::CredentialSource::kJson, std::move(user), std::move(password)};
}

const service::Client kClient{"192.0.2.10", "192.0.2.10"};

// A whole issuer over a private database file, with fast Argon2 parameters.
struct IssuerFixture {
  test::TempDir dir;
  crypto::MasterKey master = std::move(crypto::MasterKey::from_secret("a test master secret of 32+ bytes!!").value());
  service::ManualClock clock{1'800'000'000};
  service::SigningKeyFactory factory{master};
  service::Settings settings;
  std::optional<service::Issuer> issuer;

  explicit IssuerFixture(service::AuthMode mode = service::AuthMode::kOpen) {
    settings.db_path = dir.file("users.db");
    settings.auth_mode = mode;
    settings.issuer = "https://jwks.example";
    issuer.emplace(settings, master, clock, factory, kFast);
  }
  // Names go through canonical_username first, as the router's parsers do.
  std::string register_user(const std::string& name, const std::string& email) {
    auto r = issuer->register_user({auth::Registration{auth::canonical_username(name).value(), email}, kClient});
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().description));
    return r.value();
  }
  util::Result<std::string, service::ServiceError> login(std::optional<std::string> user,
                                                         std::optional<std::string> password) {
    clock.advance(1);  // keep clear of the rate limit
    if (user) user = auth::canonical_username(*user).value();
    return issuer->issue_token({creds(std::move(user), std::move(password)), false, kClient, std::nullopt});
  }
};

std::string sub_of(const std::string& token) {
  return nlohmann::json::parse(jose::parse_compact(token)->payload_json).at("sub");
}

}  // namespace

BOOST_AUTO_TEST_CASE(insert_and_conflicts) {
  store::Database db = open_migrated(":memory:");
  store::SqliteUserRepository users(db);
  auto id = users.insert("alice", "$argon2id$x", "alice@example.com");
  BOOST_REQUIRE(id.ok());
  auto dup_name = users.insert("alice", "$argon2id$y", "other@example.com");
  BOOST_REQUIRE(!dup_name.ok());
  BOOST_TEST((dup_name.error() == store::UserConflict::kUsername));
  auto dup_email = users.insert("bob", "$argon2id$y", "ALICE@example.com");  // e-mail case does not matter
  BOOST_REQUIRE(!dup_email.ok());
  BOOST_TEST((dup_email.error() == store::UserConflict::kEmail));
  BOOST_TEST(count(db, "SELECT count(*) FROM users") == 1);
  auto found = users.find_by_username("alice");
  BOOST_REQUIRE(found.has_value());
  BOOST_TEST(found->id == id.value());
  // Callers pass enforced forms; anything else that looks like a name is
  // found by its skeleton, and cannot be registered beside it.
  BOOST_TEST(users.find_by_username("Alice")->id == id.value());
  BOOST_TEST(users.find_by_username("al\xc4\xb1" "ce")->id == id.value());
  auto look_alike = users.insert("al\xc4\xb1" "ce", "$argon2id$z", "dotless@example.com");
  BOOST_REQUIRE(!look_alike.ok());
  BOOST_TEST((look_alike.error() == store::UserConflict::kUsername));
  BOOST_TEST(count(db, "SELECT count(*) FROM user_names") == 1);
  BOOST_TEST(count(db, "SELECT count(*) FROM users WHERE date_registered IS NOT NULL AND last_login IS NULL") == 1);
}

BOOST_AUTO_TEST_CASE(record_login_updates_last_login_and_appends_a_log_row) {
  store::Database db = open_migrated(":memory:");
  store::SqliteUserRepository users(db);
  std::int64_t id = users.insert("alice", "old", "alice@example.com").value();
  users.record_login(id, "192.0.2.7", std::nullopt);
  users.record_login(id, "192.0.2.8", std::string_view("new"));
  store::Statement logs(db, "SELECT request_ip, request_timestamp, user_id FROM auth_logs ORDER BY id");
  const std::regex timestamp(R"(^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$)");
  std::vector<std::string> ips;
  while (logs.step()) {
    ips.push_back(logs.column_text(0));
    BOOST_TEST(std::regex_match(logs.column_text(1), timestamp), logs.column_text(1));
    BOOST_TEST(logs.column_int64(2) == id);
  }
  BOOST_TEST(ips == (std::vector<std::string>{"192.0.2.7", "192.0.2.8"}), boost::test_tools::per_element());
  BOOST_TEST(users.find_by_username("alice")->password_hash == "new");
  BOOST_TEST(count(db, "SELECT count(*) FROM users WHERE last_login IS NOT NULL") == 1);
}

BOOST_AUTO_TEST_CASE(registration_stores_only_a_hash) {
  IssuerFixture f;
  std::string password = f.register_user("alice", "alice@example.com");
  BOOST_TEST(std::regex_match(password, std::regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")));
  store::Database db(f.settings.db_path);
  store::Statement s(db, "SELECT password_hash FROM users WHERE username = ?");
  s.bind(1, std::string_view("alice"));
  BOOST_REQUIRE(s.step());
  std::string hash = s.column_text(0);
  BOOST_TEST(hash.rfind("$argon2id$", 0) == 0u);
  BOOST_TEST(hash.find(password) == std::string::npos);

  auto again = f.issuer->register_user({auth::Registration{"alice", "x@example.com"}, kClient});
  BOOST_REQUIRE(!again.ok());
  BOOST_TEST((again.error().code == service::ErrorCode::kConflict));
  BOOST_TEST(again.error().description.find("username") != std::string::npos);
  auto email = f.issuer->register_user({auth::Registration{"bob", "Alice@Example.com"}, kClient});
  BOOST_REQUIRE(!email.ok());
  BOOST_TEST(email.error().description.find("email") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(login_checks_registered_passwords_in_open_mode) {
  IssuerFixture f;
  std::string password = f.register_user("alice", "alice@example.com");
  auto good = f.login("alice", password);
  BOOST_REQUIRE(good.ok());
  BOOST_TEST(sub_of(good.value()) == "alice");
  auto wrong = f.login("alice", "not-the-password");
  BOOST_REQUIRE(!wrong.ok());
  BOOST_TEST((wrong.error().code == service::ErrorCode::kUnauthorized));
  auto missing = f.login("alice", std::nullopt);
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST((missing.error().code == service::ErrorCode::kUnauthorized));
  // Unregistered callers still get tokens in open mode.
  auto stranger = f.login("mallory", "anything");
  BOOST_REQUIRE(stranger.ok());
  BOOST_TEST(sub_of(stranger.value()) == "mallory");
  BOOST_TEST(sub_of(f.login(std::nullopt, std::nullopt).value()) == "anonymous");

  store::Database db(f.settings.db_path);
  BOOST_TEST(count(db, "SELECT count(*) FROM auth_logs") == 1);  // only the successful registered login
  BOOST_TEST(count(db, "SELECT count(*) FROM auth_logs WHERE request_ip = '192.0.2.10' AND user_id = 1") == 1);
}

BOOST_AUTO_TEST_CASE(strict_mode_admits_registered_users_only) {
  IssuerFixture f(service::AuthMode::kStrict);
  std::string password = f.register_user("alice", "alice@example.com");
  BOOST_TEST(f.login("alice", password).ok());
  for (auto [user, pw] : std::vector<std::pair<std::optional<std::string>, std::optional<std::string>>>{
           {"mallory", "x"}, {std::nullopt, std::nullopt}, {"alice", "wrong"}}) {
    auto r = f.login(user, pw);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().code == service::ErrorCode::kUnauthorized));
  }
}

BOOST_AUTO_TEST_CASE(weak_hashes_are_upgraded_on_login) {
  IssuerFixture f;
  {
    store::Database db = open_migrated(f.settings.db_path);
    const auth::Argon2Params weak{.memory_kib = 256, .passes = 1, .lanes = 1, .salt_bytes = 16, .hash_bytes = 32};
    store::SqliteUserRepository(db).insert("old", auth::hash_password("pw", weak), "old@example.com");
  }
  BOOST_TEST(f.login("old", "pw").ok());
  store::Database db(f.settings.db_path);
  std::string hash = store::SqliteUserRepository(db).find_by_username("old")->password_hash;
  BOOST_TEST(hash.find("m=1024,t=1,p=1") != std::string::npos, hash);
  BOOST_TEST(f.login("old", "pw").ok());
}

BOOST_AUTO_TEST_CASE(rate_limit_is_checked_first_and_refusals_are_not_counted) {
  IssuerFixture f;
  f.settings.rate_limit = auth::RateLimit{3, 1000};
  f.issuer.emplace(f.settings, f.master, f.clock, f.factory, kFast);
  auto attempt = [&](std::optional<std::string> pw) {
    return f.issuer->issue_token({creds("alice", std::move(pw)), false, {"192.0.2.99", "192.0.2.99"}, std::nullopt});
  };
  f.register_user("alice", "alice@example.com");
  for (int i = 0; i < 3; ++i) {
    auto r = attempt("wrong");
    BOOST_TEST((r.error().code == service::ErrorCode::kUnauthorized));  // failures count too
    f.clock.advance_ms(100);
  }
  auto limited = attempt("wrong");
  BOOST_REQUIRE(!limited.ok());
  BOOST_TEST((limited.error().code == service::ErrorCode::kRateLimited));
  BOOST_TEST(limited.error().retry_after_seconds == 1);
  f.clock.advance_ms(800);  // the first attempt leaves the window
  BOOST_TEST((attempt("wrong").error().code == service::ErrorCode::kUnauthorized));
}

// Issue 12: a client never chooses iss. JWKS_ISSUER wins; without it only the
// front's loopback origin may stand in; otherwise no token, and the log says why.
BOOST_AUTO_TEST_CASE(the_issuer_is_configured_or_loopback_never_chosen_by_the_client) {
  IssuerFixture f;
  auto iss_of = [](const std::string& token) {
    return nlohmann::json::parse(jose::parse_compact(token)->payload_json).at("iss").get<std::string>();
  };
  auto token = [&](std::optional<std::string> origin) {
    f.clock.advance(1);
    return f.issuer->issue_token({creds(std::nullopt, std::nullopt), false, kClient, std::move(origin)});
  };
  BOOST_TEST(iss_of(token("http://127.0.0.1:8080").value()) == "https://jwks.example");
  BOOST_TEST(iss_of(token(std::nullopt).value()) == "https://jwks.example");
  BOOST_TEST(nlohmann::json::parse(f.issuer->discovery(std::nullopt).value())["issuer"] == "https://jwks.example");

  f.settings.issuer.clear();
  f.issuer.emplace(f.settings, f.master, f.clock, f.factory, kFast);
  BOOST_TEST(iss_of(token("http://127.0.0.1:8080").value()) == "http://127.0.0.1:8080");
  auto doc = nlohmann::json::parse(f.issuer->discovery("http://127.0.0.1:8080").value());
  BOOST_TEST(doc["issuer"] == "http://127.0.0.1:8080");
  BOOST_TEST(doc["jwks_uri"] == "http://127.0.0.1:8080/.well-known/jwks.json");
  auto refused = token(std::nullopt);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().code == service::ErrorCode::kInternal));
  BOOST_TEST(refused.error().log_detail.find("JWKS_ISSUER") != std::string::npos);
  BOOST_TEST(!f.issuer->discovery(std::nullopt).ok());
  // Not ready where every token would be refused.
  auto ready = f.issuer->readiness(std::nullopt);
  BOOST_REQUIRE(!ready.ok());
  BOOST_TEST((ready.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(f.issuer->readiness("http://127.0.0.1:8080").ok());
}

// Issue 12: a store from before the username rules may hold "alice" and
// "Alice", "alice " or a name with a zero-width space. On upgrade no row is
// lost and no name changes (a name is the sub of the tokens it got): the
// name already in its enforced form keeps it, the others are reached by
// their enforced form where that is free, and look-alikes of a name taken
// first, or names the rules refuse, can no longer log in.
BOOST_AUTO_TEST_CASE(an_upgrade_keeps_every_name_and_reaches_each_by_one_form) {
  test::TempDir dir;
  const std::string path = dir.file("v5.db");
  const std::vector<std::string> names = {"Alice", "alice", "ALICE", "bob", "Carol", "alice ",
                                          "dave\xe2\x80\x8b", "   ", "Erin", "al\xc4\xb1" "ce"};
  {
    store::Database db(path);
    store::migrate_to(db, 5);
    int n = 0;
    for (const std::string& name : names) {  // each its own password, to tell who logged in
      ++n;
      store::Statement(db, "INSERT INTO users (username, password_hash, email) VALUES (?, ?, ?)")
          .bind(1, name)
          .bind(2, auth::hash_password("pw" + std::to_string(n), kFast))
          .bind(3, "u" + std::to_string(n) + "@example.com")
          .run();
    }
    store::Statement(db, "INSERT INTO auth_logs (request_ip, user_id) VALUES ('192.0.2.1', 1)").run();
  }
  IssuerFixture f;
  f.settings.db_path = path;
  f.issuer.emplace(f.settings, f.master, f.clock, f.factory, kFast);
  BOOST_REQUIRE(f.issuer->readiness(std::nullopt).ok());  // migrates

  store::Database db(path);
  BOOST_TEST(store::schema_version(db) == store::kSchemaVersion);
  {
    store::Statement s(db, "SELECT username FROM users ORDER BY id");
    std::vector<std::string> after;
    while (s.step()) after.push_back(s.column_text(0));
    BOOST_TEST(after == names, boost::test_tools::per_element());  // no row lost, no name changed
  }
  BOOST_TEST(count(db, "SELECT count(*) FROM auth_logs WHERE user_id = 1") == 1);  // its audit trail stays
  auto logs_of = [&](int id) { return count(db, "SELECT count(*) FROM auth_logs WHERE user_id = " + std::to_string(id)); };

  // "alice" (user 2) was already in its form: every spelling reaches it, and
  // only its own password logs in; the sub is the name as stored.
  for (const char* spelling : {"alice", "Alice", "ALICE"}) {
    auto r = f.login(spelling, "pw2");
    BOOST_REQUIRE_MESSAGE(r.ok(), spelling);
    BOOST_TEST(sub_of(r.value()) == "alice");
    BOOST_TEST(!f.login(spelling, "pw1").ok());  // user 1 ("Alice") is no longer reachable
    BOOST_TEST(!f.login(spelling, "pw3").ok());  // nor user 3 ("ALICE")
  }
  BOOST_TEST(logs_of(2) == 3);
  BOOST_TEST(logs_of(1) == 1);
  // Names from before in another spelling keep it as their sub.
  BOOST_TEST(sub_of(f.login("carol", "pw5").value()) == "Carol");
  BOOST_TEST(sub_of(f.login("ERIN", "pw9").value()) == "Erin");
  BOOST_TEST(sub_of(f.login("bob", "pw4").value()) == "bob");
  // "alıce" looks like "alice": a login as "alıce" is alice's (her password
  // or a refusal, even in open mode), never a name of its own.
  BOOST_TEST(!f.login("al\xc4\xb1" "ce", "pw10").ok());
  BOOST_TEST(!f.login("al\xc4\xb1" "ce", std::nullopt).ok());
  BOOST_TEST(sub_of(f.login("al\xc4\xb1" "ce", "pw2").value()) == "alice");
  // A new registration of any spelling or look-alike of a name is a conflict.
  for (const char* name : {"alice", "Carol", "ERIN", "al\xc4\xb1" "ce", "b0b"}) {
    auto again = f.issuer->register_user(
        {auth::Registration{auth::canonical_username(name).value(), "new-" + std::string(name) + "@example.com"}, kClient});
    BOOST_REQUIRE_MESSAGE(!again.ok(), name);
    BOOST_TEST((again.error().code == service::ErrorCode::kConflict), name);
  }
  // jwksctl users list's mark: the unreachable ones.
  std::vector<std::string> unreachable;
  for (const auto& u : store::SqliteUserRepository(db).list())
    if (!u.can_log_in) unreachable.push_back(u.username);
  BOOST_TEST(unreachable == (std::vector<std::string>{"Alice", "ALICE", "alice ", "dave\xe2\x80\x8b", "   ",
                                                      "al\xc4\xb1" "ce"}),
             boost::test_tools::per_element());
  // Migrating again changes nothing.
  const std::int64_t rows = count(db, "SELECT count(*) FROM user_names");
  store::migrate(db);
  BOOST_TEST(count(db, "SELECT count(*) FROM user_names") == rows);
}

// Issue 12: /register was an unmetered CPU sink. Its own rate limit comes
// first, a duplicate is refused before any hashing, and the pool hashes at
// most JWKS_REGISTER_CONCURRENCY at once.
BOOST_AUTO_TEST_CASE(registration_is_limited_before_any_hashing) {
  IssuerFixture f;
  f.settings.register_rate_limit = auth::RateLimit{3, 60'000};
  f.settings.register_concurrency = 1;
  f.issuer.emplace(f.settings, f.master, f.clock, f.factory, kFast);
  auto reg = [&](const std::string& name, const service::Client& client = kClient) {
    return f.issuer->register_user({auth::Registration{name, name + "@example.com"}, client});
  };
  BOOST_TEST(reg("u1").ok());
  // A duplicate is a 409 even while every hashing slot is busy: it was
  // refused before it needed one.
  std::optional<util::SlotLock> busy;
  BOOST_REQUIRE((util::SlotLock::try_acquire(f.settings.db_path + "-hashing", 1, busy) ==
                 util::SlotLock::Outcome::kAcquired));
  auto dup = reg("u1");
  BOOST_REQUIRE(!dup.ok());
  BOOST_TEST((dup.error().code == service::ErrorCode::kConflict));
  auto email = f.issuer->register_user({auth::Registration{"u9", "U1@Example.com"}, kClient});
  BOOST_TEST((email.error().code == service::ErrorCode::kConflict));
  // A new name while the slot is busy: 503 with Retry-After, at once.
  const service::Client other{"192.0.2.20", "192.0.2.20"};
  auto busy_now = reg("u2", other);
  BOOST_REQUIRE(!busy_now.ok());
  BOOST_TEST((busy_now.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(busy_now.error().retry_after_seconds == 1);
  busy.reset();
  // kClient has used its 3 (u1, the duplicate, the e-mail): the 4th is a 429.
  auto limited = reg("u3");
  BOOST_REQUIRE(!limited.ok());
  BOOST_TEST((limited.error().code == service::ErrorCode::kRateLimited));
  BOOST_TEST(limited.error().retry_after_seconds == 60);
  BOOST_TEST(reg("u3", other).ok());  // another address has its own budget
  f.clock.advance(60);
  BOOST_TEST(reg("u4").ok());  // the window slid
  store::Database db(f.settings.db_path);
  BOOST_TEST(count(db, "SELECT count(*) FROM users") == 3);
}

// A stored hash libargon2 cannot read (a row edited by hand, a truncated
// copy) is the server's fault, not the user's: an internal error naming the
// user's id, never "wrong password" nor a token, and no login is recorded.
BOOST_AUTO_TEST_CASE(an_unreadable_password_hash_is_an_internal_error) {
  IssuerFixture f;
  std::int64_t id = 0;
  {
    store::Database db = open_migrated(f.settings.db_path);
    id = store::SqliteUserRepository(db).insert("carol", "$argon2id$v=19$m=1024,t=1,p=1$", "carol@example.com").value();
  }
  auto r = f.login("carol", "pw");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error().code == service::ErrorCode::kInternal));
  BOOST_TEST(r.error().description == "internal error");
  BOOST_TEST(r.error().log_detail == "user " + std::to_string(id) + " has an unreadable password hash");
  // Without a password it is still a refusal for the user (nothing to compare).
  auto no_password = f.login("carol", std::nullopt);
  BOOST_REQUIRE(!no_password.ok());
  BOOST_TEST((no_password.error().code == service::ErrorCode::kUnauthorized));
  store::Database db(f.settings.db_path);
  BOOST_TEST(count(db, "SELECT count(*) FROM auth_logs") == 0);
}

namespace {

// An SQLite source on which another registration of `rival` commits while
// ours hashes: the race the duplicate check before hashing cannot close.
class RivalWhileHashing final : public store::StoreSource {
 public:
  RivalWhileHashing(std::string path, std::string rival) : inner_(path, 5000), path_(std::move(path)), rival_(std::move(rival)) {}
  std::unique_ptr<store::Store> open() override { return inner_.open(); }
  store::RateDecision acquire_rate(std::string_view bucket, std::string_view addr, std::int64_t now_ms,
                                   std::int64_t window_ms, std::int64_t limit) override {
    return inner_.acquire_rate(bucket, addr, now_ms, window_ms, limit);
  }
  store::HashingSlot with_hashing_slot(int slots, const std::function<void()>& hash) override {
    return inner_.with_hashing_slot(slots, [&] {
      hash();
      store::SqliteStore other(path_);
      BOOST_REQUIRE(other.users().insert(rival_, "$argon2id$the-rival's", rival_ + "@rival.example").ok());
    });
  }
  std::string describe() const override { return inner_.describe(); }

 private:
  store::SqliteSource inner_;
  std::string path_, rival_;
};

}  // namespace

// Two registrations of one name: the one that inserts second gets the 409
// (the database decides), and its password, never stored, is not returned.
BOOST_AUTO_TEST_CASE(a_registration_that_loses_the_race_is_a_conflict) {
  IssuerFixture f;
  f.issuer.emplace(f.settings, f.master, f.clock, f.factory, kFast,
                   std::make_unique<RivalWhileHashing>(f.settings.db_path, "bob"));
  auto lost = f.issuer->register_user({auth::Registration{"bob", "bob@example.com"}, kClient});
  BOOST_REQUIRE(!lost.ok());
  BOOST_TEST((lost.error().code == service::ErrorCode::kConflict));
  BOOST_TEST(lost.error().description == "username is already taken");
  store::Database db(f.settings.db_path);
  BOOST_TEST(count(db, "SELECT count(*) FROM users") == 1);
  BOOST_TEST(count(db, "SELECT count(*) FROM users WHERE email = 'bob@rival.example'") == 1);
}

// A registered user whose login is refused for want of a signing key (after
// `retire --force`) got no token: no login is recorded for it.
BOOST_AUTO_TEST_CASE(a_login_without_a_token_is_not_recorded) {
  IssuerFixture f;
  const std::string password = f.register_user("alice", "alice@example.com");
  BOOST_REQUIRE(f.login("alice", password).ok());
  {
    store::SqliteStore db(f.settings.db_path);
    service::KeyManager km(db, f.clock, f.factory, service::key_policy(f.settings));
    km.ensure();
    const store::KeyRecord* signer = service::signing_key(km.keys(), f.clock.now());
    BOOST_REQUIRE(signer != nullptr);
    BOOST_REQUIRE((km.retire(signer->thumbprint, true).outcome == service::RetireResult::Outcome::kRetired));
  }
  auto refused = f.login("alice", password);
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().code == service::ErrorCode::kUnavailable));
  store::Database db(f.settings.db_path);
  BOOST_TEST(count(db, "SELECT count(*) FROM auth_logs") == 1);  // the first login only
}
