// The verifier test kit (POST /auth?case=NAME, GET /test-cases; on only with
// JWKS_TEST_CASES=1): tokens that each break one rule a JWT verifier must
// enforce, and the answer a correct verifier gives. TokenService builds them;
// this is the catalogue both endpoints and the docs read.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace jwks::service {

// What a token request asks for: an ordinary token, or one with a defect.
enum class TokenCase {
  kNormal,           // POST /auth
  kExpired,          // ?expired=true or ?case=expired
  kExpPassed,
  kNotYetValid,
  kIssuedInFuture,
  kUnknownKid,
  kRetiredKid,
  kBadSignature,
  kAlgNone,
  kHs256WithPublicKey,
  kWrongIssuer,
  kWrongAudience,
  kMissingExp,
  kKidMissing,
  kAlgMismatch,
  kCritUnknown,
  kValid,  // the control: built as kNormal
};

struct TestCase {
  TokenCase id;
  std::string_view name;  // ?case=
  bool accept;            // what a correct verifier does: "accept" or "reject"
  std::string_view why;
  std::string_view rfc;   // the section defining the claim, header or key set the rule is about
};

// Every case, in the documented order (kNormal is not one).
std::span<const TestCase> test_cases();

// The case called `name`; nullptr if none is.
const TestCase* find_test_case(std::string_view name);

// GET /test-cases: {"cases":[{"case","expect","why","rfc"},...]}. Without an
// audience configured, wrong-audience is left out: it has nothing to be wrong about.
std::string test_cases_json(bool with_audience);

// The header a crit-unknown token marks critical (RFC 7515 §4.1.11).
inline constexpr std::string_view kUnknownCriticalHeader = "urn:jwks-fcgi:unknown-extension";

// How far past the token's exp the nbf of not-yet-valid and the iat of
// issued-in-future lie: beyond any verifier's leeway, and after the token
// expired, so that it is never valid at any time.
inline constexpr std::int64_t kFutureMargin = 3600;

}  // namespace jwks::service
