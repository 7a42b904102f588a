// The one place where failures become HTTP statuses and JSON error bodies
// {"error": "<stable code>", "error_description": "<human text>"}.
// Details for operators go to the log, never into the body.
#pragma once

#include <string_view>

#include "jwks/auth/credentials.h"
#include "jwks/http/request.h"
#include "jwks/service/errors.h"

namespace jwks::http {

Response error_response(int status, std::string_view error, std::string_view description);

// Maps a service failure; logs log_detail (with the client address) for 5xx.
Response to_response(const service::ServiceError& e, std::string_view client_addr);

// Maps a credential parsing failure (400 or 415).
Response to_response(const auth::CredentialError& e);

}  // namespace jwks::http
