// Failures the services report to the HTTP layer, which alone maps them to
// statuses (http/errors.h).
#pragma once

#include <cstdint>
#include <string>

namespace jwks::service {

enum class ErrorCode {
  kInvalidRequest,   // 400: malformed or missing input
  kUnauthorized,     // 401: bad credentials
  kConflict,         // 409: username or e-mail taken
  kRateLimited,      // 429: too many /auth requests from this address
  kUnavailable,      // 503: transient server-side trouble (database locked, ...)
  kInternal,         // 500: a broken invariant or misconfiguration
};

struct ServiceError {
  ErrorCode code;
  std::string description;  // shown to the client: generic, no internals
  std::string log_detail;   // for the error log only: may name files and causes, never secrets
  std::int64_t retry_after_seconds = 0;  // kRateLimited, kUnavailable: for the Retry-After header
};

}  // namespace jwks::service
