// The use cases the HTTP layer calls. An interface, so the router can be
// tested against a fake and the real implementation against a real store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "jwks/auth/credentials.h"
#include "jwks/auth/registration.h"
#include "jwks/service/errors.h"
#include "jwks/util/result.h"

namespace jwks::service {

struct TokenRequest {
  auth::Credentials credentials;
  bool expired = false;     // ?expired=true
  std::string client_addr;  // for the rate limit, auth_logs and the error log
  std::string base_url;     // "scheme://host" of the request: the issuer unless JWKS_ISSUER is set
};

struct JwksDocument {
  std::string json;  // {"keys":[...]}
  std::string etag;  // strong entity tag of `json`: "\"<base64url of 128 bits of SHA-256>\""
  std::int64_t max_age = 0;  // seconds a cache may keep it (Cache-Control max-age)
  int unreadable = 0;        // unexpired keys left out: their stored public JWK is damaged
};

struct RegisterRequest {
  auth::Registration registration;
  std::string client_addr;
};

class Api {
 public:
  virtual ~Api() = default;
  // The JWK Set of every unexpired key, as JSON text.
  virtual util::Result<JwksDocument, ServiceError> jwks() = 0;
  // A signed JWT for the request.
  virtual util::Result<std::string, ServiceError> issue_token(const TokenRequest& request) = 0;
  // Registers a user with a generated password; returns that password, the
  // only time it exists outside its Argon2id hash.
  virtual util::Result<std::string, ServiceError> register_user(const RegisterRequest& request) = 0;
  // The OpenID Connect discovery document (JSON text) for a request to `base_url`.
  virtual util::Result<std::string, ServiceError> discovery(const std::string& base_url) = 0;
  // Readiness: the store opens and a signing key exists and decrypts with the
  // master key. Returns a short JSON status; kUnavailable otherwise.
  virtual util::Result<std::string, ServiceError> readiness() = 0;
  // Whether ?expired=true is allowed (JWKS_ALLOW_EXPIRED).
  virtual bool expired_tokens_allowed() const = 0;
};

}  // namespace jwks::service
