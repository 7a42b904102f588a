#define BOOST_TEST_MODULE jws
#include <boost/test/unit_test.hpp>

#include "jwks/crypto/pkcs8.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/jws_alg.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/jws.h"
#include "jwks/jose/thumbprint.h"
#include "vectors.h"

using namespace jwks;

namespace {

std::vector<std::uint8_t> b64(const nlohmann::json& jwk, const char* member) {
  auto v = jose::base64url_decode(jwk.at(member).get<std::string>());
  BOOST_REQUIRE_MESSAGE(v.has_value(), member);
  return *v;
}

struct Rfc7515A2 {
  nlohmann::json doc = test::load_vector("rfc7515_a2.json");
  nlohmann::json jwk = doc.at("jwk");
  std::vector<std::uint8_t> n = b64(jwk, "n"), e = b64(jwk, "e"), d = b64(jwk, "d"), p = b64(jwk, "p"),
                            q = b64(jwk, "q"), dp = b64(jwk, "dp"), dq = b64(jwk, "dq"), qi = b64(jwk, "qi");
  crypto::PkeyPtr private_key() const { return crypto::rsa_private_key({n, e, d, p, q, dp, dq, qi}); }
  std::string payload() const {
    auto bytes = jose::base64url_decode(doc.at("payload_b64").get<std::string>());
    return std::string(bytes->begin(), bytes->end());
  }
};

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(rfc7515_appendix_a2, Rfc7515A2)

BOOST_AUTO_TEST_CASE(rs256_signature_matches_byte_for_byte) {
  crypto::PkeyPtr key = private_key();
  const std::string header = doc.at("protected_header");
  std::string token = jose::sign_compact(header, payload(), [&](std::span<const std::uint8_t> input) {
    return crypto::sign(crypto::JwsAlg::kRS256, *key, input);
  });
  BOOST_TEST(token == doc.at("compact").get<std::string>());
  BOOST_TEST(token.substr(0, token.rfind('.')) == doc.at("signing_input").get<std::string>());
}

BOOST_AUTO_TEST_CASE(signature_verifies_with_the_public_jwk_only) {
  crypto::PkeyPtr pub = crypto::rsa_public_key(n, e);
  auto parts = jose::parse_compact(doc.at("compact").get<std::string>());
  BOOST_REQUIRE(parts.has_value());
  BOOST_TEST(parts->header_json == doc.at("protected_header").get<std::string>());
  BOOST_TEST(parts->payload_json == payload());
  BOOST_TEST(crypto::verify(crypto::JwsAlg::kRS256, *pub, as_bytes(parts->signing_input), parts->signature));

  auto tampered_sig = parts->signature;
  tampered_sig[10] ^= 1;
  BOOST_TEST(!crypto::verify(crypto::JwsAlg::kRS256, *pub, as_bytes(parts->signing_input), tampered_sig));
  std::string tampered_input = parts->signing_input;
  tampered_input[5] = tampered_input[5] == 'A' ? 'B' : 'A';
  BOOST_TEST(!crypto::verify(crypto::JwsAlg::kRS256, *pub, as_bytes(tampered_input), parts->signature));
  BOOST_TEST(!crypto::verify(crypto::JwsAlg::kRS256, *pub, as_bytes(parts->signing_input), std::vector<std::uint8_t>{}));
}

BOOST_AUTO_TEST_CASE(public_jwk_export_matches_the_rfc) {
  crypto::PkeyPtr key = private_key();
  crypto::RsaPublicComponents pub = crypto::rsa_public_components(*key);
  nlohmann::json members = jose::rsa_public_members(pub.n, pub.e);
  BOOST_TEST(members.at("kty") == "RSA");
  BOOST_TEST(members.at("n") == jwk.at("n"));
  BOOST_TEST(members.at("e") == jwk.at("e"));
  nlohmann::json published = jose::publishable_jwk(members, "7", "RS256");
  BOOST_TEST(published.at("kid") == "7");  // always a string
  BOOST_TEST(published.at("use") == "sig");
  BOOST_TEST(published.at("alg") == "RS256");
  BOOST_TEST(!published.contains("d"));
}

BOOST_AUTO_TEST_CASE(pkcs8_round_trip_keeps_signatures_identical) {
  crypto::PkeyPtr key = private_key();
  crypto::SecureBytes der = crypto::export_pkcs8_der(*key);
  auto reimported = crypto::import_pkcs8_der(der.span());
  BOOST_REQUIRE(reimported.ok());
  const std::string input = doc.at("signing_input");
  BOOST_TEST(crypto::sign(crypto::JwsAlg::kRS256, *key, as_bytes(input)) == crypto::sign(crypto::JwsAlg::kRS256, *reimported.value(), as_bytes(input)),
             boost::test_tools::per_element());
  std::vector<std::uint8_t> truncated(der.data(), der.data() + der.size() / 2);
  BOOST_TEST(!crypto::import_pkcs8_der(truncated).ok());
  BOOST_TEST(!crypto::import_pkcs8_der(std::vector<std::uint8_t>{}).ok());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(parse_compact_rejects_malformed_tokens) {
  for (const char* t : {"", "a", "a.b", "a.b.c.d", "a.b.c=", "a.b!.c", "..x="})
    BOOST_TEST(!jose::parse_compact(t).has_value(), t);
  BOOST_TEST(jose::parse_compact("..").has_value());  // three empty parts decode
}

BOOST_AUTO_TEST_CASE(jwk_strips_leading_zero_bytes) {
  std::vector<std::uint8_t> n{0x00, 0x00, 0xc5, 0x01}, e{0x01, 0x00, 0x01};
  auto jwk = jose::rsa_public_members(n, e);
  BOOST_TEST(jwk.at("n") == "xQE");
  BOOST_TEST(jwk.at("e") == "AQAB");
}

// A part that is not base64url fails the parse, whichever part it is.
BOOST_AUTO_TEST_CASE(each_part_must_decode) {
  for (const char* t : {"!.e30.AA", "e30.!.AA", "e30.e30.!"}) BOOST_TEST(!jose::parse_compact(t).has_value(), t);
  BOOST_TEST(jose::parse_compact("e30.e30.AA").has_value());
}

// JWK members of the wrong JSON type, or a key type with curve members that
// is neither EC nor OKP, are no key; an all-zero magnitude keeps one byte.
BOOST_AUTO_TEST_CASE(jwk_member_types_are_checked) {
  for (const char* text : {R"({"kty":1})", R"({"kty":"RSA","n":1,"e":"AQAB"})", R"({"kty":"RSA","n":"AQAB"})",
                           R"({"kty":"EC","crv":"P-256","x":"AQAB","y":null})", R"({"kty":"oct","crv":"x","x":"AQAB"})",
                           R"({"kty":"OKP","crv":7,"x":"AQAB"})", R"("RSA")"})
    BOOST_TEST(!jose::members_from_jwk(nlohmann::json::parse(text)).has_value(), text);
  auto okp = jose::members_from_jwk(nlohmann::json::parse(R"({"kty":"OKP","crv":"Ed25519","x":"AQAB"})"));
  BOOST_REQUIRE(okp.has_value());
  BOOST_TEST(okp->x == (std::vector<std::uint8_t>{1, 0, 1}), boost::test_tools::per_element());
  BOOST_TEST(jose::rsa_public_members(std::vector<std::uint8_t>{0, 0}, std::vector<std::uint8_t>{1}).at("n") == "AA");
}

// RFC 7638 needs a JSON object with a known string kty and every required
// member as a string; anything else has no thumbprint.
BOOST_AUTO_TEST_CASE(thumbprint_needs_the_required_members) {
  for (const char* text : {R"([])", R"({})", R"({"kty":1})", R"({"kty":"oct","k":"AQAB"})",
                           R"({"kty":"RSA","n":"AQAB"})", R"({"kty":"RSA","n":"AQAB","e":1})",
                           R"({"kty":"EC","crv":"P-256","x":"AQAB"})", R"({"kty":"OKP","x":"AQAB"})"})
    BOOST_TEST(!jose::jwk_thumbprint(nlohmann::json::parse(text)).has_value(), text);
  for (const char* text : {R"({"kty":"EC","crv":"P-256","x":"AQAB","y":"AQAB"})", R"({"kty":"OKP","crv":"Ed25519","x":"AQAB"})"})
    BOOST_TEST(jose::jwk_thumbprint(nlohmann::json::parse(text)).has_value(), text);
}
