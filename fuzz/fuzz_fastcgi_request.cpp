// The FastCGI-to-request conversion: request_from_params, then the two things
// derived from a request, loopback_origin (the issuer when JWKS_ISSUER is
// unset: never from Host) and client_address (X-Forwarded-For behind proxies,
// canonical addresses).
// Input: see fcgi_input.h.
#include <algorithm>
#include <cctype>

#include "fcgi_input.h"
#include "fuzz_check.h"
#include "jwks/http/client_address.h"
#include "jwks/http/request.h"

using namespace jwks;

namespace {

http::ClientAddressPolicy policy() {
  http::ClientAddressPolicy p;
  for (const char* n : {"127.0.0.1", "::1", "10.0.0.0/8", "2001:db8::/32"}) p.trusted_proxies.push_back(*util::parse_ip_network(n));
  return p;
}
const http::ClientAddressPolicy kPolicy = policy();

bool trusted(const util::IpAddress& a) {
  return std::any_of(kPolicy.trusted_proxies.begin(), kPolicy.trusted_proxies.end(),
                     [&](const util::IpNetwork& n) { return n.contains(a); });
}

// A client as client_address gives it: canonical, keyed by itself or its /64.
void check_client(const service::Client& c) {
  if (c.address == "unknown") {
    FUZZ_CHECK(c.rate_key == "unknown");
    return;
  }
  auto a = util::parse_ip_address(c.address);
  FUZZ_CHECK(a && a->to_string() == c.address);
  if (!a->v6) FUZZ_CHECK(c.rate_key == c.address);
  else FUZZ_CHECK((c.rate_key == util::IpNetwork{a->masked(64), 64}.to_string()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  const fuzz::FcgiInput in = fuzz::read_fcgi_input(provider);
  const http::Request r = http::request_from_params(in.pointers, in.body);

  FUZZ_CHECK(r.body == in.body);
  FUZZ_CHECK(r.method == in.last("REQUEST_METHOD").value_or(""));
  FUZZ_CHECK(r.remote_addr == in.last("REMOTE_ADDR").value_or(""));
  FUZZ_CHECK(r.server_addr == in.last("SERVER_ADDR").value_or(""));
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

  // The loopback origin goes into tokens as "iss": scheme "://" a canonical
  // loopback address [":" port], from SERVER_ADDR, whatever Host says.
  if (auto origin = http::loopback_origin(r)) {
    const std::string scheme = r.https ? "https://" : "http://";
    FUZZ_CHECK(origin->compare(0, scheme.size(), scheme) == 0);
    std::string host = origin->substr(scheme.size());
    if (const std::size_t port = host.rfind(':'); port != std::string::npos && host.back() != ']' &&
                                                  (host.front() != '[' || host.find("]:") != std::string::npos))
      host = host.substr(0, port);
    if (host.front() == '[') host = host.substr(1, host.size() - 2);
    auto a = util::parse_ip_address(host);
    FUZZ_CHECK(a && a->is_loopback() && a->to_string() == host);
    FUZZ_CHECK(a == util::parse_ip_address(r.server_addr));
  } else {
    auto a = util::parse_ip_address(r.server_addr);
    const std::string& port = r.server_port;
    const bool bad_port = port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos;
    FUZZ_CHECK(!a || !a->is_loopback() || bad_port);
  }

  // The client is the canonical REMOTE_ADDR, or a forwarded hop that is not
  // one of our proxies; a refusal only for a trusted proxy's forwarded value.
  const auto remote = util::parse_ip_address(r.remote_addr);
  const auto client = http::client_address(r, kPolicy);
  const bool believed = remote && trusted(*remote) && (r.header("x-forwarded-for") || r.forwarded_twice);
  if (!believed) {
    FUZZ_CHECK(client.ok());
    FUZZ_CHECK(client->address == (remote ? remote->to_string() : "unknown"));
  }
  if (client) {
    check_client(client.value());
    if (client->address != "unknown" && remote && client->address != remote->to_string()) FUZZ_CHECK(believed);
    // A believed hop is an address: it has a digit, or it is "::" (the
    // unspecified IPv6 address, which has none).
    if (believed && client->address != remote->to_string()) {
      const std::string_view forwarded = *r.header("x-forwarded-for");
      FUZZ_CHECK(forwarded.find_first_of("0123456789abcdefABCDEF") != std::string_view::npos ||
                 forwarded.find("::") != std::string_view::npos);
    }
  }
  auto untrusting = http::client_address(r, {});
  FUZZ_CHECK(untrusting.ok());
  check_client(untrusting.value());
  return 0;
}
