#define BOOST_TEST_MODULE password
#include <boost/test/unit_test.hpp>

#include <argon2.h>

#include <regex>
#include <set>

#include "jwks/auth/password.h"
#include "jwks/auth/uuid.h"
#include "vectors.h"

using namespace jwks::auth;

namespace {

std::string hex(const std::vector<std::uint8_t>& v) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto b : v) {
    s += d[b >> 4];
    s += d[b & 15];
  }
  return s;
}

// Small parameters keep the suite fast; the production defaults are tested once.
const Argon2Params kFast{.memory_kib = 1024, .passes = 1, .lanes = 1, .salt_bytes = 16, .hash_bytes = 32};

}  // namespace

BOOST_AUTO_TEST_CASE(rfc9106_argon2id_known_answer) {
  auto v = jwks::test::load_vector("rfc9106_argon2id.json");
  auto fill = [&](const char* byte, const char* len) {
    return std::vector<std::uint8_t>(v[len].get<std::size_t>(), v[byte].get<std::uint8_t>());
  };
  Argon2Params p{.memory_kib = v["memory_kib"], .passes = v["passes"], .lanes = v["lanes"]};
  auto tag = argon2id_raw(fill("password_byte", "password_len"), fill("salt_byte", "salt_len"),
                          fill("secret_byte", "secret_len"), fill("ad_byte", "ad_len"), p, v["tag_len"]);
  BOOST_TEST(hex(tag) == v["tag_hex"].get<std::string>());
}

BOOST_AUTO_TEST_CASE(default_parameters_are_no_weaker_than_required) {
  Argon2Params d;
  BOOST_TEST(d.memory_kib >= 19456u);
  BOOST_TEST(d.passes >= 2u);
  BOOST_TEST(d.lanes >= 1u);
  BOOST_TEST(d.salt_bytes >= 16u);
  std::string phc = hash_password("correct horse", d);
  BOOST_TEST(phc.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0) == 0u, phc);
  Verification ok = verify_password(phc, "correct horse", d);
  BOOST_TEST(ok.match);
  BOOST_TEST(!ok.needs_rehash);
}

BOOST_AUTO_TEST_CASE(round_trip_and_wrong_password) {
  std::string phc = hash_password("s3cret", kFast);
  BOOST_TEST(verify_password(phc, "s3cret", kFast).match);
  Verification wrong = verify_password(phc, "s3creT", kFast);
  BOOST_TEST(!wrong.match);
  BOOST_TEST(!wrong.malformed);
  BOOST_TEST(!verify_password(phc, "", kFast).match);
  BOOST_TEST(hash_password("s3cret", kFast) != phc);  // fresh salt each time
}

BOOST_AUTO_TEST_CASE(weaker_hashes_verify_and_ask_for_rehash) {
  std::string weak = hash_password("pw", kFast);
  Verification v = verify_password(weak, "pw", Argon2Params{});
  BOOST_TEST(v.match);
  BOOST_TEST(v.needs_rehash);
  Verification wrong = verify_password(weak, "nope", Argon2Params{});
  BOOST_TEST(!wrong.match);
}

BOOST_AUTO_TEST_CASE(malformed_hashes_are_reported) {
  for (const char* bad : {"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
                          "$argon2id$v=19$m=1024,t=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA",
                          "$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaA"}) {
    Verification v = verify_password(bad, "pw", kFast);
    BOOST_TEST(v.malformed, bad);
    BOOST_TEST(!v.match);
  }
}

BOOST_AUTO_TEST_CASE(uuid_v4_layout_over_many_draws) {
  const std::regex layout("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string u = uuid_v4();
    BOOST_REQUIRE_MESSAGE(std::regex_match(u, layout), u);
    seen.insert(u);
  }
  BOOST_TEST(seen.size() == 2000u);
}

BOOST_AUTO_TEST_CASE(uuid_sets_version_and_variant_over_fixed_bytes) {
  struct Ones final : jwks::crypto::RandomSource {
    void fill(std::span<std::uint8_t> out) override { std::fill(out.begin(), out.end(), 0xff); }
  } ones;
  BOOST_TEST(uuid_v4(ones) == "ffffffff-ffff-4fff-bfff-ffffffffffff");
  struct Zeros final : jwks::crypto::RandomSource {
    void fill(std::span<std::uint8_t> out) override { std::fill(out.begin(), out.end(), 0x00); }
  } zeros;
  BOOST_TEST(uuid_v4(zeros) == "00000000-0000-4000-8000-000000000000");
}

namespace {

// `phc` with its `index`-th '$'-separated field replaced by `field`.
std::string with_field(const std::string& phc, std::size_t index, const std::string& field) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  for (std::size_t next; (next = phc.find('$', pos)) != std::string::npos; pos = next + 1) parts.push_back(phc.substr(pos, next - pos));
  parts.push_back(phc.substr(pos));
  parts.at(index) = field;
  std::string out = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) out += "$" + parts[i];
  return out;
}

}  // namespace

// A stored hash is read field by field before libargon2 sees it: each kind
// of damage, one at a time in an otherwise good hash of "pw", is reported as
// malformed (the login then fails with an internal error, never a match),
// and so are costs beyond the bounds (64 passes, 64 lanes, 4 GiB), which
// libargon2 would otherwise spend.
BOOST_AUTO_TEST_CASE(each_damaged_field_of_a_stored_hash_is_malformed) {
  const std::string good = hash_password("pw", kFast);
  BOOST_REQUIRE(verify_password(good, "pw", kFast).match);
  const struct {
    std::size_t field;
    const char* value;
  } damage[] = {
      {0, "x"},                       // text before the first '$'
      {1, "argon2d"},                 // another variant
      {2, "19"},                      // no "v="
      {2, "v="},                      // no version number
      {2, "v=19x"},                   // text after it
      {2, "v=99999999999"},           // beyond 32 bits
      {3, "m=1024,t=1"},              // no lanes: libargon2 refuses p=0
      {3, "m=1024,t=1,p"},            // a parameter without "=value"
      {3, "m=1024,t:1,p=1"},          // another separator
      {3, "m=1024,t=one,p=1"},        // not a number
      {3, "m=1024,t=1,p=1,k=1"},      // a parameter Argon2id does not have
      {3, "m=4194305,t=1,p=1"},       // over 4 GiB
      {3, "m=1024,t=65,p=1"},         // over 64 passes
      {3, "m=1024,t=1,p=65"},         // over 64 lanes
      {4, "c2FsdA=="},                // padded base64
      {4, "c2E"},                     // a salt of two bytes, below libargon2's minimum
      {5, "!!"},                      // a hash that is not base64
  };
  for (const auto& d : damage) {
    const std::string bad = with_field(good, d.field, d.value);
    Verification v = verify_password(bad, "pw", kFast);
    BOOST_TEST(v.malformed, bad);
    BOOST_TEST(!v.match, bad);
  }
  for (const std::string& bad : {good + "$extra", "$" + good}) {  // seven fields
    BOOST_TEST(verify_password(bad, "pw", kFast).malformed, bad);
  }
}

// A hash weaker than the current parameters in any one respect verifies
// and asks to be redone; one at the current parameters does not.
BOOST_AUTO_TEST_CASE(each_weaker_parameter_asks_for_a_rehash) {
  const Argon2Params current{.memory_kib = 2048, .passes = 2, .lanes = 2, .salt_bytes = 16, .hash_bytes = 32};
  auto weaker = [&](auto change) {
    Argon2Params p = current;
    change(p);
    return hash_password("pw", p);
  };
  const struct {
    const char* what;
    std::string phc;
  } cases[] = {
      {"memory", weaker([](Argon2Params& p) { p.memory_kib = 1024; })},
      {"passes", weaker([](Argon2Params& p) { p.passes = 1; })},
      {"lanes", weaker([](Argon2Params& p) { p.lanes = 1; })},
      {"salt", weaker([](Argon2Params& p) { p.salt_bytes = 8; })},
      {"hash", weaker([](Argon2Params& p) { p.hash_bytes = 16; })},
  };
  for (const auto& c : cases) {
    Verification v = verify_password(c.phc, "pw", current);
    BOOST_TEST(v.match, c.what);
    BOOST_TEST(v.needs_rehash, c.what);
    BOOST_TEST(!v.malformed, c.what);
  }
  // Argon2id version 1.0 (0x10), as libargon2 writes it when asked.
  const std::uint8_t salt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  std::string v10(argon2_encodedlen(current.passes, current.memory_kib, current.lanes, 16, 32, Argon2_id), '\0');
  BOOST_REQUIRE(argon2_hash(current.passes, current.memory_kib, current.lanes, "pw", 2, salt, sizeof salt, nullptr, 32,
                            v10.data(), v10.size(), Argon2_id, ARGON2_VERSION_10) == ARGON2_OK);
  v10.resize(v10.find('\0'));
  BOOST_REQUIRE(v10.rfind("$argon2id$v=16$", 0) == 0u);
  Verification old = verify_password(v10, "pw", current);
  BOOST_TEST(old.match);
  BOOST_TEST(old.needs_rehash);
  Verification same = verify_password(hash_password("pw", current), "pw", current);
  BOOST_TEST(same.match);
  BOOST_TEST(!same.needs_rehash);
}

// Parameters libargon2 cannot use fail loudly, with its reason, instead of
// storing or returning something that is not a hash.
BOOST_AUTO_TEST_CASE(parameters_libargon2_refuses_throw_its_reason) {
  auto says = [](const char* expected) {
    return [expected](const std::runtime_error& e) { return std::string(e.what()) == expected; };
  };
  Argon2Params no_passes = kFast;
  no_passes.passes = 0;
  BOOST_CHECK_EXCEPTION(hash_password("pw", no_passes), std::runtime_error,
                        says("argon2id_hash_encoded: Time cost is too small"));
  const std::vector<std::uint8_t> pw(8, 1), salt(16, 2);
  BOOST_CHECK_EXCEPTION(argon2id_raw(pw, salt, {}, {}, kFast, 3), std::runtime_error,
                        says("argon2id_ctx: Output is too short"));
}
