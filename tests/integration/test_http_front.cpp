// The contract's HTTP behaviour, spoken with libcurl to a real front (started
// by with-lighttpd.sh, which exports JWKS_BASE_URL and JWKS_DB).
#define BOOST_TEST_MODULE http_front
#include <boost/test/unit_test.hpp>

#include <curl/curl.h>

#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "jwks/crypto/rsa.h"
#include "jwks/crypto/signature.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jws.h"
#include "jwks/store/database.h"
#include "jwks/store/statement.h"

using namespace jwks;

namespace {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

std::string base_url() {
  const char* b = std::getenv("JWKS_BASE_URL");
  if (b == nullptr) throw std::runtime_error("JWKS_BASE_URL is not set: run through with-lighttpd.sh");
  return b;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
  }
  return size * n;
}

HttpResponse http(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::vector<std::string>& headers = {}) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  BOOST_REQUIRE(curl);
  HttpResponse r;
  std::string url = base_url() + path;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &r.headers);
  if (method == "HEAD") {
    curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list(nullptr, curl_slist_free_all);
  // Without an explicit type, curl would label every body as a form.
  std::vector<std::string> all = headers;
  bool has_type = false;
  for (const auto& h : headers) has_type |= h.rfind("Content-Type:", 0) == 0;
  if (!has_type) all.push_back("Content-Type:");
  all.push_back("Expect:");
  for (const auto& h : all) list.reset(curl_slist_append(list.release(), h.c_str()));
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, list.get());
  CURLcode rc = curl_easy_perform(curl.get());
  BOOST_REQUIRE_MESSAGE(rc == CURLE_OK, method << " " << path << ": " << curl_easy_strerror(rc));
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

void expect_json_error(const HttpResponse& r, long status, const std::string& error) {
  BOOST_TEST(r.status == status);
  BOOST_TEST(r.header("content-type") == "application/json");
  auto j = r.json();
  BOOST_TEST(j["error"] == error);
  BOOST_TEST(j["error_description"].is_string());
}

nlohmann::json jwks_keys() {
  HttpResponse r = http("GET", "/.well-known/jwks.json");
  BOOST_REQUIRE_EQUAL(r.status, 200);
  return r.json().at("keys");
}

struct Token {
  nlohmann::json header, claims;
  jose::CompactParts parts;
};

Token get_token(const std::string& query, const std::string& body, const std::vector<std::string>& headers) {
  HttpResponse r = http("POST", "/auth" + query, body, headers);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.status << " " << r.body);
  BOOST_TEST(r.header("cache-control") == "no-store");
  auto parts = jose::parse_compact(r.json().at("token").get<std::string>());
  BOOST_REQUIRE(parts.has_value());
  return Token{nlohmann::json::parse(parts->header_json), nlohmann::json::parse(parts->payload_json), *parts};
}

// Verifies the token's RS256 signature with the JWKS key of the same kid.
bool verifies_against_jwks(const Token& t, const nlohmann::json& keys) {
  for (const auto& k : keys) {
    if (k.at("kid") != t.header.at("kid")) continue;
    auto n = jose::base64url_decode(k.at("n").get<std::string>());
    auto e = jose::base64url_decode(k.at("e").get<std::string>());
    BOOST_REQUIRE(n && e);
    crypto::PkeyPtr pub = crypto::rsa_public_key(*n, *e);
    std::span<const std::uint8_t> input(reinterpret_cast<const std::uint8_t*>(t.parts.signing_input.data()),
                                        t.parts.signing_input.size());
    return crypto::verify_rs256(*pub, input, t.parts.signature);
  }
  return false;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};
BOOST_TEST_GLOBAL_FIXTURE(CurlGlobal);

}  // namespace

BOOST_AUTO_TEST_CASE(root_answers) {
  HttpResponse get = http("GET", "/");
  BOOST_TEST(get.status == 200);
  BOOST_TEST(get.body == "JWKS Server Running!");
  BOOST_TEST(get.header("content-type").rfind("text/plain", 0) == 0u);
  HttpResponse head = http("HEAD", "/");
  BOOST_TEST(head.status == 200);
  BOOST_TEST(head.body.empty());
}

BOOST_AUTO_TEST_CASE(jwks_lists_unexpired_rsa_keys) {
  nlohmann::json keys = jwks_keys();
  BOOST_REQUIRE(!keys.empty());
  for (const auto& k : keys) {
    BOOST_TEST(k.at("kty") == "RSA");
    BOOST_TEST(k.at("use") == "sig");
    BOOST_TEST(k.at("alg") == "RS256");
    BOOST_TEST(k.at("kid").is_string());
    BOOST_TEST(jose::base64url_decode(k.at("n").get<std::string>())->size() == 256u);  // RSA-2048
    BOOST_TEST(k.at("e") == "AQAB");
    BOOST_TEST(!k.contains("d"));
  }
  HttpResponse head = http("HEAD", "/.well-known/jwks.json");
  BOOST_TEST(head.status == 200);
  BOOST_TEST(head.body.empty());
}

BOOST_AUTO_TEST_CASE(tokens_verify_against_the_served_jwks) {
  const std::time_t now = std::time(nullptr);
  Token json = get_token("", R"({"username":"alice","password":"x"})", {"Content-Type: application/json"});
  Token form = get_token("", "username=bob&password=y", {"Content-Type: application/x-www-form-urlencoded"});
  Token basic = get_token("", "", {"Authorization: Basic Y2Fyb2w6eg=="});  // carol:z
  Token anonymous = get_token("", "", {});
  nlohmann::json keys = jwks_keys();
  for (const Token* t : {&json, &form, &basic, &anonymous}) {
    BOOST_TEST(t->header.at("alg") == "RS256");
    BOOST_TEST(t->header.at("typ") == "JWT");
    BOOST_TEST(verifies_against_jwks(*t, keys));
    BOOST_TEST(t->claims.at("exp").get<std::int64_t>() > now);
    BOOST_TEST(t->claims.at("iat").get<std::int64_t>() <= now + 5);
  }
  BOOST_TEST(json.claims.at("sub") == "alice");
  BOOST_TEST(form.claims.at("sub") == "bob");
  BOOST_TEST(basic.claims.at("sub") == "carol");
  BOOST_TEST(anonymous.claims.at("sub") == "anonymous");
}

BOOST_AUTO_TEST_CASE(expired_token_kid_is_absent_from_the_jwks) {
  Token expired = get_token("?expired=true", "", {});
  nlohmann::json keys = jwks_keys();
  for (const auto& k : keys) BOOST_TEST(k.at("kid") != expired.header.at("kid"));
  BOOST_TEST(!verifies_against_jwks(expired, keys));
  BOOST_TEST(expired.claims.at("exp").get<std::int64_t>() < std::time(nullptr));
}

BOOST_AUTO_TEST_CASE(method_not_allowed_matrix) {
  for (const char* m : {"GET", "PUT", "DELETE", "PATCH", "HEAD"}) {
    HttpResponse r = http(m, "/auth");
    BOOST_TEST(r.status == 405, m);
    BOOST_TEST(r.header("allow") == "POST", m);
    if (std::string(m) != "HEAD") expect_json_error(r, 405, "method_not_allowed");
  }
  for (const char* m : {"POST", "PUT", "DELETE", "PATCH"}) {
    HttpResponse r = http(m, "/.well-known/jwks.json");
    expect_json_error(r, 405, "method_not_allowed");
    BOOST_TEST(r.header("allow") == "GET, HEAD", m);
  }
}

BOOST_AUTO_TEST_CASE(errors_are_json) {
  expect_json_error(http("GET", "/no/such/path"), 404, "not_found");
  expect_json_error(http("POST", "/auth", "{not json", {"Content-Type: application/json"}), 400, "invalid_request");
  expect_json_error(http("POST", "/auth", "alice", {"Content-Type: text/plain"}), 415, "unsupported_media_type");
  expect_json_error(http("POST", "/auth", "", {"Authorization: Basic %%%"}), 400, "invalid_request");
  expect_json_error(http("POST", "/auth?expired=perhaps"), 400, "invalid_request");
}

BOOST_AUTO_TEST_CASE(oversized_body_is_refused_and_the_server_keeps_answering) {
  std::string big = R"({"username":")" + std::string(20 * 1024, 'a') + R"("})";
  expect_json_error(http("POST", "/auth", big, {"Content-Type: application/json"}), 413, "payload_too_large");
  std::string at_limit = R"({"username":"dave","pad":")" + std::string(16 * 1024 - 40, 'p') + R"("})";
  BOOST_REQUIRE_LE(at_limit.size(), 16u * 1024);
  BOOST_TEST(http("POST", "/auth", at_limit, {"Content-Type: application/json"}).status == 200);
  BOOST_TEST(http("GET", "/").status == 200);
}

BOOST_AUTO_TEST_CASE(private_keys_are_stored_encrypted) {
  const char* path = std::getenv("JWKS_DB");
  BOOST_REQUIRE(path != nullptr);
  store::Database db(path, store::DatabaseOptions{5000, false});
  store::Statement s(db, "SELECT key, exp FROM keys");
  int rows = 0, expired = 0;
  while (s.step()) {
    ++rows;
    auto blob = s.column_blob(0);
    BOOST_REQUIRE_GT(blob.size(), 29u);
    BOOST_TEST(blob[0] == 1);  // envelope version, not PEM ('-') nor DER (0x30)
    std::string text(blob.begin(), blob.end());
    BOOST_TEST(text.find("PRIVATE KEY") == std::string::npos);
    if (s.column_int64(1) <= std::time(nullptr)) ++expired;
  }
  BOOST_TEST(rows >= 2);
  BOOST_TEST(expired >= 1);  // expired-token mode keeps an expired key
}
