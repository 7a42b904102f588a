#include "jwks/auth/registration.h"

#include <nlohmann/json.hpp>

namespace jwks::auth {
namespace {

CredentialError invalid(std::string description) {
  return CredentialError{CredentialErrorCode::kInvalidField, std::move(description)};
}

}  // namespace

bool is_plausible_email(std::string_view email) {
  if (email.empty() || email.size() > kMaxEmailBytes) return false;
  std::size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) return false;
  std::string_view local = email.substr(0, at), domain = email.substr(at + 1);
  if (local.size() > 64 || domain.size() < 3) return false;
  for (char c : email) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;  // printable ASCII, no spaces
    if (std::string_view("()<>[]\\,;:\"").find(c) != std::string_view::npos) return false;
  }
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  std::size_t dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == domain.size()) return false;
  if (domain.front() == '.' || domain.front() == '-' || domain.find("..") != std::string_view::npos) return false;
  return true;
}

util::Result<Registration, CredentialError> parse_registration(std::string_view content_type, std::string_view body) {
  if (media_type(content_type) != "application/json")
    return util::fail(CredentialError{CredentialErrorCode::kUnsupportedMediaType,
                                      "send the registration as application/json"});
  auto parsed = parse_json_object(body);
  if (!parsed) return util::fail(parsed.error());
  const nlohmann::json& doc = parsed.value();
  Registration r;
  for (const char* name : {"username", "email"}) {
    auto it = doc.find(name);
    if (it == doc.end()) return util::fail(invalid(std::string(name) + " is required"));
    if (!it->is_string()) return util::fail(invalid(std::string(name) + " must be a string"));
    (std::string_view(name) == "username" ? r.username : r.email) = it->get<std::string>();
  }
  auto canonical = canonical_username(r.username);
  if (!canonical) return util::fail(canonical.error());
  r.username = std::move(canonical.value());
  // Tokens for requests without credentials carry sub "anonymous" (open mode):
  // no registered user may share it (nor "Anonymous", which is the same name).
  if (r.username == "anonymous") return util::fail(invalid("the username \"anonymous\" is reserved"));
  if (!is_plausible_email(r.email)) return util::fail(invalid("email is not a plausible e-mail address"));
  return r;
}

}  // namespace jwks::auth
