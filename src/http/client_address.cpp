#include "jwks/http/client_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

namespace jwks::http {
namespace {

bool is_ip(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool trusted(const std::string& addr, const std::vector<std::string>& list) {
  return std::find(list.begin(), list.end(), addr) != list.end();
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string client_address(const Request& request, const std::vector<std::string>& trusted_proxies) {
  const std::string& remote = request.remote_addr;
  auto forwarded = request.header("x-forwarded-for");
  if (!forwarded || !trusted(remote, trusted_proxies)) return remote;
  std::string_view list = *forwarded;
  while (!list.empty()) {
    std::size_t comma = list.rfind(',');
    std::string hop = trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(0, comma);
    if (!is_ip(hop)) break;
    if (!trusted(hop, trusted_proxies)) return hop;
  }
  return remote;
}

}  // namespace jwks::http
