#include "jwks/util/prefork.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "jwks/util/log.h"

namespace jwks::util {
namespace {

sigset_t supervised_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  return set;
}

// Forks one responder: the child gets the signal mask and dispositions it
// would have had without a supervisor, dies with its parent, and leaves
// through exit() so that its buffers and counters are written.
pid_t start_child(const std::function<int()>& serve, const sigset_t& old_mask, pid_t parent) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) std::_Exit(0);  // the parent died before the line above
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) ::signal(s, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  std::exit(serve());
}

// Stops every child: SIGTERM, again each interval (one that was about to
// block in accept() when the first arrived misses it: fcgi2 checks for a
// shutdown just before it accepts), and SIGKILL for any still there after
// the grace. Returns once all are reaped. SIGCHLD is blocked here.
void stop_all(std::vector<pid_t>& children, const PreforkOptions& options) {
  using Clock = std::chrono::steady_clock;
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  const auto interval = std::chrono::milliseconds(options.stop_interval_ms);
  const auto started = Clock::now();
  const auto kill_at = started + interval * options.stop_grace_intervals;
  auto next_term = started;
  for (;;) {
    bool left = false;
    for (pid_t& pid : children) {
      if (pid > 0 && ::waitpid(pid, nullptr, WNOHANG) == pid) pid = -1;
      left = left || pid > 0;
    }
    if (!left) return;
    const auto now = Clock::now();
    if (now >= kill_at) {
      for (pid_t& pid : children) {
        if (pid <= 0) continue;
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        pid = -1;
      }
      return;
    }
    if (now >= next_term) {
      for (pid_t pid : children)
        if (pid > 0) ::kill(pid, SIGTERM);
      next_term = now + interval;
    }
    const auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(std::min(next_term, kill_at) - now);
    const timespec until{static_cast<time_t>(wait.count() / 1'000'000'000), static_cast<long>(wait.count() % 1'000'000'000)};
    ::sigtimedwait(&chld, nullptr, &until);  // a child ended, or it is time to signal again
  }
}

}  // namespace

int run_prefork(const PreforkOptions& options, const std::function<int()>& serve) {
  if (options.count <= 1) return serve();

  const sigset_t set = supervised_signals();
  sigset_t old_mask;
  ::sigprocmask(SIG_BLOCK, &set, &old_mask);
  const pid_t self = ::getpid();
  std::vector<pid_t> children(static_cast<std::size_t>(options.count), -1);
  auto finish = [&](int rc) {
    stop_all(children, options);
    ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    return rc;
  };
  for (pid_t& pid : children) {
    pid = start_child(serve, old_mask, self);
    if (pid < 0) {
      log_error("cannot fork a responder: " + std::string(std::strerror(errno)));
      return finish(71);
    }
  }
  log_info("started " + std::to_string(options.count) + " responders");

  using Clock = std::chrono::steady_clock;
  std::deque<Clock::time_point> restarts;
  for (;;) {
    siginfo_t info{};
    if (::sigwaitinfo(&set, &info) < 0) continue;  // EINTR
    if (info.si_signo == SIGHUP) continue;  // a closed terminal: nothing to reload, keep serving
    if (info.si_signo != SIGCHLD) return finish(0);
    int status = 0;
    pid_t dead;
    while ((dead = ::waitpid(-1, &status, WNOHANG)) > 0) {
      for (pid_t& pid : children) {
        if (pid != dead) continue;
        pid = -1;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 78) {
          log_error("a responder found the configuration wrong: stopping");
          return finish(78);
        }
        const auto now = Clock::now();
        while (!restarts.empty() && now - restarts.front() > std::chrono::minutes(1)) restarts.pop_front();
        if (static_cast<int>(restarts.size()) >= options.max_restarts_per_minute) {
          log_error("responders keep dying (" + std::to_string(restarts.size()) + " restarts in a minute): stopping");
          return finish(1);
        }
        restarts.push_back(now);
        log_warning("responder " + std::to_string(dead) +
                    (WIFSIGNALED(status) ? " killed by signal " + std::to_string(WTERMSIG(status))
                                         : " exited " + std::to_string(WEXITSTATUS(status))) +
                    ": starting another");
        pid = start_child(serve, old_mask, self);
        if (pid < 0) {
          log_error("cannot fork a responder: " + std::string(std::strerror(errno)));
          return finish(71);
        }
      }
    }
  }
}

}  // namespace jwks::util
