// jwksctl: administration of the key store shared with jwks-fcgi.
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "jwks/crypto/master_key.h"
#include "jwks/service/issuer.h"
#include "jwks/service/key_factory.h"
#include "jwks/service/key_manager.h"
#include "jwks/service/settings.h"
#include "jwks/store/database.h"
#include "jwks/store/schema.h"

namespace {

constexpr const char* kUsage =
    "usage: jwksctl <command>\n"
    "\n"
    "commands:\n"
    "  init     create the database (JWKS_DB) and the keys the server needs\n"
    "  list     show every key: kid, algorithm, state, created and expiry times (UTC)\n"
    "  rotate   add a new signing key now; older keys stay published until they expire\n"
    "\n"
    "environment: NOT_MY_KEY (required for init and rotate), JWKS_DB, JWKS_KEY_LIFETIME,\n"
    "JWKS_TOKEN_LIFETIME, JWKS_ALLOW_EXPIRED; see README.md\n";

std::string utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int list_keys(jwks::store::Database& db, const jwks::service::Settings& settings) {
  jwks::service::SystemClock clock;
  // list reads only public data: it needs no master key and creates nothing.
  struct NoKeys final : jwks::service::KeyFactory {
    jwks::service::NewKey create() override { throw std::logic_error("list creates no keys"); }
  } no_keys;
  jwks::service::KeyManager manager(db, clock, no_keys, jwks::service::key_policy(settings));
  std::printf("%-6s %-6s %-8s %-20s %-20s\n", "kid", "alg", "state", "created", "expires");
  for (const auto& k : manager.list()) {
    std::printf("%-6lld %-6s %-8s %-20s %-20s\n", static_cast<long long>(k.kid), k.alg.c_str(),
                jwks::service::to_string(k.state), utc(k.created_at).c_str(), utc(k.exp).c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace jwks;
  if (argc != 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc == 2 ? stdout : stderr);
    return argc == 2 ? 0 : 64;
  }
  const std::string command = argv[1];
  if (command != "init" && command != "list" && command != "rotate") {
    std::fprintf(stderr, "jwksctl: unknown command '%s'\n\n%s", command.c_str(), kUsage);
    return 64;
  }

  auto settings = service::load_settings_from_environment();
  if (!settings) {
    std::fprintf(stderr, "jwksctl: %s\n", settings.error().c_str());
    return 78;
  }
  try {
    if (command == "list") {
      store::Database db(settings->db_path, store::DatabaseOptions{settings->busy_timeout_ms, false});
      store::migrate(db);
      return list_keys(db, settings.value());
    }
    // Fail closed before touching the database: without the master key no
    // key can be sealed.
    auto master = crypto::MasterKey::from_environment();
    if (!master) {
      std::fprintf(stderr, "jwksctl: %s\n", crypto::describe(master.error()).c_str());
      return 78;
    }
    store::Database db(settings->db_path, store::DatabaseOptions{settings->busy_timeout_ms, command == "init"});
    store::migrate(db);
    service::SystemClock clock;
    service::RsaKeyFactory factory(master.value());
    service::KeyManager manager(db, clock, factory, service::key_policy(settings.value()));
    if (command == "init") {
      int created = manager.ensure();
      std::printf("%s: schema version %d, %d key(s) created\n", settings->db_path.c_str(), store::kSchemaVersion,
                  created);
    } else {
      std::int64_t kid = manager.rotate();
      manager.ensure();
      std::printf("new signing key %lld\n", static_cast<long long>(kid));
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jwksctl: %s\n", e.what());
    return 1;
  }
}
