#include "jwks/crypto/handle.h"

#include <openssl/err.h>

namespace jwks::crypto {

CryptoError::CryptoError(const std::string& what) : std::runtime_error(what) {}

void throw_openssl_error(const char* what) {
  unsigned long code = ERR_get_error();
  char buf[256] = "no OpenSSL error queued";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  throw CryptoError(std::string(what) + ": " + buf);
}

}  // namespace jwks::crypto
