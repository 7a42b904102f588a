// JWK decoding for verifiers (jose::members_from_jwk), RFC 7638 thumbprints
// (jose::jwk_thumbprint) and public keys from members (crypto::public_key).
// Input: JSON text, e.g. a JWK.
//
// Checks: members survive a trip through public_members_json; a JWK whose
// members decode always has a thumbprint, a 43-character base64url SHA-256
// that ignores non-required members; a public key made from members reports
// the same members back.
#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "jwks/crypto/handle.h"
#include "jwks/crypto/jws_alg.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/thumbprint.h"

using namespace jwks;

namespace {

// Without leading zero bytes; `keep_one` keeps a single zero for zero, as
// the JWK encoder does, otherwise zero is empty, as OpenSSL reports it.
std::vector<std::uint8_t> strip(std::vector<std::uint8_t> v, bool keep_one = true) {
  std::size_t zeros = 0;
  while (zeros + (keep_one ? 1 : 0) < v.size() && v[zeros] == 0) ++zeros;
  v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(zeros));
  return v;
}

bool same_members(const crypto::PublicKeyMembers& a, const crypto::PublicKeyMembers& b) {
  if (a.kty != b.kty || a.crv != b.crv) return false;
  if (a.kty == "RSA") return strip(a.n, false) == strip(b.n, false) && strip(a.e, false) == strip(b.e, false);
  return a.x == b.x && a.y == b.y;
}

bool canonical_rsa(const crypto::PublicKeyMembers& m) {
  return m.kty != "RSA" || (strip(m.n) == m.n && strip(m.e) == m.e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const nlohmann::json jwk = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, false);
  if (jwk.is_discarded()) return 0;

  const std::optional<std::string> thumbprint = jose::jwk_thumbprint(jwk);
  if (thumbprint) {
    FUZZ_CHECK(thumbprint->size() == 43);
    auto digest = jose::base64url_decode(*thumbprint);
    FUZZ_CHECK(digest && digest->size() == 32);
  }

  const auto members = jose::members_from_jwk(jwk);
  if (!members) return 0;
  FUZZ_CHECK(members->kty == "RSA" || members->kty == "EC" || members->kty == "OKP");
  FUZZ_CHECK(thumbprint.has_value());

  const nlohmann::json rebuilt = jose::public_members_json(*members);
  const auto again = jose::members_from_jwk(rebuilt);
  FUZZ_CHECK(again && same_members(*members, *again));
  if (canonical_rsa(*members)) FUZZ_CHECK(jose::jwk_thumbprint(rebuilt) == thumbprint);
  FUZZ_CHECK(jose::jwk_thumbprint(jose::publishable_jwk(rebuilt, "kid", "RS256")) == jose::jwk_thumbprint(rebuilt));

  crypto::PkeyPtr key;
  try {
    key = crypto::public_key(*members);
  } catch (const crypto::CryptoError&) {
    return 0;  // members that make no key: documented
  }
  FUZZ_CHECK(key != nullptr);
  const crypto::PublicKeyMembers back = crypto::public_members(*key);
  FUZZ_CHECK(same_members(*members, back));
  return 0;
}
