#include "jwks/service/clock.h"

#include <ctime>

namespace jwks::service {

std::int64_t SystemClock::now() const { return static_cast<std::int64_t>(std::time(nullptr)); }

}  // namespace jwks::service
