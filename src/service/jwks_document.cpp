#include "jwks/service/jwks_document.h"

#include <nlohmann/json.hpp>

#include "jwks/crypto/digest.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jwk.h"
#include "jwks/store/key_repository.h"

namespace jwks::service {

JwksDocument build_jwks(store::Database& db, std::int64_t now) {
  nlohmann::json keys = nlohmann::json::array();
  for (const store::KeyRecord& r : store::KeyRepository(db).unexpired(now)) {
    const nlohmann::json members = nlohmann::json::parse(r.public_jwk);
    if (!r.thumbprint.empty()) keys.push_back(jose::publishable_jwk(members, r.thumbprint, r.alg));
    // A key from before thumbprint kids also keeps its old kid, for the tokens it signed then.
    if (r.legacy_kid || r.thumbprint.empty()) keys.push_back(jose::publishable_jwk(members, std::to_string(r.kid), r.alg));
  }
  JwksDocument doc{nlohmann::json{{"keys", std::move(keys)}}.dump(), ""};
  auto digest = crypto::sha256(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(doc.json.data()), doc.json.size()));
  doc.etag = "\"" + jose::base64url_encode(std::span<const std::uint8_t>(digest.data(), 16)) + "\"";
  return doc;
}

}  // namespace jwks::service
