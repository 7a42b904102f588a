// Child processes for tests that need another process (another SQLite
// connection, a lock another process holds, another user): fork, a pipe to
// report on, the ends each side does not use closed, and a wait that cannot
// hang on a child that died early.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <optional>
#include <stdexcept>

#ifdef JWKS_COVERAGE
extern "C" void __gcov_dump(void);
#endif

namespace jwks::test {

// Ends a forked child at once: no destructor of the parent's objects runs and
// no buffer the parent filled is flushed twice. In a coverage build
// (scripts/coverage defines JWKS_COVERAGE) the child's counters are written
// first, since std::_Exit skips the exit handler that writes them.
[[noreturn]] inline void exit_child(int rc) {
#ifdef JWKS_COVERAGE
  __gcov_dump();
#endif
  std::_Exit(rc);
}

// A forked child running `body(report_fd)`; its exit status is what body
// returns. The child writes to `report_fd`, the write end of a pipe of its
// own, and the parent reads it with read_byte(). The child closes the
// descriptors in `close_in_child` (the parent's ends of other pipes) first,
// and the parent closes the child's write end at once, so a child that dies
// is seen as end of file instead of a wait until the test's timeout. A child
// that was never waited for is killed and reaped when this object dies.
class Child {
 public:
  Child(const std::function<int(int report_fd)>& body, std::initializer_list<int> close_in_child = {}) {
    int p[2];
    if (::pipe(p) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::close(p[0]);
      for (int fd : close_in_child) ::close(fd);
      int rc = 125;
      try {
        rc = body(p[1]);
      } catch (...) {
        rc = 126;
      }
      exit_child(rc);
    }
    ::close(p[1]);
    read_fd_ = p[0];
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (!waited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (read_fd_ >= 0) ::close(read_fd_);
  }

  // The next byte the child reported, or nullopt once it closed its end
  // (finished or died).
  std::optional<unsigned char> read_byte() {
    unsigned char c = 0;
    for (;;) {
      const ssize_t n = ::read(read_fd_, &c, 1);
      if (n == 1) return c;
      if (n < 0 && errno == EINTR) continue;
      return std::nullopt;
    }
  }

  // Waits for the child: its exit status, or -1 if a signal ended it.
  int wait() {
    if (waited_) return status_;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    waited_ = true;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return status_;
  }

  pid_t pid() const { return pid_; }
  int read_fd() const { return read_fd_; }

 private:
  pid_t pid_ = -1;
  int read_fd_ = -1;
  bool waited_ = false;
  int status_ = -1;
};

// Runs `body` in a child process and returns its exit status (-1: a signal).
inline int run_in_child(const std::function<int()>& body) {
  Child c([&](int) { return body(); });
  return c.wait();
}

}  // namespace jwks::test
