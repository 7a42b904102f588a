#include "jwks/crypto/key_material.h"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <bit>
#include <string_view>

#include "jwks/crypto/pkcs8.h"
#include "openssl_params.h"

namespace jwks::crypto {
namespace {

constexpr std::uint8_t kMagic0 = 'J', kMagic1 = 'K', kVersion = 1;
constexpr std::uint8_t kTypeRsa = 1, kTypeP256 = 2, kTypeEd25519 = 3;
constexpr std::size_t kHeaderSize = 4;
constexpr std::size_t kMaxRsaBytes = 1024;  // 8192-bit modulus
constexpr std::size_t kP256Bytes = 32, kEd25519Bytes = 32;

// The RSA members in the order the material holds them.
constexpr const char* kRsaNames[] = {
    OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,         OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1,   OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};
using RsaMembers = std::array<SecureBytes, std::size(kRsaNames)>;
using BnCtxPtr = Handle<BN_CTX, BN_CTX_free>;

class Writer {
 public:
  explicit Writer(std::uint8_t type) : out_(kHeaderSize) {
    std::uint8_t header[kHeaderSize] = {kMagic0, kMagic1, kVersion, type};
    std::copy(header, header + kHeaderSize, out_.data());
  }
  void field(std::span<const std::uint8_t> bytes) {
    if (bytes.size() > 0xffff) throw CryptoError("export_key_material: member too long");
    SecureBytes grown(out_.size() + 2 + bytes.size());
    std::copy(out_.data(), out_.data() + out_.size(), grown.data());
    std::uint8_t* p = grown.data() + out_.size();
    p[0] = static_cast<std::uint8_t>(bytes.size() >> 8);
    p[1] = static_cast<std::uint8_t>(bytes.size() & 0xff);
    std::copy(bytes.begin(), bytes.end(), p + 2);
    out_ = std::move(grown);
  }
  SecureBytes finish() { return std::move(out_); }

 private:
  SecureBytes out_;
};

// Splits the fields after the header into `fields` (spans into `material`);
// false unless there are exactly that many non-empty fields and nothing more.
template <std::size_t N>
bool read_fields(std::span<const std::uint8_t> material, std::array<std::span<const std::uint8_t>, N>& fields) {
  std::size_t at = kHeaderSize;
  for (auto& f : fields) {
    if (material.size() - at < 2) return false;
    const std::size_t len = (std::size_t{material[at]} << 8) | material[at + 1];
    at += 2;
    if (len == 0 || material.size() - at < len) return false;
    f = material.subspan(at, len);
    at += len;
  }
  return at == material.size();
}

// Whether RSA members (big-endian, in kRsaNames' order) make one key
// (RFC 8017 §3.2): n = p q, e dP = 1 (mod p-1), e dQ = 1 (mod q-1),
// q qInv = 1 (mod p). Throws only when OpenSSL itself fails. Checked on
// export: OpenSSL 3.0 gathers the CRT members for EVP_PKEY_get_bn_param into
// stacks without checking each push, so an allocation failing there hands
// out q as p, or dQ as dP, and reports success (stored, that would be
// another, broken key). And on import: OpenSSL does not check them, and
// material that does not make one key is damaged.
bool rsa_members_agree(const std::array<std::span<const std::uint8_t>, std::size(kRsaNames)>& m) {
  auto bn = [](std::span<const std::uint8_t> b) {
    BignumPtr r(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
    if (!r) throw_openssl_error("BN_bin2bn");
    return r;
  };
  auto must = [](int rc) {
    if (rc != 1) throw_openssl_error("checking the RSA members");
  };
  const BignumPtr n = bn(m[0]), e = bn(m[1]), p = bn(m[3]), q = bn(m[4]), dp = bn(m[5]), dq = bn(m[6]), qi = bn(m[7]);
  if (BN_is_zero(p.get()) || BN_is_zero(q.get())) return false;
  const BnCtxPtr ctx(BN_CTX_secure_new());
  const BignumPtr t(BN_secure_new()), p1(BN_dup(p.get())), q1(BN_dup(q.get()));
  must(ctx && t && p1 && q1);
  must(BN_sub_word(p1.get(), 1));
  must(BN_sub_word(q1.get(), 1));
  if (BN_is_zero(p1.get()) || BN_is_zero(q1.get())) return false;  // p or q is 1: no modulus to reduce by
  int wrong = 0;
  must(BN_mul(t.get(), p.get(), q.get(), ctx.get()));
  wrong += BN_cmp(t.get(), n.get()) != 0;
  must(BN_mod_mul(t.get(), e.get(), dp.get(), p1.get(), ctx.get()));
  wrong += BN_is_one(t.get()) != 1;
  must(BN_mod_mul(t.get(), e.get(), dq.get(), q1.get(), ctx.get()));
  wrong += BN_is_one(t.get()) != 1;
  must(BN_mod_mul(t.get(), q.get(), qi.get(), p.get(), ctx.get()));
  wrong += BN_is_one(t.get()) != 1;
  return wrong == 0;
}

// OSSL_PARAM integers are unsigned native-endian byte strings.
SecureBytes native_endian(std::span<const std::uint8_t> big_endian) {
  SecureBytes out(big_endian);
  if constexpr (std::endian::native == std::endian::little) std::reverse(out.data(), out.data() + out.size());
  return out;
}

// A key pair from stored components; nullptr (the error queue cleared) for
// components OpenSSL refuses: damaged material is a value, not an exception.
PkeyPtr from_params(const char* type, const OSSL_PARAM* params) {
  PkeyPtr key = key_from_params(type, EVP_PKEY_KEYPAIR, params);
  if (!key) ERR_clear_error();
  return key;
}

PkeyPtr import_rsa(std::span<const std::uint8_t> material) {
  std::array<std::span<const std::uint8_t>, 8> f;
  if (!read_fields(material, f)) return nullptr;
  const std::size_t n_size = f[0].size();
  // A modulus of 2048 to 8192 bits without leading zero bytes; every other
  // member no longer than it.
  if (n_size < 256 || n_size > kMaxRsaBytes || f[0][0] == 0 || f[1].size() > 8) return nullptr;
  for (const auto& m : f) {
    if (m.size() > n_size) return nullptr;
  }
  if (!rsa_members_agree(f)) return nullptr;
  RsaMembers numbers;
  std::array<OSSL_PARAM, 9> params;
  for (std::size_t i = 0; i < f.size(); ++i) {
    numbers[i] = native_endian(f[i]);
    params[i] = OSSL_PARAM_construct_BN(kRsaNames[i], numbers[i].data(), numbers[i].size());
  }
  params[8] = OSSL_PARAM_construct_end();
  return from_params("RSA", params.data());
}

PkeyPtr import_p256(std::span<const std::uint8_t> material) {
  std::array<std::span<const std::uint8_t>, 2> f;
  if (!read_fields(material, f)) return nullptr;
  const auto& d = f[0];
  const auto& pub = f[1];
  if (d.size() != kP256Bytes || pub.size() != 2 * kP256Bytes + 1 || pub[0] != 0x04) return nullptr;
  SecureBytes priv = native_endian(d);
  std::array<std::uint8_t, 2 * kP256Bytes + 1> point;
  std::copy(pub.begin(), pub.end(), point.begin());
  char group[] = "P-256";
  std::array<OSSL_PARAM, 4> params = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0),
      OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, priv.data(), priv.size()),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end(),
  };
  return from_params("EC", params.data());
}

PkeyPtr import_ed25519(std::span<const std::uint8_t> material) {
  std::array<std::span<const std::uint8_t>, 1> f;
  if (!read_fields(material, f) || f[0].size() != kEd25519Bytes) return nullptr;
  PkeyPtr key(EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, f[0].data(), f[0].size()));
  if (!key) ERR_clear_error();
  return key;
}

}  // namespace

bool is_pkcs8_material(std::span<const std::uint8_t> material) {
  return !material.empty() && material[0] == 0x30;  // DER SEQUENCE
}

SecureBytes export_key_material(const EVP_PKEY& key) {
  if (EVP_PKEY_is_a(&key, "RSA") == 1) {
    RsaMembers members;
    for (std::size_t i = 0; i < members.size(); ++i) members[i] = bignum_param(key, kRsaNames[i]);
    std::array<std::span<const std::uint8_t>, std::size(kRsaNames)> spans;
    for (std::size_t i = 0; i < members.size(); ++i) spans[i] = members[i].span();
    if (!rsa_members_agree(spans))
      throw_openssl_error("export_key_material: the RSA members OpenSSL gave do not make one key");
    Writer w(kTypeRsa);
    for (const SecureBytes& m : members) w.field(m.span());
    return w.finish();
  }
  if (EVP_PKEY_is_a(&key, "EC") == 1) {
    if (!is_p256(key)) throw CryptoError("export_key_material: only P-256 EC keys are supported");
    // The uncompressed point, whatever form the key was generated with.
    std::array<std::uint8_t, 2 * kP256Bytes + 1> point{0x04};
    SecureBytes x = bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_X, kP256Bytes);
    SecureBytes y = bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, kP256Bytes);
    std::copy(x.data(), x.data() + kP256Bytes, point.begin() + 1);
    std::copy(y.data(), y.data() + kP256Bytes, point.begin() + 1 + kP256Bytes);
    Writer w(kTypeP256);
    w.field(bignum_param(key, OSSL_PKEY_PARAM_PRIV_KEY, kP256Bytes).span());
    w.field(point);
    return w.finish();
  }
  if (EVP_PKEY_is_a(&key, "ED25519") == 1) {
    SecureBytes seed(kEd25519Bytes);
    std::size_t len = seed.size();
    if (EVP_PKEY_get_raw_private_key(&key, seed.data(), &len) != 1 || len != kEd25519Bytes)
      throw_openssl_error("EVP_PKEY_get_raw_private_key");
    Writer w(kTypeEd25519);
    w.field(seed.span());
    return w.finish();
  }
  throw CryptoError("export_key_material: unsupported key type");
}

util::Result<PkeyPtr, KeyDecodeError> import_key_material(std::span<const std::uint8_t> material) {
  if (is_pkcs8_material(material)) return import_pkcs8_der(material);
  if (material.size() < kHeaderSize || material[0] != kMagic0 || material[1] != kMagic1 || material[2] != kVersion)
    return util::fail(KeyDecodeError::kMalformed);
  PkeyPtr key;
  switch (material[3]) {
    case kTypeRsa: key = import_rsa(material); break;
    case kTypeP256: key = import_p256(material); break;
    case kTypeEd25519: key = import_ed25519(material); break;
    default: break;
  }
  if (!key) return util::fail(KeyDecodeError::kMalformed);
  return key;
}

}  // namespace jwks::crypto
