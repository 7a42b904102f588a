#include "jwks/util/username.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

namespace jwks::util {
namespace {

using U16 = std::vector<UChar>;

std::string code_point_name(UChar32 c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

template <typename F>
void for_each_code_point(const U16& s, F&& f) {
  for (int32_t i = 0; i < static_cast<int32_t>(s.size());) {
    UChar32 c;
    U16_NEXT(s.data(), i, static_cast<int32_t>(s.size()), c);
    f(c);
  }
}

// Runs an ICU "preflight then fill" string function into a vector.
template <typename F>
bool icu_string(U16& out, F&& call) {
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = call(out.data(), static_cast<int32_t>(out.size()), &err);
  if (err == U_BUFFER_OVERFLOW_ERROR || n > static_cast<int32_t>(out.size())) {
    out.assign(static_cast<std::size_t>(n), 0);
    err = U_ZERO_ERROR;
    n = call(out.data(), n, &err);
  }
  if (U_FAILURE(err)) return false;
  out.resize(static_cast<std::size_t>(n));
  return true;
}

// RFC 5892 §2.6: code points whose class the general rules would get wrong.
enum class Exception { kNone, kPvalid, kDisallowed };
Exception exception_for(UChar32 c) {
  switch (c) {
    case 0x00DF: case 0x03C2: case 0x06FD: case 0x06FE: case 0x0F0B: case 0x3007:
      return Exception::kPvalid;
    // CONTEXTO (refused here: no context rules) and DISALLOWED.
    case 0x00B7: case 0x0375: case 0x05F3: case 0x05F4: case 0x30FB:
    case 0x0640: case 0x07FA: case 0x302E: case 0x302F: case 0x303B:
      return Exception::kDisallowed;
    default:
      break;
  }
  if ((c >= 0x0660 && c <= 0x0669) || (c >= 0x06F0 && c <= 0x06F9) || (c >= 0x3031 && c <= 0x3035))
    return Exception::kDisallowed;
  return Exception::kNone;
}

void append_code_point(U16& out, UChar32 c) {
  UChar buf[2];
  int32_t len = 0;
  U16_APPEND_UNSAFE(buf, len, c);
  out.insert(out.end(), buf, buf + len);
}

bool has_compat(UChar32 c, const UNormalizer2* nfkc) {
  UChar in[2];
  int32_t len = 0;
  U16_APPEND_UNSAFE(in, len, c);
  UChar out[32];
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = unorm2_normalize(nfkc, in, len, out, 32, &err);
  return U_FAILURE(err) || n != len || !std::equal(in, in + len, out);
}

// RFC 8264 §8 (IdentifierClass): is `c` PVALID?
bool identifier_valid(UChar32 c, const UNormalizer2* nfkc) {
  if (const Exception e = exception_for(c); e != Exception::kNone) return e == Exception::kPvalid;
  const int8_t type = u_charType(c);
  if (type == U_UNASSIGNED) return false;
  if (c >= 0x21 && c <= 0x7E) return true;  // ASCII7
  if (u_hasBinaryProperty(c, UCHAR_JOIN_CONTROL)) return false;  // CONTEXTJ, refused
  const int32_t hangul = u_getIntPropertyValue(c, UCHAR_HANGUL_SYLLABLE_TYPE);
  if (hangul == U_HST_LEADING_JAMO || hangul == U_HST_VOWEL_JAMO || hangul == U_HST_TRAILING_JAMO) return false;
  // Noncharacters need no test of their own: they are Cn, refused above.
  if (u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return false;
  if (type == U_CONTROL_CHAR) return false;
  if (has_compat(c, nfkc)) return false;
  switch (type) {
    case U_LOWERCASE_LETTER: case U_UPPERCASE_LETTER: case U_OTHER_LETTER: case U_DECIMAL_DIGIT_NUMBER:
    case U_MODIFIER_LETTER: case U_NON_SPACING_MARK: case U_COMBINING_SPACING_MARK:
      return true;
    default:
      return false;  // spaces, symbols, punctuation, other letter-digits, format, private use, ...
  }
}

// RFC 5893 §2, for a userpart that holds right-to-left code points.
bool bidi_rule_holds(const U16& part) {
  std::vector<UCharDirection> dirs;
  for_each_code_point(part, [&](UChar32 c) { dirs.push_back(u_charDirection(c)); });
  if (dirs.empty()) return true;
  const auto is = [](UCharDirection d, std::initializer_list<UCharDirection> set) {
    return std::find(set.begin(), set.end(), d) != set.end();
  };
  const UCharDirection first = dirs.front();
  if (!is(first, {U_LEFT_TO_RIGHT, U_RIGHT_TO_LEFT, U_RIGHT_TO_LEFT_ARABIC})) return false;  // rule 1
  const bool rtl = first != U_LEFT_TO_RIGHT;
  std::size_t last = dirs.size();  // rule 1 made dirs[0] strong: the loop stops there at the latest
  while (dirs[last - 1] == U_DIR_NON_SPACING_MARK) --last;
  bool en = false, an = false;
  for (UCharDirection d : dirs) {
    en = en || d == U_EUROPEAN_NUMBER;
    an = an || d == U_ARABIC_NUMBER;
    if (rtl && !is(d, {U_RIGHT_TO_LEFT, U_RIGHT_TO_LEFT_ARABIC, U_ARABIC_NUMBER, U_EUROPEAN_NUMBER,
                       U_EUROPEAN_NUMBER_SEPARATOR, U_COMMON_NUMBER_SEPARATOR, U_EUROPEAN_NUMBER_TERMINATOR,
                       U_OTHER_NEUTRAL, U_BOUNDARY_NEUTRAL, U_DIR_NON_SPACING_MARK}))
      return false;  // rule 2
    if (!rtl && !is(d, {U_LEFT_TO_RIGHT, U_EUROPEAN_NUMBER, U_EUROPEAN_NUMBER_SEPARATOR, U_COMMON_NUMBER_SEPARATOR,
                        U_EUROPEAN_NUMBER_TERMINATOR, U_OTHER_NEUTRAL, U_BOUNDARY_NEUTRAL, U_DIR_NON_SPACING_MARK}))
      return false;  // rule 5
  }
  const UCharDirection end = dirs[last - 1];
  if (rtl) {
    if (!is(end, {U_RIGHT_TO_LEFT, U_RIGHT_TO_LEFT_ARABIC, U_EUROPEAN_NUMBER, U_ARABIC_NUMBER})) return false;  // 3
    if (en && an) return false;  // rule 4
  } else if (!is(end, {U_LEFT_TO_RIGHT, U_EUROPEAN_NUMBER})) {
    return false;  // rule 6
  }
  return true;
}

bool has_rtl(const U16& part) {
  bool rtl = false;
  for_each_code_point(part, [&](UChar32 c) {
    const UCharDirection d = u_charDirection(c);
    rtl = rtl || d == U_RIGHT_TO_LEFT || d == U_RIGHT_TO_LEFT_ARABIC || d == U_ARABIC_NUMBER;
  });
  return rtl;
}

// One userpart through the UsernameCaseMapped rules; its enforced form is
// appended to `out`, or the problem returned.
std::optional<std::string> enforce_part(const U16& input, const UNormalizer2* nfc, const UNormalizer2* nfkc,
                                        const UNormalizer2* nfkd, U16& out) {
  // 1. Width mapping: <wide> and <narrow> compatibility forms to their mapping.
  U16 mapped;
  for_each_code_point(input, [&](UChar32 c) {
    const int32_t type = u_getIntPropertyValue(c, UCHAR_DECOMPOSITION_TYPE);
    if (type == U_DT_WIDE || type == U_DT_NARROW) {
      UChar buf[8];
      UErrorCode err = U_ZERO_ERROR;
      const int32_t n = unorm2_getRawDecomposition(nfkd, c, buf, 8, &err);
      if (U_SUCCESS(err) && n > 0) {
        mapped.insert(mapped.end(), buf, buf + n);
        return;
      }
    }
    append_code_point(mapped, c);
  });
  // 2. No additional mapping. 3. Case mapping: toLowerCase, root locale.
  U16 lower(mapped.size() + 8);
  if (!icu_string(lower, [&](UChar* d, int32_t cap, UErrorCode* e) {
        return u_strToLower(d, cap, mapped.data(), static_cast<int32_t>(mapped.size()), "", e);
      }))
    return std::string("username cannot be case-mapped");
  // 4. NFC.
  U16 normal(lower.size() + 8);
  if (!icu_string(normal, [&](UChar* d, int32_t cap, UErrorCode* e) {
        return unorm2_normalize(nfc, lower.data(), static_cast<int32_t>(lower.size()), d, cap, e);
      }))
    return std::string("username cannot be normalized");
  // 5. Directionality.
  if (has_rtl(normal) && !bidi_rule_holds(normal))
    return std::string("username mixes writing directions in a way the Bidi Rule (RFC 5893) does not allow");
  // Every code point of the result must be valid in IdentifierClass, and a
  // part may not begin with a combining mark (RFC 5891 §5.4).
  if (!normal.empty()) {
    int32_t i = 0;
    UChar32 first;
    U16_NEXT(normal.data(), i, static_cast<int32_t>(normal.size()), first);
    if (u_getCombiningClass(first) != 0 || u_charType(first) == U_NON_SPACING_MARK ||
        u_charType(first) == U_COMBINING_SPACING_MARK || u_charType(first) == U_ENCLOSING_MARK)
      return "username parts may not begin with a combining mark (" + code_point_name(first) + ")";
  }
  std::optional<std::string> problem;
  for_each_code_point(normal, [&](UChar32 c) {
    if (!problem && !identifier_valid(c, nfkc))
      problem = "username contains " + code_point_name(c) +
                ", which is not allowed (only letters, digits and printable ASCII; no spaces at either end, "
                "no control, format or invisible characters)";
  });
  if (problem) return problem;
  out.insert(out.end(), normal.begin(), normal.end());
  return std::nullopt;
}

struct SpoofCloser {
  void operator()(USpoofChecker* sc) const noexcept { uspoof_close(sc); }
};
using SpoofPtr = std::unique_ptr<USpoofChecker, SpoofCloser>;

// One checker for the process (ICU's spoof checkers are thread-safe for use
// once configured): single script or the highly restrictive combinations,
// one numbering system.
const USpoofChecker* spoof_checker() {
  static const SpoofPtr checker = [] {
    UErrorCode err = U_ZERO_ERROR;
    SpoofPtr sc(uspoof_open(&err));
    uspoof_setChecks(sc.get(), USPOOF_RESTRICTION_LEVEL | USPOOF_MIXED_NUMBERS, &err);
    uspoof_setRestrictionLevel(sc.get(), USPOOF_HIGHLY_RESTRICTIVE);
    if (U_FAILURE(err)) sc.reset();
    return sc;
  }();
  return checker.get();
}

}  // namespace

std::string username_skeleton(std::string_view enforced) {
  UErrorCode err = U_ZERO_ERROR;
  U16 text(enforced.size() + 1);
  icu_string(text, [&](UChar* d, int32_t cap, UErrorCode* e) {
    int32_t n = 0;
    u_strFromUTF8(d, cap, &n, enforced.data(), static_cast<int32_t>(enforced.size()), e);
    return n;
  });
  U16 folded(text.size() + 8);
  icu_string(folded, [&](UChar* d, int32_t cap, UErrorCode* e) {
    return u_strFoldCase(d, cap, text.data(), static_cast<int32_t>(text.size()), U_FOLD_CASE_DEFAULT, e);
  });
  U16 skeleton(folded.size() * 2 + 8);
  const USpoofChecker* sc = spoof_checker();
  if (sc == nullptr ||
      !icu_string(skeleton, [&](UChar* d, int32_t cap, UErrorCode* e) {
        return uspoof_getSkeleton(sc, 0, folded.data(), static_cast<int32_t>(folded.size()), d, cap, e);
      }))
    skeleton = folded;  // no spoof data: the case fold still makes "ας" and "ασ" one
  // Folded again: the skeleton maps some letters to capitals ("0" to "O").
  U16 refolded(skeleton.size() + 8);
  if (icu_string(refolded, [&](UChar* d, int32_t cap, UErrorCode* e) {
        return u_strFoldCase(d, cap, skeleton.data(), static_cast<int32_t>(skeleton.size()), U_FOLD_CASE_DEFAULT, e);
      }))
    skeleton = refolded;
  std::string utf8(skeleton.size() * 3 + 1, '\0');
  int32_t n = 0;
  u_strToUTF8(utf8.data(), static_cast<int32_t>(utf8.size()), &n, skeleton.data(),
              static_cast<int32_t>(skeleton.size()), &err);
  utf8.resize(U_SUCCESS(err) ? static_cast<std::size_t>(n) : 0);
  return utf8;
}

Result<std::string, std::string> enforce_username(std::string_view input) {
  if (input.empty()) return fail(std::string("username must not be empty"));
  if (input.size() > kMaxUsernameBytes) return fail(std::string("username is longer than 256 bytes"));
  U16 text(input.size() + 1);
  if (!icu_string(text, [&](UChar* d, int32_t cap, UErrorCode* e) {
        int32_t n = 0;
        u_strFromUTF8(d, cap, &n, input.data(), static_cast<int32_t>(input.size()), e);
        return n;
      }))
    return fail(std::string("username is not valid UTF-8"));

  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2* nfc = unorm2_getNFCInstance(&err);
  const UNormalizer2* nfkc = unorm2_getNFKCInstance(&err);
  const UNormalizer2* nfkd = unorm2_getNFKDInstance(&err);
  if (U_FAILURE(err)) return fail(std::string("Unicode data is unavailable"));

  // Userparts separated by exactly one U+0020: none may be empty.
  U16 out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != u' ') continue;
    if (i == start) {
      return fail(std::string(std::all_of(text.begin(), text.end(), [](UChar c) { return c == u' '; })
                                  ? "username must not be blank"
                                  : "username must not begin or end with a space, nor hold two in a row"));
    }
    if (!out.empty()) out.push_back(u' ');
    if (auto problem = enforce_part(U16(text.begin() + static_cast<std::ptrdiff_t>(start),
                                        text.begin() + static_cast<std::ptrdiff_t>(i)),
                                    nfc, nfkc, nfkd, out))
      return fail(*problem);
    start = i + 1;
  }
  std::string utf8(out.size() * 3 + 1, '\0');
  err = U_ZERO_ERROR;
  int32_t n = 0;
  u_strToUTF8(utf8.data(), static_cast<int32_t>(utf8.size()), &n, out.data(), static_cast<int32_t>(out.size()), &err);
  if (U_FAILURE(err)) return fail(std::string("username cannot be encoded"));
  utf8.resize(static_cast<std::size_t>(n));
  if (utf8.size() > kMaxUsernameBytes) return fail(std::string("username is longer than 256 bytes"));
  // One script (UTS #39 "highly restrictive"), one numbering system.
  const USpoofChecker* sc = spoof_checker();
  if (sc == nullptr) return fail(std::string("Unicode data is unavailable"));
  err = U_ZERO_ERROR;
  const int32_t failed = uspoof_check2UTF8(sc, utf8.data(), static_cast<int32_t>(utf8.size()), nullptr, &err);
  if (U_FAILURE(err)) return fail(std::string("username cannot be checked"));
  if (failed & USPOOF_MIXED_NUMBERS) return fail(std::string("username mixes digits of different numbering systems"));
  if (failed != 0)
    return fail(std::string("username mixes writing systems (one script per name, such as Latin, Cyrillic or "
                            "Greek; Han with kana; any of them with Latin for Chinese, Japanese and Korean)"));
  return utf8;
}

}  // namespace jwks::util
