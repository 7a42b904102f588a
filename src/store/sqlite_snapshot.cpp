// SqliteStore::snapshot and restore (snapshot.h).
#include <stdexcept>

#include "jwks/store/sqlite_store.h"
#include "jwks/store/statement.h"
#include "jwks/store/transaction.h"

namespace jwks::store {
namespace {

std::optional<std::string> optional_text(const Statement& s, int column) {
  if (s.is_null(column)) return std::nullopt;
  return s.column_text(column);
}

void bind_optional(Statement& s, int index, const std::optional<std::string>& v) {
  if (v) s.bind(index, *v); else s.bind_null(index);
}

}  // namespace

Snapshot SqliteStore::snapshot() {
  Transaction tx(*db_, TransactionMode::kDeferred);  // one consistent read
  Snapshot out = read_rows();
  tx.commit();
  return out;
}

Snapshot SqliteStore::read_rows() {
  Snapshot out;
  out.keys = keys_.all_sealed();
  Statement users(*db_, "SELECT u.id, u.username, u.password_hash, u.email, u.date_registered, u.last_login, "
                        "n.canonical, n.skeleton FROM users u LEFT JOIN user_names n ON n.user_id = u.id ORDER BY u.id");
  while (users.step()) {
    out.users.push_back(UserRow{users.column_int64(0), users.column_text(1), users.column_text(2),
                                optional_text(users, 3), optional_text(users, 4), optional_text(users, 5),
                                optional_text(users, 6), optional_text(users, 7)});
  }
  Statement logins(*db_, "SELECT id, request_ip, request_timestamp, user_id FROM auth_logs ORDER BY id");
  while (logins.step()) {
    AuthLogRow r{logins.column_int64(0), logins.column_text(1), optional_text(logins, 2), std::nullopt};
    if (!logins.is_null(3)) r.user_id = logins.column_int64(3);
    out.logins.push_back(std::move(r));
  }
  Statement count(*db_, "SELECT count(*) FROM keys");
  count.step();
  require_all_keys(count.column_int64(0), out);
  return out;
}

void SqliteStore::restore(const Snapshot& rows) {
  Transaction tx(*db_, TransactionMode::kImmediate);
  Statement empty(*db_, "SELECT (SELECT count(*) FROM keys) + (SELECT count(*) FROM users) + "
                        "(SELECT count(*) FROM auth_logs)");
  empty.step();
  if (empty.column_int64(0) != 0) throw std::runtime_error("the target store is not empty: it has keys, users or logins");
  empty.reset();
  for (const SealedKey& k : rows.keys) {
    const KeyRecord& r = k.record;
    Statement(*db_, "INSERT INTO keys (kid, key, exp) VALUES (?, ?, ?)")
        .bind(1, r.row_id)
        .bind_blob(2, k.envelope)
        .bind(3, r.exp())
        .run();
    Statement pub(*db_, "INSERT INTO key_public (kid, alg, jwk, created_at, thumbprint, legacy_kid) VALUES (?, ?, ?, ?, ?, ?)");
    pub.bind(1, r.row_id).bind(2, r.alg).bind(3, r.public_jwk).bind(4, r.created_at);
    if (r.thumbprint.empty()) pub.bind_null(5); else pub.bind(5, r.thumbprint);
    pub.bind(6, std::int64_t{r.legacy_kid ? 1 : 0}).run();
    keys_.set_schedule(r.row_id, r.schedule);
  }
  for (const UserRow& u : rows.users) {
    Statement ins(*db_, "INSERT INTO users (id, username, password_hash, email, date_registered, last_login) "
                        "VALUES (?, ?, ?, ?, ?, ?)");
    ins.bind(1, u.id).bind(2, u.username).bind(3, u.password_hash);
    bind_optional(ins, 4, u.email);
    bind_optional(ins, 5, u.date_registered);
    bind_optional(ins, 6, u.last_login);
    ins.run();
    if (u.canonical && u.skeleton) {
      Statement(*db_, "INSERT INTO user_names (user_id, canonical, skeleton) VALUES (?, ?, ?)")
          .bind(1, u.id)
          .bind(2, *u.canonical)
          .bind(3, *u.skeleton)
          .run();
    }
  }
  for (const AuthLogRow& l : rows.logins) {
    Statement ins(*db_, "INSERT INTO auth_logs (id, request_ip, request_timestamp, user_id) VALUES (?, ?, ?, ?)");
    ins.bind(1, l.id).bind(2, l.request_ip);
    bind_optional(ins, 3, l.request_timestamp);
    if (l.user_id) ins.bind(4, *l.user_id); else ins.bind_null(4);
    ins.run();
  }
  require_same(rows, read_rows());
  tx.commit();
}

}  // namespace jwks::store
