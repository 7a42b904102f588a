// Tokens: their claims and keys, expired tokens, undecryptable keys, and how token lifetimes bound a key's publication.
#define BOOST_TEST_MODULE token_service
#include <boost/test/unit_test.hpp>

#include "jwks/service/jwks_document.h"
#include "key_fixtures.h"

using namespace jwks;
using service::TokenCase;
using namespace jwks::test;

BOOST_FIXTURE_TEST_CASE(tokens_verify_and_respect_key_expiry, RealStore) {
  manager().ensure();
  service::TokenService tokens(db, master, clock, 3600);

  auto token = tokens.issue({"alice", "https://issuer.example", "api://test"}, TokenCase::kNormal, db.keys().all());
  BOOST_REQUIRE(token.ok());
  auto parts = jose::parse_compact(token.value());
  BOOST_REQUIRE(parts.has_value());
  auto header = nlohmann::json::parse(parts->header_json);
  auto claims = nlohmann::json::parse(parts->payload_json);
  BOOST_TEST(header["alg"] == "RS256");
  BOOST_TEST(header["typ"] == "JWT");
  auto keys = db.keys().unexpired(kT0);
  const store::KeyRecord signing = *service::signing_key(keys, kT0);
  BOOST_TEST(header["kid"] == signing.thumbprint);
  BOOST_TEST(claims["sub"] == "alice");
  BOOST_TEST(claims["iat"] == kT0);
  BOOST_TEST(claims["exp"] == kT0 + 3600);
  BOOST_TEST(claims["nbf"] == kT0);
  BOOST_TEST(claims["iss"] == "https://issuer.example");
  BOOST_TEST(claims["aud"] == "api://test");
  BOOST_TEST(jose::base64url_decode(claims["jti"].get<std::string>())->size() == 16u);

  // Verify with the published public key only.
  auto jwk = nlohmann::json::parse(signing.public_jwk);
  auto n = jose::base64url_decode(jwk["n"].get<std::string>());
  auto e = jose::base64url_decode(jwk["e"].get<std::string>());
  crypto::PkeyPtr pub = crypto::rsa_public_key(*n, *e);
  std::span<const std::uint8_t> input(reinterpret_cast<const std::uint8_t*>(parts->signing_input.data()),
                                      parts->signing_input.size());
  BOOST_TEST(crypto::verify(crypto::JwsAlg::kRS256, *pub, input, parts->signature));

  // Even a token signed by a key with less life left than a token lifetime
  // (a key from before schedules) ends with its key.
  store::Statement(db.database(), "UPDATE keys SET exp = ? WHERE kid = ?").bind(1, kT0 + 600).bind(2, signing.row_id).run();
  store::Statement(db.database(), "UPDATE key_schedule SET retire_at = ? WHERE kid = ?").bind(1, kT0 + 600).bind(2, signing.row_id).run();
  auto late = tokens.issue({"alice", "https://issuer.example", "api://test"}, TokenCase::kNormal, db.keys().all());
  BOOST_REQUIRE(late.ok());
  BOOST_TEST(nlohmann::json::parse(jose::parse_compact(late.value())->payload_json)["exp"] == kT0 + 600);
}

BOOST_FIXTURE_TEST_CASE(expired_tokens_use_an_expired_key_and_expire_in_the_past, RealStore) {
  manager().ensure();
  auto token = service::TokenService(db, master, clock, 3600).issue({"anonymous", "", ""}, TokenCase::kExpired, {});
  BOOST_REQUIRE(token.ok());
  auto parts = jose::parse_compact(token.value());
  auto header = nlohmann::json::parse(parts->header_json);
  auto claims = nlohmann::json::parse(parts->payload_json);
  auto expired = db.keys().latest_expired(kT0);
  BOOST_TEST(header["kid"] == expired->record.thumbprint);
  BOOST_TEST(claims["exp"].get<std::int64_t>() < kT0);
  BOOST_TEST(!claims.contains("iss"));
  BOOST_TEST(!claims.contains("aud"));
  BOOST_TEST(claims["exp"].get<std::int64_t>() <= expired->record.exp());
  for (const auto& k : db.keys().unexpired(kT0)) BOOST_TEST(k.row_id != expired->record.row_id);
}

BOOST_FIXTURE_TEST_CASE(undecryptable_key_is_an_error_not_a_crash, RealStore) {
  manager().ensure();

  crypto::MasterKey other = test_master("a different master secret, also 32+ bytes");
  auto wrong = service::TokenService(db, other, clock, 3600)
      .issue({"alice", "", ""}, TokenCase::kNormal, db.keys().all());
  BOOST_REQUIRE(!wrong.ok());
  BOOST_TEST((wrong.error().code == service::ErrorCode::kInternal));
  BOOST_TEST(wrong.error().log_detail.find("authentication") != std::string::npos);
  BOOST_TEST(wrong.error().description.find("authentication") == std::string::npos);

  store::Statement corrupt(db.database(), "UPDATE keys SET key = substr(key, 1, 20)");
  corrupt.run();
  auto truncated = service::TokenService(db, master, clock, 3600)
      .issue({"alice", "", ""}, TokenCase::kNormal, db.keys().all());
  BOOST_REQUIRE(!truncated.ok());
  BOOST_TEST(truncated.error().log_detail.find("truncated") != std::string::npos);
}

// Restarted with JWKS_TOKEN_LIFETIME lowered from 1 h to 5 min, then rotated
// early: the old key stays published until the hour-long token it signed
// expires, and the new process signs five-minute tokens with it meanwhile.
BOOST_FIXTURE_TEST_CASE(a_lowered_token_lifetime_keeps_keys_published_for_their_tokens, RealStore) {
  SchedulePolicy before = kPolicy, after = kPolicy;
  before.publish_lead = after.publish_lead = 10 * 60;
  after.token_lifetime = 5 * 60;
  manager(before).ensure();
  clock.set(kT0 + 100);
  const std::string old_token = tokens(kHour).issue({"a", "", ""}, TokenCase::kNormal, db.keys().all()).value();
  const std::int64_t old_exp = claims_of(old_token)["exp"];
  BOOST_TEST(old_exp == kT0 + 100 + kHour);

  clock.set(kT0 + 200);
  KeyManager km = manager(after);
  km.rotate_now();
  const std::string fresh = tokens(after.token_lifetime).issue({"a", "", ""}, TokenCase::kNormal, km.keys()).value();
  BOOST_TEST(kid_of(fresh) == kid_of(old_token));  // the successor waits its lead
  BOOST_TEST(claims_of(fresh)["exp"] == kT0 + 200 + 5 * 60);
  for (clock.set(kT0 + 300); clock.now() < old_exp; clock.advance(300)) {
    km.ensure();
    bool published = false;
    for (const auto& k : db.keys().unexpired(clock.now())) published |= k.thumbprint == kid_of(old_token);
    BOOST_TEST_REQUIRE(published, "the key left the set at +" << clock.now() - kT0 << " before its token expired");
  }
}

// Raised from 1 h to 3 h: a process with the longer lifetime caps its tokens
// at the signing key's lifetime until the key has been raised, so a process
// with the shorter one can never unpublish the key under them.
BOOST_FIXTURE_TEST_CASE(a_raised_token_lifetime_takes_effect_once_the_key_is_raised, RealStore) {
  manager().ensure();
  const std::int64_t capped = claims_of(tokens(3 * kHour)
      .issue({"a", "", ""}, TokenCase::kNormal, db.keys().all()).value())["exp"];
  BOOST_TEST(capped == kT0 + kHour);
  SchedulePolicy longer = kPolicy;
  longer.token_lifetime = 3 * kHour;
  KeyManager km = manager(longer);
  BOOST_TEST(km.ensure().rescheduled >= 1);
  const auto keys = km.keys();
  const store::KeyRecord* signing = service::signing_key(keys, kT0);
  BOOST_REQUIRE(signing != nullptr);
  BOOST_TEST(signing->schedule.token_lifetime.value_or(0) == 3 * kHour);
  BOOST_TEST(signing->exp() == signing->schedule.retire_at + 3 * kHour);
  BOOST_TEST(claims_of(tokens(3 * kHour)
      .issue({"a", "", ""}, TokenCase::kNormal, keys).value())["exp"] == kT0 + 3 * kHour);
  BOOST_TEST(km.ensure().rescheduled == 0);  // raised once, not on every request
}

// `retire KEY --force` just after KEY took over: its predecessor, retired on
// schedule and still published for its tokens, must not sign again; /auth
// answers 503 until the new successor may sign.
BOOST_FIXTURE_TEST_CASE(a_forced_retirement_never_reactivates_the_previous_key, RealStore) {
  KeyManager km = manager();
  km.ensure();
  clock.set(kT0 + kDay - kHour);
  km.ensure();  // the successor is published
  clock.set(kT0 + kDay + 60);
  auto keys = km.keys();
  const store::KeyRecord* second = service::signing_key(keys, clock.now());
  BOOST_REQUIRE(second != nullptr);
  const std::string second_kid = second->thumbprint;
  BOOST_TEST((km.retire(second_kid, true).outcome == service::RetireResult::Outcome::kRetired));
  for (std::int64_t t = clock.now(); t < kT0 + kDay + 60 + kHour; t += 300) {
    clock.set(t);
    km.ensure();
    auto refused = tokens().issue({"x", "", ""}, TokenCase::kNormal, km.keys());
    BOOST_TEST_REQUIRE(!refused.ok(), "a token was signed by " << (refused.ok() ? kid_of(refused.value()) : "")
                                                                << " at +" << t - kT0);
    BOOST_TEST((refused.error().code == service::ErrorCode::kUnavailable));
  }
  clock.set(kT0 + kDay + 60 + kHour);
  km.ensure();
  auto token = tokens().issue({"x", "", ""}, TokenCase::kNormal, km.keys());
  BOOST_REQUIRE_MESSAGE(token.ok(), (token.ok() ? "" : token.error().log_detail));
  BOOST_TEST(kid_of(token.value()) != second_kid);
}

// ?expired=true signs with an expired key of the configured algorithm only:
// none of it (a store that switched JWKS_ALG, or has no expired key yet) is
// 503, never a token from another algorithm's key nor from a live key.
BOOST_FIXTURE_TEST_CASE(an_expired_token_needs_an_expired_key_of_the_configured_alg, RealStore) {
  auto none = tokens().issue({"a", "", ""}, TokenCase::kExpired, {});  // nothing in the store yet
  BOOST_REQUIRE(!none.ok());
  BOOST_TEST((none.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(none.error().description == "no signing key is available");
  BOOST_TEST(none.error().log_detail == "no expired key in the store");

  manager().ensure();  // an RS256 signing key and an expired RS256 key
  BOOST_TEST(service::TokenService(db, master, clock, kHour, "RS256")
      .issue({"a", "", ""}, TokenCase::kExpired, {}).ok());
  auto other_alg = service::TokenService(db, master, clock, kHour, "ES256")
      .issue({"a", "", ""}, TokenCase::kExpired, {});
  BOOST_REQUIRE(!other_alg.ok());
  BOOST_TEST((other_alg.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(other_alg.error().log_detail == "no expired key in the store");
}

// No key may sign: the client is told when to come back, the seconds until
// the next key may sign, or a minute when none is scheduled at all.
BOOST_FIXTURE_TEST_CASE(a_refusal_without_a_signing_key_says_when_to_retry, RealStore) {
  auto empty = tokens().issue({"a", "", ""}, TokenCase::kNormal, db.keys().all());
  BOOST_REQUIRE(!empty.ok());
  BOOST_TEST((empty.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(empty.error().description == "no signing key is available yet");
  BOOST_TEST(empty.error().retry_after_seconds == 60);

  KeyManager km = manager();
  km.ensure();
  auto keys = km.keys();
  const std::string first = service::signing_key(keys, kT0)->thumbprint;
  clock.set(kT0 + 10 * 60);
  BOOST_REQUIRE((km.retire(first, true).outcome == service::RetireResult::Outcome::kRetired));
  auto waiting = tokens().issue({"a", "", ""}, TokenCase::kNormal, km.keys());
  BOOST_REQUIRE(!waiting.ok());
  BOOST_TEST((waiting.error().code == service::ErrorCode::kUnavailable));
  BOOST_TEST(waiting.error().retry_after_seconds == kHour);  // the successor's lead, from now
  clock.advance(kHour - 1);
  BOOST_TEST(tokens().issue({"a", "", ""}, TokenCase::kNormal, km.keys()).error().retry_after_seconds == 1);
  clock.advance(1);
  BOOST_TEST(tokens().issue({"a", "", ""}, TokenCase::kNormal, km.keys()).ok());
}

// A key row whose alg is none the server signs with (edited by hand, or
// written by a build that knows more algorithms) is an internal error that
// names the key and the alg, not a token with an alg header it cannot honour.
BOOST_FIXTURE_TEST_CASE(a_key_of_an_unknown_alg_signs_nothing, RealStore) {
  KeyManager km = manager();
  km.ensure();
  const std::int64_t signer = service::signing_key(km.keys(), kT0)->row_id;
  store::Statement(db.database(), "UPDATE key_public SET alg = 'HS256' WHERE kid = ?").bind(1, signer).run();
  auto refused = tokens().issue({"a", "", ""}, TokenCase::kNormal, db.keys().all());
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST((refused.error().code == service::ErrorCode::kInternal));
  BOOST_TEST(refused.error().description == "the server could not sign the token");
  BOOST_TEST(refused.error().log_detail == "key " + std::to_string(signer) + " has unsupported alg HS256");
}

// The keys were read, then the signing key's row went (a purge or a copy
// run by hand): the service does not sign with what it no longer has.
BOOST_FIXTURE_TEST_CASE(a_signing_key_deleted_after_the_read_is_an_error, RealStore) {
  KeyManager km = manager();
  km.ensure();
  const std::vector<store::KeyRecord> read = km.keys();
  const std::int64_t signer = service::signing_key(read, kT0)->row_id;
  store::Statement(db.database(), "DELETE FROM keys WHERE kid = ?").bind(1, signer).run();
  BOOST_CHECK_EXCEPTION(tokens()
      .issue({"a", "", ""}, TokenCase::kNormal, read), std::runtime_error, [&](const std::runtime_error& e) {
    return std::string(e.what()) == "key " + std::to_string(signer) + " vanished while signing";
  });
}

// A key from before thumbprint kids whose JWK gives no thumbprint keeps its
// row id as its kid, in tokens as in the key set.
BOOST_FIXTURE_TEST_CASE(a_key_without_a_thumbprint_signs_under_its_row_id, RealStore) {
  KeyManager km = manager();
  km.ensure();
  std::vector<store::KeyRecord> keys = km.keys();
  store::KeyRecord* signer = nullptr;
  for (auto& k : keys)
    if (k.row_id == service::signing_key(km.keys(), kT0)->row_id) signer = &k;
  BOOST_REQUIRE(signer != nullptr);
  signer->thumbprint.clear();
  auto token = tokens().issue({"a", "", ""}, TokenCase::kNormal, keys);
  BOOST_REQUIRE(token.ok());
  BOOST_TEST(kid_of(token.value()) == std::to_string(signer->row_id));
  const auto set = nlohmann::json::parse(service::build_jwks(keys, kT0, 0).json);
  bool published = false;
  for (const auto& jwk : set["keys"]) published |= jwk["kid"] == std::to_string(signer->row_id);
  BOOST_TEST(published);
}
