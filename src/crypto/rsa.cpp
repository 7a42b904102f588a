#include "jwks/crypto/rsa.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "openssl_params.h"

namespace jwks::crypto {
namespace {

BignumPtr to_bn(std::span<const std::uint8_t> bytes) {
  BignumPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!bn) throw_openssl_error("BN_bin2bn");
  return bn;
}

PkeyPtr rsa_from_params(const OSSL_PARAM* params, int selection) {
  PkeyPtr key = key_from_params("RSA", selection, params);
  if (!key) throw_openssl_error("EVP_PKEY_fromdata(RSA)");
  return key;
}

}  // namespace

PkeyPtr generate_rsa(unsigned bits) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) throw_openssl_error("EVP_PKEY_keygen_init");
  if (EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) != 1)
    throw_openssl_error("EVP_PKEY_CTX_set_rsa_keygen_bits");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) throw_openssl_error("EVP_PKEY_generate");
  return PkeyPtr(raw);
}

RsaPublicComponents rsa_public_components(const EVP_PKEY& key) {
  if (EVP_PKEY_is_a(&key, "RSA") != 1) throw CryptoError("rsa_public_components: not an RSA key");
  return RsaPublicComponents{public_bignum_param(key, OSSL_PKEY_PARAM_RSA_N),
                             public_bignum_param(key, OSSL_PKEY_PARAM_RSA_E)};
}

PkeyPtr rsa_public_key(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e) {
  BignumPtr bn_n = to_bn(n), bn_e = to_bn(e);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    throw_openssl_error("OSSL_PARAM_BLD_push_BN");
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) throw_openssl_error("OSSL_PARAM_BLD_to_param");
  return rsa_from_params(params.get(), EVP_PKEY_PUBLIC_KEY);
}

PkeyPtr rsa_private_key(const RsaPrivateComponents& c) {
  struct Member {
    const char* name;
    std::span<const std::uint8_t> bytes;
  };
  const Member members[] = {
      {OSSL_PKEY_PARAM_RSA_N, c.n},          {OSSL_PKEY_PARAM_RSA_E, c.e},
      {OSSL_PKEY_PARAM_RSA_D, c.d},          {OSSL_PKEY_PARAM_RSA_FACTOR1, c.p},
      {OSSL_PKEY_PARAM_RSA_FACTOR2, c.q},    {OSSL_PKEY_PARAM_RSA_EXPONENT1, c.dp},
      {OSSL_PKEY_PARAM_RSA_EXPONENT2, c.dq}, {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, c.qi},
  };
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld) throw_openssl_error("OSSL_PARAM_BLD_new");
  std::vector<BignumPtr> numbers;  // must outlive OSSL_PARAM_BLD_to_param
  for (const Member& m : members) {
    numbers.push_back(to_bn(m.bytes));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), m.name, numbers.back().get()) != 1)
      throw_openssl_error("OSSL_PARAM_BLD_push_BN");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) throw_openssl_error("OSSL_PARAM_BLD_to_param");
  return rsa_from_params(params.get(), EVP_PKEY_KEYPAIR);
}

}  // namespace jwks::crypto
