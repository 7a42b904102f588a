#include "jwks/store/pg_store.h"
#include "key_columns.h"

namespace jwks::store {
namespace {

KeyRecord read_record(const PgResult& r, int row) {
  KeyRecord k;
  k.row_id = r.int64(row, 0);
  k.created_at = r.int64(row, 1);
  k.schedule = KeySchedule{r.int64(row, 2), r.int64(row, 3), r.int64(row, 4), r.int64(row, 5), r.int64(row, 6) != 0,
                           std::nullopt};
  k.alg = r.text(row, 7);
  k.public_jwk = r.text(row, 8);
  k.thumbprint = r.text(row, 9);
  k.legacy_kid = r.int64(row, 10) != 0;
  if (!r.is_null(row, 11)) k.schedule.token_lifetime = r.int64(row, 11);
  return k;
}

std::vector<KeyRecord> read_all(const PgResult& r) {
  std::vector<KeyRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_record(r, i));
  return out;
}

}  // namespace

std::int64_t PgKeyRepository::insert(std::span<const std::uint8_t> envelope, const KeySchedule& schedule,
                                     std::string_view alg, std::string_view public_jwk, std::string_view thumbprint,
                                     std::int64_t created_at) {
  // The contract's insert, as it is written for SQLite, with PostgreSQL's
  // placeholders and the new row id returned.
  const std::int64_t kid =
      conn_.exec("INSERT INTO keys (key, exp) VALUES ($1, $2) RETURNING kid", PgParams().bytes(envelope).int64(schedule.exp))
          .int64(0, 0);
  conn_.exec("INSERT INTO key_public (kid, alg, jwk, created_at, thumbprint) VALUES ($1, $2, $3, $4, $5)",
             PgParams().int64(kid).text(alg).text(public_jwk).int64(created_at).text(thumbprint));
  set_schedule(kid, schedule);
  return kid;
}

void PgKeyRepository::set_schedule(std::int64_t kid, const KeySchedule& schedule) {
  conn_.exec("UPDATE keys SET exp = $1 WHERE kid = $2", PgParams().int64(schedule.exp).int64(kid));
  conn_.exec("INSERT INTO key_schedule (kid, published_at, active_at, retire_at, retired_early, token_lifetime) "
             "VALUES ($1, $2, $3, $4, $5, $6) "
             "ON CONFLICT (kid) DO UPDATE SET published_at = excluded.published_at, active_at = excluded.active_at, "
             "retire_at = excluded.retire_at, retired_early = excluded.retired_early, "
             "token_lifetime = excluded.token_lifetime",
             PgParams()
                 .int64(kid)
                 .int64(schedule.published_at)
                 .int64(schedule.active_at)
                 .int64(schedule.retire_at)
                 .int64(schedule.retired_early ? 1 : 0)
                 .optional_int64(schedule.token_lifetime));
}

void PgKeyRepository::remove(std::int64_t kid) {
  conn_.exec("DELETE FROM key_schedule WHERE kid = $1", PgParams().int64(kid));
  conn_.exec("DELETE FROM key_public WHERE kid = $1", PgParams().int64(kid));
  conn_.exec("DELETE FROM keys WHERE kid = $1", PgParams().int64(kid));
}

std::vector<SealedKey> PgKeyRepository::all_sealed() const {
  const PgResult r = conn_.exec("SELECT " JWKS_KEY_COLUMNS ", k.key " JWKS_KEY_TABLES "ORDER BY k.kid");
  std::vector<SealedKey> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(SealedKey{read_record(r, i), r.bytes(i, kEnvelopeColumn)});
  return out;
}

std::optional<std::vector<std::uint8_t>> PgKeyRepository::envelope(std::int64_t kid) const {
  const PgResult r = conn_.exec("SELECT key FROM keys WHERE kid = $1", PgParams().int64(kid));
  if (r.rows() == 0) return std::nullopt;
  return r.bytes(0, 0);
}

void PgKeyRepository::update_envelope(std::int64_t kid, std::span<const std::uint8_t> envelope) {
  conn_.exec("UPDATE keys SET key = $1 WHERE kid = $2", PgParams().bytes(envelope).int64(kid));
}

std::vector<KeyRecord> PgKeyRepository::without_thumbprint() const {
  return read_all(conn_.exec("SELECT " JWKS_KEY_COLUMNS JWKS_KEY_TABLES "WHERE p.thumbprint IS NULL ORDER BY k.kid"));
}

void PgKeyRepository::set_thumbprint(std::int64_t kid, std::string_view thumbprint) {
  conn_.exec("UPDATE key_public SET thumbprint = $1 WHERE kid = $2 AND thumbprint IS NULL",
             PgParams().text(thumbprint).int64(kid));
}

std::vector<KeyRecord> PgKeyRepository::unexpired(std::int64_t now) const {
  return read_all(
      conn_.exec("SELECT " JWKS_KEY_COLUMNS JWKS_KEY_TABLES "WHERE k.exp > $1 ORDER BY k.kid", PgParams().int64(now)));
}

std::vector<KeyRecord> PgKeyRepository::all() const {
  return read_all(conn_.exec("SELECT " JWKS_KEY_COLUMNS JWKS_KEY_TABLES "ORDER BY k.kid"));
}

std::optional<SealedKey> PgKeyRepository::latest_expired(std::int64_t now, std::string_view alg) const {
  const PgResult r = conn_.exec("SELECT " JWKS_KEY_COLUMNS ", k.key " JWKS_KEY_TABLES
                                "WHERE k.exp <= $1 AND ($2 = '' OR p.alg = $2) ORDER BY k.exp DESC, k.kid DESC LIMIT 1",
                                PgParams().int64(now).text(alg));
  if (r.rows() == 0) return std::nullopt;
  return SealedKey{read_record(r, 0), r.bytes(0, kEnvelopeColumn)};
}

}  // namespace jwks::store
