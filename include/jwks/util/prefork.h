// Several responders on one listening socket: the socket a service manager
// (systemd's StandardInput=socket, spawn-fcgi) put on fd 0 is inherited by
// `count` forked children that each accept on it, and this process stays as
// their supervisor. Nothing is shared between the children but the socket.
#pragma once

#include <functional>

namespace jwks::util {

struct PreforkOptions {
  int count = 1;  // responders; 1 runs `serve` in this process, with no fork
  // A child that dies is started again, unless more than this many died in
  // the last minute: then something is wrong that a restart will not fix,
  // and the supervisor stops them all and exits 1 (for the service manager
  // to restart it later, after its own delay).
  int max_restarts_per_minute = 30;
  // Stopping: SIGTERM again every stop_interval_ms, SIGKILL after
  // stop_grace_intervals of them.
  int stop_interval_ms = 1000;
  int stop_grace_intervals = 10;
};

// Runs `serve` in options.count children and returns when they are done:
// 0 after SIGTERM or SIGINT (passed on to every child as SIGTERM, each
// finishing its request; sent again each second, and SIGKILL for a child
// still there after 10 s, by default; SIGHUP is ignored), 78 when a child exits 78 (EX_CONFIG: the
// others are stopped, as a restart would fail the same way), 1 when too many
// died, 71 (EX_OSERR) when no child could be forked. Children die with the
// supervisor (PR_SET_PDEATHSIG) so none outlives a SIGKILL of it.
int run_prefork(const PreforkOptions& options, const std::function<int()>& serve);

}  // namespace jwks::util
