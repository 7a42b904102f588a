#define BOOST_TEST_MODULE algorithms
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <openssl/evp.h>

#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/master_key.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/jws.h"
#include "jwks/jose/thumbprint.h"
#include "vectors.h"

using namespace jwks;
using crypto::JwsAlg;
namespace data = boost::unit_test::data;

namespace {

using jwks::test::b64;
using jwks::test::bytes;

const JwsAlg kAlgs[] = {JwsAlg::kRS256, JwsAlg::kPS256, JwsAlg::kES256, JwsAlg::kEdDSA};


// The JWK's RFC 7638 thumbprint; a JWK without one fails the test here
// rather than compare as an empty string.
std::string thumbprint(const nlohmann::json& jwk) {
  auto t = jose::jwk_thumbprint(jwk);
  BOOST_REQUIRE_MESSAGE(t.has_value(), "no thumbprint for " << jwk.dump());
  return *t;
}

}  // namespace

namespace jwks::crypto {
std::ostream& operator<<(std::ostream& os, JwsAlg alg) { return os << jws_alg_name(alg); }
}  // namespace jwks::crypto

BOOST_DATA_TEST_CASE(sign_and_verify_with_the_right_key_only, data::make(kAlgs), alg) {
  crypto::PkeyPtr key = crypto::generate_key(alg);
  crypto::PkeyPtr other = crypto::generate_key(alg);
  const std::string message = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";
  std::vector<std::uint8_t> sig = crypto::sign(alg, *key, bytes(message));
  BOOST_TEST(crypto::verify(alg, *key, bytes(message), sig));
  BOOST_TEST(!crypto::verify(alg, *other, bytes(message), sig));
  BOOST_TEST(!crypto::verify(alg, *key, bytes(message + "x"), sig));
  auto flipped = sig;
  flipped[flipped.size() / 2] ^= 0x01;
  BOOST_TEST(!crypto::verify(alg, *key, bytes(message), flipped));
  BOOST_TEST(!crypto::verify(alg, *key, bytes(message), std::vector<std::uint8_t>{}));

  // Verification needs only the published JWK.
  nlohmann::json jwk = jose::public_members_json(crypto::public_members(*key));
  auto members = jose::members_from_jwk(jwk);
  BOOST_REQUIRE(members.has_value());
  crypto::PkeyPtr pub = crypto::public_key(*members);
  BOOST_TEST(crypto::verify(alg, *pub, bytes(message), sig));
  BOOST_TEST(!jwk.contains("d"));
  BOOST_TEST(jose::jwk_thumbprint(jwk).has_value());

  // Sealed and reopened, the key still signs verifiably.
  auto master = crypto::MasterKey::from_secret("a test master secret of 32+ bytes!!");
  auto reopened = crypto::open_private_key(master.value(), crypto::seal_private_key(master.value(), *key));
  BOOST_REQUIRE(reopened.ok());
  BOOST_TEST(crypto::verify(alg, *pub, bytes(message), crypto::sign(alg, *reopened.value(), bytes(message))));
}

BOOST_AUTO_TEST_CASE(jwk_members_per_key_type) {
  auto rsa = jose::public_members_json(crypto::public_members(*crypto::generate_key(JwsAlg::kRS256)));
  BOOST_TEST(rsa.size() == 3u);
  BOOST_TEST(rsa["kty"] == "RSA");
  BOOST_TEST(jose::base64url_decode(rsa["n"].get<std::string>())->size() == 256u);
  BOOST_TEST(rsa["e"] == "AQAB");

  auto ec = jose::public_members_json(crypto::public_members(*crypto::generate_key(JwsAlg::kES256)));
  BOOST_TEST(ec.size() == 4u);
  BOOST_TEST(ec["kty"] == "EC");
  BOOST_TEST(ec["crv"] == "P-256");
  BOOST_TEST(jose::base64url_decode(ec["x"].get<std::string>())->size() == 32u);  // fixed width (RFC 7518 §6.2.1.2)
  BOOST_TEST(jose::base64url_decode(ec["y"].get<std::string>())->size() == 32u);

  auto okp = jose::public_members_json(crypto::public_members(*crypto::generate_key(JwsAlg::kEdDSA)));
  BOOST_TEST(okp.size() == 3u);
  BOOST_TEST(okp["kty"] == "OKP");
  BOOST_TEST(okp["crv"] == "Ed25519");
  BOOST_TEST(jose::base64url_decode(okp["x"].get<std::string>())->size() == 32u);
}

BOOST_AUTO_TEST_CASE(signature_shapes) {
  const std::string m = "message";
  auto ec = crypto::generate_key(JwsAlg::kES256);
  auto a = crypto::sign(JwsAlg::kES256, *ec, bytes(m)), b = crypto::sign(JwsAlg::kES256, *ec, bytes(m));
  BOOST_TEST(a.size() == 64u);  // raw r||s, not DER
  BOOST_TEST(a != b);            // randomized
  auto rsa = crypto::generate_key(JwsAlg::kPS256);
  auto p1 = crypto::sign(JwsAlg::kPS256, *rsa, bytes(m)), p2 = crypto::sign(JwsAlg::kPS256, *rsa, bytes(m));
  BOOST_TEST(p1 != p2);  // PSS is randomized
  BOOST_TEST(!crypto::verify(JwsAlg::kRS256, *rsa, bytes(m), p1));  // PS256 is not RS256
  auto ed = crypto::generate_key(JwsAlg::kEdDSA);
  BOOST_TEST(crypto::sign(JwsAlg::kEdDSA, *ed, bytes(m)) == crypto::sign(JwsAlg::kEdDSA, *ed, bytes(m)),
             boost::test_tools::per_element());  // deterministic
  BOOST_CHECK_THROW(crypto::sign(JwsAlg::kES256, *rsa, bytes(m)), crypto::CryptoError);  // wrong key type
  BOOST_TEST(!crypto::verify(JwsAlg::kEdDSA, *rsa, bytes(m), p1));
}

BOOST_AUTO_TEST_CASE(algorithm_names) {
  for (JwsAlg alg : kAlgs) BOOST_TEST((crypto::parse_jws_alg(crypto::jws_alg_name(alg)) == alg));
  for (const char* bad : {"", "none", "HS256", "rs256", "ES384", "EDDSA"})
    BOOST_TEST(!crypto::parse_jws_alg(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(malformed_jwks_are_rejected) {
  for (const char* text : {R"({})", R"({"kty":"RSA","n":"AQAB"})", R"({"kty":"EC","crv":"P-256","x":"AQAB"})",
                           R"({"kty":"OKP","crv":"Ed25519"})", R"({"kty":"oct","k":"AQAB"})",
                           R"({"kty":"RSA","n":"A+B/","e":"AQAB"})", R"([])"})
    BOOST_TEST(!jose::members_from_jwk(nlohmann::json::parse(text)).has_value(), text);
  crypto::PublicKeyMembers short_x{"OKP", "Ed25519", {}, {}, {1, 2, 3}, {}};
  BOOST_CHECK_THROW(crypto::public_key(short_x), crypto::CryptoError);
}

// RFC 8037 A.1-A.4: Ed25519 is deterministic, so the appendix's JWS is
// reproduced byte for byte from its private key.
BOOST_AUTO_TEST_CASE(eddsa_known_answer_rfc8037_a4) {
  const nlohmann::json v = test::load_vector("rfc8037_a4.json");
  auto d = jose::base64url_decode(v["private_jwk"]["d"].get<std::string>());
  BOOST_REQUIRE(d.has_value());
  crypto::PkeyPtr key = crypto::ed25519_private_key(*d);

  // A.2: the public key the private key implies, as our JWK members.
  const nlohmann::json members = jose::public_members_json(crypto::public_members(*key));
  BOOST_TEST(members == v["public_jwk"]);
  // A.3: its thumbprint (the kid this issuer would publish it under).
  BOOST_TEST(thumbprint(members) == v["thumbprint"].get<std::string>());

  // A.4: the signature and the whole compact serialization.
  const std::string compact =
      jose::sign_compact(v["protected"].get<std::string>(), v["payload"].get<std::string>(),
                         [&](std::span<const std::uint8_t> input) { return crypto::sign(JwsAlg::kEdDSA, *key, input); });
  BOOST_TEST(compact == v["compact"].get<std::string>());

  // A.5: it verifies with the public JWK alone, and not once altered.
  auto parts = jose::parse_compact(v["compact"].get<std::string>());
  BOOST_REQUIRE(parts.has_value());
  auto public_members = jose::members_from_jwk(v["public_jwk"]);
  BOOST_REQUIRE(public_members.has_value());
  crypto::PkeyPtr pub = crypto::public_key(*public_members);
  BOOST_TEST(crypto::verify(JwsAlg::kEdDSA, *pub, bytes(parts->signing_input), parts->signature));
  std::vector<std::uint8_t> bad = parts->signature;
  bad[0] ^= 0x01;
  BOOST_TEST(!crypto::verify(JwsAlg::kEdDSA, *pub, bytes(parts->signing_input), bad));
  BOOST_TEST(!crypto::verify(JwsAlg::kEdDSA, *pub, bytes(parts->signing_input + "x"), parts->signature));
}

// RFC 7638 section 3.1: the thumbprint of the RFC's RSA key; the optional
// members (alg, kid) do not change it.
BOOST_AUTO_TEST_CASE(thumbprint_known_answer_rfc7638) {
  const nlohmann::json v = test::load_vector("rfc7638_3_1.json");
  BOOST_TEST(thumbprint(v["jwk"]) == v["thumbprint"].get<std::string>());
  nlohmann::json bare = v["jwk"];
  bare.erase("alg");
  bare.erase("kid");
  BOOST_TEST(thumbprint(bare) == v["thumbprint"].get<std::string>());
  bare["e"] = "AQAC";  // a different key, a different thumbprint
  BOOST_TEST(thumbprint(bare) != v["thumbprint"].get<std::string>());
}

namespace {

// The CryptoError `f` throws, or a failed test if it returns.
template <typename F>
std::string crypto_error(F f) {
  try {
    f();
  } catch (const crypto::CryptoError& e) {
    return e.what();
  }
  BOOST_FAIL("no CryptoError");
  return {};
}

// Keys this issuer never makes: an EC key on another curve, an X25519 key.
crypto::PkeyPtr p384_key() { return crypto::PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384")); }
crypto::PkeyPtr x25519_key() { return crypto::PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519")); }

}  // namespace

// A key of the wrong type never signs, whichever pairing, and the error says
// which algorithm it does not suit; verify says false.
BOOST_AUTO_TEST_CASE(wrong_key_types_are_refused_by_name) {
  const std::string m = "header.payload";
  crypto::PkeyPtr rsa = crypto::generate_key(JwsAlg::kRS256), ec = crypto::generate_key(JwsAlg::kES256),
                  ed = crypto::generate_key(JwsAlg::kEdDSA), x = x25519_key();
  BOOST_REQUIRE(x);
  struct Case {
    JwsAlg alg;
    const EVP_PKEY& key;
  };
  for (const Case& c : {Case{JwsAlg::kRS256, *ec}, Case{JwsAlg::kRS256, *ed}, Case{JwsAlg::kPS256, *ec},
                        Case{JwsAlg::kPS256, *x}, Case{JwsAlg::kES256, *rsa}, Case{JwsAlg::kES256, *ed},
                        Case{JwsAlg::kEdDSA, *rsa}, Case{JwsAlg::kEdDSA, *ec}, Case{JwsAlg::kEdDSA, *x}}) {
    BOOST_TEST_CONTEXT(c.alg << " with a " << EVP_PKEY_get0_type_name(&c.key) << " key") {
      BOOST_TEST(crypto_error([&] { crypto::sign(c.alg, c.key, bytes(m)); }) ==
                 std::string("sign: the key does not suit ") + crypto::jws_alg_name(c.alg));
      BOOST_TEST(!crypto::verify(c.alg, c.key, bytes(m), std::vector<std::uint8_t>(64, 1)));
    }
  }
  BOOST_TEST(crypto_error([&] { crypto::rsa_public_components(*ec); }) == "rsa_public_components: not an RSA key");
}

// Another curve, another key type: no JWK members for them, with the reason.
BOOST_AUTO_TEST_CASE(unsupported_keys_have_no_public_members) {
  crypto::PkeyPtr p384 = p384_key(), x = x25519_key();
  BOOST_REQUIRE(p384);
  BOOST_REQUIRE(x);
  BOOST_TEST(crypto_error([&] { crypto::public_members(*p384); }) == "public_members: only P-256 EC keys are supported");
  BOOST_TEST(crypto_error([&] { crypto::public_members(*x); }) == "public_members: unsupported key type");
  // Nor does it sign ES256, which is P-256 only (RFC 7518 §3.4), nor verify.
  BOOST_TEST(crypto_error([&] { crypto::sign(JwsAlg::kES256, *p384, bytes("m")); }) ==
             "sign: the key does not suit ES256");
  BOOST_TEST(!crypto::verify(JwsAlg::kES256, *p384, bytes("m"), std::vector<std::uint8_t>(64, 1)));
}

// Members that do not make a key this issuer accepts (a JWK read back from the
// store, damaged): each refused with the same message, never a key.
BOOST_AUTO_TEST_CASE(malformed_members_make_no_key) {
  const std::vector<std::uint8_t> b31(31, 7), b32(32, 7);
  const crypto::PublicKeyMembers cases[] = {
      {"oct", "", {}, {}, b32, {}},          {"OKP", "X25519", {}, {}, b32, {}}, {"OKP", "Ed25519", {}, {}, b31, {}},
      {"EC", "P-384", {}, {}, b32, b32},     {"EC", "P-256", {}, {}, b31, b32},  {"EC", "P-256", {}, {}, b32, b31},
      {"OKP", "Ed25519", {}, {}, {}, {}},    {"", "", {}, {}, {}, {}},
  };
  for (const auto& m : cases)
    BOOST_TEST(crypto_error([&] { crypto::public_key(m); }) == "public_key: unsupported or malformed key members",
               m.kty << " " << m.crv << " x" << m.x.size() << " y" << m.y.size());
  // The right sizes but a point that is not on P-256: OpenSSL refuses it.
  const std::string off_curve = crypto_error([&] { crypto::public_key({"EC", "P-256", {}, {}, b32, b32}); });
  BOOST_TEST(off_curve.rfind("EVP_PKEY_fromdata(EC): ", 0) == 0u, off_curve);
}
