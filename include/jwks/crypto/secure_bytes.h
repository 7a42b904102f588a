// A byte buffer for secrets: wiped with OPENSSL_cleanse when it dies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace jwks::crypto {

class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(std::size_t size) : bytes_(size) {}
  explicit SecureBytes(std::span<const std::uint8_t> data) : bytes_(data.begin(), data.end()) {}
  ~SecureBytes();

  SecureBytes(SecureBytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }
  SecureBytes& operator=(SecureBytes&& other) noexcept;
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;

  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  std::span<const std::uint8_t> span() const { return bytes_; }
  std::span<std::uint8_t> span() { return bytes_; }

  // Shrinks to `n` bytes, wiping the dropped tail first.
  void truncate(std::size_t n);

 private:
  std::vector<std::uint8_t> bytes_;
};

// Wipes a buffer in a way the compiler may not optimise away.
void cleanse(void* p, std::size_t n);

}  // namespace jwks::crypto
