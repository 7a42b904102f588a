#include "jwks/crypto/sealed_key.h"

#include "jwks/crypto/key_material.h"

namespace jwks::crypto {

std::vector<std::uint8_t> seal_private_key(const MasterKey& master, const EVP_PKEY& key, RandomSource& random) {
  SecureBytes material = export_key_material(key);
  return seal(master, material.span(), random);
}

util::Result<PkeyPtr, std::string> open_private_key(const MasterKey& master, std::span<const std::uint8_t> envelope) {
  auto material = open(master, envelope);
  if (!material) return util::fail(describe(material.error()));
  auto key = import_key_material(material->span());
  if (!key) return util::fail(std::string("key envelope authenticated but does not hold a private key it can read"));
  return std::move(key.value());
}

}  // namespace jwks::crypto
