#ifndef TINKERCACHE_SRC_STORAGE_ROCKSDB_ENGINE_H_
#define TINKERCACHE_SRC_STORAGE_ROCKSDB_ENGINE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "absl/status/statusor.h"
#include "src/core/clock.h"
#include "src/storage/engine.h"

namespace rocksdb {
class Cache;
class ColumnFamilyHandle;
class DB;
class Env;
class PinnableSlice;
class Status;
class WriteBatch;
struct WriteOptions;
}  // namespace rocksdb

namespace tinkercache {

struct RocksDbEngineOptions {
  std::string data_dir;
  // false: a write is acknowledged once it is in the write-ahead log (it
  // survives the process, not the machine); true: once the log is fsynced.
  bool sync = false;
  uint32_t item_size_max = 1u << 20;
  uint64_t cache_bytes = 64ull << 20;  // RocksDB's block cache
  // CAS uniques reserved by each durable write of the ceiling.
  uint64_t cas_block = uint64_t{1} << 20;
  // The file system RocksDB goes through; tests inject faults here.
  rocksdb::Env* env = nullptr;
};

// Items in RocksDB, so they outlive the process. One record per item: the
// key as RocksDB's key, a 17-byte header (CAS, deadline, flags, marks) and
// the value. Reads take no lock of ours; every write takes its key's lock
// stripe, so CAS checks, incr/decr and append stay atomic per key. Expired
// items read as misses and a compaction filter drops them from disk. CAS
// uniques are handed out of blocks reserved durably, so they never repeat
// across restarts.
class RocksDbEngine final : public Engine {
 public:
  // Opens (creating if needed) the database in options.data_dir. Fails,
  // naming the directory, when it cannot be created, written or locked.
  static absl::StatusOr<std::unique_ptr<RocksDbEngine>> Open(
      const Clock& clock, RocksDbEngineOptions options);
  ~RocksDbEngine() override;

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
  // The memory limit is the block cache's capacity.
  bool SetMemoryLimit(uint64_t bytes) override;
  bool WriteStats(std::string_view group, StatWriter& out) override;
  void ResetStats() override;
  void ListItems(ItemListVisitor visit) override;

  // Compacts the whole database now (expired items leave the disk).
  void CompactAll();
  // Records on disk or in memtables, expired ones included (a full scan).
  uint64_t CountRecords();

 private:
  struct Record;
  class ExpiryFilter;
  static constexpr size_t kStripes = 1024;

  RocksDbEngine(const Clock& clock, RocksDbEngineOptions options);
  absl::Status OpenDb();

  uint32_t Now() const { return clock_.NowSeconds(); }
  std::mutex& StripeFor(std::string_view key);
  // The live item under `key` into `record` (its value points into `raw`);
  // kNotFound when missing or expired, kInternalError on a read error.
  Status ReadLive(std::string_view key, uint32_t now, rocksdb::PinnableSlice& raw,
                  Record& record);
  template <bool kReport>
  Status Read(const FetchArgs& args, ItemVisitor visit);
  // Writes `record` under `key` (value: prefix + record.value + suffix).
  Status Put(std::string_view key, const Record& record,
             std::string_view suffix = {});
  rocksdb::Status Write(const rocksdb::WriteOptions& options,
                        rocksdb::WriteBatch& batch);
  Status Commit(rocksdb::WriteBatch& batch);
  void NoteWriteError(const rocksdb::Status& status);
  std::optional<uint64_t> NextCas(std::optional<uint64_t> chosen);
  bool ReserveCas(uint64_t cas);
  void RunDueFlush(uint32_t now);
  // Deletes every item; the caller holds flush_gate_ exclusively.
  void FlushLocked();

  const Clock& clock_;
  const RocksDbEngineOptions options_;
  std::unique_ptr<ExpiryFilter> filter_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* items_ = nullptr;  // the default family
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;   // CAS ceiling, flush time

  // Writers hold it shared, a flush exclusively, so a flush falls between
  // whole read-modify-write sequences.
  std::shared_mutex flush_gate_;
  std::array<std::mutex, kStripes> stripes_;

  std::atomic<uint64_t> next_cas_{0};
  std::atomic<uint64_t> cas_ceiling_{0};
  std::mutex cas_mu_;
  std::atomic<uint32_t> flush_at_{0};

  std::atomic<uint64_t> total_items_{0};
  std::atomic<uint64_t> get_expired_{0};
  std::atomic<uint64_t> write_errors_{0};
  // A write failed; writes try RocksDB's Resume() once a second until one
  // succeeds.
  std::atomic<bool> degraded_{false};
  std::atomic<uint32_t> resume_tried_at_{0};
  std::mutex serial_writes_;  // ThreadSanitizer builds only
};

}  // namespace tinkercache

#endif  // TINKERCACHE_SRC_STORAGE_ROCKSDB_ENGINE_H_
