// Administration of the stored keys that needs the master key.
#pragma once

#include <string>

#include "jwks/crypto/master_key.h"
#include "jwks/store/store.h"
#include "jwks/util/result.h"

namespace jwks::service {

// Re-encrypts every private key from `current` to `fresh` in one
// BEGIN IMMEDIATE transaction: each key is opened with `current`, sealed under
// `fresh`, and the new envelope is opened again with `fresh` before anything
// is committed. If any key does not open with `current` (the wrong old key, a
// damaged row), nothing changes and the error names that key. Returns the
// number of keys re-encrypted. Throws store::StoreError.
util::Result<int, std::string> rekey(store::Store& store, const crypto::MasterKey& current,
                                     const crypto::MasterKey& fresh);

}  // namespace jwks::service
