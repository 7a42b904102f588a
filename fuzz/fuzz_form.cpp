// application/x-www-form-urlencoded bodies and query strings (util::parse_form,
// which the router also uses for ?expired=), and the UTF-8 validator.
// Input: the raw text.
#include <algorithm>
#include <cctype>
#include <string>

#include "fuzz_check.h"
#include "jwks/util/base64.h"
#include "jwks/util/form.h"

using namespace jwks;

namespace {

// parse_form fails exactly when some '%' is not followed by two hex digits.
bool escapes_well_formed(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (i + 2 >= text.size() || util::hex_digit_value(text[i + 1]) < 0 || util::hex_digit_value(text[i + 2]) < 0)
      return false;
  }
  return true;
}

std::string encode_component(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c == ' ') out += '+';
    else if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
    else out += {'%', kHex[c >> 4], kHex[c & 15]};
  }
  return out;
}

// RFC 3629 §4, written as the table of well-formed byte sequences.
bool reference_utf8(std::string_view text) {
  auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  std::size_t i = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  while (i < n) {
    const unsigned char c = s[i];
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xbf;  // range of the second byte
    if (c <= 0x7f) len = 1;
    else if (in(c, 0xc2, 0xdf)) len = 2;
    else if (c == 0xe0) { len = 3; lo = 0xa0; }
    else if (in(c, 0xe1, 0xec) || in(c, 0xee, 0xef)) len = 3;
    else if (c == 0xed) { len = 3; hi = 0x9f; }
    else if (c == 0xf0) { len = 4; lo = 0x90; }
    else if (in(c, 0xf1, 0xf3)) len = 4;
    else if (c == 0xf4) { len = 4; hi = 0x8f; }
    else return false;
    if (n - i < len) return false;
    if (len > 1 && !in(s[i + 1], lo, hi)) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (!in(s[i + k], 0x80, 0xbf)) return false;
    i += len;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);

  FUZZ_CHECK(util::is_valid_utf8(text) == reference_utf8(text));

  auto fields = util::parse_form(text);
  FUZZ_CHECK(fields.has_value() == escapes_well_formed(text));
  if (!fields) return 0;

  // Decoding only shrinks, and there are no more fields than segments.
  std::size_t total = 0;
  for (const auto& [name, value] : *fields) total += name.size() + value.size();
  FUZZ_CHECK(total <= text.size());
  FUZZ_CHECK(fields->size() <= static_cast<std::size_t>(std::count(text.begin(), text.end(), '&')) + 1);

  // Encoding the fields again gives a text that parses to the same fields.
  std::string again;
  for (const auto& [name, value] : *fields) {
    if (!again.empty()) again += '&';
    again += encode_component(name) + "=" + encode_component(value);
  }
  auto reparsed = util::parse_form(again);
  FUZZ_CHECK(reparsed && *reparsed == *fields);
  return 0;
}
