#include "jwks/util/log.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

namespace jwks::util {

void log(LogLevel level, std::string_view message) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const char* name = level == LogLevel::kInfo ? "info" : level == LogLevel::kWarning ? "warning" : "error";

  std::string line;
  line.reserve(message.size() + 64);
  line += when;
  line += " jwks-fcgi[" + std::to_string(::getpid()) + "] ";
  line += name;
  line += ": ";
  for (unsigned char c : message) {
    if (c < 0x20 || c >= 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", c);
      line += esc;
    } else {
      line += static_cast<char>(c);
    }
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

std::string quote(std::string_view value) {
  return nlohmann::json(std::string(value)).dump(-1, ' ', /*ensure_ascii=*/true,
                                                 nlohmann::json::error_handler_t::replace);
}

}  // namespace jwks::util
