// Carries out the key schedule (service/key_schedule.h) on the store, safely
// across processes and hosts: whoever first finds something due generates
// the key without holding a lock, then re-reads and re-plans inside the
// store's exclusive transaction (store.h) and applies only what is still
// due, so concurrent callers never both create a key.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "jwks/service/clock.h"
#include "jwks/service/key_factory.h"
#include "jwks/service/key_schedule.h"
#include "jwks/store/store.h"

namespace jwks::service {

struct KeyStatus {
  std::int64_t row_id;      // keys.kid, the row's id (public_kid is the published kid)
  std::string public_kid;   // the kid in the JWKS and in token headers
  std::string alg;
  KeyState state;
  std::int64_t created_at;
  store::KeySchedule schedule;
};

// What one call changed.
struct KeyChanges {
  int created = 0;      // keys inserted
  int rescheduled = 0;  // existing keys given new times
  int purged = 0;       // expired keys deleted
};

struct RetireResult {
  enum class Outcome { kRetired, kAlreadyRetired, kNotFound } outcome;
  std::int64_t retires_at = 0;  // kRetired: when it stops signing
  KeyChanges changes;           // what retiring it made (a successor, say)
};

// NOT_MY_KEY does not open the keys already in the store: nothing is added
// (jwksctl exits 65 for it, whatever the command).
class MasterKeyMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An expired key made for ?expired=true expired this long before it was made.
inline constexpr std::int64_t kExpiredKeyAge = 3600;

class KeyManager {
 public:
  // All references must outlive the manager.
  KeyManager(store::Store& store, const Clock& clock, KeyFactory& factory, SchedulePolicy policy)
      : store_(store), clock_(clock), factory_(factory), policy_(std::move(policy)) {}

  // Does what the schedule needs now: the first key, the next key one lead
  // before the signing key retires, an expired key while keep_expired is on,
  // the retention purge. Cheap when nothing is due (one read). Refuses
  // (std::runtime_error) to add keys when the factory's master key does not
  // open the newest stored key. Throws store::StoreError or
  // crypto::CryptoError.
  KeyChanges ensure() { return run(false); }

  // Brings the next rotation forward (jwksctl rotate --now): a new key is
  // published now and signs after one lead, or the successor already
  // published signs as soon as its lead allows.
  KeyChanges rotate_now() { return run(true); }

  // Retires the key whose published kid (or, for keys from before thumbprint
  // kids, row id) is `kid`; see plan_retire. The signing key without a
  // successor gets one first (as rotate_now), unless `force`; with `force`,
  // a successor is published right after and signs after one lead.
  RetireResult retire(std::string_view kid, bool force);

  // Deletes the expired keys the retention lets go (see purgeable) and
  // nothing else; needs no master key. Returns how many.
  int purge();

  // Every key with its state, oldest first.
  std::vector<KeyStatus> list() const;

  const SchedulePolicy& policy() const { return policy_; }

  // Every key as the last ensure() or rotate_now() read or left it: what a
  // request needs next (the JWKS, the signing key) without reading again.
  const std::vector<store::KeyRecord>& keys() const { return keys_; }

  // Throws MasterKeyMismatch unless the factory's master key opens the
  // newest stored key (called before any key is added).
  void require_matching_master_key() const;

 private:
  KeyChanges run(bool now_requested);
  // Gives keys made before schema v3 their RFC 7638 thumbprint kid.
  void fill_thumbprints();

  store::Store& store_;
  const Clock& clock_;
  KeyFactory& factory_;
  SchedulePolicy policy_;
  std::vector<store::KeyRecord> keys_;
};

}  // namespace jwks::service
