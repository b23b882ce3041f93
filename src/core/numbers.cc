#include "src/core/numbers.h"

namespace tinkercache {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

struct Parsed {
  bool negative = false;
  uint64_t magnitude = 0;
  size_t end = 0;  // index after the last digit
};

// Sign and digits from s[pos]; nullopt without digits or on overflow.
std::optional<Parsed> ParseDigits(std::string_view s, size_t pos) {
  Parsed p;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    p.negative = s[pos] == '-';
    ++pos;
  }
  const size_t first = pos;
  for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
    const uint64_t digit = static_cast<uint64_t>(s[pos] - '0');
    if (p.magnitude > (UINT64_MAX - digit) / 10) return std::nullopt;
    p.magnitude = p.magnitude * 10 + digit;
  }
  if (pos == first) return std::nullopt;
  p.end = pos;
  return p;
}

// The number as memcached's safe_strtoull reads it: strtoull turns "-m"
// into 2^64 - m, which is refused only when negative as a signed number,
// so "-0" is 0 and "-18446744073709551615" is 1.
std::optional<uint64_t> AsStrtoull(const Parsed& p) {
  if (!p.negative) return p.magnitude;
  const uint64_t wrapped = 0 - p.magnitude;
  if (static_cast<int64_t>(wrapped) < 0) return std::nullopt;
  return wrapped;
}

}  // namespace

std::optional<uint64_t> ParseUint64(std::string_view token) {
  auto p = ParseDigits(token, 0);
  if (!p || p->end != token.size()) return std::nullopt;
  return AsStrtoull(*p);
}

std::optional<int64_t> ParseInt64(std::string_view token) {
  auto p = ParseDigits(token, 0);
  if (!p || p->end != token.size()) return std::nullopt;
  if (p->negative) {
    if (p->magnitude > uint64_t{1} << 63) return std::nullopt;
    return static_cast<int64_t>(0 - p->magnitude);
  }
  if (p->magnitude > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(p->magnitude);
}

std::optional<uint64_t> ParseCounter(std::string_view value) {
  size_t pos = 0;
  while (pos < value.size() && IsSpace(value[pos])) ++pos;
  auto p = ParseDigits(value, pos);
  if (!p) return std::nullopt;
  // A NUL ends the number too: memcached parses the item's data as a C
  // string.
  if (p->end != value.size() && !IsSpace(value[p->end]) &&
      value[p->end] != '\0') {
    return std::nullopt;
  }
  const std::optional<uint64_t> number = AsStrtoull(*p);
  // A number of 2^63 or more is refused when a '-' follows anywhere in the
  // C string: memcached looks for a sign with strchr over the whole data
  // (and past it, into whatever its memory holds, which is not modelled).
  if (number && static_cast<int64_t>(*number) < 0) {
    const std::string_view text = value.substr(0, value.find('\0'));
    if (text.find('-') != std::string_view::npos) return std::nullopt;
  }
  return number;
}

}  // namespace tinkercache
