// jwksctl: administration of the key store shared with jwks-fcgi. Wiring and
// argument handling only; the work is done by the service and store layers.
//
// Exit codes: 0 success, 1 failure (database, I/O), 2 not found,
// 64 usage error, 65 bad data (NOT_MY_KEY does not open the stored keys, for
// every command; a bad new secret), 78 configuration error (NOT_MY_KEY
// missing or too short, JWKS_* variables).
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "jwks/crypto/master_key.h"
#include "jwks/crypto/secure_bytes.h"
#include "jwks/service/issuer.h"
#include "jwks/service/jwks_document.h"
#include "jwks/service/key_admin.h"
#include "jwks/service/key_factory.h"
#include "jwks/service/key_manager.h"
#include "jwks/service/settings.h"
#include "jwks/store/store_source.h"
#include "jwks/util/file.h"

namespace {

using namespace jwks;

constexpr int kOk = 0, kFailure = 1, kNotFound = 2, kUsage = 64, kBadData = 65, kConfig = 78;

enum class Id { kInit, kList, kRotate, kRetire, kPurge, kRekey, kExportJwks, kCopyStore, kUsers };

// How main treats each command: what it needs before it runs.
struct Command {
  Id id;
  const char* name;
  const char* usage;
  const char* help;
  bool needs_master;  // refuses to start without NOT_MY_KEY
  bool no_arguments;
};

constexpr Command kCommands[] = {
    {Id::kInit, "init", "jwksctl init", "Create the database (JWKS_DB) if needed and the keys the server needs. Idempotent.",
     true, true},
    {Id::kList, "list", "jwksctl list",
     "Show every key: row id, published kid, algorithm, state (published, active, retired,\n"
     "expired) and when it was published, signs from, retires and expires (UTC).\n"
     "Reads public data only: needs no NOT_MY_KEY.",
     false, true},
    {Id::kRotate, "rotate", "jwksctl rotate [--now]",
     "Do what the key schedule needs now (the servers do the same on their own, on the first\n"
     "request that finds it due): publish the next key one JWKS_PUBLISH_LEAD before the signing\n"
     "key's JWKS_SIGNING_PERIOD ends, purge expired keys past JWKS_KEY_RETENTION.\n"
     "--now: rotate without waiting for the schedule: a new key is published now and signs\n"
     "after one lead (or the next key already published signs as soon as its lead allows).\n"
     "Older keys stay published until the tokens they signed have expired.",
     true, false},
    {Id::kRetire, "retire", "jwksctl retire KID [--force]",
     "Retire the key KID (its published kid, or row id for keys from before thumbprint kids)\n"
     "early. A key that never signed leaves the key set at once. The signing key hands over\n"
     "to its successor as soon as that has been published for JWKS_PUBLISH_LEAD (a successor\n"
     "is published now if there is none), so clients that cache the key set never meet an\n"
     "unknown kid. --force stops it signing now: POST /auth answers 503 until a successor has\n"
     "been published for the lead. Either way KID stays published until the tokens it signed\n"
     "have expired, and is never scheduled to sign again. A kid may begin with '-'; one that\n"
     "begins with \"--\" goes after \"--\".",
     true, false},
    {Id::kPurge, "purge", "jwksctl purge",
     "Delete expired keys older than JWKS_KEY_RETENTION, keeping the most recently expired key\n"
     "while JWKS_ALLOW_EXPIRED=1. The servers purge on their own too. Needs no NOT_MY_KEY.",
     false, true},
    {Id::kRekey, "rekey", "jwksctl rekey [--new-key-file FILE]",
     "Re-encrypt every private key from the current NOT_MY_KEY to a new master secret, read\n"
     "from FILE or else from the first line of standard input. One transaction: every key is\n"
     "decrypted with the current key and the new envelopes are checked before anything is\n"
     "committed; if any key does not decrypt, nothing changes (exit 65). Afterwards, give the\n"
     "servers the new NOT_MY_KEY and restart them.",
     true, false},
    {Id::kExportJwks, "export-jwks", "jwksctl export-jwks [--output FILE]",
     "Write the public key set, exactly as served at /.well-known/jwks.json, to FILE\n"
     "(atomically, mode 0644) or to standard output: for a CDN or a static docroot.\n"
     "Needs no NOT_MY_KEY.",
     false, false},
    {Id::kCopyStore, "copy-store", "jwksctl copy-store FROM TO",
     "Copy every key, user and login from the store FROM to the store TO, each an SQLite path\n"
     "or a postgresql:// URI (SQLite into PostgreSQL, or back). TO must have no key, user or\n"
     "login yet (a new file, or a database jwksctl init has not run on). Keys stay sealed as\n"
     "they are, under NOT_MY_KEY, which must open every one of them; ids are kept. TO is read\n"
     "back and compared with FROM afterwards. Stop the servers writing FROM first; JWKS_DB is\n"
     "not used.",
     true, false},
    {Id::kUsers, "users", "jwksctl users list | jwksctl users delete USERNAME",
     "list: id, username, e-mail, registration and last login times.\n"
     "delete: remove a user (exit 2 if there is none); their auth_logs rows stay, with\n"
     "user_id NULL.",
     false, false},
};

void print_usage(std::FILE* out) {
  std::fputs("usage: jwksctl <command> [options]\n\ncommands:\n", out);
  for (const Command& c : kCommands) std::fprintf(out, "  %s\n", c.usage);
  std::fputs("\n'jwksctl <command> --help' explains one. Environment: NOT_MY_KEY, JWKS_DB and the other\n"
             "JWKS_* variables of docs/configuration.md. Exit codes: 0 ok, 1 failure, 2 not found, 64 usage,\n"
             "65 bad data, 78 configuration.\n",
             out);
}

const Command* find_command(const std::string& name) {
  for (const Command& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "jwksctl: %s\n", message.c_str());
  return kUsage;
}

std::string utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The directory of a store path ("." for a bare file name).
std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// `jwksctl init` as root on a store that does not exist yet would make it
// root's, and responders running as another user could not write it. In a
// directory another user owns (docs/deployment.md's /var/lib/jwks-fcgi, www-data's),
// the command becomes that user before it creates anything, so every file is
// theirs from the start (no chown after the fact, which a planted link could
// redirect). In a directory root owns it warns. Returns false if it could
// not become that user.
bool become_owner_of_new_store(const std::string& path) {
  const std::string dir = directory_of(path);
  struct stat d {};
  if (::stat(dir.c_str(), &d) != 0) return true;  // the open reports it
  if (d.st_uid == 0) {
    std::fprintf(stderr,
                 "jwksctl: warning: creating %s as root in a directory root owns: responders running as another "
                 "user (www-data) cannot write it and will answer 503. Create it as that user instead, in a "
                 "directory it owns (docs/deployment.md), or give the store and its -wal and -shm files to it.\n",
                 path.c_str());
    return true;
  }
  const struct passwd* pw = ::getpwuid(d.st_uid);
  // The owner's own groups, never the directory's (which may be root's).
  if (pw == nullptr || ::initgroups(pw->pw_name, pw->pw_gid) != 0 || ::setgid(pw->pw_gid) != 0 ||
      ::setuid(d.st_uid) != 0) {
    std::fprintf(stderr, "jwksctl: cannot become the owner of %s (uid %u): %s\n", dir.c_str(),
                 static_cast<unsigned>(d.st_uid), std::strerror(errno));
    return false;
  }
  std::printf("creating the store as %s, the owner of %s, as the responders run\n", pw->pw_name, dir.c_str());
  return true;
}

// For commands that read public data only.
struct NoKeys final : service::KeyFactory {
  service::NewKey create() override { throw std::logic_error("this command creates no keys"); }
  bool opens(std::span<const std::uint8_t>) const override { return false; }
};

int list_keys(store::Store& db, const service::Settings& settings) {
  service::SystemClock clock;
  NoKeys no_keys;
  service::KeyManager manager(db, clock, no_keys, service::key_policy(settings));
  std::printf("%-5s %-43s %-6s %-9s %-20s %-20s %-20s %s\n", "row", "kid", "alg", "state", "published", "active",
              "retires", "expires");
  for (const auto& k : manager.list()) {
    const store::KeySchedule& s = k.schedule;
    // A key made already expired (for ?expired=true) was never published and never signed.
    const bool never = k.created_at >= s.exp;
    auto when = [&](std::int64_t t) { return never ? std::string("-") : utc(t); };
    std::printf("%-5lld %-43s %-6s %-9s %-20s %-20s %-20s %s\n", static_cast<long long>(k.row_id),
                k.public_kid.empty() ? std::to_string(k.row_id).c_str() : k.public_kid.c_str(), k.alg.c_str(),
                service::to_string(k.state), when(s.published_at).c_str(), when(s.active_at).c_str(),
                when(s.retire_at).c_str(), utc(s.exp).c_str());
  }
  return kOk;
}

// One line on who signs now and who next, after a change.
void print_schedule(const service::KeyManager& manager) {
  const std::vector<service::KeyStatus> keys = manager.list();
  const service::KeyStatus* active = nullptr;
  const service::KeyStatus* next = nullptr;
  for (const auto& k : keys) {
    if (k.state == service::KeyState::kActive && (!active || k.schedule.active_at >= active->schedule.active_at))
      active = &k;
    if (k.state == service::KeyState::kPublished && !k.schedule.retired_early &&
        (!next || k.schedule.active_at < next->schedule.active_at))
      next = &k;
  }
  if (active)
    std::printf("signing: %s (%s) until %s\n", active->public_kid.c_str(), active->alg.c_str(),
                utc(active->schedule.retire_at).c_str());
  else
    std::printf("signing: no key may sign now\n");
  if (next)
    std::printf("next: %s (%s) signs from %s\n", next->public_kid.c_str(), next->alg.c_str(),
                utc(next->schedule.active_at).c_str());
}

void print_changes(const service::KeyChanges& c) {
  std::printf("%d key(s) created, %d rescheduled, %d purged\n", c.created, c.rescheduled, c.purged);
}

int rotate(service::KeyManager& manager, const std::vector<std::string>& args) {
  bool now = false;
  for (const std::string& a : args) {
    if (a == "--now") now = true;
    else return usage_error("usage: jwksctl rotate [--now]");
  }
  print_changes(now ? manager.rotate_now() : manager.ensure());
  print_schedule(manager);
  return kOk;
}

int retire(service::KeyManager& manager, const std::vector<std::string>& args) {
  std::string kid;
  bool force = false;
  // Thumbprint kids are base64url, so one may begin with '-': any argument
  // other than --force (or after "--") is the kid.
  bool options = true;
  for (const std::string& a : args) {
    if (options && a == "--force") force = true;
    else if (options && a == "--") options = false;
    else if (kid.empty() && !a.empty()) kid = a;
    else return usage_error("usage: jwksctl retire KID [--force]");
  }
  if (kid.empty()) return usage_error("usage: jwksctl retire KID [--force]");
  const service::RetireResult r = manager.retire(kid, force);
  switch (r.outcome) {
    case service::RetireResult::Outcome::kNotFound:
      std::fprintf(stderr, "jwksctl: no key with kid '%s'\n", kid.c_str());
      return kNotFound;
    case service::RetireResult::Outcome::kAlreadyRetired:
      std::printf("%s is already retired\n", kid.c_str());
      return kOk;
    case service::RetireResult::Outcome::kRetired: break;
  }
  std::printf("retired %s: it signs no more from %s and stays published until its tokens expire\n", kid.c_str(),
              utc(r.retires_at).c_str());
  print_changes(r.changes);
  print_schedule(manager);
  return kOk;
}

int export_jwks(store::Store& db, const std::vector<std::string>& args) {
  std::string output;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--output" && i + 1 < args.size()) output = args[++i];
    else return usage_error("export-jwks: unexpected argument '" + args[i] + "'");
  }
  service::JwksDocument doc = service::build_jwks(db, service::SystemClock().now(), 0);
  if (output.empty()) {
    std::printf("%s\n", doc.json.c_str());
    return kOk;
  }
  if (!util::write_file_atomically(output, doc.json + "\n")) {
    std::fprintf(stderr, "jwksctl: cannot write %s: %s\n", output.c_str(), std::strerror(errno));
    return kFailure;
  }
  std::printf("wrote %s (ETag %s)\n", output.c_str(), doc.etag.c_str());
  return kOk;
}

int users(store::Store& db, const std::vector<std::string>& args) {
  store::UserRepository& repo = db.users();
  if (args.size() == 1 && args[0] == "list") {
    std::printf("%-6s %-24s %-32s %-20s %-20s\n", "id", "username", "email", "registered", "last login");
    int unreachable = 0;
    for (const auto& u : repo.list()) {
      // A name the upgrade left without a form of its own (a look-alike of
      // another user's, or a name the rules now refuse) can no longer log in.
      const bool reachable = u.can_log_in;
      unreachable += reachable ? 0 : 1;
      std::printf("%-6lld %-24s %-32s %-20s %-20s%s\n", static_cast<long long>(u.id), u.username.c_str(),
                  u.email.c_str(), u.date_registered.c_str(), u.last_login.empty() ? "-" : u.last_login.c_str(),
                  reachable ? "" : "  (cannot log in)");
    }
    if (unreachable > 0)
      std::printf("\n%d user(s) cannot log in: their names are look-alikes of earlier users or break the username "
                  "rules (docs/http-api.md, Usernames); delete them with 'jwksctl users delete'.\n", unreachable);
    return kOk;
  }
  if (args.size() == 2 && args[0] == "delete") {
    if (!repo.remove(args[1])) {
      std::fprintf(stderr, "jwksctl: no user named '%s'\n", args[1].c_str());
      return kNotFound;
    }
    std::printf("deleted user '%s'\n", args[1].c_str());
    return kOk;
  }
  return usage_error("usage: jwksctl users list | jwksctl users delete USERNAME");
}

int rekey(store::Store& db, const crypto::MasterKey& current, const std::vector<std::string>& args) {
  std::string secret;
  if (args.size() == 2 && args[0] == "--new-key-file") {
    // Read into one buffer that is wiped below: no stream copies.
    auto text = util::read_secret_file(args[1], 4096);
    if (!text) {
      std::fprintf(stderr, "jwksctl: cannot read %s (or it is over 4 KiB)\n", args[1].c_str());
      return kFailure;
    }
    secret = std::move(*text);
  } else if (args.empty()) {
    // The first line, read with read(2) into a buffer allocated once (no
    // stdio copy); what follows the newline is wiped too.
    secret.assign(4097, '\0');
    std::size_t got = 0;
    while (got < secret.size() && std::memchr(secret.data(), '\n', got) == nullptr) {
      ssize_t n = ::read(STDIN_FILENO, secret.data() + got, secret.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    const void* nl = std::memchr(secret.data(), '\n', got);
    if (nl == nullptr && got == secret.size()) {  // a first line over 4 KiB: refused, never cut short
      crypto::cleanse(secret.data(), secret.size());
      std::fprintf(stderr, "jwksctl: the new master secret is over 4 KiB\n");
      return kBadData;
    }
    const std::size_t line = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - secret.data()) : got;
    crypto::cleanse(secret.data() + line, secret.size() - line);
    secret.resize(line);
  } else {
    return usage_error("usage: jwksctl rekey [--new-key-file FILE]");
  }
  auto fresh = crypto::MasterKey::from_secret(secret);
  crypto::cleanse(secret.data(), secret.size());
  if (!fresh) {
    std::fprintf(stderr, "jwksctl: the new master secret: %s\n", crypto::describe(fresh.error()).c_str());
    return kBadData;
  }
  auto done = service::rekey(db, current, fresh.value());
  if (!done) {
    std::fprintf(stderr, "jwksctl: rekey refused: %s\n", done.error().c_str());
    return kBadData;
  }
  std::printf("re-encrypted %d key(s); set NOT_MY_KEY to the new secret and restart the servers\n", done.value());
  return kOk;
}

int copy_store(const std::vector<std::string>& args, int busy_timeout_ms, const crypto::MasterKey& master) {
  if (args.size() != 2 || args[0].empty() || args[1].empty()) return usage_error("usage: jwksctl copy-store FROM TO");
  if (args[0] == args[1]) return usage_error("copy-store: FROM and TO are the same store");
  const std::unique_ptr<store::Store> from = store::open_store(args[0], busy_timeout_ms, false);
  // A new SQLite target is made as init makes a store: as the owner of its
  // directory when run as root (the source is open already).
  struct stat existing {};
  if (!store::is_postgres_uri(args[1]) && ::lstat(args[1].c_str(), &existing) != 0 && ::geteuid() == 0 &&
      !become_owner_of_new_store(args[1]))
    return kFailure;
  const std::unique_ptr<store::Store> to = store::open_store(args[1], busy_timeout_ms, true);
  auto copied = service::copy_store(*from, *to, master);
  if (!copied) {
    std::fprintf(stderr, "jwksctl: copy-store: %s\n", copied.error().c_str());
    return kBadData;
  }
  std::printf("copied %zu key(s), %zu user(s) and %zu login(s) from %s to %s; read back and verified\n",
              copied->keys, copied->users, copied->logins, store::describe_location(args[0]).c_str(),
              store::describe_location(args[1]).c_str());
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return kUsage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return kOk;
  }
  const Command* command = find_command(name);
  if (command == nullptr) {
    std::fprintf(stderr, "jwksctl: unknown command '%s'\n\n", name.c_str());
    print_usage(stderr);
    return kUsage;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::printf("usage: %s\n\n%s\n", command->usage, command->help);
    return kOk;
  }
  if (command->no_arguments && !args.empty()) return usage_error(name + " takes no arguments");

  auto settings = service::load_settings_from_environment();
  if (!settings) {
    std::fprintf(stderr, "jwksctl: %s\n", settings.error().c_str());
    return kConfig;
  }
  try {
    const bool creates = command->id == Id::kInit;
    const bool needs_master = command->needs_master;
    // Fail closed before touching the database: without the master key no
    // key can be sealed or opened.
    auto master = crypto::MasterKey::from_environment();
    // Read: out of the environment, where /proc/<pid>/environ would show it.
    if (char* value = std::getenv("NOT_MY_KEY")) crypto::cleanse(value, std::strlen(value));
    ::unsetenv("NOT_MY_KEY");
    if (needs_master && !master) {
      std::fprintf(stderr, "jwksctl: %s\n", crypto::describe(master.error()).c_str());
      return kConfig;
    }
    if (command->id == Id::kCopyStore) return copy_store(args, settings->busy_timeout_ms, master.value());
    struct stat before {};
    const bool existed = ::lstat(settings->db_path.c_str(), &before) == 0;
    if (creates && !existed && ::geteuid() == 0 && !store::is_postgres_uri(settings->db_path) &&
        !become_owner_of_new_store(settings->db_path))
      return kFailure;
    const std::unique_ptr<store::Store> opened = store::open_store(settings->db_path, settings->busy_timeout_ms, creates);
    store::Store& db = *opened;
    switch (command->id) {
      case Id::kList: return list_keys(db, settings.value());
      case Id::kExportJwks: return export_jwks(db, args);
      case Id::kUsers: return users(db, args);
      case Id::kRekey: return rekey(db, master.value(), args);
      default: break;
    }
    // Commands that change keys bring JWKS_EXPORT_FILE up to date at once.
    auto exported = [&](int rc) {
      if (rc == kOk && !settings->export_file.empty()) {
        const service::JwksDocument doc = service::build_jwks(db, service::SystemClock().now(),
                                                              service::jwks_max_age(settings->publish_lead));
        if (service::refresh_export(settings->export_file, doc))
          std::printf("exported the key set to %s\n", settings->export_file.c_str());
      }
      return rc;
    };
    if (command->id == Id::kPurge) {
      service::SystemClock clock;
      NoKeys no_keys;
      std::printf("%d expired key(s) purged\n",
                  service::KeyManager(db, clock, no_keys, service::key_policy(settings.value())).purge());
      return exported(kOk);
    }

    service::SystemClock clock;
    service::SigningKeyFactory factory(master.value(), *crypto::parse_jws_alg(settings->alg));
    service::KeyManager manager(db, clock, factory, service::key_policy(settings.value()));
    manager.require_matching_master_key();  // a wrong NOT_MY_KEY changes nothing
    if (command->id == Id::kRotate) return exported(rotate(manager, args));
    if (command->id == Id::kRetire) return exported(retire(manager, args));
    const service::KeyChanges created = manager.ensure();
    std::printf("%s: schema version %d, %d key(s) created\n", store::describe_location(settings->db_path).c_str(),
                store::current_schema_version(settings->db_path),
                created.created);
    print_schedule(manager);
    return exported(kOk);
  } catch (const service::MasterKeyMismatch& e) {
    std::fprintf(stderr, "jwksctl: %s\n", e.what());
    return kBadData;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "jwksctl: %s\n", e.what());
    return kFailure;
  }
}
