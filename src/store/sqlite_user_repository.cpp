#include "jwks/store/sqlite_store.h"

#include <cstring>

#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"
#include "jwks/util/username.h"

namespace jwks::store {

util::Result<std::int64_t, UserConflict> SqliteUserRepository::insert(std::string_view username,
                                                                std::string_view password_hash,
                                                                std::string_view email) {
  Transaction tx(db_, TransactionMode::kImmediate);
  std::int64_t id = 0;
  try {
    Statement(db_, "INSERT INTO users (username, password_hash, email) VALUES (?, ?, ?)")
        .bind(1, username)
        .bind(2, password_hash)
        .bind(3, email)
        .run();
    id = db_.last_insert_rowid();
    Statement(db_, "INSERT INTO user_names (user_id, canonical, skeleton) VALUES (?, ?, ?)")
        .bind(1, id)
        .bind(2, username)
        .bind(3, util::username_skeleton(username))
        .run();
  } catch (const SqliteError& e) {
    if (e.code() != SQLITE_CONSTRAINT) throw;
    // "UNIQUE constraint failed: users.email" / "...: index 'users_email_nocase'" name the e-mail;
    // users.username, user_names.canonical and user_names.skeleton the name.
    return util::fail(std::strstr(e.what(), "email") != nullptr ? UserConflict::kEmail : UserConflict::kUsername);
  }
  tx.commit();
  return id;
}

std::optional<UserConflict> SqliteUserRepository::taken(std::string_view username, std::string_view email) const {
  // lower(email) is what the users_email_nocase index holds.
  Statement s(db_, "SELECT EXISTS (SELECT 1 FROM user_names WHERE canonical = ?1 OR skeleton = ?3) "
                   "OR EXISTS (SELECT 1 FROM users WHERE username = ?1), "
                   "EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(?2))");
  s.bind(1, username).bind(2, email).bind(3, util::username_skeleton(username)).step();
  if (s.column_int64(0) != 0) return UserConflict::kUsername;
  if (s.column_int64(1) != 0) return UserConflict::kEmail;
  return std::nullopt;
}

std::optional<UserRecord> SqliteUserRepository::find_by_username(std::string_view username) const {
  // By the enforced form, else by the look-alike skeleton: "alıce" is alice
  // (her password or nothing), never a name of its own.
  Statement s(db_, "SELECT u.id, u.username, u.password_hash FROM user_names n JOIN users u ON u.id = n.user_id "
                   "WHERE n.canonical = ?1 OR n.skeleton = ?2 ORDER BY n.canonical = ?1 DESC LIMIT 1");
  s.bind(1, username).bind(2, util::username_skeleton(username));
  if (!s.step()) return std::nullopt;
  return UserRecord{s.column_int64(0), s.column_text(1), s.column_text(2)};
}

std::vector<UserRepository::Listing> SqliteUserRepository::list() const {
  Statement s(db_, "SELECT u.id, u.username, coalesce(u.email, ''), coalesce(u.date_registered, ''), "
                   "coalesce(u.last_login, ''), n.user_id IS NOT NULL "
                   "FROM users u LEFT JOIN user_names n ON n.user_id = u.id ORDER BY u.id");
  std::vector<Listing> out;
  while (s.step())
    out.push_back({s.column_int64(0), s.column_text(1), s.column_text(2), s.column_text(3), s.column_text(4),
                   s.column_int64(5) != 0});
  return out;
}

bool SqliteUserRepository::remove(std::string_view username) {
  Transaction tx(db_, TransactionMode::kImmediate);
  // The name exactly as stored (a look-alike no login reaches), else by its
  // enforced form ("Alice" deletes alice).
  std::optional<std::int64_t> id;
  {
    Statement exact(db_, "SELECT id FROM users WHERE username = ?");
    exact.bind(1, username);
    if (exact.step()) id = exact.column_int64(0);
  }
  if (!id) {
    if (auto enforced = util::enforce_username(username)) {
      if (auto user = find_by_username(enforced.value())) id = user->id;
    }
  }
  if (!id) return false;
  Statement(db_, "UPDATE auth_logs SET user_id = NULL WHERE user_id = ?").bind(1, *id).run();
  Statement(db_, "DELETE FROM user_names WHERE user_id = ?").bind(1, *id).run();
  Statement(db_, "DELETE FROM users WHERE id = ?").bind(1, *id).run();
  tx.commit();
  return true;
}

void SqliteUserRepository::record_login(std::int64_t user_id, std::string_view client_addr,
                                  std::optional<std::string_view> rehashed) {
  Transaction tx(db_, TransactionMode::kImmediate);
  if (rehashed) {
    Statement(db_, "UPDATE users SET last_login = CURRENT_TIMESTAMP, password_hash = ? WHERE id = ?")
        .bind(1, *rehashed)
        .bind(2, user_id)
        .run();
  } else {
    Statement(db_, "UPDATE users SET last_login = CURRENT_TIMESTAMP WHERE id = ?").bind(1, user_id).run();
  }
  Statement(db_, "INSERT INTO auth_logs (request_ip, user_id) VALUES (?, ?)").bind(1, client_addr).bind(2, user_id).run();
  tx.commit();
}

}  // namespace jwks::store
