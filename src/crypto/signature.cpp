#include "jwks/crypto/signature.h"

#include <openssl/err.h>

namespace jwks::crypto {

std::vector<std::uint8_t> sign_rs256(const EVP_PKEY& key, std::span<const std::uint8_t> message) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) throw_openssl_error("EVP_MD_CTX_new");
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr,
                            const_cast<EVP_PKEY*>(&key), nullptr) != 1)
    throw_openssl_error("EVP_DigestSignInit_ex");
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1)
    throw_openssl_error("EVP_DigestSign (size)");
  std::vector<std::uint8_t> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1)
    throw_openssl_error("EVP_DigestSign");
  sig.resize(len);
  return sig;
}

bool verify_rs256(const EVP_PKEY& key, std::span<const std::uint8_t> message,
                  std::span<const std::uint8_t> signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) throw_openssl_error("EVP_MD_CTX_new");
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr,
                              const_cast<EVP_PKEY*>(&key), nullptr) != 1)
    throw_openssl_error("EVP_DigestVerifyInit_ex");
  int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size());
  ERR_clear_error();
  return rc == 1;
}

}  // namespace jwks::crypto
