// POST /auth credentials: JSON bodies, form bodies and HTTP Basic headers.
//
// Input (FuzzedDataProvider): the Content-Type, then the Authorization header
// (empty: no header), each ended by a backslash and a newline, then the body.
#include <fuzzer/FuzzedDataProvider.h>

#include <nlohmann/json.hpp>

#include <string>

#include "fuzz_check.h"
#include "jwks/auth/credentials.h"
#include "jwks/util/base64.h"
#include "jwks/util/form.h"

using namespace jwks;

namespace {

bool no_controls(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// What the HTTP Basic header says, decoded independently of the parser:
// "basic" in any case, one space, optional spaces, base64 with optional padding.
std::optional<std::string> basic_payload(std::string_view header) {
  if (header.size() < 6) return std::nullopt;
  std::string scheme(header.substr(0, 6));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "basic ") return std::nullopt;
  std::string_view token = header.substr(6);
  token.remove_prefix(std::min(token.size(), token.find_first_not_of(' ')));
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  auto bytes = util::base64_decode(token, {util::Base64Alphabet::kStandard, util::Base64Padding::kOptional, false});
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string content_type = in.ConsumeRandomLengthString(256);
  const std::string authorization = in.ConsumeRandomLengthString(4096);
  const std::string body = in.ConsumeRemainingBytesAsString();
  std::optional<std::string_view> auth_header;
  if (!authorization.empty()) auth_header = authorization;

  const std::string type = auth::media_type(content_type);
  FUZZ_CHECK(type.find(';') == std::string::npos);
  for (char c : type) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
  FUZZ_CHECK(type.empty() || (type.front() != ' ' && type.back() != ' ' && type.front() != '\t' && type.back() != '\t'));
  const bool json = type == "application/json", form = type == "application/x-www-form-urlencoded";

  auto parsed = auth::parse_credentials(content_type, body, auth_header);
  if (!parsed) {
    const auth::CredentialError& e = parsed.error();
    FUZZ_CHECK(!e.description.empty());
    switch (e.code) {
      case auth::CredentialErrorCode::kMalformedAuthorization: FUZZ_CHECK(auth_header.has_value()); break;
      case auth::CredentialErrorCode::kUnsupportedMediaType: FUZZ_CHECK(!body.empty() && !json && !form); break;
      case auth::CredentialErrorCode::kMalformedBody: FUZZ_CHECK(!body.empty() && (json || form)); break;
      case auth::CredentialErrorCode::kInvalidField: break;
    }
    if (e.code == auth::CredentialErrorCode::kMalformedBody && form) FUZZ_CHECK(!util::parse_form(body));
    return 0;
  }

  const auth::Credentials& c = *parsed;
  // Which source wins: Basic, else the body by its media type, else nothing.
  if (auth_header) FUZZ_CHECK(c.source == auth::CredentialSource::kBasic);
  else if (body.empty()) FUZZ_CHECK(c.source == auth::CredentialSource::kNone);
  else if (json) FUZZ_CHECK(c.source == auth::CredentialSource::kJson);
  else FUZZ_CHECK(form && c.source == auth::CredentialSource::kForm);
  if (c.source == auth::CredentialSource::kNone) FUZZ_CHECK(!c.username && !c.password);

  // The bounds the header promises, checked without the parser's helpers.
  if (c.username) {
    FUZZ_CHECK(!c.username->empty() && c.username->size() <= auth::kMaxUsernameBytes);
    FUZZ_CHECK(util::is_valid_utf8(*c.username) && no_controls(*c.username));
    auto again = auth::canonical_username(*c.username);  // an enforced form stays as it is
    FUZZ_CHECK(again.ok() && again.value() == *c.username);
  }
  if (c.password) FUZZ_CHECK(c.password->size() <= auth::kMaxPasswordBytes && util::is_valid_utf8(*c.password));

  // JSON fields are the body's own members, unchanged.
  if (c.source == auth::CredentialSource::kJson) {
    const auto doc = nlohmann::json::parse(body, nullptr, false);
    FUZZ_CHECK(doc.is_object());
    if (c.username) FUZZ_CHECK(auth::canonical_username(doc.at("username").get<std::string>()).value() == *c.username);
    if (c.password) FUZZ_CHECK(doc.at("password") == *c.password);
    FUZZ_CHECK(c.username.has_value() == doc.contains("username"));
  }

  if (c.source == auth::CredentialSource::kBasic) {
    FUZZ_CHECK(c.username && c.password);
    FUZZ_CHECK(c.username->find(':') == std::string::npos);
    auto payload = basic_payload(authorization);
    FUZZ_CHECK(payload && payload->find(':') != std::string::npos);
    const std::string given = payload->substr(0, payload->find(':'));
    FUZZ_CHECK(auth::canonical_username(given).value() == *c.username);
    FUZZ_CHECK(payload->substr(payload->find(':') + 1) == *c.password);
  }
  return 0;
}
