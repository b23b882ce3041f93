#ifndef TINKERCACHE_SRC_CORE_NUMBERS_H_
#define TINKERCACHE_SRC_CORE_NUMBERS_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace tinkercache {

// Decimal parsing with memcached's rules, so that clients see the same
// accept/reject decisions: an optional sign, at least one digit, no overflow.

// A whole token as an unsigned 64-bit number. A '-' is accepted only where
// the result is zero (memcached's safe_strtoull).
std::optional<uint64_t> ParseUint64(std::string_view token);

// A whole token as a signed 64-bit number.
std::optional<int64_t> ParseInt64(std::string_view token);

// A stored value as an incr/decr counter: leading white space, the number,
// then white space or the end of the value (memcached reads the stored
// "\r\n" as that end), so a value padded by an earlier decr still counts.
std::optional<uint64_t> ParseCounter(std::string_view value);

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_NUMBERS_H_
