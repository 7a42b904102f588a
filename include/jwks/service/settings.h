// Configuration from the environment, validated once at start-up.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "jwks/auth/rate_limit.h"
#include "jwks/util/ip_address.h"
#include "jwks/util/result.h"

namespace jwks::service {

enum class AuthMode { kOpen, kStrict };

struct Settings {
  std::string db_path = "totally_not_my_privateKeys.db";  // JWKS_DB
  AuthMode auth_mode = AuthMode::kOpen;                   // JWKS_AUTH_MODE
  bool allow_expired = true;                              // JWKS_ALLOW_EXPIRED
  std::int64_t signing_period = 24 * 3600;                // JWKS_SIGNING_PERIOD, seconds: how long a key signs
  std::int64_t publish_lead = 3600;                       // JWKS_PUBLISH_LEAD, seconds: in the JWKS before signing
  std::int64_t token_lifetime = 3600;                     // JWKS_TOKEN_LIFETIME, seconds
  std::int64_t key_retention = 7 * 86400;                 // JWKS_KEY_RETENTION, seconds: expired keys kept
  std::size_t max_body_bytes = 16 * 1024;                 // JWKS_MAX_BODY
  int busy_timeout_ms = 5000;                             // JWKS_BUSY_TIMEOUT_MS
  auth::RateLimit rate_limit;                             // JWKS_RATE_LIMIT, "10/1s"
  auth::RateLimit register_rate_limit{5, 60'000};         // JWKS_REGISTER_RATE_LIMIT, "5/60s"
  int register_concurrency = 1;                           // JWKS_REGISTER_CONCURRENCY: default half the cores
  int responders = 1;  // JWKS_RESPONDERS: jwks-fcgi processes accepting on the socket it was given
  std::vector<util::IpNetwork> trusted_proxies;           // JWKS_TRUSTED_PROXIES: addresses and CIDR ranges
  int ipv6_prefix = 64;                                   // JWKS_IPV6_PREFIX: IPv6 clients counted by this prefix
  std::string issuer;    // JWKS_ISSUER: "https://host[/path]" without a trailing '/'; empty: from the request
  std::string audience;  // JWKS_AUDIENCE: the tokens' aud claim; empty: no aud
  std::string alg = "RS256";  // JWKS_ALG: RS256, PS256, ES256 or EdDSA
  std::string export_file;    // JWKS_EXPORT_FILE: absolute path kept equal to the JWKS; empty: none
  bool test_cases = false;    // JWKS_TEST_CASES: the verifier test kit (service/test_cases.h)
};

// Looks up an environment variable; nullptr when unset. Injected for tests.
using EnvLookup = std::function<const char*(const char*)>;

// Reads and validates every setting; the error names the variable and the
// accepted forms. Does not read NOT_MY_KEY (see crypto::MasterKey).
util::Result<Settings, std::string> load_settings(const EnvLookup& env);

// load_settings over the process environment.
util::Result<Settings, std::string> load_settings_from_environment();

}  // namespace jwks::service
