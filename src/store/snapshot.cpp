#include "jwks/store/snapshot.h"

#include <stdexcept>
#include <string>

namespace jwks::store {

void require_same(const Snapshot& source, const Snapshot& copied) {
  if (source.keys != copied.keys) throw std::runtime_error("the copied keys do not read back as the source's");
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
