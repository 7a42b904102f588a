#include "jwks/crypto/rsa.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

namespace jwks::crypto {
namespace {

BignumPtr to_bn(std::span<const std::uint8_t> bytes) {
  BignumPtr bn(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!bn) throw_openssl_error("BN_bin2bn");
  return bn;
}

std::vector<std::uint8_t> get_bn(const EVP_PKEY& key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(&key, name, &raw) != 1) throw_openssl_error("EVP_PKEY_get_bn_param");
  BignumPtr bn(raw);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

PkeyPtr from_params(const OSSL_PARAM* params, int selection) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) throw_openssl_error("EVP_PKEY_fromdata_init");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, const_cast<OSSL_PARAM*>(params)) != 1)
    throw_openssl_error("EVP_PKEY_fromdata");
  return PkeyPtr(raw);
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

SecureBytes export_pkcs8_der(const EVP_PKEY& key) {
  EncoderCtxPtr ctx(OSSL_ENCODER_CTX_new_for_pkey(&key, OSSL_KEYMGMT_SELECT_KEYPAIR, "DER",
                                                  "PrivateKeyInfo", nullptr));
  if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0)
    throw_openssl_error("OSSL_ENCODER_CTX_new_for_pkey");
  unsigned char* data = nullptr;
  std::size_t len = 0;
  if (OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1) throw_openssl_error("OSSL_ENCODER_to_data");
  SecureBytes out(std::span<const std::uint8_t>(data, len));
  OPENSSL_clear_free(data, len);
  return out;
}

util::Result<PkeyPtr, KeyDecodeError> import_pkcs8_der(std::span<const std::uint8_t> der) {
  EVP_PKEY* raw = nullptr;
  DecoderCtxPtr ctx(OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", "PrivateKeyInfo", nullptr,
                                                  OSSL_KEYMGMT_SELECT_KEYPAIR, nullptr, nullptr));
  if (!ctx) throw_openssl_error("OSSL_DECODER_CTX_new_for_pkey");
  const unsigned char* p = der.data();
  std::size_t len = der.size();
  if (OSSL_DECODER_from_data(ctx.get(), &p, &len) != 1 || raw == nullptr || len != 0) {
    EVP_PKEY_free(raw);
    ERR_clear_error();
    return util::fail(KeyDecodeError::kMalformed);
  }
  return PkeyPtr(raw);
}

RsaPublicComponents rsa_public_components(const EVP_PKEY& key) {
  if (EVP_PKEY_is_a(&key, "RSA") != 1) throw CryptoError("rsa_public_components: not an RSA key");
  return RsaPublicComponents{get_bn(key, OSSL_PKEY_PARAM_RSA_N), get_bn(key, OSSL_PKEY_PARAM_RSA_E)};
}

PkeyPtr rsa_public_key(std::span<const std::uint8_t> n, std::span<const std::uint8_t> e) {
  BignumPtr bn_n = to_bn(n), bn_e = to_bn(e);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1)
    throw_openssl_error("OSSL_PARAM_BLD_push_BN");
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) throw_openssl_error("OSSL_PARAM_BLD_to_param");
  return from_params(params.get(), EVP_PKEY_PUBLIC_KEY);
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
  return from_params(params.get(), EVP_PKEY_KEYPAIR);
}

}  // namespace jwks::crypto
