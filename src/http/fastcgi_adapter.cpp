#include "jwks/http/fastcgi_adapter.h"

#include <fcgiapp.h>
#include <signal.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "jwks/util/log.h"

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

std::size_t params_count(FCGX_ParamArray envp) {
  std::size_t n = 0;
  while (envp[n] != nullptr) ++n;
  return n;
}

// Some fronts (mod_fcgid) write the whole body before they read the answer
// and fail the request if the responder stops reading early; so an oversized
// body is read and thrown away, up to this bound (the fronts' own limits are
// lower), before the 413 goes out.
constexpr std::size_t kMaxDrainBytes = 8 << 20;

void drain(FCGX_Request& req) {
  char scratch[16384];
  std::size_t total = 0;
  while (total < kMaxDrainBytes) {
    int n = FCGX_GetStr(scratch, static_cast<int>(sizeof scratch), req.in);
    if (n <= 0) break;
    total += static_cast<std::size_t>(n);
  }
}

// Reads the body, up to `limit` bytes. Returns false when the declared or
// actual length exceeds the limit; the excess is drained, not kept.
bool read_body(FCGX_Request& req, std::size_t limit, std::string& body) {
  const char* cl = FCGX_GetParam("CONTENT_LENGTH", req.envp);
  std::size_t declared = 0;
  if (cl != nullptr && *cl != '\0') {
    auto [end, ec] = std::from_chars(cl, cl + std::strlen(cl), declared);
    if (ec != std::errc{} || *end != '\0') {
      declared = 0;
    } else if (declared > limit) {
      drain(req);
      return false;
    }
  }
  // Grown as the body arrives (a GET has none), never past limit + 1 bytes.
  body.reserve(std::min(declared, limit) + 1);
  char chunk[16384];
  std::size_t got = 0;
  while (got <= limit) {
    const std::size_t want = std::min(sizeof chunk, limit + 1 - got);
    int n = FCGX_GetStr(chunk, static_cast<int>(want), req.in);
    if (n <= 0) break;
    body.append(chunk, static_cast<std::size_t>(n));
    got += static_cast<std::size_t>(n);
  }
  if (got <= limit) return true;
  drain(req);
  return false;
}

void write_response(FCGX_Request& req, const Response& response) {
  std::string head = "Status: " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  // A 304 or 204 has no body and must not claim a length of zero for it.
  const bool bodiless = response.status == 304 || response.status == 204;
  if (!bodiless && !response.header("Content-Length"))
    head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  head += "\r\n";
  FCGX_PutStr(head.data(), static_cast<int>(head.size()), req.out);
  if (!response.body.empty()) FCGX_PutStr(response.body.data(), static_cast<int>(response.body.size()), req.out);
}

}  // namespace

int serve_fastcgi(const Router& router, const FastcgiOptions& options) {
  if (FCGX_Init() != 0) {
    util::log_error("FCGX_Init failed");
    return 1;
  }
  install_signal_handlers();
  FCGX_Request req;
  if (FCGX_InitRequest(&req, options.listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
    util::log_error("FCGX_InitRequest failed");
    return 1;
  }
  while (!g_stop && FCGX_Accept_r(&req) >= 0) {
    std::string body;
    bool within_limit = read_body(req, options.max_body_bytes, body);
    Request request = request_from_params(
        std::span<const char* const>(const_cast<const char* const*>(req.envp), params_count(req.envp)),
        within_limit ? std::move(body) : std::string());
    request.body_too_large = !within_limit;
    write_response(req, router.handle(request));
    FCGX_Finish_r(&req);
  }
  FCGX_Free(&req, 1);
  return 0;
}

}  // namespace jwks::http
