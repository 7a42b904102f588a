#define BOOST_TEST_MODULE password
#include <boost/test/unit_test.hpp>

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
