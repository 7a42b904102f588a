// The master key: no key added under another one, rekey moves every key or none.
#define BOOST_TEST_MODULE rekey
#include <boost/test/unit_test.hpp>

#include "key_fixtures.h"

using namespace jwks;
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
  BOOST_TEST(service::TokenService(db, fresh, clock, 3600).issue({"a", "", ""}, false, db.keys().all()).ok());
  BOOST_TEST(!service::TokenService(db, old_key, clock, 3600).issue({"a", "", ""}, false, db.keys().all()).ok());
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
