#include "src/core/numbers.h"

#include "gtest/gtest.h"
#include "src/core/clock.h"

namespace tinkercache {
namespace {

TEST(ParseUint64, AcceptsWhatMemcachedAccepts) {
  EXPECT_EQ(ParseUint64("0"), 0u);
  EXPECT_EQ(ParseUint64("01"), 1u);
  EXPECT_EQ(ParseUint64("+7"), 7u);
  EXPECT_EQ(ParseUint64("-0"), 0u);
  EXPECT_EQ(ParseUint64("18446744073709551615"), UINT64_MAX);
  // strtoull wraps "-m" to 2^64 - m; memcached keeps it when that is not
  // negative as a signed number.
  EXPECT_EQ(ParseUint64("-18446744073709551615"), 1u);
  EXPECT_EQ(ParseUint64("-9223372036854775809"), uint64_t{INT64_MAX});
}

TEST(ParseUint64, RejectsWhatMemcachedRejects) {
  EXPECT_FALSE(ParseUint64(""));
  EXPECT_FALSE(ParseUint64("-1"));
  EXPECT_FALSE(ParseUint64("-9223372036854775808"));
  EXPECT_FALSE(ParseUint64("18446744073709551616"));
  EXPECT_FALSE(ParseUint64("12a"));
  EXPECT_FALSE(ParseUint64("0x1"));
  EXPECT_FALSE(ParseUint64("+"));
}

TEST(ParseInt64, SignsAndRange) {
  EXPECT_EQ(ParseInt64("-1"), -1);
  EXPECT_EQ(ParseInt64("+5"), 5);
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInt64("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(ParseInt64("9223372036854775808"));
  EXPECT_FALSE(ParseInt64("1 "));
}

TEST(ParseCounter, StoredValues) {
  EXPECT_EQ(ParseCounter("10"), 10u);
  EXPECT_EQ(ParseCounter(" 12"), 12u);
  EXPECT_EQ(ParseCounter("99 "), 99u);  // padded by an earlier decr
  EXPECT_EQ(ParseCounter("12 abc"), 12u);
  EXPECT_EQ(ParseCounter(std::string_view("5\0abc", 5)), 5u);  // a C string
  EXPECT_EQ(ParseCounter("-18446744073709551615"), 1u);
  // 2^63 and more: memcached's strchr finds a '-' anywhere in the string.
  EXPECT_FALSE(ParseCounter("18446744073709551615 x-y"));
  EXPECT_EQ(ParseCounter("9223372036854775807 x-y"), uint64_t{INT64_MAX});
  EXPECT_EQ(ParseCounter(std::string_view("9223372036854775808\0-", 21)),
            uint64_t{1} << 63);
  EXPECT_FALSE(ParseCounter(""));
  EXPECT_FALSE(ParseCounter("abc"));
  EXPECT_FALSE(ParseCounter("12a"));
  EXPECT_FALSE(ParseCounter("-5"));
  EXPECT_FALSE(ParseCounter(std::string_view("\0" "5", 2)));
  EXPECT_FALSE(ParseCounter("184467440737095516150"));
}

TEST(Deadline, MemcachedExptimeRules) {
  const uint32_t now = 1'700'000'000;
  EXPECT_EQ(DeadlineFromExptime(0, now), 0u);
  EXPECT_EQ(DeadlineFromExptime(10, now), now + 10);
  EXPECT_EQ(DeadlineFromExptime(kMaxRelativeExptime, now),
            now + kMaxRelativeExptime);
  // Beyond 30 days it is an absolute time...
  EXPECT_EQ(DeadlineFromExptime(now + 100, now), now + 100);
  // ...and one not in the future has already passed.
  EXPECT_EQ(DeadlineFromExptime(kMaxRelativeExptime + 1, now),
            kExpiredDeadline);
  EXPECT_EQ(DeadlineFromExptime(-1, now), kExpiredDeadline);
}

}  // namespace
}  // namespace tinkercache
