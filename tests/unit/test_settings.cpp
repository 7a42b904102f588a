#define BOOST_TEST_MODULE settings
#include <boost/test/unit_test.hpp>

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
