#define BOOST_TEST_MODULE router
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "jwks/http/request.h"
#include "jwks/http/router.h"
#include "jwks/http/client_address.h"

using namespace jwks;
using http::Request;
using http::Response;

namespace {

// Records what the router asked for and answers as configured.
class FakeApi final : public service::Api {
 public:
  std::optional<service::ServiceError> fail_with;
  bool allow_expired = true;
  std::optional<service::TokenRequest> last_token_request;
  int jwks_calls = 0;

  util::Result<service::JwksDocument, service::ServiceError> jwks() override {
    ++jwks_calls;
    if (fail_with) return util::fail(*fail_with);
    return service::JwksDocument{R"({"keys":[{"kid":"1"}]})", "\"abc\"", 1800};
  }
  util::Result<std::string, service::ServiceError> issue_token(const service::TokenRequest& r) override {
    last_token_request = r;
    if (fail_with) return util::fail(*fail_with);
    return std::string("h.p.s");
  }
  util::Result<std::string, service::ServiceError> register_user(const service::RegisterRequest& r) override {
    last_register_request = r;
    if (fail_with) return util::fail(*fail_with);
    return std::string("0b7e8a2c-1f4d-4c3b-9a6e-2d5f8c9b1a70");
  }
  util::Result<std::string, service::ServiceError> discovery(const std::string& base_url) override {
    last_base_url = base_url;
    return std::string(R"({"issuer":")") + base_url + "\"}";
  }
  util::Result<std::string, service::ServiceError> readiness() override {
    if (fail_with) return util::fail(*fail_with);
    return std::string(R"({"status":"ready"})");
  }
  bool expired_tokens_allowed() const override { return allow_expired; }
  std::optional<service::RegisterRequest> last_register_request;
  std::string last_base_url;
};

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
  BOOST_TEST(api.last_token_request->client_addr == "127.0.0.1");

  // No body at all: an anonymous token request in open mode.
  BOOST_TEST(router.handle(request("POST", "/auth")).status == 200);
  BOOST_TEST(!api.last_token_request->credentials.username.has_value());
}

BOOST_AUTO_TEST_CASE(expired_flag) {
  FakeApi api;
  http::Router router(api);
  for (const char* q : {"expired=true", "expired=1", "expired", "x=1&expired=true"}) {
    BOOST_TEST(router.handle(request("POST", "/auth", q)).status == 200);
    BOOST_TEST(api.last_token_request->expired, q);
  }
  for (const char* q : {"", "expired=false", "expired=0", "other=true"}) {
    BOOST_TEST(router.handle(request("POST", "/auth", q)).status == 200);
    BOOST_TEST(!api.last_token_request->expired, q);
  }
  expect_json_error(router.handle(request("POST", "/auth", "expired=maybe")), 400, "invalid_request");
  expect_json_error(router.handle(request("POST", "/auth", "expired=%zz")), 400, "invalid_request");
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

// "X_Forwarded_For" also arrives as HTTP_X_FORWARDED_FOR: a client could add
// its own after the proxy's. Seen twice, the header is believed in neither form.
BOOST_AUTO_TEST_CASE(a_forwarded_for_given_twice_is_dropped) {
  const char* params[] = {"REQUEST_METHOD=POST", "REQUEST_URI=/auth", "REMOTE_ADDR=127.0.0.1",
                          "HTTP_X_FORWARDED_FOR=203.0.113.5", "HTTP_X_FORWARDED_FOR=198.51.100.99"};
  Request r = http::request_from_params(params, "");
  BOOST_TEST(!r.header("x-forwarded-for").has_value());
  BOOST_TEST(http::client_address(r, {"127.0.0.1"}) == "127.0.0.1");
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

BOOST_AUTO_TEST_CASE(forwarded_for_is_believed_only_from_trusted_proxies) {
  FakeApi api;
  Request r = request("POST", "/auth");
  r.headers["x-forwarded-for"] = "203.0.113.7, 10.0.0.2";
  http::Router untrusting(api);
  untrusting.handle(r);
  BOOST_TEST(api.last_token_request->client_addr == "127.0.0.1");

  http::Router trusting(api, {"127.0.0.1", "10.0.0.2"});
  trusting.handle(r);
  BOOST_TEST(api.last_token_request->client_addr == "203.0.113.7");  // right-most untrusted hop

  r.headers["x-forwarded-for"] = "garbage, 10.0.0.2";
  trusting.handle(r);
  BOOST_TEST(api.last_token_request->client_addr == "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(discovery_health_and_readiness) {
  FakeApi api;
  http::Router router(api);
  Request disc = request("GET", "/.well-known/openid-configuration");
  disc.headers["host"] = "Auth.Example.com:8443";
  disc.https = true;
  Response d = router.handle(disc);
  BOOST_TEST(d.status == 200);
  BOOST_TEST(api.last_base_url == "https://auth.example.com:8443");
  BOOST_TEST(body_json(d)["issuer"] == "https://auth.example.com:8443");
  BOOST_TEST(d.header("Vary").value_or("") == "Host");  // the document depends on Host

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

BOOST_AUTO_TEST_CASE(base_url_from_host_or_server_name) {
  Request r = request("GET", "/");
  r.server_name = "jwks.internal";
  r.server_port = "8080";
  BOOST_TEST(http::request_base_url(r) == "http://jwks.internal:8080");
  r.server_port = "80";
  BOOST_TEST(http::request_base_url(r) == "http://jwks.internal");
  r.headers["host"] = "127.0.0.1:9000";
  BOOST_TEST(http::request_base_url(r) == "http://127.0.0.1:9000");
  r.headers["host"] = "[::1]:9000";
  BOOST_TEST(http::request_base_url(r) == "http://[::1]:9000");
  for (const char* evil : {"evil.com/path", "a b", "x@y", "", "\"quoted\"", "host\r\nX: y"}) {
    r.headers["host"] = evil;
    BOOST_TEST(http::request_base_url(r) == "http://jwks.internal", evil);
  }
  const char* params[] = {"HTTPS=on", "SERVER_NAME=s", "SERVER_PORT=443", "REQUEST_METHOD=GET", "REQUEST_URI=/"};
  Request tls = http::request_from_params(params, "");
  BOOST_TEST(http::request_base_url(tls) == "https://s");
}

BOOST_AUTO_TEST_CASE(jwks_etag_and_304) {
  FakeApi api;
  http::Router router(api);
  Response first = router.handle(request("GET", "/.well-known/jwks.json"));
  BOOST_TEST(first.header("ETag").value_or("") == "\"abc\"");
  // max-age comes from the key schedule (half the pre-publication lead).
  BOOST_TEST(first.header("Cache-Control").value_or("") == "public, max-age=1800, stale-if-error=86400");
  for (const char* inm : {"\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*"}) {
    Request r = request("GET", "/.well-known/jwks.json");
    r.headers["if-none-match"] = inm;
    Response not_modified = router.handle(r);
    BOOST_TEST(not_modified.status == 304, inm);
    BOOST_TEST(not_modified.body.empty());
    BOOST_TEST(not_modified.header("ETag").value_or("") == "\"abc\"");
    BOOST_TEST(not_modified.header("Cache-Control").value_or("") == "public, max-age=1800, stale-if-error=86400");
  }
  for (const char* inm : {"\"abd\"", "abc", "", "\"ab\""}) {
    Request r = request("GET", "/.well-known/jwks.json");
    r.headers["if-none-match"] = inm;
    BOOST_TEST(router.handle(r).status == 200, inm);
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
