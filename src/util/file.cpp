#include "jwks/util/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace jwks::util {

bool write_file_atomically(const std::string& path, const std::string& text) {
  // A fresh file with a random name (O_EXCL): never one planted in the
  // directory beforehand, as a hard link or otherwise.
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return false;
  ::fchmod(fd, 0644);  // whatever the umask: the web server reads it
  std::size_t written = 0;
  bool ok = true;
  while (ok && written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (ok) ok = ::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
  }
  return ok;
}

std::optional<std::string> read_file(const std::string& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || out.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      if (n == 0) return out;
      return std::nullopt;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> read_secret_file(const std::string& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  // One byte more than allowed, to tell "exactly max" from "too long"; the
  // string never grows past it, so it is never reallocated.
  std::string out(max_bytes + 1, '\0');
  std::size_t got = 0;
  bool failed = false;
  while (got < out.size()) {
    ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failed = true;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  const bool ok = !failed && got <= max_bytes;
  // Wipe what will not be returned (all of it on failure).
  volatile char* p = out.data();
  for (std::size_t i = ok ? got : 0; i < out.size(); ++i) p[i] = 0;
  if (!ok) return std::nullopt;
  out.resize(got);  // shrinking keeps the buffer
  return out;
}

std::optional<FileIdentity> file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileIdentity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

}  // namespace jwks::util
