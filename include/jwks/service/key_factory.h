// Makes new signing keys, already sealed for storage.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "jwks/crypto/master_key.h"

namespace jwks::service {

struct NewKey {
  std::vector<std::uint8_t> envelope;  // sealed PKCS#8; never plaintext
  std::string alg;                     // JWS algorithm, e.g. "RS256"
  std::string public_jwk;              // JSON: kty and public members, no kid
  std::string thumbprint;              // RFC 7638 thumbprint of public_jwk: the published kid
};

class KeyFactory {
 public:
  virtual ~KeyFactory() = default;
  // Generates and seals one key. Slow (RSA generation): call outside any
  // write transaction. Throws crypto::CryptoError.
  virtual NewKey create() = 0;
  // Whether `envelope` was sealed under the same master key this factory
  // seals with. Keys are never added to a store whose keys this master key
  // cannot open (a wrong NOT_MY_KEY would otherwise leave a mixed store).
  virtual bool opens(std::span<const std::uint8_t> envelope) const = 0;
};

// RSA keys for RS256 (2048 bits by default), sealed under `master`, which
// must outlive the factory.
class RsaKeyFactory final : public KeyFactory {
 public:
  explicit RsaKeyFactory(const crypto::MasterKey& master, unsigned bits = 2048) : master_(master), bits_(bits) {}
  NewKey create() override;
  bool opens(std::span<const std::uint8_t> envelope) const override;

 private:
  const crypto::MasterKey& master_;
  unsigned bits_;
};

}  // namespace jwks::service
