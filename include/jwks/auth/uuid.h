// Random UUIDs (RFC 9562 §5.4, version 4), used as generated passwords.
#pragma once

#include <string>

#include "jwks/crypto/random.h"

namespace jwks::auth {

// "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx" in lower-case hex, with 122 random
// bits from `random`, the version nibble 4 and the variant bits 10.
std::string uuid_v4(crypto::RandomSource& random = crypto::SystemRandom::instance());

}  // namespace jwks::auth
