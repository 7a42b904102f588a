#include "jwks/store/snapshot.h"

namespace jwks::store {

bool same_keys(const std::vector<SealedKey>& a, const std::vector<SealedKey>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const KeyRecord &x = a[i].record, &y = b[i].record;
    const KeySchedule &s = x.schedule, &t = y.schedule;
    if (x.kid != y.kid || x.created_at != y.created_at || x.alg != y.alg || x.public_jwk != y.public_jwk ||
        x.thumbprint != y.thumbprint || x.legacy_kid != y.legacy_kid || s.published_at != t.published_at ||
        s.active_at != t.active_at || s.retire_at != t.retire_at || s.exp != t.exp ||
        s.retired_early != t.retired_early || s.token_lifetime != t.token_lifetime || a[i].envelope != b[i].envelope)
      return false;
  }
  return true;
}

}  // namespace jwks::store
