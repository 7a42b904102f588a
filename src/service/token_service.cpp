#include "jwks/service/token_service.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "jwks/crypto/digest.h"
#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/pkcs8.h"
#include "jwks/crypto/random.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/jws.h"
#include "jwks/jose/thumbprint.h"
#include "jwks/service/key_schedule.h"
#include "jwks/store/store.h"

namespace jwks::service {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

ServiceError cannot_sign(std::string detail) {
  return ServiceError{ErrorCode::kInternal, "the server could not sign the token", std::move(detail)};
}

}  // namespace

const store::KeyRecord* TokenService::long_gone_key(std::span<const store::KeyRecord> keys, std::int64_t now) const {
  // A verifier may hold a key set for the max-age it was served with (and
  // libraries cache on their own, PyJWT 5 and jose 10 minutes): a key that
  // left it later than that, plus an hour, could still verify for a correct
  // verifier. One made already expired (for ?expired=true) was never in it.
  const std::int64_t horizon = now - key_set_max_age_ - kFutureMargin;
  const store::KeyRecord* best = nullptr;
  for (const store::KeyRecord& k : keys) {
    const bool gone = k.exp() <= horizon || (k.exp() <= now && k.created_at >= k.exp());
    if (gone && k.alg == alg_ && (best == nullptr || k.exp() > best->exp())) best = &k;
  }
  return best;
}

util::Result<std::string, ServiceError> TokenService::issue(const TokenSubject& who, TokenCase kind,
                                                            std::span<const store::KeyRecord> keys) {
  const std::int64_t now = clock_.now();
  store::KeyRepository& repo = store_.keys();
  std::optional<store::SealedKey> sealed;
  if (kind == TokenCase::kExpired) {
    sealed = repo.latest_expired(now, alg_);
  } else if (kind == TokenCase::kRetiredKid) {
    if (const store::KeyRecord* gone = long_gone_key(keys, now)) {
      if (auto envelope = repo.envelope(gone->row_id)) sealed = store::SealedKey{*gone, std::move(*envelope)};
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
  if (!sealed) {
    return util::fail(ServiceError{ErrorCode::kUnavailable, "no signing key is available",
                                   kind == TokenCase::kExpired
                                       ? "no expired key in the store"
                                       : "no expired key has been out of the key set long enough for retired-kid"});
  }
  const store::KeyRecord& rec = sealed->record;
  const std::optional<crypto::JwsAlg> alg = crypto::parse_jws_alg(rec.alg);
  if (!alg) return util::fail(cannot_sign("key " + std::to_string(rec.row_id) + " has unsupported alg " + rec.alg));
  std::string kid = rec.thumbprint.empty() ? std::to_string(rec.row_id) : rec.thumbprint;
  // The private key is opened only to sign with it: alg-none signs nothing,
  // hs256-with-public-key keys its MAC with the public JWK, and unknown-kid
  // signs with a key of the same algorithm that lives for this call only (no
  // store, no key set: no verifier will ever hold it).
  crypto::PkeyPtr key;
  if (kind == TokenCase::kUnknownKid) {
    key = crypto::generate_key(*alg);
    auto thumbprint = jose::jwk_thumbprint(jose::public_members_json(crypto::public_members(*key)));
    if (!thumbprint) return util::fail(cannot_sign("unknown-kid: the generated key has no thumbprint"));
    kid = std::move(*thumbprint);
  } else if (kind == TokenCase::kHs256WithPublicKey) {
    auto members = jose::members_from_jwk(nlohmann::json::parse(rec.public_jwk, nullptr, false));
    if (!members) return util::fail(cannot_sign("key " + std::to_string(rec.row_id) + ": its public JWK is unreadable"));
    key = crypto::public_key(*members);
  } else if (kind != TokenCase::kAlgNone) {
    auto opened = crypto::open_private_key(master_, sealed->envelope);
    if (!opened) return util::fail(cannot_sign("key " + std::to_string(rec.row_id) + ": " + opened.error()));
    key = std::move(opened.value());
  }

  // Never past the key's exp, nor longer than the key's lifetime: another
  // process with a shorter one may reschedule the key from that.
  std::int64_t iat = now, exp = std::min(now + token_lifetime_, rec.exp());
  if (rec.schedule.token_lifetime) exp = std::min(exp, now + *rec.schedule.token_lifetime);
  if (kind == TokenCase::kExpired) {
    // An hour in the past at least, beyond any verifier's leeway: a verifier
    // that still holds the key (from a set cached before it expired) must
    // refuse the token for its exp.
    exp = std::min(rec.exp(), now - kFutureMargin);
    iat = exp - token_lifetime_;
  } else if (kind == TokenCase::kRetiredKid) {
    exp = now + token_lifetime_;  // the key is gone, not the token's time
  } else if (kind == TokenCase::kExpPassed) {
    exp = now - kFutureMargin;
    iat = exp - token_lifetime_;
  }
  std::int64_t nbf = iat;
  if (kind == TokenCase::kNotYetValid) nbf = exp + kFutureMargin;
  if (kind == TokenCase::kIssuedInFuture) iat = exp + kFutureMargin;

  const char* alg_name = crypto::jws_alg_name(*alg);
  if (kind == TokenCase::kAlgNone) alg_name = "none";
  if (kind == TokenCase::kHs256WithPublicKey) alg_name = "HS256";
  if (kind == TokenCase::kAlgMismatch) alg_name = crypto::mismatched_alg_name(*alg);
  nlohmann::json header{{"alg", alg_name}, {"typ", "JWT"}};
  if (kind != TokenCase::kKidMissing) header["kid"] = kid;
  if (kind == TokenCase::kCritUnknown) {
    header["crit"] = {kUnknownCriticalHeader};
    header[std::string(kUnknownCriticalHeader)] = true;
  }

  std::array<std::uint8_t, 16> jti{};
  crypto::SystemRandom::instance().fill(jti);
  nlohmann::json claims{{"sub", who.subject}, {"iat", iat}, {"nbf", nbf}, {"exp", exp}, {"jti", jose::base64url_encode(jti)}};
  if (kind == TokenCase::kMissingExp) claims.erase("exp");
  if (!who.issuer.empty()) claims["iss"] = kind == TokenCase::kWrongIssuer ? who.issuer + ".invalid" : who.issuer;
  if (kind == TokenCase::kWrongAudience) claims["aud"] = who.audience + ".invalid";
  else if (!who.audience.empty()) claims["aud"] = who.audience;

  return jose::sign_compact(header.dump(), claims.dump(), [&](std::span<const std::uint8_t> input) {
    switch (kind) {
      case TokenCase::kAlgNone: return std::vector<std::uint8_t>{};
      case TokenCase::kHs256WithPublicKey: {
        const std::array<std::uint8_t, 32> mac = crypto::hmac_sha256(bytes_of(crypto::export_spki_pem(*key)), input);
        return std::vector<std::uint8_t>(mac.begin(), mac.end());
      }
      case TokenCase::kAlgMismatch: return crypto::sign_mismatched(*alg, *key, input);
      case TokenCase::kBadSignature: {
        std::vector<std::uint8_t> sig = crypto::sign(*alg, *key, input);
        sig.back() ^= 0x01;  // a byte, not a base64url character: its last one may carry only padding bits
        return sig;
      }
      default: return crypto::sign(*alg, *key, input);
    }
  });
}

}  // namespace jwks::service
