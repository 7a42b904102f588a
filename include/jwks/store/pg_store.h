// The PostgreSQL backend of the store (store.h): one database shared by
// several hosts. The contract's tables keep their columns (keys.kid an
// identity column, keys.key bytea, times as timestamp in UTC); this
// project's own tables follow, with versioned migrations (pg_schema.cpp).
//
// Each responder keeps one connection (PgSource), opened on first use and
// opened again after a failure; it holds no state that affects correctness.
// Only transaction-scoped locks are taken and no statement is prepared by
// name, so PgBouncer in transaction mode may stand between.
#pragma once

#include <memory>
#include <string>

#include "jwks/store/pg_connection.h"
#include "jwks/store/store.h"

namespace jwks::store {

// Version of the PostgreSQL schema this build writes (jwks_schema_version).
inline constexpr int kPgSchemaVersion = 1;

// Brings the database to kPgSchemaVersion: a no-op read when it is there;
// otherwise the missing migrations in one transaction holding an advisory
// lock, after re-reading the version (so concurrent hosts migrate once).
// Throws PgError, or std::runtime_error for a database from a newer build.
void migrate(PgConnection& conn);
int schema_version(PgConnection& conn);

class PgKeyRepository final : public KeyRepository {
 public:
  explicit PgKeyRepository(PgConnection& conn) : conn_(conn) {}
  std::int64_t insert(std::span<const std::uint8_t> envelope, const KeySchedule& schedule, std::string_view alg,
                      std::string_view public_jwk, std::string_view thumbprint, std::int64_t created_at) override;
  void set_schedule(std::int64_t kid, const KeySchedule& schedule) override;
  void remove(std::int64_t kid) override;
  std::vector<SealedKey> all_sealed() const override;
  std::optional<std::vector<std::uint8_t>> envelope(std::int64_t kid) const override;
  void update_envelope(std::int64_t kid, std::span<const std::uint8_t> envelope) override;
  std::vector<KeyRecord> without_thumbprint() const override;
  void set_thumbprint(std::int64_t kid, std::string_view thumbprint) override;
  std::vector<KeyRecord> unexpired(std::int64_t now) const override;
  std::vector<KeyRecord> all() const override;
  std::optional<SealedKey> latest_expired(std::int64_t now, std::string_view alg = {}) const override;

 private:
  PgConnection& conn_;
};

class PgUserRepository final : public UserRepository {
 public:
  explicit PgUserRepository(PgConnection& conn) : conn_(conn) {}
  util::Result<std::int64_t, UserConflict> insert(std::string_view username, std::string_view password_hash,
                                                  std::string_view email) override;
  std::optional<UserConflict> taken(std::string_view username, std::string_view email) const override;
  std::optional<UserRecord> find_by_username(std::string_view username) const override;
  std::vector<Listing> list() const override;
  bool remove(std::string_view username) override;
  void record_login(std::int64_t user_id, std::string_view client_addr,
                    std::optional<std::string_view> rehashed) override;

 private:
  PgConnection& conn_;
};

// A PostgreSQL store on a connection it shares with a PgSource (which may
// replace its own while this store lives: this one keeps the old) or owns (a
// command's). The exclusive transaction is READ COMMITTED holding
// pg_advisory_xact_lock on one key, so each statement in it reads what
// every host committed before.
class PgStore final : public Store {
 public:
  explicit PgStore(std::shared_ptr<PgConnection> conn) : owned_(std::move(conn)), conn_(*owned_) {}
  // Connects, migrates and owns the connection. Throws PgError.
  PgStore(const std::string& uri, int lock_timeout_ms);

  KeyRepository& keys() override { return keys_; }
  UserRepository& users() override { return users_; }
  std::unique_ptr<ExclusiveTransaction> exclusive() override;
  Snapshot snapshot() override;
  void restore(const Snapshot& rows) override;
  PgConnection& connection() { return conn_; }

 private:
  Snapshot read_rows();  // inside the caller's transaction

  std::shared_ptr<PgConnection> owned_;
  PgConnection& conn_;
  PgKeyRepository keys_{conn_};
  PgUserRepository users_{conn_};
};

class PgSource final : public StoreSource {
 public:
  PgSource(std::string uri, int lock_timeout_ms) : uri_(std::move(uri)), lock_timeout_ms_(lock_timeout_ms) {}

  // The kept connection, checked with one round trip (the schema version)
  // and opened again if it failed; a transaction a failed request left open
  // is rolled back first.
  std::unique_ptr<Store> open() override;
  // One call of jwks_rate_acquire: the address's own advisory lock, the
  // server's clock (now_ms is ignored unless server_clock is off).
  RateDecision acquire_rate(std::string_view bucket, std::string_view addr, std::int64_t now_ms,
                            std::int64_t window_ms, std::int64_t limit) override;
  // Slots are transaction-scoped advisory locks shared by every host: at
  // most `slots` registrations hash at once across all of them.
  HashingSlot with_hashing_slot(int slots, const std::function<void()>& hash) override;
  std::string describe() const override { return redact_uri(uri_); }

  // Tests step an injected clock through the rate windows.
  void use_server_clock(bool on) { server_clock_ = on; }

 private:
  PgConnection& connection();
  // Runs `use` on the connection; if it fails because the connection is
  // gone, connects again and runs it once more.
  template <typename F>
  auto with_connection(F&& use) -> decltype(use(std::declval<PgConnection&>()));

  std::string uri_;
  int lock_timeout_ms_;
  bool server_clock_ = true;
  std::shared_ptr<PgConnection> conn_;  // shared with the stores open() returned
};

}  // namespace jwks::store
