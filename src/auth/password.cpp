#include "jwks/auth/password.h"

#include <argon2.h>

#include <charconv>
#include <optional>
#include <stdexcept>

#include "jwks/crypto/secure_bytes.h"
#include "jwks/util/base64.h"

namespace jwks::auth {
namespace {

struct PhcParams {
  std::uint32_t version = 0, memory_kib = 0, passes = 0, lanes = 0;
  std::size_t salt_bytes = 0, hash_bytes = 0;
};

std::optional<std::uint32_t> number(std::string_view s) {
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::size_t> b64_len(std::string_view s) {
  auto d = util::base64_decode(s, {util::Base64Alphabet::kStandard, util::Base64Padding::kForbidden, false});
  if (!d) return std::nullopt;
  return d->size();
}

// Parses "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"; nullopt unless Argon2id.
std::optional<PhcParams> parse_phc(std::string_view phc) {
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (pos <= phc.size()) {
    std::size_t next = phc.find('$', pos);
    if (next == std::string_view::npos) next = phc.size();
    parts.push_back(phc.substr(pos, next - pos));
    pos = next + 1;
  }
  if (parts.size() != 6 || !parts[0].empty() || parts[1] != "argon2id" || !parts[2].starts_with("v=")) return std::nullopt;
  PhcParams p;
  auto version = number(parts[2].substr(2));
  if (!version) return std::nullopt;
  p.version = *version;
  std::string_view list = parts[3];
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.size() < 3 || item[1] != '=') return std::nullopt;
    auto v = number(item.substr(2));
    if (!v) return std::nullopt;
    if (item[0] == 'm') p.memory_kib = *v;
    else if (item[0] == 't') p.passes = *v;
    else if (item[0] == 'p') p.lanes = *v;
    else return std::nullopt;
  }
  auto salt = b64_len(parts[4]), hash = b64_len(parts[5]);
  if (!salt || !hash) return std::nullopt;
  p.salt_bytes = *salt;
  p.hash_bytes = *hash;
  return p;
}

}  // namespace

std::string hash_password(std::string_view password, const Argon2Params& params, crypto::RandomSource& random) {
  crypto::SecureBytes salt(params.salt_bytes);
  random.fill(salt.span());
  std::size_t len = argon2_encodedlen(params.passes, params.memory_kib, params.lanes, params.salt_bytes,
                                      params.hash_bytes, Argon2_id);
  std::string encoded(len, '\0');
  int rc = argon2id_hash_encoded(params.passes, params.memory_kib, params.lanes, password.data(), password.size(),
                                 salt.data(), salt.size(), params.hash_bytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id_hash_encoded: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

Verification verify_password(std::string_view phc, std::string_view password, const Argon2Params& current) {
  Verification v;
  std::optional<PhcParams> p = parse_phc(phc);
  // Bounds keep a hostile stored hash from making us allocate gigabytes.
  if (!p || p->memory_kib > (1u << 22) || p->passes > 64 || p->lanes > 64) {
    v.malformed = true;
    return v;
  }
  const std::string encoded(phc);  // libargon2 wants a NUL-terminated string
  int rc = argon2id_verify(encoded.c_str(), password.data(), password.size());
  if (rc != ARGON2_OK && rc != ARGON2_VERIFY_MISMATCH) {
    v.malformed = true;
    return v;
  }
  v.match = rc == ARGON2_OK;
  v.needs_rehash = p->version != ARGON2_VERSION_13 || p->memory_kib < current.memory_kib ||
                   p->passes < current.passes || p->lanes < current.lanes || p->salt_bytes < current.salt_bytes ||
                   p->hash_bytes < current.hash_bytes;
  return v;
}

void burn_verification(std::string_view password, const Argon2Params& params) {
  static const std::uint8_t kSalt[16] = {};
  crypto::SecureBytes out(params.hash_bytes);
  argon2id_hash_raw(params.passes, params.memory_kib, params.lanes, password.data(), password.size(), kSalt,
                    sizeof kSalt, out.data(), out.size());
}

std::vector<std::uint8_t> argon2id_raw(std::span<const std::uint8_t> password, std::span<const std::uint8_t> salt,
                                       std::span<const std::uint8_t> secret, std::span<const std::uint8_t> ad,
                                       const Argon2Params& params, std::size_t tag_bytes) {
  std::vector<std::uint8_t> out(tag_bytes);
  argon2_context ctx{};
  ctx.out = out.data();
  ctx.outlen = static_cast<std::uint32_t>(out.size());
  ctx.pwd = const_cast<std::uint8_t*>(password.data());
  ctx.pwdlen = static_cast<std::uint32_t>(password.size());
  ctx.salt = const_cast<std::uint8_t*>(salt.data());
  ctx.saltlen = static_cast<std::uint32_t>(salt.size());
  ctx.secret = const_cast<std::uint8_t*>(secret.data());
  ctx.secretlen = static_cast<std::uint32_t>(secret.size());
  ctx.ad = const_cast<std::uint8_t*>(ad.data());
  ctx.adlen = static_cast<std::uint32_t>(ad.size());
  ctx.t_cost = params.passes;
  ctx.m_cost = params.memory_kib;
  ctx.lanes = params.lanes;
  ctx.threads = params.lanes;
  ctx.version = ARGON2_VERSION_13;
  ctx.flags = ARGON2_DEFAULT_FLAGS;
  int rc = argon2id_ctx(&ctx);
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id_ctx: ") + argon2_error_message(rc));
  return out;
}

}  // namespace jwks::auth
