#include "openssl_params.h"

#include <openssl/core_names.h>

#include <string_view>

namespace jwks::crypto {

SecureBytes bignum_param(const EVP_PKEY& key, const char* name, std::size_t pad) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(&key, name, &raw) != 1) throw_openssl_error("EVP_PKEY_get_bn_param");
  BignumPtr bn(raw);
  const std::size_t size = pad != 0 ? pad : static_cast<std::size_t>(BN_num_bytes(bn.get()));
  SecureBytes out(size);
  if (BN_bn2binpad(bn.get(), out.data(), static_cast<int>(size)) < 0) throw_openssl_error("BN_bn2binpad");
  return out;
}

std::vector<std::uint8_t> public_bignum_param(const EVP_PKEY& key, const char* name, std::size_t pad) {
  const SecureBytes b = bignum_param(key, name, pad);
  return std::vector<std::uint8_t>(b.data(), b.data() + b.size());
}

PkeyPtr key_from_params(const char* type, int selection, const OSSL_PARAM* params) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, selection, const_cast<OSSL_PARAM*>(params)) != 1) {
    EVP_PKEY_free(raw);
    return nullptr;
  }
  return PkeyPtr(raw);
}

bool is_p256(const EVP_PKEY& key) {
  if (EVP_PKEY_is_a(&key, "EC") != 1) return false;
  char group[64] = {};
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group),
                         OSSL_PARAM_construct_end()};
  // A failed read is OpenSSL failing (an allocation), not an answer; a read
  // that sets nothing is a key with explicit curve parameters, not P-256.
  if (EVP_PKEY_get_params(&key, params) != 1) throw_openssl_error("EVP_PKEY_get_params(group name)");
  if (OSSL_PARAM_modified(params) == 0) return false;
  const std::string_view g(group, params[0].return_size);
  return g == "prime256v1" || g == "P-256";
}

}  // namespace jwks::crypto
