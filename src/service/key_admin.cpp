#include "jwks/service/key_admin.h"

#include "jwks/crypto/envelope.h"
#include "jwks/crypto/key_material.h"

#include <optional>

namespace jwks::service {

util::Result<int, std::string> rekey(store::Store& store, const crypto::MasterKey& current,
                                     const crypto::MasterKey& fresh) {
  const std::unique_ptr<store::ExclusiveTransaction> tx = store.exclusive();
  store::KeyRepository& repo = store.keys();
  int count = 0;
  for (const store::SealedKey& k : repo.all_sealed()) {
    auto plain = crypto::open(current, k.envelope);
    if (!plain) {
      return util::fail("key " + std::to_string(k.record.row_id) + ": " + crypto::describe(plain.error()) +
                        "; nothing was changed");
    }
    // Keys sealed as PKCS#8 (before raw components) are rewritten in the
    // current format on the way: same key, faster to load.
    crypto::SecureBytes material;
    if (crypto::is_pkcs8_material(plain->span())) {
      auto key = crypto::import_key_material(plain->span());
      if (!key) {
        return util::fail("key " + std::to_string(k.record.row_id) + ": its PKCS#8 does not decode; nothing was changed");
      }
      material = crypto::export_key_material(*key.value());
    } else {
      material = std::move(plain.value());
    }
    std::vector<std::uint8_t> sealed = crypto::seal(fresh, material.span());
    auto check = crypto::open(fresh, sealed);
    if (!check || check->size() != material.size() ||
        !std::equal(check->data(), check->data() + check->size(), material.data()) ||
        !crypto::import_key_material(check->span())) {
      return util::fail("key " + std::to_string(k.record.row_id) + ": the new envelope does not open; nothing was changed");
    }
    repo.update_envelope(k.record.row_id, sealed);
    ++count;
  }
  tx->commit();
  return count;
}

namespace {

// The first key of `keys` that `master` does not open, as a message.
std::optional<std::string> unopened(const std::vector<store::SealedKey>& keys, const crypto::MasterKey& master) {
  for (const store::SealedKey& k : keys) {
    auto plain = crypto::open(master, k.envelope);
    if (!plain) return "key " + std::to_string(k.record.row_id) + ": " + crypto::describe(plain.error());
  }
  return std::nullopt;
}

}  // namespace

util::Result<CopyReport, std::string> copy_store(store::Store& from, store::Store& to, const crypto::MasterKey& master) {
  const store::Snapshot rows = from.snapshot();
  if (auto bad = unopened(rows.keys, master)) {
    return util::fail("NOT_MY_KEY does not open the source's " + *bad + "; nothing was copied");
  }
  to.restore(rows);  // compared with `rows` before it commits
  const store::Snapshot copied = to.snapshot();
  if (auto bad = unopened(copied.keys, master)) return util::fail("the copy's " + *bad);
  return CopyReport{copied.keys.size(), copied.users.size(), copied.logins.size()};
}

}  // namespace jwks::service
