#define BOOST_TEST_MODULE base64
#include <boost/test/unit_test.hpp>

#include "jwks/jose/base64url.h"
#include "jwks/util/base64.h"
#include "vectors.h"

using jwks::jose::base64url_decode;
using jwks::jose::base64url_encode;

namespace {
std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }
}  // namespace

BOOST_AUTO_TEST_CASE(rfc4648_vectors_encode_and_decode) {
  auto doc = jwks::test::load_vector("rfc4648_section10.json");
  BOOST_REQUIRE_EQUAL(doc["vectors"].size(), 7u);
  for (const auto& v : doc["vectors"]) {
    const std::string input = v["input"], b64 = v["base64"], b64url = v["base64url"];
    BOOST_TEST_CONTEXT("input '" << input << "'") {
      BOOST_TEST(base64url_encode(input) == b64url);
      auto decoded = base64url_decode(b64url);
      BOOST_REQUIRE(decoded.has_value());
      BOOST_TEST(*decoded == bytes(input), boost::test_tools::per_element());
      auto std_decoded = jwks::util::base64_decode(b64);
      BOOST_REQUIRE(std_decoded.has_value());
      BOOST_TEST(*std_decoded == bytes(input), boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(rfc7515_appendix_c_uses_url_alphabet) {
  auto doc = jwks::test::load_vector("rfc4648_section10.json")["rfc7515_appendix_c"];
  std::vector<std::uint8_t> octets = doc["octets"].get<std::vector<std::uint8_t>>();
  BOOST_TEST(base64url_encode(octets) == doc["base64url"].get<std::string>());
  auto decoded = base64url_decode(doc["base64url"].get<std::string>());
  BOOST_REQUIRE(decoded.has_value());
  BOOST_TEST(*decoded == octets, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(base64url_decoder_is_strict) {
  BOOST_TEST(!base64url_decode("Zg==").has_value());   // padding
  BOOST_TEST(!base64url_decode("Z").has_value());      // impossible length
  BOOST_TEST(!base64url_decode("A+z/4ME").has_value()); // standard alphabet
  BOOST_TEST(!base64url_decode("Zm 9v").has_value());  // whitespace
  BOOST_TEST(!base64url_decode("Zh").has_value());     // non-zero unused bits: not canonical
  BOOST_TEST(!base64url_decode(std::string("Zm\0v", 4)).has_value());
}

BOOST_AUTO_TEST_CASE(all_byte_values_round_trip) {
  std::vector<std::uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  for (std::size_t len = 0; len <= all.size(); len += 17) {
    std::vector<std::uint8_t> part(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(len));
    auto round = base64url_decode(base64url_encode(part));
    BOOST_REQUIRE(round.has_value());
    BOOST_TEST(*round == part, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(standard_base64_options) {
  using jwks::util::base64_decode;
  BOOST_TEST(!base64_decode("Zg").has_value());  // padding required by default
  using jwks::util::Base64Alphabet;
  using jwks::util::Base64Padding;
  BOOST_TEST(base64_decode("Zg", {Base64Alphabet::kStandard, Base64Padding::kOptional, false}).has_value());
  BOOST_TEST(!base64_decode("A-z_4ME=").has_value());
  BOOST_TEST(base64_decode("A-z_4ME", {Base64Alphabet::kEither, Base64Padding::kOptional, false}).has_value());
  BOOST_TEST(!base64_decode("Zg==", {Base64Alphabet::kStandard, Base64Padding::kForbidden, false}).has_value());
  BOOST_TEST(!base64_decode("Zh==", {Base64Alphabet::kStandard, Base64Padding::kRequired, true}).has_value());
  BOOST_TEST(base64_decode("Zh==").has_value());  // lenient about unused bits unless asked
  BOOST_TEST(!base64_decode("Zg=a").has_value());
  BOOST_TEST(!base64_decode("Z===").has_value());
}
