// Which client a request comes from, for the rate limits, auth_logs and the
// logs: parsed and compared in canonical form, never as text.
#pragma once

#include <string>
#include <vector>

#include "jwks/http/request.h"
#include "jwks/service/api.h"
#include "jwks/util/ip_address.h"
#include "jwks/util/result.h"

namespace jwks::http {

struct ClientAddressPolicy {
  // Proxies whose X-Forwarded-For is believed (JWKS_TRUSTED_PROXIES).
  std::vector<util::IpNetwork> trusted_proxies;
  // IPv6 clients are counted by this prefix (JWKS_IPV6_PREFIX): whoever holds
  // a /64 holds every address in it.
  int ipv6_prefix = 64;
};

// The client: REMOTE_ADDR, unless that is a trusted proxy and the request
// carries X-Forwarded-For; then the right-most hop that is not a trusted
// proxy (the first one no proxy of ours vouches for), or the left-most if
// all are. Every address is parsed (ports and brackets stripped,
// IPv4-mapped IPv6 as IPv4) and given in canonical form. A hop that is not an
// address fails (with the reason, the hop quoted, for the log and a 400):
// keying by the proxy instead would put everyone behind it in one budget,
// keying by the text would give a client a new budget per spelling. A REMOTE_ADDR that is not an address (a front on
// a unix socket) is "unknown". From a trusted proxy, X-Forwarded-For given
// twice (as X-Forwarded-For and X_Forwarded_For) fails the same way.
util::Result<service::Client, std::string> client_address(const Request& request, const ClientAddressPolicy& policy);

// The canonical REMOTE_ADDR, or "unknown": for log lines of requests that
// need no client (the key set, discovery).
std::string peer_address(const Request& request);

}  // namespace jwks::http
