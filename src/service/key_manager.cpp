#include "jwks/service/key_manager.h"

#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "jwks/jose/thumbprint.h"

#include "jwks/store/key_repository.h"
#include "jwks/store/transaction.h"

namespace jwks::service {

const char* to_string(KeyState s) {
  switch (s) {
    case KeyState::kActive: return "active";
    case KeyState::kValid: return "valid";
    case KeyState::kExpired: return "expired";
  }
  return "unknown";
}

bool KeyManager::needs_signing_key(std::int64_t now) const {
  return !store::KeyRepository(db_).any_expiring_at_or_after(now + policy_.min_remaining, policy_.alg);
}

bool KeyManager::needs_expired_key(std::int64_t now) const {
  return policy_.keep_expired && !store::KeyRepository(db_).any_expired(now, policy_.alg);
}

void KeyManager::fill_thumbprints() {
  store::KeyRepository repo(db_);
  auto missing = repo.without_thumbprint();
  if (missing.empty()) return;
  store::Transaction tx(db_, store::TransactionMode::kImmediate);
  for (const store::KeyRecord& r : repo.without_thumbprint()) {
    auto tp = jose::jwk_thumbprint(nlohmann::json::parse(r.public_jwk, nullptr, false));
    if (tp) repo.set_thumbprint(r.kid, *tp);
  }
  tx.commit();
}

void KeyManager::require_matching_master_key() const {
  auto newest = store::KeyRepository(db_).all_sealed();
  if (!newest.empty() && !factory_.opens(newest.back().envelope)) {
    throw std::runtime_error("NOT_MY_KEY does not open the keys already in the store (key " +
                             std::to_string(newest.back().record.kid) +
                             "): refusing to add keys sealed under a different master key");
  }
}

int KeyManager::ensure() {
  fill_thumbprints();
  std::int64_t now = clock_.now();
  bool want_signing = needs_signing_key(now);
  bool want_expired = needs_expired_key(now);
  if (!want_signing && !want_expired) return 0;

  require_matching_master_key();
  // RSA generation takes tens of milliseconds: never under the write lock.
  std::optional<NewKey> signing, expired;
  if (want_signing) signing = factory_.create();
  if (want_expired) expired = factory_.create();

  store::Transaction tx(db_, store::TransactionMode::kImmediate);
  now = clock_.now();
  store::KeyRepository repo(db_);
  int inserted = 0;
  if (signing && needs_signing_key(now)) {
    repo.insert(signing->envelope, now + policy_.key_lifetime, signing->alg, signing->public_jwk, signing->thumbprint,
                now);
    ++inserted;
  }
  if (expired && needs_expired_key(now)) {
    repo.insert(expired->envelope, now - policy_.expired_key_age, expired->alg, expired->public_jwk,
                expired->thumbprint, now);
    ++inserted;
  }
  tx.commit();
  return inserted;
}

std::int64_t KeyManager::rotate() {
  require_matching_master_key();
  NewKey key = factory_.create();
  store::Transaction tx(db_, store::TransactionMode::kImmediate);
  std::int64_t now = clock_.now();
  std::int64_t kid = store::KeyRepository(db_).insert(key.envelope, now + policy_.key_lifetime, key.alg,
                                                      key.public_jwk, key.thumbprint, now);
  tx.commit();
  return kid;
}

std::vector<KeyStatus> KeyManager::list() const {
  std::int64_t now = clock_.now();
  store::KeyRepository repo(db_);
  std::optional<std::int64_t> active;
  if (auto k = repo.signing_key(now + 1, policy_.alg)) active = k->record.kid;
  std::vector<KeyStatus> out;
  for (const store::KeyRecord& r : repo.all()) {
    KeyState state = r.exp <= now ? KeyState::kExpired : r.kid == active ? KeyState::kActive : KeyState::kValid;
    out.push_back(KeyStatus{r.kid, r.thumbprint, r.alg, state, r.created_at, r.exp});
  }
  return out;
}

}  // namespace jwks::service
