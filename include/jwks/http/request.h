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
  std::string server_addr;                    // SERVER_ADDR: the local address the request reached
  std::string server_port;                    // SERVER_PORT
  int front_status = 0;                       // REDIRECT_STATUS >= 400: the front's own error, handed to us
  bool forwarded_twice = false;               // X-Forwarded-For came twice (dropped from headers)

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

// "http[s]://<SERVER_ADDR>[:<SERVER_PORT>]" when the request reached a
// loopback address (127.0.0.0/8 or ::1): the origin a development set-up
// without JWKS_ISSUER names itself by. Built from what the front says of its
// own socket, never from the Host header a client writes; nullopt for any
// other address (a deployment must set JWKS_ISSUER). The fronts must give
// the physical port (Apache: UseCanonicalName On, UseCanonicalPhysicalPort On).
std::optional<std::string> loopback_origin(const Request& request);

// The reason phrase for a status ("Not Found"), "Unknown" for others.
const char* reason_phrase(int status);

}  // namespace jwks::http
