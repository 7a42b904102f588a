// The published key set, as served at /.well-known/jwks.json and written by
// jwksctl export-jwks.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "jwks/service/api.h"
#include "jwks/store/store.h"

namespace jwks::service {

// Every unexpired key as a JWK (kid = its RFC 7638 thumbprint; keys from
// before thumbprint kids also under their decimal kid), with a strong ETag
// and `max_age`. A key whose stored public JWK is not a valid JWK of its
// type is left out and logged (counted in `unreadable`): one damaged row
// must not take the other keys' set down. Reads public data only. Throws
// store::StoreError.
JwksDocument build_jwks(store::Store& store, std::int64_t now, std::int64_t max_age);

// The same from keys already read (any state; the expired ones are left out).
JwksDocument build_jwks(std::span<const store::KeyRecord> keys, std::int64_t now, std::int64_t max_age);

// The ETag build_jwks gives the set of `keys` at `now`, without building it:
// a digest of what the document is made from (each published key's kid,
// thumbprint, alg, stored public JWK and legacy flag, and the document's
// format version), so that a revalidation need not build the JSON. Equal
// inputs make byte-equal documents, so the tag is a strong one.
std::string jwks_etag(std::span<const store::KeyRecord> keys, std::int64_t now);

// Keeps the static copy of the key set at `path` (JWKS_EXPORT_FILE, served
// by the front as a file) equal to `doc`: rewrites it, atomically, only when
// it differs. Returns true when it wrote. A failure is logged, never thrown:
// the dynamic endpoint keeps answering.
bool refresh_export(const std::string& path, const JwksDocument& doc);

// How long a cache may keep the set: half the pre-publication lead, at most
// a day. A set fetched just before a new key was published then expires
// from a client's cache, even behind one shared cache that ignores Age,
// before that key signs.
std::int64_t jwks_max_age(std::int64_t publish_lead);

}  // namespace jwks::service
