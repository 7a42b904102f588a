#include "jwks/service/key_admin.h"

#include "jwks/crypto/envelope.h"
#include "jwks/store/key_repository.h"
#include "jwks/store/transaction.h"

namespace jwks::service {

util::Result<int, std::string> rekey(store::Database& db, const crypto::MasterKey& current,
                                     const crypto::MasterKey& fresh) {
  store::Transaction tx(db, store::TransactionMode::kImmediate);
  store::KeyRepository repo(db);
  int count = 0;
  for (const store::SealedKey& k : repo.all_sealed()) {
    auto plain = crypto::open(current, k.envelope);
    if (!plain) {
      return util::fail("key " + std::to_string(k.record.kid) + ": " + crypto::describe(plain.error()) +
                        "; nothing was changed");
    }
    std::vector<std::uint8_t> sealed = crypto::seal(fresh, plain->span());
    auto check = crypto::open(fresh, sealed);
    if (!check || check->size() != plain->size() ||
        !std::equal(check->data(), check->data() + check->size(), plain->data())) {
      return util::fail("key " + std::to_string(k.record.kid) + ": the new envelope does not open; nothing was changed");
    }
    repo.update_envelope(k.record.kid, sealed);
    ++count;
  }
  tx.commit();
  return count;
}

}  // namespace jwks::service
