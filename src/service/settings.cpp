#include "jwks/service/settings.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "jwks/crypto/jws_alg.h"
#include "jwks/util/duration.h"
#include "jwks/util/form.h"

namespace jwks::service {

util::Result<Settings, std::string> load_settings(const EnvLookup& env) {
  Settings s;
  auto get = [&](const char* name) -> std::optional<std::string_view> {
    const char* v = env(name);
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string_view(v);
  };

  if (auto v = get("JWKS_DB")) s.db_path = std::string(*v);

  if (auto v = get("JWKS_AUTH_MODE")) {
    if (*v == "open") s.auth_mode = AuthMode::kOpen;
    else if (*v == "strict") s.auth_mode = AuthMode::kStrict;
    else return util::fail(std::string("JWKS_AUTH_MODE must be 'open' or 'strict'"));
  }

  if (auto v = get("JWKS_ALLOW_EXPIRED")) {
    if (*v == "1") s.allow_expired = true;
    else if (*v == "0") s.allow_expired = false;
    else return util::fail(std::string("JWKS_ALLOW_EXPIRED must be 1 or 0"));
  }

  auto duration = [&](const char* name, std::int64_t& out) -> std::optional<std::string> {
    if (auto v = get(name)) {
      auto d = util::parse_duration_seconds(*v);
      if (!d || *d > 10LL * 365 * 86400)
        return std::string(name) + " must be a positive duration of at most 10 years, e.g. 3600, 90s, 15m, 24h or 7d";
      out = *d;
    }
    return std::nullopt;
  };
  if (get("JWKS_KEY_LIFETIME"))
    return util::fail(std::string("JWKS_KEY_LIFETIME is no longer read: set JWKS_SIGNING_PERIOD (how long a key "
                                  "signs; a key expires one token lifetime after it stops signing)"));
  if (auto e = duration("JWKS_SIGNING_PERIOD", s.signing_period)) return util::fail(*e);
  if (auto e = duration("JWKS_PUBLISH_LEAD", s.publish_lead)) return util::fail(*e);
  if (auto e = duration("JWKS_TOKEN_LIFETIME", s.token_lifetime)) return util::fail(*e);
  if (auto e = duration("JWKS_KEY_RETENTION", s.key_retention)) return util::fail(*e);
  if (s.publish_lead > s.signing_period)
    return util::fail(std::string("JWKS_PUBLISH_LEAD must not be longer than JWKS_SIGNING_PERIOD: the next key is "
                                  "published one lead before the current one stops signing"));
  auto integer = [&](const char* name, std::int64_t lo, std::int64_t hi, std::int64_t& out) -> std::optional<std::string> {
    if (auto v = get(name)) {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
      if (ec != std::errc{} || end != v->data() + v->size() || n < lo || n > hi)
        return std::string(name) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
      out = n;
    }
    return std::nullopt;
  };
  std::int64_t body = static_cast<std::int64_t>(s.max_body_bytes), busy = s.busy_timeout_ms;
  if (auto e = integer("JWKS_MAX_BODY", 256, 1 << 20, body)) return util::fail(*e);
  if (auto e = integer("JWKS_BUSY_TIMEOUT_MS", 0, 60000, busy)) return util::fail(*e);
  auto rate = [&](const char* name, const char* path, const char* examples,
                  auth::RateLimit& out) -> std::optional<std::string> {
    if (auto v = get(name)) {
      auto limit = auth::parse_rate_limit(*v);
      if (!limit)
        return std::string(name) + " must be N/W: at most N " + path +
               " requests per client address in any window of W (1s to 24h), e.g. " + examples;
      out = *limit;
    }
    return std::nullopt;
  };
  if (auto e = rate("JWKS_RATE_LIMIT", "/auth", "10/1s or 5/60s", s.rate_limit)) return util::fail(*e);
  if (auto e = rate("JWKS_REGISTER_RATE_LIMIT", "/register", "5/60s or 20/1h", s.register_rate_limit))
    return util::fail(*e);
  // Argon2 runs on one core per registration: half the cores by default, so
  // a flood of sign-ups leaves the other half to /auth.
  std::int64_t concurrency = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::thread::hardware_concurrency()) / 2);
  if (auto e = integer("JWKS_REGISTER_CONCURRENCY", 1, 1024, concurrency)) return util::fail(*e);
  s.register_concurrency = static_cast<int>(concurrency);
  std::int64_t responders = s.responders;
  if (auto e = integer("JWKS_RESPONDERS", 1, 256, responders)) return util::fail(*e);
  s.responders = static_cast<int>(responders);
  if (auto v = get("JWKS_TRUSTED_PROXIES")) {
    std::string_view list = *v;
    while (!list.empty()) {
      std::size_t sep = list.find_first_of(", ");
      std::string_view item = list.substr(0, sep);
      list = sep == std::string_view::npos ? std::string_view{} : list.substr(sep + 1);
      if (item.empty()) continue;
      auto network = util::parse_ip_network(item);
      if (!network)
        return util::fail("JWKS_TRUSTED_PROXIES must list IP addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32) "
                          "separated by commas; '" + std::string(item) + "' is not one");
      s.trusted_proxies.push_back(*network);
    }
  }
  std::int64_t prefix = s.ipv6_prefix;
  if (auto e = integer("JWKS_IPV6_PREFIX", 1, 128, prefix)) return util::fail(*e);
  s.ipv6_prefix = static_cast<int>(prefix);
  if (auto v = get("JWKS_ISSUER")) {
    std::string iss(*v);
    while (!iss.empty() && iss.back() == '/') iss.pop_back();
    // Its last character is no longer '/', so after a scheme something follows.
    const bool scheme = iss.rfind("https://", 0) == 0 || iss.rfind("http://", 0) == 0;
    if (!scheme || iss.size() > 2048 || iss.find_first_of("?# \t\r\n\"\\") != std::string::npos)
      return util::fail(std::string("JWKS_ISSUER must be an http(s) URL without query or fragment, "
                                    "e.g. https://auth.example.com"));
    s.issuer = std::move(iss);
  }
  if (auto v = get("JWKS_ALG")) {
    if (!crypto::parse_jws_alg(*v))
      return util::fail(std::string("JWKS_ALG must be RS256, PS256, ES256 or EdDSA"));
    s.alg = std::string(*v);
  }
  if (auto v = get("JWKS_AUDIENCE")) {
    if (v->size() > 1024 || !util::is_valid_utf8(*v))
      return util::fail(std::string("JWKS_AUDIENCE must be UTF-8 text of at most 1024 bytes"));
    s.audience = std::string(*v);
  }
  if (auto v = get("JWKS_EXPORT_FILE")) {
    // Never empty (get() maps "" to unset) and never holding a NUL (a C string).
    if (v->front() != '/' || v->back() == '/' || v->size() > 4096)
      return util::fail(std::string("JWKS_EXPORT_FILE must be the absolute path of a file, "
                                    "e.g. /var/www/jwks/.well-known/jwks.json"));
    s.export_file = std::string(*v);
  }
  if (auto v = get("JWKS_TEST_CASES")) {
    if (*v == "1") s.test_cases = true;
    else if (*v != "0") return util::fail(std::string("JWKS_TEST_CASES must be 1 or 0"));
  }
  // The kit hands its tokens to anyone: never beside a login that means
  // something. Its expired and retired-kid cases sign with an expired key.
  if (s.test_cases && s.auth_mode == AuthMode::kStrict)
    return util::fail(std::string("JWKS_TEST_CASES=1 is refused with JWKS_AUTH_MODE=strict: the verifier test kit "
                                  "is for test environments, where anyone may get a token"));
  if (s.test_cases && !s.allow_expired)
    return util::fail(std::string("JWKS_TEST_CASES=1 needs JWKS_ALLOW_EXPIRED=1: the kit's expired and retired-kid "
                                  "cases sign with an expired key"));
  s.max_body_bytes = static_cast<std::size_t>(body);
  s.busy_timeout_ms = static_cast<int>(busy);
  return s;
}

util::Result<Settings, std::string> load_settings_from_environment() {
  return load_settings([](const char* name) { return std::getenv(name); });
}

}  // namespace jwks::service
