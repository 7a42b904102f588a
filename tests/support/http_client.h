// The tests' HTTP client (libcurl), for the suites that speak to a real front
// started by tests/integration/with-front.sh (JWKS_BASE_URL).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace jwks::test {

struct HttpAnswer {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names, the last response's (after a 100)
  std::string body;
  std::string header(const std::string& name) const;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// $JWKS_BASE_URL; throws std::runtime_error when it is not set.
std::string base_url();

// Sends `method` `target` (a path and query, sent as is: no dot-segment
// removal) to base_url() with `headers` exactly as given, but for curl's
// default Content-Type (a form) and Expect, which are suppressed unless
// given. HEAD asks for no body; any method but GET and HEAD sends `body`,
// empty or not, with its Content-Length. A transport failure (no answer
// within 20 s, a refused connection) throws std::runtime_error.
HttpAnswer http_request(const std::string& method, const std::string& target, const std::vector<std::string>& headers,
                        const std::string& body);

// Standard base64 with padding (RFC 4648 §4), as HTTP Basic carries it.
std::string base64(std::string_view text);

// "Authorization: Basic <base64 of user:password>".
std::string basic_authorization(const std::string& user, const std::string& password);

// libcurl's global set-up for a test module: BOOST_TEST_GLOBAL_FIXTURE(CurlGlobal).
struct CurlGlobal {
  CurlGlobal();
  ~CurlGlobal();
};

}  // namespace jwks::test
