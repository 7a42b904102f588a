#include "jwks/service/key_factory.h"

#include "jwks/crypto/envelope.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/thumbprint.h"

#include <nlohmann/json.hpp>

namespace jwks::service {

NewKey RsaKeyFactory::create() {
  crypto::PkeyPtr key = crypto::generate_rsa(bits_);
  crypto::RsaPublicComponents pub = crypto::rsa_public_components(*key);
  nlohmann::json members = jose::rsa_public_members(pub.n, pub.e);
  return NewKey{crypto::seal_private_key(master_, *key), "RS256", members.dump(), *jose::jwk_thumbprint(members)};
}

bool RsaKeyFactory::opens(std::span<const std::uint8_t> envelope) const {
  return crypto::open(master_, envelope).ok();
}

}  // namespace jwks::service
