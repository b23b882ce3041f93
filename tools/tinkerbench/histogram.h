#ifndef TINKERCACHE_TOOLS_TINKERBENCH_HISTOGRAM_H_
#define TINKERCACHE_TOOLS_TINKERBENCH_HISTOGRAM_H_

#include <array>
#include <bit>
#include <cstdint>

namespace tinkerbench {

// Log-linear latency histogram in nanoseconds: exact below 64 ns, then 32
// buckets per power of two (under 3% error), up to ~18 minutes. Recording
// is a few instructions and no allocation, so every reply is recorded.
class Histogram {
 public:
  void Record(uint64_t ns) {
    ++counts_[Index(ns)];
    ++total_;
    if (ns > max_) max_ = ns;
  }
  void Merge(const Histogram& other) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    if (other.max_ > max_) max_ = other.max_;
  }
  uint64_t count() const { return total_; }
  uint64_t max() const { return max_; }
  // The value at quantile q (0..1): the midpoint of its bucket.
  uint64_t Quantile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen > rank) return Midpoint(i);
    }
    return max_;
  }

 private:
  static constexpr int kSubBits = 5;
  static constexpr int kMaxExponent = 40;
  static constexpr size_t kBuckets = 64 + (kMaxExponent - 5) * 32;

  static size_t Index(uint64_t ns) {
    if (ns < 64) return static_cast<size_t>(ns);
    int e = 63 - std::countl_zero(ns);
    if (e > kMaxExponent) return kBuckets - 1;
    const uint64_t mantissa = ns >> (e - kSubBits);  // 32..63
    return 64 + static_cast<size_t>(e - 6) * 32 +
           static_cast<size_t>(mantissa - 32);
  }
  static uint64_t Midpoint(size_t i) {
    if (i < 64) return i;
    const int e = static_cast<int>((i - 64) / 32) + 6;
    const uint64_t mantissa = (i - 64) % 32 + 32;
    const uint64_t low = mantissa << (e - kSubBits);
    return low + (uint64_t{1} << (e - kSubBits)) / 2;
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

}  // namespace tinkerbench

#endif  // TINKERCACHE_TOOLS_TINKERBENCH_HISTOGRAM_H_
