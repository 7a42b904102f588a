// IP addresses and networks, parsed from the ways they are written and
// compared in one canonical form (client addresses, trusted proxies).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jwks::util {

// An IPv4 or IPv6 address in binary form. An IPv4-mapped IPv6 address
// (::ffff:192.0.2.1) is the IPv4 address it maps: one host, one form.
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4

  int bits() const { return v6 ? 128 : 32; }
  // The canonical text (inet_ntop): "192.0.2.1", "2001:db8::1".
  std::string to_string() const;
  // 127.0.0.0/8 or ::1.
  bool is_loopback() const;
  // The same address with every bit after the first `prefix` cleared.
  IpAddress masked(int prefix) const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// Parses one address as proxies and servers write it: "192.0.2.1",
// "192.0.2.1:5000", "2001:DB8::1", "[2001:db8::1]", "[2001:db8::1]:443",
// "::ffff:192.0.2.1", with spaces or tabs around it; a zone ("fe80::1%eth0")
// is dropped. nullopt for anything else (names, "unknown", junk).
std::optional<IpAddress> parse_ip_address(std::string_view text);

// A network in CIDR form.
struct IpNetwork {
  IpAddress base;  // host bits are zero
  int prefix = 0;  // 0..32 or 0..128

  bool contains(const IpAddress& a) const;
  // "10.0.0.0/8", "2001:db8::/32"; a single host without the suffix.
  std::string to_string() const;
};

// "10.0.0.0/8", "2001:db8::/32", or one bare address (a /32 or /128: no
// port, brackets or zone). IPv4-mapped
// networks (::ffff:10.0.0.0/104) are IPv4 ones. Refuses (nullopt) a prefix
// out of range or host bits set below it ("10.1.2.3/8" is a typo more often
// than a network).
std::optional<IpNetwork> parse_ip_network(std::string_view text);

}  // namespace jwks::util
