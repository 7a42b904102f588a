#define BOOST_TEST_MODULE lifecycle_edges
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "jwks/jose/jws.h"
#include "jwks/service/key_manager.h"
#include "jwks/service/key_schedule.h"
#include "jwks/service/token_service.h"
#include "jwks/store/sqlite_store.h"
#include "jwks/store/schema.h"
#include "jwks/store/statement.h"

using namespace jwks;
using service::TokenCase;
using service::SchedulePolicy;
using store::KeyRecord;
using store::KeySchedule;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000, kMinute = 60, kHour = 3600, kDay = 86400;
const SchedulePolicy kPolicy{.signing_period = kDay, .publish_lead = kHour, .token_lifetime = kHour,
                             .retention = 7 * kDay, .keep_expired = true, .alg = "RS256"};

KeyRecord record(std::int64_t kid, KeySchedule s) {
  KeyRecord r;
  r.row_id = kid;
  r.schedule = s;
  r.alg = "RS256";
  r.thumbprint = "tp" + std::to_string(kid);
  return r;
}

// Applies a plan as KeyManager::run does (a created key gets the next row id).
void apply_plan(std::vector<KeyRecord>& keys, const service::RotationPlan& plan) {
  for (const auto& c : plan.changes)
    for (auto& k : keys)
      if (k.row_id == c.row_id) k.schedule = c.schedule;
  if (plan.create) keys.push_back(record(static_cast<std::int64_t>(keys.size()) + 1, *plan.create));
}

void apply_plan(std::vector<KeyRecord>& keys, const service::RetirePlan& plan) {
  for (const auto& c : plan.changes)
    for (auto& k : keys)
      if (k.row_id == c.row_id) k.schedule = c.schedule;
}

crypto::MasterKey test_master() {
  auto k = crypto::MasterKey::from_secret("an example master secret of 32+ bytes!");
  BOOST_REQUIRE(k.ok());
  return std::move(k.value());
}

std::string kid_of(const std::string& token) {
  return nlohmann::json::parse(jose::parse_compact(token)->header_json)["kid"].get<std::string>();
}

}  // namespace

// A store from before schedules (v3) with two unexpired keys, the newer one
// signing. `retire NEWER --force`: the older key, superseded long ago, must
// not sign again (docs/key-lifecycle.md: "no key retired before it signs again").
BOOST_AUTO_TEST_CASE(a_forced_retirement_in_a_v3_store_never_hands_back_to_an_older_legacy_key) {
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory(master);
  store::Database db(":memory:");
  store::migrate_to(db, 3);
  const service::NewKey l1 = factory.create(), l2 = factory.create();
  int kid = 0;
  for (const auto* k : {&l1, &l2}) {
    ++kid;
    store::Statement(db, "INSERT INTO keys (key, exp) VALUES (?, ?)").bind_blob(1, k->envelope).bind(2, kT0 + kDay + kid * kHour).run();
    store::Statement(db, "INSERT INTO key_public (kid, alg, jwk, created_at, thumbprint, legacy_kid) VALUES (?, 'RS256', ?, ?, ?, 1)")
        .bind(1, std::int64_t{kid})
        .bind(2, k->public_jwk)
        .bind(3, kT0 - 3 * kHour + kid * kHour)
        .bind(4, k->thumbprint)
        .run();
  }
  store::migrate(db);
  store::SqliteStore upgraded(std::move(db));
  service::ManualClock clock(kT0);
  service::KeyManager km(upgraded, clock, factory, kPolicy);
  service::TokenService tokens(upgraded, master, clock, kHour);
  km.ensure();
  auto before = tokens.issue({"u", "", ""}, TokenCase::kNormal, km.keys());
  BOOST_REQUIRE(before.ok());
  BOOST_TEST(kid_of(before.value()) == l2.thumbprint);  // the newer legacy key signs

  BOOST_TEST((km.retire(l2.thumbprint, true).outcome == service::RetireResult::Outcome::kRetired));
  clock.advance(kMinute);
  km.ensure();
  auto after = tokens.issue({"u", "", ""}, TokenCase::kNormal, km.keys());
  BOOST_TEST_REQUIRE(!after.ok(), "signed by " << (after.ok() ? kid_of(after.value()) : "")
                                               << " (l1 = " << l1.thumbprint << ") after a forced retirement");
}

// JWKS_TOKEN_LIFETIME lowered (2 h -> 30 min) before key 2 was made; key 2 is
// retired with --force just after it took over. Once key 2 has expired
// (its tokens are 30 min) the key before it (published 2 h for its tokens)
// is "current" again: any reschedule hands signing back to it.
BOOST_AUTO_TEST_CASE(a_forced_retirement_never_hands_back_once_the_retired_key_expired) {
  SchedulePolicy p = kPolicy;
  p.token_lifetime = 30 * kMinute;
  const std::vector<KeyRecord> initial{
      record(1, {kT0 - kDay - kHour, kT0 - kDay, kT0, kT0 + 2 * kHour, false, 2 * kHour}),
      record(2, {kT0 - kHour, kT0, kT0 + kDay, kT0 + kDay + 30 * kMinute, false, 30 * kMinute})};
  std::vector<KeyRecord> keys = initial;
  const std::int64_t forced = kT0 + kMinute;
  const auto retire = service::plan_retire(keys, keys[1], forced, p, true);
  BOOST_REQUIRE((retire.outcome == service::RetirePlan::Outcome::kRetired));
  apply_plan(keys, retire);
  apply_plan(keys, service::plan_rotation(keys, forced, p));  // KeyManager::retire's run(false): key 3
  BOOST_REQUIRE(keys.size() == 3u);
  BOOST_TEST(keys[2].schedule.active_at == forced + kHour);
  const std::int64_t later = forced + 31 * kMinute;  // key 2 has expired, key 3 still waits
  BOOST_TEST(service::signing_key(keys, later) == nullptr);

  // (a) the lead is raised (another process, or a new setting): key 3 waits longer...
  {
    std::vector<KeyRecord> ks = keys;
    SchedulePolicy longer = p;
    longer.publish_lead = 2 * kHour;
    apply_plan(ks, service::plan_rotation(ks, later, longer));
    const KeyRecord* s = service::signing_key(ks, later);
    BOOST_TEST(s == nullptr, "key " << (s ? s->row_id : 0) << " signs again after the forced retirement");
  }
  // (b) the operator retires the waiting key 3 to get a fresh one.
  {
    std::vector<KeyRecord> ks = keys;
    apply_plan(ks, service::plan_retire(ks, ks[2], later, p, false));
    apply_plan(ks, service::plan_rotation(ks, later, p));
    const KeyRecord* s = service::signing_key(ks, later);
    BOOST_TEST(s == nullptr, "key " << (s ? s->row_id : 0) << " signs again after the forced retirement");
  }
}

// `retire KEY` (no --force) hands over when the successor is scheduled; then
// the lead is raised (a process with a longer JWKS_PUBLISH_LEAD, or a new
// setting) before that time. The successor is moved later, but the retiring
// key is not extended: nothing signs, though nobody forced a retirement.
BOOST_AUTO_TEST_CASE(a_handover_then_a_raised_lead_leaves_no_gap) {
  std::vector<KeyRecord> keys{
      record(1, {kT0, kT0, kT0 + kDay, kT0 + kDay + kHour, false, kHour}),
      record(2, {kT0 + kDay - kHour, kT0 + kDay, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour})};
  const std::int64_t now = kT0 + kDay - 30 * kMinute;
  const auto retire = service::plan_retire(keys, keys[0], now, kPolicy, false);
  BOOST_REQUIRE((retire.outcome == service::RetirePlan::Outcome::kRetired));
  BOOST_TEST(retire.retires_at == kT0 + kDay);
  apply_plan(keys, retire);
  SchedulePolicy longer = kPolicy;
  longer.publish_lead = 2 * kHour;
  apply_plan(keys, service::plan_rotation(keys, now, longer));
  BOOST_TEST(keys[1].schedule.active_at == kT0 + kDay + kHour);  // the successor waits the longer lead
  for (std::int64_t t = now; t < kT0 + kDay + kHour; t += 5 * kMinute) {
    apply_plan(keys, service::plan_rotation(keys, t, longer));
    BOOST_TEST_REQUIRE(service::signing_key(keys, t) != nullptr, "no key signs at +" << t - kT0);
  }
}

// A v4 store: key 1 was scheduled by a process with JWKS_TOKEN_LIFETIME=1h
// (exp = retire_at + 1h), but a process with 2h signed with it too; v4 only
// capped tokens at keys.exp, so a 2h token was valid. After the upgrade the
// migration records 1h as the key's lifetime, and a `rotate --now` from a 1h
// process with a 10 min lead unpublishes the key before that token expires.
BOOST_AUTO_TEST_CASE(v4_keys_that_signed_keep_their_tokens_published_after_the_upgrade) {
  store::Database db(":memory:");
  store::migrate_to(db, 4);
  const std::vector<std::uint8_t> env{1, 2, 3};
  const std::int64_t retire = kT0 + 12 * kHour;
  store::Statement(db, "INSERT INTO keys (key, exp) VALUES (?, ?)").bind_blob(1, env).bind(2, retire + kHour).run();
  store::Statement(db, "INSERT INTO key_public (kid, alg, jwk, created_at, thumbprint) VALUES (1, 'RS256', '{}', ?, 'tp1')")
      .bind(1, kT0 - 12 * kHour)
      .run();
  store::Statement(db, "INSERT INTO key_schedule (kid, published_at, active_at, retire_at) VALUES (1, ?, ?, ?)")
      .bind(1, kT0 - 12 * kHour)
      .bind(2, kT0 - 12 * kHour)
      .bind(3, retire)
      .run();
  const std::int64_t now = kT0;
  const std::int64_t v4_token_exp = now + 2 * kHour;  // a v4 process with a 2 h lifetime, just before the upgrade
  BOOST_REQUIRE(v4_token_exp <= retire + kHour);      // all v4 guaranteed
  store::migrate(db);
  std::vector<KeyRecord> keys = store::SqliteKeyRepository(db).all();
  SchedulePolicy p = kPolicy;
  p.publish_lead = 10 * kMinute;
  const auto plan = service::plan_rotation(keys, now, p, true);
  apply_plan(keys, plan);
  BOOST_TEST(keys[0].schedule.exp >= v4_token_exp, "key 1 leaves the set at +" << keys[0].schedule.exp - kT0
                                                    << " under a token valid until +" << v4_token_exp - kT0);
}
