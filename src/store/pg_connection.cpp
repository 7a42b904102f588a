#include "jwks/store/pg_connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <charconv>
#include <stdexcept>

namespace jwks::store {
namespace {

// libpq's messages end in a newline.
std::string trimmed(std::string m) {
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

std::string message_of(const PGconn* conn) { return trimmed(PQerrorMessage(conn)); }

}  // namespace

StoreErrorKind PgError::kind_of(std::string_view s) {
  // 57014: a statement cancelled or past statement_timeout; 58: the server's I/O.
  if (s.empty() || s.starts_with("08") || s.starts_with("57P") || s.starts_with("53") || s == "25006" ||
      s == "57014" || s.starts_with("58"))
    return StoreErrorKind::kUnavailable;
  if (s.starts_with("40") || s == "55P03") return StoreErrorKind::kBusy;
  if (s.starts_with("23")) return StoreErrorKind::kConflict;
  return StoreErrorKind::kInternal;
}

PgParams& PgParams::text(std::string_view v) {
  values_.emplace_back(std::string(v));
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

PgParams& PgParams::int64(std::int64_t v) { return text(std::to_string(v)); }

PgParams& PgParams::bytes(std::span<const std::uint8_t> v) {
  values_.emplace_back(std::string(reinterpret_cast<const char*>(v.data()), v.size()));
  lengths_.push_back(static_cast<int>(v.size()));
  formats_.push_back(1);
  return *this;
}

PgParams& PgParams::null() {
  values_.emplace_back(std::nullopt);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

const char* const* PgParams::values() const {
  pointers_.clear();
  for (const auto& v : values_) pointers_.push_back(v ? v->data() : nullptr);
  return pointers_.data();
}

std::string PgResult::text(int row, int col) const {
  return std::string(PQgetvalue(res_.get(), row, col), static_cast<std::size_t>(PQgetlength(res_.get(), row, col)));
}

std::int64_t PgResult::int64(int row, int col) const {
  const char* v = PQgetvalue(res_.get(), row, col);
  const char* end = v + PQgetlength(res_.get(), row, col);
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v, end, out);
  if (ec != std::errc() || ptr != end) throw PgError("XX000", "not an integer in column " + std::to_string(col));
  return out;
}

std::vector<std::uint8_t> PgResult::bytes(int row, int col) const {
  std::size_t n = 0;
  unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(res_.get(), row, col)), &n);
  if (raw == nullptr) throw PgError("XX000", "cannot decode the bytea in column " + std::to_string(col));
  std::vector<std::uint8_t> out(raw, raw + n);
  PQfreemem(raw);
  return out;
}

namespace {

// What the URI does not set itself: a bound on connecting, and keepalives so
// that a server whose host vanished (no reset) is noticed. The URI comes
// after these, so anything it sets wins.
struct ConnectDefaults {
  const char* keyword;
  const char* value;
};
constexpr ConnectDefaults kDefaults[] = {
    {"connect_timeout", "5"}, {"keepalives", "1"}, {"keepalives_idle", "10"}, {"keepalives_interval", "5"},
    {"keepalives_count", "3"}, {"tcp_user_timeout", "30000"}};

bool parses(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  PQfreemem(error);  // may quote the URI, password included: never shown
  if (options == nullptr) return false;
  PQconninfoFree(options);
  return true;
}

[[noreturn]] void connect_failed(const std::string& uri, const std::string& why) {
  throw PgError("", "cannot connect to " + redact_uri(uri) + ": " + why);
}

}  // namespace

PgConnection::PgConnection(const std::string& uri, int lock_timeout_ms, int answer_grace_ms)
    : lock_timeout_ms_(std::max(lock_timeout_ms, 1)), answer_grace_ms_(std::max(answer_grace_ms, 0)) {
  if (!parses(uri)) {
    throw PgError("", "cannot connect to PostgreSQL: JWKS_DB is not a connection URI libpq can parse (its text is "
                      "not shown: it may hold a password)");
  }
  std::vector<const char*> keywords, values;
  for (const ConnectDefaults& d : kDefaults) {
    keywords.push_back(d.keyword);
    values.push_back(d.value);
  }
  keywords.push_back("dbname");
  values.push_back(uri.c_str());
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_.reset(PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1));
  if (!conn_) connect_failed(uri, "out of memory");
  if (PQstatus(conn_.get()) != CONNECTION_OK) connect_failed(uri, message_of(conn_.get()));
  if (PQsetnonblocking(conn_.get(), 1) != 0) connect_failed(uri, message_of(conn_.get()));
  // Times the database fills in (users.date_registered, auth_logs) are UTC;
  // a wait for a lock ends as a busy error, as SQLite's busy timeout does.
  // Session settings: PgTransaction sets the lock timeout again for its own
  // transaction, for poolers that swap sessions.
  exec("SELECT set_config('TimeZone', 'UTC', false), set_config('lock_timeout', $1, false), "
       "set_config('application_name', 'jwks-fcgi', false), "
       "set_config('client_min_messages', 'warning', false)",
       PgParams().text(std::to_string(lock_timeout_ms_) + "ms"));
}

PgResult PgConnection::exec(std::string_view sql, const PgParams& params) {
  if (!ok()) fail_connection("the connection was closed");
  const std::string text(sql);
  if (PQsendQueryParams(conn_.get(), text.c_str(), params.size(), nullptr, params.values(), params.lengths(),
                        params.formats(), 0) == 0)
    fail_connection(message_of(conn_.get()));
  return await_result("a statement");
}

void PgConnection::exec_script(const char* sql) {
  if (!ok()) fail_connection("the connection was closed");
  if (PQsendQuery(conn_.get(), sql) == 0) fail_connection(message_of(conn_.get()));
  await_result("a script");
}

void PgConnection::fail_connection(const std::string& why) {
  conn_.reset();  // a connection in an unknown state is never used again
  throw PgError("", "PostgreSQL: " + why);
}

PgResult PgConnection::await_result(const char* what) {
  using Clock = std::chrono::steady_clock;
  const int budget_ms = lock_timeout_ms_ + answer_grace_ms_;
  const auto deadline = Clock::now() + std::chrono::milliseconds(budget_ms);
  auto wait_for = [&](short events) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      fail_connection(std::string("no answer to ") + what + " within " + std::to_string(budget_ms) +
                      " ms: the connection is closed");
    }
    pollfd p{PQsocket(conn_.get()), events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60000)));
    if (n < 0 && errno != EINTR) fail_connection("poll failed");
  };
  // Everything sent first (a large bytea may not fit the socket buffer).
  for (;;) {
    const int f = PQflush(conn_.get());
    if (f == 0) break;
    if (f < 0) fail_connection(message_of(conn_.get()));
    wait_for(POLLOUT | POLLIN);
    if (PQconsumeInput(conn_.get()) == 0) fail_connection(message_of(conn_.get()));
  }
  std::optional<PgResult> first_error, last;
  for (;;) {
    while (PQisBusy(conn_.get()) != 0) {
      wait_for(POLLIN);
      if (PQconsumeInput(conn_.get()) == 0) fail_connection(message_of(conn_.get()));
    }
    PGresult* r = PQgetResult(conn_.get());
    if (r == nullptr) break;
    const ExecStatusType st = PQresultStatus(r);
    PgResult res(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      if (!first_error) first_error.emplace(std::move(res));
    } else {
      last.emplace(std::move(res));
    }
  }
  if (first_error) return check(first_error->res_.release());
  if (!last) fail_connection(std::string("no result for ") + what);
  return std::move(*last);
}

PgResult PgConnection::check(PGresult* raw) {
  // Only await_result calls this, with a result (libpq would read a null one
  // as a fatal error without fields or message) and conn_ set.
  PgResult res(raw);
  const ExecStatusType status = PQresultStatus(raw);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return res;
  const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  const char* constraint = PQresultErrorField(raw, PG_DIAG_CONSTRAINT_NAME);
  std::string what = PQresultErrorMessage(raw);
  if (what.empty()) what = PQerrorMessage(conn_.get());
  // No SQLSTATE with a dead connection: the server went away.
  throw PgError(state ? state : (ok() ? "XX000" : ""), "PostgreSQL: " + trimmed(what),
                constraint ? constraint : "");
}

PgTransaction::PgTransaction(PgConnection& conn, bool repeatable_read) : conn_(conn) {
  if (conn_.ok() && !conn_.idle()) throw std::logic_error("PgTransaction: a transaction is already open on this connection");
  conn_.exec(repeatable_read ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN ISOLATION LEVEL READ COMMITTED");
  try {
    conn_.exec("SELECT set_config('lock_timeout', $1, true)",
               PgParams().text(std::to_string(conn_.lock_timeout_ms()) + "ms"));
  } catch (...) {
    rollback();
    throw;
  }
}

PgTransaction::~PgTransaction() { rollback(); }

void PgTransaction::commit() {
  // COMMIT of a transaction an error aborted answers "ROLLBACK", not an error.
  const PgResult r = conn_.exec("COMMIT");
  open_ = false;
  if (r.command_status() != "COMMIT") throw PgError("40000", "PostgreSQL rolled the transaction back instead of committing it");
}

void PgTransaction::rollback() noexcept {
  if (!open_) return;
  open_ = false;
  try {
    conn_.exec("ROLLBACK");
  } catch (const PgError&) {
    // A dead connection has no transaction left to roll back.
  }
}

std::string redact_uri(const std::string& uri) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(uri.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return "a PostgreSQL database (the URI does not parse)";
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    const std::string_view k = o->keyword;
    if (o->val == nullptr || *o->val == '\0' || (k != "host" && k != "hostaddr" && k != "port" && k != "dbname" && k != "user"))
      continue;
    out += (out.empty() ? "" : " ") + std::string(k) + "=" + o->val;
  }
  PQconninfoFree(options);
  return out.empty() ? "PostgreSQL (libpq defaults)" : "PostgreSQL " + out;
}

}  // namespace jwks::store
