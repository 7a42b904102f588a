#include "jwks/store/pg_store.h"
#include "jwks/util/username.h"

namespace jwks::store {

util::Result<std::int64_t, UserConflict> PgUserRepository::insert(std::string_view username,
                                                                  std::string_view password_hash,
                                                                  std::string_view email) {
  try {
    return in_transaction(conn_, [&]() -> util::Result<std::int64_t, UserConflict> {
      const std::int64_t id = conn_.exec("INSERT INTO users (username, password_hash, email) VALUES ($1, $2, $3) "
                                         "RETURNING id",
                                         PgParams().text(username).text(password_hash).text(email))
                                  .int64(0, 0);
      conn_.exec("INSERT INTO user_names (user_id, canonical, skeleton) VALUES ($1, $2, $3)",
                 PgParams().int64(id).text(username).text(util::username_skeleton(username)));
      return id;
    });
  } catch (const PgError& e) {
    // 23505: a UNIQUE index refused it, after waiting for a racing insert of
    // the same value to commit or roll back. users_email_key and
    // users_email_nocase name the e-mail; the others the name.
    if (e.sqlstate() != "23505") throw;
    return util::fail(e.constraint().find("email") != std::string::npos ? UserConflict::kEmail
                                                                         : UserConflict::kUsername);
  }
}

std::optional<UserConflict> PgUserRepository::taken(std::string_view username, std::string_view email) const {
  const PgResult r = conn_.exec(
      "SELECT EXISTS (SELECT 1 FROM user_names WHERE canonical = $1 OR skeleton = $3) "
      "OR EXISTS (SELECT 1 FROM users WHERE username = $1), "
      "EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($2))",
      PgParams().text(username).text(email).text(util::username_skeleton(username)));
  if (r.text(0, 0) == "t") return UserConflict::kUsername;
  if (r.text(0, 1) == "t") return UserConflict::kEmail;
  return std::nullopt;
}

std::optional<UserRecord> PgUserRepository::find_by_username(std::string_view username) const {
  const PgResult r = conn_.exec(
      "SELECT u.id, u.username, u.password_hash FROM user_names n JOIN users u ON u.id = n.user_id "
      "WHERE n.canonical = $1 OR n.skeleton = $2 ORDER BY n.canonical = $1 DESC LIMIT 1",
      PgParams().text(username).text(util::username_skeleton(username)));
  if (r.rows() == 0) return std::nullopt;
  return UserRecord{r.int64(0, 0), r.text(0, 1), r.text(0, 2)};
}

std::vector<UserRepository::Listing> PgUserRepository::list() const {
  const PgResult r = conn_.exec(
      "SELECT u.id, u.username, coalesce(u.email, ''), "
      "coalesce(to_char(u.date_registered, 'YYYY-MM-DD HH24:MI:SS'), ''), "
      "coalesce(to_char(u.last_login, 'YYYY-MM-DD HH24:MI:SS'), ''), n.user_id IS NOT NULL "
      "FROM users u LEFT JOIN user_names n ON n.user_id = u.id ORDER BY u.id");
  std::vector<Listing> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.int64(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5) == "t"});
  return out;
}

bool PgUserRepository::remove(std::string_view username) {
  return in_transaction(conn_, [&] {
    // The name exactly as stored, else by its enforced form ("Alice" deletes alice).
    std::optional<std::int64_t> id;
    if (PgResult exact = conn_.exec("SELECT id FROM users WHERE username = $1", PgParams().text(username));
        exact.rows() > 0)
      id = exact.int64(0, 0);
    if (!id) {
      if (auto enforced = util::enforce_username(username)) {
        if (auto user = find_by_username(enforced.value())) id = user->id;
      }
    }
    if (!id) return false;
    conn_.exec("UPDATE auth_logs SET user_id = NULL WHERE user_id = $1", PgParams().int64(*id));
    conn_.exec("DELETE FROM user_names WHERE user_id = $1", PgParams().int64(*id));
    conn_.exec("DELETE FROM users WHERE id = $1", PgParams().int64(*id));
    return true;
  });
}

void PgUserRepository::record_login(std::int64_t user_id, std::string_view client_addr,
                                    std::optional<std::string_view> rehashed) {
  in_transaction(conn_, [&] {
    if (rehashed) {
      conn_.exec("UPDATE users SET last_login = now() AT TIME ZONE 'UTC', password_hash = $1 WHERE id = $2",
                 PgParams().text(*rehashed).int64(user_id));
    } else {
      conn_.exec("UPDATE users SET last_login = now() AT TIME ZONE 'UTC' WHERE id = $1", PgParams().int64(user_id));
    }
    conn_.exec("INSERT INTO auth_logs (request_ip, user_id) VALUES ($1, $2)",
               PgParams().text(client_addr).int64(user_id));
  });
}

}  // namespace jwks::store
