#include "jwks/store/pg_connection.h"

#include <charconv>

namespace jwks::store {
namespace {

std::string message_of(const PGconn* conn) {
  std::string m = PQerrorMessage(conn);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace

StoreErrorKind PgError::kind_of(std::string_view s) {
  if (s.empty() || s.starts_with("08") || s.starts_with("57P") || s.starts_with("53") || s == "25006")
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

PgConnection::PgConnection(const std::string& uri, int lock_timeout_ms) : conn_(PQconnectdb(uri.c_str())) {
  if (!conn_) throw PgError("", "cannot connect to " + redact_uri(uri) + ": out of memory");
  if (PQstatus(conn_.get()) != CONNECTION_OK)
    throw PgError("", "cannot connect to " + redact_uri(uri) + ": " + message_of(conn_.get()));
  // Times the database fills in (users.date_registered, auth_logs) are UTC;
  // a wait for a lock ends as a busy error, as SQLite's busy timeout does.
  exec("SELECT set_config('TimeZone', 'UTC', false), set_config('lock_timeout', $1, false), "
       "set_config('application_name', 'jwks-fcgi', false), "
       "set_config('client_min_messages', 'warning', false)",
       PgParams().text(std::to_string(lock_timeout_ms) + "ms"));
}

PgResult PgConnection::exec(std::string_view sql, const PgParams& params) {
  const std::string text(sql);
  return check(PQexecParams(conn_.get(), text.c_str(), params.size(), nullptr, params.values(), params.lengths(),
                            params.formats(), 0));
}

void PgConnection::exec_script(const char* sql) { check(PQexec(conn_.get(), sql)); }

PgResult PgConnection::check(PGresult* raw) {
  PgResult res(raw);
  const ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return res;
  const char* state = raw ? PQresultErrorField(raw, PG_DIAG_SQLSTATE) : nullptr;
  const char* constraint = raw ? PQresultErrorField(raw, PG_DIAG_CONSTRAINT_NAME) : nullptr;
  std::string what = raw ? PQresultErrorMessage(raw) : "";
  if (what.empty()) what = message_of(conn_.get());
  while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
  // No SQLSTATE with a dead connection: the server went away.
  throw PgError(state ? state : (ok() ? "XX000" : ""), "PostgreSQL: " + what, constraint ? constraint : "");
}

PgTransaction::PgTransaction(PgConnection& conn, bool repeatable_read) : conn_(conn) {
  conn_.exec(repeatable_read ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN ISOLATION LEVEL READ COMMITTED");
}

PgTransaction::~PgTransaction() { rollback(); }

void PgTransaction::commit() {
  conn_.exec("COMMIT");
  open_ = false;
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
