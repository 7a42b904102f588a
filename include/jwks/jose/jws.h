// JWS compact serialization (RFC 7515 §7.1). No OpenSSL here: the signature
// is computed by a caller-supplied function, so this layer only shapes bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace jwks::jose {

// Signs the JWS signing input (ASCII "b64(header).b64(payload)") and returns
// the raw signature bytes.
using SignFunction = std::function<std::vector<std::uint8_t>(std::span<const std::uint8_t>)>;

// Returns b64(header_json) "." b64(payload_json) "." b64(sign(signing input)).
// The JSON texts are encoded byte for byte as given.
std::string sign_compact(std::string_view header_json, std::string_view payload_json, const SignFunction& sign);

struct CompactParts {
  std::string signing_input;           // "b64(header).b64(payload)"
  std::string header_json;             // decoded
  std::string payload_json;            // decoded
  std::vector<std::uint8_t> signature; // decoded
};

// Splits and decodes a compact JWS; nullopt unless it has exactly three
// strictly base64url-encoded parts.
std::optional<CompactParts> parse_compact(std::string_view token);

}  // namespace jwks::jose
