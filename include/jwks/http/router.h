// The router: a function from a Request to a Response, given the use cases.
// No sockets, no FastCGI: everything here is testable with plain values.
#pragma once

#include <string>
#include <vector>

#include "jwks/http/client_address.h"
#include "jwks/http/request.h"
#include "jwks/service/api.h"

namespace jwks::http {

class Router {
 public:
  // `api` must outlive the router. `clients` says whose X-Forwarded-For is
  // believed and how IPv6 clients are counted (see client_address.h).
  explicit Router(service::Api& api, ClientAddressPolicy clients = {}) : api_(api), clients_(std::move(clients)) {}

  // Routes on the path (unknown, or /test-cases while the kit is off: 404), then the method (wrong: 405 with
  // Allow), then the body size (413), then the handler. HEAD is answered like
  // GET without a body but with GET's Content-Length. Never throws.
  Response handle(const Request& request) const;

 private:
  Response root() const;
  Response jwks(const Request& request) const;
  Response auth(const Request& request) const;
  Response register_user(const Request& request) const;
  Response discovery(const Request& request) const;
  Response readiness(const Request& request) const;

  service::Api& api_;
  ClientAddressPolicy clients_;
};

}  // namespace jwks::http
