// The key envelope opener (crypto::open) and the sealed private key reader
// (crypto::open_private_key) under a fixed test master key (fuzz_check.h).
// Input: an envelope. The seed corpus holds real ones (seed_envelopes.cpp).
//
// An attacker who can write the database cannot forge a tag, so beyond "no
// crash" the checks are the AEAD properties: whatever opens was sealed by us,
// any one-bit change or truncation of it fails, a wrong key fails, and seal
// then open gives the input back.
#include <algorithm>
#include <vector>

#include "fuzz_check.h"
#include "jwks/crypto/envelope.h"
#include "jwks/crypto/key_material.h"
#include "jwks/crypto/sealed_key.h"

using namespace jwks;

namespace {

const crypto::MasterKey& other_key() {
  static const crypto::MasterKey key =
      crypto::MasterKey::from_secret("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100").value();
  return key;
}

bool equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  const crypto::MasterKey& key = fuzz::master_key();
  constexpr std::size_t kOverhead = 1 + crypto::kEnvelopeNonceBytes + crypto::kEnvelopeTagBytes;

  auto opened = crypto::open(key, input);
  if (!opened) {
    const crypto::EnvelopeError e = opened.error();
    if (size < kOverhead) FUZZ_CHECK(e == crypto::EnvelopeError::kTruncated);
    else if (data[0] != crypto::kEnvelopeVersion) FUZZ_CHECK(e == crypto::EnvelopeError::kUnsupportedVersion);
    else FUZZ_CHECK(e == crypto::EnvelopeError::kAuthenticationFailed);
    FUZZ_CHECK(!crypto::open_private_key(key, input));
  } else {
    // A real envelope (from the seed corpus): the plaintext has the right
    // size, and no flipped bit, truncation or other key lets it open.
    FUZZ_CHECK(opened->size() == size - kOverhead);
    FUZZ_CHECK(!crypto::open(other_key(), input));
    FUZZ_CHECK(!crypto::open(key, input.first(size - 1)));
    std::vector<std::uint8_t> tampered(input.begin(), input.end());
    for (std::size_t bit : {std::size_t{8}, size * 4 + 1, size * 8 - 1}) {  // nonce, middle, tag
      tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      FUZZ_CHECK(!crypto::open(key, tampered));
      tampered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    }
    auto sealed_key = crypto::open_private_key(key, input);
    FUZZ_CHECK(sealed_key.ok() == crypto::import_key_material(opened->span()).ok());
  }

  // Any bytes seal and open again to themselves, and only under their key.
  const std::vector<std::uint8_t> sealed = crypto::seal(key, input);
  FUZZ_CHECK(sealed.size() == size + kOverhead && sealed[0] == crypto::kEnvelopeVersion);
  auto round = crypto::open(key, sealed);
  FUZZ_CHECK(round && equal(round->span(), input));
  FUZZ_CHECK(!crypto::open(other_key(), sealed));
  return 0;
}
