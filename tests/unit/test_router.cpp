#define BOOST_TEST_MODULE router
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "jwks/http/request.h"
#include "jwks/http/router.h"
#include "jwks/http/client_address.h"
#include "fake_api.h"
#include "stderr_capture.h"

using namespace jwks;
using http::Request;
using http::Response;

namespace {

using test::FakeApi;

Request request(std::string method, std::string path, std::string query = "", std::string body = "",
                std::string content_type = "") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.body = std::move(body);
  if (!content_type.empty()) r.headers["content-type"] = content_type;
  r.remote_addr = "127.0.0.1";
  return r;
}

nlohmann::json body_json(const Response& r) { return nlohmann::json::parse(r.body); }

void expect_json_error(const Response& r, int status, const std::string& error) {
  BOOST_TEST(r.status == status);
  BOOST_TEST(r.header("Content-Type").value_or("") == "application/json");
  auto j = body_json(r);
  BOOST_TEST(j["error"] == error);
  BOOST_TEST(j["error_description"].is_string());
}

}  // namespace

BOOST_AUTO_TEST_CASE(root_and_head) {
  FakeApi api;
  http::Router router(api);
  Response get = router.handle(request("GET", "/"));
  BOOST_TEST(get.status == 200);
  BOOST_TEST(get.body == "JWKS Server Running!");
  BOOST_TEST(get.header("Content-Type").value_or("").starts_with("text/plain"));
  Response head = router.handle(request("HEAD", "/"));
  BOOST_TEST(head.status == 200);
  BOOST_TEST(head.body.empty());
  BOOST_TEST(head.header("Content-Length").value_or("") == "20");
}

BOOST_AUTO_TEST_CASE(jwks_get_and_head) {
  FakeApi api;
  http::Router router(api);
  Response get = router.handle(request("GET", "/.well-known/jwks.json"));
  BOOST_TEST(get.status == 200);
  BOOST_TEST(get.header("Content-Type").value_or("") == "application/json");
  BOOST_TEST(body_json(get)["keys"][0]["kid"] == "1");
  Response head = router.handle(request("HEAD", "/.well-known/jwks.json"));
  BOOST_TEST(head.body.empty());
  BOOST_TEST(head.header("Content-Length").value_or("") == std::to_string(get.body.size()));
}

// Found by the router fuzz target: error answers to HEAD had a body.
BOOST_AUTO_TEST_CASE(head_error_answers_have_no_body) {
  FakeApi api;
  http::Router router(api);
  for (const char* path : {"/no-such-path", "/auth"}) {
    Response get = router.handle(request("GET", path));
    Response head = router.handle(request("HEAD", path));
    BOOST_TEST(head.status == get.status);
    BOOST_TEST(head.status >= 400);
    BOOST_TEST(head.body.empty());
    BOOST_TEST(head.header("Content-Length").value_or("") == std::to_string(get.body.size()));
  }
}

BOOST_AUTO_TEST_CASE(auth_issues_a_token) {
  FakeApi api;
  http::Router router(api);
  Response r = router.handle(request("POST", "/auth", "", R"({"username":"alice","password":"pw"})", "application/json"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(body_json(r)["token"] == "h.p.s");
  BOOST_TEST(r.header("Cache-Control").value_or("") == "no-store");
  BOOST_REQUIRE(api.last_token_request.has_value());
  BOOST_TEST(*api.last_token_request->credentials.username == "alice");
  BOOST_TEST(!api.last_token_request->expired);
  BOOST_TEST(api.last_token_request->client.address == "127.0.0.1");
  BOOST_TEST(api.last_token_request->client.rate_key == "127.0.0.1");

  // No body at all: an anonymous token request in open mode.
  BOOST_TEST(router.handle(request("POST", "/auth")).status == 200);
  BOOST_TEST(!api.last_token_request->credentials.username.has_value());
}

BOOST_AUTO_TEST_CASE(expired_flag) {
  FakeApi api;
  http::Router router(api);
  for (const char* q : {"expired=true", "expired=1", "expired=yes", "expired", "x=1&expired=true"}) {
    BOOST_TEST(router.handle(request("POST", "/auth", q)).status == 200);
    BOOST_TEST(api.last_token_request->expired, q);
  }
  for (const char* q : {"", "expired=false", "expired=0", "expired=no", "expired=true&expired=no", "other=true"}) {
    BOOST_TEST(router.handle(request("POST", "/auth", q)).status == 200);
    BOOST_TEST(!api.last_token_request->expired, q);
  }
  expect_json_error(router.handle(request("POST", "/auth", "expired=maybe")), 400, "invalid_request");
  expect_json_error(router.handle(request("POST", "/auth", "expired=%zz")), 400, "invalid_request");
}

// ?case=NAME: the case reaches the service, and the answer says what a
// verifier must do with the token.
BOOST_AUTO_TEST_CASE(test_cases_are_asked_for_by_name) {
  FakeApi api;
  http::Router router(api);
  for (const service::TestCase& c : service::test_cases()) {
    const std::string name(c.name);
    Response r = router.handle(request("POST", "/auth", "case=" + name));
    BOOST_TEST(r.status == 200, name);
    BOOST_TEST(api.last_token_request->test_case == &c);
    BOOST_TEST(!api.last_token_request->expired);
    const nlohmann::json body = nlohmann::json::parse(r.body);
    BOOST_TEST(body.dump() == nlohmann::json({{"token", "h.p.s"}, {"case", name},
                                              {"expect", c.accept ? "accept" : "reject"}, {"why", c.why}}).dump());
    BOOST_TEST(r.header("Cache-Control").value_or("") == "no-store");
  }
  // A plain request carries no case, and its answer only the token.
  Response plain = router.handle(request("POST", "/auth", "expired=true"));
  BOOST_TEST(api.last_token_request->test_case == nullptr);
  BOOST_TEST(plain.body == R"({"token":"h.p.s"})");
  for (const char* q : {"case=", "case=Valid", "case=normal", "case=valid%20", "case=expired&expired=true",
                        "expired=1&case=valid", "case=valid&case=nope", "case=valid&case=alg-none",
                        "case=valid&case=valid"}) {
    api.last_token_request.reset();
    expect_json_error(router.handle(request("POST", "/auth", q)), 400, "invalid_request");
    BOOST_TEST(!api.last_token_request.has_value(), q);
  }
  // expired=false is no conflict.
  BOOST_TEST(router.handle(request("POST", "/auth", "expired=false&case=alg-none&expired=0")).status == 200);
  BOOST_TEST(api.last_token_request->test_case == service::find_test_case("alg-none"));
}

BOOST_AUTO_TEST_CASE(the_list_of_cases_is_there_only_while_the_kit_is_on) {
  FakeApi api;
  http::Router router(api);
  api.test_cases_json = R"({"cases":[{"case":"valid"}]})";
  Response on = router.handle(request("GET", "/test-cases"));
  BOOST_TEST(on.status == 200);
  BOOST_TEST(on.body == *api.test_cases_json);
  BOOST_TEST(on.header("Content-Type").value_or("") == "application/json");
  Response head = router.handle(request("HEAD", "/test-cases"));
  BOOST_TEST(head.status == 200);
  BOOST_TEST(head.body.empty());
  BOOST_TEST(head.header("Content-Length").value_or("") == std::to_string(on.body.size()));
  Response post = router.handle(request("POST", "/test-cases"));
  BOOST_TEST(post.status == 405);
  BOOST_TEST(post.header("Allow").value_or("") == "GET, HEAD");

  api.test_cases_json.reset();
  for (const char* m : {"GET", "POST", "PUT", "DELETE"})
    expect_json_error(router.handle(request(m, "/test-cases")), 404, "not_found");
  Response head_off = router.handle(request("HEAD", "/test-cases"));
  BOOST_TEST(head_off.status == 404);
  BOOST_TEST(head_off.body.empty());
}

BOOST_AUTO_TEST_CASE(method_not_allowed_matrix) {
  FakeApi api;
  http::Router router(api);
  for (const char* m : {"GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get"}) {
    Response r = router.handle(request(m, "/auth"));
    BOOST_TEST(r.status == 405, m);
    BOOST_TEST(r.header("Allow").value_or("") == "POST");
    if (std::string(m) != "HEAD") expect_json_error(r, 405, "method_not_allowed");
  }
  for (const char* m : {"GET", "PUT", "DELETE", "HEAD"}) {
    Response r = router.handle(request(m, "/register"));
    BOOST_TEST(r.status == 405, m);
    BOOST_TEST(r.header("Allow").value_or("") == "POST");
  }
  for (const char* path : {"/", "/.well-known/jwks.json"}) {
    for (const char* m : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
      Response r = router.handle(request(m, path));
      expect_json_error(r, 405, "method_not_allowed");
      BOOST_TEST(r.header("Allow").value_or("") == "GET, HEAD");
    }
  }
  BOOST_TEST(api.jwks_calls == 0);
  BOOST_TEST(!api.last_token_request.has_value());
}

BOOST_AUTO_TEST_CASE(unknown_paths) {
  FakeApi api;
  http::Router router(api);
  for (const char* p : {"/nope", "/auth/", "/.well-known/jwks.json/x", "/.WELL-KNOWN/jwks.json", "", "/%2e%2e/etc"})
    expect_json_error(router.handle(request("GET", p)), 404, "not_found");
}

BOOST_AUTO_TEST_CASE(bad_bodies) {
  FakeApi api;
  http::Router router(api);
  expect_json_error(router.handle(request("POST", "/auth", "", "{", "application/json")), 400, "invalid_request");
  expect_json_error(router.handle(request("POST", "/auth", "", R"({"username":7})", "application/json")), 400,
                    "invalid_request");
  expect_json_error(router.handle(request("POST", "/auth", "", "alice", "text/plain")), 415, "unsupported_media_type");
  Request basic = request("POST", "/auth");
  basic.headers["authorization"] = "Basic ###";
  expect_json_error(router.handle(basic), 400, "invalid_request");
  BOOST_TEST(!api.last_token_request.has_value());

  Request big = request("POST", "/auth");
  big.body_too_large = true;
  expect_json_error(router.handle(big), 413, "payload_too_large");
}

BOOST_AUTO_TEST_CASE(service_errors_map_to_statuses_without_details) {
  FakeApi api;
  http::Router router(api);
  api.fail_with = service::ServiceError{service::ErrorCode::kUnavailable, "the key store is unavailable",
                                        "database is locked: /secret/path.db"};
  Response busy = router.handle(request("GET", "/.well-known/jwks.json"));
  expect_json_error(busy, 503, "temporarily_unavailable");
  BOOST_TEST(busy.header("Retry-After").has_value());
  BOOST_TEST(busy.body.find("/secret/path.db") == std::string::npos);

  api.fail_with = service::ServiceError{service::ErrorCode::kInternal, "x", "key 3: authentication failed"};
  Response internal = router.handle(request("POST", "/auth"));
  expect_json_error(internal, 500, "server_error");
  BOOST_TEST(internal.body.find("key 3") == std::string::npos);

  api.fail_with = service::ServiceError{service::ErrorCode::kUnauthorized, "invalid username or password", ""};
  Response unauthorized = router.handle(request("POST", "/auth"));
  expect_json_error(unauthorized, 401, "invalid_client");
  BOOST_TEST(unauthorized.header("WWW-Authenticate").value_or("").starts_with("Basic"));

  api.fail_with = service::ServiceError{service::ErrorCode::kInvalidRequest, "expired tokens are disabled", ""};
  expect_json_error(router.handle(request("POST", "/auth", "expired=true")), 400, "invalid_request");
}

BOOST_AUTO_TEST_CASE(request_from_fastcgi_params) {
  const char* params[] = {"REQUEST_METHOD=POST",
                          "REQUEST_URI=/auth?expired=true&x=a=b",
                          "SCRIPT_NAME=/auth",
                          "REMOTE_ADDR=127.0.0.9",
                          "CONTENT_TYPE=application/json",
                          "CONTENT_LENGTH=2",
                          "HTTP_AUTHORIZATION=Basic abc",
                          "HTTP_X_FORWARDED_FOR=10.0.0.1",
                          "NOEQUALS",
                          nullptr};
  Request r = http::request_from_params(std::span<const char* const>(params, 9), "{}");
  BOOST_TEST(r.method == "POST");
  BOOST_TEST(r.path == "/auth");
  BOOST_TEST(r.query == "expired=true&x=a=b");
  BOOST_TEST(r.remote_addr == "127.0.0.9");
  BOOST_TEST(r.header("content-type").value_or("") == "application/json");
  BOOST_TEST(r.header("content-length").value_or("") == "2");
  BOOST_TEST(r.header("authorization").value_or("") == "Basic abc");
  BOOST_TEST(r.header("x-forwarded-for").value_or("") == "10.0.0.1");
  BOOST_TEST(r.body == "{}");
}

// The parameters end at a null entry (an environ-style array), and TLS is
// told by HTTPS=on or 1 or REQUEST_SCHEME=https, never undone by a later one.
BOOST_AUTO_TEST_CASE(request_params_end_at_null_and_name_tls_several_ways) {
  const char* params[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/healthz", nullptr, "REQUEST_METHOD=POST"};
  Request r = http::request_from_params(params, "");
  BOOST_TEST(r.method == "GET");
  BOOST_TEST(r.path == "/healthz");
  BOOST_TEST(r.query.empty());
  BOOST_TEST(!r.https);
  const std::pair<std::vector<const char*>, bool> cases[] = {
      {{"HTTPS=on"}, true},
      {{"HTTPS=1"}, true},
      {{"REQUEST_SCHEME=https"}, true},
      {{"HTTPS=on", "HTTPS=off"}, true},
      {{"REQUEST_SCHEME=https", "HTTPS=off"}, true},
      {{"HTTPS=on", "REQUEST_SCHEME=http"}, true},
      {{"HTTPS=off"}, false},
      {{"HTTPS=ON"}, false},
      {{"REQUEST_SCHEME=http"}, false},
      {{"REQUEST_SCHEME=HTTPS"}, false},
  };
  for (const auto& [tls, https] : cases) {
    BOOST_TEST(http::request_from_params(tls, "").https == https, tls.front() << " (" << tls.size() << ")");
  }
}

// "X_Forwarded_For" also arrives as HTTP_X_FORWARDED_FOR: a client could add
// its own after the proxy's. Seen twice, the header is believed in neither
// form, and from a trusted proxy the request is refused: the proxy's own
// address would merge every client behind it into one budget.
BOOST_AUTO_TEST_CASE(a_forwarded_for_given_twice_is_refused_from_a_proxy) {
  const char* params[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/auth", "REMOTE_ADDR=127.0.0.1",
                          "HTTP_X_FORWARDED_FOR=203.0.113.5", "HTTP_X_FORWARDED_FOR=198.51.100.99"};
  Request r = http::request_from_params(params, "");
  BOOST_TEST(!r.header("x-forwarded-for").has_value());
  BOOST_TEST(r.forwarded_twice);
  http::ClientAddressPolicy policy{{*util::parse_ip_network("127.0.0.1")}, 64};
  BOOST_TEST(!http::client_address(r, policy).ok());
  BOOST_TEST(http::client_address(r, {})->address == "127.0.0.1");  // not from a proxy: REMOTE_ADDR
}

BOOST_AUTO_TEST_CASE(register_returns_201_with_the_password) {
  FakeApi api;
  http::Router router(api);
  Response r = router.handle(
      request("POST", "/register", "", R"({"username":"alice","email":"alice@example.com"})", "application/json"));
  BOOST_TEST(r.status == 201);
  BOOST_TEST(body_json(r)["password"] == "0b7e8a2c-1f4d-4c3b-9a6e-2d5f8c9b1a70");
  BOOST_TEST(r.header("Cache-Control").value_or("") == "no-store");
  BOOST_REQUIRE(api.last_register_request.has_value());
  BOOST_TEST(api.last_register_request->registration.username == "alice");
  BOOST_TEST(api.last_register_request->registration.email == "alice@example.com");
}

BOOST_AUTO_TEST_CASE(register_rejects_malformed_input) {
  FakeApi api;
  http::Router router(api);
  auto reg = [&](const std::string& body, const std::string& type = "application/json") {
    return router.handle(request("POST", "/register", "", body, type));
  };
  for (const char* body : {"", "{", "[]", "\"alice\"", R"({"username":"alice"})", R"({"email":"a@b.co"})",
                           R"({"username":1,"email":"a@b.co"})", R"({"username":"alice","email":null})",
                           R"({"username":"","email":"a@b.co"})", R"({"username":"alice","email":"not-an-email"})",
                           R"({"username":"alice","email":"a@b"})", R"({"username":"alice","email":"a b@c.com"})",
                           R"({"username":"al\nice","email":"a@b.co"})"})
    expect_json_error(reg(body), 400, "invalid_request");
  expect_json_error(reg("username=alice&email=a@b.co", "application/x-www-form-urlencoded"), 415,
                    "unsupported_media_type");
  BOOST_TEST(!api.last_register_request.has_value());
}

BOOST_AUTO_TEST_CASE(conflict_and_rate_limit_statuses) {
  FakeApi api;
  http::Router router(api);
  api.fail_with = service::ServiceError{service::ErrorCode::kConflict, "username is already taken", ""};
  expect_json_error(router.handle(request("POST", "/register", "", R"({"username":"a","email":"a@b.co"})",
                                          "application/json")),
                    409, "conflict");
  api.fail_with = service::ServiceError{service::ErrorCode::kRateLimited, "too many", "", 3};
  Response r = router.handle(request("POST", "/auth"));
  expect_json_error(r, 429, "rate_limited");
  BOOST_TEST(r.header("Retry-After").value_or("") == "3");
}

http::ClientAddressPolicy trusting(std::vector<std::string> networks, int ipv6_prefix = 64) {
  http::ClientAddressPolicy p;
  for (const auto& n : networks) p.trusted_proxies.push_back(*util::parse_ip_network(n));
  p.ipv6_prefix = ipv6_prefix;
  return p;
}

BOOST_AUTO_TEST_CASE(forwarded_for_is_believed_only_from_trusted_proxies) {
  FakeApi api;
  Request r = request("POST", "/auth");
  r.headers["x-forwarded-for"] = "203.0.113.7, 10.0.0.2";
  http::Router untrusting(api);
  untrusting.handle(r);
  BOOST_TEST(api.last_token_request->client.address == "127.0.0.1");

  http::Router trusting_router(api, trusting({"127.0.0.1", "10.0.0.2"}));
  trusting_router.handle(r);
  BOOST_TEST(api.last_token_request->client.address == "203.0.113.7");  // right-most untrusted hop

  // A value that is not an address is refused: keying by the proxy would put
  // everyone behind it in one budget.
  api.last_token_request.reset();
  r.headers["x-forwarded-for"] = "garbage, 10.0.0.2";
  expect_json_error(trusting_router.handle(r), 400, "invalid_request");
  BOOST_TEST(!api.last_token_request.has_value());
}

// Issue 12: addresses compared as text let one client drain a proxy's
// budget, or get a fresh one per spelling.
BOOST_AUTO_TEST_CASE(client_addresses_are_canonical) {
  const auto policy = trusting({"127.0.0.1", "10.0.0.0/8", "2001:db8:ffff::/48"});
  auto client = [&](std::string remote, std::optional<std::string> xff) {
    Request r = request("POST", "/auth");
    r.remote_addr = std::move(remote);
    if (xff) r.headers["x-forwarded-for"] = *xff;
    auto c = http::client_address(r, policy);
    BOOST_REQUIRE_MESSAGE(c.ok(), "refused: " << (c.ok() ? "" : c.error()));
    return c.value();
  };
  // Ports and brackets, as proxies write them, name the same client.
  for (const char* hop : {"1.1.1.1", "1.1.1.1:5000", " 1.1.1.1 ", "::ffff:1.1.1.1", "[::ffff:1.1.1.1]:80"}) {
    BOOST_TEST(client("127.0.0.1", std::string(hop)).address == "1.1.1.1", hop);
    BOOST_TEST(client("127.0.0.1", std::string(hop)).rate_key == "1.1.1.1", hop);
  }
  // Twelve spellings of one IPv6 address are one client.
  for (const char* hop : {"2001:db8::1", "2001:DB8::1", "2001:0db8::1", "2001:db8:0::1", "2001:db8:0:0::1",
                          "2001:db8::0:1", "2001:0db8:0000:0000:0000:0000:0000:0001", "[2001:db8::1]",
                          "[2001:db8::1]:443", "2001:db8::1%eth0", "[2001:DB8:0::1]:8443", "2001:db8:0:0:0:0:0:1"}) {
    const service::Client c = client("127.0.0.1", std::string(hop));
    BOOST_TEST(c.address == "2001:db8::1", hop);
    BOOST_TEST(c.rate_key == "2001:db8::/64", hop);
  }
  // IPv6 clients are counted by their /64 (configurable): one who owns a
  // /64 has one budget, a neighbour in the next /64 another.
  BOOST_TEST(client("2001:db8:1:2::abcd", std::nullopt).rate_key == "2001:db8:1:2::/64");
  BOOST_TEST(client("2001:db8:1:2:ffff:ffff:ffff:ffff", std::nullopt).rate_key == "2001:db8:1:2::/64");
  BOOST_TEST(client("2001:db8:1:3::1", std::nullopt).rate_key == "2001:db8:1:3::/64");
  BOOST_TEST(client("2001:db8:1:2::abcd", std::nullopt).address == "2001:db8:1:2::abcd");  // auth_logs: the address
  {
    Request r = request("POST", "/auth");
    r.remote_addr = "2001:db8:1:2::abcd";
    BOOST_TEST(http::client_address(r, trusting({}, 48))->rate_key == "2001:db8:1::/48");
    BOOST_TEST(http::client_address(r, trusting({}, 128))->rate_key == "2001:db8:1:2::abcd");
  }
  // The unspecified IPv6 address is an address (a fuzzer's find: "::" has no
  // digit); its spellings are one client.
  for (const char* hop : {"::", "[::]", "0::0", "::0"}) {
    BOOST_TEST(client("127.0.0.1", std::string(hop)).address == "::", hop);
    BOOST_TEST(client("127.0.0.1", std::string(hop)).rate_key == "::/64", hop);
  }
  // REMOTE_ADDR is canonical too: an IPv4-mapped peer is its IPv4 address.
  BOOST_TEST(client("::ffff:5.6.7.8", std::nullopt).address == "5.6.7.8");
  BOOST_TEST(client("::ffff:5.6.7.8", std::nullopt).rate_key == client("5.6.7.8", std::nullopt).rate_key);
  // Trusted proxies match by range and in any spelling.
  BOOST_TEST(client("10.20.30.40", std::string("198.51.100.1")).address == "198.51.100.1");
  BOOST_TEST(client("::ffff:10.20.30.40", std::string("198.51.100.1")).address == "198.51.100.1");
  BOOST_TEST(client("2001:db8:ffff:1::9", std::string("198.51.100.1")).address == "198.51.100.1");
  BOOST_TEST(client("11.0.0.1", std::string("198.51.100.1")).address == "11.0.0.1");  // not trusted
  // The right-most untrusted hop, skipping trusted ones; all trusted: the left-most.
  BOOST_TEST(client("127.0.0.1", std::string("198.51.100.1, 203.0.113.9, 10.1.1.1")).address == "203.0.113.9");
  BOOST_TEST(client("127.0.0.1", std::string("10.1.1.2, 10.1.1.1")).address == "10.1.1.2");
  BOOST_TEST(client("127.0.0.1", std::string(" , 203.0.113.9,")).address == "203.0.113.9");
  // Nothing but empty items: no hop is named, so the proxy itself is the client.
  BOOST_TEST(client("10.9.9.9", std::string(" , ,")).address == "10.9.9.9");
  BOOST_TEST(client("10.9.9.9", std::string("")).address == "10.9.9.9");
  // A front that gives no address (a unix socket) is one "unknown" client.
  BOOST_TEST(client("", std::nullopt).address == "unknown");
  BOOST_TEST(client("unix:", std::nullopt).rate_key == "unknown");
}

BOOST_AUTO_TEST_CASE(unparseable_forwarded_values_are_refused) {
  FakeApi api;
  http::Router router(api, trusting({"127.0.0.1"}));
  for (const char* xff : {"unknown", "evil.example", "1.1.1.1.1", "1.1.1", "[2001:db8::1", "2001:db8::1]:80",
                          "1.1.1.1:port", "1.1.1.1, garbage", "_hidden", "300.1.1.1"}) {
    for (const char* path : {"/auth", "/register"}) {
      Request r = request("POST", path, "", R"({"username":"u","email":"u@example.com"})", "application/json");
      r.headers["x-forwarded-for"] = xff;
      api.last_token_request.reset();
      api.last_register_request.reset();
      expect_json_error(router.handle(r), 400, "invalid_request");
      BOOST_TEST(!api.last_token_request.has_value(), xff);
      BOOST_TEST(!api.last_register_request.has_value(), xff);
    }
  }
}

BOOST_AUTO_TEST_CASE(discovery_health_and_readiness) {
  FakeApi api;
  http::Router router(api);
  Request disc = request("GET", "/.well-known/openid-configuration");
  disc.headers["host"] = "accounts.google.com";
  disc.server_addr = "127.0.0.1";
  disc.server_port = "8443";
  disc.https = true;
  Response d = router.handle(disc);
  BOOST_TEST(d.status == 200);
  BOOST_TEST(*api.last_origin == "https://127.0.0.1:8443");  // the front's socket, not Host
  BOOST_TEST(!d.header("Vary").has_value());                 // the document no longer depends on Host

  Response h = router.handle(request("GET", "/healthz"));
  BOOST_TEST(h.status == 200);
  BOOST_TEST(body_json(h)["status"] == "ok");
  BOOST_TEST(router.handle(request("GET", "/readyz")).status == 200);
  api.fail_with = service::ServiceError{service::ErrorCode::kUnavailable, "the signing key cannot be decrypted", "x"};
  expect_json_error(router.handle(request("GET", "/readyz")), 503, "temporarily_unavailable");
  for (const char* p : {"/healthz", "/readyz", "/.well-known/openid-configuration"}) {
    Response r = router.handle(request("POST", p));
    BOOST_TEST(r.status == 405);
    BOOST_TEST(r.header("Allow").value_or("") == "GET, HEAD");
  }
}

// Issue 12: a client must never choose iss. Without JWKS_ISSUER the only
// default is the front's own loopback socket, from SERVER_ADDR/SERVER_PORT.
BOOST_AUTO_TEST_CASE(loopback_origin_comes_from_the_socket_never_from_host) {
  Request r = request("GET", "/");
  r.server_addr = "127.0.0.1";
  r.server_port = "8080";
  for (const char* host : {"accounts.google.com", "127.0.0.1:8080", "evil.com:80", ""}) {
    r.headers["host"] = host;
    BOOST_TEST(*http::loopback_origin(r) == "http://127.0.0.1:8080", host);
  }
  r.server_port = "80";
  BOOST_TEST(*http::loopback_origin(r) == "http://127.0.0.1");
  r.server_addr = "::1";
  r.server_port = "9000";
  BOOST_TEST(*http::loopback_origin(r) == "http://[::1]:9000");
  r.server_addr = "::ffff:127.0.0.2";
  BOOST_TEST(*http::loopback_origin(r) == "http://127.0.0.2:9000");
  for (const char* addr : {"192.0.2.1", "10.0.0.1", "2001:db8::1", "", "localhost", "128.0.0.1"}) {
    r.server_addr = addr;
    BOOST_TEST(!http::loopback_origin(r).has_value(), addr);
  }
  r.server_addr = "127.0.0.1";
  for (const char* port : {"80a", "123456", "-80", " 80"}) {
    r.server_port = port;
    BOOST_TEST(!http::loopback_origin(r).has_value(), port);
  }
  r.server_port = "";
  BOOST_TEST(*http::loopback_origin(r) == "http://127.0.0.1");  // no port given: the scheme's own
  // Over TLS, 443 is the default and 80 is not.
  r.https = true;
  r.server_port = "80";
  BOOST_TEST(*http::loopback_origin(r) == "https://127.0.0.1:80");
  r.server_addr = "::1";
  r.server_port = "443";
  BOOST_TEST(*http::loopback_origin(r) == "https://[::1]");
  const char* params[] = {"HTTPS=on", "SERVER_ADDR=127.0.0.1", "SERVER_PORT=443", "REQUEST_METHOD=GET",
                          "REQUEST_URI=/", "HTTP_HOST=evil.example"};
  Request tls = http::request_from_params(params, "");
  BOOST_TEST(*http::loopback_origin(tls) == "https://127.0.0.1");
}

BOOST_AUTO_TEST_CASE(jwks_etag_and_304) {
  FakeApi api;
  http::Router router(api);
  Response first = router.handle(request("GET", "/.well-known/jwks.json"));
  BOOST_TEST(!api.asked_etag);  // nothing to compare: the document is built
  BOOST_TEST(first.header("ETag").value_or("") == "\"abc\"");
  // max-age comes from the key schedule (half the pre-publication lead).
  BOOST_TEST(first.header("Cache-Control").value_or("") == "public, max-age=1800, stale-if-error=86400");
  // The service answers "not modified" itself (no document built), or, if it
  // built one anyway (a static export to keep current), the router compares.
  for (bool service_compares : {true, false}) {
  api.answer_not_modified = service_compares;
  for (const char* inm : {"\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*"}) {
    Request r = request("GET", "/.well-known/jwks.json");
    r.headers["if-none-match"] = inm;
    Response not_modified = router.handle(r);
    BOOST_TEST(api.asked_etag);
    BOOST_TEST(not_modified.status == 304, inm);
    BOOST_TEST(not_modified.body.empty());
    BOOST_TEST(not_modified.header("ETag").value_or("") == "\"abc\"");
    BOOST_TEST(not_modified.header("Cache-Control").value_or("") == "public, max-age=1800, stale-if-error=86400");
  }
  for (const char* inm : {"\"abd\"", "abc", "", "\"ab\""}) {
    Request r = request("GET", "/.well-known/jwks.json");
    r.headers["if-none-match"] = inm;
    Response full = router.handle(r);
    BOOST_TEST(full.status == 200, inm);
    BOOST_TEST(full.body == R"({"keys":[{"kid":"1"}]})", inm);
  }
  }
}

// A HEAD that revalidates gets a 304 like GET does, and a 304 has no body to
// give a length of: no "Content-Length: 0" (RFC 9110 §8.6).
BOOST_AUTO_TEST_CASE(head_304_has_no_content_length) {
  FakeApi api;
  http::Router router(api);
  Request r = request("HEAD", "/.well-known/jwks.json");
  r.headers["if-none-match"] = "\"abc\"";
  Response not_modified = router.handle(r);
  BOOST_TEST(not_modified.status == 304);
  BOOST_TEST(not_modified.body.empty());
  BOOST_TEST(!not_modified.header("Content-Length").has_value());
  BOOST_TEST(not_modified.header("ETag").value_or("") == "\"abc\"");
}

// Issue 12: refusals the fronts make themselves (a body over their limit, a
// POST without a length) were their HTML pages. Their error handlers hand
// them to the responder (REDIRECT_STATUS), which answers in the JSON shape.
BOOST_AUTO_TEST_CASE(front_refusals_get_the_json_shape) {
  FakeApi api;
  http::Router router(api);
  const std::pair<int, const char*> cases[] = {{413, "payload_too_large"},
                                               {411, "length_required"},
                                               {400, "invalid_request"},
                                               {414, "uri_too_long"},
                                               {431, "request_header_fields_too_large"},
                                               {500, "server_error"},
                                               {503, "temporarily_unavailable"},
                                               {418, "invalid_request"}};
  for (const auto& [status, error] : cases) {
    // A POST with a valid registration: only the front's status decides.
    const std::string redirect = "REDIRECT_STATUS=" + std::to_string(status);
    const char* params[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/register", "CONTENT_TYPE=application/json",
                            redirect.c_str()};
    Request r = http::request_from_params(params, R"({"username":"u","email":"u@example.com"})");
    BOOST_TEST(r.front_status == status);
    Response answer = router.handle(r);
    expect_json_error(answer, status, error);
    BOOST_TEST(!api.last_register_request.has_value());  // nothing reached the use cases
  }
  {
    const char* params[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/register", "CONTENT_TYPE=application/json"};
    BOOST_TEST(router.handle(http::request_from_params(params, R"({"username":"u","email":"u@example.com"})")).status ==
               201);  // the same request without the front's status reaches them
    BOOST_TEST(api.last_register_request.has_value());
  }
  // REDIRECT_STATUS=200 is what lighttpd sets on every ordinary request.
  const char* ordinary[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/", "REDIRECT_STATUS=200"};
  Request ok = http::request_from_params(ordinary, "");
  BOOST_TEST(ok.front_status == 0);
  BOOST_TEST(router.handle(ok).status == 200);
  for (const char* junk : {"REDIRECT_STATUS=413x", "REDIRECT_STATUS=", "REDIRECT_STATUS=99999", "REDIRECT_STATUS=302"}) {
    const char* params[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/", junk};
    BOOST_TEST(http::request_from_params(params, "").front_status == 0, junk);
  }
  // The 5xx answers say when to retry, but for 500; a HEAD gets no body.
  const char* head[] = {"REQUEST_METHOD=HEAD", "REQUEST_URI=/auth", "REDIRECT_STATUS=503"};
  Response h = router.handle(http::request_from_params(head, ""));
  BOOST_TEST(h.status == 503);
  BOOST_TEST(h.body.empty());
  BOOST_TEST(h.header("Retry-After").value_or("") == "1");
}

// Apache serves its own refusals from static files (errors/, so no answer
// waits for an unread body), and lighttpd falls back to them when its error
// handler cannot reach a responder: each must be exactly what the responder
// answers for that status.
BOOST_AUTO_TEST_CASE(apache_error_documents_match_the_responder) {
  FakeApi api;
  http::Router router(api);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(JWKS_SOURCE_DIR) + "/errors")) {
    BOOST_TEST(entry.path().extension() == ".html");  // lighttpd's server.errorfile-prefix adds ".html"
    const int status = std::stoi(entry.path().stem().string());
    std::ifstream in(entry.path());
    const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Request r = request("GET", "/");
    r.front_status = status;
    BOOST_TEST(file == router.handle(r).body + "\n", entry.path().filename().string());
    ++files;
  }
  BOOST_TEST(files == 15);
  // Every status an ErrorDocument line names has its file, and the reverse.
  std::ifstream conf(std::string(JWKS_SOURCE_DIR) + "/apache/jwks-fcgi-errors.conf");
  int documents = 0;
  for (std::string line; std::getline(conf, line);) {
    if (line.rfind("ErrorDocument ", 0) != 0) continue;
    ++documents;
    const std::string status = line.substr(14, 3);
    BOOST_TEST(line == "ErrorDocument " + status + " /.jwks-fcgi/errors/" + status + ".html");
    BOOST_TEST(std::filesystem::exists(std::string(JWKS_SOURCE_DIR) + "/errors/" + status + ".html"));
  }
  BOOST_TEST(documents == files);
}

// Setting a header again replaces it, whatever the case of its name: an
// answer never carries two Content-Types.
BOOST_AUTO_TEST_CASE(set_header_replaces_a_header_in_any_case) {
  Response r;
  r.set_header("Content-Type", "text/plain");
  r.set_header("Cache-Control", "no-store");
  r.set_header("content-type", "application/json");
  BOOST_TEST(r.headers.size() == 2u);
  BOOST_TEST(r.headers[0].first == "Content-Type");  // the first spelling and place stay
  BOOST_TEST(r.header("CONTENT-TYPE").value_or("") == "application/json");
  BOOST_TEST(r.header("Cache-Control").value_or("") == "no-store");
  BOOST_TEST(!r.header("Content-Typ").has_value());
  BOOST_TEST(!r.header("Content-Types").has_value());
}

namespace {

// An Api whose every call throws, as a broken invariant below the router
// would: the router's last line of defence must still answer.
class ThrowingApi final : public service::Api {
 public:
  [[noreturn]] static void fail() { throw std::runtime_error("invariant broken: /secret/path.db row 7"); }
  util::Result<service::JwksDocument, service::ServiceError> jwks(const service::ClientHasEtag&) override { fail(); }
  util::Result<std::string, service::ServiceError> issue_token(const service::TokenRequest&) override { fail(); }
  util::Result<std::string, service::ServiceError> register_user(const service::RegisterRequest&) override { fail(); }
  util::Result<std::string, service::ServiceError> discovery(const std::optional<std::string>&) override { fail(); }
  util::Result<std::string, service::ServiceError> readiness(const std::optional<std::string>&) override { fail(); }
  std::optional<std::string> test_cases() override { fail(); }
};

}  // namespace

// An exception from a use case is a 500 in the JSON shape with a generic
// message; the detail goes to the log only.
BOOST_AUTO_TEST_CASE(an_exception_below_the_router_is_a_generic_500) {
  ThrowingApi api;
  http::Router router(api);
  const std::pair<const char*, const char*> routes[] = {{"GET", "/.well-known/jwks.json"},
                                                        {"GET", "/.well-known/openid-configuration"},
                                                        {"GET", "/readyz"},
                                                        {"POST", "/auth"},
                                                        {"POST", "/register"},
                                                        {"GET", "/test-cases"}};
  for (const auto& [method, path] : routes) {
    Response r;
    const std::string log = test::capture_stderr([&] {
      r = router.handle(request(method, path, "", R"({"username":"u","email":"u@example.com"})", "application/json"));
    });
    expect_json_error(r, 500, "server_error");
    BOOST_TEST(body_json(r)["error_description"] == "internal server error", path);
    BOOST_TEST(r.body.find("secret") == std::string::npos, path);
    BOOST_TEST(log.find("error: unhandled exception: invariant broken: /secret/path.db row 7") != std::string::npos,
               path);
  }
  // What needs no use case still answers.
  BOOST_TEST(router.handle(request("GET", "/healthz")).status == 200);
}

// The endpoints that have no client address of their own to log (no
// X-Forwarded-For parsing) name the peer in the log line, "unknown" when the
// front gave none (a unix socket).
BOOST_AUTO_TEST_CASE(service_failures_on_get_endpoints_log_the_peer) {
  FakeApi api;
  http::Router router(api);
  api.fail_with = service::ServiceError{service::ErrorCode::kUnavailable, "the key store is unavailable",
                                        "database is locked"};
  for (const char* path : {"/.well-known/jwks.json", "/.well-known/openid-configuration", "/readyz"}) {
    for (const auto& [remote, named] : {std::pair{"::ffff:192.0.2.7", "192.0.2.7"}, std::pair{"unix:", "unknown"}}) {
      Request get = request("GET", path);
      get.remote_addr = remote;
      Response r;
      const std::string log = test::capture_stderr([&] { r = router.handle(get); });
      expect_json_error(r, 503, "temporarily_unavailable");
      BOOST_TEST(r.header("Retry-After").value_or("") == "1");
      BOOST_TEST(log.find(std::string("503 for ") + named + ": database is locked") != std::string::npos,
                 path << " from " << remote);
    }
  }
}
