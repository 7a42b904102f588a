// What an RS256 signature with a key loaded per request costs in the blinded,
// side-channel-hardened RSA of three Debian libraries, on one core, with the
// same RSA-2048 key and message: OpenSSL 3 (EVP_PKEY_fromdata + one
// EVP_DigestSign, as jwks-fcgi does; and a steady signature with a key kept
// loaded, for comparison), nettle (rsa_sha256_sign_digest_tr: blinded,
// constant-time powm) and libgcrypt (gcry_pk_sign, blinded). Prints one line
// per library: microseconds per import + signature. Checks that nettle's
// signature equals OpenSSL's (RS256 is deterministic). Built only when
// nettle and libgcrypt are found (bench/CMakeLists.txt).
#include <gcrypt.h>
#include <gmp.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<unsigned char>;

const char* const kNames[] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
                              OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                              OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
constexpr int kParts = 8;  // n e d p q dp dq qinv

Bytes get_bn(const EVP_PKEY* key, const char* name) {
  BIGNUM* b = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &b) != 1) return {};
  Bytes out(static_cast<std::size_t>(BN_num_bytes(b)));
  BN_bn2bin(b, out.data());
  BN_clear_free(b);
  return out;
}

Bytes openssl_sign(const EVP_PKEY* key, const std::string& msg) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  Bytes sig(512);
  std::size_t len = sig.size();
  if (EVP_DigestSignInit(md, nullptr, EVP_sha256(), nullptr, const_cast<EVP_PKEY*>(key)) != 1 ||
      EVP_DigestSign(md, sig.data(), &len, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) != 1)
    len = 0;
  EVP_MD_CTX_free(md);
  sig.resize(len);
  return sig;
}

EVP_PKEY* openssl_import(const std::vector<Bytes>& parts) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  std::vector<BIGNUM*> bns;
  for (int i = 0; i < kParts; ++i) {
    bns.push_back(BN_bin2bn(parts[i].data(), static_cast<int>(parts[i].size()), nullptr));
    OSSL_PARAM_BLD_push_BN(bld, kNames[i], bns.back());
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata_init(ctx) != 1 || EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params) != 1) key = nullptr;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  for (BIGNUM* b : bns) BN_clear_free(b);
  return key;
}

void random_bytes(void*, std::size_t n, std::uint8_t* out) { RAND_bytes(out, static_cast<int>(n)); }

Bytes nettle_sign(const std::vector<Bytes>& k, const std::string& msg) {
  rsa_public_key pub;
  rsa_private_key priv;
  rsa_public_key_init(&pub);
  rsa_private_key_init(&priv);
  auto load = [](mpz_t z, const Bytes& b) { mpz_import(z, b.size(), 1, 1, 0, 0, b.data()); };
  load(pub.n, k[0]);
  load(pub.e, k[1]);
  load(priv.d, k[2]);
  load(priv.p, k[3]);
  load(priv.q, k[4]);
  load(priv.a, k[5]);
  load(priv.b, k[6]);
  load(priv.c, k[7]);
  Bytes out;
  if (rsa_public_key_prepare(&pub) && rsa_private_key_prepare(&priv)) {
    sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, msg.size(), reinterpret_cast<const std::uint8_t*>(msg.data()));
    std::uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&h, sizeof digest, digest);
    mpz_t s;
    mpz_init(s);
    if (rsa_sha256_sign_digest_tr(&pub, &priv, nullptr, random_bytes, digest, s)) {
      out.resize(pub.size);
      std::size_t written = 0;
      mpz_export(out.data() + pub.size - (mpz_sizeinbase(s, 2) + 7) / 8, &written, 1, 1, 0, 0, s);
    }
    mpz_clear(s);
  }
  rsa_public_key_clear(&pub);
  rsa_private_key_clear(&priv);
  return out;
}

bool gcrypt_sign(const std::vector<Bytes>& k, const unsigned char* digest) {
  // libgcrypt wants p < q and u = p^-1 mod q: OpenSSL's q, p and q^-1 mod p.
  gcry_sexp_t key = nullptr, data = nullptr, sig = nullptr;
  auto len = [](const Bytes& b) { return static_cast<int>(b.size()); };
  bool ok = gcry_sexp_build(&key, nullptr, "(private-key(rsa(n%b)(e%b)(d%b)(p%b)(q%b)(u%b)))", len(k[0]), k[0].data(),
                            len(k[1]), k[1].data(), len(k[2]), k[2].data(), len(k[4]), k[4].data(), len(k[3]),
                            k[3].data(), len(k[7]), k[7].data()) == 0 &&
            gcry_sexp_build(&data, nullptr, "(data(flags pkcs1)(hash sha256 %b))", 32, digest) == 0 &&
            gcry_pk_sign(&sig, data, key) == 0;
  gcry_sexp_release(sig);
  gcry_sexp_release(data);
  gcry_sexp_release(key);
  return ok;
}

template <typename F>
double us_per(int n, F&& f) {
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) f();
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / n;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::stoi(argv[1]) : 1000;
  if (!gcry_check_version(nullptr)) return 1;
  gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  if (key == nullptr) return 1;
  std::vector<Bytes> parts;
  for (const char* name : kNames) parts.push_back(get_bn(key, name));
  const std::string msg = "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJzdWIiOiJhbm9ueW1vdXMifQ";
  unsigned char digest[32];
  unsigned digest_len = 0;
  EVP_Digest(msg.data(), msg.size(), digest, &digest_len, EVP_sha256(), nullptr);

  const Bytes reference = openssl_sign(key, msg);
  if (reference.size() != 256 || nettle_sign(parts, msg) != reference || !gcrypt_sign(parts, digest)) {
    std::fprintf(stderr, "a library failed to sign, or nettle's signature differs from OpenSSL's\n");
    return 2;
  }
  std::size_t sink = 0;
  std::printf("openssl-steady %.1f\n", us_per(n, [&] { sink += openssl_sign(key, msg).size(); }));
  std::printf("openssl %.1f\n", us_per(n, [&] {
                EVP_PKEY* fresh = openssl_import(parts);
                sink += openssl_sign(fresh, msg).size();
                EVP_PKEY_free(fresh);
              }));
  std::printf("nettle %.1f\n", us_per(n, [&] { sink += nettle_sign(parts, msg).size(); }));
  std::printf("libgcrypt %.1f\n", us_per(n / 4 + 1, [&] { sink += gcrypt_sign(parts, digest); }));
  EVP_PKEY_free(key);
  return sink == 0 ? 3 : 0;
}
