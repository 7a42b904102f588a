// The FastCGI edge: converts between fcgi2 requests and Request/Response
// values, and nothing else.
#pragma once

#include <cstddef>

#include "jwks/http/router.h"

namespace jwks::http {

struct FastcgiOptions {
  int listen_fd = 0;               // the socket the front passes on fd 0
  std::size_t max_body_bytes = 16 * 1024;
};

// Accepts requests with FCGX_Accept_r until the front closes the socket or
// SIGTERM/SIGINT/SIGUSR1 asks the process to stop after the current request.
// Bodies above max_body_bytes (by CONTENT_LENGTH or by what arrives) are not
// buffered: the request is marked body_too_large and answered 413.
// Returns the process exit status.
int serve_fastcgi(const Router& router, const FastcgiOptions& options);

}  // namespace jwks::http
