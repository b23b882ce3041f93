#ifndef TINKERCACHE_SRC_CORE_PREFIX_STATS_H_
#define TINKERCACHE_SRC_CORE_PREFIX_STATS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"

namespace tinkercache {

// memcached's hash (MurmurHash3, x86 32-bit, seed 0), which orders its
// per-prefix table.
uint32_t Murmur3(std::string_view data);

// Per-prefix statistics as memcached keeps them while `stats detail` is on:
// a key's prefix is what precedes its first delimiter byte (-D, ':' by
// default); a key without one (or with a NUL byte before it) is not
// counted. The table mirrors memcached's: 256 buckets picked by Murmur3 of
// the prefix, newest entry first in a bucket, at most 65536 prefixes. So
// `stats detail dump` lists the prefixes in memcached's order, and a lookup
// matches as memcached's does (an entry whose first bytes equal the
// prefix, a quirk that shows only when two such prefixes share a bucket).
// Thread-safe; the executor records only while detail is on.
class PrefixStats {
 public:
  struct Counts {
    uint64_t gets = 0, hits = 0, sets = 0, deletes = 0;
  };

  explicit PrefixStats(char delimiter) : delimiter_(delimiter) {}

  void RecordGet(std::string_view key, bool hit);
  void RecordSet(std::string_view key);
  void RecordDelete(std::string_view key);

  // Calls `visit` for every prefix in memcached's dump order.
  void Dump(absl::FunctionRef<void(std::string_view prefix, const Counts&)>
                visit) const;
  // A dump line after its "PREFIX ": "<prefix> get <n> hit <n> set <n>
  // del <n>".
  static std::string Fields(std::string_view prefix, const Counts& counts);

  void Clear();
  size_t size() const;

  static constexpr size_t kBuckets = 256;
  static constexpr size_t kMaxPrefixes = size_t{1} << 16;

 private:
  struct Entry {
    std::string prefix;
    Counts counts;
  };
  // The counts for `key`'s prefix, created if new; null when the key has
  // no prefix or the table is full.
  Counts* Find(std::string_view key);  // mu_ held

  const char delimiter_;
  mutable std::mutex mu_;
  // Oldest first: memcached links new entries at the head, so its walk
  // (and the dump) goes from the back of these.
  // Guarded by mu_.
  std::array<std::vector<std::unique_ptr<Entry>>, kBuckets> buckets_;
  size_t count_ = 0;  // guarded by mu_
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_PREFIX_STATS_H_
