#ifndef TINKERCACHE_TOOLS_TINKERBENCH_WORKLOAD_H_
#define TINKERCACHE_TOOLS_TINKERBENCH_WORKLOAD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tinkerbench {

enum class Proto { kAscii, kBinary, kCompact };
const char* ProtoName(Proto p);
bool ParseProto(std::string_view name, Proto* out);

// One run's workload and target: every field has a command-line option.
struct Options {
  Proto proto = Proto::kAscii;
  std::string host = "127.0.0.1";
  int port = 11211;
  int connections = 50;
  int pipeline = 1;  // requests in flight per connection
  int threads = 1;
  double duration = 10;  // seconds
  uint32_t keys = 10000;
  int key_size = 12;
  uint32_t value_min = 100;
  uint32_t value_max = 100;
  uint32_t get_weight = 9;  // --ratio GET:SET
  uint32_t set_weight = 1;
  int multiget = 1;  // keys per get
  uint32_t flags = 0;  // client flags stored with every value
  bool warmup = true;
  bool warmup_only = false;
  int server_pid = 0;
  uint64_t seed = 1;
  int progress = -1;  // -1: when stderr is a terminal
};

// Fast, good-enough randomness for key and operation choice.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t Next() {  // splitmix64
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), without a division.
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>(((Next() >> 32) * uint64_t{n}) >> 32);
  }

 private:
  uint64_t state_;
};

// The key space and the values every reply is checked against. A value is
// a function of its key and length (a window into one fixed pattern), so a
// get is verifiable whatever set, of whatever length, came last.
class Workload {
 public:
  explicit Workload(const Options& o);
  std::string_view Key(uint32_t i) const {
    return {keys_.data() + size_t{i} * key_size_, key_size_};
  }
  std::string_view Value(uint32_t key, uint32_t length) const {
    return {pattern_.data() + key % kWindows, length};
  }
  uint32_t ValueLength(Rng& rng) const {
    return value_min_ == value_max_
               ? value_min_
               : value_min_ + rng.Below(value_max_ - value_min_ + 1);
  }
  bool LengthOk(uint64_t n) const { return n >= value_min_ && n <= value_max_; }
  uint32_t keys() const { return count_; }
  uint32_t value_max() const { return value_max_; }
  uint32_t flags() const { return flags_; }

 private:
  static constexpr uint32_t kWindows = 1021;
  uint32_t count_;
  size_t key_size_;
  uint32_t value_min_, value_max_, flags_;
  std::string keys_;
  std::string pattern_;
};

}  // namespace tinkerbench

#endif  // TINKERCACHE_TOOLS_TINKERBENCH_WORKLOAD_H_
