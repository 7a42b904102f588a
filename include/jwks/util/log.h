// Minimal logging to stderr, which the fronts collect into their error logs.
// Callers must never pass secrets (passwords, keys, NOT_MY_KEY) to these.
#pragma once

#include <string_view>

namespace jwks::util {

enum class LogLevel { kInfo, kWarning, kError };

// Writes one line: "<UTC ISO time> jwks-fcgi[<pid>] <level>: <message>".
// Control characters in `message` are escaped so that a log line cannot be
// forged by untrusted input.
void log(LogLevel level, std::string_view message);

inline void log_info(std::string_view m) { log(LogLevel::kInfo, m); }
inline void log_warning(std::string_view m) { log(LogLevel::kWarning, m); }
inline void log_error(std::string_view m) { log(LogLevel::kError, m); }

}  // namespace jwks::util
