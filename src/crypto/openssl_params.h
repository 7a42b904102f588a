// What several crypto sources need from OpenSSL's parameter API: numbers out
// of a key, a key out of parameters, the P-256 check. Internal to the crypto
// layer (src/crypto).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "jwks/crypto/handle.h"
#include "jwks/crypto/secure_bytes.h"

namespace jwks::crypto {

// The BIGNUM parameter `name` of `key` as big-endian bytes, left-padded to
// `pad` bytes (0: the number's own length), in a buffer wiped when it dies.
// Throws CryptoError.
SecureBytes bignum_param(const EVP_PKEY& key, const char* name, std::size_t pad = 0);

// The same for a public number (n, e, a public point's coordinates).
std::vector<std::uint8_t> public_bignum_param(const EVP_PKEY& key, const char* name, std::size_t pad = 0);

// A key of `type` ("RSA", "EC") made from `params` for `selection`
// (EVP_PKEY_PUBLIC_KEY, EVP_PKEY_KEYPAIR); nullptr when OpenSSL refuses them,
// with its error left queued for throw_openssl_error or ERR_clear_error.
PkeyPtr key_from_params(const char* type, int selection, const OSSL_PARAM* params);

// True for an EC key on P-256 (OpenSSL names the group prime256v1 or P-256).
// Throws CryptoError when OpenSSL fails to read an EC key's group.
bool is_p256(const EVP_PKEY& key);

}  // namespace jwks::crypto
