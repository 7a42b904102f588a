// Writes the binary seeds of the envelope and key_material corpora: one fresh
// key of each supported type, as version 1 material, as PKCS#8 DER, and
// sealed under the fuzz master key (fuzz_check.h). Run once by hand when the
// formats change; its output is committed:
//   build-fuzz/fuzz/fuzz_seed_envelopes fuzz/corpus
#include <cstdio>
#include <fstream>
#include <string>

#include "fuzz_check.h"
#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/key_material.h"
#include "jwks/crypto/pkcs8.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/sealed_key.h"

using namespace jwks;

namespace {

void write(const std::string& path, std::span<const std::uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (fuzz/corpus)\n", argv[0]);
    return 64;
  }
  const std::string dir = argv[1];
  const std::pair<crypto::JwsAlg, const char*> kinds[] = {
      {crypto::JwsAlg::kRS256, "rsa"}, {crypto::JwsAlg::kES256, "p256"}, {crypto::JwsAlg::kEdDSA, "ed25519"}};
  for (const auto& [alg, name] : kinds) {
    const crypto::PkeyPtr key = crypto::generate_key(alg);
    const crypto::SecureBytes material = crypto::export_key_material(*key);
    write(dir + "/key_material/" + name + ".jk1", material.span());
    write(dir + "/key_material/" + name + ".pkcs8", crypto::export_pkcs8_der(*key).span());
    write(dir + "/envelope/" + name + ".env", crypto::seal_private_key(fuzz::master_key(), *key));
  }
  // A sealed PKCS#8 key, as keys sealed before format version 1 are.
  const crypto::PkeyPtr old = crypto::generate_key(crypto::JwsAlg::kEdDSA);
  write(dir + "/envelope/ed25519-pkcs8.env", crypto::seal(fuzz::master_key(), crypto::export_pkcs8_der(*old).span()));
  return 0;
}
