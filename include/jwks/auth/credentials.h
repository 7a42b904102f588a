// Credentials for POST /auth, from a JSON body, a form body or HTTP Basic.
// Untrusted input: every failure is a value, never an exception.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "jwks/util/result.h"
#include "jwks/util/username.h"

namespace jwks::auth {

inline constexpr std::size_t kMaxUsernameBytes = util::kMaxUsernameBytes;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

enum class CredentialSource { kNone, kJson, kForm, kBasic };

struct Credentials {
  CredentialSource source = CredentialSource::kNone;
  std::optional<std::string> username;  // the enforced form (canonical_username): "Alice" arrives as "alice"
  std::optional<std::string> password;  // valid UTF-8, at most 1024 bytes
};

enum class CredentialErrorCode {
  kMalformedBody,          // body not parseable as its declared type
  kInvalidField,           // wrong type, bad length, bad encoding, duplicate
  kMalformedAuthorization, // Authorization header present but not valid Basic
  kUnsupportedMediaType,   // a body with a content type other than JSON or form
};

struct CredentialError {
  CredentialErrorCode code;
  std::string description;  // safe to show the client; never echoes a password
};

// Parses the credentials of one request. `content_type` is the raw header
// (parameters such as charset are ignored), `authorization` the raw
// Authorization header if any. HTTP Basic wins when present; a body that is
// present is still validated. An empty body and no Basic gives kNone. The
// username comes back in its enforced form.
util::Result<Credentials, CredentialError> parse_credentials(std::string_view content_type, std::string_view body,
                                                             std::optional<std::string_view> authorization);

// The enforced form of a username (util::enforce_username: PRECIS
// UsernameCaseMapped), the one form names are stored, compared and put in
// `sub` in; or a 400 saying what is wrong with it.
util::Result<std::string, CredentialError> canonical_username(std::string_view username);

// Parses a JSON request body that must be an object, in one pass. Refuses
// (400) an object that names a member more than once
// ({"password":"a","password":"b"}): which of the two a parser keeps is up to
// the parser, so neither counts, as for a form that repeats a field.
util::Result<nlohmann::json, CredentialError> parse_json_object(std::string_view body);

// Lower-cased media type without parameters: "Application/JSON; charset=x" -> "application/json".
std::string media_type(std::string_view content_type);

}  // namespace jwks::auth
