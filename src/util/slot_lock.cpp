#include "jwks/util/slot_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace jwks::util {

SlotLock::Outcome SlotLock::try_acquire(const std::string& path, int slots, std::optional<SlotLock>& out) {
  out.reset();
  if (slots < 1) return Outcome::kAllTaken;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Outcome::kUnavailable;
  for (int i = 0; i < slots; ++i) {
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    lock.l_start = i;
    lock.l_len = 1;
    // F_OFD_SETLK: owned by this descriptor, not the process, so two
    // requests of one process (or two threads) never share a slot.
    if (::fcntl(fd, F_OFD_SETLK, &lock) == 0) {
      out.emplace(SlotLock(fd, i));
      return Outcome::kAcquired;
    }
    if (errno != EAGAIN && errno != EACCES) break;
  }
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return saved == EAGAIN || saved == EACCES ? Outcome::kAllTaken : Outcome::kUnavailable;
}

SlotLock::~SlotLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace jwks::util
