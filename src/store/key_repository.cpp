#include "jwks/store/key_repository.h"

#include "jwks/store/statement.h"

namespace jwks::store {
namespace {

constexpr const char* kSelectRecord =
    "SELECT k.kid, k.exp, p.created_at, p.alg, p.jwk, coalesce(p.thumbprint, ''), p.legacy_kid "
    "FROM keys k JOIN key_public p ON p.kid = k.kid ";

KeyRecord read_record(const Statement& s) {
  return KeyRecord{s.column_int64(0), s.column_int64(1), s.column_int64(2), s.column_text(3),
                   s.column_text(4),  s.column_text(5),  s.column_int64(6) != 0};
}

std::vector<KeyRecord> read_all(Statement& s) {
  std::vector<KeyRecord> out;
  while (s.step()) out.push_back(read_record(s));
  return out;
}

std::optional<SealedKey> read_sealed(Statement& s) {
  if (!s.step()) return std::nullopt;
  return SealedKey{read_record(s), s.column_blob(7)};
}

}  // namespace

std::int64_t KeyRepository::insert(std::span<const std::uint8_t> envelope, std::int64_t exp, std::string_view alg,
                                   std::string_view public_jwk, std::string_view thumbprint,
                                   std::int64_t created_at) {
  Statement key(db_, "INSERT INTO keys (key, exp) VALUES (?, ?)");
  key.bind_blob(1, envelope).bind(2, exp).run();
  std::int64_t kid = db_.last_insert_rowid();
  Statement pub(db_, "INSERT INTO key_public (kid, alg, jwk, created_at, thumbprint) VALUES (?, ?, ?, ?, ?)");
  pub.bind(1, kid).bind(2, alg).bind(3, public_jwk).bind(4, created_at).bind(5, thumbprint).run();
  return kid;
}

std::vector<SealedKey> KeyRepository::all_sealed() const {
  Statement s(db_, std::string(kSelectRecord).replace(std::string(kSelectRecord).find(" FROM"), 0, ", k.key") +
                       "ORDER BY k.kid");
  std::vector<SealedKey> out;
  while (s.step()) out.push_back(SealedKey{read_record(s), s.column_blob(7)});
  return out;
}

void KeyRepository::update_envelope(std::int64_t kid, std::span<const std::uint8_t> envelope) {
  Statement(db_, "UPDATE keys SET key = ? WHERE kid = ?").bind_blob(1, envelope).bind(2, kid).run();
}

std::vector<KeyRecord> KeyRepository::without_thumbprint() const {
  Statement s(db_, std::string(kSelectRecord) + "WHERE p.thumbprint IS NULL ORDER BY k.kid");
  return read_all(s);
}

void KeyRepository::set_thumbprint(std::int64_t kid, std::string_view thumbprint) {
  Statement(db_, "UPDATE key_public SET thumbprint = ? WHERE kid = ? AND thumbprint IS NULL")
      .bind(1, thumbprint)
      .bind(2, kid)
      .run();
}

std::vector<KeyRecord> KeyRepository::unexpired(std::int64_t now) const {
  Statement s(db_, std::string(kSelectRecord) + "WHERE k.exp > ? ORDER BY k.kid");
  s.bind(1, now);
  return read_all(s);
}

std::vector<KeyRecord> KeyRepository::all() const {
  Statement s(db_, std::string(kSelectRecord) + "ORDER BY k.kid");
  return read_all(s);
}

bool KeyRepository::any_expiring_at_or_after(std::int64_t t, std::string_view alg) const {
  Statement s(db_, "SELECT EXISTS (SELECT 1 FROM keys k JOIN key_public p ON p.kid = k.kid "
                   "WHERE k.exp >= ? AND (?2 = '' OR p.alg = ?2))");
  s.bind(1, t).bind(2, alg).step();
  return s.column_int64(0) != 0;
}

bool KeyRepository::any_expired(std::int64_t now, std::string_view alg) const {
  Statement s(db_, "SELECT EXISTS (SELECT 1 FROM keys k JOIN key_public p ON p.kid = k.kid "
                   "WHERE k.exp <= ? AND (?2 = '' OR p.alg = ?2))");
  s.bind(1, now).bind(2, alg).step();
  return s.column_int64(0) != 0;
}

std::optional<SealedKey> KeyRepository::signing_key(std::int64_t not_before_exp, std::string_view alg) const {
  return latest_sealed("k.exp >= ?", not_before_exp, alg);
}

std::optional<SealedKey> KeyRepository::latest_expired(std::int64_t now, std::string_view alg) const {
  return latest_sealed("k.exp <= ?", now, alg);
}

std::optional<SealedKey> KeyRepository::latest_sealed(std::string_view condition, std::int64_t bound,
                                                      std::string_view alg) const {
  Statement s(db_, std::string(kSelectRecord).replace(std::string(kSelectRecord).find(" FROM"), 0, ", k.key") +
                       "WHERE " + std::string(condition) + " AND (?2 = '' OR p.alg = ?2) " +
                       "ORDER BY k.exp DESC, k.kid DESC LIMIT 1");
  s.bind(1, bound).bind(2, alg);
  return read_sealed(s);
}

}  // namespace jwks::store
