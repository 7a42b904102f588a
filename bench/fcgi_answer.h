// The CGI-style answer the baseline responders write (fcgi2's FCGX_FPrintF
// knows no %zu, so the whole answer is built as one string).
#pragma once

#include <string>

namespace bench {

inline std::string fcgi_answer(int status, const std::string& body) {
  return "Status: " + std::to_string(status) + "\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace bench
