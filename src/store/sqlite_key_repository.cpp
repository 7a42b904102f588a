#include "jwks/store/sqlite_store.h"

#include "jwks/store/statement.h"
#include "key_columns.h"

namespace jwks::store {
namespace {

KeyRecord read_record(const Statement& s) {
  KeyRecord r;
  r.row_id = s.column_int64(0);
  r.created_at = s.column_int64(1);
  r.schedule = KeySchedule{s.column_int64(2), s.column_int64(3), s.column_int64(4), s.column_int64(5),
                           s.column_int64(6) != 0, std::nullopt};
  r.alg = s.column_text(7);
  r.public_jwk = s.column_text(8);
  r.thumbprint = s.column_text(9);
  r.legacy_kid = s.column_int64(10) != 0;
  if (!s.is_null(11)) r.schedule.token_lifetime = s.column_int64(11);
  return r;
}

std::vector<KeyRecord> read_all(Statement& s) {
  std::vector<KeyRecord> out;
  while (s.step()) out.push_back(read_record(s));
  return out;
}

}  // namespace

std::int64_t SqliteKeyRepository::insert(std::span<const std::uint8_t> envelope, const KeySchedule& schedule,
                                   std::string_view alg, std::string_view public_jwk, std::string_view thumbprint,
                                   std::int64_t created_at) {
  Statement key(db_, "INSERT INTO keys (key, exp) VALUES (?, ?)");
  key.bind_blob(1, envelope).bind(2, schedule.exp).run();
  std::int64_t kid = db_.last_insert_rowid();
  Statement pub(db_, "INSERT INTO key_public (kid, alg, jwk, created_at, thumbprint) VALUES (?, ?, ?, ?, ?)");
  pub.bind(1, kid).bind(2, alg).bind(3, public_jwk).bind(4, created_at).bind(5, thumbprint).run();
  set_schedule(kid, schedule);
  return kid;
}

void SqliteKeyRepository::set_schedule(std::int64_t kid, const KeySchedule& schedule) {
  Statement(db_, "UPDATE keys SET exp = ? WHERE kid = ?").bind(1, schedule.exp).bind(2, kid).run();
  Statement upsert(db_,
            "INSERT INTO key_schedule (kid, published_at, active_at, retire_at, retired_early, token_lifetime) "
            "VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (kid) DO UPDATE SET published_at = excluded.published_at, active_at = excluded.active_at, "
            "retire_at = excluded.retire_at, retired_early = excluded.retired_early, "
            "token_lifetime = excluded.token_lifetime");
  upsert.bind(1, kid)
      .bind(2, schedule.published_at)
      .bind(3, schedule.active_at)
      .bind(4, schedule.retire_at)
      .bind(5, std::int64_t{schedule.retired_early ? 1 : 0});
  if (schedule.token_lifetime) {
    upsert.bind(6, *schedule.token_lifetime);
  } else {
    upsert.bind_null(6);
  }
  upsert.run();
}

void SqliteKeyRepository::remove(std::int64_t kid) {
  Statement(db_, "DELETE FROM key_schedule WHERE kid = ?").bind(1, kid).run();
  Statement(db_, "DELETE FROM key_public WHERE kid = ?").bind(1, kid).run();
  Statement(db_, "DELETE FROM keys WHERE kid = ?").bind(1, kid).run();
}

std::vector<SealedKey> SqliteKeyRepository::all_sealed() const {
  Statement s(db_, "SELECT " JWKS_KEY_COLUMNS ", k.key " JWKS_KEY_TABLES "ORDER BY k.kid");
  std::vector<SealedKey> out;
  while (s.step()) out.push_back(SealedKey{read_record(s), s.column_blob(kEnvelopeColumn)});
  return out;
}

std::optional<std::vector<std::uint8_t>> SqliteKeyRepository::envelope(std::int64_t kid) const {
  Statement s(db_, "SELECT key FROM keys WHERE kid = ?");
  s.bind(1, kid);
  if (!s.step()) return std::nullopt;
  return s.column_blob(0);
}

void SqliteKeyRepository::update_envelope(std::int64_t kid, std::span<const std::uint8_t> envelope) {
  Statement(db_, "UPDATE keys SET key = ? WHERE kid = ?").bind_blob(1, envelope).bind(2, kid).run();
}

std::vector<KeyRecord> SqliteKeyRepository::without_thumbprint() const {
  Statement s(db_, "SELECT " JWKS_KEY_COLUMNS JWKS_KEY_TABLES "WHERE p.thumbprint IS NULL ORDER BY k.kid");
  return read_all(s);
}

void SqliteKeyRepository::set_thumbprint(std::int64_t kid, std::string_view thumbprint) {
  Statement(db_, "UPDATE key_public SET thumbprint = ? WHERE kid = ? AND thumbprint IS NULL")
      .bind(1, thumbprint)
      .bind(2, kid)
      .run();
}

std::vector<KeyRecord> SqliteKeyRepository::unexpired(std::int64_t now) const {
  Statement s(db_, "SELECT " JWKS_KEY_COLUMNS JWKS_KEY_TABLES "WHERE k.exp > ? ORDER BY k.kid");
  s.bind(1, now);
  return read_all(s);
}

std::vector<KeyRecord> SqliteKeyRepository::all() const {
  Statement s(db_, "SELECT " JWKS_KEY_COLUMNS JWKS_KEY_TABLES "ORDER BY k.kid");
  return read_all(s);
}

std::optional<SealedKey> SqliteKeyRepository::latest_expired(std::int64_t now, std::string_view alg) const {
  Statement s(db_, "SELECT " JWKS_KEY_COLUMNS ", k.key " JWKS_KEY_TABLES
                   "WHERE k.exp <= ?1 AND (?2 = '' OR p.alg = ?2) ORDER BY k.exp DESC, k.kid DESC LIMIT 1");
  s.bind(1, now).bind(2, alg);
  if (!s.step()) return std::nullopt;
  return SealedKey{read_record(s), s.column_blob(kEnvelopeColumn)};
}

}  // namespace jwks::store
