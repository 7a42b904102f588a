// A libpq connection (RAII) and what runs on it: statements with bound
// parameters (never spliced into SQL), results, and the errors of a
// PostgreSQL server mapped to StoreErrorKind.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "jwks/store/store_error.h"

namespace jwks::store {

// A PostgreSQL failure. `sqlstate()` is the server's code ("40001", ...),
// empty when there was no answer (the connection failed).
class PgError : public StoreError {
 public:
  PgError(std::string sqlstate, const std::string& what, std::string constraint = {})
      : StoreError(kind_of(sqlstate), what), sqlstate_(std::move(sqlstate)), constraint_(std::move(constraint)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  // The constraint a violation names (23xxx), else empty.
  const std::string& constraint() const { return constraint_; }
  // A serialization failure or a deadlock (class 40): run the transaction again.
  bool retryable() const { return sqlstate_.starts_with("40"); }

  // No answer, class 08 (connection), 57P (shutting down, restarting,
  // failing over), 53 (out of resources), 25006 (a read-only standby):
  // unavailable. 40 (serialization, deadlock) and 55P03 (lock timeout):
  // busy. 23 (integrity): conflict. Anything else: internal.
  static StoreErrorKind kind_of(std::string_view sqlstate);
  // The connection itself failed (no answer, class 08, 57P): it must be
  // opened again.
  bool connection_lost() const { return sqlstate_.empty() || sqlstate_.starts_with("08") || sqlstate_.starts_with("57P"); }

 private:
  std::string sqlstate_;
  std::string constraint_;
};

// Values for $1, $2, ...: text, 64-bit integers (sent as text) and bytea
// (sent binary). Kept by value until the statement has run.
class PgParams {
 public:
  PgParams& text(std::string_view v);
  PgParams& int64(std::int64_t v);
  PgParams& bytes(std::span<const std::uint8_t> v);
  PgParams& null();
  PgParams& optional_int64(const std::optional<std::int64_t>& v) { return v ? int64(*v) : null(); }

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const;
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> lengths_, formats_;
  mutable std::vector<const char*> pointers_;
};

// A query's rows, in text format. Columns by index.
class PgResult {
 public:
  int rows() const { return PQntuples(res_.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(res_.get(), row, col) != 0; }
  std::string text(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  std::vector<std::uint8_t> bytes(int row, int col) const;  // a bytea column
  std::string command_status() const { return PQcmdStatus(res_.get()); }  // "COMMIT", "INSERT 0 1", ...

 private:
  friend class PgConnection;
  struct Clear {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
  };
  explicit PgResult(PGresult* r) : res_(r) {}
  std::unique_ptr<PGresult, Clear> res_;
};

class PgConnection {
 public:
  // Connects with libpq to `uri` (a connection URI; libpq's PG* environment
  // variables, sslmode and the rest apply; where the URI sets none, a
  // connect_timeout of 5 s and TCP keepalives that notice a vanished server
  // within about 30 s) and sets the session up: UTC, lock_timeout
  // `lock_timeout_ms` (at least 1 ms: PostgreSQL reads 0 as no limit). Throws
  // PgError (kUnavailable).
  // `answer_grace_ms`: see exec.
  PgConnection(const std::string& uri, int lock_timeout_ms, int answer_grace_ms = 10000);

  // Runs one statement. A server that has not answered within the lock
  // timeout plus the answer grace (frozen, unreachable without a reset) ends
  // the connection: PgError kUnavailable. Throws PgError.
  PgResult exec(std::string_view sql, const PgParams& params = {});
  // Runs statements without parameters (a migration's DDL). Throws PgError.
  void exec_script(const char* sql);

  int lock_timeout_ms() const { return lock_timeout_ms_; }

  // Whether the connection is still usable, and whether it sits outside any
  // transaction.
  bool ok() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }
  bool idle() const { return ok() && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE; }

 private:
  // Waits for the answer to what was sent, up to the deadline, and returns
  // its result (the first error, else the last result). Throws PgError.
  PgResult await_result(const char* what);
  // Adopts a result; throws PgError unless it reports success.
  PgResult check(PGresult* raw);
  [[noreturn]] void fail_connection(const std::string& why);

  struct Finish {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
  };
  std::unique_ptr<PGconn, Finish> conn_;
  int lock_timeout_ms_;
  int answer_grace_ms_;
};

// A transaction on a PostgreSQL connection, at READ COMMITTED unless
// `repeatable_read` (one snapshot for every statement: a consistent read of
// several tables), with the connection's lock timeout set for it alone (so
// it holds behind PgBouncer, which may hand the next transaction another
// server session). Refuses (std::logic_error) to begin inside another
// transaction. Rolls back in its destructor unless committed; never throws
// there. commit() throws PgError if the server rolled back instead.
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& conn, bool repeatable_read = false);
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  void commit();
  void rollback() noexcept;

 private:
  PgConnection& conn_;
  bool open_ = true;
};

// Runs `body` in a transaction (it commits), again if the server reports a
// serialization failure or a deadlock (up to three tries).
template <typename F>
auto in_transaction(PgConnection& conn, F&& body) -> decltype(body()) {
  for (int attempt = 1;; ++attempt) {
    try {
      PgTransaction tx(conn);
      if constexpr (std::is_void_v<decltype(body())>) {
        body();
        tx.commit();
        return;
      } else {
        auto result = body();
        tx.commit();
        return result;
      }
    } catch (const PgError& e) {
      if (!e.retryable() || attempt == 3) throw;
    }
  }
}

// The connection URI with any password removed, for messages.
std::string redact_uri(const std::string& uri);

}  // namespace jwks::store
