#include "http_client.h"

#include <curl/curl.h>

#include <cctype>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "jwks/jose/base64url.h"
#include "jwks/util/text.h"

namespace jwks::test {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  std::string line(data, size * n);
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new response (after a 100)
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  const auto colon = line.find(':');
  if (colon != std::string::npos)
    (*headers)[lower(line.substr(0, colon))] = std::string(util::trim_blanks(std::string_view(line).substr(colon + 1)));
  return size * n;
}

}  // namespace

std::string HttpAnswer::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string base_url() {
  const char* b = std::getenv("JWKS_BASE_URL");
  if (b == nullptr || *b == '\0') throw std::runtime_error("JWKS_BASE_URL is not set: run through with-front.sh");
  return b;
}

HttpAnswer http_request(const std::string& method, const std::string& target, const std::vector<std::string>& headers,
                        const std::string& body) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("curl_easy_init failed");
  HttpAnswer r;
  const std::string url = base_url() + target;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PATH_AS_IS, 1L);
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
  if ((method != "GET" && method != "HEAD") || !body.empty()) {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  std::vector<std::string> all = headers;
  bool has_type = false;
  for (const auto& h : headers) has_type |= lower(h).rfind("content-type:", 0) == 0;
  if (!has_type) all.push_back("Content-Type:");
  all.push_back("Expect:");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> list(nullptr, curl_slist_free_all);
  for (const auto& h : all) list.reset(curl_slist_append(list.release(), h.c_str()));
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, list.get());
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    throw std::runtime_error(method + " " + target.substr(0, 80) + ": " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

std::string base64(std::string_view text) {
  // base64url -> base64: swap the alphabet and pad.
  std::string b = jose::base64url_encode(text);
  for (char& c : b) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (b.size() % 4 != 0) b += '=';
  return b;
}

std::string basic_authorization(const std::string& user, const std::string& password) {
  return "Authorization: Basic " + base64(user + ":" + password);
}

CurlGlobal::CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
CurlGlobal::~CurlGlobal() { curl_global_cleanup(); }

}  // namespace jwks::test
