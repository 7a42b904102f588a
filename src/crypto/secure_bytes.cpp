#include "jwks/crypto/secure_bytes.h"

#include <openssl/crypto.h>


namespace jwks::crypto {

void cleanse(void* p, std::size_t n) {
  if (p != nullptr && n > 0) OPENSSL_cleanse(p, n);
}

SecureBytes::~SecureBytes() { cleanse(bytes_.data(), bytes_.size()); }

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept {
  if (this != &other) {
    cleanse(bytes_.data(), bytes_.size());
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

void SecureBytes::truncate(std::size_t n) {
  if (n >= bytes_.size()) return;
  cleanse(bytes_.data() + n, bytes_.size() - n);
  bytes_.resize(n);
}

}  // namespace jwks::crypto
