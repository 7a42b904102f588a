// What the key suites share: a fixed start time and schedule, placeholder and
// real key factories, in-memory stores with a stepped clock, an Issuer on a
// store file of its own, and readers of tokens. For Boost.Test suites.
#pragma once

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/key_material.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/jws.h"
#include "jwks/service/issuer.h"
#include "jwks/service/key_admin.h"
#include "jwks/service/key_manager.h"
#include "jwks/service/key_schedule.h"
#include "jwks/service/token_service.h"
#include "jwks/store/schema.h"
#include "jwks/store/sqlite_store.h"
#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"
#include "jwks/util/file.h"
#include "temp_dir.h"

namespace jwks::test {

using service::KeyManager;
using service::KeyState;
using service::ManualClock;
using service::SchedulePolicy;

inline constexpr std::int64_t kT0 = 1'800'000'000;
inline constexpr std::int64_t kDay = 86400, kHour = 3600;
inline const SchedulePolicy kPolicy{.signing_period = kDay, .publish_lead = kHour, .token_lifetime = kHour,
                             .retention = 7 * kDay, .keep_expired = true, .alg = "RS256"};

// Makes placeholder keys quickly; the manager never looks inside them.
class FakeFactory final : public service::KeyFactory {
 public:
  std::function<void()> on_create;  // runs inside create(), e.g. to let a rival win
  int created = 0;
  std::string alg = "RS256";
  service::NewKey create() override {
    ++created;
    if (on_create) on_create();
    return service::NewKey{{0x01, static_cast<std::uint8_t>(created)}, alg, R"({"kty":"RSA","n":"AQAB","e":"AQAB"})",
                           "fake-thumbprint-" + std::to_string(::getpid()) + "-" + std::to_string(created) + "-" +
                               std::to_string(reinterpret_cast<std::uintptr_t>(this))};
  }
  bool opens(std::span<const std::uint8_t> envelope) const override { return !envelope.empty() && envelope[0] == 0x01; }
};

inline std::int64_t key_count(const store::SqliteStore& db) {
  store::Statement s(db.database(), "SELECT count(*) FROM keys");
  s.step();
  return s.column_int64(0);
}

inline store::SqliteStore open_migrated(const std::string& path) { return store::SqliteStore(path); }

inline crypto::MasterKey test_master(const char* secret = "an example master secret of 32+ bytes!") {
  auto k = crypto::MasterKey::from_secret(secret);
  BOOST_REQUIRE(k.ok());
  return std::move(k.value());
}

// A private in-memory store with a stepped clock and placeholder keys.
struct FakeStore {
  store::SqliteStore db = open_migrated(":memory:");
  ManualClock clock{kT0};
  FakeFactory factory;
  KeyManager manager(const SchedulePolicy& policy = kPolicy) { return KeyManager(db, clock, factory, policy); }
  std::vector<store::KeyRecord> keys() { return db.keys().all(); }
  // The key that signs now, by row id; 0 if none.
  std::int64_t signer() {
    auto all = keys();
    const store::KeyRecord* k = service::signing_key(all, clock.now());
    return k ? k->row_id : 0;
  }
  store::KeyRecord key(std::int64_t kid) {
    for (const auto& k : keys())
      if (k.row_id == kid) return k;
    BOOST_FAIL("no key " << kid);
    return {};
  }
  KeyState state(std::int64_t kid) { return service::key_state(key(kid).schedule, clock.now()); }
  // Row ids of the keys in the published set now.
  std::vector<std::int64_t> published() {
    std::vector<std::int64_t> out;
    for (const auto& k : db.keys().unexpired(clock.now())) out.push_back(k.row_id);
    return out;
  }
};

// A private in-memory store with real keys sealed under a test master key.
struct RealStore {
  store::SqliteStore db = open_migrated(":memory:");
  ManualClock clock{kT0};
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory{master};
  KeyManager manager(const SchedulePolicy& policy = kPolicy) { return KeyManager(db, clock, factory, policy); }
  service::TokenService tokens(std::int64_t lifetime = kHour) {
    return service::TokenService(db, master, clock, lifetime);
  }
};

// An Issuer on a store file of its own, as a responder has.
struct IssuerOnFile {
  test::TempDir dir;
  crypto::MasterKey master = test_master();
  service::SigningKeyFactory factory{master};
  ManualClock clock{kT0};
  service::Settings settings = on_file(dir.file("store.db"));
  service::Issuer issuer{settings, master, clock, factory};
  static service::Settings on_file(std::string path) {
    service::Settings s;
    s.db_path = std::move(path);
    return s;
  }
};

inline nlohmann::json claims_of(const std::string& token) {
  auto parts = jose::parse_compact(token);
  BOOST_REQUIRE(parts.has_value());
  return nlohmann::json::parse(parts->payload_json);
}

inline std::string kid_of(const std::string& token) {
  return nlohmann::json::parse(jose::parse_compact(token)->header_json)["kid"].get<std::string>();
}

inline bool contains(const std::vector<std::int64_t>& v, std::int64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace jwks::test
