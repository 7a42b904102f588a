#include "jwks/crypto/master_key.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <optional>

#include "jwks/crypto/handle.h"
#include "jwks/util/base64.h"
#include "jwks/util/file.h"

namespace jwks::crypto {
namespace {

std::optional<SecureBytes> decode_hex(std::string_view s) {
  if (s.empty() || s.size() % 2 != 0) return std::nullopt;
  SecureBytes out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = util::hex_digit_value(s[2 * i]), lo = util::hex_digit_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.data()[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

std::optional<SecureBytes> decode_base64(std::string_view s) {
  auto bytes = util::base64_decode(s, {util::Base64Alphabet::kEither, util::Base64Padding::kOptional, false});
  if (!bytes) return std::nullopt;
  SecureBytes out(*bytes);
  cleanse(bytes->data(), bytes->size());
  return out;
}

SecureBytes hkdf_sha256(std::span<const std::uint8_t> ikm) {
  KdfPtr kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) throw_openssl_error("EVP_KDF_fetch(HKDF)");
  KdfCtxPtr ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) throw_openssl_error("EVP_KDF_CTX_new");
  static const char kSalt[] = "jwks-fcgi";
  static const char kInfo[] = "jwks-fcgi key-encryption v1";
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<std::uint8_t*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(kSalt), sizeof kSalt - 1),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(kInfo), sizeof kInfo - 1),
      OSSL_PARAM_construct_end(),
  };
  SecureBytes out(32);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) throw_openssl_error("EVP_KDF_derive");
  return out;
}

}  // namespace

std::string describe(MasterKeyError e) {
  switch (e) {
    case MasterKeyError::kMissing:
      return "NOT_MY_KEY is not set: set it to a secret of at least 32 bytes (e.g. 64 hex digits) "
             "used to encrypt the private keys at rest";
    case MasterKeyError::kTooShort:
      return "NOT_MY_KEY is too short: it must hold at least 32 bytes (64 hex digits, 44 base64 "
             "characters or 32 raw bytes)";
    case MasterKeyError::kBothSet:
      return "NOT_MY_KEY and NOT_MY_KEY_FILE are both set: give the master secret one way only";
    case MasterKeyError::kFileUnreadable:
      return "NOT_MY_KEY_FILE cannot be read (or is over 4 KiB): it must name a file holding the master "
             "secret that this process's user can read";
  }
  return "NOT_MY_KEY is invalid";
}

util::Result<MasterKey, MasterKeyError> MasterKey::from_secret(std::string_view secret) {
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.remove_suffix(1);
  if (secret.empty()) return util::fail(MasterKeyError::kMissing);

  // A string of hex digits is read as hex and nothing else: 32 hex digits are
  // 16 bytes, too short, even though they are 32 characters.
  std::optional<SecureBytes> decoded = decode_hex(secret);
  if (decoded && decoded->size() < kMinSecretBytes) return util::fail(MasterKeyError::kTooShort);
  if (!decoded) decoded = decode_base64(secret);
  if (!decoded || decoded->size() < kMinSecretBytes) {
    decoded.emplace(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(secret.data()),
                                                  secret.size()));
  }
  if (decoded->size() < kMinSecretBytes) return util::fail(MasterKeyError::kTooShort);
  return MasterKey(hkdf_sha256(decoded->span()));
}

util::Result<MasterKey, MasterKeyError> MasterKey::from_environment() {
  const char* v = std::getenv("NOT_MY_KEY");
  const char* file = std::getenv("NOT_MY_KEY_FILE");
  const bool have_value = v != nullptr && *v != '\0', have_file = file != nullptr && *file != '\0';
  if (have_value && have_file) return util::fail(MasterKeyError::kBothSet);
  if (have_value) return from_secret(v);
  if (!have_file) return util::fail(MasterKeyError::kMissing);
  std::optional<std::string> secret = util::read_secret_file(file, 4096);
  if (!secret) return util::fail(MasterKeyError::kFileUnreadable);
  auto key = from_secret(*secret);
  cleanse(secret->data(), secret->size());
  return key;
}

}  // namespace jwks::crypto
