#include "jwks/auth/credentials.h"

#include <set>

#include <nlohmann/json.hpp>

#include "jwks/crypto/secure_bytes.h"
#include "jwks/util/base64.h"
#include "jwks/util/form.h"
#include "jwks/util/text.h"

namespace jwks::auth {
namespace {

using util::fail;
using Parsed = util::Result<Credentials, CredentialError>;

CredentialError invalid(std::string description) {
  return CredentialError{CredentialErrorCode::kInvalidField, std::move(description)};
}

std::optional<CredentialError> check_password(const std::string& p) {
  if (p.size() > kMaxPasswordBytes) return invalid("password is longer than 1024 bytes");
  if (!util::is_valid_utf8(p)) return invalid("password is not valid UTF-8");
  return std::nullopt;
}

// Validates the fields and puts the username in its enforced form.
std::optional<CredentialError> check(Credentials& c) {
  if (c.username) {
    auto canonical = canonical_username(*c.username);
    if (!canonical) return canonical.error();
    *c.username = std::move(canonical.value());
  }
  if (c.password) {
    if (auto e = check_password(*c.password)) return e;
  }
  return std::nullopt;
}

// Wipes the string members of a parsed body (a password among them) before
// the document frees them.
void wipe_strings(nlohmann::json& doc) {
  for (auto& member : doc.items())
    if (member.value().is_string()) {
      auto& s = member.value().get_ref<std::string&>();
      crypto::cleanse(s.data(), s.capacity());
    }
}

Parsed from_json(std::string_view body) {
  auto parsed = parse_json_object(body);
  if (!parsed) return fail(parsed.error());
  nlohmann::json& doc = parsed.value();
  Credentials c{CredentialSource::kJson, std::nullopt, std::nullopt};
  std::optional<CredentialError> error;
  for (const char* name : {"username", "password"}) {
    auto it = doc.find(name);
    if (it == doc.end()) continue;
    if (!it->is_string()) {
      error = invalid(std::string(name) + " must be a string");
      break;
    }
    (std::string_view(name) == "username" ? c.username : c.password) = it->get<std::string>();
  }
  wipe_strings(doc);
  if (error) return fail(*error);
  return c;
}

Parsed from_form(std::string_view body) {
  auto fields = util::parse_form(body);
  if (!fields) return fail(CredentialError{CredentialErrorCode::kMalformedBody, "form body has a bad percent escape"});
  Credentials c{CredentialSource::kForm, std::nullopt, std::nullopt};
  std::optional<CredentialError> error;
  for (auto& [name, value] : *fields) {
    std::optional<std::string>* slot = name == "username" ? &c.username : name == "password" ? &c.password : nullptr;
    if (slot == nullptr) continue;
    if (slot->has_value()) {
      error = invalid("form field " + name + " appears more than once");
      break;
    }
    *slot = value;
  }
  for (auto& field : *fields) crypto::cleanse(field.second.data(), field.second.capacity());
  if (error) {
    if (c.password) crypto::cleanse(c.password->data(), c.password->capacity());
    return fail(*error);
  }
  return c;
}

Parsed from_basic(std::string_view header) {
  auto bad = [](const char* why) {
    return fail(CredentialError{CredentialErrorCode::kMalformedAuthorization, why});
  };
  constexpr std::string_view kScheme = "basic ";
  if (header.size() < kScheme.size()) return bad("Authorization header is not HTTP Basic");
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (static_cast<char>(std::tolower(static_cast<unsigned char>(header[i]))) != kScheme[i])
      return bad("Authorization header is not HTTP Basic");
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  auto decoded = util::base64_decode(token, {util::Base64Alphabet::kStandard, util::Base64Padding::kOptional, false});
  if (!decoded || decoded->empty()) return bad("HTTP Basic credentials are not valid base64");
  std::string text(decoded->begin(), decoded->end());
  crypto::cleanse(decoded->data(), decoded->size());
  std::size_t colon = text.find(':');
  if (colon == std::string::npos) {
    crypto::cleanse(text.data(), text.size());
    return bad("HTTP Basic credentials have no ':' between username and password");
  }
  Credentials c{CredentialSource::kBasic, text.substr(0, colon), text.substr(colon + 1)};
  crypto::cleanse(text.data(), text.size());
  return c;
}

}  // namespace

util::Result<std::string, CredentialError> canonical_username(std::string_view u) {
  auto enforced = util::enforce_username(u);
  if (!enforced) return fail(invalid(enforced.error()));
  return std::move(enforced.value());
}

util::Result<nlohmann::json, CredentialError> parse_json_object(std::string_view body) {
  std::set<std::string> seen;
  bool duplicate = false;
  // Depth 1 is the top-level object's own members; everything is kept.
  auto on_event = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && !seen.insert(parsed.get<std::string>()).second)
      duplicate = true;
    return true;
  };
  nlohmann::json doc = nlohmann::json::parse(body, on_event, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return fail(CredentialError{CredentialErrorCode::kMalformedBody, "body is not valid JSON"});
  if (!doc.is_object()) return fail(invalid("JSON body must be an object"));
  if (duplicate) return fail(invalid("JSON body names a member more than once"));
  return doc;
}

std::string media_type(std::string_view content_type) {
  const std::string_view t = util::trim_blanks(content_type.substr(0, content_type.find(';')));
  std::string out(t);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

util::Result<Credentials, CredentialError> parse_credentials(std::string_view content_type, std::string_view body,
                                                             std::optional<std::string_view> authorization) {
  Credentials from_body;
  if (!body.empty()) {
    std::string type = media_type(content_type);
    Parsed parsed = type == "application/json" ? from_json(body)
                    : type == "application/x-www-form-urlencoded"
                        ? from_form(body)
                        : Parsed(fail(CredentialError{CredentialErrorCode::kUnsupportedMediaType,
                                                      "send credentials as application/json, "
                                                      "application/x-www-form-urlencoded or HTTP Basic"}));
    if (!parsed) return parsed;
    if (auto e = check(*parsed)) return fail(*e);
    from_body = std::move(parsed.value());
  }
  if (authorization) {
    Parsed basic = from_basic(*authorization);
    if (!basic) return basic;
    if (auto e = check(*basic)) return fail(*e);
    return basic;
  }
  return from_body;
}

}  // namespace jwks::auth
