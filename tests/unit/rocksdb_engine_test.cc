// What the RocksDB engine adds to the shared engine contract: items, CAS
// uniques and a pending flush outlive the engine; expired items leave the
// disk; a directory that cannot be used refuses to open; a failing disk
// fails writes and keeps reads.

#include "src/storage/rocksdb_engine.h"

#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <utility>
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

// The real file system, watched and with faults to inject, whoever runs
// the test: while `full` is set, writes fail with "no space"; while
// `read_only` is set, creating, renaming or deleting a file or directory
// fails with "permission denied", as in a directory this process may not
// write (root writes anywhere, so a chmod cannot show it); `log_appends`
// and `log_syncs` count writes and syncs of the write-ahead log (*.log).
class TestFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  using IOStatus = rocksdb::IOStatus;
  using IOOptions = rocksdb::IOOptions;
  using FileOptions = rocksdb::FileOptions;
  using IODebugContext = rocksdb::IODebugContext;

  TestFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "TestFileSystem"; }

  IOStatus NewWritableFile(const std::string& name, const FileOptions& options,
                           std::unique_ptr<rocksdb::FSWritableFile>* result,
                           IODebugContext* dbg) override {
    if (read_only) return Refused(name);
    std::unique_ptr<rocksdb::FSWritableFile> file;
    IOStatus s = target()->NewWritableFile(name, options, &file, dbg);
    if (s.ok()) {
      *result = std::make_unique<File>(std::move(file), *this,
                                       name.ends_with(".log"));
    }
    return s;
  }
  IOStatus ReopenWritableFile(const std::string& name,
                              const FileOptions& options,
                              std::unique_ptr<rocksdb::FSWritableFile>* result,
                              IODebugContext* dbg) override {
    if (read_only) return Refused(name);
    return target()->ReopenWritableFile(name, options, result, dbg);
  }
  IOStatus ReuseWritableFile(const std::string& name,
                             const std::string& old_name,
                             const FileOptions& options,
                             std::unique_ptr<rocksdb::FSWritableFile>* result,
                             IODebugContext* dbg) override {
    if (read_only) return Refused(name);
    return target()->ReuseWritableFile(name, old_name, options, result, dbg);
  }
  IOStatus NewRandomRWFile(const std::string& name, const FileOptions& options,
                           std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                           IODebugContext* dbg) override {
    if (read_only) return Refused(name);
    return target()->NewRandomRWFile(name, options, result, dbg);
  }
  IOStatus LockFile(const std::string& name, const IOOptions& options,
                    rocksdb::FileLock** lock, IODebugContext* dbg) override {
    if (read_only) return Refused(name);
    return target()->LockFile(name, options, lock, dbg);
  }
  IOStatus CreateDir(const std::string& name, const IOOptions& options,
                     IODebugContext* dbg) override {
    if (read_only) return Refused(name);
    return target()->CreateDir(name, options, dbg);
  }
  IOStatus CreateDirIfMissing(const std::string& name, const IOOptions& options,
                              IODebugContext* dbg) override {
    // An existing directory needs no write permission.
    if (read_only && !target()->FileExists(name, options, dbg).ok()) {
      return Refused(name);
    }
    return target()->CreateDirIfMissing(name, options, dbg);
  }
  IOStatus RenameFile(const std::string& from, const std::string& to,
                      const IOOptions& options, IODebugContext* dbg) override {
    if (read_only) return Refused(to);
    return target()->RenameFile(from, to, options, dbg);
  }
  IOStatus LinkFile(const std::string& from, const std::string& to,
                    const IOOptions& options, IODebugContext* dbg) override {
    if (read_only) return Refused(to);
    return target()->LinkFile(from, to, options, dbg);
  }
  IOStatus DeleteFile(const std::string& name, const IOOptions& options,
                      IODebugContext* dbg) override {
    if (read_only) return Refused(name);
    return target()->DeleteFile(name, options, dbg);
  }

  std::atomic<bool> full{false};
  std::atomic<bool> read_only{false};
  std::atomic<int> log_appends{0};
  std::atomic<int> log_syncs{0};

 private:
  static IOStatus Refused(const std::string& name) {
    return IOStatus::IOError(name, std::strerror(EACCES));
  }

  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file, TestFileSystem& fs,
         bool log)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs), log_(log) {}
    IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                    IODebugContext* dbg) override {
      if (fs_.full) return IOStatus::NoSpace("disk full (test)");
      if (log_) ++fs_.log_appends;
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    IOStatus Append(const rocksdb::Slice& data, const IOOptions& options,
                    const rocksdb::DataVerificationInfo& info,
                    IODebugContext* dbg) override {
      if (fs_.full) return IOStatus::NoSpace("disk full (test)");
      if (log_) ++fs_.log_appends;
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
      if (log_) ++fs_.log_syncs;
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
      if (log_) ++fs_.log_syncs;
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    TestFileSystem& fs_;
    const bool log_;
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

  // Every kind of write the protocols make, each acknowledged, with the
  // write-ahead log syncs it caused.
  std::vector<std::pair<std::string, int>> LogSyncsPerWrite(bool sync) {
    auto fs = std::make_shared<TestFileSystem>();
    std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
    RocksDbEngineOptions o;
    o.sync = sync;
    o.env = env.get();
    auto engine = Open(o);
    if (engine == nullptr) return {};
    // Opening syncs the log in both modes (the CAS ceiling): the count
    // works.
    EXPECT_GT(fs->log_syncs, 0);

    const uint32_t later = clock_.NowSeconds() + 100;
    uint64_t cas = 0;
    auto stored = [&](const StoreResult& r) {
      cas = r.cas;
      return r.status == Status::kOk;
    };
    auto store = [&](StoreMode mode, std::string_view key,
                     std::string_view value) {
      return stored(engine->Store(mode, key, value, 0, 0));
    };
    auto ignore = [](const ItemView&) {};
    auto ok = [](Status status) { return status == Status::kOk; };
    // A flush has no status: the write error count tells.
    auto flushed = [&] {
      return Stat(*engine, "", "rocksdb_write_errors") == "0";
    };
    const std::vector<std::pair<std::string, std::function<bool()>>> writes = {
        {"set", [&] { return store(StoreMode::kSet, "k", "v"); }},
        {"add", [&] { return store(StoreMode::kAdd, "added", "v"); }},
        {"replace", [&] { return store(StoreMode::kReplace, "k", "w"); }},
        {"append", [&] { return store(StoreMode::kAppend, "k", ">"); }},
        {"prepend", [&] { return store(StoreMode::kPrepend, "k", "<"); }},
        {"cas",
         [&] {
           return stored(engine->Store(StoreMode::kSet, "k", "c", 0, 0, cas));
         }},
        {"set counter", [&] { return store(StoreMode::kSet, "n", "1"); }},
        {"incr", [&] { return ok(engine->Arithmetic("n", true, 2).status); }},
        {"decr", [&] { return ok(engine->Arithmetic("n", false, 1).status); }},
        {"incr creating",
         [&] {
           return ok(
               engine->Arithmetic("made", true, 1, NewCounter{5, 0}).status);
         }},
        {"touch", [&] { return ok(engine->GetAndTouch("k", later, ignore)); }},
        {"vivify",
         [&] {
           FetchArgs fetch{"vivified"};
           fetch.vivify_deadline = later;
           return ok(engine->Fetch(fetch, ignore));
         }},
        {"invalidate",
         [&] {
           DeleteArgs invalidate{"k"};
           invalidate.invalidate = true;
           return ok(engine->Delete(invalidate));
         }},
        {"delete", [&] { return ok(engine->Delete("added")); }},
        {"delayed flush",
         [&] {
           engine->Flush(later);
           return flushed();
         }},
        {"flush",
         [&] {
           engine->Flush(0);
           return flushed();
         }},
    };
    std::vector<std::pair<std::string, int>> syncs;
    for (const auto& [name, write] : writes) {
      const int appends_before = fs->log_appends;
      const int syncs_before = fs->log_syncs;
      EXPECT_TRUE(write()) << name;
      EXPECT_GT(fs->log_appends, appends_before) << name << ": not logged";
      syncs.emplace_back(name, fs->log_syncs - syncs_before);
    }
    return syncs;
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
}

TEST_F(RocksDbEngineTest, ReadOnlyDirectoryRefusesToOpen) {
  auto fs = std::make_shared<TestFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  fs->read_only = true;
  RocksDbEngineOptions o;
  o.data_dir = dir_.path() + "/read-only";
  ASSERT_EQ(mkdir(o.data_dir.c_str(), 0555), 0);
  o.env = env.get();
  auto engine = RocksDbEngine::Open(clock_, o);
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(engine.status().message(), HasSubstr(o.data_dir));
  EXPECT_THAT(engine.status().message(), HasSubstr(std::strerror(EACCES)));
}

TEST_F(RocksDbEngineTest, FullDiskFailsWritesAndKeepsReads) {
  auto fs = std::make_shared<TestFileSystem>();
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

// --sync: a write is acknowledged only once the log is on the disk.
TEST_F(RocksDbEngineTest, SyncModeSyncsTheLogBeforeEachAcknowledgement) {
  const auto writes = LogSyncsPerWrite(/*sync=*/true);
  ASSERT_EQ(writes.size(), 16u);
  for (const auto& [name, syncs] : writes) EXPECT_GE(syncs, 1) << name;
}

// Without it, the log is written but left to the OS: no sync per write.
TEST_F(RocksDbEngineTest, DefaultModeLeavesTheLogToTheOs) {
  const auto writes = LogSyncsPerWrite(/*sync=*/false);
  ASSERT_EQ(writes.size(), 16u);
  for (const auto& [name, syncs] : writes) EXPECT_EQ(syncs, 0) << name;
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
