#include "jwks/crypto/envelope.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <climits>

#include "jwks/crypto/handle.h"

namespace jwks::crypto {
namespace {

constexpr char kContext[] = "jwks-fcgi private key envelope";

CipherCtxPtr init(const MasterKey& key, std::span<const std::uint8_t> nonce, bool encrypt) {
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr));
  if (!cipher) throw_openssl_error("EVP_CIPHER_fetch(AES-256-GCM)");
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw_openssl_error("EVP_CIPHER_CTX_new");
  std::size_t iv_len = nonce.size();
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len),
                         OSSL_PARAM_construct_end()};
  if (EVP_CipherInit_ex2(ctx.get(), cipher.get(), key.aes_key().data(), nonce.data(), encrypt ? 1 : 0,
                         params) != 1)
    throw_openssl_error("EVP_CipherInit_ex2");
  return ctx;
}

void add_aad(EVP_CIPHER_CTX* ctx) {
  int out_len = 0;
  const std::uint8_t version = kEnvelopeVersion;
  if (EVP_CipherUpdate(ctx, nullptr, &out_len, &version, 1) != 1 ||
      EVP_CipherUpdate(ctx, nullptr, &out_len, reinterpret_cast<const unsigned char*>(kContext),
                       static_cast<int>(sizeof kContext - 1)) != 1)
    throw_openssl_error("EVP_CipherUpdate(aad)");
}

}  // namespace

std::string describe(EnvelopeError e) {
  switch (e) {
    case EnvelopeError::kTruncated: return "key envelope is truncated";
    case EnvelopeError::kUnsupportedVersion: return "key envelope has an unsupported version";
    case EnvelopeError::kAuthenticationFailed:
      return "key envelope failed authentication (tampered, or sealed under another NOT_MY_KEY)";
  }
  return "key envelope is invalid";
}

std::vector<std::uint8_t> seal(const MasterKey& key, std::span<const std::uint8_t> plaintext,
                               RandomSource& random) {
  if (plaintext.size() > INT_MAX / 2) throw CryptoError("seal: plaintext too large");
  std::vector<std::uint8_t> out(1 + kEnvelopeNonceBytes + plaintext.size() + kEnvelopeTagBytes);
  out[0] = kEnvelopeVersion;
  std::span<std::uint8_t> nonce(out.data() + 1, kEnvelopeNonceBytes);
  random.fill(nonce);

  CipherCtxPtr ctx = init(key, nonce, true);
  add_aad(ctx.get());
  std::uint8_t* ct = out.data() + 1 + kEnvelopeNonceBytes;
  int len = 0;
  if (EVP_CipherUpdate(ctx.get(), ct, &len, plaintext.data(), static_cast<int>(plaintext.size())) != 1)
    throw_openssl_error("EVP_CipherUpdate");
  int fin = 0;
  if (EVP_CipherFinal_ex(ctx.get(), ct + len, &fin) != 1) throw_openssl_error("EVP_CipherFinal_ex");
  std::uint8_t* tag = ct + plaintext.size();
  OSSL_PARAM get[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, kEnvelopeTagBytes),
                      OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_get_params(ctx.get(), get) != 1) throw_openssl_error("EVP_CIPHER_CTX_get_params(tag)");
  return out;
}

util::Result<SecureBytes, EnvelopeError> open(const MasterKey& key, std::span<const std::uint8_t> envelope) {
  if (envelope.size() < 1 + kEnvelopeNonceBytes + kEnvelopeTagBytes) return util::fail(EnvelopeError::kTruncated);
  if (envelope[0] != kEnvelopeVersion) return util::fail(EnvelopeError::kUnsupportedVersion);
  if (envelope.size() > INT_MAX / 2) return util::fail(EnvelopeError::kAuthenticationFailed);

  std::span<const std::uint8_t> nonce = envelope.subspan(1, kEnvelopeNonceBytes);
  std::size_t ct_len = envelope.size() - 1 - kEnvelopeNonceBytes - kEnvelopeTagBytes;
  std::span<const std::uint8_t> ct = envelope.subspan(1 + kEnvelopeNonceBytes, ct_len);
  std::span<const std::uint8_t> tag = envelope.subspan(1 + kEnvelopeNonceBytes + ct_len);

  CipherCtxPtr ctx = init(key, nonce, false);
  add_aad(ctx.get());
  SecureBytes plain(ct_len + 16);
  int len = 0;
  if (EVP_CipherUpdate(ctx.get(), plain.data(), &len, ct.data(), static_cast<int>(ct.size())) != 1)
    throw_openssl_error("EVP_CipherUpdate");
  OSSL_PARAM set[] = {OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                                        const_cast<std::uint8_t*>(tag.data()), tag.size()),
                      OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_set_params(ctx.get(), set) != 1) throw_openssl_error("EVP_CIPHER_CTX_set_params(tag)");
  int fin = 0;
  if (EVP_CipherFinal_ex(ctx.get(), plain.data() + len, &fin) != 1) {
    ERR_clear_error();
    return util::fail(EnvelopeError::kAuthenticationFailed);  // `plain` is wiped on return
  }
  plain.truncate(static_cast<std::size_t>(len + fin));
  return plain;
}

}  // namespace jwks::crypto
