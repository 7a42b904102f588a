#include "jwks/service/test_cases.h"

#include <nlohmann/json.hpp>

namespace jwks::service {
namespace {

constexpr TestCase kCases[] = {
    {TokenCase::kExpired, "expired", false,
     "exp is in the past and the key that signed it has expired: the key set no longer lists it",
     "RFC 7519 §4.1.4"},
    {TokenCase::kExpPassed, "exp-passed", false,
     "signed by the published key with exp an hour in the past: a verifier must compare exp with its clock (expired "
     "alone would not show it, its key has also left the set)",
     "RFC 7519 §4.1.4"},
    {TokenCase::kNotYetValid, "not-yet-valid", false,
     "nbf is an hour after the token's own exp, so the token is never valid; a verifier that ignores nbf accepts it",
     "RFC 7519 §4.1.5"},
    {TokenCase::kIssuedInFuture, "issued-in-future", false,
     "iat is an hour after the token's own exp: no clock issued it now; a verifier must refuse an iat beyond its "
     "leeway",
     "RFC 7519 §4.1.6"},
    {TokenCase::kUnknownKid, "unknown-kid", false,
     "signed by a key made for this one token and never published: its kid is in no key set", "RFC 7515 §4.1.4"},
    {TokenCase::kRetiredKid, "retired-kid", false,
     "signed by an expired key the key set no longer lists, with times otherwise valid: only the keys the current "
     "set publishes may verify",
     "RFC 7517 §5"},
    {TokenCase::kBadSignature, "bad-signature", false,
     "signed by the published key, then the last byte of the signature changed", "RFC 7515 §5.2"},
    {TokenCase::kAlgNone, "alg-none", false,
     "alg is \"none\" and the signature empty: an unsecured JWT, which a verifier of signed tokens must refuse",
     "RFC 8725 §3.1"},
    {TokenCase::kHs256WithPublicKey, "hs256-with-public-key", false,
     "alg is HS256 and the MAC is keyed with the published key's PEM: the algorithm-confusion attack on a verifier "
     "that lets the header choose the algorithm",
     "RFC 8725 §2.1"},
    {TokenCase::kWrongIssuer, "wrong-issuer", false,
     "iss is this server's issuer with \".invalid\" appended: iss must equal the expected issuer exactly",
     "RFC 8725 §3.8"},
    {TokenCase::kWrongAudience, "wrong-audience", false,
     "aud is JWKS_AUDIENCE with \".invalid\" appended: aud must name the verifier", "RFC 8725 §3.9"},
    {TokenCase::kMissingExp, "missing-exp", false,
     "no exp: every token this server issues has one, so a verifier must require it", "RFC 7519 §4.1.4"},
    {TokenCase::kKidMissing, "kid-missing", false,
     "no kid: every token this server issues names its key, so a verifier must choose the key by kid, never try "
     "each key of the set",
     "RFC 7515 §4.1.4"},
    {TokenCase::kAlgMismatch, "alg-mismatch", false,
     "validly signed by the published key under another algorithm than its JWK's alg (RS256 and PS256 swap, ES256 "
     "gives ES384, EdDSA gives Ed25519): the key's alg decides",
     "RFC 7517 §4.4"},
    {TokenCase::kCritUnknown, "crit-unknown", false,
     "crit names an extension header no verifier understands: such a token is invalid", "RFC 7515 §4.1.11"},
    {TokenCase::kValid, "valid", true,
     "the control, a token like any other: a verifier that refuses it is misconfigured, and its refusals of the "
     "other cases prove nothing",
     "RFC 7519 §7.2"},
};

}  // namespace

std::span<const TestCase> test_cases() { return kCases; }

const TestCase* find_test_case(std::string_view name) {
  for (const TestCase& c : kCases)
    if (c.name == name) return &c;
  return nullptr;
}

std::string test_cases_json(bool with_audience) {
  nlohmann::json cases = nlohmann::json::array();
  for (const TestCase& c : kCases) {
    if (c.id == TokenCase::kWrongAudience && !with_audience) continue;
    cases.push_back({{"case", c.name}, {"expect", c.accept ? "accept" : "reject"}, {"why", c.why}, {"rfc", c.rfc}});
  }
  return nlohmann::json{{"cases", std::move(cases)}}.dump();
}

}  // namespace jwks::service
