// The body of POST /register: {"username": "...", "email": "..."}.
#pragma once

#include <string>
#include <string_view>

#include "jwks/auth/credentials.h"
#include "jwks/util/result.h"

namespace jwks::auth {

inline constexpr std::size_t kMaxEmailBytes = 254;  // RFC 5321 path limit

struct Registration {
  std::string username;  // enforced form, as a login username (canonical_username)
  std::string email;     // a plausible address: local@domain.tld, printable ASCII, no spaces
};

// Validates a registration request. Errors reuse CredentialError: 415 for a
// non-JSON content type, 400 for anything malformed, naming the field.
util::Result<Registration, CredentialError> parse_registration(std::string_view content_type, std::string_view body);

// Plausibility check used by parse_registration (exposed for tests).
bool is_plausible_email(std::string_view email);

}  // namespace jwks::auth
