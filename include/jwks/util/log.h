// Minimal logging to stderr, which the fronts collect into their error logs.
// Callers must never pass secrets (passwords, keys, NOT_MY_KEY) to these.
#pragma once

#include <string>
#include <string_view>

namespace jwks::util {

enum class LogLevel { kInfo, kWarning, kError };

// Writes one line: "<UTC ISO time> jwks-fcgi[<pid>] <level>: <message>".
// Control characters and every byte above 0x7e in `message` are escaped
// (\xNN), so the line is plain ASCII that no input can split (not with
// U+2028 either). Client-supplied values must still go through quote().
void log(LogLevel level, std::string_view message);

// A client-supplied value for a log line: a JSON string ("..."), with
// quotes, backslashes, control characters and all non-ASCII escaped (\uXXXX;
// invalid UTF-8 as U+FFFD), so it cannot end the field it is in or
// imitate another part of the line.
std::string quote(std::string_view value);

inline void log_info(std::string_view m) { log(LogLevel::kInfo, m); }
inline void log_warning(std::string_view m) { log(LogLevel::kWarning, m); }
inline void log_error(std::string_view m) { log(LogLevel::kError, m); }

}  // namespace jwks::util
