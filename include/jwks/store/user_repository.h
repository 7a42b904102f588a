// Registered users (the contract's `users` table, with `user_names`: each
// name's enforced form and look-alike skeleton, both unique) and their
// successful logins (`auth_logs`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwks/util/result.h"

namespace jwks::store {

struct UserRecord {
  std::int64_t id = 0;
  std::string username;
  std::string password_hash;  // PHC string
};

enum class UserConflict { kUsername, kEmail };

// The user rows of a store (store.h: one per backend). Throws StoreError.
class UserRepository {
 public:
  virtual ~UserRepository() = default;

  // Inserts a user, `username` being an enforced form (auth::canonical_username),
  // and its user_names row, in one transaction; date_registered is filled by
  // the database. A taken username, a look-alike of one, or a taken e-mail
  // (UNIQUE constraints, e-mail compared case-insensitively) is reported as a
  // value, decided by the database so concurrent inserts of one name give
  // exactly one success.
  virtual util::Result<std::int64_t, UserConflict> insert(std::string_view username, std::string_view password_hash,
                                                          std::string_view email) = 0;

  // Which of the two is already registered (the username first), if either:
  // a cheap read before the expensive part of a registration. The UNIQUE
  // constraints stay the final word (see insert).
  virtual std::optional<UserConflict> taken(std::string_view username, std::string_view email) const = 0;

  // The user whose name has this enforced form (auth::canonical_username),
  // else the one whose name looks like it (the same skeleton): a look-alike
  // of a registered name is that user, who must give their password.
  // `username` of the record is the name as stored: for users from before
  // schema v6 it may be another spelling ("Bob" for "bob"), and it stays the sub.
  virtual std::optional<UserRecord> find_by_username(std::string_view username) const = 0;

  struct Listing {
    std::int64_t id;
    std::string username, email, date_registered, last_login;  // last_login empty when never
    bool can_log_in = true;  // false: left without a name by the v6 upgrade (a look-alike, an invalid name)
  };
  virtual std::vector<Listing> list() const = 0;

  // Deletes the user named exactly `username` or, failing that, by its
  // enforced form (util/username.h: "Alice" deletes "alice"); their auth_logs
  // rows stay, with user_id set to NULL, so the audit trail keeps its
  // addresses and times. False if no such user.
  virtual bool remove(std::string_view username) = 0;

  // In one transaction: sets last_login to the current UTC time, replaces the
  // password hash when `rehashed` is given, and appends an auth_logs row
  // (client address, the current UTC time, user id).
  virtual void record_login(std::int64_t user_id, std::string_view client_addr,
                            std::optional<std::string_view> rehashed) = 0;
};

}  // namespace jwks::store
