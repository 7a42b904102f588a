// The signing ceiling's per-request part, per algorithm, on one core: how long
// decrypting one sealed private key (AES-256-GCM) and loading it into an
// EVP_PKEY takes, and what the first signature of a freshly loaded key costs
// beyond a steady one. Prints one line per algorithm:
//   ALG per_request_us load_us first_sign_us sign_us pkcs8_load_us
// where per_request_us = load_us + (first_sign_us - sign_us), the key's cost
// to a request that loads it, and pkcs8_load_us is the load through OpenSSL's
// DER decoder (the format of keys sealed before raw components).
// With --argon2: the Argon2id hashes per second at the configured
// parameters, one thread per core, the ceiling of a password login.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "jwks/auth/password.h"

#include "jwks/crypto/envelope.h"
#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/pkcs8.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/master_key.h"
#include "jwks/crypto/sealed_key.h"

using namespace jwks;
using Clock = std::chrono::steady_clock;

int argon2_rate() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  auto t0 = Clock::now();
  for (unsigned i = 0; i < cores; ++i) {
    threads.emplace_back([] {
      for (int n = 0; n < kPerThread; ++n) auth::hash_password("bench-password", auth::Argon2Params{});
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("%.0f\n", cores * kPerThread / seconds);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--argon2") return argon2_rate();
  const int iterations = argc > 1 ? std::stoi(argv[1]) : 2000;
  auto master = crypto::MasterKey::from_secret("a benchmark master secret of 32+ bytes!!");
  if (!master) return 1;
  const std::string message = "eyJhbGciOiJSUzI1NiIsImtpZCI6IngiLCJ0eXAiOiJKV1QifQ.eyJzdWIiOiJiZW5jaCJ9";
  const std::span<const std::uint8_t> input(reinterpret_cast<const std::uint8_t*>(message.data()), message.size());
  auto us_per = [&](Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count() / iterations; };
  for (crypto::JwsAlg alg : {crypto::JwsAlg::kRS256, crypto::JwsAlg::kES256, crypto::JwsAlg::kEdDSA}) {
    crypto::PkeyPtr key = crypto::generate_key(alg);
    const std::vector<std::uint8_t> sealed = crypto::seal_private_key(master.value(), *key);
    const crypto::SecureBytes der = crypto::export_pkcs8_der(*key);
    const std::vector<std::uint8_t> sealed_pkcs8 = crypto::seal(master.value(), der.span());
    std::size_t total = 0;
    // Open and import, as every token request does.
    auto t0 = Clock::now();
    for (int i = 0; i < iterations; ++i) total += crypto::open_private_key(master.value(), sealed).ok();
    const double load_us = us_per(Clock::now() - t0);
    t0 = Clock::now();
    for (int i = 0; i < iterations; ++i) total += crypto::open_private_key(master.value(), sealed_pkcs8).ok();
    const double pkcs8_us = us_per(Clock::now() - t0);
    // The first signature of a freshly loaded key also pays its per-key set-up
    // (for RSA: Montgomery contexts and blinding).
    Clock::duration first{};
    for (int i = 0; i < iterations; ++i) {
      auto fresh = crypto::open_private_key(master.value(), sealed);
      const auto s0 = Clock::now();
      total += crypto::sign(alg, *fresh.value(), input).size();
      first += Clock::now() - s0;
    }
    const double first_sign_us = us_per(first);
    // Signing again and again with one loaded key, as openssl speed does.
    t0 = Clock::now();
    for (int i = 0; i < iterations; ++i) total += crypto::sign(alg, *key, input).size();
    const double sign_us = us_per(Clock::now() - t0);
    const double per_request_us = load_us + std::max(0.0, first_sign_us - sign_us);
    std::printf("%s %.1f %.1f %.1f %.1f %.1f\n", crypto::jws_alg_name(alg), per_request_us, load_us, first_sign_us,
                sign_us, pkcs8_us);
    if (total == 0) return 3;
  }
  return 0;
}
