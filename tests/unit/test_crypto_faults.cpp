// OpenSSL failing under us: every allocation OpenSSL makes during one
// operation is failed in turn (the first in one run, the second in the next,
// ...), the way BoringSSL's malloc tests do, until a run makes no allocation
// that fails. Each run must end in one of two ways: the correct result (the
// known-answer bytes where there are some), or a CryptoError that names the
// call that failed. Never a crash, never a wrong key, signature or envelope,
// and never a forged signature accepted. Operations whose contract is an error
// value for bad input (open, import) may also answer with that value, and
// verify may call a genuine signature invalid: both fail closed.
//
// The allocator is OpenSSL's own seam, CRYPTO_set_mem_functions, installed by
// a static initializer before OpenSSL allocates anything (it refuses once it
// has), so this suite is an executable of its own.
#define BOOST_TEST_MODULE crypto_faults
#include <boost/test/unit_test.hpp>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "jwks/crypto/digest.h"
#include "jwks/crypto/envelope.h"
#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/key_material.h"
#include "jwks/crypto/master_key.h"
#include "jwks/crypto/pkcs8.h"
#include "jwks/crypto/random.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/thumbprint.h"
#include "vectors.h"

using namespace jwks;
using crypto::JwsAlg;

namespace {

using jwks::test::b64;
using jwks::test::bytes;

// --- the failing allocator --------------------------------------------------

long g_allocations = 0;  // OpenSSL allocations since the last arm()
long g_fail_at = 0;      // the one to fail (1-based); 0: none
bool g_injected = false;  // whether it was reached

bool fail_this_one() {
  ++g_allocations;
  if (g_fail_at != 0 && g_allocations == g_fail_at) {
    g_injected = true;
    return true;
  }
  return false;
}

// The same contract as OpenSSL's defaults: no block for a size of 0, and
// realloc(nullptr, n) is malloc, realloc(p, 0) is free.
void* test_malloc(std::size_t num, const char*, int) {
  if (num == 0 || fail_this_one()) return nullptr;
  return std::malloc(num);
}

void* test_realloc(void* p, std::size_t num, const char* file, int line) {
  if (p == nullptr) return test_malloc(num, file, line);
  if (num == 0) {
    std::free(p);
    return nullptr;
  }
  if (fail_this_one()) return nullptr;
  return std::realloc(p, num);
}

void test_free(void* p, const char*, int) { std::free(p); }

const bool kAllocatorInstalled = CRYPTO_set_mem_functions(test_malloc, test_realloc, test_free) == 1;

void arm(long n) {
  g_allocations = 0;
  g_fail_at = n;
  g_injected = false;
}

// Stops failing; true if the armed allocation was reached.
bool disarm() {
  g_fail_at = 0;
  return g_injected;
}

constexpr long kMaxRuns = 20000;  // far more allocations than any operation here makes

struct Tally {
  long runs = 0, threw = 0, refused = 0, right_despite_a_failure = 0;
};

// Runs `run` once with the 1st OpenSSL allocation failing, then the 2nd, ...
// until a run reaches no armed allocation. A run that returns is judged by
// `check(result, injected)`: it asserts what may come out and says whether
// the result is the right answer (true) or a refusal the contract allows
// (false). A run that throws must throw CryptoError naming an OpenSSL call.
// The last run, with nothing failing, must give the right answer.
template <typename Run, typename Check>
Tally under_allocation_failures(const std::string& what, Run run, Check check) {
  Tally t;
  for (long n = 1;; ++n) {
    BOOST_REQUIRE_MESSAGE(n <= kMaxRuns, what << ": still allocating after " << kMaxRuns << " runs");
    ERR_clear_error();
    std::optional<decltype(run())> result;
    std::string error;
    arm(n);
    try {
      result.emplace(run());
    } catch (const crypto::CryptoError& e) {
      error = e.what();
    }
    const bool injected = disarm();
    ++t.runs;
    BOOST_TEST_CONTEXT(what << ", allocation " << n << " failing" << (injected ? "" : " (not reached)")) {
      if (result) {
        const bool right = check(*result, injected);
        if (!right) ++t.refused;
        if (right && injected) ++t.right_despite_a_failure;
        if (!injected) BOOST_TEST(right, "wrong answer with nothing failing");
      } else {
        ++t.threw;
        BOOST_TEST(injected, "threw with nothing failing: " << error);
        // throw_openssl_error's "<call>: <OpenSSL's reason>", never empty.
        BOOST_TEST(error.find(": ") != std::string::npos, error);
        BOOST_TEST(ERR_peek_error() == 0u, error);  // the queue was cleared for the next caller
      }
    }
    if (!injected) {
      BOOST_TEST(result.has_value(), what);
      break;
    }
  }
  BOOST_TEST_MESSAGE(what << ": " << t.runs - 1 << " allocations failed in turn; " << t.threw
                          << " runs threw CryptoError, " << t.refused << " refused, "
                          << t.right_despite_a_failure << " still gave the right answer");
  // The operation did allocate, so the failures above tested something.
  BOOST_TEST(t.runs > 1, what);
  return t;
}

// --- known answers ------------------------------------------------------------

using Bytes = std::vector<std::uint8_t>;



Bytes copy(const crypto::SecureBytes& s) { return Bytes(s.data(), s.data() + s.size()); }

// Counts up from 1: a seal with it is reproducible, so its envelope is a known answer.
class CountingRandom final : public crypto::RandomSource {
 public:
  void fill(std::span<std::uint8_t> out) override {
    for (auto& b : out) b = next_++;
  }

 private:
  std::uint8_t next_ = 1;
};

// The RFC keys (RFC 7515 A.2 RSA, A.3 P-256, RFC 8037 A.4 Ed25519) and what
// they are known to produce, computed once with nothing failing.
struct Vectors {
  nlohmann::json rsa = test::load_vector("rfc7515_a2.json");
  nlohmann::json p256 = test::load_vector("rfc7515_a3.json");
  nlohmann::json ed = test::load_vector("rfc8037_a4.json");
  nlohmann::json rfc7638 = test::load_vector("rfc7638_3_1.json");

  nlohmann::json rsa_jwk = rsa.at("jwk");
  Bytes n = b64(rsa_jwk, "n"), e = b64(rsa_jwk, "e"), d = b64(rsa_jwk, "d"), p = b64(rsa_jwk, "p"),
        q = b64(rsa_jwk, "q"), dp = b64(rsa_jwk, "dp"), dq = b64(rsa_jwk, "dq"), qi = b64(rsa_jwk, "qi");
  std::string rsa_input = rsa.at("signing_input");
  Bytes rsa_signature = b64(rsa, "signature_b64");

  std::string p256_input = p256.at("signing_input");
  Bytes p256_signature = b64(p256, "signature_b64");

  Bytes ed_seed = b64(ed.at("private_jwk"), "d");
  std::string ed_input = ed.at("protected_b64").get<std::string>() + "." + ed.at("payload_b64").get<std::string>();
  Bytes ed_signature = b64(ed, "signature_b64");

  crypto::RsaPrivateComponents rsa_components() const { return {n, e, d, p, q, dp, dq, qi}; }
  Bytes p256_material() const {
    Bytes point{0x04}, x = b64(p256.at("jwk"), "x"), y = b64(p256.at("jwk"), "y");
    point.insert(point.end(), x.begin(), x.end());
    point.insert(point.end(), y.begin(), y.end());
    return layout(2, {b64(p256.at("jwk"), "d"), point});
  }
  static Bytes layout(std::uint8_t type, std::initializer_list<Bytes> fields) {
    return test::key_material_layout(type, fields);
  }
};

const Vectors& vectors() {
  static const Vectors v;
  return v;
}

struct Keys {
  crypto::PkeyPtr rsa = crypto::rsa_private_key(vectors().rsa_components());
  crypto::PkeyPtr p256 = crypto::import_key_material(vectors().p256_material()).value();
  crypto::PkeyPtr ed = crypto::ed25519_private_key(vectors().ed_seed);
  Bytes rsa_material = copy(crypto::export_key_material(*rsa));
  Bytes p256_material = copy(crypto::export_key_material(*p256));
  Bytes ed_material = copy(crypto::export_key_material(*ed));
};

const Keys& keys() {
  static const Keys k;
  return k;
}

crypto::MasterKey master() {
  return crypto::MasterKey::from_secret("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").value();
}

const EVP_PKEY& key_for(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS256:
    case JwsAlg::kPS256: return *keys().rsa;
    case JwsAlg::kES256: return *keys().p256;
    case JwsAlg::kEdDSA: return *keys().ed;
  }
  throw std::logic_error("no key");
}

// Every operation below once with nothing failing, so OpenSSL's one-time
// set-up (providers, algorithm caches, error strings, the DRBG) is done and
// the failures land in the operations themselves.
struct WarmUp {
  WarmUp() {
    if (!kAllocatorInstalled) throw std::runtime_error("CRYPTO_set_mem_functions refused: OpenSSL allocated first");
    const std::string m = "warm up";
    for (JwsAlg alg : {JwsAlg::kRS256, JwsAlg::kPS256, JwsAlg::kES256, JwsAlg::kEdDSA}) {
      if (!crypto::verify(alg, key_for(alg), bytes(m), crypto::sign(alg, key_for(alg), bytes(m))))
        throw std::runtime_error("warm-up signature does not verify");
      crypto::public_key(crypto::public_members(key_for(alg)));
      crypto::import_pkcs8_der(crypto::export_pkcs8_der(key_for(alg)).span());
    }
    auto k = master();
    if (!crypto::open(k, crypto::seal(k, bytes(m))).ok()) throw std::runtime_error("warm-up envelope does not open");
    crypto::generate_key(JwsAlg::kES256);
    crypto::generate_key(JwsAlg::kEdDSA);
    crypto::generate_rsa(512);
    crypto::sha256(bytes(m));
    crypto::hmac_sha256(bytes(m), bytes(m));
    crypto::export_spki_pem(*keys().rsa);
    char buf[256];
    ERR_error_string_n(ERR_PACK(ERR_LIB_EVP, 0, ERR_R_MALLOC_FAILURE), buf, sizeof buf);
  }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(WarmUp);

BOOST_AUTO_TEST_CASE(allocator_is_installed) {
  BOOST_TEST(kAllocatorInstalled);
  // The seam counts what OpenSSL allocates: a digest context at least.
  arm(0);
  crypto::sha256(bytes("x"));
  disarm();
  BOOST_TEST(g_allocations > 0);
}

// RS256 and EdDSA are deterministic: under every failure the signature is the
// RFC's, byte for byte, or there is none.
BOOST_AUTO_TEST_CASE(deterministic_signatures_are_the_known_answer_or_nothing) {
  const Vectors& v = vectors();
  under_allocation_failures(
      "sign RS256", [&] { return crypto::sign(JwsAlg::kRS256, *keys().rsa, bytes(v.rsa_input)); },
      [&](const Bytes& sig, bool) {
        BOOST_TEST(sig == v.rsa_signature, boost::test_tools::per_element());
        return sig == v.rsa_signature;
      });
  under_allocation_failures(
      "sign EdDSA", [&] { return crypto::sign(JwsAlg::kEdDSA, *keys().ed, bytes(v.ed_input)); },
      [&](const Bytes& sig, bool) {
        BOOST_TEST(sig == v.ed_signature, boost::test_tools::per_element());
        return sig == v.ed_signature;
      });
}

// PS256 and ES256 are randomized: what comes out must verify (checked with
// nothing failing), and ES256 is always the 64-byte r||s.
BOOST_AUTO_TEST_CASE(randomized_signatures_verify_or_there_is_none) {
  const std::string m = "eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";
  for (JwsAlg alg : {JwsAlg::kPS256, JwsAlg::kES256}) {
    under_allocation_failures(
        std::string("sign ") + crypto::jws_alg_name(alg), [&] { return crypto::sign(alg, key_for(alg), bytes(m)); },
        [&](const Bytes& sig, bool) {
          const bool good = crypto::verify(alg, key_for(alg), bytes(m), sig) &&
                            (alg != JwsAlg::kES256 || sig.size() == 64u);
          BOOST_TEST(good);
          return good;
        });
  }
}

// Under failures verify may call a genuine signature invalid (it fails
// closed), but it never accepts one that is not: a flipped bit, another
// message.
BOOST_AUTO_TEST_CASE(verify_never_accepts_a_forgery) {
  const std::string m = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJib2IifQ";
  for (JwsAlg alg : {JwsAlg::kRS256, JwsAlg::kPS256, JwsAlg::kES256, JwsAlg::kEdDSA}) {
    const Bytes sig = crypto::sign(alg, key_for(alg), bytes(m));
    Bytes forged = sig;
    forged[forged.size() / 2] ^= 0x01;
    const std::string name = crypto::jws_alg_name(alg);
    under_allocation_failures(
        "verify " + name + " genuine", [&] { return crypto::verify(alg, key_for(alg), bytes(m), sig); },
        [](bool ok, bool) { return ok; });
    under_allocation_failures(
        "verify " + name + " forged", [&] { return crypto::verify(alg, key_for(alg), bytes(m), forged); },
        [](bool ok, bool) {
          BOOST_TEST(!ok);
          return !ok;
        });
    under_allocation_failures(
        "verify " + name + " other message",
        [&] { return crypto::verify(alg, key_for(alg), bytes(m + "."), sig); },
        [](bool ok, bool) {
          BOOST_TEST(!ok);
          return !ok;
        });
  }
  // The RFC's ES256 signature with a public key built from the JWK members.
  const Vectors& v = vectors();
  auto pub = crypto::public_key(*jose::members_from_jwk(v.p256.at("jwk")));
  under_allocation_failures(
      "verify ES256 RFC 7515 A.3",
      [&] { return crypto::verify(JwsAlg::kES256, *pub, bytes(v.p256_input), v.p256_signature); },
      [](bool ok, bool) { return ok; });
}

// A seal with reproducible randomness is a known answer: the same envelope
// byte for byte, or none.
BOOST_AUTO_TEST_CASE(seal_gives_the_same_envelope_or_none) {
  const crypto::MasterKey k = master();
  const Bytes plain = keys().ed_material;
  CountingRandom r0;
  const Bytes expected = crypto::seal(k, plain, r0);
  under_allocation_failures(
      "seal",
      [&] {
        CountingRandom r;
        return crypto::seal(k, plain, r);
      },
      [&](const Bytes& env, bool) {
        BOOST_TEST(env == expected, boost::test_tools::per_element());
        return env == expected;
      });
  under_allocation_failures(
      "open",
      [&] { return crypto::open(k, expected); },
      [&](const util::Result<crypto::SecureBytes, crypto::EnvelopeError>& r, bool injected) {
        if (!r) {
          BOOST_TEST(injected);  // only a failure inside OpenSSL turns a good envelope down
          return false;
        }
        BOOST_TEST(copy(*r) == plain, boost::test_tools::per_element());
        return copy(*r) == plain;
      });
}

// The master key's HKDF: the key derived under failures seals exactly what
// the one derived without them seals.
BOOST_AUTO_TEST_CASE(master_key_derivation_is_right_or_throws) {
  const Bytes plain{1, 2, 3, 4, 5};
  CountingRandom r0;
  const Bytes expected = crypto::seal(master(), plain, r0);
  under_allocation_failures(
      "MasterKey::from_secret", [] { return master(); },
      [&](const crypto::MasterKey& k, bool) {
        CountingRandom r;
        const bool same = crypto::seal(k, plain, r) == expected;
        BOOST_TEST(same);
        return same;
      });
}

// Exporting a key gives the documented bytes or throws; importing them gives
// the same key back, or the malformed-material value.
// The check of an import under allocation failures: a key that exports to
// the material it came from, or a failure where one was injected.
auto imports_back(const Bytes& material) {
  return [&material](const util::Result<crypto::PkeyPtr, crypto::KeyDecodeError>& r, bool injected) {
    if (!r) {
      BOOST_TEST(injected);
      return false;
    }
    const bool same = copy(crypto::export_key_material(*r.value())) == material;
    BOOST_TEST(same);
    return same;
  };
}

BOOST_AUTO_TEST_CASE(key_material_round_trips_or_fails) {
  struct Case {
    const char* name;
    const EVP_PKEY& key;
    const Bytes& material;
  };
  for (const Case& c : {Case{"RSA", *keys().rsa, keys().rsa_material}, Case{"P-256", *keys().p256, keys().p256_material},
                        Case{"Ed25519", *keys().ed, keys().ed_material}}) {
    under_allocation_failures(
        std::string("export_key_material ") + c.name, [&] { return copy(crypto::export_key_material(c.key)); },
        [&](const Bytes& m, bool) {
          BOOST_TEST(m == c.material, boost::test_tools::per_element());
          return m == c.material;
        });
    under_allocation_failures(
        std::string("import_key_material ") + c.name, [&] { return crypto::import_key_material(c.material); },
        imports_back(c.material));
    const Bytes der = copy(crypto::export_pkcs8_der(c.key));
    under_allocation_failures(
        std::string("export_pkcs8_der ") + c.name, [&] { return copy(crypto::export_pkcs8_der(c.key)); },
        [&](const Bytes& m, bool) {
          BOOST_TEST(m == der, boost::test_tools::per_element());
          return m == der;
        });
    // OpenSSL's decoder chain is the same code for every key type and makes
    // thousands of allocations: one type is enough.
    if (std::string_view(c.name) != "Ed25519") continue;
    under_allocation_failures(
        std::string("import_pkcs8_der ") + c.name, [&] { return crypto::import_pkcs8_der(der); },
        imports_back(c.material));
  }
}

// A private key sealed and opened again under failures: the envelope opens
// (with nothing failing) to the same key, and opening gives the same key or
// an error text.
BOOST_AUTO_TEST_CASE(sealed_private_keys_round_trip_or_fail) {
  const crypto::MasterKey k = master();
  CountingRandom r0;
  const Bytes expected = crypto::seal_private_key(k, *keys().p256, r0);
  under_allocation_failures(
      "seal_private_key",
      [&] {
        CountingRandom r;
        return crypto::seal_private_key(k, *keys().p256, r);
      },
      [&](const Bytes& env, bool) {
        BOOST_TEST(env == expected, boost::test_tools::per_element());
        return env == expected;
      });
  under_allocation_failures(
      "open_private_key", [&] { return crypto::open_private_key(k, expected); },
      [&](const util::Result<crypto::PkeyPtr, std::string>& r, bool injected) {
        if (!r) {
          BOOST_TEST(injected, r.error());
          return false;
        }
        const bool same = copy(crypto::export_key_material(*r.value())) == keys().p256_material;
        BOOST_TEST(same);
        return same;
      });
}

// The RSA builders from components: the RFC key signs the RFC's signature,
// the public one verifies it.
BOOST_AUTO_TEST_CASE(rsa_keys_from_components_are_right_or_throw) {
  const Vectors& v = vectors();
  under_allocation_failures(
      "rsa_private_key", [&] { return crypto::rsa_private_key(v.rsa_components()); },
      [&](const crypto::PkeyPtr& key, bool) {
        const bool same = crypto::sign(JwsAlg::kRS256, *key, bytes(v.rsa_input)) == v.rsa_signature;
        BOOST_TEST(same);
        return same;
      });
  under_allocation_failures(
      "rsa_public_key", [&] { return crypto::rsa_public_key(v.n, v.e); },
      [&](const crypto::PkeyPtr& key, bool) {
        const bool ok = crypto::verify(JwsAlg::kRS256, *key, bytes(v.rsa_input), v.rsa_signature) &&
                        crypto::rsa_public_components(*key).n == v.n;
        BOOST_TEST(ok);
        return ok;
      });
  under_allocation_failures(
      "ed25519_private_key", [&] { return crypto::ed25519_private_key(v.ed_seed); },
      [&](const crypto::PkeyPtr& key, bool) {
        const bool same = crypto::sign(JwsAlg::kEdDSA, *key, bytes(v.ed_input)) == v.ed_signature;
        BOOST_TEST(same);
        return same;
      });
}

// Public members out of a key and a key out of them: the JWK the RFC gives,
// and a key that verifies the RFC's signature.
BOOST_AUTO_TEST_CASE(public_members_and_public_keys_are_right_or_throw) {
  const Vectors& v = vectors();
  struct Case {
    const char* name;
    const EVP_PKEY& key;
    nlohmann::json jwk;
    JwsAlg alg;
    const std::string& input;
    const Bytes& signature;
  };
  nlohmann::json rsa_jwk{{"kty", "RSA"}, {"n", v.rsa_jwk.at("n")}, {"e", v.rsa_jwk.at("e")}};
  nlohmann::json p256_jwk = v.p256.at("jwk");
  p256_jwk.erase("d");
  for (const Case& c : {Case{"RSA", *keys().rsa, rsa_jwk, JwsAlg::kRS256, v.rsa_input, v.rsa_signature},
                        Case{"P-256", *keys().p256, p256_jwk, JwsAlg::kES256, v.p256_input, v.p256_signature},
                        Case{"Ed25519", *keys().ed, v.ed.at("public_jwk"), JwsAlg::kEdDSA, v.ed_input, v.ed_signature}}) {
    under_allocation_failures(
        std::string("public_members ") + c.name, [&] { return jose::public_members_json(crypto::public_members(c.key)); },
        [&](const nlohmann::json& j, bool) {
          BOOST_TEST(j == c.jwk, j.dump());
          return j == c.jwk;
        });
    const crypto::PublicKeyMembers members = *jose::members_from_jwk(c.jwk);
    under_allocation_failures(
        std::string("public_key ") + c.name, [&] { return crypto::public_key(members); },
        [&](const crypto::PkeyPtr& key, bool) {
          const bool ok = crypto::verify(c.alg, *key, bytes(c.input), c.signature);
          BOOST_TEST(ok);
          return ok;
        });
  }
}

// RFC 7638 §3.1: the thumbprint is the RFC's, or SHA-256 threw.
BOOST_AUTO_TEST_CASE(thumbprint_is_the_known_answer_or_throws) {
  const Vectors& v = vectors();
  const std::string expected = v.rfc7638.at("thumbprint");
  under_allocation_failures(
      "jwk_thumbprint", [&] { return jose::jwk_thumbprint(v.rfc7638.at("jwk")); },
      [&](const std::optional<std::string>& t, bool) {
        BOOST_TEST(t.value_or("") == expected);
        return t == expected;
      });
}

// The test kit's HMAC (RFC 4231 §4.3) and PEM (of the RFC 7515 A.2 key): the
// known answer, or CryptoError.
BOOST_AUTO_TEST_CASE(hmac_and_pem_are_the_known_answer_or_throw) {
  under_allocation_failures(
      "hmac_sha256", [&] { return crypto::hmac_sha256(bytes(test::kRfc4231Case2Key), bytes(test::kRfc4231Case2Data)); },
      [&](const std::array<std::uint8_t, 32>& mac, bool) {
        BOOST_TEST(jose::base64url_encode(mac) == test::kRfc4231Case2Mac);
        return jose::base64url_encode(mac) == test::kRfc4231Case2Mac;
      });
  under_allocation_failures(
      "export_spki_pem", [&] { return crypto::export_spki_pem(*keys().rsa); },
      [&](const std::string& pem, bool) {
        BOOST_TEST(pem == test::kRfc7515A2SpkiPem);
        return pem == test::kRfc7515A2SpkiPem;
      });
}

// Key generation: a key that signs and verifies, or CryptoError.
BOOST_AUTO_TEST_CASE(generated_keys_work_or_generation_throws) {
  const std::string m = "header.payload";
  auto works = [&](JwsAlg alg) {
    return [&m, alg](const crypto::PkeyPtr& key, bool) {
      const bool ok = crypto::verify(alg, *key, bytes(m), crypto::sign(alg, *key, bytes(m)));
      BOOST_TEST(ok);
      return ok;
    };
  };
  under_allocation_failures("generate_key ES256", [] { return crypto::generate_key(JwsAlg::kES256); },
                            works(JwsAlg::kES256));
  under_allocation_failures("generate_key EdDSA", [] { return crypto::generate_key(JwsAlg::kEdDSA); },
                            works(JwsAlg::kEdDSA));
  // generate_key's RSA is generate_rsa(2048); 512 bits run the same code in a
  // fraction of the allocations. RS256 fits a 512-bit modulus (PS256 does not).
  under_allocation_failures("generate_rsa(512)", [] { return crypto::generate_rsa(512); }, works(JwsAlg::kRS256));
}
