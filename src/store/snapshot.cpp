#include "jwks/store/snapshot.h"

#include <stdexcept>
#include <string>

namespace jwks::store {

bool same_keys(const std::vector<SealedKey>& a, const std::vector<SealedKey>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const KeyRecord &x = a[i].record, &y = b[i].record;
    const KeySchedule &s = x.schedule, &t = y.schedule;
    if (x.row_id != y.row_id || x.created_at != y.created_at || x.alg != y.alg || x.public_jwk != y.public_jwk ||
        x.thumbprint != y.thumbprint || x.legacy_kid != y.legacy_kid || s.published_at != t.published_at ||
        s.active_at != t.active_at || s.retire_at != t.retire_at || s.exp != t.exp ||
        s.retired_early != t.retired_early || s.token_lifetime != t.token_lifetime || a[i].envelope != b[i].envelope)
      return false;
  }
  return true;
}

void require_same(const Snapshot& source, const Snapshot& copied) {
  if (!same_keys(source.keys, copied.keys)) throw std::runtime_error("the copied keys do not read back as the source's");
  if (source.users != copied.users) {
    throw std::runtime_error("the copied users do not read back as the source's (a time with fractions of a second?)");
  }
  if (source.logins != copied.logins) {
    throw std::runtime_error("the copied logins do not read back as the source's (a time with fractions of a second?)");
  }
}

void require_all_keys(std::int64_t key_rows, const Snapshot& rows) {
  if (key_rows != static_cast<std::int64_t>(rows.keys.size())) {
    throw std::runtime_error(std::to_string(key_rows - static_cast<std::int64_t>(rows.keys.size())) +
                             " row(s) of keys have no public half in key_public (written by another program): "
                             "not copied; run jwksctl init or delete them first");
  }
}

}  // namespace jwks::store
