// The use cases the HTTP layer calls. An interface, so the router can be
// tested against a fake and the real implementation against a real store.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "jwks/auth/credentials.h"
#include "jwks/auth/registration.h"
#include "jwks/service/errors.h"
#include "jwks/service/test_cases.h"
#include "jwks/util/result.h"

namespace jwks::service {

// Who is asking, as the rate limits, auth_logs and the logs see it.
struct Client {
  std::string address;   // canonical ("192.0.2.1", "2001:db8::1"), or "unknown"
  std::string rate_key;  // what the rate limits count by: the IPv4 address, or the IPv6 prefix ("2001:db8::/64")
};

struct TokenRequest {
  auth::Credentials credentials;
  bool expired = false;  // ?expired=true
  Client client;
  // The front's own loopback origin (http::loopback_origin), the issuer when
  // JWKS_ISSUER is not set; nullopt when the request reached another address.
  std::optional<std::string> loopback_origin;
  // ?case=NAME: a token of the verifier test kit (service/test_cases.h);
  // one of test_cases(), or nullptr for none.
  const TestCase* test_case = nullptr;
};

struct JwksDocument {
  std::string json;  // {"keys":[...]}; empty when not_modified
  std::string etag;  // strong entity tag: "\"<base64url of 128 bits of SHA-256>\"" of what `json` is made from (jwks_etag)
  std::int64_t max_age = 0;  // seconds a cache may keep it (Cache-Control max-age)
  int unreadable = 0;        // unexpired keys left out: their stored public JWK is damaged
  bool not_modified = false;  // the client's copy has this etag: json was not built
};

// Whether the client already holds the key set with this entity tag (its
// If-None-Match); the HTTP layer knows how to read that header.
using ClientHasEtag = std::function<bool(std::string_view etag)>;

struct RegisterRequest {
  auth::Registration registration;
  Client client;
};

class Api {
 public:
  virtual ~Api() = default;
  // The JWK Set of every unexpired key, as JSON text; only its etag (and
  // not_modified) when `client_has` says the client holds that version.
  virtual util::Result<JwksDocument, ServiceError> jwks(const ClientHasEtag& client_has) = 0;
  // A signed JWT for the request.
  virtual util::Result<std::string, ServiceError> issue_token(const TokenRequest& request) = 0;
  // Registers a user with a generated password; returns that password, the
  // only time it exists outside its Argon2id hash.
  virtual util::Result<std::string, ServiceError> register_user(const RegisterRequest& request) = 0;
  // The OpenID Connect discovery document (JSON text); `loopback_origin` as
  // in TokenRequest.
  virtual util::Result<std::string, ServiceError> discovery(const std::optional<std::string>& loopback_origin) = 0;
  // Readiness: an issuer can be had (`loopback_origin` as in TokenRequest),
  // the store opens, and a signing key exists and decrypts with the master
  // key. Returns a short JSON status; kUnavailable otherwise.
  virtual util::Result<std::string, ServiceError> readiness(const std::optional<std::string>& loopback_origin) = 0;
  // The verifier test kit's cases as JSON text (test_cases_json); nullopt
  // while the kit is off (JWKS_TEST_CASES).
  virtual std::optional<std::string> test_cases() = 0;
};

}  // namespace jwks::service
