#define BOOST_TEST_MODULE settings
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <map>

#include "jwks/service/settings.h"
#include "jwks/util/duration.h"

using namespace jwks::service;

namespace {

jwks::util::Result<Settings, std::string> load(std::map<std::string, std::string> env) {
  return load_settings([&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

void expect_error_naming(std::map<std::string, std::string> env, const std::string& variable) {
  auto r = load(env);
  BOOST_REQUIRE_MESSAGE(!r.ok(), variable << " accepted");
  BOOST_TEST(r.error().find(variable) != std::string::npos, r.error());
}

}  // namespace

BOOST_AUTO_TEST_CASE(defaults) {
  auto r = load({});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->db_path == "totally_not_my_privateKeys.db");
  BOOST_TEST((r->auth_mode == AuthMode::kOpen));
  BOOST_TEST(r->allow_expired);
  BOOST_TEST(r->signing_period == 86400);
  BOOST_TEST(r->publish_lead == 3600);
  BOOST_TEST(r->token_lifetime == 3600);
  BOOST_TEST(r->key_retention == 7 * 86400);
  BOOST_TEST(r->register_rate_limit.requests == 5);
  BOOST_TEST(r->register_rate_limit.window_ms == 60000);
  BOOST_TEST(r->register_concurrency >= 1);
}

BOOST_AUTO_TEST_CASE(explicit_values) {
  auto r = load({{"JWKS_DB", "/var/lib/jwks/keys.db"},
                 {"JWKS_AUTH_MODE", "strict"},
                 {"JWKS_ALLOW_EXPIRED", "0"},
                 {"JWKS_SIGNING_PERIOD", "7d"},
                 {"JWKS_PUBLISH_LEAD", "12h"},
                 {"JWKS_TOKEN_LIFETIME", "15m"},
                 {"JWKS_KEY_RETENTION", "30d"},
                 {"JWKS_MAX_BODY", "4096"}});
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->db_path == "/var/lib/jwks/keys.db");
  BOOST_TEST((r->auth_mode == AuthMode::kStrict));
  BOOST_TEST(!r->allow_expired);
  BOOST_TEST(r->signing_period == 7 * 86400);
  BOOST_TEST(r->publish_lead == 12 * 3600);
  BOOST_TEST(r->token_lifetime == 900);
  BOOST_TEST(r->key_retention == 30 * 86400);
  BOOST_TEST(r->max_body_bytes == 4096u);
  auto more = load({{"JWKS_ISSUER", "https://auth.example.com/"}, {"JWKS_AUDIENCE", "api://orders"},
                    {"JWKS_RATE_LIMIT", "5/60s"}, {"JWKS_TRUSTED_PROXIES", "10.0.0.1, ::1"}});
  BOOST_REQUIRE(more.ok());
  BOOST_TEST(more->issuer == "https://auth.example.com");  // trailing slash dropped
  BOOST_TEST(more->audience == "api://orders");
  BOOST_TEST(more->rate_limit.requests == 5);
  BOOST_TEST(more->rate_limit.window_ms == 60000);
  std::vector<std::string> proxies;
  for (const auto& n : more->trusted_proxies) proxies.push_back(n.to_string());
  BOOST_TEST(proxies == (std::vector<std::string>{"10.0.0.1", "::1"}), boost::test_tools::per_element());
  BOOST_TEST(more->ipv6_prefix == 64);  // the default
  BOOST_TEST(more->export_file.empty());  // no static export unless asked
  auto exported = load({{"JWKS_EXPORT_FILE", "/var/www/jwks/.well-known/jwks.json"}});
  BOOST_REQUIRE(exported.ok());
  BOOST_TEST(exported->export_file == "/var/www/jwks/.well-known/jwks.json");
}

// The verifier test kit: off unless asked, and never beside strict mode or
// without the expired key two of its cases sign with.
BOOST_AUTO_TEST_CASE(the_test_kit_is_off_by_default_and_refused_where_it_cannot_belong) {
  BOOST_TEST(!load({})->test_cases);
  BOOST_TEST(!load({{"JWKS_TEST_CASES", "0"}})->test_cases);
  BOOST_TEST(load({{"JWKS_TEST_CASES", "1"}})->test_cases);
  BOOST_TEST(load({{"JWKS_TEST_CASES", "1"}, {"JWKS_AUTH_MODE", "open"}, {"JWKS_ALLOW_EXPIRED", "1"}})->test_cases);
  for (const char* bad : {"yes", "true", "2", " 1"}) expect_error_naming({{"JWKS_TEST_CASES", bad}}, "JWKS_TEST_CASES");
  auto strict = load({{"JWKS_TEST_CASES", "1"}, {"JWKS_AUTH_MODE", "strict"}});
  BOOST_REQUIRE(!strict.ok());
  BOOST_TEST(strict.error() ==
             "JWKS_TEST_CASES=1 is refused with JWKS_AUTH_MODE=strict: the verifier test kit is for test environments, "
             "where anyone may get a token");
  expect_error_naming({{"JWKS_TEST_CASES", "1"}, {"JWKS_ALLOW_EXPIRED", "0"}}, "JWKS_ALLOW_EXPIRED=1");
  BOOST_TEST(load({{"JWKS_TEST_CASES", "0"}, {"JWKS_AUTH_MODE", "strict"}, {"JWKS_ALLOW_EXPIRED", "0"}}).ok());
}

BOOST_AUTO_TEST_CASE(bad_values_name_their_variable) {
  expect_error_naming({{"JWKS_AUTH_MODE", "permissive"}}, "JWKS_AUTH_MODE");
  expect_error_naming({{"JWKS_ALLOW_EXPIRED", "yes"}}, "JWKS_ALLOW_EXPIRED");
  expect_error_naming({{"JWKS_SIGNING_PERIOD", "-5"}}, "JWKS_SIGNING_PERIOD");
  expect_error_naming({{"JWKS_TOKEN_LIFETIME", "1w"}}, "JWKS_TOKEN_LIFETIME");
  expect_error_naming({{"JWKS_KEY_RETENTION", "0"}}, "JWKS_KEY_RETENTION");
  expect_error_naming({{"JWKS_PUBLISH_LEAD", "2d"}}, "JWKS_PUBLISH_LEAD");  // longer than the signing period
  // The old name is refused rather than silently ignored, and the error says what replaced it.
  expect_error_naming({{"JWKS_KEY_LIFETIME", "24h"}}, "JWKS_SIGNING_PERIOD");
  expect_error_naming({{"JWKS_MAX_BODY", "12kb"}}, "JWKS_MAX_BODY");
  expect_error_naming({{"JWKS_MAX_BODY", "10"}}, "JWKS_MAX_BODY");
  expect_error_naming({{"JWKS_ISSUER", "auth.example.com"}}, "JWKS_ISSUER");
  expect_error_naming({{"JWKS_ISSUER", "https://a.example/?x=1"}}, "JWKS_ISSUER");
  expect_error_naming({{"JWKS_RATE_LIMIT", "10"}}, "JWKS_RATE_LIMIT");
  expect_error_naming({{"JWKS_REGISTER_RATE_LIMIT", "5/2d"}}, "JWKS_REGISTER_RATE_LIMIT");
  expect_error_naming({{"JWKS_REGISTER_CONCURRENCY", "0"}}, "JWKS_REGISTER_CONCURRENCY");
  expect_error_naming({{"JWKS_TRUSTED_PROXIES", "10.0.0.1, proxy.local"}}, "JWKS_TRUSTED_PROXIES");
  expect_error_naming({{"JWKS_TRUSTED_PROXIES", "10.0.0.0/33"}}, "JWKS_TRUSTED_PROXIES");
  expect_error_naming({{"JWKS_TRUSTED_PROXIES", "10.1.2.3/8"}}, "JWKS_TRUSTED_PROXIES");  // host bits set
  for (const char* typo : {"10.0.0.1:80", "1.0.0.0:5/104", "[::1]:443", "fe80::1%eth0", "10.0.0.0/", "/8"})
    expect_error_naming({{"JWKS_TRUSTED_PROXIES", typo}}, "JWKS_TRUSTED_PROXIES");
  expect_error_naming({{"JWKS_IPV6_PREFIX", "0"}}, "JWKS_IPV6_PREFIX");
  expect_error_naming({{"JWKS_IPV6_PREFIX", "129"}}, "JWKS_IPV6_PREFIX");
  expect_error_naming({{"JWKS_EXPORT_FILE", "jwks.json"}}, "JWKS_EXPORT_FILE");  // relative
  expect_error_naming({{"JWKS_EXPORT_FILE", "/var/www/jwks/"}}, "JWKS_EXPORT_FILE");  // a directory
}

// Trusted proxies in any spelling, and CIDR ranges (issue 12).
BOOST_AUTO_TEST_CASE(trusted_proxies_are_networks) {
  auto r = load({{"JWKS_TRUSTED_PROXIES", "10.0.0.0/8,2001:DB8::/32 ::ffff:192.0.2.1 ::1 ::ffff:172.16.0.0/108"},
                 {"JWKS_IPV6_PREFIX", "56"}});
  BOOST_REQUIRE(r.ok());
  std::vector<std::string> proxies;
  for (const auto& n : r->trusted_proxies) proxies.push_back(n.to_string());
  BOOST_TEST(proxies == (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32", "192.0.2.1", "::1", "172.16.0.0/12"}),
             boost::test_tools::per_element());
  BOOST_TEST(r->ipv6_prefix == 56);
  BOOST_TEST(r->trusted_proxies[0].contains(*jwks::util::parse_ip_address("10.255.0.1")));
  BOOST_TEST(!r->trusted_proxies[0].contains(*jwks::util::parse_ip_address("11.0.0.1")));
  BOOST_TEST(r->trusted_proxies[1].contains(*jwks::util::parse_ip_address("[2001:db8:ffff::1]:443")));
  BOOST_TEST(r->trusted_proxies[2].contains(*jwks::util::parse_ip_address("::ffff:192.0.2.1")));
}

BOOST_AUTO_TEST_CASE(durations) {
  using jwks::util::parse_duration_seconds;
  BOOST_TEST(*parse_duration_seconds("90") == 90);
  BOOST_TEST(*parse_duration_seconds("90s") == 90);
  BOOST_TEST(*parse_duration_seconds("15m") == 900);
  BOOST_TEST(*parse_duration_seconds("24h") == 86400);
  BOOST_TEST(*parse_duration_seconds("7d") == 604800);
  for (const char* bad : {"", "s", "0", "-1", "1.5h", "10 m", "99999999999999999999d", "1e3"})
    BOOST_TEST(!parse_duration_seconds(bad).has_value(), bad);
}

// What an operator reads when a value is refused: the whole message, for
// each check (a message that names the wrong variable or the wrong forms
// sends them looking in the wrong place).
BOOST_AUTO_TEST_CASE(each_refusal_says_what_is_accepted) {
  const std::string duration_forms = " must be a positive duration of at most 10 years, e.g. 3600, 90s, 15m, 24h or 7d";
  const std::string issuer_forms = "JWKS_ISSUER must be an http(s) URL without query or fragment, e.g. https://auth.example.com";
  const std::string export_forms =
      "JWKS_EXPORT_FILE must be the absolute path of a file, e.g. /var/www/jwks/.well-known/jwks.json";
  const std::string audience_forms = "JWKS_AUDIENCE must be UTF-8 text of at most 1024 bytes";
  const std::string alg_forms = "JWKS_ALG must be RS256, PS256, ES256 or EdDSA";
  const std::string long_issuer = "https://auth.example.com/" + std::string(2049 - 25, 'a');
  const struct {
    const char* name;
    std::string value, message;
  } cases[] = {
      {"JWKS_AUTH_MODE", "Strict", "JWKS_AUTH_MODE must be 'open' or 'strict'"},
      {"JWKS_ALLOW_EXPIRED", "true", "JWKS_ALLOW_EXPIRED must be 1 or 0"},
      {"JWKS_SIGNING_PERIOD", "3651d", "JWKS_SIGNING_PERIOD" + duration_forms},  // over ten years
      {"JWKS_PUBLISH_LEAD", "soon", "JWKS_PUBLISH_LEAD" + duration_forms},
      {"JWKS_TOKEN_LIFETIME", "0s", "JWKS_TOKEN_LIFETIME" + duration_forms},
      {"JWKS_KEY_RETENTION", "1y", "JWKS_KEY_RETENTION" + duration_forms},
      {"JWKS_MAX_BODY", "255", "JWKS_MAX_BODY must be an integer from 256 to 1048576"},
      {"JWKS_MAX_BODY", "1048577", "JWKS_MAX_BODY must be an integer from 256 to 1048576"},
      {"JWKS_MAX_BODY", "99999999999999999999", "JWKS_MAX_BODY must be an integer from 256 to 1048576"},  // overflows
      {"JWKS_BUSY_TIMEOUT_MS", "60001", "JWKS_BUSY_TIMEOUT_MS must be an integer from 0 to 60000"},
      {"JWKS_BUSY_TIMEOUT_MS", "-1", "JWKS_BUSY_TIMEOUT_MS must be an integer from 0 to 60000"},
      {"JWKS_BUSY_TIMEOUT_MS", "5s", "JWKS_BUSY_TIMEOUT_MS must be an integer from 0 to 60000"},
      {"JWKS_RATE_LIMIT", "1000001/1s",
       "JWKS_RATE_LIMIT must be N/W: at most N /auth requests per client address in any window of W (1s to 24h), "
       "e.g. 10/1s or 5/60s"},
      {"JWKS_REGISTER_RATE_LIMIT", "5/25h",
       "JWKS_REGISTER_RATE_LIMIT must be N/W: at most N /register requests per client address in any window of W "
       "(1s to 24h), e.g. 5/60s or 20/1h"},
      {"JWKS_REGISTER_CONCURRENCY", "1025", "JWKS_REGISTER_CONCURRENCY must be an integer from 1 to 1024"},
      {"JWKS_RESPONDERS", "0", "JWKS_RESPONDERS must be an integer from 1 to 256"},
      {"JWKS_RESPONDERS", "257", "JWKS_RESPONDERS must be an integer from 1 to 256"},
      {"JWKS_TRUSTED_PROXIES", "10.0.0.1,,proxy",
       "JWKS_TRUSTED_PROXIES must list IP addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32) separated by commas; "
       "'proxy' is not one"},
      {"JWKS_IPV6_PREFIX", "64bits", "JWKS_IPV6_PREFIX must be an integer from 1 to 128"},
      {"JWKS_ISSUER", "/", issuer_forms},  // nothing left once the trailing '/' goes
      {"JWKS_ISSUER", "ftp://auth.example.com", issuer_forms},
      {"JWKS_ISSUER", "https:///", issuer_forms},  // no host
      {"JWKS_ISSUER", "https://auth.example.com#top", issuer_forms},
      {"JWKS_ISSUER", "https://auth.example.com/a b", issuer_forms},
      {"JWKS_ISSUER", "https://auth.example.com/\"x\"", issuer_forms},
      {"JWKS_ISSUER", long_issuer, issuer_forms},  // 2,049 bytes
      {"JWKS_ALG", "HS256", alg_forms},  // a shared secret would let every verifier sign
      {"JWKS_ALG", "none", alg_forms},
      {"JWKS_ALG", "rs256", alg_forms},
      {"JWKS_AUDIENCE", std::string(1025, 'a'), audience_forms},
      {"JWKS_AUDIENCE", "api://caf\xe9", audience_forms},  // Latin-1, not UTF-8
      {"JWKS_EXPORT_FILE", "/" + std::string(4096, 'a'), export_forms},
  };
  for (const auto& c : cases) {
    auto r = load({{c.name, c.value}});
    BOOST_TEST_REQUIRE(!r.ok(), c.name << "=" << c.value << " accepted");
    BOOST_TEST(r.error() == c.message, c.name << "=" << c.value);
  }
  // The publication lead against the signing period, and the variable that is gone.
  auto lead = load({{"JWKS_SIGNING_PERIOD", "1h"}, {"JWKS_PUBLISH_LEAD", "61m"}});
  BOOST_REQUIRE(!lead.ok());
  BOOST_TEST(lead.error() ==
             "JWKS_PUBLISH_LEAD must not be longer than JWKS_SIGNING_PERIOD: the next key is published one lead "
             "before the current one stops signing");
  auto old = load({{"JWKS_KEY_LIFETIME", "1d"}});
  BOOST_REQUIRE(!old.ok());
  BOOST_TEST(old.error() ==
             "JWKS_KEY_LIFETIME is no longer read: set JWKS_SIGNING_PERIOD (how long a key signs; a key expires one "
             "token lifetime after it stops signing)");
}

// The accepted edge of each check, and the values the table above refuses
// only a step beyond.
BOOST_AUTO_TEST_CASE(values_at_the_edges_are_accepted) {
  auto r = load({{"JWKS_AUTH_MODE", "open"},
                 {"JWKS_ALLOW_EXPIRED", "1"},
                 {"JWKS_SIGNING_PERIOD", "3650d"},
                 {"JWKS_PUBLISH_LEAD", "3650d"},  // as long as the period, not longer
                 {"JWKS_MAX_BODY", "1048576"},
                 {"JWKS_BUSY_TIMEOUT_MS", "0"},
                 {"JWKS_RATE_LIMIT", "1000000/24h"},
                 {"JWKS_REGISTER_CONCURRENCY", "1024"},
                 {"JWKS_RESPONDERS", "256"},
                 {"JWKS_IPV6_PREFIX", "128"},
                 {"JWKS_ISSUER", "http://127.0.0.1:8080/tenant//"},
                 {"JWKS_ALG", "EdDSA"},
                 {"JWKS_AUDIENCE", "api://caf\xc3\xa9"},
                 {"JWKS_EXPORT_FILE", "/" + std::string(4095, 'a')}});
  BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error()));
  BOOST_TEST((r->auth_mode == AuthMode::kOpen));
  BOOST_TEST(r->allow_expired);
  BOOST_TEST(r->signing_period == 3650LL * 86400);
  BOOST_TEST(r->publish_lead == 3650LL * 86400);
  BOOST_TEST(r->max_body_bytes == 1048576u);
  BOOST_TEST(r->busy_timeout_ms == 0);
  BOOST_TEST(r->rate_limit.requests == 1000000);
  BOOST_TEST(r->rate_limit.window_ms == 86400LL * 1000);
  BOOST_TEST(r->register_concurrency == 1024);
  BOOST_TEST(r->responders == 256);
  BOOST_TEST(r->ipv6_prefix == 128);
  BOOST_TEST(r->issuer == "http://127.0.0.1:8080/tenant");  // every trailing '/' dropped
  BOOST_TEST(r->alg == "EdDSA");
  BOOST_TEST(r->audience == "api://caf\xc3\xa9");
  BOOST_TEST(r->export_file.size() == 4096u);
  // An empty variable counts as unset, as a shell's VAR= means.
  auto empty = load({{"JWKS_AUTH_MODE", ""}, {"JWKS_ALG", ""}, {"JWKS_ISSUER", ""}});
  BOOST_REQUIRE(empty.ok());
  BOOST_TEST((empty->auth_mode == AuthMode::kOpen));
  BOOST_TEST(empty->alg == "RS256");
  BOOST_TEST(empty->issuer.empty());
  BOOST_TEST(empty->responders == 1);  // one process, as before the variable existed
}

// The responders read the process environment itself.
BOOST_AUTO_TEST_CASE(the_process_environment_is_read) {
  BOOST_REQUIRE(::setenv("JWKS_ALG", "ES256", 1) == 0);
  BOOST_REQUIRE(::setenv("JWKS_AUDIENCE", "api://from-the-environment", 1) == 0);
  auto r = load_settings_from_environment();
  ::unsetenv("JWKS_ALG");
  ::unsetenv("JWKS_AUDIENCE");
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(r->alg == "ES256");
  BOOST_TEST(r->audience == "api://from-the-environment");
  BOOST_REQUIRE(::setenv("JWKS_ALG", "HS256", 1) == 0);
  auto refused = load_settings_from_environment();
  ::unsetenv("JWKS_ALG");
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error() == "JWKS_ALG must be RS256, PS256, ES256 or EdDSA");
}
