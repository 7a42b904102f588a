#include "jwks/crypto/jws_alg.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "jwks/crypto/rsa.h"
#include "openssl_params.h"

namespace jwks::crypto {
namespace {

constexpr std::size_t kP256Bytes = 32;

using EcdsaSigPtr = Handle<ECDSA_SIG, ECDSA_SIG_free>;

// Starts a one-shot DigestSign/DigestVerify with the algorithm's digest (or
// `md`) and, for PS256, PSS padding with a salt as long as the digest (RFC
// 7518 §3.5).
MdCtxPtr start(JwsAlg alg, const EVP_PKEY& key, bool signing, const char* md = "SHA256") {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) throw_openssl_error("EVP_MD_CTX_new");
  if (alg == JwsAlg::kEdDSA) md = nullptr;
  EVP_PKEY_CTX* pctx = nullptr;
  auto* k = const_cast<EVP_PKEY*>(&key);
  int rc = signing ? EVP_DigestSignInit_ex(ctx.get(), &pctx, md, nullptr, nullptr, k, nullptr)
                   : EVP_DigestVerifyInit_ex(ctx.get(), &pctx, md, nullptr, nullptr, k, nullptr);
  if (rc != 1) throw_openssl_error("EVP_DigestSignInit_ex/EVP_DigestVerifyInit_ex");
  if (alg == JwsAlg::kPS256 &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
    throw_openssl_error("PSS parameters");
  return ctx;
}

bool key_suits(JwsAlg alg, const EVP_PKEY& key) {
  switch (alg) {
    case JwsAlg::kRS256:
    case JwsAlg::kPS256: return EVP_PKEY_is_a(&key, "RSA") == 1;
    case JwsAlg::kES256: return is_p256(key);  // ES256 is ECDSA on P-256 only (RFC 7518 §3.4)
    case JwsAlg::kEdDSA: return EVP_PKEY_is_a(&key, "ED25519") == 1;
  }
  return false;
}

// DER ECDSA-Sig-Value -> r||s, each left-padded to 32 bytes (RFC 7518 §3.4).
std::vector<std::uint8_t> der_to_raw(const std::vector<std::uint8_t>& der) {
  const unsigned char* p = der.data();
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) throw_openssl_error("d2i_ECDSA_SIG");
  std::vector<std::uint8_t> raw(2 * kP256Bytes);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), kP256Bytes) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + kP256Bytes, kP256Bytes) < 0)
    throw_openssl_error("BN_bn2binpad");
  return raw;
}

// r||s -> DER, or empty if the input is not 64 bytes.
std::vector<std::uint8_t> raw_to_der(std::span<const std::uint8_t> raw) {
  if (raw.size() != 2 * kP256Bytes) return {};
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), kP256Bytes, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + kP256Bytes, kP256Bytes, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {  // set0 adopts r and s on success
    BN_free(r);
    BN_free(s);
    return {};
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return {};
  std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
  unsigned char* out = der.data();
  i2d_ECDSA_SIG(sig.get(), &out);
  return der;
}

std::vector<std::uint8_t> sign_with_digest(JwsAlg alg, const EVP_PKEY& key, std::span<const std::uint8_t> message,
                                           const char* md) {
  if (!key_suits(alg, key)) throw CryptoError(std::string("sign: the key does not suit ") + jws_alg_name(alg));
  MdCtxPtr ctx = start(alg, key, true, md);
  std::size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, message.data(), message.size()) != 1)
    throw_openssl_error("EVP_DigestSign (size)");
  std::vector<std::uint8_t> sig(len);
  // OpenSSL 3.0's ECDSA reports success with a length of (unsigned)-1 when
  // encoding the signature fails (an allocation): a length past the buffer
  // is a failure, not a signature to grow the vector to.
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1 || len > sig.size())
    throw_openssl_error("EVP_DigestSign");
  sig.resize(len);
  return alg == JwsAlg::kES256 ? der_to_raw(sig) : sig;
}

}  // namespace

std::optional<JwsAlg> parse_jws_alg(std::string_view name) {
  if (name == "RS256") return JwsAlg::kRS256;
  if (name == "PS256") return JwsAlg::kPS256;
  if (name == "ES256") return JwsAlg::kES256;
  if (name == "EdDSA") return JwsAlg::kEdDSA;
  return std::nullopt;
}

const char* jws_alg_name(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS256: return "RS256";
    case JwsAlg::kPS256: return "PS256";
    case JwsAlg::kES256: return "ES256";
    case JwsAlg::kEdDSA: return "EdDSA";
  }
  return "?";
}

PkeyPtr generate_key(JwsAlg alg) {
  EVP_PKEY* raw = nullptr;
  switch (alg) {
    case JwsAlg::kRS256:
    case JwsAlg::kPS256: return generate_rsa(2048);
    case JwsAlg::kES256: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case JwsAlg::kEdDSA: raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
  }
  if (raw == nullptr) throw_openssl_error("EVP_PKEY_Q_keygen");
  return PkeyPtr(raw);
}

std::vector<std::uint8_t> sign(JwsAlg alg, const EVP_PKEY& key, std::span<const std::uint8_t> message) {
  return sign_with_digest(alg, key, message, "SHA256");
}

const char* mismatched_alg_name(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS256: return "PS256";
    case JwsAlg::kPS256: return "RS256";
    case JwsAlg::kES256: return "ES384";
    case JwsAlg::kEdDSA: return "Ed25519";
  }
  return "?";
}

std::vector<std::uint8_t> sign_mismatched(JwsAlg alg, const EVP_PKEY& key, std::span<const std::uint8_t> message) {
  switch (alg) {
    case JwsAlg::kRS256: return sign(JwsAlg::kPS256, key, message);
    case JwsAlg::kPS256: return sign(JwsAlg::kRS256, key, message);
    case JwsAlg::kES256: return sign_with_digest(JwsAlg::kES256, key, message, "SHA384");
    case JwsAlg::kEdDSA: return sign(JwsAlg::kEdDSA, key, message);
  }
  throw CryptoError("sign_mismatched: unknown algorithm");
}

bool verify(JwsAlg alg, const EVP_PKEY& key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> signature) {
  if (!key_suits(alg, key)) return false;
  std::vector<std::uint8_t> der;
  if (alg == JwsAlg::kES256) {
    der = raw_to_der(signature);
    if (der.empty()) return false;
    signature = der;
  }
  MdCtxPtr ctx = start(alg, key, false);
  int rc = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size());
  ERR_clear_error();
  return rc == 1;
}

PublicKeyMembers public_members(const EVP_PKEY& key) {
  PublicKeyMembers m;
  if (EVP_PKEY_is_a(&key, "RSA") == 1) {
    RsaPublicComponents rsa = rsa_public_components(key);
    m.kty = "RSA";
    m.n = std::move(rsa.n);
    m.e = std::move(rsa.e);
  } else if (EVP_PKEY_is_a(&key, "EC") == 1) {
    if (!is_p256(key)) throw CryptoError("public_members: only P-256 EC keys are supported");
    m.kty = "EC";
    m.crv = "P-256";
    m.x = public_bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_X, kP256Bytes);
    m.y = public_bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, kP256Bytes);
  } else if (EVP_PKEY_is_a(&key, "ED25519") == 1) {
    m.kty = "OKP";
    m.crv = "Ed25519";
    m.x.resize(32);
    std::size_t len = m.x.size();
    if (EVP_PKEY_get_raw_public_key(&key, m.x.data(), &len) != 1 || len != 32)
      throw_openssl_error("EVP_PKEY_get_raw_public_key");
  } else {
    throw CryptoError("public_members: unsupported key type");
  }
  return m;
}

PkeyPtr public_key(const PublicKeyMembers& m) {
  if (m.kty == "RSA") return rsa_public_key(m.n, m.e);
  if (m.kty == "OKP" && m.crv == "Ed25519" && m.x.size() == 32) {
    PkeyPtr key(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, m.x.data(), m.x.size()));
    if (!key) throw_openssl_error("EVP_PKEY_new_raw_public_key_ex");
    return key;
  }
  if (m.kty == "EC" && m.crv == "P-256" && m.x.size() == kP256Bytes && m.y.size() == kP256Bytes) {
    std::vector<unsigned char> point{0x04};
    point.insert(point.end(), m.x.begin(), m.x.end());
    point.insert(point.end(), m.y.begin(), m.y.end());
    char group[] = "prime256v1";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end(),
    };
    PkeyPtr key = key_from_params("EC", EVP_PKEY_PUBLIC_KEY, params);
    if (!key) throw_openssl_error("EVP_PKEY_fromdata(EC)");
    return key;
  }
  throw CryptoError("public_key: unsupported or malformed key members");
}

PkeyPtr ed25519_private_key(std::span<const std::uint8_t> d) {
  PkeyPtr key(EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, d.data(), d.size()));
  if (!key) throw_openssl_error("EVP_PKEY_new_raw_private_key_ex");
  return key;
}

}  // namespace jwks::crypto
