#include "jwks/crypto/pkcs8.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

namespace jwks::crypto {
namespace {

// `key` (the parts `selection` names) through an OSSL_ENCODER, into a buffer
// wiped when it dies; OpenSSL's own copy is cleared as it is freed.
SecureBytes encode(const EVP_PKEY& key, int selection, const char* format, const char* structure) {
  EncoderCtxPtr ctx(OSSL_ENCODER_CTX_new_for_pkey(&key, selection, format, structure, nullptr));
  if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0)
    throw_openssl_error("OSSL_ENCODER_CTX_new_for_pkey");
  unsigned char* data = nullptr;
  std::size_t len = 0;
  if (OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1) throw_openssl_error("OSSL_ENCODER_to_data");
  SecureBytes out(std::span<const std::uint8_t>(data, len));
  OPENSSL_clear_free(data, len);
  return out;
}

}  // namespace

SecureBytes export_pkcs8_der(const EVP_PKEY& key) {
  return encode(key, OSSL_KEYMGMT_SELECT_KEYPAIR, "DER", "PrivateKeyInfo");
}

std::string export_spki_pem(const EVP_PKEY& key) {
  const SecureBytes pem = encode(key, OSSL_KEYMGMT_SELECT_PUBLIC_KEY, "PEM", "SubjectPublicKeyInfo");
  return std::string(reinterpret_cast<const char*>(pem.data()), pem.size());
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

}  // namespace jwks::crypto
