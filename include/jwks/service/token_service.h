// Issues signed JWTs with the store's keys.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "jwks/crypto/master_key.h"
#include "jwks/service/clock.h"
#include "jwks/service/errors.h"
#include "jwks/service/test_cases.h"
#include "jwks/store/store.h"
#include "jwks/util/result.h"

namespace jwks::service {

// Who the token is for and from; the service adds the times, jti and kid.
struct TokenSubject {
  std::string subject;   // sub
  std::string issuer;    // iss; omitted when empty
  std::string audience;  // aud; omitted when empty
};

class TokenService {
 public:
  // References must outlive the service.
  // Signs with the key the schedule makes active; `alg` (RS256, PS256, ES256
  // or EdDSA) chooses the expired key for ?expired=true.
  // `key_set_max_age`: how long verifiers may keep the key set (the JWKS
  // max-age), which retired-kid waits out.
  TokenService(store::Store& store, const crypto::MasterKey& master, const Clock& clock, std::int64_t token_lifetime,
               std::string alg = "RS256", std::int64_t key_set_max_age = 0)
      : store_(store),
        master_(master),
        clock_(clock),
        token_lifetime_(token_lifetime),
        alg_(std::move(alg)),
        key_set_max_age_(key_set_max_age) {}

  // kNormal (and kValid): signs {"iss","sub","aud","iat","nbf","exp","jti"}
  // (jti: 128 random bits, base64url; iss and aud only when set) with the signing key of the
  // schedule (service/key_schedule.h); exp = min(now + token lifetime, key's
  // exp), so no token outlives its key's publication. kExpired
  // (?expired=true) signs with the most recently expired key instead, and
  // exp = that key's exp, at most now - kFutureMargin (an hour ago: past any
  // leeway), iat = nbf = exp - token lifetime.
  // The private key is decrypted for this call only and freed before return.
  // Fails with kUnavailable when no key may sign now (retry_after: until the
  // next one may), kInternal when a key
  // cannot be decrypted (detail in log_detail); throws store::StoreError.
  // `keys` are the keys as KeyManager::keys() read them: the store is read
  // again only for the signing key's envelope (not used with kExpired).
  // The other cases are the verifier test kit's (service/test_cases.h), each
  // the ordinary token with one defect:
  //   retired-kid        the most recently expired key of `alg` that left the
  //                      key set over key_set_max_age + kFutureMargin ago, or
  //                      was made expired (never in it); exp = now + lifetime
  //   exp-passed         exp = now - kFutureMargin, iat = nbf = exp - lifetime
  //   unknown-kid        a key generated for this call (kid: its thumbprint):
  //                      RSA generation is slow, the caller bounds it
  //   not-yet-valid      nbf = exp + kFutureMargin
  //   issued-in-future   iat = exp + kFutureMargin (nbf = now)
  //   bad-signature      the signature's last byte XOR 1
  //   alg-none           alg "none", empty signature
  //   hs256-with-public-key  alg "HS256", HMAC keyed with the key's PEM SPKI
  //   alg-mismatch       crypto::mismatched_alg_name, crypto::sign_mismatched
  //   crit-unknown       "crit":[kUnknownCriticalHeader] and that header: true
  //   wrong-issuer, wrong-audience  iss, aud with ".invalid" appended (aud
  //                      even when no audience is configured)
  //   missing-exp, kid-missing  without exp, without kid
  //   valid, normal      the ordinary token
  util::Result<std::string, ServiceError> issue(const TokenSubject& who, TokenCase kind,
                                                std::span<const store::KeyRecord> keys);

 private:
  // retired-kid's key, from `keys`; nullptr if none has been gone long enough.
  const store::KeyRecord* long_gone_key(std::span<const store::KeyRecord> keys, std::int64_t now) const;

  store::Store& store_;
  const crypto::MasterKey& master_;
  const Clock& clock_;
  std::int64_t token_lifetime_;
  std::string alg_;
  std::int64_t key_set_max_age_;
};

}  // namespace jwks::service
