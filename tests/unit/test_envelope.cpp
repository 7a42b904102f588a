#define BOOST_TEST_MODULE envelope
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <climits>
#include <cstring>

#include <sys/mman.h>
#include <unistd.h>

#include "jwks/crypto/envelope.h"
#include "jwks/crypto/key_material.h"
#include "jwks/crypto/master_key.h"
#include "jwks/crypto/rsa.h"
#include "jwks/crypto/sealed_key.h"

using namespace jwks::crypto;

namespace {

const char* kHexSecret = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

MasterKey master(const char* secret = kHexSecret) {
  auto k = MasterKey::from_secret(secret);
  BOOST_REQUIRE(k.ok());
  return std::move(k.value());
}

std::vector<std::uint8_t> payload() {
  std::vector<std::uint8_t> p(200);
  for (std::size_t i = 0; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return p;
}

// Counts up from a start byte: makes nonces reproducible in tests.
class CountingRandom final : public RandomSource {
 public:
  void fill(std::span<std::uint8_t> out) override {
    for (auto& b : out) b = next_++;
  }

 private:
  std::uint8_t next_ = 1;
};

}  // namespace

BOOST_AUTO_TEST_CASE(round_trip) {
  MasterKey k = master();
  auto env = seal(k, payload());
  BOOST_TEST(env.size() == 1 + kEnvelopeNonceBytes + payload().size() + kEnvelopeTagBytes);
  BOOST_TEST(env[0] == kEnvelopeVersion);
  auto plain = open(k, env);
  BOOST_REQUIRE(plain.ok());
  BOOST_TEST(std::vector<std::uint8_t>(plain->data(), plain->data() + plain->size()) == payload(),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_plaintext_round_trips) {
  MasterKey k = master();
  auto plain = open(k, seal(k, {}));
  BOOST_REQUIRE(plain.ok());
  BOOST_TEST(plain->size() == 0u);
}

BOOST_AUTO_TEST_CASE(fresh_nonce_each_seal) {
  MasterKey k = master();
  BOOST_TEST(seal(k, payload()) != seal(k, payload()));
}

BOOST_AUTO_TEST_CASE(injected_randomness_gives_the_nonce) {
  MasterKey k = master();
  CountingRandom random;
  auto env = seal(k, payload(), random);
  for (std::size_t i = 0; i < kEnvelopeNonceBytes; ++i) BOOST_TEST(env[1 + i] == i + 1);
  BOOST_TEST(open(k, env).ok());
}

BOOST_AUTO_TEST_CASE(every_flipped_bit_is_rejected) {
  MasterKey k = master();
  const auto env = seal(k, payload());
  // Every bit of the version, nonce, ciphertext and tag.
  for (std::size_t byte = 0; byte < env.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = env;
      bad[byte] ^= static_cast<std::uint8_t>(1u << bit);
      auto r = open(k, bad);
      BOOST_REQUIRE_MESSAGE(!r.ok(), "flip at byte " << byte << " bit " << bit << " accepted");
      BOOST_TEST((r.error() == (byte == 0 ? EnvelopeError::kUnsupportedVersion : EnvelopeError::kAuthenticationFailed)));
    }
  }
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected) {
  MasterKey k = master();
  const auto env = seal(k, payload());
  for (std::size_t len = 0; len < env.size(); ++len) {
    std::span<const std::uint8_t> cut(env.data(), len);
    auto r = open(k, cut);
    BOOST_REQUIRE_MESSAGE(!r.ok(), "truncation to " << len << " accepted");
    BOOST_TEST((r.error() == (len < 1 + kEnvelopeNonceBytes + kEnvelopeTagBytes ? EnvelopeError::kTruncated
                                                                                 : EnvelopeError::kAuthenticationFailed)));
  }
  auto longer = env;
  longer.push_back(0);
  BOOST_TEST(!open(k, longer).ok());
}

BOOST_AUTO_TEST_CASE(wrong_master_key_is_rejected) {
  auto env = seal(master(), payload());
  auto r = open(master("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), env);
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error() == EnvelopeError::kAuthenticationFailed));
  BOOST_TEST(describe(r.error()).find("NOT_MY_KEY") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(master_secret_encodings) {
  // The same 32 bytes as hex, base64, base64url and raw give the same key.
  const std::string raw = "0123456789abcdefghijklmnopqrstuv";
  const std::string hex = "303132333435363738396162636465666768696a6b6c6d6e6f707172737475 76";
  std::string hex_clean;
  for (char c : hex) if (c != ' ') hex_clean += c;
  const std::string b64 = "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0dXY=";
  auto a = MasterKey::from_secret(raw), b = MasterKey::from_secret(hex_clean), c = MasterKey::from_secret(b64);
  BOOST_REQUIRE(a.ok() && b.ok() && c.ok());
  auto env = seal(a.value(), payload());
  BOOST_TEST(open(b.value(), env).ok());
  BOOST_TEST(open(c.value(), env).ok());
  // A trailing newline (a key read from a file) is ignored.
  auto d = MasterKey::from_secret(hex_clean + "\n");
  BOOST_REQUIRE(d.ok());
  BOOST_TEST(open(d.value(), env).ok());
}

BOOST_AUTO_TEST_CASE(short_or_missing_master_secret_fails_closed) {
  auto missing = MasterKey::from_secret("");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST((missing.error() == MasterKeyError::kMissing));
  BOOST_TEST(describe(missing.error()).find("NOT_MY_KEY") != std::string::npos);

  for (const char* s : {"short", "00112233445566778899aabbccddeeff",  // 16 bytes of hex
                        "0123456789abcdefghijklmnopqrstu"}) {          // 31 raw bytes
    auto r = MasterKey::from_secret(s);
    BOOST_REQUIRE_MESSAGE(!r.ok(), s);
    BOOST_TEST((r.error() == MasterKeyError::kTooShort));
    BOOST_TEST(describe(r.error()).find("NOT_MY_KEY") != std::string::npos);
  }
}

// The secret from a file (NOT_MY_KEY_FILE) opens what the same secret from
// NOT_MY_KEY sealed; both at once, or a file that cannot be read, fail closed.
BOOST_AUTO_TEST_CASE(master_secret_from_a_file) {
  char path[] = "/tmp/jwks-master.XXXXXX";
  int fd = ::mkstemp(path);
  BOOST_REQUIRE(fd >= 0);
  const std::string line = std::string(kHexSecret) + "\n";
  BOOST_REQUIRE(::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
  ::close(fd);
  auto env = seal(master(), payload());

  ::unsetenv("NOT_MY_KEY");
  ::setenv("NOT_MY_KEY_FILE", path, 1);
  auto from_file = MasterKey::from_environment();
  BOOST_REQUIRE(from_file.ok());
  BOOST_TEST(open(from_file.value(), env).ok());

  ::setenv("NOT_MY_KEY", kHexSecret, 1);
  auto both = MasterKey::from_environment();
  BOOST_REQUIRE(!both.ok());
  BOOST_TEST((both.error() == MasterKeyError::kBothSet));
  BOOST_TEST(describe(both.error()).find("NOT_MY_KEY_FILE") != std::string::npos);

  ::unsetenv("NOT_MY_KEY");
  ::setenv("NOT_MY_KEY_FILE", "/nonexistent/jwks-master-key", 1);
  auto unreadable = MasterKey::from_environment();
  BOOST_REQUIRE(!unreadable.ok());
  BOOST_TEST((unreadable.error() == MasterKeyError::kFileUnreadable));

  ::unlink(path);
  ::unsetenv("NOT_MY_KEY_FILE");
  auto missing = MasterKey::from_environment();
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST((missing.error() == MasterKeyError::kMissing));
}

BOOST_AUTO_TEST_CASE(sealed_private_key_round_trip) {
  MasterKey k = master();
  PkeyPtr key = generate_rsa(2048);
  auto env = seal_private_key(k, *key);
  // The envelope holds no part of what it seals in clear: no 16-byte run of
  // the key material (key_material.h: n, e, d, the primes...) nor of the
  // key's PKCS#8 DER. An envelope that stored either, or a long stretch of
  // one, fails here.
  const SecureBytes material = export_key_material(*key);
  const SecureBytes der = export_pkcs8_der(*key);
  BOOST_REQUIRE_GT(material.size(), 1000u);
  BOOST_TEST(env.size() > material.size());  // all of it is in there, sealed
  std::size_t found = 0;
  for (const SecureBytes* clear : {&material, &der})
    for (std::size_t at = 0; at + 16 <= clear->size(); at += 8)
      found += std::search(env.begin(), env.end(), clear->data() + at, clear->data() + at + 16) != env.end();
  BOOST_TEST(found == 0u);
  auto opened = open_private_key(k, env);
  BOOST_REQUIRE(opened.ok());
  BOOST_TEST(rsa_public_components(*opened.value()).n == rsa_public_components(*key).n,
             boost::test_tools::per_element());
  auto wrong = open_private_key(master("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), env);
  BOOST_REQUIRE(!wrong.ok());
  BOOST_TEST(wrong.error().find("authentication") != std::string::npos);
  // Authenticated garbage (a valid envelope around non-DER) is reported, not crashed on.
  std::vector<std::uint8_t> junk(100, 0x30);
  auto bad = open_private_key(k, seal(k, junk));
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(bad.error().find("does not hold a private key") != std::string::npos);
}

// Each error has its own text, for the log.
BOOST_AUTO_TEST_CASE(envelope_errors_are_described) {
  BOOST_TEST(describe(EnvelopeError::kTruncated) == "key envelope is truncated");
  BOOST_TEST(describe(EnvelopeError::kUnsupportedVersion) == "key envelope has an unsupported version");
  BOOST_TEST(describe(MasterKeyError::kFileUnreadable).find("NOT_MY_KEY_FILE cannot be read") == 0u);
  BOOST_TEST(describe(MasterKeyError::kTooShort).find("NOT_MY_KEY is too short") == 0u);
}

// Past INT_MAX / 2 bytes OpenSSL's int lengths could overflow: seal refuses
// such a plaintext before reading it and open calls such an envelope
// unauthentic. The bytes are address space only (MAP_NORESERVE), never touched
// but for the version byte.
BOOST_AUTO_TEST_CASE(oversized_inputs_are_refused) {
  const std::size_t size = std::size_t{INT_MAX} / 2 + 1;
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  BOOST_REQUIRE(p != MAP_FAILED);
  auto* bytes = static_cast<std::uint8_t*>(p);
  const MasterKey k = master();
  try {
    seal(k, std::span<const std::uint8_t>(bytes, size));
    BOOST_FAIL("sealed " << size << " bytes");
  } catch (const CryptoError& e) {
    BOOST_TEST(std::string(e.what()) == "seal: plaintext too large");
  }
  bytes[0] = kEnvelopeVersion;
  auto r = open(k, std::span<const std::uint8_t>(bytes, size));
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST((r.error() == EnvelopeError::kAuthenticationFailed));
  ::munmap(p, size);
}

// Only hex digits, in pairs, are hex: an odd count or a non-hex character
// makes the secret read another way (here raw bytes), so it derives a
// different key. CRLF line ends are ignored like LF.
BOOST_AUTO_TEST_CASE(secrets_that_are_almost_hex) {
  const std::string hex = kHexSecret;
  auto env = seal(master(), payload());
  for (const std::string& other : {hex + "0", hex.substr(0, 63) + "g"}) {
    auto k = MasterKey::from_secret(other);
    BOOST_REQUIRE(k.ok());
    BOOST_TEST((open(k.value(), env).error() == EnvelopeError::kAuthenticationFailed), other);
  }
  auto crlf = MasterKey::from_secret(hex + "\r\n");
  BOOST_REQUIRE(crlf.ok());
  BOOST_TEST(open(crlf.value(), env).ok());
  // Empty variables are unset ones.
  ::setenv("NOT_MY_KEY", "", 1);
  ::setenv("NOT_MY_KEY_FILE", "", 1);
  auto none = MasterKey::from_environment();
  BOOST_REQUIRE(!none.ok());
  BOOST_TEST((none.error() == MasterKeyError::kMissing));
  ::unsetenv("NOT_MY_KEY");
  ::unsetenv("NOT_MY_KEY_FILE");
}

// A secret buffer moved onto itself keeps its bytes; truncating to its own
// size or more changes nothing.
BOOST_AUTO_TEST_CASE(secure_bytes_edges) {
  SecureBytes s(std::vector<std::uint8_t>{1, 2, 3});
  SecureBytes& alias = s;
  s = std::move(alias);
  BOOST_TEST(std::vector<std::uint8_t>(s.data(), s.data() + s.size()) == (std::vector<std::uint8_t>{1, 2, 3}),
             boost::test_tools::per_element());
  s.truncate(3);
  s.truncate(10);
  BOOST_TEST(s.size() == 3u);
  s.truncate(1);
  BOOST_TEST(s.size() == 1u);
  BOOST_TEST(s.data()[0] == 1);
}
