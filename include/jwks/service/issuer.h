// The real Api: stateless per call. Each call opens the store (SQLite or
// PostgreSQL: store_source.h), brings its schema and keys up to date, does its
// work and closes it again.
#pragma once

#include <memory>
#include <optional>
#include <span>

#include "jwks/auth/password.h"
#include "jwks/crypto/master_key.h"
#include "jwks/service/api.h"
#include "jwks/service/clock.h"
#include "jwks/service/key_factory.h"
#include "jwks/service/key_manager.h"
#include "jwks/service/settings.h"
#include "jwks/store/store.h"

namespace jwks::service {

// The key schedule the settings imply.
SchedulePolicy key_policy(const Settings& settings);

class Issuer final : public Api {
 public:
  // References must outlive the issuer.
  // References must outlive the issuer. The store is the one settings.db_path
  // names (store_source.h), unless `source` is given.
  Issuer(Settings settings, const crypto::MasterKey& master, const Clock& clock, KeyFactory& factory,
         auth::Argon2Params password_params = {}, std::unique_ptr<store::StoreSource> source = nullptr);
  ~Issuer() override;

  util::Result<JwksDocument, ServiceError> jwks(const ClientHasEtag& client_has) override;
  // Order: the expired-mode and test-kit checks, rate limit (before any password work; a
  // refused request is not counted), authentication, signing, then the
  // login record (last_login, rehash, auth_logs) for a registered user.
  util::Result<std::string, ServiceError> issue_token(const TokenRequest& request) override;
  util::Result<std::string, ServiceError> register_user(const RegisterRequest& request) override;
  util::Result<std::string, ServiceError> discovery(const std::optional<std::string>& loopback_origin) override;
  util::Result<std::string, ServiceError> readiness(const std::optional<std::string>& loopback_origin) override;
  std::optional<std::string> test_cases() override;
  // The iss of tokens and discovery: JWKS_ISSUER when set; else the front's
  // loopback origin (a development set-up); else none, and the request fails
  // (500, the log says to set JWKS_ISSUER). Never anything a client wrote.
  util::Result<std::string, ServiceError> issuer_for(const std::optional<std::string>& loopback_origin) const;

 private:
  // Rewrites JWKS_EXPORT_FILE if the key set changed (no-op when unset).
  void export_keys(std::span<const store::KeyRecord> keys);

  Settings settings_;
  const crypto::MasterKey& master_;
  const Clock& clock_;
  KeyFactory& factory_;
  auth::Argon2Params password_params_;
  std::unique_ptr<store::StoreSource> source_;  // kept for the life of the process
};

}  // namespace jwks::service
