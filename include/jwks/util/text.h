// Small text helpers shared by the parsers.
#pragma once

#include <string_view>

namespace jwks::util {

// `s` without the spaces and tabs at either end (HTTP's optional whitespace,
// RFC 9110 §5.6.3).
constexpr std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace jwks::util
