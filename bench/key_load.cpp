// The signing ceiling's per-request part: how long decrypting one sealed
// private key (AES-256-GCM) and loading it (PKCS#8 into an EVP_PKEY) takes,
// and how long one signature takes, per algorithm, on one core. Prints one
// line per algorithm: "ALG load_us sign_us per_core_per_s".
// With --argon2: the Argon2id hashes per second at the configured
// parameters, one thread per core, the ceiling of a password login.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "jwks/auth/password.h"

#include "jwks/crypto/jws_alg.h"
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
  for (crypto::JwsAlg alg : {crypto::JwsAlg::kRS256, crypto::JwsAlg::kES256, crypto::JwsAlg::kEdDSA}) {
    crypto::PkeyPtr key = crypto::generate_key(alg);
    const std::vector<std::uint8_t> sealed = crypto::seal_private_key(master.value(), *key);
    auto t0 = Clock::now();
    for (int i = 0; i < iterations; ++i) {
      auto opened = crypto::open_private_key(master.value(), sealed);
      if (!opened) return 2;
    }
    auto t1 = Clock::now();
    std::size_t total = 0;
    for (int i = 0; i < iterations; ++i) total += crypto::sign(alg, *key, input).size();
    auto t2 = Clock::now();
    const double load_us = std::chrono::duration<double, std::micro>(t1 - t0).count() / iterations;
    const double sign_us = std::chrono::duration<double, std::micro>(t2 - t1).count() / iterations;
    std::printf("%s %.1f %.1f %.0f\n", crypto::jws_alg_name(alg), load_us, sign_us, 1e6 / (load_us + sign_us));
    if (total == 0) return 3;
  }
  return 0;
}
