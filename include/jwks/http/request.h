// HTTP request and response values: what the router reads and writes.
// Nothing here knows about FastCGI.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jwks::http {

struct Request {
  std::string method;                         // "GET", "POST", ... (case-sensitive, RFC 9110 §9.1)
  std::string path;                           // REQUEST_URI before '?', not percent-decoded
  std::string query;                          // REQUEST_URI after '?', raw
  std::map<std::string, std::string> headers; // lower-case names: "content-type", "authorization", ...
  std::string body;                           // empty when body_too_large
  bool body_too_large = false;                // declared length above the limit; body not read
  std::string remote_addr;                    // REMOTE_ADDR from the front
  bool https = false;                         // HTTPS=on or REQUEST_SCHEME=https
  std::string server_name;                    // SERVER_NAME
  std::string server_port;                    // SERVER_PORT

  // The header's value, if present. `name` must be lower-case.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void set_header(std::string name, std::string value);
  std::optional<std::string_view> header(std::string_view name) const;  // case-insensitive
};

// Builds a Request from CGI/FastCGI parameters ("NAME=value" strings) and a
// body. The path comes from REQUEST_URI (the fronts split SCRIPT_NAME and
// PATH_INFO differently), headers from HTTP_* plus CONTENT_TYPE and
// CONTENT_LENGTH. The body is taken as given.
Request request_from_params(std::span<const char* const> params, std::string body);

// "scheme://host[:port]" of the request: the Host header when it is a valid
// host name or address (with an optional port), else SERVER_NAME and
// SERVER_PORT. Deployments that must not trust Host set JWKS_ISSUER.
std::string request_base_url(const Request& request);

// The reason phrase for a status ("Not Found"), "Unknown" for others.
const char* reason_phrase(int status);

}  // namespace jwks::http
