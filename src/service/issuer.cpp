#include "jwks/service/issuer.h"

#include <nlohmann/json.hpp>

#include "jwks/crypto/handle.h"
#include "jwks/jose/jwk.h"
#include "jwks/store/key_repository.h"
#include "jwks/store/schema.h"
#include "jwks/service/token_service.h"

namespace jwks::service {
namespace {

// Runs `body`, turning the exceptions of the layers below into ServiceErrors.
template <typename F>
util::Result<std::string, ServiceError> guarded(const char* what, F&& body) {
  try {
    return body();
  } catch (const store::SqliteError& e) {
    ErrorCode code = e.busy() || e.code() == SQLITE_FULL || e.code() == SQLITE_READONLY ||
                             e.code() == SQLITE_CANTOPEN || e.code() == SQLITE_IOERR
                         ? ErrorCode::kUnavailable
                         : ErrorCode::kInternal;
    return util::fail(ServiceError{code, "the key store is unavailable", std::string(what) + ": " + e.what()});
  } catch (const crypto::CryptoError& e) {
    return util::fail(ServiceError{ErrorCode::kInternal, "internal error", std::string(what) + ": " + e.what()});
  } catch (const std::exception& e) {
    return util::fail(ServiceError{ErrorCode::kInternal, "internal error", std::string(what) + ": " + e.what()});
  }
}

}  // namespace

KeyPolicy key_policy(const Settings& s) {
  return KeyPolicy{s.key_lifetime, s.token_lifetime, s.allow_expired, 3600};
}

store::Database Issuer::open_store() {
  store::Database db(settings_.db_path, store::DatabaseOptions{settings_.busy_timeout_ms, true});
  store::migrate(db);
  KeyManager(db, clock_, factory_, key_policy(settings_)).ensure();
  return db;
}

util::Result<std::string, ServiceError> Issuer::jwks() {
  return guarded("jwks", [&]() -> util::Result<std::string, ServiceError> {
    store::Database db = open_store();
    nlohmann::json keys = nlohmann::json::array();
    for (const store::KeyRecord& r : store::KeyRepository(db).unexpired(clock_.now())) {
      keys.push_back(jose::publishable_jwk(nlohmann::json::parse(r.public_jwk), std::to_string(r.kid), r.alg));
    }
    return nlohmann::json{{"keys", std::move(keys)}}.dump();
  });
}

util::Result<std::string, ServiceError> Issuer::issue_token(const TokenRequest& request) {
  if (request.expired && !settings_.allow_expired) {
    return util::fail(ServiceError{ErrorCode::kInvalidRequest, "expired tokens are disabled on this server",
                                   "expired token refused: JWKS_ALLOW_EXPIRED=0"});
  }
  if (settings_.auth_mode == AuthMode::kStrict) {
    return util::fail(ServiceError{ErrorCode::kUnauthorized, "invalid username or password",
                                   "strict mode: no registered user could be verified"});
  }
  return guarded("auth", [&]() -> util::Result<std::string, ServiceError> {
    store::Database db = open_store();
    const std::string subject = request.credentials.username.value_or("anonymous");
    return TokenService(db, master_, clock_, settings_.token_lifetime).issue(subject, request.expired);
  });
}

}  // namespace jwks::service
