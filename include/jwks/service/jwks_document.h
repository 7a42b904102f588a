// The published key set, as served at /.well-known/jwks.json and written by
// jwksctl export-jwks.
#pragma once

#include <cstdint>

#include "jwks/service/api.h"
#include "jwks/store/database.h"

namespace jwks::service {

// Every unexpired key as a JWK (kid = its RFC 7638 thumbprint; keys from
// before thumbprint kids also under their decimal kid), with a strong ETag.
// Reads public data only. Throws store::SqliteError.
JwksDocument build_jwks(store::Database& db, std::int64_t now);

}  // namespace jwks::service
