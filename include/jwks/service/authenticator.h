// Decides who a /auth caller is: a registered user with the right password,
// or (in open mode) anyone. Failures are logged with time, address, username
// and reason, never the password.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "jwks/auth/credentials.h"
#include "jwks/auth/password.h"
#include "jwks/service/errors.h"
#include "jwks/service/settings.h"
#include "jwks/store/store.h"
#include "jwks/util/result.h"

namespace jwks::service {

struct Principal {
  std::string subject;                  // the token's sub
  std::optional<std::int64_t> user_id;  // set for a registered user: log the login
  std::optional<std::string> rehashed;  // a stronger hash to store after a login with a weak one
};

class Authenticator {
 public:
  Authenticator(store::Store& store, AuthMode mode, const auth::Argon2Params& params)
      : store_(store), mode_(mode), params_(params) {}

  // A registered username must come with its password (401 otherwise, also in
  // open mode). An unknown username or no credentials: in open mode a
  // principal named after the username or "anonymous"; in strict mode 401,
  // after spending the time of one verification so that unknown and known
  // usernames cannot be told apart by timing.
  util::Result<Principal, ServiceError> authenticate(const auth::Credentials& credentials,
                                                     std::string_view client_addr) const;

 private:
  store::Store& store_;
  AuthMode mode_;
  const auth::Argon2Params& params_;
};

}  // namespace jwks::service
