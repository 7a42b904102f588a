#include "jwks/service/jwks_document.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "jwks/crypto/digest.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jwk.h"
#include "jwks/store/store.h"
#include "jwks/util/file.h"
#include "jwks/util/log.h"

namespace jwks::service {

std::int64_t jwks_max_age(std::int64_t publish_lead) { return std::min<std::int64_t>(publish_lead / 2, 86400); }

JwksDocument build_jwks(store::Store& store, std::int64_t now, std::int64_t max_age) {
  return build_jwks(store.keys().unexpired(now), now, max_age);
}

JwksDocument build_jwks(std::span<const store::KeyRecord> records, std::int64_t now, std::int64_t max_age) {
  nlohmann::json keys = nlohmann::json::array();
  int unreadable = 0;
  for (const store::KeyRecord& r : records) {
    if (r.exp() <= now) continue;  // expired keys never appear
    const nlohmann::json members = nlohmann::json::parse(r.public_jwk, nullptr, /*allow_exceptions=*/false);
    if (!members.is_object() || !jose::members_from_jwk(members)) {
      ++unreadable;
      util::log_error("key " + std::to_string(r.row_id) +
                      " has an unreadable public JWK in key_public: left out of the key set");
      continue;
    }
    if (!r.thumbprint.empty()) keys.push_back(jose::publishable_jwk(members, r.thumbprint, r.alg));
    // A key from before thumbprint kids also keeps its old kid, for the tokens it signed then.
    if (r.legacy_kid || r.thumbprint.empty()) keys.push_back(jose::publishable_jwk(members, std::to_string(r.row_id), r.alg));
  }
  return JwksDocument{nlohmann::json{{"keys", std::move(keys)}}.dump(), jwks_etag(records, now), max_age, unreadable};
}

std::string jwks_etag(std::span<const store::KeyRecord> records, std::int64_t now) {
  // Bump when build_jwks writes the same keys differently.
  std::string input = "jwks-document-1";
  for (const store::KeyRecord& r : records) {
    if (r.exp() <= now) continue;
    // Length-prefixed fields: no two different key sets give the same input.
    for (const std::string& field : {std::to_string(r.row_id), r.thumbprint, r.alg, r.public_jwk,
                                     std::string(r.legacy_kid ? "1" : "0")}) {
      input += std::to_string(field.size()) + ":" + field;
    }
  }
  auto digest =
      crypto::sha256(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()));
  return "\"" + jose::base64url_encode(std::span<const std::uint8_t>(digest.data(), 16)) + "\"";
}

bool refresh_export(const std::string& path, const JwksDocument& doc) {
  const std::string text = doc.json + "\n";
  // The set is a few KiB; anything much larger is not ours to compare.
  if (auto current = util::read_file(path, 1 << 20); current && *current == text) return false;
  if (!util::write_file_atomically(path, text)) {
    util::log_warning("cannot write the exported key set " + path + ": " + std::strerror(errno));
    return false;
  }
  util::log_info("exported the key set to " + path + " (ETag " + doc.etag + ")");
  return true;
}

}  // namespace jwks::service
