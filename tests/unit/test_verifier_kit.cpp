// The verifier test kit (service/test_cases.h): the catalogue, each case's
// header and claims exactly as documented for every algorithm, the HMAC and
// PEM it keys hs256-with-public-key with (known answers), and the Issuer's
// switch, rate limit and log line.
#define BOOST_TEST_MODULE verifier_kit
#include <boost/test/unit_test.hpp>

#include <openssl/ecdsa.h>

#include <set>

#include "jwks/crypto/digest.h"
#include "jwks/crypto/pkcs8.h"
#include "jwks/jose/thumbprint.h"
#include "jwks/service/test_cases.h"
#include "jwks/util/slot_lock.h"
#include "key_fixtures.h"
#include "stderr_capture.h"
#include "vectors.h"

using namespace jwks;
using namespace jwks::test;
using service::TokenCase;

namespace {

constexpr const char* kAlgs[] = {"RS256", "PS256", "ES256", "EdDSA"};
const service::TokenSubject kWho{"alice", "https://issuer.example", "api://kit"};

// A store with the keys a responder would have made for `alg` at kT0: the
// signing key and the expired key.
struct Kit {
  explicit Kit(std::string alg_name)
      : alg(*crypto::parse_jws_alg(alg_name)), name(std::move(alg_name)), factory(master, alg) {
    SchedulePolicy policy = kPolicy;
    policy.alg = name;
    KeyManager km(db, clock, factory, policy);
    km.ensure();
    keys = km.keys();
    signing = *service::signing_key(keys, kT0);
    expired = db.keys().latest_expired(kT0, name)->record;
  }

  struct Token {
    nlohmann::json header, claims;
    jose::CompactParts parts;
    std::string text;
  };
  Token issue(TokenCase c, const service::TokenSubject& who = kWho) {
    auto token = service::TokenService(db, master, clock, kHour, name).issue(who, c, keys);
    BOOST_REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().log_detail));
    auto parts = jose::parse_compact(token.value());
    // alg-none's empty signature is still three parts.
    BOOST_REQUIRE(parts.has_value());
    return Token{nlohmann::json::parse(parts->header_json), nlohmann::json::parse(parts->payload_json), *parts,
                 token.value()};
  }
  // Whether `t` verifies under `as` with the public key `key` publishes.
  static bool verifies(const Token& t, crypto::JwsAlg as, const store::KeyRecord& key) {
    auto members = jose::members_from_jwk(nlohmann::json::parse(key.public_jwk));
    crypto::PkeyPtr pub = crypto::public_key(*members);
    return crypto::verify(as, *pub, bytes(t.parts.signing_input), t.parts.signature);
  }
  bool verifies(const Token& t) const { return verifies(t, alg, signing); }
  std::string pem() const {
    return crypto::export_spki_pem(
        *crypto::public_key(*jose::members_from_jwk(nlohmann::json::parse(signing.public_jwk))));
  }

  ManualClock clock{kT0};
  store::SqliteStore db = open_migrated(":memory:");
  crypto::MasterKey master = test_master();
  crypto::JwsAlg alg;
  std::string name;
  service::SigningKeyFactory factory;
  std::vector<store::KeyRecord> keys;
  store::KeyRecord signing, expired;
};

nlohmann::json header(const std::string& alg, const std::optional<std::string>& kid) {
  nlohmann::json h{{"alg", alg}, {"typ", "JWT"}};
  if (kid) h["kid"] = *kid;
  return h;
}

// The claims of an ordinary token at kT0, but for the jti (random: checked
// for its length and then copied).
nlohmann::json claims(const Kit::Token& t, std::int64_t iat, std::int64_t nbf, std::optional<std::int64_t> exp,
                      const std::string& iss = kWho.issuer, const std::string& aud = kWho.audience) {
  nlohmann::json c{{"sub", "alice"}, {"iat", iat}, {"nbf", nbf}, {"iss", iss}, {"aud", aud}};
  if (exp) c["exp"] = *exp;
  BOOST_TEST(jose::base64url_decode(t.claims.value("jti", ""))->size() == 16u);
  c["jti"] = t.claims.value("jti", "");
  return c;
}

// ECDSA with SHA-384 over a P-256 key: what alg-mismatch signs with for
// ES256, checked with OpenSSL directly.
bool verifies_es384_on_p256(const Kit::Token& t, const store::KeyRecord& key) {
  crypto::PkeyPtr pub = crypto::public_key(*jose::members_from_jwk(nlohmann::json::parse(key.public_jwk)));
  if (t.parts.signature.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(t.parts.signature.data(), 32, nullptr),
                 BN_bin2bn(t.parts.signature.data() + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  crypto::MdCtxPtr ctx(EVP_MD_CTX_new());
  const std::span<const std::uint8_t> input = bytes(t.parts.signing_input);
  const bool ok = EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA384", nullptr, nullptr, pub.get(), nullptr) == 1 &&
                  EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len), input.data(), input.size()) == 1;
  OPENSSL_free(der);
  return ok;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_catalogue_lists_sixteen_cases_in_the_documented_order) {
  std::vector<std::string> names;
  for (const service::TestCase& c : service::test_cases()) {
    names.emplace_back(c.name);
    BOOST_TEST(service::find_test_case(c.name) == &c);
    BOOST_TEST(c.accept == (c.id == TokenCase::kValid), c.name);
    BOOST_TEST(!c.why.empty());
    BOOST_TEST(c.rfc.starts_with("RFC "), c.name);
  }
  const std::vector<std::string> expected{"expired", "exp-passed", "not-yet-valid", "issued-in-future", "unknown-kid", "retired-kid",
                                          "bad-signature", "alg-none", "hs256-with-public-key", "wrong-issuer",
                                          "wrong-audience", "missing-exp", "kid-missing", "alg-mismatch",
                                          "crit-unknown", "valid"};
  BOOST_TEST(names == expected, boost::test_tools::per_element());
  for (const char* unknown : {"", "normal", "Valid", "valid ", "alg_none"}) BOOST_TEST(!service::find_test_case(unknown));
}

BOOST_AUTO_TEST_CASE(the_list_as_json_leaves_wrong_audience_out_without_an_audience) {
  const nlohmann::json with = nlohmann::json::parse(service::test_cases_json(true));
  BOOST_REQUIRE(with["cases"].size() == 16u);
  BOOST_TEST(with["cases"][0].dump() == nlohmann::json({{"case", "expired"}, {"expect", "reject"},
                                                        {"why", service::test_cases()[0].why},
                                                        {"rfc", "RFC 7519 §4.1.4"}}).dump());
  BOOST_TEST(with["cases"][15]["expect"] == "accept");
  const nlohmann::json without = nlohmann::json::parse(service::test_cases_json(false));
  BOOST_REQUIRE(without["cases"].size() == 15u);
  for (const auto& c : without["cases"]) BOOST_TEST(c["case"] != "wrong-audience");
}

BOOST_AUTO_TEST_CASE(hmac_sha256_and_the_spki_pem_give_known_answers) {
  const std::array<std::uint8_t, 32> mac = crypto::hmac_sha256(bytes(kRfc4231Case2Key), bytes(kRfc4231Case2Data));
  BOOST_TEST(jose::base64url_encode(mac) == kRfc4231Case2Mac);

  const nlohmann::json jwk = load_vector("rfc7515_a2.json")["jwk"];
  crypto::PkeyPtr pub = crypto::rsa_public_key(b64(jwk, "n"), b64(jwk, "e"));
  BOOST_TEST(crypto::export_spki_pem(*pub) == kRfc7515A2SpkiPem);
}

BOOST_AUTO_TEST_CASE(each_case_has_exactly_its_documented_header_and_claims) {
  for (const char* alg : kAlgs) {
    BOOST_TEST_CONTEXT("JWKS_ALG " << alg) {
      Kit kit(alg);
      const std::string kid = kit.signing.thumbprint, old_kid = kit.expired.thumbprint;
      const std::int64_t exp = kT0 + kHour;

      for (TokenCase c : {TokenCase::kValid, TokenCase::kNormal}) {
        auto t = kit.issue(c);
        BOOST_TEST(t.header == header(alg, kid));
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp));
        BOOST_TEST(kit.verifies(t));
      }
      {
        auto t = kit.issue(TokenCase::kExpired);
        const std::int64_t old_exp = std::min(kit.expired.exp(), kT0 - service::kFutureMargin);
        BOOST_TEST(t.header == header(alg, old_kid));
        BOOST_TEST(t.claims == claims(t, old_exp - kHour, old_exp - kHour, old_exp));
        BOOST_TEST(Kit::verifies(t, kit.alg, kit.expired));
      }
      {
        auto t = kit.issue(TokenCase::kExpPassed);
        const std::int64_t passed = kT0 - service::kFutureMargin;
        BOOST_TEST(t.header == header(alg, kid));
        BOOST_TEST(t.claims == claims(t, passed - kHour, passed - kHour, passed));
        BOOST_TEST(kit.verifies(t));
      }
      {
        auto t = kit.issue(TokenCase::kRetiredKid);
        BOOST_TEST(t.header == header(alg, old_kid));
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp));
        BOOST_TEST(Kit::verifies(t, kit.alg, kit.expired));
      }
      {
        auto t = kit.issue(TokenCase::kNotYetValid);
        BOOST_TEST(t.header == header(alg, kid));
        BOOST_TEST(t.claims == claims(t, kT0, exp + service::kFutureMargin, exp));
        BOOST_TEST(kit.verifies(t));
      }
      {
        auto t = kit.issue(TokenCase::kIssuedInFuture);
        BOOST_TEST(t.header == header(alg, kid));
        BOOST_TEST(t.claims == claims(t, exp + service::kFutureMargin, kT0, exp));
        BOOST_TEST(kit.verifies(t));
      }
      {
        // A key of the same kind, made for the token and kept nowhere.
        const std::size_t stored = kit.db.keys().all().size();
        auto t = kit.issue(TokenCase::kUnknownKid), again = kit.issue(TokenCase::kUnknownKid);
        const std::string unknown = t.header.value("kid", "");
        BOOST_TEST(t.header == header(alg, unknown));
        BOOST_TEST(unknown.size() == 43u);  // a SHA-256 thumbprint
        BOOST_TEST(again.header.value("kid", "") != unknown);
        for (const store::KeyRecord& k : kit.db.keys().all()) BOOST_TEST(k.thumbprint != unknown);
        BOOST_TEST(kit.db.keys().all().size() == stored);
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp));
        BOOST_TEST(!kit.verifies(t));
        BOOST_TEST(!Kit::verifies(t, kit.alg, kit.expired));
      }
      {
        auto t = kit.issue(TokenCase::kBadSignature);
        BOOST_TEST(t.header == header(alg, kid));
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp));
        BOOST_TEST(!kit.verifies(t));
        t.parts.signature.back() ^= 0x01;  // the one byte changed
        BOOST_TEST(kit.verifies(t));
      }
      {
        auto t = kit.issue(TokenCase::kAlgNone);
        BOOST_TEST(t.header == header("none", kid));
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp));
        BOOST_TEST(t.parts.signature.empty());
        BOOST_TEST(t.text.back() == '.');
      }
      {
        auto t = kit.issue(TokenCase::kHs256WithPublicKey);
        BOOST_TEST(t.header == header("HS256", kid));
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp));
        const std::array<std::uint8_t, 32> mac = crypto::hmac_sha256(bytes(kit.pem()), bytes(t.parts.signing_input));
        BOOST_TEST(t.parts.signature == std::vector<std::uint8_t>(mac.begin(), mac.end()),
                   boost::test_tools::per_element());
      }
      {
        auto t = kit.issue(TokenCase::kWrongIssuer);
        BOOST_TEST(t.header == header(alg, kid));
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp, "https://issuer.example.invalid"));
        BOOST_TEST(kit.verifies(t));
      }
      {
        auto t = kit.issue(TokenCase::kWrongAudience);
        BOOST_TEST(t.header == header(alg, kid));
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp, kWho.issuer, "api://kit.invalid"));
        BOOST_TEST(kit.verifies(t));
        auto none = kit.issue(TokenCase::kWrongAudience, {"alice", kWho.issuer, ""});
        BOOST_TEST(none.claims["aud"] == ".invalid");
      }
      {
        auto t = kit.issue(TokenCase::kMissingExp);
        BOOST_TEST(t.header == header(alg, kid));
        BOOST_TEST(t.claims == claims(t, kT0, kT0, std::nullopt));
        BOOST_TEST(kit.verifies(t));
      }
      {
        auto t = kit.issue(TokenCase::kKidMissing);
        BOOST_TEST(t.header == header(alg, std::nullopt));
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp));
        BOOST_TEST(kit.verifies(t));
      }
      {
        auto t = kit.issue(TokenCase::kAlgMismatch);
        const std::string other = crypto::mismatched_alg_name(kit.alg);
        BOOST_TEST(other != alg);
        BOOST_TEST(t.header == header(other, kid));
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp));
        switch (kit.alg) {
          case crypto::JwsAlg::kRS256:
            BOOST_TEST(other == "PS256");
            BOOST_TEST(Kit::verifies(t, crypto::JwsAlg::kPS256, kit.signing));
            BOOST_TEST(!kit.verifies(t));
            break;
          case crypto::JwsAlg::kPS256:
            BOOST_TEST(other == "RS256");
            BOOST_TEST(Kit::verifies(t, crypto::JwsAlg::kRS256, kit.signing));
            BOOST_TEST(!kit.verifies(t));
            break;
          case crypto::JwsAlg::kES256:
            BOOST_TEST(other == "ES384");
            BOOST_TEST(verifies_es384_on_p256(t, kit.signing));
            BOOST_TEST(!kit.verifies(t));
            break;
          case crypto::JwsAlg::kEdDSA:  // the same signature, under the fully-specified name
            BOOST_TEST(other == "Ed25519");
            BOOST_TEST(kit.verifies(t));
            break;
        }
      }
      {
        auto t = kit.issue(TokenCase::kCritUnknown);
        nlohmann::json h = header(alg, kid);
        h["crit"] = {"urn:jwks-fcgi:unknown-extension"};
        h["urn:jwks-fcgi:unknown-extension"] = true;
        BOOST_TEST(t.header == h);
        BOOST_TEST(t.claims == claims(t, kT0, kT0, exp));
        BOOST_TEST(kit.verifies(t));
      }
    }
  }
}

// Every case has its own jti, as any token: a verifier that remembers jtis
// (replay detection) sees each as new.
BOOST_AUTO_TEST_CASE(every_case_gets_its_own_jti) {
  Kit kit("ES256");
  std::set<std::string> jtis;
  for (const service::TestCase& c : service::test_cases()) jtis.insert(kit.issue(c.id).claims.value("jti", ""));
  BOOST_TEST(jtis.size() == service::test_cases().size());
}

// Without an expired key (a fresh store, or one whose expired key was
// purged), expired and retired-kid are 503 as ?expired=true is.
BOOST_AUTO_TEST_CASE(cases_of_the_expired_key_need_one) {
  RealStore s;
  for (TokenCase c : {TokenCase::kExpired, TokenCase::kRetiredKid}) {
    auto token = s.tokens().issue(kWho, c, {});
    BOOST_REQUIRE(!token.ok());
    BOOST_TEST((token.error().code == service::ErrorCode::kUnavailable));
  }
}

// retired-kid never signs with a key a correct verifier may still hold: one
// that left the key set less than its max-age plus an hour ago. The key made
// expired for ?expired=true was never in the set; a rotated-out key is
// taken once long gone; with neither, 503.
BOOST_AUTO_TEST_CASE(retired_kid_waits_out_every_cached_key_set) {
  RealStore s;
  KeyManager km = s.manager();
  km.ensure();  // the first signing key, and the expired key made at kT0 (never in the set)
  const store::KeyRecord made_expired = s.db.keys().latest_expired(kT0)->record;
  BOOST_TEST(made_expired.created_at >= made_expired.exp());
  const std::int64_t max_age = 1800;
  auto retired = [&] {
    km.ensure();
    return service::TokenService(s.db, s.master, s.clock, kHour, "RS256", max_age).issue(kWho, TokenCase::kRetiredKid,
                                                                                         km.keys());
  };
  BOOST_TEST(kid_of(retired().value()) == made_expired.thumbprint);

  // The first signing key expires (a day of signing plus a token lifetime):
  // ?expired=true takes it at once, retired-kid only an hour and a max-age later.
  const store::KeyRecord first = *service::signing_key(km.keys(), kT0);
  s.clock.set(first.exp() + 1);
  const std::string expired = s.tokens().issue(kWho, TokenCase::kExpired, {}).value();
  BOOST_TEST(kid_of(expired) == first.thumbprint);
  BOOST_TEST(claims_of(expired)["exp"] == first.exp() + 1 - service::kFutureMargin);  // beyond a leeway even now
  BOOST_TEST(kid_of(retired().value()) == made_expired.thumbprint);
  s.clock.set(first.exp() + max_age + service::kFutureMargin - 1);
  BOOST_TEST(kid_of(retired().value()) == made_expired.thumbprint);
  s.clock.set(first.exp() + max_age + service::kFutureMargin);
  BOOST_TEST(kid_of(retired().value()) == first.thumbprint);

  // Without the made-expired key, a key that left the set a second ago is no stand-in.
  store::Transaction tx(s.db.database(), store::TransactionMode::kImmediate);
  s.db.keys().remove(made_expired.row_id);
  tx.commit();
  s.clock.set(first.exp() + 1);
  auto none = retired();
  BOOST_REQUIRE(!none.ok());
  BOOST_TEST((none.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(none.error().log_detail == "no expired key has been out of the key set long enough for retired-kid");
}

namespace {

service::TokenRequest kit_request(const char* name) {
  service::TokenRequest r{auth::Credentials{}, false, {"192.0.2.7", "192.0.2.7"}, "http://127.0.0.1",
                          service::find_test_case(name)};
  return r;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_issuer_refuses_every_case_while_the_kit_is_off, IssuerOnFile) {
  BOOST_TEST(!issuer.test_cases().has_value());
  for (const service::TestCase& c : service::test_cases()) {
    auto token = issuer.issue_token(kit_request(std::string(c.name).c_str()));
    BOOST_REQUIRE(!token.ok());
    BOOST_TEST((token.error().code == service::ErrorCode::kInvalidRequest));
    BOOST_TEST(token.error().description == "the verifier test kit is off on this server");
  }
  // ?expired=true is not the kit: it works as before.
  BOOST_TEST(issuer.issue_token({auth::Credentials{}, true, {"192.0.2.7", "192.0.2.7"}, "http://127.0.0.1"}).ok());
}

BOOST_FIXTURE_TEST_CASE(the_issuer_serves_cases_under_its_rate_limit_and_logs_each, IssuerOnFile) {
  settings.test_cases = true;
  settings.rate_limit = auth::RateLimit{3, 1000};
  service::Issuer kit{settings, master, clock, factory};

  BOOST_TEST(kit.test_cases().value_or("") == service::test_cases_json(false));
  // wrong-audience has nothing to be wrong about: refused before the limit.
  for (int i = 0; i < 5; ++i) {
    auto refused = kit.issue_token(kit_request("wrong-audience"));
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST((refused.error().code == service::ErrorCode::kInvalidRequest));
  }
  bool limited = false;
  const std::string log = capture_stderr([&] {
    for (const char* name : {"alg-none", "valid", "unknown-kid"}) BOOST_TEST(kit.issue_token(kit_request(name)).ok());
    auto refused = kit.issue_token(kit_request("valid"));
    limited = !refused.ok() && refused.error().code == service::ErrorCode::kRateLimited;
  });
  BOOST_TEST(limited);
  BOOST_TEST(log.find("test case alg-none token for 192.0.2.7") != std::string::npos, log);
  BOOST_TEST(log.find("test case valid token for 192.0.2.7") != std::string::npos, log);
  BOOST_TEST(log.find("test case unknown-kid token for 192.0.2.7") != std::string::npos, log);

  // unknown-kid's key generation takes a hashing slot, as Argon2 does: with
  // the only one held, it is refused at once.
  settings.register_concurrency = 1;
  clock.advance(1);
  {
    std::optional<util::SlotLock> held;
    BOOST_REQUIRE((util::SlotLock::try_acquire(settings.db_path + "-hashing", 1, held) ==
                   util::SlotLock::Outcome::kAcquired));
    service::Issuer busy{settings, master, clock, factory};
    auto refused = busy.issue_token(kit_request("unknown-kid"));
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST((refused.error().code == service::ErrorCode::kUnavailable));
    BOOST_TEST(refused.error().retry_after_seconds == 1);
    BOOST_TEST(busy.issue_token(kit_request("valid")).ok());  // only the costly case waits
  }

  settings.audience = "api://kit";
  service::Issuer with_audience{settings, master, clock, factory};
  clock.advance(1);
  auto token = with_audience.issue_token(kit_request("wrong-audience"));
  BOOST_REQUIRE(token.ok());
  BOOST_TEST(claims_of(token.value())["aud"] == "api://kit.invalid");
  BOOST_TEST(with_audience.test_cases().value_or("") == service::test_cases_json(true));
}
