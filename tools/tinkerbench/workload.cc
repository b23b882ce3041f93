#include "tools/tinkerbench/workload.h"

#include <algorithm>
#include <stdexcept>

namespace tinkerbench {

const char* ProtoName(Proto p) {
  switch (p) {
    case Proto::kAscii: return "ascii";
    case Proto::kBinary: return "binary";
    case Proto::kCompact: return "compact";
  }
  return "?";
}

bool ParseProto(std::string_view name, Proto* out) {
  for (Proto p : {Proto::kAscii, Proto::kBinary, Proto::kCompact}) {
    if (name == ProtoName(p)) {
      *out = p;
      return true;
    }
  }
  return false;
}

// Keys are "key:" and the zero-padded index, cut or padded to key_size:
// 12 bytes gives "key:00001234".
Workload::Workload(const Options& o)
    : count_(o.keys),
      key_size_(static_cast<size_t>(o.key_size)),
      value_min_(o.value_min),
      value_max_(o.value_max),
      flags_(o.flags) {
  const size_t digits = std::to_string(o.keys > 0 ? o.keys - 1 : 0).size();
  if (key_size_ < digits || key_size_ > 250) {
    throw std::invalid_argument("--key-size must be from " +
                                std::to_string(digits) + " to 250");
  }
  const size_t prefix = std::min<size_t>(4, key_size_ - digits);
  const std::string head = std::string("key:").substr(0, prefix);
  keys_.reserve(size_t{count_} * key_size_);
  for (uint32_t i = 0; i < count_; ++i) {
    std::string number = std::to_string(i);
    keys_ += head;
    keys_.append(key_size_ - prefix - number.size(), '0');
    keys_ += number;
  }
  // Printable, so ASCII replies stay readable in a capture; no "\r\n".
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  Rng rng(12345);
  pattern_.resize(size_t{value_max_} + kWindows);
  for (char& c : pattern_) c = kAlphabet[rng.Below(sizeof kAlphabet - 1)];
}

}  // namespace tinkerbench
