#ifndef TINKERCACHE_SRC_CORE_CLOCK_H_
#define TINKERCACHE_SRC_CORE_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace tinkercache {

// Wall-clock seconds since the unix epoch. Injected everywhere time matters
// so that tests move time instead of sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint32_t NowSeconds() const = 0;
};

// Real time from the coarse clock: a vDSO read, no syscall per request.
class SystemClock final : public Clock {
 public:
  uint32_t NowSeconds() const override;
  static SystemClock& Instance();
};

// A clock tests set and advance by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(uint32_t now = 1'700'000'000) : now_(now) {}
  uint32_t NowSeconds() const override {
    return now_.load(std::memory_order_relaxed);
  }
  void Advance(uint32_t seconds) {
    now_.fetch_add(seconds, std::memory_order_relaxed);
  }

 private:
  std::atomic<uint32_t> now_;
};

// The longest relative expiry; larger values are absolute unix times.
inline constexpr int64_t kMaxRelativeExptime = 60 * 60 * 24 * 30;

// An absolute deadline that has always passed.
inline constexpr uint32_t kExpiredDeadline = 1;

// Converts a protocol exptime into an absolute deadline in unix seconds,
// 0 meaning "never", with memcached's rules: relative up to 30 days,
// absolute beyond, negative (or an absolute time not after `now`) expired.
uint32_t DeadlineFromExptime(int64_t exptime, uint32_t now);

// Whether an item with this deadline (0: never) has expired at `now`; the
// one rule every engine reads and drops items by.
inline bool DeadlinePassed(uint32_t deadline, uint32_t now) {
  return deadline != 0 && deadline <= now;
}

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_CLOCK_H_
