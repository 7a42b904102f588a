#include "jwks/http/errors.h"

#include <nlohmann/json.hpp>

#include "jwks/util/log.h"

namespace jwks::http {

Response error_response(int status, std::string_view error, std::string_view description) {
  Response r;
  r.status = status;
  r.set_header("Content-Type", "application/json");
  r.set_header("Cache-Control", "no-store");
  r.body = nlohmann::json{{"error", error}, {"error_description", description}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response to_response(const service::ServiceError& e, std::string_view client_addr) {
  using service::ErrorCode;
  switch (e.code) {
    case ErrorCode::kInvalidRequest:
      return error_response(400, "invalid_request", e.description);
    case ErrorCode::kUnauthorized: {
      Response r = error_response(401, "invalid_client", e.description);
      r.set_header("WWW-Authenticate", "Basic realm=\"jwks-fcgi\", charset=\"UTF-8\"");
      return r;
    }
    case ErrorCode::kConflict:
      return error_response(409, "conflict", e.description);
    case ErrorCode::kRateLimited: {
      Response r = error_response(429, "rate_limited", e.description);
      r.set_header("Retry-After", std::to_string(e.retry_after_seconds > 0 ? e.retry_after_seconds : 1));
      return r;
    }
    case ErrorCode::kUnavailable:
      util::log_error(std::string("503 for ") + std::string(client_addr) + ": " + e.log_detail);
      {
        Response r = error_response(503, "temporarily_unavailable", e.description);
        r.set_header("Retry-After", std::to_string(e.retry_after_seconds > 0 ? e.retry_after_seconds : 1));
        return r;
      }
    case ErrorCode::kInternal:
      break;
  }
  util::log_error(std::string("500 for ") + std::string(client_addr) + ": " + e.log_detail);
  return error_response(500, "server_error", "internal server error");
}

Response to_response(const auth::CredentialError& e) {
  if (e.code == auth::CredentialErrorCode::kUnsupportedMediaType)
    return error_response(415, "unsupported_media_type", e.description);
  return error_response(400, "invalid_request", e.description);
}

}  // namespace jwks::http
