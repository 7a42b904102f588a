// Loads known-answer data from tests/vectors/.
#pragma once

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jwks/jose/base64url.h"

namespace jwks::test {

inline nlohmann::json load_vector(const std::string& name) {
  std::ifstream in(std::string(JWKS_VECTORS_DIR) + "/" + name);
  if (!in) throw std::runtime_error("cannot open vector file " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

// A base64url member of a vector's JSON (a JWK's "n", a "signature_b64"),
// decoded; a member that does not decode fails the test that asked.
inline std::vector<std::uint8_t> b64(const nlohmann::json& j, const char* member) {
  auto v = jose::base64url_decode(j.at(member).get<std::string>());
  if (!v) throw std::runtime_error(std::string("not base64url: ") + member);
  return *v;
}

// A string's bytes, for the APIs that sign and verify bytes.
inline std::span<const std::uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The sealed key material's version 1 layout, written out independently of
// the implementation: "JK", version 1, the type, then each field as u16
// big-endian length || bytes.
inline std::vector<std::uint8_t> key_material_layout(std::uint8_t type,
                                                     std::initializer_list<std::vector<std::uint8_t>> fields) {
  std::vector<std::uint8_t> out{'J', 'K', 1, type};
  for (const auto& f : fields) {
    out.push_back(static_cast<std::uint8_t>(f.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(f.size() & 0xff));
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

// The RFC 7515 A.2 RSA public key as a PEM SubjectPublicKeyInfo, as OpenSSL
// and Python's cryptography print it.
inline constexpr const char* kRfc7515A2SpkiPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAofgWCuLjybRlzo0tZWJj\n"
    "NiuSfb4p4fAkd/wWJcyQoTbji9k0l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEz\n"
    "P1Pt0Bm4d4QlL+yRT+SFd2lZS+pCgNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo\n"
    "9wGzjb/7OMg0LOL+bSf63kpaSHSXndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTB\n"
    "EMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxX\n"
    "FvUK+DWNmoudF8NAco9/h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp\n"
    "oQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

// RFC 4231 §4.3 (test case 2): HMAC-SHA256 of "what do ya want for nothing?"
// under "Jefe", base64url.
inline constexpr const char* kRfc4231Case2Key = "Jefe";
inline constexpr const char* kRfc4231Case2Data = "what do ya want for nothing?";
inline constexpr const char* kRfc4231Case2Mac = "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM";

}  // namespace jwks::test
