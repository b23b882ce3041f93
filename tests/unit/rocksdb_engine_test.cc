// What the RocksDB engine adds to the shared engine contract: items, CAS
// uniques and a pending flush outlive the engine; expired items leave the
// disk; a directory that cannot be used refuses to open; a failing disk
// fails writes and keeps reads.

#include "src/storage/rocksdb_engine.h"

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "absl/time/clock.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "src/core/stats.h"
#include "tests/unit/temp_dir.h"

namespace tinkercache {
namespace {

using ::testing::HasSubstr;

// A file system whose writes fail with "no space" while `full` is set.
class FullDiskFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  FullDiskFileSystem()
      : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FullDiskFileSystem"; }

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, &file, dbg);
    if (s.ok()) *result = std::make_unique<File>(std::move(file), full);
    return s;
  }

  std::atomic<bool> full{false};

 private:
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file,
         const std::atomic<bool>& full)
        : FSWritableFileOwnerWrapper(std::move(file)), full_(full) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (full_) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (full_) return rocksdb::IOStatus::NoSpace("disk full (test)");
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }

   private:
    const std::atomic<bool>& full_;
  };
};

class RocksDbEngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<RocksDbEngine> Open(RocksDbEngineOptions o = {}) {
    if (o.data_dir.empty()) o.data_dir = dir_.path() + "/db";
    auto engine = RocksDbEngine::Open(clock_, o);
    EXPECT_TRUE(engine.ok()) << engine.status();
    return engine.ok() ? std::move(*engine) : nullptr;
  }
  static std::optional<ItemView> Item(Engine& engine, std::string_view key,
                                      std::string* value) {
    std::optional<ItemView> seen;
    engine.Get(key, [&](const ItemView& i) {
      seen = i;
      *value = std::string(i.value);
    });
    return seen;
  }
  static std::string Stat(Engine& engine, std::string_view group,
                          std::string_view name) {
    std::string found;
    struct Sink : ResponseSink {
      std::string_view name;
      std::string* found;
      void Send(const Response& r) override {
        if (r.key == name) *found = std::string(r.value);
      }
    } sink;
    sink.name = name;
    sink.found = &found;
    StatWriter out(sink);
    engine.WriteStats(group, out);
    return found;
  }

  TempDir dir_;
  ManualClock clock_;
};

TEST_F(RocksDbEngineTest, ItemsOutliveTheEngine) {
  const uint32_t later = clock_.NowSeconds() + 1000;
  uint64_t cas;
  {
    auto engine = Open();
    ASSERT_NE(engine, nullptr);
    cas = engine->Store(StoreMode::kSet, "k", "value", 42, later).cas;
    engine->Store(StoreMode::kSet, "gone", "x", 0, 0);
    engine->Delete("gone");
    engine->Store(StoreMode::kSet, "n", "10", 0, 0);
    engine->Arithmetic("n", true, 5);
    engine->Store(StoreMode::kAppend, "k", "!", 0, 0);
  }
  auto engine = Open();
  ASSERT_NE(engine, nullptr);
  std::string value;
  auto item = Item(*engine, "k", &value);
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(value, "value!");
  EXPECT_EQ(item->flags, 42u);
  EXPECT_EQ(item->deadline, later);
  EXPECT_GT(item->cas, cas);
  EXPECT_FALSE(Item(*engine, "gone", &value).has_value());
  ASSERT_TRUE(Item(*engine, "n", &value).has_value());
  EXPECT_EQ(value, "15");
}

TEST_F(RocksDbEngineTest, CasUniquesNeverRepeatAcrossRestarts) {
  RocksDbEngineOptions o;
  o.cas_block = 3;  // cross several reservations
  uint64_t highest = 0;
  for (int run = 0; run < 4; ++run) {
    auto engine = Open(o);
    ASSERT_NE(engine, nullptr);
    for (int i = 0; i < 10; ++i) {
      const StoreResult r =
          engine->Store(StoreMode::kSet, "k" + std::to_string(i), "v", 0, 0);
      ASSERT_EQ(r.status, Status::kOk);
      EXPECT_GT(r.cas, highest) << "run " << run << " item " << i;
      highest = r.cas;
    }
  }
}

TEST_F(RocksDbEngineTest, CompactionDropsExpiredItems) {
  auto engine = Open();
  ASSERT_NE(engine, nullptr);
  const uint32_t now = clock_.NowSeconds();
  for (int i = 0; i < 100; ++i) {
    engine->Store(StoreMode::kSet, "short" + std::to_string(i), "v", 0,
                  now + 10);
  }
  engine->Store(StoreMode::kSet, "kept", "v", 0, now + 1000);
  engine->Store(StoreMode::kSet, "forever", "v", 0, 0);
  clock_.Advance(10);
  std::string value;
  EXPECT_FALSE(Item(*engine, "short7", &value).has_value());
  EXPECT_EQ(Stat(*engine, "", "get_expired"), "1");
  EXPECT_EQ(engine->CountRecords(), 102u);  // expired, not yet compacted
  engine->CompactAll();
  EXPECT_EQ(engine->CountRecords(), 2u);
  EXPECT_EQ(Stat(*engine, "", "reclaimed"), "100");
  EXPECT_TRUE(Item(*engine, "kept", &value).has_value());
  EXPECT_TRUE(Item(*engine, "forever", &value).has_value());
}

TEST_F(RocksDbEngineTest, ExpiredNewerVersionDoesNotUncoverAnOlderOne) {
  auto engine = Open();
  ASSERT_NE(engine, nullptr);
  engine->Store(StoreMode::kSet, "k", "old, never expires", 0, 0);
  engine->CompactAll();  // the old version sits in the bottom level
  engine->Store(StoreMode::kSet, "k", "new", 0, clock_.NowSeconds() + 5);
  clock_.Advance(5);
  engine->CompactAll();
  std::string value;
  EXPECT_FALSE(Item(*engine, "k", &value).has_value()) << value;
}

TEST_F(RocksDbEngineTest, FlushDeletesEverythingDurably) {
  {
    auto engine = Open();
    ASSERT_NE(engine, nullptr);
    for (int i = 0; i < 50; ++i) {
      engine->Store(StoreMode::kSet, "k" + std::to_string(i), "v", 0, 0);
    }
    engine->Flush(0);
    engine->Store(StoreMode::kSet, "after", "v", 0, 0);
  }
  auto engine = Open();
  ASSERT_NE(engine, nullptr);
  std::string value;
  EXPECT_FALSE(Item(*engine, "k1", &value).has_value());
  EXPECT_TRUE(Item(*engine, "after", &value).has_value());
  engine->CompactAll();
  EXPECT_EQ(engine->CountRecords(), 1u);
}

TEST_F(RocksDbEngineTest, DelayedFlushSurvivesARestart) {
  {
    auto engine = Open();
    ASSERT_NE(engine, nullptr);
    engine->Store(StoreMode::kSet, "before", "v", 0, 0);
    engine->Flush(clock_.NowSeconds() + 10);
    engine->Store(StoreMode::kSet, "meanwhile", "v", 0, 0);
  }
  auto engine = Open();
  ASSERT_NE(engine, nullptr);
  std::string value;
  EXPECT_TRUE(Item(*engine, "before", &value).has_value());
  clock_.Advance(10);
  EXPECT_FALSE(Item(*engine, "before", &value).has_value());
  EXPECT_FALSE(Item(*engine, "meanwhile", &value).has_value());
  engine->Store(StoreMode::kSet, "after", "v", 0, 0);
  EXPECT_TRUE(Item(*engine, "after", &value).has_value());
}

TEST_F(RocksDbEngineTest, StaleMarksOutliveTheEngine) {
  {
    auto engine = Open();
    ASSERT_NE(engine, nullptr);
    engine->Store(StoreMode::kSet, "k", "v", 0, 0);
    DeleteArgs invalidate{"k"};
    invalidate.invalidate = true;
    ASSERT_EQ(engine->Delete(invalidate), Status::kOk);
  }
  auto engine = Open();
  ASSERT_NE(engine, nullptr);
  uint8_t first = 0, second = 0;
  engine->Fetch(FetchArgs{"k"}, [&](const ItemView& i) { first = i.state; });
  engine->Fetch(FetchArgs{"k"}, [&](const ItemView& i) { second = i.state; });
  EXPECT_EQ(first & (kItemStale | kItemWon), kItemStale | kItemWon);
  EXPECT_EQ(second & (kItemStale | kItemWon | kItemTokenSent),
            kItemStale | kItemTokenSent);
}

TEST_F(RocksDbEngineTest, LockedDirectoryRefusesToOpen) {
  auto first = Open();
  ASSERT_NE(first, nullptr);
  RocksDbEngineOptions o;
  o.data_dir = dir_.path() + "/db";
  auto second = RocksDbEngine::Open(clock_, o);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr(o.data_dir));
}

TEST_F(RocksDbEngineTest, UnusableDirectoryRefusesToOpen) {
  const std::string file = dir_.path() + "/a-file";
  std::ofstream(file) << "not a directory";
  RocksDbEngineOptions o;
  o.data_dir = file + "/db";
  auto engine = RocksDbEngine::Open(clock_, o);
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(engine.status().message(), HasSubstr(o.data_dir));

  if (geteuid() != 0) {  // root writes anywhere
    const std::string locked = dir_.path() + "/read-only";
    ASSERT_EQ(mkdir(locked.c_str(), 0555), 0);
    o.data_dir = locked;
    engine = RocksDbEngine::Open(clock_, o);
    ASSERT_FALSE(engine.ok());
    EXPECT_THAT(engine.status().message(), HasSubstr(locked));
  }
}

TEST_F(RocksDbEngineTest, FullDiskFailsWritesAndKeepsReads) {
  auto fs = std::make_shared<FullDiskFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  RocksDbEngineOptions o;
  o.env = env.get();
  auto engine = Open(o);
  ASSERT_NE(engine, nullptr);
  ASSERT_EQ(engine->Store(StoreMode::kSet, "k", "v", 0, 0).status,
            Status::kOk);
  ASSERT_EQ(engine->Store(StoreMode::kSet, "n", "1", 0, 0).status,
            Status::kOk);

  fs->full = true;
  EXPECT_EQ(engine->Store(StoreMode::kSet, "k2", "v", 0, 0).status,
            Status::kInternalError);
  EXPECT_EQ(engine->Arithmetic("n", true, 1).status, Status::kInternalError);
  EXPECT_EQ(engine->Delete("k"), Status::kInternalError);
  std::string value;
  ASSERT_TRUE(Item(*engine, "k", &value).has_value());
  EXPECT_EQ(value, "v");
  EXPECT_EQ(Stat(*engine, "", "rocksdb_write_errors"), "3");

  // Once there is space again, RocksDB's own recovery (a background check
  // every few seconds) or our Resume() (tried once a second by writes)
  // brings writes back.
  fs->full = false;
  const auto give_up = absl::Now() + absl::Seconds(60);
  Status status = Status::kInternalError;
  while (status != Status::kOk && absl::Now() < give_up) {
    clock_.Advance(1);
    status = engine->Store(StoreMode::kSet, "k2", "v2", 0, 0).status;
    if (status != Status::kOk) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(status, Status::kOk);
  ASSERT_TRUE(Item(*engine, "k2", &value).has_value());
  EXPECT_EQ(value, "v2");
  ASSERT_TRUE(Item(*engine, "k", &value).has_value());
}

TEST_F(RocksDbEngineTest, StatsNameTheEngineAndItsDisk) {
  auto engine = Open();
  ASSERT_NE(engine, nullptr);
  for (int i = 0; i < 10; ++i) {
    engine->Store(StoreMode::kSet, "k" + std::to_string(i), "v", 0, 0);
  }
  engine->CompactAll();
  EXPECT_EQ(Stat(*engine, "", "rocksdb_keys"), "10");
  EXPECT_EQ(Stat(*engine, "", "curr_items"), "10");
  EXPECT_GT(std::stoull(Stat(*engine, "", "rocksdb_disk_bytes")), 0u);
  EXPECT_EQ(Stat(*engine, "", "total_items"), "10");
  EXPECT_EQ(Stat(*engine, "settings", "engine"), "rocksdb");
  EXPECT_EQ(Stat(*engine, "settings", "data_dir"), dir_.path() + "/db");
}

}  // namespace
}  // namespace tinkercache
