// The transport ceiling: a FastCGI responder of fcgi2 that answers every
// request with a fixed JSON body and does nothing else. bench/run puts it
// behind the same fronts as jwks-fcgi.
#include <fcgiapp.h>
#include <signal.h>

#include <string>

#include "fcgi_answer.h"

int main() {
  signal(SIGPIPE, SIG_IGN);
  if (FCGX_Init() != 0) return 1;
  FCGX_Request req;
  if (FCGX_InitRequest(&req, 0, 0) != 0) return 1;
  static const char kBody[] = R"({"keys":[]})";
  const std::string answer = bench::fcgi_answer(200, kBody);
  while (FCGX_Accept_r(&req) >= 0) {
    FCGX_PutStr(answer.data(), static_cast<int>(answer.size()), req.out);
    FCGX_Finish_r(&req);
  }
  return 0;
}
