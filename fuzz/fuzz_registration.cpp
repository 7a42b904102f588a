// POST /register bodies and the e-mail plausibility check.
//
// Input (FuzzedDataProvider): the Content-Type ended by a backslash and a
// newline, then the body.
#include <fuzzer/FuzzedDataProvider.h>

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "jwks/auth/registration.h"
#include "jwks/util/form.h"

using namespace jwks;

namespace {

// The documented shape of a plausible address, checked independently.
void check_plausible(std::string_view email) {
  FUZZ_CHECK(!email.empty() && email.size() <= auth::kMaxEmailBytes);
  const std::size_t at = email.find('@');
  FUZZ_CHECK(at != std::string_view::npos && at > 0 && email.find('@', at + 1) == std::string_view::npos);
  FUZZ_CHECK(at <= 64);
  for (unsigned char c : email) FUZZ_CHECK(c > 0x20 && c < 0x7f);
  const std::string_view domain = email.substr(at + 1);
  const std::size_t dot = domain.rfind('.');
  FUZZ_CHECK(dot != std::string_view::npos && dot > 0 && dot + 1 < domain.size());
  FUZZ_CHECK(domain.find("..") == std::string_view::npos && email.substr(0, at).find("..") == std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string content_type = in.ConsumeRandomLengthString(256);
  const std::string body = in.ConsumeRemainingBytesAsString();

  if (auth::is_plausible_email(body)) check_plausible(body);

  auto parsed = auth::parse_registration(content_type, body);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().description.empty());
    FUZZ_CHECK((parsed.error().code == auth::CredentialErrorCode::kUnsupportedMediaType) ==
               (auth::media_type(content_type) != "application/json"));
    return 0;
  }
  const auth::Registration& r = *parsed;
  FUZZ_CHECK(auth::media_type(content_type) == "application/json");
  // The username is an enforced form: enforcing it again changes nothing.
  FUZZ_CHECK(util::is_valid_utf8(r.username));
  auto again = auth::canonical_username(r.username);
  FUZZ_CHECK(again.ok() && again.value() == r.username);
  FUZZ_CHECK(auth::is_plausible_email(r.email));
  check_plausible(r.email);
  // The fields are the body's own members: the e-mail unchanged, the
  // username as its enforced form.
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  FUZZ_CHECK(doc.is_object() && doc["email"] == r.email);
  FUZZ_CHECK(auth::canonical_username(doc["username"].get<std::string>()).value() == r.username);
  return 0;
}
