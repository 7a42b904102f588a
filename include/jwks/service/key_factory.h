// Makes new signing keys, already sealed for storage.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/master_key.h"

namespace jwks::service {

struct NewKey {
  std::vector<std::uint8_t> envelope;  // the key material (crypto/key_material.h), sealed; never plaintext
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

// Keys for one JWS algorithm (RSA-2048 for RS256 and PS256, P-256 for ES256,
// Ed25519 for EdDSA), sealed under `master`, which must outlive the factory.
class SigningKeyFactory final : public KeyFactory {
 public:
  explicit SigningKeyFactory(const crypto::MasterKey& master, crypto::JwsAlg alg = crypto::JwsAlg::kRS256)
      : master_(master), alg_(alg) {}
  NewKey create() override;
  bool opens(std::span<const std::uint8_t> envelope) const override;

 private:
  const crypto::MasterKey& master_;
  crypto::JwsAlg alg_;
};

}  // namespace jwks::service
