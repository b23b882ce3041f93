#ifndef TINKERCACHE_SRC_CORE_NUMBERS_H_
#define TINKERCACHE_SRC_CORE_NUMBERS_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace tinkercache {

// Decimal parsing with memcached's rules, so that clients see the same
// accept/reject decisions: an optional sign, at least one digit, no overflow.

// A whole token as an unsigned 64-bit number, read as memcached's
// safe_strtoull reads it: "-m" is 2^64 - m, refused where that is negative
// as a signed number ("-0" is 0, "-1" is refused, "-18446744073709551615"
// is 1).
std::optional<uint64_t> ParseUint64(std::string_view token);

// A whole token as a signed 64-bit number.
std::optional<int64_t> ParseInt64(std::string_view token);

// A stored value as an incr/decr counter: leading white space, the number,
// then white space, NUL or the end of the value (memcached reads the stored
// "\r\n" as that end), so a value padded by an earlier decr still counts.
// Signs as in ParseUint64; a number of 2^63 or more is refused when a '-'
// appears anywhere before the first NUL (memcached's strchr for a sign).
std::optional<uint64_t> ParseCounter(std::string_view value);

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_NUMBERS_H_
