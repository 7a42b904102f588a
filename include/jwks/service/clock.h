// Time as the services see it: injected so tests can step it.
#pragma once

#include <cstdint>

namespace jwks::service {

class Clock {
 public:
  virtual ~Clock() = default;
  // Unix time in seconds.
  virtual std::int64_t now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now() const override;
};

// A clock that only moves when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start) : now_(start) {}
  std::int64_t now() const override { return now_; }
  void advance(std::int64_t seconds) { now_ += seconds; }
  void set(std::int64_t t) { now_ = t; }

 private:
  std::int64_t now_;
};

}  // namespace jwks::service
