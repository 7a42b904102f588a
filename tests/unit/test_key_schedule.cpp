#define BOOST_TEST_MODULE key_schedule
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "jwks/crypto/jws_alg.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/jws.h"
#include "jwks/service/jwks_document.h"
#include "jwks/service/key_manager.h"
#include "jwks/service/key_schedule.h"
#include "jwks/service/token_service.h"
#include "jwks/store/sqlite_store.h"
#include "jwks/store/schema.h"

using namespace jwks;
using service::TokenCase;
using service::KeyState;
using store::KeyRecord;
using store::KeySchedule;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000, kMinute = 60, kHour = 3600, kDay = 86400;
const service::SchedulePolicy kPolicy{.signing_period = kDay, .publish_lead = kHour, .token_lifetime = kHour,
                                      .retention = 2 * kDay, .keep_expired = true, .alg = "EdDSA"};

KeyRecord record(std::int64_t kid, KeySchedule s, std::string alg = "EdDSA") {
  KeyRecord r;
  r.row_id = kid;
  r.schedule = s;
  r.alg = std::move(alg);
  r.thumbprint = "tp" + std::to_string(kid);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(states_follow_the_times) {
  const KeySchedule s{100, 200, 300, 400, false, 100};
  BOOST_TEST((service::key_state(s, 150) == KeyState::kPublished));
  BOOST_TEST((service::key_state(s, 200) == KeyState::kActive));
  BOOST_TEST((service::key_state(s, 299) == KeyState::kActive));
  BOOST_TEST((service::key_state(s, 300) == KeyState::kRetired));
  BOOST_TEST((service::key_state(s, 399) == KeyState::kRetired));
  BOOST_TEST((service::key_state(s, 400) == KeyState::kExpired));
  BOOST_TEST(std::string(service::to_string(KeyState::kPublished)) == "published");
}

BOOST_AUTO_TEST_CASE(plans_for_an_empty_store_a_key_that_signs_at_once) {
  const auto plan = service::plan_rotation({}, kT0, kPolicy);
  BOOST_REQUIRE(plan.create.has_value());
  BOOST_TEST(plan.create->published_at == kT0);
  BOOST_TEST(plan.create->active_at == kT0);
  BOOST_TEST(plan.create->retire_at == kT0 + kDay);
  BOOST_TEST(plan.create->exp == kT0 + kDay + kHour);
  BOOST_TEST(plan.changes.empty());
}

BOOST_AUTO_TEST_CASE(nothing_is_due_while_a_successor_waits) {
  const std::vector<KeyRecord> keys{record(1, {0, 0, kT0 + kHour, kT0 + 2 * kHour, false, kHour}),
                                    record(2, {kT0, kT0 + kHour, kT0 + kHour + kDay, kT0 + 2 * kHour + kDay, false, kHour})};
  BOOST_TEST(service::plan_rotation(keys, kT0 + 1, kPolicy).empty());
  BOOST_TEST(service::signing_key(keys, kT0 + 1)->row_id == 1);
  BOOST_TEST(service::signing_key(keys, kT0 + kHour)->row_id == 2);
  BOOST_TEST(*service::next_activation(keys, kT0) == kT0 + kHour);
  BOOST_TEST(!service::next_activation(keys, kT0 + kHour).has_value());
}

BOOST_AUTO_TEST_CASE(jwks_max_age_is_half_the_lead_and_at_most_a_day) {
  BOOST_TEST(service::jwks_max_age(kHour) == 1800);
  BOOST_TEST(service::jwks_max_age(12 * kHour) == 6 * kHour);
  BOOST_TEST(service::jwks_max_age(7 * kDay) == kDay);
}

// JWKS_TOKEN_LIFETIME lowered from 1 h to 5 min between runs: the signing
// key may have signed hour-long tokens until now, so it stays published for
// an hour after it stops signing, not five minutes.
BOOST_AUTO_TEST_CASE(a_lowered_token_lifetime_never_unpublishes_a_key_before_its_tokens) {
  service::SchedulePolicy shorter = kPolicy;
  shorter.token_lifetime = 5 * kMinute;
  const std::vector<KeyRecord> keys{record(1, {kT0, kT0, kT0 + kDay, kT0 + kDay + kHour, false, kHour})};
  const std::int64_t now = kT0 + kDay - kHour;  // the rotation is due
  const std::int64_t last_token_exp = now + kHour;  // signed just before, under the old lifetime
  const auto plan = service::plan_rotation(keys, now, shorter);
  BOOST_REQUIRE(plan.create.has_value());
  BOOST_TEST(plan.create->token_lifetime.value_or(-1) == 5 * kMinute);  // new keys take the new lifetime
  BOOST_TEST(plan.create->exp == plan.create->retire_at + 5 * kMinute);
  BOOST_REQUIRE(plan.changes.size() == 1u);
  const KeySchedule& old = plan.changes[0].schedule;
  BOOST_TEST(old.token_lifetime.value_or(-1) == kHour);  // a key's lifetime never shrinks
  BOOST_TEST(old.exp == old.retire_at + kHour);
  BOOST_TEST(old.exp >= last_token_exp);

  // Cut short by `rotate --now` as well.
  const auto early = service::plan_rotation(keys, kT0 + 600, shorter, true);
  BOOST_REQUIRE(early.changes.size() == 1u);
  BOOST_TEST(early.changes[0].schedule.retire_at == kT0 + 600 + kHour);
  BOOST_TEST(early.changes[0].schedule.exp == kT0 + 600 + 2 * kHour);

  // A key from before lifetimes were recorded: its tokens may live until its exp.
  const std::vector<KeyRecord> legacy{record(1, {kT0, kT0, kT0 + kDay, kT0 + kDay + kHour, false, std::nullopt})};
  const auto cut = service::plan_rotation(legacy, kT0 + 600, shorter, true);
  BOOST_REQUIRE(cut.changes.size() == 1u);
  BOOST_TEST(cut.changes[0].schedule.exp >= kT0 + kDay + kHour);
  BOOST_TEST(cut.changes[0].schedule.token_lifetime.has_value());
}

// JWKS_TOKEN_LIFETIME raised: keys that may still sign take the longer
// lifetime (tokens are capped at it) and stay published for it; a retired
// key signs no more and is left alone.
BOOST_AUTO_TEST_CASE(a_raised_token_lifetime_reaches_the_keys_that_may_still_sign) {
  service::SchedulePolicy longer = kPolicy;
  longer.token_lifetime = 3 * kHour;
  const std::vector<KeyRecord> keys{
      record(1, {kT0 - kDay, kT0 - kDay, kT0, kT0 + kHour, false, kHour}),                          // retired
      record(2, {kT0 - kHour, kT0, kT0 + kDay, kT0 + kDay + kHour, false, kHour}),                  // active
      record(3, {kT0 + 600, kT0 + kDay, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour})};    // published
  const auto plan = service::plan_rotation(keys, kT0 + 700, longer);
  BOOST_TEST(!plan.create.has_value());
  BOOST_REQUIRE(plan.changes.size() == 2u);
  for (const auto& c : plan.changes) {
    BOOST_TEST(c.row_id != 1);
    BOOST_TEST(c.schedule.token_lifetime.value_or(-1) == 3 * kHour);
    BOOST_TEST(c.schedule.exp == c.schedule.retire_at + 3 * kHour);
  }
  // Applied, the plan is done: nothing is due on the next request.
  std::vector<KeyRecord> applied = keys;
  for (const auto& c : plan.changes) applied[static_cast<std::size_t>(c.row_id - 1)].schedule = c.schedule;
  BOOST_TEST(service::plan_rotation(applied, kT0 + 701, longer).empty());
  BOOST_TEST(service::plan_rotation(applied, kT0 + 701, kPolicy).empty());  // and a lower one changes nothing
}

// JWKS_PUBLISH_LEAD lowered from 2 h to 10 min while a successor waits: sets
// fetched just before it was published may be cached for the old max-age
// (1 h), so it signs when scheduled, whether asked to rotate or to retire.
BOOST_AUTO_TEST_CASE(a_lowered_lead_never_brings_a_published_successor_forward) {
  const std::int64_t published = kT0 + kDay - 2 * kHour;
  const std::vector<KeyRecord> keys{
      record(1, {kT0, kT0, kT0 + kDay, kT0 + kDay + kHour, false, kHour}),
      record(2, {published, kT0 + kDay, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour})};
  service::SchedulePolicy shorter = kPolicy;
  shorter.publish_lead = 10 * kMinute;
  BOOST_TEST(service::plan_rotation(keys, published + 15 * kMinute, shorter, true).empty());
  const auto retire = service::plan_retire(keys, keys[0], published + 15 * kMinute, shorter, false);
  BOOST_TEST((retire.outcome == service::RetirePlan::Outcome::kRetired));
  BOOST_TEST(retire.retires_at == kT0 + kDay);
  for (const auto& c : retire.changes) BOOST_TEST(c.row_id == 1);
}

// The signing key retired with --force right after it took over: the key
// before it, retired on schedule and still published for its tokens, must
// not sign again. Nothing signs until a new key has waited its lead.
BOOST_AUTO_TEST_CASE(a_forced_retirement_never_hands_back_to_the_key_before) {
  const std::int64_t now = kT0 + kDay + kMinute;
  std::vector<KeyRecord> keys{
      record(1, {kT0, kT0, kT0 + kDay, kT0 + kDay + kHour, false, kHour}),
      record(2, {kT0 + kDay - kHour, kT0 + kDay, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour})};
  const auto retire = service::plan_retire(keys, keys[1], now, kPolicy, true);
  BOOST_REQUIRE((retire.outcome == service::RetirePlan::Outcome::kRetired));
  for (const auto& c : retire.changes) keys[static_cast<std::size_t>(c.row_id - 1)].schedule = c.schedule;
  BOOST_TEST(service::signing_key(keys, now) == nullptr);
  const auto plan = service::plan_rotation(keys, now, kPolicy);
  BOOST_REQUIRE(plan.create.has_value());
  BOOST_TEST(plan.create->active_at == now + kHour);
  BOOST_TEST(plan.changes.empty());  // key 1 is not extended, key 2 not brought back
}

// The names jwksctl list prints, one per state.
BOOST_AUTO_TEST_CASE(every_state_has_its_name) {
  BOOST_TEST(std::string(service::to_string(KeyState::kPublished)) == "published");
  BOOST_TEST(std::string(service::to_string(KeyState::kActive)) == "active");
  BOOST_TEST(std::string(service::to_string(KeyState::kRetired)) == "retired");
  BOOST_TEST(std::string(service::to_string(KeyState::kExpired)) == "expired");
}

// Keys from before schedules overlap (each signed from its creation until
// its exp): the one that became active last signs, the higher kid of two
// that became active in the same second; the earliest of two waiting keys
// is the next to sign.
BOOST_AUTO_TEST_CASE(overlapping_keys_resolve_to_the_latest_activation_then_the_higher_kid) {
  const std::vector<KeyRecord> keys{
      record(1, {kT0 - kDay, kT0 - kDay, kT0 + kDay, kT0 + kDay + kHour, false, kHour}),
      record(2, {kT0 - kHour, kT0 - kHour, kT0 + kDay, kT0 + kDay + kHour, false, kHour}),
      record(3, {kT0 - kHour, kT0 - kHour, kT0 + kDay, kT0 + kDay + kHour, false, kHour}),
      record(4, {kT0, kT0 + 2 * kHour, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour}),
      record(5, {kT0, kT0 + kHour, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour}),
      record(6, {kT0, kT0 + 3 * kHour, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour})};
  BOOST_TEST(service::signing_key(keys, kT0)->row_id == 3);
  BOOST_TEST(*service::next_activation(keys, kT0) == kT0 + kHour);
  BOOST_TEST(service::signing_key(keys, kT0 + kHour)->row_id == 5);
  BOOST_TEST(*service::next_activation(keys, kT0 + kHour) == kT0 + 2 * kHour);
  BOOST_TEST(service::signing_key(keys, kT0 + 3 * kHour)->row_id == 6);
  BOOST_TEST(!service::next_activation(keys, kT0 + 3 * kHour).has_value());
}

// The purge keeps one expired key of the configured algorithm for
// ?expired=true: the latest to expire, the higher kid of two that expired
// together, and never one of another algorithm.
BOOST_AUTO_TEST_CASE(the_purge_keeps_the_latest_expired_key_of_the_configured_alg) {
  const std::int64_t now = kT0 + 30 * kDay;
  const std::vector<KeyRecord> keys{record(1, {kT0, kT0, kT0 + kDay, kT0 + kDay + kHour, false, kHour}),
                                    record(2, {kT0, kT0, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour}),
                                    record(3, {kT0, kT0, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour}),
                                    record(4, {kT0, kT0, kT0 + 3 * kDay, kT0 + 3 * kDay + kHour, false, kHour}, "RS256")};
  BOOST_TEST(service::purgeable(keys, now, kPolicy) == (std::vector<std::int64_t>{1, 2, 4}), boost::test_tools::per_element());
  service::SchedulePolicy off = kPolicy;
  off.keep_expired = false;
  BOOST_TEST(service::purgeable(keys, now, off) == (std::vector<std::int64_t>{1, 2, 3, 4}), boost::test_tools::per_element());
  BOOST_TEST(!service::needs_expired_key(keys, now, kPolicy));
  BOOST_TEST(!service::needs_expired_key(keys, now, off));
  service::SchedulePolicy ps = kPolicy;
  ps.alg = "PS256";
  BOOST_TEST(service::needs_expired_key(keys, now, ps));  // none of PS256 has expired
}

// `retire KEY` of an active key that does not sign (an older key from
// before schedules, overlapping the signer): it simply stops, now, and stays
// published for its tokens; the signer is left alone.
BOOST_AUTO_TEST_CASE(retiring_an_overlapped_older_key_stops_it_at_once) {
  const std::vector<KeyRecord> keys{
      record(1, {kT0 - kDay, kT0 - kDay, kT0 + kDay, kT0 + kDay + kHour, false, kHour}),
      record(2, {kT0 - kHour, kT0 - kHour, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour})};
  BOOST_REQUIRE(service::signing_key(keys, kT0)->row_id == 2);
  const auto plan = service::plan_retire(keys, keys[0], kT0, kPolicy, false);
  BOOST_REQUIRE((plan.outcome == service::RetirePlan::Outcome::kRetired));
  BOOST_TEST(plan.retires_at == kT0);
  BOOST_REQUIRE(plan.changes.size() == 1u);
  BOOST_TEST(plan.changes[0].row_id == 1);
  const KeySchedule& s = plan.changes[0].schedule;
  BOOST_TEST(s.retire_at == kT0);
  BOOST_TEST(s.exp == kT0 + kHour);  // its tokens' lifetime
  BOOST_TEST(s.retired_early);
  BOOST_TEST((service::key_state(s, kT0) == KeyState::kRetired));
  // Retired or expired, it is retired already.
  std::vector<KeyRecord> after = keys;
  after[0].schedule = s;
  BOOST_TEST((service::plan_retire(after, after[0], kT0 + 1, kPolicy, false).outcome ==
              service::RetirePlan::Outcome::kAlreadyRetired));
  BOOST_TEST((service::plan_retire(after, after[0], kT0 + kHour, kPolicy, true).outcome ==
              service::RetirePlan::Outcome::kAlreadyRetired));
}

// `retire SIGNER` after JWKS_PUBLISH_LEAD was raised (1 h -> 2 h) while its
// successor waits: the successor may sign only a full new lead after it was
// published, so it moves later, and the retiring key signs until then
// (without --force) or stops now (with it, leaving a gap).
BOOST_AUTO_TEST_CASE(retiring_the_signer_after_a_raised_lead_moves_the_successor) {
  const std::int64_t published = kT0 + kDay - kHour, now = kT0 + kDay - 30 * kMinute;
  const std::vector<KeyRecord> keys{
      record(1, {kT0, kT0, kT0 + kDay, kT0 + kDay + kHour, false, kHour}),
      record(2, {published, kT0 + kDay, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour})};
  service::SchedulePolicy longer = kPolicy;
  longer.publish_lead = 2 * kHour;
  for (bool force : {false, true}) {
    const auto plan = service::plan_retire(keys, keys[0], now, longer, force);
    BOOST_REQUIRE((plan.outcome == service::RetirePlan::Outcome::kRetired));
    const std::int64_t ready = published + 2 * kHour;
    BOOST_TEST(plan.retires_at == (force ? now : ready), "force " << force);
    std::map<std::int64_t, KeySchedule> changed;
    for (const auto& c : plan.changes) changed[c.row_id] = c.schedule;
    BOOST_REQUIRE(changed.count(2) == 1u);
    BOOST_TEST(changed[2].active_at == ready);
    BOOST_TEST(changed[2].retire_at == ready + kDay);
    BOOST_TEST(changed[2].published_at == published);
    BOOST_REQUIRE(changed.count(1) == 1u);
    BOOST_TEST(changed[1].retire_at == plan.retires_at);
    BOOST_TEST(changed[1].retired_early);
    std::vector<KeyRecord> applied = keys;
    for (auto& k : applied)
      if (changed.count(k.row_id)) k.schedule = changed[k.row_id];
    const KeyRecord* at_now = service::signing_key(applied, now);
    BOOST_TEST((force ? at_now == nullptr : at_now != nullptr && at_now->row_id == 1), "force " << force);
    BOOST_TEST(service::signing_key(applied, ready)->row_id == 2);
  }
}

// `retire --force` leaves a waiting successor and keys that stopped on
// their own alone, and marks every older key that could still be handed back to.
BOOST_AUTO_TEST_CASE(a_forced_retirement_marks_only_the_keys_that_could_sign_again) {
  const std::int64_t now = kT0 + kDay + 10 * kMinute;
  const std::vector<KeyRecord> keys{
      record(1, {kT0 - kDay, kT0 - kDay, kT0, kT0 + kDay + kHour, false, kHour}),                 // retired on schedule
      record(2, {kT0 - kDay, kT0 - kDay, kT0, kT0 + kDay + kHour, true, kHour}),                  // retired early already
      record(3, {kT0, kT0, kT0 + 2 * kDay, kT0 + 2 * kDay + kHour, false, kHour}),                // overlapping, active
      record(4, {kT0 + kDay - kHour, kT0 + kDay, kT0 + 3 * kDay, kT0 + 3 * kDay + kHour, false, kHour}),  // the signer
      record(5, {now - kMinute, now + kHour, now + kHour + kDay, now + 2 * kHour + kDay, false, kHour})};  // waiting
  BOOST_REQUIRE(service::signing_key(keys, now)->row_id == 4);
  const auto plan = service::plan_retire(keys, keys[3], now, kPolicy, true);
  BOOST_REQUIRE((plan.outcome == service::RetirePlan::Outcome::kRetired));
  BOOST_TEST(plan.retires_at == now);
  std::map<std::int64_t, KeySchedule> changed;
  for (const auto& c : plan.changes) changed[c.row_id] = c.schedule;
  BOOST_TEST(changed.count(2) == 0u);  // already marked
  BOOST_TEST(changed.count(5) == 0u);  // waits its lead as scheduled
  BOOST_REQUIRE(changed.count(1) == 1u);
  BOOST_TEST(changed[1].retired_early);
  BOOST_TEST(changed[1].retire_at == kT0);  // times unchanged: only marked
  BOOST_TEST(changed[1].exp == kT0 + kDay + kHour);
  BOOST_REQUIRE(changed.count(3) == 1u);
  BOOST_TEST(changed[3].retired_early);
  BOOST_TEST(changed[3].retire_at == now);  // stops now
  BOOST_REQUIRE(changed.count(4) == 1u);
  BOOST_TEST(changed[4].retire_at == now);
}

// A raised token lifetime goes to the keys that may still sign, but not to
// one an operator retired early, even while it hands over: it signs no
// token after its (unchanged) retirement.
BOOST_AUTO_TEST_CASE(a_raised_lifetime_skips_keys_retired_early) {
  service::SchedulePolicy longer = kPolicy;
  longer.token_lifetime = 2 * kHour;
  const std::vector<KeyRecord> keys{
      record(1, {kT0 - kHour, kT0, kT0 + 10 * kMinute, kT0 + 10 * kMinute + kHour, true, kHour}),  // handing over
      record(2, {kT0 - kHour, kT0 + 10 * kMinute, kT0 + kDay, kT0 + kDay + kHour, false, kHour})};
  const auto plan = service::plan_rotation(keys, kT0 + 5 * kMinute, longer);
  BOOST_REQUIRE(plan.changes.size() == 1u);
  BOOST_TEST(plan.changes[0].row_id == 2);
  BOOST_TEST(plan.changes[0].schedule.exp == kT0 + kDay + 2 * kHour);
}

// The rotation comes due as the token lifetime is raised: the signing key
// gets one new schedule, which both extends its signing and raises its
// lifetime, not two changes for the same key.
BOOST_AUTO_TEST_CASE(a_due_rotation_and_a_raised_lifetime_change_the_signer_once) {
  service::SchedulePolicy longer = kPolicy;
  longer.token_lifetime = 2 * kHour;
  const std::vector<KeyRecord> keys{record(1, {kT0, kT0, kT0 + kDay, kT0 + kDay + kHour, false, kHour})};
  const auto plan = service::plan_rotation(keys, kT0 + kDay - kHour, longer);
  BOOST_REQUIRE(plan.create.has_value());
  BOOST_REQUIRE(plan.changes.size() == 1u);
  BOOST_TEST(plan.changes[0].row_id == 1);
  BOOST_TEST(plan.changes[0].schedule.token_lifetime.value_or(0) == 2 * kHour);
  BOOST_TEST(plan.changes[0].schedule.exp == kT0 + kDay + 2 * kHour);
}

// A week of rotations with an injected clock, through the real store, keys
// (Ed25519, quick to make), token service and key set. Every five minutes,
// unless the server is idle: the schedule runs as a request would run it,
// two caching clients refresh the key set when their copy is too old (one
// keeps it for the JWKS max-age, one for the whole lead), a token is issued
// and checked against what each client holds. A quiet night spans a
// hand-over, an operator rotates early, retires the signing key, and forces
// a retirement.
// A week of a responder's life, one request every five minutes (but for a
// quiet spell with no requests at all), with an operator who rotates early,
// retires the signing key, then retires one by force. Each step checks the
// invariants below by name.
class SimulatedWeek {
 public:
  static constexpr std::int64_t kStep = 5 * kMinute;
  static constexpr std::int64_t kQuietFrom = kT0 + 2 * kDay - 2 * kHour, kQuietUntil = kT0 + 2 * kDay + 30 * kMinute;
  static constexpr std::int64_t kRotateAt = kT0 + 3 * kDay + 12 * kHour;
  static constexpr std::int64_t kRetireAt = kT0 + 4 * kDay + 6 * kHour;
  static constexpr std::int64_t kForceAt = kT0 + 5 * kDay + 18 * kHour;

  SimulatedWeek() {
    // Clients that cache the set for max-age, and for the whole lead, first
    // fetching at every phase of their cache time: one of them always holds
    // a copy fetched just before a new key was published.
    for (std::int64_t ttl : {max_age_, kPolicy.publish_lead}) {
      for (std::int64_t phase = 0; phase < ttl; phase += kStep) clients_.push_back(Client{ttl, kT0 + phase, -1, {}});
    }
  }

  // One request at `now`: what the server does, then what an operator does.
  // False in the quiet spell: nobody asks, nothing runs.
  bool request_at(std::int64_t now) {
    now_ = now;
    clock_.set(now);
    if (now >= kQuietFrom && now < kQuietUntil) return false;
    ++steps_;
    manager_.ensure();
    if (now == kRotateAt) manager_.rotate_now();
    if (now == kRetireAt || now == kForceAt) {
      const auto keys = db_.keys().unexpired(now);
      const KeyRecord* signer = service::signing_key(keys, now);
      BOOST_REQUIRE(signer != nullptr);
      const auto r = manager_.retire(signer->thumbprint, now == kForceAt);
      BOOST_TEST((r.outcome == service::RetireResult::Outcome::kRetired));
      if (now == kForceAt) forced_at_ = now;
    }
    // The published set, and what the store holds.
    const nlohmann::json set = nlohmann::json::parse(service::build_jwks(db_, now, max_age_).json);
    published_.clear();
    for (const auto& k : set["keys"]) published_[k["kid"].get<std::string>()] = k;
    for (const auto& [kid, jwk] : published_) {
      first_published_.emplace(kid, now);
      ever_published_.insert(kid);
    }
    all_ = db_.keys().all();
    return true;
  }

  void a_key_stays_published_until_its_tokens_expire() {
    for (const auto& [kid, exp] : last_token_exp_) {
      if (exp > now_) BOOST_TEST(published_.count(kid) == 1u, kid << " unpublished before its token expired");
    }
  }

  void the_signer_and_from_one_lead_before_it_retires_its_successor_are_published() {
    const KeyRecord* signer = service::signing_key(all_, now_);
    if (signer == nullptr) return;
    BOOST_TEST(published_.count(signer->thumbprint) == 1u);
    if (signer->schedule.retire_at - now_ > kPolicy.publish_lead) return;
    bool successor = false;
    for (const KeyRecord& k : all_) {
      successor |= k.row_id != signer->row_id && k.schedule.active_at == signer->schedule.retire_at &&
                   published_.count(k.thumbprint) == 1;
    }
    BOOST_TEST(successor, "no successor published one lead before " << signer->thumbprint << " retires");
  }

  void the_purge_keeps_an_expired_key_and_every_key_within_the_retention() {
    std::int64_t newest_expired = 0;
    for (const KeyRecord& k : all_) {
      if (k.exp() <= now_) newest_expired = std::max(newest_expired, k.exp());
    }
    BOOST_TEST(newest_expired > 0);
    for (const KeyRecord& k : all_) {
      if (k.exp() <= now_ && k.exp() != newest_expired) BOOST_TEST(k.exp() > now_ - kPolicy.retention);
    }
  }

  void clients_refresh_their_copies() {
    for (Client& c : clients_) {
      if (now_ >= c.first_fetch && (c.fetched_at < 0 || now_ >= c.fetched_at + c.ttl)) {
        c.kids.clear();
        for (const auto& [kid, jwk] : published_) c.kids.insert(kid);
        c.fetched_at = now_;
      }
    }
  }

  // A token is issued, unless a forced retirement's successor still waits
  // out its lead; then the refusal says how long to wait.
  void a_token_is_issued_or_refused_only_after_the_forced_retirement() {
    auto token = tokens_.issue({"alice", "", ""}, TokenCase::kNormal, db_.keys().all());
    if (!token) {
      BOOST_TEST((token.error().code == service::ErrorCode::kUnavailable));
      BOOST_TEST((forced_at_ > 0 && now_ < forced_at_ + kPolicy.publish_lead));
      BOOST_TEST(token.error().retry_after_seconds == forced_at_ + kPolicy.publish_lead - now_);
      ++refused_;
      return;
    }
    ++issued_;
    a_token_lives_its_full_lifetime_within_its_key(token.value());
    a_token_verifies_and_every_client_knows_its_kid(token.value());
  }

  // ?expired=true: signed by a key that is not published, already expired.
  void an_expired_token_comes_from_an_unpublished_key() {
    auto old = tokens_.issue({"alice", "", ""}, TokenCase::kExpired, {});
    BOOST_REQUIRE(old.ok());
    const auto parts = jose::parse_compact(old.value());
    BOOST_TEST(published_.count(nlohmann::json::parse(parts->header_json)["kid"].get<std::string>()) == 0u);
    BOOST_TEST(nlohmann::json::parse(parts->payload_json)["exp"].get<std::int64_t>() < now_);
  }

  // At the end of the week.
  void the_week_had_its_rotations_purges_and_one_refusal_window() {
    BOOST_TEST_MESSAGE("simulated week: " << steps_ << " steps, " << issued_ << " tokens, " << refused_
                                          << " refused after the forced retirement, " << ever_published_.size()
                                          << " keys published, " << db_.keys().all().size() << " kept at the end");
    BOOST_TEST(refused_ == static_cast<int>(kPolicy.publish_lead / kStep));
    BOOST_TEST(ever_published_.size() >= 8u);  // daily rotations plus the operator's
    BOOST_TEST(db_.keys().all().size() < ever_published_.size());  // the retention purged the oldest
  }

 private:
  struct Client {
    std::int64_t ttl, first_fetch;
    std::int64_t fetched_at = -1;
    std::set<std::string> kids;
  };

  void a_token_lives_its_full_lifetime_within_its_key(const std::string& token) {
    const auto parts = jose::parse_compact(token);
    BOOST_REQUIRE(parts.has_value());
    const std::string kid = nlohmann::json::parse(parts->header_json)["kid"];
    const std::int64_t exp = nlohmann::json::parse(parts->payload_json)["exp"];
    if (first_kid_.empty()) first_kid_ = kid;
    BOOST_TEST(exp == now_ + kPolicy.token_lifetime);  // always a full lifetime
    for (const KeyRecord& k : all_) {
      if (k.thumbprint == kid) BOOST_TEST(exp <= k.exp(), "a token outlives its key");
    }
    // Published for at least the lead before it signs (the first key excepted:
    // nothing had been published before it).
    if (kid != first_kid_) BOOST_TEST(first_published_.at(kid) <= now_ - kPolicy.publish_lead);
    last_token_exp_[kid] = std::max(last_token_exp_[kid], exp);
  }

  // It verifies with the published key, and every client already holds that
  // key in its cached copy: none meets an unknown kid.
  void a_token_verifies_and_every_client_knows_its_kid(const std::string& token) {
    const auto parts = jose::parse_compact(token);
    const std::string kid = nlohmann::json::parse(parts->header_json)["kid"];
    BOOST_REQUIRE(published_.count(kid) == 1u);
    auto members = jose::members_from_jwk(published_.at(kid));
    BOOST_REQUIRE(members.has_value());
    crypto::PkeyPtr pub = crypto::public_key(*members);
    const std::span<const std::uint8_t> input(reinterpret_cast<const std::uint8_t*>(parts->signing_input.data()),
                                              parts->signing_input.size());
    BOOST_TEST(crypto::verify(crypto::JwsAlg::kEdDSA, *pub, input, parts->signature));
    for (const Client& c : clients_) {
      if (c.fetched_at >= 0 && kid != first_kid_)
        BOOST_TEST(c.kids.count(kid) == 1u, "a client caching for " << c.ttl << " s (copy from "
                                               << c.fetched_at - kT0 << " s) lacks " << kid);
    }
  }

  crypto::MasterKey master_ = std::move(crypto::MasterKey::from_secret("an example master secret of 32+ bytes!").value());
  store::SqliteStore db_{":memory:"};
  service::ManualClock clock_{kT0};
  service::SigningKeyFactory factory_{master_, crypto::JwsAlg::kEdDSA};
  service::KeyManager manager_{db_, clock_, factory_, kPolicy};
  service::TokenService tokens_{db_, master_, clock_, kPolicy.token_lifetime, kPolicy.alg};
  const std::int64_t max_age_ = service::jwks_max_age(kPolicy.publish_lead);
  std::vector<Client> clients_;
  std::int64_t now_ = kT0;
  std::map<std::string, nlohmann::json> published_;     // kid -> JWK, at this step
  std::vector<KeyRecord> all_;                          // the store's keys, at this step
  std::map<std::string, std::int64_t> first_published_;  // kid -> first time it was in the set
  std::map<std::string, std::int64_t> last_token_exp_;   // kid -> the latest exp it signed
  std::set<std::string> ever_published_;
  std::string first_kid_;
  int issued_ = 0, refused_ = 0, steps_ = 0;
  std::int64_t forced_at_ = 0;
};

BOOST_AUTO_TEST_CASE(a_simulated_week) {
  SimulatedWeek week;
  for (std::int64_t now = kT0; now <= kT0 + 7 * kDay; now += SimulatedWeek::kStep) {
    if (!week.request_at(now)) continue;
    week.a_key_stays_published_until_its_tokens_expire();
    week.the_signer_and_from_one_lead_before_it_retires_its_successor_are_published();
    week.the_purge_keeps_an_expired_key_and_every_key_within_the_retention();
    week.clients_refresh_their_copies();
    week.a_token_is_issued_or_refused_only_after_the_forced_retirement();
    week.an_expired_token_comes_from_an_unpublished_key();
  }
  week.the_week_had_its_rotations_purges_and_one_refusal_window();
}

// The key set's exact bytes and ETag for fixed rows (RFC 7515 A.3's P-256
// key): the ETag is a digest of the rows, not of the bytes, so a change to
// how the document is written must bump jwks_etag's format version; this
// pin fails until the expected values are updated with it.
BOOST_AUTO_TEST_CASE(the_key_set_document_and_its_etag_are_pinned) {
  store::KeyRecord r;
  r.row_id = 7;
  r.alg = "ES256";
  r.thumbprint = "kid-7";
  r.public_jwk = R"({"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                 R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
  r.schedule.exp = 2000;
  store::KeyRecord legacy = r;
  legacy.row_id = 3;
  legacy.thumbprint = "kid-3";
  legacy.legacy_kid = true;
  store::KeyRecord gone = r;
  gone.row_id = 1;
  gone.schedule.exp = 1000;  // expired at `now`: in neither the document nor the tag
  const std::vector<store::KeyRecord> rows{gone, legacy, r};
  const service::JwksDocument doc = service::build_jwks(rows, 1000, 600);
  auto jwk = [](const char* kid) {
    return std::string(R"({"alg":"ES256","crv":"P-256","kid":")") + kid +
           R"(","kty":"EC","use":"sig","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
           R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";
  };
  BOOST_TEST(doc.json == R"({"keys":[)" + jwk("kid-3") + "," + jwk("3") + "," + jwk("kid-7") + "]}");
  BOOST_TEST(doc.etag == service::jwks_etag(rows, 1000));
  BOOST_TEST(doc.etag == "\"bIcjxiD27VPirsUdrp4isw\"");
  BOOST_TEST(service::jwks_etag(rows, 1000) != service::jwks_etag(std::vector<store::KeyRecord>{r}, 1000));
}
