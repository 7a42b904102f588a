// Time as the services see it: injected so tests can step it.
#pragma once

#include <cstdint>

namespace jwks::service {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix time in milliseconds.
  virtual std::int64_t now_ms() const = 0;
  // Unix time in seconds (rounded down).
  std::int64_t now() const { return now_ms() / 1000; }
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override;
};

// A clock that only moves when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_seconds) : now_ms_(start_seconds * 1000) {}
  std::int64_t now_ms() const override { return now_ms_; }
  void advance(std::int64_t seconds) { now_ms_ += seconds * 1000; }
  void advance_ms(std::int64_t ms) { now_ms_ += ms; }
  void set(std::int64_t seconds) { now_ms_ = seconds * 1000; }

 private:
  std::int64_t now_ms_;
};

}  // namespace jwks::service
