// Private keys at rest: their raw components (key_material.h) inside an
// AES-256-GCM envelope.
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

// Exports `key`'s components and seals them. The clear bytes are wiped before return.
std::vector<std::uint8_t> seal_private_key(const MasterKey& master, const EVP_PKEY& key,
                                           RandomSource& random = SystemRandom::instance());

// Opens an envelope and decodes the private key inside. The error text says
// whether authentication or decoding failed; it never contains key bytes.
// The decrypted bytes are wiped before return. Reads PKCS#8 envelopes too.
util::Result<PkeyPtr, std::string> open_private_key(const MasterKey& master, std::span<const std::uint8_t> envelope);

}  // namespace jwks::crypto
