#include "jwks/service/key_factory.h"

#include "jwks/crypto/envelope.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/thumbprint.h"

#include <nlohmann/json.hpp>

namespace jwks::service {

NewKey SigningKeyFactory::create() {
  crypto::PkeyPtr key = crypto::generate_key(alg_);
  nlohmann::json members = jose::public_members_json(crypto::public_members(*key));
  return NewKey{crypto::seal_private_key(master_, *key), crypto::jws_alg_name(alg_), members.dump(),
                *jose::jwk_thumbprint(members)};
}

bool SigningKeyFactory::opens(std::span<const std::uint8_t> envelope) const {
  return crypto::open(master_, envelope).ok();
}

}  // namespace jwks::service
