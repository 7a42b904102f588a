// Hostile input through the real front (issue 7): a table of malformed or
// malicious requests, each sent through lighttpd or Apache (started by
// with-front.sh, which exports JWKS_BASE_URL, JWKS_DB and JWKS_FRONT) to the
// real responders. Every case must get its 4xx (a JSON error when the
// responder answers), store nothing it should not, lose nothing stored, and
// leave the server answering GET /.
//
// libcurl sends what it can express; a raw socket on 127.0.0.1 sends the rest
// (NUL bytes in the request line, no Content-Length, a truncated body, a
// client that sends one byte at a time).
#define BOOST_TEST_MODULE hostile
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "jwks/jose/base64url.h"
#include "jwks/jose/jws.h"
#include "http_client.h"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// ---------------------------------------------------------------- environment

std::string env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) throw std::runtime_error(std::string(name) + " is not set: run through with-front.sh");
  return v;
}

std::string front_name() {
  const char* f = std::getenv("JWKS_FRONT");
  return f ? f : "";
}

// ---------------------------------------------------------------- responses

struct Answer {
  bool answered = false;  // false: the connection closed without a status line
  long status = 0;
  int responses = 1;      // raw socket: status lines seen (the requests ask for Connection: close)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

void add_header_line(std::string line, std::map<std::string, std::string>& headers) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  auto colon = line.find(':');
  if (colon == std::string::npos) return;
  std::string value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
  headers[lower(line.substr(0, colon))] = value;
}

// ---------------------------------------------------------------- libcurl

// Sends one request (tests/support/http_client.h: headers as given, the path
// as is). A transport failure is a test failure.
Answer curl_request(const std::string& method, const std::string& target, const std::vector<std::string>& headers,
                    const std::string& body) {
  const jwks::test::HttpAnswer h = jwks::test::http_request(method, target, headers, body);
  Answer r;
  r.status = h.status;
  r.headers = h.headers;
  r.body = h.body;
  r.answered = true;
  return r;
}

// ---------------------------------------------------------------- raw socket

class Socket {
 public:
  Socket() {
    const std::string base = env("JWKS_BASE_URL");
    const std::string prefix = "http://127.0.0.1:";
    if (base.rfind(prefix, 0) != 0) throw std::runtime_error("JWKS_BASE_URL is not on 127.0.0.1: " + base);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(base.substr(prefix.size()))));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("cannot connect to " + base);
    }
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // False once the peer has stopped accepting data (it answered early and closed).
  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // Everything the peer sends until it closes, or until `deadline`
  // (then timed_out is set).
  std::string read_until_close(Clock::time_point deadline, bool& timed_out) {
    std::string out;
    timed_out = false;
    char buf[16384];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      pollfd p{fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, static_cast<int>(left));
      if (rc == 0) continue;  // the next pass sees the deadline
      if (rc < 0) break;
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;  // closed or reset
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
};

Answer parse_raw(const std::string& bytes) {
  Answer a;
  if (bytes.rfind("HTTP/", 0) != 0) return a;
  std::size_t end = bytes.find("\r\n\r\n");
  std::string head = bytes.substr(0, end);
  a.body = end == std::string::npos ? std::string() : bytes.substr(end + 4);
  std::size_t sp = head.find(' ');
  if (sp == std::string::npos) return a;
  a.answered = true;
  a.status = std::strtol(head.c_str() + sp + 1, nullptr, 10);
  for (std::size_t at = bytes.find("\r\nHTTP/1."); at != std::string::npos; at = bytes.find("\r\nHTTP/1.", at + 2))
    ++a.responses;
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos < head.size()) {
    std::size_t next = head.find("\r\n", pos + 2);
    add_header_line(head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2), a.headers);
    pos = next;
  }
  return a;
}

// ---------------------------------------------------------------- the table

enum class Via {
  kCurl,       // method, target, headers, body through libcurl
  kRaw,        // `raw` bytes at once, then read until the server closes
  kHalfClose,  // `raw` bytes at once, then shut down the sending side (a client that gives up)
  kSlow,       // `raw` bytes one at a time, paced, checking GET / in between
};

enum class By {
  kResponder,  // jwks-fcgi answers: a JSON error body for a 4xx
  kFront,      // the web server answers itself (its own page, not JSON)
  kNobody,     // the connection is closed without an answer
};

struct Expect {
  long status = 0;
  std::string error;  // the JSON "error" code for a 4xx from the responder
  By by = By::kResponder;
};

struct Case {
  std::string category{};
  std::string name{};
  Via via = Via::kCurl;
  std::string method = "POST";
  std::string target{};
  std::vector<std::string> headers{};
  std::string body{};
  std::string raw{};                // Via::kRaw / kHalfClose / kSlow: the request bytes
  std::size_t slow_from = 0;      // Via::kSlow: bytes before this offset go at once
  Expect expect{};
  std::optional<Expect> apache{};   // what Apache (mod_fcgid) does differently
  int logins = 0;                 // auth_logs rows this case may add
  std::string registers{};          // the username this case registers (201)
  std::string sub{};                // a 200 /auth: the token's subject
};

Expect json_error(long status, std::string error) { return Expect{status, std::move(error), By::kResponder}; }
Expect ok(long status) { return Expect{status, "", By::kResponder}; }
Expect nobody() { return Expect{0, "", By::kNobody}; }

const std::string kJson = "Content-Type: application/json";
const std::string kForm = "Content-Type: application/x-www-form-urlencoded";

std::string b64(std::string_view text) { return jwks::test::base64(text); }
std::string basic(const std::string& user, const std::string& password) {
  return jwks::test::basic_authorization(user, password);
}
std::string creds(const std::string& user, const std::string& password) {
  return nlohmann::json{{"username", user}, {"password", password}}.dump();
}
std::string registration(const std::string& user, const std::string& email) {
  return nlohmann::json{{"username", user}, {"email", email}}.dump();
}

// A request written out byte for byte: HTTP/1.1, Host, Connection: close,
// the given header lines, then the body (Content-Length is whatever the
// header lines say: none is added).
std::string raw_request(const std::string& request_line, const std::vector<std::string>& headers,
                        const std::string& body = "") {
  std::string r = request_line + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& h : headers) r += h + "\r\n";
  return r + "\r\n" + body;
}
std::string length(std::size_t n) { return "Content-Length: " + std::to_string(n); }

struct User {
  std::string name, email, password;
};

std::vector<Case> make_cases(const User& alice, const User& bob, const User& carol, const std::string& tag) {
  std::vector<Case> t;
  const std::string deep_arrays = std::string(5000, '[') + std::string(5000, ']');
  std::string deep_object = "{\"username\":";
  for (int i = 0; i < 2000; ++i) deep_object += "{\"a\":";
  deep_object += "1" + std::string(2001, '}');
  std::string many_keys = "{";
  for (int i = 0; i < 1200; ++i) many_keys += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  many_keys += "\"username\":7}";
  const std::string over_limit = R"({"username":"x","pad":")" + std::string(20 * 1024, 'p') + R"("})";
  const std::string injected = "robert'); drop table users;--" + tag;  // in its enforced (lower-case) form
  const std::string login_alice = creds(alice.name, alice.password);

  // -- invalid JSON
  t.push_back({.category = "invalid-json", .name = "truncated object", .target = "/auth", .headers = {kJson},
               .body = R"({"username":"x")", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-json", .name = "trailing garbage", .target = "/auth", .headers = {kJson},
               .body = creds(alice.name, alice.password) + " trailing", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-json", .name = "single quotes", .target = "/auth", .headers = {kJson},
               .body = "{'username':'x','password':'y'}", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-json", .name = "comment inside", .target = "/auth", .headers = {kJson},
               .body = R"({"username":"x" /* hi */})", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-json", .name = "NaN literal", .target = "/auth", .headers = {kJson},
               .body = R"({"username":"x","password":NaN})", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-json", .name = "whitespace only", .target = "/auth", .headers = {kJson},
               .body = " \r\n\t ", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-json", .name = "register: empty JSON body", .target = "/register",
               .headers = {kJson}, .body = "", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-json", .name = "register: truncated", .target = "/register", .headers = {kJson},
               .body = R"({"username":"mallory-)" + tag + R"(","email":"m@example.com")",
               .expect = json_error(400, "invalid_request")});

  // -- deeply nested and huge JSON
  t.push_back({.category = "nested-huge-json", .name = "5000 nested arrays", .target = "/auth", .headers = {kJson},
               .body = deep_arrays, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nested-huge-json", .name = "username 2000 objects deep", .target = "/auth",
               .headers = {kJson}, .body = deep_object, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nested-huge-json", .name = "8000 unclosed brackets", .target = "/auth",
               .headers = {kJson}, .body = std::string(8000, '['), .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nested-huge-json", .name = "register: 5000 nested arrays", .target = "/register",
               .headers = {kJson}, .body = deep_arrays, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nested-huge-json", .name = "15 KiB username", .target = "/auth", .headers = {kJson},
               .body = creds(std::string(15000, 'u'), "x"), .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nested-huge-json", .name = "2000-byte password of a real user", .target = "/auth",
               .headers = {kJson}, .body = creds(alice.name, std::string(2000, 'p')),
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nested-huge-json", .name = "1200 keys then a numeric username", .target = "/auth",
               .headers = {kJson}, .body = many_keys, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nested-huge-json", .name = "number overflow", .target = "/auth", .headers = {kJson},
               .body = R"({"username":"x","password":1e999999})", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nested-huge-json", .name = "register: 15 KiB email", .target = "/register",
               .headers = {kJson}, .body = registration("mallory-" + tag, std::string(15000, 'e') + "@example.com"),
               .expect = json_error(400, "invalid_request")});

  // -- wrong types
  t.push_back({.category = "wrong-types", .name = "username is a number", .target = "/auth", .headers = {kJson},
               .body = R"({"username":42,"password":"x"})", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "wrong-types", .name = "password is an array", .target = "/auth", .headers = {kJson},
               .body = R"({"username":")" + alice.name + R"(","password":["a","b"]})",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "wrong-types", .name = "username is null", .target = "/auth", .headers = {kJson},
               .body = R"({"username":null,"password":"x"})", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "wrong-types", .name = "body is an array", .target = "/auth", .headers = {kJson},
               .body = R"(["alice","pw"])", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "wrong-types", .name = "body is a string", .target = "/auth", .headers = {kJson},
               .body = R"("alice:pw")", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "wrong-types", .name = "register: email is an object", .target = "/register",
               .headers = {kJson}, .body = R"({"username":"mallory-)" + tag + R"(","email":{"a":"b@c.de"}})",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "wrong-types", .name = "register: username is a boolean", .target = "/register",
               .headers = {kJson}, .body = R"({"username":true,"email":"mallory@example.com"})",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "wrong-types", .name = "register: email missing", .target = "/register",
               .headers = {kJson}, .body = R"({"username":"mallory-)" + tag + R"("})",
               .expect = json_error(400, "invalid_request")});

  // -- NUL bytes
  t.push_back({.category = "nul-bytes", .name = "escaped NUL in username", .target = "/auth", .headers = {kJson},
               .body = R"({"username":")" + alice.name + R"(\u0000","password":"x"})",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nul-bytes", .name = "raw NUL inside a JSON string", .target = "/auth",
               .headers = {kJson}, .body = std::string("{\"username\":\"ad\0min\"}", 21),
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nul-bytes", .name = "form username with %00", .target = "/auth", .headers = {kForm},
               .body = "username=" + alice.name + "%00&password=x", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nul-bytes", .name = "register: NUL in username", .target = "/register",
               .headers = {kJson}, .body = R"({"username":"mallory\u0000)" + tag + R"(","email":"nul@example.com"})",
               .expect = json_error(400, "invalid_request")});
  // lighttpd refuses control characters in the URL, even percent-encoded.
  t.push_back({.category = "nul-bytes", .name = "expired=%00", .target = "/auth?expired=%00", .expect = json_error(400, "invalid_request"),
               .apache = json_error(400, "invalid_request")});
  t.push_back({.category = "nul-bytes", .name = "NUL in the request line", .via = Via::kRaw,
               .raw = raw_request(std::string("GET /\0 HTTP/1.1", 15), {}), .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "nul-bytes", .name = "NUL in a header value", .via = Via::kRaw,
               .raw = raw_request("POST /auth HTTP/1.1", {std::string("Content-Type: application/json\0x", 32),
                                                          length(2)}, "{}"),
               .expect = json_error(400, "invalid_request")});

  // -- invalid UTF-8
  t.push_back({.category = "invalid-utf8", .name = "raw 0xff in a JSON username", .target = "/auth",
               .headers = {kJson}, .body = "{\"username\":\"\xff\xfe\",\"password\":\"x\"}",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-utf8", .name = "lone surrogate escape", .target = "/auth", .headers = {kJson},
               .body = R"({"username":"\ud800","password":"x"})", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-utf8", .name = "form: overlong '/' in username", .target = "/auth",
               .headers = {kForm}, .body = "username=%C0%AFetc&password=x", .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-utf8", .name = "form: real user, password not UTF-8", .target = "/auth",
               .headers = {kForm}, .body = "username=" + alice.name + "&password=%ff%fe",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-utf8", .name = "Basic: username not UTF-8", .target = "/auth",
               .headers = {basic("\xff\xfe", "pw")}, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "invalid-utf8", .name = "register: overlong bytes in username", .target = "/register",
               .headers = {kJson}, .body = "{\"username\":\"m\xc0\xaf" + tag + "\",\"email\":\"utf@example.com\"}",
               .expect = json_error(400, "invalid_request")});

  // -- SQL injection (values are bound: nothing matches, nothing is dropped)
  t.push_back({.category = "sql-injection", .name = "password ' OR '1'='1", .target = "/auth", .headers = {kJson},
               .body = creds(alice.name, "' OR '1'='1"), .expect = json_error(401, "invalid_client")});
  t.push_back({.category = "sql-injection", .name = "form password ' OR 1=1 --", .target = "/auth",
               .headers = {kForm}, .body = "username=" + bob.name + "&password=%27+OR+1%3D1+--",
               .expect = json_error(401, "invalid_client")});
  t.push_back({.category = "sql-injection", .name = "Basic password '--", .target = "/auth",
               .headers = {basic(carol.name, "x' --")}, .expect = json_error(401, "invalid_client")});
  t.push_back({.category = "sql-injection", .name = "expired=true' OR 1=1", .target = "/auth?expired=true'%20OR%201=1",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "sql-injection", .name = "register: DROP TABLE with a taken email",
               .target = "/register", .headers = {kJson},
               .body = registration("x'); DROP TABLE users;--" + tag, alice.email),
               .expect = json_error(409, "conflict")});
  t.push_back({.category = "sql-injection", .name = "register: ' OR 1=1 -- in the email",
               .target = "/register", .headers = {kJson},
               .body = registration("mallory-" + tag, "x' OR 1=1 --@example.com"),
               .expect = json_error(400, "invalid_request")});
  // A forwarded-for value that is not an address is refused: neither the
  // proxy's address nor the text may stand for the client (issue 12).
  t.push_back({.category = "sql-injection", .name = "SQL in X-Forwarded-For", .target = "/auth",
               .headers = {basic(bob.name, bob.password), "X-Forwarded-For: 1.2.3.4'); DROP TABLE auth_logs;--"},
               .expect = json_error(400, "invalid_request")});
  // Open mode: an unknown name gets a token for exactly that name, and the
  // real user it tries to comment its way into is not logged in.
  t.push_back({.category = "sql-injection", .name = "(succeeds) username '--' is taken literally",
               .target = "/auth", .headers = {kJson}, .body = creds(alice.name + "' --", "x"), .expect = ok(200),
               .sub = alice.name + "' --"});
  t.push_back({.category = "sql-injection", .name = "(succeeds) register a DROP TABLE username",
               .target = "/register", .headers = {kJson}, .body = registration(injected, "robert-" + tag + "@example.com"),
               .expect = ok(201), .registers = injected});

  // -- duplicate and conflicting credentials
  t.push_back({.category = "duplicate-conflicting", .name = "JSON: password twice (wrong, then right)",
               .target = "/auth", .headers = {kJson},
               .body = R"({"username":")" + alice.name + R"(","password":"wrong","password":")" + alice.password + R"("})",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "duplicate-conflicting", .name = "JSON: username twice", .target = "/auth",
               .headers = {kJson},
               .body = R"({"username":"nobody","username":")" + bob.name + R"(","password":")" + bob.password + R"("})",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "duplicate-conflicting", .name = "form: password twice", .target = "/auth",
               .headers = {kForm}, .body = "username=" + bob.name + "&password=wrong&password=" + bob.password,
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "duplicate-conflicting", .name = "form: two usernames", .target = "/auth",
               .headers = {kForm}, .body = "username=" + alice.name + "&username=" + bob.name + "&password=x",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "duplicate-conflicting", .name = "wrong Basic, right password in the body",
               .target = "/auth", .headers = {kJson, basic(alice.name, "wrong")}, .body = login_alice,
               .expect = json_error(401, "invalid_client")});
  t.push_back({.category = "duplicate-conflicting", .name = "valid Basic, malformed body", .target = "/auth",
               .headers = {kJson, basic(alice.name, alice.password)}, .body = "{\"username\":",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "duplicate-conflicting", .name = "two Authorization headers", .target = "/auth",
               .headers = {basic(alice.name, alice.password), basic(bob.name, bob.password)},
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "duplicate-conflicting", .name = "register: taken username", .target = "/register",
               .headers = {kJson}, .body = registration(alice.name, "other-" + tag + "@example.com"),
               .expect = json_error(409, "conflict")});
  t.push_back({.category = "duplicate-conflicting", .name = "register: taken email in upper case",
               .target = "/register", .headers = {kJson}, .body = registration("mallory-" + tag, upper(bob.email)),
               .expect = json_error(409, "conflict")});
  t.push_back({.category = "duplicate-conflicting", .name = "register: one user's name, another's email",
               .target = "/register", .headers = {kJson}, .body = registration(alice.name, bob.email),
               .expect = json_error(409, "conflict")});
  t.push_back({.category = "duplicate-conflicting", .name = "register: username twice", .target = "/register",
               .headers = {kJson},
               .body = R"({"username":"mallory-)" + tag + R"(","username":")" + alice.name + R"(","email":"dup-)" +
                       tag + R"(@example.com"})",
               .expect = json_error(400, "invalid_request")});
  // docs/http-api.md: Basic wins when both are present; the body cannot change who logs in.
  t.push_back({.category = "duplicate-conflicting", .name = "(succeeds) Basic wins over a body naming another user",
               .target = "/auth", .headers = {kJson, basic(alice.name, alice.password)},
               .body = creds(bob.name, bob.password), .expect = ok(200), .logins = 1, .sub = alice.name});

  // -- malformed Basic
  t.push_back({.category = "malformed-basic", .name = "Basic without credentials", .target = "/auth",
               .headers = {"Authorization: Basic"}, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "malformed-basic", .name = "not base64", .target = "/auth",
               .headers = {"Authorization: Basic !!!!"}, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "malformed-basic", .name = "no colon", .target = "/auth",
               .headers = {"Authorization: Basic " + b64(alice.name)}, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "malformed-basic", .name = "empty username", .target = "/auth",
               .headers = {"Authorization: Basic " + b64(":" + alice.password)},
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "malformed-basic", .name = "NUL inside the username", .target = "/auth",
               .headers = {"Authorization: Basic " + b64(std::string("ali\0ce:pw", 9))},
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "malformed-basic", .name = "Bearer instead of Basic", .target = "/auth",
               .headers = {"Authorization: Bearer eyJhbGciOiJub25lIn0.e30."}, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "malformed-basic", .name = "Digest instead of Basic", .target = "/auth",
               .headers = {"Authorization: Digest username=\"" + alice.name + "\", realm=\"x\""},
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "malformed-basic", .name = "5 KiB Basic username", .target = "/auth",
               .headers = {basic(std::string(4000, 'u'), "pw")}, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "malformed-basic", .name = "real user, wrong password", .target = "/auth",
               .headers = {basic(bob.name, bob.password + "x")}, .expect = json_error(401, "invalid_client")});

  // -- long URLs
  t.push_back({.category = "long-url", .name = "8 KiB query on /auth", .target = "/auth?expired=" + std::string(8 * 1024, 'x'),
               .expect = json_error(431, "request_header_fields_too_large"), .apache = json_error(414, "uri_too_long")});
  t.push_back({.category = "long-url", .name = "8 KiB path", .method = "GET", .target = "/" + std::string(8 * 1024, 'a'),
               .expect = json_error(431, "request_header_fields_too_large"), .apache = json_error(414, "uri_too_long")});
  t.push_back({.category = "long-url", .name = "4 KiB query on /auth", .target = "/auth?expired=" + std::string(4 * 1024, 'x'),
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "long-url", .name = "4 KiB unknown path", .method = "GET",
               .target = "/" + std::string(4 * 1024, 'a'), .expect = json_error(404, "not_found"),
               // Apache maps the path to a file first: a segment over NAME_MAX is its own 403.
               .apache = json_error(403, "forbidden")});
  t.push_back({.category = "long-url", .name = "expired given twice, one bad", .target = "/auth?expired=true&expired=maybe",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "long-url", .name = "bad percent escape in the query", .target = "/auth?expired=%zz",
               .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "long-url", .name = "dot segments past the root", .method = "GET",
               .target = "/../../../etc/passwd", .expect = json_error(404, "not_found"), .apache = json_error(400, "invalid_request")});
  t.push_back({.category = "long-url", .name = "%00 in the path", .method = "GET", .target = "/auth%00.json",
               .expect = json_error(400, "invalid_request"), .apache = json_error(404, "not_found")});
  t.push_back({.category = "long-url", .name = "trailing slash", .target = "/register/", .headers = {kJson},
               .body = registration("mallory-" + tag, "slash-" + tag + "@example.com"),
               .expect = json_error(404, "not_found")});

  // -- bodies over the limit
  t.push_back({.category = "body-limit", .name = "20 KiB JSON to /auth", .target = "/auth", .headers = {kJson},
               .body = over_limit, .expect = json_error(413, "payload_too_large")});
  t.push_back({.category = "body-limit", .name = "20 KiB JSON to /register", .target = "/register", .headers = {kJson},
               .body = R"({"username":"big-)" + tag + R"(","email":"big@example.com","pad":")" +
                       std::string(20 * 1024, 'p') + R"("})",
               .expect = json_error(413, "payload_too_large")});
  t.push_back({.category = "body-limit", .name = "20 KiB form", .target = "/auth", .headers = {kForm},
               .body = "username=x&pad=" + std::string(20 * 1024, 'p'), .expect = json_error(413, "payload_too_large")});
  t.push_back({.category = "body-limit", .name = "20 KiB chunked", .target = "/auth",
               .headers = {kJson, "Transfer-Encoding: chunked"}, .body = over_limit,
               .expect = json_error(413, "payload_too_large")});
  t.push_back({.category = "body-limit", .name = "200 KiB JSON", .target = "/auth", .headers = {kJson},
               .body = R"({"pad":")" + std::string(200 * 1024, 'p') + R"("})", .expect = json_error(413, "payload_too_large"),
               .apache = json_error(413, "payload_too_large")});
  t.push_back({.category = "body-limit", .name = "declared 1 GB, nothing sent", .via = Via::kHalfClose,
               .raw = raw_request("POST /auth HTTP/1.1", {kJson, length(1000000000)}),
               .expect = json_error(413, "payload_too_large")});
  // Issue 12: a 1 MB body got the fronts' HTML 413. Every size gets the JSON one.
  t.push_back({.category = "body-limit", .name = "1 MB JSON to /register", .target = "/register", .headers = {kJson},
               .body = R"({"username":"huge-)" + tag + R"(","email":"huge@example.com","pad":")" +
                       std::string(1000 * 1000, 'p') + R"("})",
               .expect = json_error(413, "payload_too_large")});
  t.push_back({.category = "body-limit", .name = "1 MB form to /auth", .target = "/auth", .headers = {kForm},
               .body = "username=x&pad=" + std::string(1000 * 1000, 'p'), .expect = json_error(413, "payload_too_large")});
  t.push_back({.category = "body-limit", .name = "3 MB JSON to /auth", .target = "/auth", .headers = {kJson},
               .body = R"({"pad":")" + std::string(3 * 1000 * 1000, 'p') + R"("})",
               .expect = json_error(413, "payload_too_large")});
  t.push_back({.category = "body-limit", .name = "1.5 MB chunked", .target = "/auth",
               .headers = {kJson, "Transfer-Encoding: chunked"},
               .body = R"({"pad":")" + std::string(1500 * 1000, 'p') + R"("})",
               .expect = json_error(413, "payload_too_large"),
               // mod_fcgid's own limit for a body of unknown length (docs/deployment.md): a 500, in the JSON shape.
               .apache = json_error(500, "server_error")});

  // -- malformed HTTP framing (raw)
  t.push_back({.category = "framing", .name = "POST without Content-Length", .via = Via::kRaw,
               .raw = raw_request("POST /auth HTTP/1.1", {kJson}), .expect = json_error(411, "length_required"),
               // Apache reads it as an empty body (RFC 9112 §6.3): an anonymous token in open mode.
               .apache = ok(200)});
  t.push_back({.category = "framing", .name = "negative Content-Length", .via = Via::kRaw,
               .raw = raw_request("POST /auth HTTP/1.1", {kJson, "Content-Length: -5"}, "{}"), .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "framing", .name = "non-numeric Content-Length", .via = Via::kRaw,
               .raw = raw_request("POST /auth HTTP/1.1", {kJson, "Content-Length: 2x"}, "{}"), .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "framing", .name = "Content-Length with chunked (smuggling)", .via = Via::kRaw,
               .raw = raw_request("POST /auth HTTP/1.1", {kJson, length(4), "Transfer-Encoding: chunked"},
                                  "2\r\n{}\r\n0\r\n\r\nGET /register HTTP/1.1\r\nHost: x\r\n\r\n"),
               .expect = json_error(400, "invalid_request"),
               // Apache follows Transfer-Encoding and then closes: one answer, the smuggled GET is never read.
               .apache = ok(200)});
  t.push_back({.category = "framing", .name = "Host with a space", .target = "/auth",
               .headers = {"Host: exa mple.com"}, .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "framing", .name = "header line without a colon", .via = Via::kRaw,
               .raw = raw_request("GET / HTTP/1.1", {"this is not a header"}), .expect = json_error(400, "invalid_request")});
  t.push_back({.category = "framing", .name = "truncated body, then the client gives up", .via = Via::kHalfClose,
               .raw = raw_request("POST /register HTTP/1.1", {kJson, length(100)}, R"({"username":"trunc)"),
               .expect = nobody(), .apache = json_error(500, "server_error")});

  // -- slow clients (paced one byte at a time; GET / is checked in between)
  {
    const std::string body = creds(carol.name, carol.password);
    const std::string r = raw_request("POST /auth HTTP/1.1", {kJson, length(body.size()), "X-Forwarded-For: {XFF}"}, body);
    t.push_back({.category = "slow-client", .name = "(succeeds) slow body, valid login", .via = Via::kSlow, .raw = r,
                 .slow_from = r.size() - body.size(), .expect = ok(200), .logins = 1, .sub = carol.name});
  }
  {
    const std::string body = R"({"username":")" + bob.name + R"(","password":)";
    const std::string r = raw_request("POST /auth HTTP/1.1", {kJson, length(body.size()), "X-Forwarded-For: {XFF}"}, body);
    t.push_back({.category = "slow-client", .name = "slow headers and body, malformed JSON", .via = Via::kSlow,
                 .raw = r, .slow_from = 0, .expect = json_error(400, "invalid_request")});
  }
  {
    const std::string body = registration("slow-" + tag, "slow-" + tag + "@example.com");
    const std::string r = raw_request("POST /register HTTP/1.1", {kJson, length(body.size() + 50)}, body);
    t.push_back({.category = "slow-client", .name = "slow body that stops short, then gives up", .via = Via::kSlow,
                 .raw = r, .slow_from = r.size() - body.size(), .expect = nobody(), .apache = json_error(500, "server_error")});
  }

  // -- content types, methods and paths
  t.push_back({.category = "type-method-path", .name = "text/plain credentials", .target = "/auth",
               .headers = {"Content-Type: text/plain"}, .body = alice.name + ":" + alice.password,
               .expect = json_error(415, "unsupported_media_type")});
  t.push_back({.category = "type-method-path", .name = "body without a Content-Type", .target = "/auth",
               .body = login_alice, .expect = json_error(415, "unsupported_media_type")});
  t.push_back({.category = "type-method-path", .name = "application/jsonx", .target = "/auth",
               .headers = {"Content-Type: application/jsonx"}, .body = login_alice,
               .expect = json_error(415, "unsupported_media_type")});
  t.push_back({.category = "type-method-path", .name = "register as a form", .target = "/register",
               .headers = {kForm}, .body = "username=mallory&email=m%40example.com",
               .expect = json_error(415, "unsupported_media_type")});
  t.push_back({.category = "type-method-path", .name = "register as multipart", .target = "/register",
               .headers = {"Content-Type: multipart/form-data; boundary=x"},
               .body = "--x\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nmallory\r\n--x--\r\n",
               .expect = json_error(415, "unsupported_media_type")});
  t.push_back({.category = "type-method-path", .name = "PUT /register", .method = "PUT", .target = "/register",
               .headers = {kJson}, .body = registration("put-" + tag, "put-" + tag + "@example.com"),
               .expect = json_error(405, "method_not_allowed")});
  t.push_back({.category = "type-method-path", .name = "DELETE /auth", .method = "DELETE", .target = "/auth",
               .expect = json_error(405, "method_not_allowed")});
  t.push_back({.category = "type-method-path", .name = "PROPFIND /auth", .method = "PROPFIND", .target = "/auth",
               .expect = json_error(405, "method_not_allowed")});
  t.push_back({.category = "type-method-path", .name = "POST to the JWKS", .target = "/.well-known/jwks.json",
               .headers = {kJson}, .body = login_alice, .expect = json_error(405, "method_not_allowed")});
  t.push_back({.category = "type-method-path", .name = "wrong case path", .target = "/AUTH", .headers = {kJson},
               .body = login_alice, .expect = json_error(404, "not_found")});

  // -- usernames (issue 12): look-alikes of a registered name are that name or none
  const auto upper = [](std::string n) {
    for (char& ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return n;
  };
  t.push_back({.category = "username", .name = "register the upper-case twin", .target = "/register",
               .headers = {kJson}, .body = registration(upper(alice.name), "twin-" + tag + "@example.com"),
               .expect = json_error(409, "conflict")});
  t.push_back({.category = "username", .name = "register the fullwidth twin", .target = "/register",
               .headers = {kJson}, .body = registration("\xef\xbd\x81" + alice.name.substr(1), "fw-" + tag + "@example.com"),
               .expect = json_error(409, "conflict")});
  for (const auto& [what, name] : std::vector<std::pair<std::string, std::string>>{
           {"a trailing space", alice.name + " "},
           {"a leading space", " " + alice.name},
           {"only spaces", "   "},
           {"a zero-width space", alice.name + "\xe2\x80\x8b"},
           {"a right-to-left override", alice.name + "\xe2\x80\xae"},
           {"a soft hyphen", "al\xc2\xad" + alice.name.substr(2)},
           {"a no-break space inside", "alice\xc2\xa0" + tag},
           {"a tab inside", "alice\t" + tag}}) {
    t.push_back({.category = "username", .name = "register with " + what, .target = "/register", .headers = {kJson},
                 .body = registration(name, "lookalike-" + std::to_string(t.size()) + "-" + tag + "@example.com"),
                 .expect = json_error(400, "invalid_request")});
    t.push_back({.category = "username", .name = "log in with " + what, .target = "/auth", .headers = {kJson},
                 .body = creds(name, alice.password), .expect = json_error(400, "invalid_request")});
  }
  // The upper-case twin is alice herself: her password logs her in, no password is refused.
  t.push_back({.category = "username", .name = "(succeeds) log in as the upper-case twin", .target = "/auth",
               .headers = {kJson}, .body = creds(upper(alice.name), alice.password), .expect = ok(200), .logins = 1,
               .sub = alice.name});
  t.push_back({.category = "username", .name = "the upper-case twin without a password", .target = "/auth",
               .headers = {kJson}, .body = R"({"username":")" + upper(alice.name) + R"("})",
               .expect = json_error(401, "invalid_client")});

  // -- forwarded addresses (issue 12): one client in every spelling
  for (const char* xff : {"unknown", "1.2.3.4.5", "[2001:db8::1", "evil.example", "1.2.3.4:x"}) {
    t.push_back({.category = "address", .name = std::string("X-Forwarded-For: ") + xff, .target = "/auth",
                 .headers = {"X-Forwarded-For: " + std::string(xff)}, .expect = json_error(400, "invalid_request")});
  }
  for (const char* xff : {"[2001:db8:77::1]:443", "198.51.100.77:5000", "::ffff:198.51.100.78"}) {
    t.push_back({.category = "address", .name = std::string("(succeeds) X-Forwarded-For: ") + xff, .target = "/auth",
                 .headers = {basic(bob.name, bob.password), "X-Forwarded-For: " + std::string(xff)}, .expect = ok(200),
                 .logins = 1, .sub = bob.name});
  }

  // -- requests that must succeed (the table is not trivially refusing everything)
  t.push_back({.category = "succeeds", .name = "JSON login with a charset parameter", .target = "/auth",
               .headers = {"Content-Type: Application/JSON; charset=utf-8"}, .body = login_alice, .expect = ok(200),
               .logins = 1, .sub = alice.name});
  t.push_back({.category = "succeeds", .name = "form login", .target = "/auth", .headers = {kForm},
               .body = "username=" + bob.name + "&password=" + bob.password, .expect = ok(200), .logins = 1,
               .sub = bob.name});
  t.push_back({.category = "succeeds", .name = "Basic login", .target = "/auth",
               .headers = {basic(carol.name, carol.password)}, .expect = ok(200), .logins = 1, .sub = carol.name});
  t.push_back({.category = "succeeds", .name = "the key set", .method = "GET", .target = "/.well-known/jwks.json",
               .expect = ok(200)});
  return t;
}

// ---------------------------------------------------------------- the store, read-only

class ReadOnlyDb {
 public:
  ReadOnlyDb() {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(env("JWKS_DB").c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot open JWKS_DB read-only");
    sqlite3_busy_timeout(raw, 5000);
  }
  // Each row's columns as text (NULL as "").
  std::vector<std::vector<std::string>> rows(const char* sql) const {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("prepare: ") + sqlite3_errmsg(db_.get()));
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, sqlite3_finalize);
    std::vector<std::vector<std::string>> out;
    int rc;
    while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(raw); ++i) {
        const void* blob = sqlite3_column_blob(raw, i);
        row.emplace_back(blob ? std::string(static_cast<const char*>(blob), sqlite3_column_bytes(raw, i)) : "");
      }
      out.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("step: ") + sqlite3_errmsg(db_.get()));
    return out;
  }
  std::int64_t count(const char* sql) const { return std::stoll(rows(sql).at(0).at(0)); }

 private:
  std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db_{nullptr, sqlite3_close_v2};
};

struct Snapshot {
  std::int64_t users = 0, auth_logs = 0, max_log_id = 0, keys = 0;
  std::map<std::string, std::string> password_hash;  // username -> hash
  std::map<std::string, std::string> key_blobs;      // kid -> encrypted key
};

Snapshot snapshot() {
  ReadOnlyDb db;
  Snapshot s;
  s.users = db.count("SELECT count(*) FROM users");
  s.auth_logs = db.count("SELECT count(*) FROM auth_logs");
  s.max_log_id = db.count("SELECT coalesce(max(id), 0) FROM auth_logs");
  s.keys = db.count("SELECT count(*) FROM keys");
  for (const auto& r : db.rows("SELECT username, password_hash FROM users")) s.password_hash[r[0]] = r[1];
  for (const auto& r : db.rows("SELECT kid, key FROM keys")) s.key_blobs[r[0]] = r[1];
  return s;
}

// ---------------------------------------------------------------- running a case

int g_client = 0;
std::string next_client() { return "203.0.113." + std::to_string(1 + (g_client++ % 250)); }

Answer get_root() { return curl_request("GET", "/", {"X-Forwarded-For: " + next_client()}, ""); }

Answer run_raw(const Case& c, const std::string& xff, std::vector<long>& root_checks) {
  std::string bytes = c.raw;
  if (auto at = bytes.find("{XFF}"); at != std::string::npos) bytes.replace(at, 5, xff);
  const Clock::time_point deadline = Clock::now() + 20s;
  Socket s;
  bool timed_out = false;
  if (c.via == Via::kSlow) {
    bool open = s.send_all(std::string_view(bytes).substr(0, c.slow_from));
    // Deliberate pacing: one byte every 15 ms, bounded by the deadline.
    for (std::size_t i = c.slow_from; open && i < bytes.size() && Clock::now() < deadline; ++i) {
      open = s.send_all(std::string_view(bytes).substr(i, 1));
      std::this_thread::sleep_for(15ms);
      if ((i - c.slow_from) % 16 == 0) root_checks.push_back(get_root().status);
    }
    BOOST_TEST_REQUIRE((Clock::now() < deadline), "the slow client ran out of time");
    if (c.expect.by == By::kNobody) s.shutdown_write();
  } else {
    s.send_all(bytes);
    if (c.via == Via::kHalfClose) s.shutdown_write();
  }
  std::string reply = s.read_until_close(deadline, timed_out);
  BOOST_TEST(!timed_out, "no answer and no close within 20 s");
  return parse_raw(reply);
}

std::string g_master_key;

void check_case(const Case& c, const Expect& e, const Answer& a) {
  if (e.by == By::kNobody) {
    // A client that gave up mid-request: closing without an answer is right;
    // if the front answers anyway, it must be a refusal.
    BOOST_TEST((!a.answered || (a.status >= 400 && a.status < 500)), "status " << a.status);
    return;
  }
  BOOST_TEST(a.answered, "no answer");
  if (!a.answered) return;
  BOOST_TEST(a.status == e.status, "status " << a.status << ", body " << a.body.substr(0, 300));
  BOOST_TEST(a.responses == 1, "more than one answer on a Connection: close request");
  // Nothing secret in any answer.
  BOOST_TEST(a.body.find("$argon2") == std::string::npos);
  if (!g_master_key.empty()) BOOST_TEST(a.body.find(g_master_key) == std::string::npos);
  if (e.by == By::kFront) return;  // the web server's own page: not JSON, not the responder's
  if (a.status >= 400) {
    BOOST_TEST(a.header("content-type") == "application/json");
    nlohmann::json j = nlohmann::json::parse(a.body, nullptr, false);
    BOOST_TEST(j.is_object(), "body is not a JSON object: " << a.body.substr(0, 300));
    if (!j.is_object()) return;
    BOOST_TEST(j.contains("error"));
    BOOST_TEST(j.contains("error_description"));
    if (j.contains("error") && j.contains("error_description")) {
      BOOST_TEST(j["error"].is_string());
      BOOST_TEST(j["error_description"].is_string());
      if (!e.error.empty() && j["error"].is_string()) BOOST_TEST(j["error"].get<std::string>() == e.error);
    }
    if (a.status == 401) BOOST_TEST(a.header("www-authenticate").rfind("Basic", 0) == 0u);
    if (a.status == 405) BOOST_TEST(!a.header("allow").empty());
    return;
  }
  if (c.target.rfind("/auth", 0) == 0 && a.status == 200) {
    nlohmann::json j = nlohmann::json::parse(a.body, nullptr, false);
    const bool has_token = j.is_object() && j.contains("token") && j["token"].is_string();
    BOOST_TEST(has_token, a.body.substr(0, 300));
    if (!has_token) return;
    auto parts = jwks::jose::parse_compact(j["token"].get<std::string>());
    BOOST_TEST(parts.has_value());
    if (!parts) return;
    nlohmann::json claims = nlohmann::json::parse(parts->payload_json);
    if (!c.sub.empty()) BOOST_TEST(claims.at("sub").get<std::string>() == c.sub);
  }
  if (c.via == Via::kSlow && a.status == 200) {
    nlohmann::json j = nlohmann::json::parse(a.body, nullptr, false);
    BOOST_TEST((j.is_object() && j.contains("token")));
  }
  if (a.status == 201) {
    nlohmann::json j = nlohmann::json::parse(a.body, nullptr, false);
    BOOST_TEST((j.is_object() && j.contains("password") && j["password"].is_string()));
  }
}

using jwks::test::CurlGlobal;
BOOST_TEST_GLOBAL_FIXTURE(CurlGlobal);

// Shared between the two test cases below (which run in order).
struct State {
  std::vector<User> users;
  Snapshot before;
  std::set<std::string> registered;  // usernames the table registered on purpose
  int table_logins = 0;
  bool table_ran = false;
};
State g_state;

User register_user(const std::string& name) {
  const std::string email = name + "@example.com";
  Answer r = curl_request("POST", "/register", {kJson, "X-Forwarded-For: " + next_client()}, registration(name, email));
  BOOST_REQUIRE_MESSAGE(r.status == 201, r.status << " " << r.body);
  return User{name, email, nlohmann::json::parse(r.body).at("password").get<std::string>()};
}

Answer log_in(const User& u) {
  return curl_request("POST", "/auth", {kJson, "X-Forwarded-For: " + next_client()}, creds(u.name, u.password));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile)

BOOST_AUTO_TEST_CASE(table_of_hostile_requests) {
  const char* key = std::getenv("NOT_MY_KEY");
  g_master_key = key ? key : "";
  const std::string tag = std::to_string(std::time(nullptr)) + "-" + std::to_string(::getpid());
  for (const char* stem : {"alice", "bob", "carol"}) g_state.users.push_back(register_user(std::string(stem) + "-" + tag));
  g_state.before = snapshot();
  BOOST_REQUIRE_GE(g_state.before.users, 3);

  const std::vector<Case> cases = make_cases(g_state.users[0], g_state.users[1], g_state.users[2], tag);
  BOOST_TEST_MESSAGE(cases.size() << " cases through " << front_name());
  // The table's exact size: a case lost in an edit fails here (update the
  // count, and docs/reliability.md's, when adding one).
  BOOST_TEST(cases.size() == 139u);
  const bool apache = front_name().rfind("apache", 0) == 0;

  std::map<std::string, int> per_category;
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("case [" << c.category << "] " << c.name) {
      ++per_category[c.category];
      const Expect& e = apache && c.apache ? *c.apache : c.expect;
      const std::string xff = next_client();
      ReadOnlyDb db;
      const std::int64_t users_before = db.count("SELECT count(*) FROM users");
      const std::int64_t logs_before = db.count("SELECT count(*) FROM auth_logs");

      std::vector<long> root_checks;
      const auto started = Clock::now();
      Answer a;
      if (c.via == Via::kCurl) {
        std::vector<std::string> headers = c.headers;
        bool forwarded = false;
        for (const auto& h : headers) forwarded |= lower(h).rfind("x-forwarded-for:", 0) == 0;
        if (!forwarded) headers.push_back("X-Forwarded-For: " + xff);
        a = curl_request(c.method, c.target, headers, c.body);
      } else {
        a = run_raw(c, xff, root_checks);
      }
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
      BOOST_TEST_MESSAGE("  " << c.category << " | " << c.name << " -> " << (a.answered ? a.status : 0) << " in "
                              << took << " ms");
      check_case(c, e, a);
      for (long s : root_checks) BOOST_TEST(s == 200, "GET / while the slow client was sending");

      // Nothing stored that should not be; the server keeps answering.
      BOOST_TEST(db.count("SELECT count(*) FROM users") - users_before == (c.registers.empty() ? 0 : 1));
      BOOST_TEST(db.count("SELECT count(*) FROM auth_logs") - logs_before == (a.status == e.status ? c.logins : 0));
      Answer root = get_root();
      BOOST_TEST(root.status == 200, "GET / after the case");
      BOOST_TEST(root.body == "JWKS Server Running!");
      if (!c.registers.empty() && a.status == 201) g_state.registered.insert(c.registers);
      if (a.status == e.status) g_state.table_logins += c.logins;
    }
  }
  for (const auto& [category, n] : per_category) BOOST_TEST_MESSAGE("  " << category << ": " << n);
  g_state.table_ran = true;
}

BOOST_AUTO_TEST_CASE(nothing_stored_is_lost_and_nothing_else_is_stored,
                     *boost::unit_test::depends_on("hostile/table_of_hostile_requests")) {
  BOOST_REQUIRE(g_state.table_ran);
  const Snapshot& before = g_state.before;
  Snapshot after = snapshot();

  // Users: exactly those from before plus the ones the table registered on purpose.
  BOOST_TEST(after.users == before.users + static_cast<std::int64_t>(g_state.registered.size()));
  std::set<std::string> expected_names;
  for (const auto& [name, hash] : before.password_hash) expected_names.insert(name);
  expected_names.insert(g_state.registered.begin(), g_state.registered.end());
  std::set<std::string> names;
  for (const auto& [name, hash] : after.password_hash) names.insert(name);
  BOOST_TEST((names == expected_names));
  for (const std::string& n : names)
    BOOST_TEST(expected_names.count(n) == 1u, "unexpected user row: " << n.substr(0, 80));
  // Unchanged password hashes for everyone who was there before.
  for (const auto& [name, hash] : before.password_hash) {
    auto it = after.password_hash.find(name);
    BOOST_TEST_REQUIRE((it != after.password_hash.end()), "user lost: " << name);
    BOOST_TEST(it->second == hash, "password_hash changed for " << name);
  }
  // Keys: every key from before is still there, unchanged.
  for (const auto& [kid, blob] : before.key_blobs) {
    auto it = after.key_blobs.find(kid);
    BOOST_TEST_REQUIRE((it != after.key_blobs.end()), "key lost: " << kid);
    BOOST_TEST((it->second == blob), "key changed: " << kid);
  }
  BOOST_TEST(after.keys >= before.keys);

  // auth_logs grew by exactly the successful logins of the table, each of a registered user.
  BOOST_TEST(after.auth_logs == before.auth_logs + g_state.table_logins);

  // The users from before still log in with their passwords.
  for (const User& u : g_state.users) {
    Answer a = log_in(u);
    BOOST_TEST(a.status == 200, u.name << ": " << a.body);
  }
  ReadOnlyDb db;
  BOOST_TEST(db.count("SELECT count(*) FROM auth_logs") ==
             before.auth_logs + g_state.table_logins + static_cast<std::int64_t>(g_state.users.size()));
  // Every new row is a login of one of the users registered before the table.
  const std::string new_rows = "SELECT coalesce(u.username, '') FROM auth_logs a LEFT JOIN users u ON u.id = a.user_id "
                               "WHERE a.id > " + std::to_string(before.max_log_id);
  std::set<std::string> logged;
  for (const auto& row : db.rows(new_rows.c_str())) logged.insert(row.at(0));
  for (const std::string& n : logged) {
    bool known = false;
    for (const User& u : g_state.users) known |= u.name == n;
    BOOST_TEST(known, "auth_logs row for an unexpected user: " << n);
  }
  // Every address in the audit log is an address in canonical form: 127.0.0.1,
  // one of the test's own, or the spellings the address cases forwarded.
  const std::set<std::string> spelled{"2001:db8:77::1", "198.51.100.77", "198.51.100.78"};
  std::multiset<std::string> seen;
  for (const auto& row : db.rows(("SELECT request_ip FROM auth_logs WHERE id > " + std::to_string(before.max_log_id)).c_str())) {
    BOOST_TEST((row.at(0) == "127.0.0.1" || row.at(0).rfind("203.0.113.", 0) == 0 || spelled.count(row.at(0))),
               "request_ip " << row.at(0));
    seen.insert(row.at(0));
  }
  for (const std::string& a : spelled) BOOST_TEST(seen.count(a) == 1u, a);
  BOOST_TEST(db.rows("PRAGMA integrity_check").at(0).at(0) == "ok");
  BOOST_TEST(db.rows("PRAGMA foreign_key_check").empty());
  BOOST_TEST(get_root().status == 200);
}

// Issue 12: twelve spellings of one IPv6 address got twelve budgets, and a
// client owning a /64 was unlimited. /register's limit (5 a minute) counts
// every spelling of one /64 as one client; the refusals are checked before
// any other work, so the five that pass are duplicates answered with 409.
BOOST_AUTO_TEST_CASE(every_spelling_of_one_client_shares_one_budget,
                     *boost::unit_test::depends_on("hostile/nothing_stored_is_lost_and_nothing_else_is_stored")) {
  const User& alice = g_state.users.at(0);
  const std::string again = registration(alice.name, "again-" + alice.email);
  const char* spellings[] = {"2001:db8:5:6::1", "[2001:DB8:5:6::1]:443", "2001:0db8:0005:0006:0000:0000:0000:0001",
                             "2001:db8:5:6:ffff:ffff:ffff:fffe", "[2001:db8:5:6::9]"};
  for (const char* xff : spellings) {
    Answer a = curl_request("POST", "/register", {kJson, std::string("X-Forwarded-For: ") + xff}, again);
    BOOST_TEST(a.status == 409, xff << ": " << a.body);
  }
  Answer sixth = curl_request("POST", "/register", {kJson, "X-Forwarded-For: 2001:db8:5:6::abcd"}, again);
  BOOST_TEST(sixth.status == 429, sixth.body);
  BOOST_TEST(!sixth.header("retry-after").empty());
  // The next /64 is another client, with a budget of its own.
  BOOST_TEST(curl_request("POST", "/register", {kJson, "X-Forwarded-For: 2001:db8:5:7::1"}, again).status == 409);
  // IPv4 and its IPv4-mapped spelling are one client too.
  for (int i = 0; i < 5; ++i) {
    const std::string xff = i % 2 ? "::ffff:198.51.100.200" : "198.51.100.200:" + std::to_string(1000 + i);
    BOOST_TEST(curl_request("POST", "/register", {kJson, "X-Forwarded-For: " + xff}, again).status == 409, xff);
  }
  BOOST_TEST(curl_request("POST", "/register", {kJson, "X-Forwarded-For: [::ffff:198.51.100.200]:9"}, again).status == 429);
}

BOOST_AUTO_TEST_SUITE_END()
