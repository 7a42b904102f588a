// A bound on how many processes do one kind of expensive work at once:
// N slots in a lock file, each an open-file-description lock on one byte.
// Nothing lives in process memory, and a process that dies releases its slot
// with its descriptors, so no crash can leak one.
#pragma once

#include <optional>
#include <string>

namespace jwks::util {

class SlotLock {
 public:
  enum class Outcome { kAcquired, kAllTaken, kUnavailable };

  // Tries each of `slots` slots of the lock file at `path` (created 0600 if
  // missing) once, without waiting. kAllTaken when every slot is held by
  // another holder; kUnavailable (errno set) when the file cannot be opened.
  static Outcome try_acquire(const std::string& path, int slots, std::optional<SlotLock>& out);

  SlotLock(SlotLock&& other) noexcept : fd_(other.fd_), slot_(other.slot_) { other.fd_ = -1; }
  SlotLock& operator=(SlotLock&&) = delete;
  SlotLock(const SlotLock&) = delete;
  ~SlotLock();  // releases the slot

  int slot() const { return slot_; }

 private:
  SlotLock(int fd, int slot) : fd_(fd), slot_(slot) {}
  int fd_;
  int slot_ = -1;
};

}  // namespace jwks::util
