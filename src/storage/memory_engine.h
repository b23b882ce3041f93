#ifndef TINKERCACHE_SRC_STORAGE_MEMORY_ENGINE_H_
#define TINKERCACHE_SRC_STORAGE_MEMORY_ENGINE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "src/core/clock.h"
#include "src/storage/engine.h"

namespace tinkercache {

struct MemoryEngineOptions {
  uint64_t max_bytes = 64ull << 20;  // memory for items and the hash table
  uint32_t item_size_max = 1u << 20;
  bool evictions = true;  // false: answer kNoMemory instead of evicting
  int shard_bits = 8;     // 2^shard_bits independently locked shards
  // Background removal of expired items; zero disables the thread (tests
  // call ReclaimExpired() themselves).
  absl::Duration reclaim_interval = absl::Seconds(1);
};

// The default engine: a hash table split into shards, each with its own lock,
// an open-addressing table of tagged item pointers (item_table.h) and CLOCK
// eviction whose hand sweeps that table (no per-item list or chain links).
// Each item is one allocation holding a 24-byte header, the key and the
// value.
class MemoryEngine final : public Engine {
 public:
  MemoryEngine(const Clock& clock, MemoryEngineOptions options);
  ~MemoryEngine() override;

  Status Get(std::string_view key, ItemVisitor visit) override;
  Status GetAndTouch(std::string_view key, uint32_t deadline,
                     ItemVisitor visit) override;
  Status Fetch(const FetchArgs& args, ItemVisitor visit) override;
  StoreResult Store(const StoreArgs& args) override;
  Status Delete(const DeleteArgs& args) override;
  ArithmeticResult Arithmetic(const ArithmeticArgs& args) override;
  using Engine::Arithmetic;
  using Engine::Delete;
  using Engine::Store;
  void Flush(uint32_t when) override;
  bool SetMemoryLimit(uint64_t bytes) override;
  bool WriteStats(std::string_view group, StatWriter& out) override;
  void ResetStats() override;
  void ListItems(ItemListVisitor visit) override;

  // Removes expired items and runs a flush that has come due; returns how
  // many items it removed. The background thread calls it periodically.
  size_t ReclaimExpired();

  // Exact bytes charged for items (sums the shards).
  uint64_t used_bytes() const;
  uint64_t item_count() const;
  // How far the shared estimate the limit is checked against may lag the
  // exact figure: each shard reports its changes in steps of this size.
  uint64_t accounting_slack() const { return report_step_ * num_shards_; }

  struct Item;
  struct Shard;

 private:
  struct Located;

  Shard& ShardFor(uint64_t hash) const;
  // The read behind Get, GetAndTouch and Fetch; with kReport it vivifies
  // and fills in the meta get's metadata and stampede state.
  template <bool kReport>
  Status Read(const FetchArgs& args, ItemVisitor visit);
  uint32_t Now() const { return clock_.NowSeconds(); }
  void RunDueFlush(uint32_t now);
  void ClearAll();
  // Makes room for `charge` more bytes by evicting from any shard. Called
  // with no shard lock held. False when the limit cannot be met.
  bool MakeRoom(uint64_t charge);
  // Adds a locked shard's change in bytes to the shared estimate, in steps,
  // so that writers on different shards rarely touch the same cache line.
  void Account(Shard& shard, int64_t delta);
  void ReclaimLoop();
  // Removes expired items from one shard (a slice of it, or all of it);
  // returns how many.
  size_t SweepExpired(size_t shard_index, uint32_t now, bool whole_shard);

  const Clock& clock_;
  const MemoryEngineOptions options_;
  const size_t num_shards_;
  std::unique_ptr<Shard[]> shards_;
  const int64_t report_step_;
  std::atomic<int64_t> used_estimate_{0};
  std::atomic<uint64_t> max_bytes_;  // options_.max_bytes until changed
  std::atomic<uint32_t> flush_at_{0};  // a pending delayed flush, 0: none
  std::atomic<size_t> evict_cursor_{0};
  // CAS uniques: on a line of its own, written by every store.
  alignas(64) std::atomic<uint64_t> cas_sequence_{0};
  absl::Notification stop_;
  std::thread reclaimer_;
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_STORAGE_MEMORY_ENGINE_H_
