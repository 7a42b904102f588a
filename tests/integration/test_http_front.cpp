// The contract's HTTP behaviour, spoken with libcurl to a real front (started
// by with-front.sh, which exports JWKS_BASE_URL and JWKS_DB).
#define BOOST_TEST_MODULE http_front
#include <boost/test/unit_test.hpp>


#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <ctime>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "jwks/crypto/rsa.h"
#include "jwks/crypto/jws_alg.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jws.h"
#include "jwks/store/database.h"
#include "jwks/store/pg_connection.h"
#include "jwks/store/statement.h"
#include "jwks/store/store_source.h"
#include "http_client.h"

using namespace jwks;

namespace {

using HttpResponse = test::HttpAnswer;

using test::base_url;

// The front runs with JWKS_TRUSTED_PROXIES=127.0.0.1, so each test case can
// speak as its own client address (X-Forwarded-For) with its own rate budget.
std::string g_client = "198.51.100.1";
int g_client_counter = 1;

struct FreshClient {
  FreshClient() { g_client = "198.51.100." + std::to_string(++g_client_counter); }
};

// One request through the front, as this run's client (g_client) unless the
// headers name one.
HttpResponse http(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::vector<std::string>& headers = {}) {
  std::vector<std::string> all = headers;
  bool has_forwarded = false;
  for (const auto& h : headers) has_forwarded |= h.rfind("X-Forwarded-For:", 0) == 0;
  if (!has_forwarded) all.push_back("X-Forwarded-For: " + g_client);
  return test::http_request(method, path, all, body);
}

void expect_json_error(const HttpResponse& r, long status, const std::string& error) {
  BOOST_TEST(r.status == status);
  BOOST_TEST(r.header("content-type") == "application/json");
  auto j = r.json();
  BOOST_TEST(j["error"] == error);
  BOOST_TEST(j["error_description"].is_string());
}

nlohmann::json jwks_keys() {
  HttpResponse r = http("GET", "/.well-known/jwks.json");
  BOOST_REQUIRE_EQUAL(r.status, 200);
  return r.json().at("keys");
}

struct Token {
  nlohmann::json header, claims;
  jose::CompactParts parts;
};

Token get_token(const std::string& query, const std::string& body, const std::vector<std::string>& headers) {
  HttpResponse r = http("POST", "/auth" + query, body, headers);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.status << " " << r.body);
  BOOST_TEST(r.header("cache-control") == "no-store");
  auto parts = jose::parse_compact(r.json().at("token").get<std::string>());
  BOOST_REQUIRE(parts.has_value());
  return Token{nlohmann::json::parse(parts->header_json), nlohmann::json::parse(parts->payload_json), *parts};
}

// Verifies the token's RS256 signature with the JWKS key of the same kid.
bool verifies_against_jwks(const Token& t, const nlohmann::json& keys) {
  for (const auto& k : keys) {
    if (k.at("kid") != t.header.at("kid")) continue;
    auto n = jose::base64url_decode(k.at("n").get<std::string>());
    auto e = jose::base64url_decode(k.at("e").get<std::string>());
    BOOST_REQUIRE(n && e);
    crypto::PkeyPtr pub = crypto::rsa_public_key(*n, *e);
    std::span<const std::uint8_t> input(reinterpret_cast<const std::uint8_t*>(t.parts.signing_input.data()),
                                        t.parts.signing_input.size());
    return crypto::verify(crypto::JwsAlg::kRS256, *pub, input, t.parts.signature);
  }
  return false;
}

using test::CurlGlobal;
BOOST_TEST_GLOBAL_FIXTURE(CurlGlobal);

}  // namespace

namespace {

std::string register_user(const std::string& username, const std::string& email) {
  HttpResponse r = http("POST", "/register", nlohmann::json{{"username", username}, {"email", email}}.dump(),
                        {"Content-Type: application/json"});
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.status << " " << r.body);
  return r.json().at("password").get<std::string>();
}

std::string basic(const std::string& user, const std::string& password) { return test::basic_authorization(user, password); }

std::string unique(const std::string& stem) {
  return stem + std::to_string(std::time(nullptr)) + "-" + std::to_string(++g_client_counter);
}

// A count from this run's store, SQLite or PostgreSQL: `sql` has one ?
// placeholder, bound to `bound`.
std::int64_t db_count(const std::string& sql, const std::string& bound) {
  const std::string location = std::getenv("JWKS_DB");
  if (store::is_postgres_uri(location)) {
    std::string pg = sql;
    pg.replace(pg.find('?'), 1, "$1");
    return store::PgConnection(location, 5000).exec(pg, store::PgParams().text(bound)).int64(0, 0);
  }
  store::Database db(location, store::DatabaseOptions{5000, false});
  store::Statement s(db, sql);
  s.bind(1, bound);
  s.step();
  return s.column_int64(0);
}

// Every row of the contract's keys table: the stored key and its exp.
std::vector<std::pair<std::vector<std::uint8_t>, std::int64_t>> key_rows() {
  const std::string location = std::getenv("JWKS_DB");
  std::vector<std::pair<std::vector<std::uint8_t>, std::int64_t>> rows;
  if (store::is_postgres_uri(location)) {
    const store::PgResult r = store::PgConnection(location, 5000).exec("SELECT key, exp FROM keys");
    for (int i = 0; i < r.rows(); ++i) rows.emplace_back(r.bytes(i, 0), r.int64(i, 1));
    return rows;
  }
  store::Database db(location, store::DatabaseOptions{5000, false});
  store::Statement s(db, "SELECT key, exp FROM keys");
  while (s.step()) rows.emplace_back(s.column_blob(0), s.column_int64(1));
  return rows;
}

// The responder processes of this front: those running JWKS_FCGI_BIN with
// this run's JWKS_DB in their environment (other runs use other databases).
std::vector<pid_t> responder_pids() {
  const std::string bin = std::getenv("JWKS_FCGI_BIN"), db = std::string("JWKS_DB=") + std::getenv("JWKS_DB");
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code ec;
    auto exe = std::filesystem::read_symlink(entry.path() / "exe", ec);
    if (ec || exe.string() != bin) continue;
    std::ifstream env(entry.path() / "environ", std::ios::binary);
    std::string var;
    while (std::getline(env, var, '\0')) {
      if (var == db) {
        pids.push_back(static_cast<pid_t>(std::stol(name)));
        break;
      }
    }
  }
  return pids;
}

// True once `pid` has exited (gone, or a zombie whose files are closed).
bool is_dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  std::size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] == 'Z' || line[paren + 2] == 'X';
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(open_mode, FreshClient)

BOOST_AUTO_TEST_CASE(root_answers) {
  HttpResponse get = http("GET", "/");
  BOOST_TEST(get.status == 200);
  BOOST_TEST(get.body == "JWKS Server Running!");
  BOOST_TEST(get.header("content-type").rfind("text/plain", 0) == 0u);
  HttpResponse head = http("HEAD", "/");
  BOOST_TEST(head.status == 200);
  BOOST_TEST(head.body.empty());
}

BOOST_AUTO_TEST_CASE(discovery_and_health) {
  HttpResponse d = http("GET", "/.well-known/openid-configuration");
  BOOST_REQUIRE_EQUAL(d.status, 200);
  auto doc = d.json();
  BOOST_TEST(doc.at("issuer") == base_url());
  BOOST_TEST(doc.at("jwks_uri") == base_url() + "/.well-known/jwks.json");
  BOOST_TEST(doc.at("token_endpoint") == base_url() + "/auth");
  BOOST_TEST(doc.at("id_token_signing_alg_values_supported") == nlohmann::json::array({"RS256"}));
  Token t = get_token("", "", {});
  BOOST_TEST(t.claims.at("iss") == base_url());
  BOOST_TEST(http("GET", "/healthz").json().at("status") == "ok");
  HttpResponse ready = http("GET", "/readyz");
  BOOST_TEST(ready.status == 200);
  BOOST_TEST(ready.json().at("status") == "ready");
}

// Issue 12: "curl -H 'Host: accounts.google.com' -d '' .../auth" got a token
// with that iss. A client's Host chooses neither the token nor discovery.
BOOST_AUTO_TEST_CASE(a_foreign_host_changes_neither_the_token_nor_discovery) {
  const std::string own = http("GET", "/.well-known/openid-configuration").body;
  for (const char* host : {"Host: accounts.google.com", "Host: evil.example:443", "Host: 127.0.0.1:1"}) {
    HttpResponse d = http("GET", "/.well-known/openid-configuration", "", {host});
    BOOST_REQUIRE_EQUAL(d.status, 200);
    BOOST_TEST(d.body == own, host);
    BOOST_TEST(d.json().at("jwks_uri") == base_url() + "/.well-known/jwks.json");
    Token t = get_token("", "", {host});
    BOOST_TEST(t.claims.at("iss") == base_url(), host);
  }
}

BOOST_AUTO_TEST_CASE(jwks_lists_unexpired_rsa_keys) {
  nlohmann::json keys = jwks_keys();
  BOOST_REQUIRE(!keys.empty());
  for (const auto& k : keys) {
    BOOST_TEST(k.at("kty") == "RSA");
    BOOST_TEST(k.at("use") == "sig");
    BOOST_TEST(k.at("alg") == "RS256");
    BOOST_TEST(k.at("kid").is_string());
    BOOST_TEST(jose::base64url_decode(k.at("n").get<std::string>())->size() == 256u);  // RSA-2048
    BOOST_TEST(k.at("e") == "AQAB");
    BOOST_TEST(!k.contains("d"));
  }
  HttpResponse head = http("HEAD", "/.well-known/jwks.json");
  BOOST_TEST(head.status == 200);
  BOOST_TEST(head.body.empty());

  // Conditional GET: the same set gives the same ETag and a bodiless 304.
  HttpResponse full = http("GET", "/.well-known/jwks.json");
  const std::string etag = full.header("etag");
  BOOST_REQUIRE(!etag.empty());
  // Cached for half the pre-publication lead: with-front.sh sets JWKS_PUBLISH_LEAD
  // to 20m (the default, 1h, would give 1800), so this also shows the setting
  // reached the responders through the front.
  BOOST_TEST(full.header("cache-control") == "public, max-age=600, stale-if-error=86400");
  HttpResponse again = http("GET", "/.well-known/jwks.json", "", {"If-None-Match: " + etag});
  BOOST_TEST(again.status == 304);
  BOOST_TEST(again.body.empty());
  BOOST_TEST(again.header("etag") == etag);
  BOOST_TEST(again.header("cache-control") == "public, max-age=600, stale-if-error=86400");
  BOOST_TEST(http("GET", "/.well-known/jwks.json", "", {"If-None-Match: \"stale\""}).status == 200);
}

BOOST_AUTO_TEST_CASE(tokens_verify_against_the_served_jwks) {
  const std::time_t now = std::time(nullptr);
  Token json = get_token("", R"({"username":"alice","password":"x"})", {"Content-Type: application/json"});
  Token form = get_token("", "username=bob&password=y", {"Content-Type: application/x-www-form-urlencoded"});
  Token basic = get_token("", "", {"Authorization: Basic Y2Fyb2w6eg=="});  // carol:z
  Token anonymous = get_token("", "", {});
  nlohmann::json keys = jwks_keys();
  for (const Token* t : {&json, &form, &basic, &anonymous}) {
    BOOST_TEST(t->header.at("alg") == "RS256");
    BOOST_TEST(t->header.at("typ") == "JWT");
    BOOST_TEST(verifies_against_jwks(*t, keys));
    BOOST_TEST(t->claims.at("exp").get<std::int64_t>() > now);
    BOOST_TEST(t->claims.at("iat").get<std::int64_t>() <= now + 5);
  }
  BOOST_TEST(json.claims.at("sub") == "alice");
  BOOST_TEST(form.claims.at("sub") == "bob");
  BOOST_TEST(basic.claims.at("sub") == "carol");
  BOOST_TEST(anonymous.claims.at("sub") == "anonymous");
}

BOOST_AUTO_TEST_CASE(expired_token_kid_is_absent_from_the_jwks) {
  Token expired = get_token("?expired=true", "", {});
  nlohmann::json keys = jwks_keys();
  for (const auto& k : keys) BOOST_TEST(k.at("kid") != expired.header.at("kid"));
  BOOST_TEST(!verifies_against_jwks(expired, keys));
  BOOST_TEST(expired.claims.at("exp").get<std::int64_t>() < std::time(nullptr));
}

BOOST_AUTO_TEST_CASE(method_not_allowed_matrix) {
  for (const char* m : {"GET", "PUT", "DELETE", "PATCH", "HEAD"}) {
    HttpResponse r = http(m, "/auth");
    BOOST_TEST(r.status == 405, m);
    BOOST_TEST(r.header("allow") == "POST", m);
    if (std::string(m) != "HEAD") expect_json_error(r, 405, "method_not_allowed");
  }
  for (const char* m : {"POST", "PUT", "DELETE", "PATCH"}) {
    HttpResponse r = http(m, "/.well-known/jwks.json");
    expect_json_error(r, 405, "method_not_allowed");
    BOOST_TEST(r.header("allow") == "GET, HEAD", m);
  }
}

BOOST_AUTO_TEST_CASE(errors_are_json) {
  expect_json_error(http("GET", "/no/such/path"), 404, "not_found");
  expect_json_error(http("POST", "/auth", "{not json", {"Content-Type: application/json"}), 400, "invalid_request");
  expect_json_error(http("POST", "/auth", "alice", {"Content-Type: text/plain"}), 415, "unsupported_media_type");
  expect_json_error(http("POST", "/auth", "", {"Authorization: Basic %%%"}), 400, "invalid_request");
  expect_json_error(http("POST", "/auth?expired=perhaps"), 400, "invalid_request");
}

BOOST_AUTO_TEST_CASE(oversized_body_is_refused_and_the_server_keeps_answering) {
  std::string big = R"({"username":")" + std::string(20 * 1024, 'a') + R"("})";
  expect_json_error(http("POST", "/auth", big, {"Content-Type: application/json"}), 413, "payload_too_large");
  std::string at_limit = R"({"username":"dave","pad":")" + std::string(16 * 1024 - 40, 'p') + R"("})";
  BOOST_REQUIRE_LE(at_limit.size(), 16u * 1024);
  BOOST_TEST(http("POST", "/auth", at_limit, {"Content-Type: application/json"}).status == 200);
  BOOST_TEST(http("GET", "/").status == 200);
}

BOOST_AUTO_TEST_CASE(private_keys_are_stored_encrypted) {
  int rows = 0, expired = 0;
  for (const auto& [blob, exp] : key_rows()) {
    ++rows;
    BOOST_REQUIRE_GT(blob.size(), 29u);
    BOOST_TEST(blob[0] == 1);  // envelope version, not PEM ('-') nor DER (0x30)
    std::string text(blob.begin(), blob.end());
    BOOST_TEST(text.find("PRIVATE KEY") == std::string::npos);
    if (exp <= std::time(nullptr)) ++expired;
  }
  BOOST_TEST(rows >= 2);
  BOOST_TEST(expired >= 1);  // expired-token mode keeps an expired key
}


BOOST_AUTO_TEST_CASE(register_then_log_in_three_ways) {
  const std::string name = unique("alice-");
  const std::string password = register_user(name, name + "@example.com");
  BOOST_TEST(password.size() == 36u);

  Token json = get_token("", nlohmann::json{{"username", name}, {"password", password}}.dump(),
                         {"Content-Type: application/json"});
  Token form = get_token("", "username=" + name + "&password=" + password,
                         {"Content-Type: application/x-www-form-urlencoded"});
  Token with_basic = get_token("", "", {basic(name, password)});
  for (const Token* t : {&json, &form, &with_basic}) BOOST_TEST(t->claims.at("sub") == name);

  // One auth_logs row per successful login, with the client's address.
  BOOST_TEST(db_count("SELECT count(*) FROM auth_logs a JOIN users u ON u.id = a.user_id WHERE u.username = ?", name) == 3);
  BOOST_TEST(db_count("SELECT count(*) FROM auth_logs WHERE request_ip = ?", g_client) == 3);
  BOOST_TEST(db_count("SELECT count(*) FROM users WHERE username = ? AND last_login IS NOT NULL", name) == 1);
  BOOST_TEST(db_count("SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%' AND username = ?", name) == 1);

  HttpResponse wrong = http("POST", "/auth", "", {basic(name, "wrong-password")});
  expect_json_error(wrong, 401, "invalid_client");
  BOOST_TEST(wrong.header("www-authenticate").rfind("Basic", 0) == 0u);
  BOOST_TEST(wrong.body.find("token") == std::string::npos);
  BOOST_TEST(db_count("SELECT count(*) FROM auth_logs WHERE request_ip = ?", g_client) == 3);
}

BOOST_AUTO_TEST_CASE(registration_errors) {
  const std::string name = unique("bob-");
  register_user(name, name + "@example.com");
  expect_json_error(http("POST", "/register", nlohmann::json{{"username", name}, {"email", "other-" + name + "@example.com"}}.dump(),
                         {"Content-Type: application/json"}),
                    409, "conflict");
  expect_json_error(http("POST", "/register", nlohmann::json{{"username", name + "x"}, {"email", name + "@EXAMPLE.com"}}.dump(),
                         {"Content-Type: application/json"}),
                    409, "conflict");
  expect_json_error(http("POST", "/register", R"({"username":"x"})", {"Content-Type: application/json"}), 400,
                    "invalid_request");
  expect_json_error(http("POST", "/register", R"({"username":"x","email":"nope"})", {"Content-Type: application/json"}),
                    400, "invalid_request");
  expect_json_error(http("POST", "/register", "username=x", {"Content-Type: application/x-www-form-urlencoded"}), 415,
                    "unsupported_media_type");
  expect_json_error(http("GET", "/register"), 405, "method_not_allowed");
}

BOOST_AUTO_TEST_CASE(concurrent_registrations_of_one_name_give_one_201) {
  const std::string name = unique("race-");
  std::vector<long> statuses(20, 0);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    threads.emplace_back([&, i] {
      std::string body = nlohmann::json{{"username", name}, {"email", name + "-" + std::to_string(i) + "@example.com"}}.dump();
      statuses[i] = http("POST", "/register", body, {"Content-Type: application/json"}).status;
    });
  }
  for (auto& t : threads) t.join();
  BOOST_TEST(std::count(statuses.begin(), statuses.end(), 201L) == 1);
  BOOST_TEST(std::count(statuses.begin(), statuses.end(), 409L) == 19);
  BOOST_TEST(db_count("SELECT count(*) FROM users WHERE username = ?", name) == 1);
}

BOOST_AUTO_TEST_CASE(ten_logins_100ms_apart_pass_and_an_eleventh_is_refused) {
  const std::string name = unique("paced-");
  const std::string password = register_user(name, name + "@example.com");
  const std::string body = nlohmann::json{{"username", name}, {"password", password}}.dump();
  // The open-mode runs set JWKS_RATE_LIMIT=10/3s (tests/integration/CMakeLists.txt):
  // ten logins 100 ms apart take about a second, so the eleventh always falls
  // inside the window, even on a loaded sanitizer run, and 429 is the only
  // right answer. (The window's edges are the unit tests', with an injected
  // clock.) The pacing is the behaviour under test: this test really waits.
  using Clock = std::chrono::steady_clock;
  auto next = Clock::now();
  const Clock::time_point first_sent = next;
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_until(next);
    next += std::chrono::milliseconds(100);
    HttpResponse r = http("POST", "/auth", body, {"Content-Type: application/json"});
    BOOST_TEST(r.status == 200, "login " << i << ": " << r.body);
  }
  HttpResponse eleventh = http("POST", "/auth", body, {"Content-Type: application/json"});
  const auto elapsed = Clock::now() - first_sent;
  BOOST_TEST_MESSAGE("eleven logins in " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                                         << " ms");
  BOOST_REQUIRE_MESSAGE(elapsed < std::chrono::seconds(3), "the run took longer than the 3 s window");
  expect_json_error(eleventh, 429, "rate_limited");
  // Whole seconds until the first login leaves the window: 3 s after it, at
  // least a second after the tenth.
  const std::string retry = eleventh.header("retry-after");
  BOOST_TEST((retry == "1" || retry == "2" || retry == "3"), retry);
  // Another address is unaffected, a wrong method does not count, and each
  // admitted login is logged once.
  BOOST_TEST(http("GET", "/auth").status == 405);
  BOOST_TEST(http("POST", "/auth", body, {"Content-Type: application/json", "X-Forwarded-For: 198.51.100.250"}).status == 200);
  BOOST_TEST(db_count("SELECT count(*) FROM auth_logs WHERE request_ip = ?", g_client) == 10);
}

BOOST_AUTO_TEST_CASE(bodies_over_the_front_limit_get_413_without_hanging) {
  // Past lighttpd's own limit (64 KiB), past mod_proxy_fcgi's (64 KiB) and
  // mod_fcgid's (1 MiB): every front answers the contract's JSON 413 (issue
  // 12: they were the fronts' HTML pages), to /auth and /register alike.
  // curl's 20 s timeout would catch a hang.
  for (std::size_t size : {std::size_t{200} * 1024, std::size_t{2} * 1000 * 1000}) {
    for (const char* path : {"/auth", "/register"}) {
      const std::string huge = R"({"username":"x","pad":")" + std::string(size, 'x') + R"("})";
      expect_json_error(http("POST", path, huge, {"Content-Type: application/json"}), 413, "payload_too_large");
    }
  }
  BOOST_TEST(http("GET", "/").status == 200);
}

BOOST_AUTO_TEST_CASE(remote_addr_reaches_the_audit_log) {
  const std::string name = unique("direct-");
  const std::string password = register_user(name, name + "@example.com");
  // No X-Forwarded-For: the address is the front's REMOTE_ADDR.
  Token t = get_token("", "", {basic(name, password), "X-Forwarded-For:"});
  BOOST_TEST(t.claims.at("sub") == name);
  BOOST_TEST(db_count("SELECT count(*) FROM auth_logs a JOIN users u ON u.id = a.user_id "
                      "WHERE a.request_ip = '127.0.0.1' AND u.username = ?", name) == 1);
}

BOOST_AUTO_TEST_CASE(a_killed_responder_is_survived) {
  const char* front = std::getenv("JWKS_FRONT");
  if (front != nullptr && std::string(front) == "cgi") return;  // a process per request: none stays to kill
  BOOST_TEST(http("GET", "/.well-known/jwks.json").status == 200);  // at least one responder is up
  std::vector<pid_t> before = responder_pids();
  BOOST_REQUIRE_MESSAGE(!before.empty(), "no responder process found");
  // with-front.sh fails a run whose responders ended unless a test says it killed them.
  const char* state = std::getenv("JWKS_STATE_DIR");
  BOOST_REQUIRE(state != nullptr);
  std::ofstream(std::string(state) + "/killed", std::ios::app) << before.front() << '\n';
  BOOST_REQUIRE_EQUAL(::kill(before.front(), SIGKILL), 0);
  // kill() returns before the process is gone; until it is a zombie its
  // listening socket still queues connections, which are then reset. Wait for
  // that state change (bounded), not for time.
  for (int i = 0; i < 1000000 && !is_dead(before.front()); ++i) std::this_thread::yield();
  BOOST_REQUIRE(is_dead(before.front()));
  for (int i = 0; i < 10; ++i) {
    BOOST_TEST(http("GET", "/.well-known/jwks.json").status == 200, "request " << i);
    BOOST_TEST(http("POST", "/auth", "", {"Content-Type: application/json"}).status == 200, "request " << i);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// Run against a front started with JWKS_AUTH_MODE=strict.
BOOST_FIXTURE_TEST_SUITE(strict_mode, FreshClient)

BOOST_AUTO_TEST_CASE(only_registered_users_get_tokens) {
  expect_json_error(http("POST", "/auth", R"({"username":"stranger","password":"x"})", {"Content-Type: application/json"}),
                    401, "invalid_client");
  expect_json_error(http("POST", "/auth", "", {}), 401, "invalid_client");
  const std::string name = unique("carol-");
  const std::string password = register_user(name, name + "@example.com");
  Token t = get_token("", "", {basic(name, password)});
  BOOST_TEST(t.claims.at("sub") == name);
  BOOST_TEST(verifies_against_jwks(t, jwks_keys()));
  expect_json_error(http("POST", "/auth", "", {basic(name, "nope")}), 401, "invalid_client");
}

BOOST_AUTO_TEST_SUITE_END()

// /register at its defaults (5 per address per minute; one hashing slot,
// JWKS_REGISTER_CONCURRENCY=1): issue 12's registration flood.
BOOST_FIXTURE_TEST_SUITE(register_limits, FreshClient)

BOOST_AUTO_TEST_CASE(five_registrations_a_minute_per_address_then_429) {
  for (int i = 0; i < 5; ++i) {
    const std::string name = unique("limited-");
    HttpResponse r = http("POST", "/register", R"({"username":")" + name + R"(","email":")" + name + R"(@example.com"})",
                          {"Content-Type: application/json"});
    BOOST_TEST(r.status == 201, "registration " << i << ": " << r.body);
  }
  // A duplicate counts too: it is the flood the limit is for.
  const std::string name = unique("limited-");
  HttpResponse sixth = http("POST", "/register", R"({"username":")" + name + R"(","email":")" + name + R"(@example.com"})",
                            {"Content-Type: application/json"});
  expect_json_error(sixth, 429, "rate_limited");
  const int retry = std::atoi(sixth.header("retry-after").c_str());
  BOOST_TEST((retry >= 1 && retry <= 60), "Retry-After: " << sixth.header("retry-after"));
  BOOST_TEST(db_count("SELECT count(*) FROM users WHERE username = ?", name) == 0);
  // The refusal used no slot of anyone else's, nor of /auth's.
  FreshClient other;
  HttpResponse elsewhere = http("POST", "/register", R"({"username":")" + name + R"(","email":")" + name + R"(@example.com"})",
                                {"Content-Type: application/json"});
  BOOST_TEST(elsewhere.status == 201);
  BOOST_TEST(http("POST", "/auth", "", {"Content-Type: application/json"}).status == 200);
}

BOOST_AUTO_TEST_CASE(a_duplicate_is_a_409_from_each_address_until_its_limit) {
  const std::string name = unique("dup-");
  const std::string body = R"({"username":")" + name + R"(","email":")" + name + R"(@example.com"})";
  BOOST_TEST(http("POST", "/register", body, {"Content-Type: application/json"}).status == 201);
  for (int i = 0; i < 4; ++i)
    expect_json_error(http("POST", "/register", body, {"Content-Type: application/json"}), 409, "conflict");
  expect_json_error(http("POST", "/register", body, {"Content-Type: application/json"}), 429, "rate_limited");
}

BOOST_AUTO_TEST_SUITE_END()

