// Engine costs: get and set on a warm key space, one thread and two, for
// the in-memory engine and the RocksDB engine (write-ahead log, and fsync
// per write), with 100-byte and 10 KB values.
//
// RocksDB's directory is under $TINKERCACHE_BENCH_DIR (default $TMPDIR or
// /tmp): put it on the disk you want measured, not on a tmpfs.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "src/core/clock.h"
#include "src/storage/memory_engine.h"
#include "src/storage/rocksdb_engine.h"

namespace tinkercache {
namespace {

enum class Kind { kMemory, kRocksDb, kRocksDbSync };

// 100 MB of values at either size: RocksDB's reads then come from its
// block cache or the page cache, not only from its memtable.
int KeysFor(size_t value_size) {
  return value_size >= 1024 ? 10'000 : 100'000;
}

std::string KeyFor(int i) { return "key:" + std::to_string(i); }

std::string BenchDir() {
  for (const char* name : {"TINKERCACHE_BENCH_DIR", "TMPDIR"}) {
    const char* dir = std::getenv(name);
    if (dir != nullptr && *dir != '\0') return dir;
  }
  return "/tmp";
}

// One engine per kind and value size, filled once and kept for the run;
// main() closes them, and removes RocksDB's directories, before static
// destruction begins (RocksDB's own statics must still be there).
struct Engines {
  std::map<std::pair<Kind, size_t>, std::unique_ptr<Engine>> engines;
  std::vector<std::string> dirs;
};
Engines* all_engines = new Engines;

void CloseEngines() {
  all_engines->engines.clear();
  std::error_code ignored;
  for (const std::string& dir : all_engines->dirs) {
    std::filesystem::remove_all(dir, ignored);
  }
}

Engine& EngineFor(Kind kind, size_t value_size) {
  Engines& all = *all_engines;
  auto& slot = all.engines[{kind, value_size}];
  if (slot != nullptr) return *slot;
  if (kind == Kind::kMemory) {
    MemoryEngineOptions o;
    o.max_bytes = 1ull << 30;
    slot = std::make_unique<MemoryEngine>(SystemClock::Instance(), o);
  } else {
    RocksDbEngineOptions o;
    o.data_dir = BenchDir() + "/tinkercache-bench-" +
                 std::to_string(getpid()) + "-" +
                 std::to_string(static_cast<int>(kind)) + "-" +
                 std::to_string(value_size);
    o.sync = kind == Kind::kRocksDbSync;
    o.cache_bytes = 256ull << 20;
    all.dirs.push_back(o.data_dir);
    auto engine = RocksDbEngine::Open(SystemClock::Instance(), o);
    if (!engine.ok()) {
      std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
      std::abort();
    }
    slot = std::move(*engine);
  }
  // Only gets need the keys present; a synced fill would take minutes.
  if (kind == Kind::kRocksDbSync) return *slot;
  const std::string value(value_size, 'v');
  const int keys = KeysFor(value_size);
  for (int i = 0; i < keys; ++i) {
    slot->Store(StoreMode::kSet, KeyFor(i), value, 0, 0);
  }
  if (auto* rocks = dynamic_cast<RocksDbEngine*>(slot.get())) {
    rocks->CompactAll();  // reads from tables, as after a restart
  }
  return *slot;
}

std::vector<std::string> Keys(size_t value_size) {
  std::vector<std::string> keys;
  for (int i = 0; i < KeysFor(value_size); ++i) keys.push_back(KeyFor(i));
  return keys;
}

template <Kind kKind>
void BM_EngineGetHit(benchmark::State& state) {
  const size_t value_size = static_cast<size_t>(state.range(0));
  Engine& engine = EngineFor(kKind, value_size);
  const auto keys = Keys(value_size);
  size_t i = state.thread_index() * 7919;
  size_t bytes = 0;
  for (auto _ : state) {
    engine.Get(keys[i++ % keys.size()],
               [&](const ItemView& item) { bytes += item.value.size(); });
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations());
  if (bytes != value_size * state.iterations()) state.SkipWithError("miss");
}

template <Kind kKind>
void BM_EngineSet(benchmark::State& state) {
  const size_t value_size = static_cast<size_t>(state.range(0));
  Engine& engine = EngineFor(kKind, value_size);
  const auto keys = Keys(value_size);
  const std::string value(value_size, 'w');
  size_t i = state.thread_index() * 7919;
  for (auto _ : state) {
    if (engine.Store(StoreMode::kSet, keys[i++ % keys.size()], value, 0, 0)
            .status != Status::kOk) {
      state.SkipWithError("store failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

#define ENGINE_BENCH(fn, kind)                                             \
  BENCHMARK_TEMPLATE(fn, kind)->Arg(100)->Arg(10240)->Threads(1)->Threads(2) \
      ->UseRealTime()

ENGINE_BENCH(BM_EngineGetHit, Kind::kMemory);
ENGINE_BENCH(BM_EngineGetHit, Kind::kRocksDb);
ENGINE_BENCH(BM_EngineSet, Kind::kMemory);
ENGINE_BENCH(BM_EngineSet, Kind::kRocksDb);
ENGINE_BENCH(BM_EngineSet, Kind::kRocksDbSync);

}  // namespace
}  // namespace tinkercache

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  tinkercache::CloseEngines();
  return 0;
}
