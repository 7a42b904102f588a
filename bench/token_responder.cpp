// The token ceiling of the stateless design: an fcgi2 responder that per
// request does only what the design demands of a token, with none of
// jwks-fcgi's checks, schedule or logging: one rate-table write in a scratch
// SQLite file beside the store (<JWKS_DB>-bench-rate), open the store, read
// the newest unexpired key of JWKS_ALG, decrypt it under NOT_MY_KEY, import
// it, sign one JWS, close everything. The store is the one jwksctl init made.
#include <fcgiapp.h>
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>

#include "fcgi_answer.h"

#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/master_key.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/jose/base64url.h"

using namespace jwks;

namespace {

// One INSERT and the window's DELETE in one transaction, without fsync.
bool rate_write(const std::string& path) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK;
  if (ok) {
    sqlite3_busy_timeout(db, 5000);
    ok = sqlite3_exec(db,
                      "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;"
                      "CREATE TABLE IF NOT EXISTS ev(addr TEXT NOT NULL, at_ms INTEGER NOT NULL);"
                      "BEGIN IMMEDIATE",
                      nullptr, nullptr, nullptr) == SQLITE_OK;
    const sqlite3_int64 now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
    for (const char* sql : {"INSERT INTO ev VALUES ('127.0.0.1', ?)", "DELETE FROM ev WHERE at_ms < ? - 1000"}) {
      sqlite3_stmt* s = nullptr;
      ok = ok && sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK;
      if (ok) sqlite3_bind_int64(s, 1, now);
      ok = ok && sqlite3_step(s) == SQLITE_DONE;
      sqlite3_finalize(s);
    }
    ok = ok && sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  sqlite3_close(db);
  return ok;
}

// The sealed key of the newest unexpired key of `alg`, or "" if none.
std::string signing_key(const char* path, const char* alg, std::string& kid) {
  sqlite3* db = nullptr;
  std::string sealed;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT k.key, p.thumbprint FROM keys k JOIN key_public p ON p.kid = k.kid "
                           "WHERE k.exp > ? AND p.alg = ? ORDER BY k.exp DESC LIMIT 1",
                           -1, &s, nullptr) == SQLITE_OK) {
      sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(std::time(nullptr)));
      sqlite3_bind_text(s, 2, alg, -1, SQLITE_STATIC);
      if (sqlite3_step(s) == SQLITE_ROW) {
        sealed.assign(static_cast<const char*>(sqlite3_column_blob(s, 0)), sqlite3_column_bytes(s, 0));
        const unsigned char* t = sqlite3_column_text(s, 1);
        kid = t ? reinterpret_cast<const char*>(t) : "";
      }
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return sealed;
}

}  // namespace

int main() {
  signal(SIGPIPE, SIG_IGN);
  const char* path = std::getenv("JWKS_DB");
  const char* alg_name = std::getenv("JWKS_ALG") ? std::getenv("JWKS_ALG") : "RS256";
  auto master = crypto::MasterKey::from_environment();
  auto alg = crypto::parse_jws_alg(alg_name);
  if (path == nullptr || !master || !alg || FCGX_Init() != 0) return 1;
  const std::string rate_path = std::string(path) + "-bench-rate";
  FCGX_Request req;
  if (FCGX_InitRequest(&req, 0, 0) != 0) return 1;
  while (FCGX_Accept_r(&req) >= 0) {
    std::string body;
    int status = 500;
    std::string kid;
    if (rate_write(rate_path)) {
      const std::string sealed = signing_key(path, alg_name, kid);
      auto key = crypto::open_private_key(
          master.value(), std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(sealed.data()), sealed.size()));
      if (!sealed.empty() && key) {
        const std::int64_t now = std::time(nullptr);
        const std::string input =
            jose::base64url_encode("{\"alg\":\"" + std::string(alg_name) + "\",\"kid\":\"" + kid + "\",\"typ\":\"JWT\"}") +
            "." +
            jose::base64url_encode("{\"sub\":\"anonymous\",\"iat\":" + std::to_string(now) +
                                   ",\"exp\":" + std::to_string(now + 3600) + "}");
        const auto signature = crypto::sign(
            *alg, *key.value(),
            std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()));
        body = "{\"token\":\"" + input + "." + jose::base64url_encode(signature) + "\"}";
        status = 200;
      }
    }
    const std::string answer = bench::fcgi_answer(status, body);
    FCGX_PutStr(answer.data(), static_cast<int>(answer.size()), req.out);
    FCGX_Finish_r(&req);
  }
  return 0;
}
