// JWS compact serialization (jose::parse_compact) and the base64url codec
// under it. Input: a token, or any text.
//
// Checks: base64url decoding is the exact inverse of encoding (every byte
// string has one encoding); a token parses exactly when it has three parts
// that each decode, and its parts encode back to the very same token.
#include <algorithm>

#include "fuzz_check.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jws.h"

using namespace jwks;

namespace {

std::string encode_text(std::string_view s) { return jose::base64url_encode(s); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);

  // encode(x) decodes to x and has the unpadded length.
  const std::string encoded = jose::base64url_encode(std::span<const std::uint8_t>(data, size));
  FUZZ_CHECK(encoded.size() == (size * 4 + 2) / 3);
  auto decoded = jose::base64url_decode(encoded);
  FUZZ_CHECK(decoded && std::equal(decoded->begin(), decoded->end(), data, data + size));

  // decode(x), when it succeeds, encodes back to x.
  if (auto bytes = jose::base64url_decode(text)) {
    FUZZ_CHECK(bytes->size() == size * 3 / 4);
    FUZZ_CHECK(jose::base64url_encode(*bytes) == text);
  }

  auto parts = jose::parse_compact(text);
  const std::size_t dots = static_cast<std::size_t>(std::count(text.begin(), text.end(), '.'));
  if (!parts) {
    if (dots == 2) {
      const std::size_t a = text.find('.'), b = text.find('.', a + 1);
      FUZZ_CHECK(!jose::base64url_decode(text.substr(0, a)) || !jose::base64url_decode(text.substr(a + 1, b - a - 1)) ||
                 !jose::base64url_decode(text.substr(b + 1)));
    }
    return 0;
  }
  FUZZ_CHECK(dots == 2);
  FUZZ_CHECK(parts->signing_input == text.substr(0, text.rfind('.')));
  const std::string rebuilt = jose::sign_compact(parts->header_json, parts->payload_json,
                                                 [&](std::span<const std::uint8_t> input) {
                                                   FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(input.data()),
                                                                               input.size()) == parts->signing_input);
                                                   return parts->signature;
                                                 });
  FUZZ_CHECK(rebuilt == text);
  FUZZ_CHECK(encode_text(parts->header_json) + "." + encode_text(parts->payload_json) == parts->signing_input);
  return 0;
}
