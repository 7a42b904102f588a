// The FastCGI-to-request conversion: request_from_params, then the two things
// derived from a request's untrusted parts, request_base_url (the issuer when
// JWKS_ISSUER is unset) and client_address (X-Forwarded-For behind proxies).
// Input: see fcgi_input.h.
#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

#include "fcgi_input.h"
#include "fuzz_check.h"
#include "jwks/http/client_address.h"
#include "jwks/http/request.h"

using namespace jwks;

namespace {

const std::vector<std::string> kTrustedProxies{"127.0.0.1", "::1", "10.0.0.1"};

bool is_ip_literal(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  const fuzz::FcgiInput in = fuzz::read_fcgi_input(provider);
  const http::Request r = http::request_from_params(in.pointers, in.body);

  FUZZ_CHECK(r.body == in.body);
  FUZZ_CHECK(r.method == in.last("REQUEST_METHOD").value_or(""));
  FUZZ_CHECK(r.remote_addr == in.last("REMOTE_ADDR").value_or(""));
  FUZZ_CHECK(r.server_name == in.last("SERVER_NAME").value_or(""));
  // path "?" query is REQUEST_URI again, and the path never holds a '?'.
  FUZZ_CHECK(r.path.find('?') == std::string::npos);
  const std::string_view uri = in.last("REQUEST_URI").value_or("");
  FUZZ_CHECK((uri.find('?') == std::string_view::npos ? r.path : r.path + "?" + r.query) == uri);
  bool https = false;
  for (const char* p : in.pointers) {
    if (p == nullptr) break;
    const std::string_view kv(p);
    https = https || kv == "HTTPS=on" || kv == "HTTPS=1" || kv == "REQUEST_SCHEME=https";
  }
  FUZZ_CHECK(r.https == https);
  for (const auto& [name, value] : r.headers) {
    FUZZ_CHECK(name.find('_') == std::string::npos);
    FUZZ_CHECK(std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }));
    FUZZ_CHECK(r.header(name) == std::string_view(value));
  }

  // The base URL goes into tokens as "iss": scheme "://" host [":" port],
  // nothing a client could use to smuggle a path, user info or a second URL.
  const std::string base = http::request_base_url(r);
  const std::string scheme = r.https ? "https://" : "http://";
  FUZZ_CHECK(base.size() > scheme.size() && base.compare(0, scheme.size(), scheme) == 0);
  const std::string host = base.substr(scheme.size());
  FUZZ_CHECK(std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':' || c == '[' || c == ']';
  }));
  FUZZ_CHECK(host.front() != '.' && host.front() != ':' && host.front() != '-');

  // The client is REMOTE_ADDR, or an IP literal that is not one of our proxies.
  const std::string client = http::client_address(r, kTrustedProxies);
  const bool trusted_remote =
      std::find(kTrustedProxies.begin(), kTrustedProxies.end(), r.remote_addr) != kTrustedProxies.end();
  if (!trusted_remote || !r.header("x-forwarded-for")) FUZZ_CHECK(client == r.remote_addr);
  if (client != r.remote_addr) {
    FUZZ_CHECK(is_ip_literal(client));
    FUZZ_CHECK(std::find(kTrustedProxies.begin(), kTrustedProxies.end(), client) == kTrustedProxies.end());
    FUZZ_CHECK(r.header("x-forwarded-for")->find(client) != std::string_view::npos);
  }
  FUZZ_CHECK(http::client_address(r, {}) == r.remote_addr);
  return 0;
}
