// Administration of the stored keys that needs the master key.
#pragma once

#include <string>

#include "jwks/crypto/master_key.h"
#include "jwks/store/store.h"
#include "jwks/util/result.h"

namespace jwks::service {

// Re-encrypts every private key from `current` to `fresh` in the store's
// exclusive transaction: each key is opened with `current`, sealed under
// `fresh`, and the new envelope is opened again with `fresh` before anything
// is committed. If any key does not open with `current` (the wrong old key, a
// damaged row), nothing changes and the error names that key. Returns the
// number of keys re-encrypted. Throws store::StoreError.
util::Result<int, std::string> rekey(store::Store& store, const crypto::MasterKey& current,
                                     const crypto::MasterKey& fresh);

struct CopyReport {
  std::size_t keys = 0, users = 0, logins = 0;
};

// Copies every key, user and login from `from` into `to` (an empty store,
// of either backend), keys still sealed as they are and every id kept. Each
// key must open with `master` first (else nothing is written); `to` is read
// back and compared before it commits (Store::restore), then each copied key
// is opened with `master` once more. Throws store::StoreError, or
// std::runtime_error for a target that is not empty, a mismatch, or a source
// key row without its public half: then nothing is written.
util::Result<CopyReport, std::string> copy_store(store::Store& from, store::Store& to, const crypto::MasterKey& master);

}  // namespace jwks::service
