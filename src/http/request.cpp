#include "jwks/http/request.h"

#include <algorithm>
#include <cctype>

namespace jwks::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// HTTP_X_FORWARDED_FOR -> x-forwarded-for
std::string header_name(std::string_view cgi) {
  std::string out(cgi);
  for (char& c : out) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  if (it == headers.end()) return std::nullopt;
  return std::string_view(it->second);
}

void Response::set_header(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (iequals(n, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (iequals(n, name)) return std::string_view(v);
  return std::nullopt;
}

Request request_from_params(std::span<const char* const> params, std::string body) {
  Request r;
  bool forwarded_twice = false;
  r.body = std::move(body);
  for (const char* p : params) {
    if (p == nullptr) break;
    std::string_view kv(p);
    std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = kv.substr(0, eq), value = kv.substr(eq + 1);
    if (name == "REQUEST_METHOD") {
      r.method = value;
    } else if (name == "REQUEST_URI") {
      std::size_t q = value.find('?');
      r.path = value.substr(0, q);
      r.query = q == std::string_view::npos ? std::string() : std::string(value.substr(q + 1));
    } else if (name == "REMOTE_ADDR") {
      r.remote_addr = value;
    } else if (name == "HTTPS") {
      r.https = r.https || value == "on" || value == "1";
    } else if (name == "REQUEST_SCHEME") {
      r.https = r.https || value == "https";
    } else if (name == "SERVER_NAME") {
      r.server_name = value;
    } else if (name == "SERVER_PORT") {
      r.server_port = value;
    } else if (name == "CONTENT_TYPE") {
      r.headers["content-type"] = value;
    } else if (name == "CONTENT_LENGTH") {
      r.headers["content-length"] = value;
    } else if (name.starts_with("HTTP_")) {
      const std::string header = header_name(name.substr(5));
      // "X-Forwarded-For" and "X_Forwarded_For" both arrive as
      // HTTP_X_FORWARDED_FOR: a client could append its own after a
      // proxy's. A forwarded-for seen twice is believed in neither form.
      if (header == "x-forwarded-for" && r.headers.contains(header)) {
        forwarded_twice = true;
      }
      r.headers[header] = value;
    }
  }
  if (forwarded_twice) r.headers.erase("x-forwarded-for");
  return r;
}

namespace {

// Letters, digits, '-', '.', and for IPv6 literals '[', ']', ':'; an optional
// ":port" of digits. No user info, path, spaces or control characters.
bool valid_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':' || c == '[' || c == ']'))
      return false;
  }
  return host.front() != '.' && host.front() != ':' && host.front() != '-';
}

}  // namespace

std::string request_base_url(const Request& request) {
  const std::string scheme = request.https ? "https" : "http";
  auto host = request.header("host");
  if (host && valid_host(*host)) {
    std::string h(*host);
    for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return scheme + "://" + h;
  }
  std::string name = valid_host(request.server_name) ? request.server_name : std::string("localhost");
  const bool default_port = request.server_port.empty() || (request.https && request.server_port == "443") ||
                            (!request.https && request.server_port == "80");
  bool port_ok = !request.server_port.empty() &&
                 request.server_port.find_first_not_of("0123456789") == std::string::npos;
  return scheme + "://" + name + (default_port || !port_ok ? "" : ":" + request.server_port);
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

}  // namespace jwks::http
