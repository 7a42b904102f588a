// PgStore::snapshot and restore (snapshot.h).
#include <stdexcept>

#include "jwks/store/pg_store.h"

namespace jwks::store {
namespace {

std::optional<std::string> optional_text(const PgResult& r, int row, int col) {
  if (r.is_null(row, col)) return std::nullopt;
  return r.text(row, col);
}

PgParams& optional_text(PgParams& p, const std::optional<std::string>& v) { return v ? p.text(*v) : p.null(); }

}  // namespace

Snapshot PgStore::snapshot() {
  PgTransaction tx(conn_, true);  // one snapshot for the reads
  Snapshot out = read_rows();
  tx.commit();
  return out;
}

Snapshot PgStore::read_rows() {
  Snapshot out;
  out.keys = keys_.all_sealed();
  const PgResult users = conn_.exec(
      "SELECT u.id, u.username, u.password_hash, u.email, to_char(u.date_registered, 'YYYY-MM-DD HH24:MI:SS'), "
      "to_char(u.last_login, 'YYYY-MM-DD HH24:MI:SS'), "
      "n.canonical, n.skeleton FROM users u LEFT JOIN user_names n ON n.user_id = u.id ORDER BY u.id");
  for (int i = 0; i < users.rows(); ++i) {
    out.users.push_back(UserRow{users.int64(i, 0), users.text(i, 1), users.text(i, 2), optional_text(users, i, 3),
                                optional_text(users, i, 4), optional_text(users, i, 5), optional_text(users, i, 6),
                                optional_text(users, i, 7)});
  }
  const PgResult logins =
      conn_.exec("SELECT id, request_ip, to_char(request_timestamp, 'YYYY-MM-DD HH24:MI:SS'), user_id FROM auth_logs "
                 "ORDER BY id");
  for (int i = 0; i < logins.rows(); ++i) {
    AuthLogRow r{logins.int64(i, 0), logins.text(i, 1), optional_text(logins, i, 2), std::nullopt};
    if (!logins.is_null(i, 3)) r.user_id = logins.int64(i, 3);
    out.logins.push_back(std::move(r));
  }
  require_all_keys(conn_.exec("SELECT count(*) FROM keys").int64(0, 0), out);
  return out;
}

void PgStore::restore(const Snapshot& rows) {
  in_transaction(conn_, [&] {
    // No other host writes while the rows go in.
    conn_.exec("LOCK TABLE keys, users, auth_logs IN EXCLUSIVE MODE");
    if (conn_.exec("SELECT (SELECT count(*) FROM keys) + (SELECT count(*) FROM users) + "
                   "(SELECT count(*) FROM auth_logs)")
            .int64(0, 0) != 0)
      throw std::runtime_error("the target store is not empty: it has keys, users or logins");
    for (const SealedKey& k : rows.keys) {
      const KeyRecord& r = k.record;
      conn_.exec("INSERT INTO keys (kid, key, exp) VALUES ($1, $2, $3)",
                 PgParams().int64(r.row_id).bytes(k.envelope).int64(r.exp()));
      PgParams pub;
      pub.int64(r.row_id).text(r.alg).text(r.public_jwk).int64(r.created_at);
      if (r.thumbprint.empty()) pub.null(); else pub.text(r.thumbprint);
      pub.int64(r.legacy_kid ? 1 : 0);
      conn_.exec("INSERT INTO key_public (kid, alg, jwk, created_at, thumbprint, legacy_kid) "
                 "VALUES ($1, $2, $3, $4, $5, $6)",
                 pub);
      keys_.set_schedule(r.row_id, r.schedule);
    }
    for (const UserRow& u : rows.users) {
      PgParams p;
      p.int64(u.id).text(u.username).text(u.password_hash);
      optional_text(p, u.email);
      optional_text(p, u.date_registered);
      optional_text(p, u.last_login);
      conn_.exec("INSERT INTO users (id, username, password_hash, email, date_registered, last_login) "
                 "VALUES ($1, $2, $3, $4, $5::timestamp, $6::timestamp)",
                 p);
      if (u.canonical && u.skeleton) {
        conn_.exec("INSERT INTO user_names (user_id, canonical, skeleton) VALUES ($1, $2, $3)",
                   PgParams().int64(u.id).text(*u.canonical).text(*u.skeleton));
      }
    }
    for (const AuthLogRow& l : rows.logins) {
      PgParams p;
      p.int64(l.id).text(l.request_ip);
      optional_text(p, l.request_timestamp);
      p.optional_int64(l.user_id);
      conn_.exec("INSERT INTO auth_logs (id, request_ip, request_timestamp, user_id) VALUES ($1, $2, $3::timestamp, $4)",
                 p);
    }
    // The identity columns go on after the highest id copied.
    conn_.exec("SELECT setval(pg_get_serial_sequence('keys', 'kid'), coalesce(max(kid), 1), max(kid) IS NOT NULL) "
               "FROM keys");
    conn_.exec("SELECT setval(pg_get_serial_sequence('users', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) "
               "FROM users");
    conn_.exec("SELECT setval(pg_get_serial_sequence('auth_logs', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) "
               "FROM auth_logs");
    require_same(rows, read_rows());
  });
}

}  // namespace jwks::store
