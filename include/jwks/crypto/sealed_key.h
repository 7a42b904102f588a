// Private keys at rest: PKCS#8 DER inside an AES-256-GCM envelope.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "jwks/crypto/envelope.h"
#include "jwks/crypto/handle.h"
#include "jwks/crypto/master_key.h"
#include "jwks/util/result.h"

namespace jwks::crypto {

// Exports `key` as PKCS#8 DER and seals it. The DER is wiped before return.
std::vector<std::uint8_t> seal_private_key(const MasterKey& master, const EVP_PKEY& key,
                                           RandomSource& random = SystemRandom::instance());

// Opens an envelope and decodes the private key inside. The error text says
// whether authentication or decoding failed; it never contains key bytes.
// The decrypted DER is wiped before return.
util::Result<PkeyPtr, std::string> open_private_key(const MasterKey& master, std::span<const std::uint8_t> envelope);

}  // namespace jwks::crypto
