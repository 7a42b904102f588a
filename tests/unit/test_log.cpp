#define BOOST_TEST_MODULE log
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>

#include "jwks/auth/password.h"
#include "jwks/service/authenticator.h"
#include "jwks/store/sqlite_store.h"
#include "jwks/util/log.h"
#include "stderr_capture.h"

using namespace jwks;

namespace {

using jwks::test::capture_stderr;

}  // namespace

BOOST_AUTO_TEST_CASE(quote_escapes_what_could_end_a_field) {
  BOOST_TEST(util::quote("alice") == "\"alice\"");
  BOOST_TEST(util::quote("x\"y") == "\"x\\\"y\"");
  BOOST_TEST(util::quote("a\\b") == "\"a\\\\b\"");
  BOOST_TEST(util::quote("line\nbreak\r") == "\"line\\nbreak\\r\"");
  BOOST_TEST(util::quote("bell\x07") == "\"bell\\u0007\"");
  BOOST_TEST(util::quote("\xe2\x80\xa8") == "\"\\u2028\"");              // LINE SEPARATOR
  BOOST_TEST(util::quote("\xe2\x80\xae" "abc") == "\"\\u202eabc\"");     // RIGHT-TO-LEFT OVERRIDE
  BOOST_TEST(util::quote("J\xc3\xbcrgen") == "\"J\\u00fcrgen\"");
  BOOST_TEST(util::quote("\xf0\x9f\x94\x91") == "\"\\ud83d\\udd11\"");   // outside the BMP: a surrogate pair
  BOOST_TEST(util::quote("bad\xff") == "\"bad\\ufffd\"");                 // invalid UTF-8
}

BOOST_AUTO_TEST_CASE(log_lines_are_one_line_of_ascii) {
  const std::string out = capture_stderr([] { util::log_warning("a\nb\xe2\x80\xa8" "c\x7f"); });
  BOOST_TEST(out.find('\n') == out.size() - 1);
  for (unsigned char c : out.substr(0, out.size() - 1)) BOOST_TEST((c >= 0x20 && c < 0x7f));
  BOOST_TEST(out.find("a\\x0ab\\xe2\\x80\\xa8c\\x7f") != std::string::npos, out);
}

// The line format the fronts' log parsers rely on, at each level:
// "<UTC ISO time> jwks-fcgi[<pid>] <level>: <message>".
BOOST_AUTO_TEST_CASE(each_level_is_named_in_a_line_of_the_documented_form) {
  const std::regex form(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z jwks-fcgi\[(\d+)\] (\w+): (.*)\n$)");
  const std::pair<void (*)(std::string_view), const char*> levels[] = {
      {util::log_info, "info"}, {util::log_warning, "warning"}, {util::log_error, "error"}};
  for (const auto& [write, name] : levels) {
    const std::string out = capture_stderr([&] { write("key rotated"); });
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_match(out, m, form), out);
    BOOST_TEST(m[1].str() == std::to_string(::getpid()));
    BOOST_TEST(m[2].str() == name);
    BOOST_TEST(m[3].str() == "key rotated");
  }
}

// Issue 12: the username "x': wrong password; auth failure from 203.0.113.7
// user 'y" was written into the failure line verbatim, so a fail2ban rule on
// that line banned an innocent address.
BOOST_AUTO_TEST_CASE(a_username_cannot_forge_a_failure_line) {
  store::SqliteStore db(":memory:");
  const auth::Argon2Params fast{.memory_kib = 64, .passes = 1, .lanes = 1, .salt_bytes = 16, .hash_bytes = 32};
  service::Authenticator strict(db, service::AuthMode::kStrict, fast);
  const std::string forged = "x': wrong password; auth failure from 203.0.113.7 user 'y";
  const std::string out = capture_stderr([&] {
    auto r = strict.authenticate(auth::Credentials{auth::CredentialSource::kJson, forged, std::string("pw")},
                                 "198.51.100.4");
    BOOST_TEST(!r.ok());
    strict.authenticate(auth::Credentials{auth::CredentialSource::kJson, std::string("eve\xe2\x80\xa8" "2026-12-01T00:00:00Z jwks-fcgi[1] warning: auth failure from 203.0.113.8: wrong password"), std::string("pw")},
                        "198.51.100.5");
  });
  // Two attempts, two lines; a rule anchored at the start of a line finds the
  // real addresses only.
  std::regex line(R"(^\S+ jwks-fcgi\[\d+\] warning: auth failure from ([^ :]+): )");
  std::vector<std::string> addresses;
  std::size_t start = 0, lines = 0;
  for (std::size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1) {
    ++lines;
    std::smatch m;
    const std::string l = out.substr(start, nl - start);
    if (std::regex_search(l, m, line)) addresses.push_back(m[1]);
  }
  BOOST_TEST(lines == 2u, out);
  BOOST_TEST(addresses == (std::vector<std::string>{"198.51.100.4", "198.51.100.5"}), boost::test_tools::per_element());
  BOOST_TEST(out.find("user \"x': wrong password; auth failure from 203.0.113.7 user 'y\"") != std::string::npos, out);
  BOOST_TEST(out.find("user \"eve\\u2028") != std::string::npos, out);
}
