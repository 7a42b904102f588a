#include "jwks/http/client_address.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "jwks/util/log.h"
#include "jwks/util/text.h"

namespace jwks::http {
namespace {

bool trusted(const util::IpAddress& a, const std::vector<util::IpNetwork>& proxies) {
  return std::any_of(proxies.begin(), proxies.end(), [&](const util::IpNetwork& n) { return n.contains(a); });
}

service::Client client_of(const util::IpAddress& a, int ipv6_prefix) {
  if (!a.v6) return service::Client{a.to_string(), a.to_string()};
  return service::Client{a.to_string(), util::IpNetwork{a.masked(ipv6_prefix), ipv6_prefix}.to_string()};
}

}  // namespace

util::Result<service::Client, std::string> client_address(const Request& request, const ClientAddressPolicy& policy) {
  const std::optional<util::IpAddress> remote = util::parse_ip_address(request.remote_addr);
  if (!remote) return service::Client{"unknown", "unknown"};
  auto forwarded = request.header("x-forwarded-for");
  if (!trusted(*remote, policy.trusted_proxies)) return client_of(*remote, policy.ipv6_prefix);
  // Given twice, the header cannot be believed, and the proxy's own address
  // would put everyone behind it in one budget.
  if (request.forwarded_twice) return util::fail(std::string("X-Forwarded-For is given twice"));
  if (!forwarded) return client_of(*remote, policy.ipv6_prefix);

  std::optional<util::IpAddress> leftmost;
  std::string_view list = *forwarded;
  while (!list.empty()) {
    const std::size_t comma = list.rfind(',');
    const std::string_view hop = comma == std::string_view::npos ? list : list.substr(comma + 1);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(0, comma);
    if (util::trim_blanks(hop).empty()) continue;  // an empty item
    auto a = util::parse_ip_address(hop);  // trims blanks itself
    if (!a) return util::fail("X-Forwarded-For holds " + util::quote(hop.substr(0, 64)) + ", which is not an address");
    if (!trusted(*a, policy.trusted_proxies)) return client_of(*a, policy.ipv6_prefix);
    leftmost = a;
  }
  return client_of(leftmost ? *leftmost : *remote, policy.ipv6_prefix);
}

std::string peer_address(const Request& request) {
  auto a = util::parse_ip_address(request.remote_addr);
  return a ? a->to_string() : std::string("unknown");
}

}  // namespace jwks::http
