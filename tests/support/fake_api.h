// An Api (service/api.h) that records what the router asked for and answers
// as configured: for the router's unit test and its fuzz target.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "jwks/service/api.h"

namespace jwks::test {

class FakeApi final : public service::Api {
 public:
  // Every call fails with this, when set.
  std::optional<service::ServiceError> fail_with;
  // For the key set: the document and ETag it answers, and whether it answers
  // 304 when the router's matcher accepts the ETag (as the Issuer does).
  std::string jwks_json = R"({"keys":[{"kid":"1"}]})";
  std::string etag = "\"abc\"";
  bool answer_not_modified = true;

  // What the router handed over.
  int jwks_calls = 0;
  bool asked_etag = false;  // a matcher came (a request with If-None-Match)
  std::optional<service::TokenRequest> last_token_request;
  std::optional<service::RegisterRequest> last_register_request;
  std::optional<std::string> last_origin;  // the loopback origin discovery was given, if any

  util::Result<service::JwksDocument, service::ServiceError> jwks(const service::ClientHasEtag& client_has) override {
    ++jwks_calls;
    if (fail_with) return util::fail(*fail_with);
    asked_etag = static_cast<bool>(client_has);
    if (client_has && answer_not_modified && client_has(etag)) return service::JwksDocument{"", etag, 1800, 0, true};
    return service::JwksDocument{jwks_json, etag, 1800};
  }
  util::Result<std::string, service::ServiceError> issue_token(const service::TokenRequest& r) override {
    last_token_request = r;
    if (fail_with) return util::fail(*fail_with);
    return std::string("h.p.s");
  }
  util::Result<std::string, service::ServiceError> register_user(const service::RegisterRequest& r) override {
    last_register_request = r;
    if (fail_with) return util::fail(*fail_with);
    return std::string("0b7e8a2c-1f4d-4c3b-9a6e-2d5f8c9b1a70");
  }
  util::Result<std::string, service::ServiceError> discovery(const std::optional<std::string>& origin) override {
    last_origin = origin;
    if (fail_with) return util::fail(*fail_with);
    return nlohmann::json{{"issuer", origin.value_or("none")}}.dump();
  }
  util::Result<std::string, service::ServiceError> readiness(const std::optional<std::string>&) override {
    if (fail_with) return util::fail(*fail_with);
    return std::string(R"({"status":"ready"})");
  }
  // The kit's list, or nullopt for a kit that is off.
  std::optional<std::string> test_cases_json = R"({"cases":[]})";
  std::optional<std::string> test_cases() override { return test_cases_json; }
};

}  // namespace jwks::test
