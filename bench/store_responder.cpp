// The ceiling of the stateless design: like empty_responder, but every
// request opens the SQLite store (JWKS_DB), reads the public key rows the
// JWKS is built from, and closes the store again, as jwks-fcgi does. Its
// body is the rows' JSON text joined, so the work cannot be optimized away.
#include <fcgiapp.h>
#include <signal.h>
#include <sqlite3.h>

#include <cstdlib>
#include <ctime>
#include <string>

#include "fcgi_answer.h"

int main() {
  signal(SIGPIPE, SIG_IGN);
  const char* path = std::getenv("JWKS_DB");
  if (path == nullptr || FCGX_Init() != 0) return 1;
  FCGX_Request req;
  if (FCGX_InitRequest(&req, 0, 0) != 0) return 1;
  while (FCGX_Accept_r(&req) >= 0) {
    std::string body = "[";
    int status = 200;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_busy_timeout(db, 5000);
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT p.jwk FROM keys k JOIN key_public p ON p.kid = k.kid WHERE k.exp > ?", -1, &s,
                             nullptr) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(std::time(nullptr)));
        while (sqlite3_step(s) == SQLITE_ROW) {
          if (body.size() > 1) body += ',';
          body += reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        }
      } else {
        status = 500;
      }
      sqlite3_finalize(s);
    } else {
      status = 500;
    }
    sqlite3_close(db);
    body += "]";
    const std::string answer = bench::fcgi_answer(status, body);
    FCGX_PutStr(answer.data(), static_cast<int>(answer.size()), req.out);
    FCGX_Finish_r(&req);
  }
  return 0;
}
