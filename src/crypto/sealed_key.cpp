#include "jwks/crypto/sealed_key.h"

#include "jwks/crypto/rsa.h"

namespace jwks::crypto {

std::vector<std::uint8_t> seal_private_key(const MasterKey& master, const EVP_PKEY& key, RandomSource& random) {
  SecureBytes der = export_pkcs8_der(key);
  return seal(master, der.span(), random);
}

util::Result<PkeyPtr, std::string> open_private_key(const MasterKey& master, std::span<const std::uint8_t> envelope) {
  auto der = open(master, envelope);
  if (!der) return util::fail(describe(der.error()));
  auto key = import_pkcs8_der(der->span());
  if (!key) return util::fail(std::string("key envelope authenticated but does not hold a PKCS#8 RSA key"));
  return std::move(key.value());
}

}  // namespace jwks::crypto
