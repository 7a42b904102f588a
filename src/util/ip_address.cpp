#include "jwks/util/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "jwks/util/text.h"

namespace jwks::util {
namespace {


bool all_digits(std::string_view s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos; }

// inet_pton of exactly `s` (no brackets, port or zone).
std::optional<IpAddress> pton(std::string_view s) {
  if (s.empty() || s.size() > 45) return std::nullopt;  // INET6_ADDRSTRLEN - 1
  const std::string text(s);
  IpAddress a;
  if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) return a;
  if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) != 1) return std::nullopt;
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(std::begin(kMapped), std::end(kMapped), a.bytes.begin())) {
    IpAddress v4;
    std::copy(a.bytes.begin() + 12, a.bytes.end(), v4.bytes.begin());
    return v4;
  }
  a.v6 = true;
  return a;
}

}  // namespace

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

bool IpAddress::is_loopback() const {
  if (!v6) return bytes[0] == 127;
  for (int i = 0; i < 15; ++i)
    if (bytes[i] != 0) return false;
  return bytes[15] == 1;
}

IpAddress IpAddress::masked(int prefix) const {
  IpAddress out = *this;
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(prefix - 8 * i, 0, 8);
    out.bytes[i] = static_cast<std::uint8_t>(out.bytes[i] & (0xff00 >> keep));
  }
  return out;
}

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  std::string_view s = trim_blanks(text);
  if (s.empty()) return std::nullopt;
  if (s.front() == '[') {  // [v6] or [v6]:port
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty() && !(rest.front() == ':' && all_digits(rest.substr(1)))) return std::nullopt;
    s = s.substr(1, close - 1);
    if (s.find('.') != std::string_view::npos && s.find(':') == std::string_view::npos) return std::nullopt;
  } else if (const std::size_t colon = s.find(':');
             colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
    // One colon: IPv4 with a port ("192.0.2.1:5000"); IPv6 has at least two.
    if (!all_digits(s.substr(colon + 1))) return std::nullopt;
    return pton(s.substr(0, colon));  // no colon left: IPv4 or nothing
  }
  if (const std::size_t zone = s.find('%'); zone != std::string_view::npos) {
    if (s.find(':') == std::string_view::npos) return std::nullopt;
    s = s.substr(0, zone);
  }
  return pton(s);
}

bool IpNetwork::contains(const IpAddress& a) const { return a.v6 == base.v6 && a.masked(prefix) == base; }

std::string IpNetwork::to_string() const {
  if (prefix == base.bits()) return base.to_string();
  return base.to_string() + "/" + std::to_string(prefix);
}

std::optional<IpNetwork> parse_ip_network(std::string_view text) {
  std::string_view s = trim_blanks(text);
  const std::size_t slash = s.find('/');
  std::string_view address = s.substr(0, slash);
  const bool mapped_text = address.find(':') != std::string_view::npos;  // written as IPv6
  // A bare address: no port, brackets or zone ("10.0.0.1:80" is a typo here).
  if (address.find_first_of("[]%") != std::string_view::npos) return std::nullopt;
  auto a = pton(address);
  if (!a) return std::nullopt;
  int prefix = a->bits();
  if (slash != std::string_view::npos) {
    std::string_view p = s.substr(slash + 1);
    if (!all_digits(p) || p.size() > 3) return std::nullopt;
    std::from_chars(p.data(), p.data() + p.size(), prefix);
    // ::ffff:10.0.0.0/104 is 10.0.0.0/8: an IPv4-mapped network counts 96 bits of prefix.
    if (!a->v6 && mapped_text) {
      if (prefix < 96) return std::nullopt;
      prefix -= 96;
    }
    if (prefix > a->bits()) return std::nullopt;
  }
  if (a->masked(prefix) != *a) return std::nullopt;
  return IpNetwork{*a, prefix};
}

}  // namespace jwks::util
