// application/x-www-form-urlencoded parsing (also used for query strings).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jwks::util {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// Splits on '&', then on the first '=', and percent-decodes names and values
// ('+' is a space). Empty segments are skipped. Returns nullopt for a bad
// percent escape ("%4", "%zz").
std::optional<FormFields> parse_form(std::string_view text);

// True if `text` is well-formed UTF-8 (no overlongs, surrogates or code points
// above U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace jwks::util
