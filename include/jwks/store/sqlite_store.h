// The SQLite backend of the store (store.h): one file, shared by the
// processes of one host. The default.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "jwks/store/database.h"
#include "jwks/store/store.h"
#include "jwks/util/file.h"

namespace jwks::store {

class SqliteKeyRepository final : public KeyRepository {
 public:
  explicit SqliteKeyRepository(Database& db) : db_(db) {}
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
  Database& db_;
};

class SqliteUserRepository final : public UserRepository {
 public:
  explicit SqliteUserRepository(Database& db) : db_(db) {}
  util::Result<std::int64_t, UserConflict> insert(std::string_view username, std::string_view password_hash,
                                                  std::string_view email) override;
  std::optional<UserConflict> taken(std::string_view username, std::string_view email) const override;
  std::optional<UserRecord> find_by_username(std::string_view username) const override;
  std::vector<Listing> list() const override;
  bool remove(std::string_view username) override;
  void record_login(std::int64_t user_id, std::string_view client_addr,
                    std::optional<std::string_view> rehashed) override;

 private:
  Database& db_;
};

// An open SQLite store. The exclusive transaction is BEGIN IMMEDIATE: the
// file's write lock, which serialises every process using the file.
class SqliteStore final : public Store {
 public:
  // Opens `path` (":memory:" for a private database) and migrates it
  // (schema.h). Throws SqliteError.
  explicit SqliteStore(const std::string& path, DatabaseOptions options = {});
  // Adopts an open connection as it is, without migrating (tests build old
  // schemas with it).
  explicit SqliteStore(Database db);

  SqliteStore(SqliteStore&&) = default;

  KeyRepository& keys() override { return keys_; }
  UserRepository& users() override { return users_; }
  std::unique_ptr<ExclusiveTransaction> exclusive() override;
  Snapshot snapshot() override;
  void restore(const Snapshot& rows) override;
  Database& database() { return *db_; }
  const Database& database() const { return *db_; }

 private:
  Snapshot read_rows();  // inside the caller's transaction

  std::unique_ptr<Database> db_;  // on the heap: the repositories keep referring to it when the store moves
  SqliteKeyRepository keys_{*db_};
  SqliteUserRepository users_{*db_};
};

// Where an SQLite store is. A store per request, a rate file beside it
// (rate_table.h), hashing slots as locks on a file beside it (util/slot_lock.h),
// and one idle connection kept open for the life of the process (see
// sqlite_store.cpp).
class SqliteSource final : public StoreSource {
 public:
  SqliteSource(std::string path, int busy_timeout_ms) : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}

  std::unique_ptr<Store> open() override;
  RateDecision acquire_rate(std::string_view bucket, std::string_view addr, std::int64_t now_ms,
                            std::int64_t window_ms, std::int64_t limit) override;
  HashingSlot with_hashing_slot(int slots, const std::function<void()>& hash) override;
  std::string describe() const override { return path_; }

 private:
  void keep_wal_index();

  std::string path_;
  int busy_timeout_ms_;
  struct IdleConnection {
    Database db;               // never used for a request
    util::FileIdentity store;  // the file it has open
  };
  std::optional<IdleConnection> index_keeper_;
};

}  // namespace jwks::store
