#include "jwks/jose/jws.h"

#include "jwks/jose/base64url.h"

namespace jwks::jose {

std::string sign_compact(std::string_view header_json, std::string_view payload_json, const SignFunction& sign) {
  std::string out = base64url_encode(header_json);
  out += '.';
  out += base64url_encode(payload_json);
  std::vector<std::uint8_t> sig =
      sign(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(out.data()), out.size()));
  out += '.';
  out += base64url_encode(sig);
  return out;
}

std::optional<CompactParts> parse_compact(std::string_view token) {
  std::size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  auto header = base64url_decode(token.substr(0, first));
  auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  auto signature = base64url_decode(token.substr(second + 1));
  if (!header || !payload || !signature) return std::nullopt;
  return CompactParts{std::string(token.substr(0, second)), std::string(header->begin(), header->end()),
                      std::string(payload->begin(), payload->end()), std::move(*signature)};
}

}  // namespace jwks::jose
