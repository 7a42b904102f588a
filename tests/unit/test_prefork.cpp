#define BOOST_TEST_MODULE prefork
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <set>

#include "jwks/util/prefork.h"
#include "child_process.h"

using jwks::util::PreforkOptions;
using jwks::util::run_prefork;

namespace {

// The pid a responder reported on the pipe, or nullopt at end of file.
std::optional<pid_t> read_pid(int fd) {
  pid_t pid = 0;
  auto* p = reinterpret_cast<unsigned char*>(&pid);
  std::size_t got = 0;
  while (got < sizeof pid) {
    const ssize_t n = ::read(fd, p + got, sizeof pid - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += static_cast<std::size_t>(n);
  }
  return pid;
}

bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// A responder that reports its pid and waits for a signal to end it.
int report_and_wait(int fd) {
  const pid_t self = ::getpid();
  if (::write(fd, &self, sizeof self) != sizeof self) return 3;
  for (;;) ::pause();
}

}  // namespace

// The supervisor runs in a child of its own (it blocks signals and forks), so
// the test sees it as a service manager would: a process to signal and wait for.
BOOST_AUTO_TEST_CASE(a_killed_responder_is_replaced_and_sigterm_stops_them_all) {
  jwks::test::Child supervisor([](int fd) { return run_prefork(PreforkOptions{3, 30}, [fd] { return report_and_wait(fd); }); });
  std::set<pid_t> first;
  for (int i = 0; i < 3; ++i) {
    auto pid = read_pid(supervisor.read_fd());
    BOOST_REQUIRE(pid.has_value());
    BOOST_TEST(*pid != supervisor.pid());
    first.insert(*pid);
  }
  BOOST_TEST(first.size() == 3u);  // three processes, not one reporting thrice

  const pid_t victim = *first.begin();
  BOOST_REQUIRE(::kill(victim, SIGKILL) == 0);
  auto replacement = read_pid(supervisor.read_fd());
  BOOST_REQUIRE(replacement.has_value());
  BOOST_TEST(!first.contains(*replacement));

  BOOST_REQUIRE(::kill(supervisor.pid(), SIGTERM) == 0);
  BOOST_TEST(supervisor.wait() == 0);
  // Each responder was stopped and reaped before the supervisor returned.
  for (pid_t pid : first) BOOST_TEST(gone(pid));
  BOOST_TEST(gone(*replacement));
}

// A configuration a responder finds wrong is wrong for all of them: no restart.
BOOST_AUTO_TEST_CASE(a_responder_exiting_78_stops_the_others_with_78) {
  jwks::test::Child supervisor([](int fd) {
    return run_prefork(PreforkOptions{2, 30}, [fd] {
      unsigned char started = 1;
      if (::write(fd, &started, 1) != 1) return 3;
      return 78;
    });
  });
  BOOST_TEST(supervisor.wait() == 78);
  int starts = 0;
  while (supervisor.read_byte()) ++starts;
  BOOST_TEST(starts >= 1);
  BOOST_TEST(starts <= 2);  // none restarted (the second may be stopped before it reports)
}

// Responders that die at once are restarted max_restarts_per_minute times,
// then the supervisor gives up with 1: the sixth death stops it, so 6 to 8
// reports (3 starts and 5 restarts; the last ones may be stopped before they
// report), never more.
BOOST_AUTO_TEST_CASE(responders_that_keep_dying_are_given_up_on) {
  jwks::test::Child supervisor([](int fd) {
    return run_prefork(PreforkOptions{3, 5}, [fd] {
      unsigned char started = 1;
      if (::write(fd, &started, 1) != 1) return 3;
      return 1;
    });
  });
  BOOST_TEST(supervisor.wait() == 1);
  int starts = 0;
  while (supervisor.read_byte()) ++starts;
  BOOST_TEST(starts >= 6);
  BOOST_TEST(starts <= 8);
}

// One responder is this process itself: no fork, serve's status returned.
BOOST_AUTO_TEST_CASE(one_responder_runs_in_this_process) {
  const pid_t self = ::getpid();
  pid_t seen = 0;
  BOOST_TEST(run_prefork(PreforkOptions{1, 30}, [&] {
               seen = ::getpid();
               return 42;
             }) == 42);
  BOOST_TEST(seen == self);
}

namespace {

volatile sig_atomic_t g_terms = 0;
void count_term(int) { g_terms = g_terms + 1; }

}  // namespace

// fcgi2 checks for a shutdown just before it blocks in accept(): a SIGTERM
// landing between the two is missed. The supervisor sends it again each
// interval, so a responder that misses the first still stops.
BOOST_AUTO_TEST_CASE(a_responder_that_misses_the_first_sigterm_gets_another) {
  jwks::test::Child supervisor([](int fd) {
    return run_prefork(PreforkOptions{1 + 1, 30, 10, 1000}, [fd] {
      struct sigaction sa {};
      sa.sa_handler = count_term;
      ::sigaction(SIGTERM, &sa, nullptr);
      const pid_t self = ::getpid();
      if (::write(fd, &self, sizeof self) != sizeof self) return 3;
      while (g_terms < 2) ::pause();  // the first one "missed"
      return 0;
    });
  });
  for (int i = 0; i < 2; ++i) BOOST_REQUIRE(read_pid(supervisor.read_fd()).has_value());
  BOOST_REQUIRE(::kill(supervisor.pid(), SIGTERM) == 0);
  BOOST_TEST(supervisor.wait() == 0);  // a 10 ms interval: done long before the 10 s grace
}

// A responder that never stops is killed once the grace is over.
BOOST_AUTO_TEST_CASE(a_responder_that_ignores_sigterm_is_killed_after_the_grace) {
  jwks::test::Child supervisor([](int fd) {
    return run_prefork(PreforkOptions{2, 30, 5, 4}, [fd] {
      ::signal(SIGTERM, SIG_IGN);
      const pid_t self = ::getpid();
      if (::write(fd, &self, sizeof self) != sizeof self) return 3;
      for (;;) ::pause();
    });
  });
  std::set<pid_t> pids;
  for (int i = 0; i < 2; ++i) {
    auto pid = read_pid(supervisor.read_fd());
    BOOST_REQUIRE(pid.has_value());
    pids.insert(*pid);
  }
  BOOST_REQUIRE(::kill(supervisor.pid(), SIGTERM) == 0);
  BOOST_TEST(supervisor.wait() == 0);
  for (pid_t pid : pids) BOOST_TEST(gone(pid));
}

// SIGHUP (a closed terminal) stops nothing: the responders keep serving.
BOOST_AUTO_TEST_CASE(sighup_is_ignored) {
  jwks::test::Child supervisor([](int fd) { return run_prefork(PreforkOptions{2, 30}, [fd] { return report_and_wait(fd); }); });
  std::set<pid_t> pids;
  for (int i = 0; i < 2; ++i) pids.insert(*read_pid(supervisor.read_fd()));
  BOOST_REQUIRE(::kill(supervisor.pid(), SIGHUP) == 0);
  // A responder dying after the SIGHUP is still replaced: the supervisor
  // waits for SIGHUP (1) before SIGCHLD (17), so had it stopped on SIGHUP,
  // no replacement would report and the pipe would end.
  BOOST_REQUIRE(::kill(*pids.begin(), SIGKILL) == 0);
  auto replacement = read_pid(supervisor.read_fd());
  BOOST_REQUIRE(replacement.has_value());
  pids.insert(*replacement);
  BOOST_REQUIRE(::kill(supervisor.pid(), SIGTERM) == 0);
  BOOST_TEST(supervisor.wait() == 0);
  for (pid_t pid : pids) BOOST_TEST(gone(pid));
}
