// The key lifecycle as pure functions of the stored schedule and the time.
//
// A key's state is derived from its times, never stored:
//   published  now < active_at              in the JWKS, not signing yet
//   active     active_at <= now < retire_at in the JWKS, signing
//   retired    retire_at <= now < exp       in the JWKS only to verify what it signed
//   expired    exp <= now                   gone from the JWKS; kept for
//                                           ?expired=true and audit until purged
// (a key an operator retired early counts as retired from then on).
//
// The schedule keeps three invariants:
//   - a key is in the JWKS for at least the pre-publication lead before it
//     signs (active_at >= published_at + lead), except the first key of a
//     store with nothing published, which no client can have cached;
//   - exp = retire_at + the key's token lifetime, and a token's exp is at most
//     its key's exp and at most its iat + that lifetime, so every token
//     expires while its key is still published. A key's lifetime only grows:
//     lowering JWKS_TOKEN_LIFETIME shortens new tokens at once but never the
//     publication of a key that may have signed longer-lived ones;
//   - signing periods follow one another without a gap: a successor is
//     scheduled one lead before its predecessor retires, and if nobody asked
//     in time the predecessor keeps signing until the successor may take over.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "jwks/store/key_repository.h"

namespace jwks::service {

struct SchedulePolicy {
  std::int64_t signing_period = 24 * 3600;  // how long a key signs
  std::int64_t publish_lead = 3600;         // how long a key is published before it signs
  std::int64_t token_lifetime = 3600;       // how long a token lives
  std::int64_t retention = 7 * 86400;       // how long an expired key is kept before it is purged
  bool keep_expired = true;                 // keep an expired key for ?expired=true
  std::string alg = "RS256";                // the algorithm new keys are made for
};

enum class KeyState { kPublished, kActive, kRetired, kExpired };
const char* to_string(KeyState s);

KeyState key_state(const store::KeySchedule& s, std::int64_t now);

// The key that signs at `now`: the active key that became active last.
// Returns nullptr if there is none.
const store::KeyRecord* signing_key(std::span<const store::KeyRecord> keys, std::int64_t now);

// The earliest time a published key starts signing, if any is scheduled.
std::optional<std::int64_t> next_activation(std::span<const store::KeyRecord> keys, std::int64_t now);

// The changes a rotation makes to the store.
struct RotationPlan {
  std::optional<store::KeySchedule> create;  // a new key with this schedule
  struct Change {
    std::int64_t row_id;  // keys.kid
    store::KeySchedule schedule;
  };
  std::vector<Change> changes;  // new schedules for existing keys

  bool empty() const { return !create && changes.empty(); }
};

// What the schedule needs at `now`: a successor when the signing key's
// period ends within one lead (or at once when `now_requested`, or when the
// signing key's algorithm is no longer the configured one), a first key when
// nothing is published, nothing when a successor is already scheduled (it
// signs at its scheduled time, later if the lead was raised, never earlier:
// not even `now_requested` or a lowered lead brings it forward, as clients may
// cache the sets that lacked it for the max-age advertised before). Keys that
// may still sign get a raised token lifetime.
RotationPlan plan_rotation(std::span<const store::KeyRecord> keys, std::int64_t now, const SchedulePolicy& policy,
                           bool now_requested = false);

// The expired keys the retention lets go: expired for at least `retention`,
// except the most recently expired key of the configured algorithm while
// keep_expired is on.
std::vector<std::int64_t> purgeable(std::span<const store::KeyRecord> keys, std::int64_t now,
                                    const SchedulePolicy& policy);

// Whether ?expired=true needs an expired key of the configured algorithm made.
bool needs_expired_key(std::span<const store::KeyRecord> keys, std::int64_t now, const SchedulePolicy& policy);

// The outcome of retiring a key early (jwksctl retire).
struct RetirePlan {
  enum class Outcome {
    kRetired,          // changes below: the key stops signing at retires_at
    kAlreadyRetired,   // retired or expired already; nothing to do
    kNeedsSuccessor,   // it is the signing key and no successor is published: make one first
  } outcome = Outcome::kRetired;
  std::vector<RotationPlan::Change> changes;
  std::int64_t retires_at = 0;  // kRetired: when it stops signing
};

// Retires `key` early. A key that never signed leaves the JWKS at once. The
// signing key hands over to its published successor when that is scheduled
// to sign (later if the lead was raised), or with `force` stops signing
// now whatever the successor (POST /auth then answers 503 until one may
// sign; no older key signs again either). A retired key stays published
// until the tokens it signed expire; one handing over to a successor is
// extended only if that successor's start moves later (a raised lead).
RetirePlan plan_retire(std::span<const store::KeyRecord> keys, const store::KeyRecord& key, std::int64_t now,
                       const SchedulePolicy& policy, bool force);

}  // namespace jwks::service
