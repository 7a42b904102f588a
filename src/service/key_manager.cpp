#include "jwks/service/key_manager.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "jwks/jose/thumbprint.h"

namespace jwks::service {

void KeyManager::fill_thumbprints() {
  store::KeyRepository& repo = store_.keys();
  // A key whose JWK yields no thumbprint keeps its row-id kid; it must not
  // cost every request the write lock.
  const auto computable = [](const store::KeyRecord& r) {
    return jose::jwk_thumbprint(nlohmann::json::parse(r.public_jwk, nullptr, false)).has_value();
  };
  const std::vector<store::KeyRecord> missing = repo.without_thumbprint();
  if (std::none_of(missing.begin(), missing.end(), computable)) return;
  const std::unique_ptr<store::ExclusiveTransaction> tx = store_.exclusive();
  for (const store::KeyRecord& r : repo.without_thumbprint()) {
    auto tp = jose::jwk_thumbprint(nlohmann::json::parse(r.public_jwk, nullptr, false));
    if (tp) repo.set_thumbprint(r.row_id, *tp);
  }
  tx->commit();
}

void KeyManager::require_matching_master_key() const {
  auto newest = store_.keys().all_sealed();
  if (!newest.empty() && !factory_.opens(newest.back().envelope)) {
    throw MasterKeyMismatch("NOT_MY_KEY does not open the keys already in the store (key " +
                             std::to_string(newest.back().record.row_id) +
                             "): refusing to add keys sealed under a different master key");
  }
}

KeyChanges KeyManager::run(bool now_requested) {
  store::KeyRepository& repo = store_.keys();
  keys_ = repo.all();  // the one read a request makes when nothing is due
  const auto no_thumbprint = [](const store::KeyRecord& k) { return k.thumbprint.empty(); };
  if (std::any_of(keys_.begin(), keys_.end(), no_thumbprint)) {
    fill_thumbprints();
    keys_ = repo.all();
  }
  std::int64_t now = clock_.now();
  RotationPlan plan = plan_rotation(keys_, now, policy_, now_requested);
  const bool want_expired = needs_expired_key(keys_, now, policy_);
  if (plan.empty() && !want_expired && purgeable(keys_, now, policy_).empty()) return {};

  // Key generation (tens of milliseconds for RSA) never happens under the write lock.
  std::optional<NewKey> fresh, expired;
  if (plan.create || want_expired) require_matching_master_key();
  if (plan.create) fresh = factory_.create();
  if (want_expired) expired = factory_.create();

  const std::unique_ptr<store::ExclusiveTransaction> tx = store_.exclusive();
  now = clock_.now();
  std::vector<store::KeyRecord> keys = repo.all();  // another process may have rotated meanwhile: plan again
  plan = plan_rotation(keys, now, policy_, now_requested);
  KeyChanges done;
  for (const RotationPlan::Change& c : plan.changes) {
    repo.set_schedule(c.row_id, c.schedule);
    ++done.rescheduled;
  }
  // If a key became due only meanwhile (none was generated), the next call makes it.
  if (plan.create && fresh) {
    repo.insert(fresh->envelope, *plan.create, fresh->alg, fresh->public_jwk, fresh->thumbprint, now);
    ++done.created;
  }
  if (expired && needs_expired_key(keys, now, policy_)) {
    const std::int64_t exp = now - kExpiredKeyAge, from = exp - policy_.token_lifetime;
    repo.insert(expired->envelope, store::KeySchedule{from, from, from, exp, false, policy_.token_lifetime}, expired->alg,
                expired->public_jwk, expired->thumbprint, now);
    ++done.created;
  }
  for (std::int64_t kid : purgeable(keys, now, policy_)) {
    repo.remove(kid);
    ++done.purged;
  }
  tx->commit();
  keys_ = repo.all();
  return done;
}

RetireResult KeyManager::retire(std::string_view kid, bool force) {
  fill_thumbprints();
  RetireResult result{RetireResult::Outcome::kNotFound, 0, {}};
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::unique_ptr<store::ExclusiveTransaction> tx = store_.exclusive();
    store::KeyRepository& repo = store_.keys();
    const std::int64_t now = clock_.now();
    const std::vector<store::KeyRecord> keys = repo.all();
    const store::KeyRecord* key = nullptr;
    for (const store::KeyRecord& k : keys) {
      if (k.thumbprint == kid || ((k.legacy_kid || k.thumbprint.empty()) && std::to_string(k.row_id) == kid)) key = &k;
    }
    if (key == nullptr) return result;
    const RetirePlan plan = plan_retire(keys, *key, now, policy_, force);
    if (plan.outcome == RetirePlan::Outcome::kNeedsSuccessor && attempt == 0) {
      tx->rollback();
      result.changes = run(true);  // publishes a successor (generated outside the lock)
      continue;
    }
    if (plan.outcome == RetirePlan::Outcome::kAlreadyRetired) {
      result.outcome = RetireResult::Outcome::kAlreadyRetired;
      return result;
    }
    if (plan.outcome == RetirePlan::Outcome::kNeedsSuccessor) {
      throw std::runtime_error("no successor could be scheduled for key " + std::string(kid));
    }
    for (const RotationPlan::Change& c : plan.changes) repo.set_schedule(c.row_id, c.schedule);
    tx->commit();
    result.outcome = RetireResult::Outcome::kRetired;
    result.retires_at = plan.retires_at;
    break;
  }
  if (force) {  // its successor: published now, signing after one lead
    const KeyChanges more = run(false);
    result.changes.created += more.created;
    result.changes.rescheduled += more.rescheduled;
    result.changes.purged += more.purged;
  }
  return result;
}

int KeyManager::purge() {
  const std::unique_ptr<store::ExclusiveTransaction> tx = store_.exclusive();
  store::KeyRepository& repo = store_.keys();
  int purged = 0;
  for (std::int64_t kid : purgeable(repo.all(), clock_.now(), policy_)) {
    repo.remove(kid);
    ++purged;
  }
  tx->commit();
  return purged;
}

std::vector<KeyStatus> KeyManager::list() const {
  const std::int64_t now = clock_.now();
  std::vector<KeyStatus> out;
  for (const store::KeyRecord& r : store_.keys().all()) {
    out.push_back(KeyStatus{r.row_id, r.thumbprint, r.alg, key_state(r.schedule, now), r.created_at, r.schedule});
  }
  return out;
}

}  // namespace jwks::service
