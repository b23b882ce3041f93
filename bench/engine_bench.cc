// In-memory engine costs: get and set on a warm table, one thread and many.

#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "src/core/clock.h"
#include "src/storage/memory_engine.h"

namespace tinkercache {
namespace {

constexpr int kKeys = 100'000;

MemoryEngine& Engine() {
  static MemoryEngine* engine = [] {
    MemoryEngineOptions o;
    o.max_bytes = 1ull << 30;
    auto* e = new MemoryEngine(SystemClock::Instance(), o);
    const std::string value(100, 'v');
    for (int i = 0; i < kKeys; ++i) {
      e->Store(StoreMode::kSet, "key:" + std::to_string(i), value, 0, 0,
               std::nullopt);
    }
    return e;
  }();
  return *engine;
}

std::vector<std::string> Keys() {
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back("key:" + std::to_string(i));
  return keys;
}

void BM_EngineGetHit(benchmark::State& state) {
  MemoryEngine& engine = Engine();
  const auto keys = Keys();
  size_t i = state.thread_index() * 7919;
  size_t bytes = 0;
  for (auto _ : state) {
    engine.Get(keys[i++ % kKeys],
               [&](const ItemView& item) { bytes += item.value.size(); });
  }
  benchmark::DoNotOptimize(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineGetHit)->Threads(1)->Threads(2)->UseRealTime();

void BM_EngineSet(benchmark::State& state) {
  MemoryEngine& engine = Engine();
  const auto keys = Keys();
  const std::string value(100, 'w');
  size_t i = state.thread_index() * 7919;
  for (auto _ : state) {
    engine.Store(StoreMode::kSet, keys[i++ % kKeys], value, 0, 0,
                 std::nullopt);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineSet)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace tinkercache
