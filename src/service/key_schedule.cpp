#include "jwks/service/key_schedule.h"

#include <algorithm>

namespace jwks::service {
namespace {

using store::KeyRecord;
using store::KeySchedule;

bool live(const KeyRecord& k, std::int64_t now) { return k.schedule.exp > now; }

// Published and still to sign.
bool pending(const KeyRecord& k, std::int64_t now) {
  return live(k, now) && now < k.schedule.active_at && !k.schedule.retired_early;
}

// Later activation first, then the higher kid.
bool activates_later(const KeyRecord& a, const KeyRecord& b) {
  return a.schedule.active_at != b.schedule.active_at ? a.schedule.active_at > b.schedule.active_at : a.row_id > b.row_id;
}

const KeyRecord* earliest_pending(std::span<const KeyRecord> keys, std::int64_t now) {
  const KeyRecord* best = nullptr;
  for (const KeyRecord& k : keys) {
    if (pending(k, now) && (best == nullptr || activates_later(*best, k))) best = &k;
  }
  return best;
}

// The key whose signing period is the latest to have begun, even if it has
// ended with no successor yet (then it may be extended). None if an operator
// retired that key and it has stopped signing: it is never extended, and the
// keys before it handed over long ago and must not sign again.
const KeyRecord* current_key(std::span<const KeyRecord> keys, std::int64_t now) {
  const KeyRecord* best = nullptr;
  for (const KeyRecord& k : keys) {
    if (live(k, now) && k.schedule.active_at <= now && (best == nullptr || activates_later(k, *best))) best = &k;
  }
  // A key retired early but still handing over (not forced) may be extended
  // until its successor may sign; one that stopped signing never is.
  return best != nullptr && best->schedule.retired_early && best->schedule.retire_at <= now ? nullptr : best;
}

KeySchedule signing_from(std::int64_t published_at, std::int64_t active_at, std::int64_t token_lifetime,
                         const SchedulePolicy& p) {
  const std::int64_t retire_at = active_at + p.signing_period;
  return KeySchedule{published_at, active_at, retire_at, retire_at + token_lifetime, false, token_lifetime};
}

// The lifetime `key`'s tokens may have from now on: never less than before,
// as tokens it already signed may live that long. A key from before schema
// v5 has none recorded; once it has signed, its tokens expire by its exp.
std::int64_t lifetime_bound(const KeyRecord& key, std::int64_t now, const SchedulePolicy& p) {
  const KeySchedule& s = key.schedule;
  std::int64_t bound = std::max(p.token_lifetime, s.token_lifetime.value_or(0));
  if (!s.token_lifetime && s.active_at <= now) bound = std::max(bound, s.exp - now);
  return bound;
}

// `key` stops signing at `at` (>= now): its last tokens expire at at + its lifetime bound.
RotationPlan::Change stop_signing_at(const KeyRecord& key, std::int64_t at, std::int64_t now, const SchedulePolicy& p,
                                     bool early = false) {
  KeySchedule s = key.schedule;
  s.token_lifetime = lifetime_bound(key, now, p);
  s.retire_at = std::max(at, s.active_at);
  s.exp = s.retire_at + *s.token_lifetime;
  s.retired_early = early;
  return RotationPlan::Change{key.row_id, s};
}

// When a pending successor may start signing: never before it has been
// published for the lead, and never earlier than scheduled. A lead lowered
// since it was published does not bring it forward: sets cached under the
// longer max-age advertised then may still lack it.
std::int64_t successor_start(const KeyRecord& next, const SchedulePolicy& p) {
  return std::max(next.schedule.published_at + p.publish_lead, next.schedule.active_at);
}

// A key that may still sign gets a token lifetime raised since it was made:
// tokens are capped at the key's lifetime, and its exp moves out to match.
void raise_lifetimes(std::span<const KeyRecord> keys, std::int64_t now, const SchedulePolicy& p, RotationPlan& plan) {
  for (const KeyRecord& k : keys) {
    const KeySchedule& s = k.schedule;
    if (!s.token_lifetime || *s.token_lifetime >= p.token_lifetime || s.retired_early || s.retire_at <= now) continue;
    const bool planned = std::any_of(plan.changes.begin(), plan.changes.end(),
                                     [&](const RotationPlan::Change& c) { return c.row_id == k.row_id; });
    if (planned) continue;  // stop_signing_at already raised it
    KeySchedule raised = s;
    raised.token_lifetime = p.token_lifetime;
    raised.exp = std::max(s.exp, s.retire_at + p.token_lifetime);
    plan.changes.push_back({k.row_id, raised});
  }
}

RotationPlan plan_next_key(std::span<const KeyRecord> keys, std::int64_t now, const SchedulePolicy& policy,
                           bool now_requested) {
  RotationPlan plan;
  const KeyRecord* current = current_key(keys, now);
  if (const KeyRecord* next = earliest_pending(keys, now)) {
    // A successor exists. It must wait one full lead after its publication
    // (the lead may have been raised since it was scheduled); `rotate --now`
    // cannot make it sign sooner than that either.
    const std::int64_t at = successor_start(*next, policy);
    if (at != next->schedule.active_at) {
      plan.changes.push_back(
          {next->row_id, signing_from(next->schedule.published_at, at, lifetime_bound(*next, now, policy), policy)});
      if (current) plan.changes.push_back(stop_signing_at(*current, at, now, policy, current->schedule.retired_early));
    }
    return plan;
  }
  if (current) {
    const bool wrong_alg = current->alg != policy.alg;
    const bool due = now_requested || wrong_alg || now + policy.publish_lead >= current->schedule.retire_at;
    if (!due) return plan;
    // Late (nobody asked within the lead): the current key keeps signing
    // until the successor has been published for a full lead.
    const std::int64_t at = now_requested || wrong_alg ? now + policy.publish_lead
                                                       : std::max(current->schedule.retire_at, now + policy.publish_lead);
    plan.create = signing_from(now, at, policy.token_lifetime, policy);
    plan.changes.push_back(stop_signing_at(*current, at, now, policy, current->schedule.retired_early));
    return plan;
  }
  // No key signs or will sign. With nothing published at all, no client can
  // have cached a set that lacks the new key: it signs at once.
  const bool anything_published = std::any_of(keys.begin(), keys.end(), [&](const KeyRecord& k) { return live(k, now); });
  plan.create = signing_from(now, anything_published ? now + policy.publish_lead : now, policy.token_lifetime, policy);
  return plan;
}

}  // namespace

const char* to_string(KeyState s) {
  switch (s) {
    case KeyState::kPublished: return "published";
    case KeyState::kActive: return "active";
    case KeyState::kRetired: return "retired";
    case KeyState::kExpired: return "expired";
  }
  return "unknown";
}

KeyState key_state(const KeySchedule& s, std::int64_t now) {
  if (s.exp <= now) return KeyState::kExpired;
  if (s.retire_at <= now) return KeyState::kRetired;
  if (now < s.active_at) return KeyState::kPublished;
  return KeyState::kActive;
}

const KeyRecord* signing_key(std::span<const KeyRecord> keys, std::int64_t now) {
  const KeyRecord* best = nullptr;
  for (const KeyRecord& k : keys) {
    if (key_state(k.schedule, now) == KeyState::kActive && (best == nullptr || activates_later(k, *best))) best = &k;
  }
  return best;
}

std::optional<std::int64_t> next_activation(std::span<const KeyRecord> keys, std::int64_t now) {
  if (const KeyRecord* p = earliest_pending(keys, now)) return p->schedule.active_at;
  return std::nullopt;
}

RotationPlan plan_rotation(std::span<const KeyRecord> keys, std::int64_t now, const SchedulePolicy& policy,
                           bool now_requested) {
  RotationPlan plan = plan_next_key(keys, now, policy, now_requested);
  raise_lifetimes(keys, now, policy, plan);
  return plan;
}

std::vector<std::int64_t> purgeable(std::span<const KeyRecord> keys, std::int64_t now, const SchedulePolicy& policy) {
  const KeyRecord* keep = nullptr;
  if (policy.keep_expired) {
    for (const KeyRecord& k : keys) {
      if (k.alg == policy.alg && !live(k, now) &&
          (keep == nullptr || k.schedule.exp > keep->schedule.exp ||
           (k.schedule.exp == keep->schedule.exp && k.row_id > keep->row_id)))
        keep = &k;
    }
  }
  std::vector<std::int64_t> out;
  for (const KeyRecord& k : keys) {
    if (&k != keep && k.schedule.exp <= now - policy.retention) out.push_back(k.row_id);
  }
  return out;
}

bool needs_expired_key(std::span<const KeyRecord> keys, std::int64_t now, const SchedulePolicy& policy) {
  return policy.keep_expired && std::none_of(keys.begin(), keys.end(), [&](const KeyRecord& k) {
           return k.alg == policy.alg && !live(k, now);
         });
}

RetirePlan plan_retire(std::span<const KeyRecord> keys, const KeyRecord& key, std::int64_t now,
                       const SchedulePolicy& policy, bool force) {
  RetirePlan plan;
  switch (key_state(key.schedule, now)) {
    case KeyState::kExpired:
    case KeyState::kRetired:
      plan.outcome = RetirePlan::Outcome::kAlreadyRetired;
      return plan;
    case KeyState::kPublished: {
      // It never signed, so nothing needs it: it leaves the JWKS now.
      KeySchedule s = key.schedule;
      s.published_at = std::min(s.published_at, now);
      s.active_at = s.retire_at = s.exp = now;
      s.retired_early = true;
      plan.changes.push_back({key.row_id, s});
      return plan;
    }
    case KeyState::kActive: break;
  }
  const KeyRecord* signer = signing_key(keys, now);
  plan.retires_at = now;
  if (signer == nullptr || signer->row_id != key.row_id) {  // an overlapping older key: it may simply go
    plan.changes.push_back(stop_signing_at(key, now, now, policy, true));
    return plan;
  }
  const KeyRecord* next = earliest_pending(keys, now);
  if (next == nullptr && !force) {
    plan.outcome = RetirePlan::Outcome::kNeedsSuccessor;
    return plan;
  }
  if (next) {
    const std::int64_t ready = successor_start(*next, policy);
    if (ready != next->schedule.active_at) {
      plan.changes.push_back(
          {next->row_id, signing_from(next->schedule.published_at, ready, lifetime_bound(*next, now, policy), policy)});
    }
    if (!force) plan.retires_at = ready;
  }
  plan.changes.push_back(stop_signing_at(key, plan.retires_at, now, policy, true));
  if (force) {
    // Every older key still published handed over long ago (or overlaps, as
    // keys from before schedules do): none may sign again, not even once
    // this key has expired.
    for (const KeyRecord& k : keys) {
      if (k.row_id == key.row_id || !live(k, now) || k.schedule.active_at > now || k.schedule.retired_early) continue;
      if (k.schedule.retire_at > now) {
        plan.changes.push_back(stop_signing_at(k, now, now, policy, true));
      } else {
        KeySchedule s = k.schedule;
        s.retired_early = true;
        plan.changes.push_back({k.row_id, s});
      }
    }
  }
  return plan;
}

}  // namespace jwks::service
