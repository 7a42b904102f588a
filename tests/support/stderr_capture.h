// What a piece of code writes to standard error (where util::log goes), for
// tests that check a log line.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace jwks::test {

// Runs `body` with file descriptor 2 sent to a temporary file; returns what
// was written to it.
template <typename F>
std::string capture_stderr(F&& body) {
  std::fflush(stderr);
  FILE* tmp = std::tmpfile();
  if (tmp == nullptr) throw std::runtime_error("tmpfile failed");
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(::fileno(tmp), STDERR_FILENO);
  body();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::string out;
  std::rewind(tmp);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, tmp)) > 0;) out.append(buf, n);
  std::fclose(tmp);
  return out;
}

}  // namespace jwks::test
