#include "jwks/http/request.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "jwks/util/ip_address.h"

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
    } else if (name == "SERVER_ADDR") {
      r.server_addr = value;
    } else if (name == "REDIRECT_STATUS") {
      // The fronts' error handlers (lighttpd server.error-handler, Apache
      // ErrorDocument) hand us their own 4xx/5xx this way; 200 otherwise.
      int status = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), status);
      if (ec == std::errc{} && end == value.data() + value.size() && status >= 400 && status <= 599)
        r.front_status = status;
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
  if (forwarded_twice) {
    r.headers.erase("x-forwarded-for");
    r.forwarded_twice = true;
  }
  return r;
}

std::optional<std::string> loopback_origin(const Request& request) {
  auto addr = util::parse_ip_address(request.server_addr);
  if (!addr || !addr->is_loopback()) return std::nullopt;
  const std::string& port = request.server_port;
  if (!port.empty() && (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos))
    return std::nullopt;
  const std::string host = addr->v6 ? "[" + addr->to_string() + "]" : addr->to_string();
  const bool default_port = port.empty() || port == (request.https ? "443" : "80");
  return std::string(request.https ? "https://" : "http://") + host + (default_port ? "" : ":" + port);
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace jwks::http
