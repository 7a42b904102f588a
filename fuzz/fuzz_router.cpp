// The router end to end, from FastCGI parameters to a response, against a
// fake of the use cases (service::Api): no database, no key, no Argon2, so an
// execution stays in the microseconds. Covers routing, method and size
// checks, query strings (?expired=, ?case=), credential and registration parsing,
// client addresses, error mapping and HEAD.
//
// Input: see fcgi_input.h. Two parameters steer the fake and are ignored by
// request_from_params: FUZZ_FAIL=<digit> makes every use case fail with that
// service::ErrorCode (0..5), FUZZ_TOO_LARGE=1 marks the body too large.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "fcgi_input.h"
#include "fake_api.h"
#include "fuzz_check.h"
#include "jwks/http/router.h"
#include "jwks/util/form.h"

using namespace jwks;

namespace {

http::ClientAddressPolicy trusting_loopback() {
  http::ClientAddressPolicy p;
  p.trusted_proxies.push_back(*util::parse_ip_network("127.0.0.1"));
  return p;
}


// The query of POST /auth as README documents it: the last "expired" field
// decides; true, 1, yes or a bare name turn it on, false, 0 or no off; one
// "case" names a test case; anything else (a value neither on nor off, an
// unknown or a repeated case, expired on with a case, or a query that does
// not parse) is a 400.
struct ExpectedQuery {
  bool expired = false;
  const service::TestCase* test_case = nullptr;
};
std::optional<ExpectedQuery> expected_query(std::string_view query) {
  auto fields = util::parse_form(query);
  if (!fields) return std::nullopt;
  ExpectedQuery q;
  for (const auto& [name, value] : *fields) {
    if (name == "case") {
      if (q.test_case) return std::nullopt;  // given twice
      q.test_case = service::find_test_case(value);
      if (q.test_case == nullptr) return std::nullopt;
    }
    if (name != "expired") continue;
    static const char* const kOn[] = {"", "true", "1", "yes"};
    static const char* const kOff[] = {"false", "0", "no"};
    if (std::find(std::begin(kOn), std::end(kOn), value) != std::end(kOn)) q.expired = true;
    else if (std::find(std::begin(kOff), std::end(kOff), value) != std::end(kOff)) q.expired = false;
    else return std::nullopt;
  }
  if (q.expired && q.test_case) return std::nullopt;
  return q;
}

bool known_path(std::string_view p) {
  for (std::string_view k : {"/", "/.well-known/jwks.json", "/.well-known/openid-configuration", "/healthz",
                             "/readyz", "/auth", "/register", "/test-cases"})
    if (p == k) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  const fuzz::FcgiInput in = fuzz::read_fcgi_input(provider);
  http::Request request = http::request_from_params(in.pointers, in.body);
  request.body_too_large = in.last("FUZZ_TOO_LARGE") == "1";
  if (request.body_too_large) request.body.clear();

  test::FakeApi api;
  if (auto f = in.last("FUZZ_FAIL"); f && f->size() == 1 && (*f)[0] >= '0' && (*f)[0] <= '5')
    api.fail_with = service::ServiceError{static_cast<service::ErrorCode>((*f)[0] - '0'), "failed", "fuzz", 0};
  const http::Router router(api, trusting_loopback());
  const http::Response response = router.handle(request);

  // Every answer has a status the front knows how to phrase.
  FUZZ_CHECK(std::string_view(http::reason_phrase(response.status)) != "Unknown");
  if (!known_path(request.path)) FUZZ_CHECK(response.status == 404);
  if (response.status == 405) FUZZ_CHECK(response.header("Allow").has_value());
  if (response.status == 401) FUZZ_CHECK(response.header("WWW-Authenticate").has_value());
  if (response.status == 429 || response.status == 503) FUZZ_CHECK(response.header("Retry-After").has_value());
  if (response.status == 413) FUZZ_CHECK(request.body_too_large);

  if (request.method == "HEAD") {
    FUZZ_CHECK(response.body.empty());
    auto length = response.header("Content-Length");
    if (response.status == 304) FUZZ_CHECK(!length);  // no body, so no length of one
    else FUZZ_CHECK(length && !length->empty() && length->find_first_not_of("0123456789") == std::string_view::npos);
  } else if (response.header("Content-Type") == "application/json") {
    const auto doc = nlohmann::json::parse(response.body, nullptr, false);
    FUZZ_CHECK(doc.is_object());
    if (response.status >= 400) FUZZ_CHECK(doc.contains("error") && doc.at("error").is_string() && doc.contains("error_description") &&
                 doc.at("error_description").is_string());
  }

  // The use cases only ever see validated input.
  if (api.last_origin) FUZZ_CHECK(api.last_origin->starts_with("http://") || api.last_origin->starts_with("https://"));
  if (api.last_token_request) {
    const service::TokenRequest& t = *api.last_token_request;
    FUZZ_CHECK(request.path == "/auth" && request.method == "POST");
    const std::optional<ExpectedQuery> query = expected_query(request.query);
    FUZZ_CHECK(query && t.expired == query->expired && t.test_case == query->test_case);
    if (t.credentials.username) FUZZ_CHECK(auth::canonical_username(*t.credentials.username).value() == *t.credentials.username);
    if (t.credentials.password) {
      FUZZ_CHECK(t.credentials.password->size() <= auth::kMaxPasswordBytes);
      FUZZ_CHECK(util::is_valid_utf8(*t.credentials.password));
    }
    FUZZ_CHECK(t.loopback_origin == http::loopback_origin(request));
    FUZZ_CHECK(t.client.address == http::peer_address(request) || request.header("x-forwarded-for"));
  } else if (request.path == "/auth" && request.method == "POST" && !request.body_too_large) {
    FUZZ_CHECK(response.status == 400 || response.status == 415);  // refused before the use case
  }
  if (api.last_register_request) {
    FUZZ_CHECK(request.path == "/register" && request.method == "POST");
    const std::string& name = api.last_register_request->registration.username;
    FUZZ_CHECK(auth::canonical_username(name).ok() && auth::canonical_username(name).value() == name);
    FUZZ_CHECK(auth::is_plausible_email(api.last_register_request->registration.email));
  }
  return 0;
}
