// Owning handles for OpenSSL objects. Every OpenSSL pointer the project holds
// lives in one of these aliases; adopting a raw pointer happens only through
// their constructors, right where OpenSSL hands it over.
#pragma once

#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace jwks::crypto {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

inline void bn_clear_free(BIGNUM* b) { BN_clear_free(b); }

using PkeyPtr = Handle<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = Handle<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = Handle<EVP_MD_CTX, EVP_MD_CTX_free>;
using CipherCtxPtr = Handle<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;
using CipherPtr = Handle<EVP_CIPHER, EVP_CIPHER_free>;
using MdPtr = Handle<EVP_MD, EVP_MD_free>;
using KdfPtr = Handle<EVP_KDF, EVP_KDF_free>;
using KdfCtxPtr = Handle<EVP_KDF_CTX, EVP_KDF_CTX_free>;
using BignumPtr = Handle<BIGNUM, bn_clear_free>;  // cleared: may hold private numbers
using ParamBldPtr = Handle<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = Handle<OSSL_PARAM, OSSL_PARAM_free>;
using EncoderCtxPtr = Handle<OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free>;
using DecoderCtxPtr = Handle<OSSL_DECODER_CTX, OSSL_DECODER_CTX_free>;

// Thrown when OpenSSL fails where it must not (allocation, key generation,
// signing with a valid key): a broken invariant, not bad input. The message
// includes OpenSSL's error string and never any key material.
class CryptoError : public std::runtime_error {
 public:
  explicit CryptoError(const std::string& what);
};

// Throws CryptoError("<what>: <first OpenSSL error>") and clears the queue.
[[noreturn]] void throw_openssl_error(const char* what);

}  // namespace jwks::crypto
