// The master key: no key added under another one, rekey moves every key or none.
#define BOOST_TEST_MODULE rekey
#include <boost/test/unit_test.hpp>

#include "key_fixtures.h"

using namespace jwks;
using service::TokenCase;
using namespace jwks::test;

BOOST_FIXTURE_TEST_CASE(no_keys_are_added_under_a_different_master_key, RealStore) {
  manager().ensure();
  const auto before = db.keys().all().size();

  crypto::MasterKey other = test_master("a different master secret, also 32+ bytes");
  service::SigningKeyFactory wrong(other);
  BOOST_CHECK_THROW(KeyManager(db, clock, wrong, kPolicy).rotate_now(), std::runtime_error);
  clock.advance(kDay);  // a new key is due
  BOOST_CHECK_THROW(KeyManager(db, clock, wrong, kPolicy).ensure(), std::runtime_error);
  BOOST_TEST(db.keys().all().size() == before);
}

BOOST_AUTO_TEST_CASE(rekey_moves_every_key_to_the_new_master_key_or_nothing) {
  store::SqliteStore db = open_migrated(":memory:");
  ManualClock clock(kT0);
  crypto::MasterKey old_key = test_master();
  service::SigningKeyFactory factory(old_key);
  KeyManager(db, clock, factory, kPolicy).ensure();
  KeyManager(db, clock, factory, kPolicy).rotate_now();
  crypto::MasterKey fresh = test_master("the next master secret, 32 bytes or more");
  crypto::MasterKey stranger = test_master("somebody else's master secret, 32+ bytes");

  auto snapshot = [&] {
    std::vector<std::vector<std::uint8_t>> envs;
    for (const auto& k : db.keys().all_sealed()) envs.push_back(k.envelope);
    return envs;
  };
  const auto before = snapshot();
  auto refused = service::rekey(db, stranger, fresh);  // the wrong "current" key
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().find("nothing was changed") != std::string::npos);
  BOOST_TEST((snapshot() == before));

  auto done = service::rekey(db, old_key, fresh);
  BOOST_REQUIRE(done.ok());
  BOOST_TEST(done.value() == static_cast<int>(before.size()));
  for (const auto& k : db.keys().all_sealed()) {
    BOOST_TEST(crypto::open_private_key(fresh, k.envelope).ok());
    BOOST_TEST(!crypto::open_private_key(old_key, k.envelope).ok());
  }
  // Tokens still sign, with the new master key only.
  BOOST_TEST(service::TokenService(db, fresh, clock, 3600)
      .issue({"a", "", ""}, TokenCase::kNormal, db.keys().all()).ok());
  BOOST_TEST(!service::TokenService(db, old_key, clock, 3600)
      .issue({"a", "", ""}, TokenCase::kNormal, db.keys().all()).ok());
}

// Keys sealed as PKCS#8 by builds before raw components: rekey rewrites them in
// the current format, and they are the same keys afterwards.
BOOST_AUTO_TEST_CASE(rekey_rewrites_pkcs8_envelopes_as_components) {
  store::SqliteStore db = open_migrated(":memory:");
  ManualClock clock(kT0);
  crypto::MasterKey old_key = test_master();
  service::SigningKeyFactory factory(old_key);
  KeyManager(db, clock, factory, kPolicy).ensure();
  store::KeyRepository& repo = db.keys();
  std::vector<std::string> jwks_before;
  for (const auto& k : repo.all_sealed()) {  // as an older build sealed them
    auto key = crypto::open_private_key(old_key, k.envelope);
    BOOST_REQUIRE(key.ok());
    crypto::SecureBytes der = crypto::export_pkcs8_der(*key.value());
    repo.update_envelope(k.record.row_id, crypto::seal(old_key, der.span()));
    jwks_before.push_back(jose::public_members_json(crypto::public_members(*key.value())).dump());
  }
  crypto::MasterKey fresh = test_master("the next master secret, 32 bytes or more");
  BOOST_REQUIRE(service::rekey(db, old_key, fresh).ok());
  std::size_t i = 0;
  for (const auto& k : repo.all_sealed()) {
    auto material = crypto::open(fresh, k.envelope);
    BOOST_REQUIRE(material.ok());
    BOOST_TEST(!crypto::is_pkcs8_material(material->span()));
    auto key = crypto::import_key_material(material->span());
    BOOST_REQUIRE(key.ok());
    BOOST_TEST(jose::public_members_json(crypto::public_members(*key.value())).dump() == jwks_before.at(i++));
  }
  BOOST_TEST(i == jwks_before.size());
}

// One damaged public JWK row must not take the whole key set down: that key
// is left out (and counted), the others are served, and readiness fails.

namespace {

std::vector<std::vector<std::uint8_t>> envelopes(store::Store& db) {
  std::vector<std::vector<std::uint8_t>> out;
  for (const auto& k : db.keys().all_sealed()) out.push_back(k.envelope);
  return out;
}

}  // namespace

// A row whose envelope opens but holds no usable key (damaged before it was
// sealed, or written by hand) stops rekey before anything moves: PKCS#8 that
// does not decode, and material in no format at all, which the check of the
// new envelope refuses.
BOOST_FIXTURE_TEST_CASE(rekey_refuses_a_key_that_opens_but_does_not_load, RealStore) {
  manager().ensure();
  crypto::MasterKey fresh = test_master("the next master secret, 32 bytes or more");
  const std::int64_t last = db.keys().all_sealed().back().record.row_id;
  const struct {
    std::vector<std::uint8_t> material;
    std::string message;
  } cases[] = {
      {{0x30, 0x03, 0x02, 0x01, 0x00}, "its PKCS#8 does not decode; nothing was changed"},  // a DER SEQUENCE, not a key
      {{0x4a, 0x4b, 0x01, 0x02, 0x03}, "the new envelope does not open; nothing was changed"},
  };
  for (const auto& c : cases) {
    db.keys().update_envelope(last, crypto::seal(master, c.material));
    const auto before = envelopes(db);
    auto refused = service::rekey(db, master, fresh);
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST(refused.error() == "key " + std::to_string(last) + ": " + c.message);
    BOOST_TEST((envelopes(db) == before));  // the good keys did not move either
  }
}

namespace {

// A store that hands back every envelope with its last bit flipped: a
// backend that damages what it stores, which only reading the copy back finds.
class DamagingStore final : public store::Store {
 public:
  explicit DamagingStore(store::Store& inner) : inner_(inner) {}
  store::KeyRepository& keys() override { return inner_.keys(); }
  store::UserRepository& users() override { return inner_.users(); }
  std::unique_ptr<store::ExclusiveTransaction> exclusive() override { return inner_.exclusive(); }
  store::Snapshot snapshot() override {
    store::Snapshot s = inner_.snapshot();
    for (auto& k : s.keys) k.envelope.back() ^= 1;
    return s;
  }
  void restore(const store::Snapshot& rows) override { inner_.restore(rows); }

 private:
  store::Store& inner_;
};

}  // namespace

// jwksctl copy-store: keys, users and logins arrive with their ids; a
// NOT_MY_KEY that does not open the source copies nothing; a copy whose keys
// do not open once written is reported, naming the key.
BOOST_FIXTURE_TEST_CASE(copy_store_copies_what_the_master_key_opens, RealStore) {
  manager().ensure();
  auto id = db.users().insert("alice", "$argon2id$placeholder", "alice@example.com");
  BOOST_REQUIRE(id.ok());
  db.users().record_login(id.value(), "192.0.2.1", std::nullopt);
  db.users().record_login(id.value(), "192.0.2.2", std::nullopt);

  store::SqliteStore stranger_target = open_migrated(":memory:");
  crypto::MasterKey stranger = test_master("somebody else's master secret, 32+ bytes");
  auto refused = service::copy_store(db, stranger_target, stranger);
  BOOST_REQUIRE(!refused.ok());
  const std::string first = std::to_string(db.keys().all_sealed().front().record.row_id);
  BOOST_TEST(refused.error().rfind("NOT_MY_KEY does not open the source's key " + first + ": ", 0) == 0u, refused.error());
  BOOST_TEST(refused.error().ends_with("; nothing was copied"), refused.error());
  BOOST_TEST(stranger_target.keys().all().empty());
  BOOST_TEST(stranger_target.users().list().empty());

  store::SqliteStore target = open_migrated(":memory:");
  auto done = service::copy_store(db, target, master);
  BOOST_REQUIRE_MESSAGE(done.ok(), (done.ok() ? "" : done.error()));
  BOOST_TEST(done->keys == 2u);
  BOOST_TEST(done->users == 1u);
  BOOST_TEST(done->logins == 2u);
  BOOST_TEST((envelopes(target) == envelopes(db)));
  BOOST_TEST(target.users().find_by_username("alice")->id == id.value());

  store::SqliteStore damaged_inner = open_migrated(":memory:");
  DamagingStore damaged(damaged_inner);
  auto bad = service::copy_store(db, damaged, master);
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().rfind("the copy's key " + first + ": ", 0) == 0u, bad.error());
}
