// Usernames in one canonical form (issue 12): PRECIS UsernameCaseMapped,
// RFC 8265, with ICU. Each case is an input and what it must become, or the
// code point or rule its refusal must name.
#define BOOST_TEST_MODULE username
#include <boost/test/unit_test.hpp>

#include <string>

#include "jwks/util/username.h"

using jwks::util::enforce_username;

namespace {

struct Accepted {
  const char* input;
  const char* enforced;
};

struct Refused {
  const char* input;
  const char* reason;  // a part of the description
};

}  // namespace

BOOST_AUTO_TEST_CASE(names_that_are_one_name_become_one_form) {
  const Accepted cases[] = {
      {"alice", "alice"},
      {"Alice", "alice"},
      {"ALICE", "alice"},
      {"\xef\xbc\xa1lice", "alice"},                                  // FULLWIDTH LATIN CAPITAL A (width mapping)
      {"\xef\xbd\x8a\xef\xbd\x8f\xef\xbd\x88\xef\xbd\x8e", "john"},   // fullwidth "john"
      {"E\xcc\x81mile", "\xc3\xa9mile"},                               // NFD "Émile" -> NFC "émile"
      {"\xc3\x89mile", "\xc3\xa9mile"},                                // precomposed: the same
      {"Stra\xc3\x9f" "e", "stra\xc3\x9f" "e"},                        // ß stays (RFC 5892 exception)
      {"J\xc3\xbcrgen", "j\xc3\xbcrgen"},
      {"juliet@example.com", "juliet@example.com"},                   // printable ASCII is fine
      {"o'brien-2_x+y", "o'brien-2_x+y"},
      {"Alice Smith", "alice smith"},                                 // userparts separated by one space
      {"\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0", "\xd0\xb0\xd0\xbd\xd0\xbd\xd0\xb0"},  // Cyrillic "Анна"
      {"\xce\xa3\xce\xbf\xcf\x86\xce\xaf\xce\xb1", "\xcf\x83\xce\xbf\xcf\x86\xce\xaf\xce\xb1"},  // Greek "Σοφία"
      {"\xe5\xb1\xb1\xe7\x94\xb0", "\xe5\xb1\xb1\xe7\x94\xb0"},         // "山田"
      {"\xd7\x90\xd7\x91\xd7\x92", "\xd7\x90\xd7\x91\xd7\x92"},         // Hebrew, right to left
      {"\xd8\xb9\xd8\xa8\xd8\xaf", "\xd8\xb9\xd8\xa8\xd8\xaf"},         // Arabic
      {"\xc4\xb0stanbul", "i\xcc\x87stanbul"},                          // İ: toLowerCase gives i + U+0307
      // Halfwidth katakana are <narrow> forms: width-mapped to the usual ones.
      {"\xef\xbe\x80\xef\xbe\x9b\xef\xbd\xb3", "\xe3\x82\xbf\xe3\x83\xad\xe3\x82\xa6"},  // "ﾀﾛｳ" -> "タロウ"
      // HALFWIDTH KATAKANA VOICED SOUND MARK maps to the combining U+3099,
      // which NFC then composes with the kana before it: KA + mark -> GA.
      {"\xef\xbd\xb6\xef\xbe\x9e", "\xe3\x82\xac"},                      // "ｶﾞ" -> "ガ" (U+30AC)
      // Conjoining jamo compose to the syllable (Unicode §3.12): L U+1100 +
      // V U+1161 is U+AC00, and a trailing U+11A8 makes it U+AC01.
      {"\xe1\x84\x80\xe1\x85\xa1", "\xea\xb0\x80"},
      {"\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", "\xea\xb0\x81"},
      {"\xf0\xa0\x80\x80\xf0\xa0\x80\x81", "\xf0\xa0\x80\x80\xf0\xa0\x80\x81"},  // Han outside the BMP (U+20000 U+20001)
      // RFC 5893: a right-to-left name may end in marks (rule 3 looks past
      // them) and hold European digits (rules 2 and 4).
      {"\xd7\x90\xd7\x91\xd6\xb8", "\xd7\x90\xd7\x91\xd6\xb8"},      // alef, bet, QAMATS (U+05B8)
      {"\xd7\x90\xd7\x91" "1", "\xd7\x90\xd7\x91" "1"},
  };
  for (const Accepted& c : cases) {
    auto r = enforce_username(c.input);
    BOOST_TEST_REQUIRE(r.ok(), c.input << ": " << (r.ok() ? "" : r.error()));
    BOOST_TEST(r.value() == c.enforced, c.input);
    auto again = enforce_username(r.value());  // idempotent
    BOOST_TEST_REQUIRE(again.ok());
    BOOST_TEST(again.value() == r.value());
  }
}

BOOST_AUTO_TEST_CASE(look_alikes_and_invisible_characters_are_refused) {
  const Refused cases[] = {
      {"", "empty"},
      {" ", "blank"},
      {"   ", "blank"},
      {"alice ", "space"},
      {" alice", "space"},
      {"alice  smith", "space"},
      {"alice\xe2\x80\x8b", "U+200B"},          // ZERO WIDTH SPACE
      {"alice\xe2\x80\xae", "U+202E"},          // RIGHT-TO-LEFT OVERRIDE
      {"\xe2\x80\xad" "alice", "U+202D"},       // LEFT-TO-RIGHT OVERRIDE
      {"al\xc2\xad" "ice", "U+00AD"},           // SOFT HYPHEN
      {"alice\xef\xbb\xbf", "U+FEFF"},          // ZERO WIDTH NO-BREAK SPACE (BOM)
      {"ali\xe2\x80\x8d" "ce", "U+200D"},       // ZERO WIDTH JOINER
      {"alice\xc2\xa0smith", "U+00A0"},         // NO-BREAK SPACE
      {"alice\xe3\x80\x80", "U+0020"},          // IDEOGRAPHIC SPACE, width-mapped to a space
      {"alice\tbob", "U+0009"},
      {"\xef\xac\x81nance", "U+FB01"},          // LATIN SMALL LIGATURE FI (compatibility form)
      {"\xe2\x93\x90lice", "U+24D0"},           // CIRCLED LATIN SMALL LETTER A
      {"\xe2\x99\x9a", "U+265A"},               // a chess king: a symbol
      {"alice\xe2\x80\xa8", "U+2028"},          // LINE SEPARATOR
      {"\xf3\xa0\x80\x81", "U+E0001"},          // LANGUAGE TAG
      {"\xee\x80\x80", "U+E000"},               // private use
      {"\xcd\xb8", "U+0378"},                   // unassigned
      {"abc\xd7\x90", "Bidi"},                  // left to right, then a Hebrew letter
      {"1\xd7\x90", "Bidi"},                    // a right-to-left name that starts with a digit
      // The other rules of RFC 5893 §2, one case each.
      {"\xd9\xa1\xd9\xa2", "Bidi"},              // rule 1: starts with an Arabic-Indic digit (AN)
      {"\xd7\x90" "a", "Bidi"},                  // rule 2: a left-to-right letter in a right-to-left name
      {"\xd7\x90\xd7\x91-", "Bidi"},              // rule 3: ends in a separator, not a letter or digit
      {"\xd8\xb9\xd8\xa8" "1\xd9\xa1", "Bidi"},     // rule 4: European and Arabic-Indic digits together,
      {"\xd8\xb9\xd8\xa8\xd9\xa1" "1", "Bidi"},     // in either order
      {"a\xd9\xa0", "Bidi"},                     // rule 5: an Arabic-Indic digit in a left-to-right name
      // RFC 5892 §2.6 exceptions: CONTEXTO code points (refused here, as
      // there are no context rules) and the DISALLOWED ones.
      {"l\xc2\xb7l", "U+00B7"},                  // MIDDLE DOT, as in Catalan "l·l"
      {"\xce\xb1\xcd\xb5", "U+0375"},              // GREEK LOWER NUMERAL SIGN
      {"\xd7\xb3", "U+05F3"},                    // HEBREW PUNCTUATION GERESH
      {"\xe3\x82\xbf\xe3\x83\xbb\xe3\x83\xad", "U+30FB"},  // KATAKANA MIDDLE DOT, "タ・ロ"
      {"\xd8\xb9\xd9\x80\xd8\xa8", "U+0640"},       // ARABIC TATWEEL
      {"\xdf\xba", "U+07FA"},                    // NKO LAJANYALAN
      {"\xd8\xb9\xd8\xa8\xd9\xa0", "U+0660"},       // ARABIC-INDIC DIGIT ZERO (passes the Bidi Rule)
      {"\xd8\xb9\xd8\xa8\xdb\xb0", "U+06F0"},       // EXTENDED ARABIC-INDIC DIGIT ZERO
      {"\xea\xb0\x80\xe3\x80\xae", "U+302E"},       // HANGUL SINGLE DOT TONE MARK after a syllable
      {"\xe3\x80\xb1", "U+3031"},                // VERTICAL KANA REPEAT MARK
      {"\xe3\x80\xbb", "U+303B"},                // VERTICAL IDEOGRAPHIC ITERATION MARK
      // Conjoining jamo that compose with nothing (RFC 5892 OldHangulJamo).
      {"\xe1\x84\x80", "U+1100"},                // leading
      {"\xe1\x85\xa1", "U+1161"},                // vowel
      {"\xe1\x86\xa8", "U+11A8"},                // trailing
      // Noncharacters (they are unassigned, General_Category Cn).
      {"alice\xef\xb7\x90", "U+FDD0"},
      {"\xef\xbf\xbe", "U+FFFE"},
      // Mathematical alphanumerics are font variants (<font> decomposition).
      {"\xf0\x9d\x90\x9a\xf0\x9d\x90\xa5\xf0\x9d\x90\xa2\xf0\x9d\x90\x9c\xf0\x9d\x90\x9e", "U+1D41A"},  // bold "alice"
      {"bad\xff", "UTF-8"},
  };
  for (const Refused& c : cases) {
    auto r = enforce_username(c.input);
    BOOST_TEST_REQUIRE(!r.ok(), c.input << " was accepted as " << (r.ok() ? r.value() : ""));
    BOOST_TEST(r.error().find(c.reason) != std::string::npos, c.input << ": " << r.error());
  }
  auto nul = enforce_username(std::string_view("al\0ice", 6));
  BOOST_TEST_REQUIRE(!nul.ok());
  BOOST_TEST(nul.error().find("U+0000") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(length_is_bounded_before_and_after) {
  BOOST_TEST(enforce_username(std::string(256, 'a')).ok());
  BOOST_TEST(!enforce_username(std::string(257, 'a')).ok());
  // 128 x "İ" is 256 bytes; lower-cased it is 384 (i + U+0307 each): too long.
  std::string dotted;
  for (int i = 0; i < 128; ++i) dotted += "\xc4\xb0";
  auto r = enforce_username(dotted);
  BOOST_TEST_REQUIRE(!r.ok());
  BOOST_TEST(r.error().find("256") != std::string::npos);
}

// Found by review: PRECIS alone let a mixed-script twin ("аlice" with a
// Cyrillic а) and a lone combining mark through.
BOOST_AUTO_TEST_CASE(mixed_scripts_and_leading_combining_marks_are_refused) {
  const Refused cases[] = {
      {"\xd0\xb0lice", "writing systems"},        // Cyrillic а + Latin
      {"al\xd1\x96" "ce", "writing systems"},      // Latin + Cyrillic і
      {"\xce\xb1lpha", "writing systems"},         // Greek α + Latin
      {"\xcc\x81", "combining mark"},              // U+0301 alone
      {"alice \xcc\x81x", "combining mark"},       // a part that begins with U+0301
      // Marks of canonical combining class 0 count too, of each kind.
      {"\xe0\xa4\x82", "combining mark (U+0902)"},  // DEVANAGARI SIGN ANUSVARA (Mn)
      {"\xe0\xa4\x83", "combining mark (U+0903)"},  // DEVANAGARI SIGN VISARGA (Mc)
      {"\xe2\x83\x9d", "combining mark (U+20DD)"},  // COMBINING ENCLOSING CIRCLE (Me)
      // UTS #39 mixed numbers: BENGALI DIGIT FOUR looks like 8.
      {"0\xe0\xa7\xaa", "digits of different numbering systems"},
      {"1\xe0\xa5\xa8", "digits of different numbering systems"},  // 1 and DEVANAGARI DIGIT TWO
  };
  for (const Refused& c : cases) {
    auto r = jwks::util::enforce_username(c.input);
    BOOST_TEST_REQUIRE(!r.ok(), c.input << " was accepted as " << (r.ok() ? r.value() : ""));
    BOOST_TEST(r.error().find(c.reason) != std::string::npos, c.input << ": " << r.error());
  }
  // One script, or a script with the ones it is written with, stays allowed.
  for (const char* ok : {"\xd0\xb0\xd0\xbd\xd0\xbd\xd0\xb0", "\xe5\xb1\xb1\xe7\x94\xb0 taro",
                         "\xe3\x82\xbf\xe3\x83\xad\xe3\x82\xa6", "r\xc3\xa9my-2",
                         "\xe0\xa7\xaa\xe0\xa7\xaa"})  // two Bengali digits: one numbering system
    BOOST_TEST(jwks::util::enforce_username(ok).ok(), ok);
}

// Names that look alike share a skeleton; the store keeps names unique by it.
BOOST_AUTO_TEST_CASE(look_alike_names_share_a_skeleton) {
  using jwks::util::username_skeleton;
  auto same = [&](const char* a, const char* b) {
    auto ea = jwks::util::enforce_username(a), eb = jwks::util::enforce_username(b);
    BOOST_TEST_REQUIRE((ea.ok() && eb.ok()), a << " / " << b);
    return username_skeleton(ea.value()) == username_skeleton(eb.value());
  };
  BOOST_TEST(same("alice", "al\xc4\xb1" "ce"));                  // dotless ı
  BOOST_TEST(same("\xce\xb1\xcf\x82", "\xce\xb1\xcf\x83"));       // ας and ασ: one name regardless of case
  BOOST_TEST(same("modern", "rnodern"));
  BOOST_TEST(same("paypal", "paypa1"));
  BOOST_TEST(same("ace", "\xd0\xb0\xd1\x81\xd0\xb5"));            // Latin "ace", Cyrillic "асе"
  BOOST_TEST(same("Stra\xc3\x9f" "e", "strasse"));                // ß folds to ss
  BOOST_TEST(!same("alice", "bob"));
  BOOST_TEST(!same("alice", "alicia"));
}
