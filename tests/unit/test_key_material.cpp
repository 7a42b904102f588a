#define BOOST_TEST_MODULE key_material
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>

#include "jwks/crypto/envelope.h"
#include "jwks/crypto/jws_alg.h"
#include "jwks/crypto/key_material.h"
#include "jwks/crypto/master_key.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/sealed_key.h"
#include "jwks/jose/base64url.h"
#include "jwks/jose/jwk.h"
#include "jwks/jose/jws.h"
#include "vectors.h"

using namespace jwks;
using crypto::JwsAlg;
namespace data = boost::unit_test::data;

namespace {

using jwks::test::b64;
using jwks::test::bytes;

using Bytes = std::vector<std::uint8_t>;



// The version 1 layout written out independently of the implementation (vectors.h).
Bytes layout(std::uint8_t type, std::initializer_list<Bytes> fields) { return test::key_material_layout(type, fields); }

Bytes copy(const crypto::SecureBytes& s) { return Bytes(s.data(), s.data() + s.size()); }

const nlohmann::json kRsa = test::load_vector("rfc7515_a2.json");
const nlohmann::json kP256 = test::load_vector("rfc7515_a3.json");
const nlohmann::json kEd25519 = test::load_vector("rfc8037_a4.json");

Bytes rsa_material() {
  const nlohmann::json& j = kRsa.at("jwk");
  return layout(1, {b64(j, "n"), b64(j, "e"), b64(j, "d"), b64(j, "p"), b64(j, "q"), b64(j, "dp"), b64(j, "dq"),
                    b64(j, "qi")});
}
Bytes p256_material() {
  const nlohmann::json& j = kP256.at("jwk");
  Bytes point{0x04};
  for (const char* m : {"x", "y"}) {
    Bytes c = b64(j, m);
    point.insert(point.end(), c.begin(), c.end());
  }
  return layout(2, {b64(j, "d"), point});
}
Bytes ed25519_material() { return layout(3, {b64(kEd25519.at("private_jwk"), "d")}); }

crypto::PkeyPtr import(const Bytes& material) {
  auto key = crypto::import_key_material(material);
  BOOST_REQUIRE(key.ok());
  return std::move(key.value());
}

}  // namespace

namespace jwks::crypto {
std::ostream& operator<<(std::ostream& os, JwsAlg alg) { return os << jws_alg_name(alg); }
}  // namespace jwks::crypto

// RFC 7515 A.2: the components import, sign the RFC's token byte for byte,
// and export back to exactly the same bytes.
BOOST_AUTO_TEST_CASE(rsa_known_answer) {
  crypto::PkeyPtr key = import(rsa_material());
  const std::string token = jose::sign_compact(
      kRsa.at("protected_header").get<std::string>(),
      [] {
        auto p = jose::base64url_decode(kRsa.at("payload_b64").get<std::string>());
        return std::string(p->begin(), p->end());
      }(),
      [&](std::span<const std::uint8_t> input) { return crypto::sign(JwsAlg::kRS256, *key, input); });
  BOOST_TEST(token == kRsa.at("compact").get<std::string>());
  BOOST_TEST(copy(crypto::export_key_material(*key)) == rsa_material(), boost::test_tools::per_element());
}

// RFC 7515 A.3: ECDSA is randomized, so the RFC's signature is checked with
// the public half of the imported key, and a fresh signature verifies with
// the public JWK alone.
BOOST_AUTO_TEST_CASE(p256_known_answer) {
  crypto::PkeyPtr key = import(p256_material());
  const std::string input = kP256.at("signing_input");
  BOOST_TEST(crypto::verify(JwsAlg::kES256, *key, bytes(input), b64(kP256, "signature_b64")));
  auto members = jose::members_from_jwk(kP256.at("jwk"));
  BOOST_REQUIRE(members.has_value());
  crypto::PkeyPtr pub = crypto::public_key(*members);
  BOOST_TEST(crypto::verify(JwsAlg::kES256, *pub, bytes(input), crypto::sign(JwsAlg::kES256, *key, bytes(input))));
  BOOST_TEST(copy(crypto::export_key_material(*key)) == p256_material(), boost::test_tools::per_element());
}

// RFC 8037 A.4: Ed25519 is deterministic, so the signature matches exactly.
BOOST_AUTO_TEST_CASE(ed25519_known_answer) {
  crypto::PkeyPtr key = import(ed25519_material());
  const std::string input = kEd25519.at("protected_b64").get<std::string>() + "." +
                            kEd25519.at("payload_b64").get<std::string>();
  BOOST_TEST(crypto::sign(JwsAlg::kEdDSA, *key, bytes(input)) == b64(kEd25519, "signature_b64"),
             boost::test_tools::per_element());
  BOOST_TEST(copy(crypto::export_key_material(*key)) == ed25519_material(), boost::test_tools::per_element());
}

const JwsAlg kAlgs[] = {JwsAlg::kRS256, JwsAlg::kES256, JwsAlg::kEdDSA};

BOOST_DATA_TEST_CASE(generated_keys_round_trip, data::make(kAlgs), alg) {
  crypto::PkeyPtr key = crypto::generate_key(alg);
  crypto::SecureBytes material = crypto::export_key_material(*key);
  BOOST_TEST(!crypto::is_pkcs8_material(material.span()));
  crypto::PkeyPtr back = import(copy(material));
  const std::string message = "header.payload";
  BOOST_TEST(crypto::verify(alg, *key, bytes(message), crypto::sign(alg, *back, bytes(message))));
  BOOST_TEST((crypto::public_members(*back).x == crypto::public_members(*key).x));
  BOOST_TEST((crypto::public_members(*back).n == crypto::public_members(*key).n));
}

// Keys sealed before the raw format held PKCS#8 DER; they still open and sign.
BOOST_DATA_TEST_CASE(pkcs8_envelopes_still_open, data::make(kAlgs), alg) {
  auto master = crypto::MasterKey::from_secret("a test master secret of 32+ bytes!!");
  BOOST_REQUIRE(master.ok());
  crypto::PkeyPtr key = crypto::generate_key(alg);
  crypto::SecureBytes der = crypto::export_pkcs8_der(*key);
  BOOST_TEST(crypto::is_pkcs8_material(der.span()));
  auto opened = crypto::open_private_key(master.value(), crypto::seal(master.value(), der.span()));
  BOOST_REQUIRE(opened.ok());
  const std::string message = "header.payload";
  BOOST_TEST(crypto::verify(alg, *key, bytes(message), crypto::sign(alg, *opened.value(), bytes(message))));
}

// Every truncation, a trailing byte, and each header or length fault is an
// error value: no exception, no key.
BOOST_AUTO_TEST_CASE(malformed_material_is_refused) {
  for (const Bytes& good : {rsa_material(), p256_material(), ed25519_material()}) {
    for (std::size_t n = 0; n < good.size(); ++n) {
      Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
      BOOST_TEST(!crypto::import_key_material(cut).ok(), "truncated to " << n);
    }
    Bytes longer = good;
    longer.push_back(0);
    BOOST_TEST(!crypto::import_key_material(longer).ok());
    for (std::size_t at : {0, 1, 2, 3}) {
      Bytes bad = good;
      bad[at] = static_cast<std::uint8_t>(bad[at] + 7);
      BOOST_TEST(!crypto::import_key_material(bad).ok(), "header byte " << at);
    }
    Bytes overrun = good;
    overrun[4] = 0xff;  // the first field claims more bytes than there are
    BOOST_TEST(!crypto::import_key_material(overrun).ok());
  }
  const nlohmann::json& j = kRsa.at("jwk");
  const Bytes n = b64(j, "n"), e = b64(j, "e"), d = b64(j, "d");
  // Seven fields, an empty field, a short modulus, an exponent longer than n.
  BOOST_TEST(!crypto::import_key_material(layout(1, {n, e, d, n, n, n, n})).ok());
  BOOST_TEST(!crypto::import_key_material(layout(1, {n, e, {}, n, n, n, n, n})).ok());
  const Bytes short_n(n.begin() + 1, n.end());
  BOOST_TEST(!crypto::import_key_material(layout(1, {short_n, e, d, d, d, d, d, d})).ok());
  Bytes long_d = d;
  long_d.insert(long_d.begin(), 1);
  BOOST_TEST(!crypto::import_key_material(layout(1, {n, e, long_d, d, d, d, d, d})).ok());
  // A P-256 point that is not on the curve, and a compressed point.
  Bytes p256 = p256_material();
  p256[p256.size() - 1] ^= 1;
  BOOST_TEST(!crypto::import_key_material(p256).ok());
  const Bytes d256 = b64(kP256.at("jwk"), "d");
  Bytes compressed{0x02};
  compressed.resize(33, 1);
  BOOST_TEST(!crypto::import_key_material(layout(2, {d256, compressed})).ok());
  // An Ed25519 seed of the wrong length.
  BOOST_TEST(!crypto::import_key_material(layout(3, {Bytes(31, 1)})).ok());
  BOOST_TEST(!crypto::import_key_material(Bytes{}).ok());
}

// Keys this format has no type for are refused by name, not exported as
// something they are not.
BOOST_AUTO_TEST_CASE(unsupported_keys_are_not_exported) {
  auto message = [](const EVP_PKEY& key) -> std::string {
    try {
      crypto::export_key_material(key);
    } catch (const crypto::CryptoError& e) {
      return e.what();
    }
    return "exported";
  };
  crypto::PkeyPtr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  crypto::PkeyPtr x25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  BOOST_REQUIRE(p384);
  BOOST_REQUIRE(x25519);
  BOOST_TEST(message(*p384) == "export_key_material: only P-256 EC keys are supported");
  BOOST_TEST(message(*x25519) == "export_key_material: unsupported key type");
}

// The size rules of each type, at their edges: an exponent of nine bytes, a
// modulus with a leading zero byte or over 8192 bits, a P-256 scalar of 31
// bytes, a point that does not start with 0x04. Each is refused; the RFC key
// with the largest allowed exponent field (eight bytes, leading zeros) is not
// malformed by length alone.
// RSA members that do not make one key (RFC 8017 §3.2) are damaged material,
// though OpenSSL would build a key of them: each pair swapped, e of 0, a
// factor of 1, and a modulus that is not p q.
BOOST_AUTO_TEST_CASE(rsa_members_that_disagree_are_refused) {
  const nlohmann::json& j = kRsa.at("jwk");
  const Bytes n = b64(j, "n"), e = b64(j, "e"), d = b64(j, "d"), p = b64(j, "p"), q = b64(j, "q"), dp = b64(j, "dp"),
              dq = b64(j, "dq"), qi = b64(j, "qi");
  BOOST_REQUIRE(crypto::import_key_material(layout(1, {n, e, d, p, q, dp, dq, qi})).ok());
  const Bytes one{1}, zero_e{0, 0, 0};
  Bytes other_n = n;
  other_n.back() ^= 0x02;
  for (const Bytes& bad : {layout(1, {n, e, d, q, p, dp, dq, qi}), layout(1, {n, e, d, p, q, dq, dp, qi}),
                           layout(1, {n, zero_e, d, p, q, dp, dq, qi}), layout(1, {n, e, d, p, one, dp, dq, qi}),
                           layout(1, {other_n, e, d, p, q, dp, dq, qi}), layout(1, {n, e, d, p, q, dp, dq, p})}) {
    auto r = crypto::import_key_material(bad);
    BOOST_TEST(!r.ok());
    if (!r.ok()) BOOST_TEST((r.error() == crypto::KeyDecodeError::kMalformed));
  }
}

BOOST_AUTO_TEST_CASE(member_sizes_are_bounded) {
  const nlohmann::json& j = kRsa.at("jwk");
  const Bytes n = b64(j, "n"), e = b64(j, "e"), d = b64(j, "d"), p = b64(j, "p"), q = b64(j, "q"), dp = b64(j, "dp"),
              dq = b64(j, "dq"), qi = b64(j, "qi");
  Bytes e9(9, 0);
  e9.back() = 3;
  BOOST_TEST(!crypto::import_key_material(layout(1, {n, e9, d, p, q, dp, dq, qi})).ok());
  Bytes e8(8, 0);
  std::copy(e.begin(), e.end(), e8.end() - static_cast<std::ptrdiff_t>(e.size()));
  BOOST_TEST(crypto::import_key_material(layout(1, {n, e8, d, p, q, dp, dq, qi})).ok());
  Bytes n0 = n;
  n0.insert(n0.begin(), 0);
  BOOST_TEST(!crypto::import_key_material(layout(1, {n0, e, d, p, q, dp, dq, qi})).ok());
  const Bytes n_huge(1025, 0xff);
  BOOST_TEST(!crypto::import_key_material(layout(1, {n_huge, e, d, p, q, dp, dq, qi})).ok());

  const Bytes d256 = b64(kP256.at("jwk"), "d");
  Bytes point{0x04};
  for (const char* m : {"x", "y"}) {
    Bytes c = b64(kP256.at("jwk"), m);
    point.insert(point.end(), c.begin(), c.end());
  }
  BOOST_TEST(crypto::import_key_material(layout(2, {d256, point})).ok());
  BOOST_TEST(!crypto::import_key_material(layout(2, {Bytes(d256.begin() + 1, d256.end()), point})).ok());
  Bytes hybrid = point;
  hybrid[0] = 0x06;  // SEC1's hybrid form: the right length, not the uncompressed form
  BOOST_TEST(!crypto::import_key_material(layout(2, {d256, hybrid})).ok());
  // A type byte the format does not define.
  BOOST_TEST(!crypto::import_key_material(layout(4, {d256})).ok());
}
