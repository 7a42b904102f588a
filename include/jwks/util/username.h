// Usernames in one canonical form, so that two names a person (or a
// downstream system that trims or folds case) would take for one are one.
#pragma once

#include <string>
#include <string_view>

#include "jwks/util/result.h"

namespace jwks::util {

// The longest username accepted, before and after enforcement, in bytes.
inline constexpr std::size_t kMaxUsernameBytes = 256;

// Enforces the PRECIS UsernameCaseMapped profile (RFC 8265 §3.3, on RFC 8264's
// IdentifierClass) with ICU, userparts separated by single spaces (§3.5):
//   width mapping (fullwidth and halfwidth forms to their plain ones), case
//   mapping (Unicode toLowerCase), NFC, the Bidi Rule (RFC 5893) for a
//   userpart that holds right-to-left characters, then every code point
//   must be valid in IdentifierClass: letters and digits of any script
//   (Ll Lu Lo Lm Nd Mn Mc) and printable ASCII. Refused: a name that is empty
//   or only spaces, leading, trailing or doubled spaces, other spaces,
//   control and format characters (bidi overrides, zero-width characters,
//   default-ignorable ones), unassigned code points, symbols and punctuation
//   outside ASCII, characters with a compatibility decomposition
//   (ligatures, circled letters), and the code points RFC 8264 leaves to
//   context rules (U+200C/U+200D, U+00B7, ...), which are refused here.
// Beyond PRECIS, from Unicode's security mechanisms (UTS #39) and IDNA
// (RFC 5891 §5.4): a name must be in one script (with Han, Hiragana and
// Katakana together, plus Latin; "highly restrictive"), use digits of one
// numbering system, and no part may begin with a combining mark.
// Returns the enforced form ("Alice" -> "alice"), or a description of the
// first problem for a 400 (it names a code point as U+XXXX, never echoes the
// input). Enforcing an enforced form gives it back unchanged.
Result<std::string, std::string> enforce_username(std::string_view input);

// What two names that look alike have in common (the UTS #39 skeleton of the
// name's full case folding, folded again): "alice" and "alıce" (dotless i),
// "ας" and "ασ", "modern" and "rnodern", "bob" and "b0b" share one. Names are unique by it, so a look-alike of
// a registered name cannot be registered. `enforced` is an enforced form.
std::string username_skeleton(std::string_view enforced);

}  // namespace jwks::util
