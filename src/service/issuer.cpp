#include "jwks/service/issuer.h"

#include <nlohmann/json.hpp>

#include "jwks/auth/uuid.h"
#include "jwks/crypto/handle.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/crypto/secure_bytes.h"
#include "jwks/service/authenticator.h"
#include "jwks/service/jwks_document.h"
#include "jwks/service/token_service.h"
#include "jwks/store/store_source.h"
#include "jwks/util/log.h"

namespace jwks::service {
namespace {

// Runs `body`, turning the exceptions of the layers below into ServiceErrors.
template <typename F>
auto guarded(const char* what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const store::StoreError& e) {
    const ErrorCode code = e.transient() ? ErrorCode::kUnavailable : ErrorCode::kInternal;
    return util::fail(ServiceError{code, "the key store is unavailable", std::string(what) + ": " + e.what()});
  } catch (const crypto::CryptoError& e) {
    return util::fail(ServiceError{ErrorCode::kInternal, "internal error", std::string(what) + ": " + e.what()});
  } catch (const std::exception& e) {
    return util::fail(ServiceError{ErrorCode::kInternal, "internal error", std::string(what) + ": " + e.what()});
  }
}

}  // namespace

SchedulePolicy key_policy(const Settings& s) {
  return SchedulePolicy{s.signing_period, s.publish_lead, s.token_lifetime, s.key_retention, s.allow_expired, s.alg};
}

Issuer::Issuer(Settings settings, const crypto::MasterKey& master, const Clock& clock, KeyFactory& factory,
               auth::Argon2Params password_params, std::unique_ptr<store::StoreSource> source)
    : settings_(std::move(settings)),
      master_(master),
      clock_(clock),
      factory_(factory),
      password_params_(password_params),
      source_(source ? std::move(source) : store::open_source(settings_.db_path, settings_.busy_timeout_ms)) {}

Issuer::~Issuer() = default;

util::Result<JwksDocument, ServiceError> Issuer::jwks(const ClientHasEtag& client_has) {
  return guarded("jwks", [&]() -> util::Result<JwksDocument, ServiceError> {
    const std::unique_ptr<store::Store> db = source_->open();
    KeyManager keys(*db, clock_, factory_, key_policy(settings_));
    keys.ensure();
    const std::int64_t now = clock_.now(), max_age = jwks_max_age(settings_.publish_lead);
    // A revalidation that matches costs the key read and a digest, not the
    // document (with a static export the file must still be checked).
    if (settings_.export_file.empty() && client_has) {
      std::string etag = jwks_etag(keys.keys(), now);
      if (client_has(etag)) return JwksDocument{"", std::move(etag), max_age, 0, true};
    }
    JwksDocument doc = build_jwks(keys.keys(), now, max_age);
    if (!settings_.export_file.empty()) refresh_export(settings_.export_file, doc);
    return doc;
  });
}

util::Result<std::string, ServiceError> Issuer::issue_token(const TokenRequest& request) {
  TokenCase kind = request.expired ? TokenCase::kExpired : TokenCase::kNormal;
  if (const TestCase* c = request.test_case) {
    if (!settings_.test_cases) {
      return util::fail(ServiceError{ErrorCode::kInvalidRequest, "the verifier test kit is off on this server",
                                     "test case refused: JWKS_TEST_CASES is not 1"});
    }
    if (c->id == TokenCase::kWrongAudience && settings_.audience.empty()) {
      return util::fail(ServiceError{ErrorCode::kInvalidRequest,
                                     "the wrong-audience case needs an audience: this server sets none (JWKS_AUDIENCE)",
                                     "test case wrong-audience refused: JWKS_AUDIENCE is not set"});
    }
    kind = c->id;
  }
  if (kind == TokenCase::kExpired && !settings_.allow_expired) {
    return util::fail(ServiceError{ErrorCode::kInvalidRequest, "expired tokens are disabled on this server",
                                   "expired token refused: JWKS_ALLOW_EXPIRED=0"});
  }
  auto issuer = issuer_for(request.loopback_origin);  // a configuration error costs nothing
  if (!issuer) return util::fail(issuer.error());
  return guarded("auth", [&]() -> util::Result<std::string, ServiceError> {
    // The limit first: a refusal never opens the store (on SQLite the limit
    // is a file of its own, on PostgreSQL one call: store.h).
    const auth::RateLimit& limit = settings_.rate_limit;
    const store::RateDecision rate =
        source_->acquire_rate(store::kAuthBucket, request.client.rate_key, clock_.now_ms(), limit.window_ms,
                              limit.requests);
    if (!rate.allowed) {
      return util::fail(ServiceError{ErrorCode::kRateLimited, "too many token requests; retry later", "",
                                     auth::retry_after_seconds(rate.retry_after_ms)});
    }
    const std::unique_ptr<store::Store> db = source_->open();
    auto principal = Authenticator(*db, settings_.auth_mode, password_params_)
                         .authenticate(request.credentials, request.client.address);
    if (!principal) return util::fail(principal.error());

    KeyManager keys(*db, clock_, factory_, key_policy(settings_));
    keys.ensure();
    export_keys(keys.keys());
    const TokenSubject who{principal->subject, issuer.value(), settings_.audience};
    TokenService tokens(*db, master_, clock_, settings_.token_lifetime, settings_.alg,
                        jwks_max_age(settings_.publish_lead));
    std::optional<util::Result<std::string, ServiceError>> signed_token;
    auto sign = [&] { signed_token = tokens.issue(who, kind, keys.keys()); };
    // unknown-kid makes a key per request (RSA: a good part of a core for a
    // tenth of a second): bounded by the slots that bound Argon2.
    if (kind != TokenCase::kUnknownKid) {
      sign();
    } else if (source_->with_hashing_slot(settings_.register_concurrency, sign) == store::HashingSlot::kAllTaken) {
      return util::fail(ServiceError{ErrorCode::kUnavailable, "too many expensive requests at once; retry shortly",
                                     "auth: unknown-kid: all " + std::to_string(settings_.register_concurrency) +
                                         " hashing slots are busy (JWKS_REGISTER_CONCURRENCY)",
                                     1});
    }
    util::Result<std::string, ServiceError>& token = *signed_token;
    if (token && request.test_case) {
      util::log_info("test case " + std::string(request.test_case->name) + " token for " + request.client.address);
    }
    if (token && principal->user_id) {
      std::optional<std::string_view> rehashed;
      if (principal->rehashed) rehashed = *principal->rehashed;
      db->users().record_login(*principal->user_id, request.client.address, rehashed);
    }
    return token;
  });
}

void Issuer::export_keys(std::span<const store::KeyRecord> keys) {
  // With a static export the front serves the set without asking us, so any
  // request that read the keys brings the file up to date: a new key, a
  // purge or an expiry shows up at the next request of any kind.
  if (settings_.export_file.empty()) return;
  refresh_export(settings_.export_file, build_jwks(keys, clock_.now(), jwks_max_age(settings_.publish_lead)));
}

util::Result<std::string, ServiceError> Issuer::issuer_for(const std::optional<std::string>& loopback_origin) const {
  if (!settings_.issuer.empty()) return settings_.issuer;
  if (loopback_origin) return *loopback_origin;
  return util::fail(ServiceError{ErrorCode::kInternal, "the server has no issuer configured",
                                 "JWKS_ISSUER is not set and the request did not come to a loopback address: set "
                                 "JWKS_ISSUER to the URL clients reach this server by (https://auth.example.com)"});
}

util::Result<std::string, ServiceError> Issuer::discovery(const std::optional<std::string>& loopback_origin) {
  auto issuer = issuer_for(loopback_origin);
  if (!issuer) return util::fail(issuer.error());
  const std::string& iss = issuer.value();
  nlohmann::json doc{{"issuer", iss},
                     {"jwks_uri", iss + "/.well-known/jwks.json"},
                     {"token_endpoint", iss + "/auth"},
                     {"registration_endpoint", iss + "/register"},
                     {"id_token_signing_alg_values_supported", {settings_.alg}},
                     {"token_endpoint_auth_methods_supported", {"client_secret_basic", "client_secret_post"}},
                     {"response_types_supported", {"token"}},
                     {"subject_types_supported", {"public"}},
                     {"claims_supported", {"iss", "sub", "aud", "iat", "nbf", "exp", "jti"}}};
  return doc.dump();
}

util::Result<std::string, ServiceError> Issuer::readiness(const std::optional<std::string>& loopback_origin) {
  if (auto issuer = issuer_for(loopback_origin); !issuer) {
    return util::fail(ServiceError{ErrorCode::kUnavailable, "no issuer is configured", "readyz: " + issuer.error().log_detail});
  }
  return guarded("readyz", [&]() -> util::Result<std::string, ServiceError> {
    const std::unique_ptr<store::Store> db = source_->open();
    KeyManager manager(*db, clock_, factory_, key_policy(settings_));
    manager.ensure();
    export_keys(manager.keys());
    store::KeyRepository& repo = db->keys();
    const std::int64_t now = clock_.now();
    const std::vector<store::KeyRecord>& keys = manager.keys();
    if (const int bad = build_jwks(keys, now, 0).unreadable; bad > 0) {
      return util::fail(ServiceError{ErrorCode::kUnavailable, "a published key is damaged",
                                     "readyz: " + std::to_string(bad) + " key(s) with an unreadable public JWK"});
    }
    const store::KeyRecord* signer = signing_key(keys, now);
    if (signer == nullptr) {
      return util::fail(ServiceError{ErrorCode::kUnavailable, "no signing key", "readyz: no key may sign now"});
    }
    auto envelope = repo.envelope(signer->row_id);
    auto key = crypto::open_private_key(master_, envelope.value_or(std::vector<std::uint8_t>{}));
    if (!key) {
      return util::fail(ServiceError{ErrorCode::kUnavailable, "the signing key cannot be decrypted",
                                     "readyz: key " + std::to_string(signer->row_id) + ": " + key.error()});
    }
    nlohmann::json status{{"status", "ready"}, {"active_kid", signer->thumbprint}, {"alg", signer->alg}};
    if (auto next = next_activation(keys, now)) status["next_key_at"] = *next;
    return status.dump();
  });
}

std::optional<std::string> Issuer::test_cases() {
  if (!settings_.test_cases) return std::nullopt;
  return test_cases_json(!settings_.audience.empty());
}

util::Result<std::string, ServiceError> Issuer::register_user(const RegisterRequest& request) {
  return guarded("register", [&]() -> util::Result<std::string, ServiceError> {
    // Everything cheap comes before the Argon2 work, and refuses before it.
    const auth::RateLimit& limit = settings_.register_rate_limit;
    const store::RateDecision rate =
        source_->acquire_rate(store::kRegisterBucket, request.client.rate_key, clock_.now_ms(), limit.window_ms,
                              limit.requests);
    if (!rate.allowed) {
      return util::fail(ServiceError{ErrorCode::kRateLimited, "too many registrations; retry later", "",
                                     auth::retry_after_seconds(rate.retry_after_ms)});
    }
    const std::unique_ptr<store::Store> db = source_->open();
    const auth::Registration& r = request.registration;
    store::UserRepository& users = db->users();
    auto conflict = [](store::UserConflict c) {
      return util::fail(ServiceError{ErrorCode::kConflict,
                                     c == store::UserConflict::kUsername ? "username is already taken"
                                                                         : "email is already registered",
                                     ""});
    };
    if (auto taken = users.taken(r.username, r.email)) return conflict(*taken);
    // A bound on the hashing the whole pool does at once, so that sign-ups
    // from many addresses cannot take every core from /auth.
    std::string password, hash;
    const store::HashingSlot slot = source_->with_hashing_slot(settings_.register_concurrency, [&] {
      password = auth::uuid_v4();
      hash = auth::hash_password(password, password_params_);
    });
    if (slot == store::HashingSlot::kAllTaken) {
      return util::fail(ServiceError{ErrorCode::kUnavailable, "too many registrations at once; retry shortly",
                                     "register: all " + std::to_string(settings_.register_concurrency) +
                                         " hashing slots are busy (JWKS_REGISTER_CONCURRENCY)",
                                     1});
    }
    auto id = users.insert(r.username, hash, r.email);
    if (!id) {
      crypto::cleanse(password.data(), password.size());
      return conflict(id.error());
    }
    util::log_info("registered user " + std::to_string(id.value()) + " from " + request.client.address);
    return password;
  });
}

}  // namespace jwks::service
