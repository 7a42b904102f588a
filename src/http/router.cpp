#include "jwks/http/router.h"

#include <nlohmann/json.hpp>

#include "jwks/auth/registration.h"
#include "jwks/crypto/secure_bytes.h"
#include "jwks/http/client_address.h"
#include "jwks/http/errors.h"
#include "jwks/util/form.h"
#include "jwks/util/log.h"
#include "jwks/util/text.h"

namespace jwks::http {
namespace {

struct Route {
  std::string_view path;
  std::string_view allow;  // the Allow header for this path
  bool get;                // GET and HEAD
};

constexpr Route kRoutes[] = {
    {"/", "GET, HEAD", true},
    {"/.well-known/jwks.json", "GET, HEAD", true},
    {"/.well-known/openid-configuration", "GET, HEAD", true},
    {"/healthz", "GET, HEAD", true},
    {"/readyz", "GET, HEAD", true},
    {"/auth", "POST", false},
    {"/register", "POST", false},
    {"/test-cases", "GET, HEAD", true},  // 404 unless the kit is on (JWKS_TEST_CASES)
};

Response json_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.set_header("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

// A trusted proxy forwarded something that cannot stand for the client:
// refused, as neither the proxy's address nor the text can.
Response forwarded_for_error(const std::string& reason) {
  util::log_warning("refused: from a trusted proxy, " + reason);
  return error_response(400, "invalid_request", "X-Forwarded-For holds a value that is not an IP address");
}

// What POST /auth's query asks for: ?expired=true (also 1, yes or a bare
// "expired"; false/0/no turn it off; the last one counts) or ?case=NAME
// (once), not both.
struct AuthQuery {
  bool expired = false;
  const service::TestCase* test_case = nullptr;
};

util::Result<AuthQuery, std::string> auth_query(std::string_view query) {
  auto fields = util::parse_form(query);
  if (!fields) return util::fail(std::string("the query string is malformed"));
  AuthQuery q;
  for (const auto& [name, value] : *fields) {
    if (name == "expired") {
      if (value.empty() || value == "true" || value == "1" || value == "yes") q.expired = true;
      else if (value == "false" || value == "0" || value == "no") q.expired = false;
      else return util::fail(std::string("expired must be true or false"));
    } else if (name == "case") {
      // Once: a front or filter that reads the first of two would see another case.
      if (q.test_case != nullptr) return util::fail(std::string("give case once"));
      q.test_case = service::find_test_case(value);
      if (q.test_case == nullptr)
        return util::fail(std::string("case must name a case of the verifier test kit (GET /test-cases lists them)"));
    }
  }
  if (q.expired && q.test_case != nullptr) return util::fail(std::string("ask for case or expired, not both"));
  return q;
}

// If-None-Match (RFC 9110 §13.1.2): "*" or a list of entity tags, compared
// weakly (a W/ prefix is ignored).
bool etag_matches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = util::trim_blanks(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (item == "*") return true;
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == etag) return true;
  }
  return false;
}

// The fronts' own refusals (too large, no length, malformed), handed to us by
// their error handlers: the same JSON shape as every other error.
Response front_error(int status) {
  struct Known {
    int status;
    const char* error;
    const char* description;
  };
  static constexpr Known kKnown[] = {
      {400, "invalid_request", "the request is malformed"},
      {403, "forbidden", "the request was refused"},
      {404, "not_found", "no such endpoint"},
      {405, "method_not_allowed", "this method is not allowed here"},
      {408, "request_timeout", "the request took too long to arrive"},
      {411, "length_required", "a request with a body needs Content-Length (send Content-Length: 0 for none)"},
      {413, "payload_too_large", "request body is too large"},
      {414, "uri_too_long", "the request URI is too long"},
      {417, "expectation_failed", "the Expect header cannot be met"},
      {431, "request_header_fields_too_large", "the request headers are too large"},
      {501, "not_implemented", "the request uses something this server does not implement"},
  };
  for (const Known& k : kKnown)
    if (k.status == status) return error_response(status, k.error, k.description);
  if (status >= 500) {
    Response r = error_response(status, status == 500 ? "server_error" : "temporarily_unavailable",
                                status == 500 ? "internal server error" : "the server cannot answer now; retry later");
    if (status != 500) r.set_header("Retry-After", "1");
    return r;
  }
  return error_response(status, "invalid_request", "the request was refused");
}

}  // namespace

Response Router::handle(const Request& request) const {
  const Route* route = nullptr;
  for (const Route& r : kRoutes)
    if (r.path == request.path) route = &r;
  const bool is_get = request.method == "GET" || request.method == "HEAD";

  // Every answer, errors included, goes through the HEAD handling below.
  Response response;
  try {
    // While the test kit is off its path is like any unknown one, for every method.
    std::optional<std::string> kit_list;
    if (request.front_status == 0 && route != nullptr && route->path == "/test-cases") kit_list = api_.test_cases();
    if (request.front_status != 0) {
      response = front_error(request.front_status);
    } else if (route == nullptr || (route->path == "/test-cases" && !kit_list)) {
      response = error_response(404, "not_found", "no such endpoint");
    } else if (route->get ? !is_get : request.method != "POST") {
      response = error_response(405, "method_not_allowed",
                                "use " + std::string(route->allow) + " on " + std::string(route->path));
      response.set_header("Allow", std::string(route->allow));
    } else if (request.body_too_large) {
      response = error_response(413, "payload_too_large", "request body is too large");
    } else if (route->path == "/") {
      response = root();
    } else if (route->path == "/.well-known/jwks.json") {
      response = jwks(request);
    } else if (route->path == "/.well-known/openid-configuration") {
      response = discovery(request);
    } else if (route->path == "/healthz") {
      response = json_response(200, R"({"status":"ok"})");
    } else if (route->path == "/readyz") {
      response = readiness(request);
    } else if (route->path == "/auth") {
      response = auth(request);
    } else if (route->path == "/test-cases") {
      response = json_response(200, std::move(*kit_list));
    } else {
      response = register_user(request);
    }
  } catch (const std::exception& e) {
    // The services report failures as values; this is a last line of defence.
    util::log_error(std::string("unhandled exception: ") + e.what());
    response = error_response(500, "server_error", "internal server error");
  }
  if (request.method == "HEAD") {
    // GET's length, except for a 304, which has no body to give a length of.
    if (response.status != 304)
      response.set_header("Content-Length", std::to_string(response.body.size()));
    response.body.clear();
  }
  return response;
}

Response Router::root() const {
  Response r;
  r.set_header("Content-Type", "text/plain; charset=utf-8");
  r.body = "JWKS Server Running!";
  return r;
}

Response Router::jwks(const Request& request) const {
  const std::optional<std::string_view> inm = request.header("if-none-match");
  auto keys = api_.jwks(inm ? service::ClientHasEtag([&](std::string_view etag) { return etag_matches(*inm, etag); })
                            : service::ClientHasEtag());
  if (!keys) return to_response(keys.error(), peer_address(request));
  // A new key is published a full lead before it signs and max-age is at
  // most half that lead, so a cached set always holds the key that signs;
  // revalidation is a cheap 304. If the server cannot answer, a stale copy
  // beats none for a day.
  const std::string cache = "public, max-age=" + std::to_string(keys->max_age) + ", stale-if-error=86400";
  if (keys->not_modified || (inm && etag_matches(*inm, keys->etag))) {
    Response r;
    r.status = 304;
    r.set_header("ETag", keys->etag);
    r.set_header("Cache-Control", cache);
    return r;
  }
  Response r = json_response(200, std::move(keys->json));
  r.set_header("ETag", keys->etag);
  r.set_header("Cache-Control", cache);
  return r;
}

Response Router::auth(const Request& request) const {
  auto query = auth_query(request.query);
  if (!query) return error_response(400, "invalid_request", query.error());

  auto credentials = auth::parse_credentials(request.header("content-type").value_or(""), request.body,
                                             request.header("authorization"));
  if (!credentials) return to_response(credentials.error());

  auto client = client_address(request, clients_);
  if (!client) return forwarded_for_error(client.error());
  service::TokenRequest token_request{std::move(credentials.value()), query->expired, client.value(),
                                      loopback_origin(request), query->test_case};
  auto token = api_.issue_token(token_request);
  if (auto& pw = token_request.credentials.password) crypto::cleanse(pw->data(), pw->capacity());
  if (!token) return to_response(token.error(), client->address);

  nlohmann::json body{{"token", token.value()}};
  if (const service::TestCase* c = query->test_case) {
    body["case"] = c->name;
    body["expect"] = c->accept ? "accept" : "reject";
    body["why"] = c->why;
  }
  Response r = json_response(200, body.dump());
  r.set_header("Cache-Control", "no-store");
  r.set_header("Pragma", "no-cache");
  return r;
}


Response Router::discovery(const Request& request) const {
  auto doc = api_.discovery(loopback_origin(request));
  if (!doc) return to_response(doc.error(), peer_address(request));
  return json_response(200, std::move(doc.value()));
}

Response Router::readiness(const Request& request) const {
  auto status = api_.readiness(loopback_origin(request));
  if (!status) return to_response(status.error(), peer_address(request));
  Response r = json_response(200, std::move(status.value()));
  r.set_header("Cache-Control", "no-store");
  return r;
}

Response Router::register_user(const Request& request) const {
  auto registration = auth::parse_registration(request.header("content-type").value_or(""), request.body);
  if (!registration) return to_response(registration.error());
  auto client = client_address(request, clients_);
  if (!client) return forwarded_for_error(client.error());
  auto password = api_.register_user(service::RegisterRequest{std::move(registration.value()), client.value()});
  if (!password) return to_response(password.error(), client->address);
  // Built in one buffer (a UUID needs no escaping), and the password wiped:
  // the answer is its only other copy, and the adapter wipes that.
  std::string body;
  body.reserve(password->size() + 16);
  body += R"({"password":")";
  body += password.value();
  body += R"("})";
  crypto::cleanse(password->data(), password->capacity());
  Response r = json_response(201, std::move(body));
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace jwks::http
