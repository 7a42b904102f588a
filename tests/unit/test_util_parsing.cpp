// The small parsers of untrusted text in src/util: IP addresses and networks
// (client addresses, trusted proxies), form and query strings, UTF-8
// checking, durations from the configuration, base64 and hex digits. Each
// case is a text and what it must give, or that it must be refused.
#define BOOST_TEST_MODULE util_parsing
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "jwks/util/base64.h"
#include "jwks/util/duration.h"
#include "jwks/util/form.h"
#include "jwks/util/ip_address.h"

using namespace jwks::util;

namespace {

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

// The canonical text of what `text` parses to, or "-" if it is refused.
std::string address(std::string_view text) {
  auto a = parse_ip_address(text);
  return a ? a->to_string() + (a->v6 ? " v6" : " v4") : "-";
}
std::string network(std::string_view text) {
  auto n = parse_ip_network(text);
  return n ? n->to_string() : "-";
}

}  // namespace

// ---- IP addresses ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(addresses_are_read_the_ways_proxies_write_them) {
  const std::pair<const char*, const char*> cases[] = {
      {"192.0.2.1", "192.0.2.1 v4"},
      {" \t192.0.2.1\t ", "192.0.2.1 v4"},
      {"192.0.2.1:5000", "192.0.2.1 v4"},
      {"2001:DB8:0:0:0:0:0:1", "2001:db8::1 v6"},  // RFC 5952 §4: the canonical text
      {"[2001:db8::1]", "2001:db8::1 v6"},
      {"[2001:db8::1]:443", "2001:db8::1 v6"},
      {"::ffff:192.0.2.1", "192.0.2.1 v4"},         // IPv4-mapped (RFC 4291 §2.5.5.2): the IPv4 host
      {"[::ffff:192.0.2.1]:80", "192.0.2.1 v4"},
      {"fe80::1%eth0", "fe80::1 v6"},               // the zone is dropped
      {"[fe80::1%eth0]:22", "fe80::1 v6"},
      // The longest IPv6 text there is (45 characters, INET6_ADDRSTRLEN - 1).
      {"0000:0000:0000:0000:0000:ffff:255.255.255.255", "255.255.255.255 v4"},
  };
  for (const auto& [text, expected] : cases) BOOST_TEST(address(text) == expected, text);
}

BOOST_AUTO_TEST_CASE(anything_else_is_not_an_address) {
  for (const char* text : {
           "", "   ", "unknown", "localhost", "192.0.2", "192.0.2.256", "999.0.0.1:80",
           "192.0.2.1:", "192.0.2.1:http", "192.0.2.1:80:81x",
           "[2001:db8::1", "[2001:db8::1]x", "[2001:db8::1]:", "[2001:db8::1]:44a",
           "[192.0.2.1]", "[192.0.2.1]:80",   // IPv4 has no brackets
           "192.0.2.1%eth0",                  // nor a zone
           "2001:db8::g", "1:2:3:4:5:6:7:8:9",
           "0000:0000:0000:0000:0000:ffff:255.255.255.2555",  // 46 characters
       })
    BOOST_TEST(address(text) == "-", '"' << text << '"');
}

BOOST_AUTO_TEST_CASE(loopback_and_masks) {
  BOOST_TEST(parse_ip_address("127.0.0.1")->is_loopback());
  BOOST_TEST(parse_ip_address("127.255.0.9")->is_loopback());
  BOOST_TEST(!parse_ip_address("128.0.0.1")->is_loopback());
  BOOST_TEST(parse_ip_address("::1")->is_loopback());
  BOOST_TEST(!parse_ip_address("::2")->is_loopback());
  BOOST_TEST(!parse_ip_address("1::1")->is_loopback());
  BOOST_TEST(!parse_ip_address("::")->is_loopback());
  BOOST_TEST(parse_ip_address("::ffff:127.0.0.1")->is_loopback());  // mapped: the IPv4 host
  BOOST_TEST(parse_ip_address("192.0.2.255")->masked(24).to_string() == "192.0.2.0");
  BOOST_TEST(parse_ip_address("192.0.2.255")->masked(25).to_string() == "192.0.2.128");
  BOOST_TEST(parse_ip_address("192.0.2.255")->masked(0).to_string() == "0.0.0.0");
  BOOST_TEST(parse_ip_address("2001:db8:1:2:3:4:5:6")->masked(48).to_string() == "2001:db8:1::");
  BOOST_TEST(parse_ip_address("2001:db8:1:2:3:4:5:6")->masked(128).to_string() == "2001:db8:1:2:3:4:5:6");
}

BOOST_AUTO_TEST_CASE(networks_in_cidr_form) {
  const std::pair<const char*, const char*> cases[] = {
      {"10.0.0.0/8", "10.0.0.0/8"},
      {" 192.0.2.0/24 ", "192.0.2.0/24"},
      {"192.0.2.7", "192.0.2.7"},                  // a bare address: one host
      {"192.0.2.7/32", "192.0.2.7"},
      {"0.0.0.0/0", "0.0.0.0/0"},
      {"2001:DB8::/32", "2001:db8::/32"},
      {"2001:db8::1", "2001:db8::1"},
      {"::/0", "::/0"},
      {"::ffff:10.0.0.0/104", "10.0.0.0/8"},       // mapped: 96 bits of prefix come off
      {"::ffff:0.0.0.0/96", "0.0.0.0/0"},
      {"::ffff:192.0.2.7/128", "192.0.2.7"},
      // Refused:
      {"10.1.2.3/8", "-"},                         // host bits set
      {"10.0.0.0/33", "-"},
      {"2001:db8::/129", "-"},
      {"10.0.0.0/", "-"},
      {"10.0.0.0/8x", "-"},
      {"10.0.0.0/-8", "-"},
      {"10.0.0.0/0008", "-"},                      // more than three digits
      {"::ffff:10.0.0.0/95", "-"},                 // a mapped prefix shorter than the mapping
      {"::ffff:10.0.0.0/129", "-"},
      {"10.0.0.1:80", "-"},                        // a port is a typo here
      {"[2001:db8::]/32", "-"},
      {"fe80::%eth0/64", "-"},
      {"", "-"},
      {"intranet/8", "-"},
  };
  for (const auto& [text, expected] : cases) BOOST_TEST(network(text) == expected, text);
}

BOOST_AUTO_TEST_CASE(a_network_holds_only_its_own_family) {
  auto v4 = parse_ip_network("192.0.2.0/24");
  auto v6 = parse_ip_network("::/0");
  BOOST_REQUIRE((v4 && v6));
  BOOST_TEST(v4->contains(*parse_ip_address("192.0.2.200")));
  BOOST_TEST(!v4->contains(*parse_ip_address("192.0.3.1")));
  BOOST_TEST(v6->contains(*parse_ip_address("2001:db8::1")));
  BOOST_TEST(!v6->contains(*parse_ip_address("192.0.2.1")));          // every IPv6 host, no IPv4 one
  BOOST_TEST(!v6->contains(*parse_ip_address("::ffff:192.0.2.1")));   // not even a mapped one
}

// ---- Forms and query strings ----------------------------------------------

BOOST_AUTO_TEST_CASE(form_fields_are_split_and_percent_decoded) {
  auto f = parse_form("grant_type=password&username=J%C3%BCrgen+M&&password=a%2Bb%3D%26c&flag&=v&");
  BOOST_REQUIRE(f.has_value());
  const FormFields expected = {{"grant_type", "password"}, {"username", "J\xc3\xbcrgen M"},
                               {"password", "a+b=&c"},       {"flag", ""},
                               {"", "v"}};
  BOOST_REQUIRE_EQUAL(f->size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    BOOST_TEST((*f)[i].first == expected[i].first);
    BOOST_TEST((*f)[i].second == expected[i].second);
  }
  BOOST_TEST(parse_form("")->empty());
  BOOST_TEST(parse_form("&&")->empty());
  auto nul = parse_form("a=%00%ff%FF");
  BOOST_REQUIRE(nul.has_value());
  BOOST_TEST((*nul)[0].second == std::string("\0\xff\xff", 3));
}

BOOST_AUTO_TEST_CASE(a_bad_percent_escape_refuses_the_whole_form) {
  for (const char* text : {"a=%", "a=%4", "a=1%", "a=%zz", "a=%4z", "a=%z4", "a=%%41", "%zz=1", "ok=1&n%g=2",
                           "a=%+1"})
    BOOST_TEST(!parse_form(text).has_value(), text);
}

// RFC 3629 §7's examples, and the malformed sequences of Markus Kuhn's
// UTF-8 decoder stress test.
BOOST_AUTO_TEST_CASE(utf8_is_checked_strictly) {
  for (const char* ok : {"", "plain ASCII",
                         "\x41\xe2\x89\xa2\xce\x91\x2e",                      // "A≢Α."
                         "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4",              // "한국어"
                         "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",              // "日本語"
                         "\xef\xbb\xbf\xf0\xa3\x8e\xb4",                      // BOM, U+233B4
                         "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
                         "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"})  // the boundaries
    BOOST_TEST(is_valid_utf8(ok), ok);
  const char* bad[] = {
      "\x80", "\xbf",                          // a continuation byte alone
      "\xc0\xaf", "\xc1\xbf",                  // overlong two-byte forms
      "\xe0\x80\xaf", "\xe0\x9f\xbf",          // overlong three-byte forms
      "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf",  // overlong four-byte forms
      "\xed\xa0\x80", "\xed\xbf\xbf",          // UTF-16 surrogates
      "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",  // above U+10FFFF
      "\xf8\x88\x80\x80\x80", "\xfe", "\xff",  // bytes that never appear
      "\xc3\x28", "\xe2\x28\xa1", "\xe2\x82\x28", "\xf0\x28\x8c\xbc",  // a bad continuation byte
      "\xc3", "\xe2\x82", "\xf0\x9f\x94",      // cut short
      "ok\xe2\x82",
  };
  for (const char* b : bad) BOOST_TEST(!is_valid_utf8(b), b);
}

// ---- Durations ------------------------------------------------------------

BOOST_AUTO_TEST_CASE(durations_up_to_the_largest_that_fits) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  BOOST_TEST(*parse_duration_seconds("1") == 1);
  BOOST_TEST(*parse_duration_seconds("9223372036854775807") == kMax);
  BOOST_TEST(*parse_duration_seconds("9223372036854775807s") == kMax);
  // INT64_MAX / 86400 = 106751991167300 (rest 55807): that many days fit, one more does not.
  BOOST_TEST(*parse_duration_seconds("106751991167300d") == 106751991167300 * 86400);
  BOOST_TEST(!parse_duration_seconds("106751991167301d").has_value());
  BOOST_TEST(*parse_duration_seconds("153722867280912930m") == 153722867280912930 * 60);
  BOOST_TEST(!parse_duration_seconds("153722867280912931m").has_value());
  BOOST_TEST(!parse_duration_seconds("2562047788015216h").has_value());  // INT64_MAX / 3600 + 1
  for (const char* bad : {"", "s", "d", "0", "0s", "-5", "+5", "5x", "5 s", " 5", "5ss", "1.5h", "0x10",
                          "9223372036854775808",        // INT64_MAX + 1
                          "000000000000000000001",      // 21 characters
                          "99999999999999999999d"})
    BOOST_TEST(!parse_duration_seconds(bad).has_value(), '"' << bad << '"');
}

// ---- base64 and hex -------------------------------------------------------

// RFC 4648 §10, in both alphabets and each padding rule.
BOOST_AUTO_TEST_CASE(base64_alphabets_and_padding) {
  const std::pair<const char*, const char*> rfc4648[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  const Base64Options required{}, optional{Base64Alphabet::kStandard, Base64Padding::kOptional, false},
      forbidden{Base64Alphabet::kStandard, Base64Padding::kForbidden, false};
  for (const auto& [plain, encoded] : rfc4648) {
    std::string unpadded(encoded);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    BOOST_TEST(base64_decode(encoded, required).value_or(bytes("?")) == bytes(plain), encoded);
    BOOST_TEST(base64_decode(encoded, optional).value_or(bytes("?")) == bytes(plain), encoded);
    BOOST_TEST(base64_decode(unpadded, optional).value_or(bytes("?")) == bytes(plain), unpadded);
    BOOST_TEST(base64_decode(unpadded, forbidden).value_or(bytes("?")) == bytes(plain), unpadded);
    if (unpadded != encoded) {
      BOOST_TEST(!base64_decode(unpadded, required).has_value(), unpadded);
      BOOST_TEST(!base64_decode(encoded, forbidden).has_value(), encoded);
    }
  }
  // 0xfb 0xff is "+/8=" in the standard alphabet and "-_8" in the URL one.
  const Base64Options url{Base64Alphabet::kUrl, Base64Padding::kOptional, false},
      either{Base64Alphabet::kEither, Base64Padding::kOptional, false};
  const std::vector<std::uint8_t> fbff = {0xfb, 0xff};
  BOOST_TEST(base64_decode("+/8=").value_or(bytes("?")) == fbff);
  BOOST_TEST(base64_decode("-_8", url).value_or(bytes("?")) == fbff);
  BOOST_TEST(base64_decode("+/8", either).value_or(bytes("?")) == fbff);
  BOOST_TEST(base64_decode("-_8", either).value_or(bytes("?")) == fbff);
  BOOST_TEST(!base64_decode("-_8=").has_value());
  BOOST_TEST(!base64_decode("+/8", url).has_value());
  BOOST_TEST(!base64_decode("+_8", url).has_value());
  BOOST_TEST(!base64_decode("-/8=", required).has_value());
  for (const char* bad : {"Zm9~", "Zm9{", "Zm9|", "Zm9:", "Zm9@", "Zm9[", "Zm9`", "Zm9\x80", "Zm 9", "Zm9v\n"})
    BOOST_TEST(!base64_decode(bad, optional).has_value(), bad);
  // Lengths no encoding has, and padding in the wrong place or too much of it.
  for (const char* bad : {"Z", "Zm9vY", "Z=", "Z==", "Zm9=Yg==", "Zg===", "=", "===="})
    BOOST_TEST(!base64_decode(bad, optional).has_value(), bad);
}

// RFC 7515 (JOSE) wants one encoding per byte string: the unused low bits of
// the last character must be zero.
BOOST_AUTO_TEST_CASE(canonical_base64_refuses_nonzero_unused_bits) {
  const Base64Options canonical{Base64Alphabet::kUrl, Base64Padding::kForbidden, true};
  BOOST_TEST(base64_decode("Zg", canonical).value_or(bytes("?")) == bytes("f"));
  BOOST_TEST(!base64_decode("Zh", canonical).has_value());   // 0x66 plus one stray bit
  BOOST_TEST(!base64_decode("Zm9", canonical).has_value());  // "fo" is Zm8
  BOOST_TEST(base64_decode("Zm8", canonical).value_or(bytes("?")) == bytes("fo"));
  BOOST_TEST(base64_decode("Zm9v", canonical).value_or(bytes("?")) == bytes("foo"));  // no unused bits
}

BOOST_AUTO_TEST_CASE(hex_digits_in_either_case) {
  const std::string digits = "0123456789abcdef", upper = "ABCDEF";
  for (std::size_t i = 0; i < digits.size(); ++i) BOOST_TEST(hex_digit_value(digits[i]) == static_cast<int>(i));
  for (std::size_t i = 0; i < upper.size(); ++i) BOOST_TEST(hex_digit_value(upper[i]) == static_cast<int>(10 + i));
  // The neighbours of each range, and bytes above ASCII.
  for (char c : {'/', ':', '@', 'G', '`', 'g', ' ', '\0', 'x', static_cast<char>(0xc3)})
    BOOST_TEST(hex_digit_value(c) == -1, static_cast<int>(c));
}
