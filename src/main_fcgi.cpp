// jwks-fcgi: the FastCGI responder. Wires configuration, the master key, the
// services and the router to the FastCGI loop; all logic lives in the layers.
#include <openssl/crypto.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/master_key.h"
#include "jwks/http/fastcgi_adapter.h"
#include "jwks/http/router.h"
#include "jwks/service/issuer.h"
#include "jwks/service/key_factory.h"
#include "jwks/service/settings.h"
#include "jwks/store/schema.h"
#include "jwks/util/log.h"
#include "jwks/util/prefork.h"

namespace {

// The master secret has been read: wipe it from the environment (which
// /proc/<pid>/environ shows to the same user) and allow no core dump that
// could hold the derived key or a decrypted private key.
void forget_master_secret() {
  if (char* value = std::getenv("NOT_MY_KEY")) OPENSSL_cleanse(value, std::strlen(value));
  ::unsetenv("NOT_MY_KEY");
  const struct rlimit no_core {0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
}

// Several responders can only share a listening socket: a CGI request on
// stdin (no socket) is one process's to answer.
bool listening_on_fd0() {
  int accepting = 0;
  socklen_t size = sizeof accepting;
  return ::getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) == 0 && accepting != 0;
}

}  // namespace

int main() {
  using namespace jwks;
  auto settings = service::load_settings_from_environment();
  if (!settings) {
    util::log_error("configuration error: " + settings.error());
    return 78;  // EX_CONFIG
  }
  // Fail closed: without a master key no private key can be sealed or opened.
  auto master = crypto::MasterKey::from_environment();
  if (!master) {
    util::log_error("configuration error: " + crypto::describe(master.error()));
    return 78;
  }
  forget_master_secret();

  // Each responder builds its own services after the fork: no store
  // connection is opened before it, so none is shared between processes.
  return util::run_prefork(util::PreforkOptions{listening_on_fd0() ? settings->responders : 1}, [&] {
    service::SystemClock clock;
    service::SigningKeyFactory factory(master.value(), *crypto::parse_jws_alg(settings->alg));
    service::Issuer issuer(settings.value(), master.value(), clock, factory);
    http::Router router(issuer, http::ClientAddressPolicy{settings->trusted_proxies, settings->ipv6_prefix});
    return http::serve_fastcgi(router, http::FastcgiOptions{0, settings->max_body_bytes});
  });
}
