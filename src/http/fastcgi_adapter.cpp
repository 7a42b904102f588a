#include "jwks/http/fastcgi_adapter.h"

#include <fcgiapp.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "jwks/crypto/secure_bytes.h"
#include "jwks/util/log.h"

extern char** environ;

namespace jwks::http {
namespace {

volatile sig_atomic_t g_stop = 0;

void on_stop_signal(int) {
  g_stop = 1;
  FCGX_ShutdownPending();
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: let accept() return so the loop can end
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGUSR1, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that went away must not kill the process
  // A file size limit (ulimit -f) reached mid-write: the write fails with
  // EFBIG, SQLite rolls back and the request gets a 503, instead of the
  // process dying with a half-answered request.
  signal(SIGXFSZ, SIG_IGN);
}

std::size_t params_count(char** envp) {
  std::size_t n = 0;
  while (envp[n] != nullptr) ++n;
  return n;
}

// Some fronts (mod_fcgid) write the whole body before they read the answer
// and fail the request if the responder stops reading early; so an oversized
// body is read and thrown away, up to this bound (the fronts' own limits are
// lower), before the 413 goes out.
constexpr std::size_t kMaxDrainBytes = 8 << 20;

// Reads the body through `read` (a chunk into a buffer: bytes read, <= 0 at
// the end), up to `limit` bytes. Returns false when the declared or actual
// length exceeds the limit; the excess is drained, not kept.
template <typename Read>
bool read_body(const char* content_length, std::size_t limit, std::string& body, Read&& read) {
  auto drain = [&] {
    char scratch[16384];
    for (std::size_t total = 0; total < kMaxDrainBytes;) {
      int n = read(scratch, sizeof scratch);
      if (n <= 0) break;
      total += static_cast<std::size_t>(n);
    }
  };
  std::size_t declared = 0;
  if (content_length != nullptr && *content_length != '\0') {
    auto [end, ec] = std::from_chars(content_length, content_length + std::strlen(content_length), declared);
    if (ec != std::errc{} || *end != '\0') {
      declared = 0;
    } else if (declared > limit) {
      drain();
      return false;
    }
  }
  // Grown as the body arrives (a GET has none), never past limit + 1 bytes.
  body.reserve(std::min(declared, limit) + 1);
  char chunk[16384];
  std::size_t got = 0;
  while (got <= limit) {
    const std::size_t want = std::min(sizeof chunk, limit + 1 - got);
    int n = read(chunk, want);
    if (n <= 0) break;
    body.append(chunk, static_cast<std::size_t>(n));
    got += static_cast<std::size_t>(n);
  }
  crypto::cleanse(chunk, sizeof chunk);
  if (got <= limit) return true;
  drain();
  return false;
}

// The response as CGI and FastCGI both want it: a Status line, headers, a
// blank line, the body.
std::string render(const Response& response) {
  std::string out = "Status: " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
  // A 304 has no body and must not claim a length of zero for it.
  if (response.status != 304 && !response.header("Content-Length"))
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  out += "\r\n";
  out += response.body;
  return out;
}

// Handles one request from its parameters and body. What held the body (a
// password) and the answer (a generated password) is wiped once written.
template <typename Write>
void answer(const Router& router, std::span<const char* const> params, bool within_limit, std::string body,
            Write&& write) {
  Request request = request_from_params(params, within_limit ? std::move(body) : std::string());
  request.body_too_large = !within_limit;
  Response response = router.handle(request);
  std::string out = render(response);
  write(out);
  for (std::string* s : {&request.body, &body, &response.body, &out}) crypto::cleanse(s->data(), s->capacity());
  if (auto it = request.headers.find("authorization"); it != request.headers.end())
    crypto::cleanse(it->second.data(), it->second.capacity());  // HTTP Basic holds a password
}

// Plain CGI (mod_cgi, mod_cgid): one request from the environment and
// standard input, the answer on standard output, then the process ends.
int serve_cgi(const Router& router, const FastcgiOptions& options) {
  if (std::getenv("REQUEST_METHOD") == nullptr) {
    util::log_error("jwks-fcgi is a FastCGI responder (or a CGI program): start it from a web server, spawn-fcgi "
                    "or scripts/serve; see docs/deployment.md");
    return 64;  // EX_USAGE
  }
  // RFC 3875 §4.2: the body is CONTENT_LENGTH bytes of standard input, and
  // none without it; a front may keep the pipe open past them.
  const char* length = std::getenv("CONTENT_LENGTH");
  std::size_t remaining = 0;
  if (length != nullptr) {
    auto [end, ec] = std::from_chars(length, length + std::strlen(length), remaining);
    if (ec != std::errc{} || *end != '\0') remaining = 0;
  }
  std::string body;
  const bool within = read_body(length, options.max_body_bytes, body, [&](char* buf, std::size_t n) {
    if (remaining == 0) return 0;
    for (;;) {
      ssize_t got = ::read(STDIN_FILENO, buf, std::min(n, remaining));
      if (got < 0 && errno == EINTR) continue;
      if (got > 0) remaining -= static_cast<std::size_t>(got);
      return static_cast<int>(got);
    }
  });
  answer(router, std::span<const char* const>(const_cast<const char* const*>(environ), params_count(environ)), within,
         std::move(body), [](const std::string& out) {
           for (std::size_t done = 0; done < out.size();) {
             ssize_t n = ::write(STDOUT_FILENO, out.data() + done, out.size() - done);
             if (n < 0 && errno == EINTR) continue;
             if (n <= 0) return;
             done += static_cast<std::size_t>(n);
           }
         });
  return 0;
}

}  // namespace

int serve_fastcgi(const Router& router, const FastcgiOptions& options) {
  if (FCGX_Init() != 0) {
    util::log_error("FCGX_Init failed");
    return 1;
  }
  // fcgi2 tells the two apart: a listening socket on fd 0 is FastCGI,
  // anything else (a pipe from mod_cgi, a terminal) is CGI.
  if (options.listen_fd == 0 && FCGX_IsCGI()) return serve_cgi(router, options);
  install_signal_handlers();
  FCGX_Request req;
  if (FCGX_InitRequest(&req, options.listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
    util::log_error("FCGX_InitRequest failed");
    return 1;
  }
  while (!g_stop && FCGX_Accept_r(&req) >= 0) {
    std::string body;
    const bool within = read_body(FCGX_GetParam("CONTENT_LENGTH", req.envp), options.max_body_bytes, body,
                                  [&](char* buf, std::size_t n) { return FCGX_GetStr(buf, static_cast<int>(n), req.in); });
    answer(router, std::span<const char* const>(const_cast<const char* const*>(req.envp), params_count(req.envp)),
           within, std::move(body),
           [&](const std::string& out) { FCGX_PutStr(out.data(), static_cast<int>(out.size()), req.out); });
    FCGX_Finish_r(&req);
  }
  FCGX_Free(&req, 1);
  return 0;
}

}  // namespace jwks::http
