#include "src/core/clock.h"

#include <time.h>

#include <limits>

namespace tinkercache {

uint32_t SystemClock::NowSeconds() const {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<uint32_t>(ts.tv_sec);
}

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

uint32_t DeadlineFromExptime(int64_t exptime, uint32_t now) {
  if (exptime == 0) return 0;
  if (exptime < 0) return kExpiredDeadline;
  if (exptime > kMaxRelativeExptime) {
    if (exptime <= now) return kExpiredDeadline;
    constexpr int64_t kMax = std::numeric_limits<uint32_t>::max();
    return static_cast<uint32_t>(exptime > kMax ? kMax : exptime);
  }
  return now + static_cast<uint32_t>(exptime);
}

}  // namespace tinkercache
