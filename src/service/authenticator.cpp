#include "jwks/service/authenticator.h"

#include "jwks/util/log.h"

namespace jwks::service {
namespace {

ServiceError refuse(std::string_view addr, std::string_view username, std::string_view reason) {
  // The client-supplied username comes last, quoted: nothing in it can end
  // its field or stand where the address or the reason stand.
  util::log_warning("auth failure from " + std::string(addr) + ": " + std::string(reason) + ", user " +
                    util::quote(username));
  return ServiceError{ErrorCode::kUnauthorized, "invalid username or password", std::string(reason)};
}

}  // namespace

util::Result<Principal, ServiceError> Authenticator::authenticate(const auth::Credentials& credentials,
                                                                  std::string_view client_addr) const {
  if (!credentials.username) {
    if (mode_ == AuthMode::kStrict) return util::fail(refuse(client_addr, "", "no credentials (strict mode)"));
    return Principal{"anonymous", std::nullopt, std::nullopt};
  }
  const std::string& username = *credentials.username;
  static const std::string kNone;
  const std::string& password = credentials.password ? *credentials.password : kNone;  // no copy to wipe

  std::optional<store::UserRecord> user = store_.users().find_by_username(username);
  if (!user) {
    if (mode_ == AuthMode::kOpen) return Principal{username, std::nullopt, std::nullopt};
    auth::burn_verification(password, params_);
    return util::fail(refuse(client_addr, username, "unknown user (strict mode)"));
  }
  // Verified even without a password: a refusal takes as long for a
  // registered user as for an unknown one (strict mode burns a hash).
  auth::Verification v = auth::verify_password(user->password_hash, password, params_);
  if (!credentials.password) return util::fail(refuse(client_addr, username, "no password given"));
  if (v.malformed) {
    return util::fail(ServiceError{ErrorCode::kInternal, "internal error",
                                   "user " + std::to_string(user->id) + " has an unreadable password hash"});
  }
  if (!v.match) return util::fail(refuse(client_addr, username, "wrong password"));
  // The sub is the name as stored (a user from before schema v6 may be "Bob"
  // logging in as "bob"): what a sub means never changes.
  Principal p{user->username, user->id, std::nullopt};
  if (v.needs_rehash) p.rehashed = auth::hash_password(password, params_);
  return p;
}

}  // namespace jwks::service
