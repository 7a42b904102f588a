#define BOOST_TEST_MODULE credentials
#include <boost/test/unit_test.hpp>

#include "jwks/auth/credentials.h"
#include "jwks/auth/registration.h"
#include "jwks/util/form.h"

using namespace jwks::auth;

namespace {
constexpr const char* kJson = "application/json";
constexpr const char* kForm = "application/x-www-form-urlencoded";

CredentialErrorCode error_of(std::string_view type, std::string_view body,
                             std::optional<std::string_view> authz = std::nullopt) {
  auto r = parse_credentials(type, body, authz);
  BOOST_REQUIRE_MESSAGE(!r.ok(), "accepted: " << body);
  return r.error().code;
}
}  // namespace

BOOST_AUTO_TEST_CASE(json_credentials) {
  auto r = parse_credentials("application/json; charset=utf-8", R"({"username":"alice","password":"s3cret","x":1})",
                             std::nullopt);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST((r->source == CredentialSource::kJson));
  BOOST_TEST(*r->username == "alice");
  BOOST_TEST(*r->password == "s3cret");
}

BOOST_AUTO_TEST_CASE(form_credentials_are_percent_decoded) {
  auto r = parse_credentials(kForm, "username=al%C3%A9+x&password=a%26b%3Dc", std::nullopt);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST((r->source == CredentialSource::kForm));
  BOOST_TEST(*r->username == "al\xc3\xa9 x");
  BOOST_TEST(*r->password == "a&b=c");
}

BOOST_AUTO_TEST_CASE(basic_credentials_win_over_the_body) {
  // "alice:pa:ss" -> the first colon separates (RFC 7617).
  auto r = parse_credentials(kJson, R"({"username":"mallory"})", std::string_view("Basic YWxpY2U6cGE6c3M="));
  BOOST_REQUIRE(r.ok());
  BOOST_TEST((r->source == CredentialSource::kBasic));
  BOOST_TEST(*r->username == "alice");
  BOOST_TEST(*r->password == "pa:ss");
  auto lower = parse_credentials("", "", std::string_view("basic   YWxpY2U6cGE6c3M="));
  BOOST_REQUIRE(lower.ok());
  BOOST_TEST(*lower->username == "alice");
}

BOOST_AUTO_TEST_CASE(no_credentials_at_all) {
  auto r = parse_credentials("", "", std::nullopt);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST((r->source == CredentialSource::kNone));
  BOOST_TEST(!r->username.has_value());
  auto empty_json = parse_credentials(kJson, "{}", std::nullopt);
  BOOST_REQUIRE(empty_json.ok());
  BOOST_TEST(!empty_json->username.has_value());
}

BOOST_AUTO_TEST_CASE(malformed_bodies) {
  BOOST_TEST((error_of(kJson, "{\"username\":") == CredentialErrorCode::kMalformedBody));
  BOOST_TEST((error_of(kJson, "not json") == CredentialErrorCode::kMalformedBody));
  BOOST_TEST((error_of(kJson, "{\"username\":\"\xff\"}") == CredentialErrorCode::kMalformedBody));
  BOOST_TEST((error_of(kJson, "[\"alice\"]") == CredentialErrorCode::kInvalidField));
  BOOST_TEST((error_of(kJson, "\"alice\"") == CredentialErrorCode::kInvalidField));
  BOOST_TEST((error_of(kJson, R"({"username":42})") == CredentialErrorCode::kInvalidField));
  BOOST_TEST((error_of(kJson, R"({"username":"bob","password":["x"]})") == CredentialErrorCode::kInvalidField));
  BOOST_TEST((error_of(kJson, R"({"username":null})") == CredentialErrorCode::kInvalidField));
  BOOST_TEST((error_of(kJson, R"({"username":""})") == CredentialErrorCode::kInvalidField));
  BOOST_TEST((error_of(kJson, R"({"username":"a\u0000b"})") == CredentialErrorCode::kInvalidField));
  BOOST_TEST((error_of(kForm, "username=%zz") == CredentialErrorCode::kMalformedBody));
  BOOST_TEST((error_of(kForm, "username=%4") == CredentialErrorCode::kMalformedBody));
  BOOST_TEST((error_of(kForm, "username=%ff") == CredentialErrorCode::kInvalidField));   // not UTF-8
  BOOST_TEST((error_of(kForm, "username=a%0Ab") == CredentialErrorCode::kInvalidField)); // control char
  BOOST_TEST((error_of(kForm, "username=a&username=b") == CredentialErrorCode::kInvalidField));
  BOOST_TEST((error_of("text/plain", "alice") == CredentialErrorCode::kUnsupportedMediaType));
  BOOST_TEST((error_of("", "username=alice") == CredentialErrorCode::kUnsupportedMediaType));
}

BOOST_AUTO_TEST_CASE(length_limits) {
  std::string long_name(kMaxUsernameBytes + 1, 'a');
  BOOST_TEST((error_of(kJson, "{\"username\":\"" + long_name + "\"}") == CredentialErrorCode::kInvalidField));
  std::string ok_name(kMaxUsernameBytes, 'a');
  BOOST_TEST(parse_credentials(kJson, "{\"username\":\"" + ok_name + "\"}", std::nullopt).ok());
  std::string long_pw(kMaxPasswordBytes + 1, 'p');
  BOOST_TEST((error_of(kForm, "password=" + long_pw) == CredentialErrorCode::kInvalidField));
}

BOOST_AUTO_TEST_CASE(malformed_basic) {
  auto code = [](const char* header) { return error_of("", "", std::string_view(header)); };
  BOOST_TEST((code("Bearer abc") == CredentialErrorCode::kMalformedAuthorization));
  BOOST_TEST((code("Basic") == CredentialErrorCode::kMalformedAuthorization));
  BOOST_TEST((code("Basic !!!!") == CredentialErrorCode::kMalformedAuthorization));
  BOOST_TEST((code("Basic YWxpY2U=") == CredentialErrorCode::kMalformedAuthorization));  // "alice": no colon
  BOOST_TEST((code("Basic OnB3") == CredentialErrorCode::kInvalidField));                // ":pw": empty username
  // A malformed body is reported even when Basic is present.
  BOOST_TEST((error_of(kJson, "{", std::string_view("Basic YWxpY2U6cHc=")) == CredentialErrorCode::kMalformedBody));
}

BOOST_AUTO_TEST_CASE(media_type_normalisation) {
  BOOST_TEST(media_type(" Application/JSON ; charset=UTF-8") == "application/json");
  BOOST_TEST(media_type("") == "");
}

BOOST_AUTO_TEST_CASE(utf8_validation) {
  using jwks::util::is_valid_utf8;
  BOOST_TEST(is_valid_utf8("plain"));
  BOOST_TEST(is_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91"));
  BOOST_TEST(!is_valid_utf8("\xc0\xaf"));          // overlong
  BOOST_TEST(!is_valid_utf8("\xed\xa0\x80"));      // surrogate
  BOOST_TEST(!is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  BOOST_TEST(!is_valid_utf8("\xe2\x82"));          // truncated
}

BOOST_AUTO_TEST_CASE(json_members_named_twice_are_refused) {
  // Which of two passwords a parser keeps is the parser's choice: neither counts.
  BOOST_TEST((error_of(kJson, R"({"username":"alice","password":"wrong","password":"right"})") ==
              CredentialErrorCode::kInvalidField));
  BOOST_TEST((error_of(kJson, R"({"username":"a","username":"b"})") == CredentialErrorCode::kInvalidField));
  BOOST_TEST((error_of(kJson, R"({"x":1,"username":"a","x":2})") == CredentialErrorCode::kInvalidField));
  // The same name in different (nested) objects is fine.
  BOOST_TEST(parse_credentials(kJson, R"({"username":"a","x":{"username":"b"},"y":[{"x":1},{"x":2}]})", std::nullopt).ok());
  BOOST_TEST(!parse_json_object(R"({"a":1,"b":{"a":2},"a":3})").ok());
  BOOST_TEST(parse_json_object(R"({"a":1,"b":{"a":2,"a":3}})").ok());  // only the top level matters
  BOOST_TEST(parse_json_object(R"({"a":1,"b":{"a":2,"a":3}})").value()["b"]["a"] == 3);  // nothing is dropped
  BOOST_TEST((parse_json_object(R"([{"a":1,"a":2}])").error().code == CredentialErrorCode::kInvalidField));
  BOOST_TEST((parse_json_object("{not json").error().code == CredentialErrorCode::kMalformedBody));
}

// Tokens without credentials carry sub "anonymous": no user may register it.
BOOST_AUTO_TEST_CASE(the_anonymous_username_is_reserved) {
  auto refused = jwks::auth::parse_registration("application/json", R"({"username":"anonymous","email":"a@example.com"})");
  BOOST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().description.find("reserved") != std::string::npos);
  // "Anonymous" is the same name (usernames are compared in one form).
  BOOST_TEST(!jwks::auth::parse_registration("application/json", R"({"username":"Anonymous","email":"a@example.com"})").ok());
}

// Issue 12: after "alice" existed, "Alice", "alice ", " alice", alice + U+200B
// or U+202E and a name of spaces were all registered, and got tokens with
// exactly that sub. Logins and registrations now carry the enforced form, and
// refuse what has none.
BOOST_AUTO_TEST_CASE(usernames_arrive_in_their_enforced_form) {
  for (const char* body : {R"({"username":"Alice"})", R"({"username":"ALICE","password":"pw"})"}) {
    auto c = parse_credentials(kJson, body, std::nullopt);
    BOOST_REQUIRE(c.ok());
    BOOST_TEST(*c->username == "alice");
  }
  auto form = parse_credentials(kForm, "username=%EF%BC%A1lice", std::nullopt);  // fullwidth A
  BOOST_REQUIRE(form.ok());
  BOOST_TEST(*form->username == "alice");
  auto basic = parse_credentials("", "", std::string_view("Basic QUxJQ0U6cHc="));  // "ALICE:pw"
  BOOST_REQUIRE(basic.ok());
  BOOST_TEST(*basic->username == "alice");
  auto reg = jwks::auth::parse_registration("application/json", R"({"username":"Alice","email":"a@example.com"})");
  BOOST_REQUIRE(reg.ok());
  BOOST_TEST(reg->username == "alice");

  // JSON escapes, so the NUL and the invisible characters are plain to see here.
  for (const char* name : {"alice ", " alice", "   ", "alice\\u200b", "alice\\u202e", "\\u202ealice",
                           "ali\\u00adce", "alice\\ufeff", "al\\u0000ice", "alice\\u2028"}) {
    const std::string json = std::string(R"({"username":")") + name + "\"}";
    BOOST_TEST((error_of(kJson, json) == CredentialErrorCode::kInvalidField), name);
    auto r = jwks::auth::parse_registration("application/json",
                                            std::string(R"({"username":")") + name + R"(","email":"x@example.com"})");
    BOOST_TEST(!r.ok(), name);
    if (!r.ok()) BOOST_TEST((r.error().code == CredentialErrorCode::kInvalidField));
  }
}

// Form fields other than the two are ignored, as JSON members are.
BOOST_AUTO_TEST_CASE(other_form_fields_are_ignored) {
  auto r = parse_credentials(kForm, "grant_type=password&username=alice&scope=x&password=pw&username2=mallory",
                             std::nullopt);
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r->username == "alice");
  BOOST_TEST(*r->password == "pw");
  auto twice = parse_credentials(kForm, "password=pw&username=a&username=b", std::nullopt);
  BOOST_REQUIRE(!twice.ok());
  BOOST_TEST(twice.error().description == "form field username appears more than once");
  auto none = parse_credentials(kForm, "grant_type=client_credentials", std::nullopt);
  BOOST_REQUIRE(none.ok());
  BOOST_TEST(!none->username.has_value());
  BOOST_TEST(!none->password.has_value());
}

// Blanks around the Basic token are not part of it; a token of blanks, or
// one that decodes to nothing, is no credentials at all.
BOOST_AUTO_TEST_CASE(basic_tokens_lose_their_blanks) {
  auto r = parse_credentials("", "", std::string_view("Basic  YWxpY2U6cHc=   "));  // "alice:pw"
  BOOST_REQUIRE(r.ok());
  BOOST_TEST(*r->username == "alice");
  BOOST_TEST(*r->password == "pw");
  for (const char* header : {"Basic ", "Basic    ", "Basic ="}) {
    auto refused = parse_credentials("", "", std::string_view(header));
    BOOST_REQUIRE_MESSAGE(!refused.ok(), '"' << header << '"');
    BOOST_TEST((refused.error().code == CredentialErrorCode::kMalformedAuthorization), header);
    BOOST_TEST(refused.error().description == "HTTP Basic credentials are not valid base64", header);
  }
  auto no_colon = parse_credentials("", "", std::string_view("Basic YWxpY2U="));
  BOOST_REQUIRE(!no_colon.ok());
  BOOST_TEST(no_colon.error().description == "HTTP Basic credentials have no ':' between username and password");
  auto other = parse_credentials("", "", std::string_view("Digest username=alice"));
  BOOST_REQUIRE(!other.ok());
  BOOST_TEST(other.error().description == "Authorization header is not HTTP Basic");
  // An empty password is a password (the store decides whether it matches).
  auto empty_pw = parse_credentials("", "", std::string_view("Basic YWxpY2U6"));  // "alice:"
  BOOST_REQUIRE(empty_pw.ok());
  BOOST_TEST(*empty_pw->password == "");
  auto bad_pw = parse_credentials("", "", std::string_view("Basic YWxpY2U6/w=="));  // "alice:\xff"
  BOOST_REQUIRE(!bad_pw.ok());
  BOOST_TEST(bad_pw.error().description == "password is not valid UTF-8");
}

// Each rule of the e-mail check, one address breaking it next to one that
// keeps it.
BOOST_AUTO_TEST_CASE(each_email_rule_refuses_what_breaks_it) {
  const std::string local64(64, 'l'), long_domain = std::string(250 - 64, 'd') + ".com";
  for (const std::string& ok : {std::string("a@b.co"), std::string("first.last+tag@mail.example.org"),
                                local64 + "@" + long_domain.substr(0, 254 - 65)}) {
    BOOST_TEST(is_plausible_email(ok), ok);
  }
  BOOST_REQUIRE_EQUAL((local64 + "@" + long_domain.substr(0, 254 - 65)).size(), 254u);
  for (const std::string& bad : {
           std::string(""),
           local64 + "@" + std::string(186, 'd') + ".com",  // 255 bytes
           std::string("alice.example.com"),                 // no '@'
           std::string("@example.com"),                      // nothing before it
           std::string("a@b@example.com"),                   // two of them
           std::string(65, 'l') + "@example.com",           // a local part over 64 bytes
           std::string("a@b."),                              // a domain under 3 bytes
           std::string("a b@example.com"),                   // a space
           std::string("a\tb@example.com"),                  // a control character
           std::string("caf\xc3\xa9@example.com"),           // not ASCII
           std::string("a\x7f@example.com"),                 // DEL
           std::string("a<b>@example.com"), std::string("\"a\"@example.com"), std::string("a,b@example.com"),
           std::string("a;b@example.com"), std::string("a:b@example.com"), std::string("a\\b@example.com"),
           std::string("[a]@example.com"), std::string("(a)@example.com"),
           std::string(".a@example.com"),       // a local part starting with '.'
           std::string("a.@example.com"),       // ending with one
           std::string("a..b@example.com"),     // two in a row
           std::string("a@localhost"),          // a domain without a dot
           std::string("a@.com"),               // a dot first and only
           std::string("a@example."),           // a dot last
           std::string("a@.mail.example.com"),  // a domain starting with '.'
           std::string("a@-mail.example.com"),  // or with '-'
           std::string("a@mail..example.com"),  // two dots in a row
       }) {
    BOOST_TEST(!is_plausible_email(bad), bad);
  }
}

// What /register refuses, with the message the client reads.
BOOST_AUTO_TEST_CASE(registrations_are_refused_with_a_reason) {
  const struct {
    const char* type;
    const char* body;
    CredentialErrorCode code;
    const char* description;
  } cases[] = {
      {kForm, "username=alice&email=a%40example.com", CredentialErrorCode::kUnsupportedMediaType,
       "send the registration as application/json"},
      {kJson, "{\"username\":", CredentialErrorCode::kMalformedBody, "body is not valid JSON"},
      {kJson, R"({"email":"a@example.com"})", CredentialErrorCode::kInvalidField, "username is required"},
      {kJson, R"({"username":"alice"})", CredentialErrorCode::kInvalidField, "email is required"},
      {kJson, R"({"username":7,"email":"a@example.com"})", CredentialErrorCode::kInvalidField,
       "username must be a string"},
      {kJson, R"({"username":"alice","email":["a@example.com"]})", CredentialErrorCode::kInvalidField,
       "email must be a string"},
      {kJson, R"({"username":"alice","email":"alice"})", CredentialErrorCode::kInvalidField,
       "email is not a plausible e-mail address"},
      {kJson, R"({"username":"anonymous","email":"a@example.com"})", CredentialErrorCode::kInvalidField,
       "the username \"anonymous\" is reserved"},
  };
  for (const auto& c : cases) {
    auto r = parse_registration(c.type, c.body);
    BOOST_TEST_REQUIRE(!r.ok(), c.body);
    BOOST_TEST((r.error().code == c.code), c.body);
    BOOST_TEST(r.error().description == c.description, c.body);
  }
  auto ok = parse_registration("application/json; charset=utf-8", R"({"username":"Alice","email":"a@example.com","x":1})");
  BOOST_REQUIRE(ok.ok());
  BOOST_TEST(ok->username == "alice");
  BOOST_TEST(ok->email == "a@example.com");
}
