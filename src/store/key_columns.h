// The key query both backends run (sqlite_key_repository.cpp,
// pg_key_repository.cpp): the same columns in the same order, read into a
// KeyRecord by each backend's read_record. Keys from before SQLite schema v4
// have no schedule row (a copy of one may have none on PostgreSQL): they read
// as published and active from their creation until their expiry.
#pragma once

#define JWKS_KEY_COLUMNS                                                                                \
  "k.kid, p.created_at, coalesce(s.published_at, p.created_at), coalesce(s.active_at, p.created_at), " \
  "coalesce(s.retire_at, k.exp), k.exp, coalesce(s.retired_early, 0), p.alg, p.jwk, "                   \
  "coalesce(p.thumbprint, ''), p.legacy_kid, s.token_lifetime "
#define JWKS_KEY_TABLES "FROM keys k JOIN key_public p ON p.kid = k.kid LEFT JOIN key_schedule s ON s.kid = k.kid "

namespace jwks::store {

// The envelope (keys.key), when a query appends it to JWKS_KEY_COLUMNS.
inline constexpr int kEnvelopeColumn = 12;

}  // namespace jwks::store
