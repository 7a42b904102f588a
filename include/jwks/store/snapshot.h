// Everything a store holds that is worth moving (jwksctl copy-store): keys
// with their public halves and schedules, users with their names, and the
// login log. Not the rate limits' rows: they are worth nothing after their
// window. Keys stay sealed: a snapshot never holds a private key in clear.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jwks/store/key_repository.h"

namespace jwks::store {

struct UserRow {
  std::int64_t id = 0;
  std::string username, password_hash;
  std::optional<std::string> email;
  std::optional<std::string> date_registered, last_login;  // "YYYY-MM-DD HH:MM:SS", UTC
  // The user_names row; none for a user the v6 upgrade left unreachable.
  std::optional<std::string> canonical, skeleton;
  bool operator==(const UserRow&) const = default;
};

struct AuthLogRow {
  std::int64_t id = 0;
  std::string request_ip;
  std::optional<std::string> request_timestamp;  // "YYYY-MM-DD HH:MM:SS", UTC
  std::optional<std::int64_t> user_id;
  bool operator==(const AuthLogRow&) const = default;
};

struct Snapshot {
  std::vector<SealedKey> keys;  // oldest kid first
  std::vector<UserRow> users;   // by id
  std::vector<AuthLogRow> logins;  // by id
};

// Throws std::runtime_error naming what differs (keys, users or logins)
// unless `copied` holds exactly what `source` holds.
void require_same(const Snapshot& source, const Snapshot& copied);

// Throws std::runtime_error unless every row of `keys` (the table) is in the
// snapshot: a row without its public half (written by another program) would
// otherwise be left behind.
void require_all_keys(std::int64_t key_rows, const Snapshot& rows);

}  // namespace jwks::store
