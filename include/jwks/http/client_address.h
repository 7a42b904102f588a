// Which address a request comes from, for the rate limit and the logs.
#pragma once

#include <string>
#include <vector>

#include "jwks/http/request.h"

namespace jwks::http {

// REMOTE_ADDR, unless it is one of `trusted_proxies` and the request carries
// X-Forwarded-For: then the right-most address in that header that is not a
// trusted proxy (the first hop no proxy of ours vouches for). Entries that
// are not IP literals end the walk; if none qualifies, REMOTE_ADDR.
std::string client_address(const Request& request, const std::vector<std::string>& trusted_proxies);

}  // namespace jwks::http
