#include "jwks/service/token_service.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/random.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jws.h"
#include "jwks/service/key_schedule.h"
#include "jwks/store/store.h"

namespace jwks::service {

util::Result<std::string, ServiceError> TokenService::issue(const TokenSubject& who, bool expired,
                                                            std::span<const store::KeyRecord> keys) {
  const std::int64_t now = clock_.now();
  store::KeyRepository& repo = store_.keys();
  std::optional<store::SealedKey> sealed;
  if (expired) {
    sealed = repo.latest_expired(now, alg_);
    if (!sealed) {
      return util::fail(ServiceError{ErrorCode::kUnavailable, "no signing key is available",
                                     "no expired key in the store"});
    }
  } else {
    const store::KeyRecord* signer = signing_key(keys, now);
    if (signer == nullptr) {
      // Only after an operator retired the signing key early: its successor
      // must stay published for the full lead before it may sign.
      std::optional<std::int64_t> next = next_activation(keys, now);
      return util::fail(ServiceError{ErrorCode::kUnavailable, "no signing key is available yet",
                                     "no key may sign until its pre-publication lead has passed",
                                     next ? std::min<std::int64_t>(*next - now, 86400) : 60});
    }
    auto envelope = repo.envelope(signer->row_id);
    if (!envelope) throw std::runtime_error("key " + std::to_string(signer->row_id) + " vanished while signing");
    sealed = store::SealedKey{*signer, std::move(*envelope)};
  }
  const store::KeyRecord& rec = sealed->record;
  const std::optional<crypto::JwsAlg> alg = crypto::parse_jws_alg(rec.alg);
  if (!alg) {
    return util::fail(ServiceError{ErrorCode::kInternal, "the server could not sign the token",
                                   "key " + std::to_string(rec.row_id) + " has unsupported alg " + rec.alg});
  }
  auto key = crypto::open_private_key(master_, sealed->envelope);
  if (!key) {
    return util::fail(ServiceError{ErrorCode::kInternal, "the server could not sign the token",
                                   "key " + std::to_string(rec.row_id) + ": " + key.error()});
  }

  // Never past the key's exp, nor longer than the key's lifetime: another
  // process with a shorter one may reschedule the key from that.
  std::int64_t iat = now, exp = std::min(now + token_lifetime_, rec.exp());
  if (rec.schedule.token_lifetime) exp = std::min(exp, now + *rec.schedule.token_lifetime);
  if (expired) {
    exp = std::min(rec.exp(), now - 1);  // in the past even in the second the key expired
    iat = exp - token_lifetime_;
  }
  const std::string kid = rec.thumbprint.empty() ? std::to_string(rec.row_id) : rec.thumbprint;
  const nlohmann::json header{{"alg", rec.alg}, {"typ", "JWT"}, {"kid", kid}};
  std::array<std::uint8_t, 16> jti{};
  crypto::SystemRandom::instance().fill(jti);
  nlohmann::json claims{{"sub", who.subject}, {"iat", iat}, {"nbf", iat}, {"exp", exp}, {"jti", jose::base64url_encode(jti)}};
  if (!who.issuer.empty()) claims["iss"] = who.issuer;
  if (!who.audience.empty()) claims["aud"] = who.audience;
  const crypto::PkeyPtr& pkey = key.value();
  return jose::sign_compact(header.dump(), claims.dump(),
                            [&](std::span<const std::uint8_t> input) { return crypto::sign(*alg, *pkey, input); });
}

}  // namespace jwks::service
