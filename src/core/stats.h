#ifndef TINKERCACHE_SRC_CORE_STATS_H_
#define TINKERCACHE_SRC_CORE_STATS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "src/core/command_table.h"
#include "src/core/prefix_stats.h"
#include "src/core/request.h"
#include "src/core/settings.h"

namespace tinkercache {

class Clock;

enum class Counter : uint8_t {
#define TINKERCACHE_COUNTER_ENUM(name) name,
  TINKERCACHE_COUNTERS(TINKERCACHE_COUNTER_ENUM)
#undef TINKERCACHE_COUNTER_ENUM
  kNumCounters,
  none = kNumCounters,  // the table's "counts nothing"
};

inline constexpr size_t kNumCounters =
    static_cast<size_t>(Counter::kNumCounters);

std::string_view CounterName(Counter counter);

// Counters owned by one worker thread. Only that thread writes them, so an
// increment is a plain load and store; atomics keep concurrent readers
// (the stats command on another thread) well defined.
class ThreadStats {
 public:
  void Add(Counter c, uint64_t n = 1) {
    if (c == Counter::none) return;
    Bump(counters_[static_cast<size_t>(c)], n);
  }
  // Registered commands: executions, hits (kOk) and misses (kNotFound).
  static constexpr size_t kMaxExtensions = 32;
  enum ExtensionCounter { kCalls, kHits, kMisses };
  void AddExtension(size_t index, ExtensionCounter which) {
    if (index < kMaxExtensions) Bump(extensions_[index][which], 1);
  }
  uint64_t GetExtension(size_t index, ExtensionCounter which) const {
    return extensions_[index][which].load(std::memory_order_relaxed);
  }
  void AddBytesRead(uint64_t n) { Bump(bytes_read_, n); }
  void AddBytesWritten(uint64_t n) { Bump(bytes_written_, n); }

  uint64_t Get(Counter c) const {
    return counters_[static_cast<size_t>(c)].load(std::memory_order_relaxed);
  }
  uint64_t bytes_read() const {
    return bytes_read_.load(std::memory_order_relaxed);
  }
  uint64_t bytes_written() const {
    return bytes_written_.load(std::memory_order_relaxed);
  }
  void Reset();

 private:
  static void Bump(std::atomic<uint64_t>& a, uint64_t n) {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  std::array<std::atomic<uint64_t>, kNumCounters> counters_{};
  std::array<std::array<std::atomic<uint64_t>, 3>, kMaxExtensions>
      extensions_{};
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<uint64_t> bytes_written_{0};
};

// Appends "name value" stat lines to a sink as Responses.
class StatWriter {
 public:
  explicit StatWriter(ResponseSink& sink) : sink_(sink) {}
  void Add(std::string_view name, std::string_view value);
  // Without this a string literal would pick the bool overload.
  void Add(std::string_view name, const char* value) {
    Add(name, std::string_view(value));
  }
  void Add(std::string_view name, uint64_t value);
  void Add(std::string_view name, int64_t value);
  void Add(std::string_view name, int value) {
    Add(name, static_cast<int64_t>(value));
  }
  void Add(std::string_view name, uint32_t value) {
    Add(name, static_cast<uint64_t>(value));
  }
  void Add(std::string_view name, bool value) {
    Add(name, static_cast<uint64_t>(value ? 1 : 0));
  }

 private:
  ResponseSink& sink_;
};

// A `stats` request's group and its arguments, split on spaces as memcached
// splits the command line ("detail on", "cachedump 1 0"). The executor and
// every protocol read the group through ParseStatsGroup(), so they agree on
// what it is and on how its reply ends.
struct StatsGroup {
  enum Kind : uint8_t {
    kGeneral,     // "stats": the counters
    kReset,       // counters back to zero; ASCII answers RESET
    kDetailOn,    // per-prefix statistics on; ASCII answers OK
    kDetailOff,   // ... off; OK
    kDetailDump,  // one "PREFIX <p> get <n> hit <n> set <n> del <n>" each
    kCachedump,   // one "ITEM <key> [<bytes> b; <expiry> s]" each
    kConns,       // "<fd>:addr", ... for each connection
    kOther,       // "settings", the handler's groups, or unknown
    kRefused,     // bad arguments: `error` is memcached's answer
  };
  Kind kind = kGeneral;
  std::string_view name;   // the first word
  std::string_view error;  // kRefused, without "\r\n"
  uint32_t slab_class = 0;  // kCachedump
  uint32_t limit = 0;       // kCachedump: items to list, 0: all (to 2 MiB)

  // The group's replies are lines of their own (the lines' first word as
  // the Response's key, the rest as its value) rather than STAT lines.
  bool raw_lines() const { return kind == kDetailDump || kind == kCachedump; }
};

// `dump_enabled` false (-X) refuses cachedump, as memcached does.
StatsGroup ParseStatsGroup(std::string_view text, bool dump_enabled = true);

// memcached 1.6.18's slab classes: cachedump takes a class below this.
inline constexpr uint32_t kMaxSlabClasses = 64;
// cachedump's reply, END included, stays within memcached's 2 MiB.
inline constexpr size_t kCachedumpLimit = 2 * 1024 * 1024;

// The rank of a general stat in memcached 1.6.18's order; names memcached
// does not send rank after all of its own.
size_t GeneralStatRank(std::string_view name);

// One listening socket or connection as `stats conns` lists it.
struct ConnectionInfo {
  int fd = -1;
  std::string_view addr;         // "tcp:127.0.0.1:11211", "tcp6:[::1]:..."
  std::string_view listen_addr;  // where it was accepted; empty: a listener
  std::string_view state;        // memcached's state name, "conn_read", ...
  uint32_t secs_since_last_cmd = 0;
};

// The network layer's connections, for `stats conns`. The core defines it
// and only asks; the server implements it (src/server), so that the core
// depends on nothing of the network.
class ConnectionLister {
 public:
  virtual ~ConnectionLister() = default;
  // Calls `visit` for every listening socket and connection, by fd.
  virtual void ListConnections(
      absl::FunctionRef<void(const ConnectionInfo&)> visit) const = 0;
};

// Process-wide statistics: the per-thread counters, connection counts and
// what `stats` and `stats settings` report about the server itself.
class StatsRegistry {
 public:
  StatsRegistry(const Settings& settings, const Clock& clock);

  // A counter block for one worker thread; lives as long as the registry.
  ThreadStats* NewThreadStats();

  const Settings& settings() const { return settings_; }
  const Clock& clock() const { return clock_; }

  // A listening socket: memcached counts it in total_connections and
  // connection_structures, not in curr_connections.
  void ListenerOpened();
  void ConnectionOpened();
  void ConnectionClosed();
  void ConnectionKickedIdle() {
    idle_kicks_.fetch_add(1, std::memory_order_relaxed);
  }
  void ConnectionRejected() {
    rejected_connections_.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t curr_connections() const {
    return curr_connections_.load(std::memory_order_relaxed);
  }

  // The port actually bound (differs from settings when -p 0).
  void set_bound_port(uint16_t port) { bound_port_ = port; }

  // The memory limit stats report (limit_maxbytes, maxbytes): -m until
  // `cache_memlimit` sets another.
  uint64_t max_bytes() const {
    return max_bytes_.load(std::memory_order_relaxed);
  }
  void set_max_bytes(uint64_t bytes) {
    max_bytes_.store(bytes, std::memory_order_relaxed);
  }

  int verbosity() const { return verbosity_.load(std::memory_order_relaxed); }
  void set_verbosity(int v) { verbosity_.store(v, std::memory_order_relaxed); }

  // `stats detail on|off`: whether commands feed prefix_stats(). Read on
  // every counted request, so it is one relaxed load.
  bool detail_enabled() const {
    return detail_enabled_.load(std::memory_order_relaxed);
  }
  void set_detail_enabled(bool on) {
    detail_enabled_.store(on, std::memory_order_relaxed);
  }
  PrefixStats& prefix_stats() { return prefix_stats_; }

  // Set by the server for `stats conns` (null: no connections to list);
  // the lister must outlive its registration.
  void set_connection_lister(const ConnectionLister* lister) {
    lister_.store(lister, std::memory_order_release);
  }
  const ConnectionLister* connection_lister() const {
    return lister_.load(std::memory_order_acquire);
  }

  uint64_t TotalExtension(size_t index,
                          ThreadStats::ExtensionCounter which) const;

  void WriteGeneral(StatWriter& out) const;
  void WriteSettings(StatWriter& out) const;
  void Reset();

 private:
  const Settings settings_;
  const Clock& clock_;
  const uint32_t started_;
  uint16_t bound_port_;
  std::atomic<int> verbosity_;
  std::atomic<uint64_t> max_bytes_;
  std::atomic<uint64_t> curr_connections_{0};
  std::atomic<uint64_t> total_connections_{0};
  std::atomic<uint64_t> listeners_{0};
  std::atomic<uint64_t> most_connections_{0};  // the most open at once
  std::atomic<bool> detail_enabled_;
  PrefixStats prefix_stats_;
  std::atomic<const ConnectionLister*> lister_{nullptr};
  std::atomic<uint64_t> rejected_connections_{0};
  std::atomic<uint64_t> idle_kicks_{0};

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<ThreadStats>> threads_;  // guarded by mu_
};

// The version string the server reports (VERSION, stats "version").
inline constexpr std::string_view kVersion = "1.6.18-tinkercache-0.1.0";

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_STATS_H_
