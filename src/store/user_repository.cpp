#include "jwks/store/user_repository.h"

#include <cstring>

#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"
#include "jwks/util/username.h"

namespace jwks::store {

util::Result<std::int64_t, UserConflict> UserRepository::insert(std::string_view username,
                                                                std::string_view password_hash,
                                                                std::string_view email) {
  Statement s(db_, "INSERT INTO users (username, password_hash, email) VALUES (?, ?, ?)");
  s.bind(1, username).bind(2, password_hash).bind(3, email);
  try {
    s.run();
  } catch (const SqliteError& e) {
    if (e.code() != SQLITE_CONSTRAINT) throw;
    // "UNIQUE constraint failed: users.username" / "...: users.email" / "...: index 'users_email_nocase'"
    return util::fail(std::strstr(e.what(), "users.username") != nullptr ? UserConflict::kUsername
                                                                          : UserConflict::kEmail);
  }
  return db_.last_insert_rowid();
}

std::optional<UserConflict> UserRepository::taken(std::string_view username, std::string_view email) const {
  // lower(email) is what the users_email_nocase index holds.
  Statement s(db_, "SELECT EXISTS (SELECT 1 FROM users WHERE username = ?), "
                   "EXISTS (SELECT 1 FROM users WHERE lower(email) = lower(?))");
  s.bind(1, username).bind(2, email).step();
  if (s.column_int64(0) != 0) return UserConflict::kUsername;
  if (s.column_int64(1) != 0) return UserConflict::kEmail;
  return std::nullopt;
}

std::optional<UserRecord> UserRepository::find_by_username(std::string_view username) const {
  Statement s(db_, "SELECT id, username, password_hash FROM users WHERE username = ?");
  s.bind(1, username);
  if (!s.step()) return std::nullopt;
  return UserRecord{s.column_int64(0), s.column_text(1), s.column_text(2)};
}

std::vector<UserRepository::Listing> UserRepository::list() const {
  Statement s(db_, "SELECT id, username, coalesce(email, ''), coalesce(date_registered, ''), "
                   "coalesce(last_login, '') FROM users ORDER BY id");
  std::vector<Listing> out;
  while (s.step()) out.push_back({s.column_int64(0), s.column_text(1), s.column_text(2), s.column_text(3), s.column_text(4)});
  return out;
}

bool UserRepository::remove(std::string_view username) {
  Transaction tx(db_, TransactionMode::kImmediate);
  auto user = find_by_username(username);
  if (!user) {
    if (auto enforced = util::enforce_username(username)) user = find_by_username(enforced.value());
  }
  if (!user) return false;
  Statement(db_, "UPDATE auth_logs SET user_id = NULL WHERE user_id = ?").bind(1, user->id).run();
  Statement(db_, "DELETE FROM users WHERE id = ?").bind(1, user->id).run();
  tx.commit();
  return true;
}

void UserRepository::record_login(std::int64_t user_id, std::string_view client_addr,
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
