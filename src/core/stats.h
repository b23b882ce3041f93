#ifndef TINKERCACHE_SRC_CORE_STATS_H_
#define TINKERCACHE_SRC_CORE_STATS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "src/core/command_table.h"
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

// Process-wide statistics: the per-thread counters, connection counts and
// what `stats` and `stats settings` report about the server itself.
class StatsRegistry {
 public:
  StatsRegistry(const Settings& settings, const Clock& clock);

  // A counter block for one worker thread; lives as long as the registry.
  ThreadStats* NewThreadStats();

  const Settings& settings() const { return settings_; }
  const Clock& clock() const { return clock_; }

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

  int verbosity() const { return verbosity_.load(std::memory_order_relaxed); }
  void set_verbosity(int v) { verbosity_.store(v, std::memory_order_relaxed); }

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
  std::atomic<uint64_t> curr_connections_{0};
  std::atomic<uint64_t> total_connections_{0};
  std::atomic<uint64_t> rejected_connections_{0};
  std::atomic<uint64_t> idle_kicks_{0};

  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<ThreadStats>> threads_ ABSL_GUARDED_BY(mu_);
};

// The version string the server reports (VERSION, stats "version").
inline constexpr std::string_view kVersion = "1.6.18-tinkercache-0.1.0";

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_CORE_STATS_H_
