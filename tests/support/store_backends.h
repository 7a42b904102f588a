// The two backends of the store conformance suite (test_store_conformance):
// an SQLite file in a temporary directory, and a schema of its own in the
// throwaway PostgreSQL server the CTest fixture starts (tests/support/pg-server;
// its URI in the file JWKS_TEST_PG_URI_FILE names, or in JWKS_TEST_PG_URI).
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "jwks/store/pg_store.h"
#include "jwks/store/sqlite_store.h"
#include "temp_dir.h"

namespace jwks::test {

inline std::string pg_test_uri() {
  if (const char* uri = std::getenv("JWKS_TEST_PG_URI"); uri != nullptr && *uri != '\0') return uri;
  const char* file = std::getenv("JWKS_TEST_PG_URI_FILE");
  std::string uri;
  if (file != nullptr) {
    std::ifstream in(file);
    std::getline(in, uri);
  }
  if (uri.empty()) {
    throw std::runtime_error(
        "no PostgreSQL server for the tests: run them with ctest (its fixture starts one), or set JWKS_TEST_PG_URI "
        "(tests/support/pg-server start STATE prints one)");
  }
  return uri;
}

struct SqliteBackend {
  static constexpr const char* kName = "sqlite";
  TempDir dir;
  std::string path = dir.file("store.db");

  std::string location() const { return path; }
  std::string unreachable() const { return dir.file("no/such/dir/store.db"); }
  std::unique_ptr<store::Store> open() { return std::make_unique<store::SqliteStore>(path); }
  std::unique_ptr<store::StoreSource> source() { return std::make_unique<store::SqliteSource>(path, 10000); }
};

// A schema per test (search_path in the URI), dropped afterwards.
struct PgBackend {
  static constexpr const char* kName = "postgresql";
  std::string base = pg_test_uri();
  std::string schema = next_schema();
  std::string uri = base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;

  PgBackend() { store::PgConnection(base, 10000).exec("CREATE SCHEMA " + schema); }
  ~PgBackend() {
    try {
      store::PgConnection(base, 10000).exec("DROP SCHEMA " + schema + " CASCADE");
    } catch (const std::exception&) {
      // The server is gone: nothing left to drop.
    }
  }
  PgBackend(const PgBackend&) = delete;

  std::string location() const { return uri; }
  std::string unreachable() const { return "postgresql:///jwks?host=/nonexistent-jwks-socket-dir&port=1"; }
  std::unique_ptr<store::Store> open() { return std::make_unique<store::PgStore>(uri, 10000); }
  // An injected clock steps through the rate windows here; PgSource's own
  // default, the server's clock, has a test of its own.
  std::unique_ptr<store::StoreSource> source() {
    auto s = std::make_unique<store::PgSource>(uri, 10000);
    s->use_server_clock(false);
    return s;
  }

 private:
  static std::string next_schema() {
    static std::atomic<int> n{0};
    return "t" + std::to_string(::getpid()) + "_" + std::to_string(n++);
  }
};

}  // namespace jwks::test
