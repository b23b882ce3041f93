#ifndef TINKERCACHE_SRC_CORE_SETTINGS_H_
#define TINKERCACHE_SRC_CORE_SETTINGS_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace tinkercache {

inline constexpr size_t kMaxKeyLength = 250;

// Server settings, named after memcached's options (see `stats settings`).
struct Settings {
  std::string interface = "127.0.0.1";  // -l
  uint16_t port = 11211;                // -p
  int compact_port = -1;  // --compact-port: compact protocol only; -1: none
  int threads = 0;                      // -t; 0: one per core
  uint64_t max_bytes = 64ull << 20;     // -m, in bytes
  uint32_t max_connections = 1024;      // -c
  uint32_t item_size_max = 1u << 20;    // -I
  int verbosity = 0;                    // -v
  bool evictions = true;                // -M turns them off
  uint32_t idle_timeout = 0;  // -o idle_timeout: seconds; 0: never
  // Per-prefix statistics (`stats detail`): the prefix ends at this byte
  // (-D, which also turns them on, as in memcached).
  char prefix_delimiter = ':';
  bool detail_enabled = false;
  bool dump_enabled = true;  // -X turns `stats cachedump` off
  // Where items live: "memory" (the default) or "rocksdb" (persistent, in
  // data_dir; sync: fsync every acknowledged write).
  std::string engine = "memory";  // --engine
  std::string data_dir;           // --data-dir
  bool sync = false;              // --sync
};

// memcached's per-item overhead (header, CAS, the key's terminator and the
// value's "\r\n"), so our size limit sits where memcached's clients expect.
inline constexpr size_t kItemOverhead = 48 + 8 + 1 + 2;

// Whether an item of this key and value size fits under `item_size_max`.
// memcached keeps client flags only when they are not zero, in 4 more bytes.
inline bool ItemFits(uint32_t item_size_max, size_t key_length,
                     size_t value_length, uint32_t flags = 0) {
  return key_length + value_length + kItemOverhead + (flags != 0 ? 4 : 0) <=
         item_size_max;
}

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_SETTINGS_H_
